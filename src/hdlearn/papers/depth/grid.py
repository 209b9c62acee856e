"""The depth paper's grid: its config block turned into cells (``expand``) and the checks the
schema cannot express (``check_config``). Pure Python, imported at DAG parse time without torch;
:mod:`hdlearn.papers.depth.experiment` runs the cells (and documents the learners)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hdlearn.cost import Cost
from hdlearn.io import params_hash
from hdlearn.sizes import effective_dimension, power_samples

PAPER = "depth"
LEARNERS = ("krr", "two_layer", "three_layer_layerwise", "three_layer_joint")
VARIANTS = ("default", "reinit", "fresh_batches", "interpolation")
EXPERIMENTS = ("sweep", "ablation", "dynamics", "interpolation", "levels")
_SCHEDULE = ("eps_init", "lr", "batch_fraction", "stage2_epochs_coef", "stage2_epochs_exponent")
# The hyper-parameters each learner reads: a cell's spec (and so its file name) holds only
# these, so changing one value reruns only the learners that use it.
HYPER_KEYS = {
    "krr": ("krr_lambda", "ridge_lambdas"),
    "two_layer": (
        *_SCHEDULE, "two_layer_width_divisor", "two_layer_reg", "two_layer_regs",
        "two_layer_ridge_lambda", "ridge_lambdas",
    ),
    "three_layer_layerwise": (
        *_SCHEDULE, "stage1_epochs_coef", "p2", "layer2_lr_factor", "reg1", "reg2",
        "three_layer_regs", "ridge_lambda", "ridge_lambdas", "gradient_normalisation",
    ),
    "three_layer_joint": (
        *_SCHEDULE, "p2", "joint_prefactor", "joint_reg1", "joint_reg2", "joint_reg3",
        "three_layer_regs", "gradient_normalisation",
    ),
}  # fmt: skip
#: Each network's swept weight-decay grid and the fixed decay a non-empty grid replaces.
DECAY_SWEEPS = {
    "two_layer": ("two_layer_regs", "two_layer_reg"),
    "three_layer_layerwise": ("three_layer_regs", "reg2"),
    "three_layer_joint": ("three_layer_regs", "joint_reg2"),
}


def first_width(d: int, width_kappa: float, width_exponent: float) -> int:
    """``p1 = floor(n_max^width_exponent)`` with ``n_max = floor(d^width_kappa)`` the sample
    size at ``kappa = width_kappa`` (App. F.4)."""
    return math.floor(power_samples(d, width_kappa, minimum=2) ** width_exponent + 1e-9)


def check_config(block: Mapping[str, Any], presets: Mapping[str, Any], where: str) -> None:
    """Refuse what the schema cannot express: every ``d`` must hold ``branches`` disjoint
    groups of ``d_eff = floor(d^eps1)`` directions, and ``threshold_range`` must be ordered."""
    from hdlearn.config import ConfigError

    target = block["target"]
    for experiment in ("sweep", "ablation", "dynamics"):
        for d in block[experiment]["d"]:
            d_eff = effective_dimension(d, target["eps1"])
            if target["branches"] * d_eff > d or d_eff < 1:
                raise ConfigError(
                    f"{where}.{experiment}.d: d = {d} is too small for branches = "
                    f"{target['branches']} of d_eff = floor(d^eps1) = {d_eff} directions"
                )
    low, high = block["claims"]["threshold_range"]
    if low > high:
        raise ConfigError(f"{where}.claims.threshold_range: {low} > {high}")


#: Learners planned as one cell per grid row, every kappa of a ``(learner, variant, d)`` in one
#: cell (spec key ``kappas``): a grid point costs them less than the process start of a job
#: (seconds at default scale), so a row per job saves the start of every point but one. The
#: 3-layer nets keep one cell per point (minutes each: the points run in parallel, and the
#: sweep and the dynamics share them). Every point of a row draws exactly what its own cell drew
#: (the draws are tagged by ``d`` and ``n``, never by the cell), so the rows are the same.
ROW_LEARNERS = ("krr", "two_layer")


def _cell_name(spec: Mapping[str, Any]) -> str:
    if spec["learner"] == "reference":
        return f"reference-d{spec['d']}-{params_hash(spec)}"
    head = f"{spec['learner']}-{spec['variant']}-d{spec['d']}"
    if "kappas" in spec:
        return f"{head}-k{spec['kappas'][0]:.3f}-{spec['kappas'][-1]:.3f}-{params_hash(spec)}"
    return f"{head}-k{spec['kappa']:.3f}-{params_hash(spec)}"


def _as_rows(specs: list[dict]) -> dict[str, dict]:
    """Cells named by :func:`_cell_name`: the points of a :data:`ROW_LEARNERS` learner merged
    into one cell per ``(learner, variant, d)`` (``kappas`` in the points' order), every other
    point a cell of its own."""
    rows: dict[tuple, list[dict]] = {}
    out: dict[str, dict] = {}
    for spec in specs:
        if spec["learner"] in ROW_LEARNERS:
            rows.setdefault((spec["learner"], spec["variant"], spec["d"]), []).append(spec)
        else:
            out[_cell_name(spec)] = spec
    for points in rows.values():
        row = {k: v for k, v in points[0].items() if k != "kappa"}
        row["kappas"] = [point["kappa"] for point in points]
        out[_cell_name(row)] = row
    return out


def points(spec: Mapping[str, Any]) -> list[dict]:
    """The grid points of a cell: itself, or every ``kappa`` of a row cell."""
    if "kappas" not in spec:
        return [dict(spec)]
    point = {k: v for k, v in spec.items() if k != "kappas"}
    return [{**point, "kappa": kappa} for kappa in spec["kappas"]]


def expand(depth: Mapping[str, Any], presets: Mapping[str, Any]) -> dict[str, dict[str, dict]]:
    """Turn the paper's config block into ``{experiment: {cell_name: cell_spec}}``.

    A cell spec holds every value its result depends on (so its hash names the file, and two
    grids never overwrite each other's cells) and nothing else (so experiments that need the
    same run, like the sweep and the dynamics at a shared ``(d, kappa)``, share one cell).
    """
    hyper = {**presets[depth["preset"]], **depth.get("hyper", {})}
    target = dict(depth["target"])
    common = {"target": target, "seeds": list(depth["seeds"])}
    out: dict[str, dict[str, dict]] = {}

    def learner_cell(learner: str, variant: str, d: int, kappa: float) -> dict:
        spec = {
            "paper": PAPER,
            "learner": learner,
            "variant": variant,
            "d": int(d),
            "kappa": float(kappa),
            "p1": first_width(d, depth["width_kappa"], hyper["width_exponent"]),
            "test_samples": depth["test_samples"],
            "val_samples": depth["val_samples"],
            "checkpoints": depth["checkpoints"],
            "hyper": {key: hyper[key] for key in HYPER_KEYS[learner]},
            **common,
        }
        sweep, fixed = DECAY_SWEEPS.get(learner, (None, None))
        if sweep and hyper[sweep]:  # a sweep replaces the fixed decay
            del spec["hyper"][fixed]
        if learner == "krr":  # the kernel has no widths, steps or checkpoints (and needs a
            # validation set only to pick its penalty)
            unused = {"p1", "checkpoints"} | (set() if hyper["ridge_lambdas"] else {"val_samples"})
            spec = {k: v for k, v in spec.items() if k not in unused}
        return spec

    def grid(block: Mapping[str, Any], pairs: list[tuple[str, str]]) -> dict[str, dict]:
        """Cells for every ``(learner, variant)`` pair at every ``(d, kappa)`` of ``block``
        (a row learner's kappas in one cell per d)."""
        specs = [
            learner_cell(learner, variant, d, kappa)
            for d in block["d"]
            for kappa in block["kappas"]
            for learner, variant in pairs
        ]
        return _as_rows(specs)

    sweep, ablation, dynamics = depth["sweep"], depth["ablation"], depth["dynamics"]
    out["sweep"] = grid(sweep, [(learner, "default") for learner in sweep["learners"]])
    out["ablation"] = grid(
        ablation,
        [("three_layer_layerwise", v) for v in ("default", *ablation["variants"])],
    )
    out["dynamics"] = grid(dynamics, [(learner, "default") for learner in dynamics["learners"]])
    out["interpolation"] = _interpolation(depth["interpolation"], learner_cell)
    all_d = sorted({int(d) for exp in ("sweep", "ablation", "dynamics", "interpolation")
                    for d in depth[exp]["d"]})  # fmt: skip
    out["levels"] = {
        _cell_name(s): s
        for d in all_d
        for s in [
            {
                "paper": PAPER,
                "learner": "reference",
                "d": d,
                "mc_samples": depth["levels"]["mc_samples"],
                "degrees": list(depth["levels"]["degrees"]),
                "target": target,
                "seeds": list(depth["seeds"]),
            }
        ]
    }
    return out


def _interpolation(block: Mapping[str, Any], learner_cell) -> dict[str, dict]:
    """The kernel of the sweep with the fixed, vanishing penalty ``krr_lambda`` of ``block``
    (variant ``interpolation``) at its ``(d, kappa)``: the ridgeless limit whose error peaks
    where ``n`` reaches the kernel's number of features (Fig. 2's double-descent peak)."""
    specs = []
    for d in block["d"]:
        for kappa in block["kappas"]:
            spec = learner_cell("krr", "interpolation", d, kappa)
            spec = {k: v for k, v in spec.items() if k != "val_samples"}
            spec["hyper"] = {"krr_lambda": block["krr_lambda"], "ridge_lambdas": []}
            specs.append(spec)
    return _as_rows(specs)


def cost(spec: Mapping[str, Any]) -> Cost:
    """A cell's :class:`~hdlearn.cost.Cost`: ``work`` counts operations of the dominant terms
    (6 FLOPs per weight and sample for a forward-backward pass, an epoch is one pass over the
    ``n`` samples; the kernel ``n^2 d`` plus its ``n^3/3`` solve, or with ``n`` above its
    ``p`` features the primal ``n p^2`` Gram and ``p^3/3`` solve), ``bytes`` the float32 data
    or first-layer features of every member (``E`` seeds), or the kernel matrix; a row cell
    sums its points' work and takes its largest point's memory."""
    if "kappas" in spec:  # a row: its points' work, the largest point's memory
        costs = [cost(point) for point in points(spec)]
        return Cost(spec["learner"], sum(c.work for c in costs), max(c.bytes for c in costs))
    members, d = len(spec["seeds"]), spec["d"]
    learner = spec["learner"]
    if learner == "reference":
        mc = spec["mc_samples"]
        features = math.comb(effective_dimension(d, spec["target"]["eps1"]) + 4, 4)
        return Cost(learner, members * mc * features**2, 8.0 * mc * features)
    n = power_samples(d, spec["kappa"], minimum=2)
    hyper = spec["hyper"]
    if learner == "krr":  # the dual n x n solve, or the primal p x p one when n > p
        fits, p = max(1, len(hyper["ridge_lambdas"])), d * (d + 1) // 2 + d + 1
        if n <= p:
            return Cost(learner, members * (n * n * d + n**3 / 3 + fits * n * n), 4.0 * n * n)
        return Cost(learner, members * (n * p * p + p**3 / 3 + fits * p * p), 4.0 * n * p)
    epochs2 = math.floor(hyper["stage2_epochs_coef"] * d ** hyper["stage2_epochs_exponent"])
    p1 = spec["p1"]
    # a sweep trains a copy per weight decay: the 2-layer net's all in one ensemble, the
    # 3-layer nets' one after the other (the work of all, the memory of one)
    copies = max(1, len(hyper[DECAY_SWEEPS[learner][0]]))
    parts = 3 if spec["variant"] == "fresh_batches" else 1
    if learner == "two_layer":
        p = max(1, p1 // hyper["two_layer_width_divisor"])
        members *= copies
        return Cost(learner, 6.0 * members * epochs2 * n * p * d, 4.0 * members * n * max(d, p))
    p2 = hyper["p2"]
    data = 4.0 * members * n * p1 * parts
    if learner == "three_layer_layerwise":
        epochs1 = int(hyper["stage1_epochs_coef"] * math.log(d))
        work = epochs1 * n * (p1 * d + p1 * p2) + epochs2 * n * p1 * p2
        return Cost(learner, 6.0 * copies * members * work, data)
    return Cost(learner, 6.0 * copies * members * epochs2 * n * (p1 * d + p1 * p2), data)
