"""Compare two results folders of one scale, content by content (not bytes of metadata).

    python tests/tools/compare_results.py OLD/results/default NEW/results/default \
        [--series OLD_SERIES_DIR NEW_SERIES_DIR]

Cells and tables: the same file names, and every parquet frame equal (``DataFrame.equals``:
values, dtypes, column order). ``claims.csv``: every column equal, floats read back exactly
(NaN equals NaN). Figure data series (written by ``tests/tools/sitecustomize.py``): per
figure, whether every series of the old figure is drawn, with the same numbers, in the new one.
Prints one line per check and exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import pandas as pd


def _frames(old: Path, new: Path, folder: str) -> tuple[str, bool]:
    a = {p.relative_to(old) for p in (old / folder).rglob("*.parquet")}
    b = {p.relative_to(new) for p in (new / folder).rglob("*.parquet")}
    if a != b:
        return f"{folder}: file names differ: only old {sorted(a - b)[:5]}, only new " \
               f"{sorted(b - a)[:5]}", False  # fmt: skip
    unequal = [str(p) for p in sorted(a) if not pd.read_parquet(old / p).equals(
        pd.read_parquet(new / p))]  # fmt: skip
    if unequal:
        return f"{folder}: {len(unequal)} of {len(a)} frames differ: {unequal[:5]}", False
    return f"{folder}: {len(a)} files, same names, every frame equal", True


def _claims(old: Path, new: Path) -> tuple[str, bool]:
    a = pd.read_csv(old / "claims.csv", float_precision="round_trip")
    b = pd.read_csv(new / "claims.csv", float_precision="round_trip")
    if a.equals(b):
        return f"claims.csv: {len(a)} rows, every column equal", True
    return "claims.csv: differs:\n" + a.compare(b).to_string(), False


def _series(old: Path, new: Path) -> tuple[str, bool]:
    lines, ok = [], True
    for path in sorted(old.glob("*.json")):
        other = new / path.name
        if not other.exists():
            lines.append(f"  {path.stem}: missing in the new run")
            ok = False
            continue
        a = Counter(json.dumps(s) for s in _flatten(json.loads(path.read_text())))
        b = Counter(json.dumps(s) for s in _flatten(json.loads(other.read_text())))
        missing = a - b
        if missing:
            ok = False
            lines.append(f"  {path.stem}: {sum(missing.values())} of {sum(a.values())} old "
                         "series not drawn identically")  # fmt: skip
        else:
            extra = sum((b - a).values())
            lines.append(f"  {path.stem}: all {sum(a.values())} series identical"
                         + (f" (+{extra} new)" if extra else ""))  # fmt: skip
    return "figure series:\n" + "\n".join(lines), ok


def _flatten(figure: list[dict]) -> list:
    out = []
    for axes in figure:
        out += [("line", s) for s in axes["lines"] if s]
        out += [("collection", c) for c in axes["collections"] if c["offsets"] or c["paths"]]
        out += [("bar", s) for s in axes["bars"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--series", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    results = [_frames(args.old, args.new, "cells"), _frames(args.old, args.new, "tables"),
               _claims(args.old, args.new)]  # fmt: skip
    if args.series:
        results.append(_series(*args.series))
    for text, _ in results:
        print(text)
    sys.exit(0 if all(ok for _, ok in results) else 1)


if __name__ == "__main__":
    main()
