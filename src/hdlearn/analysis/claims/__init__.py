"""The claims scorecard: one module of registry entries per paper."""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import pandas as pd

from hdlearn.analysis.claims import depth, representation, symmetry, tensor
from hdlearn.analysis.claims.core import (
    FAIL,
    INCONCLUSIVE,
    PASS,
    Claim,
    Prediction,
    evaluate,
    scorecard,
    to_markdown,
    verdict,
)
from hdlearn.io import read_table

PAPERS: dict[str, ModuleType] = {
    "depth": depth,
    "representation": representation,
    "symmetry": symmetry,
    "tensor": tensor,
}


def run_claims(settings: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Evaluate every paper's claims. ``settings[paper]`` holds ``claims`` (the config block)
    and ``tables`` (``{table_name: parquet path}``)."""
    rows = []
    for paper, block in settings.items():
        module = PAPERS[paper]
        tables = {name: read_table(path) for name, path in block["tables"].items()}
        selected = module.select_rows(tables)
        cfg = block["claims"]
        for claim in module.claims(cfg):
            rows.append(
                evaluate(
                    claim,
                    selected,
                    n_boot=cfg["bootstrap"],
                    seed=cfg["bootstrap_seed"],
                    level=cfg["confidence"],
                )
            )
    return scorecard(rows)


__all__ = [
    "FAIL",
    "INCONCLUSIVE",
    "PAPERS",
    "PASS",
    "Claim",
    "Prediction",
    "evaluate",
    "run_claims",
    "scorecard",
    "to_markdown",
    "verdict",
]
