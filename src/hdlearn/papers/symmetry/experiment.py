"""Abbe & Boix-Adsera (2022), "On the non-universality of deep learning: quantifying the cost
of symmetry" (NeurIPS 2022, arXiv 2208.03113).

The paper is theory only (no experiments, no code). Its lower bounds are for *noisy* GD with an
equivariant training algorithm: if training is G-equivariant and the target's G-orbit is nearly
orthogonal (cross-predictability ~ 1/|orbit|), weak learning costs ~ 1/CP. For a k-parity on
{-1,+1}^d under signed permutations the orbit is all C(d,k) parities, so the cost is d^{Theta(k)};
depth 2 already learns whatever any depth learns; non-merged-staircase targets are not learned in
O(d) steps; plain SGD is hard under a cryptographic assumption. hdlearn *illustrates* these with
plain online SGD (a heuristic stand-in for noisy GD: the gradient noise ~ 1/sqrt(B)); it does not
prove them. Expected online rates (arXiv 2302.11055, 2202.08658): steps ~ d^{max(Leap - 1, 1)},
so k = 2, 3, 4 parities ~ d, d^2, d^3 and a staircase ~ d, all under the step convention below.

Experiments (``expand`` builds their cells; each cell is one architecture, depth and target at
all its ``d``, all seeds batched as one ensemble, so a whole row runs in one process):

* ``parity`` (E1): FC depth 2 on chi_{1..k}.
* ``breaking`` (E2): two nets that break the permutation symmetry (``breaking_archs``), on the
  parity of k adjacent bits (x_1 ... x_k): the conv net of :mod:`hdlearn.models.meanfield`, and
  ``fc_local``, the FC net of ``parity`` whose first-layer units start on k adjacent
  coordinates, ``channels`` units at each of the d offsets (width ``channels d``: the symmetry
  broken by the init alone, inside an FC net, down to the conv net's cyclic shifts; at the FC
  width 128 only ``128/d`` units would start on the target's window; its cost per step grows
  like d^2, so its rows stop at ``fc_local_d_max``); ``fc_wide`` (the ``wide_control`` rows),
  the FC net with its i.i.d. init at the same width ``channels d``, its control: the two differ
  only in the init's symmetry. Both are in ``local_parametrisation``: ``conv`` (the default
  since stop 24) is the conv net's output scale, readout law and steps with the kernel untied
  (:class:`hdlearn.models.meanfield.Untied`), ``meanfield`` the FC net's, under which the
  local net's one-offset units need readouts of order d and its bias steps grow with d (at
  d = 80 training oscillated, seeds learned in 1000-16000 steps); against the FC cells
  of ``parity`` with the same k (the same function: by permutation symmetry the FC cost does
  not depend on which k bits).
* ``depth`` (E3): FC depth 3 and 4 on k-parities, against the depth-2 cells of ``parity``.
* ``staircase`` (E4): FC depth 2 on ``staircase`` (x1 + x1x2 + x1x2x3, leap 1) and ``jump``
  (x1 + x1x2x3, leap 2), against the k = 3 parity cell of ``parity`` (leap 3).
* ``equivariance`` (E5): exact float64 check of which symmetries SGD and Adam keep.

Protocol (the issue's; every constant is a key of ``presets.symmetry`` in the config): x uniform
on the cube, a fresh batch of ``batch`` points per step and per seed (online), noiseless labels,
squared loss ``mean_batch (f - y)^2`` per seed, mean-field nets and per-group SGD steps of
:mod:`hdlearn.models.meanfield` (first-layer step ``eta m/d``: the measured exponent depends on
this convention). ``steps_to_learn``: first evaluation with test MSE / Var(f*) < ``threshold`` on
``test_samples`` fixed fresh points, evaluated on the geometric schedule of
:func:`hdlearn.training.online.evaluation_schedule`; a seed still above the threshold at the
row's ``cap`` is censored (``learned = 0``, ``steps_to_learn`` NaN), never dropped.
``steps_to_weak`` (``weak_learned``) is the same with ``weak_threshold``: the paper's weak
learning, beating the trivial predictor by a non-negligible edge, read as test MSE / Var(f*)
below 0.9 (the lower bounds are on weak learning; training still runs until the strong
threshold, so a seed censored for strong learning may have learned weakly).
``steps_to_learn`` of a seed does not depend on the other seeds of the ensemble; the diagnostic
columns ``steps_run`` and ``final_rel_err`` do (training stops once every seed has learned, so a
seed that learned early keeps training until the slowest one), and no claim reads them.

Choices that are ours (the paper has no experiments): the architectures and widths, the step
sizes, the threshold, the caps, the evaluation schedule, the conv readout step ``eta m/d`` (a
readout step ``eta m`` stalls at d = 40), and drawing the training stream in chunks of
``draw_chunk`` steps (part of the stream's definition, so it is fixed in the preset).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import torch

from hdlearn.models.meanfield import Untied, init_conv, init_fc, step_sizes
from hdlearn.rows import TidyRows
from hdlearn.seeding import generator, generators
from hdlearn.targets.hypercube import hypercube_inputs, named_target
from hdlearn.training.online import (
    Adam,
    evaluation_schedule,
    online_step,
    sgd_update,
    train_until_learned,
)

COLUMNS = ["arch", "depth", "target", "k", "d", "width", "variant", "seed", "metric", "value"]
METRICS = ("steps_to_learn", "learned", "steps_to_weak", "weak_learned", "cap", "final_rel_err",
           "steps_run")  # fmt: skip


# --------------------------------------------------------------------------- the cells


def _recorder(spec: Mapping[str, Any]) -> TidyRows:
    """Rows of one cell; each ``add`` names its ``d``, ``width`` and ``variant``."""
    return TidyRows(
        spec["seeds"], COLUMNS, arch=spec.get("arch", "fc"), depth=int(spec.get("depth", 2)),
        target=spec.get("target", "parity"), k=int(spec["k"]),
    )  # fmt: skip


def run_cell(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """Run one cell and return tidy rows (columns ``COLUMNS``)."""
    if spec["kind"] == "equivariance":
        return run_equivariance(spec, device)
    record = _recorder(spec)
    for d in spec["d"]:
        _train_row(spec, d, device, record)
    return record.frame()


def _train_row(spec: Mapping[str, Any], d: int, device: torch.device, record: TidyRows) -> None:
    p, seeds, arch = spec["protocol"], spec["seeds"], spec["arch"]
    target = named_target(spec["target"], spec["k"])
    tags = (arch, spec["depth"], spec["target"], spec["k"], d)
    if arch == "conv":
        width = p["channels"]
        model = init_conv(
            d, width, spec["k"], generators(seeds, "init", *tags),
            first_bias=p["first_bias"], device=device,
        )  # fmt: skip
        first = p["conv_eval_first"]
    else:
        width = p["channels"] * d if arch in ("fc_local", "fc_wide") else p["width"]
        untied = arch in ("fc_local", "fc_wide") and p["local_parametrisation"] == "conv"
        model = init_fc(
            d, width, spec["depth"], generators(seeds, "init", *tags),
            first_bias=p["first_bias"], hidden_bias=p["hidden_bias"], device=device,
            local_window=spec["k"] if arch == "fc_local" else None,
            untied=Untied(p["channels"], spec["k"]) if untied else None,
        )  # fmt: skip
        first = p["fc_eval_first"]
    stream = generators(seeds, "train", *tags)
    batch, members = p["batch"], len(seeds)

    def draw(chunk: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = hypercube_inputs(chunk * batch, d, stream, device)
        x = x.reshape(members, chunk, batch, d).transpose(0, 1)
        return x, target(x)

    x_test = hypercube_inputs(p["test_samples"], d, generators(seeds, "test", *tags), device)
    result = train_until_learned(
        model, model.tensors(), step_sizes(model, d, p["eta"]), draw, x_test, target(x_test),
        target.variance, threshold=p["threshold"],
        schedule=evaluation_schedule(spec["cap"], first, p["eval_relative"]),
        chunk=p["draw_chunk"], weak_threshold=p["weak_threshold"],
    )  # fmt: skip
    learned = (~torch.isnan(result.steps_to_learn)).double()
    at = {"d": int(d), "width": int(width), "variant": "default"}
    record.add("steps_to_learn", result.steps_to_learn, **at)
    record.add("learned", learned, **at)
    record.add("steps_to_weak", result.steps_to_weak, **at)
    record.add("weak_learned", (~torch.isnan(result.steps_to_weak)).double(), **at)
    record.add("cap", [spec["cap"]] * members, **at)
    record.add("final_rel_err", result.final_rel_err, **at)
    record.add("steps_run", [result.steps_run] * members, **at)


# --------------------------------------------------------------------------- E5 equivariance


def _signed_permutation(d: int, gen: torch.Generator) -> torch.Tensor:
    perm = torch.randperm(d, generator=gen)
    signs = 2.0 * torch.randint(0, 2, (d,), generator=gen, dtype=torch.float64) - 1.0
    return torch.eye(d, dtype=torch.float64)[perm] * signs[:, None]


def _rotation(d: int, gen: torch.Generator) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(d, d, generator=gen, dtype=torch.float64))
    return q * torch.sign(torch.diagonal(r))[None, :]  # Haar-distributed


def equivariance_gap(
    spec: Mapping[str, Any], optimiser: str, group: str, seed: int, device: torch.device
) -> float:
    """``max |f_2(g x) - f_1(x)|`` over test points for one seed (float64).

    Run 1 trains the depth-2 FC net from ``W_1`` on the stream ``x_t``; run 2 trains from
    ``W_1 g^T`` on ``g x_t`` (same labels ``f*(x_t)``, same other tensors). If the update rule
    commutes with ``g``, ``W_1' = W_1 g^T`` holds at every step and ``f_2(g x) = f_1(x)`` up to
    round-off. ``g`` is a random signed permutation or a Haar rotation.
    """
    d, p = spec["d"], spec["protocol"]
    dtype = torch.float64
    target = named_target("parity", spec["k"])
    tag = ("equivariance", optimiser, group, d)
    g = (_signed_permutation if group == "signed_permutation" else _rotation)(
        d, generator(seed, "group", *tag)
    ).to(device)
    base = init_fc(
        d, spec["width"], 2, [generator(seed, "init", *tag)],
        first_bias=p["first_bias"], hidden_bias=0.0, device=device, dtype=dtype,
    )  # fmt: skip
    moved = init_fc(
        d, spec["width"], 2, [generator(seed, "init", *tag)],
        first_bias=p["first_bias"], hidden_bias=0.0, device=device, dtype=dtype,
    )  # fmt: skip
    moved.body.weights[0] = moved.body.weights[0] @ g.T
    x_all = hypercube_inputs(
        spec["steps"] * p["batch"], d, [generator(seed, "train", *tag)], device, dtype
    ).reshape(spec["steps"], 1, p["batch"], d)
    lrs = step_sizes(base, d, p["eta"])
    if optimiser == "adam":
        lrs = [spec["adam_lr"]] * len(lrs)
        betas, eps = spec["adam_betas"], spec["adam_eps"]
        updates = [Adam(net.tensors(), lrs, betas[0], betas[1], eps) for net in (base, moved)]
    else:
        updates = [sgd_update, sgd_update]
    for x in x_all:
        y = target(x)
        online_step(base, base.tensors(), x, y, lrs, updates[0])
        online_step(moved, moved.tensors(), x @ g.T, y, lrs, updates[1])
    x_test = hypercube_inputs(
        spec["test_samples"], d, [generator(seed, "test", *tag)], device, dtype
    )
    with torch.no_grad():
        return float((moved(x_test @ g.T) - base(x_test)).abs().max())


def run_equivariance(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    record = _recorder({**spec, "arch": "fc", "depth": 2})
    for optimiser in ("sgd", "adam"):
        for group in ("signed_permutation", "rotation"):
            gaps = [equivariance_gap(spec, optimiser, group, s, device) for s in spec["seeds"]]
            record.add(
                "max_abs_diff", gaps, d=int(spec["d"]), width=int(spec["width"]),
                variant=f"{optimiser}:{group}",
            )  # fmt: skip
    return record.frame()
