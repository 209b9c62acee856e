"""The symmetry paper (arXiv 2208.03113): hypercube targets, mean-field nets, online SGD, the
equivariance check, the censored analysis and every claim statistic on synthetic tables (the
claims' verdicts: tests/test_claims_symmetry.py)."""

import copy
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from hdlearn.analysis.strict import (
    group_median_mean,
    strict_groups,
    strict_max,
    strict_min,
    strict_spread,
)
from hdlearn.config import validate_config
from hdlearn.io import params_hash
from hdlearn.models.meanfield import Untied, init_conv, init_fc, step_sizes
from hdlearn.papers.symmetry import analysis as sym_analysis
from hdlearn.papers.symmetry import claims as sym_claims
from hdlearn.papers.symmetry import experiment as symmetry
from hdlearn.papers.symmetry import grid as symmetry_grid
from hdlearn.papers.symmetry.analysis import series_slope, steps_summary
from hdlearn.seeding import generators
from hdlearn.targets.hypercube import BooleanTarget, hypercube_inputs, named_target
from hdlearn.training.online import evaluation_schedule, online_step, train_until_learned

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")
CONFIG = yaml.safe_load((ROOT / "config/config.yaml").read_text())


def _cube(d):
    return torch.tensor(list(itertools.product([-1.0, 1.0], repeat=d)), dtype=torch.float64)


# --------------------------------------------------------------------------- targets


def test_named_targets_values_variance_and_leap():
    x = _cube(5)
    parity = named_target("parity", 3)
    assert torch.equal(parity(x), x[:, 0] * x[:, 1] * x[:, 2])
    stair = named_target("staircase", 3)
    assert torch.equal(stair(x), x[:, 0] + x[:, 0] * x[:, 1] + x[:, 0] * x[:, 1] * x[:, 2])
    jump = named_target("jump", 3)
    assert torch.equal(jump(x), x[:, 0] + x[:, 0] * x[:, 1] * x[:, 2])
    for target, var, leap in ((parity, 1, 3), (stair, 3, 1), (jump, 2, 2)):
        values = target(x)  # exact moments over all 2^5 points
        assert values.mean().item() == 0.0
        assert values.square().mean().item() == pytest.approx(var) == target.variance
        assert target.leap() == leap
    assert named_target("parity", 4).leap() == 4 and named_target("staircase", 4).leap() == 1
    with pytest.raises(ValueError):
        BooleanTarget(((0, 1), (1, 0)), (1.0, 1.0))
    with pytest.raises(ValueError):
        named_target("sine", 2)


def test_hypercube_inputs_are_signs_and_seeded():
    a = hypercube_inputs(64, 7, generators([0, 1], "x"), CPU)
    b = hypercube_inputs(64, 7, generators([0, 1], "x"), CPU)
    assert a.shape == (2, 64, 7) and torch.equal(a, b)
    assert set(a.unique().tolist()) == {-1.0, 1.0}
    assert not torch.equal(a[0], a[1])


# --------------------------------------------------------------------------- models


def test_fc_forward_and_steps_match_the_formulas():
    net = init_fc(6, 5, 2, generators([3], "i"), first_bias=1.0, hidden_bias=0.5, device=CPU,
                  dtype=torch.float64)  # fmt: skip
    x = hypercube_inputs(4, 6, generators([0], "x"), CPU, torch.float64)
    w, a, b = net.body.weights[0][0], net.body.weights[1][0, 0], net.body.biases[0][0]
    manual = torch.relu(x[0] @ w.T + b) @ a / 5
    assert torch.allclose(net(x)[0], manual)
    assert net.names() == ["W1", "a", "b1"]
    assert step_sizes(net, 6, 0.2) == pytest.approx([0.2 * 5 / 6, 0.2 * 5, 0.2 * 5])
    deep = init_fc(6, 5, 4, generators([3], "i"), first_bias=1.0, hidden_bias=0.5, device=CPU)
    assert deep.names() == ["W1", "W2", "W3", "a", "b1", "b2", "b3"]
    assert step_sizes(deep, 6, 0.2) == pytest.approx([0.2 * 5 / 6, 0.2, 0.2, 1.0, 1.0, 0.2, 0.2])
    assert deep.body.biases[1].abs().max() <= 0.5


def test_conv_forward_matches_the_window_sum_and_is_shift_equivariant():
    d, m, k = 7, 3, 3
    net = init_conv(d, m, k, generators([1], "i"), first_bias=1.0, device=CPU,
                    dtype=torch.float64)  # fmt: skip
    x = hypercube_inputs(5, d, generators([0], "x"), CPU, torch.float64)
    manual = torch.zeros(5, dtype=torch.float64)
    for p in range(d):
        window = x[0][:, [(p + j) % d for j in range(k)]]
        h = torch.relu(window @ net.w[0].T + net.b[0])
        manual += h @ net.a[0, p] / m
    assert torch.allclose(net(x)[0], manual)
    # shifting the input by s and the readout by s leaves the output unchanged
    shifted = type(net)(net.w, net.b, torch.roll(net.a, 2, dims=1))
    assert torch.allclose(shifted(torch.roll(x, 2, dims=2)), net(x))
    assert step_sizes(net, d, 0.2) == pytest.approx([0.2 * m / k, 0.2 * m, 0.2 * m / d])


def test_untied_local_net_is_the_conv_net_with_its_kernel_untied():
    """Unit ``j`` of the local init starts on offset ``j mod d``; copying one conv net's
    kernel, bias and readout into every offset's units gives the conv net's function, and the
    untied steps are the conv net's with ``m = channels``."""
    d, c, k = 7, 3, 3
    conv = init_conv(d, c, k, generators([1], "i"), first_bias=1.0, device=CPU,
                     dtype=torch.float64)  # fmt: skip
    untied = Untied(c, k)
    net = init_fc(d, c * d, 2, generators([2], "i"), first_bias=1.0, hidden_bias=0.0,
                  device=CPU, dtype=torch.float64, local_window=k, untied=untied)  # fmt: skip
    w1 = net.body.weights[0][0]
    assert ((w1 != 0).sum(dim=1) <= k).all()
    for j in range(c * d):
        offset, channel = j % d, j // d
        assert set(torch.nonzero(w1[j]).flatten().tolist()) <= {(offset + t) % d for t in range(k)}
        w1[j] = 0.0
        w1[j, [(offset + t) % d for t in range(k)]] = conv.w[0, channel]
        net.body.biases[0][0, j] = conv.b[0, channel]
        net.body.weights[1][0, 0, j] = conv.a[0, offset, channel]
    x = hypercube_inputs(5, d, generators([0], "x"), CPU, torch.float64)
    assert torch.allclose(net(x), conv(x))
    assert step_sizes(net, d, 0.2) == pytest.approx([0.2 * c / k, 0.2 * c / d, 0.2 * c])
    # the same draws as the mean-field net, its readout times d^-1/2
    meanfield = init_fc(d, c * d, 2, generators([2], "i"), first_bias=1.0, hidden_bias=0.0,
                        device=CPU, dtype=torch.float64, local_window=k)  # fmt: skip
    fresh = init_fc(d, c * d, 2, generators([2], "i"), first_bias=1.0, hidden_bias=0.0,
                    device=CPU, dtype=torch.float64, local_window=k, untied=untied)  # fmt: skip
    assert torch.equal(fresh.body.weights[0], meanfield.body.weights[0])
    assert torch.allclose(fresh.body.weights[1], meanfield.body.weights[1] * d**-0.5)
    assert torch.equal(fresh.body.biases[0], meanfield.body.biases[0])
    with pytest.raises(ValueError, match="untied needs depth 2 and width channels d = 21"):
        init_fc(d, 20, 2, generators([2], "i"), first_bias=1.0, hidden_bias=0.0, device=CPU,
                untied=untied)  # fmt: skip


def test_local_parametrisation_reaches_the_model_of_both_wide_nets():
    """``fc_local`` and ``fc_wide`` cells build the untied net under ``conv`` and the
    mean-field one under ``meanfield``; a changed parametrisation is a new cell."""
    block, presets = CONFIG["scales"]["smoke"]["symmetry"], CONFIG["presets"]["symmetry"]
    names, errors = {}, {}
    for value in ("conv", "meanfield"):
        hyper = {**block.get("hyper", {}), "local_parametrisation": value}
        cells = symmetry_grid.expand({**block, "hyper": hyper}, presets)["breaking"]
        wide = {n: s for n, s in cells.items() if s["arch"] in ("fc_local", "fc_wide")}
        assert {s["arch"] for s in wide.values()} == {"fc_local", "fc_wide"}
        assert all(s["protocol"]["local_parametrisation"] == value for s in wide.values())
        names[value] = set(wide)
        spec = {**next(iter(wide.values())), "d": [6], "cap": 1, "seeds": [0]}
        frame = symmetry.run_cell(spec, CPU)
        errors[value] = frame.loc[frame["metric"] == "final_rel_err", "value"].to_numpy()
    assert not names["conv"] & names["meanfield"]
    # the output scales differ (1/channels against 1/(channels d)), so do the errors
    assert np.isfinite(errors["conv"]).all() and (errors["conv"] != errors["meanfield"]).all()


# --------------------------------------------------------------------------- training


def test_evaluation_schedule():
    assert evaluation_schedule(100, 10, 0.5) == [10, 20, 30, 45, 68, 100]
    steps = evaluation_schedule(40000, 10, 0.03)
    gaps, starts = np.diff(steps[:-1]), np.array(steps[:-2])
    assert steps[-1] == 40000 and np.all(np.diff(steps) > 0)
    assert np.all((gaps <= 0.03 * starts + 1) | (gaps == 10))


def _problem(seeds, d=8, target=None):
    target = target or named_target("parity", 1)
    net = init_fc(d, 16, 2, generators(seeds, "i"), first_bias=1.0, hidden_bias=0.5, device=CPU)
    stream = generators(seeds, "t")

    def draw(c):
        x = hypercube_inputs(c * 8, d, stream, CPU).reshape(len(seeds), c, 8, d).transpose(0, 1)
        return x, target(x)

    x_test = hypercube_inputs(256, d, generators(seeds, "test"), CPU)
    return net, draw, x_test, target(x_test)


def test_members_do_not_interact_and_censoring():
    results = []
    for seeds in ([0, 1], [1]):
        net, draw, x_test, y_test = _problem(seeds)
        results.append(train_until_learned(
            net, net.tensors(), step_sizes(net, 8, 0.2), draw, x_test, y_test, 1.0,
            threshold=0.1, schedule=evaluation_schedule(2000, 5, 0.03), chunk=16,
        ))  # fmt: skip
    both, alone = results
    assert not torch.isnan(both.steps_to_learn).any()  # x1 is learned fast
    assert both.steps_to_learn[1] == alone.steps_to_learn[0]
    net, draw, x_test, y_test = _problem([0], target=named_target("parity", 4))
    capped = train_until_learned(
        net, net.tensors(), step_sizes(net, 8, 0.2), draw, x_test, y_test, 1.0,
        threshold=0.1, schedule=evaluation_schedule(20, 5, 0.03), chunk=16,
    )  # fmt: skip
    assert torch.isnan(capped.steps_to_learn).all() and capped.steps_run == 20
    assert torch.isnan(capped.steps_to_weak).all()  # no weak threshold asked for


def test_weak_learning_comes_no_later_than_learning():
    net, draw, x_test, y_test = _problem([0, 1])
    result = train_until_learned(
        net, net.tensors(), step_sizes(net, 8, 0.2), draw, x_test, y_test, 1.0,
        threshold=0.1, schedule=evaluation_schedule(2000, 5, 0.03), chunk=16,
        weak_threshold=0.9,
    )  # fmt: skip
    assert not torch.isnan(result.steps_to_weak).any()
    assert (result.steps_to_weak <= result.steps_to_learn).all()
    with pytest.raises(ValueError, match="weak_threshold"):
        train_until_learned(
            net, net.tensors(), step_sizes(net, 8, 0.2), draw, x_test, y_test, 1.0,
            threshold=0.5, schedule=[10], chunk=16, weak_threshold=0.4,
        )  # fmt: skip


def test_equivariance_gaps():
    spec = {"d": 8, "k": 2, "width": 16, "steps": 40, "test_samples": 200, "adam_lr": 1e-3,
            "adam_betas": [0.9, 0.999], "adam_eps": 1e-8,
            "protocol": {"batch": 16, "eta": 0.2, "first_bias": 1.0}}  # fmt: skip
    gap = {
        (opt, group): symmetry.equivariance_gap(spec, opt, group, 0, CPU)
        for opt in ("sgd", "adam")
        for group in ("signed_permutation", "rotation")
    }
    assert gap["sgd", "signed_permutation"] < 1e-10
    assert gap["adam", "signed_permutation"] < 1e-10
    assert gap["sgd", "rotation"] < 1e-10
    assert gap["adam", "rotation"] > 1e-4


def test_online_step_is_plain_sgd_on_the_mean_batch_loss():
    net = init_fc(4, 3, 2, generators([0], "i"), first_bias=1.0, hidden_bias=0.5, device=CPU,
                  dtype=torch.float64)  # fmt: skip
    x = hypercube_inputs(8, 4, generators([0], "x"), CPU, torch.float64)
    y = x[..., 0]
    before = [t.clone() for t in net.tensors()]
    for t in before:
        t.requires_grad_(True)
    ref = type(net)(type(net.body)([before[0], before[1]], [before[2]]))
    grads = torch.autograd.grad((ref(x) - y).square().mean(), before)
    online_step(net, net.tensors(), x, y, [0.1, 0.2, 0.3])
    for after, b, g, lr in zip(net.tensors(), before, grads, [0.1, 0.2, 0.3], strict=True):
        assert torch.allclose(after, b.detach() - lr * g)


# --------------------------------------------------------------------------- grid


def test_expand_shares_baseline_cells_and_specs_are_json():
    plan = symmetry_grid.expand(
        CONFIG["scales"]["default"]["symmetry"], CONFIG["presets"]["symmetry"]
    )
    assert set(plan) == set(symmetry_grid.EXPERIMENTS)
    parity = plan["parity"]
    assert set(parity) <= set(plan["breaking"]) | set(parity)
    shared = [name for name in plan["breaking"] if name in parity]
    assert len(shared) == 2  # the FC k = 3 and k = 4 cells
    assert [n for n in plan["staircase"] if n in parity] and [
        n for n in plan["depth"] if n in parity
    ]
    for cells in plan.values():
        for name, spec in cells.items():
            json.dumps(spec)
            assert name.endswith(params_hash(spec))
    conv = next(s for s in plan["breaking"].values() if s["arch"] == "conv")
    assert "width" not in conv["protocol"] and "channels" in conv["protocol"]


def test_fc_local_d_max_drops_only_the_local_net_at_larger_d():
    block = copy.deepcopy(CONFIG["scales"]["default"]["symmetry"])
    presets = CONFIG["presets"]["symmetry"]

    def breaking(d_max):
        block["fc_local_d_max"] = d_max
        plan = symmetry_grid.expand(block, presets)["breaking"]
        return {(s["arch"], s["k"]): (name, s["d"]) for name, s in plan.items()}

    every, capped = breaking(None), breaking(40)
    rows = {row["k"]: sorted(row["d"]) for row in block["breaking"]}
    for k, ds in rows.items():
        assert every["fc_local", k][1] == ds
        assert capped["fc_local", k][1] == [d for d in ds if d <= 40]
        assert capped["conv", k] == every["conv", k]  # the conv cells keep their names
    assert breaking(5).keys() == {key for key in every if key[0] != "fc_local"}


#: The claims whose regime the smoke grid lacks (d <= 40, no k = 4, depth 3 only at k = 2).
SMOKE_BELOW_SCALE = {"SYM-1b", "SYM-1c", "SYM-1d", "SYM-1f", "SYM-1g", "SYM-2a", "SYM-2b",
                     "SYM-2d", "SYM-3c", "SYM-4a", "SYM-4b", "SYM-4f"}  # fmt: skip


@pytest.mark.parametrize("scale", ["smoke", "default", "paper"])
def test_the_grids_meet_the_preconditions_from_default_scale_up(scale):
    """Rows on each scale's grid (every cell of ``expand``, every seed learned): the default
    and paper grids can test every claim; the smoke grid leaves exactly these BELOW-SCALE."""
    block = CONFIG["scales"][scale]["symmetry"]
    plan = symmetry_grid.expand(block, CONFIG["presets"]["symmetry"])
    columns = ["experiment", *sym_analysis.SERIES, "d", "width", "variant", "seed", "metric",
               "value"]  # fmt: skip
    tables = {}
    for experiment, cells in plan.items():
        if experiment == "equivariance":
            continue
        rows = [(experiment, *(spec[key] for key in sym_analysis.SERIES), d, 1, "default", seed,
                 metric, value) for spec in cells.values() for d in spec["d"]
                for seed in block["seeds"]
                for metric, value in (("steps_to_learn", 10.0 * d), ("learned", 1.0))]  # fmt: skip
        tables[experiment] = pd.DataFrame(rows, columns=columns)
    frame = sym_claims.select_rows(tables)
    below = {c.claim_id for c in sym_claims.claims(block["claims"])
             if c.precondition is not None and c.precondition(frame)}  # fmt: skip
    assert below == (SMOKE_BELOW_SCALE if scale == "smoke" else set())


def test_config_rejects_bad_values():
    import copy

    from hdlearn.config import ConfigError

    bad = copy.deepcopy(CONFIG)
    bad["scales"]["default"]["symmetry"]["parity"][0]["cap"] = 0
    with pytest.raises(ConfigError, match="cap"):
        validate_config(bad, ROOT / "config/schema.yaml")
    bad = copy.deepcopy(CONFIG)
    bad["scales"]["default"]["symmetry"]["depth"]["depths"] = [2]
    with pytest.raises(ConfigError, match="depths"):
        validate_config(bad, ROOT / "config/schema.yaml")


# --------------------------------------------------------------------------- analysis


SEEDS = [0, 1, 2, 3]
LAWS = {  # series -> steps(d) for every seed (exact power laws)
    ("fc", 2, "parity", 2): lambda d: 5 * d,
    ("fc", 2, "parity", 3): lambda d: 2 * d**2,
    ("fc", 2, "parity", 4): lambda d: 1 * d**3,
    ("conv", 2, "parity", 3): lambda d: 30 * d**0.5,
    ("conv", 2, "parity", 4): lambda d: 60 * d**0.5,
    ("fc", 3, "parity", 2): lambda d: 2.5 * d,
    ("fc", 3, "parity", 3): lambda d: 1 * d**2,
    ("fc", 2, "staircase", 3): lambda d: 10 * d,
    ("fc", 2, "jump", 3): lambda d: 20 * d,
}
GRID = [10, 20, 40, 80]


def _rows(series, experiment, learned=lambda seed, d: True):
    arch, depth, target, k = series
    rows = []
    for d in GRID:
        for seed in SEEDS:
            ok = learned(seed, d)
            steps = LAWS[series](d) * (1 + 0.01 * seed)
            for metric, value in (("steps_to_learn", steps if ok else math.nan),
                                  ("learned", float(ok)), ("cap", 1e6)):  # fmt: skip
                rows.append({"experiment": experiment, "arch": arch, "depth": depth,
                             "target": target, "k": k, "d": d, "width": 128,
                             "variant": "default", "seed": seed, "metric": metric,
                             "value": value})  # fmt: skip
    return rows


def synthetic_tables():
    fc = {k: ("fc", 2, "parity", k) for k in (2, 3, 4)}
    tables = {
        "parity": _rows(fc[2], "parity") + _rows(fc[3], "parity") + _rows(fc[4], "parity"),
        "breaking": _rows(("conv", 2, "parity", 3), "breaking")
        + _rows(("conv", 2, "parity", 4), "breaking")
        + _rows(fc[3], "breaking"),
        "depth": _rows(fc[2], "depth")
        + _rows(fc[3], "depth")
        + _rows(("fc", 3, "parity", 2), "depth")
        + _rows(("fc", 3, "parity", 3), "depth"),
        "staircase": _rows(("fc", 2, "staircase", 3), "staircase")
        + _rows(("fc", 2, "jump", 3), "staircase")
        + _rows(fc[3], "staircase"),
    }
    eq = []
    for variant, gap in (("sgd:signed_permutation", 1e-16), ("adam:signed_permutation", 2e-16),
                         ("sgd:rotation", 5e-16), ("adam:rotation", 1e-2)):  # fmt: skip
        for seed in SEEDS:
            eq.append({"experiment": "equivariance", "arch": "fc", "depth": 2,
                       "target": "parity", "k": 2, "d": 12, "width": 64, "variant": variant,
                       "seed": seed, "metric": "max_abs_diff",
                       "value": gap * (1 + seed)})  # fmt: skip
    tables["equivariance"] = eq
    return {name: pd.DataFrame(rows) for name, rows in tables.items()}


def test_series_slope_and_summary():
    rows = pd.DataFrame(_rows(("fc", 2, "parity", 3), "parity"))
    assert series_slope(rows, (10, 80), 0.75, k=3) == pytest.approx(2.0, abs=1e-12)
    assert math.isnan(series_slope(rows, (10, 10), 0.75, k=3))  # one point
    half = pd.DataFrame(_rows(("fc", 2, "parity", 3), "parity", lambda s, d: s < 2 or d < 80))
    assert math.isnan(series_slope(half, (10, 80), 0.75, k=3))  # 2/4 learned at d = 80
    assert series_slope(half, (10, 40), 0.75, k=3) == pytest.approx(2.0, abs=1e-12)
    summary = steps_summary(half).set_index("d")
    assert summary.loc[80, "fraction_learned"] == 0.5 and math.isinf(summary.loc[80, "q75"])
    # median of 2*80^2*(1, 1.01, inf, inf): censored
    assert math.isnan(summary.loc[80, "median_steps"])
    assert summary.loc[10, "median_steps"] == pytest.approx(200 * 1.015)


def test_censored_seeds_are_inf_and_undefined_seeds_nan():
    """A seed that never learned is +inf in the median (censored); a NaN ``learned`` (no value)
    is NaN and makes its cell's median and fraction NaN, where pandas would skip it."""
    frame = pd.DataFrame({"steps_to_learn": [50.0, math.nan, math.nan],
                          "learned": [1.0, 0.0, math.nan]})  # fmt: skip
    steps = sym_analysis.censored_steps(frame)
    assert steps[0] == 50.0 and math.isinf(steps[1]) and math.isnan(steps[2])
    rows = pd.DataFrame(_rows(("fc", 2, "parity", 3), "parity"))
    rows.loc[(rows["seed"] == 0) & (rows["d"] == 80), "value"] = math.nan
    summary = steps_summary(rows).set_index("d")
    assert math.isnan(summary.loc[80, "median_steps"])
    assert math.isnan(summary.loc[80, "fraction_learned"])
    assert summary.loc[40, "median_steps"] == pytest.approx(3200 * 1.015)
    assert math.isnan(series_slope(rows, (10, 80), 0.75, k=3))
    assert series_slope(rows, (10, 40), 0.75, k=3) == pytest.approx(2.0, abs=1e-12)


def test_group_median_mean_is_strict_groups():
    """The vectorised medians and means equal :func:`strict_groups` (pandas), +inf included,
    NaN for a group holding a NaN, on groups of 1 to 7 rows."""
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 12, 300)
    values = rng.lognormal(5.0, 1.0, 300)
    values[rng.random(300) < 0.2] = np.inf
    values[rng.random(300) < 0.01] = np.nan
    codes = np.concatenate([codes, np.arange(12, 19).repeat(np.arange(1, 8)), [19]])
    values = np.concatenate([values, rng.normal(size=28), [np.inf]])  # group 19: one +inf
    median, mean, counts = group_median_mean(codes, values, values, 21)
    groups = pd.Series(values).groupby(codes)
    for how, got in (("median", median), ("mean", mean)):
        want = strict_groups(groups, how).reindex(range(21)).to_numpy()
        assert np.array_equal(got, want, equal_nan=True), how
    assert np.isinf(mean[19]) and counts[20] == 0 and np.isnan(median[20])


def test_symmetry_statistics_exact_values():
    f = sym_claims.select_rows(synthetic_tables())
    k2, k3 = {"arch": "fc", "depth": 2, "target": "parity", "k": 2}, sym_analysis.PARITY3
    conv3 = {"arch": "conv", "target": "parity", "k": 3}
    assert sym_analysis.min_fraction_learned(f, "parity") == 1.0
    assert sym_analysis.slope(f, "parity", (20, 80), 0.75, **k2) == pytest.approx(1.0)
    assert sym_analysis.ratio_growth(f, "parity", (10, 40), k3, k2) == pytest.approx(4.0)
    assert sym_analysis.steps_ratio(f, "parity", 20, {**k3, "k": 4}, k3) == pytest.approx(10.0)
    assert sym_analysis.slope(f, "breaking", (10, 80), 0.75, **conv3) == pytest.approx(0.5)
    assert sym_analysis.steps_ratio(f, "breaking", 80, k3, conv3) == pytest.approx(
        2 * 6400 / (30 * 80**0.5)
    )
    assert sym_analysis.depth_slope_spread(f, 0.75) == pytest.approx(0.0, abs=1e-12)
    assert sym_analysis.depth_ratio_extreme(f) == pytest.approx(2.0)
    assert sym_analysis.depth_k_ratio(f, 20) == pytest.approx(8.0)  # depth 3: 400/50; depth 2 too
    assert sym_analysis.staircase_ordering(f, 40) == pytest.approx(2.0)
    assert sym_analysis.steps_ratio(f, "staircase", 40, k3, sym_analysis.STAIR) == pytest.approx(
        8.0
    )
    assert sym_analysis.ratio_growth(f, "staircase", (10, 40), k3, sym_analysis.STAIR) == \
        pytest.approx(4.0)  # fmt: skip
    assert sym_analysis.equivariance_gap(f, "adam:rotation") == pytest.approx(4e-2)


def test_extremes_never_drop_a_censored_point_whatever_its_position():
    for values in ([math.nan, 2.0, 1.0], [2.0, math.nan, 1.0], [1.0, 2.0, math.nan]):
        assert math.isnan(strict_max(values)) and math.isnan(strict_min(values))
        assert math.isnan(strict_spread(values))
    assert strict_max([2.0, 1.0, 3.0]) == 3.0 and strict_min([2.0, 1.0, 3.0]) == 1.0
    assert strict_spread([2.0, 1.0, 3.0]) == 2.0
    assert math.isnan(strict_max([])) and math.isnan(strict_spread([1.0]))


@pytest.mark.parametrize("d", [40, 80])
def test_a_censored_median_makes_the_ordering_and_depth_statistics_nan(d):
    """A series whose median is censored at one d (here 3 of 4 seeds never learn) makes the
    "at every d" statistics NaN, whichever d it is."""
    tables = synthetic_tables()
    stair = ("fc", 2, "staircase", 3)
    staircase, depth = tables["staircase"], tables["depth"]
    tables["staircase"] = pd.concat([
        staircase[staircase["target"] != "staircase"],
        pd.DataFrame(_rows(stair, "staircase", lambda s, dd: dd != d or s == 0)),
    ])  # fmt: skip
    tables["depth"] = pd.concat([
        depth[(depth["depth"] != 3) | (depth["k"] != 3)],
        pd.DataFrame(_rows(("fc", 3, "parity", 3), "depth", lambda s, dd: dd != d or s == 0)),
    ])  # fmt: skip
    f = sym_claims.select_rows(tables)
    assert math.isnan(sym_analysis.staircase_ordering(f, 40))
    assert math.isnan(sym_analysis.depth_ratio_extreme(f))
    assert math.isnan(sym_analysis.depth_k_ratio(f, d))
    assert math.isnan(sym_analysis.depth_slope_spread(f, 0.0))  # the censored slope is NaN
    assert sym_analysis.min_fraction_learned(f, "staircase") == 0.25
    assert sym_analysis.depth_k_ratio(f, 20) == pytest.approx(8.0)  # other d: unaffected


def test_equivariance_gap_is_nan_when_a_seed_is():
    tables = synthetic_tables()
    eq = tables["equivariance"]
    one = (eq["variant"] == "sgd:rotation") & (eq["seed"] == SEEDS[1])
    tables["equivariance"] = eq.assign(value=eq["value"].mask(one))
    f = sym_claims.select_rows(tables)
    assert math.isnan(sym_analysis.equivariance_gap(f, "sgd:rotation"))
    assert sym_analysis.equivariance_gap(f, "adam:rotation") == pytest.approx(4e-2)
    assert math.isnan(sym_analysis.equivariance_gap(f, "no_such_variant"))
