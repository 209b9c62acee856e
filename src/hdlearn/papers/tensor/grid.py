"""The tensor paper's grid: its config block turned into cells (``expand``) and the sample
and rank sizes it reads. Pure Python, imported at DAG parse time without torch;
:mod:`hdlearn.papers.tensor.experiment` runs the cells (and documents the experiments)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hdlearn.cost import Cost
from hdlearn.io import params_hash
from hdlearn.sizes import factor_samples, generic_rank, rank_of, tensor_dimension

PAPER = "tensor"
EXPERIMENTS = ("bookkeeping", "student", "population", "power", "control", "least_squares")
BUDGETS = ("quadratic", "half_d3")

# --------------------------------------------------------------------------- sizes


def ranks(d: int, rhos: Iterable[float], cap: float) -> list[int]:
    """Distinct ``r = rank_of(d, rho)`` (:func:`hdlearn.sizes.rank_of`) with
    ``r <= cap``, ascending."""
    return sorted({r for r in (rank_of(d, rho) for rho in rhos) if r <= cap + 1e-9})


def d3_samples(d: int, fraction: float) -> int:
    """``n = floor(fraction D3)`` (at least 1), ``D3 = C(d+3, 3)``."""
    return factor_samples(fraction, tensor_dimension(d))


def budget_samples(d: int, budget: str, quadratic_coef: float, d3_fraction: float) -> int:
    """``n = floor(C d^2)`` (``quadratic``, no floor of 1) or ``floor(f D3)`` (``half_d3``)."""
    if budget == "quadratic":
        return factor_samples(quadratic_coef, d**2, minimum=0)
    if budget == "half_d3":
        return d3_samples(d, d3_fraction)
    raise ValueError(f"unknown budget {budget!r}; allowed: {', '.join(BUDGETS)}")


# --------------------------------------------------------------------------- grid expansion


def _cell_name(spec: Mapping[str, Any]) -> str:
    parts = [spec["learner"], f"d{spec['d']}"]
    for key, short in (("budget", ""), ("activation", "")):
        if key in spec:
            parts.append(f"{short}{spec[key]}")
    return "-".join(parts) + f"-{params_hash(spec)}"


def expand(block: Mapping[str, Any], presets: Mapping[str, Any]) -> dict[str, dict[str, dict]]:
    """The paper's config block as ``{experiment: {cell_name: cell_spec}}``.

    A spec holds every value its rows depend on (its hash names the file) and nothing else.
    """
    hyper = {**presets[block["preset"]], **block.get("hyper", {})}
    threshold = block["overlap_threshold"]
    out: dict[str, dict[str, dict]] = {}

    def named(specs: Iterable[dict]) -> dict[str, dict]:
        return {_cell_name(spec): spec for spec in specs}

    e1 = block["bookkeeping"]
    out["bookkeeping"] = named(
        {
            "paper": PAPER, "learner": "bookkeeping", "d": int(d), "ranks": list(e1["r"]),
            "activations": list(e1["activations"]), "train_samples": e1["train_samples"],
            "test_samples": e1["test_samples"], "seeds": list(e1["seeds"]),
        }
        for d in e1["d"]
    )  # fmt: skip

    e2 = block["student"]
    student = []
    for d in e2["d"]:
        for budget in e2["budgets"]:
            n = budget_samples(d, budget, e2["quadratic_coef"], e2["d3_fraction"])
            cap = min(e2["max_r_over_rgen"] * generic_rank(d), e2["max_r_over_n_per_d"] * n / d)
            student.append(
                {
                    "paper": PAPER, "learner": "student", "activation": "he3", "d": int(d),
                    "n": n, "budget": budget, "ranks": ranks(d, e2["rhos"], cap),
                    "width_factors": list(e2["width_factors"]),
                    "steps": hyper["student_steps"], "lr": hyper["student_lr"],
                    "c_init": hyper["student_c_init"], "test_samples": e2["test_samples"],
                    "threshold": threshold, "seeds": list(e2["seeds"]),
                }
            )  # fmt: skip
    out["student"] = named(student)

    def population_cell(d, rs, factor, activation, seeds, restarts) -> dict:
        return {
            "paper": PAPER, "learner": "population_gd", "activation": activation, "d": int(d),
            "ranks": rs, "width_factor": factor, "restarts": restarts,
            "steps": hyper["population_steps"],
            "lr": hyper["population_lr"], "c_init": hyper["population_c_init"],
            "threshold": threshold, "seeds": list(seeds),
        }  # fmt: skip

    e3 = block["population"]
    out["population"] = named(
        population_cell(
            d, ranks(d, e3["rhos"], e3["max_r_over_rgen"] * generic_rank(d)),
            e3["width_factor"], "he3", e3["seeds"], e3["restarts"],
        )
        for d in e3["d"]
    )  # fmt: skip
    pw = block["power"]
    out["power"] = named(
        {
            "paper": PAPER, "learner": "power_iteration", "d": int(d),
            "ranks": ranks(d, pw["rhos"], pw["max_r_over_rgen"] * generic_rank(d)),
            "restarts": pw["restarts"], "iterations": pw["iterations"],
            "threshold": threshold, "seeds": list(pw["seeds"]),
        }
        for d in pw["d"]
    )  # fmt: skip
    ctl = block["control"]
    out["control"] = named(
        population_cell(d, sorted(ctl["r"]), 1, "he2", ctl["seeds"], 1) for d in ctl["d"]
    )
    ls = block["least_squares"]
    out["least_squares"] = named(
        {
            "paper": PAPER, "learner": "least_squares", "activation": "he3", "d": int(d),
            "ranks": sorted({max(1, round(d**p)) for p in ls["rank_exponents"]}),
            "n_over_d3": list(ls["n_over_d3"]), "test_samples": ls["test_samples"],
            "seeds": list(ls["seeds"]),
        }
        for d in ls["d"]
    )  # fmt: skip
    return out


def cost(spec: Mapping[str, Any]) -> Cost:
    """A cell's :class:`~hdlearn.cost.Cost` (``work``: multiply-adds of the dominant terms,
    over every rank, width and seed; ``bytes``: the float64 inputs or Hermite features)."""
    members, d, learner = len(spec["seeds"]), spec["d"], spec["learner"]
    ranks = spec["ranks"]
    if learner == "bookkeeping":
        n = spec["train_samples"] + spec["test_samples"]
        work = members * n * d * sum(ranks) * len(spec["activations"])
        return Cost(learner, work, 8.0 * members * n * d)
    if learner == "student":
        n = spec["n"] + spec["test_samples"]
        widths = [f * r for r in ranks for f in spec["width_factors"]]
        return Cost(learner, 6.0 * members * spec["steps"] * spec["n"] * d * sum(widths),
                    8.0 * members * n * d)  # fmt: skip
    if learner == "population_gd":
        widths = [(max(1, round(spec["width_factor"] * r)), r) for r in ranks]
        work = members * spec["restarts"] * spec["steps"] * sum(m * (m + r) * d for m, r in widths)
        return Cost(learner, work, 8.0 * members * spec["restarts"] * max(ranks) * d)
    if learner == "power_iteration":
        work = members * spec["restarts"] * spec["iterations"] * d * sum(ranks)
        return Cost(learner, work, 8.0 * members * spec["restarts"] * d)
    features = tensor_dimension(d)
    sizes = [d3_samples(d, ratio) for ratio in spec["n_over_d3"]]
    work = members * len(ranks) * sum(n * features**2 + features**3 for n in sizes)
    return Cost(learner, work, 8.0 * (max(sizes) + spec["test_samples"]) * features)
