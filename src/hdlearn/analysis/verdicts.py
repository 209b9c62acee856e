"""The claims registry and its verdict logic.

A claim is one checkable statement of a paper: a statistic computed from the pipeline's tables,
a predicted region for it, and a bootstrap confidence interval over seeds. The verdict is

* PASS when the whole CI lies inside the predicted region,
* FAIL when the whole CI lies outside it,
* INCONCLUSIVE when the CI straddles its edge, or when the data cannot give a value (too few
  points, no threshold crossing): the data cannot decide, never "not computed".

A claim marked ``theory_only`` (a theorem no finite experiment can test, e.g. a hardness result
under a cryptographic assumption) is listed with the verdict THEORY-ONLY and no value: an honest
row of the scorecard that is never counted as a pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from hdlearn.analysis.fits import Estimate, bootstrap

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
SCORECARD_COLUMNS = [
    "claim_id", "paper", "statement", "tables", "statistic", "value", "ci_low", "ci_high",
    "prediction", "verdict",
]  # fmt: skip
#: The columns of a paper's claims table: the scorecard's, then what each row rests on (seeds
#: in the data, bootstrap resamples drawn, resamples whose statistic was finite).
CLAIMS_TABLE_COLUMNS = [*SCORECARD_COLUMNS, "n_seeds", "resamples", "finite_resamples"]


@dataclass(frozen=True)
class Prediction:
    """The predicted region ``[low, high]`` of a statistic (an inequality is half-infinite)."""

    low: float = -math.inf
    high: float = math.inf

    def describe(self) -> str:
        if math.isinf(self.low):
            return f"<= {self.high:g}"
        if math.isinf(self.high):
            return f">= {self.low:g}"
        return f"in [{self.low:g}, {self.high:g}]"

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Claim:
    """One registry entry. ``statistic`` maps the paper's rows (all tables concatenated, with
    their ``experiment`` column) to a number; it is re-evaluated on seed resamples for the CI."""

    claim_id: str
    paper: str
    statement: str
    tables: tuple[str, ...]
    statistic_name: str
    statistic: Callable[[pd.DataFrame], float]
    prediction: Prediction
    #: Optional text computed from the same rows and appended to the statement, e.g. why the
    #: data cannot decide a claim at this scale (the largest d of the run is too small).
    note: Callable[[pd.DataFrame], str] | None = None
    theory_only: bool = False


def verdict(estimate: Estimate, prediction: Prediction) -> str:
    """PASS / FAIL / INCONCLUSIVE from the CI of ``estimate`` (see the module docstring)."""
    low, high = estimate.ci_low, estimate.ci_high
    if not (math.isfinite(estimate.value) and math.isfinite(low) and math.isfinite(high)):
        return INCONCLUSIVE
    if prediction.contains(low) and prediction.contains(high):
        return PASS
    if high < prediction.low or low > prediction.high:
        return FAIL
    return INCONCLUSIVE


def evaluate(
    claim: Claim, rows: pd.DataFrame, *, n_boot: int, seed: int, level: float
) -> dict[str, object]:
    """The scorecard row of ``claim`` on ``rows``."""
    if claim.theory_only:
        return theory_only_row(claim)
    estimate = bootstrap(rows, claim.statistic, by="seed", n_boot=n_boot, seed=seed, level=level)
    note = claim.note(rows) if claim.note is not None else ""
    return {
        "claim_id": claim.claim_id,
        "paper": claim.paper,
        "statement": f"{claim.statement} {note}" if note else claim.statement,
        "tables": ", ".join(claim.tables),
        "statistic": claim.statistic_name,
        "value": estimate.value,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "prediction": claim.prediction.describe(),
        "verdict": verdict(estimate, claim.prediction),
        "n_seeds": int(rows["seed"].nunique()),
        "resamples": n_boot,
        "finite_resamples": estimate.n_resamples,
    }


def scorecard(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """A claims table, one row per claim (:data:`CLAIMS_TABLE_COLUMNS`)."""
    return pd.DataFrame(list(rows), columns=CLAIMS_TABLE_COLUMNS)


def to_markdown(card: pd.DataFrame, title: str) -> str:
    """A readable Markdown scorecard with a verdict tally."""
    tally = card["verdict"].value_counts()
    counts = ", ".join(f"{tally.get(v, 0)} {v}" for v in (PASS, FAIL, INCONCLUSIVE))
    if tally.get(THEORY_ONLY, 0):
        counts += f", {tally[THEORY_ONLY]} {THEORY_ONLY}"
    lines = [f"# {title}", "", counts, ""]
    lines.append("| claim | verdict | value [CI] | prediction | statement |")
    lines.append("|---|---|---|---|---|")
    for row in card.itertuples():
        measured = f"{row.value:.3g} [{row.ci_low:.3g}, {row.ci_high:.3g}]"
        cells = [f"{row.statistic} {row.prediction}", str(row.statement)]
        prediction, statement = (cell.replace("|", "\\|") for cell in cells)
        lines.append(
            f"| {row.claim_id} | **{row.verdict}** | {measured} | {prediction} | {statement} |"
        )
    return "\n".join(lines) + "\n"


THEORY_ONLY = "THEORY-ONLY"


def theory_only_row(claim: Claim) -> dict[str, object]:
    """The scorecard row of a claim no experiment can test: no value, verdict THEORY-ONLY."""
    return {
        "claim_id": claim.claim_id,
        "paper": claim.paper,
        "statement": claim.statement,
        "tables": ", ".join(claim.tables),
        "statistic": claim.statistic_name,
        "value": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "prediction": "theory only, not testable numerically",
        "verdict": THEORY_ONLY,
        "n_seeds": 0,
        "resamples": 0,
        "finite_resamples": 0,
    }
