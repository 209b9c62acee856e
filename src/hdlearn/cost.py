"""What a run will cost before it runs (``hdlearn estimate``), and which runs cannot fit.

Each paper's grid gives every cell a :class:`Cost` (``grid.cost(spec)``): its ``kind`` (the
learner or method), ``work``, a count of its dominant floating-point operations, and ``bytes``,
a lower bound on the memory its largest arrays need (data, features, kernel matrices). Both
are analytic and cheap, so the whole plan is costed at parse time without torch. ``cost`` is
optional: a paper without it is neither estimated nor refused (:func:`cost_function`).

**Refusal** (:func:`check_memory`): a cell whose lower bound exceeds the memory a cell may use
(``max_cell_memory_gb``, ``auto`` = this machine's physical memory) cannot run, so the
workflow refuses the config before any job starts, naming the config block and the sizes.

**Estimate** (:func:`estimate`): wall time and memory calibrated on the job benchmarks a run
recorded (``results/*/benchmarks/cell/<paper>/<cell>.tsv``, the cell's spec read from its
table's provenance). Per ``(paper, kind)``: ``seconds = fixed + work / rate``, fitted on that
kind's recorded cells (:func:`_fit_time`), and ``peak = base + c bytes``,
with ``base`` the smallest recorded peak (the interpreter and torch) and ``c`` fitted on the
kind's cells large enough to tell (:func:`calibrate`). A kind with no recorded cell falls back
to its paper's median rate (and to every kind's without any); the estimate says how many
cells it extrapolates. Recorded times are wall times of jobs that may have shared the machine:
the estimate is as good as the records. A paper's
wall time on ``cores`` cores is ``max(sum / cores, longest cell)``, a lower bound of any
schedule.

**The recorded cost model** (``workflow/reference/cost_model.json``, :data:`MODEL`): a
calibration written by ``hdlearn estimate --record`` from a finished run's benchmarks
(:func:`save_calibration`), committed so that a fresh checkout, which has no benchmarks,
still estimates, and so that the workflow schedules the longest cells first
(:func:`priorities`: each cell's Snakemake priority is its estimated seconds; with every
cell on one core this is longest-processing-time-first, within about 4/3 of the best
schedule's makespan for independent jobs). A priority orders jobs, it never changes a
number.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GIB = 1024**3
#: The committed calibration, relative to the repository root.
MODEL = Path("workflow") / "reference" / "cost_model.json"


@dataclass(frozen=True)
class Cost:
    """One cell's analytic cost: its ``kind``, ``work`` (operations) and ``bytes`` (a lower
    bound on the memory of its largest arrays)."""

    kind: str
    work: float
    bytes: float


def machine_memory() -> float:
    """This machine's physical memory in bytes."""
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def memory_limit(config: Mapping[str, Any]) -> float:
    """``max_cell_memory_gb`` in bytes (``auto``: this machine's physical memory)."""
    value = config.get("max_cell_memory_gb", "auto")
    return machine_memory() if value == "auto" else float(value) * GIB


def cost_function(paper: str) -> Callable[[Mapping[str, Any]], Cost] | None:
    """The paper's ``grid.cost``, or ``None`` when its grid has none."""
    from hdlearn.papers import part

    return getattr(part(paper, "grid"), "cost", None)


def costs(plan: Mapping[str, Mapping[str, Mapping[str, dict]]]) -> dict[tuple[str, str], Cost]:
    """``{(paper, cell): Cost}`` of a plan (a cell shared by experiments appears once; the
    cells of a paper without ``grid.cost`` are left out)."""
    out = {}
    for paper, experiments in plan.items():
        cost = cost_function(paper)
        if cost is None:
            continue
        for cells in experiments.values():
            for name, spec in cells.items():
                out[(paper, name)] = cost(spec)
    return out


def check_memory(
    plan: Mapping[str, Mapping[str, Mapping[str, dict]]],
    scale: str,
    limit: float,
    exists: Callable[[str, str], bool] = lambda paper, cell: False,
) -> None:
    """Raise :class:`hdlearn.config.ConfigError` for the largest cell still to run (not
    ``exists(paper, cell)``) whose memory lower bound exceeds ``limit`` bytes, naming its
    config block and cell."""
    from hdlearn.config import ConfigError

    worst = None
    for paper, experiments in plan.items():
        cost = cost_function(paper)
        if cost is None:
            continue
        for experiment, cells in experiments.items():
            for name, spec in cells.items():
                need = cost(spec).bytes
                if need > limit and not exists(paper, name) and (worst is None or need > worst[0]):
                    worst = (need, paper, experiment, name)
    if worst is not None:
        need, paper, experiment, name = worst
        raise ConfigError(
            f"config.scales.{scale}.{paper} ({experiment}): cell {name} needs at least "
            f"{need / GIB:.3g} GiB, more than the {limit / GIB:.3g} GiB a cell may use "
            "(max_cell_memory_gb; auto = this machine's memory): reduce its sizes"
        )


@dataclass(frozen=True)
class Calibration:
    """Per ``(paper, kind)``: ``seconds = fixed + work / rate`` and ``peak = base + c bytes``,
    with how many recorded cells set them; ``start`` (the smallest recorded cell time) and
    ``base`` (the smallest recorded peak) for kinds without a fit of their own."""

    start: float
    base: float
    fits: Mapping[tuple[str, str], tuple[float, float]]  # (fixed seconds, rate)
    memory: Mapping[tuple[str, str], float]
    counts: Mapping[tuple[str, str], int]

    def time(self, paper: str, cost: Cost) -> tuple[float, bool]:
        """Estimated seconds of a cell and whether its kind was recorded (else the median
        rate of its paper's kinds, or of every kind, with the fixed time ``start``)."""
        if (paper, cost.kind) in self.fits:
            fixed, rate = self.fits[(paper, cost.kind)]
            return fixed + cost.work / rate, True
        same = [r for (p, _), (_, r) in self.fits.items() if p == paper]
        pool = same or [r for _, r in self.fits.values()]
        rate = statistics.median(pool) if pool else math.nan
        return self.start + cost.work / rate, False

    def peak(self, paper: str, cost: Cost) -> float:
        """Estimated peak memory of a cell: ``base + c bytes``."""
        return self.base + self.memory.get((paper, cost.kind), DEFAULT_MEMORY_FACTOR) * cost.bytes


#: Peak bytes per lower-bound byte where no recorded cell of a kind is large enough to tell
#: (its arrays plus as many temporaries).
DEFAULT_MEMORY_FACTOR = 2.0


def _fit_time(points: list[tuple[float, float]]) -> tuple[float, float]:
    """``(fixed, rate)`` of ``seconds = fixed + work / rate`` over a kind's ``(work, seconds)``:
    ``fixed`` is its fastest cell (the process start and data, which small cells are made of),
    ``rate`` the median of ``work / (seconds - fixed)`` over its larger half (by work; at least
    a quarter second of compute each), where the work shows."""
    fixed = min(seconds for _, seconds in points)
    ordered = sorted(points)
    upper = ordered[len(ordered) // 2 :]
    return fixed, statistics.median(w / max(s - fixed, 0.25) for w, s in upper)


def calibrate(records: Iterable[tuple[str, Cost, float, float]]) -> Calibration:
    """A :class:`Calibration` from ``(paper, cost, seconds, peak_bytes)`` of recorded cells.
    A kind's memory factor is the median of ``(peak - base) / bytes`` over its cells whose
    lower bound is at least a quarter of ``base`` (smaller arrays drown in the interpreter's
    own memory), at least 1."""
    records = list(records)
    if not records:
        return Calibration(math.nan, math.nan, {}, {}, {})
    start = min(seconds for _, _, seconds, _ in records)
    base = min(peak for *_, peak in records)
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    memory: dict[tuple[str, str], list[float]] = {}
    for paper, cost, seconds, peak in records:
        key = (paper, cost.kind)
        times.setdefault(key, []).append((cost.work, seconds))
        if cost.bytes >= 0.25 * base:
            memory.setdefault(key, []).append(max((peak - base) / cost.bytes, 1.0))
    return Calibration(
        start, base,
        {k: _fit_time(v) for k, v in times.items()},
        {k: statistics.median(v) for k, v in memory.items()},
        {k: len(v) for k, v in times.items()},
    )  # fmt: skip


def save_calibration(calibration: Calibration, path: Path, about: Mapping[str, Any]) -> None:
    """Write ``calibration`` as JSON (atomically), with ``about`` (where it was measured)."""
    import json

    from hdlearn.io import atomic_write_text

    def entries(table: Mapping[tuple[str, str], Any]) -> list[dict[str, Any]]:
        return [{"paper": p, "kind": k, "value": v} for (p, k), v in sorted(table.items())]

    data = {
        "about": dict(about), "start": calibration.start, "base": calibration.base,
        "fits": entries(calibration.fits), "memory": entries(calibration.memory),
        "counts": entries(calibration.counts),
    }  # fmt: skip
    atomic_write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", path)


def load_calibration(path: Path) -> Calibration:
    """The :class:`Calibration` :func:`save_calibration` wrote (an empty one, whose times are
    NaN, when ``path`` does not exist)."""
    import json

    if not path.is_file():
        return calibrate([])
    data = json.loads(path.read_text())

    def table(name: str, cast: Callable[[Any], Any]) -> dict[tuple[str, str], Any]:
        return {(e["paper"], e["kind"]): cast(e["value"]) for e in data[name]}

    return Calibration(
        float(data["start"]), float(data["base"]),
        table("fits", lambda v: (float(v[0]), float(v[1]))), table("memory", float),
        table("counts", int),
    )  # fmt: skip


def model_code(path: Path) -> dict[str, str]:
    """The per-paper code fingerprints a saved calibration was recorded on (its ``about.code``;
    empty when the file or the entry is missing, as in a model recorded before they were)."""
    import json

    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text()).get("about", {}).get("code", {}))


def priorities(
    plan: Mapping[str, Mapping[str, Mapping[str, dict]]], calibration: Calibration
) -> dict[tuple[str, str], float]:
    """``{(paper, cell): estimated seconds}`` of a plan, the cells' scheduling priorities
    (0 where the calibration cannot tell: a paper without ``grid.cost``, an empty model)."""
    out = {}
    for key, cost in costs(plan).items():
        seconds, _ = calibration.time(key[0], cost)
        out[key] = round(seconds, 1) if math.isfinite(seconds) else 0.0
    return out


def recorded_cells(results: Path) -> list[tuple[str, Cost, float, float]]:
    """``(paper, cost, seconds, peak_bytes)`` of every cell under ``results/*/`` (replicates
    too) that has both its table (for its spec) and its job benchmark."""
    import pandas as pd

    from hdlearn.io import read_provenance
    from hdlearn.papers import PAPERS

    out = []
    for bench in sorted(results.glob("**/benchmarks/cell/*/*.tsv")):
        paper = bench.parent.name
        table = bench.parents[3] / "cells" / paper / f"{bench.stem}.parquet"
        if paper not in PAPERS or not table.is_file() or cost_function(paper) is None:
            continue
        try:
            spec = read_provenance(table)["params"]
            row = pd.read_csv(bench, sep="\t").iloc[-1]
            cost = cost_function(paper)(spec)
        except (KeyError, ValueError, TypeError, IndexError):
            continue  # a table or benchmark of an older layout: not a calibration point
        out.append((paper, cost, float(row["s"]), float(row["max_rss"]) * 1024**2))
    return out


def recorded_code(results: Path) -> dict[str, str]:
    """Per paper, the code fingerprint (:func:`hdlearn.fingerprint.cell_code`) that most of its
    cells under ``results/*/`` ran, read from their provenance (``code``): what a calibration
    recorded from these cells describes."""
    from collections import Counter

    from hdlearn.io import read_provenance
    from hdlearn.papers import PAPERS

    seen: dict[str, Counter] = {}
    for table in sorted(results.glob("**/cells/*/*.parquet")):
        paper = table.parent.name
        if paper not in PAPERS:
            continue
        try:
            code = read_provenance(table).get("code")
        except (KeyError, ValueError, OSError):
            continue
        if code:
            seen.setdefault(paper, Counter())[code] += 1
    return {paper: counts.most_common(1)[0][0] for paper, counts in sorted(seen.items())}


def stale_papers(recorded: Mapping[str, str], papers: Iterable[str]) -> list[str]:
    """The ``papers`` whose cells run other code than the calibration was recorded on
    (``recorded``: its ``about.code``; a paper it does not name counts as other code): their
    estimated times are those of the code that ran then, off by whatever changed the speed."""
    from hdlearn.fingerprint import cell_code

    return [paper for paper in papers if recorded.get(paper) != cell_code(paper)]


def estimate(
    plan: Mapping[str, Mapping[str, Mapping[str, dict]]],
    calibration: Calibration,
    cores: int,
    done: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    """One row per paper: cells to run (those in ``done`` already exist), estimated CPU and
    wall seconds on ``cores`` cores, the largest cell's estimated time and peak memory, and
    how many cells were extrapolated from another kind's rate."""
    rows = []
    for (paper, name), cost in sorted(costs(plan).items()):
        if (paper, name) in done:
            continue
        seconds, known = calibration.time(paper, cost)
        peak = calibration.peak(paper, cost)
        rows.append({"paper": paper, "cell": name, "seconds": seconds, "peak": peak,
                     "extrapolated": not known})  # fmt: skip
    out = []
    for paper in dict.fromkeys(r["paper"] for r in rows):
        mine = [r for r in rows if r["paper"] == paper]
        total = sum(r["seconds"] for r in mine)
        longest = max(mine, key=lambda r: r["seconds"])
        largest = max(mine, key=lambda r: r["peak"])
        out.append({
            "paper": paper, "cells": len(mine), "cpu_seconds": total,
            "wall_seconds": max(total / cores, longest["seconds"]),
            "longest_cell": longest["cell"], "longest_seconds": longest["seconds"],
            "largest_cell": largest["cell"], "peak_bytes": largest["peak"],
            "extrapolated": sum(r["extrapolated"] for r in mine),
        })  # fmt: skip
    return out


def merged_config(root: Path, configfiles: Iterable[Path], overrides: Iterable[str]) -> dict:
    """``config/config.yaml`` with each ``--configfile`` merged over it key by key and each
    ``--config key=value`` (YAML value) on top, as Snakemake builds the workflow's config."""
    import yaml

    config = yaml.safe_load((root / "config" / "config.yaml").read_text())
    for path in configfiles:
        _merge(config, yaml.safe_load(Path(path).read_text()) or {})
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--config {item!r}: not key=value")
        _merge(config, {key: yaml.safe_load(value)})
    return config


def _merge(base: dict, update: Mapping[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def render(
    rows: list[dict[str, Any]], cores: int, scale: str,
    source: str = "recorded job benchmarks", stale: Iterable[str] = (),
) -> str:  # fmt: skip
    """The estimate as a Markdown table, one row per paper and a total; ``source`` names what
    it is calibrated on, ``stale`` the papers whose code changed since (a note under the
    table)."""

    def hours(seconds: float) -> str:
        if seconds < 60:
            return f"{seconds:.0f} s"
        if seconds < 3600:
            return f"{seconds / 60:.1f} min"
        return f"{seconds / 3600:.1f} h"

    lines = [
        f"Estimate for scale {scale} on {cores} core(s) (calibrated on {source}):",
        "",
        "| paper | cells to run | CPU time | wall time | longest cell | largest cell's peak |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        note = f" ({row['extrapolated']} extrapolated)" if row["extrapolated"] else ""
        lines.append(
            f"| {row['paper']} | {row['cells']}{note} | {hours(row['cpu_seconds'])} | "
            f"{hours(row['wall_seconds'])} | {row['longest_cell']} "
            f"({hours(row['longest_seconds'])}) | {row['peak_bytes'] / GIB:.2f} GiB |"
        )
    if rows:
        total = sum(r["cpu_seconds"] for r in rows)
        wall = max(total / cores, max(r["longest_seconds"] for r in rows))
        peak = max(r["peak_bytes"] for r in rows)
        lines.append(
            f"| all | {sum(r['cells'] for r in rows)} | {hours(total)} | {hours(wall)} | | "
            f"{peak / GIB:.2f} GiB |"
        )
    else:
        lines.append("| all | 0 (every cell exists) | | | | |")
    stale = list(stale)
    if stale:
        lines += [
            "",
            f"Note: {', '.join(stale)}: this checkout's cells run other code than the one the "
            "times were recorded on, so their times may be off by what changed the speed since; "
            f"after a run, `hdlearn estimate --record {MODEL}` records them anew.",
        ]
    return "\n".join(lines) + "\n"
