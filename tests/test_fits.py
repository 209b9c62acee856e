"""Tests of hdlearn.analysis.fits."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from hdlearn.analysis import Estimate, bootstrap, first_crossing, loglog_slope
from hdlearn.analysis.fits import Resampling, distinct_resamples, unconditional_interval


def test_loglog_slope_recovers_power_law() -> None:
    x = np.array([1.0, 2.0, 5.0, 10.0, 40.0])
    slope, intercept = loglog_slope(x, 3.0 * x**1.5)
    assert slope == pytest.approx(1.5, rel=1e-12)
    assert intercept == pytest.approx(math.log(3.0), rel=1e-12)


def test_loglog_slope_two_points_and_lists() -> None:
    slope, intercept = loglog_slope([1.0, math.e], [2.0, 2.0 / math.e])
    assert slope == pytest.approx(-1.0, rel=1e-12)
    assert intercept == pytest.approx(math.log(2.0), rel=1e-12)


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ([1.0], [1.0], "at least 2 points"),
        ([], [], "at least 2 points"),
        ([1.0, 2.0], [1.0, 0.0], "strictly positive"),
        ([-1.0, 2.0], [1.0, 2.0], "strictly positive"),
        ([1.0, 2.0], [1.0, float("nan")], "finite"),
        ([2.0, 2.0], [1.0, 3.0], "distinct"),
        ([1.0, 2.0, 3.0], [1.0, 2.0], "equal length"),
    ],
)
def test_loglog_slope_rejects_bad_input(x: list[float], y: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        loglog_slope(x, y)


def test_first_crossing_interpolates() -> None:
    assert first_crossing([1.0, 2.0, 3.0], [1.0, 0.6, 0.2], 0.4) == pytest.approx(2.5, rel=1e-12)
    assert first_crossing([1.0, 2.0, 3.0], [1.0, 0.6, 0.2], 0.9) == pytest.approx(1.25, rel=1e-12)
    # exactly at a grid point
    assert first_crossing([1.0, 2.0, 3.0], [1.0, 0.5, 0.2], 0.5) == 2.0


def test_first_crossing_takes_the_first_of_several() -> None:
    x = [0.0, 1.0, 2.0, 3.0, 4.0]
    y = [1.0, 0.0, 1.0, 0.0, 1.0]
    assert first_crossing(x, y, 0.5) == pytest.approx(0.5, rel=1e-12)


def test_first_crossing_at_start_and_never() -> None:
    assert first_crossing([1.0, 2.0], [0.3, 0.1], 0.4) == 1.0
    assert first_crossing([1.0, 2.0], [0.4, 0.9], 0.4) == 1.0
    assert math.isnan(first_crossing([1.0, 2.0, 3.0], [1.0, 0.8, 0.5], 0.4))
    assert math.isnan(first_crossing([1.0, 2.0], [float("nan"), float("nan")], 0.4))


def test_first_crossing_is_nan_strict() -> None:
    # a diverged point is never dropped: interpolating across it could invent a crossing
    assert math.isnan(first_crossing([1.0, 2.0, 3.0], [1.0, float("nan"), 0.2], 0.4))
    assert math.isnan(first_crossing([1.0, 2.0, 3.0], [float("nan"), 0.3, 0.1], 0.4))
    assert math.isnan(first_crossing([1.0, 2.0], [1.0, 0.1], float("nan")))
    assert math.isnan(first_crossing([], [], 0.4))


def test_first_crossing_rejects_unsorted_x() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        first_crossing([1.0, 1.0, 2.0], [1.0, 0.5, 0.1], 0.4)


def _seed_frame(noise_scale: float, n_seeds: int = 20, rows: int = 4) -> pd.DataFrame:
    """``rows`` rows per seed; value = 2 + noise_scale * (seed effect + row noise)."""
    rng = np.random.default_rng(123)
    effects = rng.normal(size=n_seeds)
    row_noise = rng.normal(size=(n_seeds, rows))
    values = 2.0 + noise_scale * (effects[:, None] + 0.5 * row_noise)
    return pd.DataFrame(
        {
            "seed": np.repeat(np.arange(n_seeds), rows),
            "step": np.tile(np.arange(rows), n_seeds),
            "value": values.ravel(),
        }
    )


def _mean(frame: pd.DataFrame) -> float:
    return float(frame["value"].mean())


def test_bootstrap_ci_contains_true_mean() -> None:
    frame = _seed_frame(1.0)
    est = bootstrap(frame, _mean, by="seed", n_boot=400, seed=0, level=0.95)
    assert est.value == pytest.approx(frame["value"].mean(), rel=1e-15)
    assert est.ci_low < 2.0 < est.ci_high
    assert est.ci_low < est.value < est.ci_high
    assert est.n_resamples == 400


def test_bootstrap_is_deterministic() -> None:
    frame = _seed_frame(1.0)
    first = bootstrap(frame, _mean, by="seed", n_boot=100, seed=7, level=0.9)
    second = bootstrap(frame, _mean, by="seed", n_boot=100, seed=7, level=0.9)
    other = bootstrap(frame, _mean, by="seed", n_boot=100, seed=8, level=0.9)
    assert first == second
    assert isinstance(first, Estimate)
    assert other.ci_low != first.ci_low


def test_bootstrap_width_scales_with_noise() -> None:
    # Same resampled seeds and a statistic linear in the noise: the width scales exactly.
    wide = bootstrap(_seed_frame(1.0), _mean, by="seed", n_boot=200, seed=3, level=0.9)
    narrow = bootstrap(_seed_frame(0.1), _mean, by="seed", n_boot=200, seed=3, level=0.9)
    wide_width = wide.ci_high - wide.ci_low
    narrow_width = narrow.ci_high - narrow.ci_low
    assert wide_width > 0.0
    assert narrow_width == pytest.approx(0.1 * wide_width, rel=1e-9)


def test_bootstrap_keeps_duplicated_groups_distinct() -> None:
    frame = _seed_frame(1.0)
    sizes: list[tuple[int, int]] = []

    def groups_and_rows(sample: pd.DataFrame) -> float:
        sizes.append((sample["seed"].nunique(), len(sample)))
        return float(sample["seed"].nunique())

    est = bootstrap(frame, groups_and_rows, by="seed", n_boot=50, seed=1, level=0.9)
    assert (est.value, est.ci_low, est.ci_high, est.n_resamples) == (20.0, 20.0, 20.0, 50)
    assert est.n_boot == 50 and est.n_distinct == 50 and est.finite_fraction == 1.0
    assert sizes == [(20, 80)] * 51


def _counting_statistic(period: int) -> Callable[[pd.DataFrame], float]:
    """Finite on calls 0, period, 2 period, ... (call 0 is the full-data value), else NaN."""
    calls = [0]

    def statistic(sample: pd.DataFrame) -> float:
        index = calls[0]
        calls[0] += 1
        return float(index) if index % period == 0 else float("nan")

    return statistic


def test_bootstrap_mostly_nan_gives_infinite_ends() -> None:
    # resample calls 1..30 are finite for 3, 6, ..., 30: 20 of 30 undefined -> both ends open
    est = bootstrap(
        _seed_frame(1.0), _counting_statistic(3), by="seed", n_boot=30, seed=0, level=0.9
    )
    assert est.value == 0.0
    assert est.n_resamples == 10 and est.finite_fraction == pytest.approx(1 / 3)
    assert (est.ci_low, est.ci_high) == (-math.inf, math.inf)


def test_bootstrap_half_finite_is_unconditional() -> None:
    # calls 2, 4, ..., 30 finite: the interval of the finite half alone would be [9, 23], but
    # an undefined resample counts against the claim on both sides
    est = bootstrap(
        _seed_frame(1.0), _counting_statistic(2), by="seed", n_boot=30, seed=0, level=0.5
    )
    assert est.n_resamples == 15
    assert (est.ci_low, est.ci_high) == (-math.inf, math.inf)


def test_unconditional_interval_counts_undefined_against_both_ends() -> None:
    samples = [math.nan, *range(1, 10)]  # one undefined resample of ten
    # quantile 0.2 of [-inf, 1..9] at position 1.8: 1.8; quantile 0.8 of [1..9, inf]: 8.2
    low, high = unconditional_interval(samples, 0.6)
    assert low == pytest.approx(1.8, rel=1e-12) and high == pytest.approx(8.2, rel=1e-12)
    # quantiles 0.1 and 0.9 (positions 0.9 and 8.1) touch the undefined resample: open ends
    assert unconditional_interval(samples, 0.8) == (-math.inf, math.inf)
    finite = np.arange(1.0, 11.0)
    assert unconditional_interval(finite, 0.8) == tuple(np.quantile(finite, [0.1, 0.9]))


def test_distinct_resamples() -> None:
    assert [distinct_resamples(g) for g in (1, 2, 3, 5)] == [1, 3, 10, 126]


@pytest.mark.parametrize(
    ("level", "n_boot", "message"), [(0.0, 10, "level"), (1.0, 10, "level"), (0.9, 0, "n_boot")]
)
def test_bootstrap_rejects_bad_arguments(level: float, n_boot: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bootstrap(_seed_frame(1.0), _mean, by="seed", n_boot=n_boot, seed=0, level=level)


def test_unconditional_interval_treats_infinite_statistics_as_undefined() -> None:
    assert unconditional_interval([math.inf] * 10, 0.8) == (-math.inf, math.inf)
    samples = [-math.inf, *range(1, 10)]
    assert unconditional_interval(samples, 0.6) == pytest.approx((1.8, 8.2), rel=1e-12)


def test_bootstrap_keeps_rows_without_a_group_in_every_resample() -> None:
    """Rows with no seed (a paper's digitised values) are constants: never resampled, never a
    group, present in every resample."""
    seeds = pd.DataFrame({"seed": [0, 1, 2, 3, 4], "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    paper = pd.DataFrame({"seed": [math.nan], "value": [10.0], "constant": [True]})
    data = pd.concat([seeds.assign(constant=False), paper], ignore_index=True)
    seen = []

    def statistic(frame: pd.DataFrame) -> float:
        constant = frame[frame["seed"].isna()]["value"]
        seen.append(len(constant))
        return float(frame.loc[frame["seed"].notna(), "value"].mean() - constant.sum())

    estimate = bootstrap(data, statistic, by="seed", n_boot=50, seed=0, level=0.9)
    assert set(seen) == {1} and estimate.value == pytest.approx(3.0 - 10.0)
    plain = bootstrap(seeds, lambda f: float(f["value"].mean()), by="seed", n_boot=50, seed=0,
                      level=0.9)  # fmt: skip
    assert np.allclose(estimate.samples, plain.samples - 10.0)
    broken = pd.concat([seeds, pd.DataFrame({"seed": [math.nan], "value": [1.0]})])
    with pytest.raises(ValueError, match="marked constant"):
        bootstrap(broken, lambda f: 0.0, by="seed", n_boot=5, seed=0, level=0.9)


def test_a_shared_resampling_bootstraps_each_statistic_as_its_own_bootstrap_would() -> None:
    """One Resampling serves several statistics (a claim, its conditions, its paper's other
    claims): each gets the estimate its own bootstrap call gives, and every distinct multiset's
    frame is built once and handed to every statistic."""
    frame = _seed_frame(1.0)
    shared = Resampling(frame, by="seed", n_boot=300, seed=5)
    seen: dict[str, list[int]] = {"mean": [], "max": []}

    def recording(name: str, reduce: Callable[[pd.Series], float]):
        def statistic(rows: pd.DataFrame) -> float:
            seen[name].append(id(rows))
            return float(reduce(rows["value"]))

        return statistic

    for name, reduce in (("mean", pd.Series.mean), ("max", pd.Series.max)):
        alone = bootstrap(frame, lambda rows, r=reduce: float(r(rows["value"])), by="seed",
                          n_boot=300, seed=5, level=0.9)  # fmt: skip
        together = shared.estimate(recording(name, reduce), 0.9)
        assert (together.value, together.ci_low, together.ci_high) == (
            alone.value, alone.ci_low, alone.ci_high,
        )  # fmt: skip
        assert together.n_distinct == alone.n_distinct
        np.testing.assert_array_equal(together.samples, alone.samples)
    # the same frames (the data, then one per distinct multiset), in the same order
    assert seen["mean"] == seen["max"] and len(set(seen["mean"][1:])) == together.n_distinct
