"""Adding a paper is adding its package, its notebooks, its config block and one registry line.

In a temporary copy of the repository, a throwaway paper ``toy`` (a one-cell experiment, one
claim, one figure) is added exactly the README's way, touching nothing else, and its DAG runs at
smoke scale: the cell, the table, the claims table and the figure; the whole smoke DAG plans
them beside the other papers, the default scale (where the toy has no block) does not, and no
other paper's cells become stale.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml
from repository import copy_repository

SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

pytestmark = pytest.mark.slow

GRID = '''
"""A toy paper's grid: one cell."""

from hdlearn.io import params_hash


def expand(block, presets):
    spec = {"paper": "toy", "n": block["n"], "seeds": list(block["seeds"])}
    return {"means": {f"means-{params_hash(spec)}": spec}}
'''

EXPERIMENT = '''
"""A toy paper: the mean of n Gaussian samples, one cell, all seeds in one tensor."""

import pandas as pd
import torch

from hdlearn.seeding import generators


def run_cell(spec, device):
    draws = [torch.randn(spec["n"], generator=g) for g in generators(spec["seeds"], "x")]
    means = torch.stack(draws).mean(1).tolist()
    return pd.DataFrame({"seed": spec["seeds"], "metric": "mean", "value": means})
'''

CLAIMS = '''
"""The toy paper's one claim: the sample mean is near 0."""

from hdlearn.analysis.verdicts import Claim, Prediction


def claims(settings):
    return [
        Claim("TOY-1", "toy", "The sample mean is near 0.", ("means",), "|mean|",
              lambda f: abs(float(f["value"].mean())), Prediction(high=settings["tolerance"])),
    ]  # fmt: skip


def select_rows(tables):
    return tables["means"]
'''

SCHEMA = """
presets: {type: object}
block: {$ref: "#/$defs/toy"}
$defs:
  toy:
    type: object
    additionalProperties: false
    required: [n, seeds, claims]
    properties:
      n: {$ref: "#/$defs/positive_int"}
      seeds: {$ref: "#/$defs/seed_list"}
      claims:
        type: object
        additionalProperties: false
        required: [tolerance]
        properties:
          tolerance: {type: number}
"""

FIGURES = """
toy_means:
  tables: {means_table: means}
  claims: [TOY-1]
  settings: {tolerance: tolerance, n: block.n}
  caption: Sample means of n = {n} draws per seed; dashed at +-{tolerance}.
"""

NOTEBOOK_CELLS = [
    ("parameters", 'means_table = ""\nclaims_table = ""\noutput_pdf = ""\noutput_png = ""\n'
                   "tolerance = 1.0\nn = 1\n"),
    ("", textwrap.dedent("""\
        import matplotlib.pyplot as plt
        import pandas as pd

        from hdlearn import plotting as hp

        hp.apply_style()
        means = pd.read_parquet(means_table)
        claim = pd.read_parquet(claims_table).set_index("claim_id").loc["TOY-1"]
        fig, ax = plt.subplots()
        ax.plot(means["seed"], means["value"], "o")
        ax.axhline(tolerance, ls="--")
        ax.axhline(-tolerance, ls="--")
        ax.set_title(f"TOY-1 {claim['verdict']} (n = {n})")
        hp.save_figure(fig, output_pdf, output_png)
    """)),
]  # fmt: skip


def _notebook() -> dict:
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"cell{i}",
         "metadata": {"tags": [tag]} if tag else {}, "outputs": [], "source": source}
        for i, (tag, source) in enumerate(NOTEBOOK_CELLS)
    ]  # fmt: skip
    kernel = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4,
            "nbformat_minor": 5}  # fmt: skip


def _add_toy_paper(repo: Path) -> None:
    package = repo / "src" / "hdlearn" / "papers" / "toy"
    package.mkdir()
    (package / "__init__.py").write_text('"""A throwaway paper of the test."""\n')
    (package / "grid.py").write_text(GRID)
    (package / "experiment.py").write_text(EXPERIMENT)
    (package / "claims.py").write_text(CLAIMS)
    (package / "schema.yaml").write_text(SCHEMA)
    (package / "figures.yaml").write_text(FIGURES)
    notebooks = repo / "workflow" / "notebooks" / "toy"
    notebooks.mkdir()
    (notebooks / "toy_means.ipynb").write_text(json.dumps(_notebook(), indent=1))
    # its config block, at the smoke scale only (absent from default and paper)
    config_path = repo / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["scales"]["smoke"]["toy"] = {
        "n": 64, "seeds": [100, 101, 102, 103, 104],
        "claims": {"tolerance": 1.0, "bootstrap": 100, "bootstrap_seed": 0, "confidence": 0.9,
                   "min_seeds": 5, "pilot_seeds": [0],
                   "provenance": {"TOY-1": {"tag": "theory", "ref": "CLT: sd 1/8"}}},
    }  # fmt: skip
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    # the one registry line
    registry = repo / "src" / "hdlearn" / "papers" / "__init__.py"
    text = registry.read_text()
    old = 'PAPERS: tuple[str, ...] = ("depth", "representation", "symmetry", "tensor")'
    assert old in text
    registry.write_text(text.replace(old, old[:-1] + ', "toy")'))


def test_a_new_paper_runs_its_dag_at_smoke_scale(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    _add_toy_paper(repo)
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}

    def snakemake(*args):
        return subprocess.run(
            [SNAKEMAKE, "--cores", "2", *args], cwd=repo, env=env, capture_output=True,
            text=True,
        )  # fmt: skip

    # the whole smoke DAG now holds the toy cell, claims job and figure; default has no toy
    smoke = snakemake("-n", "--config", "scale=smoke")
    assert smoke.returncode == 0, smoke.stderr
    assert "results/smoke/figures/toy_means.png" in smoke.stdout
    assert "ran other code" not in smoke.stderr
    default = snakemake("-n")
    assert default.returncode == 0, default.stderr
    assert "toy" not in default.stdout

    targets = ["results/smoke/figures/toy_means.png", "results/smoke/claims/toy.parquet"]
    done = snakemake(*targets, "--config", "scale=smoke")
    assert done.returncode == 0, done.stderr
    claims = pd.read_parquet(repo / "results" / "smoke" / "claims" / "toy.parquet")
    row = claims.set_index("claim_id").loc["TOY-1"]
    assert row["verdict"] == "PASS" and row["n_seeds"] == 5
    assert (repo / "results" / "smoke" / "figures" / "toy_means.png").stat().st_size > 5_000
    (cell,) = (repo / "results" / "smoke" / "cells" / "toy").glob("*.parquet")
    assert len(pd.read_parquet(cell)) == 5
