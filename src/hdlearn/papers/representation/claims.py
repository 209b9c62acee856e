"""Claims DLS-1..5 of Damian, Lee & Soltanolkotabi 2022 (arXiv 2206.15144), as in issue 5.

Every statistic (:mod:`hdlearn.papers.representation.analysis`) reads the paper's rows (the
``complexity``, ``alignment``, ``risk``, ``transfer`` and ``ablation`` tables concatenated, each
row tagged with its ``experiment``), averages over seeds (the paper plots means) and is
bootstrapped over seeds by :func:`hdlearn.analysis.verdicts.evaluate`. Thresholds come from the
config (``scales.<scale>.representation.claims``); ``risk_metric`` names the risk estimate read
(``risk_cvopt`` by default, see :func:`hdlearn.analysis.estimators.excess_risk_estimates`).
Minima and maxima over ``d`` are NaN-strict (:mod:`hdlearn.analysis.strict`), so a NaN
dimension makes the claim INCONCLUSIVE.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hdlearn.analysis.strict import strict_max, strict_min
from hdlearn.analysis.verdicts import Claim, Prediction
from hdlearn.papers.representation.analysis import (
    degenerate_rho,
    fig1_kernel_min,
    fig1_ratio,
    fig1_risk,
    rho_linear_drop,
    rho_spread,
    risk_at_size,
    snr_order,
    threshold_slope,
    transfer_grid_at,
    transfer_grid_small,
    transfer_independence,
    transfer_spread,
)

PAPER = "representation"
TABLES = ("complexity", "alignment", "risk", "transfer", "ablation")
METRICS = ("risk", "risk_plain", "risk_cvopt", "rho", "snr")


# --------------------------------------------------------------------------- registry


def claims(settings: Mapping[str, Any]) -> list[Claim]:
    """The registry entries, with thresholds from ``settings`` (the config's claims block)."""
    s = settings
    metric = s["risk_metric"]
    m = s["fig1_width"]
    k_alg, k_ker = s["fig1_alg1_log_n"], s["fig1_kernel_log_n"]
    c_risk, n_tr = s["risk_size_d2"], s["transfer_n_target"]
    k_pre, k_tgt = s["transfer_grid_log_n"], s["transfer_grid_log_n_target"]

    def claim(cid, statement, name, statistic, prediction, tables):
        return Claim(cid, PAPER, statement, tables, name, statistic, prediction)

    return [
        claim("DLS-1a", f"Fig. 1 (m = {m}): Algorithm 1 learns the target by n = d^{k_alg:g}.",
              f"Alg1 risk at n=d^{k_alg:g}", lambda f: fig1_risk(f, "alg1", m, k_alg, metric),
              Prediction(high=s["fig1_alg1_max"]), ("complexity",)),
        claim("DLS-1b", f"Fig. 1: RF and NTK have not learned it at n = d^{k_ker:g}.",
              f"min(RF, NTK) risk at n=d^{k_ker:g}",
              lambda f: fig1_kernel_min(f, m, k_ker, metric),
              Prediction(low=s["fig1_kernel_min"]), ("complexity",)),
        claim("DLS-1c", f"Fig. 1: at n = d^{k_ker:g} Algorithm 1 beats both kernels by 2x.",
              f"Alg1/min(RF, NTK) at n=d^{k_ker:g}", lambda f: fig1_ratio(f, m, k_ker, metric),
              Prediction(high=s["fig1_ratio_max"]), ("complexity",)),
        claim("DLS-2a", f"The first step aligns W1 with u at n ~ d^2: slope of log n*(rho = "
              f"{s['rho_level']:g}) against log d.", "slope log n*(rho) vs log d",
              lambda f: threshold_slope(f, "alignment", "rho", s["rho_level"], True),
              Prediction(*s["rho_slope_range"]), ("alignment",)),
        claim("DLS-2b", f"rho collapses in n/d^2: spread across d >= {s['rho_collapse_min_d']} "
              f"at n = {s['rho_collapse_size_d2']:g} d^2.", "max-min rho across d",
              lambda f: rho_spread(f, s["rho_collapse_size_d2"], s["rho_collapse_min_d"]),
              Prediction(high=s["rho_collapse_spread"]), ("alignment",)),
        claim("DLS-2c", f"Linear sample size is not enough: at n = {s['rho_linear_size_d']:g} d, "
              "rho falls from the smallest to the largest d.", "rho(d_min) - rho(d_max)",
              lambda f: rho_linear_drop(f, s["rho_linear_size_d"]),
              Prediction(low=s["rho_linear_drop"]), ("alignment",)),
        claim("DLS-3a", f"Algorithm 1's sample complexity is ~ d^2: slope of log n*(risk <= "
              f"{s['risk_level']:g}) against log d.", "slope log n*(risk) vs log d",
              lambda f: threshold_slope(f, "risk", metric, s["risk_level"], False, method="alg1"),
              Prediction(*s["risk_slope_range"]), ("risk",)),
        claim("DLS-3b", f"Algorithm 1 risk at n = {c_risk:g} d^2 is small for every d.",
              "max_d Alg1 risk", lambda f: strict_max(risk_at_size(f, ["alg1"], c_risk, metric)),
              Prediction(high=s["risk_alg1_max"]), ("risk",)),
        claim("DLS-3c", f"Kernels need more than d^2: RF and KRR risk at n = {c_risk:g} d^2.",
              "min_d,method RF/KRR risk",
              lambda f: strict_min(risk_at_size(f, ["rf", "krr"], c_risk, metric)),
              Prediction(low=s["risk_kernel_min"]), ("risk",)),
        claim("DLS-4a", f"Transfer (Thm 3): with pre-training, the head learns He_3 from N = "
              f"{n_tr} samples for every d.", f"max_d risk at N={n_tr}",
              lambda f: strict_max(transfer_independence(f, "alg1", n_tr, metric).values()),
              Prediction(high=s["transfer_max"]), ("transfer",)),
        claim("DLS-4b", f"Transfer: the pre-trained risk at N = {n_tr} does not depend on d.",
              f"max-min_d risk at N={n_tr}", lambda f: transfer_spread(f, n_tr, metric),
              Prediction(high=s["transfer_spread"]), ("transfer",)),
        claim("DLS-4c", f"Transfer: random features without pre-training do not learn He_3 "
              f"from N = {n_tr}.", f"min_d RF risk at N={n_tr}",
              lambda f: strict_min(transfer_independence(f, "rf", n_tr, metric).values()),
              Prediction(low=s["transfer_rf_min"]), ("transfer",)),
        claim("DLS-4d", f"Fig. 2 (d = 10): pre-training on n = d^{k_pre:g} gives a good head at "
              f"N = d^{k_tgt:g}.", f"risk at n=d^{k_pre:g}, N=d^{k_tgt:g}",
              lambda f: transfer_grid_at(f, k_pre, k_tgt, metric),
              Prediction(high=s["transfer_grid_max"]), ("transfer",)),
        claim("DLS-4e", f"Fig. 2: pre-training on n <= d^{s['transfer_small_log_n']:g} "
              f"gives nothing at N = d^{k_tgt:g}.", "min risk over small n",
              lambda f: transfer_grid_small(f, s["transfer_small_log_n"], k_tgt, metric),
              Prediction(low=s["transfer_small_min"]), ("transfer",)),
        claim("DLS-5a", f"Assumption 2: the non-degenerate target is aligned at n = "
              f"{s['degenerate_size_d2']:g} d^2.", "min_d rho(main)",
              lambda f: strict_min(degenerate_rho(f, ["main"], s["degenerate_size_d2"])),
              Prediction(low=s["nondegenerate_rho_min"]), ("ablation",)),
        claim("DLS-5b", "Assumption 2: degenerate targets (He_3, He_4, H = 0) are not aligned "
              "at the same n.", "max_d rho(He3, He4)",
              lambda f: strict_max(degenerate_rho(f, ["he3", "he4"], s["degenerate_size_d2"])),
              Prediction(high=s["degenerate_rho_max"]), ("ablation",)),
        claim("DLS-5c", f"The rank term: per-direction SNR at n = {s['snr_size_d2']:g} d^2 falls "
              "with r (r = 1 > 2 > 4).", "min SNR(r_i)/SNR(r_i+1)",
              lambda f: snr_order(f, s["snr_size_d2"]), Prediction(low=1.0), ("ablation",)),
    ]  # fmt: skip


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows every statistic needs (risk estimates, rho, SNR) from the paper's tables; the
    digitised reference table has no seeds and is not read by any claim."""
    frames = [tables[name][tables[name]["metric"].isin(METRICS)] for name in TABLES]
    return pd.concat(frames, ignore_index=True)
