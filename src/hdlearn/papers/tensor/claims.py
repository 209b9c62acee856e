"""Claims TENS-1..5 of Mondelli & Montanari 2018 (arXiv 1802.07301), hdlearn's reading.

Every statistic (:mod:`hdlearn.papers.tensor.analysis`) reads the paper's rows (all tables
concatenated, tagged with ``experiment``: :func:`select_rows`) and is bootstrapped over seeds
by :func:`hdlearn.analysis.verdicts.evaluate`. Thresholds come from
``scales.<scale>.tensor.claims``. What can be tested depends on ``d``: for
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

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hdlearn.analysis.verdicts import Claim, Prediction
from hdlearn.papers.tensor.analysis import (
    barrier_exponent,
    barrier_rho,
    control_worst,
    crossover_exponent,
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
    window_note,
)

PAPER = "tensor"
TABLES = ("bookkeeping", "student", "population", "power", "control", "least_squares")


def _width(factor: float) -> str:
    """``m = factor r`` as text: ``r``, ``2r``."""
    return "r" if factor == 1 else f"{factor:g}r"


def _per_d(factor: float) -> str:
    """``factor n/d`` as text: ``n/d``, ``0.25 n/d``."""
    return "n/d" if factor == 1 else f"{factor:g} n/d"


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
