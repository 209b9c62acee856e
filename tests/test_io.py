"""Atomic writes and provenance."""

import os
import platform
import stat

import pandas as pd
import pytest
import yaml

from hdlearn import io
from hdlearn.io import (
    atomic_write_text,
    params_hash,
    provenance,
    read_provenance,
    write_table,
    yaml_line,
)


def test_params_hash_ignores_key_order_and_sees_values():
    assert params_hash({"a": 1, "b": [1, 2]}) == params_hash({"b": [1, 2], "a": 1})
    assert params_hash({"a": 1}) != params_hash({"a": 2})
    assert len(params_hash({})) == 10


def test_write_table_round_trip_with_provenance(tmp_path):
    frame = pd.DataFrame({"seed": [0, 1], "value": [0.5, 0.25]})
    path = tmp_path / "sub" / "cell.parquet"
    write_table(frame, path, provenance({"d": 32}, device="cpu", seeds=[0, 1]))
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)
    record = read_provenance(path)
    assert record["params"] == {"d": 32} and record["seeds"] == [0, 1]
    assert record["params_hash"] == params_hash({"d": 32})
    assert {"torch", "pandas", "python"} <= set(record["versions"])
    assert record["host"] == platform.node() and record["device"] == "cpu"
    assert list(path.parent.iterdir()) == [path]


def test_provenance_records_the_slurm_job(monkeypatch):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    assert "slurm_job_id" not in provenance({})
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    assert provenance({})["slurm_job_id"] == "42"


def test_failed_write_leaves_nothing_and_stale_temporaries_are_removed(tmp_path, monkeypatch):
    path = tmp_path / "claims.md"
    stale = tmp_path / ".claims.md.abc123.tmp"
    stale.write_text("half")

    def crash(*args):
        raise RuntimeError("killed before the rename")

    monkeypatch.setattr("hdlearn.io.os.replace", crash)
    with pytest.raises(RuntimeError):
        atomic_write_text("x", path)
    assert list(tmp_path.iterdir()) == []  # neither the output nor any temporary file
    monkeypatch.undo()
    atomic_write_text("done\n", path)
    assert path.read_text() == "done\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.md"]


def test_compute_summary_counts_jobs_without_benchmark(tmp_path):
    from hdlearn.cli import summarise_benchmarks

    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for name, (s, rss, cpu) in {"a.tsv": (2.0, 100.0, 1.5), "b.tsv": (3.0, 250.0, 2.5)}.items():
        line = f"{s}\t0:00:0{s:.0f}\t{rss}\t1\t1\t1\t0\t0\t0\t{cpu}\n"
        (tmp_path / name).write_text(header + line)
    row = summarise_benchmarks("fig", [tmp_path / "a.tsv", tmp_path / "b.tsv", tmp_path / "c.tsv"])
    assert row == {"figure": "fig", "jobs": 2, "jobs_unmeasured": 1, "wall_seconds": 5.0,
                   "cpu_seconds": 4.0, "peak_rss_mb": 250.0}  # fmt: skip


def test_yaml_line_reads_back_exactly():
    """papermill's ``-y``: 1e-10 must stay a float (JSON's 1e-10 is a YAML string)."""
    values = {"exact_max": 1e-10, "fit": [20, 160], "metric": "risk_cvopt", "level": 0.9, "k": 1}
    line = yaml_line(values)
    assert "\n" not in line and yaml.safe_load(line) == values


def test_written_files_follow_the_umask_not_the_temporary_file_mode(tmp_path):
    """Results on a shared file system must be readable as the user's umask allows (mkstemp's
    temporary files are 0600)."""
    path = tmp_path / "table.txt"
    previous = os.umask(0o022)
    try:
        io.file_mode.cache_clear()
        atomic_write_text("x", path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o077)
        io.file_mode.cache_clear()
        atomic_write_text("y", path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(previous)
        io.file_mode.cache_clear()
