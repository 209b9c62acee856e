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


#: Kernel entries whose elementwise passes (the arc-cosine formulas) run at once: a block of
#: rows small enough that its temporaries stay in cache, instead of a dozen passes over an
#: ``(E, n1, n2)`` array in memory (and as many arrays of that size alive at once). A multiple
#: of 16 rows, so that every block but the last holds a whole number of the vector loop's
#: 16-element strides and each entry takes the same (vector or scalar) path as in one pass over
#: the whole array: the kernel is the same bit for bit.
BLOCK_ELEMENTS = 2**16


def relu_ntk(x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    """``K(x, x') = (x.x') kappa_0(t) + |x||x'| kappa_1(t)`` between ``(E, n1, d)`` and
    ``(E, n2, d)`` inputs; returns ``(E, n1, n2)``.

    The dot products come from one batched matmul; the rest is computed in place on blocks of
    rows of the flattened ``(E n1, n2)`` matrix (:data:`BLOCK_ELEMENTS`)."""
    dots = x1 @ x2.transpose(-2, -1)
    n1, n2 = dots.shape[-2], dots.shape[-1]
    rows = dots.view(-1, n2)
    row_norms = x1.norm(dim=-1).reshape(-1)
    col_norms = x2.norm(dim=-1).expand(*dots.shape[:-2], n2).reshape(-1, n2)
    step = max(16, BLOCK_ELEMENTS // max(n2, 1) // 16 * 16)
    for lo in range(0, rows.shape[0], step):
        hi = min(lo + step, rows.shape[0])
        members = torch.arange(lo, hi, device=dots.device) // n1
        block = rows[lo:hi]
        norms = row_norms[lo:hi, None] * col_norms[members]
        k0, k1 = arccos_kernels(block / norms.clamp_min(1e-300))
        block.copy_(k0.mul_(block).add_(k1.mul_(norms)))
    return dots
