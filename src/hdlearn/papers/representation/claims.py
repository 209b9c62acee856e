"""Claims DLS-1..5 of Damian, Lee & Soltanolkotabi 2022 (arXiv 2206.15144), as in issue 5.

Every statistic reads the paper's rows (the ``fig1``, ``alignment``, ``risk``, ``transfer`` and
``ablation`` tables concatenated, each row tagged with its ``experiment``), averages over seeds
(the paper plots means) and is bootstrapped over seeds by
:func:`hdlearn.analysis.verdicts.evaluate`. Thresholds come from the config
(``scales.<scale>.representation.claims``); ``risk_metric`` names the risk estimate read
(``risk_cvopt`` by default, see :func:`hdlearn.papers.representation.experiment.test_risk`).

Threshold sample sizes ``n*`` are first crossings of the seed-mean curve, interpolated
linearly in ``log n`` (:func:`hdlearn.analysis.fits.first_crossing`); exponents are OLS slopes
of ``log n*`` against ``log d`` (:func:`hdlearn.analysis.fits.loglog_slope`). A dimension
whose curve never crosses is left out of the fit; fewer than two crossings give NaN
(INCONCLUSIVE).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from hdlearn.analysis.verdicts import Claim, Prediction
from hdlearn.analysis.fits import first_crossing, loglog_slope
from hdlearn.papers.representation.experiment import samples_factor, samples_power

PAPER = "representation"
TABLES = ("complexity", "alignment", "risk", "transfer", "ablation")
METRICS = ("risk", "risk_plain", "risk_cvopt", "rho", "snr")


def _rows(frame: pd.DataFrame, experiment: str, metric: str, **equal: Any) -> pd.DataFrame:
    rows = frame[(frame["experiment"] == experiment) & (frame["metric"] == metric)]
    for column, value in equal.items():
        if isinstance(value, float):
            rows = rows[np.isclose(rows[column].to_numpy(float), value)]
        else:
            rows = rows[rows[column] == value]
    return rows


def mean_at(frame: pd.DataFrame, experiment: str, metric: str, by: list[str], **equal) -> pd.Series:
    """Seed mean of ``metric`` per group of ``by`` among the rows matching ``equal``."""
    return _rows(frame, experiment, metric, **equal).groupby(by)["value"].mean()


def _value(series: pd.Series, key: Any) -> float:
    return float(series.get(key, math.nan))


def _strict_min(values: Iterable[float]) -> float:
    """min of ``values``; NaN when empty or when any value is NaN (a missing or diverged
    dimension never drops out of a "for every d" claim)."""
    values = list(values)
    return math.nan if not values or any(math.isnan(v) for v in values) else min(values)


def _strict_max(values: Iterable[float]) -> float:
    """max of ``values``; NaN when empty or when any value is NaN."""
    values = list(values)
    return math.nan if not values or any(math.isnan(v) for v in values) else max(values)


# --------------------------------------------------------------------------- DLS-1 (Fig. 1)


def fig1_risk(frame: pd.DataFrame, method: str, m: int, log_n: float, metric: str) -> float:
    """Seed-mean risk of ``method`` in the width-``m`` panel at ``log_d n = log_n``."""
    rows = _rows(frame, "complexity", metric, method=method, m=m, log_n=float(log_n))
    return float(rows["value"].mean()) if len(rows) else math.nan


def fig1_kernel_min(frame: pd.DataFrame, m: int, log_n: float, metric: str) -> float:
    """min(RF, NTK) seed-mean risk at ``log_d n = log_n`` (NaN if either is missing)."""
    values = [fig1_risk(frame, method, m, log_n, metric) for method in ("rf", "ntk")]
    return min(values) if all(math.isfinite(v) for v in values) else math.nan


def fig1_ratio(frame: pd.DataFrame, m: int, log_n: float, metric: str) -> float:
    """Alg. 1 risk / min(RF, NTK) risk at ``log_d n = log_n``."""
    return fig1_risk(frame, "alg1", m, log_n, metric) / fig1_kernel_min(frame, m, log_n, metric)


# --------------------------------------------------------------------------- thresholds


def threshold_n(curve: pd.Series, level: float, rising: bool) -> float:
    """First ``n`` at which the curve (indexed by ``n``) reaches ``level``: from below if
    ``rising`` (rho), from above otherwise (risk); interpolated in ``log n``; NaN if never."""
    curve = curve.sort_index()
    if curve.empty:
        return math.nan
    x = np.log(curve.index.to_numpy(float))
    y = curve.to_numpy(float)
    crossing = first_crossing(x, -y, -level) if rising else first_crossing(x, y, level)
    return math.exp(crossing) if math.isfinite(crossing) else math.nan


def threshold_slope(
    frame: pd.DataFrame, experiment: str, metric: str, level: float, rising: bool, **equal
) -> float:
    """OLS slope of ``log n*(level)`` against ``log d`` over every dimension of the table.

    NaN (so INCONCLUSIVE) when any ``d`` never reaches the level (right-censored) or is past it
    already at its smallest ``n`` (left-censored): dropping such a ``d`` would bias the slope.
    """
    means = mean_at(frame, experiment, metric, ["d", "n"], **equal)
    points = []
    for d in sorted(means.index.get_level_values("d").unique()):
        curve = means.xs(d, level="d")
        n_star = threshold_n(curve, level, rising)
        if not math.isfinite(n_star) or n_star <= float(curve.index.min()) * (1 + 1e-9):
            return math.nan
        points.append((d, n_star))
    if len(points) < 2:
        return math.nan
    ds, ns = zip(*points, strict=True)
    return loglog_slope(ds, ns)[0]


def values_at_size(
    frame: pd.DataFrame, experiment: str, metric: str, factor: float, power: int, **equal
) -> dict[int, float]:
    """``{d: seed mean at n = floor(factor d^power)}`` for every ``d`` that has that ``n``."""
    means = mean_at(frame, experiment, metric, ["d", "n"], **equal)
    out = {}
    for d, n in means.index:
        if n == samples_factor(factor, d**power):
            out[int(d)] = float(means[(d, n)])
    return out


def rho_spread(frame: pd.DataFrame, factor: float, min_d: int) -> float:
    """max - min over ``d >= min_d`` of the seed-mean rho at ``n = factor d^2``."""
    values = values_at_size(frame, "alignment", "rho", factor, 2)
    values = [v for d, v in values.items() if d >= min_d]
    return max(values) - min(values) if len(values) >= 2 else math.nan


def rho_linear_drop(frame: pd.DataFrame, factor: float) -> float:
    """rho(d_min) - rho(d_max) at ``n = factor d`` (seed means)."""
    values = values_at_size(frame, "alignment", "rho", factor, 1)
    if len(values) < 2:
        return math.nan
    return values[min(values)] - values[max(values)]


def risk_at_size(frame: pd.DataFrame, methods: Iterable[str], factor: float, metric: str):
    """Seed-mean risks at ``n = factor d^2`` for every method and ``d`` of the risk table."""
    return [
        value
        for method in methods
        for value in values_at_size(frame, "risk", metric, factor, 2, method=method).values()
    ]


# --------------------------------------------------------------------------- DLS-4 (transfer)


def transfer_independence(frame: pd.DataFrame, method: str, n_target: int, metric: str):
    """``{d: seed-mean risk}`` of the d-independence part at ``N = n_target``."""
    means = mean_at(
        frame, "transfer", metric, ["d"], method=method, n_target=int(n_target),
        target="transfer_independence",
    )  # fmt: skip
    return {int(d): float(v) for d, v in means.items()}


def transfer_spread(frame: pd.DataFrame, n_target: int, metric: str) -> float:
    values = list(transfer_independence(frame, "alg1", n_target, metric).values())
    return max(values) - min(values) if len(values) >= 2 else math.nan


def transfer_grid(frame: pd.DataFrame, log_n: float, log_n_target: float, metric: str) -> dict:
    """``{log_d n: seed-mean risk}`` of the d = 10 grid at ``N = d^log_n_target``."""
    rows = _rows(frame, "transfer", metric, method="alg1", target="transfer_grid")
    if rows.empty:
        return {}
    d = int(rows["d"].iloc[0])
    rows = rows[rows["n_target"] == samples_power(d, log_n_target)]
    means = rows.groupby("log_n")["value"].mean()
    return {float(k): float(v) for k, v in means.items()}


def transfer_grid_at(frame, log_n: float, log_n_target: float, metric: str) -> float:
    grid = transfer_grid(frame, log_n, log_n_target, metric)
    # log_n is recorded as log(n)/log(d), so 3.0 may be stored as 2.9999999999999996
    matches = [v for key, v in grid.items() if math.isclose(key, log_n, rel_tol=1e-9)]
    return matches[0] if matches else math.nan


def transfer_grid_small(frame, max_log_n: float, log_n_target: float, metric: str) -> float:
    """min over pre-training sizes ``log_d n <= max_log_n`` of the risk at ``N = d^j``."""
    grid = transfer_grid(frame, max_log_n, log_n_target, metric)
    return _strict_min(v for k, v in grid.items() if k <= max_log_n + 1e-9)


# --------------------------------------------------------------------------- DLS-5 (ablations)


def degenerate_rho(frame: pd.DataFrame, targets: Iterable[str], factor: float) -> list[float]:
    return [
        value
        for target in targets
        for value in values_at_size(
            frame, "ablation", "rho", factor, 2, target=target, method="alg1_step"
        ).values()
    ]


def snr_order(frame: pd.DataFrame, factor: float) -> float:
    """min over consecutive ranks of SNR(r_i)/SNR(r_{i+1}) at ``n = factor d^2``: > 1 iff the
    per-direction SNR falls strictly with r."""
    rows = _rows(frame, "ablation", "snr")
    if rows.empty:
        return math.nan
    d = int(rows["d"].iloc[0])
    rows = rows[rows["n"] == samples_factor(factor, d * d)]
    means = rows.groupby("r")["value"].mean().sort_index()
    if len(means) < 2:
        return math.nan
    values = means.to_numpy(float)
    return float(np.min(values[:-1] / values[1:]))


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
              "max_d Alg1 risk", lambda f: _strict_max(risk_at_size(f, ["alg1"], c_risk, metric)),
              Prediction(high=s["risk_alg1_max"]), ("risk",)),
        claim("DLS-3c", f"Kernels need more than d^2: RF and KRR risk at n = {c_risk:g} d^2.",
              "min_d,method RF/KRR risk",
              lambda f: _strict_min(risk_at_size(f, ["rf", "krr"], c_risk, metric)),
              Prediction(low=s["risk_kernel_min"]), ("risk",)),
        claim("DLS-4a", f"Transfer (Thm 3): with pre-training, the head learns He_3 from N = "
              f"{n_tr} samples for every d.", f"max_d risk at N={n_tr}",
              lambda f: _strict_max(transfer_independence(f, "alg1", n_tr, metric).values()),
              Prediction(high=s["transfer_max"]), ("transfer",)),
        claim("DLS-4b", f"Transfer: the pre-trained risk at N = {n_tr} does not depend on d.",
              f"max-min_d risk at N={n_tr}", lambda f: transfer_spread(f, n_tr, metric),
              Prediction(high=s["transfer_spread"]), ("transfer",)),
        claim("DLS-4c", f"Transfer: random features without pre-training do not learn He_3 "
              f"from N = {n_tr}.", f"min_d RF risk at N={n_tr}",
              lambda f: _strict_min(transfer_independence(f, "rf", n_tr, metric).values()),
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
              lambda f: _strict_min(degenerate_rho(f, ["main"], s["degenerate_size_d2"])),
              Prediction(low=s["nondegenerate_rho_min"]), ("ablation",)),
        claim("DLS-5b", "Assumption 2: degenerate targets (He_3, He_4, H = 0) are not aligned "
              "at the same n.", "max_d rho(He3, He4)",
              lambda f: _strict_max(degenerate_rho(f, ["he3", "he4"], s["degenerate_size_d2"])),
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
