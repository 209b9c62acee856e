"""Tests of hdlearn.targets.hermite."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from hdlearn.targets import (
    NORMALISATIONS,
    hermite,
    hermite_norm_sq,
    multi_indices,
    multivariate_hermite_features,
)

# 30-point Gauss-Hermite rule for the weight exp(-x^2/2): exact for polynomials of degree <= 59.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(30)
_NODES_T = torch.tensor(_NODES, dtype=torch.float64)
_PROBS_T = torch.tensor(_WEIGHTS / math.sqrt(2.0 * math.pi), dtype=torch.float64)


def gaussian_expectation(values: torch.Tensor) -> float:
    """``E[f(z)]``, z ~ N(0, 1), from ``f`` evaluated at the quadrature nodes."""
    return float((values * _PROBS_T).sum())


def test_quadrature_weights_are_a_probability() -> None:
    assert gaussian_expectation(torch.ones_like(_NODES_T)) == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("normalisation", NORMALISATIONS)
def test_orthogonality_under_gaussian(normalisation: str) -> None:
    values = [hermite(k, _NODES_T, normalisation) for k in range(7)]
    for j in range(7):
        for k in range(7):
            expected = hermite_norm_sq(k, normalisation) if j == k else 0.0
            got = gaussian_expectation(values[j] * values[k])
            assert got == pytest.approx(expected, abs=1e-10), (j, k)


def test_norm_sq_values() -> None:
    assert [hermite_norm_sq(k, "probabilist") for k in range(5)] == [1.0, 1.0, 2.0, 6.0, 24.0]
    assert hermite_norm_sq(3, "factorial") == pytest.approx(1.0 / 6.0, rel=1e-15)
    assert hermite_norm_sq(4, "factorial") == pytest.approx(1.0 / 24.0, rel=1e-15)
    assert [hermite_norm_sq(k, "orthonormal") for k in range(5)] == pytest.approx([1.0] * 5)


def test_explicit_probabilist_values() -> None:
    x = torch.linspace(-3.0, 3.0, 13, dtype=torch.float64)
    torch.testing.assert_close(hermite(0, x, "probabilist"), torch.ones_like(x))
    torch.testing.assert_close(hermite(1, x, "probabilist"), x)
    torch.testing.assert_close(hermite(2, x, "probabilist"), x**2 - 1)
    torch.testing.assert_close(hermite(3, x, "probabilist"), x**3 - 3 * x)
    torch.testing.assert_close(hermite(4, x, "probabilist"), x**4 - 6 * x**2 + 3)


def test_factorial_and_orthonormal_conventions() -> None:
    x = torch.linspace(-3.0, 3.0, 13, dtype=torch.float64)
    torch.testing.assert_close(hermite(2, x, "factorial"), (x**2 - 1) / 2)
    torch.testing.assert_close(hermite(3, x, "factorial"), (x**3 - 3 * x) / 6)
    torch.testing.assert_close(hermite(2, x, "orthonormal"), (x**2 - 1) / math.sqrt(2.0))
    torch.testing.assert_close(hermite(3, x, "orthonormal"), (x**3 - 3 * x) / math.sqrt(6.0))


def test_hermite_keeps_shape_and_dtype() -> None:
    x = torch.zeros(2, 3, 4, dtype=torch.float64)
    out = hermite(2, x, "factorial")
    assert out.shape == (2, 3, 4)
    assert out.dtype == torch.float64
    assert torch.equal(out, torch.full_like(x, -0.5))


def test_bad_normalisation_names_allowed_values() -> None:
    x = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="physicist") as info:
        hermite(2, x, "physicist")
    for name in NORMALISATIONS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="orthonormal"):
        hermite_norm_sq(2, "bogus")


def test_negative_degree_raises() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        hermite(-1, torch.zeros(3, dtype=torch.float64), "probabilist")
    with pytest.raises(ValueError, match="non-negative"):
        hermite_norm_sq(-1, "probabilist")


def test_multi_indices_order() -> None:
    assert multi_indices(2, 2) == [(0, 0), (0, 1), (1, 0), (0, 2), (1, 1), (2, 0)]
    assert multi_indices(3, 1) == [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)]
    assert multi_indices(1, 3) == [(0,), (1,), (2,), (3,)]
    assert multi_indices(0, 2) == [()]


@pytest.mark.parametrize(("m", "q"), [(1, 0), (1, 4), (2, 3), (3, 2), (5, 3), (10, 2)])
def test_feature_count(m: int, q: int) -> None:
    indices = multi_indices(m, q)
    assert len(indices) == math.comb(m + q, q)
    assert len(set(indices)) == len(indices)
    z = torch.zeros(7, m, dtype=torch.float64)
    assert multivariate_hermite_features(z, q).shape == (7, math.comb(m + q, q))


def test_features_are_products_of_orthonormal_hermites() -> None:
    z = torch.tensor([[0.3, -1.2], [2.0, 0.5]], dtype=torch.float64)
    h = [[hermite(k, z[:, i], "orthonormal") for k in range(3)] for i in range(2)]
    # order (0,0), (0,1), (1,0), (0,2), (1,1), (2,0)
    expected = torch.stack(
        [
            torch.ones(2, dtype=torch.float64),
            h[1][1],
            h[0][1],
            h[1][2],
            h[0][1] * h[1][1],
            h[0][2],
        ],
        dim=-1,
    )
    torch.testing.assert_close(multivariate_hermite_features(z, 2), expected, rtol=0, atol=1e-15)


def test_features_batch_dimensions() -> None:
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    batched = multivariate_hermite_features(z, 2)
    assert batched.shape == (2, 5, 10)
    torch.testing.assert_close(batched[1], multivariate_hermite_features(z[1], 2))


def test_features_gram_is_identity_monte_carlo() -> None:
    gen = torch.Generator().manual_seed(20250214)
    n = 200_000
    z = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    phi = multivariate_hermite_features(z, 2)
    gram = phi.T @ phi / n
    deviation = (gram - torch.eye(phi.shape[1], dtype=torch.float64)).abs().max().item()
    assert deviation < 0.03
