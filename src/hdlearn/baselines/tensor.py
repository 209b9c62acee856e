"""Tensor-method baselines for cubic committees (Mondelli & Montanari 2018, hdlearn E3/E5).

* :func:`power_iteration`: random-restart tensor power iteration on the exact tensor
  ``T = sum_i w_i^{x3}``, ``u <- T(., u, u) / |T(., u, u)|`` with
  ``T(., u, u) = sum_i <w_i, u>^2 w_i`` (never forming the ``d^3`` tensor). A restart succeeds
  when its end point has ``max_i |<u, w_i>| > threshold``.
* :func:`hermite_least_squares`: minimum-norm least squares on the orthonormal multivariate
  Hermite features of degree ``<= q`` (``D_q = C(d+q, q)`` columns,
  :func:`hdlearn.targets.hermite.sparse_multivariate_hermite_features`). Any degree-``<= q``
  polynomial is recovered exactly once ``n >= D_q`` samples are in general position; below,
  the min-norm solution of orthonormal features leaves about ``1 - n/D_q`` of the variance.
"""

from __future__ import annotations

import torch

from hdlearn.targets.hermite import sparse_multivariate_hermite_features


def power_iteration(
    w: torch.Tensor, restarts: int, iterations: int, generators: list[torch.Generator]
) -> torch.Tensor:
    """End points ``(E, K, d)`` of ``K`` random-start power iterations per member; ``w`` is
    ``(E, r, d)``, starts uniform on the sphere from each member's generator."""
    d = w.shape[-1]
    u = torch.stack(
        [torch.randn(restarts, d, generator=g, dtype=torch.float64) for g in generators]
    ).to(w.device, w.dtype)
    u = u / u.norm(dim=-1, keepdim=True)
    for _ in range(iterations):
        proj = u @ w.transpose(-1, -2)  # (E, K, r): <u_k, w_i>
        u = proj.square() @ w
        u = u / u.norm(dim=-1, keepdim=True)
    return u


def power_iteration_summary(
    u: torch.Tensor, w: torch.Tensor, threshold: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per member: the fraction of restarts that succeed (``max_i |<u_k, w_i>| > threshold``)
    and the number of distinct teacher units found by a successful restart."""
    overlaps = (u @ w.transpose(-1, -2)).abs()  # (E, K, r)
    best, which = overlaps.max(-1)
    success = best > threshold
    distinct = torch.tensor(
        [len(set(which[e][success[e]].tolist())) for e in range(w.shape[0])], dtype=torch.float64
    )
    return success.double().mean(-1), distinct


def hermite_least_squares(
    x: torch.Tensor, y: torch.Tensor, x_test: torch.Tensor, degree: int
) -> torch.Tensor:
    """Predictions on ``x_test`` of the minimum-norm least-squares fit of ``y`` on the
    orthonormal Hermite features of degree ``<= degree`` (float64, SVD-based ``gelsd`` on the
    CPU; the pseudo-inverse elsewhere). ``x`` is ``(E, n, d)``, ``y`` ``(E, n)``."""
    phi = sparse_multivariate_hermite_features(x.double(), degree)
    target = y.double()[..., None]
    if phi.device.type == "cpu":
        coef = torch.linalg.lstsq(phi, target, driver="gelsd").solution
    else:
        coef = torch.linalg.pinv(phi) @ target
    return (sparse_multivariate_hermite_features(x_test.double(), degree) @ coef).squeeze(-1)
