"""One big gradient step on the first layer of a two-layer ReLU net (Damian, Lee &
Soltanolkotabi 2022, arXiv 2206.15144, Algorithm 1), batched over an ensemble axis ``E``.

The network is ``f(x) = a . relu(W x + b)`` (no ``1/m`` prefactor, ``m`` even) and the loss
``L = (1/n) sum_i (f(x_i) - y_i)^2`` (no 1/2). At the symmetric init (:func:`symmetric_init`)
``f = 0``, so one step of gradient descent on ``W`` with step ``eta`` and weight decay
``lambda = 1/eta``, ``W1 = W0 - eta (grad_W L + lambda W0)``, has the closed form

    w_j = (2 eta / n) a_j sum_i y_i 1{w_j0 . x_i >= 0} x_i

(:func:`first_step`). The optional pre-processing of the labels ``y <- y - alpha - beta . x``
with ``alpha = mean(y)``, ``beta = mean(y x)`` is :func:`linear_offset`.

Samples come as an iterable of chunks ``(x, y, ...)`` with ``x`` of shape ``(E, c, d)`` and
``y`` of shape ``(E, c)`` (further entries, e.g. ``f*(x)``, are ignored), so the training set
never has to be held in memory at once; sums are accumulated chunk by chunk in that order.
Every draw is made per member from its own generator, in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch

from hdlearn.seeding import generators

DTYPE = torch.float64

#: A function ``x (E, c, d) -> (E, c)`` added back to a prediction (the pre-processing offset).
Offset = Callable[[torch.Tensor], torch.Tensor]


def uniform_signs(shape: tuple[int, ...], gens: list[torch.Generator], device) -> torch.Tensor:
    """Rademacher entries ``+-1`` of ``shape`` per member, stacked to ``(E, *shape)``."""
    return torch.stack(
        [2.0 * torch.randint(0, 2, shape, generator=g).to(DTYPE) - 1.0 for g in gens]
    ).to(device)


def gaussian(
    shape: tuple[int, ...], gens: list[torch.Generator], device, scale: float = 1.0
) -> torch.Tensor:
    """``N(0, scale^2)`` entries of ``shape`` per member, stacked to ``(E, *shape)``."""
    return torch.stack([torch.randn(shape, generator=g, dtype=DTYPE) for g in gens]).to(
        device
    ) * float(scale)


def zero_offset(x: torch.Tensor) -> torch.Tensor:
    """No pre-processing: the offset ``0`` of shape ``x.shape[:-1]``."""
    return torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)


def symmetric_init(
    seeds: list[int], d: int, m: int, device: torch.device, *tags: object
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(a, W0)`` of the symmetric init: ``a_j ~ U{-1,+1}``, ``w_j ~ N(0, I/d)`` for
    ``j < m/2`` and neuron ``j + m/2 = (-a_j, w_j)`` (so ``f = 0`` at init); shapes ``(E, m)``
    and ``(E, m, d)``. The draws come from the generators named ``("a0", d, m, *tags)`` and
    ``("w0", d, m, *tags)`` of every seed."""
    if m % 2:
        raise ValueError(f"the symmetric init needs an even width, got m = {m}")
    half = m // 2
    a = uniform_signs((half,), generators(seeds, "a0", d, m, *tags), device)
    w = gaussian((half, d), generators(seeds, "w0", d, m, *tags), device, 1 / math.sqrt(d))
    return torch.cat([a, -a], dim=1), torch.cat([w, w], dim=1)


def linear_offset(chunks: Iterable[tuple]) -> Offset:
    """Pre-processing: ``x -> alpha + beta . x`` with ``alpha = mean(y)`` and
    ``beta = mean(y x)`` over the samples of ``chunks`` (``alpha (E,)``, ``beta (E, d)``); for
    ``x ~ N(0, I)`` these are the degree-0 and degree-1 Hermite coefficients of the labels."""
    alpha = beta = None
    count = 0
    for x, y, *_ in chunks:
        if alpha is None:
            alpha = torch.zeros(y.shape[0], dtype=y.dtype, device=y.device)
            beta = torch.zeros(y.shape[0], x.shape[-1], dtype=y.dtype, device=y.device)
        alpha += y.sum(1)
        beta += (y[..., None] * x).sum(1)
        count += x.shape[1]
    if alpha is None:
        raise ValueError("linear_offset needs at least one sample")
    alpha, beta = alpha / count, beta / count

    def offset(x: torch.Tensor) -> torch.Tensor:
        return alpha[:, None] + (x @ beta[..., None]).squeeze(-1)

    return offset


def first_step(
    chunks: Iterable[tuple],
    a: torch.Tensor,
    w0: torch.Tensor,
    eta: float,
    offset: Offset = zero_offset,
) -> torch.Tensor:
    """``W1`` after Algorithm 1's step from the symmetric init ``(a, W0)``:

        w_j = (2 eta / n) a_j sum_i (y_i - offset(x_i)) 1{w_j0 . x_i >= 0} x_i,

    i.e. ``W0 - eta (grad_W L + W0 / eta)`` for ``L = (1/n) sum_i (f(x_i) - y_i)^2``, over the
    ``n`` samples of ``chunks``. Computed for the first ``m/2`` neurons; their partners
    (``-a_j``, same ``w_j0``) get ``-w_j``. Returns ``(E, m, d)``."""
    half = a.shape[1] // 2
    a_half, w_half = a[:, :half], w0[:, :half]
    acc = torch.zeros_like(w_half)
    n = 0
    for x, y, *_ in chunks:
        gate = (x @ w_half.transpose(1, 2) >= 0).to(x.dtype)
        acc += (gate * (y - offset(x))[..., None]).transpose(1, 2) @ x
        n += x.shape[1]
    if n == 0:
        raise ValueError("first_step needs at least one sample")
    w1 = (2.0 * eta / n) * a_half[..., None] * acc
    return torch.cat([w1, -w1], dim=1)
