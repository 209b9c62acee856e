"""Claims DEPTH-1..7 of Dandi, Pesce, Zdeborová, Krzakala 2025 (arXiv 2502.13961).

Every statistic reads the paper's rows (the ``sweep``, ``ablation`` and ``levels`` tables
concatenated, each row tagged with its ``experiment``), takes medians over seeds as the paper
does, and is bootstrapped over seeds by :func:`hdlearn.analysis.verdicts.evaluate`. The
thresholds come from the config (``scales.<scale>.depth.claims``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hdlearn.analysis.verdicts import Claim, Prediction
from hdlearn.papers.depth.analysis import (
    collapse_slope_statistic,
    final,
    median_curve,
    median_level,
    threshold_kappa,
)
from hdlearn.analysis.fits import first_crossing

PAPER = "depth"
TABLES = ("sweep", "ablation", "levels")
NETWORKS = ("two_layer", "three_layer_layerwise", "three_layer_joint")
LAYERWISE, JOINT = "three_layer_layerwise", "three_layer_joint"


def _experiment(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["experiment"] == name]


def _largest_d(frame: pd.DataFrame, experiment: str = "sweep") -> int:
    return int(_experiment(frame, experiment)["d"].max())


def _at_kappa_max(frame: pd.DataFrame, learner: str, metric: str = "test_mse") -> float:
    sweep = _experiment(frame, "sweep")
    curve = median_curve(sweep, learner, _largest_d(frame), metric)
    return float(curve.iloc[-1]) if len(curve) else math.nan


def below_threshold_ratio(frame: pd.DataFrame, kappa_max: float) -> float:
    """min over d, networks and kappa <= kappa_max of median E / median Var(y)."""
    sweep, levels = _experiment(frame, "sweep"), _experiment(frame, "levels")
    ratios = []
    for d in sorted(sweep["d"].unique()):
        var_y = median_level(levels, d)
        for learner in NETWORKS:
            curve = median_curve(sweep, learner, d)
            ratios.extend((curve[curve.index <= kappa_max + 1e-9] / var_y).tolist())
    return min(ratios) if ratios else math.nan


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
    curve = median_curve(_experiment(frame, "sweep"), LAYERWISE, d)
    return threshold_kappa(curve, median_level(_experiment(frame, "levels"), d))


def overlap_curve(frame: pd.DataFrame, metric: str, learner: str = LAYERWISE) -> pd.Series:
    return median_curve(_experiment(frame, "sweep"), learner, _largest_d(frame), metric)


def overlap_rise(frame: pd.DataFrame, metric: str, below: float) -> float:
    """Median overlap at the largest kappa minus its largest value at kappa <= ``below``."""
    curve = overlap_curve(frame, metric)
    early = curve[curve.index <= below + 1e-9]
    if curve.empty or early.empty:
        return math.nan
    return float(curve.iloc[-1] - early.max())


def overlap_random_gap(frame: pd.DataFrame, below: float) -> float:
    """max over kappa <= ``below`` of |M_W - sqrt(d_eff/d)| (the random-direction value)."""
    sweep = _experiment(frame, "sweep")
    d = _largest_d(frame)
    d_eff = int(sweep.loc[sweep["d"] == d, "d_eff"].iloc[0])
    curve = overlap_curve(frame, "overlap_W")
    early = curve[curve.index <= below + 1e-9]
    return float((early - math.sqrt(d_eff / d)).abs().max()) if len(early) else math.nan


def overlap_max(frame: pd.DataFrame) -> float:
    """Largest median M_W of the two 3-layer nets over the kappa grid."""
    return max(float(overlap_curve(frame, "overlap_W", lrn).max()) for lrn in (LAYERWISE, JOINT))


def overlap_midpoint(frame: pd.DataFrame, metric: str) -> float:
    """First kappa at which the median overlap rises halfway from kappa_min to kappa_max."""
    curve = overlap_curve(frame, metric)
    if len(curve) < 2:
        return math.nan
    half = 0.5 * (curve.iloc[0] + curve.iloc[-1])
    return first_crossing(curve.index.to_numpy(float), -curve.to_numpy(float), -half)


def ablation_change(frame: pd.DataFrame, kappa_min: float, variant: str) -> float:
    """max over d and kappa >= ``kappa_min`` of |E_variant - E_default| / E_default (medians)."""
    ablation = _experiment(frame, "ablation")
    rows = final(ablation, "test_mse")
    rows = rows[rows["kappa"] >= kappa_min - 1e-9]
    medians = rows.groupby(["d", "variant", "kappa"])["value"].median().unstack("variant")
    if "default" not in medians or variant not in medians:
        return math.nan
    change = (medians[variant] - medians["default"]).abs() / medians["default"]
    return float(np.nanmax(change.to_numpy())) if change.notna().any() else math.nan


def error_vs_quartic(frame: pd.DataFrame) -> float:
    """E_layerwise(kappa_max) / best degree-4 level in z at the largest d."""
    level = median_level(_experiment(frame, "levels"), _largest_d(frame), "level_deg4")
    return _at_kappa_max(frame, LAYERWISE) / level


def claims(settings: Mapping[str, Any]) -> list[Claim]:
    """The registry entries, with thresholds from ``settings`` (the config's claims block)."""
    s = settings
    below = s["below_threshold_kappa"]
    low, high = s["threshold_range"]
    k_low, k_high = s["overlap_kappa_range"]
    slope, tol = s["slope_prediction"], s["slope_tolerance"]

    def claim(cid, statement, name, statistic, prediction, tables=("sweep", "levels")):
        return Claim(cid, PAPER, statement, tables, name, statistic, prediction)

    return [
        claim("DEPTH-1", f"Below threshold (kappa <= {below}) no network beats "
              f"{s['below_threshold_ratio']} Var(y).", "min E/Var(y)",
              lambda f: below_threshold_ratio(f, below),
              Prediction(low=s["below_threshold_ratio"])),
        claim("DEPTH-2a", "At the largest kappa, the layer-wise 3-layer net beats the 2-layer net.",
              "E_3Lw/E_2L", lambda f: error_ratio(f, LAYERWISE, "two_layer"),
              Prediction(high=s["ratio_vs_two_layer"]), ("sweep",)),
        claim("DEPTH-2b", "At the largest kappa, the layer-wise 3-layer net beats the kernel.",
              "E_3Lw/E_KRR", lambda f: error_ratio(f, LAYERWISE, "krr"),
              Prediction(high=s["ratio_vs_krr"]), ("sweep",)),
        claim("DEPTH-3", "The 3-layer threshold kappa_c lies near 1 + eps1 = 1.5.",
              "kappa_c(3Lw)", layerwise_threshold, Prediction(low, high)),
        claim("DEPTH-4a", "Joint training also beats the 2-layer net at the largest kappa.",
              "E_3Lj/E_2L", lambda f: error_ratio(f, JOINT, "two_layer"),
              Prediction(high=s["joint_ratio_vs_two_layer"]), ("sweep",)),
        claim("DEPTH-4b", "Joint training tracks layer-wise training at the largest kappa.",
              "|E_3Lj-E_3Lw|/E_2L", joint_gap, Prediction(high=s["joint_gap_vs_two_layer"]),
              ("sweep",)),
        claim("DEPTH-5a", "M_W of the layer-wise net rises from its random value.",
              "M_W rise", lambda f: overlap_rise(f, "overlap_W", below),
              Prediction(low=s["overlap_rise"]), ("sweep",)),
        claim("DEPTH-5b", "Below threshold M_W stays at its random value sqrt(d_eff/d).",
              "max |M_W - sqrt(d_eff/d)|", lambda f: overlap_random_gap(f, below),
              Prediction(high=s["overlap_random_tolerance"]), ("sweep",)),
        claim("DEPTH-5c", "M_h rises from about 0 above threshold.", "M_h rise",
              lambda f: overlap_rise(f, "overlap_h", below), Prediction(low=s["overlap_h_rise"]),
              ("sweep",)),
        claim("DEPTH-5d", "M_W reaches a Theta(1) fraction below 1, not full alignment.",
              "max M_W", overlap_max, Prediction(high=s["overlap_w_ceiling"]), ("sweep",)),
        claim("DEPTH-5e", "M_W rises around the threshold kappa.", "midpoint kappa of M_W",
              lambda f: overlap_midpoint(f, "overlap_W"), Prediction(k_low, k_high), ("sweep",)),
        claim("DEPTH-5f", "M_h rises around the same kappa.", "midpoint kappa of M_h",
              lambda f: overlap_midpoint(f, "overlap_h"), Prediction(k_low, k_high), ("sweep",)),
        claim("DEPTH-6a", f"Re-initialising W2 and W3 before their stage changes the error by "
              f"at most {s['ablation_relative']:g} of its value at kappa >= "
              f"{s['ablation_kappa']:g} (paper Fig. 5).", "max |dE|/E (reinit)",
              lambda f: ablation_change(f, s["ablation_kappa"], "reinit"),
              Prediction(high=s["ablation_relative"]), ("ablation",)),
        claim("DEPTH-6b", f"A fresh n-sample batch per layer instead of one shared training set "
              f"changes the error by at most {s['ablation_relative']:g} of its value at kappa "
              f">= {s['ablation_kappa']:g} (paper Fig. 6; the fresh-batch run sees 3n samples).",
              "max |dE|/E (fresh)",
              lambda f: ablation_change(f, s["ablation_kappa"], "fresh_batches"),
              Prediction(high=s["ablation_relative"]), ("ablation",)),
        claim("DEPTH-7a", "(paper scale) The 3-layer error drops below the best degree-4 level "
              "in z, the best any 2-layer net reaches.", "E_3Lw/L4", error_vs_quartic,
              Prediction(high=1.0)),
        claim("DEPTH-7b", f"(paper scale) ln n_c grows like {slope:g} ln d.",
              "slope ln n_c vs ln d", lambda f: collapse_slope_statistic(
                  _final_rows(_experiment(f, "sweep"), _experiment(f, "levels")), LAYERWISE),
              Prediction(slope - tol, slope + tol)),
    ]  # fmt: skip


def _final_rows(sweep: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([final(sweep, "test_mse"), final(levels, "var_y")], ignore_index=True)


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows every statistic needs (final measurements only), from the paper's tables."""
    frames = [tables[name][tables[name]["stage"] == "final"] for name in TABLES]
    return pd.concat(frames, ignore_index=True)
