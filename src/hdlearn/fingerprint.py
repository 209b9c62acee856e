"""Code fingerprints: which source a cell or a figure ran, and which finished cells are stale.

A cell's fingerprint hashes the code its numbers can depend on: its paper's ``experiment``
module and every ``hdlearn`` module that it imports, transitively (found by reading the
``import`` statements, without importing anything). Each module enters as its syntax tree with
docstrings removed (``ast.unparse``), so an edit of comments, docstrings or formatting keeps the
fingerprint and costs no rerun; any change of code changes it. The fingerprint is recorded in
every cell's provenance (``code``); at parse time the workflow lists, per paper, the finished
cells whose recorded fingerprint differs from the current one (README, "Code changes and
reruns"). A paper's claims job and a figure depend on the files of the ``hdlearn`` modules
they import (a rerun there costs seconds, so it is automatic).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1]  # the folder that holds the hdlearn package
#: Modules that never determine a number: the paper registry (adding a paper must not make
#: every other paper's cells stale), the config validator and the cost model (a grid imports
#: its Cost; an estimate never changes a result).
NOT_NUMERIC = frozenset({"hdlearn.papers", "hdlearn.config", "hdlearn.cost"})


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
    """The module names an AST imports (``from . import x`` resolved against ``package``).
    ``from a import b`` imports ``a.b`` when that is a module, else the name ``b`` of ``a``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                names.add(submodule if module_file(submodule) is not None else base)
    return names


@functools.cache
def _module_imports(name: str, path: Path) -> frozenset[str]:
    """The imports of module ``name`` at ``path``, parsed once per process (the workflow
    takes the closures of every paper's cells, claims and figures at parse time)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return frozenset(_imports(ast.parse(path.read_text()), package))


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``[a, a.b]``: importing a module runs its packages' ``__init__`` first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def closure(names: Iterable[str]) -> list[Path]:
    """Sorted source files of the hdlearn modules ``names`` and of everything they import,
    transitively. The ``__init__.py`` of a package that is only passed through (``a`` when
    ``a.b`` is imported) is recorded but its own imports are not followed: re-exports there
    (``hdlearn.training`` re-exports the depth paper's trainer) do not tie a paper to code it
    never calls."""
    todo = [(name, True) for name in names]
    seen: dict[str, Path] = {}
    followed: set[str] = set()
    while todo:
        name, follow = todo.pop()
        path = module_file(name)
        if path is None or name in NOT_NUMERIC:
            continue
        seen[name] = path
        todo.extend((parent, False) for parent in _parents(name))
        if not follow or name in followed:
            continue
        followed.add(name)
        todo.extend((imported, True) for imported in _module_imports(name, path))
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
    """12 hex digits of sha256 over ``(path relative to root, code)`` of every file, in sorted
    order; ``code`` is the module re-written from its syntax tree without docstrings
    (``ast.unparse``), so comments, docstrings and formatting do not count, and the text is
    the same whichever Python version parses it."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        tree = _strip_docstrings(ast.parse(path.read_text()))
        digest.update(str(path.relative_to(root)).encode())
        digest.update(ast.unparse(tree).encode())
    return digest.hexdigest()[:12]


@functools.cache
def cell_code(paper: str) -> str:
    """The fingerprint of the code a cell of ``paper`` runs: the closure of its
    ``experiment`` module and of :mod:`hdlearn.runner` (device, determinism, threads)."""
    return fingerprint(closure(cell_modules(paper)))


def cell_modules(paper: str) -> list[str]:
    """The modules whose closure a cell of ``paper`` runs."""
    return ["hdlearn.runner", f"hdlearn.papers.{paper}.experiment"]


def claims_modules(paper: str) -> list[str]:
    """The modules whose closure a paper's claims job runs (its registry, the statistics it
    reads, the verdict engine and the claims table writer)."""
    return ["hdlearn.scorecard", f"hdlearn.papers.{paper}.claims"]


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
