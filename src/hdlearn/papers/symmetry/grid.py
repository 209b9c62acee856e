"""The symmetry paper's grid: its config block turned into cells (``expand``). Pure Python,
imported at DAG parse time without torch; :mod:`hdlearn.papers.symmetry.experiment` runs the
cells (and documents the protocol)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hdlearn.cost import Cost
from hdlearn.io import params_hash

PAPER = "symmetry"
EXPERIMENTS = ("parity", "breaking", "depth", "staircase", "equivariance")
# The protocol keys each architecture reads (a cell's spec holds only these).
PROTOCOL_KEYS = {
    "fc": ("width", "batch", "eta", "first_bias", "hidden_bias", "test_samples", "threshold",
           "weak_threshold", "fc_eval_first", "eval_relative", "draw_chunk"),
    "conv": ("channels", "batch", "eta", "first_bias", "test_samples", "threshold",
             "weak_threshold", "conv_eval_first", "eval_relative", "draw_chunk"),
}  # fmt: skip
#: The FC net with the local init reads the conv net's ``channels``: its width is ``channels d``,
#: so that each of the d offsets starts ``channels`` units, as the conv net has ``channels``
#: units at each position, and its initial law is invariant under exactly the cyclic shifts.
#: Its ``local_parametrisation`` is the conv net's (untied) or the mean-field FC net's.
PROTOCOL_KEYS["fc_local"] = (*(k for k in PROTOCOL_KEYS["fc"] if k != "width"), "channels",
                             "local_parametrisation")  # fmt: skip
#: Its same-width control (``wide_control``): the FC net with its i.i.d. init at width
#: ``channels d`` and the same parametrisation, so that the local net differs from it only in
#: the init's symmetry.
PROTOCOL_KEYS["fc_wide"] = PROTOCOL_KEYS["fc_local"]


def _cell_name(spec: Mapping[str, Any]) -> str:
    if spec["kind"] == "equivariance":
        return f"equivariance-d{spec['d']}-{params_hash(spec)}"
    return (
        f"{spec['arch']}{spec['depth']}-{spec['target']}{spec['k']}-"
        f"d{min(spec['d'])}-{max(spec['d'])}-{params_hash(spec)}"
    )


def _breaking_rows(block: Mapping[str, Any], arch: str) -> list[Mapping[str, Any]]:
    """The breaking rows ``arch`` runs on: every row, except that ``fc_local`` (width
    ``channels d``) drops the d above ``fc_local_d_max`` (a row left without d is dropped).
    Each d of a row trains on its own seed streams (tagged by d), so the rows it keeps are the
    same numbers."""
    d_max = block.get("fc_local_d_max")
    if arch != "fc_local" or d_max is None:
        return list(block["breaking"])
    rows = [{**row, "d": [d for d in row["d"] if d <= d_max]} for row in block["breaking"]]
    return [row for row in rows if row["d"]]


def check_config(block: Mapping[str, Any], presets: Mapping[str, Any], where: str) -> None:
    """Refuse an ``fc_local_d_max`` below a d that a claim reads of the local-init net
    (SYM-2d's fit up to ``conv_slope_d[1]``, SYM-2e's ratio at ``fc_over_conv_d``)."""
    from hdlearn.config import ConfigError

    d_max = block.get("fc_local_d_max")
    if d_max is None or "fc_local" not in block["breaking_archs"]:
        return
    claims = block["claims"]
    needed = max(claims["conv_slope_d"][1], claims["fc_over_conv_d"])
    if d_max < needed:
        raise ConfigError(
            f"{where}.fc_local_d_max: {d_max} is below d = {needed:g}, which the claims read "
            "of fc_local (claims.conv_slope_d[1], claims.fc_over_conv_d); allowed: null or an "
            f"integer >= {needed:g}"
        )


def expand(block: Mapping[str, Any], presets: Mapping[str, Any]) -> dict[str, dict[str, dict]]:
    """``{experiment: {cell_name: spec}}`` from the paper's config block (module docstring).

    Baseline series are the *same cells* as the ``parity`` rows they equal (same spec, same file),
    so they are computed once and shared between experiments.
    """
    protocol = {**presets[block["preset"]], **block.get("hyper", {})}
    seeds = list(block["seeds"])

    def train_cell(arch: str, depth: int, target: str, row: Mapping[str, Any]) -> dict:
        return {
            "paper": PAPER,
            "kind": "train",
            "arch": arch,
            "depth": int(depth),
            "target": target,
            "k": int(row["k"]),
            "d": sorted(int(d) for d in row["d"]),
            "cap": int(row["cap"]),
            "protocol": {key: protocol[key] for key in PROTOCOL_KEYS[arch]},
            "seeds": seeds,
        }

    def named(specs: list[dict]) -> dict[str, dict]:
        return {_cell_name(spec): spec for spec in specs}

    parity = {int(row["k"]): train_cell("fc", 2, "parity", row) for row in block["parity"]}
    out: dict[str, dict[str, dict]] = {"parity": named(list(parity.values()))}
    breakers = [train_cell(arch, 2, "parity", row) for arch in block["breaking_archs"]
                for row in _breaking_rows(block, arch)]  # fmt: skip
    breakers += [train_cell("fc_wide", 2, "parity", row) for row in block["wide_control"]]
    out["breaking"] = named(breakers + [parity[s["k"]] for s in breakers if s["k"] in parity])
    depth = block["depth"]
    deep = [
        train_cell("fc", depth_l, "parity", row)
        for depth_l in depth["depths"]
        for row in depth["rows"]
    ]
    out["depth"] = named(deep + [parity[int(r["k"])] for r in depth["rows"] if r["k"] in parity])
    stairs = [train_cell("fc", 2, row["target"], row) for row in block["staircase"]]
    baseline = [parity[3]] if 3 in parity else []
    out["staircase"] = named(stairs + baseline)
    eq = dict(block["equivariance"])
    eq_spec = {
        "paper": PAPER,
        "kind": "equivariance",
        **eq,
        "protocol": {key: protocol[key] for key in ("batch", "eta", "first_bias")},
        "seeds": seeds,
    }
    out["equivariance"] = named([eq_spec])
    return out


def cost(spec: Mapping[str, Any]) -> Cost:
    """A cell's :class:`~hdlearn.cost.Cost` (``work``: 6 multiply-adds per weight and sample of
    every online step up to the cap, at every d and for every seed; ``bytes``: the float32
    weights of every member). The kind is the architecture and depth (``fc2``, ``conv2``)."""
    members, protocol = len(spec["seeds"]), spec["protocol"]
    if spec["kind"] == "equivariance":
        weights = spec["width"] * spec["d"]
        return Cost("equivariance", 6.0 * 4 * spec["steps"] * protocol["batch"] * weights,
                    8.0 * 4 * weights)  # fmt: skip
    arch, depth = spec["arch"], spec["depth"]
    weights = []
    for d in spec["d"]:
        if arch == "fc":
            width = protocol["width"]
            weights.append(width * d + (depth - 2) * width * width + width)
        elif arch in ("fc_local", "fc_wide"):
            weights.append(protocol["channels"] * d * (d + 1))
        else:  # conv: channels filters of size k at each of d positions
            weights.append(protocol["channels"] * spec["k"] * d)
    work = 6.0 * members * spec["cap"] * protocol["batch"] * sum(weights)
    return Cost(f"{arch}{depth}", work, 4.0 * members * max(weights))
