"""Estimators of what a trained network learned, batched over an ensemble axis ``E`` (torch).

* :func:`alignment`: the subspace alignment ``rho`` of a first layer ``W1`` with ``span(U)``;
* :func:`direction_snr`: the per-direction signal-to-noise ratio of ``W1`` for a rank-``r``
  subspace;
* :func:`excess_risk_estimates`: Monte-Carlo estimates of the excess risk
  ``E_x[(f - f*)^2]`` on a test stream, plain and with control variates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch


def alignment(w1: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """``rho = ||W1 P_U||_F / ||W1||_F`` per member, for ``W1`` of shape ``(E, m, d)`` and
    orthonormal rows ``U`` of shape ``(E, r, d)`` (``P_U = U^T U`` projects onto ``span(U)``):
    the fraction of the neurons' mass on the subspace, ``sqrt(r/d)`` for random rows. Every
    neuron counts; this is not the top singular vector of ``W1``, which pools the neurons."""
    on = (w1 @ directions.transpose(1, 2)).square().sum((1, 2))
    return (on / w1.square().sum((1, 2))).sqrt()


def direction_snr(w1: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """``lambda_min(U M U^T) / [tr((I - P_U) M) / (d - r)]`` per member with
    ``M = W1^T W1 / m``: the weakest direction of ``span(U)`` against the mean of the ``d - r``
    orthogonal ones (shapes as in :func:`alignment`)."""
    m, d = w1.shape[1], w1.shape[2]
    r = directions.shape[1]
    moment = w1.transpose(1, 2) @ w1 / m
    inside = directions @ moment @ directions.transpose(1, 2)
    outside = (torch.diagonal(moment, dim1=1, dim2=2).sum(1) - torch.diagonal(
        inside, dim1=1, dim2=2).sum(1)) / (d - r)  # fmt: skip
    return torch.linalg.eigvalsh(inside)[:, 0] / outside


def excess_risk_estimates(
    predict: Callable[[torch.Tensor], torch.Tensor],
    test: Iterable[tuple],
    second_moment: float,
) -> dict[str, torch.Tensor]:
    """Three estimates of the excess risk ``E[(f - f*)^2]`` per member on a test stream.

    ``test`` yields chunks ``(x, y, f*(x))`` (the noisy labels ``y`` are not read) with ``x`` of
    shape ``(E, c, d)``; ``predict(x)`` is ``f(x)`` of shape ``(E, c)`` and ``second_moment``
    the exact ``E[f*^2]``. With ``a_i = (f(x_i) - f*(x_i))^2`` and the control variate
    ``b_i = f*(x_i)^2`` (whose mean ``E[f*^2]`` is known exactly):

    * ``risk_plain = mean(a)``;
    * ``risk = mean(f^2 - 2 f f*) + E[f*^2] = mean(a) - (mean(b) - E[f*^2])`` (exact test-noise
      cancellation for ``f = 0``, but it adds the full ``mean(b)`` noise,
      ``sqrt(Var(f*^2)/n_test)``, when ``f ~ f*``);
    * ``risk_cvopt = mean(a) - beta (mean(b) - E[f*^2])`` with the variance-minimising
      ``beta = cov(a, b)/var(b)`` estimated on the same test set (regression control
      variate, e.g. Glasserman 2004, Sec. 4.1): at least as precise as both [our addition].
    """
    sums = {"a": 0.0, "b": 0.0, "ab": 0.0, "bb": 0.0}
    count = 0
    for x, _, fx in test:
        a, b = (predict(x) - fx).square(), fx.square()
        sums["a"] = sums["a"] + a.sum(1)
        sums["b"] = sums["b"] + b.sum(1)
        sums["ab"] = sums["ab"] + (a * b).sum(1)
        sums["bb"] = sums["bb"] + (b * b).sum(1)
        count += x.shape[1]
    mean_a, mean_b = sums["a"] / count, sums["b"] / count
    cov = sums["ab"] / count - mean_a * mean_b
    var = sums["bb"] / count - mean_b * mean_b
    beta = cov / var.clamp_min(1e-300)
    excess = mean_b - second_moment
    return {
        "risk": mean_a - excess,
        "risk_plain": mean_a,
        "risk_cvopt": mean_a - beta * excess,
    }
