"""Arc-cosine kernels and the infinite-width two-layer ReLU NTK (batched over members).

For ``t = cos(x, x')`` the arc-cosine kernels of degree 0 and 1 (Cho & Saul 2009) are

    kappa_0(t) = (pi - arccos t) / pi,
    kappa_1(t) = (t (pi - arccos t) + sqrt(1 - t^2)) / pi,

so that ``E_w[1{w.x>0} 1{w.x'>0}] = kappa_0(t)/2`` and
``E_w[relu(w.x) relu(w.x')] = |x||x'| kappa_1(t)/2`` for ``w ~ N(0, I)``. The two-layer ReLU
NTK without biases (Bietti & Mairal 2019, arXiv 1905.12173, Sec. 3) is

    K(x, x') = (x . x') kappa_0(t) + |x| |x'| kappa_1(t).
"""

from __future__ import annotations

import math

import torch


def arccos_kernels(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(kappa_0(t), kappa_1(t))`` entrywise; ``t`` is clamped to ``[-1, 1]``."""
    t = t.clamp(-1.0, 1.0)
    angle = torch.arccos(t)
    k0 = (math.pi - angle) / math.pi
    k1 = (t * (math.pi - angle) + torch.sqrt((1.0 - t * t).clamp_min(0.0))) / math.pi
    return k0, k1


def relu_ntk(x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    """``K(x, x') = (x.x') kappa_0(t) + |x||x'| kappa_1(t)`` between ``(E, n1, d)`` and
    ``(E, n2, d)`` inputs; returns ``(E, n1, n2)``."""
    dots = x1 @ x2.transpose(-2, -1)
    norms = x1.norm(dim=-1)[..., :, None] * x2.norm(dim=-1)[..., None, :]
    k0, k1 = arccos_kernels(dots / norms.clamp_min(1e-300))
    return dots * k0 + norms * k1
