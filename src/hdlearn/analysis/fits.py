"""Small fitting and resampling helpers for the analysis of sweeps: log-log slopes, threshold
crossings of learning curves and a seed-level (cluster) bootstrap."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from hdlearn.analysis.memo import freeze


def loglog_slope(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[float, float]:
    """Ordinary least squares fit of ``ln y = slope * ln x + intercept``.

    With ``u = ln x`` and ``v = ln y``: ``slope = sum (u - u_bar)(v - v_bar) / sum (u - u_bar)^2``
    and ``intercept = v_bar - slope * u_bar``, so ``y ~ exp(intercept) * x^slope``. Returns
    ``(slope, intercept)``. Raises ``ValueError`` for mismatched or non-1-D inputs, fewer than
    two points, non-finite or non-positive values, or all ``x`` equal.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(f"x and y must be 1-D of equal length, got shapes {xs.shape}, {ys.shape}")
    if xs.size < 2:
        raise ValueError(f"a log-log fit needs at least 2 points, got {xs.size}")
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ValueError("a log-log fit needs finite x and y")
    if np.any(xs <= 0) or np.any(ys <= 0):
        raise ValueError("a log-log fit needs strictly positive x and y")
    u, v = np.log(xs), np.log(ys)
    du = u - u.mean()
    ss = float(du @ du)
    if ss == 0.0:
        raise ValueError("a log-log fit needs at least two distinct x values")
    slope = float(du @ (v - v.mean())) / ss
    intercept = float(v.mean()) - slope * float(u.mean())
    return slope, intercept


def first_crossing(x: npt.ArrayLike, y: npt.ArrayLike, level: float) -> float:
    """First ``x`` at which the piecewise-linear interpolant of ``y(x)`` reaches ``level`` or
    below.

    ``x`` must be strictly increasing and finite (infinite ``y`` raises ``ValueError``).
    NaN-strict: NaN when ``level`` or any ``y`` is NaN (dropping a diverged point would
    interpolate across it) or when ``y`` is empty. Otherwise returns ``x_0`` if
    ``y_0 <= level``; else, with ``i`` the first index such that ``y_i <= level``,

        x_{i-1} + (level - y_{i-1}) (x_i - x_{i-1}) / (y_i - y_{i-1});

    NaN if ``y`` never reaches ``level``.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(f"x and y must be 1-D of equal length, got shapes {xs.shape}, {ys.shape}")
    if not np.all(np.isfinite(xs)) or np.any(np.diff(xs) <= 0):
        raise ValueError("x must be finite and strictly increasing")
    if np.any(np.isinf(ys)):
        raise ValueError("y must not contain infinite values")
    if math.isnan(level) or ys.size == 0 or np.isnan(ys).any():
        return float("nan")
    below = np.flatnonzero(ys <= level)
    if below.size == 0:
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(xs[0])
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0))


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its bootstrap distribution.

    ``samples`` holds the ``n_boot`` resampled statistics (NaN where a resample leaves the
    statistic undefined); ``[ci_low, ci_high]`` is their *unconditional* percentile interval
    (:func:`unconditional_interval`), ``n_resamples`` the number of finite resamples and
    ``n_distinct`` the number of distinct multisets of groups that were drawn (3 seeds allow
    only 10, 5 seeds 126).
    """

    value: float
    ci_low: float
    ci_high: float
    n_resamples: int
    n_boot: int = 0
    n_distinct: int = 0
    samples: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)

    @property
    def finite_fraction(self) -> float:
        """Fraction of all resamples whose statistic was finite."""
        return self.n_resamples / self.n_boot if self.n_boot else float("nan")


def unconditional_interval(samples: npt.ArrayLike, level: float) -> tuple[float, float]:
    """The central percentile interval of ``samples`` at ``level``, counting an undefined
    resample (NaN, or an infinite statistic) against the claim on both sides.

    The lower end is the ``(1 - level)/2`` quantile of the samples with every non-finite one
    set to ``-inf``, the upper end the ``(1 + level)/2`` quantile with every non-finite one
    set to ``+inf`` (linearly interpolated quantiles, numpy's default; an end that touches an
    undefined resample is infinite). With every sample finite this is the usual percentile
    interval (Efron & Tibshirani 1993, ch. 13); unlike the interval of the finite samples
    alone it never narrows when resamples are undefined, so an interval inside a region means
    that at least ``level`` of *all* resamples were finite and inside it.
    """
    values = np.asarray(samples, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"samples must be a non-empty 1-D array, got shape {values.shape}")
    alpha = 1.0 - level
    if np.isfinite(values).all():
        low, high = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
        return float(low), float(high)
    undefined = ~np.isfinite(values)
    return (
        _quantile(np.sort(np.where(undefined, -np.inf, values)), alpha / 2.0),
        _quantile(np.sort(np.where(undefined, np.inf, values)), 1.0 - alpha / 2.0),
    )


def _quantile(ordered: np.ndarray, q: float) -> float:
    """numpy's linear quantile of the sorted ``ordered``, infinite when it touches an
    infinite sample (where numpy's interpolation would give ``inf - inf``)."""
    h = (ordered.size - 1) * q
    below, above = ordered[math.floor(h)], ordered[math.ceil(h)]
    if below == -math.inf:
        return -math.inf
    if above == math.inf and (h != math.floor(h) or below == above):
        return math.inf
    with np.errstate(invalid="ignore"):
        return float(np.quantile(ordered, q))


def distinct_resamples(groups: int) -> int:
    """Distinct multisets of ``groups`` draws with replacement from ``groups`` groups:
    ``C(2G - 1, G)`` (10 for 3 seeds, 126 for 5, 92378 for 10)."""
    return math.comb(2 * groups - 1, groups)


class Resampling:
    """The ``n_boot`` cluster resamples of ``data`` over the distinct values of column ``by``,
    drawn once and shared by every statistic evaluated on the same rows (a claim and the
    conditions it presupposes, or several claims on the same tables): the draws, and each
    distinct multiset's frame, are built once, so ``k`` statistics cost ``k`` evaluations per
    distinct multiset, not ``k`` frame constructions too.

    Each resample draws ``G`` groups with replacement from the ``G`` distinct (sorted) values of
    ``data[by]`` using ``numpy.random.default_rng(seed)`` and concatenates their rows (a group
    drawn twice appears twice). In a resample the ``by`` column is relabelled to the string
    ``f"{group}#{k}"`` for the ``k``-th draw, so duplicated groups stay distinct.

    Rows marked ``constant`` (a boolean column, e.g. a paper's digitised values, which have no
    seeds) belong to no group: they are constants of the statistic, kept in every resample,
    and their ``by`` must be missing. Any other row with a missing ``by`` is an error (a broken
    measurement must not become a constant).

    A statistic must neither modify the frame it is given (the frames are shared) nor depend
    on the order or the names of the groups, only on which groups were drawn how often.
    """

    def __init__(self, data: pd.DataFrame, *, by: str, n_boot: int, seed: int) -> None:
        if n_boot < 1:
            raise ValueError(f"n_boot must be positive, got {n_boot}")
        missing = data[by].isna()
        fixed = (
            data["constant"].fillna(False).astype(bool) if "constant" in data else missing & False
        )
        if (missing & ~fixed).any() or (fixed & ~missing).any():
            raise ValueError(f"rows without a {by!r} must be marked constant, and only they")
        self.data = data
        self.by = by
        self.n_boot = n_boot
        self._constant = data[fixed]
        self._grouped = data[~missing]
        self._groups = np.unique(self._grouped[by].to_numpy())
        if self._groups.size == 0:
            raise ValueError(f"column {by!r} has no values to resample")
        labels = self._grouped[by].to_numpy()
        self._positions = [np.flatnonzero(labels == g) for g in self._groups]
        self._sizes = np.array([p.size for p in self._positions])
        rng = np.random.default_rng(seed)
        #: the sorted draw of each resample, as a hashable multiset key
        self.keys = [
            tuple(np.sort(rng.integers(0, self._groups.size, size=self._groups.size)).tolist())
            for _ in range(n_boot)
        ]
        self._frames: dict[tuple[int, ...], pd.DataFrame] = {}

    def frame(self, key: tuple[int, ...]) -> pd.DataFrame:
        """The rows of the resample that drew the groups ``key`` (built once, then shared)."""
        if key not in self._frames:
            draw = np.asarray(key)
            rows = np.concatenate([self._positions[j] for j in draw])
            labels = np.repeat(
                [f"{self._groups[j]}#{k}" for k, j in enumerate(draw)], self._sizes[draw]
            )
            sample = self._grouped.iloc[rows].reset_index(drop=True)
            sample[self.by] = labels
            if len(self._constant):
                sample = pd.concat([sample, self._constant], ignore_index=True)
            freeze(sample)  # read-only: statistics may memoise its summaries
            self._frames[key] = sample
        return self._frames[key]

    def estimate(self, statistic: Callable[[pd.DataFrame], float], level: float) -> Estimate:
        """``statistic`` on the data and on every resample, with its
        :func:`unconditional_interval` at ``level`` (resamples drawing the same multiset are
        evaluated once)."""
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must lie in (0, 1), got {level}")
        value = float(statistic(self.data))
        memo: dict[tuple[int, ...], float] = {}
        resampled = np.empty(self.n_boot, dtype=np.float64)
        for b, key in enumerate(self.keys):
            if key not in memo:
                memo[key] = float(statistic(self.frame(key)))
            resampled[b] = memo[key]
        low, high = unconditional_interval(resampled, level)
        finite = int(np.isfinite(resampled).sum())
        return Estimate(value, low, high, finite, self.n_boot, len(memo), resampled)


def bootstrap(
    data: pd.DataFrame,
    statistic: Callable[[pd.DataFrame], float],
    *,
    by: str,
    n_boot: int,
    seed: int,
    level: float,
) -> Estimate:
    """Cluster (group) bootstrap of ``statistic`` over the distinct values of column ``by``:
    ``value = statistic(data)`` and the statistic on each of the ``n_boot`` resamples of
    :class:`Resampling` (which says how they are drawn, and how rows without a group are
    kept).

    The interval is :func:`unconditional_interval` of all ``n_boot`` resampled statistics: a
    resample where the statistic is undefined (not finite) is neither inside nor outside any
    region, so it widens the interval to an infinite end once more than ``(1 - level)/2`` of the
    resamples are undefined. Deterministic for a fixed ``seed``.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    return Resampling(data, by=by, n_boot=n_boot, seed=seed).estimate(statistic, level)
