"""NaN-strict statistics, the one place every paper's claims and figures take them from.

A diverged or missing run is NaN. pandas' reductions skip NaN and Python's ``max``/``min``
keep or drop it depending on its position, so a "for every d" claim could pass on the runs
that happened to finish. Here a NaN never drops out: any NaN input makes the result NaN (and
an empty input is NaN too), so the claim reads INCONCLUSIVE instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
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


def strict_mean(values: Iterable[float]) -> float:
    """The mean of ``values``; NaN when empty or when any value is NaN."""
    out = _values(values)
    return math.nan if out is None else float(np.mean(out))


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


def group_median_mean(
    codes: np.ndarray, medians: np.ndarray, means: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group code ``0 .. size-1``: the median of ``medians``, the mean of ``means`` and the
    row count, NaN-strict as :func:`hdlearn.analysis.strict.strict_groups` (a group holding a
    NaN, or no row, is NaN), with one sort instead of pandas group-bys (cheap inside a seed
    bootstrap). The median of the sorted ``n`` values of a group is the mean of its
    ``floor((n-1)/2)``-th and ``floor(n/2)``-th (0-based), so +inf (censored) is a value."""
    counts = np.bincount(codes, minlength=size)
    empty = counts == 0

    def undefined(values: np.ndarray) -> np.ndarray:
        return empty | (np.bincount(codes, weights=np.isnan(values), minlength=size) > 0)

    ordered = medians[np.lexsort((medians, codes))]
    starts, last = np.cumsum(counts) - counts, max(len(ordered) - 1, 0)
    low = ordered[np.minimum(starts + (np.maximum(counts, 1) - 1) // 2, last)]
    high = ordered[np.minimum(starts + counts // 2, last)]
    median = np.where(undefined(medians), np.nan, (low + high) / 2.0)
    sums = np.bincount(codes, weights=np.where(np.isnan(means), 0.0, means), minlength=size)
    mean = np.where(undefined(means), np.nan, sums / np.maximum(counts, 1))
    return median, mean, counts
