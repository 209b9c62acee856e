"""Replicates: every paper's grids again, on seed sets disjoint from the main run's.

A *run* is a scale (``default``) or a replicate of it (``default/replicate-2``); its files live
under ``results/<run>/``, so a replicate shares no cell with the main run or with another
replicate. Replicate ``j`` (``1 <= j <= replicates.count``) adds ``j * replicates.seed_stride``
to every seed of every paper block (every list under a key named ``seeds``, at any depth).
Since the config validator keeps every configured seed, pilot seed included, below
``seed_stride``, the seeds of replicate ``j`` lie in ``[j S, (j + 1) S)``: disjoint from the
main run's, from the pilots' and from every other replicate's.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

REPLICATE = re.compile(r"^(?P<scale>[a-z]+)/replicate-(?P<index>[1-9][0-9]*)$")


def split_run(run: str) -> tuple[str, int]:
    """``("default", 2)`` for ``"default/replicate-2"``, ``("default", 0)`` for ``"default"``."""
    match = REPLICATE.match(run)
    return (match["scale"], int(match["index"])) if match else (run, 0)


def run_name(scale: str, index: int) -> str:
    """The run of replicate ``index`` of ``scale`` (``index = 0``: the main run)."""
    return scale if index == 0 else f"{scale}/replicate-{index}"


def seed_lists(block: Any, where: str = "") -> Iterator[tuple[str, list[int]]]:
    """``(key path, seeds)`` of every list under a key named ``seeds`` in ``block``."""
    if isinstance(block, Mapping):
        for key, value in block.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "seeds" and isinstance(value, list):
                yield path, value
            else:
                yield from seed_lists(value, path)
    elif isinstance(block, list):
        for i, value in enumerate(block):
            yield from seed_lists(value, f"{where}[{i}]")


def _shift(block: Any, offset: int) -> Any:
    if isinstance(block, Mapping):
        return {
            key: [s + offset for s in value]
            if key == "seeds" and isinstance(value, list)
            else _shift(value, offset)
            for key, value in block.items()
        }
    if isinstance(block, list):
        return [_shift(value, offset) for value in block]
    return block


def replicate_config(config: Mapping[str, Any], index: int) -> dict[str, Any]:
    """``config`` with every paper block's seeds shifted by ``index * seed_stride``."""
    out = copy.deepcopy(dict(config))
    if index == 0:
        return out
    offset = index * int(config["replicates"]["seed_stride"])
    out["scales"] = {
        scale: {paper: _shift(block, offset) for paper, block in grids.items()}
        for scale, grids in config["scales"].items()
    }
    return out
