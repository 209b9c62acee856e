"""The depth paper's target, grid expansion, cells and order parameters."""

import copy
import math
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from hdlearn.config import validate_config
from hdlearn.models import init_mlp
from hdlearn.papers.depth import experiment as depth
from hdlearn.papers.depth import grid
from hdlearn.papers.depth.analysis import predicted_threshold, target_degree
from hdlearn.seeding import generators
from hdlearn.sizes import effective_dimension, power_samples
from hdlearn.targets.hierarchical import sample_hierarchical_target
from hdlearn.training.gd import LayerRule, train_minibatch_gd

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")
RAW = yaml.safe_load((ROOT / "config/config.yaml").read_text())
#: The shipped config with the depth blocks alone, validated (schema, provenance, seeds); the
#: other papers' blocks are checked in tests/test_config.py.
CONFIG = validate_config({**RAW, "scales": {scale: {"depth": grids["depth"]}
                                            for scale, grids in RAW["scales"].items()}},
                         ROOT / "config/schema.yaml")  # fmt: skip
PRESETS = CONFIG["presets"]["depth"]


def _teacher(d=64, seeds=(0,), branches=1, normalisation="factorial"):
    return sample_hierarchical_target(
        d, effective_dimension(d, 0.5), branches, (0, 0, 1, 1), normalisation, 3.0,
        generators(list(seeds), "teacher", d), CPU,
    )  # fmt: skip


def test_sizes():
    assert power_samples(32, 2.0, minimum=2) == 1024  # 32^2.0 is 1024 despite round-off
    assert power_samples(16, 1.5, minimum=2) == 64
    assert power_samples(2, 0.5, minimum=2) == 2  # n >= 2
    assert grid.first_width(32, 2.2, 0.9) == math.floor(2048**0.9)
    assert effective_dimension(16, 0.5) == 4 and effective_dimension(128, 0.5) == 11


def test_teacher_directions_are_orthonormal_and_branches_orthogonal():
    teacher = _teacher(d=40, branches=3)
    w = teacher.directions[0].double()
    assert torch.allclose(w @ w.T, torch.eye(3 * 6, dtype=torch.float64), atol=1e-6)
    assert set(teacher.signs.unique().tolist()) == {-1.0, 1.0}


@pytest.mark.parametrize(
    ("normalisation", "variance"), [("factorial", 2 / 3), ("orthonormal", 2.0)]
)
def test_hidden_feature_variance(normalisation, variance):
    """Var h* = Var P3(z) = 1/2 + 1/6 (He_k/k!) or 1 + 1 (orthonormal), by Monte Carlo."""
    teacher = _teacher(normalisation=normalisation)
    x = torch.randn(1, 200_000, 64, generator=torch.Generator().manual_seed(1))
    h = teacher.features(x)
    assert abs(h.var().item() / variance - 1) < 0.03
    assert torch.allclose(teacher(x), torch.tanh(3 * h[..., 0]))


def test_overlap_w_of_random_and_aligned_weights():
    teacher = _teacher(d=64)
    random = torch.randn(1, 4000, 64, generator=torch.Generator().manual_seed(0))
    assert abs(depth.overlap_w(random, teacher).item() - math.sqrt(8 / 64)) < 0.01
    aligned = torch.randn(1, 50, 8, generator=torch.Generator().manual_seed(1)) @ teacher.directions
    assert abs(depth.overlap_w(aligned, teacher).item() - 1.0) < 1e-5
    # a unit shrunk to exactly zero (weight decay on a dead unit) has no direction: left out
    dead = torch.cat([random[:, :100], torch.zeros(1, 3, 64)], dim=1)
    assert depth.overlap_w(dead, teacher).item() == depth.overlap_w(random[:, :100], teacher).item()
    assert depth.overlap_w(torch.zeros(1, 3, 64), teacher).isnan().all()


def test_overlap_h_matches_the_cosine_formula():
    teacher = _teacher(d=16)
    model = init_mlp((16, 6, 3, 1), generators([0], "i"), first_scale=1.0, later_scale=0.2,
                     first_bias=1.0, later_bias=0.2, device=CPU)  # fmt: skip
    x = torch.randn(1, 500, 16, generator=torch.Generator().manual_seed(2))
    u = (torch.relu(x[0] @ model.weights[0][0].T + model.biases[0][0]) @ model.weights[1][0].T
         + model.biases[1][0]).double()  # fmt: skip
    h = teacher.features(x)[0, :, 0].double()
    cosines = [(u[:, j] @ h) / (u[:, j].norm() * h.norm()) for j in range(3)]
    expected = math.sqrt(sum(c.item() ** 2 for c in cosines) / 3)
    assert abs(depth.overlap_h(model, x, teacher).item() - expected) < 1e-5


def _block(**changes):
    block = copy.deepcopy(CONFIG["scales"]["smoke"]["depth"])
    block.update(changes)
    return block


def _point(specs: dict, learner: str, d: int, kappa: float) -> dict:
    """The grid point ``(learner, d, kappa)`` of a plan's cells (a point of a row cell too)."""
    return next(p for s in specs.values() for p in grid.points(s)
                if p["learner"] == learner and p["d"] == d and p["kappa"] == kappa)  # fmt: skip


def test_a_row_cell_is_its_points_cells_stacked():
    """A row cell (every kappa of a kernel or 2-layer row) returns exactly the rows that its
    points return as cells of their own: the draws never depend on the cell."""
    block = _block(seeds=[0, 1], hyper=TINY)
    for learner in grid.ROW_LEARNERS:
        row = next(s for s in grid.expand(block, PRESETS)["sweep"].values()
                   if s["learner"] == learner and s["d"] == 16)  # fmt: skip
        alone = [depth.run_cell(point, CPU) for point in grid.points(row)]
        assert [p["kappa"] for p in grid.points(row)] == row["kappas"]
        pd.testing.assert_frame_equal(depth.run_cell(row, CPU), pd.concat(alone, ignore_index=True))
        assert grid.cost(row).work == sum(grid.cost(p).work for p in grid.points(row))


def test_expand_shares_cells_between_experiments():
    plan = grid.expand(_block(), PRESETS)
    assert set(plan) == {"sweep", "ablation", "dynamics", "interpolation", "levels"}
    interpolation = plan["interpolation"].values()
    assert {(s["variant"], s["learner"]) for s in interpolation} == {("interpolation", "krr")}
    # a fixed, vanishing ridge (no validation): never the tuned kernel's cells
    assert all(s["hyper"]["ridge_lambdas"] == [] and "val_samples" not in s for s in interpolation)
    assert not set(plan["interpolation"]) & set(plan["sweep"])
    # two 3-layer learners at every (d, kappa) of 2 d x 3 kappas; the kernel and the 2-layer
    # net one row cell per d (every kappa of the row in one cell)
    assert len(plan["sweep"]) == 2 * 3 * 2 + 2 * 2
    rows = [s for s in plan["sweep"].values() if s["learner"] in grid.ROW_LEARNERS]
    assert all(s["kappas"] == [1.0, 1.6, 2.2] and "kappa" not in s for s in rows)
    shared = set(plan["sweep"]) & set(plan["ablation"])  # default variant at d=24, kappa 1.0, 2.2
    assert len(shared) == 2
    assert all(spec["learner"] == "reference" for spec in plan["levels"].values())


def test_changing_one_hyperparameter_renames_only_its_cells():
    before = grid.expand(_block(), PRESETS)["sweep"]
    after = grid.expand(_block(hyper={"stage2_epochs_coef": 1.5, "two_layer_width_divisor": 10}),
                         PRESETS)["sweep"]  # fmt: skip
    # the smoke block already shortens stage 2 to 1.5, so only the 2-layer cells change
    changed = set(before) ^ set(after)
    assert changed and all("two_layer" in name for name in changed)
    krr = [name for name in before if name.startswith("krr")]
    assert set(krr) <= set(after)


TINY = {"stage1_epochs_coef": 1.0, "stage2_epochs_coef": 0.1}


@pytest.mark.parametrize("learner", grid.LEARNERS)
def test_cells_run_and_are_deterministic(learner):
    block = _block(seeds=[0, 1], hyper=TINY)
    specs = grid.expand(block, PRESETS)["sweep"]
    spec = _point(specs, learner, 16, 1.6)
    first, second = depth.run_cell(spec, CPU), depth.run_cell(spec, CPU)
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns) == depth.COLUMNS
    finals = first[first["stage"] == "final"]
    expected = {
        "krr": {"test_mse"},
        "two_layer": {"test_mse", "overlap_W", "weight_decay", "val_mse"},
    }.get(learner, {"test_mse", "overlap_W", "overlap_h"})
    assert block["preset"] == "tuned" and PRESETS["tuned"]["ridge_lambdas"]
    if learner == "two_layer":  # the tuned preset sweeps its weight decay too
        decays = finals.query("metric == 'weight_decay'")["value"]
        assert decays.isin(PRESETS["tuned"]["two_layer_regs"]).all()
    if learner != "three_layer_joint":  # its readout is trained by GD, not ridge
        expected = expected | {"ridge_lambda"}
        assert (
            finals.query("metric == 'ridge_lambda'")["value"]
            .isin([*PRESETS["tuned"]["ridge_lambdas"], math.inf])
            .all()
        )
    assert set(finals["metric"]) == expected
    assert len(finals) == 2 * len(expected)
    assert finals["value"].notna().all() and (finals["value"] >= 0).all()


@pytest.mark.parametrize("learner", ["krr", "two_layer", "three_layer_layerwise"])
def test_the_repo_preset_keeps_the_fixed_ridge(learner):
    """The authors' protocol (preset repo): no validation sweep, no chosen penalty recorded,
    and the tuned run differs only where the sweep picked another penalty than the fixed one."""
    block = _block(seeds=[0, 1], hyper=TINY, preset="repo")
    specs = grid.expand(block, PRESETS)["sweep"]
    spec = _point(specs, learner, 16, 1.6)
    assert spec["hyper"]["ridge_lambdas"] == []
    frame = depth.run_cell(spec, CPU)
    assert "ridge_lambda" not in set(frame["metric"])


@pytest.mark.parametrize("learner", list(grid.DECAY_SWEEPS))
def test_a_weight_decay_sweep_keeps_per_seed_the_run_of_its_chosen_decay(learner):
    """A network's decay sweep (one ensemble of a copy per decay and seed) keeps, for every
    seed, the decay of least validation error, and its rows are exactly (bit for bit on the
    CPU) those of the one-decay sweep of that decay, whose rows are the fixed-decay run's: the
    sweep is the fixed runs side by side."""
    regs, seeds = [0.0, 0.1], [0, 1, 2]
    sweep_key, fixed_key = grid.DECAY_SWEEPS[learner]

    def run(**hyper) -> tuple[dict, pd.DataFrame]:
        block = _block(seeds=seeds, hyper={**TINY, **hyper})
        spec = _point(grid.expand(block, PRESETS)["sweep"], learner, 16, 2.2)
        return spec, depth.run_cell(spec, CPU)

    sweep, swept = run(**{sweep_key: regs})
    alone = {reg: run(**{sweep_key: [reg]})[1] for reg in regs}
    chosen = swept.query("metric == 'weight_decay'").set_index("seed")["value"]
    for seed in seeds:
        rows = {reg: frame[frame["seed"] == seed].reset_index(drop=True)
                for reg, frame in alone.items()}  # fmt: skip
        val = {reg: r.loc[(r["metric"] == "val_mse") & (r["stage"] == "final"), "value"].item()
               for reg, r in rows.items()}  # fmt: skip
        assert chosen[seed] == min(regs, key=lambda reg: (val[reg], regs.index(reg)))
        mine = swept[swept["seed"] == seed].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, rows[chosen[seed]])
    for reg in regs:
        _, fixed = run(**{sweep_key: [], fixed_key: reg})
        single = alone[reg]
        single = single[~((single["stage"] == "final")
                          & single["metric"].isin(["weight_decay", "val_mse"]))]  # fmt: skip
        pd.testing.assert_frame_equal(single.reset_index(drop=True), fixed)
    fixed_spec, _ = run(**{sweep_key: []})
    assert grid.cost(sweep).work == len(regs) * grid.cost(fixed_spec).work
    # the 2-layer candidates share one ensemble, the 3-layer ones train one after the other
    copies = len(regs) if learner == "two_layer" else 1
    assert grid.cost(sweep).bytes == copies * grid.cost(fixed_spec).bytes
    assert fixed_key not in sweep["hyper"]  # the sweep replaces the fixed decay


def test_a_per_member_decay_must_have_one_value_per_member():
    model = init_mlp((4, 3, 1), generators([0, 1], "init"), first_scale=1.0, later_scale=1.0,
                     first_bias=1.0, later_bias=1.0, device=CPU)  # fmt: skip
    x = torch.randn(2, 8, 4, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="per-member decay"):
        train_minibatch_gd(model, x, x[..., 0], start_layer=0,
                           rules=[LayerRule(1, 0.1, 8.0, torch.zeros(3))], steps=1, batch_size=4,
                           generators=generators([0, 1], "b"))  # fmt: skip


def test_reference_levels_are_ordered():
    block = _block(seeds=[0, 1])
    spec = next(iter(grid.expand(block, PRESETS)["levels"].values()))
    levels = depth.run_cell(spec, CPU).groupby("metric")["value"].median()
    assert 0.5 < levels["var_y"] < 0.75
    assert levels["level_deg4"] < levels["level_deg2"] < levels["var_y"]


def test_predicted_threshold():
    """kappa* = max(1 + eps1, k eps1), k the degree of P (Dandi et al. 2025)."""
    assert target_degree([0.0, 0.0, 1.0, 1.0]) == 3 and target_degree([0.0, 1.0, 0.0]) == 1
    assert predicted_threshold(0.5, [0.0, 0.0, 1.0, 1.0]) == 1.5  # the worked example
    assert predicted_threshold(0.5, [0.0, 0.0, 0.0, 0.0, 1.0]) == 2.0  # k eps1 dominates
    assert predicted_threshold(0.25, [0.0, 0.0, 1.0, 1.0]) == 1.25  # 1 + eps1 dominates
    block = CONFIG["scales"]["smoke"]["depth"]["target"]
    assert predicted_threshold(block["eps1"], block["coefficients"]) == 1.5
