"""Cost preview: analytic cell costs, the memory refusal, and the calibrated estimate."""

import copy
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hdlearn.config import ConfigError, validate_config
from hdlearn.cost import (
    GIB,
    MODEL,
    Cost,
    calibrate,
    check_memory,
    costs,
    estimate,
    load_calibration,
    merged_config,
    model_code,
    priorities,
    recorded_code,
    render,
    save_calibration,
    stale_papers,
)
from hdlearn.papers import PAPERS, plan

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def _plan(scale="smoke", **changes):
    config = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = config
        *parents, last = dotted.split("/")
        for key in parents:
            node = node[key]
        node[last] = value
    validate_config(config, ROOT / "config" / "schema.yaml", scales=[scale])
    return plan(config, scale)


def test_every_planned_cell_of_every_scale_has_a_cost():
    for scale in ("smoke", "default", "paper"):
        for (paper, _), cost in costs(_plan(scale)).items():
            assert paper in PAPERS and cost.kind and cost.work > 0 and cost.bytes >= 0


def test_cost_grows_with_the_sizes():
    def largest(d):
        out = {}
        for (paper, _), cost in costs(_plan(**{"scales/smoke/depth/sweep/d": [d]})).items():
            if paper == "depth":
                work, need = out.get(cost.kind, (0.0, 0.0))
                out[cost.kind] = (max(work, cost.work), max(need, cost.bytes))
        return out

    small, large = largest(16), largest(64)
    assert set(small) == set(large) and len(small) == 5  # 4 learners and the levels
    for kind, (work, need) in small.items():
        assert large[kind][0] > work and large[kind][1] > need, kind


def test_a_cell_that_cannot_fit_is_refused_naming_the_block():
    huge = _plan(**{"scales/smoke/depth/sweep/d": [100_000_000]})
    with pytest.raises(ConfigError) as error:
        check_memory(huge, "smoke", 24 * GIB)
    message = str(error.value)
    assert re.search(r"config\.scales\.smoke\.depth \(sweep\): cell \S+-d100000000-", message)
    assert "max_cell_memory_gb" in message and "GiB" in message
    check_memory(_plan(), "smoke", 24 * GIB)  # the shipped smoke grid fits
    check_memory(huge, "smoke", 24 * GIB, exists=lambda paper, cell: "d100000000" in cell)


def _costed_plan(monkeypatch, kinds: dict) -> dict:
    """A plan of paper ``p`` with one cell per entry of ``kinds``, whose grid costs each cell
    at its ``Cost`` (the paper's grid module patched)."""

    class Grid:
        @staticmethod
        def cost(spec):
            return kinds[spec["name"]]

    monkeypatch.setattr("hdlearn.papers.part", lambda paper, name: Grid)
    return {"p": {"e": {name: {"name": name} for name in kinds}}}


def test_estimate_fits_each_kind_and_flags_extrapolation(monkeypatch):
    records = [("p", Cost("a", w, 1e6), 2.0 + w / 1e9, 5e8) for w in (1e8, 1e9, 1e10, 1e11)]
    calibration = calibrate(records)
    fixed, rate = calibration.fits[("p", "a")]
    assert fixed == pytest.approx(2.1) and rate == pytest.approx(1e9, rel=0.02)
    cells = _costed_plan(monkeypatch, {"x": Cost("a", 5e11, 1e9), "y": Cost("b", 1e9, 0.0)})
    (row,) = estimate(cells, calibration, cores=2)
    (only_x,) = estimate(cells, calibration, cores=2, done={("p", "y")})
    assert row["cells"] == 2 and row["extrapolated"] == 1
    assert row["longest_cell"] == "x" and row["longest_seconds"] == pytest.approx(502, rel=0.02)
    assert row["wall_seconds"] == pytest.approx(row["longest_seconds"])
    assert only_x["cells"] == 1 and only_x["extrapolated"] == 0


def test_config_is_merged_as_snakemake_merges_it(tmp_path):
    extra = tmp_path / "my.yaml"
    extra.write_text("scales:\n  smoke:\n    depth:\n      sweep: {d: [20]}\n")
    config = merged_config(ROOT, [extra], ["scale=smoke", "max_cell_memory_gb=2"])
    assert config["scale"] == "smoke" and config["max_cell_memory_gb"] == 2
    assert config["scales"]["smoke"]["depth"]["sweep"]["d"] == [20]
    assert config["scales"]["smoke"]["depth"]["sweep"]["kappas"]  # the rest kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--configfile", "nowhere.yaml"], "No such file"),
        (["--config", "scale=huge"], "config.scale: 'huge' is not allowed"),
        (["--config", "scale=smoke", "max_cell_memory_gb=0.001"], "a cell may use"),
    ],
)
def test_estimate_refuses_bad_input_in_one_line(args, message):
    done = subprocess.run([sys.executable, "-m", "hdlearn.cli", "estimate", *args], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode != 0 and message in done.stderr
    assert done.stderr.strip().startswith("hdlearn estimate:")


def _records():
    return [("p", Cost("a", w, 1e6 * w / 1e8), 2.0 + w / 1e9, 5e8 + w) for w in (1e8, 1e9, 1e10)]


def test_the_calibration_reads_back_as_written(tmp_path):
    calibration = calibrate(_records())
    path = tmp_path / "model.json"
    save_calibration(calibration, path, {"machine": "test"})
    assert load_calibration(path) == calibration
    empty = load_calibration(tmp_path / "absent.json")
    assert math.isnan(empty.time("p", Cost("a", 1e9, 0.0))[0])


def test_priorities_are_the_estimated_seconds(monkeypatch):
    cells = _costed_plan(monkeypatch, {"big": Cost("a", 1e11, 0.0),
                                       "small": Cost("a", 1e9, 0.0)})  # fmt: skip
    calibration = calibrate(_records())
    fixed, rate = calibration.fits[("p", "a")]
    ranked = priorities(cells, calibration)
    assert ranked[("p", "big")] > ranked[("p", "small")] > 0
    assert ranked[("p", "big")] == pytest.approx(fixed + 1e11 / rate, abs=0.05)
    assert set(priorities(cells, calibrate([])).values()) == {0.0}  # no model: no order


def test_the_committed_model_calibrates_every_kind_of_the_default_plan():
    calibration = load_calibration(ROOT / MODEL)
    kinds = {(paper, cost.kind) for (paper, _), cost in costs(_plan("default")).items()}
    assert kinds <= set(calibration.fits), kinds - set(calibration.fits)


def test_estimate_without_records_uses_the_committed_model(tmp_path):
    (tmp_path / "config").mkdir()
    for name in ("config.yaml", "schema.yaml"):
        (tmp_path / "config" / name).write_text((ROOT / "config" / name).read_text())
    (tmp_path / MODEL).parent.mkdir(parents=True)
    (tmp_path / MODEL).write_text((ROOT / MODEL).read_text())
    done = subprocess.run([sys.executable, "-m", "hdlearn.cli", "estimate", "--root",
                           str(tmp_path), "--config", "scale=smoke"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"calibrated on the committed model {MODEL}" in done.stdout
    assert "| all |" in done.stdout and "nan" not in done.stdout


def test_recorded_code_is_each_papers_most_common_fingerprint(tmp_path):
    import pandas as pd

    from hdlearn.io import provenance, write_table

    cells = tmp_path / "default" / "cells"
    for name, paper, code in [("a", "depth", "new"), ("b", "depth", "new"), ("c", "depth", "old"),
                              ("d", "tensor", "t1"), ("e", "unknown", "x")]:  # fmt: skip
        (cells / paper).mkdir(parents=True, exist_ok=True)
        write_table(pd.DataFrame({"v": [1.0]}), cells / paper / f"{name}.parquet",
                    provenance({"seeds": [0]}, code=code))  # fmt: skip
    assert recorded_code(tmp_path) == {"depth": "new", "tensor": "t1"}


def test_estimate_notes_the_papers_whose_code_changed_since_the_model():
    from hdlearn.fingerprint import cell_code

    recorded = {"depth": cell_code("depth"), "tensor": "an older fingerprint"}
    assert stale_papers(recorded, ["depth", "tensor", "symmetry"]) == ["tensor", "symmetry"]
    rows = [{"paper": "tensor", "cells": 1, "cpu_seconds": 10.0, "wall_seconds": 10.0,
             "longest_cell": "c", "longest_seconds": 10.0, "peak_bytes": GIB,
             "extrapolated": 0}]  # fmt: skip
    assert "Note" not in render(rows, 2, "smoke")
    note = render(rows, 2, "smoke", stale=["tensor"]).split("Note: ")[1]
    assert note.startswith("tensor: this checkout's cells run other code") and str(MODEL) in note


def test_model_code_reads_what_record_saved(tmp_path):
    path = tmp_path / "model.json"
    assert model_code(path) == {}
    save_calibration(calibrate([]), path, {"code": {"depth": "abc"}})
    assert model_code(path) == {"depth": "abc"}
    save_calibration(calibrate([]), path, {"commit": "x"})
    assert model_code(path) == {}
