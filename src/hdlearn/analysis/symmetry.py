"""Analysis of the symmetry paper's tables (arXiv 2208.03113): steps-to-learn summaries with
censoring, and log-log slopes of the median steps against d.

Rows are the tidy rows of :mod:`hdlearn.experiments.symmetry` (columns ``arch, depth, target,
k, d, seed, metric, value``). A *series* is one ``(arch, depth, target, k)``. Censored seeds
(``steps_to_learn`` NaN, ``learned`` 0) count as +inf in the median, so a median is finite only
when more than half the seeds learned; slopes are fitted only over points where at least
``min_learned`` of the seeds learned (NaN otherwise), never by dropping censored seeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import loglog_slope

SERIES = ["arch", "depth", "target", "k"]


def censored_median(values: Sequence[float] | pd.Series) -> float:
    """Median with NaN (censored) read as +inf; NaN when the median itself is censored."""
    filled = np.sort(np.nan_to_num(np.asarray(values, dtype=float), nan=math.inf))
    n = filled.size
    if n == 0:
        return math.nan
    mid = filled[n // 2] if n % 2 else 0.5 * (filled[n // 2 - 1] + filled[n // 2])
    return float(mid) if math.isfinite(mid) else math.nan


def select(rows: pd.DataFrame, **series: object) -> pd.DataFrame:
    """The rows of one series (any subset of ``arch, depth, target, k`` given)."""
    mask = np.ones(len(rows), dtype=bool)
    for key, value in series.items():
        mask &= (rows[key] == value).to_numpy()
    return rows[mask]


def steps_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per series and d: ``median_steps`` (censored median), ``fraction_learned``, ``n_seeds``,
    ``q25``/``q75`` of steps (censored as +inf) and the ``cap``."""
    steps = rows[rows["metric"] == "steps_to_learn"]
    learned = rows[rows["metric"] == "learned"]
    caps = rows[rows["metric"] == "cap"]
    keys = [*SERIES, "d"]
    if steps.empty:
        columns = [*keys, "median_steps", "q25", "q75", "fraction_learned", "n_seeds", "cap"]
        return pd.DataFrame(columns=columns)

    def quantile(q: float):
        return lambda v: float(np.quantile(np.nan_to_num(v.to_numpy(float), nan=math.inf), q))

    out = steps.groupby(keys)["value"].agg(
        median_steps=censored_median, q25=quantile(0.25), q75=quantile(0.75), n_seeds="size"
    )
    out["fraction_learned"] = learned.groupby(keys)["value"].mean()
    out["cap"] = caps.groupby(keys)["value"].max()
    return out.reset_index()


def median_steps(rows: pd.DataFrame, d: int, **series: object) -> float:
    """Censored median steps of one series at ``d`` (NaN when absent or censored)."""
    part = select(rows, **series)
    part = part[(part["metric"] == "steps_to_learn") & (part["d"] == d)]
    return censored_median(part["value"]) if len(part) else math.nan


def fraction_learned(rows: pd.DataFrame, d: int, **series: object) -> float:
    part = select(rows, **series)
    part = part[(part["metric"] == "learned") & (part["d"] == d)]
    return float(part["value"].mean()) if len(part) else math.nan


def series_slope(
    rows: pd.DataFrame,
    d_range: Sequence[float],
    min_learned: float,
    **series: object,
) -> float:
    """Least-squares slope of ln(median steps) vs ln d over the series' d in ``d_range``.

    NaN when fewer than two d lie in the range or any of them has fewer than ``min_learned``
    seeds learned (a censored point is never dropped to make a fit possible).
    """
    part = select(rows, **series)
    ds = sorted(
        d for d in part["d"].unique() if d_range[0] - 1e-9 <= d <= d_range[1] + 1e-9
    )
    if len(ds) < 2:
        return math.nan
    medians = []
    for d in ds:
        if not fraction_learned(part, d) >= min_learned:
            return math.nan
        medians.append(median_steps(part, d))
    if not all(math.isfinite(m) and m > 0 for m in medians):
        return math.nan
    return loglog_slope(ds, medians)[0]
