"""hdlearn compare: verdicts, values and cells that changed between two runs."""

import math
import re
import subprocess
import sys

import pandas as pd
import pytest

from hdlearn.compare import CompareError, compare, to_markdown, to_text
from hdlearn.io import provenance, write_table

COLUMNS = ["claim_id", "verdict", "value", "ci_low", "ci_high"]


def _card(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def _run(root, card, cells=()):
    root.mkdir(parents=True)
    card.to_csv(root / "claims.csv", index=False)
    for paper, name, params in cells:
        write_table(pd.DataFrame({"x": [1.0]}), root / "cells" / paper / f"{name}.parquet",
                    provenance(params))  # fmt: skip
    return root


A = _card([
    ("X-1", "PASS", 1.0, 0.9, 1.1),
    ("X-2", "INCONCLUSIVE", 0.5, 0.2, 0.8),
    ("X-3", "CHECK ok", 1e-12, math.nan, math.nan),
    ("X-4", "PASS", 2.0, 1.8, 2.2),
])  # fmt: skip
B = _card([
    ("X-1", "PASS", 1.05, 0.95, 1.15),   # moved, but inside each other's interval
    ("X-2", "FAIL", 0.1, 0.05, 0.15),    # verdict changed and moved
    ("X-3", "CHECK ok", 2e-12, math.nan, math.nan),  # no interval: any change moves
    ("X-5", "PASS", 3.0, 2.9, 3.1),      # new claim
])  # fmt: skip


def test_verdicts_values_and_cells_that_changed(tmp_path):
    a = _run(tmp_path / "a", A, [("p", "sweep-d16-0123456789", {"d": 16, "hyper": {"lr": 1.0}}),
                                 ("p", "only-a-aaaaaaaaaa", {"d": 1})])  # fmt: skip
    b = _run(tmp_path / "b", B, [("p", "sweep-d16-abcdefabcd", {"d": 16, "hyper": {"lr": 0.5}})])
    result = compare(a, b)
    assert result.verdicts.set_index("claim_id")[["verdict_a", "verdict_b"]].to_dict("index") == {
        "X-2": {"verdict_a": "INCONCLUSIVE", "verdict_b": "FAIL"},
        "X-4": {"verdict_a": "PASS", "verdict_b": "-"},
        "X-5": {"verdict_a": "-", "verdict_b": "PASS"},
    }
    assert list(result.values["claim_id"]) == ["X-2", "X-3"]
    assert result.values.set_index("claim_id").loc["X-2", "shift"] == pytest.approx(-0.4)
    cells = result.cells.set_index("series")
    assert cells.loc["sweep-d16", "changed"] == "hyper.lr: 1.0 -> 0.5"
    assert (cells.loc["only-a", "only_a"], cells.loc["only-a", "only_b"]) == (1, 0)
    markdown = to_markdown(result)
    assert "## Verdicts that changed (3 of 5 claims)" in markdown
    assert "| X-2 | INCONCLUSIVE | FAIL | 0.5 | 0.1 |" in markdown
    assert "hyper.lr: 1.0 -> 0.5" in to_text(result)


def test_identical_runs_have_nothing_to_report(tmp_path):
    a = _run(tmp_path / "a", A)
    result = compare(a, a / "claims.csv")
    assert result.verdicts.empty and result.values.empty and result.cells is None
    assert "no verdict changed" in to_markdown(result)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root / "nowhere", "no such file or folder"),
        (lambda root: root.mkdir() or root, "no claims.csv in this folder"),
        (lambda root: (root.write_text("a,b\n1,2\n"), root)[1], "not a scorecard (no column"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, make, message):
    good = _run(tmp_path / "good", A)
    bad = make(tmp_path / "bad")
    with pytest.raises(CompareError, match=re.escape(message)):
        compare(good, bad)
    out = tmp_path / "out.md"
    done = subprocess.run(
        [sys.executable, "-m", "hdlearn.cli", "compare", str(good), str(bad), "--markdown",
         str(out)], capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0 and not out.exists()
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr


def test_cells_are_those_the_run_tables_list(tmp_path):
    """A results folder keeps the cells of earlier grids: only the cells a run's tables list
    are its cells."""
    old = ("p", "sweep-d16-0123456789", {"d": 16, "lr": 1.0})
    new = ("p", "sweep-d16-abcdefabcd", {"d": 16, "lr": 0.5})
    a = _run(tmp_path / "a", A, [old])
    b = _run(tmp_path / "b", A, [old, new])  # the old cell is still on disk
    for root, (paper, name, _) in ((a, old), (b, new)):
        listed = provenance({"cells": [f"results/smoke/cells/{paper}/{name}.parquet"]})
        write_table(pd.DataFrame({"x": [1.0]}), root / "tables" / paper / "sweep.parquet", listed)
    cells = compare(a, b).cells.set_index("series")
    assert cells.loc["sweep-d16", "changed"] == "lr: 1.0 -> 0.5"
