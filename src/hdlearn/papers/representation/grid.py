"""The representation paper's grid: its config block turned into cells (``expand``). Pure
Python, imported at DAG parse time without torch; :mod:`hdlearn.papers.representation.experiment`
runs the cells (and documents the methods)."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hdlearn.cost import Cost
from hdlearn.io import params_hash
from hdlearn.sizes import factor_samples, power_samples

PAPER = "representation"
EXPERIMENTS = ("complexity", "reference", "alignment", "risk", "transfer", "ablation")
METHODS = ("alg1", "rf", "ntk", "krr", "rf_wide")
#: Members per kernel solve: (members) n^2 <= this (a memory bound only; every member is
#: independent, so the numbers do not depend on it). 2^25: two members of n = 4096 per solve
#: (0.27 GB per float64 array of the pair's n x n matrices); the eigendecomposition loops over
#: members, so a smaller group costs no time.
KRR_GROUP_ELEMENTS = 2**25
REPO_ROOT = Path(__file__).resolve().parents[4]


def _cell_name(spec: Mapping[str, Any]) -> str:
    parts = [spec["experiment"], spec["method"]]
    if "d" in spec:
        parts.append(f"d{spec['d']}")
    if "m" in spec:
        parts.append(f"m{spec['m']}")
    return "-".join([*parts, params_hash(spec)])


def read_reference_csv(path: str) -> list[dict[str, Any]]:
    """Rows of a digitised reference CSV (``#`` lines are its header notes), relative to the
    working directory or else to the repository root."""
    file = Path(path)
    if not file.exists():
        file = REPO_ROOT / path
    with open(file) as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#") and line.strip()]
    rows = []
    for row in csv.DictReader(lines):
        rows.append({k: (v if k == "method" else float(v)) for k, v in row.items()})
    return rows


def expand(block: Mapping[str, Any], presets: Mapping[str, Any]) -> dict[str, dict[str, dict]]:
    """Turn the paper's config block into ``{experiment: {cell_name: cell_spec}}``.

    One cell is one method at one ``(d, m)`` for every sample size of its experiment and every
    seed; a spec holds every value its numbers depend on (its hash names the file).
    """
    hyper = {**presets[block["preset"]], **block.get("hyper", {})}
    common = {
        "paper": PAPER,
        "seeds": list(block["seeds"]),
        "hyper": hyper,
        "holdout_samples": block["holdout_samples"],
        "test_samples": block["test_samples"],
    }
    targets = block["targets"]
    out: dict[str, dict[str, dict]] = {name: {} for name in EXPERIMENTS}

    switches = block.get("preprocess", {})

    def add(experiment: str, spec: dict) -> None:
        spec = {"experiment": experiment, **common, **spec}
        if experiment in switches:  # per-experiment pre-processing switch (see the docstring)
            spec["hyper"] = {**hyper, "preprocess": bool(switches[experiment])}
        out[experiment][_cell_name(spec)] = spec

    per_d: dict[tuple, list[dict]] = {}

    def add_d(experiment: str, spec: dict) -> None:
        """One cell per ``d`` (``split_dims``) or one cell per method over every ``d``."""
        if block["split_dims"]:
            add(experiment, spec)
            return
        key = (experiment, spec["method"], spec.get("part", ""))
        per_d.setdefault(key, []).append(spec)

    fig1 = block["fig1"]
    for panel in fig1["panels"]:
        for method in panel["methods"]:
            cap = panel.get("max_log_n", {}).get(method, math.inf)
            add("complexity", {
                "method": method, "d": fig1["d"], "m": panel["m"],
                "log_n": [k for k in panel["log_n"] if k <= cap], "target": targets["main"],
            })  # fmt: skip
    out["reference"] = {}
    for figure, source in (("fig1", fig1["reference_csv"]),
                           ("fig2", block["transfer"]["grid"]["reference_csv"])):  # fmt: skip
        ref = {
            "experiment": "reference",
            "paper": PAPER,
            "method": "reference",
            "figure": figure,
            "source": source,
            "rows": read_reference_csv(source),
            "seeds": [0],
        }
        out["reference"][_cell_name(ref)] = ref

    align = block["alignment"]
    for d in align["d"]:
        sizes = {factor_samples(c, d * d) for c in align["sizes_d2"]}
        sizes |= {factor_samples(c, d) for c in align["sizes_d"]}
        add_d("alignment", {
            "method": "alg1_step", "d": int(d), "m": align["m"], "n": sorted(sizes),
            "target": targets["main"],
        })  # fmt: skip

    risk = block["risk"]
    for d in risk["d"]:
        sizes = sorted({factor_samples(c, d * d) for c in risk["sizes_d2"]})
        for method in risk["methods"]:
            n_list = [n for n in sizes if method != "krr" or n <= risk["krr_max_n"]]
            if not n_list or (method == "krr" and int(d) not in risk["krr_d"]):
                continue
            spec = {"method": method, "d": int(d), "n": n_list, "target": targets["main"]}
            if method != "krr":
                spec["m"] = risk["m"]
            add_d("risk", spec)
    wide = risk["wide_rf"]
    for d in wide["d"]:
        sizes = sorted({factor_samples(c, d * d) for c in risk["sizes_d2"]})
        spec = {"method": "rf_wide", "d": int(d), "n": sizes, "target": targets["main"],
                "m": factor_samples(wide["width_d2"], d * d)}  # fmt: skip
        add_d("risk", spec)

    transfer = block["transfer"]
    grid = transfer["grid"]
    add("transfer", {
        "method": "alg1", "part": "grid", "d": grid["d"], "m": grid["m"],
        "n": [power_samples(grid["d"], k) for k in grid["log_n"]],
        "n_target": [power_samples(grid["d"], k) for k in grid["log_n_target"]],
        "pretrain_target": targets["pretrain"], "target": targets["transfer"],
        "head_holdout": transfer["head_holdout"]["grid"],
    })  # fmt: skip
    indep = transfer["independence"]
    for d in indep["d"]:
        for method in indep["methods"]:
            add_d("transfer", {
                "method": method, "part": "independence", "d": int(d), "m": indep["m"],
                "n": [factor_samples(indep["size_d2"], d * d)] if method == "alg1" else [],
                "n_target": list(indep["n_target"]),
                "pretrain_target": targets["pretrain"], "target": targets["transfer"],
                "head_holdout": transfer["head_holdout"]["independence"],
            })  # fmt: skip

    ablation = block["ablation"]
    deg = ablation["degenerate"]
    for d in deg["d"]:
        add_d("ablation", {
            "method": "alg1_step", "part": "degenerate", "d": int(d), "m": deg["m"],
            "n": [factor_samples(c, d * d) for c in deg["sizes_d2"]],
            "targets": {name: targets[name] for name in deg["targets"]},
        })  # fmt: skip
    rank = ablation["rank"]
    if rank["r"]:
        add("ablation", {
            "method": "alg1_step", "part": "rank", "d": rank["d"], "m": rank["m"],
            "n": [factor_samples(c, rank["d"] ** 2) for c in rank["sizes_d2"]],
            "r": list(rank["r"]),
        })  # fmt: skip
    for (experiment, _, _), specs in per_d.items():
        merged = {k: v for k, v in specs[0].items() if k not in ("d", "n")}
        merged["grid"] = [[spec["d"], spec["n"]] for spec in specs]
        add(experiment, merged)
    step = ablation["step"]
    if step["eta_factors"]:
        add("ablation", {
            "method": "alg1", "part": "step", "d": step["d"], "m": step["m"],
            "log_n": list(step["log_n"]), "eta_factors": list(step["eta_factors"]),
            "target": targets["main"],
        })  # fmt: skip
    return out


def cost(spec: Mapping[str, Any]) -> Cost:
    """A cell's :class:`~hdlearn.cost.Cost` (``work``: multiply-adds of the features of every
        training, holdout and test sample and of the ridge solves, ``min(n F^2 + F^3, n^2 F + n^3)``
        for ``F`` features, per size, seed and variant; ``bytes``: the float64 feature matrix of
        the largest ``n``, or KRR's ``n x n`` kernel and eigenvectors for each member solved at
    once)."""
    method = spec["method"]
    if method == "reference":
        return Cost(method, 1.0, 0.0)
    members = len(spec["seeds"])
    variants = len(spec.get("eta_factors", [1])) * len(spec.get("r", [1]))
    variants *= len(spec.get("targets", {"target": None}))
    m = spec.get("m", 0)
    evaluated = spec["holdout_samples"] + spec["test_samples"]
    work, need = 0.0, 0.0
    for d, sizes in spec.get("grid") or [[spec["d"], _sizes(spec)]]:
        sizes = [n for n in sizes if n > 0] or [1]
        if method == "krr":  # the kernel and its eigenvectors, for a group of members
            work += sum(n**3 / 3 + (n + evaluated) * n * d for n in sizes)
            top = max(sizes)
            group = min(members, max(1, KRR_GROUP_ELEMENTS // (top * top)))
            need = max(need, 2 * 8.0 * group * top**2)
            continue
        features = m * (d + 1) if method == "ntk" else m
        for n in sizes:
            ridge = min(n * features**2 + features**3, n * n * features + n**3)
            work += (n + evaluated) * features * d + ridge
        need = max(need, 8.0 * max(sizes) * features)
    return Cost(method, members * variants * work, need)


def _sizes(spec: Mapping[str, Any]) -> list[int]:
    """The training sizes of a one-``d`` spec: ``n`` (and the transfer's ``n_target``), or
    ``d^log_n``."""
    if "log_n" in spec:
        return [power_samples(spec["d"], k) for k in spec["log_n"]]
    return [*spec.get("n", []), *spec.get("n_target", [])]
