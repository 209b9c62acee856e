"""Mini-batch gradient descent over batched ensembles, with per-layer step rules.

One step, for every member at once, on a mini-batch ``B`` drawn without replacement from the
member's own training set (its own generator):

    W_l <- W_l - eta_l grad_{W_l} [ 1/2 sum_{i in B} (f(x_i) - y_i)^2 ] / D_l - lambda_l W_l,

with ``D_l`` the batch size (the textbook mean-square gradient) or the full training-set size
(the effective step of the depth paper's code, see ``hdlearn.papers.depth.experiment``). Only
the layers named in ``rules`` move; the others, and all biases, stay fixed. Training may start
from a hidden layer: when the layers below are frozen their features are computed once and
passed as ``inputs``, so no work is repeated. Measurements happen at a few log-spaced
checkpoints through a callback; no weight trajectory is ever stored.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from hdlearn.models.ensemble import EnsembleMLP


@dataclass(frozen=True)
class LayerRule:
    """Update rule of weight ``layer`` (1-based): step ``eta``, divisor ``D``, decay ``lambda``.

    ``decay`` is the absolute shrinkage per step (learning rate times regularisation): one
    number for every member, or a tensor ``(E,)`` of one per member (an ensemble of copies of
    a network trained with different weight decays, e.g. a sweep).
    """

    layer: int
    step: float
    divisor: float
    decay: float | torch.Tensor


def _shrinkage(decay: float | torch.Tensor, weight: torch.Tensor) -> float | torch.Tensor | None:
    """The factor ``1 - lambda`` that multiplies ``weight`` (``(E, ...)``) each step, shaped to
    broadcast over each member's weight; ``None`` for no decay."""
    if not isinstance(decay, torch.Tensor):
        return 1.0 - decay if decay else None
    if decay.shape != (weight.shape[0],):
        raise ValueError(
            f"a per-member decay has shape {tuple(decay.shape)}, not ({weight.shape[0]},)"
        )
    factor = (1.0 - decay.double()).to(weight.dtype).to(weight.device)
    return factor.view(-1, *[1] * (weight.dim() - 1))


def log_spaced_checkpoints(total_steps: int, count: int) -> list[int]:
    """``0``, ``total_steps`` and about ``count`` log-spaced step counts in between."""
    if total_steps <= 0:
        return [0]
    inner = np.geomspace(1, total_steps, num=max(count, 2))
    return sorted({0, total_steps, *(round(s) for s in inner)})


def minibatch_indices(
    generators: list[torch.Generator], n: int, batch_size: int, device: torch.device
) -> torch.Tensor:
    """``(E, batch_size)`` indices on ``device``: member ``e`` draws a uniform subset of
    ``range(n)``. Each permutation is drawn where its generator lives, so generators on the
    training device (:func:`hdlearn.seeding.generators` with ``device``) keep a GPU step free of
    host-device copies and synchronisation."""
    rows = [torch.randperm(n, generator=gen, device=gen.device)[:batch_size] for gen in generators]
    return torch.stack(rows).to(device)


def gather_rows(data: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``data[e, index[e]]`` for every member: ``(E, n, ...)`` and ``(E, B)`` -> ``(E, B, ...)``."""
    members = torch.arange(data.shape[0], device=data.device)[:, None]
    return data[members, index]


def train_minibatch_gd(
    model: EnsembleMLP,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    *,
    start_layer: int,
    rules: Sequence[LayerRule],
    steps: int,
    batch_size: int,
    generators: list[torch.Generator],
    checkpoints: Sequence[int] = (),
    on_checkpoint: Callable[[int], None] | None = None,
    description: str = "gd",
) -> None:
    """Run ``steps`` mini-batch GD steps in place on ``model``.

    ``inputs`` is the post-activation of hidden layer ``start_layer`` on the training set
    (``x`` itself when ``start_layer == 0``), shape ``(E, n, p)``; ``labels`` is ``(E, n)``.
    ``on_checkpoint(step)`` is called after every step count in ``checkpoints`` (0 = before
    training). A progress bar goes to stderr, which the pipeline sends to the job's log.
    """
    if any(rule.layer <= start_layer for rule in rules):
        raise ValueError("a trained layer lies below start_layer, whose features are frozen")
    wanted = set(checkpoints)
    if on_checkpoint is not None and 0 in wanted:
        on_checkpoint(0)
    params = [model.weights[rule.layer - 1] for rule in rules]
    shrinkage = [_shrinkage(rule.decay, weight) for rule, weight in zip(rules, params, strict=True)]
    for weight in params:
        weight.requires_grad_(True)
    n = inputs.shape[1]
    bar = tqdm(range(1, steps + 1), desc=description, file=sys.stderr, mininterval=10, leave=True)
    try:
        for step in bar:
            index = minibatch_indices(generators, n, batch_size, inputs.device)
            out = model.readout_from(gather_rows(inputs, index), start_layer)
            residual = out - gather_rows(labels, index)
            grads = torch.autograd.grad(0.5 * residual.square().sum(), params)
            with torch.no_grad():
                for rule, weight, grad, shrink in zip(rules, params, grads, shrinkage, strict=True):
                    if shrink is not None:
                        weight.mul_(shrink)
                    weight.sub_(grad, alpha=rule.step / rule.divisor)
            if on_checkpoint is not None and step in wanted:
                on_checkpoint(step)
    finally:
        bar.close()
        for weight in params:
            weight.requires_grad_(False)
