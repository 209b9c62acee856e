"""Claims TENS-1..5 of Mondelli & Montanari 2018 (arXiv 1802.07301), hdlearn's reading.

Every statistic reads the paper's rows (all tables concatenated, tagged with ``experiment``)
and is bootstrapped over seeds by :func:`hdlearn.analysis.verdicts.evaluate`. Thresholds
come from ``scales.<scale>.tensor.claims``. What can be tested depends on ``d``: for
``d <= 32`` the hardness window ``(d^1.5, R_gen)`` is empty (``R_gen = ceil(C(d+2,3)/d)``), so
the paper's barrier claims (TENS-3c, 3d) are computed only from dimensions
``d >= barrier_min_d`` and are INCONCLUSIVE, with the reason appended to their statement,
when the run has none. TENS-2 tests the sample-limited regime, not the ``d^1.5`` barrier:
TENS-2a scores the ``m = 2r`` student (``m = r`` stalls at tiny ``r``), TENS-2b-2d the
teacher-width ``m = r`` student at the budgets ``n <= D3/2`` where least squares cannot
interpolate either, and TENS-2d fits ``ln r_c`` against ``ln(n/d)`` over all those budgets
(the sample limit ``n ~ c r d`` gives slope 1; the README's tensor notes say why).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hdlearn.analysis.verdicts import Claim, Prediction
from hdlearn.analysis.fits import loglog_slope
from hdlearn.targets.cubic import generic_rank

PAPER = "tensor"
TABLES = ("bookkeeping", "student", "population", "power", "control", "least_squares")
RUN_KEYS = ["experiment", "learner", "activation", "d", "r", "m", "n", "budget", "seed"]


def _experiment(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["experiment"] == name]


def _metric(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    return frame[frame["metric"] == metric]


def runs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per run (cell x seed) with one column per metric."""
    if frame.empty:
        return pd.DataFrame(columns=RUN_KEYS)
    keys = [k for k in RUN_KEYS if k in frame.columns]
    frame = frame.assign(**{k: frame[k].fillna(-1) for k in ("m", "n") if k in frame})
    wide = frame.pivot_table(index=keys, columns="metric", values="value", aggfunc="mean",
                             dropna=False)  # fmt: skip
    return wide.reset_index().dropna(axis=0, how="all", subset=list(wide.columns))


def _rank(d: float, rho: float) -> int:
    return max(1, round(rho * float(d) ** 1.5))


def _width(factor: float) -> str:
    """``m = factor r`` as text: ``r``, ``2r``."""
    return "r" if factor == 1 else f"{factor:g}r"


def _per_d(factor: float) -> str:
    """``factor n/d`` as text: ``n/d``, ``0.25 n/d``."""
    return "n/d" if factor == 1 else f"{factor:g} n/d"


def _strict(groups, how: str) -> pd.Series:
    """``groups.median()`` or ``.mean()``, NaN for a group with any NaN value (pandas skips
    them: a diverged seed would drop out of its cell)."""
    return getattr(groups, how)().where(groups.count() == groups.size())


def _safe(values: pd.Series, how: str) -> float:
    """max or min of ``values``; NaN when empty or when any value is NaN (a diverged or
    missing run never drops out of a "for every" claim)."""
    if values.empty or values.isna().any():
        return math.nan
    return float(values.max() if how == "max" else values.min())


# ----------------------------------------------------------------------------- TENS-1


def _bookkeeping_means(frame: pd.DataFrame) -> pd.DataFrame:
    rows = _experiment(frame, "bookkeeping")
    return rows.groupby(["activation", "d", "r", "metric"])["value"].mean().unstack("metric")


def he3_ols_error(frame: pd.DataFrame) -> float:
    """min over (d, r) of the seed-mean OLS test rel_err with sigma = He3."""
    means = _bookkeeping_means(frame)
    if means.empty or "he3" not in means.index.get_level_values("activation"):
        return math.nan
    return float(means.loc["he3", "ols_rel_err"].min())


def ols_theory_gap(frame: pd.DataFrame) -> float:
    """max over (activation != he3, d, r) of |mean OLS rel_err - mean closed form|."""
    means = _bookkeeping_means(frame)
    means = means[means.index.get_level_values("activation") != "he3"]
    if means.empty:
        return math.nan
    return float((means["ols_rel_err"] - means["ols_rel_err_theory"]).abs().max())


def variance_gap(frame: pd.DataFrame) -> float:
    """max over (activation, d, r) of |mean empirical Var(y) / mean closed form - 1|."""
    means = _bookkeeping_means(frame)
    if means.empty:
        return math.nan
    return float((means["var_y"] / means["var_y_theory"] - 1).abs().max())


# ----------------------------------------------------------------------------- TENS-2


def student_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Seed medians per student cell, with ``width = m/r``, ``n/d`` and ``n/D3``; NaN where a
    seed is (a diverged run never drops out of the median)."""
    rows = _experiment(frame, "student")
    if rows.empty:
        return pd.DataFrame()
    keys = ["d", "r", "m", "n", "budget", "n_over_d3"]
    median = _strict(rows.groupby([*keys, "metric"])["value"], "median")
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
    return _safe(cells.loc[keep, "test_rel_err"], "max")


def _sample_limited_cells(frame, width: float, max_n_over_d3: float) -> pd.DataFrame:
    """Student cells of width ``m = width r`` at budgets ``n <= max_n_over_d3 D3``: the
    sample-limited regime, where least squares cannot interpolate either."""
    cells = student_cells(frame)
    if cells.empty:
        return cells
    keep = np.isclose(cells["width"], width, rtol=0.1) & (
        cells["n_over_d3"] <= max_n_over_d3 + 1e-9
    )
    return cells[keep]


def _overfit_cells(frame, r_over_n_per_d: float, width: float, max_n_over_d3: float):
    cells = _sample_limited_cells(frame, width, max_n_over_d3)
    return cells[cells["r_over_n_per_d"] >= r_over_n_per_d - 1e-9] if len(cells) else cells


def overfit_test_error(frame, r_over_n_per_d: float, width: float, max_n_over_d3: float) -> float:
    """min median test rel_err over student cells of width ``m = width r`` with
    ``r >= r_over_n_per_d n/d`` at budgets ``n <= max_n_over_d3 D3``."""
    cells = _overfit_cells(frame, r_over_n_per_d, width, max_n_over_d3)
    return _safe(cells["test_rel_err"], "min") if len(cells) else math.nan


def overfit_train_error(frame, r_over_n_per_d: float, width: float, max_n_over_d3: float) -> float:
    """max median train rel_err over the same cells as :func:`overfit_test_error`."""
    cells = _overfit_cells(frame, r_over_n_per_d, width, max_n_over_d3)
    return _safe(cells["train_rel_err"], "max") if len(cells) else math.nan


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


# ----------------------------------------------------------------------------- TENS-3


def _cell_means(frame: pd.DataFrame, experiment: str, metric: str) -> pd.DataFrame:
    rows = _metric(_experiment(frame, experiment), metric)
    return rows.groupby(["d", "r"])["value"].mean().reset_index()


def recovery_at_small_rank(frame: pd.DataFrame, rho: float) -> float:
    """min over cells with ``r <= round(rho d^1.5)`` of the population-GD seed-mean
    frac(ov > 0.9)."""
    cells = _cell_means(frame, "population", "frac_ov")
    if cells.empty:
        return math.nan
    keep = cells["r"] <= cells["d"].map(lambda d: _rank(d, rho))
    return _safe(cells.loc[keep, "value"], "min")


def power_recovery_at_large_rank(frame: pd.DataFrame, rho: float) -> float:
    """max over cells with ``r >= round(rho d^1.5)`` of the power-iteration recovery fraction."""
    cells = _cell_means(frame, "power", "frac_ov")
    if cells.empty:
        return math.nan
    keep = cells["r"] >= cells["d"].map(lambda d: _rank(d, rho))
    return _safe(cells.loc[keep, "value"], "max")


def recoverable_ranks(frame: pd.DataFrame, success: float, min_d: int) -> pd.Series:
    """Per ``d >= min_d``: the largest ``r`` whose population-GD seed-mean frac reaches
    ``success`` (NaN if none)."""
    cells = _cell_means(frame, "population", "frac_ov")
    out = {}
    for d, group in cells[cells["d"] >= min_d].groupby("d"):
        good = group.loc[group["value"] >= success, "r"]
        out[int(d)] = float(good.max()) if len(good) else math.nan
    return pd.Series(out, dtype=float).sort_index()


def barrier_exponent(frame: pd.DataFrame, success: float, min_d: int) -> float:
    """Slope of ``ln r_c`` vs ``ln d`` over ``d >= min_d`` (NaN with fewer than 2 such d)."""
    rc = recoverable_ranks(frame, success, min_d).dropna()
    if len(rc) < 2:
        return math.nan
    return loglog_slope(rc.index.to_numpy(float), rc.to_numpy(float))[0]


def barrier_rho(frame: pd.DataFrame, success: float, min_d: int) -> float:
    """``r_c / d^1.5`` at the largest ``d >= min_d`` (NaN if the run has none)."""
    rc = recoverable_ranks(frame, success, min_d)
    if rc.empty:
        return math.nan
    d = rc.index.max()
    return float(rc[d] / d**1.5)


def window_note(frame: pd.DataFrame, min_d: int) -> str:
    """Why the d^1.5 barrier can or cannot be tested with this run's dimensions."""
    ds = sorted({int(d) for d in _experiment(frame, "population")["d"].dropna().unique()})
    if not ds:
        return ""
    d = ds[-1]
    ratio = generic_rank(d) / d**1.5
    if d >= min_d:
        return f"(largest d = {d}: R_gen/d^1.5 = {ratio:.2f}.)"
    return (
        f"(Not testable here: largest d = {d} < {min_d}, R_gen/d^1.5 = {ratio:.2f}, so the "
        f"window (d^1.5, R_gen) is {'empty' if ratio <= 1 else 'narrow'}; paper scale only.)"
    )


def sample_limited_note(frame: pd.DataFrame, min_d: int) -> str:
    student = _experiment(frame, "student")
    d = int(student["d"].max()) if len(student) else 0
    if d >= min_d:
        return f"(largest d = {d})"
    return f"(Sample-limited regime; does not test the d^1.5 barrier: largest d = {d} < {min_d}.)"


# ----------------------------------------------------------------------------- TENS-4, 5


def cubic_recovery_overlap(frame: pd.DataFrame, r_fraction: float, max_error: float) -> float:
    """min mean ov over cubic runs (student and population GD, per seed) with
    ``r <= r_fraction min(R_gen, d^1.5)`` and test rel_err ``<= max_error``."""
    cubic = frame[frame["experiment"].isin(["student", "population"])]
    table = runs(cubic)
    if table.empty or "mean_ov" not in table:
        return math.nan
    cap = table["d"].map(lambda d: r_fraction * min(generic_rank(int(d)), float(d) ** 1.5))
    keep = (table["r"] <= cap) & (table["test_rel_err"] <= max_error)
    return _safe(table.loc[keep, "mean_ov"], "min")


def control_worst(frame: pd.DataFrame, metric: str) -> float:
    """max over He2-control runs of ``metric``."""
    return _safe(_metric(_experiment(frame, "control"), metric)["value"], "max")


def least_squares_error(frame: pd.DataFrame, n_over_d3: float, above: bool) -> float:
    """Over the cells ``(d, r, n)`` with ``n >= n_over_d3 D3`` (``above``): the max of the
    seed-mean rel_err; else the min over cells with ``n <= n_over_d3 D3``. Like every other
    claim of the paper it reads seed means (the bootstrap resamples the seeds; a NaN seed
    makes its cell NaN): the minimum over single seeds would test the spread of one fit at
    small ``D3``, not the level."""
    rows = _metric(_experiment(frame, "least_squares"), "test_rel_err")
    if rows.empty:
        return math.nan
    mean = _strict(rows.groupby(["d", "r", "n", "n_over_d3"])["value"], "mean")
    cells = mean.reset_index()
    if above:
        return _safe(cells.loc[cells["n_over_d3"] >= n_over_d3 - 1e-9, "value"], "max")
    return _safe(cells.loc[cells["n_over_d3"] <= n_over_d3 + 1e-9, "value"], "min")


# ----------------------------------------------------------------------------- registry


def claims(settings: Mapping[str, Any]) -> list[Claim]:
    """The registry entries, with thresholds from ``settings`` (the config's claims block)."""
    s = settings
    min_d = s["barrier_min_d"]
    learn, width = s["learn_r_over_n_per_d"], s["learn_width_factor"]
    over, over_n = s["overfit_r_over_n_per_d"], s["overfit_max_n_over_d3"]
    over_width, level = s["overfit_width_factor"], s["crossover_level"]
    k_low, k_high = s["crossover_exponent"]
    success = s["barrier_success_frac"]

    def claim(cid, statement, tables, name, statistic, prediction, note=None):
        return Claim(cid, PAPER, statement, tables, name, statistic, prediction, note)

    return [
        claim("TENS-1a", "With sigma = He3 and unit weights the best linear predictor is "
              "trivial.", ("bookkeeping",), "min OLS rel_err (He3)", he3_ols_error,
              Prediction(low=s["ols_trivial"])),
        claim("TENS-1b", "With z^3 and z + z^3 OLS explains the closed-form linear fraction "
              "(a1+3a3)^2 |sum w_i|^2 / (6 r Var y).", ("bookkeeping",),
              "max |OLS rel_err - theory|", ols_theory_gap, Prediction(high=s["ols_tolerance"])),
        claim("TENS-1c", "Var(y) matches (a1+3a3)^2 |sum w|^2 + 6 a3^2 sum <w_i,w_j>^3 "
              "(over 6r).", ("bookkeeping",), "max |Var/theory - 1|", variance_gap,
              Prediction(high=s["variance_tolerance"])),
        claim("TENS-2a", f"At a fixed budget the GD student (m = {_width(width)}) learns for "
              f"r <= {_per_d(learn)}.", ("student",), "max median test rel_err",
              lambda f: learnable_error(f, learn, width), Prediction(high=s["learn_error"]),
              lambda f: sample_limited_note(f, min_d)),
        claim("TENS-2b", f"For r >= {_per_d(over)} the m = {_width(over_width)} student fails "
              f"by overfitting, with a large test error (budgets n <= {over_n:g} D3, where "
              "least squares cannot interpolate either).", ("student",), "min median test rel_err",
              lambda f: overfit_test_error(f, over, over_width, over_n),
              Prediction(low=s["overfit_test_error"]), lambda f: sample_limited_note(f, min_d)),
        claim("TENS-2c", f"... while fitting the training set (r >= {_per_d(over)}, "
              f"n <= {over_n:g} D3).", ("student",), "max median train rel_err",
              lambda f: overfit_train_error(f, over, over_width, over_n),
              Prediction(high=s["overfit_train_error"]), lambda f: sample_limited_note(f, min_d)),
        claim("TENS-2d", f"The crossover r_c of the m = {_width(over_width)} student (budgets "
              f"n <= {over_n:g} D3) grows like (n/d)^kappa with kappa about 1: the sample "
              "limit n ~ c r d (at n = C d^2, r_c ~ d), not d^1.5.", ("student",),
              f"kappa of r_c vs n/d (error > {level:g})",
              lambda f: crossover_exponent(f, over_width, level, over_n),
              Prediction(k_low, k_high), lambda f: sample_limited_note(f, min_d)),
        claim("TENS-3a", f"Population GD (tensor decomposition) recovers the weights for "
              f"r <= {s['recover_rho']:g} d^1.5 at every d.", ("population",),
              "min frac(ov > 0.9)", lambda f: recovery_at_small_rank(f, s["recover_rho"]),
              Prediction(low=s["recover_frac"])),
        claim("TENS-3b", f"Random-start power iteration fails for r >= {s['power_rho']:g} "
              "d^1.5 (distinct units found / min(r, restarts)).", ("power",),
              "max recovery fraction",
              lambda f: power_recovery_at_large_rank(f, s["power_rho"]),
              Prediction(high=s["power_frac"])),
        claim("TENS-3c", f"(paper scale) The largest r recovered by population GD grows no "
              f"faster than d^{s['barrier_exponent_max']:g} over d >= {min_d}.",
              ("population",), "slope ln r_c vs ln d",
              lambda f: barrier_exponent(f, success, min_d),
              Prediction(high=s["barrier_exponent_max"]), lambda f: window_note(f, min_d)),
        claim("TENS-3d", f"(paper scale) ... and stays <= {s['barrier_rho_max']:g} d^1.5 at "
              "the largest d.", ("population",), "r_c / d^1.5 at max d",
              lambda f: barrier_rho(f, success, min_d), Prediction(high=s["barrier_rho_max"]),
              lambda f: window_note(f, min_d)),
        claim("TENS-4a", f"Small error implies learned weights: cubic runs with r <= "
              f"{s['weights_r_fraction']:g} min(R_gen, d^1.5) and rel_err <= "
              f"{s['weights_error']:g}.", ("student", "population"), "min mean ov",
              lambda f: cubic_recovery_overlap(f, s["weights_r_fraction"], s["weights_error"]),
              Prediction(low=s["weights_overlap"])),
        claim("TENS-4b", "He2 control: population GD fits the quadratic teacher ...",
              ("control",), "max rel_err (He2)", lambda f: control_worst(f, "test_rel_err"),
              Prediction(high=s["control_error"])),
        claim("TENS-4c", "... without learning its weights (rotation symmetry).", ("control",),
              "max mean ov (He2)", lambda f: control_worst(f, "mean_ov"),
              Prediction(high=s["control_overlap"])),
        claim("TENS-5a", f"Least squares on degree-<=3 Hermite features is exact for every r "
              f"at n >= {s['exact_n_over_d3']:g} D3.", ("least_squares",), "max rel_err",
              lambda f: least_squares_error(f, s["exact_n_over_d3"], True),
              Prediction(high=s["exact_error"])),
        claim("TENS-5b", f"... and leaves most of the variance at n <= {s['short_n_over_d3']:g} "
              "D3: the hardness is about the sample budget.", ("least_squares",),
              "min rel_err", lambda f: least_squares_error(f, s["short_n_over_d3"], False),
              Prediction(low=s["short_error"])),
    ]  # fmt: skip


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """All rows of the paper's tables, one frame (each row keeps its ``experiment``)."""
    frames = [tables[name] for name in TABLES if name in tables]
    return pd.concat(frames, ignore_index=True)
