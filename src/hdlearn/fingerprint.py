"""Code fingerprints: which source a cell or a figure ran, and which finished cells are stale.

A cell's fingerprint hashes the code its numbers can depend on: its paper's ``experiment``
module and every ``hdlearn`` module that it imports, transitively (found by reading the
``import`` statements, without importing anything). Each module enters as its syntax tree with
docstrings removed (``ast.dump``), so an edit of comments, docstrings or formatting keeps the
fingerprint and costs no rerun; any change of code changes it. The fingerprint is recorded in
every cell's provenance (``code``); at parse time the workflow lists, per paper, the finished
cells whose recorded fingerprint differs from the current one (README, "Code changes and
reruns"). A figure depends on the files of the ``hdlearn`` modules its notebook imports.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1]  # the folder that holds the hdlearn package
#: Modules that never determine a number: the paper registry (adding a paper must not make
#: every other paper's cells stale) and the config validator.
NOT_NUMERIC = frozenset({"hdlearn.papers", "hdlearn.config"})


def module_file(name: str) -> Path | None:
    """The source file of the ``hdlearn`` module ``name`` (a package's ``__init__.py``), or
    ``None`` when ``name`` is not an hdlearn module."""
    if name != "hdlearn" and not name.startswith("hdlearn."):
        return None
    base = SRC.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _imports(tree: ast.AST, package: str) -> set[str]:
    """The module names an AST imports (``from . import x`` resolved against ``package``);
    for ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a submodule)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``[a, a.b]``: importing a module runs its packages' ``__init__`` first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def closure(names: Iterable[str]) -> list[Path]:
    """Sorted source files of the hdlearn modules ``names`` and of everything they import."""
    todo = [n for name in names for n in (*_parents(name), name)]
    seen: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        path = module_file(name)
        if path is None or name in seen or name in NOT_NUMERIC:
            continue
        seen[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for imported in _imports(ast.parse(path.read_text()), package):
            todo.extend([*_parents(imported), imported])
    return sorted(set(seen.values()))


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def fingerprint(paths: Iterable[Path], root: Path = SRC) -> str:
    """12 hex digits of sha256 over ``(path relative to root, AST without docstrings)`` of
    every file, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        tree = _strip_docstrings(ast.parse(path.read_text()))
        digest.update(str(path.relative_to(root)).encode())
        digest.update(ast.dump(tree).encode())
    return digest.hexdigest()[:12]


def cell_code(paper: str) -> str:
    """The fingerprint of the code a cell of ``paper`` runs (its ``experiment`` closure)."""
    return fingerprint(closure([f"hdlearn.papers.{paper}.experiment"]))


def notebook_modules(notebook: Path) -> list[Path]:
    """Source files of the hdlearn modules a notebook's code cells import (transitively)."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    names: set[str] = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            lines = [line for line in source.splitlines() if not line.lstrip().startswith("%")]
            names |= _imports(ast.parse("\n".join(lines)), "")
    return closure(names)


def stale_cells(folder: Path, cells: Iterable[str], code: str) -> tuple[list[Path], int]:
    """``(stale, unrecorded)`` among the finished ``cells`` (names) in ``folder``: files whose
    provenance records a ``code`` other than ``code``, and the count of files that record none
    (written before fingerprints existed: listed apart, never rerun by default)."""
    from hdlearn.io import read_provenance

    stale, unrecorded = [], 0
    for name in cells:
        path = folder / f"{name}.parquet"
        if not path.exists():
            continue
        recorded = read_provenance(path).get("code")
        if recorded is None:
            unrecorded += 1
        elif recorded != code:
            stale.append(path)
    return stale, unrecorded


def stale_report(root: Path, cells: Mapping[str, Iterable[str]]) -> tuple[list[str], list[Path]]:
    """One line per paper with stale (or unrecorded) finished cells under ``root/<paper>/``,
    and every stale file. ``cells`` maps each paper to the names of its planned cells."""
    lines, files = [], []
    for paper, names in cells.items():
        names = list(names)
        stale, unrecorded = stale_cells(root / paper, names, cell_code(paper))
        files += stale
        if stale:
            lines.append(
                f"{paper}: {len(stale)} of {len(names)} cells ran other code than the current "
                f"{paper} experiment and the modules it imports"
            )
        if unrecorded:
            lines.append(f"{paper}: {unrecorded} cells record no code fingerprint (older runs)")
    return lines, files
