"""Two runs side by side (``hdlearn compare A B``): what a change of config or code did.

A run is a results folder (``results/<scale>``, or a copy of it) or a scorecard
(``claims.csv``). The comparison has three parts:

* **verdicts**: the claims whose verdict differs between A and B, and the claims only one of
  them has;
* **values**: the claims whose point estimate moved by more than its interval, i.e. B's value
  lies outside A's interval ``[ci_low, ci_high]`` or A's outside B's (an identity check, which
  has no interval, moves when its value changes at all);
* **cells** (two results folders only): per paper, the cells only one run used (those its
  tables list: a results folder also keeps the cells of earlier grids), and for a cell of one
  series whose parameters differ (a cell's name is its series and a hash of its parameters)
  the parameters that differ, read from the cells' provenance.

:func:`compare` returns the three tables; :func:`to_markdown` and :func:`to_text` render them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

#: A cell's name is ``<series>-<10 hex digits of its parameters' hash>``.
_CELL_NAME = re.compile(r"^(?P<series>.+)-(?P<hash>[0-9a-f]{10})$")


class CompareError(ValueError):
    """A run that cannot be compared (missing, or neither a results folder nor a scorecard)."""


@dataclass(frozen=True)
class Run:
    """One side of a comparison: its scorecard and, for a results folder, its cells folder."""

    label: str
    claims: pd.DataFrame
    cells: Path | None


def load_run(path: str | Path) -> Run:
    """A results folder (holding ``claims.csv``) or a scorecard file; :class:`CompareError`
    naming the path otherwise."""
    path = Path(path)
    if path.is_dir():
        card, cells = path / "claims.csv", path / "cells"
        if not card.is_file():
            raise CompareError(f"{path}: no claims.csv in this folder (not a finished run)")
        return Run(str(path), _read_card(card), cells if cells.is_dir() else None)
    if path.is_file():
        return Run(str(path), _read_card(path), None)
    raise CompareError(f"{path}: no such file or folder")


def _read_card(path: Path) -> pd.DataFrame:
    try:
        card = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise CompareError(f"{path}: not a scorecard ({error})") from error
    missing = {"claim_id", "verdict", "value", "ci_low", "ci_high"} - set(card.columns)
    if missing:
        raise CompareError(f"{path}: not a scorecard (no column {', '.join(sorted(missing))})")
    return card.set_index("claim_id")


def _outside(value: float, low: float, high: float) -> bool:
    return math.isfinite(low) and math.isfinite(high) and not low <= value <= high


def verdict_changes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Claims whose verdict differs (``-`` where a run lacks the claim)."""
    ids = list(dict.fromkeys([*a.index, *b.index]))
    rows = []
    for claim in ids:
        va = a["verdict"].get(claim, "-")
        vb = b["verdict"].get(claim, "-")
        if va != vb:
            rows.append({"claim_id": claim, "verdict_a": va, "verdict_b": vb,
                         "value_a": a["value"].get(claim, math.nan),
                         "value_b": b["value"].get(claim, math.nan)})  # fmt: skip
    return pd.DataFrame(rows, columns=["claim_id", "verdict_a", "verdict_b", "value_a", "value_b"])


def value_moves(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Claims in both runs whose value moved by more than its interval (see the module
    docstring); ``shift`` is ``value_b - value_a``."""
    rows = []
    for claim in [c for c in a.index if c in b.index]:
        ra, rb = a.loc[claim], b.loc[claim]
        va, vb = float(ra["value"]), float(rb["value"])
        if math.isnan(va) and math.isnan(vb):
            continue
        intervals = [(float(ra["ci_low"]), float(ra["ci_high"])),
                     (float(rb["ci_low"]), float(rb["ci_high"]))]  # fmt: skip
        has_interval = all(math.isfinite(x) for pair in intervals for x in pair)
        if has_interval:
            moved = _outside(vb, *intervals[0]) or _outside(va, *intervals[1])
        else:
            moved = not (va == vb or (math.isnan(va) and math.isnan(vb)))
        if moved:
            rows.append({
                "claim_id": claim, "value_a": va, "ci_a": _interval(*intervals[0]),
                "value_b": vb, "ci_b": _interval(*intervals[1]), "shift": vb - va,
            })  # fmt: skip
    columns = ["claim_id", "value_a", "ci_a", "value_b", "ci_b", "shift"]
    return pd.DataFrame(rows, columns=columns)


def _interval(low: float, high: float) -> str:
    return f"[{low:.3g}, {high:.3g}]" if math.isfinite(low) and math.isfinite(high) else "-"


def _run_cells(folder: Path) -> list[Path]:
    """The cells a run used (:func:`hdlearn.io.tables_cells`), else every cell file in
    ``folder`` (a cells folder without tables)."""
    from hdlearn.io import tables_cells

    return tables_cells(folder.parent) or sorted(folder.glob("*/*.parquet"))


def _cells(folder: Path) -> dict[tuple[str, str], dict[str, Path]]:
    """``{(paper, series): {hash: path}}`` of the cells a run used (:func:`_run_cells`)."""
    out: dict[tuple[str, str], dict[str, Path]] = {}
    for path in _run_cells(folder):
        match = _CELL_NAME.match(path.stem)
        series, digest = (match["series"], match["hash"]) if match else (path.stem, "")
        out.setdefault((path.parent.name, series), {})[digest] = path
    return out


def _flatten(params: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(params, dict):
        out: dict[str, Any] = {}
        for key, value in params.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: params}


def _params(path: Path) -> dict[str, Any]:
    from hdlearn.io import read_provenance

    return _flatten(read_provenance(path).get("params", {}))


def cell_changes(a: Path, b: Path) -> pd.DataFrame:
    """Per paper and series, the cells only one run has; where both runs have exactly one
    cell of a series and their hashes differ, the parameters that differ (``key: A -> B``)."""
    ca, cb = _cells(a), _cells(b)
    rows = []
    for paper, series in sorted(set(ca) | set(cb)):
        ha, hb = ca.get((paper, series), {}), cb.get((paper, series), {})
        only_a, only_b = sorted(set(ha) - set(hb)), sorted(set(hb) - set(ha))
        if not only_a and not only_b:
            continue
        changed = ""
        if len(only_a) == 1 and len(only_b) == 1:
            pa, pb = _params(ha[only_a[0]]), _params(hb[only_b[0]])
            changed = "; ".join(
                f"{key}: {pa.get(key, '-')} -> {pb.get(key, '-')}"
                for key in sorted(set(pa) | set(pb))
                if pa.get(key, "-") != pb.get(key, "-")
            )
        rows.append({"paper": paper, "series": series, "only_a": len(only_a),
                     "only_b": len(only_b), "changed": changed})  # fmt: skip
    return pd.DataFrame(rows, columns=["paper", "series", "only_a", "only_b", "changed"])


@dataclass(frozen=True)
class Comparison:
    a: Run
    b: Run
    verdicts: pd.DataFrame
    values: pd.DataFrame
    cells: pd.DataFrame | None  # None unless both runs are results folders


def compare(a: str | Path, b: str | Path) -> Comparison:
    """Compare run ``a`` (the baseline) with run ``b``."""
    ra, rb = load_run(a), load_run(b)
    cells = cell_changes(ra.cells, rb.cells) if ra.cells and rb.cells else None
    return Comparison(ra, rb, verdict_changes(ra.claims, rb.claims),
                      value_moves(ra.claims, rb.claims), cells)  # fmt: skip


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.3g}"
    return str(value).replace("|", "\\|")


def _table(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in frame.itertuples(False)]
    return lines


def _sections(result: Comparison) -> list[tuple[str, pd.DataFrame | None, str]]:
    n = len(result.a.claims.index.union(result.b.claims.index))
    return [
        (f"Verdicts that changed ({len(result.verdicts)} of {n} claims)", result.verdicts,
         "no verdict changed"),
        (f"Values that moved beyond their interval ({len(result.values)})", result.values,
         "no value moved beyond its interval"),
        ("Cells that differ in config", result.cells, "the same cells"),
    ]  # fmt: skip


def to_markdown(result: Comparison) -> str:
    """The comparison as Markdown: a heading, then one section (a table or a line) per part."""
    lines = [f"# {result.a.label} (A) against {result.b.label} (B)", ""]
    for title, frame, empty in _sections(result):
        lines += [f"## {title}", ""]
        if frame is None:
            lines += ["(only compared between two results folders)", ""]
        elif frame.empty:
            lines += [empty, ""]
        else:
            lines += [*_table(frame), ""]
    return "\n".join(lines)


def to_text(result: Comparison) -> str:
    """The comparison for a terminal: each part as an aligned plain-text table."""
    lines = [f"A: {result.a.label}", f"B: {result.b.label}", ""]
    for title, frame, empty in _sections(result):
        lines.append(title + ":")
        if frame is None:
            lines.append("  (only compared between two results folders)")
        elif frame.empty:
            lines.append(f"  {empty}")
        else:
            shown = frame.map(lambda v: _fmt(v).replace("\\|", "|"))
            lines += ["  " + line for line in shown.to_string(index=False).splitlines()]
        lines.append("")
    return "\n".join(lines)
