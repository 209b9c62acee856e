"""Batched ensembles of fully connected ReLU networks.

``E`` independent networks are stored as stacked weight tensors, so one ``torch.bmm`` runs a
layer of every member at once. Member ``e`` computes

    f_e(x) = w_L . relu(W_{L-1} relu( ... relu(W_1 x + b_1) ... ) + b_{L-1}),

with ``W_l`` of shape ``(p_l, p_{l-1})`` stored as ``weights[l-1][e]`` and ``b_l`` as
``biases[l-1][e]``; the readout ``w_L`` has no bias. Members never interact: every operation
is batched along the leading axis, so a member trained inside an ensemble follows exactly the
trajectory it follows when trained alone (tested bit for bit on the CPU).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass
class EnsembleMLP:
    """``weights[l]``: ``(E, p_{l+1}, p_l)``; ``biases[l]``: ``(E, p_{l+1})`` for hidden layers."""

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]

    @property
    def members(self) -> int:
        return self.weights[0].shape[0]

    @property
    def depth(self) -> int:
        """Number of weight layers ``L`` (a 3-layer net has two hidden layers)."""
        return len(self.weights)

    @staticmethod
    def concatenated(models: Sequence[EnsembleMLP]) -> EnsembleMLP:
        """One ensemble of the members of ``models`` (same shapes), in that order."""
        return EnsembleMLP(
            [torch.cat(ws) for ws in zip(*(m.weights for m in models), strict=True)],
            [torch.cat(bs) for bs in zip(*(m.biases for m in models), strict=True)],
        )

    def select(self, index: torch.Tensor) -> EnsembleMLP:
        """The ensemble of the members ``index`` (a 1-D index tensor), in that order."""
        return EnsembleMLP([w[index] for w in self.weights], [b[index] for b in self.biases])

    def preactivation(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """``W_l h_{l-1} + b_l`` for the 1-based hidden ``layer``; ``x`` is ``(E, n, p_0)``."""
        h = x
        for index in range(layer):
            pre = torch.baddbmm(
                self.biases[index][:, None, :], h, self.weights[index].transpose(1, 2)
            )
            h = torch.relu(pre) if index < layer - 1 else pre
        return pre

    def hidden(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """The post-activation ``h_l = relu(W_l h_{l-1} + b_l)`` of hidden ``layer`` (0 gives x)."""
        return x if layer == 0 else torch.relu(self.preactivation(x, layer))

    def readout_from(self, h: torch.Tensor, layer: int) -> torch.Tensor:
        """Run the network from the post-activation ``h`` of hidden ``layer`` to the output."""
        for index in range(layer, self.depth - 1):
            h = torch.relu(
                torch.baddbmm(
                    self.biases[index][:, None, :], h, self.weights[index].transpose(1, 2)
                )
            )
        return (h @ self.weights[-1].transpose(1, 2)).squeeze(-1)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``f_e(x)`` for every member: ``x`` is ``(E, n, d)``, the output ``(E, n)``."""
        return self.readout_from(x, 0)


def init_mlp(
    widths: Sequence[int],
    generators: list[torch.Generator],
    *,
    first_scale: float,
    later_scale: float,
    first_bias: float,
    later_bias: float,
    device: torch.device,
) -> EnsembleMLP:
    """Gaussian initialisation of the depth paper's code (arXiv 2502.13961, App. F):

    ``W_1 ~ first_scale N(0, 1/p_0)``, ``W_l ~ later_scale N(0, 1/p_{l-1})`` for ``l >= 2``,
    ``b_1 ~ first_bias U(-1, 1)``, ``b_l ~ later_bias U(-1, 1)``. ``widths = (d, p_1, ..., 1)``.
    Member ``e`` draws, in this order, its weights then its biases from ``generators[e]``.
    """
    weights: list[list[torch.Tensor]] = [[] for _ in widths[1:]]
    biases: list[list[torch.Tensor]] = [[] for _ in widths[1:-1]]
    for gen in generators:
        for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
            scale = first_scale if layer == 0 else later_scale
            w = torch.randn(fan_out, fan_in, generator=gen) * (scale / fan_in**0.5)
            weights[layer].append(w)
        for layer, fan_out in enumerate(widths[1:-1]):
            scale = first_bias if layer == 0 else later_bias
            biases[layer].append(scale * (2 * torch.rand(fan_out, generator=gen) - 1))
    return EnsembleMLP(
        weights=[torch.stack(w).to(device) for w in weights],
        biases=[torch.stack(b).to(device) for b in biases],
    )


def redraw_layer(
    model: EnsembleMLP,
    layer: int,
    scale: float,
    generators: list[torch.Generator],
) -> None:
    """Re-initialise weight ``layer`` (1-based) in place as ``scale N(0, 1/fan_in)`` per member."""
    current = model.weights[layer - 1]
    _, fan_out, fan_in = current.shape
    fresh = [
        torch.randn(fan_out, fan_in, generator=gen) * (scale / fan_in**0.5) for gen in generators
    ]
    model.weights[layer - 1] = torch.stack(fresh).to(current.device)
