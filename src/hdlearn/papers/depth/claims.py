"""Claims DEPTH-1..7 of Dandi, Pesce, Zdeborová, Krzakala 2025 (arXiv 2502.13961).

Every statistic reads the paper's rows (the ``sweep``, ``ablation`` and ``levels`` tables
concatenated, each row tagged with its ``experiment``), takes medians over seeds as the paper
does, and is bootstrapped over seeds by :func:`hdlearn.analysis.verdicts.evaluate`. The
thresholds come from the config (``scales.<scale>.depth.claims``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hdlearn.analysis.verdicts import Claim, Prediction
from hdlearn.papers.depth.analysis import (
    JOINT,
    LAYERWISE,
    ablation_change,
    below_threshold_ratio,
    collapse_slope_statistic,
    error_ratio,
    error_vs_quartic,
    experiment_rows,
    final_rows,
    joint_gap,
    layerwise_threshold,
    overlap_max,
    overlap_midpoint,
    overlap_random_gap,
    overlap_rise,
)

PAPER = "depth"
TABLES = ("sweep", "ablation", "levels")


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
                  final_rows(experiment_rows(f, "sweep"), experiment_rows(f, "levels")), LAYERWISE),
              Prediction(slope - tol, slope + tol)),
    ]  # fmt: skip


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows every statistic needs (final measurements only), from the paper's tables."""
    frames = [tables[name][tables[name]["stage"] == "final"] for name in TABLES]
    return pd.concat(frames, ignore_index=True)
