"""Ridge regression and quadratic-kernel ridge regression, batched over an ensemble axis.

Every tensor carries a leading ensemble axis ``E``; members never interact. The ridge penalty
is scaled by the number of samples ``n`` as in the code of Dandi, Pesce, Zdeborová, Krzakala
(arXiv 2502.13961): the estimator minimises

    (1/n) ||Phi w - y||^2 + lam ||w||^2,

whose normal equations are ``(Phi^T Phi + lam n I) w = Phi^T y``. A whole path of penalties is
solved from one eigendecomposition (:func:`ridge_path`, :func:`ridge_path_dual`) and one of them,
or the zero predictor, is chosen per member on a holdout set (:func:`select_on_holdout`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


def _check_lam(lam: float) -> None:
    """Raise ``ValueError`` for a negative ridge penalty."""
    if lam < 0:
        raise ValueError(f"ridge penalty lam must be non-negative, got {lam}")


def ridge_regression(features: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    """Ridge weights ``w = (Phi^T Phi + lam n I_p)^{-1} Phi^T y`` per member.

    ``features`` is ``Phi`` of shape ``(E, n, p)``, ``y`` is ``(E, n)``; returns ``(E, p)``.
    The Gram matrix is formed in the features' dtype and solved in float64 by a batched
    Cholesky factorisation (it is symmetric positive definite for ``lam > 0``), never by
    forming an inverse.
    """
    _check_lam(lam)
    _, n, p = features.shape
    phi_t = features.transpose(-2, -1)
    eye = torch.eye(p, dtype=torch.float64, device=features.device)
    gram = (phi_t @ features).double() + (lam * n) * eye
    rhs = (phi_t @ y.unsqueeze(-1)).double()
    return _spd_solve(gram, rhs).squeeze(-1).to(features.dtype)


def _spd_solve(matrix: torch.Tensor, rhs: torch.Tensor) -> torch.Tensor:
    """Solve ``matrix @ x = rhs`` for symmetric positive-definite ``matrix`` (batched)."""
    return torch.cholesky_solve(rhs, torch.linalg.cholesky(matrix))


def quadratic_kernel(x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
    """``K(x, x') = (x . x')^2 + x . x' + 1`` (no ``1/d`` scaling) between ``x1`` of shape
    ``(E, n1, d)`` and ``x2`` of shape ``(E, n2, d)``; returns ``(E, n1, n2)``."""
    dots = x1 @ x2.transpose(-2, -1)
    return dots * dots + dots + 1.0


def quadratic_kernel_features(x: torch.Tensor) -> torch.Tensor:
    """Explicit feature map of :func:`quadratic_kernel`, ``Phi(x) . Phi(x') = K(x, x')``.

    For ``x`` of shape ``(E, n, d)`` the columns are ``x_i^2`` (``i = 1..d``), then
    ``sqrt(2) x_i x_j`` (``i < j``, row-major), then ``x_i``, then the constant ``1``: in all
    ``p = d(d+1)/2 + d + 1`` columns. Exactness: ``(x . x')^2 = sum_i x_i^2 x'_i^2
    + 2 sum_{i<j} x_i x_j x'_i x'_j``.
    """
    d = x.shape[-1]
    rows, cols = torch.triu_indices(d, d, offset=1, device=x.device)
    cross = math.sqrt(2.0) * x[..., rows] * x[..., cols]
    ones = torch.ones_like(x[..., :1])
    return torch.cat([x * x, cross, x, ones], dim=-1)


def _kernel_ridge_dual(
    x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor, lam: float
) -> torch.Tensor:
    """Dual form: ``alpha = (K + lam n I_n)^{-1} y``, prediction ``K(x_test, x_train) alpha``.
    Costs ``O(n^3)``."""
    n = x_train.shape[-2]
    gram = quadratic_kernel(x_train, x_train)
    eye = torch.eye(n, dtype=torch.float64, device=gram.device)
    alpha = _spd_solve(gram.double() + (lam * n) * eye, y_train.unsqueeze(-1).double())
    return (quadratic_kernel(x_test, x_train) @ alpha.to(gram.dtype)).squeeze(-1)


def _kernel_ridge_primal(
    x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor, lam: float
) -> torch.Tensor:
    """Primal form: ``w = ridge_regression(Phi, y, lam)``, prediction ``Phi(x_test) w``.
    Costs ``O(n p^2 + p^3)`` with ``p = d(d+1)/2 + d + 1``."""
    w = ridge_regression(quadratic_kernel_features(x_train), y_train, lam)
    return (quadratic_kernel_features(x_test) @ w.unsqueeze(-1)).squeeze(-1)


def kernel_ridge_predict(
    x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor, lam: float
) -> torch.Tensor:
    """Quadratic-kernel ridge predictions on ``x_test``, shape ``(E, m)``.

    With ``K`` the :func:`quadratic_kernel` Gram matrix of the ``n`` training points,
    ``alpha = (K + lam n I_n)^{-1} y`` and ``f(x_test) = K(x_test, x_train) alpha``.

    Since ``K = Phi Phi^T`` for the explicit :func:`quadratic_kernel_features` ``Phi`` (``p``
    columns), the push-through identity ``Phi^T (Phi Phi^T + lam n I_n)^{-1}
    = (Phi^T Phi + lam n I_p)^{-1} Phi^T`` (valid for ``lam > 0``) shows the same predictor is
    ``Phi(x_test) w`` with ``w = ridge_regression(Phi, y, lam)``. When ``n > p`` that primal
    solve is used (``O(n p^2)`` instead of ``O(n^3)``), otherwise the dual one.
    """
    _check_lam(lam)
    n, d = x_train.shape[-2], x_train.shape[-1]
    p = d * (d + 1) // 2 + d + 1
    if n > p:
        return _kernel_ridge_primal(x_train, y_train, x_test, lam)
    return _kernel_ridge_dual(x_train, y_train, x_test, lam)


def ridge_path(gram: torch.Tensor, rhs: torch.Tensor, n: int, lams: list[float]) -> torch.Tensor:
    """``(gram + lam n I)^{-1} rhs`` for every penalty of ``lams`` from one eigendecomposition.

    With ``gram = V diag(s) V^T`` (eigenvalues clamped at 0) the solution is
    ``V diag(1/(s + lam n)) V^T rhs``. Primal: ``gram = Phi^T Phi`` (``(E, p, p)``, accumulated
    by the caller, e.g. over chunks of samples) and ``rhs = Phi^T y`` give the minimiser ``w`` of
    ``(1/n) ||Phi w - y||^2 + lam ||w||^2``, the estimator of :func:`ridge_regression`. Dual:
    a kernel matrix ``gram = K`` (``(E, n, n)``) and ``rhs = y`` give the coefficients ``alpha``
    of the kernel ridge predictor ``K(x, X) alpha``. ``n`` is the number of samples. Returns
    ``(E, L, p)`` in float64, one row per ``lam`` (all ``lam > 0``).
    """
    for lam in lams:
        if lam <= 0:
            raise ValueError(f"ridge_path needs positive penalties, got {lam}")
    evals, evecs = torch.linalg.eigh(gram.double())
    evals = evals.clamp_min(0.0)
    proj = (evecs.transpose(-2, -1) @ rhs.double().unsqueeze(-1)).squeeze(-1)  # (E, p)
    shifts = torch.tensor(lams, dtype=torch.float64, device=gram.device) * n  # (L,)
    scaled = proj[:, None, :] / (evals[:, None, :] + shifts[None, :, None])  # (E, L, p)
    return scaled @ evecs.transpose(-2, -1)


def ridge_path_dual(features: torch.Tensor, y: torch.Tensor, lams: list[float]) -> torch.Tensor:
    """The weights of :func:`ridge_path` through the ``n x n`` kernel ``Phi Phi^T`` (cheaper
    when ``n < p``): by the push-through identity ``w(lam) = Phi^T alpha(lam)`` with ``alpha``
    the dual path of ``K = Phi Phi^T``. ``features`` is ``(E, n, p)``, ``y`` is ``(E, n)``;
    returns ``(E, L, p)`` in float64.
    """
    phi = features.double()
    return ridge_path(phi @ phi.transpose(-2, -1), y, phi.shape[-2], lams) @ phi


def select_on_holdout(
    path: torch.Tensor,
    holdout_predictions: Iterable[tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]],
    lams: list[float],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per member, the penalty of ``lams`` (or the zero predictor) with the smallest holdout
    squared error, and its coefficients from ``path``.

    ``path`` holds the coefficients ``(E, L, p)`` of every penalty (e.g. from
    :func:`ridge_path`). ``holdout_predictions`` yields chunks ``(pred, base, y)`` of the
    holdout set: ``pred (E, c, L)`` are the predictions of the ``L`` path solutions, ``base``
    ``(E, c)`` an offset added to every prediction (``None`` for none) and ``y (E, c)`` the
    labels. The holdout error of penalty ``l`` is ``sum_i (pred_il + base_i - y_i)^2`` and
    that of the zero predictor (coefficients 0, prediction ``base``) is
    ``sum_i (base_i - y_i)^2``, or ``sum_i y_i^2`` without a base; errors are accumulated in
    float64 chunk by chunk. The zero predictor comes last, so ties go to a ridge solution.

    Returns ``(coefficients (E, p), lambda (E,))``, float64, with ``lambda = inf`` (on the CPU)
    where the zero predictor was chosen.
    """
    members = path.shape[0]
    errors = torch.zeros(members, len(lams) + 1, dtype=torch.float64, device=path.device)
    for pred, base, y in holdout_predictions:
        if base is None:
            errors[:, :-1] += (pred - y[..., None]).square().sum(1)
            errors[:, -1] += y.square().sum(1)
        else:
            errors[:, :-1] += (pred + base[..., None] - y[..., None]).square().sum(1)
            errors[:, -1] += (base - y).square().sum(1)
    best = errors.argmin(1)
    padded = torch.cat([path, torch.zeros_like(path[:, :1])], dim=1)
    chosen = padded[torch.arange(members), best]
    lam_values = torch.tensor([*lams, math.inf], dtype=torch.float64)[best.cpu()]
    return chosen, lam_values


def ridge_on_validation(
    features: torch.Tensor,
    y: torch.Tensor,
    val_features: torch.Tensor,
    y_val: torch.Tensor,
    lams: list[float],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Ridge weights with the penalty picked per member on a validation set: every ``lam`` of
    ``lams`` (the estimator of :func:`ridge_regression`, solved as one :func:`ridge_path`,
    primal or dual, whichever matrix is smaller) or the zero predictor, whichever has the
    smallest squared error on ``(val_features, y_val)`` (:func:`select_on_holdout`). Shapes:
    ``features (E, n, p)``, ``y (E, n)``, ``val_features (E, v, p)``, ``y_val (E, v)``.
    Returns ``(w (E, p), lam (E,))`` with ``w`` in the features' dtype and ``lam = inf`` where
    the zero predictor won."""
    n, p = features.shape[-2], features.shape[-1]
    if n < p:
        path = ridge_path_dual(features, y, lams)
    else:
        phi_t = features.double().transpose(-2, -1)
        rhs = (phi_t @ y.double().unsqueeze(-1)).squeeze(-1)
        path = ridge_path(phi_t @ features.double(), rhs, n, lams)
    predictions = val_features.double() @ path.transpose(-2, -1)  # (E, v, L)
    w, chosen = select_on_holdout(path, [(predictions, None, y_val.double())], lams)
    return w.to(features.dtype), chosen


def kernel_ridge_predict_on_validation(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_val: torch.Tensor,
    y_val: torch.Tensor,
    x_test: torch.Tensor,
    lams: list[float],
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`kernel_ridge_predict` with the penalty picked per member on ``(x_val, y_val)``
    among ``lams`` and the zero predictor (:func:`select_on_holdout`). Primal through the
    explicit :func:`quadratic_kernel_features` when ``n > p``, else the dual path of the
    ``n x n`` kernel: the same estimator. Returns ``(predictions (E, m), lam (E,))``."""
    n, d = x_train.shape[-2], x_train.shape[-1]
    p = d * (d + 1) // 2 + d + 1
    if n > p:
        features = quadratic_kernel_features(x_train)
        w, chosen = ridge_on_validation(
            features, y_train, quadratic_kernel_features(x_val), y_val, lams
        )
        return (quadratic_kernel_features(x_test) @ w.unsqueeze(-1)).squeeze(-1), chosen
    alphas = ridge_path(quadratic_kernel(x_train, x_train), y_train, n, lams)  # (E, L, n)
    predictions = quadratic_kernel(x_val, x_train).double() @ alphas.transpose(-2, -1)
    alpha, chosen = select_on_holdout(alphas, [(predictions, None, y_val.double())], lams)
    test = quadratic_kernel(x_test, x_train) @ alpha.to(x_test.dtype).unsqueeze(-1)
    return test.squeeze(-1), chosen
