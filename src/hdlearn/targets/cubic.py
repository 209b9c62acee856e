"""Two-layer committee teachers with polynomial activations (Mondelli & Montanari 2018).

    y(x) = sum_{i <= r} sigma(<w_i, x>) / sqrt(k! r),      x ~ N(0, I_d),

with ``w_i`` i.i.d. **uniform on the unit sphere** ``S^{d-1}`` and ``k`` the activation's
leading Hermite degree (``k = 3`` for the cubic activations, ``k = 2`` for ``He2``), so that
``Var(y) ~ 1`` for every ``r``. Activations (probabilists' Hermite polynomials, see
:mod:`hdlearn.targets.hermite`):

* ``he3``: ``He3(z) = z^3 - 3z`` (``a1 = -3, a3 = 1``): no degree-0, 1 or 2 Hermite part;
* ``cube``: ``z^3 = He3(z) + 3 He1(z)`` (``a1 = 0, a3 = 1``);
* ``linear_cube``: ``z + z^3`` (``a1 = 1, a3 = 1``);
* ``he2``: ``He2(z) = z^2 - 1`` (the quadratic control).

For unit ``w_i`` and ``sigma = a1 z + a3 z^3``,

    y sqrt(6 r) = (a1 + 3 a3) <v, x> + a3 sum_i He3(<w_i, x>),      v = sum_i w_i,

and since ``E[He_k(<a,x>) He_k(<b,x>)] = k! <a,b>^k`` for unit ``a, b``,

    6 r Var(y) = (a1 + 3 a3)^2 |v|^2 + 6 a3^2 sum_{i,j} <w_i, w_j>^3.

The best linear predictor (OLS on ``[1, x]``) captures exactly the first term, so its relative
error is ``1 - (a1 + 3 a3)^2 |v|^2 / (6 r Var(y))``: 1 for ``He3`` (the trivial predictor),
about ``1 - 9/15 = 0.4`` for ``z^3``. With ``w ~ N(0, I/d)`` instead of the sphere the ``He1``
coefficient of ``He3(<w, x>)`` is ``3(|w|^2 - 1)|w|``, not 0 (the reason for the sphere).
"""

from __future__ import annotations

import math

import torch

from hdlearn.targets.hermite import hermite

#: ``(a1, a3)`` of each cubic activation ``sigma(z) = a1 z + a3 z^3``.
CUBIC_COEFFICIENTS: dict[str, tuple[float, float]] = {
    "he3": (-3.0, 1.0),
    "cube": (0.0, 1.0),
    "linear_cube": (1.0, 1.0),
}
ACTIVATIONS = (*CUBIC_COEFFICIENTS, "he2")


def activation_degree(activation: str) -> int:
    """The leading Hermite degree ``k`` (3 for the cubic activations, 2 for ``he2``)."""
    if activation == "he2":
        return 2
    if activation in CUBIC_COEFFICIENTS:
        return 3
    raise ValueError(f"unknown activation {activation!r}; allowed: {', '.join(ACTIVATIONS)}")


def activate(z: torch.Tensor, activation: str) -> torch.Tensor:
    """``sigma(z)`` entrywise for one of :data:`ACTIVATIONS`."""
    if activation_degree(activation) == 2:
        return hermite(2, z, "probabilist")
    a1, a3 = CUBIC_COEFFICIENTS[activation]
    return a1 * z + a3 * z.pow(3)


def activate_with_slope(z: torch.Tensor, activation: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(sigma(z), sigma'(z))`` entrywise in few passes over ``z`` (both from ``q = z^2``):
    ``z (a1 + a3 q)`` and ``a1 + 3 a3 q`` for the cubic activations, ``q - 1`` and ``2 z`` for
    ``he2``. Equal to :func:`activate` and its derivative up to float rounding."""
    q = z * z
    if activation_degree(activation) == 2:
        return q.sub_(1), 2 * z
    a1, a3 = CUBIC_COEFFICIENTS[activation]
    value = (a3 * q).add_(a1).mul_(z)
    return value, q.mul_(3 * a3).add_(a1)


def sphere_weights(
    r: int, d: int, generators: list[torch.Generator], device: torch.device
) -> torch.Tensor:
    """``(E, r, d)`` float64 rows i.i.d. uniform on ``S^{d-1}`` (normalised Gaussians)."""
    w = torch.stack([torch.randn(r, d, generator=g, dtype=torch.float64) for g in generators])
    return (w / w.norm(dim=-1, keepdim=True)).to(device)


def committee_labels(x: torch.Tensor, weights: torch.Tensor, activation: str) -> torch.Tensor:
    """``y = sum_i sigma(<w_i, x>) / sqrt(k! r)`` of shape ``(E, n)`` for ``x`` ``(E, n, d)``."""
    r = weights.shape[-2]
    k = activation_degree(activation)
    z = x @ weights.transpose(-1, -2).to(x.dtype)
    return activate(z, activation).sum(-1) / math.sqrt(math.factorial(k) * r)


def cubic_variance(weights: torch.Tensor, activation: str) -> torch.Tensor:
    """Exact ``Var(y)`` per member (see the module docstring); ``weights`` is ``(E, r, d)``."""
    a1, a3 = CUBIC_COEFFICIENTS[activation]
    r = weights.shape[-2]
    w = weights.double()
    v = w.sum(-2)
    gram = w @ w.transpose(-1, -2)
    return ((a1 + 3 * a3) ** 2 * v.square().sum(-1) + 6 * a3**2 * gram.pow(3).sum((-1, -2))) / (
        6 * r
    )


def linear_fraction(weights: torch.Tensor, activation: str) -> torch.Tensor:
    """Fraction of ``Var(y)`` that is linear in ``x``: ``(a1+3a3)^2 |v|^2 / (6 r Var(y))``."""
    a1, a3 = CUBIC_COEFFICIENTS[activation]
    r = weights.shape[-2]
    v = weights.double().sum(-2)
    return (a1 + 3 * a3) ** 2 * v.square().sum(-1) / (6 * r) / cubic_variance(weights, activation)


def weight_overlaps(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """``ov_i = max_j |<u_j/|u_j|, w_i>|`` of shape ``(E, r)``: the sign is irrelevant because
    ``He3`` is odd (``(c, u) ~ (-c, -u)``) and ``He2`` even. ``student`` is ``(E, m, d)``."""
    u = student.double()
    u = u / u.norm(dim=-1, keepdim=True)
    return (teacher.double() @ u.transpose(-1, -2)).abs().amax(-1)
