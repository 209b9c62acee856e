"""Per-paper and total time of a finished pipeline run, from its job benchmarks.

    python benchmarks/pipeline_times.py ROOT --scale S [--log LOG] [--output FILE]

``ROOT`` is the repository copy the run was made in: its ``results/<S>/benchmarks/`` (every job's
Snakemake benchmark: wall seconds, CPU seconds, peak memory) and the newest Snakemake log under
``.snakemake/log/`` (the run's elapsed wall time; ``--log`` names the run's own log when later
runs followed it). Writes a Markdown table: per paper its cell,
table, claims and figure jobs (count, summed job wall seconds, summed CPU seconds, the longest
job), then the totals and the run's wall time, with the machine. Job seconds sum over jobs that
ran side by side, so their total exceeds the wall time by up to the number of cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
from pathlib import Path

import pandas as pd

from hdlearn.papers import figures


def job_table(results: Path) -> pd.DataFrame:
    """One row per job benchmark: ``kind`` (cell, aggregate, claims, figure), ``paper``,
    ``name``, ``s``, ``cpu_time``, ``max_rss``."""
    owner = {name: entry["paper"] for name, entry in figures().items()}
    rows = []
    for path in sorted((results / "benchmarks").glob("**/*.tsv")):
        kind = path.relative_to(results / "benchmarks").parts[0]
        if kind in ("cell", "aggregate"):
            paper = path.parent.name
        elif kind == "claims":
            paper = path.stem
        else:
            paper = owner.get(path.stem, "?")
        last = pd.read_csv(path, sep="\t").iloc[-1]
        stats = {key: float(last[key]) for key in ("s", "cpu_time", "max_rss")}
        rows.append({"kind": kind, "paper": paper, "name": path.stem, **stats})
    return pd.DataFrame(rows)


def elapsed(root: Path, log: Path | None) -> str:
    """The ``Elapsed time`` of ``log``, or of the newest Snakemake log of ``root`` that has
    one (``-`` if none)."""
    logs = [log] if log else sorted((root / ".snakemake" / "log").glob("*.snakemake.log"))
    for log in reversed(logs):
        match = re.search(r"Elapsed time: (\S+)", log.read_text())
        if match:
            return match.group(1)
    return "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--scale", required=True)
    parser.add_argument("--log", type=Path, default=None, help="the run's Snakemake log")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    jobs = job_table(args.root / "results" / args.scale)
    lines = [
        f"# Pipeline run, scale {args.scale}",
        "",
        f"Machine: {platform.machine()} ({os.cpu_count()} cores); run wall time (Snakemake's "
        f"elapsed time): {elapsed(args.root, args.log)}; "
        f"`python benchmarks/pipeline_times.py ROOT --scale {args.scale}`.",
        "",
        "| paper | jobs | cells | job wall s | CPU s | longest job | its s |",
        "|---|---|---|---|---|---|---|",
    ]
    for paper, mine in jobs.groupby("paper", sort=True):
        top = mine.loc[mine["s"].idxmax()]
        lines.append(
            f"| {paper} | {len(mine)} | {int((mine['kind'] == 'cell').sum())} | "
            f"{mine['s'].sum():.0f} | {mine['cpu_time'].sum():.0f} | {top['kind']} "
            f"{top['name']} | {top['s']:.0f} |"
        )
    lines.append(
        f"| all | {len(jobs)} | {int((jobs['kind'] == 'cell').sum())} | {jobs['s'].sum():.0f} | "
        f"{jobs['cpu_time'].sum():.0f} | | |"
    )
    text = "\n".join(lines) + "\n"
    if args.output:
        args.output.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
