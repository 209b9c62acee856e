"""The paper registry: every paper is one package ``hdlearn.papers.<paper>``.

A paper package holds everything the paper owns and nothing another paper needs:

* ``grid.py``: ``expand(block, presets) -> {experiment: {cell_name: spec}}`` and optionally
  ``check_config(block, presets, where)`` for checks the schema cannot express: pure Python
  that never imports torch, called at DAG parse time (a no-op run plans in about a second);
* ``experiment.py``: ``run_cell(spec, device) -> tidy DataFrame``, the paper's training code;
* ``analysis.py``: the statistics its claims and figures read;
* ``claims.py``: ``claims(settings) -> [Claim]`` and ``select_rows(tables) -> DataFrame``;
  it never imports ``experiment.py``;
* ``schema.yaml``: its config schema fragment (``preset``, ``block`` and ``$defs``, see
  :func:`hdlearn.config.compose_schema`);
* ``figures.yaml``: its figures (tables, claims, settings, caption); each figure's notebook
  is ``workflow/notebooks/<paper>/<figure>.ipynb``;
* optionally ``plotting.py`` (its drawing helpers) and other modules only it uses.

Adding a paper is adding its package, its notebooks, its block in ``config/config.yaml`` and
one name in :data:`PAPERS`. No paper package imports another.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

#: The registered papers, in scorecard order.
PAPERS: tuple[str, ...] = ("depth", "representation", "symmetry", "tensor")

ROOT = Path(__file__).resolve().parent


def package_dir(paper: str) -> Path:
    """The folder of a paper's package."""
    check_paper(paper)
    return ROOT / paper


def check_paper(paper: str) -> None:
    """Raise ``KeyError`` naming the registered papers when ``paper`` is not one of them."""
    if paper not in PAPERS:
        raise KeyError(f"unknown paper {paper!r}; registered papers: {', '.join(PAPERS)}")


def part(paper: str, name: str) -> ModuleType:
    """The module ``hdlearn.papers.<paper>.<name>`` (``grid``, ``experiment``, ``analysis``,
    ``claims``)."""
    check_paper(paper)
    return importlib.import_module(f"{__name__}.{paper}.{name}")


def papers_at(config: Mapping[str, Any], scale: str) -> list[str]:
    """The registered papers that have a block at ``scale`` (a paper may be absent)."""
    return [paper for paper in PAPERS if paper in config["scales"].get(scale, {})]


def plan(config: Mapping[str, Any], scale: str) -> dict[str, dict[str, dict[str, dict]]]:
    """``{paper: {experiment: {cell_name: cell_spec}}}`` for ``scale`` of a validated config,
    over the papers present at that scale."""
    grids = config["scales"][scale]
    return {
        paper: part(paper, "grid").expand(grids[paper], config["presets"].get(paper, {}))
        for paper in papers_at(config, scale)
    }


def figures(papers: tuple[str, ...] | list[str] = PAPERS) -> dict[str, dict[str, Any]]:
    """``{figure: entry}`` of every paper's ``figures.yaml``, each entry with its ``paper``;
    a figure name used by two papers is an error (figures share one results folder)."""
    import yaml

    out: dict[str, dict[str, Any]] = {}
    for paper in papers:
        path = package_dir(paper) / "figures.yaml"
        for name, entry in (yaml.safe_load(path.read_text()) or {}).items():
            if name in out:
                raise ValueError(
                    f"{path}: figure {name!r} is also a figure of {out[name]['paper']}"
                )
            out[name] = {**entry, "paper": paper}
    return out


def setting(config: Mapping[str, Any], scale: str, paper: str, key: str) -> Any:
    """The value a figure draws for one ``settings`` entry of its ``figures.yaml``:

    * ``key``: the paper's claims block at ``scale`` (``claims.<key>``);
    * ``preset.<key>``: the protocol the scale runs, its preset with the block's ``hyper``
      overrides (e.g. ``preset.width``);
    * ``block.<path>``: any value of the paper's block at ``scale``, ``.``-separated
      (e.g. ``block.target.eps1``).

    Raises ``KeyError`` naming the key when the value does not exist.
    """
    block = config["scales"][scale][paper]
    if key.startswith("preset."):
        name = key.removeprefix("preset.")
        protocol = {**config["presets"][paper][block["preset"]], **block.get("hyper", {})}
        if name not in protocol:
            raise KeyError(f"{key}: not a key of the {paper} preset (allowed: {sorted(protocol)})")
        return protocol[name]
    if key.startswith("block."):
        value: Any = block
        for name in key.removeprefix("block.").split("."):
            if not isinstance(value, Mapping) or name not in value:
                raise KeyError(f"{key}: scales.{scale}.{paper} has no {name!r}")
            value = value[name]
        return value
    if key not in block["claims"]:
        allowed = ", ".join(sorted(block["claims"]))
        raise KeyError(f"{key}: not a key of scales.{scale}.{paper}.claims (allowed: {allowed})")
    return block["claims"][key]
