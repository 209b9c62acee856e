"""A working copy of this repository for the tests that run Snakemake (the end-to-end, SLURM
and new-paper tests): the Snakefile, the environment files, config, workflow and sources."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_repository(target: Path) -> Path:
    """Copy the files a DAG run needs into ``target`` (created if missing) and return it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "environment.yml", "pyproject.toml"):
        shutil.copy(ROOT / name, target / name)
    for name in ("config", "workflow", "src"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target
