"""One paper's claims evaluated on its tables: its registry (``hdlearn.papers.<paper>.claims``)
run through the verdict engine (:mod:`hdlearn.analysis.verdicts`). The result is the paper's
tidy claims table (``results/<scale>/claims/<paper>.parquet``): the scorecard columns plus how
many seeds and bootstrap resamples each row rests on. The scorecard joins these tables, and
the figures draw their claim values and intervals from them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hdlearn.analysis.verdicts import VerdictSettings, evaluate, scorecard
from hdlearn.io import read_table
from hdlearn.papers import part


def paper_claims(paper: str, settings: Mapping[str, Any]) -> pd.DataFrame:
    """Evaluate ``paper``'s claims. ``settings`` holds ``claims`` (the config block) and
    ``tables`` (``{table_name: parquet path}``)."""
    module = part(paper, "claims")
    tables = {name: read_table(path) for name, path in settings["tables"].items()}
    selected = module.select_rows(tables)
    cfg = settings["claims"]
    engine = VerdictSettings.of(cfg)
    provenance = cfg["provenance"]
    resamplings: dict = {}  # one resampling per set of tables, shared by the paper's claims
    rows = [
        evaluate(claim, selected, engine, provenance.get(claim.claim_id), resamplings)
        for claim in module.claims(cfg)
    ]
    return scorecard(rows)
