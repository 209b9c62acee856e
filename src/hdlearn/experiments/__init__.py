"""One module per paper: ``expand(block, presets)`` builds its cells, ``run_cell`` runs one."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from hdlearn.experiments import depth, representation, symmetry, tensor

PAPERS: dict[str, ModuleType] = {
    "depth": depth,
    "representation": representation,
    "symmetry": symmetry,
    "tensor": tensor,
}


def plan(config: Mapping[str, Any], scale: str) -> dict[str, dict[str, dict[str, dict]]]:
    """``{paper: {experiment: {cell_name: cell_spec}}}`` for ``scale`` of a validated config."""
    grids = config["scales"][scale]
    return {
        paper: module.expand(grids[paper], config["presets"][paper])
        for paper, module in PAPERS.items()
    }


def cell_specs(config: Mapping[str, Any], scale: str, paper: str) -> dict[str, dict]:
    """Every cell of ``paper`` at ``scale`` (cells shared by experiments appear once)."""
    return {
        name: spec for cells in plan(config, scale)[paper].values() for name, spec in cells.items()
    }
