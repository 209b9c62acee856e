"""Gaussian multi-index polynomial targets ``f*(x) = g(U x)`` built from Hermite polynomials.

``x ~ N(0, I_d)`` and ``U`` is an ``(r, d)`` matrix with orthonormal rows, so ``z = U x`` is
standard Gaussian in ``R^r``. The link ``g`` is a sum of products of orthonormal Hermite
polynomials ``h_k = He_k / sqrt(k!)`` (``E[h_j(z) h_k(z)] = delta_jk``, see
:mod:`hdlearn.targets.hermite`):

    g(z) = sum_t c_t prod_i h_{k_{t,i}}(z_i),

one term ``t`` per multi-index ``k_t in N^r``. Distinct multi-indices are orthonormal, so
``E[f*(x)^2] = sum_t c_t^2`` exactly (the terms must be distinct; :class:`IndexTarget` checks).

Examples (Damian, Lee & Soltanolkotabi 2022, arXiv 2206.15144, Sec. 6): the target of their
Fig. 1 is ``He_2/2 + He_4/sqrt(2 * 4!) = (h_2 + h_4)/sqrt(2)`` in one direction ``u``, i.e.
terms ``((2,), 1/sqrt(2)), ((4,), 1/sqrt(2))``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from hdlearn.targets.hermite import hermite

Term = tuple[tuple[int, ...], float]


def random_orthonormal_rows(
    r: int, d: int, generators: list[torch.Generator], device: torch.device
) -> torch.Tensor:
    """``U`` of shape ``(E, r, d)`` with orthonormal rows, Haar-distributed, member ``e`` from
    ``generators[e]`` (QR of a Gaussian matrix with the sign of ``diag(R)`` fixed), float64."""
    if not 1 <= r <= d:
        raise ValueError(f"need 1 <= r <= d, got r = {r}, d = {d}")
    mats = []
    for gen in generators:
        q, upper = torch.linalg.qr(torch.randn(d, r, generator=gen, dtype=torch.float64))
        mats.append((q * torch.sign(torch.diagonal(upper))).T)
    return torch.stack(mats).to(device)


@dataclass(frozen=True)
class IndexTarget:
    """``f*(x) = sum_t c_t prod_i h_{k_{t,i}}(u_i . x)`` per ensemble member.

    ``directions`` is ``U`` of shape ``(E, r, d)`` (orthonormal rows); ``terms`` the
    ``(multi_index, coefficient)`` pairs shared by all members.
    """

    directions: torch.Tensor
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        r = self.directions.shape[1]
        indices = [tuple(k) for k, _ in self.terms]
        if any(len(k) != r for k in indices):
            raise ValueError(f"every multi-index needs {r} entries, got {indices}")
        if len(set(indices)) != len(indices):
            raise ValueError(f"multi-indices must be distinct, got {indices}")

    @property
    def rank(self) -> int:
        return int(self.directions.shape[1])

    def second_moment(self) -> float:
        """``E[f*(x)^2] = sum_t c_t^2`` (orthonormality of the tensor Hermite basis)."""
        return float(sum(c * c for _, c in self.terms))

    def of_z(self, z: torch.Tensor) -> torch.Tensor:
        """``g(z)`` for ``z`` of shape ``(E, n, r)``; returns ``(E, n)``."""
        out = torch.zeros(z.shape[:-1], dtype=z.dtype, device=z.device)
        for index, coefficient in self.terms:
            term = torch.ones_like(out)
            for i, k in enumerate(index):
                if k:
                    term = term * hermite(k, z[..., i], "orthonormal")
            out = out + coefficient * term
        return out

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """``z = U x`` of shape ``(E, n, r)`` for ``x`` of shape ``(E, n, d)``."""
        return x @ self.directions.transpose(1, 2).to(x.dtype)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.of_z(self.project(x))


def single_index_terms(coefficients: Sequence[Sequence[float]]) -> tuple[Term, ...]:
    """Terms of ``g(z) = sum_k c_k h_k(z)`` from ``[[k, c_k], ...]`` (degree, coefficient)."""
    return tuple(((int(k),), float(c)) for k, c in coefficients)


def staircase_terms(r: int) -> tuple[Term, ...]:
    """The rank-``r`` family ``f* = (q + h)/sqrt(2)`` used for the ``r``-dependence ablation.

    ``q = sum_i h_2(z_i)/sqrt(r)`` (so ``H = E[grad^2 f*] = U^T U / sqrt(r)``, rank ``r``
    with equal eigenvalues, kappa = 1) and ``h`` a unit-norm degree-4 term:
    ``h_4(z_1)`` for ``r = 1``, ``h_2(z_1) h_2(z_2)`` for ``r = 2``, and the cyclic sum
    ``sum_i h_2(z_i) h_2(z_{i+1 mod r})/sqrt(r)`` for ``r >= 3`` [our choice; the reference
    notes leave the wrap-around open]. ``E[f*^2] = 1``.
    """
    if r < 1:
        raise ValueError(f"need r >= 1, got {r}")
    terms: list[Term] = []
    for i in range(r):
        k = [0] * r
        k[i] = 2
        terms.append((tuple(k), 1.0 / math.sqrt(2 * r)))
    if r == 1:
        terms.append(((4,), 1.0 / math.sqrt(2)))
    elif r == 2:
        terms.append(((2, 2), 1.0 / math.sqrt(2)))
    else:
        for i in range(r):
            k = [0] * r
            k[i] += 2
            k[(i + 1) % r] += 2
            terms.append((tuple(k), 1.0 / math.sqrt(2 * r)))
    return tuple(terms)
