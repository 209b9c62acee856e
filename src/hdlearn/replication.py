"""The replication table: each claim's verdict in the main run and in every replicate.

Replicate ``j`` reruns every cell of the scale on its own disjoint seeds
(:mod:`hdlearn.replicates`). A paper claim is *stable* when it PASSes in the main run and in
every replicate, and *fragile* otherwise: a PASS in the main run that a fresh set of seeds of
the same size does not repeat is luck, not a result (and a claim that passes only in the
replicates is no better). Identity checks must be ok in every run: a failure anywhere is
listed first. Claims below scale or theory-only in the main run are listed last, without a
pass fraction (no run of this scale tests them).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from hdlearn.analysis.verdicts import (
    BELOW_SCALE,
    CHECK_OK,
    IDENTITY,
    PASS,
    THEORY_ONLY,
)

#: Section of each row, in the order the table lists them.
BROKEN, FRAGILE, STABLE = "identity check failed", "fragile", "stable"
CHECKS, UNTESTED = "identity check", "not tested"
SECTIONS = (BROKEN, FRAGILE, STABLE, CHECKS, UNTESTED)


def replication_table(runs: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """One row per claim of the main run ``runs[0]``: its verdict and value in every run
    (``verdict_<j>``, ``value_<j>``; ``j = 0`` the main run), ``pass_fraction`` (the fraction
    of replicates ``j >= 1`` that PASS, or whose check is ok; NaN for a row no run tests) and
    its ``section`` (:data:`SECTIONS`, in that order)."""
    if 0 not in runs or len(runs) < 2:
        raise ValueError("need the main run (0) and at least one replicate")
    main = runs[0].set_index("claim_id")
    indices = sorted(runs)
    out = main[["paper", "kind", "statement"]].copy()
    for j in indices:
        card = runs[j].set_index("claim_id")
        missing = sorted(set(main.index) - set(card.index))
        if missing:
            raise ValueError(f"run {j} has no row for {', '.join(missing)}")
        out[f"verdict_{j}"] = card.loc[main.index, "verdict"]
        out[f"value_{j}"] = card.loc[main.index, "value"]
    good = out[[f"verdict_{j}" for j in indices]].isin([PASS, CHECK_OK])
    out["section"] = [
        _section(kind, verdict, everywhere)
        for kind, verdict, everywhere in zip(
            out["kind"], out["verdict_0"], good.all(axis=1), strict=True
        )
    ]
    replicates = good[[f"verdict_{j}" for j in indices if j > 0]]
    out["pass_fraction"] = replicates.mean(axis=1).where(out["section"] != UNTESTED)
    out["order"] = out["section"].map(SECTIONS.index)
    out = out.reset_index().sort_values(["order", "paper", "claim_id"], kind="stable")
    return out.drop(columns="order").reset_index(drop=True)


def _section(kind: str, main_verdict: str, good_everywhere: bool) -> str:
    if kind == IDENTITY:
        return CHECKS if good_everywhere else BROKEN
    if main_verdict in (BELOW_SCALE, THEORY_ONLY):
        return UNTESTED
    return STABLE if good_everywhere else FRAGILE


def to_markdown(table: pd.DataFrame, title: str) -> str:
    """The replication report: a summary line per section, then one row per claim."""
    runs = sorted(int(c.split("_")[1]) for c in table.columns if c.startswith("verdict_"))
    counts = table["section"].value_counts()
    lines = [f"# {title}", ""]
    lines.append(
        f"{len(runs) - 1} replicates (disjoint seed sets of the main run's sizes): "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in SECTIONS)
        + ". A paper claim is stable when it PASSes in the main run and in every replicate, "
        "fragile otherwise."
    )
    lines.append("")
    header = ["claim", "section", "main", *[f"replicate {j}" for j in runs[1:]], "pass fraction"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for row in table.itertuples(index=False):
        verdicts = [
            f"{getattr(row, f'verdict_{j}')} ({getattr(row, f'value_{j}'):.3g})" for j in runs
        ]
        lines.append(
            f"| {row.claim_id} | {row.section} | " + " | ".join(verdicts)
            + f" | {'-' if pd.isna(row.pass_fraction) else f'{row.pass_fraction:.2f}'} |"
        )  # fmt: skip
    return "\n".join(lines) + "\n"
