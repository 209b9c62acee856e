"""The verdict engine (hdlearn.analysis.verdicts): classes, unconditional intervals, tallies."""

import math

import numpy as np
import pandas as pd
import pytest

from hdlearn.analysis.fits import Estimate, unconditional_interval
from hdlearn.analysis.verdicts import (
    BELOW_SCALE,
    CHECK_FAILED,
    CHECK_OK,
    FAIL,
    INCONCLUSIVE,
    PASS,
    THEORY_ONLY,
    Claim,
    Condition,
    Prediction,
    VerdictSettings,
    conjunction,
    decide,
    evaluate,
    scorecard,
    tallies,
    to_markdown,
)

SETTINGS = VerdictSettings(bootstrap=200, bootstrap_seed=0, confidence=0.9, min_seeds=5)


def _estimate(value, low, high, finite=1.0):
    return Estimate(value, low, high, int(100 * finite), 100, 100)


@pytest.mark.parametrize(
    ("estimate", "prediction", "expected"),
    [
        ((0.55, 0.5, 0.6), Prediction(high=0.75), PASS),
        ((0.85, 0.8, 0.9), Prediction(high=0.75), FAIL),
        ((0.75, 0.7, 0.8), Prediction(high=0.75), INCONCLUSIVE),
        ((1.5, 1.4, 1.6), Prediction(1.35, 1.9), PASS),
        ((2.0, 1.95, 2.1), Prediction(1.35, 1.9), FAIL),
        ((1.3, 1.2, 1.5), Prediction(1.35, 1.9), INCONCLUSIVE),
        ((math.nan, 0.9, 1.0), Prediction(low=0.9), INCONCLUSIVE),
        # an undefined upper tail (more than (1 - level)/2 of the resamples) never passes
        ((0.5, 0.4, math.inf), Prediction(high=0.75), INCONCLUSIVE),
        # an infinite end on the region's open side does not stop a PASS when every
        # resample is finite ...
        ((0.5, 0.4, math.inf), Prediction(low=0.3), PASS),
        # a point estimate outside its own interval is decided on the hull
        ((0.8, 0.5, 0.7), Prediction(high=0.75), INCONCLUSIVE),
        ((0.6, 0.8, 0.9), Prediction(high=0.75), INCONCLUSIVE),
    ],
)
def test_decide(estimate, prediction, expected):
    assert decide(_estimate(*estimate), prediction, 5, 5, 0.9)[0] == expected


def test_decide_needs_the_confidence_level_of_all_resamples_finite():
    # ... but not when a fifth of the resamples were undefined, whatever the interval says
    estimate = _estimate(0.5, 0.4, math.inf, finite=0.8)
    verdict, reason = decide(estimate, Prediction(low=0.3), 5, 5, 0.9)
    assert verdict == INCONCLUSIVE and reason == "statistic undefined in 20% of the resamples"


def test_decide_reasons():
    verdict, reason = decide(_estimate(0.55, 0.5, 0.6), Prediction(high=0.75), 3, 5, 0.9)
    assert verdict == INCONCLUSIVE and reason.startswith("CI too coarse")
    assert "3 seed(s) give 10 distinct resamples (min_seeds = 5)" in reason
    verdict, reason = decide(_estimate(0.5, 0.4, math.inf, 0.8), Prediction(high=0.75), 5, 5, 0.9)
    assert verdict == INCONCLUSIVE and reason == "statistic undefined in 20% of the resamples"
    verdict, reason = decide(_estimate(0.5, 0.2, 0.4), Prediction(high=0.75), 5, 5, 0.9)
    assert verdict == PASS and reason.startswith("point estimate outside")


def _rows(values_by_seed):
    """Three rows per seed, each with its seed's value."""
    seeds = np.repeat(np.arange(len(values_by_seed)), 3)
    return pd.DataFrame({"seed": seeds, "value": np.repeat(values_by_seed, 3)})


def _mean(f: pd.DataFrame) -> float:
    return float(f["value"].mean(skipna=False))


def _claim(**kw):
    base = dict(
        claim_id="X-1", paper="x", statement="The value is small.", tables=("t",),
        statistic_name="mean", statistic=_mean, prediction=Prediction(high=0.75),
    )  # fmt: skip
    return Claim(**{**base, **kw})


def test_evaluate_pass_fail_and_bookkeeping():
    row = evaluate(_claim(), _rows([0.5] * 6), SETTINGS, {"tag": "paper", "ref": "Thm 1"})
    assert row["verdict"] == PASS and row["value"] == 0.5 and row["ci_low"] == row["ci_high"]
    assert (row["n_seeds"], row["resamples"], row["finite_fraction"]) == (6, 200, 1.0)
    assert row["inside_fraction"] == 1.0 and row["distinct_resamples"] > 1
    assert (row["provenance"], row["source"], row["kind"]) == ("paper", "Thm 1", "claim")
    assert evaluate(_claim(), _rows([0.9] * 6), SETTINGS)["verdict"] == FAIL


def test_diverged_seed_is_never_a_pass():
    """One seed of six diverged (NaN): the full-data statistic is undefined, and about a
    resample that draws it is too: all but (5/6)^6 = 33% of them."""
    row = evaluate(_claim(), _rows([0.5] * 5 + [math.nan]), SETTINGS)
    assert row["verdict"] == INCONCLUSIVE and math.isnan(row["value"])
    assert 0.25 < row["finite_fraction"] < 0.45
    assert row["ci_high"] == math.inf


def test_few_seeds_are_too_coarse():
    row = evaluate(_claim(), _rows([0.5] * 3), SETTINGS)
    assert row["verdict"] == INCONCLUSIVE and "too coarse" in row["reason"]


def _max(f: pd.DataFrame) -> float:
    return float(f["value"].max(skipna=False))


@pytest.mark.parametrize(
    ("main", "conditions", "expected"),
    [
        (PASS, [PASS, PASS], PASS),
        (PASS, [FAIL], FAIL),
        (INCONCLUSIVE, [FAIL], FAIL),
        (FAIL, [PASS], FAIL),
        (PASS, [INCONCLUSIVE], INCONCLUSIVE),
        (INCONCLUSIVE, [PASS], INCONCLUSIVE),
        (FAIL, [INCONCLUSIVE], FAIL),
    ],
)
def test_a_claim_is_the_conjunction_of_its_conditions(main, conditions, expected):
    decided = [(f"c{i}", v, f"c{i} text") for i, v in enumerate(conditions)]
    verdict, reason = conjunction((main, ""), decided)
    assert verdict == expected
    if expected == FAIL and main != FAIL:
        assert reason.startswith("condition not met: c")


def test_conditions_are_bootstrapped_and_reported():
    """The statistic alone (the mean) is inside; a presupposed condition (the largest value
    stays below 0.8) decides: one seed at 0.95 FAILs it in every resample that draws it."""
    claim = _claim(conditions=(Condition("max", _max, Prediction(high=0.8)),))
    assert claim.describe_prediction() == "<= 0.75; and max <= 0.8"
    ok = evaluate(claim, _rows([0.5] * 6), SETTINGS)
    assert ok["verdict"] == PASS and ok["conditions"] == "max = 0.5 [0.5, 0.5] <= 0.8: PASS"
    bad = evaluate(claim, _rows([0.5] * 5 + [0.95]), SETTINGS)
    assert bad["value"] < 0.75 and bad["verdict"] == INCONCLUSIVE, bad  # 0.95 in most draws
    assert "condition undecided: max" in bad["reason"]
    worse = evaluate(claim, _rows([0.5, 0.5, 0.5, 0.95, 0.95, 0.95]), SETTINGS)
    assert worse["verdict"] == FAIL and "condition not met: max" in worse["reason"], worse
    coarse = evaluate(claim, _rows([0.5] * 3), SETTINGS)
    assert coarse["verdict"] == INCONCLUSIVE and coarse["conditions"] == ""
    with pytest.raises(ValueError, match="conditions"):
        _claim(kind="identity", conditions=claim.conditions)


def test_identity_and_below_scale_and_theory_rows():
    check = _claim(kind="identity", prediction=Prediction(high=1e-12))
    assert evaluate(check, _rows([0.0] * 2), SETTINGS)["verdict"] == CHECK_OK
    broken = evaluate(check, _rows([1e-3] * 2), SETTINGS)
    assert broken["verdict"] == CHECK_FAILED and broken["resamples"] == 0
    below = _claim(precondition=lambda f: "" if f["seed"].nunique() > 4 else "too few d")
    row = evaluate(below, _rows([0.5] * 2), SETTINGS)
    assert (row["verdict"], row["reason"], row["value"]) == (BELOW_SCALE, "too few d", 0.5)
    assert evaluate(below, _rows([0.5] * 6), SETTINGS)["verdict"] == PASS
    theory = evaluate(_claim(theory_only=True), _rows([0.5] * 6), SETTINGS)
    assert theory["verdict"] == THEORY_ONLY and theory["kind"] == "theory"
    with pytest.raises(ValueError, match="kind"):
        _claim(kind="lemma")


def test_tallies_keep_identity_checks_apart_and_markdown():
    rows = [
        evaluate(_claim(claim_id="X-1"), _rows([0.5] * 6), SETTINGS, {"tag": "paper", "ref": "r"}),
        evaluate(_claim(claim_id="X-2", statistic_name="|a-b|"), _rows([0.9] * 6), SETTINGS),
        evaluate(_claim(claim_id="X-3", kind="identity"), _rows([0.0] * 6), SETTINGS),
        evaluate(_claim(claim_id="X-4", variant="m = 2r"), _rows([0.5] * 3), SETTINGS),
    ]
    card = scorecard(rows)
    assert tallies(card) == (
        "Paper claims tested (3): 1 PASS, 1 FAIL, 1 INCONCLUSIVE",
        "Identity checks (1): 1 CHECK ok, 0 CHECK failed",
    )
    below = _claim(claim_id="X-5", precondition=lambda f: "too small")
    more = scorecard([*rows, evaluate(below, _rows([0.5] * 6), SETTINGS)])
    assert tallies(more)[0] == (
        "Paper claims tested (3): 1 PASS, 1 FAIL, 1 INCONCLUSIVE; not tested at this scale: "
        "1 BELOW-SCALE"
    )
    text = to_markdown(card, "Scorecard")
    assert text.index("Paper claims") < text.index("Identity checks") < text.index("| X-1 |")
    assert "| X-1 | **PASS** | 0.5 [0.5, 0.5] | mean <= 0.75 | 6 / 100% | paper |" in text
    assert "| \\|a-b\\| <= 0.75 |" in text
    assert "*Scored: m = 2r.*" in text and "*Why: CI too coarse" in text


def test_checks_command_fails_the_run_on_a_failed_identity(tmp_path, capsys):
    from hdlearn.cli import main

    good = evaluate(_claim(claim_id="X-3", kind="identity"), _rows([0.0] * 6), SETTINGS)
    path, output = tmp_path / "claims.csv", tmp_path / "checks.txt"
    scorecard([good]).to_csv(path, index=False)
    main(["checks", "--output", str(output), str(path)])
    assert output.read_text() == "1 identity checks ok: X-3\n"
    output.unlink()
    bad = evaluate(_claim(claim_id="X-4", kind="identity"), _rows([1.0] * 6), SETTINGS)
    scorecard([good, bad]).to_csv(path, index=False)
    with pytest.raises(SystemExit, match="1 of 2 identity checks failed"):
        main(["checks", "--output", str(output), str(path)])
    assert "CHECK failed: X-4 mean = 1.0 (must be <= 0.75)" in capsys.readouterr().err
    assert not output.exists()


def _undefined_on(seed: int):
    """The seed mean of ``value``, undefined in every resample that draws ``seed`` twice."""

    def statistic(f: pd.DataFrame) -> float:
        drawn = f.loc[f["seed"].astype(str).str.startswith(f"{seed}#"), "seed"].nunique()
        return math.nan if drawn >= 2 else float(f["value"].mean())

    return statistic


@pytest.mark.parametrize(
    ("values", "prediction", "expected"),
    [
        # 20 seeds: about 1 - P(seed 0 drawn < 2 times) = 26% of the resamples undefined
        ([0.5] * 20, Prediction(high=0.75), INCONCLUSIVE),
        ([0.9] * 20, Prediction(high=0.75), INCONCLUSIVE),
    ],
)
def test_partly_undefined_bootstrap_neither_passes_nor_fails(values, prediction, expected):
    claim = _claim(statistic=_undefined_on(0), prediction=prediction)
    row = evaluate(claim, _rows(values), SETTINGS)
    assert 0.6 < row["finite_fraction"] < 0.85
    assert row["verdict"] == expected and "undefined in" in row["reason"]


@pytest.mark.parametrize("undefined", [0.04, 0.06])
def test_undefined_fraction_either_side_of_the_tail(undefined):
    """With level 0.9 an upper end touches the undefined resamples once more than 5% are
    undefined: 4% still lets a one-sided claim PASS, 6% does not."""
    samples = np.full(1000, 0.5)
    samples[: int(undefined * 1000)] = np.nan
    estimate = Estimate(0.5, *unconditional_interval(samples, 0.9), int((1 - undefined) * 1000),
                        1000, 10)  # fmt: skip
    verdict, _ = decide(estimate, Prediction(high=0.75), 5, 5, 0.9)
    assert verdict == (PASS if undefined < 0.05 else INCONCLUSIVE)
    high = np.where(np.isnan(samples), np.nan, 0.9)
    failing = Estimate(0.9, *unconditional_interval(high, 0.9), estimate.n_resamples, 1000, 10)
    assert decide(failing, Prediction(high=0.75), 5, 5, 0.9)[0] == (
        FAIL if undefined < 0.05 else INCONCLUSIVE
    )


def test_claims_rest_on_their_own_tables():
    """Seeds and resamples come from the claim's tables only: a 3-seed table does not borrow
    the 6 seeds of another experiment to pass min_seeds."""
    rows = pd.concat([_rows([0.5] * 6).assign(experiment="other"),
                      _rows([0.5] * 3).assign(experiment="t")])  # fmt: skip
    row = evaluate(_claim(), rows, SETTINGS)
    assert row["n_seeds"] == 3 and row["verdict"] == INCONCLUSIVE


@pytest.mark.parametrize(
    ("estimate", "text"),
    [
        ((1.234, 1.1, 1.4), "1.23 [1.10, 1.40]"),
        ((1.234, 1.1, math.inf), "1.23 [1.10, inf]"),
        ((0.474, 0.423, 0.473), "0.47 [0.42, 0.47] (value outside its CI)"),
        ((1e-29, math.nan, math.nan), "0.00"),
        ((math.nan, 0.1, 0.2), "n/a"),
    ],
)
def test_figures_print_the_interval_the_scorecard_has(estimate, text):
    from hdlearn.plotting.style import format_estimate

    assert format_estimate(*estimate) == text
