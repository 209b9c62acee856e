"""The depth paper's statistics on synthetic tables with known answers (their verdicts:
tests/test_claims_depth.py)."""

import math

import numpy as np
import pandas as pd
import pytest

from hdlearn.papers.depth import analysis as depth_analysis
from hdlearn.papers.depth import claims as depth_claims
from hdlearn.papers.depth.analysis import threshold_table

KAPPAS = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2]
# median curves (3 seeds at value, value - 0.01, value + 0.01) with known crossings
CURVES = {
    "krr": [0.60, 0.60, 0.60, 0.55, 0.45, 0.35, 0.33],
    "two_layer": [0.62, 0.62, 0.60, 0.50, 0.35, 0.25, 0.22],
    "three_layer_layerwise": [0.62, 0.62, 0.60, 0.40, 0.25, 0.15, 0.12],
    "three_layer_joint": [0.62, 0.62, 0.60, 0.45, 0.28, 0.18, 0.15],
}
OVERLAP_W = [0.40, 0.40, 0.42, 0.55, 0.70, 0.80, 0.84]
OVERLAP_H = [0.03, 0.03, 0.05, 0.10, 0.20, 0.25, 0.28]
VAR_Y = 0.60
#: layer-wise M_W over training per dynamics kappa: (stage, cumulative epoch, value); epoch 2 ends
#: stage 1 and is logged by both stages
DYNAMICS_W = {
    1.2: [("layer1", 0, 0.40), ("layer1", 1, 0.45), ("layer1", 2, 0.42), ("layer2", 2, 0.42),
          ("layer2", 3, 0.41)],
    2.0: [("layer1", 0, 0.40), ("layer1", 1, 0.50), ("layer1", 2, 0.70), ("layer2", 2, 0.70),
          ("layer2", 3, 0.80)],
}  # fmt: skip


def _row(experiment, learner, d, kappa, seed, metric, value, variant="default"):
    return {"experiment": experiment, "learner": learner, "variant": variant, "d": d,
            "d_eff": math.isqrt(d), "kappa": kappa, "n": d**kappa, "seed": seed,
            "stage": "final", "epoch": math.nan, "metric": metric, "value": value}  # fmt: skip


def synthetic_tables(d=32):
    sweep, ablation, levels, dynamics, interpolation = [], [], [], [], []
    for seed, shift in zip(range(3), (0.0, -0.01, 0.01), strict=True):
        for kappa, err in zip((1.7, 1.8, 1.85, 2.0), (0.9, 2.4, 3.0, 0.5), strict=True):
            interpolation.append(_row("interpolation", "krr", d, kappa, seed, "test_mse",
                                      err + shift, "interpolation"))  # fmt: skip
        levels += [
            _row("levels", "reference", d, math.nan, seed, "var_y", VAR_Y + shift),
            _row("levels", "reference", d, math.nan, seed, "level_deg4", 0.10 + shift),
            _row("levels", "reference", d, math.nan, seed, "level_deg2", 0.30 + shift),
        ]
        for learner, curve in CURVES.items():
            for kappa, err in zip(KAPPAS, curve, strict=True):
                sweep.append(_row("sweep", learner, d, kappa, seed, "test_mse", err + shift))
                if learner.startswith("three"):
                    w, h = OVERLAP_W[KAPPAS.index(kappa)], OVERLAP_H[KAPPAS.index(kappa)]
                    sweep.append(_row("sweep", learner, d, kappa, seed, "overlap_W", w + shift))
                    sweep.append(_row("sweep", learner, d, kappa, seed, "overlap_h", h + shift))
        for kappa in (1.0, 2.0, 2.2):
            base = CURVES["three_layer_layerwise"][KAPPAS.index(kappa)] + shift
            for variant, factor in (("default", 1.0), ("reinit", 1.1), ("fresh_batches", 0.95)):
                ablation.append(_row("ablation", "three_layer_layerwise", d, kappa, seed,
                                     "test_mse", base * factor, variant))  # fmt: skip
        for kappa, points in DYNAMICS_W.items():
            for stage, epoch, value in points:
                row = _row("dynamics", "three_layer_layerwise", d, kappa, seed, "overlap_W",
                           value + shift)  # fmt: skip
                dynamics.append({**row, "stage": stage, "epoch": float(epoch)})
    frames = {
        "sweep": sweep,
        "ablation": ablation,
        "levels": levels,
        "dynamics": dynamics,
        "interpolation": interpolation,
    }
    return {name: pd.DataFrame(rows) for name, rows in frames.items()}


def test_depth_interpolation_peak_exact_values():
    """The ridgeless kernel's peak: its kappa against log p / log d (p = d(d+1)/2 + d + 1 = 561
    at d = 32) and its height over Var(y), medians over seeds."""
    frame = depth_claims.select_rows(synthetic_tables())
    assert depth_analysis.interpolation_kappa(32) == pytest.approx(math.log(561) / math.log(32))
    assert depth_analysis.interpolation_peak(frame) == (32, 1.85, pytest.approx(3.0))
    assert depth_analysis.interpolation_offset(frame) == pytest.approx(
        1.85 - math.log(561) / math.log(32)
    )
    assert depth_analysis.interpolation_height(frame) == pytest.approx(3.0 / VAR_Y)


def test_depth_statistics_exact_values():
    frame = depth_claims.select_rows(synthetic_tables())
    assert depth_analysis.below_threshold_ratio(frame, 1.2) == pytest.approx(0.62 / 0.60)
    assert depth_analysis.error_ratio(frame, "three_layer_layerwise", "two_layer") == \
        pytest.approx(0.12 / 0.22)  # fmt: skip
    assert depth_analysis.error_ratio(frame, "three_layer_layerwise", "krr") == pytest.approx(
        0.12 / 0.33
    )
    assert depth_analysis.joint_gap(frame) == pytest.approx(0.03 / 0.22)
    # midpoint (0.60 + 0.12) / 2 = 0.36 between kappa 1.6 (0.40) and 1.8 (0.25)
    assert depth_analysis.layerwise_threshold(frame) == pytest.approx(1.6 + 0.2 * 0.04 / 0.15)
    assert depth_analysis.overlap_rise(frame, "overlap_W", 1.2) == pytest.approx(0.44)
    assert depth_analysis.overlap_random_gap(frame, 1.2) == pytest.approx(
        abs(0.40 - math.sqrt(5 / 32)))  # fmt: skip
    # M_W midpoint (0.40 + 0.84) / 2 = 0.62 between 1.6 (0.55) and 1.8 (0.70)
    assert depth_analysis.overlap_midpoint(frame, "overlap_W") == pytest.approx(
        1.6 + 0.2 * 0.07 / 0.15
    )
    assert depth_analysis.ablation_change(frame, 1.8, "reinit") == pytest.approx(0.1)
    assert depth_analysis.ablation_change(frame, 1.8, "fresh_batches") == pytest.approx(0.05)
    assert math.isnan(depth_analysis.ablation_change(frame, 1.8, "no_such_variant"))
    assert depth_analysis.error_vs_quartic(frame) == pytest.approx(1.2)
    # the kernel's midpoint (0.60 + 0.33) / 2 = 0.465 between 1.6 (0.55) and 1.8 (0.45)
    krr = depth_analysis.learner_threshold(frame, "krr")
    assert krr == pytest.approx(1.6 + 0.2 * 0.085 / 0.10)
    # the common onset: the level halfway between Var(y) = 0.60 and L2 = 0.30, 0.45; the kernel
    # crosses it between 1.6 (0.55) and 1.8 (0.45) at 1.8, the layer-wise net between 1.4
    # (0.60) and 1.6 (0.40) at 1.55
    assert depth_analysis.common_onset(frame, "krr") == pytest.approx(1.8)
    assert depth_analysis.common_onset(frame, "three_layer_layerwise") == pytest.approx(1.55)
    lead = depth_analysis.kernel_lead(frame, depth_analysis.layerwise_onset, 1.5)
    assert lead == pytest.approx((1.8 - 1.55) / (depth_analysis.kernel_kappa(32) - 1.5))
    assert depth_analysis.kernel_kappa(32) == pytest.approx(math.log(529) / math.log(32))


def test_dynamics_statistics_exact_values():
    frame = depth_claims.select_rows(synthetic_tables())
    lw = "three_layer_layerwise"
    curve = depth_analysis.dynamics_curve(frame, lw, 2.0, "overlap_W")
    assert curve.to_dict() == pytest.approx({0.0: 0.40, 1.0: 0.50, 2.0: 0.70, 3.0: 0.80})
    assert depth_analysis.dynamics_departure(frame, lw, 1.2, "overlap_W") == pytest.approx(0.05)
    assert depth_analysis.dynamics_growth(frame, lw, 2.0, "overlap_W") == pytest.approx(0.40)
    assert depth_analysis.dynamics_peak(frame, lw, 1.2, "overlap_W") == pytest.approx(0.45)
    assert depth_analysis.dynamics_curve(frame, lw, 1.6, "overlap_W").empty
    assert math.isnan(depth_analysis.dynamics_growth(frame, lw, 1.6, "overlap_W"))
    frame.loc[(frame["experiment"] == "dynamics") & (frame["epoch"] == 1.0)
              & (frame["seed"] == 1) & (frame["kappa"] == 1.2), "value"] = math.nan  # fmt: skip
    assert math.isnan(depth_analysis.dynamics_departure(frame, lw, 1.2, "overlap_W"))


def test_collapse_slope_recovers_planted_exponent():
    """Thresholds planted at n_c = d^1.5 exactly: kappa_c = 1.5 for every d, slope 1.5."""
    rows = []
    for d in (16, 32, 64):
        for seed in range(2):
            rows.append(_row("levels", "reference", d, math.nan, seed, "var_y", 1.0))
            for kappa in (1.0, 1.25, 1.5, 1.75, 2.0):
                err = 1.0 if kappa < 1.5 else 0.2  # midpoint 0.6, crossed between 1.25 and 1.5
                rows.append(_row("sweep", "three_layer_layerwise", d, kappa, seed, "test_mse", err))
    frame = pd.DataFrame(rows)
    sweep, levels = frame[frame.learner != "reference"], frame[frame.learner == "reference"]
    table = threshold_table(sweep, levels)
    expected = 1.25 + 0.25 * 0.4 / 0.8
    assert np.allclose(table["kappa_c"], expected)
    slope = depth_analysis.collapse_slope_statistic(
        pd.concat([sweep, levels]), "three_layer_layerwise"
    )
    assert slope == pytest.approx(expected)
