"""Analysis of the symmetry paper's tables (arXiv 2208.03113): steps-to-learn summaries with
censoring, and log-log slopes of the median steps against d.

Tidy rows (:mod:`hdlearn.papers.symmetry.experiment`) are first made *compact* (one row per
experiment, series, ``d``, variant and seed, one column per metric). A *series* is one
``(arch, depth, target, k)``. Censored seeds (``steps_to_learn`` NaN, ``learned`` 0) count as
+inf in the median, so a median is finite only when more than half the seeds learned; slopes are
fitted only where at least ``min_learned`` of the seeds learned at every fitted ``d`` (NaN
otherwise), never by dropping censored seeds. :class:`Summary` computes every median with one
vectorised sort (:func:`hdlearn.analysis.strict.group_median_mean`), so statistics stay cheap
inside a seed bootstrap, and reports a median that is +inf (half the seeds or more censored)
as NaN: no slope or ratio is read from it.

Censored is not undefined: a seed that never learned is +inf, a legitimate value of the median.
A seed whose ``learned`` is NaN (a value the experiment does not write: a broken or missing
measurement) is NaN and makes its cell's median and fraction NaN (:mod:`hdlearn.analysis.strict`),
so it never silently drops out; every extreme over series, d and depths is NaN-strict too.
The ``missing_*`` functions give the reason (``""`` if none) why a run's grid cannot test a
claim, for the registry's preconditions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import loglog_slope
from hdlearn.analysis.memo import per_frame
from hdlearn.analysis.strict import (
    group_median_mean,
    strict_groups,
    strict_max,
    strict_min,
    strict_spread,
)

SERIES = ("arch", "depth", "target", "k")
KEYS = ["experiment", *SERIES, "d", "variant"]


def compact(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (experiment, series, d, variant, seed), one column per metric. A frame
    without an ``experiment`` column (one cell) gets ``experiment = ""``."""
    if "experiment" not in rows:
        rows = rows.assign(experiment="")
    wide = rows.set_index([*KEYS, "seed", "metric"])["value"].unstack("metric")
    wide.columns.name = None
    wide = wide.reset_index()
    labels = ["|".join(str(v) for v in key) for key in wide[KEYS].itertuples(index=False)]
    wide["group"] = pd.Categorical(labels)
    return wide


def _censored(steps: np.ndarray, learned: np.ndarray) -> np.ndarray:
    """:func:`censored_steps` on arrays."""
    return np.where(learned == 0, np.inf, np.where(np.isnan(learned), np.nan, steps))


def censored_steps(frame: pd.DataFrame) -> pd.Series:
    """``steps_to_learn`` per row, +inf where the seed never learned (``learned = 0``, censored)
    and NaN where ``learned`` is NaN (undefined: it must not read as censored)."""
    steps, learned = (frame[c].to_numpy(np.float64) for c in ("steps_to_learn", "learned"))
    return pd.Series(_censored(steps, learned), index=frame.index, name="steps_to_learn")


@functools.cache
def _parse(label: str) -> tuple:
    experiment, arch, depth, target, k, d, variant = label.split("|")
    return experiment, arch, int(depth), target, int(k), int(d), variant


#: The columns of each learning criterion: (steps, learned flag). ``strong``: test MSE/Var
#: below ``threshold``; ``weak``: below ``weak_threshold`` (the paper's weak learning).
CRITERIA = {"strong": ("steps_to_learn", "learned"), "weak": ("steps_to_weak", "weak_learned")}


class Summary:
    """Censored median steps and fraction learned per (experiment, series, d) of a compact
    frame (the ``default`` variant: training rows), under a learning ``criterion`` of
    :data:`CRITERIA`. Build it with :func:`summary`, which builds it once per frame."""

    def __init__(self, frame: pd.DataFrame, criterion: str = "strong") -> None:
        self.median: dict[tuple, float] = {}
        self.fraction: dict[tuple, float] = {}
        #: per (experiment, series items): the matching keys by d, found once (look-ups repeat)
        self._matches: dict[tuple, dict[int, list[tuple]]] = {}
        columns = CRITERIA[criterion]
        if frame.empty or columns[0] not in frame:
            return
        steps, learned = (frame[c].to_numpy(np.float64) for c in columns)
        labels = frame["group"].cat.categories
        median, fraction, counts = group_median_mean(
            frame["group"].cat.codes.to_numpy(), _censored(steps, learned), learned, len(labels)
        )
        for label, value, share, n in zip(labels, median, fraction, counts, strict=True):
            key = _parse(label)
            if n == 0 or key[-1] != "default":
                continue
            self.median[key[:-1]] = float(value) if math.isfinite(value) else math.nan
            self.fraction[key[:-1]] = float(share)

    def _matching(self, experiment: str, series: dict) -> dict[int, list[tuple]]:
        """The keys ``(experiment, arch, depth, target, k, d)`` of ``experiment`` whose series
        matches ``series`` (a subset of :data:`SERIES`), grouped by ``d`` in key order."""
        query = (experiment, tuple(sorted(series.items())))
        if query not in self._matches:
            positions = [(1 + SERIES.index(name), value) for name, value in series.items()]
            found: dict[int, list[tuple]] = {}
            for key in self.median:
                if key[0] == experiment and all(key[i] == value for i, value in positions):
                    found.setdefault(key[-1], []).append(key)
            self._matches[query] = found
        return self._matches[query]

    def dims(self, experiment: str, **series: object) -> list[int]:
        """The d of every group of ``experiment`` matching ``series`` (sorted, distinct)."""
        return sorted(int(d) for d in self._matching(experiment, series))

    def _values(self, table: dict, experiment: str, d: int, series: dict) -> list[float]:
        return [table[key] for key in self._matching(experiment, series).get(d, [])]

    def steps(self, experiment: str, d: int, **series: object) -> float:
        """Censored median steps of the one series matching ``series`` at ``d`` (NaN if none)."""
        values = self._values(self.median, experiment, d, series)
        if len(values) > 1:
            raise ValueError(f"{series} matches {len(values)} series in {experiment!r}")
        return values[0] if values else math.nan

    def learned(self, experiment: str, d: int, **series: object) -> float:
        values = self._values(self.fraction, experiment, d, series)
        if len(values) > 1:
            raise ValueError(f"{series} matches {len(values)} series in {experiment!r}")
        return values[0] if values else math.nan

    def min_learned(self, experiment: str, d_max: float = math.inf, **series: object) -> float:
        """Smallest fraction of seeds learned over the matching groups with ``d <= d_max``
        (NaN when none matches or any fraction is NaN)."""
        return strict_min(
            self.fraction[key]
            for d, keys in self._matching(experiment, series).items()
            if d <= d_max
            for key in keys
        )

    def slope(
        self, experiment: str, d_range: Sequence[float], min_learned: float, **series: object
    ) -> float:
        """Least-squares slope of ln(median steps) vs ln d over the series' d in ``d_range``.

        NaN when fewer than two d lie in the range, or any of them has fewer than
        ``min_learned`` of the seeds learned (a censored point is never dropped to fit).
        """
        ds = in_range(self.dims(experiment, **series), d_range)
        if len(ds) < 2:
            return math.nan
        if not all(self.learned(experiment, d, **series) >= min_learned for d in ds):
            return math.nan
        medians = [self.steps(experiment, d, **series) for d in ds]
        if not all(math.isfinite(m) and m > 0 for m in medians):
            return math.nan
        return loglog_slope(ds, medians)[0]


@per_frame
def summary(frame: pd.DataFrame, criterion: str = "strong") -> Summary:
    """The :class:`Summary` of ``frame`` under ``criterion``, built once per frame object (every
    statistic of a bootstrap resample reads the same one, :mod:`hdlearn.analysis.memo`)."""
    return Summary(frame, criterion)


def in_range(ds: Sequence[int], d_range: Sequence[float]) -> list[int]:
    """The ``d`` of ``ds`` inside the closed range ``d_range`` (1e-9 slack for float ends)."""
    return [d for d in ds if d_range[0] - 1e-9 <= d <= d_range[1] + 1e-9]


def steps_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """For figures and reports: per (experiment, series, d) the censored ``median_steps``,
    ``q25``/``q75`` (censored as +inf), ``fraction_learned``, ``n_seeds`` and ``cap``."""
    frame = compact(rows)
    frame = frame[frame["variant"] == "default"]
    keys = ["experiment", *SERIES, "d"]
    steps = frame.assign(steps=censored_steps(frame)).groupby(keys)["steps"]

    def quantile(q: float):
        return lambda v: float(np.quantile(v.to_numpy(float), q, method="inverted_cdf"))

    out = steps.agg(q25=quantile(0.25), q75=quantile(0.75), n_seeds="size")
    out["median_steps"] = strict_groups(steps, "median").replace(np.inf, np.nan)
    grouped = frame.groupby(keys)
    out["fraction_learned"] = strict_groups(grouped["learned"], "mean")
    out["cap"] = grouped["cap"].max()
    return out.reset_index()


def series_slope(
    rows: pd.DataFrame, d_range: Sequence[float], min_learned: float, **series: object
) -> float:
    """:meth:`Summary.slope` on tidy rows of a single experiment."""
    frame = compact(rows)
    experiment = frame["experiment"].iloc[0] if len(frame) else ""
    return summary(frame).slope(experiment, d_range, min_learned, **series)


FC2 = {"arch": "fc", "depth": 2}


def min_fraction_learned(
    frame: pd.DataFrame, experiment: str, d_max: float = math.inf, **series: object
) -> float:
    """Smallest fraction of seeds learned over the (series, d <= d_max) of ``experiment``."""
    return summary(frame).min_learned(experiment, d_max, **series)


def slope(
    frame: pd.DataFrame, experiment: str, d_range, min_learned: float,
    criterion: str = "strong", **series: object,
) -> float:  # fmt: skip
    """:meth:`Summary.slope` under ``criterion`` (:data:`CRITERIA`)."""
    return summary(frame, criterion).slope(experiment, d_range, min_learned, **series)


def steps_ratio(
    frame: pd.DataFrame,
    experiment: str,
    d: int,
    numerator: Mapping[str, object],
    denominator: Mapping[str, object],
) -> float:
    """median steps(numerator series) / median steps(denominator series) at ``d``."""
    s = summary(frame)
    return s.steps(experiment, d, **numerator) / s.steps(experiment, d, **denominator)


def ratio_growth(frame: pd.DataFrame, experiment: str, d_pair, numerator, denominator) -> float:
    """steps_ratio at ``d_pair[1]`` divided by steps_ratio at ``d_pair[0]``."""
    low, high = (int(d) for d in d_pair)
    return steps_ratio(frame, experiment, high, numerator, denominator) / steps_ratio(
        frame, experiment, low, numerator, denominator
    )


def _depth_grids(s: Summary) -> dict[int, tuple[list[int], list[int]]]:
    """Per k of the depth experiment: (depths, common d grid of every depth)."""
    keys = [key for key in s.median if key[0] == "depth" and key[1] == "fc"]
    out = {}
    for k in sorted({key[4] for key in keys}):
        depths = sorted({key[2] for key in keys if key[4] == k})
        grids = [{key[5] for key in keys if key[4] == k and key[2] == L} for L in depths]
        if len(depths) >= 2:
            out[int(k)] = (depths, sorted(int(d) for d in set.intersection(*grids)))
    return out


def depth_slope_spread(frame: pd.DataFrame, min_learned: float) -> float:
    """max over k of (max - min) over depths of the slope on the depths' common d grid."""
    s = summary(frame)
    spreads = []
    for k, (depths, grid) in _depth_grids(s).items():
        if len(grid) < 2:
            continue
        slopes = [
            s.slope("depth", (grid[0], grid[-1]), min_learned, arch="fc", depth=L, k=k)
            for L in depths
        ]
        spreads.append(strict_spread(slopes))  # at least two depths (_depth_grids)
    return strict_max(spreads)


def depth_ratio_extreme(frame: pd.DataFrame) -> float:
    """max over k, common d and depth L > 2 of max(r, 1/r), r = steps(L) / steps(2)."""
    s = summary(frame)
    worst = []
    for k, (depths, grid) in _depth_grids(s).items():
        for L in depths[1:]:
            for d in grid:
                r = s.steps("depth", d, arch="fc", depth=L, k=k) / s.steps(
                    "depth", d, arch="fc", depth=2, k=k
                )
                worst.append(strict_max([r, 1.0 / r]))  # r > 0: steps are positive
    return strict_max(worst)


def _depths(s: Summary) -> list[int]:
    """Every depth of the depth table."""
    return sorted({key[2] for key in s.median if key[0] == "depth"})


def depth_k_ratio(frame: pd.DataFrame, d: int) -> float:
    """min over depths of steps(k=3) / steps(k=2) at ``d``."""
    s = summary(frame)
    depths = _depths(s)
    ratios = [
        s.steps("depth", d, arch="fc", depth=L, k=3) / s.steps("depth", d, arch="fc", depth=L, k=2)
        for L in depths
    ]
    return strict_min(ratios)


STAIR = {**FC2, "target": "staircase", "k": 3}
JUMP = {**FC2, "target": "jump", "k": 3}
PARITY3 = {**FC2, "target": "parity", "k": 3}


def _staircase_grid(s: Summary, d_min: int) -> list[int]:
    """The d >= ``d_min`` at which the staircase table has all of stair, jump and parity3."""
    grids = [set(s.dims("staircase", **series)) for series in (STAIR, JUMP, PARITY3)]
    return sorted(d for d in set.intersection(*grids) if d >= d_min)


def staircase_ordering(frame: pd.DataFrame, d_min: int) -> float:
    """min over d >= d_min (where all three exist) of min(jump/stair, parity3/jump): >= 1 means
    stair <= jump <= parity3 at every such d."""
    s = summary(frame)
    common = _staircase_grid(s, d_min)
    values = [
        strict_min([s.steps("staircase", d, **JUMP) / s.steps("staircase", d, **STAIR),
                    s.steps("staircase", d, **PARITY3) / s.steps("staircase", d, **JUMP)])
        for d in common
    ]  # fmt: skip
    return strict_min(values)


def equivariance_gap(frame: pd.DataFrame, variant: str) -> float:
    """Largest max |f2(g x) - f1(x)| over seeds for ``optimiser:group`` (NaN when a seed's is
    NaN or there are none)."""
    rows = frame[(frame["experiment"] == "equivariance") & (frame["variant"] == variant)]
    return strict_max(rows["max_abs_diff"])


# --------------------------------------------------------------------------- preconditions


def describe(series: Mapping[str, object]) -> str:
    """A series as text, e.g. ``fc depth 2, parity k=3`` (for variants and reasons)."""
    arch = f"{series.get('arch', 'any net')}"
    if "depth" in series:
        arch += f" depth {series['depth']}"
    target = f"{series.get('target', 'any target')}"
    if "k" in series:
        target += f" k={series['k']}"
    return f"{arch}, {target}"


def _grid_text(ds: Sequence[int]) -> str:
    return ", ".join(str(d) for d in ds) or "none"


def missing_fit(
    frame: pd.DataFrame, experiment: str, d_range: Sequence[float], **series: object
) -> str:
    """Why this run cannot fit the slope of ``series`` over ``d_range`` (``""`` if it can): the
    series' grid must reach both ends of the range and have at least two d inside it."""
    dims = summary(frame).dims(experiment, **series)
    name = f"{describe(series)} ({experiment} table)"
    fit = f"the fit range [{d_range[0]:g}, {d_range[1]:g}]"
    if not dims:
        return f"no {name} in this run"
    if dims[0] > d_range[0] or dims[-1] < d_range[1]:
        return f"{name} has d in [{dims[0]}, {dims[-1]}], short of {fit}"
    inside = in_range(dims, d_range)
    if len(inside) < 2:
        return f"{name} has {len(inside)} d in {fit}, a slope needs 2"
    return ""


def _missing_points(s: Summary, experiment: str, points: Sequence[tuple[Mapping, int]]) -> str:
    for series, d in points:
        dims = s.dims(experiment, **series)
        if int(d) not in dims:
            return (
                f"no {describe(series)} at d = {d} in the {experiment} table "
                f"(its d: {_grid_text(dims)})"
            )
    return ""


def missing_points(
    frame: pd.DataFrame, experiment: str, points: Sequence[tuple[Mapping[str, object], int]]
) -> str:
    """Why this run lacks a ``(series, d)`` of ``points`` that a statistic reads (``""`` if it
    has them all)."""
    return _missing_points(summary(frame), experiment, points)


def missing_depths(frame: pd.DataFrame, min_common: int) -> str:
    """Why no k of the depth table compares depth 2 with a depth >= 3 on a common grid of at
    least ``min_common`` d (``""`` if some k does): SYM-3a fits slopes (2 d), SYM-3b reads
    ratios (1 d)."""
    grids = _depth_grids(summary(frame))
    if any(depths[0] == 2 and len(grid) >= min_common for depths, grid in grids.values()):
        return ""
    found = "; ".join(
        f"k={k}: depths {_grid_text(depths)} on common d {_grid_text(grid)}"
        for k, (depths, grid) in grids.items()
    )
    return (
        f"no k of the depth table has depth 2 and a depth >= 3 on {min_common} or more common "
        f"d ({found or 'no depth >= 3 series'})"
    )


def missing_depth_k_ratio(frame: pd.DataFrame, d: int) -> str:
    """Why :func:`depth_k_ratio` at ``d`` cannot be read (``""`` if it can): it needs a depth
    >= 3 and, at every depth, the k = 2 and k = 3 parities at ``d``."""
    s = summary(frame)
    depths = _depths(s)
    if not any(L >= 3 for L in depths):
        return f"no depth >= 3 in the depth table (depths: {_grid_text(depths)})"
    points = [({"arch": "fc", "depth": L, "target": "parity", "k": k}, d)
              for L in depths for k in (2, 3)]  # fmt: skip
    return _missing_points(s, "depth", points)


def missing_ordering(frame: pd.DataFrame, d_min: int) -> str:
    """Why :func:`staircase_ordering` has no d to read (``""`` if it has one)."""
    if _staircase_grid(summary(frame), d_min):
        return ""
    names = "; ".join(describe(series) for series in (STAIR, JUMP, PARITY3))
    return f"no d >= {d_min} at which the staircase table has all of {names}"


def depth_grids_note(frame: pd.DataFrame) -> str:
    """The depths and common d grid per k that SYM-3a/3b read, as text for the statement."""
    grids = _depth_grids(summary(frame))
    parts = [
        f"k={k}: depths {_grid_text(depths)} on d {_grid_text(grid)}"
        for k, (depths, grid) in grids.items()
    ]
    return f"(This run: {'; '.join(parts)}.)" if parts else ""
