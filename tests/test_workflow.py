"""End to end: the whole DAG at smoke scale in a temporary copy of the repository.

One module-scoped run serves every check: it is first interrupted (the process group killed)
once a few cells are done, then finished; afterwards a second invocation must have nothing to
do, a changed grid value must rerun only the cells that depend on it, a changed claim
setting only the figures that draw it, and the report builds.
"""

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from repository import copy_repository

from hdlearn.papers import PAPERS, figures

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [str(Path(sys.executable).with_name("snakemake"))]
FIGURE_SPECS = figures()
FIGURES = list(FIGURE_SPECS)
SMOKE = ["--config", "scale=smoke"]

pytestmark = pytest.mark.slow


def _snakemake(
    workdir: Path, *args: str, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SNAKEMAKE, "--cores", "2", *SMOKE, *args],
        cwd=workdir, capture_output=True, text=True, check=check, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = copy_repository(tmp_path_factory.mktemp("hdlearn"))
    cells = workdir / "results" / "smoke" / "cells"

    # 1. start, and kill the whole process group once four cells (of any paper: the longest
    # start first) have finished (of which up to two, the jobs of the two cores, may be written
    # but not yet recorded: flagged below)
    process = subprocess.Popen(
        [*SNAKEMAKE, "--cores", "2", *SMOKE], cwd=workdir, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 600
    while time.time() < deadline and len(list(cells.glob("*/*.parquet"))) < 4:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # Snakemake flags the jobs that were running when it died as incomplete: their files are
    # absent (writes are atomic) or complete but not yet recorded; those are redone.
    dry = _snakemake(workdir, "-n", check=False)
    flagged = dry.stdout + dry.stderr
    survivors = {p: p.stat().st_mtime_ns for p in cells.glob("*/*.parquet")
                 if p.name not in flagged}  # fmt: skip

    # 2. start again, as the README says after a hard kill (unlock, rerun incomplete jobs)
    _snakemake(workdir, "--unlock")
    start = time.time()
    finished = _snakemake(workdir, "--rerun-incomplete")
    return {"dir": workdir, "survivors": survivors, "seconds": time.time() - start,
            "log": finished.stderr}  # fmt: skip


def test_interrupted_run_keeps_finished_cells_and_no_partial_files(run):
    assert len(run["survivors"]) >= 2
    for path, mtime in run["survivors"].items():
        assert path.stat().st_mtime_ns == mtime, f"{path.name} was recomputed"
    leftovers = [p for p in (run["dir"] / "results").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    for path in (run["dir"] / "results").rglob("*.parquet"):
        assert len(pd.read_parquet(path)) > 0


def test_every_figure_notebook_and_scorecard_exists(run):
    results = run["dir"] / "results" / "smoke"
    for figure in FIGURES:
        for path in (f"figures/{figure}.pdf", f"figures/{figure}.png", f"notebooks/{figure}.ipynb"):
            assert (results / path).stat().st_size > 5_000, path
    claims = pd.read_csv(results / "claims.csv")
    assert {"claim_id", "paper", "statement", "value", "ci_low", "ci_high", "prediction",
            "verdict"} <= set(claims.columns)  # fmt: skip
    # every registered paper contributes its claims, each id prefixed by the paper's tag
    assert set(claims["paper"]) == set(PAPERS)
    for paper in PAPERS:
        table = pd.read_parquet(results / "claims" / f"{paper}.parquet")
        assert list(table["claim_id"]) == list(claims.loc[claims["paper"] == paper, "claim_id"])
        assert (table["n_seeds"] >= 1).all() or paper == "symmetry"  # SYM-6 is theory only
    assert claims["claim_id"].str.match(r"^[A-Z]+-[0-9]+[a-z]?$").all()
    assert len(claims[claims["paper"] == "depth"]) >= 7
    assert set(claims["verdict"]) <= {"PASS", "FAIL", "INCONCLUSIVE", "BELOW-SCALE",
                                      "THEORY-ONLY", "CHECK ok", "CHECK failed"}  # fmt: skip
    # computed verdicts: every identity holds exactly, and a claim on fewer than min_seeds
    # seeds (every depth claim at smoke scale: 2 seeds) is INCONCLUSIVE for that reason
    checks = claims[claims["kind"] == "identity"].set_index("claim_id")
    assert len(checks) >= 4 and (checks["verdict"] == "CHECK ok").all()
    config = yaml.safe_load((run["dir"] / "config" / "config.yaml").read_text())["scales"]
    assert 0 <= checks.loc["TENS-5a", "value"] <= config["smoke"]["tensor"]["claims"]["exact_error"]
    assert 0 <= checks.loc["SYM-5a", "value"] <= config["smoke"]["symmetry"]["claims"]["exact_max"]
    assert (results / "checks.txt").read_text().startswith(f"{len(checks)} identity checks ok")
    depth = claims[(claims["paper"] == "depth") & (claims["verdict"] == "INCONCLUSIVE")]
    assert (
        len(depth) >= 5
        and depth["reason"].str.startswith("CI too coarse to decide: 2 seed(s)").all()
    )
    assert (claims.loc[claims["verdict"] == "BELOW-SCALE", "reason"].str.len() > 10).all()
    assert set(claims["provenance"].dropna()) <= {"paper", "theory", "calibrated"}
    markdown = (results / "claims.md").read_text().splitlines()
    assert markdown[2].startswith("**Paper claims tested (") and markdown[4].startswith(
        "**Identity checks ("
    )
    compute = pd.read_csv(results / "compute.csv")
    assert set(compute["figure"]) == set(FIGURES) and (compute["wall_seconds"] > 0).all()
    assert "DEPTH-1" in run["log"] or "DEPTH-1" in (results / "claims.md").read_text()


def test_replication_target_plans_disjoint_replicates(run, tmp_path):
    """The replication target reruns every cell once per replicate, under its own folder,
    and nothing of the main run (dry run: its cost is the main run's cells times count)."""
    override = tmp_path / "replicates.yaml"
    override.write_text("replicates: {count: 2, seed_stride: 1000}\n")
    dry = _snakemake(run["dir"], "-n", f"--configfile={override}", "results/smoke/replication.md")
    outputs = [line.split()[-1] for line in dry.stdout.splitlines() if "output:" in line]
    main_cells = len(list((run["dir"] / "results" / "smoke" / "cells").rglob("*.parquet")))
    for j in (1, 2):
        planned = [
            path for path in outputs if path.startswith(f"results/smoke/replicate-{j}/cells/")
        ]
        assert len(set(planned)) == main_cells
    assert not [path for path in outputs if path.startswith("results/smoke/cells/")]
    assert not [path for path in outputs if "replicate-3" in path]


def test_second_invocation_has_nothing_to_do(run):
    again = _snakemake(run["dir"], "-n")
    assert "Nothing to be done" in again.stdout + again.stderr


def test_changed_grid_value_reruns_only_dependent_cells(run, tmp_path):
    override = tmp_path / "override.yaml"
    override.write_text(
        "scales:\n  smoke:\n    depth:\n      hyper:\n"
        "        stage2_epochs_coef: 1.5\n        two_layer_width_divisor: 10\n"
    )
    plan = _snakemake(run["dir"], "-n", "--configfile", str(override), "--quiet", "rules")
    counts = {}
    for line in plan.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    assert counts["cell"] == 2  # the two_layer row cells: d in {16, 24}, every kappa in one
    assert counts["aggregate"] == 1  # only the sweep table holds 2-layer cells


def test_changed_claim_setting_reruns_only_its_papers_claims_and_figures(run, tmp_path):
    override = tmp_path / "override.yaml"
    override.write_text(
        "scales:\n  smoke:\n    symmetry:\n      claims:\n        min_learned: 0.5\n"
    )
    plan = _snakemake(run["dir"], "-n", "--configfile", str(override))
    redrawn = {
        line.split("figure=")[1].strip()
        for line in plan.stdout.splitlines()
        if "wildcards:" in line and "figure=" in line
    }
    symmetry = {name for name, spec in FIGURE_SPECS.items() if spec["paper"] == "symmetry"}
    assert redrawn == symmetry
    assert "rule cell:" not in plan.stdout and "rule claims:" in plan.stdout
    assert plan.stdout.count("rule claims:") == 1 and "paper=symmetry" in plan.stdout


def test_code_edit_lists_stale_cells_of_the_papers_it_touches(run, tmp_path):
    """A code edit in the tensor experiment makes only tensor cells stale; a comment-only
    edit of the depth experiment and of a shared module makes none."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    papers = src / "hdlearn" / "papers"
    with open(papers / "tensor" / "experiment.py", "a") as handle:
        handle.write("\n\ndef _unused() -> int:\n    return 1\n")
    for path in (papers / "depth" / "experiment.py", src / "hdlearn" / "seeding.py"):
        path.write_text("# a comment-only edit\n" + path.read_text())
    env = {**os.environ, "PYTHONPATH": str(src)}
    plan = _snakemake(run["dir"], "-n", env=env)
    lines = [line for line in plan.stderr.splitlines() if line.startswith("hdlearn: ")]
    assert any(line.startswith("hdlearn: tensor: ") and "ran other code" in line for line in lines)
    assert not any(line.startswith(("hdlearn: depth", "hdlearn: symmetry")) for line in lines)
    listing = run["dir"] / "results" / "smoke" / "stale_cells.txt"
    stale = listing.read_text().split()
    tensor_cells = list((run["dir"] / "results" / "smoke" / "cells" / "tensor").glob("*.parquet"))
    assert sorted(stale) == sorted(str(p.relative_to(run["dir"])) for p in tensor_cells)
    forced = _snakemake(run["dir"], "-n", "--forcerun", *stale, "--quiet", "rules", env=env)
    counts = {}
    for line in forced.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    assert counts["cell"] == len(stale) and counts["claims"] == 1  # the tensor paper only
    # back to the current code: nothing is stale, and the listing is gone
    again = _snakemake(run["dir"], "-n")
    assert "ran other code" not in again.stderr and not listing.exists()


def test_bad_config_is_refused_before_any_job(run):
    refused = _snakemake(run["dir"], "-n", "--config", "scale=huge", check=False)
    assert refused.returncode != 0
    assert "config.scale: 'huge' is not allowed; allowed values: 'smoke', 'default', 'paper'" in (
        refused.stderr + refused.stdout)  # fmt: skip


def _report(run) -> tuple[Path, str]:
    report = run["dir"] / "results" / "smoke" / "report.html"
    if "report_log" not in run:
        run["report_log"] = _snakemake(run["dir"], "--report", str(report)).stderr
    return report, run["report_log"]


def test_report_builds_without_docutils_errors(run):
    report, log = _report(run)
    assert report.stat().st_size > 50_000
    # docutils reports problems as "(ERROR/3)" / "(WARNING/2)" (claim texts hold |x|)
    assert "ERROR/" not in log and "WARNING/" not in log and "Undefined substitution" not in log
    landing = (run["dir"] / "results" / "smoke" / "report" / "landing.rst").read_text()
    assert landing.startswith("hdlearn: smoke scale")


def test_report_opens_on_the_scorecard_and_holds_every_figure(run):
    """The report in a real (headless) browser: its landing page is the scorecard, every
    claim of claims.csv is on it, and every figure of the scale is in the report and linked."""
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)  # fmt: skip
    if browser is None:
        pytest.skip("no headless browser: apt-get install chromium (CI installs it)")
    report, _ = _report(run)
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
         "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=180,
    ).stdout  # fmt: skip
    assert "hdlearn: smoke scale" in dom and "Paper claims tested" in dom
    card = pd.read_csv(run["dir"] / "results" / "smoke" / "claims.csv")
    missing = [claim for claim in card["claim_id"] if claim not in dom]
    assert not missing, missing
    html = report.read_text()
    for figure in (run["dir"] / "results" / "smoke" / "figures").glob("*.png"):
        assert f"figure {figure.stem}" in dom, figure.stem  # linked from the scorecard
        assert figure.name in html, figure.name  # and embedded in the report


def test_result_files_are_readable_as_the_umask_allows(run):
    """No result is written with the 0600 of a temporary file: collaborators on a shared file
    system read what the user's umask lets them read."""
    umask = os.umask(0)
    os.umask(umask)
    files = [path for path in (run["dir"] / "results").rglob("*") if path.is_file()]
    wrong = [p for p in files if stat.S_IMODE(p.stat().st_mode) != 0o666 & ~umask]
    assert files and not wrong, wrong[:10]


def test_exported_results_import_into_a_fresh_copy_and_nothing_is_recomputed(run, tmp_path):
    """hdlearn export in the run, hdlearn import into a fresh copy: the copy plans no cell and
    no table job, and its scorecard is the run's."""
    hdlearn = str(Path(sys.executable).with_name("hdlearn"))
    bundle = tmp_path / "smoke.tar.gz"
    smoke = ["--config", "scale=smoke"]
    subprocess.run([hdlearn, "export", *smoke, "--output", str(bundle)], cwd=run["dir"],
                   check=True, capture_output=True)  # fmt: skip
    copy = copy_repository(tmp_path / "copy")
    done = subprocess.run([hdlearn, "import", str(bundle), *smoke], cwd=copy, check=True,
                          capture_output=True, text=True)  # fmt: skip
    assert ", 0 foreign (skipped)" in done.stdout, done.stdout + done.stderr
    plan = _snakemake(copy, "-n", "--quiet", "rules").stdout
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", plan, flags=re.MULTILINE))
    assert "cell" not in jobs and "aggregate" not in jobs, plan
    assert {"claims", "scorecard"} <= set(jobs), plan  # rebuilt from the imported tables
    _snakemake(copy, "-p", "results/smoke/claims.csv")  # (-p ends --config)
    scorecard = Path("results") / "smoke" / "claims.csv"
    pd.testing.assert_frame_equal(
        pd.read_csv(copy / scorecard), pd.read_csv(run["dir"] / scorecard)
    )
