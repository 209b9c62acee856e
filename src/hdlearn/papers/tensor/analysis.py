"""Statistics of the tensor paper's tables (Mondelli & Montanari 2018, arXiv 1802.07301),
shared by its claims (:mod:`hdlearn.papers.tensor.claims`) and figures.

Every statistic reads the paper's rows: all tables concatenated, each row tagged with its
``experiment`` (:func:`hdlearn.papers.tensor.claims.select_rows`). Cells are summarised by seed
means (bookkeeping, population GD, power iteration, least squares) or seed medians (the
finite-sample student). Every summary and every extreme is NaN-strict
(:mod:`hdlearn.analysis.strict`): a diverged or missing seed makes its cell's mean or median
NaN, a NaN cell makes the extreme over cells (and a crossover or recovered rank read from it)
NaN, so the statistic is NaN instead of resting on the runs that happened to finish. Ranks are
``r = rank_of(d, rho)`` and ``R_gen = generic_rank(d)`` (:mod:`hdlearn.sizes`), the
sizes the experiment uses. The preconditions (:func:`barrier_precondition`,
:func:`crossover_precondition`) read sizes only, never measured values.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hdlearn.analysis.fits import loglog_slope
from hdlearn.analysis.strict import strict_groups, strict_max, strict_min
from hdlearn.sizes import generic_rank, rank_of

RUN_KEYS = ["experiment", "learner", "activation", "d", "r", "m", "n", "budget", "seed"]
#: The experiments whose runs have a cubic (He3) teacher and student: TENS-4a reads them all.
CUBIC_EXPERIMENTS = ("student", "population")


def _experiment(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["experiment"] == name]


def _metric(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    return frame[frame["metric"] == metric]


def runs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per run (cell x seed) with one column per metric (NaN where the run's value is,
    so a diverged run stays in the table)."""
    if frame.empty:
        return pd.DataFrame(columns=RUN_KEYS)
    keys = [k for k in RUN_KEYS if k in frame.columns]
    frame = frame.assign(**{k: frame[k].fillna(-1) for k in ("m", "n") if k in frame})
    value = strict_groups(frame.groupby([*keys, "metric"], dropna=False)["value"], "mean")
    return value.unstack("metric").reset_index()


# ----------------------------------------------------------------------------- TENS-1


def _bookkeeping_means(frame: pd.DataFrame) -> pd.DataFrame:
    """Seed means per ``(activation, d, r)``, one column per metric (NaN with a NaN seed)."""
    rows = _experiment(frame, "bookkeeping")
    means = strict_groups(rows.groupby(["activation", "d", "r", "metric"])["value"], "mean")
    return means.unstack("metric")


def he3_ols_error(frame: pd.DataFrame) -> float:
    """min over (d, r) of the seed-mean OLS test rel_err with sigma = He3."""
    means = _bookkeeping_means(frame)
    if means.empty or "he3" not in means.index.get_level_values("activation"):
        return math.nan
    return strict_min(means.loc["he3", "ols_rel_err"])


def ols_theory_gap(frame: pd.DataFrame) -> float:
    """max over (activation != he3, d, r) of |mean OLS rel_err - mean closed form|."""
    means = _bookkeeping_means(frame)
    means = means[means.index.get_level_values("activation") != "he3"]
    if means.empty:
        return math.nan
    return strict_max((means["ols_rel_err"] - means["ols_rel_err_theory"]).abs())


def variance_gap(frame: pd.DataFrame) -> float:
    """max over (activation, d, r) of |mean empirical Var(y) / mean closed form - 1|."""
    means = _bookkeeping_means(frame)
    if means.empty:
        return math.nan
    return strict_max((means["var_y"] / means["var_y_theory"] - 1).abs())


# ----------------------------------------------------------------------------- TENS-2


def student_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Seed medians per student cell, with ``width = m/r``, ``n/d`` and ``n/D3``; NaN where a
    seed is (a diverged run never drops out of the median)."""
    rows = _experiment(frame, "student")
    if rows.empty:
        return pd.DataFrame()
    keys = ["d", "r", "m", "n", "budget", "n_over_d3"]
    median = strict_groups(rows.groupby([*keys, "metric"])["value"], "median")
    cells = median.unstack("metric").reset_index()
    cells["width"] = cells["m"] / cells["r"]
    cells["r_over_n_per_d"] = cells["r"] * cells["d"] / cells["n"]
    return cells


def learnable_error(frame: pd.DataFrame, r_over_n_per_d: float, width: float) -> float:
    """max median test rel_err over student cells of width ``m = width r`` with
    ``r <= r_over_n_per_d n/d``."""
    cells = student_cells(frame)
    if cells.empty:
        return math.nan
    keep = np.isclose(cells["width"], width, rtol=0.1) & (
        cells["r_over_n_per_d"] <= r_over_n_per_d + 1e-9
    )
    return strict_max(cells.loc[keep, "test_rel_err"])


def _sample_limited_cells(frame: pd.DataFrame, width: float, max_n_over_d3: float) -> pd.DataFrame:
    """Student cells of width ``m = width r`` at budgets ``n <= max_n_over_d3 D3``: the
    sample-limited regime, where least squares cannot interpolate either."""
    cells = student_cells(frame)
    if cells.empty:
        return cells
    keep = np.isclose(cells["width"], width, rtol=0.1) & (
        cells["n_over_d3"] <= max_n_over_d3 + 1e-9
    )
    return cells[keep]


def _overfit_cells(
    frame: pd.DataFrame, r_over_n_per_d: float, width: float, max_n_over_d3: float
) -> pd.DataFrame:
    cells = _sample_limited_cells(frame, width, max_n_over_d3)
    return cells[cells["r_over_n_per_d"] >= r_over_n_per_d - 1e-9] if len(cells) else cells


def overfit_test_error(frame, r_over_n_per_d: float, width: float, max_n_over_d3: float) -> float:
    """min median test rel_err over student cells of width ``m = width r`` with
    ``r >= r_over_n_per_d n/d`` at budgets ``n <= max_n_over_d3 D3``."""
    cells = _overfit_cells(frame, r_over_n_per_d, width, max_n_over_d3)
    return strict_min(cells["test_rel_err"]) if len(cells) else math.nan


def overfit_train_error(frame, r_over_n_per_d: float, width: float, max_n_over_d3: float) -> float:
    """max median train rel_err over the same cells as :func:`overfit_test_error`."""
    cells = _overfit_cells(frame, r_over_n_per_d, width, max_n_over_d3)
    return strict_max(cells["train_rel_err"]) if len(cells) else math.nan


def crossover_ranks(frame: pd.DataFrame, width: float, level: float,
                    max_n_over_d3: float) -> pd.DataFrame:  # fmt: skip
    """``r_c`` per sample-limited budget ``(d, n)`` (columns ``d, budget, n, n_per_d, r_c``):
    the geometric midpoint ``sqrt(r_ok r_fail)`` of the bracket where learning stops.
    ``r_fail`` is the smallest ``r`` from which on every median test rel_err exceeds ``level``,
    ``r_ok`` the ``r`` just below it (so a stall at a tiny ``r`` does not count); NaN if every
    ``r`` fails, if none does, or if a cell of the curve is NaN."""
    cells = _sample_limited_cells(frame, width, max_n_over_d3)
    out = []
    if cells.empty:
        return pd.DataFrame(columns=["d", "budget", "n", "n_per_d", "r_c"])
    for (d, budget, n), curve in cells.groupby(["d", "budget", "n"]):
        curve = curve.sort_values("r")
        r = curve["r"].to_numpy(float)
        if curve["test_rel_err"].isna().any():  # a missing run is neither success nor failure
            out.append({"d": int(d), "budget": budget, "n": int(n), "n_per_d": n / d,
                        "r_c": math.nan})  # fmt: skip
            continue
        fails = curve["test_rel_err"].to_numpy(float) > level
        # index of the first r from which every larger r fails
        first = len(fails)
        while first > 0 and fails[first - 1]:
            first -= 1
        ok = 0 < first < len(fails)
        r_c = math.sqrt(r[first - 1] * r[first]) if ok else math.nan
        out.append({"d": int(d), "budget": budget, "n": int(n), "n_per_d": n / d, "r_c": r_c})
    return pd.DataFrame(out)


def crossover_precondition(frame: pd.DataFrame, width: float, max_n_over_d3: float) -> str:
    """``""`` when the student runs of width ``m = width r`` have sample-limited budgets
    (``n <= max_n_over_d3 D3``) at two or more values of ``n/d`` (a slope needs two), else
    why not: e.g. at ``d = 16`` only ``n = D3/2`` is sample-limited (``2.5 d^2 = 0.66 D3``)."""
    cells = _sample_limited_cells(frame, width, max_n_over_d3)
    per_d = sorted(set((cells["n"] / cells["d"]).round(6))) if len(cells) else []
    if len(per_d) >= 2:
        return ""
    found = ", ".join(f"{v:g}" for v in per_d) or "none"
    return (
        f"the slope needs sample-limited budgets (m/r = {width:g}, n <= {max_n_over_d3:g} D3) "
        f"at two values of n/d; the run has {len(per_d)} (n/d = {found})"
    )


def crossover_exponent(frame: pd.DataFrame, width: float, level: float,
                       max_n_over_d3: float) -> float:  # fmt: skip
    """Least-squares slope of ``ln r_c`` against ``ln(n/d)`` over every sample-limited budget
    (NaN unless every such budget has a crossover, and with fewer than two values of n/d).
    Sample-limited learning, ``n ~ c r d``, gives slope 1; at ``n = C d^2`` it is the
    exponent of ``r_c ~ d``, and the ``n = D3/2`` budgets widen the range of ``n/d``."""
    rc = crossover_ranks(frame, width, level, max_n_over_d3)
    if rc.empty or rc["r_c"].isna().any() or rc["n_per_d"].nunique() < 2:
        return math.nan
    return loglog_slope(rc["n_per_d"].to_numpy(float), rc["r_c"].to_numpy(float))[0]


#: The budget family whose own slope tells the sample limit from the d^1.5 barrier: at
#: ``n = C d^2`` the limit gives ``r_c ~ n/d`` (slope 1), the barrier ``r_c ~ d^1.5 ~ (n/d)^1.5``.
#: (At ``n = D3/2`` the barrier's ``(n/d)^0.8`` is too close to 1 to tell them apart.)
DISCRIMINATING_BUDGET = "quadratic"


def budget_points(frame: pd.DataFrame, width: float, level: float, max_n_over_d3: float,
                  budget: str = DISCRIMINATING_BUDGET) -> int:  # fmt: skip
    """How many values of ``n/d`` the sample-limited cells of ``budget`` have."""
    rc = crossover_ranks(frame, width, level, max_n_over_d3)
    return int(rc.loc[rc["budget"] == budget, "n_per_d"].nunique()) if len(rc) else 0


def budget_exponent_deviation(frame: pd.DataFrame, width: float, level: float,
                              max_n_over_d3: float,
                              budget: str = DISCRIMINATING_BUDGET) -> float:  # fmt: skip
    """``|kappa_b - 1|`` for the budget family ``budget`` alone: the least-squares slope of
    ``ln r_c`` against ``ln(n/d)`` over its sample-limited dimensions. The sample limit
    ``n ~ c r d`` gives slope 1 in every family (deviation 0); the ``d^1.5`` barrier gives 1.5
    at ``n = C d^2`` (deviation 0.5), which a slope pooled with the ``n = D3/2`` budgets
    (about 0.8 there) averages back to about 0.9. NaN with fewer than two values of ``n/d``
    or a NaN ``r_c``."""
    rc = crossover_ranks(frame, width, level, max_n_over_d3)
    family = rc[rc["budget"] == budget] if len(rc) else rc
    if family.empty or family["n_per_d"].nunique() < 2 or family["r_c"].isna().any():
        return math.nan
    x, y = family["n_per_d"].to_numpy(float), family["r_c"].to_numpy(float)
    return abs(loglog_slope(x, y)[0] - 1.0)


# ----------------------------------------------------------------------------- TENS-3


def _cell_means(frame: pd.DataFrame, experiment: str, metric: str) -> pd.DataFrame:
    """Seed means of ``metric`` per ``(d, r)`` (columns ``d, r, value``; NaN with a NaN seed)."""
    rows = _metric(_experiment(frame, experiment), metric)
    return strict_groups(rows.groupby(["d", "r"])["value"], "mean").reset_index()


def recovery_at_small_rank(frame: pd.DataFrame, rho: float) -> float:
    """min over cells with ``r <= rank_of(d, rho) = max(1, round(rho d^1.5))`` of the
    population-GD seed-mean frac(ov > 0.9)."""
    cells = _cell_means(frame, "population", "frac_ov")
    if cells.empty:
        return math.nan
    keep = cells["r"] <= cells["d"].map(lambda d: rank_of(d, rho))
    return strict_min(cells.loc[keep, "value"])


def power_recovery_at_large_rank(frame: pd.DataFrame, rho: float) -> float:
    """max over cells with ``r >= rank_of(d, rho)`` of the power-iteration recovery fraction."""
    cells = _cell_means(frame, "power", "frac_ov")
    if cells.empty:
        return math.nan
    keep = cells["r"] >= cells["d"].map(lambda d: rank_of(d, rho))
    return strict_max(cells.loc[keep, "value"])


def _still_improving(frame: pd.DataFrame, tolerance: float) -> pd.Series:
    """Per population-GD cell ``(d, r)``: whether its runs were still improving at the end,
    the seed mean of ``(loss at half the steps - final loss) / max(final loss, 1e-12)`` above
    ``tolerance`` (a run stopped by its step budget is not a plateau). NaN (no evidence either
    way) for a cell without the ``half_rel_err`` convergence evidence or with a NaN run."""
    rows = _experiment(frame, "population")
    rows = rows[rows["metric"].isin(["half_rel_err", "test_rel_err"])]
    wide = rows.pivot_table(index=["d", "r", "seed"], columns="metric", values="value",
                            aggfunc="first", dropna=False)  # fmt: skip
    if wide.empty or "half_rel_err" not in wide or "test_rel_err" not in wide:
        return pd.Series(dtype=float)
    gain = (wide["half_rel_err"] - wide["test_rel_err"]) / wide["test_rel_err"].clip(lower=1e-12)
    mean = strict_groups(gain.groupby(level=["d", "r"]), "mean")
    return (mean > tolerance).where(mean.notna())


def recoverable_ranks(
    frame: pd.DataFrame, success: float, min_d: int, tolerance: float = math.inf
) -> pd.DataFrame:
    """Per ``d >= min_d``: ``r_c``, the largest ``r`` whose population-GD seed-mean frac
    reaches ``success``, and whether it is ``censored`` (the largest ``r`` of that ``d``'s grid
    was recovered: the grid does not reach the barrier, ``r_c`` is only a lower bound). ``r_c``
    is NaN if no ``r`` is recovered, if any cell of that ``d`` is NaN (a diverged cell might
    have been the largest recovered ``r``), or if a cell above ``r_c`` failed while its runs
    were still improving (:func:`_still_improving` with ``tolerance``: no evidence that
    population GD converged, so the failure is not a barrier). Columns ``d, r_c, censored``."""
    cells = _cell_means(frame, "population", "frac_ov")
    improving = _still_improving(frame, tolerance) if math.isfinite(tolerance) else None
    out = []
    for d, group in cells[cells["d"] >= min_d].groupby("d"):
        good = group.loc[group["value"] >= success, "r"]
        r_c = math.nan if group["value"].isna().any() or good.empty else float(good.max())
        censored = bool(not good.empty and good.max() == group["r"].max())
        if improving is not None and math.isfinite(r_c):
            above = [(d, r) for r in group.loc[group["r"] > r_c, "r"]]
            flags = improving.reindex(above)
            if flags.isna().any() or flags.astype(bool).any():
                r_c = math.nan
        out.append({"d": int(d), "r_c": r_c, "censored": censored})
    return pd.DataFrame(out, columns=["d", "r_c", "censored"])


def barrier_exponent(
    frame: pd.DataFrame, success: float, min_d: int, tolerance: float = math.inf
) -> float:
    """Slope of ``ln r_c`` vs ``ln d`` over ``d >= min_d`` (:func:`recoverable_ranks`); NaN
    with fewer than 2 such d, when any ``r_c`` is NaN, or when any is censored (recovery never
    stopped on that grid: the slope of the grid's tops says nothing about a barrier)."""
    rc = recoverable_ranks(frame, success, min_d, tolerance)
    if len(rc) < 2 or rc["r_c"].isna().any() or rc["censored"].any():
        return math.nan
    return loglog_slope(rc["d"].to_numpy(float), rc["r_c"].to_numpy(float))[0]


def barrier_rho(
    frame: pd.DataFrame, success: float, min_d: int, tolerance: float = math.inf,
    limit: float = math.inf,
) -> float:  # fmt: skip
    """``r_c / d^1.5`` at the largest ``d >= min_d`` (NaN if the run has none). A censored
    ``r_c`` is a lower bound: it is returned when it already exceeds ``limit`` (recovery past
    the claimed bound), NaN otherwise (the grid stops before the bound)."""
    rc = recoverable_ranks(frame, success, min_d, tolerance)
    if rc.empty:
        return math.nan
    last = rc.loc[rc["d"].idxmax()]
    value = float(last["r_c"] / last["d"] ** 1.5)
    if bool(last["censored"]) and not value > limit:
        return math.nan
    return value


def _population_dimensions(frame: pd.DataFrame) -> list[int]:
    """The dimensions of the run's population-GD rows, sorted."""
    return sorted({int(d) for d in _experiment(frame, "population")["d"].dropna().unique()})


def barrier_precondition(frame: pd.DataFrame, min_d: int, needed: int) -> str:
    """``""`` when the run has population-GD rows at ``needed`` or more dimensions
    ``d >= min_d`` (TENS-3c's slope needs 2, TENS-3d's value at the largest d needs 1), else
    why the ``d^1.5`` barrier cannot be tested: below ``min_d`` the window ``(d^1.5, R_gen)``
    is empty or narrow (``R_gen/d^1.5 = 1.03`` at ``d = 32``, ``1.93`` at ``d = 128``)."""
    ds = _population_dimensions(frame)
    if not ds:
        return "the run has no population-GD rows"
    above = [d for d in ds if d >= min_d]
    if len(above) >= needed:
        return ""
    if not above:
        d = ds[-1]
        ratio = generic_rank(d) / d**1.5
        return (
            f"largest d = {d} < {min_d} (barrier_min_d): R_gen/d^1.5 = {ratio:.2f}, so the "
            f"window (d^1.5, R_gen) is {'empty' if ratio <= 1 else 'narrow'}; paper scale only"
        )
    listed = ", ".join(str(d) for d in above)
    return f"{len(above)} population-GD d >= {min_d} (d = {listed}); the claim needs {needed}"


def window_note(frame: pd.DataFrame, min_d: int) -> str:
    """Why the d^1.5 barrier can or cannot be tested with this run's dimensions (a figure's
    title; the claims' BELOW-SCALE reason is :func:`barrier_precondition`)."""
    ds = _population_dimensions(frame)
    if not ds:
        return ""
    reason = barrier_precondition(frame, min_d, 1)
    if reason:
        return f"(Not testable here: {reason}.)"
    d = ds[-1]
    return f"(largest d = {d}: R_gen/d^1.5 = {generic_rank(d) / d**1.5:.2f}.)"


def sample_limited_note(frame: pd.DataFrame, min_d: int) -> str:
    """Whether the student runs reach ``min_d`` (below it TENS-2 reads the sample-limited
    regime only, not the d^1.5 barrier)."""
    student = _experiment(frame, "student")
    d = int(student["d"].max()) if len(student) else 0
    if d >= min_d:
        return f"(largest d = {d})"
    return f"(Sample-limited regime; does not test the d^1.5 barrier: largest d = {d} < {min_d}.)"


# ----------------------------------------------------------------------------- TENS-4, 5


def identifiable(table: pd.DataFrame, r_fraction: float) -> pd.Series:
    """Boolean mask of the rows (with ``d`` and ``r`` columns, e.g. :func:`runs`) in the
    identifiable regime ``r <= r_fraction min(R_gen, d^1.5)``."""
    cap = table["d"].map(lambda d: r_fraction * min(generic_rank(int(d)), float(d) ** 1.5))
    return table["r"] <= cap


def cubic_recovery_overlap(frame: pd.DataFrame, r_fraction: float, max_error: float) -> float:
    """min mean ov over cubic runs (:data:`CUBIC_EXPERIMENTS`, per seed) that are
    :func:`identifiable` (``r <= r_fraction min(R_gen, d^1.5)``) and have test rel_err
    ``<= max_error``; NaN when an identifiable run's rel_err is NaN (whether it belongs to the
    set is unknown) or a selected run's mean ov is."""
    cubic = frame[frame["experiment"].isin(CUBIC_EXPERIMENTS)]
    table = runs(cubic)
    if table.empty or "mean_ov" not in table:
        return math.nan
    candidates = table[identifiable(table, r_fraction)]
    if candidates["test_rel_err"].isna().any():
        return math.nan
    return strict_min(candidates.loc[candidates["test_rel_err"] <= max_error, "mean_ov"])


def control_worst(frame: pd.DataFrame, metric: str) -> float:
    """max over He2-control runs of ``metric``."""
    return strict_max(_metric(_experiment(frame, "control"), metric)["value"])


def least_squares_error(frame: pd.DataFrame, n_over_d3: float, above: bool) -> float:
    """Over the cells ``(d, r, n)`` with ``n >= n_over_d3 D3`` (``above``): the max of the
    seed-mean rel_err; else the min over cells with ``n <= n_over_d3 D3``. Like every other
    claim of the paper it reads seed means (the bootstrap resamples the seeds; a NaN seed
    makes its cell NaN): the minimum over single seeds would test the spread of one fit at
    small ``D3``, not the level."""
    rows = _metric(_experiment(frame, "least_squares"), "test_rel_err")
    if rows.empty:
        return math.nan
    mean = strict_groups(rows.groupby(["d", "r", "n", "n_over_d3"])["value"], "mean")
    cells = mean.reset_index()
    if above:
        return strict_max(cells.loc[cells["n_over_d3"] >= n_over_d3 - 1e-9, "value"])
    return strict_min(cells.loc[cells["n_over_d3"] <= n_over_d3 + 1e-9, "value"])
