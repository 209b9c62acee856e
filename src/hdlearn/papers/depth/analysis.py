"""Statistics of the depth paper's tables (arXiv 2502.13961), shared by claims and figures.

All curves are medians over seeds, as in the paper (pandas medians, which skip a NaN seed:
not yet the NaN-strict statistics of :mod:`hdlearn.analysis.strict`). The threshold
``kappa_c`` of a learner at dimension ``d`` is the first ``kappa`` at which its median test
error falls to the midpoint between the random level ``Var(y)`` and its error at the largest
``kappa`` (linear interpolation between grid points); ``n_c = d^kappa_c``. The theory puts it
at ``1 + eps1 = k eps1 = 1.5`` for the worked example, so ``ln n_c`` grows like ``1.5 ln d``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import first_crossing, loglog_slope
from hdlearn.analysis.strict import strict_max, strict_min


def final(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """End-of-training rows of ``metric``."""
    return table[(table["stage"] == "final") & (table["metric"] == metric)]


def final_rows(sweep: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    """The final test errors of ``sweep`` and the final ``Var(y)`` of ``levels``, one frame:
    what :func:`collapse_slope_statistic` reads."""
    return pd.concat([final(sweep, "test_mse"), final(levels, "var_y")], ignore_index=True)


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
    """Slope of ``ln n_c`` vs ``ln d`` over the dimensions with a threshold (NaN if < 2);
    ``frame`` holds :func:`final_rows` (the levels are the rows of learner ``reference``)."""
    sweep = frame[frame["learner"] != "reference"]
    levels = frame[frame["learner"] == "reference"]
    table = threshold_table(sweep, levels)
    table = table[(table["learner"] == learner) & np.isfinite(table["n_c"])]
    if len(table) < 2:
        return math.nan
    return loglog_slope(table["d"].to_numpy(float), table["n_c"].to_numpy(float))[0]


NETWORKS = ("two_layer", "three_layer_layerwise", "three_layer_joint")
LAYERWISE, JOINT = "three_layer_layerwise", "three_layer_joint"


def experiment_rows(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["experiment"] == name]


def _largest_d(frame: pd.DataFrame, experiment: str = "sweep") -> int:
    return int(experiment_rows(frame, experiment)["d"].max())


def _at_kappa_max(frame: pd.DataFrame, learner: str, metric: str = "test_mse") -> float:
    sweep = experiment_rows(frame, "sweep")
    curve = median_curve(sweep, learner, _largest_d(frame), metric)
    return float(curve.iloc[-1]) if len(curve) else math.nan


def below_threshold_ratio(frame: pd.DataFrame, kappa_max: float) -> float:
    """min over d, networks and kappa <= kappa_max of median E / median Var(y)."""
    sweep, levels = experiment_rows(frame, "sweep"), experiment_rows(frame, "levels")
    ratios = []
    for d in sorted(sweep["d"].unique()):
        var_y = median_level(levels, d)
        for learner in NETWORKS:
            curve = median_curve(sweep, learner, d)
            ratios.extend((curve[curve.index <= kappa_max + 1e-9] / var_y).tolist())
    return strict_min(ratios)


def error_ratio(frame: pd.DataFrame, learner: str, reference: str) -> float:
    """E_learner / E_reference at the largest kappa and d of the sweep."""
    return _at_kappa_max(frame, learner) / _at_kappa_max(frame, reference)


def joint_gap(frame: pd.DataFrame) -> float:
    """|E_joint - E_layerwise| / E_2-layer at the largest kappa and d."""
    gap = abs(_at_kappa_max(frame, JOINT) - _at_kappa_max(frame, LAYERWISE))
    return gap / _at_kappa_max(frame, "two_layer")


def layerwise_threshold(frame: pd.DataFrame) -> float:
    """kappa_c of the layer-wise 3-layer net at the largest d."""
    d = _largest_d(frame)
    curve = median_curve(experiment_rows(frame, "sweep"), LAYERWISE, d)
    return threshold_kappa(curve, median_level(experiment_rows(frame, "levels"), d))


def overlap_curve(frame: pd.DataFrame, metric: str, learner: str = LAYERWISE) -> pd.Series:
    return median_curve(experiment_rows(frame, "sweep"), learner, _largest_d(frame), metric)


def overlap_rise(frame: pd.DataFrame, metric: str, below: float) -> float:
    """Median overlap at the largest kappa minus its largest value at kappa <= ``below``."""
    curve = overlap_curve(frame, metric)
    early = curve[curve.index <= below + 1e-9]
    if curve.empty or early.empty:
        return math.nan
    return float(curve.iloc[-1] - early.max())


def overlap_random_gap(frame: pd.DataFrame, below: float) -> float:
    """max over kappa <= ``below`` of |M_W - sqrt(d_eff/d)| (the random-direction value)."""
    sweep = experiment_rows(frame, "sweep")
    d = _largest_d(frame)
    d_eff = int(sweep.loc[sweep["d"] == d, "d_eff"].iloc[0])
    curve = overlap_curve(frame, "overlap_W")
    early = curve[curve.index <= below + 1e-9]
    return float((early - math.sqrt(d_eff / d)).abs().max()) if len(early) else math.nan


def overlap_max(frame: pd.DataFrame) -> float:
    """Largest median M_W of the two 3-layer nets over the kappa grid."""
    return strict_max(
        float(overlap_curve(frame, "overlap_W", lrn).max()) for lrn in (LAYERWISE, JOINT)
    )


def overlap_midpoint(frame: pd.DataFrame, metric: str) -> float:
    """First kappa at which the median overlap rises halfway from kappa_min to kappa_max."""
    curve = overlap_curve(frame, metric)
    if len(curve) < 2:
        return math.nan
    half = 0.5 * (curve.iloc[0] + curve.iloc[-1])
    return first_crossing(curve.index.to_numpy(float), -curve.to_numpy(float), -half)


def ablation_change(frame: pd.DataFrame, kappa_min: float, variant: str) -> float:
    """max over d and kappa >= ``kappa_min`` of |E_variant - E_default| / E_default (medians)."""
    ablation = experiment_rows(frame, "ablation")
    rows = final(ablation, "test_mse")
    rows = rows[rows["kappa"] >= kappa_min - 1e-9]
    medians = rows.groupby(["d", "variant", "kappa"])["value"].median().unstack("variant")
    if "default" not in medians or variant not in medians:
        return math.nan
    change = (medians[variant] - medians["default"]).abs() / medians["default"]
    return float(np.nanmax(change.to_numpy())) if change.notna().any() else math.nan


def error_vs_quartic(frame: pd.DataFrame) -> float:
    """E_layerwise(kappa_max) / best degree-4 level in z at the largest d."""
    level = median_level(experiment_rows(frame, "levels"), _largest_d(frame), "level_deg4")
    return _at_kappa_max(frame, LAYERWISE) / level


# --------------------------------------------------------------------------- theory


def target_degree(coefficients: list[float]) -> int:
    """``k``: the degree of the target's outer polynomial ``P = sum_k c_k h_k`` (the largest
    index of a non-zero coefficient, ``block.target.coefficients``)."""
    return max(i for i, c in enumerate(coefficients) if c != 0)


def predicted_threshold(eps1: float, coefficients: list[float]) -> float:
    """The theory's threshold ``kappa* = max(1 + eps1, k eps1)`` (``n = d^kappa``): a 3-layer
    net trained layer-wise learns the target at ``kappa = max(1 + eps1, k eps1)``, ``k`` the
    degree of the target's outer polynomial (:func:`target_degree`), per Dandi et al. 2025
    (arXiv 2502.13961, Thm 1): its first layer needs ``kappa > 1 + eps1`` to find the
    ``d_eff = d^eps1`` relevant directions, its second ``kappa > k eps1`` to learn the degree-k
    features of them. ``1.5`` for the worked example (``eps1 = 0.5``, ``k = 3``)."""
    return max(1 + eps1, target_degree(coefficients) * eps1)
