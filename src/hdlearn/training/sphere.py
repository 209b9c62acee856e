"""Students with unit-norm (renormalised) neurons, trained as batched ensembles.

The student is ``f(x) = sum_{j <= m} c_j sigma(<u_j/|u_j|, x>) / sqrt(k!)``, ``k`` the
activation's degree (see :mod:`hdlearn.targets.cubic`), with learned ``c`` and directions
``u_j``; its parameters are ``U`` of shape ``(E, m, d)`` and ``c`` of shape ``(E, m)``, one
independent member per ensemble entry (Adam is elementwise, so summing the members' losses
trains them independently in one tensor op).

* **Finite samples** (:func:`train_sample_student`): full-batch Adam on the mean squared error.
  ``sigma`` is applied to ``<u_j/|u_j|, x>``, so the gradient w.r.t. ``u_j`` is tangent to
  the sphere; after each step ``u_j`` is renormalised to unit norm. The gradient w.r.t. the
  unit directions and ``c`` is written out (:func:`sample_gradients`) and summed over the
  samples a cache-sized block at a time: the ``(E, n, m)`` pre-activations never exist at once,
  which makes a step several times faster than autograd's passes over them on the CPU
  (``benchmarks/student_step.json``); the float summation order differs from autograd's.
* **Population loss in Gram form** (:func:`train_population_student`, "gradient-descent tensor
  decomposition"). For unit ``u_j, w_i`` and a teacher ``y = sum_i He_k(<w_i,x>)/sqrt(k! r)``
  with ``c_j`` on the same scale (student ``sum_j c_j He_k(<u_j,x>)/sqrt(k! r)``),

      E(f - y)^2 / Var(y) = [c^T S^{.k} c - 2 c^T St^{.k} 1 + 1^T G^{.k} 1] / 1^T G^{.k} 1,

  with ``S = U U^T``, ``St = U W^T``, ``G = W W^T`` and ``.k`` the entrywise power. For
  ``k = 3`` this is ``|sum_j c_j u_j^{x3} - T|_F^2 / |T|_F^2`` with ``T = sum_i w_i^{x3}``:
  no samples, ``O(m^2 d)`` per step. Minimised by Adam with the same renormalisation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from hdlearn.targets.cubic import activate, activate_with_slope, activation_degree

#: On the CPU a full-batch pass takes ``CHUNK_ELEMENTS // (E m)`` samples at a time, so each
#: ``(E, rows, m)`` intermediate (2 MiB in float32) stays in cache; elsewhere all at once. The
#: blocks depend on the ensemble's size, so a member's last bits may too (as a batched
#: matmul's may: a member trained alone matches its ensemble up to rounding, tested).
CHUNK_ELEMENTS = 2**19


def unit_rows(u: torch.Tensor) -> torch.Tensor:
    """``u_j / |u_j|`` along the last axis."""
    return u / u.norm(dim=-1, keepdim=True)


def init_student(
    m: int,
    d: int,
    c_scale: float,
    generators: list[torch.Generator],
    device: torch.device,
    *,
    random_signs: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``U`` with unit rows uniform on the sphere and ``c = +-c_scale`` (random signs) or
    ``c = c_scale`` (all equal), per member from its generator; float64, then moved."""
    us, cs = [], []
    for gen in generators:
        us.append(unit_rows(torch.randn(m, d, generator=gen, dtype=torch.float64)))
        if random_signs:
            signs = torch.randint(0, 2, (m,), generator=gen, dtype=torch.float64) * 2 - 1
        else:
            signs = torch.ones(m, dtype=torch.float64)
        cs.append(c_scale * signs)
    return torch.stack(us).to(device), torch.stack(cs).to(device)


def student_predict(
    x: torch.Tensor, u: torch.Tensor, c: torch.Tensor, activation: str
) -> torch.Tensor:
    """``f(x) = sum_j c_j sigma(<u_j/|u_j|, x>) / sqrt(k!)`` of shape ``(E, n)``."""
    k = activation_degree(activation)
    z = x @ unit_rows(u).transpose(-1, -2)
    return (activate(z, activation) @ c[..., None]).squeeze(-1) / math.sqrt(math.factorial(k))


def relative_error(prediction: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """``mean (f - y)^2 / Var(y)`` per member (the empirical variance of the labels)."""
    return (prediction - labels).square().mean(-1) / labels.var(dim=-1)


def sample_gradients(
    x: torch.Tensor, y: torch.Tensor, units: torch.Tensor, c: torch.Tensor, activation: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients of ``L = sum_e mean_n (f_e(x_n) - y_en)^2`` w.r.t. the unit directions
    ``units`` (``(E, m, d)``, ``f`` as :func:`student_predict` with ``u = units``) and ``c``:
    with ``z = x units^T``, residual ``res = f - y`` and ``s = sqrt(k!)``,

        dL/dc_j = (2/n) sum_n res_n sigma(z_nj) / s,
        dL/dunits_j = (2/n) sum_n res_n c_j sigma'(z_nj) x_n / s,

    summed over blocks of samples (:data:`CHUNK_ELEMENTS`)."""
    n, m = x.shape[-2], units.shape[-2]
    rows = max(1, CHUNK_ELEMENTS // (x.shape[0] * m)) if x.device.type == "cpu" else n
    scale = 1 / math.sqrt(math.factorial(activation_degree(activation)))
    grad_units, grad_c = torch.zeros_like(units), torch.zeros_like(c)
    weights = c[..., None, :]
    for start in range(0, n, rows):
        block = x[..., start : start + rows, :]
        value, slope = activate_with_slope(block @ units.transpose(-1, -2), activation)
        residual = (value @ weights.transpose(-1, -2)).squeeze(-1).mul_(scale)
        residual.sub_(y[..., start : start + rows]).mul_(2 * scale / n)
        grad_c += (residual[..., None, :] @ value).squeeze(-2)
        grad_units.baddbmm_(slope.mul_(weights).mul_(residual[..., None]).transpose(-1, -2), block)
    return grad_units, grad_c


def train_sample_student(
    x: torch.Tensor,
    y: torch.Tensor,
    u: torch.Tensor,
    c: torch.Tensor,
    *,
    activation: str,
    steps: int,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Full-batch Adam on ``sum_e mean_n (f_e - y_e)^2`` with neurons renormalised after
    each step. ``x`` is ``(E, n, d)``, ``y`` ``(E, n)``; returns the trained ``(U, c)``. The
    gradient w.r.t. ``u`` is :func:`sample_gradients`' w.r.t. ``u/|u|`` pulled back through
    the normalisation by autograd."""
    u = u.to(x.dtype).clone().requires_grad_(True)
    c = c.to(x.dtype).clone()
    opt = torch.optim.Adam([u, c], lr=lr, betas=betas)
    for _ in range(steps):
        units = unit_rows(u)
        grad_units, c.grad = sample_gradients(x, y, units.detach(), c, activation)
        (u.grad,) = torch.autograd.grad(units, u, grad_units)
        opt.step()
        with torch.no_grad():
            u.copy_(unit_rows(u))
    return u.detach(), c.detach()


def population_loss(u: torch.Tensor, c: torch.Tensor, w: torch.Tensor, degree: int) -> torch.Tensor:
    """Exact relative population error per member in Gram form (module docstring).

    ``c`` is on the teacher's scale: the teacher has ``c_i = 1`` for each of its ``r`` units.
    """
    ub = unit_rows(u)
    s = (ub @ ub.transpose(-1, -2)).pow(degree)
    st = (ub @ w.transpose(-1, -2)).pow(degree)
    g = (w @ w.transpose(-1, -2)).pow(degree).sum((-1, -2))
    quad = (c[..., None, :] @ s @ c[..., :, None]).squeeze((-1, -2))
    cross = (c[..., None, :] @ st).sum((-1, -2))
    return (quad - 2 * cross + g) / g


def train_population_student(
    w: torch.Tensor,
    u: torch.Tensor,
    c: torch.Tensor,
    *,
    degree: int,
    steps: int,
    lr: float,
    record_at: Sequence[int] = (),
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Adam on the summed :func:`population_loss` of the members, neurons renormalised after
    each step; ``w`` is the teacher ``(E, r, d)``. Returns the trained ``(U, c)`` and the
    members' population losses after ``t`` steps for every ``t`` of ``record_at`` (``0 <= t <
    steps``: the loss the step ``t`` computes anyway), shape ``(len(record_at), E)``: the
    convergence evidence of a run (a loss still falling at the end is not a plateau)."""
    w = w.to(u.dtype)
    u = u.clone().requires_grad_(True)
    c = c.clone().requires_grad_(True)
    opt = torch.optim.Adam([u, c], lr=lr)
    wanted = {t: i for i, t in enumerate(record_at)}
    if any(not 0 <= t < steps for t in wanted):
        raise ValueError(f"record_at must lie in [0, steps = {steps}), got {list(record_at)}")
    history = torch.empty(len(wanted), u.shape[0], dtype=u.dtype, device=u.device)
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = population_loss(u, c, w, degree)
        if step in wanted:
            history[wanted[step]] = loss.detach()
        loss.sum().backward()
        opt.step()
        with torch.no_grad():
            u.copy_(unit_rows(u))
    return u.detach(), c.detach(), history
