"""Dandi, Pesce, Zdeborová, Krzakala (2025), "The computational advantage of depth" (arXiv
2502.13961): hierarchical SIGHT/MIGHT targets learned by KRR, 2-layer and 3-layer networks.

Sample sizes are ``n = floor(d^kappa)``, at least 2 and robust to round-off (``32^2.0`` is 1024,
:func:`hdlearn.sizes.power_samples`); ``kappa = log n / log d`` is the x-axis of every figure.
The theory (Thm 1) predicts that a 3-layer network trained layer-wise learns the worked example
``f* = tanh(3 a*.P3(W* x)/sqrt(d_eff))`` at ``kappa = max(1 + eps1, k eps1) = 1.5``, while a
2-layer net plateaus at the best degree-4 fit in ``z = W* x`` and a quadratic kernel at the best
degree-2 fit.

Learners, all with the authors' numerical protocol (App. F and their code); every constant is a
key of ``config/config.yaml`` (presets ``repo`` and ``paper``):

* ``krr``: kernel ridge with ``K(x,x') = (x.x')^2 + x.x' + 1``, ``(K + lambda n I) alpha = y``.

Ridge penalties (``ridge_lambdas``): empty, every ridge uses its fixed penalty (the authors'
code: ``krr_lambda``, ``ridge_lambda``, ``two_layer_ridge_lambda``; preset ``repo``); a grid,
the penalty of the kernel and of the 2-layer and layer-wise readouts is picked per ``kappa``
and seed on the validation set (fresh samples, never the test set) among the grid and the zero
predictor, as the paper's App. F.4 sweeps "the regularization strengths ... for every value of
kappa" (its grid is not given; ours is the config's). The chosen penalty is recorded
(``ridge_lambda``). Weight decays (``two_layer_regs`` for the 2-layer net's, ``three_layer_regs``
for the second layer's of both 3-layer nets, ``reg2`` and ``joint_reg2``): empty, the fixed
value; a grid, the net is trained once per decay of the grid (the 2-layer candidates as one
ensemble, the 3-layer ones one ensemble per decay, to keep the fixed run's memory) and each
seed keeps the decay of least validation error (recorded as ``weight_decay``). Which layer's
decay the 3-layer sweep tunes is ours (the paper tunes "the regularization strengths for the
different layers" without a grid): ``W2``'s, the one the authors' code sets for joint
training; the first layer's and the readout's stay fixed, and the joint net's readout, trained
by GD, has no ridge. A sweep costs its grid's size times the net: the 2-layer one a few per
cent of the depth run; the 3-layer one would multiply its largest cells, so preset ``tuned``
(smoke, default) leaves it out and preset ``paper`` has it.
* ``two_layer``: ``w2 . relu(W1 x + b1)`` with width ``p = floor(p1 / divisor)``; ``W1`` by
  mini-batch GD for ``T2`` epochs (step ``lr sqrt(p)/eps_init``, weight decay
  ``lr two_layer_reg``), then ``w2`` by ridge.
* ``three_layer_layerwise``: ``W3 relu(W2 relu(W1 x + b1) + b2)``, ``W1 ~ N(0, 1/d)``,
  ``W2 = eps_init N(0, 1/p1)``, ``W3 = eps_init N(0, 1/p2)``, ``b1 ~ U(-1,1)``,
  ``b2 = eps_init U(-1,1)``, biases frozen. Stage 1: ``W1`` for ``T1 = floor(15 ln d)`` epochs,
  step ``lr sqrt(p1)/eps_init^2``. Stage 2: ``W2`` for ``T2 = floor(5 d^1.5)`` epochs, step
  ``f2 lr sqrt(p2)/(eps_init p1)``, on features ``relu(W1 x + b1)`` computed once. Stage 3:
  ``W3`` by ridge. An epoch is ``1/fraction`` steps on mini-batches of ``floor(fraction n)``.
* ``three_layer_joint``: all three layers together for ``T2`` epochs with the same step rules
  times a prefactor ``c`` (``W3`` step ``c lr/(eps_init p2)``), weight decay on ``W2``.

Gradient normalisation (``gradient_normalisation``): the authors' code divides the gradients of
``W2`` (and of ``W3`` in joint training) by the full ``n`` rather than the batch size;
``full_n`` (default) keeps that effective step, which is ``fraction = 0.7`` times the textbook
``batch`` one. The loss is ``1/2 (f - y)^2``, as in the code's manual back-propagation.

Order parameters, measured at log-spaced checkpoints (never from stored trajectories) on the
validation inputs, which are fresh samples independent of training:
``M_W = sqrt(mean_i |W* w_i|^2 / |w_i|^2)`` (random value ``sqrt(r d_eff / d)``) and
``M_h`` = RMS over second-layer units ``j`` and branches ``m`` of the uncentred cosine between
the unit's pre-activation ``u_j(x)`` and ``h*_m(x)``.

Documented choices the paper leaves open: the teacher of seed ``s`` depends on ``(s, d)`` only,
so every learner and every ``kappa`` sees the same teacher and the same test set for a seed;
``fresh_batches`` draws an independent ``n``-sample set for each of the three stages.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import torch

from hdlearn.baselines.ridge import (
    kernel_ridge_predict,
    kernel_ridge_predict_on_validation,
    ridge_on_validation,
    ridge_regression,
)
from hdlearn.models.ensemble import EnsembleMLP, init_mlp, redraw_layer
from hdlearn.papers.depth import grid
from hdlearn.rows import CandidateRows, TidyRows
from hdlearn.seeding import generators
from hdlearn.sizes import effective_dimension, power_samples
from hdlearn.targets.gaussian import gaussian_inputs
from hdlearn.targets.hermite import multivariate_hermite_features
from hdlearn.targets.hierarchical import HierarchicalTarget, sample_hierarchical_target
from hdlearn.training.gd import LayerRule, log_spaced_checkpoints, train_minibatch_gd

COLUMNS = [
    "learner", "variant", "d", "d_eff", "kappa", "n", "seed", "stage", "epoch", "metric", "value",
]  # fmt: skip


# --------------------------------------------------------------------------- the cell


def _recorder(spec: Mapping[str, Any], d_eff: int, n: float) -> TidyRows:
    """Rows ``(seed, stage, epoch, metric, value)`` of one cell; ``stage`` is ``final`` and
    ``epoch`` NaN unless given."""
    return TidyRows(
        spec["seeds"], COLUMNS, learner=spec["learner"],
        variant=spec.get("variant", "default"), d=spec["d"], d_eff=d_eff,
        kappa=spec.get("kappa", float("nan")), n=n, stage="final", epoch=float("nan"),
    )  # fmt: skip


def _mse(prediction: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return (prediction - labels).square().mean(dim=1)


def overlap_w(first_layer: torch.Tensor, teacher: HierarchicalTarget) -> torch.Tensor:
    """``M_W = sqrt(mean_i |W* w_i|^2 / |w_i|^2)`` per member; ``first_layer`` is ``(E, p, d)``.

    The mean runs over the units with ``w_i != 0``: a unit that weight decay has shrunk to
    exactly zero (a dead ReLU unit gets no gradient, only the decay) has no direction, its
    ratio is ``0/0``, and it is left out (NaN only when every unit is zero)."""
    projected = first_layer @ teacher.directions.transpose(1, 2)
    ratio = projected.square().sum(-1) / first_layer.square().sum(-1)
    return ratio.nanmean(-1).sqrt()


def overlap_h(model: EnsembleMLP, x: torch.Tensor, teacher: HierarchicalTarget) -> torch.Tensor:
    """``M_h``: RMS over units ``j`` and branches ``m`` of ``cos(u_j, h*_m)`` on inputs ``x``."""
    u = model.preactivation(x, 2)
    h = teacher.features(x)
    cos = (u.transpose(1, 2) @ h) / (
        u.norm(dim=1)[:, :, None] * h.norm(dim=1)[:, None, :]
    ).clamp_min(1e-30)
    return cos.square().mean(dim=(1, 2)).sqrt()


def _reference_levels(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """Var(y) and the test MSE of the best degree-<=q polynomial in ``z = W* x``, by Monte Carlo.

    ``z`` is standard Gaussian because ``W*`` has orthonormal rows, so ``z`` is drawn directly.
    The polynomial is fitted by least squares on orthonormal multivariate Hermite features of
    ``mc_samples`` draws and scored on as many fresh draws (no in-sample optimism).
    """
    target_cfg = spec["target"]
    d = spec["d"]
    d_eff = effective_dimension(d, target_cfg["eps1"])
    teacher = _teacher(spec, d, d_eff, device)
    width = teacher.branches * d_eff
    gens = generators(spec["seeds"], "levels", d)
    total = spec["mc_samples"]
    chunk = 20_000
    record = _recorder(spec, d_eff, float("nan"))

    def draws():
        for start in range(0, total, chunk):
            size = min(chunk, total - start)
            z = torch.stack(
                [torch.randn(size, width, generator=g, dtype=torch.float64) for g in gens]
            )
            yield z.to(device), teacher.label_of_z(z.to(device))

    for degree in spec["degrees"]:
        gram, moment = 0.0, 0.0
        for z, y in draws():
            phi = multivariate_hermite_features(z, degree)
            gram = gram + phi.transpose(1, 2) @ phi
            moment = moment + (phi.transpose(1, 2) @ y[..., None])
        coef = torch.linalg.solve(gram, moment)
        sq, count = 0.0, 0
        for z, y in draws():
            phi = multivariate_hermite_features(z, degree)
            sq = sq + ((phi @ coef).squeeze(-1) - y).square().sum(1)
            count += y.shape[1]
        record.add(f"level_deg{degree}", sq / count)
    ys = torch.cat([y for _, y in draws()], dim=1)
    record.add("var_y", ys.var(dim=1))
    return record.frame()


def _teacher(spec: Mapping[str, Any], d: int, d_eff: int, device: torch.device):
    target_cfg = spec["target"]
    teacher = sample_hierarchical_target(
        d=d,
        d_eff=d_eff,
        branches=target_cfg["branches"],
        coefficients=tuple(target_cfg["coefficients"]),
        normalisation=target_cfg["hermite"],
        link_scale=target_cfg["link_scale"],
        generators=generators(spec["seeds"], "teacher", d),
        device=device,
    )
    return teacher


def run_cell(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """Run one cell (one learner at one ``(d, kappa)``, or at every kappa of a grid row, see
    :data:`hdlearn.papers.depth.grid.ROW_LEARNERS`; all seeds) and return tidy rows."""
    if "kappas" in spec:
        frames = [_run_point(point, device) for point in grid.points(spec)]
        return pd.concat(frames, ignore_index=True)
    return _run_point(spec, device)


def _run_point(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """One learner at one ``(d, kappa)`` (or the reference levels at one ``d``), all seeds."""
    if spec["learner"] == "reference":
        return _reference_levels(spec, device)
    d, kappa, seeds = spec["d"], spec["kappa"], spec["seeds"]
    d_eff = effective_dimension(d, spec["target"]["eps1"])
    n = power_samples(d, kappa, minimum=2)
    teacher = _teacher(spec, d, d_eff, device)
    record = _recorder(spec, d_eff, n)

    parts = 3 if spec["variant"] == "fresh_batches" else 1
    train = []
    for part in range(parts):
        x = gaussian_inputs(n, d, generators(seeds, "train", d, n, part), device)
        train.append((x, teacher(x)))
    x_test = gaussian_inputs(spec["test_samples"], d, generators(seeds, "test", d), device)
    y_test = teacher(x_test)

    if "val_samples" in spec:
        x_val = gaussian_inputs(spec["val_samples"], d, generators(seeds, "val", d), device)
        y_val = teacher(x_val)
    if spec["learner"] == "krr":
        x, y = train[0]
        lams = list(spec["hyper"]["ridge_lambdas"])
        if lams:
            prediction, chosen = kernel_ridge_predict_on_validation(x, y, x_val, y_val, x_test,
                                                                    lams)  # fmt: skip
            record.add("ridge_lambda", chosen)
        else:
            prediction = kernel_ridge_predict(x, y, x_test, spec["hyper"]["krr_lambda"])
        record.add("test_mse", _mse(prediction, y_test))
        return record.frame()

    context = _Context(spec, teacher, n, train, x_val, y_val, record)
    # each network's trainer, and whether its decay candidates share one ensemble (the small
    # 2-layer net) or train one ensemble per decay (the 3-layer nets: the fixed run's memory)
    trainer, one_ensemble = {
        "two_layer": (_two_layer, True),
        "three_layer_layerwise": (_layerwise, False),
        "three_layer_joint": (_joint, False),
    }[spec["learner"]]
    model = _with_decay(context, trainer, one_ensemble=one_ensemble)
    record.add("test_mse", _mse(model(x_test), y_test))
    record.add("overlap_W", overlap_w(model.weights[0], teacher))
    if model.depth == 3:
        record.add("overlap_h", overlap_h(model, x_val, teacher))
    return record.frame()


class _Context:
    """What every network learner needs: spec, teacher, data, and the checkpoint logger."""

    def __init__(self, spec, teacher, n, train, x_val, y_val, record) -> None:
        self.spec = spec
        self.hyper = spec["hyper"]
        self.teacher = teacher
        self.n = n
        self.train = train
        self.x_val, self.y_val = x_val, y_val
        self.record = record
        self.batch = max(1, int(self.hyper["batch_fraction"] * n))
        self.d = spec["d"]

    def steps(self, epochs: int) -> int:
        """The code's ``int(epochs / fraction)`` mini-batch steps for ``epochs`` epochs."""
        return int(epochs / self.hyper["batch_fraction"])

    def stage1_epochs(self) -> int:
        return int(self.hyper["stage1_epochs_coef"] * math.log(self.d))

    def stage2_epochs(self) -> int:
        return int(
            self.hyper["stage2_epochs_coef"] * self.d ** self.hyper["stage2_epochs_exponent"]
        )

    def late_divisor(self) -> float:
        """Divisor of the W2 / W3 gradients: the full ``n`` (authors' code) or the batch."""
        full_n = self.hyper["gradient_normalisation"] == "full_n"
        return float(self.n if full_n else self.batch)

    def gens(self, *tags: object, device: str | torch.device = "cpu") -> list[torch.Generator]:
        return generators(
            self.spec["seeds"], *tags, self.spec["learner"], self.d, self.n, device=device
        )

    def logger(self, model: EnsembleMLP, stage: str, x, y, epoch0: float):
        """A checkpoint callback recording train/val MSE and the overlaps at ``step``."""

        def log(step: int) -> None:
            epoch = epoch0 + step * self.batch / self.n
            with torch.no_grad():
                at = {"stage": stage, "epoch": epoch}
                self.record.add("train_mse", _mse(model(x), y), **at)
                self.record.add("val_mse", _mse(model(self.x_val), self.y_val), **at)
                self.record.add("overlap_W", overlap_w(model.weights[0], self.teacher), **at)
                if model.depth == 3:
                    self.record.add("overlap_h", overlap_h(model, self.x_val, self.teacher), **at)

        return log

    def run(self, model, stage, x_log, y_log, inputs, labels, start_layer, rules, steps, epoch0):
        checkpoints = log_spaced_checkpoints(steps, self.spec["checkpoints"])
        train_minibatch_gd(
            model,
            inputs,
            labels,
            start_layer=start_layer,
            rules=rules,
            steps=steps,
            batch_size=self.batch,
            generators=self.gens("batches", stage, device=inputs.device),
            checkpoints=checkpoints,
            on_checkpoint=self.logger(model, stage, x_log, y_log, epoch0),
            description=f"{self.spec['learner']} {stage} d={self.d} n={self.n}",
        )
        return epoch0 + steps * self.batch / self.n

    def candidates(self, copies: int) -> _Context:
        """This context for an ensemble of ``copies`` candidates per seed (member
        ``e copies + c`` is candidate ``c`` of seed ``e``): every candidate of a seed has the
        seed's teacher and data and draws the seed's initialisation and batches, and its
        measurements wait in a :class:`~hdlearn.rows.CandidateRows` until the seed's candidate
        is chosen."""

        def copied(t: torch.Tensor) -> torch.Tensor:
            return t if copies == 1 else t.repeat_interleave(copies, dim=0)

        teacher = dataclasses.replace(
            self.teacher,
            directions=copied(self.teacher.directions),
            signs=copied(self.teacher.signs),
        )
        spec = {**self.spec, "seeds": [s for s in self.spec["seeds"] for _ in range(copies)]}
        train = [(copied(x), copied(y)) for x, y in self.train]
        return _Context(
            spec, teacher, self.n, train, copied(self.x_val), copied(self.y_val), CandidateRows()
        )


def _three_layer_init(ctx: _Context) -> EnsembleMLP:
    h = ctx.hyper
    return init_mlp(
        (ctx.d, ctx.spec["p1"], h["p2"], 1),
        ctx.gens("init"),
        first_scale=1.0,
        later_scale=h["eps_init"],
        first_bias=1.0,
        later_bias=h["eps_init"],
        device=ctx.x_val.device,
    )


def _fit_readout(ctx: _Context, model: EnsembleMLP, x: torch.Tensor, y: torch.Tensor,
                 lam: float) -> None:  # fmt: skip
    """Replace the readout by the ridge solution on the last hidden layer's features: with the
    fixed penalty ``lam``, or, when the protocol has ``ridge_lambdas`` (the paper's per-kappa
    sweep, App. F.4), with the penalty of that grid (or the zero readout) that has the least
    error on the validation set, per seed (recorded as ``ridge_lambda``)."""
    features = model.hidden(x, model.depth - 1)
    lams = list(ctx.hyper["ridge_lambdas"])
    if not lams:
        model.weights[-1] = ridge_regression(features, y, lam)[:, None, :].to(features.dtype)
        return
    val_features = model.hidden(ctx.x_val, model.depth - 1)
    w, chosen = ridge_on_validation(features, y, val_features, ctx.y_val, lams)
    model.weights[-1] = w[:, None, :]
    ctx.record.add("ridge_lambda", chosen)


def _layerwise(ctx: _Context, reg2: float | torch.Tensor) -> EnsembleMLP:
    """Stages 1-3 (module docstring); stage 2's weight decay ``f2 lr reg2 / d^1.5`` (``reg2``
    one number, or one per member)."""
    h, eps = ctx.hyper, ctx.hyper["eps_init"]
    p1, p2 = ctx.spec["p1"], h["p2"]
    model = _three_layer_init(ctx)
    (x1, y1), (x2, y2), (x3, y3) = (ctx.train * 3)[:3] if len(ctx.train) == 1 else ctx.train
    stage1 = LayerRule(1, h["lr"] * math.sqrt(p1) / eps**2, ctx.batch, h["lr"] * h["reg1"])
    epoch = ctx.run(
        model, "layer1", x1, y1, x1, y1, 0, [stage1], ctx.steps(ctx.stage1_epochs()), 0.0
    )
    if ctx.spec["variant"] == "reinit":
        redraw_layer(model, 2, eps, ctx.gens("reinit", 2))
    f2 = h["layer2_lr_factor"] * h["lr"]
    stage2 = LayerRule(
        2, f2 * math.sqrt(p2) / (eps * p1), ctx.late_divisor(), f2 * reg2 / ctx.d**1.5
    )
    with torch.no_grad():
        features = model.hidden(x2, 1)  # layer 1 is frozen from here on
    ctx.run(
        model, "layer2", x2, y2, features, y2, 1, [stage2], ctx.steps(ctx.stage2_epochs()), epoch
    )
    del features
    _fit_readout(ctx, model, x3, y3, h["ridge_lambda"])
    return model


def _joint(ctx: _Context, reg2: float | torch.Tensor) -> EnsembleMLP:
    """All three layers for ``T2`` epochs; ``W2``'s weight decay ``c reg2 / d^1.5`` (``reg2``
    one number, or one per member)."""
    h, eps = ctx.hyper, ctx.hyper["eps_init"]
    p1, p2 = ctx.spec["p1"], h["p2"]
    model = _three_layer_init(ctx)
    x, y = ctx.train[0]
    c = h["joint_prefactor"] * h["lr"]
    late = ctx.late_divisor()
    rules = [
        LayerRule(1, c * math.sqrt(p1) / eps**2, ctx.batch, c * h["joint_reg1"]),
        LayerRule(2, c * math.sqrt(p2) / (eps * p1), late, c * reg2 / ctx.d**1.5),
        LayerRule(3, c / (eps * p2), late, c * h["joint_reg3"]),
    ]
    ctx.run(model, "joint", x, y, x, y, 0, rules, ctx.steps(ctx.stage2_epochs()), 0.0)
    return model


def _with_decay(
    ctx: _Context,
    train: Callable[[_Context, float | torch.Tensor], EnsembleMLP],
    *,
    one_ensemble: bool,
) -> EnsembleMLP:
    """The network ``train`` builds, with its fixed weight decay, or the best of its sweep per
    seed (:func:`_best_decay`): which keys hold the two is
    :data:`hdlearn.papers.depth.grid.DECAY_SWEEPS`."""
    sweep, fixed = grid.DECAY_SWEEPS[ctx.spec["learner"]]
    if ctx.hyper[sweep]:
        return _best_decay(ctx, ctx.hyper[sweep], train, one_ensemble=one_ensemble)
    return train(ctx, ctx.hyper[fixed])


def _best_decay(
    ctx: _Context,
    regs: list[float],
    train: Callable[[_Context, torch.Tensor], EnsembleMLP],
    *,
    one_ensemble: bool,
) -> EnsembleMLP:
    """The paper's per-kappa sweep of a weight decay (App. F.4 sweeps every regularisation):
    ``train`` once per decay of ``regs``, with one decay per member, either all candidates as
    one ensemble (:meth:`_Context.candidates`; the small 2-layer net) or one ensemble per
    decay (the 3-layer nets, whose data and features per member are the run's largest arrays:
    the memory of the fixed run, the same rows, since members never interact); each seed keeps
    the decay whose net, readout fitted as always, has the least validation error (ties: the
    grid's first), recorded as ``weight_decay`` beside that error (``val_mse``, stage
    ``final``); every other row is the chosen net's."""
    seeds, k = len(ctx.spec["seeds"]), len(regs)
    grid_decays = torch.tensor(list(regs), dtype=torch.float64)
    if one_ensemble:  # member e k + j is seed e's candidate j
        wide = ctx.candidates(k)
        model, rows = train(wide, grid_decays.repeat(seeds)), wide.record
        with torch.no_grad():
            errors = _mse(model(wide.x_val), wide.y_val).view(seeds, k)
        member = torch.arange(seeds)[:, None] * k + torch.arange(k)
    else:  # member j seeds + e is seed e's candidate j
        runs = [ctx.candidates(1) for _ in regs]
        models = [
            train(run, decay.repeat(seeds)) for run, decay in zip(runs, grid_decays, strict=True)
        ]
        with torch.no_grad():
            errors = torch.stack([_mse(m(ctx.x_val), ctx.y_val) for m in models], dim=1)
        model = EnsembleMLP.concatenated(models)
        rows = CandidateRows.concatenated([run.record for run in runs])
        member = torch.arange(seeds)[:, None] + torch.arange(k) * seeds
    errors = errors.cpu()
    pick = errors.argmin(dim=1)
    index = member[torch.arange(seeds), pick]
    rows.keep(ctx.record, index)
    ctx.record.add("weight_decay", grid_decays[pick])
    ctx.record.add("val_mse", errors[torch.arange(seeds), pick])
    return model.select(index.to(model.weights[0].device))


def _two_layer(ctx: _Context, reg: float | torch.Tensor) -> EnsembleMLP:
    """``w2 . relu(W1 x + b1)``: ``W1`` by mini-batch GD with weight decay ``lr reg`` (``reg``
    one number, or one per member), then the readout by ridge (:func:`_fit_readout`)."""
    h, eps = ctx.hyper, ctx.hyper["eps_init"]
    width = max(1, ctx.spec["p1"] // h["two_layer_width_divisor"])
    model = init_mlp(
        (ctx.d, width, 1),
        ctx.gens("init"),
        first_scale=1.0,
        later_scale=eps,
        first_bias=1.0,
        later_bias=eps,
        device=ctx.x_val.device,
    )
    x, y = ctx.train[0]
    rule = LayerRule(1, h["lr"] * math.sqrt(width) / eps, ctx.batch, h["lr"] * reg)
    ctx.run(model, "two_layer", x, y, x, y, 0, [rule], ctx.steps(ctx.stage2_epochs()), 0.0)
    _fit_readout(ctx, model, x, y, h["two_layer_ridge_lambda"])
    return model
