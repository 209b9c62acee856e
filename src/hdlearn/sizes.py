"""Grid sizes: sample sizes from exponents and factors (robust to floating-point round-off),
tensor dimensions and ranks. Plain arithmetic, importable without torch (the DAG plans with
it)."""

from __future__ import annotations

import math


def power_samples(d: int, k: float, minimum: int = 1) -> int:
    """``n = floor(d^k)``, at least ``minimum``; ``1e-9`` absorbs round-off (``32^2.0`` is
    1024, ``10^3.5`` is 3162)."""
    return max(minimum, math.floor(d**k + 1e-9))


def factor_samples(c: float, base: float, minimum: int = 1) -> int:
    """``n = floor(c base)``, at least ``minimum``, e.g. ``base = d^2``."""
    return max(minimum, math.floor(c * base + 1e-9))


def effective_dimension(d: int, eps1: float) -> int:
    """``d_eff = floor(d^eps1)``, robust to float round-off (``16^0.5`` is 4, not 3)."""
    return math.floor(d**eps1 + 1e-9)


def tensor_dimension(d: int, degree: int = 3) -> int:
    """``D_k = C(d + k, k)``: the number of monomials of degree ``<= k`` in ``d`` variables."""
    return math.comb(d + degree, degree)


def generic_rank(d: int) -> int:
    """``R_gen = ceil(C(d + 2, 3) / d)``: the generic rank of symmetric ``d x d x d`` tensors
    (Alexander-Hirschowitz; the identifiability ceiling, about ``d^2 / 6``)."""
    return math.ceil(math.comb(d + 2, 3) / d)


def rank_of(d: int, rho: float) -> int:
    """The teacher width ``r = max(1, round(rho d^1.5))`` at ``rho = r/d^1.5``."""
    return max(1, round(rho * float(d) ** 1.5))
