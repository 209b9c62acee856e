"""Statistics of the depth paper's tables (arXiv 2502.13961), shared by claims and figures.

All curves are medians over seeds, as in the paper. The threshold ``kappa_c`` of a learner at
dimension ``d`` is the first ``kappa`` at which its median test error falls to the midpoint
between the random level ``Var(y)`` and its error at the largest ``kappa`` (linear
interpolation between grid points); ``n_c = d^kappa_c``. The theory puts it at
``1 + eps1 = k eps1 = 1.5`` for the worked example, so ``ln n_c`` grows like ``1.5 ln d``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import Estimate, bootstrap, first_crossing, loglog_slope


def final(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """End-of-training rows of ``metric``."""
    return table[(table["stage"] == "final") & (table["metric"] == metric)]


def median_curve(
    table: pd.DataFrame, learner: str, d: int, metric: str = "test_mse", variant: str = "default"
) -> pd.Series:
    """Median over seeds of the final ``metric`` vs ``kappa`` for one learner at one ``d``."""
    rows = final(table, metric)
    rows = rows[(rows["learner"] == learner) & (rows["d"] == d) & (rows["variant"] == variant)]
    return rows.groupby("kappa")["value"].median().sort_index()


def median_level(levels: pd.DataFrame, d: int, metric: str = "var_y") -> float:
    """Median over seeds of a reference level (``var_y``, ``level_deg2``, ``level_deg4``)."""
    rows = final(levels, metric)
    values = rows.loc[rows["d"] == d, "value"]
    return float(values.median()) if len(values) else math.nan


def threshold_kappa(curve: pd.Series, var_y: float) -> float:
    """First crossing of ``(Var(y) + E(kappa_max)) / 2`` by the median error curve."""
    if len(curve) < 2 or not np.isfinite(var_y):
        return math.nan
    midpoint = 0.5 * (var_y + float(curve.iloc[-1]))
    return first_crossing(curve.index.to_numpy(float), curve.to_numpy(float), midpoint)


def threshold_table(sweep: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    """``kappa_c`` and ``n_c = d^kappa_c`` for every (learner, d) of the sweep (medians over
    seeds). Columns: ``learner, d, kappa_c, n_c`` (NaN where the curve never crosses)."""
    rows = []
    tested = final(sweep, "test_mse")
    for (learner, d), _ in tested.groupby(["learner", "d"]):
        kappa_c = threshold_kappa(median_curve(sweep, learner, d), median_level(levels, d))
        rows.append({"learner": learner, "d": int(d), "kappa_c": kappa_c, "n_c": d**kappa_c})
    return pd.DataFrame(rows, columns=["learner", "d", "kappa_c", "n_c"])


def collapse_slope_statistic(frame: pd.DataFrame, learner: str) -> float:
    """Slope of ``ln n_c`` vs ``ln d`` over the dimensions with a threshold (NaN if < 2)."""
    sweep = frame[frame["learner"] != "reference"]
    levels = frame[frame["learner"] == "reference"]
    table = threshold_table(sweep, levels)
    table = table[(table["learner"] == learner) & np.isfinite(table["n_c"])]
    if len(table) < 2:
        return math.nan
    return loglog_slope(table["d"].to_numpy(float), table["n_c"].to_numpy(float))[0]


def collapse_slope(
    sweep: pd.DataFrame,
    levels: pd.DataFrame,
    *,
    learner: str,
    n_boot: int,
    seed: int,
    level: float,
) -> Estimate:
    """The slope of ``ln n_c`` vs ``ln d`` with a bootstrap CI over seeds (theory: 1.5)."""
    frame = pd.concat([final(sweep, "test_mse"), final(levels, "var_y")], ignore_index=True)
    return bootstrap(
        frame,
        lambda f: collapse_slope_statistic(f, learner),
        by="seed",
        n_boot=n_boot,
        seed=seed,
        level=level,
    )
