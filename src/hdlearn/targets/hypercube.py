"""Boolean targets on the hypercube {-1,+1}^d: parities, staircases and sums of monomials.

A target is a Fourier-sparse function ``f*(x) = sum_i c_i chi_{S_i}(x)`` with
``chi_S(x) = prod_{j in S} x_j``. Distinct non-empty monomials are orthonormal under the
uniform measure, so ``E f* = 0`` and ``Var(f*) = sum_i c_i^2`` exactly.

Named families (Abbe, Boix-Adsera, Misiakiewicz, COLT 2022, arXiv 2202.08658; COLT 2023,
arXiv 2302.11055); coordinates are 0-based here, ``x_1`` of the papers is ``x[..., 0]``:

* ``parity``     ``x_1 x_2 ... x_k``                        (leap ``k``)
* ``staircase``  ``x_1 + x_1 x_2 + ... + x_1 ... x_k``      (merged staircase, leap 1)
* ``jump``       ``x_1 + x_1 x_2 ... x_k``                  (leap ``k - 1``; ``k = 3`` is leap 2)

By the permutation symmetry of the cube and of equivariant training, putting the support on the
first coordinates loses no generality (the parity of ``k`` adjacent bits of the conv experiment
is the same function).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

TARGETS = ("parity", "staircase", "jump")


def hypercube_inputs(
    n: int,
    d: int,
    generators: Sequence[torch.Generator],
    device: torch.device,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """``(E, n, d)`` uniform draws from {-1,+1}^d, member ``e`` from ``generators[e]``."""
    draws = [torch.randint(0, 2, (n, d), generator=gen, dtype=torch.int8) for gen in generators]
    return (2 * torch.stack(draws).to(device=device, dtype=dtype) - 1).contiguous()


@dataclass(frozen=True)
class BooleanTarget:
    """``f*(x) = sum_i coefficients[i] * prod_{j in monomials[i]} x_j`` (0-based supports)."""

    monomials: tuple[tuple[int, ...], ...]
    coefficients: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.monomials) != len(self.coefficients):
            raise ValueError("one coefficient per monomial")
        supports = [frozenset(m) for m in self.monomials]
        if any(not s or len(s) != len(m) for s, m in zip(supports, self.monomials, strict=True)):
            raise ValueError("monomials must be non-empty with distinct coordinates")
        if len(set(supports)) != len(supports):
            raise ValueError("monomials must be distinct")

    @property
    def support(self) -> tuple[int, ...]:
        return tuple(sorted({j for m in self.monomials for j in m}))

    @property
    def variance(self) -> float:
        """``Var(f*) = sum c_i^2`` (orthonormality of distinct non-empty monomials)."""
        return float(sum(c * c for c in self.coefficients))

    def leap(self) -> int:
        """Leap complexity (arXiv 2302.11055): the least, over orders of the monomials, of the
        largest number of new coordinates one monomial adds. MSP holds iff ``leap() <= 1``.

        Computed greedily: always add a monomial with the fewest new coordinates (optimal,
        since adding a monomial never increases what the others still need).
        """
        covered: set[int] = set()
        left = [set(m) for m in self.monomials]
        worst = 0
        while left:
            best = min(left, key=lambda m: len(m - covered))
            worst = max(worst, len(best - covered))
            covered |= best
            left.remove(best)
        return worst

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``f*(x)`` over the last axis of ``x`` (any leading shape)."""
        out = torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)
        for coef, mono in zip(self.coefficients, self.monomials, strict=True):
            out = out + coef * x[..., list(mono)].prod(dim=-1)
        return out


def named_target(name: str, k: int) -> BooleanTarget:
    """The ``parity``, ``staircase`` or ``jump`` target of degree ``k`` (module docstring)."""
    if k < 1:
        raise ValueError(f"k must be positive, got {k}")
    if name == "parity":
        return BooleanTarget((tuple(range(k)),), (1.0,))
    if name == "staircase":
        return BooleanTarget(tuple(tuple(range(j)) for j in range(1, k + 1)), (1.0,) * k)
    if name == "jump":
        if k < 2:
            raise ValueError("jump needs k >= 2")
        return BooleanTarget(((0,), tuple(range(k))), (1.0, 1.0))
    raise ValueError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")
