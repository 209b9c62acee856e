"""Feature maps of two-layer ReLU networks for ridge heads, batched over an ensemble axis.

A feature map sends inputs ``x`` of shape ``(E, c, d)`` to ``Phi(x)`` of shape ``(E, c, p)``;
member ``e`` uses its own weights. Both maps are pure functions of their weights:

* :func:`relu_features`: the hidden layer ``relu(W x + b)`` (random features when ``W, b``
  are drawn at random, a trained first layer otherwise);
* :func:`ntk_features`: the finite-width neural tangent features of ``a . relu(W x + b)`` at
  ``b = 0``, the gradient in ``(a, W, b)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

#: A function ``x (E, c, d) -> Phi(x) (E, c, p)``.
Features = Callable[[torch.Tensor], torch.Tensor]


def relu_features(weights: torch.Tensor, bias: torch.Tensor) -> Features:
    """``x -> relu(W x + b)`` for ``W`` of shape ``(E, m, d)`` and ``b`` of shape ``(E, m)``
    (``p = m`` columns)."""

    def features(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x @ weights.transpose(1, 2) + bias[:, None, :])

    return features


def ntk_features(a: torch.Tensor, weights: torch.Tensor) -> Features:
    """``x -> [relu(w.x), a relu'(w.x) x, a relu'(w.x)] / sqrt(m)`` for ``a`` of shape
    ``(E, m)`` and ``W`` of shape ``(E, m, d)``: the gradient of ``a . relu(W x + b)`` in
    ``(a, W, b)`` at ``b = 0`` (with ``relu'(0) = 1``), ``p = m (d + 2)`` columns."""
    m = weights.shape[1]

    def features(x: torch.Tensor) -> torch.Tensor:
        pre = x @ weights.transpose(1, 2)
        gate = (pre >= 0).to(x.dtype) * a[:, None, :]
        outer = (gate[..., :, None] * x[..., None, :]).flatten(-2)
        return torch.cat([torch.relu(pre), outer, gate], dim=-1) / math.sqrt(m)

    return features
