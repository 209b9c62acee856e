"""Portable results: ``hdlearn export`` packs a scale's cells and tables, ``hdlearn import``
unpacks them into another copy of the repository (a GPU box's cells onto a laptop, a
colleague's run onto yours).

A bundle is a gzipped tar of ``manifest.json`` and the files under their paths
(``results/<scale>/cells/<paper>/<cell>.parquet`` and
``results/<scale>/tables/<paper>/<experiment>.parquet``).
The manifest records the bundle's scale, the exporting commit and, per file, its SHA-256, size
and the hash of the parameters in its provenance.

Import checks every file against the manifest and against *this* repository's plan (its
config at that scale) before it writes anything:

* a file whose bytes do not match its checksum (truncated or tampered), a member the manifest
  does not list, or a bundle that is not one, refuses the whole import: nothing is written;
* a cell the plan does not have, or whose parameters hash differs from the planned spec's (a
  bundle of another config), and a table whose cells are not the plan's cells of that
  experiment, are *foreign*: skipped and named;
* a file already present is kept (named), so an import never overwrites a local result.

The rest is moved into place with the bundle's modification times, so tables stay newer than
their cells and Snakemake reruns nothing that is current; figures, claims, scorecard and report
are rebuilt from the imported tables by the next ``snakemake`` run.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from hdlearn.io import PROVENANCE_KEY, atomic_write_bytes, git_sha, params_hash, read_provenance

FORMAT = "hdlearn-bundle/1"


class BundleError(ValueError):
    """A bundle that cannot be exported or imported (the message names why)."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def planned_files(scale: str, plan: Mapping[str, Mapping[str, Mapping]]) -> dict:
    """``{relative path: (kind, paper, name)}`` of every cell and table the plan has."""
    out = {}
    for paper, experiments in plan.items():
        for experiment, cells in experiments.items():
            out[f"results/{scale}/tables/{paper}/{experiment}.parquet"] = ("table", paper,
                                                                          experiment)  # fmt: skip
            for cell in cells:
                out[f"results/{scale}/cells/{paper}/{cell}.parquet"] = ("cell", paper, cell)
    return out


def export_bundle(root: Path, scale: str, plan: Mapping, output: Path) -> dict[str, Any]:
    """Pack the planned cells and tables of ``scale`` that exist under ``root`` into
    ``output``; returns the manifest."""
    files = [rel for rel in planned_files(scale, plan) if (root / rel).is_file()]
    if not files:
        raise BundleError(f"{root / 'results' / scale}: no cell or table of this scale's plan")
    entries = []
    for rel in sorted(files):
        data = (root / rel).read_bytes()
        entries.append({"path": rel, "sha256": _sha256(data), "bytes": len(data),
                        "params_hash": read_provenance(root / rel).get("params_hash")})  # fmt: skip
    created = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = {"format": FORMAT, "scale": scale, "git_sha": git_sha(root), "created": created,
                "files": entries}  # fmt: skip
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        blob = json.dumps(manifest, indent=1).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size, info.mtime = len(blob), int(datetime.now(UTC).timestamp())
        tar.addfile(info, io.BytesIO(blob))
        for entry in entries:
            tar.add(root / entry["path"], arcname=entry["path"])
    atomic_write_bytes(buffer.getvalue(), output)
    return manifest


@dataclass
class ImportReport:
    """What an import did: files written, kept (already present) and skipped (foreign)."""

    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    foreign: list[tuple[str, str]] = field(default_factory=list)


def import_bundle(root: Path, bundle: Path, scale: str, plan: Mapping) -> ImportReport:
    """Check ``bundle`` against its manifest and this plan, then move its files into place
    (see the module docstring). :class:`BundleError` leaves ``root`` untouched."""
    if not bundle.is_file():
        raise BundleError(f"{bundle}: no such bundle")
    try:
        with tarfile.open(bundle, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if "manifest.json" not in members:
                raise BundleError(f"{bundle}: not an hdlearn bundle (no manifest.json)")
            manifest = json.loads(tar.extractfile(members["manifest.json"]).read())
            if manifest.get("format") != FORMAT:
                raise BundleError(f"{bundle}: not an {FORMAT} bundle")
            theirs = manifest["scale"]
            if theirs != scale:
                raise BundleError(f"{bundle}: a bundle of scale {theirs!r}, not {scale!r} "
                                  f"(pass --config scale={theirs})")  # fmt: skip
            listed = {entry["path"]: entry for entry in manifest["files"]}
            extra = sorted(set(members) - set(listed) - {"manifest.json"})
            if extra:
                raise BundleError(f"{bundle}: member {extra[0]} is not in its manifest")
            contents = {}
            for path, entry in listed.items():
                member = members.get(path)
                handle = tar.extractfile(member) if member is not None else None
                data = handle.read() if handle is not None else b""
                if _sha256(data) != entry["sha256"] or len(data) != entry["bytes"]:
                    raise BundleError(f"{bundle}: {path} is truncated or tampered (its checksum "
                                      "does not match the manifest)")  # fmt: skip
                contents[path] = (data, member.mtime)
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError, KeyError) as error:
        raise BundleError(f"{bundle}: not a readable bundle ({error})") from error

    planned = planned_files(scale, plan)
    report = ImportReport()
    accepted = {}
    for path, (data, mtime) in sorted(contents.items()):
        reason = _foreign(path, data, planned, plan, scale)
        if reason:
            report.foreign.append((path, reason))
        elif (root / path).exists():
            report.kept.append(path)
        else:
            accepted[path] = (data, mtime)
    for path, (data, mtime) in accepted.items():  # cells first, then tables (sorted paths)
        atomic_write_bytes(data, root / path)
        os.utime(root / path, (mtime, mtime))
        report.written.append(path)
    return report


def _foreign(path: str, data: bytes, planned: Mapping, plan: Mapping, scale: str) -> str:
    """Why a bundled file does not belong to this plan (``""`` when it does)."""
    if path not in planned:
        return "not in this repository's plan at this scale"
    kind, paper, name = planned[path]
    meta = pq.read_schema(io.BytesIO(data)).metadata or {}
    record = json.loads(meta.get(PROVENANCE_KEY, b"{}"))
    if kind == "cell":
        spec = next(cells[name] for cells in plan[paper].values() if name in cells)
        if record.get("params_hash") != params_hash(spec):
            return "its parameters differ from this plan's cell of that name"
        return ""
    cells = [f"results/{scale}/cells/{paper}/{cell}.parquet" for cell in plan[paper][name]]
    if record.get("params", {}).get("cells") != cells:
        return "its cells are not this plan's cells of that experiment"
    return ""
