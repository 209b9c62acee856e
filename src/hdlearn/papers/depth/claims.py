"""Claims DEPTH-1..7 of Dandi, Pesce, Zdeborová, Krzakala 2025 (arXiv 2502.13961).

Every statistic reads the paper's rows (the ``sweep``, ``ablation`` and ``levels`` tables
concatenated, each row tagged with its ``experiment``), takes NaN-strict medians over seeds as
the paper does, and is bootstrapped over seeds by :func:`hdlearn.analysis.verdicts.evaluate`.
The thresholds come from the config (``scales.<scale>.depth.claims``). All are paper claims
(no implementation identities). Preconditions make a claim BELOW-SCALE when the run's grid
lacks its regime: a kappa below threshold, a kappa grid reaching past the predicted range on
both sides (else ``kappa_c``, which lies on the grid, could not fall outside it), an ablation
kappa above threshold, a dynamics run at the claim's kappa, and for the "(paper scale)"
claims the paper's dimension ``d``. DEPTH-8 reads the ``dynamics`` table (Fig. 9): every
checkpoint of training, not only its end.

The threshold claims DEPTH-3, 5e and 5f presuppose that the 3-layer net's onset comes before
the quadratic kernel's (a ``Condition``): the lead of the onset (the error's crossing of the
level halfway between Var(y) and the kernel's plateau L2, or an overlap's midpoint) over the
kernel's onset at the same level, as a fraction of the lead the theory predicts at the run's
d, ``kernel_kappa(d) - kappa*`` (the paper's Fig. 2 kernel threshold minus Thm 1's), must be
at least ``kernel_lead_min``: at a finite ``d`` every learner's crossing shifts, and a region
around 1.5 alone also admits a 3-layer net that learns only when the kernel does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from hdlearn.analysis.verdicts import Claim, Condition, Prediction
from hdlearn.papers.depth.analysis import (
    FRESH,
    JOINT,
    KAPPA_TOL,
    KRR,
    LAYERWISE,
    NETWORKS,
    REINIT,
    TWO_LAYER,
    ablation_change,
    below_threshold_ratio,
    collapse_slope_statistic,
    dynamics_curve,
    dynamics_departure,
    dynamics_growth,
    dynamics_peak,
    error_ratio,
    error_vs_quartic,
    experiment_rows,
    final_rows,
    interpolation_height,
    interpolation_kappa,
    interpolation_offset,
    joint_gap,
    kernel_lead,
    layerwise_onset,
    layerwise_threshold,
    overlap_max,
    overlap_midpoint,
    overlap_random_gap,
    overlap_rise,
)

PAPER = "depth"
TABLES = ("sweep", "ablation", "levels", "dynamics", "interpolation")
Precondition = Callable[[pd.DataFrame], str]


def _kappas(frame: pd.DataFrame, experiment: str) -> list[float]:
    """The kappa grid of ``experiment`` at its largest ``d``."""
    rows = experiment_rows(frame, experiment)
    return sorted(rows.loc[rows["d"] == rows["d"].max(), "kappa"].unique())


def _grid(kappas: list[float]) -> str:
    return ", ".join(f"{k:g}" for k in kappas)


def below_regime(below: float) -> Precondition:
    """The sweep has a ``kappa <= below`` (the below-threshold regime)."""

    def check(frame: pd.DataFrame) -> str:
        kappas = _kappas(frame, "sweep")
        if any(k <= below + KAPPA_TOL for k in kappas):
            return ""
        return f"no sweep kappa <= {below:g} (below threshold) in this run: kappas {_grid(kappas)}"

    return check


def above_regime(above: float) -> Precondition:
    """The ablation has a ``kappa >= above`` (above threshold, where the variants compare)."""

    def check(frame: pd.DataFrame) -> str:
        kappas = _kappas(frame, "ablation")
        if any(k >= above - KAPPA_TOL for k in kappas):
            return ""
        return f"no ablation kappa >= {above:g} in this run: kappas {_grid(kappas)}"

    return check


def spans(low: float, high: float) -> Precondition:
    """The sweep's kappas reach past ``[low, high]`` on both sides: a crossing kappa lies
    between the grid's ends, so a grid that ends inside the region could never put it outside
    on that side."""

    def check(frame: pd.DataFrame) -> str:
        kappas = _kappas(frame, "sweep")
        if kappas and kappas[0] < low and kappas[-1] > high:
            return ""
        return (
            f"the sweep's kappas {_grid(kappas)} do not reach past [{low:g}, {high:g}] on both "
            "sides: the crossing could not fall outside the predicted range"
        )

    return check


def brackets_interpolation(tolerance: float) -> Precondition:
    """The interpolation grid at its largest ``d`` reaches past ``interpolation_kappa(d) +-
    tolerance`` on both sides (else its argmax could not fall outside the region)."""

    def check(frame: pd.DataFrame) -> str:
        rows = experiment_rows(frame, "interpolation")
        if rows.empty:
            return "no interpolation run (the ridgeless kernel) in this run"
        d = int(rows["d"].max())
        kappas, centre = _kappas(frame, "interpolation"), interpolation_kappa(d)
        if kappas[0] < centre - tolerance and kappas[-1] > centre + tolerance:
            return ""
        return (
            f"the interpolation kappas {_grid(kappas)} at d = {d} do not reach past "
            f"{centre:.3g} +- {tolerance:g} on both sides"
        )

    return check


def dynamics_run(kappa: float) -> Precondition:
    """The ``dynamics`` table has the layer-wise net's run at ``kappa``."""

    def check(frame: pd.DataFrame) -> str:
        if len(dynamics_curve(frame, LAYERWISE, kappa, "overlap_W")) >= 2:
            return ""
        return f"no dynamics run of {LAYERWISE} at kappa = {kappa:g} in this run"

    return check


def paper_scale(d_paper: int, d_ratio: float | None = None) -> Precondition:
    """The sweep's largest ``d`` is at least the paper's ``d_paper`` and, for a fit across
    dimensions, ``d_max / d_min >= d_ratio``."""

    def check(frame: pd.DataFrame) -> str:
        ds = sorted(int(d) for d in experiment_rows(frame, "sweep")["d"].unique())
        reasons = []
        if ds[-1] < d_paper:
            reasons.append(f"largest d of the run is {ds[-1]} < {d_paper}, the paper's d")
        if d_ratio is not None and ds[-1] / ds[0] < d_ratio:
            reasons.append(
                f"d_max/d_min of the fit is {ds[-1]}/{ds[0]} = {ds[-1] / ds[0]:.3g} < {d_ratio:g}"
            )
        return "; ".join(reasons)

    return check


def claims(settings: Mapping[str, Any]) -> list[Claim]:
    """The registry entries, with thresholds from ``settings`` (the config's claims block)."""
    s = settings
    below = s["below_threshold_kappa"]
    low, high = s["threshold_range"]
    k_low, k_high = s["overlap_kappa_range"]
    slope, tol = s["slope_prediction"], s["slope_tolerance"]
    ablation_kappa, relative = s["ablation_kappa"], s["ablation_relative"]
    sweep_only, with_levels = ("sweep",), ("sweep", "levels")
    largest = "at the sweep's largest d and kappa, default protocol"
    at_d_max = "at the sweep's largest d, default protocol"
    early = below_regime(below)
    # the joint net's readout is trained by GD: a ridge sweep (ridge_lambdas) tunes only the
    # others, which tilts DEPTH-4 against it
    joint_note = (f"; the joint net's readout is trained by GD, not swept as the {KRR}, "
                  f"{TWO_LAYER} and {LAYERWISE} ridges are")  # fmt: skip

    def claim(cid, statement, name, statistic, prediction, tables, variant, precondition=None,
              conditions=()):  # fmt: skip
        return Claim(cid, PAPER, statement, tables, name, statistic, prediction,
                     precondition=precondition, variant=variant,
                     conditions=conditions)  # fmt: skip

    above = s["dynamics_above_kappa"]
    peak_tol = s["interpolation_kappa_tolerance"]

    def dynamics(cid, kappa, statement, name, statistic, metric, prediction):
        """A Fig. 9 claim on the layer-wise net's overlap ``metric`` over training at
        ``kappa`` (the dynamics table; medians over seeds at every checkpoint)."""
        return claim(cid, statement, f"{name} (kappa={kappa:g})",
                     lambda f: statistic(f, LAYERWISE, kappa, metric), prediction, ("dynamics",),
                     f"{LAYERWISE}, dynamics run at kappa = {kappa:g}, largest d ({JOINT} not "
                     "scored)", dynamics_run(kappa))  # fmt: skip

    def before_kernel(name: str, onset: Callable[[pd.DataFrame], float]) -> tuple[Condition]:
        """The onset comes before the kernel's (the mechanism, not only a finite-size shift
        that the kernel shares): the lead over the kernel's onset, as a fraction of the lead
        the theory predicts at the run's d (:func:`kernel_lead`), at least
        ``kernel_lead_min``."""
        return (Condition(f"lead of {name} over the kernel / predicted",
                          lambda f: kernel_lead(f, onset, slope),
                          Prediction(low=s["kernel_lead_min"])),)  # fmt: skip

    def ablation(cid, variant, statement, source):
        return claim(
            cid, f"{statement} changes the error by at most {relative:g} of its value at "
            f"kappa >= {ablation_kappa:g} ({source}).", f"max |dE|/E ({variant})",
            lambda f: ablation_change(f, ablation_kappa, variant), Prediction(high=relative),
            ("ablation",), f"{LAYERWISE}, variant {variant} against default, every d of the "
            "ablation", above_regime(ablation_kappa),
        )  # fmt: skip

    return [
        claim("DEPTH-1", f"Below threshold (kappa <= {below:g}) no network beats "
              f"{s['below_threshold_ratio']:g} Var(y).", "min E/Var(y)",
              lambda f: below_threshold_ratio(f, below),
              Prediction(low=s["below_threshold_ratio"]), with_levels,
              f"every network ({', '.join(NETWORKS)}) at every d of the sweep, default "
              f"protocol; {KRR} not scored", early),
        claim("DEPTH-2a", "At the largest kappa, the layer-wise 3-layer net beats the 2-layer net.",
              "E_3Lw/E_2L", lambda f: error_ratio(f, LAYERWISE, TWO_LAYER),
              Prediction(high=s["ratio_vs_two_layer"]), sweep_only,
              f"{LAYERWISE} against {TWO_LAYER} {largest}"),
        claim("DEPTH-2b", "At the largest kappa, the layer-wise 3-layer net beats the kernel.",
              "E_3Lw/E_KRR", lambda f: error_ratio(f, LAYERWISE, KRR),
              Prediction(high=s["ratio_vs_krr"]), sweep_only, f"{LAYERWISE} against {KRR} "
              f"{largest}"),
        claim("DEPTH-3", f"The 3-layer threshold kappa_c lies near the predicted "
              f"max(1 + eps1, k eps1) = {slope:g} (Thm 1).", "kappa_c(3Lw)",
              layerwise_threshold, Prediction(low, high), with_levels,
              f"{LAYERWISE} {at_d_max} ({JOINT} not scored), against {KRR}", spans(low, high),
              before_kernel("the 3Lw onset", layerwise_onset)),
        claim("DEPTH-4a", "Joint training also beats the 2-layer net at the largest kappa.",
              "E_3Lj/E_2L", lambda f: error_ratio(f, JOINT, TWO_LAYER),
              Prediction(high=s["joint_ratio_vs_two_layer"]), sweep_only,
              f"{JOINT} against {TWO_LAYER} {largest}{joint_note}"),
        claim("DEPTH-4b", "Joint training tracks layer-wise training at the largest kappa.",
              "|E_3Lj-E_3Lw|/E_2L", joint_gap, Prediction(high=s["joint_gap_vs_two_layer"]),
              sweep_only,
              f"{JOINT} against {LAYERWISE}, in units of {TWO_LAYER}, {largest}{joint_note}"),
        claim("DEPTH-5a", "M_W of the layer-wise net rises from its random value.",
              "M_W rise", lambda f: overlap_rise(f, "overlap_W", below),
              Prediction(low=s["overlap_rise"]), sweep_only,
              f"{LAYERWISE} {at_d_max} ({JOINT} not scored)", early),
        claim("DEPTH-5b", "Below threshold M_W stays at its random value sqrt(d_eff/d).",
              "max |M_W - sqrt(d_eff/d)|", lambda f: overlap_random_gap(f, below),
              Prediction(high=s["overlap_random_tolerance"]), sweep_only,
              f"{LAYERWISE} {at_d_max} ({JOINT} not scored)", early),
        claim("DEPTH-5c", "M_h rises from about 0 above threshold.", "M_h rise",
              lambda f: overlap_rise(f, "overlap_h", below), Prediction(low=s["overlap_h_rise"]),
              sweep_only, f"{LAYERWISE} {at_d_max} ({JOINT} not scored)", early),
        claim("DEPTH-5d", "M_W reaches a Theta(1) fraction below 1, not full alignment.",
              "max M_W", overlap_max, Prediction(high=s["overlap_w_ceiling"]), sweep_only,
              f"the larger of {LAYERWISE} and {JOINT}, every kappa, {at_d_max}"),
        claim("DEPTH-5e", "M_W rises around the threshold kappa.", "midpoint kappa of M_W",
              lambda f: overlap_midpoint(f, "overlap_W"), Prediction(k_low, k_high), with_levels,
              f"{LAYERWISE} {at_d_max} ({JOINT} not scored), against {KRR}",
              spans(k_low, k_high),
              before_kernel("midpoint(M_W)", lambda f: overlap_midpoint(f, "overlap_W"))),
        claim("DEPTH-5f", "M_h rises around the same kappa.", "midpoint kappa of M_h",
              lambda f: overlap_midpoint(f, "overlap_h"), Prediction(k_low, k_high), with_levels,
              f"{LAYERWISE} {at_d_max} ({JOINT} not scored), against {KRR}",
              spans(k_low, k_high),
              before_kernel("midpoint(M_h)", lambda f: overlap_midpoint(f, "overlap_h"))),
        ablation("DEPTH-6a", REINIT, "Re-initialising W2 and W3 before their stage",
                 "paper Fig. 5"),
        ablation("DEPTH-6b", FRESH, "A fresh n-sample batch per layer instead of one shared "
                 "training set", "paper Fig. 6; the fresh-batch run sees 3n samples"),
        claim("DEPTH-7a", "(paper scale) The 3-layer error drops below the best degree-4 level "
              "in z, the best any 2-layer net reaches.", "E_3Lw/L4", error_vs_quartic,
              Prediction(high=1.0), with_levels, f"{LAYERWISE} {largest}",
              paper_scale(s["paper_scale_d"])),
        claim("DEPTH-7b", f"(paper scale) ln n_c grows like {slope:g} ln d.",
              "slope ln n_c vs ln d", lambda f: collapse_slope_statistic(
                  final_rows(experiment_rows(f, "sweep"), experiment_rows(f, "levels")), LAYERWISE),
              Prediction(slope - tol, slope + tol), with_levels,
              f"{LAYERWISE}, every d of the sweep, default protocol",
              paper_scale(s["paper_scale_d"], s["slope_d_ratio"])),
        dynamics("DEPTH-8a", below, f"Below threshold (kappa = {below:g}) M_W never leaves its "
                 "value at initialisation during training (Fig. 9 left).",
                 "max_t M_W(t) - M_W(0)", dynamics_departure, "overlap_W",
                 Prediction(high=s["dynamics_stay_tolerance"])),
        dynamics("DEPTH-8b", below, f"... and M_h stays about 0 (kappa = {below:g}).",
                 "max_t M_h(t)", dynamics_peak, "overlap_h",
                 Prediction(high=s["dynamics_stay_tolerance"])),
        dynamics("DEPTH-8c", above, f"Above threshold (kappa = {above:g}) M_W grows during "
                 "training (Fig. 9 right).", "M_W(end) - M_W(0)", dynamics_growth, "overlap_W",
                 Prediction(low=s["dynamics_w_growth"])),
        dynamics("DEPTH-8d", above, f"... and so does M_h (kappa = {above:g}).",
                 "M_h(end) - M_h(0)", dynamics_growth, "overlap_h",
                 Prediction(low=s["dynamics_h_growth"])),
        claim("DEPTH-9a", "Fig. 2's kernel peak: with a vanishing ridge the quadratic kernel's "
              "error peaks where n reaches its d(d+1)/2 + d + 1 features (double descent), not "
              "at the networks' threshold and not at the grid's end (no peak).",
              "kappa_peak - log(p)/log(d)", interpolation_offset,
              Prediction(-peak_tol, peak_tol), ("interpolation",),
              f"{KRR}, variant interpolation (fixed krr_lambda, no validation), largest d of "
              "the interpolation grid", brackets_interpolation(peak_tol)),
        claim("DEPTH-9b", "... and at its peak it does worse than the zero predictor (the kernel "
              "beats random only beyond n ~ d^2/2).", "E_peak/Var(y)", interpolation_height,
              Prediction(low=s["interpolation_peak_min"]), ("interpolation", "levels"),
              f"{KRR}, variant interpolation, largest d of the interpolation grid",
              brackets_interpolation(peak_tol)),
    ]  # fmt: skip


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows every statistic needs, from the paper's tables: final measurements, and every
    checkpoint of the dynamics runs (DEPTH-8)."""
    frames = [tables[name] if name == "dynamics" else tables[name][tables[name]["stage"] == "final"]
              for name in TABLES]  # fmt: skip
    return pd.concat(frames, ignore_index=True)
