"""NaN-strict statistics, the one place every paper's claims and figures take them from.

A diverged or missing run is NaN. pandas' reductions skip NaN and Python's ``max``/``min``
keep or drop it depending on its position, so a "for every d" claim could pass on the runs
that happened to finish. Here a NaN never drops out: any NaN input makes the result NaN (and
an empty input is NaN too), so the claim reads INCONCLUSIVE instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd


def _values(values: Iterable[float]) -> list[float] | None:
    """The values as a list, or ``None`` when empty or when any of them is NaN."""
    out = [float(v) for v in values]
    return None if not out or any(math.isnan(v) for v in out) else out


def strict_max(values: Iterable[float]) -> float:
    """``max(values)``; NaN when empty or when any value is NaN."""
    out = _values(values)
    return math.nan if out is None else max(out)


def strict_min(values: Iterable[float]) -> float:
    """``min(values)``; NaN when empty or when any value is NaN."""
    out = _values(values)
    return math.nan if out is None else min(out)


def strict_spread(values: Iterable[float]) -> float:
    """``max - min`` of at least two values; NaN with fewer or when any value is NaN."""
    out = _values(values)
    return math.nan if out is None or len(out) < 2 else max(out) - min(out)


def strict_groups(groups: pd.core.groupby.SeriesGroupBy, how: str) -> pd.Series:
    """``groups.median()`` or ``groups.mean()``, NaN for every group holding a NaN (pandas
    would skip it: a diverged seed would drop out of its cell's median)."""
    if how not in ("median", "mean"):
        raise ValueError(f"how must be 'median' or 'mean', got {how!r}")
    return getattr(groups, how)().where(groups.count() == groups.size())
