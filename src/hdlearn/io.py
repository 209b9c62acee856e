"""Atomic table writes with provenance.

Every parquet file hdlearn writes carries, in its schema metadata under the key ``hdlearn``, a
JSON record of how it was made: git sha, the cell's parameters and their hash, package
versions, the host it ran on (and its SLURM job id under SLURM), device and seeds. Files are
written to a temporary name in the destination folder and renamed into place, so an
interrupted job never leaves a partial output behind.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

PROVENANCE_KEY = b"hdlearn"
_PACKAGES = ("hdlearn", "torch", "numpy", "pandas", "pyarrow")


def params_hash(params: Mapping[str, Any]) -> str:
    """Stable 10-hex-digit hash of a JSON-serialisable parameter mapping (key order ignored)."""
    blob = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def yaml_line(values: Mapping[str, Any]) -> str:
    """``values`` as one line of YAML that reads back as ``values`` (papermill's ``-y``). JSON
    would not: YAML reads ``1e-10`` as a string, the ``1.0e-10`` written here as a float."""
    return yaml.safe_dump(dict(values), default_flow_style=True, width=10**9).strip()


def git_sha(where: str | os.PathLike[str] | None = None) -> str:
    """The current commit of the repository at ``where`` (the working directory by default),
    ``+dirty`` when its tree has changes, or ``unknown`` outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=where
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            cwd=where,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that determine the numbers."""
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def where() -> dict[str, str]:
    """The host this process runs on, and its SLURM job id when it runs as a SLURM job."""
    place = {"host": platform.node()}
    if os.environ.get("SLURM_JOB_ID"):
        place["slurm_job_id"] = os.environ["SLURM_JOB_ID"]
    return place


def provenance(params: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """The provenance record stored with a table: params, their hash, code and environment."""
    return {
        "params": dict(params),
        "params_hash": params_hash(params),
        "git_sha": git_sha(),
        "versions": package_versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **where(),
        **extra,
    }


@functools.cache
def file_mode() -> int:
    """``0o666`` less the process's umask: the mode ``open()`` would give a new file (the
    temporary files of :func:`tempfile.mkstemp` are ``0o600``, unreadable to collaborators on a
    shared file system)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(data: bytes, path: str | os.PathLike[str]) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename;
    the file gets the mode a plain ``open()`` would give it (the user's umask).

    Temporary files left by an earlier attempt that was killed are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(text: str, path: str | os.PathLike[str]) -> None:
    """Text version of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(text.encode(), path)


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], record: Mapping[str, Any]
) -> None:
    """Write ``frame`` as parquet with ``record`` (see :func:`provenance`) in its metadata."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[PROVENANCE_KEY] = json.dumps(record, default=str).encode()
    table = table.replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(sink.getvalue().to_pybytes(), path)


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a table written by :func:`write_table`."""
    return pd.read_parquet(path)


def read_provenance(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The provenance record stored in a table's metadata."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[PROVENANCE_KEY])


def tables_cells(results: str | os.PathLike[str]) -> list[Path]:
    """The cell files a run's tables were built from: every cell the provenance of a table under
    ``results/tables/`` lists, resolved under ``results/cells/`` (so a copied results folder
    works), those that exist, sorted. A results folder also keeps the cells of earlier grids;
    these are the run's own."""
    results = Path(results)
    cells = set()
    for table in sorted((results / "tables").glob("*/*.parquet")):
        for cell in read_provenance(table).get("params", {}).get("cells", []):
            path = results / "cells" / Path(cell).parent.name / Path(cell).name
            if path.is_file():
                cells.add(path)
    return sorted(cells)
