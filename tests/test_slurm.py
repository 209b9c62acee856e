"""The smoke DAG on a real SLURM cluster, through workflow/profiles/slurm.

Needs a running cluster whose `sinfo` answers: `tests/slurm/cluster.sh start` (root) brings up
a one-node cluster on this machine, with the account `hdlearn` and the partition `debug`.
Without one the tests skip, unless HDLEARN_REQUIRE_SLURM=1 (CI), where they fail.

One module-scoped fixture runs one paper's part of the smoke DAG (PAPER: its cells, tables,
claims and figures; the whole DAG is the end-to-end test's, tests/test_workflow.py, and every
paper's jobs go through the same four rules) twice in two temporary copies of the repository,
once locally (profile `default`) and once through SLURM (profile `slurm`), and times both. The
tests check that the SLURM run built every output of that DAG, that SLURM's accounting (`sacct`)
shows its jobs COMPLETED, and that its cell tables hold the same bytes as the local run's. A
further run injects a bad value through config, so that the cells it needs raise on the node:
Snakemake must name the failed job's log and leave the finished DAG as it was. The last test
checks that paper-scale cells ask SLURM for one GPU.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from repository import copy_repository

from hdlearn.io import read_provenance

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [str(Path(sys.executable).with_name("snakemake"))]
SMOKE = ["--config", "scale=smoke"]
PROFILE = ["--workflow-profile", "workflow/profiles/slurm"]
# Poll SLURM every few seconds, not every 40 s (the plugin's default, kind to big clusters).
FAST_POLL = ["--slurm-init-seconds-before-status-checks", "2"]
#: The paper whose smoke DAG runs on the cluster, and that DAG's targets: its claims table
#: and every figure of it.
PAPER = "symmetry"
TARGETS = [
    f"results/smoke/claims/{PAPER}.parquet",
    *(f"results/smoke/figures/{path.stem}.png"
      for path in sorted((ROOT / "workflow" / "notebooks" / PAPER).glob("*.ipynb"))),
]  # fmt: skip


def _cluster_problem() -> str | None:
    """Why no SLURM cluster can be used here, or None."""
    if shutil.which("sinfo") is None:
        return "`sinfo` is not installed"
    try:
        subprocess.run(["sinfo"], capture_output=True, check=True, timeout=20)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        return f"`sinfo` fails: {error}"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return 'the plugin is not installed: pip install -e ".[slurm]"'
    return None


PROBLEM = _cluster_problem()
if PROBLEM and os.environ.get("HDLEARN_REQUIRE_SLURM") == "1":
    raise RuntimeError(f"HDLEARN_REQUIRE_SLURM=1 but no SLURM cluster: {PROBLEM}")
pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(
        PROBLEM is not None,
        reason=f"no SLURM cluster ({PROBLEM}); start one: sudo tests/slurm/cluster.sh start",
    ),
]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # the cluster of tests/slurm/cluster.sh; a real cluster's values win when set
    env.setdefault("SBATCH_ACCOUNT", "hdlearn")
    env.setdefault("SBATCH_PARTITION", "debug")
    return env


def _snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        ["nice", "-n", "10", *SNAKEMAKE, *SMOKE, *args],
        cwd=workdir, capture_output=True, text=True, env=_env(),
    )  # fmt: skip
    if check and done.returncode != 0:
        pytest.fail(f"snakemake {' '.join(args)} failed:\n{done.stderr[-6000:]}")
    return done


def _run_id(output: str) -> str:
    """The SLURM run ID the plugin printed: it names every job of that Snakemake run."""
    match = re.search(r"SLURM run ID: ([0-9a-f-]{36})", output)
    assert match, output[-3000:]
    return match.group(1)


def _sacct(since: str, run_id: str) -> pd.DataFrame:
    """The jobs of one Snakemake run, as SLURM's accounting (slurmdbd) records them."""
    out = subprocess.run(
        ["sacct", "-X", "--parsable2", "--noheader", "--starttime", since,
         "--format=JobIDRaw,JobName,State,ExitCode,NodeList,Account,Partition"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = [line.split("|") for line in out.splitlines() if line]
    columns = ["job", "name", "state", "exit_code", "node", "account", "partition"]
    jobs = pd.DataFrame(rows, columns=columns)
    return jobs[jobs["name"] == run_id]


def _data_bytes(path: Path) -> dict[str, bytes]:
    """A table's data, column by column, as raw bytes (its metadata, with run times, left out)."""
    frame = pq.read_table(path).to_pandas()
    out = {}
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype.kind in "biufc":
            out[column] = np.ascontiguousarray(values).tobytes()
        else:
            out[column] = repr(values.tolist()).encode()
    return out


def _digests(root: Path) -> dict[Path, str]:
    return {
        path.relative_to(root): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("slurm")
    local, cluster = copy_repository(base / "local"), copy_repository(base / "cluster")
    since = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")

    start = time.time()
    _snakemake(local, "--workflow-profile", "workflow/profiles/default", "--cores", "2", *TARGETS)
    local_seconds = time.time() - start

    start = time.time()
    finished = _snakemake(cluster, *PROFILE, *FAST_POLL, *TARGETS)
    cluster_seconds = time.time() - start
    # for the record (pytest -rP shows it with the first test)
    print(f"\n{PAPER} smoke DAG: local {local_seconds:.0f} s, SLURM {cluster_seconds:.0f} s")
    return {
        "local": local, "cluster": cluster, "since": since, "log": finished.stderr,
        "local_seconds": local_seconds, "cluster_seconds": cluster_seconds,
    }  # fmt: skip


def test_every_output_of_the_dag_exists(runs):
    summary = _snakemake(runs["cluster"], *PROFILE, "--summary", *TARGETS).stdout
    rows = [line.split("\t") for line in summary.splitlines()[1:] if line.strip()]
    assert len(rows) > 10
    for row in rows:
        path, status = runs["cluster"] / row[0], row[4]
        assert path.is_file() and path.stat().st_size > 0, row[0]
        assert status == "ok", row
    again = _snakemake(runs["cluster"], *PROFILE, "-n", *TARGETS)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_sacct_shows_the_jobs_completed_on_the_node(runs):
    cells = sorted((runs["cluster"] / "results" / "smoke" / "cells").rglob("*.parquet"))
    figures = sorted((runs["cluster"] / "results" / "smoke" / "notebooks").glob("*.ipynb"))
    jobs = _sacct(runs["since"], _run_id(runs["log"]))
    assert len(jobs) == len(cells) + len(figures), jobs.to_string()
    assert (jobs["state"] == "COMPLETED").all(), jobs.to_string()
    assert (jobs["exit_code"] == "0:0").all()
    assert set(jobs["account"]) == {_env()["SBATCH_ACCOUNT"]}
    assert set(jobs["partition"]) == {_env()["SBATCH_PARTITION"]}
    # each cell records where it ran: host, SLURM job, device
    recorded = {read_provenance(path)["slurm_job_id"] for path in cells}
    assert recorded <= set(jobs["job"]) and len(recorded) == len(cells)
    assert {read_provenance(path)["device"] for path in cells} == {"cpu"}


def test_cell_tables_are_bit_identical_to_a_local_run(runs):
    local = sorted((runs["local"] / "results" / "smoke" / "cells").rglob("*.parquet"))
    cluster = sorted((runs["cluster"] / "results" / "smoke" / "cells").rglob("*.parquet"))
    names = [path.relative_to(runs["local"]) for path in local]
    assert names == [path.relative_to(runs["cluster"]) for path in cluster] and names
    for name in names:
        assert _data_bytes(runs["local"] / name) == _data_bytes(runs["cluster"] / name), name
    for table in (runs["local"] / "results" / "smoke" / "tables").rglob("*.parquet"):
        twin = runs["cluster"] / table.relative_to(runs["local"])
        assert _data_bytes(table) == _data_bytes(twin), table.name
    claims = Path("results") / "smoke" / "claims" / f"{PAPER}.parquet"
    pd.testing.assert_frame_equal(
        pd.read_parquet(runs["local"] / claims), pd.read_parquet(runs["cluster"] / claims)
    )


def test_failed_cluster_job_names_its_log_and_leaves_the_dag_intact(runs, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("injects `device: cuda` as the fault: needs a node without CUDA")
    cluster = runs["cluster"]
    before = _digests(cluster / "results")
    # A schema-valid config that fails on the node: `device: cuda` where there is no CUDA, as
    # when GPU jobs land on a CPU partition. The grid (d = 20, not in the smoke grid) holds only
    # new cells, four of them, so no finished cell is scheduled again (the depth paper is not
    # the fixture's PAPER: none of its files exist yet).
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "device: cuda\nscales:\n  smoke:\n    depth:\n"
        "      sweep: {d: [20], kappas: [1.0], learners: [krr]}\n"
        "      ablation: {d: [20], kappas: [1.0], variants: []}\n"
        "      dynamics: {d: [20], kappas: [1.0], learners: [two_layer]}\n"
    )
    since = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    # Only the depth tables are asked for: `device` is a param of every cell, so a whole-DAG
    # run would re-schedule (and first delete) the finished cells of the other papers too.
    depth_tables = [f"results/smoke/tables/depth/{name}.parquet"
                    for name in ("sweep", "ablation", "dynamics", "levels")]  # fmt: skip
    # (targets after a single-valued option: --config and --configfile take several values)
    failed = _snakemake(
        cluster, *PROFILE, *depth_tables, *FAST_POLL, "--configfile", str(bad), check=False
    )
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "Error in rule cell" in output
    # each failure names the job's log, which says why, and its SLURM log, which is kept
    logs = re.findall(
        r"log: (results/smoke/logs/cell/depth/\S+\.log), (\S+/\.snakemake/slurm_logs/\S+\.log)",
        output,
    )
    assert logs, output[-3000:]
    for log, slurm_log in logs:
        assert "no CUDA device is available" in (cluster / log).read_text()
        assert "Error in rule cell" in Path(slurm_log).read_text()
    jobs = _sacct(since, _run_id(output))
    assert (jobs["state"] == "FAILED").any(), jobs.to_string()

    # nothing that existed changed, no partial or temporary file appeared, and the original
    # DAG is still complete: Snakemake has nothing to redo
    after = _digests(cluster / "results")
    assert {path: after.get(path) for path in before} == before
    new = [path for path in after if path not in before]
    assert all(path.parts[1] in {"logs", "benchmarks"} for path in new), new
    assert not [p for p in (cluster / "results").rglob("*") if p.name.endswith(".tmp")]
    again = _snakemake(cluster, *PROFILE, "-n", *TARGETS)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_paper_scale_cells_ask_the_cluster_for_one_gpu(tmp_path):
    """At paper scale the plugin turns the cell's gpu=1 into `sbatch --gpus=1`. The test node
    has no GPU, so SLURM refuses the job, and Snakemake reports the sbatch call it made. (The
    cells run on GPU nodes, not here: max_cell_memory_gb says how much memory they have.)"""
    workdir = copy_repository(tmp_path / "paper")
    refused = subprocess.run(
        [*SNAKEMAKE, *PROFILE, "--config", "scale=paper", "max_cell_memory_gb=141", "--until",
         "cell", "--jobs", "1"],
        cwd=workdir, capture_output=True, text=True, env=_env(),
    )  # fmt: skip
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    calls = re.findall(r"^\s*sbatch --parsable .*$", output, flags=re.MULTILINE)
    assert calls, output[-3000:]
    for call in calls:
        assert "--gpus=1" in call and "--mem 32000" in call and "-t 240" in call
    assert "Invalid generic resource (gres) specification" in output
