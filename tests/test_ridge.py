"""Tests of hdlearn.baselines.ridge."""

from __future__ import annotations

import math

import pytest
import torch

from hdlearn.baselines import (
    kernel_ridge_predict,
    quadratic_kernel,
    quadratic_kernel_features,
    ridge_regression,
)
from hdlearn.baselines.ridge import (
    _kernel_ridge_dual,
    _kernel_ridge_primal,
    kernel_ridge_predict_on_validation,
    ridge_on_validation,
    ridge_path,
    select_on_holdout,
)

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def direct_dual(
    x_train: torch.Tensor, y: torch.Tensor, x_test: torch.Tensor, lam: float
) -> torch.Tensor:
    """Kernel ridge written out independently: K_ij = (x_i.x_j)^2 + x_i.x_j + 1."""
    n = x_train.shape[1]
    dots = torch.einsum("eid,ejd->eij", x_train, x_train)
    gram = dots**2 + dots + 1
    alpha = torch.linalg.inv(gram + lam * n * torch.eye(n, dtype=F64)) @ y.unsqueeze(-1)
    cross = torch.einsum("eid,ejd->eij", x_test, x_train)
    return ((cross**2 + cross + 1) @ alpha).squeeze(-1)


def test_ridge_matches_normal_equations() -> None:
    gen = _gen(0)
    phi = torch.randn(2, 30, 5, generator=gen, dtype=F64)
    y = torch.randn(2, 30, generator=gen, dtype=F64)
    lam = 0.1
    w = ridge_regression(phi, y, lam)
    assert w.shape == (2, 5)
    for e in range(2):
        a = phi[e].T @ phi[e] + lam * 30 * torch.eye(5, dtype=F64)
        expected = torch.linalg.inv(a) @ (phi[e].T @ y[e])
        torch.testing.assert_close(w[e], expected, rtol=1e-12, atol=1e-12)


def test_ridge_recovers_planted_weights() -> None:
    gen = _gen(1)
    phi = torch.randn(4, 200, 10, generator=gen, dtype=F64)
    w_star = torch.randn(4, 10, generator=gen, dtype=F64)
    y = (phi @ w_star.unsqueeze(-1)).squeeze(-1)
    w = ridge_regression(phi, y, 1e-12)
    assert (w - w_star).abs().max().item() < 1e-6


def test_ridge_batched_equals_members_alone() -> None:
    # Not torch.equal: CPU BLAS/LAPACK may take a different code path (blocking, threading,
    # batched vs single-matrix kernels) for a batch of 3 than for a batch of 1, which changes
    # the floating-point summation order; members agree to round-off only.
    gen = _gen(2)
    phi = torch.randn(3, 40, 21, generator=gen, dtype=F64)
    y = torch.randn(3, 40, generator=gen, dtype=F64)
    batched = ridge_regression(phi, y, 1e-2)
    for e in range(3):
        alone = ridge_regression(phi[e : e + 1].clone(), y[e : e + 1].clone(), 1e-2)
        torch.testing.assert_close(batched[e], alone[0], rtol=1e-12, atol=1e-12)


def test_negative_lambda_raises() -> None:
    phi = torch.zeros(1, 3, 2, dtype=F64)
    with pytest.raises(ValueError, match="non-negative"):
        ridge_regression(phi, torch.zeros(1, 3, dtype=F64), -1.0)
    with pytest.raises(ValueError, match="non-negative"):
        kernel_ridge_predict(phi, torch.zeros(1, 3, dtype=F64), phi, -1.0)


def test_quadratic_kernel_values() -> None:
    x1 = torch.tensor([[[1.0, 2.0], [0.0, -1.0]]], dtype=F64)
    x2 = torch.tensor([[[3.0, 1.0]]], dtype=F64)
    # dots: 5 and -1 -> 25 + 5 + 1 = 31 and 1 - 1 + 1 = 1
    assert torch.equal(quadratic_kernel(x1, x2), torch.tensor([[[31.0], [1.0]]], dtype=F64))


def test_feature_layout() -> None:
    x = torch.tensor([[[2.0, 3.0]]], dtype=F64)
    expected = torch.tensor([[[4.0, 9.0, math.sqrt(2.0) * 6.0, 2.0, 3.0, 1.0]]], dtype=F64)
    torch.testing.assert_close(quadratic_kernel_features(x), expected, rtol=1e-15, atol=0.0)


@pytest.mark.parametrize("d", [1, 3, 7])
def test_features_reproduce_kernel(d: int) -> None:
    gen = _gen(3 + d)
    x1 = torch.randn(2, 6, d, generator=gen, dtype=F64)
    x2 = torch.randn(2, 4, d, generator=gen, dtype=F64)
    phi1, phi2 = quadratic_kernel_features(x1), quadratic_kernel_features(x2)
    assert phi1.shape == (2, 6, d * (d + 1) // 2 + d + 1)
    torch.testing.assert_close(
        phi1 @ phi2.transpose(1, 2), quadratic_kernel(x1, x2), rtol=0.0, atol=1e-10
    )


def test_dual_and_primal_helpers_agree() -> None:
    gen = _gen(4)
    d = 4  # p = 15 explicit features
    for n in (10, 40):
        x = torch.randn(2, n, d, generator=gen, dtype=F64)
        y = torch.randn(2, n, generator=gen, dtype=F64)
        x_test = torch.randn(2, 9, d, generator=gen, dtype=F64)
        dual = _kernel_ridge_dual(x, y, x_test, 0.05)
        primal = _kernel_ridge_primal(x, y, x_test, 0.05)
        torch.testing.assert_close(dual, primal, rtol=0.0, atol=1e-8)


@pytest.mark.parametrize("n", [10, 15, 16, 40])
def test_kernel_ridge_predict_matches_direct_dual(n: int) -> None:
    # d = 4 gives p = 15 features: n <= 15 takes the dual solve, n > 15 the primal one.
    gen = _gen(5 + n)
    x = torch.randn(3, n, 4, generator=gen, dtype=F64)
    y = torch.randn(3, n, generator=gen, dtype=F64)
    x_test = torch.randn(3, 11, 4, generator=gen, dtype=F64)
    got = kernel_ridge_predict(x, y, x_test, 0.05)
    assert got.shape == (3, 11)
    torch.testing.assert_close(got, direct_dual(x, y, x_test, 0.05), rtol=0.0, atol=1e-8)


def test_kernel_ridge_interpolates_quadratic_target() -> None:
    # A noiseless quadratic target lies in the span of the features: tiny lam recovers it.
    gen = _gen(6)
    x = torch.randn(1, 60, 3, generator=gen, dtype=F64)
    x_test = torch.randn(1, 5, 3, generator=gen, dtype=F64)

    def target(v: torch.Tensor) -> torch.Tensor:
        return v[..., 0] * v[..., 1] - 2.0 * v[..., 2] ** 2 + v[..., 0] + 0.5

    got = kernel_ridge_predict(x, target(x), x_test, 1e-13)
    torch.testing.assert_close(got, target(x_test), rtol=0.0, atol=1e-6)


def test_select_on_holdout_picks_smallest_error_and_zero_head() -> None:
    # Two members, a path of two penalties with p = 1 coefficient each, one holdout chunk.
    path = torch.tensor([[[1.0], [2.0]], [[3.0], [4.0]]], dtype=F64)  # (E=2, L=2, p=1)
    y = torch.tensor([[2.0, 2.0], [0.0, 0.0]], dtype=F64)
    pred = torch.tensor([[[1.0, 2.0], [1.0, 2.0]], [[1.0, 2.0], [1.0, 2.0]]], dtype=F64)
    # member 0: errors (2, 0 | zero head 8) -> lam[1]; member 1: (2, 8 | 0) -> zero head
    chosen, lam = select_on_holdout(path, [(pred, None, y)], [0.1, 1.0])
    assert torch.equal(chosen, torch.tensor([[2.0], [0.0]], dtype=F64))
    assert lam.tolist() == [1.0, math.inf]


def test_select_on_holdout_adds_the_base_and_breaks_ties_towards_ridge() -> None:
    path = torch.tensor([[[5.0], [6.0]]], dtype=F64)
    y = torch.tensor([[1.0, 3.0]], dtype=F64)
    base = torch.tensor([[1.0, 3.0]], dtype=F64)  # the base alone is exact: zero head error 0
    pred = torch.tensor([[[0.0, 1.0], [0.0, 1.0]]], dtype=F64)  # lam[0] also has error 0
    chosen, lam = select_on_holdout(path, iter([(pred, base, y)]), [0.5, 2.0])
    assert torch.equal(chosen, torch.tensor([[5.0]], dtype=F64)) and lam.tolist() == [0.5]
    # errors accumulate over chunks: a second chunk makes lam[0] worse than the zero head
    worse = torch.tensor([[[1.0, 1.0], [1.0, 1.0]]], dtype=F64)
    chunks = [(pred, base, y), (worse, base, y)]
    chosen, lam = select_on_holdout(path, chunks, [0.5, 2.0])
    assert torch.equal(chosen, torch.zeros(1, 1, dtype=F64)) and lam.tolist() == [math.inf]


def test_select_on_holdout_matches_a_direct_search() -> None:
    gen = _gen(7)
    phi = torch.randn(3, 50, 6, generator=gen, dtype=F64)
    y = torch.randn(3, 50, generator=gen, dtype=F64)
    lams = [1e-4, 1e-2, 1.0]
    path = ridge_path(
        phi.transpose(1, 2) @ phi, (phi.transpose(1, 2) @ y[..., None])[..., 0], 50, lams
    )
    xh = torch.randn(3, 40, 6, generator=gen, dtype=F64)
    yh = torch.randn(3, 40, generator=gen, dtype=F64)
    chunks = [(xh[:, i : i + 20] @ path.transpose(1, 2), None, yh[:, i : i + 20]) for i in (0, 20)]
    chosen, lam = select_on_holdout(path, chunks, lams)
    for e in range(3):
        errors = [((xh[e] @ path[e, i] - yh[e]) ** 2).sum().item() for i in range(3)]
        errors.append((yh[e] ** 2).sum().item())
        best = min(range(4), key=errors.__getitem__)
        assert lam[e].item() == [*lams, math.inf][best]
        expected = path[e, best] if best < 3 else torch.zeros(6, dtype=F64)
        assert torch.equal(chosen[e], expected)


@pytest.mark.parametrize("n", [12, 40])  # dual (n < p = 20) and primal paths
def test_ridge_on_validation_is_the_best_fixed_ridge_on_validation(n: int) -> None:
    """Per member, the chosen weights are ridge_regression at the chosen penalty, and no
    other penalty of the grid (nor the zero predictor) has a smaller validation error."""
    lams = [1e-3, 1e-1, 10.0]
    phi = torch.randn(3, n, 20, generator=_gen(1), dtype=F64)
    w_true = torch.randn(3, 20, generator=_gen(2), dtype=F64)
    y = (phi @ w_true.unsqueeze(-1)).squeeze(-1) + 2.0 * torch.randn(3, n, generator=_gen(3),
                                                                      dtype=F64)  # fmt: skip
    val = torch.randn(3, 50, 20, generator=_gen(4), dtype=F64)
    y_val = (val @ w_true.unsqueeze(-1)).squeeze(-1)
    w, chosen = ridge_on_validation(phi, y, val, y_val, lams)
    for e in range(3):
        errors = {lam: float(((val[e] @ ridge_regression(phi[e:e + 1], y[e:e + 1], lam)[0])
                              - y_val[e]).square().sum()) for lam in lams}  # fmt: skip
        errors[math.inf] = float(y_val[e].square().sum())
        assert chosen[e].item() == min(errors, key=errors.get)
        if math.isfinite(chosen[e].item()):
            direct = ridge_regression(phi[e : e + 1], y[e : e + 1], chosen[e].item())[0]
            assert torch.allclose(w[e], direct, atol=1e-8)


@pytest.mark.parametrize("n", [8, 40])  # dual (n <= p = 15 at d = 4) and primal
def test_kernel_ridge_on_validation_matches_the_fixed_ridge_it_chose(n: int) -> None:
    x = torch.randn(2, n, 4, generator=_gen(5), dtype=F64)
    target = lambda z: z[..., 0] * z[..., 1] + 0.5 * z[..., 2]  # noqa: E731
    y = target(x) + 0.3 * torch.randn(2, n, generator=_gen(6), dtype=F64)
    x_val, x_test = (torch.randn(2, 30, 4, generator=_gen(s), dtype=F64) for s in (7, 8))
    lams = [1e-4, 1e-2, 1.0]
    prediction, chosen = kernel_ridge_predict_on_validation(x, y, x_val, target(x_val), x_test,
                                                            lams)  # fmt: skip
    for e in range(2):
        lam = chosen[e].item()
        assert lam in lams
        fixed = kernel_ridge_predict(x[e : e + 1], y[e : e + 1], x_test[e : e + 1], lam)[0]
        assert torch.allclose(prediction[e], fixed, atol=1e-6)
