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
slope NaN (INCONCLUSIVE), and so do fewer than two crossings.

Everything is NaN-strict (:mod:`hdlearn.analysis.strict`): a seed mean with a diverged (NaN)
seed is NaN, a learning curve with a NaN point has no threshold, and a minimum, maximum or
spread over a NaN dimension is NaN, so a diverged run never drops out of a claim. The grid
points a statistic reads (which ``d``, ``n``, ``log_d n`` the run has) are listed by the same
functions whatever their values, which is what the claims' preconditions read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import first_crossing, loglog_slope
from hdlearn.analysis.strict import (
    strict_groups,
    strict_max,
    strict_mean,
    strict_min,
    strict_spread,
)
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
    """Seed mean of ``metric`` per group of ``by`` among the rows matching ``equal``; NaN for a
    group with a NaN seed (:func:`hdlearn.analysis.strict.strict_groups`)."""
    rows = _rows(frame, experiment, metric, **equal)
    return strict_groups(rows.groupby(by)["value"], "mean")


def dimensions(frame: pd.DataFrame, experiment: str, metric: str, **equal: Any) -> list[int]:
    """The dimensions ``d`` of the rows of ``experiment`` and ``metric`` matching ``equal``."""
    return sorted(int(d) for d in _rows(frame, experiment, metric, **equal)["d"].unique())


# --------------------------------------------------------------------------- DLS-1 (Fig. 1)

#: The kernel baselines of Fig. 1 that DLS-1b/1c compare with Algorithm 1.
FIG1_KERNELS = ("rf", "ntk")


def fig1_values(frame: pd.DataFrame, method: str, m: int, log_n: float, metric: str) -> pd.Series:
    """Per-seed risks of ``method`` in the width-``m`` panel at ``log_d n = log_n`` (empty when
    the run has no such point)."""
    return _rows(frame, "complexity", metric, method=method, m=m, log_n=float(log_n))["value"]


def fig1_risk(frame: pd.DataFrame, method: str, m: int, log_n: float, metric: str) -> float:
    """Seed mean of :func:`fig1_values`; NaN when the run has no such point or when one of its
    seeds is NaN (pandas' mean would skip it)."""
    return strict_mean(fig1_values(frame, method, m, log_n, metric))


#: The digitised Fig. 1 table's metrics (rows with no seed: constants of every bootstrap).
REFERENCE_METRICS = ("paper_risk_mean", "paper_risk_std")


def fig1_reference_points(frame: pd.DataFrame, metric: str, min_log_n: float) -> pd.DataFrame:
    """The Fig. 1 points ``(method, m, log_n >= min_log_n)`` at the reference's ``d`` that both
    our ``complexity`` run and the digitised paper values have, with columns ``ours`` (seed
    mean of ``metric``, NaN-strict), ``paper`` and ``paper_std`` (per-seed std of the paper's
    runs)."""
    keys = ["method", "m", "log_n"]
    ref = frame[frame["experiment"] == "reference"]
    if ref.empty:
        return pd.DataFrame(columns=[*keys, "ours", "paper", "paper_std"])
    d = int(ref["d"].iloc[0])
    paper = ref.pivot_table(index=keys, columns="metric", values="value", aggfunc="first")
    ours = mean_at(frame, "complexity", metric, keys, d=d)
    both = paper.join(ours.rename("ours"), how="inner").reset_index()
    both = both[both["log_n"] >= min_log_n - 1e-9]
    return both.rename(columns={"paper_risk_mean": "paper", "paper_risk_std": "paper_std"})[
        [*keys, "ours", "paper", "paper_std"]
    ]


def fig1_reference_deviation(
    frame: pd.DataFrame, metric: str, min_log_n: float, paper_seeds: int, sigmas: float,
    slack: float,
) -> float:  # fmt: skip
    """``max |ours - paper| / (sigmas * paper_std / sqrt(paper_seeds) + slack)`` over
    :func:`fig1_reference_points`: at most 1 when every point of our curves lies within
    ``sigmas`` standard errors of the paper's mean (its error bars) plus ``slack``; our own
    seed noise is the bootstrap's. NaN without a common point or with a NaN mean."""
    points = fig1_reference_points(frame, metric, min_log_n)
    if points.empty:
        return math.nan
    tolerance = sigmas * points["paper_std"] / math.sqrt(paper_seeds) + slack
    return strict_max((points["ours"] - points["paper"]).abs() / tolerance)


def fig1_sizes(frame: pd.DataFrame, method: str, m: int, metric: str) -> list[float]:
    """The exponents ``log_d n`` at which the width-``m`` panel ran ``method``."""
    rows = _rows(frame, "complexity", metric, method=method, m=m)
    return sorted(float(k) for k in rows["log_n"].unique())


def fig1_kernel_min(frame: pd.DataFrame, m: int, log_n: float, metric: str) -> float:
    """min over :data:`FIG1_KERNELS` (RF, NTK) of the seed-mean risk at ``log_d n = log_n``
    (NaN if either is missing or NaN)."""
    return strict_min(fig1_risk(frame, method, m, log_n, metric) for method in FIG1_KERNELS)


def fig1_ratio(frame: pd.DataFrame, m: int, log_n: float, metric: str) -> float:
    """Alg. 1 risk / min(RF, NTK) risk at ``log_d n = log_n``."""
    return fig1_risk(frame, "alg1", m, log_n, metric) / fig1_kernel_min(frame, m, log_n, metric)


# --------------------------------------------------------------------------- thresholds


def threshold_n(curve: pd.Series, level: float, rising: bool) -> float:
    """First ``n`` at which the curve (indexed by ``n``) reaches ``level``: from below if
    ``rising`` (rho), from above otherwise (risk); interpolated in ``log n``; NaN if never, and
    NaN when any point of the curve is NaN (:func:`hdlearn.analysis.fits.first_crossing` is
    NaN-strict: it never interpolates across a diverged size)."""
    curve = curve.sort_index()
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


def risk_at_size(
    frame: pd.DataFrame, methods: Iterable[str], factor: float, metric: str
) -> dict[tuple[str, int], float]:
    """``{(method, d): seed-mean risk at n = factor d^2}`` for every method of ``methods`` and
    every ``d`` of the risk table that has that ``n``."""
    return {
        (method, d): value
        for method in methods
        for d, value in values_at_size(frame, "risk", metric, factor, 2, method=method).items()
    }


# --------------------------------------------------------------------------- DLS-4 (transfer)


def transfer_independence(
    frame: pd.DataFrame, method: str, n_target: int, metric: str
) -> dict[int, float]:
    """``{d: seed-mean risk}`` of the d-independence part at ``N = n_target``."""
    means = mean_at(
        frame, "transfer", metric, ["d"], method=method, n_target=int(n_target),
        target="transfer_independence",
    )  # fmt: skip
    return {int(d): float(v) for d, v in means.items()}


def transfer_spread(frame: pd.DataFrame, n_target: int, metric: str) -> float:
    """max - min over ``d`` of the pre-trained seed-mean risk at ``N = n_target``."""
    return strict_spread(transfer_independence(frame, "alg1", n_target, metric).values())


def transfer_grid(frame: pd.DataFrame, log_n_target: float, metric: str) -> dict[float, float]:
    """``{log_d n: seed-mean risk}`` of the pre-trained head on the single-``d`` grid at
    ``N = d^log_n_target``."""
    rows = _rows(frame, "transfer", metric, method="alg1", target="transfer_grid")
    if rows.empty:
        return {}
    d = int(rows["d"].iloc[0])
    rows = rows[rows["n_target"] == power_samples(d, log_n_target)]
    means = strict_groups(rows.groupby("log_n")["value"], "mean")
    return {float(k): float(v) for k, v in means.items()}


def fig2_reference_points(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The transfer-grid points ``(log_n, n_target)`` that both our run (seed mean of
    ``metric``, NaN-strict, at the grid's ``d``) and the digitised Fig. 2 have (the
    ``reference`` rows of target ``transfer_grid``): columns ``log_n, n_target, ours, paper``.
    ``log_n`` is matched to 1e-6 (ours is stored as ``log(n)/log(d)``)."""
    columns = ["log_n", "n_target", "ours", "paper"]
    ref = _rows(frame, "reference", "paper_risk_mean", target="transfer_grid")
    ours = _rows(frame, "transfer", metric, method="alg1", target="transfer_grid")
    if ref.empty or ours.empty:
        return pd.DataFrame(columns=columns)
    ours = ours[ours["d"] == int(ref["d"].iloc[0])].assign(log_n=lambda f: f["log_n"].round(6))
    means = strict_groups(ours.groupby(["log_n", "n_target"])["value"], "mean").rename("ours")
    paper = ref.assign(log_n=ref["log_n"].round(6)).groupby(["log_n", "n_target"])["value"]
    both = paper.first().rename("paper").to_frame().join(means, how="inner").reset_index()
    return both[columns]


def fig2_reference_gap(frame: pd.DataFrame, metric: str) -> float:
    """``max |ours - paper|`` over :func:`fig2_reference_points` (NaN without a common point
    or with a NaN mean): the paper's Fig. 2 has no error bars, so the region is an absolute
    tolerance."""
    points = fig2_reference_points(frame, metric)
    if points.empty:
        return math.nan
    return strict_max((points["ours"] - points["paper"]).abs())


def transfer_grid_points(
    frame: pd.DataFrame, log_n: float, log_n_target: float, metric: str
) -> dict[float, float]:
    """The points of :func:`transfer_grid` at ``log_d n = log_n`` (one or none). ``log_n`` is
    recorded as ``log(n)/log(d)``, so 3.0 may be stored as 2.9999999999999996: keys are
    compared with a relative tolerance of 1e-9."""
    grid = transfer_grid(frame, log_n_target, metric)
    return {k: v for k, v in grid.items() if math.isclose(k, log_n, rel_tol=1e-9)}


def transfer_grid_at(frame: pd.DataFrame, log_n: float, log_n_target: float, metric: str) -> float:
    """Seed-mean risk at pre-training ``n = d^log_n`` and ``N = d^log_n_target`` (NaN if the
    grid has no such point)."""
    points = transfer_grid_points(frame, log_n, log_n_target, metric)
    return next(iter(points.values())) if points else math.nan


def transfer_grid_below(
    frame: pd.DataFrame, max_log_n: float, log_n_target: float, metric: str
) -> dict[float, float]:
    """The points of :func:`transfer_grid` with pre-training ``log_d n <= max_log_n``."""
    grid = transfer_grid(frame, log_n_target, metric)
    return {k: v for k, v in grid.items() if k <= max_log_n + 1e-9}


def transfer_grid_small(
    frame: pd.DataFrame, max_log_n: float, log_n_target: float, metric: str
) -> float:
    """min over pre-training sizes ``log_d n <= max_log_n`` of the risk at ``N = d^j``."""
    return strict_min(transfer_grid_below(frame, max_log_n, log_n_target, metric).values())


# --------------------------------------------------------------------------- DLS-5 (ablations)


def degenerate_rho(
    frame: pd.DataFrame, targets: Iterable[str], factor: float
) -> dict[tuple[str, int], float]:
    """``{(target, d): seed-mean rho of the first step at n = factor d^2}`` of the
    degenerate-target ablation, for every target of ``targets`` and ``d`` that has that ``n``."""
    return {
        (target, d): value
        for target in targets
        for d, value in values_at_size(
            frame, "ablation", "rho", factor, 2, target=target, method="alg1_step"
        ).items()
    }


def snr_by_rank(frame: pd.DataFrame, factor: float) -> pd.Series:
    """Seed-mean per-direction SNR of the rank ablation at ``n = factor d^2``, indexed by the
    rank ``r`` (sorted)."""
    rows = _rows(frame, "ablation", "snr")
    if rows.empty:
        return pd.Series(dtype=float)
    d = int(rows["d"].iloc[0])
    rows = rows[rows["n"] == factor_samples(factor, d * d)]
    return strict_groups(rows.groupby("r")["value"], "mean").sort_index()


def snr_rank_exponent(frame: pd.DataFrame, factor: float) -> float:
    """min over consecutive ranks of the local exponent ``a_i = ln(SNR(r_i)/SNR(r_{i+1})) /
    ln(r_{i+1}/r_i)`` of ``SNR ~ r^-a`` at ``n = factor d^2`` (:func:`snr_by_rank`). Thm 1's
    ``n >~ d^2 r kappa^2`` term puts the per-direction signal power at ``1/r`` of the total
    (``a = 1``); an SNR that does not depend on ``r`` has ``a = 0``, whatever the rank grid.
    NaN with fewer than two ranks or a non-positive SNR."""
    means = snr_by_rank(frame, factor)
    if len(means) < 2:
        return math.nan
    values, ranks = means.to_numpy(float), means.index.to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponents = np.log(values[:-1] / values[1:]) / np.log(ranks[1:] / ranks[:-1])
    if not (values > 0).all():
        return math.nan
    return strict_min(exponents)


# --------------------------------------------------------------------------- targets


def quadratic_level(terms: Iterable[Iterable[float]]) -> float:
    """Excess risk (relative to ``Var(f*)``) of the best predictor of degree ``<= 2`` in the
    target direction, for the config's ``[k, c_k]`` terms of ``f* = sum_k c_k h_k`` (``h_k``
    orthonormal Hermite): the share ``sum_{k > 2} c_k^2 / sum_k c_k^2`` of the variance above
    degree 2."""
    terms = [tuple(term) for term in terms]
    power = sum(c**2 for _, c in terms)
    return sum(c**2 for k, c in terms if k > 2) / power
