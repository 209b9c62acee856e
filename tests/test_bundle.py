"""hdlearn export / import: checksums, this repository's plan, nothing written on bad input."""

import io
import json
import tarfile

import pandas as pd
import pytest

from hdlearn.bundle import BundleError, export_bundle, import_bundle
from hdlearn.io import params_hash, provenance, read_table, write_table

SPEC = {"paper": "p", "d": 16, "seeds": [0, 1]}
CELL = f"c-d16-{params_hash(SPEC)}"
PLAN = {"p": {"exp": {CELL: SPEC}}}
CELL_PATH = f"results/smoke/cells/p/{CELL}.parquet"
TABLE_PATH = "results/smoke/tables/p/exp.parquet"


def _run(root, spec=SPEC):
    write_table(pd.DataFrame({"seed": [0, 1], "value": [1.0, 2.0]}), root / CELL_PATH,
                provenance(spec))  # fmt: skip
    write_table(pd.DataFrame({"value": [1.0, 2.0]}), root / TABLE_PATH,
                provenance({"experiment": "exp", "cells": [CELL_PATH]}))  # fmt: skip
    return root


def _files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_round_trip_writes_the_same_bytes_and_keeps_what_exists(tmp_path):
    source, target = _run(tmp_path / "a"), tmp_path / "b"
    bundle = tmp_path / "smoke.tar.gz"
    manifest = export_bundle(source, "smoke", PLAN, bundle)
    assert [f["path"] for f in manifest["files"]] == [CELL_PATH, TABLE_PATH]
    report = import_bundle(target, bundle, "smoke", PLAN)
    assert report.written == [CELL_PATH, TABLE_PATH] and not report.foreign
    for rel in (CELL_PATH, TABLE_PATH):
        assert (target / rel).read_bytes() == (source / rel).read_bytes()
    # the table stays newer than its cell (mtimes travel): Snakemake reruns nothing
    assert (target / TABLE_PATH).stat().st_mtime >= (target / CELL_PATH).stat().st_mtime
    again = import_bundle(target, bundle, "smoke", PLAN)
    assert again.kept == [CELL_PATH, TABLE_PATH] and not again.written


def test_a_cell_of_another_config_is_foreign_and_skipped(tmp_path):
    source = _run(tmp_path / "a", spec={**SPEC, "d": 32})  # same name, other parameters
    bundle = tmp_path / "smoke.tar.gz"
    export_bundle(source, "smoke", PLAN, bundle)
    report = import_bundle(tmp_path / "b", bundle, "smoke", PLAN)
    assert [path for path, _ in report.foreign] == [CELL_PATH]
    assert "parameters differ" in report.foreign[0][1]
    assert report.written == [TABLE_PATH]
    other = {"p": {"exp": {}}}  # a plan without that cell, and a table of other cells
    report = import_bundle(tmp_path / "c", bundle, "smoke", other)
    assert {path for path, _ in report.foreign} == {CELL_PATH, TABLE_PATH}


def _tampered(bundle, out, change):
    with tarfile.open(bundle, "r:gz") as tar, tarfile.open(out, "w:gz") as new:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == CELL_PATH:
                data = change(data)
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda b, out: _tampered(b, out, lambda d: d[:-10]), "truncated or tampered"),
        (lambda b, out: _tampered(b, out, lambda d: d[:100] + b"x" + d[101:]), "tampered"),
        (lambda b, out: out.write_bytes(b.read_bytes()[:300]), "not a readable bundle"),
        (lambda b, out: out.write_text("not a tar"), "not a readable bundle"),
    ],
)
def test_a_damaged_bundle_is_refused_and_nothing_is_written(tmp_path, make, message):
    bundle = tmp_path / "smoke.tar.gz"
    export_bundle(_run(tmp_path / "a"), "smoke", PLAN, bundle)
    damaged = tmp_path / "damaged.tar.gz"
    make(bundle, damaged)
    target = tmp_path / "b"
    target.mkdir()
    with pytest.raises(BundleError, match=message):
        import_bundle(target, damaged, "smoke", PLAN)
    assert _files(target) == []


def test_wrong_scale_and_missing_bundle_are_named(tmp_path):
    bundle = tmp_path / "smoke.tar.gz"
    export_bundle(_run(tmp_path / "a"), "smoke", PLAN, bundle)
    with pytest.raises(BundleError, match="a bundle of scale 'smoke', not 'default'"):
        import_bundle(tmp_path / "b", bundle, "default", PLAN)
    with pytest.raises(BundleError, match="no such bundle"):
        import_bundle(tmp_path / "b", tmp_path / "nowhere.tar.gz", "smoke", PLAN)
    with pytest.raises(BundleError, match="no cell or table"):
        export_bundle(tmp_path / "empty", "smoke", PLAN, tmp_path / "x.tar.gz")
    manifest = json.loads(tarfile.open(bundle).extractfile("manifest.json").read())
    assert manifest["scale"] == "smoke" and len(manifest["files"]) == 2
    assert read_table(tmp_path / "a" / CELL_PATH)["value"].tolist() == [1.0, 2.0]
