"""Statistics of the depth paper's tables (arXiv 2502.13961), shared by claims and figures.

The frame-level summaries (an experiment's rows, the final rows of a metric, median curves) are
computed once per frame (:func:`hdlearn.analysis.memo.per_frame`: the claims evaluate many
statistics on each bootstrap resample); they are read-only.

All curves are medians over seeds, as in the paper, and NaN-strict
(:mod:`hdlearn.analysis.strict`): a diverged seed (NaN value) makes its cell's median NaN, and
every crossing, extreme or slope that reads a NaN point is NaN, so a claim on it reads
INCONCLUSIVE instead of passing on the seeds that finished. The threshold
``kappa_c`` of a learner at dimension ``d`` is the first ``kappa`` at which its median test
error falls to the midpoint between the random level ``Var(y)`` and its error at the largest
``kappa`` (linear interpolation between grid points); ``n_c = d^kappa_c``. The theory puts it
at ``1 + eps1 = k eps1 = 1.5`` for the worked example, so ``ln n_c`` grows like ``1.5 ln d``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import first_crossing, loglog_slope
from hdlearn.analysis.memo import per_frame
from hdlearn.analysis.strict import strict_groups, strict_max, strict_min

KRR, TWO_LAYER = "krr", "two_layer"
LAYERWISE, JOINT = "three_layer_layerwise", "three_layer_joint"
#: The learners whose errors must stay at Var(y) below threshold (DEPTH-1).
NETWORKS = (TWO_LAYER, LAYERWISE, JOINT)
#: Tolerance of kappa comparisons (grid values such as 1.2 are not exact in binary).
KAPPA_TOL = 1e-9
#: The protocol variants of the ablation (the sweep runs ``DEFAULT`` only), and the kernel's
#: ridgeless variant of the ``interpolation`` experiment.
DEFAULT, REINIT, FRESH = "default", "reinit", "fresh_batches"
INTERPOLATION = "interpolation"


@per_frame
def final(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """End-of-training rows of ``metric``."""
    return table[(table["stage"] == "final") & (table["metric"] == metric)]


def final_rows(sweep: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    """The final test errors of ``sweep`` and the final ``Var(y)`` of ``levels``, one frame:
    what :func:`collapse_slope_statistic` reads."""
    return pd.concat([final(sweep, "test_mse"), final(levels, "var_y")], ignore_index=True)


@per_frame
def median_curve(
    table: pd.DataFrame, learner: str, d: int, metric: str = "test_mse", variant: str = DEFAULT
) -> pd.Series:
    """Median over seeds of the final ``metric`` vs ``kappa`` for one learner at one ``d``
    (NaN at a ``kappa`` where any seed is NaN)."""
    rows = final(table, metric)
    rows = rows[(rows["learner"] == learner) & (rows["d"] == d) & (rows["variant"] == variant)]
    return strict_groups(rows.groupby("kappa")["value"], "median").sort_index()


@per_frame
def _curves(table: pd.DataFrame, metric: str, variant: str = DEFAULT) -> pd.Series:
    """:func:`median_curve` of every learner and ``d`` at once, indexed by
    ``(learner, d, kappa)``."""
    rows = final(table, metric)
    rows = rows[rows["variant"] == variant]
    return strict_groups(rows.groupby(["learner", "d", "kappa"])["value"], "median")


@per_frame
def _level_medians(levels: pd.DataFrame, metric: str) -> pd.Series:
    """:func:`median_level` of every ``d`` at once, indexed by ``d``."""
    return strict_groups(final(levels, metric).groupby("d")["value"], "median")


def median_level(levels: pd.DataFrame, d: int, metric: str = "var_y") -> float:
    """Median over seeds of a reference level (``var_y``, ``level_deg2``, ``level_deg4``);
    NaN when any seed is NaN or ``d`` has none."""
    return float(_level_medians(levels, metric).get(d, math.nan))


def curve_crossing(curve: pd.Series, level: float) -> float:
    """:func:`hdlearn.analysis.fits.first_crossing` (NaN-strict) of ``curve``, ``x`` = its
    index."""
    return first_crossing(curve.index.to_numpy(float), curve.to_numpy(float), level)


def threshold_kappa(curve: pd.Series, var_y: float) -> float:
    """First crossing of ``(Var(y) + E(kappa_max)) / 2`` by the median error curve."""
    if len(curve) < 2 or not np.isfinite(var_y):
        return math.nan
    return curve_crossing(curve, 0.5 * (var_y + float(curve.iloc[-1])))


def threshold_table(sweep: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    """``kappa_c`` and ``n_c = d^kappa_c`` for every (learner, d) of the sweep (medians over
    seeds). Columns: ``learner, d, kappa_c, n_c`` (NaN where the curve never crosses or
    holds a NaN median)."""
    rows = []
    var_y = _level_medians(levels, "var_y")
    for (learner, d), curve in _curves(sweep, "test_mse").groupby(level=["learner", "d"]):
        kappa_c = threshold_kappa(curve.droplevel(["learner", "d"]), var_y.get(d, math.nan))
        rows.append({"learner": learner, "d": int(d), "kappa_c": kappa_c, "n_c": d**kappa_c})
    return pd.DataFrame(rows, columns=["learner", "d", "kappa_c", "n_c"])


def collapse_slope_statistic(frame: pd.DataFrame, learner: str) -> float:
    """Slope of ``ln n_c`` vs ``ln d`` over every dimension of the sweep; NaN with fewer than
    two or when any ``kappa_c`` is NaN (a NaN median, or a curve that never crosses: a
    dimension never drops out of the fit). ``frame`` holds :func:`final_rows` (the levels are
    the rows of learner ``reference``)."""
    table = threshold_table(frame[frame["learner"] == learner],
                            frame[frame["learner"] == "reference"])  # fmt: skip
    if len(table) < 2 or not np.isfinite(table["n_c"]).all():
        return math.nan
    return loglog_slope(table["d"].to_numpy(float), table["n_c"].to_numpy(float))[0]


@per_frame
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
    curves = _curves(experiment_rows(frame, "sweep"), "test_mse")
    learner, kappa = (curves.index.get_level_values(k) for k in ("learner", "kappa"))
    early = curves[learner.isin(NETWORKS) & (kappa <= kappa_max + KAPPA_TOL)]
    var_y = _level_medians(experiment_rows(frame, "levels"), "var_y")
    return strict_min(
        early.to_numpy() / var_y.reindex(early.index.get_level_values("d")).to_numpy()
    )


def error_ratio(frame: pd.DataFrame, learner: str, reference: str) -> float:
    """E_learner / E_reference at the largest kappa and d of the sweep."""
    return _at_kappa_max(frame, learner) / _at_kappa_max(frame, reference)


def joint_gap(frame: pd.DataFrame) -> float:
    """|E_joint - E_layerwise| / E_2-layer at the largest kappa and d."""
    gap = abs(_at_kappa_max(frame, JOINT) - _at_kappa_max(frame, LAYERWISE))
    return gap / _at_kappa_max(frame, TWO_LAYER)


def learner_threshold(frame: pd.DataFrame, learner: str) -> float:
    """kappa_c of ``learner`` at the largest d (NaN when it has no curve there)."""
    d = _largest_d(frame)
    curve = median_curve(experiment_rows(frame, "sweep"), learner, d)
    return threshold_kappa(curve, median_level(experiment_rows(frame, "levels"), d))


def layerwise_threshold(frame: pd.DataFrame) -> float:
    """kappa_c of the layer-wise 3-layer net at the largest d."""
    return learner_threshold(frame, LAYERWISE)


def kernel_kappa(d: int) -> float:
    """The paper's finite-d kernel threshold (Fig. 2's kernel asymptote): the ``kappa`` at
    which ``n`` reaches the ``d(d-1)/2 + d + 1`` features of the quadratic kernel,
    ``log(d(d-1)/2 + d + 1) / log d`` (1.83 at d = 32, 1.84 at d = 64, -> 2)."""
    return math.log(d * (d - 1) / 2 + d + 1) / math.log(d)


def interpolation_kappa(d: int) -> float:
    """``log p / log d`` with ``p = d(d+1)/2 + d + 1`` the columns of the quadratic kernel's
    feature map (:func:`hdlearn.baselines.ridge.quadratic_kernel_features`, its ``x_i^2``
    included): at ``n = p`` the ridgeless fit interpolates through a square design, whose
    variance diverges (double descent; 1.83 at d = 32)."""
    return math.log(d * (d + 1) / 2 + d + 1) / math.log(d)


def interpolation_peak(frame: pd.DataFrame) -> tuple[int, float, float]:
    """``(d, kappa, error)`` of the largest median error of the ridgeless kernel (the
    ``interpolation`` rows) at their largest ``d``; NaN kappa and error when any median of
    the curve is NaN (the argmax must not skip a diverged point) or there is none."""
    rows = experiment_rows(frame, "interpolation")
    if rows.empty:
        return 0, math.nan, math.nan
    d = int(rows["d"].max())
    curve = median_curve(rows, KRR, d, variant=INTERPOLATION)
    if curve.empty or curve.isna().any():
        return d, math.nan, math.nan
    return d, float(curve.idxmax()), float(curve.max())


def interpolation_offset(frame: pd.DataFrame) -> float:
    """``kappa`` of :func:`interpolation_peak` minus :func:`interpolation_kappa` of its d."""
    d, kappa, _ = interpolation_peak(frame)
    return kappa - interpolation_kappa(d) if d else math.nan


def interpolation_height(frame: pd.DataFrame) -> float:
    """The ridgeless kernel's peak error over ``Var(y)`` at the same ``d``."""
    d, _, error = interpolation_peak(frame)
    return error / median_level(experiment_rows(frame, "levels"), d) if d else math.nan


def common_onset(frame: pd.DataFrame, learner: str) -> float:
    """First ``kappa`` at which ``learner``'s median error falls below the midpoint between
    ``Var(y)`` and the best degree-2 level ``L2`` (the kernel's plateau), at the largest d:
    one level for every learner, so a learner with a lower final error is not credited with
    an earlier onset by its own midpoint (as :func:`threshold_kappa` would)."""
    d = _largest_d(frame)
    levels = experiment_rows(frame, "levels")
    var_y, level2 = median_level(levels, d), median_level(levels, d, "level_deg2")
    curve = median_curve(experiment_rows(frame, "sweep"), learner, d)
    if len(curve) < 2 or not (np.isfinite(var_y) and np.isfinite(level2)):
        return math.nan
    return curve_crossing(curve, 0.5 * (var_y + level2))


def kernel_lead(
    frame: pd.DataFrame, onset: Callable[[pd.DataFrame], float], kappa_star: float
) -> float:
    """How much earlier than the quadratic kernel the 3-layer net's ``onset`` (its
    :func:`common_onset`, or an overlap's midpoint) comes, as a fraction of the lead the
    theory predicts at the run's largest d: ``(onset_KRR - onset) / (kernel_kappa(d) -
    kappa_star)``, with ``onset_KRR`` the kernel's :func:`common_onset`. Thm 1 puts the 3-layer
    net at ``kappa_star = max(1 + eps1, k eps1)`` and the kernel at :func:`kernel_kappa`
    (paper Fig. 2): fraction 1; a 3-layer net that learns only when the kernel does (the
    alternative: depth adds no mechanism) has 0. NaN when the kernel does not lead in theory
    at this d."""
    predicted = kernel_kappa(_largest_d(frame)) - kappa_star
    if predicted <= 0:
        return math.nan
    return (common_onset(frame, KRR) - onset(frame)) / predicted


def layerwise_onset(frame: pd.DataFrame) -> float:
    """:func:`common_onset` of the layer-wise 3-layer net."""
    return common_onset(frame, LAYERWISE)


def overlap_curve(frame: pd.DataFrame, metric: str, learner: str = LAYERWISE) -> pd.Series:
    return median_curve(experiment_rows(frame, "sweep"), learner, _largest_d(frame), metric)


def overlap_rise(frame: pd.DataFrame, metric: str, below: float) -> float:
    """Median overlap at the largest kappa minus its largest value at kappa <= ``below``."""
    curve = overlap_curve(frame, metric)
    early = curve[curve.index <= below + KAPPA_TOL]
    if curve.empty or early.empty:
        return math.nan
    return float(curve.iloc[-1]) - strict_max(early)


def overlap_random_gap(frame: pd.DataFrame, below: float) -> float:
    """max over kappa <= ``below`` of |M_W - sqrt(d_eff/d)| (the random-direction value)."""
    sweep = experiment_rows(frame, "sweep")
    d = _largest_d(frame)
    d_eff = int(sweep.loc[sweep["d"] == d, "d_eff"].iloc[0])
    curve = overlap_curve(frame, "overlap_W")
    early = curve[curve.index <= below + KAPPA_TOL]
    return strict_max((early - math.sqrt(d_eff / d)).abs())


def overlap_max(frame: pd.DataFrame) -> float:
    """Largest median M_W of the two 3-layer nets over the kappa grid."""
    return strict_max(
        strict_max(overlap_curve(frame, "overlap_W", lrn)) for lrn in (LAYERWISE, JOINT)
    )


def overlap_midpoint(frame: pd.DataFrame, metric: str) -> float:
    """First kappa at which the median overlap rises halfway from kappa_min to kappa_max."""
    curve = overlap_curve(frame, metric)
    if len(curve) < 2:
        return math.nan
    return curve_crossing(-curve, -0.5 * (curve.iloc[0] + curve.iloc[-1]))


def dynamics_curve(frame: pd.DataFrame, learner: str, kappa: float, metric: str) -> pd.Series:
    """Median over seeds of ``metric`` at every checkpoint of the ``dynamics`` run of
    ``learner`` at ``kappa`` and its largest ``d``, indexed by the cumulative epoch (a
    checkpoint at a stage boundary, logged by both stages, is one model: one point); empty
    when the run has no such curve, NaN-strict."""
    rows = experiment_rows(frame, "dynamics")
    at = (rows["learner"] == learner) & ((rows["kappa"] - kappa).abs() < KAPPA_TOL)
    rows = rows[at & (rows["stage"] != "final") & (rows["metric"] == metric)]
    if rows.empty:
        return pd.Series(dtype=float)
    rows = rows[rows["d"] == rows["d"].max()]
    per_seed = strict_groups(rows.groupby(["seed", "epoch"])["value"], "mean")
    return strict_groups(per_seed.groupby(level="epoch"), "median").sort_index()


def dynamics_departure(frame: pd.DataFrame, learner: str, kappa: float, metric: str) -> float:
    """``max_t median(metric)(t) - median(metric)(0)``: how far an overlap ever moves above
    its value at initialisation during training (Fig. 9); NaN without a curve."""
    curve = dynamics_curve(frame, learner, kappa, metric)
    if len(curve) < 2:
        return math.nan
    return strict_max(curve) - float(curve.iloc[0])


def dynamics_growth(frame: pd.DataFrame, learner: str, kappa: float, metric: str) -> float:
    """``median(metric)(end) - median(metric)(0)``: the overlap's growth over training."""
    curve = dynamics_curve(frame, learner, kappa, metric)
    if len(curve) < 2:
        return math.nan
    return float(curve.iloc[-1]) - float(curve.iloc[0])


def dynamics_peak(frame: pd.DataFrame, learner: str, kappa: float, metric: str) -> float:
    """``max_t median(metric)(t)``: the overlap's largest value during training."""
    curve = dynamics_curve(frame, learner, kappa, metric)
    return strict_max(curve) if len(curve) else math.nan


def ablation_change(frame: pd.DataFrame, kappa_min: float, variant: str) -> float:
    """max over d and kappa >= ``kappa_min`` of |E_variant - E_default| / E_default (medians;
    NaN when any of them is NaN or a cell of one variant lacks its counterpart)."""
    ablation = experiment_rows(frame, "ablation")
    rows = final(ablation, "test_mse")
    rows = rows[rows["kappa"] >= kappa_min - KAPPA_TOL]
    groups = rows.groupby(["d", "variant", "kappa"])["value"]
    medians = strict_groups(groups, "median").unstack("variant")
    if DEFAULT not in medians or variant not in medians:
        return math.nan
    return strict_max((medians[variant] - medians[DEFAULT]).abs() / medians[DEFAULT])


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
