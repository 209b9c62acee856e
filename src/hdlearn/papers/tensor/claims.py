"""Claims TENS-1..5 of Mondelli & Montanari 2018 (arXiv 1802.07301), hdlearn's reading.

Every statistic (:mod:`hdlearn.papers.tensor.analysis`) reads the paper's rows (all tables
concatenated, tagged with ``experiment``: :func:`select_rows`) and is bootstrapped over seeds
by :func:`hdlearn.analysis.verdicts.evaluate`. Thresholds come from
``scales.<scale>.tensor.claims``, their provenance from its ``provenance`` entries. Three kinds
of rows:

* **Identities** (``kind="identity"``, CHECK ok / CHECK failed): TENS-1a and TENS-5a hold
  by exact algebra, so only broken code fails them. With unit ``w_i`` the He1 coefficient of
  He3 is ``E[He3(g) g] = 0``: the best linear predictor's population rel_err is exactly 1
  (TENS-1a; the paper's hardness claim is about every poly-time learner, this is the premise
  that makes ``E(y)`` the right benchmark, and a finite OLS fit only adds ``(d+1)/n``, far
  inside the margin); a noiseless target in the span of the ``D3`` Hermite features is
  interpolated exactly once ``n > D3`` (5a, measured ``~1e-29``). TENS-1b and 1c compare
  closed forms with Monte-Carlo estimates on a finite test set under a tolerance the
  estimate's noise can exceed (1c read 0.057 > 0.05 on 5000 smoke samples), so they are
  claims, bootstrapped over seeds like the rest, not identities.
* **Paper scale** (a ``precondition``, BELOW-SCALE with the reason): for ``d <= 32`` the
  hardness window ``(d^1.5, R_gen)`` is empty (``R_gen = ceil(C(d+2,3)/d)``), so the barrier
  claims TENS-3c, 3d read only dimensions ``d >= barrier_min_d`` and need two (3c's slope) or
  one (3d) of them in the run. TENS-2d's slope needs sample-limited budgets at two values of
  ``n/d``.
* **Claims**: the rest. TENS-2 tests the sample-limited regime at every size the run has, so
  the remark that below ``barrier_min_d`` it does not test the ``d^1.5`` barrier is a note on
  the statement, not a precondition. TENS-2a scores the ``m = learn_width_factor r`` student
  at every budget (``m = r`` stalls at tiny ``r``), TENS-2b-2d the
  ``m = overfit_width_factor r`` student at the budgets ``n <= overfit_max_n_over_d3 D3``
  where least squares cannot interpolate either (their ``variant`` says so), and TENS-2d fits
  ``ln r_c`` against ``ln(n/d)`` over all those budgets (the sample limit ``n ~ c r d`` gives
  slope 1; the README's tensor notes say why). Pooled over the two budget families, the
  ``d^1.5`` barrier gives about 0.9 as well (1.5 at ``n = C d^2``, about 0.8 at ``n = D3/2``),
  so TENS-2d presupposes the slope of the ``n = C d^2`` budgets alone within
  ``crossover_budget_tolerance`` of 1 (a ``Condition``), and is BELOW-SCALE unless that
  family has ``crossover_family_points`` values of ``n/d``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hdlearn.analysis.verdicts import IDENTITY, Claim, Condition, Prediction
from hdlearn.papers.tensor.analysis import (
    CUBIC_EXPERIMENTS,
    barrier_exponent,
    barrier_precondition,
    barrier_rho,
    budget_exponent_deviation,
    budget_points,
    control_worst,
    crossover_exponent,
    crossover_precondition,
    cubic_recovery_overlap,
    he3_ols_error,
    learnable_error,
    least_squares_error,
    ols_theory_gap,
    overfit_test_error,
    overfit_train_error,
    power_recovery_at_large_rank,
    recovery_at_small_rank,
    sample_limited_note,
    variance_gap,
)

PAPER = "tensor"
TABLES = ("bookkeeping", "student", "population", "power", "control", "least_squares")


def _width(factor: float) -> str:
    """``m = factor r`` as text: ``r``, ``2r``."""
    return "r" if factor == 1 else f"{factor:g}r"


def _per_d(factor: float) -> str:
    """``factor n/d`` as text: ``n/d``, ``0.25 n/d``."""
    return "n/d" if factor == 1 else f"{factor:g} n/d"


def _student_variants(settings: Mapping[str, Any]) -> tuple[str, str]:
    """The ``variant`` texts of TENS-2a and of TENS-2b-2d: which student width and which
    budgets each scores, from the same settings their statistics read."""
    learn = _width(settings["learn_width_factor"])
    over = _width(settings["overfit_width_factor"])
    budgets = f"budgets n <= {settings['overfit_max_n_over_d3']:g} D3"
    return (
        f"m = {learn} student (learn_width_factor), every budget; TENS-2b-2d score m = {over}",
        f"m = {over} student (overfit_width_factor), {budgets} (overfit_max_n_over_d3); "
        f"TENS-2a scores m = {learn}",
    )


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
    learn_variant, over_variant = _student_variants(s)

    def claim(cid, statement, tables, name, statistic, prediction, **extra):
        return Claim(cid, PAPER, statement, tables, name, statistic, prediction, **extra)

    def sample_limited(f):
        return sample_limited_note(f, min_d)

    def family_precondition(f) -> str:
        """TENS-2d's condition needs the n = C d^2 family at ``crossover_family_points``
        values of n/d: with two close ones (d = 24, 32: ln(n/d) 0.29 apart) one step of the
        rank grid moves its slope by about 0.6."""
        have = budget_points(f, over_width, level, over_n)
        need = s["crossover_family_points"]
        if have >= need:
            return ""
        return (
            f"the n = C d^2 budgets are sample-limited (n <= {over_n:g} D3) at {have} "
            f"value(s) of n/d; the slope that tells the sample limit from the d^1.5 barrier "
            f"needs {need}"
        )

    return [
        claim("TENS-1a", "With sigma = He3 and unit weights the best linear predictor is "
              "trivial.", ("bookkeeping",), "min OLS rel_err (He3)", he3_ols_error,
              Prediction(low=s["ols_trivial"]), kind=IDENTITY),
        claim("TENS-1b", "With z^3 and z + z^3 OLS explains the closed-form linear fraction "
              "(a1+3a3)^2 |sum w_i|^2 / (6 r Var y).", ("bookkeeping",),
              "max |OLS rel_err - theory|", ols_theory_gap, Prediction(high=s["ols_tolerance"])),
        claim("TENS-1c", "Var(y) matches (a1+3a3)^2 |sum w|^2 + 6 a3^2 sum <w_i,w_j>^3 "
              "(over 6r).", ("bookkeeping",), "max |Var/theory - 1|", variance_gap,
              Prediction(high=s["variance_tolerance"])),
        claim("TENS-2a", f"At a fixed budget the GD student (m = {_width(width)}) learns for "
              f"r <= {_per_d(learn)}.", ("student",), "max median test rel_err",
              lambda f: learnable_error(f, learn, width), Prediction(high=s["learn_error"]),
              note=sample_limited, variant=learn_variant),
        claim("TENS-2b", f"For r >= {_per_d(over)} the m = {_width(over_width)} student fails "
              f"by overfitting, with a large test error (budgets n <= {over_n:g} D3, where "
              "least squares cannot interpolate either).", ("student",), "min median test rel_err",
              lambda f: overfit_test_error(f, over, over_width, over_n),
              Prediction(low=s["overfit_test_error"]), note=sample_limited,
              variant=over_variant),
        claim("TENS-2c", f"... while fitting the training set (r >= {_per_d(over)}, "
              f"n <= {over_n:g} D3).", ("student",), "max median train rel_err",
              lambda f: overfit_train_error(f, over, over_width, over_n),
              Prediction(high=s["overfit_train_error"]), note=sample_limited,
              variant=over_variant),
        claim("TENS-2d", f"The crossover r_c of the m = {_width(over_width)} student (budgets "
              f"n <= {over_n:g} D3) grows like (n/d)^kappa with kappa about 1: the sample "
              "limit n ~ c r d (at n = C d^2, r_c ~ d), not d^1.5.", ("student",),
              f"kappa of r_c vs n/d (error > {level:g})",
              lambda f: crossover_exponent(f, over_width, level, over_n),
              Prediction(k_low, k_high), note=sample_limited, variant=over_variant,
              precondition=lambda f: crossover_precondition(f, over_width, over_n)
              or family_precondition(f),
              conditions=(Condition(
                  "|kappa - 1| of the n = C d^2 budgets alone",
                  lambda f: budget_exponent_deviation(f, over_width, level, over_n),
                  Prediction(high=s["crossover_budget_tolerance"])),)),
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
              lambda f: barrier_exponent(f, success, min_d, s["convergence_tolerance"]),
              Prediction(high=s["barrier_exponent_max"]),
              precondition=lambda f: barrier_precondition(f, min_d, 2)),
        claim("TENS-3d", f"(paper scale) ... and stays <= {s['barrier_rho_max']:g} d^1.5 at "
              "the largest d.", ("population",), "r_c / d^1.5 at max d",
              lambda f: barrier_rho(f, success, min_d, s["convergence_tolerance"],
                                    s["barrier_rho_max"]),
              Prediction(high=s["barrier_rho_max"]),
              precondition=lambda f: barrier_precondition(f, min_d, 1)),
        claim("TENS-4a", f"Small error implies learned weights: cubic runs with r <= "
              f"{s['weights_r_fraction']:g} min(R_gen, d^1.5) and rel_err <= "
              f"{s['weights_error']:g}.", CUBIC_EXPERIMENTS, "min mean ov",
              lambda f: cubic_recovery_overlap(f, s["weights_r_fraction"], s["weights_error"]),
              Prediction(low=s["weights_overlap"]),
              variant=f"every run of {' and '.join(CUBIC_EXPERIMENTS)} (all widths, budgets)"),
        claim("TENS-4b", "He2 control: population GD fits the quadratic teacher ...",
              ("control",), "max rel_err (He2)", lambda f: control_worst(f, "test_rel_err"),
              Prediction(high=s["control_error"])),
        claim("TENS-4c", "... without learning its weights (rotation symmetry).", ("control",),
              "max mean ov (He2)", lambda f: control_worst(f, "mean_ov"),
              Prediction(high=s["control_overlap"])),
        claim("TENS-5a", f"Least squares on degree-<=3 Hermite features is exact for every r "
              f"at n >= {s['exact_n_over_d3']:g} D3.", ("least_squares",), "max rel_err",
              lambda f: least_squares_error(f, s["exact_n_over_d3"], True),
              Prediction(high=s["exact_error"]), kind=IDENTITY),
        claim("TENS-5b", f"... and leaves most of the variance at n <= {s['short_n_over_d3']:g} "
              "D3: the hardness is about the sample budget.", ("least_squares",),
              "min rel_err", lambda f: least_squares_error(f, s["short_n_over_d3"], False),
              Prediction(low=s["short_error"])),
    ]  # fmt: skip


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """All rows of the paper's tables, one frame (each row keeps its ``experiment``)."""
    frames = [tables[name] for name in TABLES if name in tables]
    return pd.concat(frames, ignore_index=True)
