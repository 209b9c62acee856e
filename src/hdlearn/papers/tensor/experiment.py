"""Mondelli & Montanari (2018), "On the connection between learning two-layer neural networks
and tensor decomposition" (arXiv 1802.07301, AISTATS 2019). A theory paper without numerics:
hdlearn makes its mechanism visible and says which sizes can test its main claim.

Setting (:mod:`hdlearn.targets.cubic`): ``x ~ N(0, I_d)``,
``y = sum_{i <= r} sigma(<w_i, x>) / sqrt(6 r)``, ``w_i`` uniform on the unit sphere,
``sigma = He3(z) = z^3 - 3z`` (``a1 = -3 a3`` removes the linear part, so ``E(y) = 0`` is the
best linear predictor). The paper: for ``d^1.5 << r << d^2`` no poly-time learner beats
``E(y)`` (``rel_err = test MSE / Var(y) ~ 1``), under a hypothesis on tensor decomposition, and
learning requires learning the weights. Two sizes bound the window (our bookkeeping, not the
paper's): least squares on all ``D3 = C(d+3, 3)`` cubic features is exact once ``n >= D3``,
for any ``r``, and the identifiability ceiling is the generic rank
``R_gen = ceil(C(d+2, 3)/d) ~ d^2/6``, which is ``<= d^1.5`` for ``d <= 32``: at CPU sizes the
window ``(d^1.5, R_gen)`` is empty. Every row carries ``rho = r/d^1.5`` and ``r/R_gen``.

Experiments (one table each; ``ov_i = max_j |<u_j/|u_j|, w_i>|``, mean ov and frac(ov > 0.9)):

* ``bookkeeping`` (E1): ``sigma`` in {He3, z^3, z + z^3}; empirical ``Var(y)`` and the test
  error of OLS on ``[1, x]`` against the closed forms of :mod:`hdlearn.targets.cubic`.
* ``student`` (E2): ``f = sum_j c_j He3(<u_j/|u_j|, x>) / sqrt(6)``, width ``m = w r``, full-batch
  Adam with renormalised neurons (:func:`hdlearn.training.sphere.train_sample_student`), at a
  budget ``n = C d^2`` (``quadratic``) and ``n = D3 / 2`` (``half_d3``), ``r = rho d^1.5``.
* ``population`` (E3 i): the same student on the exact population loss in Gram form, i.e.
  gradient-descent decomposition of ``T = sum_i w_i^{x3}``; ``rel_err`` is exact.
* ``power`` (E3 ii): random-restart tensor power iteration on ``T``
  (:mod:`hdlearn.baselines.tensor`).
* ``control`` (E4): the He2 teacher and He2 student in Gram form (rotation symmetry: a perfect
  fit with the wrong weights).
* ``least_squares`` (E5): minimum-norm least squares on the orthonormal multivariate Hermite
  features of degree ``<= 3``, ``n = q D3``.

Choices the paper leaves open, named as ours (all config keys, ``scales.<scale>.tensor``):
labels scaled by ``1/sqrt(6 r)``; ``r = max(1, round(rho d^1.5))``, capped at
``max_r_over_rgen R_gen`` (and for the student at ``max_r_over_n_per_d n/d``, past which every
``r`` overfits); student output weights start at ``+-c_init/sqrt(m)`` (finite ``n``) or all
equal to ``c_init r/m`` (population, teacher scale 1); power iteration succeeds when the end
point has overlap ``> overlap_threshold`` with a teacher unit, and its recovery fraction is the
number of distinct units so found over ``min(r, restarts)`` (identical end points of many
restarts count once). The teacher of seed ``s`` depends on ``(s, d, r)`` only, so every
learner, width and budget sees the same teacher and test set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import torch

from hdlearn.baselines.tensor import hermite_least_squares, power_iteration, power_iteration_summary
from hdlearn.papers.tensor.grid import d3_samples
from hdlearn.rows import TidyRows
from hdlearn.seeding import generators
from hdlearn.sizes import generic_rank, tensor_dimension
from hdlearn.targets.cubic import (
    committee_labels,
    cubic_variance,
    linear_fraction,
    sphere_weights,
    weight_overlaps,
)
from hdlearn.targets.gaussian import gaussian_inputs
from hdlearn.training.sphere import (
    init_student,
    population_loss,
    relative_error,
    student_predict,
    train_population_student,
)
from hdlearn.training.sphere import train_sample_student as _train_sample

COLUMNS = [
    "learner",
    "activation",
    "d",
    "r",
    "m",
    "n",
    "budget",
    "rho",
    "r_over_rgen",
    "n_over_d3",
    "seed",
    "metric",
    "value",
]

# --------------------------------------------------------------------------- the cells


def _derived(row: Mapping[str, Any]) -> dict[str, float]:
    """``rho = r/d^1.5``, ``r/R_gen`` and ``n/D3`` of a row (NaN where ``r`` or ``n`` is)."""
    d, r, n = row["d"], row["r"], row["n"]
    return {
        "rho": r / d**1.5,
        "r_over_rgen": r / generic_rank(d),
        "n_over_d3": n / tensor_dimension(d),
    }


def _recorder(seeds: list[int]) -> TidyRows:
    return TidyRows(
        seeds, COLUMNS, _derived, r=math.nan, m=math.nan, n=math.nan, budget="", activation="he3"
    )


def _teacher(seeds: list[int], d: int, r: int, device: torch.device) -> torch.Tensor:
    return sphere_weights(r, d, generators(seeds, "teacher", d, r), device)


def _inputs(seeds, n: int, d: int, r: int, tag: str, device) -> torch.Tensor:
    return gaussian_inputs(n, d, generators(seeds, tag, d, r, n), device).double()


def _bookkeeping(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """E1: empirical Var(y) and OLS-on-[1, x] test error against the closed forms."""
    seeds, d = spec["seeds"], spec["d"]
    record = _recorder(seeds)
    for r in spec["ranks"]:
        w = _teacher(seeds, d, r, device)
        x = _inputs(seeds, spec["train_samples"], d, r, "train", device)
        x_test = _inputs(seeds, spec["test_samples"], d, r, "test", device)
        for activation in spec["activations"]:
            y, y_test = committee_labels(x, w, activation), committee_labels(x_test, w, activation)
            design = torch.cat([torch.ones_like(x[..., :1]), x], -1)
            beta = torch.linalg.lstsq(design, y[..., None]).solution
            fit = torch.cat([torch.ones_like(x_test[..., :1]), x_test], -1) @ beta
            fixed = {"learner": "ols", "activation": activation, "d": d, "r": r}
            record.add("var_y", y_test.var(dim=-1), **fixed)
            record.add("var_y_theory", cubic_variance(w, activation), **fixed)
            record.add("ols_rel_err", relative_error(fit.squeeze(-1), y_test), **fixed)
            record.add("ols_rel_err_theory", 1 - linear_fraction(w, activation), **fixed)
    return record.frame()


def _student(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """E2: the finite-sample student at one ``(d, n)``, every ``r`` and width in turn, all
    seeds as one ensemble (float32)."""
    seeds, d, n = spec["seeds"], spec["d"], spec["n"]
    record = _recorder(seeds)
    for r in spec["ranks"]:
        w = _teacher(seeds, d, r, device)
        x = _inputs(seeds, n, d, r, "train", device).float()
        x_test = _inputs(seeds, spec["test_samples"], d, r, "test", device).float()
        y, y_test = committee_labels(x, w, "he3"), committee_labels(x_test, w, "he3")
        for factor in spec["width_factors"]:
            m = max(1, round(factor * r))
            u, c = init_student(
                m, d, spec["c_init"] / math.sqrt(m), generators(seeds, "init", d, r, m, n),
                device, random_signs=True,
            )  # fmt: skip
            u, c = _train_sample(x, y, u, c, activation="he3", steps=spec["steps"], lr=spec["lr"])
            fixed = {"learner": "student", "d": d, "r": r, "m": m, "n": n,
                     "budget": spec["budget"]}  # fmt: skip
            train = relative_error(student_predict(x, u, c, "he3"), y)
            test = relative_error(student_predict(x_test, u, c, "he3"), y_test)
            record.add("train_rel_err", train, **fixed)
            record.add("test_rel_err", test, **fixed)
            _overlap_rows(record, fixed, u, w, spec["threshold"])
    return record.frame()


def _overlap_rows(record: TidyRows, fixed, u, w, threshold: float) -> None:
    ov = weight_overlaps(u, w)
    record.add("mean_ov", ov.mean(-1), **fixed)
    record.add("frac_ov", (ov > threshold).double().mean(-1), **fixed)


def _population(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """E3 (i) and the He2 control: Adam on the exact population loss in Gram form (float64),
    every ``r`` of one ``d`` in turn. Each seed trains ``restarts`` independent initialisations
    in the same ensemble and keeps the one with the lowest population loss (the training
    objective itself, so no test data is used to select)."""
    seeds, d, restarts = spec["seeds"], spec["d"], spec["restarts"]
    degree = 2 if spec["activation"] == "he2" else 3
    record = _recorder(seeds)
    for r in spec["ranks"]:
        m = max(1, round(spec["width_factor"] * r))
        w = _teacher(seeds, d, r, device)
        gens = [
            gen
            for s in seeds
            for k in range(restarts)
            for gen in generators([s], "init", d, r, m, *((k,) if k else ()))
        ]
        u, c = init_student(
            m, d, spec["c_init"] * r / m, gens, device, random_signs=False
        )  # fmt: skip
        w_rep = w.repeat_interleave(restarts, dim=0)
        half = spec["steps"] // 2
        u, c, history = train_population_student(
            w_rep, u, c, degree=degree, steps=spec["steps"], lr=spec["lr"], record_at=[half]
        )  # fmt: skip
        with torch.no_grad():
            loss = population_loss(u, c, w_rep, degree).clamp_min(0.0).reshape(len(seeds), -1)
            best = loss.argmin(dim=1) + restarts * torch.arange(len(seeds), device=loss.device)
        fixed = {"learner": "population_gd", "activation": spec["activation"], "d": d, "r": r,
                 "m": m}  # fmt: skip
        record.add("test_rel_err", loss.min(dim=1).values, **fixed)
        # convergence evidence: the same (best) run's loss after half of the steps
        record.add("half_rel_err", history[0].clamp_min(0.0)[best], **fixed)
        _overlap_rows(record, fixed, u[best], w, spec["threshold"])
    return record.frame()


def _power(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """E3 (ii): random-restart power iteration on the exact tensor, every ``r`` of one ``d``."""
    seeds, d, restarts = spec["seeds"], spec["d"], spec["restarts"]
    record = _recorder(seeds)
    for r in spec["ranks"]:
        w = _teacher(seeds, d, r, device)
        u = power_iteration(w, restarts, spec["iterations"], generators(seeds, "power", d, r))
        success, distinct = power_iteration_summary(u, w, spec["threshold"])
        fixed = {"learner": "power_iteration", "d": d, "r": r, "m": restarts}
        record.add("success", success, **fixed)
        record.add("distinct", distinct, **fixed)
        record.add("frac_ov", distinct / min(r, restarts), **fixed)
    return record.frame()


def _least_squares(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """E5: min-norm least squares on orthonormal Hermite features of degree <= 3."""
    seeds, d = spec["seeds"], spec["d"]
    record = _recorder(seeds)
    for r in spec["ranks"]:
        w = _teacher(seeds, d, r, device)
        x_test = _inputs(seeds, spec["test_samples"], d, r, "test", device)
        y_test = committee_labels(x_test, w, "he3")
        for ratio in spec["n_over_d3"]:
            n = d3_samples(d, ratio)
            x = _inputs(seeds, n, d, r, "train", device)
            fit = hermite_least_squares(x, committee_labels(x, w, "he3"), x_test, 3)
            fixed = {"learner": "least_squares", "d": d, "r": r, "n": n}
            record.add("test_rel_err", relative_error(fit, y_test), **fixed)
    return record.frame()


def run_cell(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """Run one cell (all its seeds as one batched ensemble) and return tidy rows."""
    runner = {
        "bookkeeping": _bookkeeping,
        "student": _student,
        "population_gd": _population,
        "power_iteration": _power,
        "least_squares": _least_squares,
    }[spec["learner"]]
    return runner(spec, device)
