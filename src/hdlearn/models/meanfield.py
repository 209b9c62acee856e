"""Mean-field networks on the hypercube, as batched ensembles (Abbe & Boix-Adsera 2022 runs).

**FC net of depth L** (``L - 1`` hidden layers of width ``m``), member ``e``:

    f(x) = (1/m) sum_j a_j h_j(x),   h = relu(W_{L-1} ... relu(W_1 x + b_1) ... + b_{L-1}),

with ``W_1 ~ N(0, I/d)`` rows, ``b_1 ~ first_bias U(-1, 1)``, hidden ``W_l ~ N(0, 1/m)``,
``b_l ~ hidden_bias U(-1, 1)`` and ``a_j ~ N(0, 1)``. The hidden layers are an
:class:`hdlearn.models.ensemble.EnsembleMLP` whose readout row holds ``a``; the ``1/m`` is
applied on top. The law of ``W_1`` is invariant under ``W_1 -> W_1 g`` for every orthogonal
``g``, so SGD on this net is O(d)-equivariant (and signed-permutation equivariant).

**Conv net** (one shared kernel, circular windows, position-specific readout):

    f(x) = (1/m) sum_{p=1}^{d} sum_{c=1}^{m} a_{p,c} relu(w_c . (x_p, ..., x_{p+k-1}) + b_c),

indices mod ``d``, ``w_c ~ N(0, I/k)``, ``b_c ~ first_bias U(-1, 1)``, ``a_{p,c} ~ N(0, 1/d)``.
It is equivariant only under the ``d`` cyclic shifts (and a global sign flip), not under
coordinate permutations.

**FC net with a local first-layer init** (``local_window = k``): the FC net above, every weight
trained, but unit ``j`` of ``W_1`` starts on the ``k`` cyclically adjacent coordinates
``j, ..., j + k - 1`` (mod ``d``), ``N(0, I/k)`` there and 0 elsewhere. The architecture and the
update rule are those of the FC net; only the initial law is no longer invariant under
coordinate permutations (for ``m >= d`` it is under cyclic shifts): the symmetry is broken
inside an FC net, by its init alone.

**The conv net's parametrisation, untied** (``untied = Untied(c, k)``, depth 2, width ``c d``):
the FC net above with the conv net's output scale, readout law and steps,

    f(x) = (1/c) sum_{j <= c d} a_j h_j(x),   a_j ~ N(0, 1/d),

steps ``W_1``: ``eta c/k``, ``b_1``: ``eta c``, ``a``: ``eta c/d``: with the local init it is
the conv net with its kernel untied across the d offsets (and its rows free on all d
coordinates). It is the parametrisation of the width-``c d`` nets because in the mean-field one
(output ``1/(c d)``) a function carried by the ``c`` units of one offset needs readouts of order
``d`` there, and the ``b_1`` and ``W_1`` steps of a unit scale with its readout: at d = 80 the
biases' steps reach order 10 and training oscillates (stop 23's diagnostic). Here those units
need order-1 readouts, as the conv net's do; a readout's effect on ``f`` per step is the
mean-field one (``eta/(c d)`` times its gradient in both).

Per-group SGD steps (the mean-field convention, one unit of time ~ ``d/eta`` samples):
FC: ``W_1``: ``eta m/d``, ``b_1`` and ``a``: ``eta m``, hidden ``W_l, b_l``: ``eta``.
Conv: ``w``: ``eta m/k``, ``b``: ``eta m``, ``a``: ``eta m/d``. Untied: those of the conv net
with ``m = c``. See :func:`step_sizes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from hdlearn.models.ensemble import EnsembleMLP


@dataclass(frozen=True)
class Untied:
    """The conv net's parametrisation of a depth-2 FC net of width ``channels d`` (module
    docstring): ``channels`` units per offset, the conv kernel's width ``window``."""

    channels: int
    window: int


@dataclass
class MeanFieldFC:
    """``tensors()`` order: ``W_1, ..., W_{L-1}, a`` then ``b_1, ..., b_{L-1}``."""

    body: EnsembleMLP  # weights[-1] is the readout a, shape (E, 1, m)
    untied: Untied | None = None  # None: the mean-field parametrisation

    @property
    def width(self) -> int:
        return self.body.weights[-1].shape[-1]

    @property
    def depth(self) -> int:
        return self.body.depth

    def tensors(self) -> list[torch.Tensor]:
        return [*self.body.weights, *self.body.biases]

    def names(self) -> list[str]:
        hidden = [f"W{layer + 1}" for layer in range(self.depth - 1)]
        return [*hidden, "a", *[f"b{layer + 1}" for layer in range(self.depth - 1)]]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``f_e(x)``: ``x`` is ``(E, n, d)``, the output ``(E, n)``."""
        return self.body(x) / (self.width if self.untied is None else self.untied.channels)


@dataclass
class ConvNet:
    """Shared kernel ``w`` (E, m, k), bias ``b`` (E, m), readout ``a`` (E, d, m)."""

    w: torch.Tensor
    b: torch.Tensor
    a: torch.Tensor

    def tensors(self) -> list[torch.Tensor]:
        return [self.w, self.b, self.a]

    def names(self) -> list[str]:
        return ["w", "b", "a"]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        members, n, d = x.shape
        m, k = self.w.shape[1:]
        index = (torch.arange(d)[:, None] + torch.arange(k)[None, :]) % d  # (d, k)
        windows = x[:, :, index.to(x.device)].reshape(members, n * d, k)
        pre = torch.baddbmm(self.b[:, None, :], windows, self.w.transpose(1, 2))
        h = torch.relu(pre).reshape(members, n, d * m)
        return torch.bmm(h, self.a.reshape(members, d * m, 1)).squeeze(-1) / m


def init_fc(
    d: int,
    width: int,
    depth: int,
    generators: Sequence[torch.Generator],
    *,
    first_bias: float,
    hidden_bias: float,
    device: torch.device,
    dtype: torch.dtype = torch.float32,
    local_window: int | None = None,
    untied: Untied | None = None,
) -> MeanFieldFC:
    """Member ``e`` draws from ``generators[e]``, in order: ``W_1``, hidden ``W_l``, ``a``,
    then ``b_1``, hidden ``b_l`` (module docstring for the laws). With ``local_window = k`` the
    first layer is drawn as ``(width, k)`` and placed on each unit's ``k`` adjacent
    coordinates (the local init of the module docstring). With ``untied`` (depth 2, width
    ``channels d``) the readout is the same draw times ``d^-1/2``."""
    if depth < 2:
        raise ValueError(f"depth must be >= 2, got {depth}")
    if untied is not None and (depth != 2 or width != untied.channels * d):
        raise ValueError(
            f"untied needs depth 2 and width channels d = {untied.channels * d}, "
            f"got depth {depth}, width {width}"
        )
    if local_window is not None and not 1 <= local_window <= d:
        raise ValueError(f"local_window must lie in [1, d = {d}], got {local_window}")
    widths = [d, *[width] * (depth - 1), 1]
    weights: list[list[torch.Tensor]] = [[] for _ in range(depth)]
    biases: list[list[torch.Tensor]] = [[] for _ in range(depth - 1)]
    for gen in generators:
        for layer in range(depth):
            fan_in, fan_out = widths[layer], widths[layer + 1]
            if layer == 0 and local_window is not None:
                weights[0].append(_local_first_layer(d, width, local_window, gen, dtype))
                continue
            readout = 1.0 if untied is None else d**-0.5
            scale = readout if layer == depth - 1 else fan_in**-0.5
            weights[layer].append(torch.randn(fan_out, fan_in, generator=gen, dtype=dtype) * scale)
        for layer in range(depth - 1):
            scale = first_bias if layer == 0 else hidden_bias
            biases[layer].append(scale * (2 * torch.rand(width, generator=gen, dtype=dtype) - 1))
    body = EnsembleMLP(
        weights=[torch.stack(w).to(device) for w in weights],
        biases=[torch.stack(b).to(device) for b in biases],
    )
    return MeanFieldFC(body, untied)


def _local_first_layer(
    d: int, width: int, window: int, gen: torch.Generator, dtype: torch.dtype
) -> torch.Tensor:
    """``W_1`` of the local init: row ``j`` is ``N(0, I/window)`` on coordinates
    ``(j + t) mod d``, ``t < window``, and 0 elsewhere."""
    values = torch.randn(width, window, generator=gen, dtype=dtype) * window**-0.5
    columns = (torch.arange(width)[:, None] + torch.arange(window)[None, :]) % d
    weights = torch.zeros(width, d, dtype=dtype)
    weights.scatter_(1, columns, values)
    return weights


def init_conv(
    d: int,
    channels: int,
    kernel: int,
    generators: Sequence[torch.Generator],
    *,
    first_bias: float,
    device: torch.device,
    dtype: torch.dtype = torch.float32,
) -> ConvNet:
    """Member ``e`` draws ``w``, ``b``, ``a`` in that order from ``generators[e]``."""
    ws, bs, as_ = [], [], []
    for gen in generators:
        ws.append(torch.randn(channels, kernel, generator=gen, dtype=dtype) * kernel**-0.5)
        bs.append(first_bias * (2 * torch.rand(channels, generator=gen, dtype=dtype) - 1))
        as_.append(torch.randn(d, channels, generator=gen, dtype=dtype) * d**-0.5)
    return ConvNet(*(torch.stack(t).to(device) for t in (ws, bs, as_)))


def step_sizes(model: MeanFieldFC | ConvNet, d: int, eta: float) -> list[float]:
    """The per-tensor SGD steps of the module docstring, in ``model.tensors()`` order."""
    if isinstance(model, ConvNet):
        m, k = model.w.shape[1:]
        return [eta * m / k, eta * m, eta * m / d]
    if model.untied is not None:  # W_1, a, b_1: the conv net's steps with m = channels
        c, k = model.untied.channels, model.untied.window
        return [eta * c / k, eta * c / d, eta * c]
    m, depth = model.width, model.depth
    weights = [eta * m / d, *[eta] * (depth - 2), eta * m]
    return [*weights, eta * m, *[eta] * (depth - 2)]
