"""Claims DLS-1..5 of Damian, Lee & Soltanolkotabi 2022 (arXiv 2206.15144), as in issue 5.

Every statistic (:mod:`hdlearn.papers.representation.analysis`) reads the paper's rows (the
``complexity``, ``alignment``, ``risk``, ``transfer`` and ``ablation`` tables concatenated, each
row tagged with its ``experiment``), averages over seeds (the paper plots means) and is
bootstrapped over seeds by :func:`hdlearn.analysis.verdicts.evaluate`. Thresholds come from the
config (``scales.<scale>.representation.claims``); ``risk_metric`` names the risk estimate read
(``risk_cvopt`` by default, see :func:`hdlearn.analysis.estimators.excess_risk_estimates`).
Seed means, minima, maxima and spreads are NaN-strict (:mod:`hdlearn.analysis.strict`), so a
diverged seed makes its claim INCONCLUSIVE.

Verdict classes. Every row is a paper claim (none is an implementation identity: each one
measures a learner, and each could come out either way). Each has a precondition: the grid
points its statistic reads (a ``log_d n`` of the Fig. 1 panel, an ``n = c d^2`` of a sweep, two
dimensions for a slope or a spread, ...) must be in this run, else the row is BELOW-SCALE with
the points the run has (e.g. a Fig. 1 panel that stops below ``n = d^4``). Each row's
``variant`` says which learner, width, pre-processing switch and risk estimate it scores; the
pre-processing switches are the block's ``preprocess`` (the claims block holds the same mapping
as ``claims.preprocess``), which set how the experiment's rows were made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from hdlearn.analysis.strict import strict_max, strict_min
from hdlearn.analysis.verdicts import Claim, Condition, Prediction
from hdlearn.papers.representation.analysis import (
    FIG1_KERNELS,
    REFERENCE_METRICS,
    degenerate_rho,
    dimensions,
    fig1_kernel_min,
    fig1_ratio,
    fig1_reference_deviation,
    fig1_reference_points,
    fig1_risk,
    fig1_sizes,
    fig1_values,
    fig2_reference_gap,
    fig2_reference_points,
    rho_linear_drop,
    rho_spread,
    risk_at_size,
    snr_by_rank,
    snr_rank_exponent,
    threshold_slope,
    transfer_grid_at,
    transfer_grid_below,
    transfer_grid_points,
    transfer_grid_small,
    transfer_independence,
    transfer_spread,
    values_at_size,
)

PAPER = "representation"
TABLES = ("complexity", "reference", "alignment", "risk", "transfer", "ablation")
METRICS = ("risk", "risk_plain", "risk_cvopt", "rho", "snr")
#: DLS-3c: the kernels whose risk at ``n = risk_size_d2 d^2`` must stay high.
RISK_KERNELS = ("rf", "krr")
#: DLS-5a / 5b: the non-degenerate target (Assumption 2 holds) and the degenerate ones (H = 0).
NONDEGENERATE, DEGENERATE = ("main",), ("he3", "he4")


# --------------------------------------------------------------------------- preconditions


def _points(values: Iterable[Any]) -> str:
    """The distinct grid points, sorted and comma-separated (``none`` when there are none)."""
    shown = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in sorted(set(values)))
    return shown or "none"


def _keys(values: Mapping[tuple[str, int], float]) -> list[str]:
    """``"name d=D"`` for the ``(name, d)`` keys of a statistic's values."""
    return [f"{name} d={d}" for name, d in values]


def _needs(what: str, have: Iterable[Any], need: int = 1) -> str:
    """``""`` when the run has at least ``need`` of the grid points ``what`` describes
    (``have`` lists those it has), else the BELOW-SCALE reason naming them."""
    have = sorted(set(have))
    if len(have) >= need:
        return ""
    return f"the claim needs {need} {what}; this run has {len(have)} ({_points(have)})"


def _fig1_needs(
    methods: Iterable[str], m: int, log_n: float, metric: str
) -> Callable[[pd.DataFrame], str]:
    """Precondition: the width-``m`` Fig. 1 panel ran every method of ``methods`` at
    ``log_d n = log_n``."""

    def reason(rows: pd.DataFrame) -> str:
        for method in methods:
            if fig1_values(rows, method, m, log_n, metric).empty:
                sizes = _points(fig1_sizes(rows, method, m, metric))
                return (
                    f"the m = {m} panel has no {method} run at log_d n = {log_n:g} "
                    f"(its {method} sizes: log_d n = {sizes})"
                )
        return ""

    return reason


def _both(
    first: Callable[[pd.DataFrame], str], second: Callable[[pd.DataFrame], str]
) -> Callable[[pd.DataFrame], str]:
    """The precondition that fails with ``first``'s reason, else with ``second``'s."""
    return lambda rows: first(rows) or second(rows)


def _switch(settings: Mapping[str, Any], experiment: str) -> str:
    """The pre-processing switch ``preprocess.<experiment>`` the rows were made with."""
    state = "on" if settings["preprocess"][experiment] else "off"
    return f"pre-processing {state} (preprocess.{experiment})"


# --------------------------------------------------------------------------- registry


def claims(settings: Mapping[str, Any]) -> list[Claim]:
    """The registry entries, with thresholds from ``settings`` (the config's claims block)."""
    s = settings
    metric = s["risk_metric"]
    m = s["fig1_width"]
    k_alg, k_ker = s["fig1_alg1_log_n"], s["fig1_kernel_log_n"]
    m_wide = s["fig1_wide_width"]
    c_rho, min_d = s["rho_collapse_size_d2"], s["rho_collapse_min_d"]
    c_lin, c_risk, n_tr = s["rho_linear_size_d"], s["risk_size_d2"], s["transfer_n_target"]
    k_pre, k_tgt = s["transfer_grid_log_n"], s["transfer_grid_log_n_target"]
    k_small = s["transfer_small_log_n"]
    c_deg, c_snr = s["degenerate_size_d2"], s["snr_size_d2"]
    kernels = " and ".join(FIG1_KERNELS)
    fig1 = f"Fig. 1 panel m = {m}, estimate {metric}"
    first_step = "first step only (W1, no head)"
    pretrained = f"Algorithm 1 pre-trained with {_switch(s, 'transfer')}"

    def claim(cid, statement, name, statistic, prediction, table, precondition, variant,
              note=None, conditions=()) -> Claim:  # fmt: skip
        tables = table if isinstance(table, tuple) else (table,)
        return Claim(cid, PAPER, statement, tables, name, statistic, prediction, note=note,
                     precondition=precondition, variant=variant,
                     conditions=conditions)  # fmt: skip

    def at_size(
        what: str, keys: Callable[[pd.DataFrame], Iterable[Any]], need: int = 1
    ) -> Callable[[pd.DataFrame], str]:
        """Precondition: the rows hold ``need`` grid points ``keys`` (see :func:`_needs`)."""
        return lambda f: _needs(what, keys(f), need)

    plateau_low, plateau_high = s["plateau_range"]
    k_ref, ref_seeds = s["fig1_reference_min_log_n"], s["fig1_reference_seeds"]
    sigmas, slack = s["fig1_reference_sigmas"], s["fig1_reference_slack"]

    def reference_note(f: pd.DataFrame) -> str:
        """The point that deviates most, and by how much (ours - paper)."""
        points = fig1_reference_points(f, metric, k_ref)
        if points.empty or points["ours"].isna().any():
            return ""
        worst = points.loc[(points["ours"] - points["paper"]).abs().idxmax()]
        mean_gap = float((points["ours"] - points["paper"]).mean())
        return (
            f"(Largest gap: {worst['method']}, m = {int(worst['m'])}, log_d n = "
            f"{worst['log_n']:g}: ours {worst['ours']:.3f} vs the paper's "
            f"{worst['paper']:.3f}; mean gap over {len(points)} points {mean_gap:+.3f}.)"
        )

    def fig2_keys(f: pd.DataFrame) -> list[str]:
        """The common Fig. 2 points, as text (for the BELOW-SCALE reason)."""
        points = fig2_reference_points(f, metric)
        return [
            f"n = d^{k:g} and N = {int(n)}"
            for k, n in zip(points["log_n"], points["n_target"], strict=True)
        ]

    def fig2_note(f: pd.DataFrame) -> str:
        """The grid point that deviates most, and the mean signed gap."""
        points = fig2_reference_points(f, metric)
        if points.empty or points["ours"].isna().any():
            return ""
        gaps = points["ours"] - points["paper"]
        worst = points.loc[gaps.abs().idxmax()]
        return (
            f"(Largest gap: n = d^{worst['log_n']:g}, N = {int(worst['n_target'])}: ours "
            f"{worst['ours']:.3f} vs the paper's {worst['paper']:.3f}; mean gap over "
            f"{len(points)} points {float(gaps.mean()):+.3f}.)"
        )

    def risk_methods_note(f: pd.DataFrame) -> str:
        """Which kernels (and dimensions) the minimum was taken over in this run."""
        found = risk_at_size(f, RISK_KERNELS, c_risk, metric)
        dims = {method: [d for k, d in found if k == method] for method in RISK_KERNELS}
        ran = [f"{method} at d = {_points(ds)}" if ds else f"no {method} run"
               for method, ds in dims.items()]  # fmt: skip
        return f"(Minimum over {'; '.join(ran)}.)"

    return [
        claim("DLS-1a", f"Fig. 1 (m = {m}): Algorithm 1 learns the target by n = d^{k_alg:g}.",
              f"Alg1 risk at n=d^{k_alg:g}", lambda f: fig1_risk(f, "alg1", m, k_alg, metric),
              Prediction(high=s["fig1_alg1_max"]), "complexity",
              _fig1_needs(["alg1"], m, k_alg, metric),
              f"Algorithm 1 with {_switch(s, 'complexity')}, {fig1}"),
        claim("DLS-1b", f"Fig. 1: RF and NTK have not learned it at n = d^{k_ker:g}.",
              f"min(RF, NTK) risk at n=d^{k_ker:g}",
              lambda f: fig1_kernel_min(f, m, k_ker, metric),
              Prediction(low=s["fig1_kernel_min"]), "complexity",
              _fig1_needs(FIG1_KERNELS, m, k_ker, metric), f"{kernels}, {fig1}"),
        claim("DLS-1c", f"Fig. 1: at n = d^{k_ker:g} Algorithm 1 beats both kernels by "
              f"{1 / s['fig1_ratio_max']:g}x.",
              f"Alg1/min(RF, NTK) at n=d^{k_ker:g}", lambda f: fig1_ratio(f, m, k_ker, metric),
              Prediction(high=s["fig1_ratio_max"]), "complexity",
              _fig1_needs(["alg1", *FIG1_KERNELS], m, k_ker, metric),
              f"Algorithm 1 with {_switch(s, 'complexity')} against {kernels}, {fig1}"),
        claim("DLS-1d", f"Fig. 1 as the paper drew it: at every point with log_d n >= "
              f"{k_ref:g} that both have, our curves lie within {sigmas:g} standard errors of the "
              f"paper's mean ({ref_seeds} seeds) plus {slack:g}.",
              "max |ours - paper| / tolerance",
              lambda f: fig1_reference_deviation(f, metric, k_ref, ref_seeds, sigmas, slack),
              Prediction(high=1.0), ("complexity", "reference"),
              lambda f: _needs(f"Fig. 1 points with log_d n >= {k_ref:g} in both our run and the "
                               "digitised figure",
                               fig1_reference_points(f, metric, k_ref)["log_n"], 1),
              f"every method and width of the digitised figure, Algorithm 1 with "
              f"{_switch(s, 'complexity')}, estimate {metric}, against the digitised means "
              "(workflow/reference/dls_fig1_digitised.csv)", note=reference_note),
        claim("DLS-1e", f"Theorem 1's width term: at n = d^{k_alg:g} Algorithm 1 with m = "
              f"{m_wide} has a lower risk than with m = {m} (if the width did not matter, the "
              "ratio would be about 1).", f"Alg1 risk m={m_wide} / m={m} at n=d^{k_alg:g}",
              lambda f: fig1_risk(f, "alg1", m_wide, k_alg, metric)
              / fig1_risk(f, "alg1", m, k_alg, metric),
              Prediction(high=s["fig1_width_ratio_max"]), "complexity",
              _both(_fig1_needs(["alg1"], m, k_alg, metric),
                    _fig1_needs(["alg1"], m_wide, k_alg, metric)),
              f"Algorithm 1 with {_switch(s, 'complexity')}, Fig. 1 panels m = {m} and "
              f"m = {m_wide}, estimate {metric}"),
        claim("DLS-2a", f"The first step aligns W1 with u at n ~ d^2: slope of log n*(rho = "
              f"{s['rho_level']:g}) against log d.", "slope log n*(rho) vs log d",
              lambda f: threshold_slope(f, "alignment", "rho", s["rho_level"], True),
              Prediction(*s["rho_slope_range"]), "alignment",
              at_size("dimensions d of the alignment sweep",
                      lambda f: dimensions(f, "alignment", "rho"), 2),
              f"{first_step}, {_switch(s, 'alignment')}"),
        claim("DLS-2b", f"rho collapses in n/d^2: spread across d >= {min_d} "
              f"at n = {c_rho:g} d^2.", "max-min rho across d",
              lambda f: rho_spread(f, c_rho, min_d), Prediction(high=s["rho_collapse_spread"]),
              "alignment",
              at_size(f"dimensions d >= {min_d} with rho at n = {c_rho:g} d^2",
                      lambda f: [d for d in values_at_size(f, "alignment", "rho", c_rho, 2)
                                 if d >= min_d], 2),
              f"{first_step}, {_switch(s, 'alignment')}"),
        claim("DLS-2c", f"Linear sample size is not enough: at n = {c_lin:g} d, "
              "rho falls from the smallest to the largest d.", "rho(d_min) - rho(d_max)",
              lambda f: rho_linear_drop(f, c_lin), Prediction(low=s["rho_linear_drop"]),
              "alignment",
              at_size(f"dimensions d with rho at n = {c_lin:g} d",
                      lambda f: values_at_size(f, "alignment", "rho", c_lin, 1), 2),
              f"{first_step}, {_switch(s, 'alignment')}"),
        claim("DLS-3a", f"Algorithm 1's sample complexity is ~ d^2: slope of log n*(risk <= "
              f"{s['risk_level']:g}) against log d.", "slope log n*(risk) vs log d",
              lambda f: threshold_slope(f, "risk", metric, s["risk_level"], False, method="alg1"),
              Prediction(*s["risk_slope_range"]), "risk",
              at_size("dimensions d of Algorithm 1's risk sweep",
                      lambda f: dimensions(f, "risk", metric, method="alg1"), 2),
              f"Algorithm 1 with {_switch(s, 'risk')}, estimate {metric}"),
        claim("DLS-3b", f"Algorithm 1 risk at n = {c_risk:g} d^2 is small for every d.",
              "max_d Alg1 risk",
              lambda f: strict_max(risk_at_size(f, ["alg1"], c_risk, metric).values()),
              Prediction(high=s["risk_alg1_max"]), "risk",
              at_size(f"Algorithm 1 risks at n = {c_risk:g} d^2",
                      lambda f: _keys(risk_at_size(f, ["alg1"], c_risk, metric))),
              f"Algorithm 1 with {_switch(s, 'risk')}, estimate {metric}"),
        claim("DLS-3c", f"Kernels need more than d^2: RF and KRR risk at n = {c_risk:g} d^2.",
              "min_d,method RF/KRR risk",
              lambda f: strict_min(risk_at_size(f, RISK_KERNELS, c_risk, metric).values()),
              Prediction(low=s["risk_kernel_min"]), "risk",
              at_size(f"{' or '.join(RISK_KERNELS)} risks at n = {c_risk:g} d^2",
                      lambda f: _keys(risk_at_size(f, RISK_KERNELS, c_risk, metric))),
              f"{' and '.join(RISK_KERNELS)} at every d they ran at that n, estimate {metric}",
              note=risk_methods_note),
        claim("DLS-3d", "A kernel that can represent the degree-2 part (random features with "
              "m = width_d2 d^2 > d(d+1)/2) reaches the kernels' plateau, the risk of the best "
              f"quadratic predictor, by n = {c_risk:g} d^2 and does not go below it "
              "(d^2 < n << d^p).", "min_d wide-RF risk",
              lambda f: strict_min(risk_at_size(f, ["rf_wide"], c_risk, metric).values()),
              Prediction(low=plateau_low), "risk",
              at_size(f"rf_wide risks at n = {c_risk:g} d^2",
                      lambda f: _keys(risk_at_size(f, ["rf_wide"], c_risk, metric))),
              f"rf_wide at every d it ran at that n (risk.wide_rf), estimate {metric}",
              conditions=(Condition(
                  "max_d wide-RF risk",
                  lambda f: strict_max(risk_at_size(f, ["rf_wide"], c_risk, metric).values()),
                  Prediction(high=plateau_high)),)),
        claim("DLS-4a", f"Transfer (Thm 3): with pre-training, the head learns He_3 from N = "
              f"{n_tr} samples for every d.", f"max_d risk at N={n_tr}",
              lambda f: strict_max(transfer_independence(f, "alg1", n_tr, metric).values()),
              Prediction(high=s["transfer_max"]), "transfer",
              at_size(f"pre-trained heads at N = {n_tr}",
                      lambda f: transfer_independence(f, "alg1", n_tr, metric)),
              f"{pretrained}, head refit on N = {n_tr}, estimate {metric}"),
        claim("DLS-4b", f"Transfer: the pre-trained risk at N = {n_tr} does not depend on d.",
              f"max-min_d risk at N={n_tr}", lambda f: transfer_spread(f, n_tr, metric),
              Prediction(high=s["transfer_spread"]), "transfer",
              at_size(f"dimensions d with a pre-trained head at N = {n_tr}",
                      lambda f: transfer_independence(f, "alg1", n_tr, metric), 2),
              f"{pretrained}, head refit on N = {n_tr}, estimate {metric}"),
        claim("DLS-4c", f"Transfer: random features without pre-training do not learn He_3 "
              f"from N = {n_tr}.", f"min_d RF risk at N={n_tr}",
              lambda f: strict_min(transfer_independence(f, "rf", n_tr, metric).values()),
              Prediction(low=s["transfer_rf_min"]), "transfer",
              at_size(f"random-feature heads at N = {n_tr}",
                      lambda f: transfer_independence(f, "rf", n_tr, metric)),
              f"rf without pre-training, head on N = {n_tr}, estimate {metric}"),
        claim("DLS-4d", f"Fig. 2 (its d-grid): pre-training on n = d^{k_pre:g} gives a good head "
              f"at N = d^{k_tgt:g}.", f"risk at n=d^{k_pre:g}, N=d^{k_tgt:g}",
              lambda f: transfer_grid_at(f, k_pre, k_tgt, metric),
              Prediction(high=s["transfer_grid_max"]), "transfer",
              at_size(f"grid points at pre-training n = d^{k_pre:g}, N = d^{k_tgt:g}",
                      lambda f: transfer_grid_points(f, k_pre, k_tgt, metric)),
              f"{pretrained} on the d-grid, head refit on N = d^{k_tgt:g}, estimate {metric}"),
        claim("DLS-4e", f"Fig. 2: pre-training on n <= d^{k_small:g} gives nothing at "
              f"N = d^{k_tgt:g}.", "min risk over small n",
              lambda f: transfer_grid_small(f, k_small, k_tgt, metric),
              Prediction(low=s["transfer_small_min"]), "transfer",
              at_size(f"grid points at pre-training n <= d^{k_small:g}, N = d^{k_tgt:g}",
                      lambda f: transfer_grid_below(f, k_small, k_tgt, metric)),
              f"{pretrained} on the d-grid, head refit on N = d^{k_tgt:g}, estimate {metric}"),
        claim("DLS-4f", "Fig. 2 as the paper drew it: at every point (pre-training n, target N) "
              "of the single-d transfer grid that both have, our risk lies within "
              f"{s['fig2_reference_tolerance']:g} of the paper's mean.",
              "max |ours - paper|", lambda f: fig2_reference_gap(f, metric),
              Prediction(high=s["fig2_reference_tolerance"]), ("transfer", "reference"),
              lambda f: _needs("transfer-grid points in both our run and the digitised Fig. 2",
                               fig2_keys(f), 1),
              f"{pretrained}, the single-d grid, estimate {metric}, against the "
              "digitised means (workflow/reference/dls_fig2_digitised.csv)", note=fig2_note),
        claim("DLS-5a", f"Assumption 2: the non-degenerate target is aligned at n = "
              f"{c_deg:g} d^2.", "min_d rho(main)",
              lambda f: strict_min(degenerate_rho(f, NONDEGENERATE, c_deg).values()),
              Prediction(low=s["nondegenerate_rho_min"]), "ablation",
              at_size(f"rho of target {', '.join(NONDEGENERATE)} at n = {c_deg:g} d^2",
                      lambda f: _keys(degenerate_rho(f, NONDEGENERATE, c_deg))),
              f"{first_step}, target {', '.join(NONDEGENERATE)}, {_switch(s, 'ablation')}"),
        claim("DLS-5b", "Assumption 2: degenerate targets (He_3, He_4, H = 0) are not aligned "
              "at the same n.", "max_d rho(He3, He4)",
              lambda f: strict_max(degenerate_rho(f, DEGENERATE, c_deg).values()),
              Prediction(high=s["degenerate_rho_max"]), "ablation",
              at_size(f"rho of targets {', '.join(DEGENERATE)} at n = {c_deg:g} d^2",
                      lambda f: _keys(degenerate_rho(f, DEGENERATE, c_deg))),
              f"{first_step}, targets {', '.join(DEGENERATE)}, {_switch(s, 'ablation')}"),
        claim("DLS-5c", f"The rank term: per-direction SNR at n = {c_snr:g} d^2 falls "
              "with the rank r of the target like r^-a.", "min exponent a of SNR ~ r^-a",
              lambda f: snr_rank_exponent(f, c_snr), Prediction(low=s["snr_rank_exponent_min"]),
              "ablation",
              at_size(f"ranks r with an SNR at n = {c_snr:g} d^2",
                      lambda f: snr_by_rank(f, c_snr).index, 2),
              f"{first_step}, rank-r staircase targets, {_switch(s, 'ablation')}"),
    ]  # fmt: skip


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows every statistic needs (risk estimates, rho, SNR) from the paper's tables, and
    the digitised Fig. 1 values (DLS-1d) with no seed: they are the paper's, constants of
    every bootstrap resample (:func:`hdlearn.analysis.fits.bootstrap`), never resampled."""
    frames = [tables[name][tables[name]["metric"].isin(METRICS)] for name in TABLES
              if name != "reference"]  # fmt: skip
    reference = tables["reference"]
    reference = reference[reference["metric"].isin(REFERENCE_METRICS)]
    frames = [frame.assign(constant=False) for frame in frames]
    frames.append(reference.assign(seed=math.nan, constant=True))
    return pd.concat(frames, ignore_index=True)
