"""The report's landing page (``results/<scale>/report/landing.rst``): the scorecard first.

Snakemake renders the workflow's report text (the Snakefile's ``report:``) as the page a
report opens on; once a run has written this file, the Snakefile points there. It holds

* the run: commit (``+dirty`` when the tree had uncommitted changes), config hash, scale,
  device and hosts the cells ran on (from their provenance), the jobs' total compute (every
  job benchmark of the scale), and when the page was written;
* the two tallies of the scorecard;
* per paper, its claims: verdict, value and interval, the predicted region, the figures that
  draw the claim (links that open the figure in the report) and the statement.

Every text is escaped for reStructuredText (:func:`rst_text`): claim statements such as
``max |f2(g x) - f1(x)|`` would otherwise read as substitution references.
"""

from __future__ import annotations

import importlib
import math
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hdlearn.analysis.verdicts import tallies

_SPECIAL = re.compile(r"([\\|*`_<>\[\]])")


def rst_text(text: Any) -> str:
    """``text`` as literal reStructuredText: every markup character backslash-escaped, line
    breaks folded to spaces."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def paper_title(paper: str) -> str:
    """The paper package's ``TITLE``, or its name."""
    return getattr(importlib.import_module(f"hdlearn.papers.{paper}"), "TITLE", paper)


def run_metadata(results: Path, config_hash: str, scale: str) -> dict[str, str]:
    """Commit, config hash, scale, devices and hosts of the run's cells (read from the cells
    its tables list), total compute of every job benchmark under ``results``, and now."""
    from hdlearn.io import git_sha, read_provenance, tables_cells

    devices, hosts = set(), set()
    cells = tables_cells(results)
    for cell in cells:
        record = read_provenance(cell)
        devices.add(str(record.get("device", "?")))
        hosts.add(str(record.get("host", "?")))
    benchmarks = [pd.read_csv(p, sep="\t") for p in sorted(results.glob("benchmarks/**/*.tsv"))]
    stats = pd.concat(benchmarks) if benchmarks else pd.DataFrame({"s": [], "cpu_time": []})
    return {
        "commit": git_sha(),
        "config hash": config_hash,
        "scale": scale,
        "device": ", ".join(sorted(devices)) or "-",
        "hosts": ", ".join(sorted(hosts)) or "-",
        "cells": str(len(cells)),
        "compute": f"{len(stats)} jobs, {stats['s'].sum() / 60:.1f} job-minutes wall, "
        f"{stats['cpu_time'].sum() / 60:.1f} CPU-minutes (Snakemake job benchmarks)",
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _measured(row: Any) -> str:
    if not math.isfinite(row.value):
        return "-"
    if math.isnan(row.ci_low):
        return f"{row.value:.3g}"
    return f"{row.value:.3g} [{row.ci_low:.3g}, {row.ci_high:.3g}]"


def _figure_target(figure: str) -> str:
    return f"figure {figure}"


def landing_page(
    scale: str,
    card: pd.DataFrame,
    figures: Mapping[str, Mapping[str, Any]],
    metadata: Mapping[str, str],
) -> str:
    """The landing page's reStructuredText. ``figures`` maps each figure to its ``paper``,
    the ``claims`` it draws and its ``png`` (the path the report lists it under)."""
    drawn: dict[str, list[str]] = {}
    for figure, entry in figures.items():
        for claim in entry["claims"]:
            drawn.setdefault(claim, []).append(figure)
    title = f"hdlearn: {scale} scale"
    claim_tally, check_tally = tallies(card)
    lines = [
        title, "=" * len(title), "", f"**{rst_text(claim_tally)}**", "",
        f"**{rst_text(check_tally)}**", "", ".. list-table:: Run", "   :widths: 20 80", "",
    ]  # fmt: skip
    for key, value in metadata.items():
        lines += [f"   * - {rst_text(key)}", f"     - {rst_text(value)}"]
    lines.append("")
    for paper in dict.fromkeys(card["paper"]):
        heading = rst_text(paper_title(paper))
        lines += [heading, "-" * len(heading), "", ".. list-table::", "   :header-rows: 1",
                  "   :widths: 10 10 16 22 14 28", ""]  # fmt: skip
        header = ["claim", "verdict", "value [CI]", "prediction", "figures", "statement"]
        lines += _row(header)
        for row in card[card["paper"] == paper].itertuples():
            links = ", ".join(f"`{_figure_target(f)}`_" for f in drawn.get(row.claim_id, []))
            lines += _row([
                rst_text(row.claim_id), f"**{rst_text(row.verdict)}**", rst_text(_measured(row)),
                rst_text(f"{row.statistic} {row.prediction}"), links or "-",
                rst_text(row.statement),
            ])  # fmt: skip
        lines.append("")
    for figure, entry in figures.items():
        path = urllib.parse.quote(str(entry["png"]), safe="")
        lines.append(f".. _{_figure_target(figure)}: javascript:app.showResultInfo('{path}')")
    return "\n".join(lines) + "\n"


def _row(cells: Sequence[str]) -> list[str]:
    first, *rest = cells
    return [f"   * - {first}", *(f"     - {cell}" for cell in rest)]
