"""The tensor paper (Mondelli & Montanari 2018): teachers, closed forms, students, tensor
baselines, grid expansion and every claim statistic on synthetic tables (the claims' verdicts
are in test_claims_tensor.py)."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from hdlearn.baselines.tensor import (
    hermite_least_squares,
    power_iteration,
    power_iteration_summary,
)
from hdlearn.config import validate_config
from hdlearn.papers.tensor import analysis as ta
from hdlearn.papers.tensor import experiment as tensor
from hdlearn.papers.tensor import grid as tensor_grid
from hdlearn.seeding import generators
from hdlearn.sizes import generic_rank, rank_of, tensor_dimension
from hdlearn.targets.cubic import (
    ACTIVATIONS,
    activate,
    activate_with_slope,
    committee_labels,
    cubic_variance,
    linear_fraction,
    sphere_weights,
    weight_overlaps,
)
from hdlearn.targets.hermite import (
    multivariate_hermite_features,
    sparse_multivariate_hermite_features,
)
from hdlearn.training.sphere import (
    init_student,
    population_loss,
    relative_error,
    sample_gradients,
    student_predict,
    train_population_student,
    train_sample_student,
    unit_rows,
)

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def tensor_config() -> dict:
    """config/config.yaml with only the tensor blocks of each scale, validated (defaults filled,
    the tensor claims block complete, provenance included) whatever the other papers' state."""
    raw = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    raw["scales"] = {scale: {"tensor": grids["tensor"]} for scale, grids in raw["scales"].items()}
    return validate_config(raw, ROOT / "config/schema.yaml")


CONFIG = tensor_config()


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors: one thread avoids oversubscription on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _orthonormal(r, d, seed=0):
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=torch.Generator().manual_seed(seed),
                                       dtype=torch.float64))  # fmt: skip
    return q[:r][None]  # (1, r, d), orthonormal rows


# ------------------------------------------------------------------------ sizes and teachers


def test_sizes():
    assert tensor_dimension(16) == 969 and tensor_dimension(32) == 6545
    assert generic_rank(16) == 51 and generic_rank(32) == 187
    # R_gen <= 1.03 d^1.5 up to d = 32: the hardness window is (nearly) empty at CPU sizes
    assert all(generic_rank(d) <= d**1.5 for d in (8, 16, 24))
    assert generic_rank(32) / 32**1.5 == pytest.approx(1.033, abs=1e-3)
    assert generic_rank(128) > 1.5 * 128**1.5
    assert rank_of(16, 0.25) == 16 and rank_of(16, 0.001) == 1
    assert rank_of(np.int64(16), 0.5) == rank_of(16.0, 0.5) == 32  # table d: any number type
    assert tensor_grid.ranks(16, [0.25, 0.5, 1.0, 2.0], cap=70) == [16, 32, 64]
    assert tensor_grid.budget_samples(16, "quadratic", 2.5, 0.5) == 640
    assert tensor_grid.budget_samples(16, "half_d3", 2.5, 0.5) == 484
    assert tensor_grid.budget_samples(16, "quadratic", 1e-3, 0.5) == 0  # no floor of 1
    assert tensor_grid.budget_samples(16, "half_d3", 2.5, 1e-4) == 1  # floor of 1
    assert tensor_grid.budget_samples(10, "quadratic", 0.29, 0.5) == 29  # 0.29 * 100 = 28.999...
    with pytest.raises(ValueError, match="budget"):
        tensor_grid.budget_samples(16, "cubic", 2.5, 0.5)


def test_sphere_weights_are_unit():
    w = sphere_weights(7, 5, generators([0, 1], "t"), CPU)
    assert w.shape == (2, 7, 5)
    assert torch.allclose(w.norm(dim=-1), torch.ones(2, 7, dtype=torch.float64))


def test_closed_forms_for_orthonormal_weights():
    """Orthonormal w: |sum w|^2 = r, sum <w_i,w_j>^3 = r, so 6r Var = (a1+3a3)^2 r + 6 a3^2 r."""
    w = _orthonormal(4, 8)
    assert cubic_variance(w, "he3").item() == pytest.approx(1.0)
    assert cubic_variance(w, "cube").item() == pytest.approx(15 / 6)
    assert linear_fraction(w, "he3").item() == 0.0
    assert linear_fraction(w, "cube").item() == pytest.approx(9 / 15)
    assert linear_fraction(w, "linear_cube").item() == pytest.approx(16 / 22)


def test_labels_match_closed_form_variance_by_monte_carlo():
    w = sphere_weights(6, 5, generators([3], "t"), CPU)
    x = torch.randn(1, 400_000, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for activation in ("he3", "cube", "linear_cube"):
        y = committee_labels(x, w, activation)
        assert y.var().item() == pytest.approx(cubic_variance(w, activation).item(), rel=0.03)
    he2 = committee_labels(x, w, "he2")
    assert abs(he2.mean().item()) < 0.01
    with pytest.raises(ValueError, match="activation"):
        committee_labels(x, w, "relu")


def test_overlaps_ignore_sign_and_scale():
    w = _orthonormal(3, 6)
    u = torch.cat([-2.0 * w, w[:, :1] + w[:, 1:2]], dim=1)
    assert torch.allclose(weight_overlaps(u, w), torch.ones(1, 3, dtype=torch.float64))
    assert weight_overlaps(w[:, :1] + w[:, 1:2], w)[0, 2].item() == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------------ students


def test_population_loss_is_the_tensor_distance():
    d, r, m = 5, 3, 4
    w = sphere_weights(r, d, generators([0], "w"), CPU)
    u, c = init_student(m, d, 0.7, generators([0], "u"), CPU, random_signs=True)
    t = torch.einsum("eia,eib,eic->eabc", w, w, w)
    s = torch.einsum("ej,eja,ejb,ejc->eabc", c, u, u, u)
    expected = (s - t).square().sum() / t.square().sum()
    assert population_loss(u, c, w, 3).item() == pytest.approx(expected.item(), rel=1e-10)
    exact = population_loss(w, torch.ones(1, r, dtype=torch.float64), w, 3).item()
    assert exact == pytest.approx(0.0, abs=1e-12)


def test_population_loss_is_the_relative_test_error():
    """The student sum_j c_j He3(<u_j,x>)/sqrt(6r) against the teacher, by Monte Carlo."""
    d, r, m = 4, 2, 3
    w = sphere_weights(r, d, generators([1], "w"), CPU)
    u, c = init_student(m, d, 0.8, generators([1], "u"), CPU, random_signs=True)
    x = torch.randn(1, 400_000, d, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    y = committee_labels(x, w, "he3")
    f = student_predict(x, u, c / math.sqrt(r), "he3")
    mc = ((f - y).square().mean() / cubic_variance(w, "he3")).item()
    assert mc == pytest.approx(population_loss(u, c, w, 3).item(), rel=0.03)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_with_slope_is_the_activation_and_its_derivative(activation):
    z = torch.linspace(-3, 3, 61, dtype=torch.float64).requires_grad_(True)
    (expected_slope,) = torch.autograd.grad(activate(z, activation).sum(), z)
    value, slope = activate_with_slope(z.detach(), activation)
    torch.testing.assert_close(value, activate(z.detach(), activation), rtol=0, atol=1e-12)
    torch.testing.assert_close(slope, expected_slope, rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", ["he3", "he2"])
@pytest.mark.parametrize("chunk", [7, 2**19])
def test_sample_gradients_pulled_back_are_autograds_in_every_block_size(
    activation, chunk, monkeypatch
):
    """The written-out gradient of sum_e mean_n (f_e - y_e)^2 w.r.t. the unit directions,
    pulled back through u/|u| as the trainer does, and w.r.t. c equals autograd's gradient of
    the loss in u and c, in one block or in blocks of one to a few samples (E m = 6)."""
    monkeypatch.setattr("hdlearn.training.sphere.CHUNK_ELEMENTS", chunk)
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, 50, 5, generator=gen, dtype=torch.float64)
    y = torch.randn(2, 50, generator=gen, dtype=torch.float64)
    u, c = init_student(3, 5, 0.7, generators([1, 2], "u"), CPU, random_signs=True)
    u = (u * torch.linspace(0.5, 2.0, 3, dtype=torch.float64)[:, None]).requires_grad_(True)
    loss = (student_predict(x, u, c.requires_grad_(True), activation) - y).square().mean(-1)
    expected = torch.autograd.grad(loss.sum(), [u, c])
    units = unit_rows(u)
    grad_units, grad_c = sample_gradients(x, y, units.detach(), c.detach(), activation)
    (grad_u,) = torch.autograd.grad(units, u, grad_units)
    for got, want in zip([grad_u, grad_c], expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-14)


def test_sample_student_fits_a_teacher_it_contains():
    """Full-batch Adam on n >> m d samples recovers a 2-unit He3 teacher (test error and
    overlaps), members independent of each other."""
    seeds, d, r = [0, 1], 6, 2
    w = sphere_weights(r, d, generators(seeds, "w"), CPU)
    x = torch.randn(2, 2000, d, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    y = committee_labels(x, w, "he3")
    u, c = init_student(r, d, 0.5 / math.sqrt(r), generators(seeds, "u"), CPU, random_signs=True)
    u, c = train_sample_student(x, y, u, c, activation="he3", steps=600, lr=0.02)
    assert relative_error(student_predict(x, u, c, "he3"), y).max().item() < 1e-3
    assert weight_overlaps(u, w).min().item() > 0.99
    alone = train_sample_student(x[:1], y[:1], *init_student(
        r, d, 0.5 / math.sqrt(r), generators(seeds[:1], "u"), CPU, random_signs=True
    ), activation="he3", steps=600, lr=0.02)  # fmt: skip
    torch.testing.assert_close(alone[0], u[:1])


def test_population_gd_recovers_a_small_teacher():
    w = sphere_weights(3, 8, generators([0, 1], "w"), CPU)
    u, c = init_student(3, 8, 0.5, generators([0, 1], "u"), CPU, random_signs=False)
    u, c, _ = train_population_student(w, u, c, degree=3, steps=200, lr=0.05)
    assert population_loss(u, c, w, 3).max().item() < 1e-4
    assert weight_overlaps(u, w).min().item() > 0.99


def test_relative_error():
    y = torch.tensor([[1.0, -1.0, 1.0, -1.0]])
    assert relative_error(torch.zeros_like(y), y).item() == pytest.approx(0.75)


# ------------------------------------------------------------------------ baselines


def test_power_iteration_finds_orthogonal_components():
    w = _orthonormal(3, 10)
    u = power_iteration(w, 32, 50, generators([0], "p"))
    success, distinct = power_iteration_summary(u, w, 0.9)
    assert success.item() == 1.0 and distinct.item() == 3.0


def test_sparse_hermite_features_match_dense():
    z = torch.randn(2, 30, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    dense = multivariate_hermite_features(z, 3)
    assert torch.equal(sparse_multivariate_hermite_features(z, 3), dense)
    assert dense.shape[-1] == tensor_dimension(5)


def test_least_squares_exact_above_d3_and_one_minus_ratio_below():
    d = 4
    w = sphere_weights(6, d, generators([0], "w"), CPU)
    gen = torch.Generator().manual_seed(0)
    x_test = torch.randn(1, 4000, d, generator=gen, dtype=torch.float64)
    y_test = committee_labels(x_test, w, "he3")
    n = 2 * tensor_dimension(d)
    x = torch.randn(1, n, d, generator=gen, dtype=torch.float64)
    fit = hermite_least_squares(x, committee_labels(x, w, "he3"), x_test, 3)
    assert relative_error(fit, y_test).item() < 1e-20
    x = torch.randn(1, tensor_dimension(d) // 2, d, generator=gen, dtype=torch.float64)
    fit = hermite_least_squares(x, committee_labels(x, w, "he3"), x_test, 3)
    assert relative_error(fit, y_test).item() > 0.3


# ------------------------------------------------------------------------ grid and cells


def test_expand_smoke_grid():
    block = CONFIG["scales"]["smoke"]["tensor"]
    plan = tensor_grid.expand(block, CONFIG["presets"]["tensor"])
    assert set(plan) == set(tensor_grid.EXPERIMENTS)
    for spec in plan["student"].values():
        per_d = block["student"]["max_r_over_n_per_d"] * spec["n"] / 16
        assert max(spec["ranks"]) <= min(2 * generic_rank(spec["d"]), per_d)
        assert spec["steps"] == 800 and spec["width_factors"] == [1, 2]
    assert [s["ranks"] for s in plan["population"].values()] == [[16, 32, 64]]
    names = [n for cells in plan.values() for n in cells]
    assert len(names) == len(set(names))


def test_default_grid_has_the_claims_cells():
    block = CONFIG["scales"]["default"]["tensor"]
    plan = tensor_grid.expand(block, CONFIG["presets"]["tensor"])
    for spec in plan["student"].values():
        ratios = [r * spec["d"] / spec["n"] for r in spec["ranks"]]
        assert min(ratios) <= 0.25 and max(ratios) >= 1.0


def test_run_cells_tiny():
    base = {"paper": "tensor", "seeds": [0, 1], "threshold": 0.9}
    student = tensor.run_cell({**base, "learner": "student", "activation": "he3", "d": 6,
                               "ranks": [2], "width_factors": [1, 2], "n": 300,
                               "budget": "quadratic", "steps": 100, "lr": 0.01, "c_init": 0.1,
                               "test_samples": 500}, CPU)  # fmt: skip
    assert list(student.columns) == tensor.COLUMNS
    assert set(student["metric"]) == {"train_rel_err", "test_rel_err", "mean_ov", "frac_ov"}
    assert set(student["m"]) == {2, 4} and len(student) == 16
    assert (student["n_over_d3"] == 300 / tensor_dimension(6)).all()
    control = tensor.run_cell({**base, "learner": "population_gd", "activation": "he2", "d": 6,
                               "ranks": [2, 3], "width_factor": 1, "restarts": 2, "steps": 20,
                               "lr": 0.02,
                               "c_init": 0.5}, CPU)  # fmt: skip
    assert set(control["r"]) == {2, 3} and (control["activation"] == "he2").all()
    power = tensor.run_cell({**base, "learner": "power_iteration", "d": 6, "ranks": [2, 4],
                             "restarts": 8, "iterations": 20}, CPU)  # fmt: skip
    assert set(power["r"]) == {2, 4} and set(power["metric"]) == {"success", "distinct", "frac_ov"}
    book = tensor.run_cell({**base, "learner": "bookkeeping", "d": 6, "ranks": [3],
                            "activations": ["he3"], "train_samples": 500,
                            "test_samples": 500}, CPU)  # fmt: skip
    assert len(book) == 8


# ------------------------------------------------------------------------ claim statistics


def _rows(experiment, records):
    frame = pd.DataFrame(records)
    defaults = {"experiment": experiment, "learner": "x", "activation": "he3", "m": np.nan,
                "n": np.nan, "budget": "", "n_over_d3": np.nan, "seed": 0}  # fmt: skip
    for key, value in defaults.items():
        if key not in frame:
            frame[key] = value
    return frame


def _book():
    records = []
    for seed in (0, 1):
        for act, ols, theory, var, var_t in (("he3", 1.01, 1.0, 1.02, 1.0),
                                             ("cube", 0.425, 0.41, 2.6, 2.5)):  # fmt: skip
            for metric, value in (("ols_rel_err", ols), ("ols_rel_err_theory", theory),
                                  ("var_y", var), ("var_y_theory", var_t)):  # fmt: skip
                records.append({"activation": act, "d": 32, "r": 200, "seed": seed,
                                "metric": metric, "value": value})  # fmt: skip
    return _rows("bookkeeping", records)


def test_bookkeeping_statistics():
    frame = _book()
    assert ta.he3_ols_error(frame) == pytest.approx(1.01)
    assert ta.ols_theory_gap(frame) == pytest.approx(0.015)
    assert ta.variance_gap(frame) == pytest.approx(0.04)


def _student(d, errors, n, budget="quadratic", width=2, train=0.0, seeds=(0, 1)):
    records = []
    for seed in seeds:
        for r, err in errors.items():
            for metric, value in (("test_rel_err", err), ("train_rel_err", train),
                                  ("mean_ov", 1.0 - err)):  # fmt: skip
                records.append({"d": d, "r": r, "m": width * r, "n": n, "budget": budget,
                                "n_over_d3": n / tensor_dimension(d), "seed": seed,
                                "metric": metric, "value": value})  # fmt: skip
    return _rows("student", records)


def test_student_statistics():
    # n/d = 40: r = 10 learnable, r = 40 over capacity; n/D3 = 0.66 > 0.5 (no overfit cells)
    quad = _student(16, {5: 0.0, 10: 0.01, 20: 0.3, 40: 0.7}, 640)
    half = _student(16, {5: 0.0, 32: 0.8}, 484, budget="half_d3", train=0.05)
    wide = _student(16, {5: 0.0, 32: 0.45}, 484, budget="half_d3", width=4)
    frame = pd.concat([quad, half, wide])
    assert ta.learnable_error(frame, 0.25, 2) == pytest.approx(0.01)
    assert math.isnan(ta.learnable_error(frame, 0.25, 1))
    assert ta.overfit_test_error(frame, 1.0, 2, 0.5) == pytest.approx(0.8)
    assert ta.overfit_train_error(frame, 1.0, 2, 0.5) == pytest.approx(0.05)
    assert ta.overfit_test_error(frame, 1.0, 2, 0.7) == pytest.approx(0.7)
    assert ta.overfit_test_error(frame, 1.0, 4, 0.5) == pytest.approx(0.45)  # its own width
    assert math.isnan(ta.overfit_test_error(frame, 1.0, 1, 0.5))


def test_crossover_exponent_is_exact_for_scaled_curves():
    errors = [0.0, 0.05, 0.15]
    frame = pd.concat([
        _student(16, dict(zip([4, 8, 16], errors, strict=True)), 484, budget="half_d3"),
        _student(32, dict(zip([8, 16, 32], errors, strict=True)), 2560),  # n/d = 2 (484/16)
        _student(16, {4: 0.0, 8: 0.9}, 640),  # n/D3 = 0.66: not sample-limited, left out
    ])  # fmt: skip
    rc = ta.crossover_ranks(frame, 2, 0.1, 0.5).set_index("d")
    assert list(rc.index) == [16, 32]
    assert rc.loc[16, "r_c"] == pytest.approx(math.sqrt(8 * 16))
    assert rc.loc[32, "r_c"] == pytest.approx(2 * rc.loc[16, "r_c"])
    n_per_d = 2560 / 32 / (484 / 16)
    expected = math.log(2) / math.log(n_per_d)
    assert ta.crossover_exponent(frame, 2, 0.1, 0.5) == pytest.approx(expected)
    assert math.isnan(ta.crossover_exponent(frame[frame["d"] == 16], 2, 0.1, 0.5))
    assert math.isnan(ta.crossover_exponent(frame, 1, 0.1, 0.5))  # no m = r cells
    never = _student(24, {6: 0.0, 12: 0.0}, 1462, budget="half_d3")  # no crossover: NaN
    assert math.isnan(ta.crossover_exponent(pd.concat([frame, never]), 2, 0.1, 0.5))
    gap = _student(16, {4: 0.0, 8: 0.0, 16: 0.9}, 484, budget="half_d3", seeds=(0,))
    gap = pd.concat([gap, _student(16, {8: math.nan}, 484, budget="half_d3", seeds=(1,))])
    assert math.isnan(ta.student_cells(gap).set_index("r").loc[8, "test_rel_err"])
    assert math.isnan(ta.crossover_ranks(gap, 2, 0.1, 0.5)["r_c"].iloc[0])  # not a success
    stall = _student(16, {2: 0.4, 4: 0.0, 8: 0.0, 16: 0.9}, 484, budget="half_d3")
    stalled = ta.crossover_ranks(stall, 2, 0.1, 0.5)  # a stall at tiny r is ignored
    assert stalled["r_c"].iloc[0] == pytest.approx(math.sqrt(8 * 16))


def _recovery(experiment, d, fracs, seeds=(0, 1), improving=None):
    """Recovery fractions per rank; population-GD cells also get their final loss and the loss
    after half of the steps: equal (converged) unless ``improving[r]`` gives the relative
    decrease over the second half."""
    records = [{"d": d, "r": r, "seed": s, "metric": "frac_ov", "value": f}
               for r, f in fracs.items() for s in seeds]  # fmt: skip
    if experiment == "population":
        for r, f in fracs.items():
            final = 0.01 + 0.5 * (1.0 - f)
            half = final * (1.0 + (improving or {}).get(r, 0.0))
            losses = (("test_rel_err", final), ("half_rel_err", half))
            records += [{"d": d, "r": r, "seed": s, "metric": metric, "value": value}
                        for s in seeds for metric, value in losses]  # fmt: skip
    return _rows(experiment, records)


def test_recovery_statistics():
    # d = 16: round(0.25 * 64) = 16, round(0.5 * 64) = 32
    pop = _recovery("population", 16, {8: 1.0, 16: 0.95, 32: 0.6, 64: 0.0})
    power = _recovery("power", 16, {8: 0.5, 16: 0.3, 32: 0.05, 64: 0.02})
    frame = pd.concat([pop, power])
    assert ta.recovery_at_small_rank(frame, 0.25) == pytest.approx(0.95)
    assert ta.power_recovery_at_large_rank(frame, 0.5) == pytest.approx(0.05)


def test_barrier_statistics_and_their_precondition():
    small = _recovery("population", 32, {45: 1.0, 91: 1.0, 181: 0.0})
    assert math.isnan(ta.barrier_exponent(small, 0.5, 128))
    assert math.isnan(ta.barrier_rho(small, 0.5, 128))
    reason = ta.barrier_precondition(small, 128, 1)
    assert "d = 32 < 128" in reason and "narrow" in reason and "paper scale" in reason
    assert "empty" in ta.barrier_precondition(_recovery("population", 24, {29: 1.0}), 128, 1)
    assert ta.window_note(small, 128) == f"(Not testable here: {reason}.)"
    assert ta.barrier_precondition(_recovery("power", 256, {29: 1.0}), 128, 1) == (
        "the run has no population-GD rows")  # fmt: skip
    big = pd.concat([
        _recovery("population", 128, {1000: 0.9, 2000: 0.2}),
        _recovery("population", 256, {2828: 0.8, 6000: 0.1}),
    ])  # fmt: skip
    assert ta.barrier_precondition(big, 128, 2) == ""
    one = big[big["d"] == 256]
    assert ta.barrier_precondition(one, 128, 1) == ""
    assert ta.barrier_precondition(one, 128, 2) == (
        "1 population-GD d >= 128 (d = 256); the claim needs 2")  # fmt: skip
    assert ta.barrier_exponent(big, 0.5, 128) == pytest.approx(math.log(2.828) / math.log(2))
    assert ta.barrier_rho(big, 0.5, 128) == pytest.approx(2828 / 256**1.5)
    assert (
        ta.window_note(big, 128)
        == f"(largest d = 256: R_gen/d^1.5 = {generic_rank(256) / 4096:.2f}.)"
    )
    # a d where no r reaches the success level has no r_c: the slope is NaN, not fitted without it
    none = _recovery("population", 200, {1414: 0.2, 2828: 0.0})
    assert math.isnan(ta.barrier_exponent(pd.concat([big, none]), 0.5, 128))


def test_crossover_precondition():
    # d = 16: 2.5 d^2 = 640 = 0.66 D3 is not sample-limited; n = D3/2 = 484 is
    quad = _student(16, {8: 0.0, 32: 0.9}, 640, width=1)
    half = _student(16, {8: 0.0, 32: 0.9}, 484, budget="half_d3", width=1)
    reason = ta.crossover_precondition(pd.concat([quad, half]), 1, 0.5)
    assert reason == ("the slope needs sample-limited budgets (m/r = 1, n <= 0.5 D3) at two "
                      "values of n/d; the run has 1 (n/d = 30.25)")  # fmt: skip
    wider = _student(32, {8: 0.0, 32: 0.9}, 3272, budget="half_d3", width=1)
    assert ta.crossover_precondition(pd.concat([quad, half, wider]), 1, 0.5) == ""
    assert "the run has 0 (n/d = none)" in ta.crossover_precondition(half, 2, 0.5)


def test_weights_and_control_statistics():
    records = []
    # d = 16: cap 0.5 min(51, 64) = 25.5; r = 40 is excluded, the 0.2-error run too
    for r, err, ov in ((8, 1e-4, 0.99), (16, 0.2, 0.5), (40, 1e-5, 0.7)):
        for metric, value in (("test_rel_err", err), ("mean_ov", ov)):
            records.append({"learner": "population_gd", "d": 16, "r": r, "m": r,
                            "metric": metric, "value": value})  # fmt: skip
    cubic = _rows("population", records)
    control = _rows("control", [
        {"d": 16, "r": 8, "m": 8, "metric": "test_rel_err", "value": 1e-5, "activation": "he2"},
        {"d": 16, "r": 8, "m": 8, "metric": "mean_ov", "value": 0.7, "activation": "he2"},
    ])  # fmt: skip
    frame = pd.concat([cubic, control])
    assert ta.cubic_recovery_overlap(frame, 0.5, 0.01) == pytest.approx(0.99)
    table = ta.runs(cubic).sort_values("r")
    assert table.loc[ta.identifiable(table, 0.5), "r"].tolist() == [8, 16]
    # d = 32: cap 0.5 min(R_gen = 187, 32^1.5 = 181.02) = 90.5
    edge = pd.DataFrame({"d": [32, 32, 24], "r": [90, 91, 1000]})
    assert ta.identifiable(edge, 0.5).tolist() == [True, False, False]
    assert ta.control_worst(frame, "test_rel_err") == pytest.approx(1e-5)
    assert ta.control_worst(frame, "mean_ov") == pytest.approx(0.7)


@pytest.mark.parametrize("position", [0, 1, 2])
def test_extremes_are_nan_when_any_run_is_whatever_its_position(position):
    """A diverged run (NaN) never drops out of a "for every" statistic, wherever it sits."""
    values = [1e-5, 2e-5, 3e-5]
    values[position] = math.nan
    control = _rows("control", [
        {"d": 16, "r": r, "m": r, "metric": "test_rel_err", "value": v, "activation": "he2"}
        for r, v in zip((4, 8, 16), values, strict=True)
    ])  # fmt: skip
    assert math.isnan(ta.control_worst(control, "test_rel_err"))
    fracs = dict(zip((4, 8, 16), [1.0 - v for v in values], strict=True))
    pop = _recovery("population", 16, fracs)  # every seed of one cell NaN: its mean is NaN
    assert math.isnan(ta.recovery_at_small_rank(pop, 0.25))
    one_seed = _recovery("population", 16, {4: 1.0, 8: 1.0, 16: 1.0})
    one_seed.loc[(one_seed["r"] == [4, 8, 16][position]) & (one_seed["seed"] == 1), "value"] = (
        math.nan)  # fmt: skip
    assert math.isnan(ta.recovery_at_small_rank(one_seed, 0.25))  # one NaN seed is enough
    power = _recovery("power", 16, dict(zip((16, 32, 64), values, strict=True)))
    assert math.isnan(ta.power_recovery_at_large_rank(power, 0.25))
    finite = _recovery("power", 16, {16: 0.3, 32: 0.1, 64: 0.2})
    assert ta.power_recovery_at_large_rank(finite, 0.25) == 0.3  # exact: the max itself
    assert ta.recovery_at_small_rank(_recovery("population", 16, {4: 0.5, 8: 0.25}), 0.25) == 0.25


def test_seed_means_and_runs_keep_a_diverged_seed():
    """One NaN seed makes its cell's mean NaN (pandas would average the others) and keeps its
    run in :func:`runs`; TENS-4a cannot tell whether an identifiable NaN run had small error."""
    book = _book()
    diverged = book.assign(value=book["value"].mask((book["seed"] == 1)
                                                    & (book["activation"] == "he3")))  # fmt: skip
    assert math.isnan(ta.he3_ols_error(diverged))
    assert math.isnan(ta.variance_gap(diverged))
    assert ta.ols_theory_gap(diverged) == pytest.approx(0.015)  # the cube rows are finite
    records = [{"learner": "population_gd", "d": 16, "r": 8, "m": 8, "seed": seed,
                "metric": metric, "value": value}
               for seed in (0, 1)
               for metric, value in (("test_rel_err", 1e-4), ("mean_ov", 0.99))]  # fmt: skip
    cubic = _rows("population", records)
    assert ta.cubic_recovery_overlap(cubic, 0.5, 0.01) == pytest.approx(0.99)
    nan_run = cubic.assign(value=cubic["value"].mask(cubic["seed"] == 1))
    table = ta.runs(nan_run)
    assert len(table) == 2 and table.loc[table["seed"] == 1, "test_rel_err"].isna().all()
    assert math.isnan(ta.cubic_recovery_overlap(nan_run, 0.5, 0.01))
    # a run outside the set (rel_err 0.5 > 0.01) may have a NaN overlap without mattering
    outside = cubic.copy()
    outside.loc[outside["seed"] == 1, "value"] = [0.5, math.nan]  # test_rel_err, mean_ov
    assert ta.cubic_recovery_overlap(outside, 0.5, 0.01) == pytest.approx(0.99)


def test_least_squares_statistics_read_seed_means():
    # two seeds per cell (n = q D3 with D3 = 165 at d = 8): the extremes are over cell means
    frame = _rows("least_squares", [
        {"d": 8, "r": 8, "n": round(165 * q), "n_over_d3": q, "seed": s, "metric":
         "test_rel_err", "value": v + dv}
        for q, v in ((0.25, 0.75), (0.5, 0.5), (0.9, 0.1), (1.2, 1e-20), (2.0, 1e-25))
        for s, dv in ((0, -v / 2), (1, v / 2))
    ])  # fmt: skip
    assert ta.least_squares_error(frame, 1.2, above=True) == pytest.approx(1e-20)
    assert ta.least_squares_error(frame, 0.5, above=False) == pytest.approx(0.5)
    unfinished = frame.assign(value=frame["value"].where(frame["n_over_d3"] != 2.0))
    assert math.isnan(ta.least_squares_error(unfinished, 1.2, above=True))
    one_seed = (frame["n_over_d3"] == 0.5) & (frame["seed"] == 1)  # one diverged seed
    diverged = frame.assign(value=frame["value"].mask(one_seed))
    assert math.isnan(ta.least_squares_error(diverged, 0.5, above=False))
    assert ta.least_squares_error(diverged, 1.2, above=True) == pytest.approx(1e-20)


def test_recoverable_ranks_need_convergence_and_a_grid_past_the_barrier():
    """A failed cell whose loss still fell by more than the tolerance over the second half of
    training makes r_c undefined; a recovered top rank marks r_c censored (a lower bound)."""
    fracs = {100: 1.0, 200: 1.0, 400: 0.0, 800: 0.0}
    ok = _recovery("population", 128, fracs)
    rc = ta.recoverable_ranks(ok, 0.5, 128, 0.05).set_index("d")
    assert rc.loc[128, "r_c"] == 200 and not rc.loc[128, "censored"]
    slow = _recovery("population", 128, fracs, improving={800: 0.2})
    assert math.isnan(ta.recoverable_ranks(slow, 0.5, 128, 0.05).loc[0, "r_c"])
    settled = _recovery("population", 128, fracs, improving={800: 0.01})
    assert ta.recoverable_ranks(settled, 0.5, 128, 0.05).loc[0, "r_c"] == 200
    everything = _recovery("population", 128, dict.fromkeys(fracs, 1.0))
    top = ta.recoverable_ranks(everything, 0.5, 128, 0.05).loc[0]
    assert top["r_c"] == 800 and top["censored"]
    # a censored r_c is a lower bound: it counts against "r_c <= limit" only past the limit
    assert ta.barrier_rho(everything, 0.5, 128, 0.05, 800 / 128**1.5 - 0.01) == pytest.approx(
        800 / 128**1.5)  # fmt: skip
    assert math.isnan(ta.barrier_rho(everything, 0.5, 128, 0.05, 800 / 128**1.5 + 0.01))
    two = pd.concat([everything, _recovery("population", 256, dict.fromkeys(fracs, 1.0))])
    assert math.isnan(ta.barrier_exponent(two, 0.5, 128, 0.05))
