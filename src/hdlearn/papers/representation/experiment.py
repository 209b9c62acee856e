"""Damian, Lee & Soltanolkotabi (2022), "Neural networks can learn representations with
gradient descent" (COLT 2022, PMLR 178:5413-5452, arXiv 2206.15144): one big gradient step on
the first layer of a two-layer ReLU net learns the principal subspace of a low-rank polynomial
target with ``n ~ d^2`` samples, while kernels (random features, NTK) need ``n ~ d^p``.

Setting (paper Sec. 2 and 6; issue 5). ``x ~ N(0, I_d)``, ``y = f*(x) + eps`` with Rademacher
noise ``eps`` uniform on ``{-s, +s}`` (``s = noise``). ``f*(x) = g(u . x)`` with ``u`` a
Haar-random unit vector drawn from the seed and ``g = He_2/2 + He_p/sqrt(2 p!)``, written with
orthonormal Hermite polynomials ``h_k = He_k/sqrt(k!)`` as ``g = (h_2 + h_p)/sqrt(2)``
(:mod:`hdlearn.targets.index`), so ``E[f*^2] = 1`` exactly.

Risk. The excess L2 risk ``E_x[(f_hat - f*)^2]`` (the zero predictor scores ``E[f*^2] = 1``),
estimated on a fresh test set shared by every method of a seed (paired), with the control
variate ``mean(f_hat^2 - 2 f_hat f*) + E[f*^2]`` (metric ``risk``; ``E[f*^2]`` is exact),
plainly as ``mean((f_hat - f*)^2)`` (metric ``risk_plain``) and with the regression control
variate (metric ``risk_cvopt``); see :func:`hdlearn.analysis.estimators.excess_risk_estimates`.

Algorithm 1 (paper Sec. 4), exactly (:mod:`hdlearn.training.one_step`):

* ``f(x) = a . relu(W x + b)``, no ``1/m`` prefactor, ``m`` even. Symmetric init:
  ``a_j ~ U{-1, +1}``, ``w_j ~ N(0, I/d)``, ``b = 0`` and neuron ``j + m/2`` is
  ``(-a_j, w_j, b_j)``, so ``f = 0`` at init.
* Loss ``L = (1/n) sum_i (f(x_i) - y_i)^2`` (no 1/2). Optional pre-processing
  (``preprocess``): ``y <- y - alpha - beta . x`` with ``alpha = mean(y)``,
  ``beta = mean(y x)``, added back to the prediction. The preset's default is off (issue 5:
  the paper's Fig. 1 shows risk 1.0 at tiny n, which the pre-processed estimator cannot
  give); the config's per-experiment ``preprocess`` block turns it on [our choice] for the
  experiments that are not the paper's plotted risk curves (alignment, risk scaling,
  transfer, ablations), i.e. runs the theorem's Algorithm 1 there. It matters: without it
  every neuron's step carries the shared noise ``eta1 a_j beta`` (the ``1/2`` part of
  ``1{w.x >= 0}``), which lowers ``rho`` at ``n = 16 d^2`` from about 0.90 to 0.85.
* Step 1: ``W1 = W0 - eta1 (grad_W L + lambda1 W0)`` with ``lambda1 = 1/eta1``, i.e. the
  closed form ``w_j = (2 eta1/n) a_j sum_i y_i 1{w_j0 . x_i >= 0} x_i`` (paired neurons
  become ``+-w``). ``eta1 = c sqrt(d)``, ``c = eta_factor`` (0.5 [our choice; the paper's
  eta1 is unstated]).
* Every bias is redrawn ``b_j ~ N(0, 1)`` independently; ``a`` is then the closed-form ridge
  solution on ``relu(W1 x + b)`` (the limit of the paper's GD + weight decay on ``a``):
  minimise ``(1/n)||Phi a - y||^2 + lambda ||a||^2``, ``lambda`` chosen on a holdout set
  (noisy labels) from ``logspace(lambda_log10)`` = ``logspace(-8, 6, 29)`` plus the zero
  head ``a = 0`` (:func:`hdlearn.baselines.ridge.select_on_holdout`). The same ``n`` samples
  serve both stages, as in the paper.

Baselines [our choices, the paper does not define them; feature maps in
:mod:`hdlearn.baselines.features`]:

* ``rf``: random features ``relu(W0 x + b)`` with independent rows ``w_j ~ N(0, I/d)``,
  ``b_j ~ N(0, 1)``: Algorithm 1 without its first step. Same ridge head and holdout.
* ``ntk``: finite-width linearisation at a non-symmetric init (``a_j ~ U{-1,+1}``,
  ``w_j ~ N(0, I/d)``, ``b = 0``): features ``[relu(w.x), a relu'(w.x) x, a relu'(w.x)] /
  sqrt(m)`` (``m (d + 2)`` columns), same ridge head.
* ``krr``: exact kernel ridge with the infinite-width ReLU NTK
  ``K = (x.x') kappa_0 + |x||x'| kappa_1`` (:mod:`hdlearn.baselines.kernels`),
  ``(K + lambda n I) alpha = y``, same lambda grid and zero predictor, for ``n <= krr_max_n``.

Subspace alignment ``rho = ||W1 P_u||_F / ||W1||_F`` (per-neuron mass on ``span(U)``; random
value ``sqrt(r/d)``), never the top singular vector of ``W1``, which pools the neurons. For
rank-``r`` targets also the per-direction SNR ``lambda_min(U M U^T) / [tr((I - P) M)/(d - r)]``
with ``M = W1^T W1 / m`` (:mod:`hdlearn.analysis.estimators`).

Transfer (Thm 3, Fig. 2): pre-train Algorithm 1 on ``n`` samples of
``f_pre = He_2/2 + He_3/sqrt(12)``, keep ``W1, b`` and refit only the head (ridge, holdout
lambda, zero head) on ``N`` fresh samples of ``He_3/sqrt(6)`` in the same direction ``u``
[our reading; the paper leaves f_pre's degree open]; ``rf`` refits the same head on random
features without pre-training. In the d-independence part (Thm 3's claims) the head's penalty
is picked on ``N`` further fresh samples of the target (``transfer.head_holdout.independence:
n_target``), so the head sees ``2N`` labelled target samples in all, data that scale with ``N``
as Thm 3 counts them, not the shared holdout of ``holdout_samples`` (``shared``, which hands a
head at ``N = 16`` thousands of target labels). The Fig. 2 grid keeps the shared holdout
(``grid: shared``), the paper's Fig. 1 protocol: its N starts at 1, where a holdout of N
samples picks a penalty at random (measured: a risk of about 10 against the paper's 0.98).

Sample sizes ``n = floor(d^k + 1e-9)`` for exponents ``k = log_d n`` (Fig. 1 and 2) or
``n = floor(c d^2)`` / ``floor(c d)`` (:mod:`hdlearn.sizes`). Seeds are an ensemble axis;
every draw comes from a generator named by what it draws (:mod:`hdlearn.seeding`): the
direction ``u`` depends on ``(seed, d)`` only, the training set on ``(seed, d, n)``, holdout
and test on ``(seed, d)``, so every method at a ``(seed, d, n)`` sees the same data. Data are
drawn and processed in chunks of ``chunk`` samples (two passes regenerate the same stream), in
float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pandas as pd
import torch

from hdlearn.analysis.estimators import alignment, direction_snr, excess_risk_estimates
from hdlearn.baselines.features import Features, ntk_features, relu_features
from hdlearn.baselines.kernels import relu_ntk
from hdlearn.baselines.ridge import ridge_path, ridge_path_dual, select_on_holdout
from hdlearn.papers.representation.grid import KRR_GROUP_ELEMENTS
from hdlearn.rows import TidyRows
from hdlearn.seeding import generators
from hdlearn.sizes import power_samples
from hdlearn.targets.index import (
    IndexTarget,
    random_orthonormal_rows,
    single_index_terms,
    staircase_terms,
)
from hdlearn.training.one_step import (
    Offset,
    first_step,
    gaussian,
    linear_offset,
    symmetric_init,
    uniform_signs,
    zero_offset,
)

COLUMNS = [
    "method", "target", "d", "m", "n", "log_n", "n_target", "r", "eta_factor", "seed",
    "metric", "value",
]  # fmt: skip
DTYPE = torch.float64


def lambda_grid(spec: Mapping[str, Any]) -> list[float]:
    """``logspace(start, stop, num)`` of the preset's ``lambda_log10`` block."""
    grid = spec["hyper"]["lambda_log10"]
    start, stop, num = grid["start"], grid["stop"], grid["num"]
    if num == 1:
        return [10.0**start]
    return [10.0 ** (start + (stop - start) * i / (num - 1)) for i in range(num)]


# --------------------------------------------------------------------------- data and records


def _log_n(row: Mapping[str, Any]) -> dict[str, float]:
    """``log_n = ln n / ln d`` where a row gives ``n`` but no ``log_n``."""
    if row["n"] and row["d"] > 1 and math.isnan(row["log_n"]):
        return {"log_n": math.log(row["n"]) / math.log(row["d"])}
    return {}


def _recorder(spec: Mapping[str, Any]) -> TidyRows:
    return TidyRows(
        spec["seeds"], COLUMNS, _log_n, method=spec["method"], target="main",
        d=spec.get("d", 0), m=spec.get("m", 0), n=0, log_n=math.nan, n_target=0, r=1,
        eta_factor=spec.get("hyper", {}).get("eta_factor", math.nan),
    )  # fmt: skip


class _Data:
    """Seeded chunked streams of ``(x, y, f*(x))`` for one cell's seeds at one ``d``."""

    def __init__(self, spec: Mapping[str, Any], d: int, device: torch.device) -> None:
        self.seeds = list(spec["seeds"])
        self.d = d
        self.device = device
        self.noise = float(spec["hyper"]["noise"])
        self.chunk = int(spec["hyper"]["chunk"])

    def directions(self, r: int = 1) -> torch.Tensor:
        """``U`` of shape ``(E, r, d)``; ``r = 1`` gives the direction ``u`` of every target."""
        tags = ("direction", self.d) if r == 1 else ("directions", self.d, r)
        return random_orthonormal_rows(r, self.d, generators(self.seeds, *tags), self.device)

    def stream(self, target: IndexTarget, n: int, *tags: object) -> Iterator[tuple]:
        """Chunks ``(x, y, f*(x))`` of the ``n`` samples named by ``tags`` (regenerable)."""
        gx = generators(self.seeds, "x", self.d, n, *tags)
        gs = generators(self.seeds, "noise", self.d, n, *tags)
        done = 0
        while done < n:
            size = min(self.chunk, n - done)
            x = torch.stack([torch.randn(size, self.d, generator=g, dtype=DTYPE) for g in gx])
            sign = torch.stack([torch.randint(0, 2, (size,), generator=g) for g in gs])
            x = x.to(self.device)
            fx = target(x)
            y = fx + self.noise * (2.0 * sign.to(self.device, DTYPE) - 1.0)
            yield x, y, fx
            done += size


# --------------------------------------------------------------------------- learners


def fit_head(
    features: Features,
    train: Callable[[], Iterator[tuple]],
    holdout: Callable[[], Iterator[tuple]],
    n: int,
    lams: list[float],
    offset: Offset = zero_offset,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Ridge head on ``features`` with ``lambda`` (or the zero head) chosen on the holdout.

    Accumulates ``Phi^T Phi`` and ``Phi^T (y - offset)`` over the training chunks, solves the
    whole ``lams`` path by :func:`hdlearn.baselines.ridge.ridge_path`, and picks per member
    the candidate with the smallest holdout MSE against noisy labels, the prediction being
    ``Phi a + offset`` (:func:`hdlearn.baselines.ridge.select_on_holdout`; the zero head last,
    so ties go to a ridge solution). When ``n < p`` the path is solved in the dual
    (:func:`hdlearn.baselines.ridge.ridge_path_dual`), the same estimator. Returns
    ``(head (E, p), chosen lambda (E,))`` with ``lambda = inf`` for the zero head.
    """
    gram, rhs, phis, labels = None, None, [], []
    for x, y, _ in train():
        phi, target = features(x), y - offset(x)
        if n < phi.shape[-1]:  # keep the features for the dual solve
            phis.append(phi)
            labels.append(target)
            continue
        g, r = phi.transpose(1, 2) @ phi, (phi.transpose(1, 2) @ target[..., None])
        gram = g if gram is None else gram + g
        rhs = r if rhs is None else rhs + r
    if phis:
        heads = ridge_path_dual(torch.cat(phis, 1), torch.cat(labels, 1), lams)
    else:
        heads = ridge_path(gram, rhs.squeeze(-1), n, lams)  # (E, L, p)
    chunks = ((features(x) @ heads.transpose(1, 2), offset(x), y) for x, y, _ in holdout())
    return select_on_holdout(heads, chunks, lams)


class _Cell:
    """Shared context of a cell: data streams, targets, lambda grid and the record."""

    def __init__(self, spec: Mapping[str, Any], device: torch.device) -> None:
        self.spec = spec
        self.hyper = spec["hyper"]
        self.d = int(spec["d"])
        self.data = _Data(spec, self.d, device)
        self.device = device
        self.record = _recorder(spec)
        self.lams = lambda_grid(spec)
        self.u = self.data.directions()

    def target(self, coefficients) -> IndexTarget:
        return IndexTarget(self.u, single_index_terms(coefficients))

    def eta(self, factor: float | None = None) -> float:
        factor = self.hyper["eta_factor"] if factor is None else factor
        return factor * math.sqrt(self.d)

    def stream(self, target: IndexTarget, n: int, *tags: object):
        return lambda: self.data.stream(target, n, *tags)

    def holdout(self, target: IndexTarget, tag: str = "holdout"):
        return self.stream(target, self.spec["holdout_samples"], tag)

    def test(self, target: IndexTarget, tag: str = "test"):
        return self.stream(target, self.spec["test_samples"], tag)

    def algorithm1(self, target, n, m, tags=("train",), eta_factor=None):
        """``(features, offset, W1)`` of Algorithm 1's first stage on ``n`` samples."""
        seeds = self.data.seeds
        a, w0 = symmetric_init(seeds, self.d, m, self.device)
        offset = zero_offset
        if self.hyper["preprocess"]:
            offset = linear_offset(self.data.stream(target, n, *tags))
        w1 = first_step(self.data.stream(target, n, *tags), a, w0, self.eta(eta_factor), offset)
        bias = gaussian((m,), generators(seeds, "bias", self.d, m), self.device)
        return relu_features(w1, bias), offset, w1

    def baseline(self, method: str, m: int) -> Features:
        seeds = self.data.seeds
        if method in ("rf", "rf_wide"):  # the same random features, rf_wide only wider
            w = gaussian((m, self.d), generators(seeds, "rf_w", self.d, m), self.device,
                         1 / math.sqrt(self.d))  # fmt: skip
            b = gaussian((m,), generators(seeds, "rf_b", self.d, m), self.device)
            return relu_features(w, b)
        if method == "ntk":
            a = uniform_signs((m,), generators(seeds, "ntk_a", self.d, m), self.device)
            w = gaussian((m, self.d), generators(seeds, "ntk_w", self.d, m), self.device,
                         1 / math.sqrt(self.d))  # fmt: skip
            return ntk_features(a, w)
        raise ValueError(f"unknown feature baseline {method!r}")

    def fit_and_score(self, task, features, offset, n_fit, tags=("train",), holdout=None,
                      **fixed):  # fmt: skip
        """Ridge head on ``n_fit`` samples of ``task`` with its penalty picked on ``holdout``
        (a stream; default the shared holdout), then the test risks, recorded with ``fixed``
        (``n`` defaults to ``n_fit``)."""
        fixed.setdefault("n", n_fit)
        train = self.stream(task, n_fit, *tags)
        holdout = self.holdout(task) if holdout is None else holdout
        head, lam = fit_head(features, train, holdout, n_fit, self.lams, offset)

        def predict(x):
            return (features(x) @ head[..., None]).squeeze(-1) + offset(x)

        self.record_risks(self.risks(task, predict), lam, fixed)

    def risks(self, target: IndexTarget, predict) -> dict[str, torch.Tensor]:
        """:func:`hdlearn.analysis.estimators.excess_risk_estimates` on the test stream."""
        return excess_risk_estimates(predict, self.test(target)(), target.second_moment())

    def record_risks(self, risks: dict, lam: torch.Tensor, fixed: dict) -> None:
        for metric, values in risks.items():
            self.record.add(metric, values, **fixed)
        self.record.add("lambda", lam, **fixed)


def _krr(cell: _Cell, target: IndexTarget, n: int) -> None:
    """Exact kernel ridge with the ReLU NTK on ``n`` samples; lambda on the holdout.

    ``K = V diag(s) V^T`` once per member, then ``alpha(lambda) = V diag(1/(s + lambda n)) V^T y``
    for the whole grid (:func:`hdlearn.baselines.ridge.ridge_path` in dual form); members are
    solved in groups of at most ``KRR_GROUP_ELEMENTS / n^2`` (a memory bound: every member is
    independent, so the numbers do not depend on it). The kernel's elementwise passes run a
    cache-sized block at a time (:func:`hdlearn.baselines.kernels.relu_ntk`), so the memory is
    the group's ``n x n`` kernels and eigenvectors and one holdout chunk's kernel.
    """
    x, y = [], []
    for xc, yc, _ in cell.data.stream(target, n, "train"):
        x.append(xc)
        y.append(yc)
    x, y = torch.cat(x, 1), torch.cat(y, 1)
    size = max(1, KRR_GROUP_ELEMENTS // (n * n))
    groups = [slice(lo, lo + size) for lo in range(0, x.shape[0], size)]
    alphas, lams = [], []
    for g in groups:
        path = ridge_path(relu_ntk(x[g], x[g]), y[g], n, cell.lams)  # (members, L, n)
        chunks = (
            (relu_ntk(xh[g], x[g]) @ path.transpose(1, 2), None, yh[g])
            for xh, yh, _ in cell.holdout(target)()
        )
        chosen, chosen_lam = select_on_holdout(path, chunks, cell.lams)
        alphas.append(chosen)
        lams.append(chosen_lam)
    alpha, lam = torch.cat(alphas), torch.cat(lams)

    def predict(xt):
        parts = [(relu_ntk(xt[g], x[g]) @ alpha[g, :, None]).squeeze(-1) for g in groups]
        return torch.cat(parts)

    cell.record_risks(cell.risks(target, predict), lam, {"n": n})


# --------------------------------------------------------------------------- the cells


def _learning_curve(cell: _Cell, n_list: list[int], log_n: list[float] | None = None) -> None:
    spec = cell.spec
    target = cell.target(spec["target"])
    method = spec["method"]
    for i, n in enumerate(n_list):
        extra = {} if log_n is None else {"log_n": log_n[i]}
        if method == "krr":
            _krr(cell, target, n)
            continue
        if method == "alg1":
            features, offset, w1 = cell.algorithm1(target, n, spec["m"])
            cell.record.add("rho", alignment(w1, cell.u), n=n, **extra)
        else:
            features, offset = cell.baseline(method, spec["m"]), zero_offset
        cell.fit_and_score(target, features, offset, n, **extra)


def _alignment_cell(cell: _Cell) -> None:
    target = cell.target(cell.spec["target"])
    for n in cell.spec["n"]:
        _, _, w1 = cell.algorithm1(target, n, cell.spec["m"])
        cell.record.add("rho", alignment(w1, cell.u), n=n)


def _transfer_cell(cell: _Cell) -> None:
    spec = cell.spec
    pretrain, target = cell.target(spec["pretrain_target"]), cell.target(spec["target"])
    m = spec["m"]
    grid = spec["part"] == "grid"

    def heads(features, n, tag):
        for n_target in spec["n_target"]:
            holdout = None  # the shared holdout, or N fresh target samples (head_holdout)
            if spec["head_holdout"] == "n_target":
                holdout = cell.stream(target, n_target, "transfer_holdout")
            cell.fit_and_score(
                target, features, zero_offset, n_target, ("transfer",), holdout=holdout,
                n=n, n_target=n_target, target=tag, log_n=(
                    math.log(n) / math.log(cell.d) if grid else math.nan),
            )  # fmt: skip

    if spec["method"] == "rf":
        heads(cell.baseline("rf", m), 0, "transfer_" + spec["part"])
        return
    for n in spec["n"]:
        features, _, w1 = cell.algorithm1(pretrain, n, m, tags=("pretrain",))
        cell.record.add("rho", alignment(w1, cell.u), n=n, target="pretrain_" + spec["part"])
        heads(features, n, "transfer_" + spec["part"])


def _ablation_cell(cell: _Cell) -> None:
    spec = cell.spec
    part = spec["part"]
    if part == "degenerate":
        for name, coefficients in spec["targets"].items():
            target = cell.target(coefficients)
            for n in spec["n"]:
                _, _, w1 = cell.algorithm1(target, n, spec["m"])
                cell.record.add("rho", alignment(w1, cell.u), n=n, target=name)
    elif part == "rank":
        for r in spec["r"]:
            directions = cell.data.directions(r)
            target = IndexTarget(directions, staircase_terms(r))
            for n in spec["n"]:
                _, _, w1 = cell.algorithm1(target, n, spec["m"])
                fixed = {"n": n, "r": r, "target": f"rank{r}"}
                cell.record.add("rho", alignment(w1, directions), **fixed)
                cell.record.add("snr", direction_snr(w1, directions), **fixed)
    elif part == "step":
        target = cell.target(spec["target"])
        for factor in spec["eta_factors"]:
            for k in spec["log_n"]:
                n = power_samples(cell.d, k)
                features, offset, w1 = cell.algorithm1(target, n, spec["m"], eta_factor=factor)
                cell.record.add("rho", alignment(w1, cell.u), n=n, eta_factor=factor)
                cell.fit_and_score(target, features, offset, n, eta_factor=factor)
    else:
        raise ValueError(f"unknown ablation part {part!r}")


def _reference_cell(spec: Mapping[str, Any]) -> pd.DataFrame:
    """The digitised values of one figure as tidy rows (``seed = 0``): Fig. 1 as
    ``paper_risk_mean`` and ``paper_risk_std`` per (method, m, log_n); Fig. 2 (``figure:
    fig2``, the transfer grid: no error bars, width not stated, ``m = 0``) as
    ``paper_risk_mean`` per pre-training ``log_n`` and target size ``n_target = d^log_N``."""
    rows = []
    for row in spec["rows"]:
        d = int(row["d"])
        fixed = {
            "method": row["method"], "target": "main", "d": d, "m": int(row.get("m", 0)),
            "n": power_samples(d, row["log_n"]), "log_n": row["log_n"], "n_target": 0, "r": 1,
            "eta_factor": math.nan, "seed": 0,
        }  # fmt: skip
        if spec.get("figure") == "fig2":
            fixed |= {"target": "transfer_grid",
                      "n_target": power_samples(d, row["log_n_target"])}  # fmt: skip
        rows.append({**fixed, "metric": "paper_risk_mean", "value": row["risk_mean"]})
        if "risk_std" in row:
            rows.append({**fixed, "metric": "paper_risk_std", "value": row["risk_std"]})
    return pd.DataFrame(rows, columns=COLUMNS)


def run_cell(spec: Mapping[str, Any], device: torch.device) -> pd.DataFrame:
    """Run one cell (one method at one ``(d, m)``, all its sample sizes and seeds)."""
    experiment = spec["experiment"]
    if experiment == "reference":
        return _reference_cell(spec)
    if "grid" in spec:  # one method over several d: the per-d cells, concatenated
        rest = {k: v for k, v in spec.items() if k != "grid"}
        frames = [run_cell({**rest, "d": d, "n": n}, device) for d, n in spec["grid"]]
        return pd.concat(frames, ignore_index=True)
    cell = _Cell(spec, device)
    if experiment == "complexity":
        log_n = list(spec["log_n"])
        _learning_curve(cell, [power_samples(cell.d, k) for k in log_n], log_n)
    elif experiment == "risk":
        _learning_curve(cell, list(spec["n"]))
    elif experiment == "alignment":
        _alignment_cell(cell)
    elif experiment == "transfer":
        _transfer_cell(cell)
    elif experiment == "ablation":
        _ablation_cell(cell)
    else:
        raise ValueError(f"unknown experiment {experiment!r}")
    return cell.record.frame()
