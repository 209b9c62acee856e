"""Online (one-pass) SGD and Adam over batched ensembles, with a steps-to-learn stopping rule.

Every step draws a fresh mini-batch for each member (each member has its own data stream),
computes the loss

    L = sum_e (1/B) sum_{i<=B} (f_e(x_{e,i}) - y_{e,i})^2

(summed over members, so member ``e``'s gradient is its own mean-batch gradient and members
never interact) and moves tensor ``j`` by ``-lr_j * grad_j`` (plain SGD, no momentum, no weight
decay) or by Adam's elementwise update. ``steps_to_learn`` of a member is the first evaluation
step at which its relative test error ``MSE / Var(f*)`` falls below ``threshold``; a member that
never does is censored at the step cap (reported as NaN, never dropped).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

Forward = Callable[[torch.Tensor], torch.Tensor]


def evaluation_schedule(cap: int, first: int, relative: float) -> list[int]:
    """Steps at which the test error is measured: ``first``, then ``t -> max(t + first,
    ceil(t (1 + relative)))``, and ``cap`` last. Between evaluations at most ``relative`` of
    the current step (or ``first`` steps) elapse, so a crossing at ``T`` steps is located within
    a fraction ``relative`` of ``T`` once ``T >= first / relative``."""
    if cap < 1 or first < 1 or relative <= 0:
        raise ValueError("cap and first must be positive and relative > 0")
    steps = []
    t = min(first, cap)
    while t < cap:
        steps.append(t)
        t = max(t + first, math.ceil(t * (1 + relative)))
    steps.append(cap)
    return steps


@dataclass(frozen=True)
class OnlineResult:
    """Per member: ``steps_to_learn`` (NaN when censored), the relative test error at the last
    evaluation, how many steps were run (training stops once every member has learned), and
    ``steps_to_weak``, the first evaluation below the weak threshold (NaN when censored or
    when no weak threshold was asked for)."""

    steps_to_learn: torch.Tensor
    final_rel_err: torch.Tensor
    steps_run: int
    steps_to_weak: torch.Tensor


def sgd_update(tensors: Sequence[torch.Tensor], grads, lrs: Sequence[float]) -> None:
    """``t <- t - lr * grad`` in place for every tensor."""
    for tensor, grad, lr in zip(tensors, grads, lrs, strict=True):
        tensor.sub_(lr * grad)


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction, elementwise, one step size per tensor.

    Elementwise updates commute with coordinate permutations and sign flips of the inputs but
    not with rotations (Li, Zhang, Arora 2021, Table 1), which the equivariance test shows.
    """

    def __init__(self, tensors, lrs, beta1: float, beta2: float, eps: float) -> None:
        self.lrs = list(lrs)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = [torch.zeros_like(t) for t in tensors]
        self.v = [torch.zeros_like(t) for t in tensors]
        self.t = 0

    def __call__(self, tensors, grads, lrs=None) -> None:
        self.t += 1
        c1, c2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        for j, (tensor, grad) in enumerate(zip(tensors, grads, strict=True)):
            self.m[j].mul_(self.beta1).add_((1 - self.beta1) * grad)
            self.v[j].mul_(self.beta2).add_((1 - self.beta2) * grad * grad)
            step = (self.m[j] / c1) / ((self.v[j] / c2).sqrt() + self.eps)
            tensor.sub_(self.lrs[j] * step)


def online_step(
    model: Forward,
    tensors: Sequence[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    lrs: Sequence[float],
    update: Callable = sgd_update,
) -> None:
    """One step on the batch ``x`` (E, B, d), ``y`` (E, B); see the module docstring."""
    for tensor in tensors:
        tensor.requires_grad_(True)
    loss = (model(x) - y).square().mean(dim=1).sum()
    grads = torch.autograd.grad(loss, list(tensors))
    with torch.no_grad():
        update(tensors, grads, lrs)
    for tensor in tensors:
        tensor.requires_grad_(False)


def train_until_learned(
    model: Forward,
    tensors: Sequence[torch.Tensor],
    lrs: Sequence[float],
    draw: Callable[[int], tuple[torch.Tensor, torch.Tensor]],
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    variance: float,
    *,
    threshold: float,
    schedule: Sequence[int],
    chunk: int,
    weak_threshold: float | None = None,
) -> OnlineResult:
    """Online SGD until every member learned or the last step of ``schedule`` (the cap).
    Learned: relative test error (MSE / ``variance``) below ``threshold`` at an evaluation;
    weakly learned: below ``weak_threshold`` (>= ``threshold``, so a member that learned has
    weakly learned by then).

    ``draw(c)`` returns ``c`` batches at once, ``x`` (c, E, B, d) and ``y`` (c, E, B) (drawn in
    chunks of ``chunk`` steps to save per-call overhead; each member's stream is its own).
    """
    members = x_test.shape[0]
    if weak_threshold is not None and weak_threshold < threshold:
        raise ValueError(f"weak_threshold {weak_threshold} is below threshold {threshold}")
    learned_at = torch.full((members,), math.nan, dtype=torch.float64)
    weak_at = torch.full((members,), math.nan, dtype=torch.float64)
    rel_err = torch.full((members,), math.nan, dtype=torch.float64)
    step, buffer, position = 0, None, 0
    for when in schedule:
        while step < when:
            if buffer is None or position == buffer[0].shape[0]:
                buffer, position = draw(chunk), 0
            online_step(model, tensors, buffer[0][position], buffer[1][position], lrs)
            position += 1
            step += 1
        with torch.no_grad():
            mse = (model(x_test) - y_test).square().mean(dim=1)
        rel_err = (mse / variance).double().cpu()
        newly = torch.isnan(learned_at) & (rel_err < threshold)
        learned_at[newly] = float(step)
        if weak_threshold is not None:
            weak_at[torch.isnan(weak_at) & (rel_err < weak_threshold)] = float(step)
        if not torch.isnan(learned_at).any():
            break
    return OnlineResult(learned_at, rel_err, step, weak_at)
