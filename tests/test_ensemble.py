"""Batched ensembles: members are independent and match training alone bit for bit (CPU)."""

import pytest
import torch

from hdlearn.models import init_mlp
from hdlearn.models.ensemble import EnsembleMLP
from hdlearn.seeding import generators
from hdlearn.training import (
    LayerRule,
    log_spaced_checkpoints,
    minibatch_indices,
    train_minibatch_gd,
)

CPU = torch.device("cpu")


@pytest.fixture
def single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _train(seeds: list[int]) -> list[torch.Tensor]:
    d, n = 6, 40
    x = torch.stack([torch.randn(n, d, generator=g) for g in generators(seeds, "x")])
    y = torch.tanh(x[..., 0] * x[..., 1])
    model = init_mlp(
        (d, 16, 8, 1),
        generators(seeds, "init"),
        first_scale=1.0,
        later_scale=0.2,
        first_bias=1.0,
        later_bias=0.2,
        device=CPU,
    )
    rules = [LayerRule(1, 0.5, 28, 0.0), LayerRule(2, 0.3, n, 0.01), LayerRule(3, 0.2, n, 0.0)]
    train_minibatch_gd(
        model,
        x,
        y,
        start_layer=0,
        rules=rules,
        steps=25,
        batch_size=28,
        generators=generators(seeds, "batches"),
    )
    return model.weights


def test_member_in_ensemble_equals_member_alone(single_thread):
    """Exact on a fixed thread count (cells run with one thread; with several, BLAS may split
    a batched product differently from a single one and change the last bit)."""
    together = _train([3, 5, 7])
    for e, seed in enumerate([3, 5, 7]):
        alone = _train([seed])
        for w_all, w_one in zip(together, alone, strict=True):
            assert torch.equal(w_all[e], w_one[0])


def test_concatenated_ensembles_select_back_their_members():
    def model(seeds):
        return init_mlp((3, 4, 1), generators(seeds, "init"), first_scale=1.0, later_scale=0.2,
                        first_bias=1.0, later_bias=0.2, device=CPU)  # fmt: skip

    a, b = model([0, 1]), model([2])
    joined = EnsembleMLP.concatenated([a, b])
    assert joined.members == 3
    x = torch.randn(3, 5, 3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(joined(x)[2:], b(x[2:]))
    back = joined.select(torch.tensor([0, 1]))
    for got, want in zip(back.weights + back.biases, a.weights + a.biases, strict=True):
        assert torch.equal(got, want)


def test_members_differ_and_training_moves_weights():
    trained = _train([0, 1])
    assert not torch.equal(trained[0][0], trained[0][1])
    fresh = init_mlp(
        (6, 16, 8, 1), generators([0, 1], "init"), first_scale=1.0, later_scale=0.2,
        first_bias=1.0, later_bias=0.2, device=CPU,
    )  # fmt: skip
    assert not torch.equal(trained[0], fresh.weights[0])


def test_initialisation_scales():
    model = init_mlp(
        (400, 300, 200, 1), generators([0], "init"), first_scale=1.0, later_scale=0.2,
        first_bias=1.0, later_bias=0.2, device=CPU,
    )  # fmt: skip
    w1, w2 = model.weights[0][0], model.weights[1][0]
    assert abs(w1.var().item() * 400 - 1.0) < 0.02
    assert abs(w2.var().item() * 300 / 0.04 - 1.0) < 0.03
    assert model.biases[0].abs().max() <= 1.0 and model.biases[1].abs().max() <= 0.2


def test_frozen_layers_and_start_layer():
    """Training from hidden layer 1 on precomputed features equals training the full net with
    layer 1 frozen."""
    seeds, d, n = [2], 5, 30
    x = torch.stack([torch.randn(n, d, generator=g) for g in generators(seeds, "x")])
    y = x[..., 0] ** 2 - 1

    def fresh():
        return init_mlp(
            (d, 12, 6, 1), generators(seeds, "init"), first_scale=1.0, later_scale=0.2,
            first_bias=1.0, later_bias=0.2, device=CPU,
        )  # fmt: skip

    rule = [LayerRule(2, 0.4, n, 0.0)]
    full, tail = fresh(), fresh()
    common = dict(rules=rule, steps=10, batch_size=21)
    train_minibatch_gd(full, x, y, start_layer=0, generators=generators(seeds, "b"), **common)
    features = tail.hidden(x, 1)
    train_minibatch_gd(
        tail, features, y, start_layer=1, generators=generators(seeds, "b"), **common
    )
    assert torch.allclose(full.weights[1], tail.weights[1], atol=1e-6)
    assert torch.equal(full.weights[0], tail.weights[0])


def test_checkpoints_are_log_spaced_and_called():
    points = log_spaced_checkpoints(1000, 5)
    assert points[0] == 0 and points[-1] == 1000
    assert points == sorted(set(points))
    assert len(points) <= 7
    seen: list[int] = []
    seeds = [0]
    x = torch.randn(1, 10, 3)
    model = init_mlp(
        (3, 4, 1), generators(seeds, "i"), first_scale=1.0, later_scale=0.2, first_bias=1.0,
        later_bias=0.2, device=CPU,
    )  # fmt: skip
    train_minibatch_gd(
        model, x, x[..., 0], start_layer=0, rules=[LayerRule(1, 0.1, 7, 0.0)], steps=20,
        batch_size=7, generators=generators(seeds, "b"), checkpoints=[0, 5, 20],
        on_checkpoint=seen.append,
    )  # fmt: skip
    assert seen == [0, 5, 20]


def test_minibatch_indices_are_each_members_permutation_prefix_on_its_generators_device():
    """Member e's batch is the first B entries of randperm(n) from its own generator, drawn
    where that generator lives (a CPU generator: the stream every CPU run has always drawn)."""
    batch = minibatch_indices(generators([3, 4], "batches"), 50, 7, torch.device("cpu"))
    expected = [torch.randperm(50, generator=g)[:7] for g in generators([3, 4], "batches")]
    assert batch.shape == (2, 7) and batch.device.type == "cpu"
    assert torch.equal(batch, torch.stack(expected))
    assert all(len(set(row.tolist())) == 7 for row in batch)
    if torch.cuda.is_available():  # the GPU path: drawn on the device, no host copy
        on_gpu = minibatch_indices(
            generators([3, 4], "batches", device="cuda"), 50, 7, torch.device("cuda")
        )
        assert on_gpu.device.type == "cuda" and on_gpu.shape == (2, 7)
