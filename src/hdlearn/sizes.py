"""Sample sizes from exponents and factors, robust to floating-point round-off."""

from __future__ import annotations

import math


def power_samples(d: int, k: float, minimum: int = 1) -> int:
    """``n = floor(d^k)``, at least ``minimum``; ``1e-9`` absorbs round-off (``32^2.0`` is
    1024, ``10^3.5`` is 3162)."""
    return max(minimum, math.floor(d**k + 1e-9))


def factor_samples(c: float, base: float, minimum: int = 1) -> int:
    """``n = floor(c base)``, at least ``minimum``, e.g. ``base = d^2``."""
    return max(minimum, math.floor(c * base + 1e-9))
