"""The claims registry and its verdict logic.

A claim is one checkable statement of a paper: a statistic computed from the pipeline's tables,
a predicted region for it, and a seed-level bootstrap (:func:`hdlearn.analysis.fits.bootstrap`).
Rows come in four kinds, and each kind has its own verdicts:

* **Paper claims** (``kind="claim"``): PASS, FAIL or INCONCLUSIVE.

  - PASS when the point estimate and its whole *unconditional* interval lie inside the
    predicted region (an undefined resample counts against the claim on both sides, see
    :func:`hdlearn.analysis.fits.unconditional_interval`, so at least the confidence level of
    *all* resamples were finite and inside);
  - FAIL when the point estimate and the whole interval lie outside it (at least that many
    resamples finite and outside);
  - INCONCLUSIVE otherwise, always with a ``reason``: the interval straddles the region's
    edge, the statistic is undefined on the run's data or in too many resamples, or the claim
    rests on fewer than ``min_seeds`` seeds (with 3 seeds the bootstrap has 10 distinct
    resamples: its interval is too coarse to decide anything).

  A point estimate outside its own percentile interval (a statistic that is not smooth in the
  seeds, e.g. a minimum) is decided on the hull of both, and the reason says so.

  A claim may presuppose further ``conditions`` (e.g. "breaking the symmetry removes the
  cost" presupposes that the conv net learns at all; "the 3-layer threshold lies near 1.5"
  presupposes that it lies before the kernel's): each is a statistic with its own region,
  bootstrapped on the same resamples and decided by the same rule, and the claim is their
  conjunction: FAIL when the main statistic or any condition FAILs, PASS when all PASS,
  INCONCLUSIVE otherwise. So the alternative a condition names makes the claim FAIL where,
  read alone, the main statistic would be undefined (INCONCLUSIVE) or would also admit it.
* **Below scale**: a claim whose ``precondition`` is not met by this run's sizes (e.g. the
  paper's asymptotic regime needs a larger d than the run has) gets BELOW-SCALE with the
  reason computed from the rows; it is never PASS or FAIL.
* **Implementation identities** (``kind="identity"``: exact algebra that can only fail if the
  code is broken): CHECK ok or CHECK failed, from the statistic on the full data (no
  bootstrap). They are tallied on their own line; a failed check fails the run.
* **Theory only** (``theory_only``: a theorem no finite experiment can test): THEORY-ONLY,
  no value, never counted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hdlearn.analysis.fits import Estimate, Resampling, distinct_resamples

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
BELOW_SCALE = "BELOW-SCALE"
CHECK_OK, CHECK_FAILED = "CHECK ok", "CHECK failed"
THEORY_ONLY = "THEORY-ONLY"
#: The verdicts a paper claim can get, in the order the scorecard tallies them.
CLAIM_VERDICTS = (PASS, FAIL, INCONCLUSIVE, BELOW_SCALE, THEORY_ONLY)
CHECK_VERDICTS = (CHECK_OK, CHECK_FAILED)
CLAIM, IDENTITY = "claim", "identity"

SCORECARD_COLUMNS = [
    "claim_id", "paper", "kind", "statement", "tables", "statistic", "value", "ci_low",
    "ci_high", "prediction", "verdict", "reason", "conditions", "provenance", "source",
    "variant", "n_seeds", "finite_fraction", "inside_fraction",
]  # fmt: skip
#: The columns of a paper's claims table: the scorecard's, then the bootstrap's bookkeeping
#: (resamples drawn, resamples whose statistic was finite, distinct multisets of seeds drawn).
CLAIMS_TABLE_COLUMNS = [*SCORECARD_COLUMNS, "resamples", "finite_resamples", "distinct_resamples"]


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
class Condition:
    """A statement a claim presupposes: ``statistic`` (rows -> number, like the claim's own)
    must lie in ``prediction``. ``name`` says what it measures, e.g. ``"min fraction learned
    (conv, k=3)"``."""

    name: str
    statistic: Callable[[pd.DataFrame], float]
    prediction: Prediction

    def describe(self) -> str:
        return f"{self.name} {self.prediction.describe()}"


@dataclass(frozen=True)
class Claim:
    """One registry entry. ``statistic`` maps the paper's rows (all tables concatenated, with
    their ``experiment`` column) to a number; it is re-evaluated on seed resamples for the CI.

    ``precondition`` returns ``""`` when this run's rows can test the claim and otherwise the
    reason they cannot (then the verdict is BELOW-SCALE). ``variant`` says which variant of an
    experiment the statistic scores (width, pre-processing, budget set), as text built from
    the same settings the statistic reads. ``kind`` is ``"claim"`` or ``"identity"``.
    ``conditions`` are the statements the claim presupposes (see the module docstring); a
    paper claim only."""

    claim_id: str
    paper: str
    statement: str
    tables: tuple[str, ...]
    statistic_name: str
    statistic: Callable[[pd.DataFrame], float]
    prediction: Prediction
    #: Optional text computed from the same rows and appended to the statement.
    note: Callable[[pd.DataFrame], str] | None = None
    theory_only: bool = False
    kind: str = CLAIM
    precondition: Callable[[pd.DataFrame], str] | None = None
    variant: str = ""
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in (CLAIM, IDENTITY):
            raise ValueError(f"{self.claim_id}: kind must be {CLAIM!r} or {IDENTITY!r}")
        if self.conditions and self.kind != CLAIM:
            raise ValueError(f"{self.claim_id}: only a paper claim can have conditions")

    def describe_prediction(self) -> str:
        """The region of the statistic, then every condition (``; and ...``)."""
        return "; and ".join([self.prediction.describe(), *(c.describe() for c in self.conditions)])


@dataclass(frozen=True)
class VerdictSettings:
    """The engine's settings, from a paper's claims block: ``bootstrap`` resamples, their
    ``bootstrap_seed``, the ``confidence`` level of the intervals, and ``min_seeds``, the
    fewest seeds a paper claim may be decided on."""

    bootstrap: int
    bootstrap_seed: int
    confidence: float
    min_seeds: int

    @classmethod
    def of(cls, block: Mapping[str, Any]) -> VerdictSettings:
        return cls(
            int(block["bootstrap"]), int(block["bootstrap_seed"]), float(block["confidence"]),
            int(block["min_seeds"]),
        )  # fmt: skip


def decide(
    estimate: Estimate, prediction: Prediction, n_seeds: int, min_seeds: int, level: float
) -> tuple[str, str]:
    """``(verdict, reason)`` of a paper claim from its bootstrap at confidence ``level`` (see
    the module docstring)."""
    value, low, high = estimate.value, estimate.ci_low, estimate.ci_high
    undefined = 1.0 - estimate.finite_fraction
    if n_seeds < min_seeds:
        return INCONCLUSIVE, (
            f"CI too coarse to decide: {n_seeds} seed(s) give "
            f"{distinct_resamples(n_seeds)} distinct resamples (min_seeds = {min_seeds})"
        )
    if not math.isfinite(value):
        return INCONCLUSIVE, "statistic undefined on the run's data"
    if math.isnan(low) or math.isnan(high):
        return INCONCLUSIVE, "interval undefined"
    reasons = []
    if not low <= value <= high:
        reasons.append("point estimate outside its percentile interval: decided on the hull")
        low, high = min(low, value), max(high, value)
    decided = "; ".join(reasons)
    # the interval ends already count undefined resamples against the claim; the explicit
    # fraction keeps the rule true for any estimate handed in
    if estimate.finite_fraction >= level:
        if prediction.contains(low) and prediction.contains(high):
            return PASS, decided
        if high < prediction.low or low > prediction.high:
            return FAIL, decided
    if undefined > 0 and (math.isinf(low) or math.isinf(high) or undefined > 1.0 - level):
        reasons.append(f"statistic undefined in {undefined:.0%} of the resamples")
    else:
        reasons.append("interval straddles the region's edge")
    return INCONCLUSIVE, "; ".join(reasons)


def evaluate(
    claim: Claim,
    rows: pd.DataFrame,
    settings: VerdictSettings,
    provenance: Mapping[str, str] | None = None,
    resamplings: dict[tuple[str, ...], Resampling] | None = None,
) -> dict[str, object]:
    """The claims-table row of ``claim`` on ``rows``; ``provenance`` is the claim's config
    entry (``tag`` and ``ref``). Only the rows of the claim's own tables count (their
    ``experiment`` column): its seeds are the seeds it rests on and the bootstrap resamples.

    The claim and its conditions share one :class:`~hdlearn.analysis.fits.Resampling` of those
    rows. ``resamplings`` (keyed by the claim's tables) shares them across claims too: pass the
    same dict, and the same ``rows`` and ``settings``, for every claim of a paper."""
    if "experiment" in rows:
        rows = rows[rows["experiment"].isin(claim.tables)]
    base = {
        "claim_id": claim.claim_id,
        "paper": claim.paper,
        "kind": claim.kind,
        "statement": claim.statement,
        "tables": ", ".join(claim.tables),
        "statistic": claim.statistic_name,
        "prediction": claim.describe_prediction(),
        "conditions": "",
        "provenance": (provenance or {}).get("tag", ""),
        "source": (provenance or {}).get("ref", ""),
        "variant": claim.variant,
        "n_seeds": int(rows["seed"].nunique()) if "seed" in rows else 0,
    }
    if claim.theory_only:
        return {
            **base, "kind": "theory", "value": math.nan, "ci_low": math.nan, "ci_high": math.nan,
            "prediction": "theory only, not testable numerically", "verdict": THEORY_ONLY,
            "reason": "a theorem no finite experiment can test", "n_seeds": 0,
            **_bookkeeping(None),
        }  # fmt: skip
    note = claim.note(rows) if claim.note is not None else ""
    if note:
        base["statement"] = f"{claim.statement} {note}"
    if claim.kind == IDENTITY:
        value = float(claim.statistic(rows))
        ok = math.isfinite(value) and claim.prediction.contains(value)
        return {
            **base, "value": value, "ci_low": math.nan, "ci_high": math.nan,
            "verdict": CHECK_OK if ok else CHECK_FAILED,
            "reason": "" if ok else (
                "an exact identity does not hold: the code is broken" if math.isfinite(value)
                else "the identity's statistic is undefined: its table or the code is broken"
            ),
            **_bookkeeping(None),
        }  # fmt: skip
    below = claim.precondition(rows) if claim.precondition is not None else ""
    if below:
        return {
            **base, "value": float(claim.statistic(rows)), "ci_low": math.nan,
            "ci_high": math.nan, "verdict": BELOW_SCALE, "reason": below, **_bookkeeping(None),
        }  # fmt: skip
    resamplings = {} if resamplings is None else resamplings
    if claim.tables not in resamplings:
        resamplings[claim.tables] = Resampling(
            rows, by="seed", n_boot=settings.bootstrap, seed=settings.bootstrap_seed
        )
    resampling = resamplings[claim.tables]
    estimate = resampling.estimate(claim.statistic, settings.confidence)
    verdict, reason = decide(
        estimate, claim.prediction, base["n_seeds"], settings.min_seeds, settings.confidence
    )
    # with fewer than min_seeds seeds nothing is decided, a condition neither
    coarse = base["n_seeds"] < settings.min_seeds
    conditions = () if coarse else claim.conditions
    decided = [
        (c.name, *_decide_condition(c, resampling, settings, base["n_seeds"])) for c in conditions
    ]
    verdict, reason = conjunction((verdict, reason), decided)
    inside = sum(1 for t in estimate.samples if claim.prediction.contains(t))
    return {
        **base, "value": estimate.value, "ci_low": estimate.ci_low, "ci_high": estimate.ci_high,
        "verdict": verdict, "reason": reason, **_bookkeeping(estimate),
        "conditions": "; ".join(text for _, _, text in decided),
        "inside_fraction": inside / estimate.n_boot,
    }  # fmt: skip


def _decide_condition(
    condition: Condition, resampling: Resampling, settings: VerdictSettings, n_seeds: int
) -> tuple[str, str]:
    """``(verdict, text)`` of one condition: bootstrapped on the claim's resamples and decided
    by :func:`decide`; ``text`` is ``name = value [CI] region: verdict`` (with the reason when
    it is not a clean PASS/FAIL)."""
    estimate = resampling.estimate(condition.statistic, settings.confidence)
    verdict, reason = decide(
        estimate, condition.prediction, n_seeds, settings.min_seeds, settings.confidence
    )
    interval = f"{estimate.value:.3g} [{estimate.ci_low:.3g}, {estimate.ci_high:.3g}]"
    text = f"{condition.name} = {interval} {condition.prediction.describe()}: {verdict}"
    return verdict, f"{text} ({reason})" if reason else text


def conjunction(
    main: tuple[str, str], conditions: Sequence[tuple[str, str, str]]
) -> tuple[str, str]:
    """The verdict of a claim and of the conditions it presupposes: FAIL when any part FAILs,
    PASS when every part PASSes, INCONCLUSIVE otherwise. ``main`` is the claim's own
    ``(verdict, reason)``, each condition ``(name, verdict, text)``; the reason adds the
    conditions that decided the verdict, by name."""
    verdict, reason = main
    verdicts = [verdict, *(v for _, v, _ in conditions)]
    parts = [reason] if reason else []
    if FAIL in verdicts:
        parts += [f"condition not met: {name}" for name, v, _ in conditions if v == FAIL]
        return FAIL, "; ".join(parts)
    if all(v == PASS for v in verdicts):
        return PASS, "; ".join(parts)
    parts += [f"condition undecided: {name}" for name, v, _ in conditions if v != PASS]
    return INCONCLUSIVE, "; ".join(parts)


def _bookkeeping(estimate: Estimate | None) -> dict[str, object]:
    """The bootstrap columns of a row (NaN / 0 for a row without a bootstrap)."""
    if estimate is None:
        return {"finite_fraction": math.nan, "inside_fraction": math.nan, "resamples": 0,
                "finite_resamples": 0, "distinct_resamples": 0}  # fmt: skip
    return {
        "finite_fraction": estimate.finite_fraction,
        "resamples": estimate.n_boot,
        "finite_resamples": estimate.n_resamples,
        "distinct_resamples": estimate.n_distinct,
    }


def scorecard(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """A claims table, one row per claim (:data:`CLAIMS_TABLE_COLUMNS`)."""
    return pd.DataFrame(list(rows), columns=CLAIMS_TABLE_COLUMNS)


def tallies(card: pd.DataFrame) -> tuple[str, str]:
    """The scorecard's two tally lines: the paper claims (those decided, then those no run at
    this scale tests), then the implementation's identity checks."""
    verdicts = card[card["kind"] != IDENTITY]["verdict"].value_counts()
    checks = card[card["kind"] == IDENTITY]["verdict"].value_counts()
    tested = [PASS, FAIL, INCONCLUSIVE]
    line = f"Paper claims tested ({sum(verdicts.get(v, 0) for v in tested)}): " + ", ".join(
        f"{verdicts.get(v, 0)} {v}" for v in tested
    )
    untested = [f"{verdicts[v]} {v}" for v in (BELOW_SCALE, THEORY_ONLY) if verdicts.get(v, 0)]
    if untested:
        line += "; not tested at this scale: " + ", ".join(untested)
    identity = ", ".join(f"{checks.get(v, 0)} {v}" for v in CHECK_VERDICTS)
    return line, f"Identity checks ({int(checks.sum())}): {identity}"


def _measured(row: Any) -> str:
    if row.kind == "theory":
        return "-"
    if math.isnan(row.ci_low):
        return f"{row.value:.3g}"
    return f"{row.value:.3g} [{row.ci_low:.3g}, {row.ci_high:.3g}]"


def _support(row: Any) -> str:
    """Seeds and the fraction of resamples whose statistic was finite."""
    if math.isnan(row.finite_fraction):
        return f"{row.n_seeds}" if row.n_seeds else "-"
    return f"{row.n_seeds} / {row.finite_fraction:.0%}"


def to_markdown(card: pd.DataFrame, title: str) -> str:
    """A readable Markdown scorecard: the two tallies, then one table row per claim."""
    claim_tally, check_tally = tallies(card)
    lines = [f"# {title}", "", f"**{claim_tally}**", "", f"**{check_tally}**", ""]
    lines.append(
        "| claim | verdict | value [CI] | prediction | seeds / finite | provenance | statement |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for row in card.itertuples():
        statement = str(row.statement)
        if row.variant:
            statement += f" *Scored: {row.variant}.*"
        if row.conditions:
            statement += f" *Conditions: {row.conditions}.*"
        if row.reason:
            statement += f" *Why: {row.reason}.*"
        cells = [f"{row.statistic} {row.prediction}", str(row.provenance or "-"), statement]
        prediction, provenance, statement = (cell.replace("|", "\\|") for cell in cells)
        lines.append(
            f"| {row.claim_id} | **{row.verdict}** | {_measured(row)} | {prediction} | "
            f"{_support(row)} | {provenance} | {statement} |"
        )
    return "\n".join(lines) + "\n"
