"""Hierarchical Gaussian targets SIGHT and MIGHT (Dandi, Pesce, Zdeborová, Krzakala 2025).

arXiv 2502.13961, eqs. (1)-(5). With ``x ~ N(0, I_d)``, ``d_eff = floor(d^eps1)`` and, for each
branch ``m = 1..r``, a matrix ``W*_m`` of ``d_eff`` orthonormal rows (all branches mutually
orthogonal) and Rademacher signs ``a*_m``:

    h*_m(x) = a*_m . P(W*_m x) / sqrt(d_eff),      P(z) = sum_k c_k h_k(z) entrywise,
    f*(x)   = r^{-1/2} sum_m g(h*_m(x)),           g(h) = tanh(s h).

The worked example of the paper is SIGHT (``r = 1``) with ``P = h_2 + h_3`` and ``s = 3``. The
Hermite normalisation of ``h_k`` is a parameter: the authors' code, and the reference levels
they plot, use ``He_k / k!`` ("factorial", Var P(z) = 1/2 + 1/6 = 2/3); the appendix of the
paper says orthonormal ``He_k / sqrt(k!)`` (Var P(z) = 2). Because ``W*`` has orthonormal rows,
``z = W* x`` is itself standard Gaussian, which :meth:`HierarchicalTarget.label_of_z` uses to
compute reference levels without drawing ``x``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from hdlearn.targets.hermite import hermite


@dataclass(frozen=True)
class HierarchicalTarget:
    """An ensemble of ``E`` hierarchical teachers (one per member), see the module docstring.

    ``directions`` is ``W*`` of shape ``(E, r * d_eff, d)`` with orthonormal rows (branch ``m``
    owns rows ``m d_eff .. (m+1) d_eff - 1``); ``signs`` is ``a*`` of shape ``(E, r, d_eff)``.
    """

    directions: torch.Tensor
    signs: torch.Tensor
    coefficients: tuple[float, ...]
    normalisation: str
    link_scale: float

    @property
    def branches(self) -> int:
        return self.signs.shape[1]

    @property
    def d_eff(self) -> int:
        return self.signs.shape[2]

    def polynomial(self, z: torch.Tensor) -> torch.Tensor:
        """``P(z) = sum_k c_k h_k(z)`` applied entrywise."""
        out = torch.zeros_like(z)
        for k, c in enumerate(self.coefficients):
            if c != 0.0:
                out = out + c * hermite(k, z, self.normalisation)
        return out

    def features_of_z(self, z: torch.Tensor) -> torch.Tensor:
        """``h*_m`` from ``z = W* x`` of shape ``(E, n, r d_eff)``; returns ``(E, n, r)``."""
        e, n, _ = z.shape
        blocks = self.polynomial(z).reshape(e, n, self.branches, self.d_eff)
        return (blocks * self.signs[:, None]).sum(-1) / math.sqrt(self.d_eff)

    def label_of_z(self, z: torch.Tensor) -> torch.Tensor:
        """``f* = r^{-1/2} sum_m tanh(s h*_m)`` from ``z = W* x``; returns ``(E, n)``."""
        h = self.features_of_z(z)
        return torch.tanh(self.link_scale * h).sum(-1) / math.sqrt(self.branches)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """``z = W* x`` for inputs of shape ``(E, n, d)``."""
        return x @ self.directions.transpose(1, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The hidden features ``h*_m(x)``, shape ``(E, n, r)``."""
        return self.features_of_z(self.project(x))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The labels ``f*(x)`` (no noise), shape ``(E, n)``."""
        return self.label_of_z(self.project(x))


def sample_hierarchical_target(
    d: int,
    d_eff: int,
    branches: int,
    coefficients: tuple[float, ...],
    normalisation: str,
    link_scale: float,
    generators: list[torch.Generator],
    device: torch.device,
) -> HierarchicalTarget:
    """Draw one teacher per member: ``W*`` from the QR of a ``d x (r d_eff)`` Gaussian matrix
    (as the authors' code), ``a*`` Rademacher. Requires ``r d_eff <= d``."""
    width = branches * d_eff
    if width > d:
        raise ValueError(f"branches * d_eff = {width} exceeds the input dimension d = {d}")
    directions, signs = [], []
    for gen in generators:
        gauss = torch.randn(d, width, generator=gen, dtype=torch.float64)
        q, _ = torch.linalg.qr(gauss)
        directions.append(q.T.to(torch.float32))
        coin = torch.randint(0, 2, (branches, d_eff), generator=gen)
        signs.append((2 * coin - 1).to(torch.float32))
    return HierarchicalTarget(
        directions=torch.stack(directions).to(device),
        signs=torch.stack(signs).to(device),
        coefficients=tuple(float(c) for c in coefficients),
        normalisation=normalisation,
        link_scale=float(link_scale),
    )
