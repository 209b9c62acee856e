"""Probabilists' Hermite polynomials in three normalisations, and multivariate Hermite features.

The probabilists' Hermite polynomials ``He_k`` are orthogonal under the standard Gaussian
``z ~ N(0, 1)``:

    He_0(x) = 1,   He_1(x) = x,   He_{k+1}(x) = x He_k(x) - k He_{k-1}(x),
    E[He_j(z) He_k(z)] = k! delta_jk.

So ``He_2 = x^2 - 1`` and ``He_3 = x^3 - 3x``. Three normalisations ``h_k = He_k / c_k`` are
offered (see Abramowitz & Stegun 22.2.15 / 22.7.14, or O'Donnell, *Analysis of Boolean
Functions*, ch. 11):

* ``"probabilist"``: ``c_k = 1``, ``E[h_k^2] = k!``;
* ``"factorial"``: ``c_k = k!``, ``E[h_k^2] = 1/k!``. This is the convention of the code of
  Dandi, Pesce, Zdeborová, Krzakala (arXiv 2502.13961): ``h_2 = (x^2 - 1)/2``,
  ``h_3 = (x^3 - 3x)/6``;
* ``"orthonormal"``: ``c_k = sqrt(k!)``, ``E[h_j h_k] = delta_jk``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch

NORMALISATIONS = ("probabilist", "factorial", "orthonormal")


def _check_normalisation(normalisation: str) -> None:
    """Raise ``ValueError`` unless ``normalisation`` is one of :data:`NORMALISATIONS`."""
    if normalisation not in NORMALISATIONS:
        allowed = ", ".join(repr(n) for n in NORMALISATIONS)
        raise ValueError(f"unknown Hermite normalisation {normalisation!r}; allowed: {allowed}")


def _scale(k: int, normalisation: str) -> float:
    """The divisor ``c_k``: 1, ``k!`` or ``sqrt(k!)`` (see the module docstring)."""
    _check_normalisation(normalisation)
    if normalisation == "probabilist":
        return 1.0
    if normalisation == "factorial":
        return float(math.factorial(k))
    return math.sqrt(math.factorial(k))


def _probabilist_table(x: torch.Tensor, max_degree: int) -> list[torch.Tensor]:
    """``[He_0(x), ..., He_q(x)]`` with ``q = max_degree`` by the three-term recurrence
    ``He_{k+1} = x He_k - k He_{k-1}``; each entry has the shape and dtype of ``x``."""
    table = [torch.ones_like(x)]
    if max_degree >= 1:
        table.append(x.clone())
    for k in range(1, max_degree):
        table.append(x * table[k] - k * table[k - 1])
    return table


def hermite(k: int, x: torch.Tensor, normalisation: str) -> torch.Tensor:
    """``h_k(x) = He_k(x) / c_k`` entrywise, with ``c_k`` = 1, ``k!`` or ``sqrt(k!)`` for the
    ``"probabilist"``, ``"factorial"`` and ``"orthonormal"`` normalisations.

    ``He_k`` comes from the recurrence ``He_{k+1} = x He_k - k He_{k-1}`` (``He_0 = 1``,
    ``He_1 = x``). Raises ``ValueError`` for ``k < 0`` or an unknown normalisation.
    """
    _check_normalisation(normalisation)
    if k < 0:
        raise ValueError(f"Hermite degree must be non-negative, got k = {k}")
    return _probabilist_table(x, k)[k] / _scale(k, normalisation)


def hermite_norm_sq(k: int, normalisation: str) -> float:
    """``E[h_k(z)^2]`` for ``z ~ N(0, 1)``: ``k!`` (probabilist), ``1/k!`` (factorial) or
    ``1`` (orthonormal), since ``E[He_k(z)^2] = k!``."""
    if k < 0:
        raise ValueError(f"Hermite degree must be non-negative, got k = {k}")
    return float(math.factorial(k)) / _scale(k, normalisation) ** 2


def _compositions(m: int, total: int) -> Iterator[tuple[int, ...]]:
    """All ``a`` in ``N^m`` with ``sum(a) = total``, in ascending lexicographic order."""
    if m == 0:
        if total == 0:
            yield ()
        return
    if m == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(m - 1, total - first):
            yield (first, *rest)


def multi_indices(m: int, max_degree: int) -> list[tuple[int, ...]]:
    """All multi-indices ``a in N^m`` with ``|a| = a_1 + ... + a_m <= max_degree``.

    Ordered by total degree ``|a|``, then ascending lexicographically; e.g. for ``m = 2``,
    ``max_degree = 2``: ``(0,0), (0,1), (1,0), (0,2), (1,1), (2,0)``. There are
    ``C(m + max_degree, max_degree)`` of them (stars and bars).
    """
    if m < 0 or max_degree < 0:
        raise ValueError(f"need m >= 0 and max_degree >= 0, got m = {m}, max_degree = {max_degree}")
    return [a for total in range(max_degree + 1) for a in _compositions(m, total)]


def multivariate_hermite_features(z: torch.Tensor, max_degree: int) -> torch.Tensor:
    """Tensor-product orthonormal Hermite features ``phi_a(z) = prod_i h_{a_i}(z_i)``.

    ``z`` has shape ``(..., m)``; the output has shape ``(..., F)`` with one column per
    multi-index ``a`` of :func:`multi_indices` ``(m, max_degree)`` (constant first),
    ``F = C(m + max_degree, max_degree)``. With ``h_k = He_k / sqrt(k!)`` the features are
    orthonormal under ``z ~ N(0, I_m)``: ``E[phi_a(z) phi_b(z)] = delta_ab``.
    """
    indices = multi_indices(z.shape[-1], max_degree)
    m = z.shape[-1]
    table = _probabilist_table(z, max_degree)
    # per-coordinate values h_k(z_i), shape (..., m, q + 1)
    per_coord = torch.stack([he / _scale(k, "orthonormal") for k, he in enumerate(table)], dim=-1)
    degree = torch.tensor(indices, dtype=torch.long, device=z.device).reshape(len(indices), m)
    coord = torch.arange(m, device=z.device)
    # per_coord[..., i, a_i] for every (a, i): shape (..., F, m), then product over i
    return per_coord[..., coord[None, :], degree].prod(dim=-1)


def sparse_multivariate_hermite_features(z: torch.Tensor, max_degree: int) -> torch.Tensor:
    """The features of :func:`multivariate_hermite_features` (same columns, same order) for
    many coordinates: each ``phi_a`` is the product of ``h_{a_i}(z_i)`` over the at most
    ``max_degree`` coordinates with ``a_i > 0`` only, so memory is ``O(n F max_degree)``
    instead of ``O(n F m)`` (``F = C(m + q, q)``; at ``m = 16, q = 3``: ``F = 969``)."""
    m = z.shape[-1]
    indices = multi_indices(m, max_degree)
    width = max(1, max_degree)
    # for each multi-index: up to ``width`` (coordinate, degree) pairs; padding is (0, 0),
    # whose factor h_0 = 1 leaves the product unchanged
    coords = torch.zeros(len(indices), width, dtype=torch.long)
    degrees = torch.zeros(len(indices), width, dtype=torch.long)
    for row, a in enumerate(indices):
        support = [(i, k) for i, k in enumerate(a) if k > 0]
        for slot, (i, k) in enumerate(support):
            coords[row, slot], degrees[row, slot] = i, k
    table = _probabilist_table(z, max_degree)
    per_coord = torch.stack([he / _scale(k, "orthonormal") for k, he in enumerate(table)], dim=-1)
    coords, degrees = coords.to(z.device), degrees.to(z.device)
    return per_coord[..., coords, degrees].prod(dim=-1)
