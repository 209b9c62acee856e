"""Damian, Lee & Soltanolkotabi 2022: targets, Algorithm 1, baselines, risk estimates, the grid
and every DLS claim statistic on synthetic tables with known answers (float64). The claims'
verdicts are tested in tests/test_claims_representation.py."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from hdlearn.analysis.estimators import alignment, direction_snr, excess_risk_estimates
from hdlearn.baselines import kernels
from hdlearn.baselines.features import ntk_features, relu_features
from hdlearn.baselines.kernels import arccos_kernels, relu_ntk
from hdlearn.baselines.ridge import ridge_path, ridge_path_dual, ridge_regression
from hdlearn.papers.representation import analysis as dls
from hdlearn.papers.representation import claims as dls_claims
from hdlearn.papers.representation import experiment as rep
from hdlearn.papers.representation import grid as rep_grid
from hdlearn.papers.representation import plotting as dls_plotting
from hdlearn.seeding import generator, generators
from hdlearn.sizes import factor_samples, power_samples
from hdlearn.targets.index import (
    IndexTarget,
    random_orthonormal_rows,
    single_index_terms,
    staircase_terms,
)
from hdlearn.training.one_step import (
    first_step,
    linear_offset,
    symmetric_init,
    zero_offset,
)

CPU = torch.device("cpu")
MAIN = [[2, 1 / math.sqrt(2)], [4, 1 / math.sqrt(2)]]


def _config():
    with open("config/config.yaml") as handle:
        return yaml.safe_load(handle)


# --------------------------------------------------------------------------- targets


def test_orthonormal_rows():
    u = random_orthonormal_rows(3, 12, generators([0, 1], "u"), CPU)
    eye = torch.eye(3, dtype=torch.float64)
    assert u.shape == (2, 3, 12)
    assert torch.allclose(u @ u.transpose(1, 2), eye.expand(2, 3, 3), atol=1e-12)


def test_main_target_is_fig1_link_and_has_unit_norm():
    u = random_orthonormal_rows(1, 8, generators([0], "u"), CPU)
    target = IndexTarget(u, single_index_terms(MAIN))
    z = torch.linspace(-2, 2, 9, dtype=torch.float64)[None, :, None]
    he2, he4 = z**2 - 1, z**4 - 6 * z**2 + 3
    expected = (he2 / 2 + he4 / math.sqrt(48)).squeeze(-1)
    assert torch.allclose(target.of_z(z), expected, atol=1e-12)
    assert target.second_moment() == pytest.approx(1.0)
    x = torch.randn(1, 400_000, 8, generator=generator(0, "mc"), dtype=torch.float64)
    assert target(x).square().mean().item() == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize("r", [1, 2, 4])
def test_staircase_unit_norm_and_hessian_rank(r):
    terms = staircase_terms(r)
    assert sum(c * c for _, c in terms) == pytest.approx(1.0)
    u = random_orthonormal_rows(r, 10, generators([0], "u"), CPU)
    target = IndexTarget(u, terms)
    # E[f* He_2-type second moments]: E[f* (z_i^2 - 1)] = sqrt(2) c_(2 e_i) = 1/sqrt(r)
    z = torch.randn(1, 400_000, r, generator=generator(1, "z"), dtype=torch.float64)
    fz = target.of_z(z)
    for i in range(r):
        assert (fz * (z[..., i] ** 2 - 1)).mean().item() == pytest.approx(
            1 / math.sqrt(r), abs=0.05
        )


def test_duplicate_terms_rejected():
    u = random_orthonormal_rows(1, 4, generators([0], "u"), CPU)
    with pytest.raises(ValueError, match="distinct"):
        IndexTarget(u, (((2,), 1.0), ((2,), 1.0)))


# --------------------------------------------------------------------------- baselines


def test_arccos_endpoints_and_ntk_diagonal():
    k0, k1 = arccos_kernels(torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64))
    assert torch.allclose(k0, torch.tensor([1.0, 0.5, 0.0], dtype=torch.float64))
    assert torch.allclose(k1, torch.tensor([1.0, 1 / math.pi, 0.0], dtype=torch.float64))
    x = torch.randn(1, 5, 7, generator=generator(0, "x"), dtype=torch.float64)
    assert torch.allclose(torch.diagonal(relu_ntk(x, x), dim1=1, dim2=2), 2 * x.square().sum(-1))


def test_relu_ntk_matches_monte_carlo_features():
    gen = generator(3, "ntk")
    x = torch.randn(1, 3, 5, generator=gen, dtype=torch.float64)
    w = torch.randn(200_000, 5, generator=gen, dtype=torch.float64)
    pre = x[0] @ w.T
    relu, gate = torch.relu(pre), (pre > 0).to(torch.float64)
    mc = 2 * (relu @ relu.T + (gate @ gate.T) * (x[0] @ x[0].T)) / w.shape[0]
    assert torch.allclose(relu_ntk(x, x)[0], mc, rtol=0.03, atol=0.03)


@pytest.mark.parametrize("shape", [(2, 97, 61), (3, 40, 16), (1, 5, 3), (2, 33, 1)])
def test_relu_ntk_blocks_equal_one_pass_bit_for_bit(monkeypatch, shape):
    """Blocks of rows (many, at a tiny block size, spanning two members, with odd row lengths)
    give the kernel of one pass over the whole array exactly."""
    members, n1, n2 = shape
    gen = generator(5, "blocks")
    x1 = torch.randn(members, n1, 4, generator=gen, dtype=torch.float64)
    x2 = torch.randn(members, n2, 4, generator=gen, dtype=torch.float64)
    x2[:, 0] = x1[:, 0]  # t = 1 exactly somewhere
    monkeypatch.setattr(kernels, "BLOCK_ELEMENTS", members * n1 * n2 * 16)
    whole = relu_ntk(x1, x2)
    monkeypatch.setattr(kernels, "BLOCK_ELEMENTS", 1)
    assert torch.equal(relu_ntk(x1, x2), whole)


def test_ridge_paths_match_ridge_regression():
    gen = generator(0, "ridge")
    phi = torch.randn(2, 30, 8, generator=gen, dtype=torch.float64)
    y = torch.randn(2, 30, generator=gen, dtype=torch.float64)
    lams = [1e-3, 0.1, 10.0]
    path = ridge_path(
        phi.transpose(1, 2) @ phi, (phi.transpose(1, 2) @ y[..., None])[..., 0], 30, lams
    )
    for i, lam in enumerate(lams):
        assert torch.allclose(path[:, i], ridge_regression(phi, y, lam), atol=1e-10)
    wide = torch.randn(2, 6, 20, generator=gen, dtype=torch.float64)
    y6 = y[:, :6]
    primal = ridge_path(
        wide.transpose(1, 2) @ wide, (wide.transpose(1, 2) @ y6[..., None])[..., 0], 6, lams
    )
    assert torch.allclose(ridge_path_dual(wide, y6, lams), primal, atol=1e-8)
    with pytest.raises(ValueError):
        ridge_path(phi.transpose(1, 2) @ phi, y[:, :8], 30, [0.0])


# --------------------------------------------------------------------------- Algorithm 1


def _spec(**extra):
    hyper = {
        "eta_factor": 0.5, "noise": 1.0, "preprocess": False,
        "lambda_log10": {"start": -8.0, "stop": 6.0, "num": 29}, "chunk": 64,
    }  # fmt: skip
    return {"seeds": [0, 1], "hyper": hyper, "holdout_samples": 300, "test_samples": 300,
            "method": "alg1", "d": 6, "m": 8, **extra}  # fmt: skip


def test_symmetric_init_is_zero_function():
    a, w0 = symmetric_init([0, 1], 6, 8, CPU)
    assert torch.equal(a[:, :4], -a[:, 4:]) and torch.equal(w0[:, :4], w0[:, 4:])
    x = torch.randn(2, 50, 6, generator=generator(0, "x"), dtype=torch.float64)
    out = (torch.relu(x @ w0.transpose(1, 2)) * a[:, None, :]).sum(-1)
    assert torch.allclose(out, torch.zeros_like(out), atol=1e-12)
    with pytest.raises(ValueError, match="even"):
        symmetric_init([0], 6, 7, CPU)


def test_first_step_equals_gd_step_with_weight_decay():
    """Closed form = W0 - eta (grad_W L + W0/eta) for L = (1/n) sum (f - y)^2 at the init."""
    spec = _spec()
    data = rep._Data(spec, 6, CPU)
    target = IndexTarget(data.directions(), single_index_terms(MAIN))
    n, eta = 150, 0.5 * math.sqrt(6)
    a, w0 = symmetric_init([0, 1], 6, 8, CPU)
    w1 = first_step(data.stream(target, n, "train"), a, w0, eta, zero_offset)
    chunks = [(c[0], c[1]) for c in data.stream(target, n, "train")]
    x, y = (torch.cat(t, 1) for t in zip(*chunks, strict=True))
    w = w0.clone().requires_grad_(True)
    f = (torch.relu(x @ w.transpose(1, 2)) * a[:, None, :]).sum(-1)
    ((f - y).square().mean(1)).sum().backward()
    expected = w0 - eta * (w.grad + w0 / eta)
    assert torch.allclose(w1, expected, atol=1e-10)
    assert torch.allclose(w1[:, :4], -w1[:, 4:])


def test_alignment_and_snr():
    u = torch.zeros(1, 1, 5, dtype=torch.float64)
    u[0, 0, 0] = 1.0
    w = torch.zeros(1, 4, 5, dtype=torch.float64)
    w[0, :, 0] = torch.tensor([1.0, -2.0, 3.0, 1.0])
    assert alignment(w, u).item() == pytest.approx(1.0)
    w[0, :, 1] = torch.tensor([1.0, 2.0, 3.0, 1.0])  # as much mass off the subspace
    assert alignment(w, u).item() == pytest.approx(math.sqrt(0.5))
    # M = W^T W / 4: inside 15/4, outside (15/4)/(5 - 1)
    assert direction_snr(w, u).item() == pytest.approx(4.0)


def test_excess_risk_estimates():
    spec = _spec()
    data = rep._Data(spec, 6, CPU)
    target = IndexTarget(data.directions(), single_index_terms(MAIN))

    def stream():
        return data.stream(target, 500, "test")

    def zero_predictor(x):
        return torch.zeros(x.shape[:2], dtype=x.dtype)

    zero = excess_risk_estimates(zero_predictor, stream(), target.second_moment())
    assert torch.allclose(zero["risk"], torch.ones(2, dtype=torch.float64))
    assert torch.allclose(zero["risk_cvopt"], torch.ones(2, dtype=torch.float64))
    exact = excess_risk_estimates(target, stream(), target.second_moment())
    assert torch.allclose(exact["risk_plain"], torch.zeros(2, dtype=torch.float64))
    assert torch.allclose(exact["risk_cvopt"], torch.zeros(2, dtype=torch.float64), atol=1e-12)


def test_fit_head_recovers_noiseless_linear_head_and_zero_head_for_noise():
    spec = _spec()
    data = rep._Data(spec, 6, CPU)
    data.noise = 0.0
    weights = torch.randn(2, 10, 6, generator=generator(0, "w"), dtype=torch.float64)
    bias = torch.randn(2, 10, generator=generator(0, "b"), dtype=torch.float64)
    feats = relu_features(weights, bias)
    true_head = torch.randn(2, 10, generator=generator(0, "a"), dtype=torch.float64)

    class Teacher:
        def __call__(self, x):
            return (feats(x) @ true_head[..., None]).squeeze(-1)

        def second_moment(self):
            return 0.0

    teacher = Teacher()
    lams = rep.lambda_grid(spec)
    head, lam = rep.fit_head(
        feats, lambda: data.stream(teacher, 400, "train"),
        lambda: data.stream(teacher, 200, "holdout"), 400, lams,
    )  # fmt: skip
    assert torch.allclose(head, true_head, atol=1e-4)
    assert torch.all(lam < 1e-4)
    data.noise = 1.0
    zero = IndexTarget(data.directions(), (((0,), 0.0),))  # pure noise labels
    head, lam = rep.fit_head(
        feats, lambda: data.stream(zero, 30, "train"),
        lambda: data.stream(zero, 3000, "holdout"), 30, lams,
    )  # fmt: skip
    assert torch.all(lam >= 10.0)  # a large penalty or the zero head


def test_stream_is_chunk_independent_of_reading():
    spec = _spec()
    data = rep._Data(spec, 6, CPU)
    target = IndexTarget(data.directions(), single_index_terms(MAIN))
    first = torch.cat([c[0] for c in data.stream(target, 150, "train")], 1)
    second = torch.cat([c[0] for c in data.stream(target, 150, "train")], 1)
    assert torch.equal(first, second) and first.shape == (2, 150, 6)


# --------------------------------------------------------------------------- grid and cells


def test_sample_sizes():
    assert power_samples(10, 3.5) == 3162
    assert power_samples(10, 2.0) == 100
    assert factor_samples(4.0, 32**2) == 4096
    assert rep.lambda_grid(_spec())[0] == pytest.approx(1e-8)
    assert rep.lambda_grid(_spec())[-1] == pytest.approx(1e6)
    assert len(rep.lambda_grid(_spec())) == 29


def test_expand_smoke_grid():
    cfg = _config()
    block = {**cfg["scales"]["smoke"]["representation"], "split_dims": True}
    plan = rep_grid.expand(block, cfg["presets"]["representation"])
    assert set(plan) == set(rep_grid.EXPERIMENTS)
    assert len(plan["complexity"]) == 3
    assert len(plan["alignment"]) == 3
    refs = {spec["figure"]: spec for spec in plan["reference"].values()}
    assert set(refs) == {"fig1", "fig2"}
    assert {"alg1", "rf", "ntk"} == {row["method"] for row in refs["fig1"]["rows"]}
    assert {row["log_n_target"] for row in refs["fig2"]["rows"]} >= {0.0, 3.0, 4.0}
    sizes = {spec["d"]: spec["n"] for spec in plan["alignment"].values()}
    assert sizes[32] == [256, 1024, 2048, 4096]  # d^2/4, d^2, 64 d, 4 d^2
    krr = [s for s in plan["risk"].values() if s["method"] == "krr"]
    assert [s["d"] for s in krr] == [16] and max(krr[0]["n"]) <= 1024
    names = [name for cells in plan.values() for name in cells]
    assert len(names) == len(set(names))
    switch = {
        experiment: {spec["hyper"]["preprocess"] for spec in cells.values() if "hyper" in spec}
        for experiment, cells in plan.items()
    }
    assert switch["complexity"] == {False} and switch["alignment"] == {True}
    assert cfg["presets"]["representation"]["ours"]["preprocess"] is False


def test_reference_cell_rows():
    cfg = _config()
    plan = rep_grid.expand(
        cfg["scales"]["smoke"]["representation"], cfg["presets"]["representation"]
    )
    refs = {spec["figure"]: spec for spec in plan["reference"].values()}
    frame = rep.run_cell(refs["fig1"], CPU)
    row = frame.query(
        "method == 'alg1' and m == 100 and log_n == 4.0 and metric == 'paper_risk_mean'"
    )
    assert row["value"].item() == pytest.approx(0.089)
    assert row["n"].item() == 10_000
    fig2 = rep.run_cell(refs["fig2"], CPU)
    assert set(fig2["metric"]) == {"paper_risk_mean"} and set(fig2["target"]) == {"transfer_grid"}
    row = fig2.query("log_n == 4.0 and n_target == 1000")  # n = d^4, N = d^3: 0.130
    assert row["value"].item() == pytest.approx(0.130) and row["n"].item() == 10_000


def test_run_cell_complexity_small():
    spec = _spec(experiment="complexity", log_n=[1.0, 2.0], target=MAIN, d=5)
    frame = rep.run_cell(spec, CPU)
    assert list(frame.columns) == rep.COLUMNS
    assert set(frame["metric"]) == {"rho", "risk", "risk_plain", "risk_cvopt", "lambda"}
    assert sorted(frame["n"].unique()) == [5, 25]
    risk = frame.query("metric == 'risk'")["value"]
    assert risk.between(-0.5, 3.0).all()
    again = rep.run_cell(spec, CPU)
    pd.testing.assert_frame_equal(frame, again)


# --------------------------------------------------------------------------- claim statistics


def _row(experiment, metric, value, seed=0, **cols):
    base = {"experiment": experiment, "method": "alg1", "target": "main", "d": 10, "m": 100,
            "n": 0, "log_n": math.nan, "n_target": 0, "r": 1, "eta_factor": 0.5}  # fmt: skip
    return {**base, **cols, "seed": seed, "metric": metric, "value": value}


def synthetic_frame(seeds=(0, 1, 2)) -> pd.DataFrame:
    """A table where every DLS statistic has a known value (identical across seeds)."""
    rows = []
    for s in seeds:
        for method, risk in [("alg1", 0.1), ("rf", 0.7), ("ntk", 0.6)]:
            for k in (3.5, 4.0):
                value = risk / 2 if (method == "alg1" and k == 4.0) else risk
                rows.append(_row("complexity", "risk_cvopt", value, s, method=method, log_n=k,
                                 n=power_samples(10, k)))  # fmt: skip
        for d in (16, 32, 64):
            # rho linear in log(n/d^2), 0.6 exactly at n = 2 d^2; also at n = 64 d
            for n in (d * d, 4 * d * d, 64 * d):
                value = 0.6 + 0.1 * math.log2(n / (2 * d * d))
                rows.append(_row("alignment", "rho", value, s, method="alg1_step", d=d, n=n))
            # risk = 0.3 exactly at n = 4 d^2 for alg1
            for c, value in [(1.0, 0.5), (16.0, 0.1)]:
                rows.append(_row("risk", "risk_cvopt", value, s, d=d,
                                 n=factor_samples(c, d * d)))  # fmt: skip
            rows.append(_row("risk", "risk_cvopt", 0.7, s, method="rf", d=d,
                             n=factor_samples(16.0, d * d)))  # fmt: skip
            rows.append(_row("transfer", "risk_cvopt", {16: 0.2, 32: 0.25, 64: 0.3}[d], s,
                             d=d, n_target=1024, target="transfer_independence"))  # fmt: skip
            rows.append(_row("transfer", "risk_cvopt", 0.95, s, method="rf", d=d,
                             n_target=1024, target="transfer_independence"))  # fmt: skip
        for k, value in [(0.0, 0.99), (1.0, 0.9), (4.0, 0.1)]:
            rows.append(_row("transfer", "risk_cvopt", value, s, log_n=k, n_target=1000,
                             target="transfer_grid"))  # fmt: skip
        for target, value in [("main", 0.9), ("he3", 0.3), ("he4", 0.4)]:
            rows.append(_row("ablation", "rho", value, s, method="alg1_step", d=32,
                             target=target, n=16 * 32 * 32))  # fmt: skip
        for r, value in [(1, 80.0), (2, 40.0), (4, 10.0)]:
            rows.append(_row("ablation", "snr", value, s, method="alg1_step", d=64, r=r,
                             n=4 * 64 * 64))  # fmt: skip
    return pd.DataFrame(rows)


def test_statistics_on_synthetic_table():
    f = synthetic_frame()
    metric = "risk_cvopt"
    assert dls.fig1_risk(f, "alg1", 100, 4.0, metric) == pytest.approx(0.05)
    assert dls.fig1_kernel_min(f, 100, 3.5, metric) == pytest.approx(0.6)
    assert dls.fig1_ratio(f, 100, 3.5, metric) == pytest.approx(0.1 / 0.6)
    assert dls.threshold_slope(f, "alignment", "rho", 0.6, True) == pytest.approx(2.0, abs=1e-3)
    curve = pd.Series([0.5, 0.7], index=[100, 400])
    assert dls.threshold_n(curve, 0.6, True) == pytest.approx(200.0)
    assert math.isnan(dls.threshold_n(curve, 0.8, True))
    assert dls.rho_spread(f, 4.0, 32) == pytest.approx(0.0)
    assert dls.rho_linear_drop(f, 64.0) == pytest.approx(0.2)  # 0.1 log2(64 / 16)
    assert dls.threshold_slope(f, "risk", metric, 0.3, False, method="alg1") == pytest.approx(
        2.0, abs=1e-3
    )
    assert dls.risk_at_size(f, ["alg1"], 16.0, metric) == pytest.approx(
        {("alg1", 16): 0.1, ("alg1", 32): 0.1, ("alg1", 64): 0.1}
    )
    assert dls.risk_at_size(f, ["rf", "krr"], 16.0, metric) == pytest.approx(
        {("rf", 16): 0.7, ("rf", 32): 0.7, ("rf", 64): 0.7}
    )
    assert dls.transfer_spread(f, 1024, metric) == pytest.approx(0.1)
    assert dls.transfer_grid_at(f, 4.0, 3.0, metric) == pytest.approx(0.1)
    assert dls.transfer_grid_small(f, 1.0, 3.0, metric) == pytest.approx(0.9)
    assert dls.degenerate_rho(f, ["he3", "he4"], 16.0) == pytest.approx(
        {("he3", 32): 0.3, ("he4", 32): 0.4}
    )
    assert dls.snr_by_rank(f, 4.0).to_dict() == pytest.approx({1: 80.0, 2: 40.0, 4: 10.0})
    assert dls.snr_rank_exponent(f, 4.0) == pytest.approx(1.0)  # 80 -> 40 -> 10: a = 1, 2
    assert dls.dimensions(f, "alignment", "rho") == [16, 32, 64]
    assert dls.fig1_sizes(f, "ntk", 100, metric) == [3.5, 4.0]
    assert dls.transfer_grid_below(f, 1.0, 3.0, metric) == pytest.approx({0.0: 0.99, 1.0: 0.9})


def test_select_rows_drops_reference_and_other_metrics():
    table = synthetic_frame(seeds=(0,))
    tables = {name: table[table["experiment"] == name] for name in dls_claims.TABLES}
    tables["complexity"] = pd.concat(
        [tables["complexity"], pd.DataFrame([_row("complexity", "lambda", 1.0)])]
    )
    selected = dls_claims.select_rows(tables)
    assert "lambda" not in set(selected["metric"])
    assert len(selected) == len(table)
    assert np.isfinite(selected["value"]).all()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("alignment", "m"),
            101,
            "config.scales.default.representation.alignment.m: 101 is not a multiple of 2",
        ),
        (
            ("risk", "methods"),
            ["alg1", "svm"],
            "config.scales.default.representation.risk.methods[1]: 'svm' is not allowed",
        ),
        (
            ("claims", "risk_metric"),
            "mse",
            "config.scales.default.representation.claims.risk_metric: 'mse' is not allowed",
        ),
    ],
)
def test_schema_refuses_bad_values_with_the_key(path, value, expected):
    from hdlearn.config import ConfigError, validate_config

    cfg = _config()
    node = cfg["scales"]["default"]["representation"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        validate_config(cfg, "config/schema.yaml")


def test_krr_cell_does_not_depend_on_member_grouping(monkeypatch):
    spec = _spec(experiment="risk", method="krr", d=5, n=[60], target=MAIN)
    spec.pop("m")
    whole = rep.run_cell(spec, CPU)
    monkeypatch.setattr(rep, "KRR_GROUP_ELEMENTS", 60 * 60)  # one member at a time
    single = rep.run_cell(spec, CPU)
    assert np.allclose(whole["value"], single["value"], atol=1e-10)
    assert set(whole["metric"]) == {"risk", "risk_plain", "risk_cvopt", "lambda"}


def test_preprocessing_offset_is_added_back_and_removes_the_linear_part():
    spec = _spec()
    spec["hyper"]["preprocess"] = True
    data = rep._Data(spec, 6, CPU)
    u = data.directions()
    linear = IndexTarget(u, single_index_terms([[0, 0.5], [1, 2.0]]))  # 0.5 + 2 u.x
    data.noise = 0.0
    offset = linear_offset(data.stream(linear, 40_000, "train"))
    x = torch.randn(2, 100, 6, generator=generator(0, "x"), dtype=torch.float64)
    assert torch.allclose(offset(x), linear(x), atol=0.25)


def test_merged_cell_equals_per_d_cells():
    cfg = _config()
    block = {**cfg["scales"]["smoke"]["representation"], "split_dims": True}
    presets = cfg["presets"]["representation"]
    split = rep_grid.expand(block, presets)["alignment"]
    merged = rep_grid.expand({**block, "split_dims": False}, presets)["alignment"]
    assert len(split) == 3 and len(merged) == 1
    (spec,) = merged.values()
    assert [d for d, _ in spec["grid"]] == [16, 32, 64]
    small = {**spec, "grid": [[d, n[:2]] for d, n in spec["grid"][:2]]}
    frame = rep.run_cell(small, CPU)
    for d, n in small["grid"]:
        alone = rep.run_cell(
            {**{k: v for k, v in small.items() if k != "grid"}, "d": d, "n": n}, CPU
        )
        part = frame[frame["d"] == d].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone)


def test_threshold_slope_is_nan_when_a_dimension_is_censored():
    f = synthetic_frame()
    alignment = f["experiment"] == "alignment"
    never = f.copy()
    never.loc[alignment & (never["d"] == 64), "value"] = 0.4  # never reaches 0.6
    assert math.isnan(dls.threshold_slope(never, "alignment", "rho", 0.6, True))
    already = f.copy()
    already.loc[alignment & (already["d"] == 16), "value"] = 0.9  # past 0.6 at its smallest n
    assert math.isnan(dls.threshold_slope(already, "alignment", "rho", 0.6, True))


def test_transfer_grid_lookup_tolerates_log_n_round_off():
    f = synthetic_frame()
    grid = (f["experiment"] == "transfer") & (f["target"] == "transfer_grid")
    f.loc[grid & (f["log_n"] == 1.0), "log_n"] = math.log(1000) / math.log(10) - 2.0
    assert math.log(1000) / math.log(10) != 3.0  # the round-off this guards against
    f.loc[grid & (f["log_n"] == 4.0), "log_n"] = math.log(10_000) / math.log(10)
    assert dls.transfer_grid_at(f, 4.0, 3.0, "risk_cvopt") == pytest.approx(0.1)
    assert dls.transfer_grid_at(f, 1.0, 3.0, "risk_cvopt") == pytest.approx(0.9)


# --------------------------------------------------------------------------- moved building blocks


def test_relu_and_ntk_features_exact_values():
    x = torch.tensor([[[1.0, -2.0]]], dtype=torch.float64)  # (E=1, c=1, d=2)
    w = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]], dtype=torch.float64)  # (E, m=2, d)
    b = torch.tensor([[0.5, 0.5]], dtype=torch.float64)
    assert torch.equal(relu_features(w, b)(x), torch.tensor([[[1.5, 0.0]]], dtype=torch.float64))
    a = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    # pre = (1, -2): relu (1, 0), gate a 1{pre >= 0} = (1, 0), outer = (1, -2, 0, 0)
    expected = torch.tensor([[[1.0, 0.0, 1.0, -2.0, 0.0, 0.0, 1.0, 0.0]]], dtype=torch.float64)
    assert torch.equal(ntk_features(a, w)(x), expected / math.sqrt(2))


def test_linear_offset_is_mean_y_and_mean_yx_over_chunks():
    x = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [2.0, 0.0]]], dtype=torch.float64)
    y = torch.tensor([[2.0, 4.0, 0.0, 2.0]], dtype=torch.float64)
    offset = linear_offset([(x[:, :3], y[:, :3], None), (x[:, 3:], y[:, 3:], None)])
    # alpha = 8/4 = 2, beta = (2 + 0 + 4, 8 + 0 + 0)/4 = (1.5, 2)
    probe = torch.tensor([[[0.0, 0.0], [1.0, 1.0]]], dtype=torch.float64)
    assert torch.equal(offset(probe), torch.tensor([[2.0, 5.5]], dtype=torch.float64))
    assert torch.equal(zero_offset(probe), torch.zeros(1, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="at least one sample"):
        linear_offset([])


def test_first_step_closed_form_on_a_tiny_example():
    a = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    w0 = torch.tensor([[[1.0, 0.0], [1.0, 0.0]]], dtype=torch.float64)
    x = torch.tensor([[[1.0, 2.0], [-1.0, 3.0]]], dtype=torch.float64)
    y = torch.tensor([[2.0, 5.0]], dtype=torch.float64)
    # only x_1 passes the gate: w = (2 eta / n) a y_1 x_1 = (2 * 1 / 2) * 2 * (1, 2)
    w1 = first_step([(x[:, :1], y[:, :1]), (x[:, 1:], y[:, 1:])], a, w0, 1.0)
    assert torch.equal(w1, torch.tensor([[[2.0, 4.0], [-2.0, -4.0]]], dtype=torch.float64))
    shifted = first_step([(x, y)], a, w0, 1.0, lambda v: torch.ones(v.shape[:-1]))
    assert torch.equal(shifted, torch.tensor([[[1.0, 2.0], [-1.0, -2.0]]], dtype=torch.float64))


def test_claims_module_does_not_import_the_experiment():
    import subprocess
    import sys

    code = (
        "import sys, hdlearn.papers.representation.claims as c; "
        "assert 'hdlearn.papers.representation.experiment' not in sys.modules; "
        "assert not hasattr(c, 'samples_power') and not hasattr(c, '_value')"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_spreads_and_extremes_are_nan_strict():
    f = synthetic_frame()
    alignment_rows = (f["experiment"] == "alignment") & (f["d"] == 64) & (f["n"] == 4 * 64 * 64)
    f.loc[alignment_rows, "value"] = math.nan  # a diverged dimension
    assert math.isnan(dls.rho_spread(f, 4.0, 16))
    transfer = (f["experiment"] == "transfer") & (f["target"] == "transfer_independence")
    f.loc[transfer & (f["d"] == 16) & (f["method"] == "alg1"), "value"] = math.nan
    assert math.isnan(dls.transfer_spread(f, 1024, "risk_cvopt"))
    grid = (f["experiment"] == "transfer") & (f["target"] == "transfer_grid")
    f.loc[grid & (f["log_n"] == 0.0), "value"] = math.nan
    assert math.isnan(dls.transfer_grid_small(f, 1.0, 3.0, "risk_cvopt"))


def test_seed_means_and_thresholds_are_nan_strict():
    """One diverged seed makes its cell's mean NaN (pandas' mean would skip it), and a NaN
    point of a learning curve, even one past the crossing, leaves the curve without n*."""
    f = synthetic_frame()
    one = (f["seed"] == 0) & (f["experiment"] == "complexity") & (f["method"] == "alg1")
    f.loc[one & (f["log_n"] == 4.0), "value"] = math.nan
    assert math.isnan(dls.fig1_risk(f, "alg1", 100, 4.0, "risk_cvopt"))
    assert dls.fig1_risk(f, "alg1", 100, 3.5, "risk_cvopt") == pytest.approx(0.1)
    means = dls.mean_at(f, "complexity", "risk_cvopt", ["method", "log_n"])
    assert math.isnan(means[("alg1", 4.0)]) and means[("rf", 4.0)] == pytest.approx(0.7)
    alignment = (f["experiment"] == "alignment") & (f["d"] == 32)
    f.loc[alignment & (f["seed"] == 1) & (f["n"] == 4 * 32 * 32), "value"] = math.nan
    assert math.isnan(dls.threshold_slope(f, "alignment", "rho", 0.6, True))
    curve = pd.Series([0.5, 0.7, math.nan], index=[100, 400, 1600])
    assert math.isnan(dls.threshold_n(curve, 0.6, True))
    snr = (f["experiment"] == "ablation") & (f["metric"] == "snr")
    f.loc[snr & (f["seed"] == 2) & (f["r"] == 4), "value"] = math.nan
    assert math.isnan(dls.snr_rank_exponent(f, 4.0))


def test_quadratic_level_and_target_text():
    assert dls.quadratic_level(MAIN) == pytest.approx(0.5)  # half the variance is in h4
    assert dls.quadratic_level([[2, 1.0]]) == 0.0 and dls.quadratic_level([[3, 2.0]]) == 1.0
    assert dls.quadratic_level([[2, 0.6], [3, 0.8]]) == pytest.approx(0.64)
    assert dls_plotting.target_text(MAIN) == "0.71 h2 + 0.71 h4"
    assert dls_plotting.target_text([[3, 1.0]], "he3") == "he3: 1 h3"
    assert dls_plotting.target_text([], "missing") == "missing: "
    methods = set(rep_grid.METHODS)
    for style in (dls_plotting.METHOD_LABELS, dls_plotting.METHOD_COLORS,
                  dls_plotting.METHOD_MARKERS):  # fmt: skip
        assert set(style) == methods


def test_fig1_reference_deviation_is_exact():
    """Two common points; the worst is alg1 at log_d n = 3: |0.30 - 0.40| / (3 0.1 / sqrt(10)
    + 0.05); a point below min_log_n and one the paper lacks are left out."""
    rows = []
    for log_n, ours, paper in ((2.0, 0.9, 0.2), (3.0, 0.30, 0.40), (3.5, 0.20, 0.21)):
        for seed, shift in ((1, -0.01), (2, 0.0), (3, 0.01)):
            rows.append(
                {
                    "experiment": "complexity",
                    "method": "alg1",
                    "d": 10,
                    "m": 100,
                    "log_n": log_n,
                    "seed": seed,
                    "metric": "risk",
                    "value": ours + shift,
                }
            )
        for metric, value in (("paper_risk_mean", paper), ("paper_risk_std", 0.1)):
            rows.append(
                {
                    "experiment": "reference",
                    "method": "alg1",
                    "d": 10,
                    "m": 100,
                    "log_n": log_n,
                    "seed": math.nan,
                    "metric": metric,
                    "value": value,
                }
            )
    rows.append(
        {
            "experiment": "complexity",
            "method": "rf",
            "d": 10,
            "m": 100,
            "log_n": 3.0,
            "seed": 1,
            "metric": "risk",
            "value": 0.7,
        }
    )
    f = pd.DataFrame(rows)
    points = dls.fig1_reference_points(f, "risk", 2.5)
    assert list(points["log_n"]) == [3.0, 3.5] and list(points["method"]) == ["alg1", "alg1"]
    tolerance = 3 * 0.1 / math.sqrt(10) + 0.05
    value = dls.fig1_reference_deviation(f, "risk", 2.5, 10, 3.0, 0.05)
    assert value == pytest.approx(0.10 / tolerance)
    assert math.isnan(dls.fig1_reference_deviation(f[f["experiment"] != "reference"], "risk",
                                                   2.5, 10, 3.0, 0.05))  # fmt: skip


def test_transfer_heads_pick_their_penalty_on_n_target_samples(monkeypatch):
    """head_holdout n_target: the penalty of the head at N is picked on N fresh target samples
    (the stream tagged transfer_holdout), never on the shared holdout of holdout_samples."""
    sizes = []
    original = rep._Data.stream

    def spy(self, target, n, *tags):
        if tags and tags[0] in ("holdout", "transfer_holdout"):
            sizes.append((tags[0], n))
        return original(self, target, n, *tags)

    monkeypatch.setattr(rep._Data, "stream", spy)
    terms = {"pretrain_target": [[2, 0.5], [3, 0.5]], "target": [[3, 1.0]]}
    spec = _spec(experiment="transfer", part="independence", n=[60], n_target=[16, 32],
                 head_holdout="n_target", **terms)  # fmt: skip
    frame = rep.run_cell(spec, CPU)
    assert sizes == [("transfer_holdout", 16), ("transfer_holdout", 32)]
    assert set(frame.query("metric == 'lambda'")["n_target"]) == {16, 32}
    sizes.clear()
    rep.run_cell({**spec, "head_holdout": "shared"}, CPU)
    assert sizes == [("holdout", 300), ("holdout", 300)]
