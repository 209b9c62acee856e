"""Statistics of the Damian, Lee & Soltanolkotabi tables (arXiv 2206.15144), shared by the
claims (:mod:`hdlearn.papers.representation.claims`) and the figures.

Every statistic reads the paper's rows (the ``complexity``, ``alignment``, ``risk``,
``transfer`` and ``ablation`` tables concatenated, each row tagged with its ``experiment``) and
averages over seeds (the paper plots means). ``metric`` names the risk estimate read
(``risk``, ``risk_plain`` or ``risk_cvopt``, see
:func:`hdlearn.analysis.estimators.excess_risk_estimates`). Sample sizes are recomputed as the
experiment draws them (:func:`hdlearn.sizes.power_samples`, :func:`hdlearn.sizes.factor_samples`).

Threshold sample sizes ``n*`` are first crossings of the seed-mean curve, interpolated
linearly in ``log n`` (:func:`hdlearn.analysis.fits.first_crossing`); exponents are OLS slopes
of ``log n*`` against ``log d`` (:func:`hdlearn.analysis.fits.loglog_slope`). A dimension
whose curve is censored (never crosses, or is past the level at its smallest ``n``) makes the
slope NaN (INCONCLUSIVE), and so do fewer than two crossings. Minima, maxima and spreads
over ``d`` are NaN-strict (:mod:`hdlearn.analysis.strict`): a dimension whose seed mean is NaN
never drops out of them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import first_crossing, loglog_slope
from hdlearn.analysis.strict import strict_min, strict_spread
from hdlearn.sizes import factor_samples, power_samples


def _rows(frame: pd.DataFrame, experiment: str, metric: str, **equal: Any) -> pd.DataFrame:
    """The rows of ``experiment`` and ``metric`` whose columns equal ``equal`` (floats compared
    with ``np.isclose``)."""
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


# --------------------------------------------------------------------------- DLS-1 (Fig. 1)


def fig1_risk(frame: pd.DataFrame, method: str, m: int, log_n: float, metric: str) -> float:
    """Seed-mean risk of ``method`` in the width-``m`` panel at ``log_d n = log_n``."""
    rows = _rows(frame, "complexity", metric, method=method, m=m, log_n=float(log_n))
    return float(rows["value"].mean()) if len(rows) else math.nan


def fig1_kernel_min(frame: pd.DataFrame, m: int, log_n: float, metric: str) -> float:
    """min(RF, NTK) seed-mean risk at ``log_d n = log_n`` (NaN if either is missing)."""
    values = [fig1_risk(frame, method, m, log_n, metric) for method in ("rf", "ntk")]
    return strict_min(values)


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
        if n == factor_samples(factor, d**power):
            out[int(d)] = float(means[(d, n)])
    return out


def rho_spread(frame: pd.DataFrame, factor: float, min_d: int) -> float:
    """max - min over ``d >= min_d`` of the seed-mean rho at ``n = factor d^2``."""
    values = values_at_size(frame, "alignment", "rho", factor, 2)
    return strict_spread(v for d, v in values.items() if d >= min_d)


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
    """max - min over ``d`` of the pre-trained seed-mean risk at ``N = n_target``."""
    return strict_spread(transfer_independence(frame, "alg1", n_target, metric).values())


def transfer_grid(frame: pd.DataFrame, log_n: float, log_n_target: float, metric: str) -> dict:
    """``{log_d n: seed-mean risk}`` of the d = 10 grid at ``N = d^log_n_target``."""
    rows = _rows(frame, "transfer", metric, method="alg1", target="transfer_grid")
    if rows.empty:
        return {}
    d = int(rows["d"].iloc[0])
    rows = rows[rows["n_target"] == power_samples(d, log_n_target)]
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
    return strict_min(v for k, v in grid.items() if k <= max_log_n + 1e-9)


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
    rows = rows[rows["n"] == factor_samples(factor, d * d)]
    means = rows.groupby("r")["value"].mean().sort_index()
    if len(means) < 2:
        return math.nan
    values = means.to_numpy(float)
    return float(np.min(values[:-1] / values[1:]))


# --------------------------------------------------------------------------- targets


def quadratic_level(terms: Iterable[Iterable[float]]) -> float:
    """Excess risk (relative to ``Var(f*)``) of the best predictor of degree ``<= 2`` in the
    target direction, for the config's ``[k, c_k]`` terms of ``f* = sum_k c_k h_k`` (``h_k``
    orthonormal Hermite): the share ``sum_{k > 2} c_k^2 / sum_k c_k^2`` of the variance above
    degree 2."""
    terms = [tuple(term) for term in terms]
    power = sum(c**2 for _, c in terms)
    return sum(c**2 for k, c in terms if k > 2) / power
