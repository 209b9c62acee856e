"""Every depth claim can fail (Dandi et al. 2025, arXiv 2502.13961).

For each claim of the registry, synthetic tables with 5 seeds (seed-to-seed shifts of a few
1e-3) where (a) the paper's result holds: PASS; (b) the alternative the paper argues against
holds: FAIL, and for a claim whose regime the run's grid lacks (the "(paper scale)" rows at the
default scale's d): BELOW-SCALE with the reason; (c) one seed diverged (NaN values in a cell
the statistic reads): a NaN statistic and INCONCLUSIVE, never PASS. Thresholds and grids come
from the shipped config (default scale; the paper scale's d for the paper-scale rows).

The synthetic world: an error curve sits at 0.62 (above Var(y) = 0.60, no learning), falls
linearly through the threshold midpoint (Var(y) + E(kappa_max)) / 2 at a planted kappa_c and
flattens at E(kappa_max); an overlap rises linearly from its random value to its top around a
planted midpoint kappa. Crossings on the grid are exact, so planted values are measured values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd
import pytest
from test_claims import _row
from test_depth import CONFIG

from hdlearn.analysis.verdicts import (
    BELOW_SCALE,
    FAIL,
    INCONCLUSIVE,
    PASS,
    VerdictSettings,
    evaluate,
)
from hdlearn.papers.depth import claims as depth_claims
from hdlearn.papers.depth.analysis import (
    FRESH,
    JOINT,
    KRR,
    LAYERWISE,
    REINIT,
    TWO_LAYER,
    interpolation_kappa,
    kernel_kappa,
    predicted_threshold,
)

BLOCK = CONFIG["scales"]["default"]["depth"]
SETTINGS = BLOCK["claims"]
ENGINE = VerdictSettings(50, 0, SETTINGS["confidence"], SETTINGS["min_seeds"])
REGISTRY = {claim.claim_id: claim for claim in depth_claims.claims(SETTINGS)}
PAPER_SCALE = ("DEPTH-7a", "DEPTH-7b")

SEEDS = (100, 101, 102, 103, 104)
SHIFTS = (-0.004, -0.002, 0.0, 0.002, 0.004)
KAPPAS = (1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2)
ABLATION_KAPPAS = (1.0, 1.6, 2.0, 2.2)
DEFAULT_D = tuple(BLOCK["sweep"]["d"])
PAPER_D = tuple(CONFIG["scales"]["paper"]["depth"]["sweep"]["d"])
VAR_Y, LEVEL_DEG2, LEVEL_DEG4 = 0.60, 0.22, 0.10
NO_LEARNING = 0.62
KAPPA_C = 1.55  # the layer-wise net's planted threshold

Curve = Callable[[int, float], float]


def drop(kappa_c: float | Callable[[int], float], low: float, width: float = 0.4) -> Curve:
    """Error ``NO_LEARNING`` until it falls, at slope ``(NO_LEARNING - low) / width``, through
    the threshold midpoint ``(VAR_Y + low) / 2`` at ``kappa_c`` (a number, or a function of
    ``d``), then ``low`` (the error at the largest kappa)."""
    at = kappa_c if callable(kappa_c) else (lambda d: kappa_c)
    slope = (NO_LEARNING - low) / width
    mid = 0.5 * (VAR_Y + low)
    return lambda d, kappa: min(NO_LEARNING, max(low, mid - slope * (kappa - at(d))))


def rise(start: Callable[[int], float], top: float, midpoint: float, width: float) -> Curve:
    """An overlap: ``start(d)`` until it rises linearly to ``top`` over ``midpoint +- width/2``."""

    def curve(d: int, kappa: float) -> float:
        ramp = min(1.0, max(0.0, 0.5 + (kappa - midpoint) / width))
        return start(d) + (top - start(d)) * ramp

    return curve


def flat(start: Callable[[int], float]) -> Curve:
    """An overlap that never leaves ``start(d)``."""
    return lambda d, kappa: start(d)


def random_w(d: int) -> float:
    """The random-direction value ``sqrt(d_eff / d)`` of ``M_W``, ``d_eff = floor(sqrt d)``."""
    return math.sqrt(math.isqrt(d) / d)


KRR_LOW = 0.35  # the kernel's plateau in the synthetic world (above L2, as at finite n)
#: the level of the common onset: halfway between Var(y) and the kernel's plateau L2
COMMON = 0.5 * (VAR_Y + LEVEL_DEG2)


def crossing_shift(low: float, width: float = 0.4) -> float:
    """How much later than its own midpoint a :func:`drop` to ``low`` crosses ``COMMON``."""
    return (0.5 * (VAR_Y + low) - COMMON) / ((NO_LEARNING - low) / width)


def kernel_onset(d: int) -> float:
    """The synthetic kernel's :func:`common_onset` (it drops at the paper's kernel_kappa(d))."""
    return kernel_kappa(d) + crossing_shift(KRR_LOW)


def with_the_kernel(d: int) -> float:
    """The midpoint of a layer-wise :func:`drop` to 0.08 whose common onset is the kernel's."""
    return kernel_onset(d) - crossing_shift(0.08)


def m_h_floor(d: int) -> float:
    """``M_h`` before learning (about 0)."""
    return 0.03


INTERPOLATION_KAPPAS = tuple(BLOCK["interpolation"]["kappas"])


def peak(height: float, at: Callable[[int], float] = interpolation_kappa) -> Curve:
    """The ridgeless kernel: Var(y) far from ``at(d)``, ``height`` Var(y) at it (double
    descent), its tail the tuned kernel's plateau past it."""
    return lambda d, kappa: max(
        KRR_LOW if kappa > at(d) + 0.2 else VAR_Y,
        VAR_Y * height * math.exp(-(((kappa - at(d)) / 0.08) ** 2)),
    )


#: The paper's Fig. 9: below threshold the overlaps barely move, above it they grow.
DYNAMICS = {1.2: (0.03, 0.01), 2.0: (0.40, 0.20)}
CHECKPOINTS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)  # cumulative epochs; 4.0 ends stage 1 (logged twice)


@dataclass(frozen=True)
class World:
    """Median curves per learner (functions of ``d, kappa``), ablation factors and levels."""

    errors: Mapping[str, Curve]
    overlap_w: Mapping[str, Curve]
    overlap_h: Mapping[str, Curve]
    ablation: Mapping[str, float]
    level_deg4: float = LEVEL_DEG4
    #: per dynamics kappa, the layer-wise net's (M_W, M_h) growth over training (Fig. 9)
    growth: Mapping[float, tuple[float, float]] = field(default_factory=lambda: DYNAMICS)
    #: the ridgeless kernel's error (the interpolation rows): a peak at n = p (Fig. 2)
    interpolation: Curve = field(default_factory=lambda: peak(4.0))

    def but(self, part: str, changes: Mapping[str, object]) -> World:
        """This world with the entries ``changes`` of its mapping ``part`` replaced."""
        return replace(self, **{part: {**getattr(self, part), **changes}})


#: The paper's result: the 3-layer nets learn at kappa_c = 1.55 and 1.6 and end below L4,
#: the 2-layer net and the kernel (at the paper's kernel_kappa(d), 1.81 at d = 32) above
#: it; overlaps rise from random around kappa = 1.6, with the layer-wise threshold.
PAPER = World(
    errors={KRR: drop(kernel_kappa, KRR_LOW), TWO_LAYER: drop(1.6, 0.22),
            LAYERWISE: drop(KAPPA_C, 0.08), JOINT: drop(1.6, 0.10)},
    overlap_w={LAYERWISE: rise(random_w, 0.85, 1.6, 0.6),
               JOINT: rise(random_w, 0.80, 1.7, 0.6)},
    overlap_h={LAYERWISE: rise(m_h_floor, 0.30, 1.6, 0.6),
               JOINT: rise(m_h_floor, 0.25, 1.7, 0.6)},
    ablation={REINIT: 1.05, FRESH: 0.95},
)  # fmt: skip


def tables(
    world: World,
    ds: tuple[int, ...],
    kappas=KAPPAS,
    ablation_kappas=ABLATION_KAPPAS,
    interpolation_kappas=INTERPOLATION_KAPPAS,
) -> pd.DataFrame:
    """The rows :func:`depth_claims.select_rows` gives for ``world`` (the ablation at the
    largest ``d``); every value of a seed is shifted by that seed's shift."""
    sweep, ablation, levels = [], [], []
    for seed, shift in zip(SEEDS, SHIFTS, strict=True):
        for d in ds:
            for metric, value in (("var_y", VAR_Y), ("level_deg2", LEVEL_DEG2),
                                  ("level_deg4", world.level_deg4)):  # fmt: skip
                levels.append(_row("levels", "reference", d, math.nan, seed, metric, value + shift))
            for kappa in kappas:
                for learner, curve in world.errors.items():
                    err = curve(d, kappa) + shift
                    sweep.append(_row("sweep", learner, d, kappa, seed, "test_mse", err))
                for metric, curves in (("overlap_W", world.overlap_w),
                                       ("overlap_h", world.overlap_h)):  # fmt: skip
                    for learner, curve in curves.items():
                        value = curve(d, kappa) + shift
                        sweep.append(_row("sweep", learner, d, kappa, seed, metric, value))
        for kappa in ablation_kappas:
            err = world.errors[LAYERWISE](ds[-1], kappa) + shift
            ablation.append(_row("ablation", LAYERWISE, ds[-1], kappa, seed, "test_mse", err))
            for variant, factor in world.ablation.items():
                ablation.append(_row("ablation", LAYERWISE, ds[-1], kappa, seed, "test_mse",
                                     err * factor, variant))  # fmt: skip
    interpolation = [
        _row("interpolation", KRR, ds[-1], kappa, seed, "test_mse",
             world.interpolation(ds[-1], kappa) + shift, "interpolation")
        for seed, shift in zip(SEEDS, SHIFTS, strict=True) for kappa in interpolation_kappas
    ]  # fmt: skip
    dynamics = []
    for seed, shift in zip(SEEDS, SHIFTS, strict=True):
        for kappa, (w_gain, h_gain) in world.growth.items():
            for stage, epochs in (("layer1", CHECKPOINTS[:4]), ("layer2", CHECKPOINTS[3:])):
                for epoch in epochs:
                    t, d = epoch / CHECKPOINTS[-1], ds[-1]
                    for metric, value in (("overlap_W", random_w(d) + w_gain * t),
                                          ("overlap_h", m_h_floor(d) + h_gain * t)):  # fmt: skip
                        row = _row("dynamics", LAYERWISE, ds[-1], kappa, seed, metric,
                                   value + shift)  # fmt: skip
                        dynamics.append({**row, "stage": stage, "epoch": epoch})
    frames = {
        "sweep": sweep,
        "ablation": ablation,
        "levels": levels,
        "dynamics": dynamics,
        "interpolation": interpolation,
    }
    return depth_claims.select_rows({name: pd.DataFrame(rows) for name, rows in frames.items()})


def _sizes(cid: str) -> tuple[int, ...]:
    """The paper scale's d for the paper-scale rows, the default scale's otherwise."""
    return PAPER_D if cid in PAPER_SCALE else DEFAULT_D


def _evaluate(cid: str, frame: pd.DataFrame) -> dict[str, object]:
    return evaluate(REGISTRY[cid], frame, ENGINE)


@pytest.mark.parametrize("cid", list(REGISTRY))
def test_paper_result_passes(cid):
    """(a) The paper's result holds: 3-layer thresholds at 1.55, 3Lw < 3Lj < 2L < KRR at the
    largest kappa, 3Lw below L4, overlaps rising from random around 1.6, ablations within 5%."""
    row = _evaluate(cid, tables(PAPER, _sizes(cid)))
    assert row["verdict"] == PASS, row


def _late(start: Callable[[int], float], top: float, midpoint: float) -> Curve:
    """An overlap that rises sharply (over 0.2 in kappa) around ``midpoint``."""
    return rise(start, top, midpoint, 0.2)


def _kernel_scaling(d: int) -> float:
    """A threshold with ``ln n_c = 2 ln d - const``: ``KAPPA_C`` at the smallest paper-scale d,
    then ``kappa_c(d) = 2 - (2 - KAPPA_C) ln d_min / ln d`` (slope 2, the kernel's n ~ d^2)."""
    return 2.0 - (2.0 - KAPPA_C) * math.log(PAPER_D[0]) / math.log(d)


KERNEL_AT_D = kernel_onset(DEFAULT_D[-1])
ALTERNATIVES = [
    ("DEPTH-1", "the 2-layer net learns at kappa = 1 (n ~ d), below 1 + eps1",
     PAPER.but("errors", {TWO_LAYER: drop(1.0, 0.22)})),
    ("DEPTH-2a", "depth buys nothing: the 3-layer net stops at the 2-layer error",
     PAPER.but("errors", {LAYERWISE: PAPER.errors[TWO_LAYER]})),
    ("DEPTH-2b", "the 3-layer net is no better than the quadratic kernel",
     PAPER.but("errors", {LAYERWISE: PAPER.errors[KRR]})),
    ("DEPTH-3", "the 3-layer net learns only at n ~ d^2 (kappa_c = 2)",
     PAPER.but("errors", {LAYERWISE: drop(2.0, 0.08)})),
    ("DEPTH-3", "the 3-layer net starts to learn when the kernel does",
     PAPER.but("errors", {LAYERWISE: drop(with_the_kernel, 0.08)})),
    ("DEPTH-4a", "joint training stalls at the 2-layer error",
     PAPER.but("errors", {JOINT: PAPER.errors[TWO_LAYER]})),
    ("DEPTH-4b", "joint training stalls at the kernel's error, far from layer-wise",
     PAPER.but("errors", {JOINT: PAPER.errors[KRR]})),
    ("DEPTH-5a", "the first layer never aligns: M_W stays at sqrt(d_eff/d)",
     PAPER.but("overlap_w", {LAYERWISE: flat(random_w)})),
    ("DEPTH-5b", "the first layer aligns already below threshold (midpoint kappa = 1)",
     PAPER.but("overlap_w", {LAYERWISE: rise(random_w, 0.85, 1.0, 0.6)})),
    ("DEPTH-5c", "the second layer never learns h*: M_h stays at about 0",
     PAPER.but("overlap_h", {LAYERWISE: flat(m_h_floor)})),
    ("DEPTH-5d", "full alignment: M_W reaches 0.99",
     PAPER.but("overlap_w", {LAYERWISE: rise(random_w, 0.99, 1.65, 0.6)})),
    ("DEPTH-5e", "M_W rises only at n ~ d^2 (kappa = 2)",
     PAPER.but("overlap_w", {LAYERWISE: _late(random_w, 0.85, 2.0)})),
    ("DEPTH-5e", "M_W rises only when the kernel starts to learn",
     PAPER.but("overlap_w", {LAYERWISE: _late(random_w, 0.85, KERNEL_AT_D)})),
    ("DEPTH-5f", "M_h rises only at n ~ d^2 (kappa = 2)",
     PAPER.but("overlap_h", {LAYERWISE: _late(m_h_floor, 0.30, 2.0)})),
    ("DEPTH-5f", "M_h rises only when the kernel starts to learn",
     PAPER.but("overlap_h", {LAYERWISE: _late(m_h_floor, 0.30, KERNEL_AT_D)})),
    ("DEPTH-6a", "re-initialising W2 and W3 raises the error by 60%",
     PAPER.but("ablation", {REINIT: 1.6})),
    ("DEPTH-6b", "a fresh batch per layer raises the error by 60%",
     PAPER.but("ablation", {FRESH: 1.6})),
    ("DEPTH-7a", "the 3-layer net stops at 1.5 L4, above the best 2-layer level",
     PAPER.but("errors", {LAYERWISE: drop(KAPPA_C, 1.5 * LEVEL_DEG4)})),
    ("DEPTH-8a", "the first layer aligns already below threshold: M_W grows by 0.4 at 1.2",
     replace(PAPER, growth={**DYNAMICS, 1.2: (0.40, 0.01)})),
    ("DEPTH-8b", "M_h grows below threshold",
     replace(PAPER, growth={**DYNAMICS, 1.2: (0.03, 0.25)})),
    ("DEPTH-8c", "M_W never grows above threshold",
     replace(PAPER, growth={**DYNAMICS, 2.0: (0.03, 0.20)})),
    ("DEPTH-8d", "M_h never grows above threshold",
     replace(PAPER, growth={**DYNAMICS, 2.0: (0.40, 0.02)})),
    ("DEPTH-9a", "no double descent: the ridgeless kernel's error falls with n as the tuned one",
     replace(PAPER, interpolation=PAPER.errors[KRR])),
    ("DEPTH-9a", "the kernel's peak sits at the networks' threshold 1.5",
     replace(PAPER, interpolation=peak(4.0, lambda d: 1.5))),
    ("DEPTH-9b", "no peak above random: the ridgeless kernel never does worse than Var(y)",
     replace(PAPER, interpolation=lambda d, kappa: min(0.9 * VAR_Y, peak(4.0)(d, kappa)))),
    ("DEPTH-7b", "n_c ~ d^2, the kernel's scaling (slope 2)",
     PAPER.but("errors", {LAYERWISE: drop(_kernel_scaling, 0.08)})),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cid", "world"),
    [pytest.param(cid, world, id=f"{cid}: {name}") for cid, name, world in ALTERNATIVES],
)  # fmt: skip
def test_alternative_fails(cid, world):
    """(b) The alternative the paper argues against (named in the test id) holds: FAIL."""
    row = _evaluate(cid, tables(world, _sizes(cid)))
    assert row["verdict"] == FAIL, row


def test_every_claim_has_an_alternative():
    assert {cid for cid, *_ in ALTERNATIVES} == set(REGISTRY)


S = SETTINGS
LOW, HIGH = S["threshold_range"]
K_LOW, K_HIGH = S["overlap_kappa_range"]
D_PAPER, D_RATIO = S["paper_scale_d"], S["slope_d_ratio"]
NOT_BELOW = {"kappas": tuple(k for k in KAPPAS if k > S["below_threshold_kappa"])}
BELOW = [
    ("DEPTH-1", NOT_BELOW, f"no sweep kappa <= {S['below_threshold_kappa']:g}"),
    ("DEPTH-3", {"kappas": tuple(k for k in KAPPAS if k > LOW)},
     f"do not reach past [{LOW:g}, {HIGH:g}]"),
    ("DEPTH-5a", NOT_BELOW, f"no sweep kappa <= {S['below_threshold_kappa']:g}"),
    ("DEPTH-5b", NOT_BELOW, f"no sweep kappa <= {S['below_threshold_kappa']:g}"),
    ("DEPTH-5c", NOT_BELOW, f"no sweep kappa <= {S['below_threshold_kappa']:g}"),
    ("DEPTH-5e", {"kappas": tuple(k for k in KAPPAS if k < K_HIGH)},
     f"do not reach past [{K_LOW:g}, {K_HIGH:g}]"),
    ("DEPTH-5f", {"kappas": tuple(k for k in KAPPAS if k < K_HIGH)},
     f"do not reach past [{K_LOW:g}, {K_HIGH:g}]"),
    ("DEPTH-6a", {"ablation_kappas": tuple(k for k in ABLATION_KAPPAS if k < S["ablation_kappa"])},
     f"no ablation kappa >= {S['ablation_kappa']:g}"),
    ("DEPTH-6b", {"ablation_kappas": tuple(k for k in ABLATION_KAPPAS if k < S["ablation_kappa"])},
     f"no ablation kappa >= {S['ablation_kappa']:g}"),
    ("DEPTH-7a", {"ds": DEFAULT_D}, f"largest d of the run is {DEFAULT_D[-1]} < {D_PAPER}"),
    *((cid, {"world": replace(PAPER, growth={k: g for k, g in DYNAMICS.items() if k != kappa})},
       f"no dynamics run of {LAYERWISE} at kappa = {kappa:g}")
      for cid, kappa in (("DEPTH-8a", 1.2), ("DEPTH-8b", 1.2), ("DEPTH-8c", 2.0),
                         ("DEPTH-8d", 2.0))),
    *((cid, {"interpolation_kappas": tuple(k for k in INTERPOLATION_KAPPAS if k < 1.9)},
       "do not reach past") for cid in ("DEPTH-9a", "DEPTH-9b")),
    ("DEPTH-7b", {"ds": DEFAULT_D}, f"largest d of the run is {DEFAULT_D[-1]} < {D_PAPER}, the "
     f"paper's d; d_max/d_min of the fit is {DEFAULT_D[-1]}/{DEFAULT_D[0]} = "
     f"{DEFAULT_D[-1] / DEFAULT_D[0]:.3g} < {D_RATIO:g}"),
    ("DEPTH-7b", {"ds": (D_PAPER // 2, D_PAPER)}, f"d_max/d_min of the fit is {D_PAPER}/"
     f"{D_PAPER // 2} = 2 < {D_RATIO:g}"),
]  # fmt: skip


@pytest.mark.parametrize(("cid", "grid", "reason"), BELOW, ids=[f"{c}: {r}" for c, _, r in BELOW])
def test_regime_absent_is_below_scale(cid, grid, reason):
    """(b) A run whose grid lacks the claim's regime (the "(paper scale)" rows at the default
    scale's d): BELOW-SCALE with the reason computed from the rows, never PASS or FAIL."""
    sizes = {"ds": _sizes(cid), **grid}
    row = _evaluate(cid, tables(sizes.pop("world", PAPER), **sizes))
    assert row["verdict"] == BELOW_SCALE and reason in row["reason"], row


DIVERGED = {
    "DEPTH-1": {"learner": TWO_LAYER, "metric": "test_mse", "kappa": 1.0},
    "DEPTH-2a": {"learner": LAYERWISE, "metric": "test_mse", "kappa": 2.2},
    "DEPTH-2b": {"learner": KRR, "metric": "test_mse", "kappa": 2.2},
    "DEPTH-3": {"learner": LAYERWISE, "metric": "test_mse", "kappa": 1.6},
    "DEPTH-4a": {"learner": JOINT, "metric": "test_mse", "kappa": 2.2},
    "DEPTH-4b": {"learner": JOINT, "metric": "test_mse", "kappa": 2.2},
    "DEPTH-5a": {"learner": LAYERWISE, "metric": "overlap_W", "kappa": 1.0},
    "DEPTH-5b": {"learner": LAYERWISE, "metric": "overlap_W", "kappa": 1.2},
    "DEPTH-5c": {"learner": LAYERWISE, "metric": "overlap_h", "kappa": 1.0},
    "DEPTH-5d": {"learner": JOINT, "metric": "overlap_W", "kappa": 1.4},
    "DEPTH-5e": {"learner": LAYERWISE, "metric": "overlap_W", "kappa": 1.6},
    "DEPTH-5f": {"learner": LAYERWISE, "metric": "overlap_h", "kappa": 1.8},
    "DEPTH-6a": {"experiment": "ablation", "variant": REINIT, "kappa": 2.0},
    "DEPTH-6b": {"experiment": "ablation", "variant": FRESH, "kappa": 2.2},
    "DEPTH-7a": {"experiment": "levels", "metric": "level_deg4"},
    "DEPTH-7b": {"learner": LAYERWISE, "metric": "test_mse", "d": PAPER_D[1], "kappa": 1.6},
    "DEPTH-8a": {"experiment": "dynamics", "metric": "overlap_W", "kappa": 1.2, "epoch": 2.0},
    "DEPTH-8b": {"experiment": "dynamics", "metric": "overlap_h", "kappa": 1.2, "epoch": 16.0},
    "DEPTH-8c": {"experiment": "dynamics", "metric": "overlap_W", "kappa": 2.0, "epoch": 0.0},
    "DEPTH-8d": {"experiment": "dynamics", "metric": "overlap_h", "kappa": 2.0, "epoch": 16.0},
    "DEPTH-9a": {"experiment": "interpolation", "kappa": 1.6},
    "DEPTH-9b": {"experiment": "interpolation", "kappa": 2.2},
}


@pytest.mark.parametrize("cid", list(REGISTRY))
def test_diverged_seed_is_inconclusive(cid):
    """(c) One seed diverged (NaN in one cell the statistic reads, the other seeds as in (a)):
    the statistic is NaN and the verdict INCONCLUSIVE, never PASS on the seeds that finished."""
    frame = tables(PAPER, _sizes(cid))
    cell = {"experiment": "sweep", **DIVERGED[cid]}
    mask = frame["seed"] == SEEDS[1]
    for column, value in cell.items():
        mask &= frame[column] == value
    assert mask.any()
    frame.loc[mask, "value"] = math.nan
    row = _evaluate(cid, frame)
    assert math.isnan(row["value"]) and row["verdict"] == INCONCLUSIVE, row


def test_diverged_cases_cover_the_registry():
    assert set(DIVERGED) == set(REGISTRY)


def test_statements_build_numbers_from_the_config():
    """DEPTH-3 and DEPTH-7b state the predicted threshold from the config's slope_prediction,
    which is the theory's max(1 + eps1, k eps1) of the target at every scale."""
    for scale, grids in CONFIG["scales"].items():
        block = grids["depth"]
        target = block["target"]
        assert block["claims"]["slope_prediction"] == predicted_threshold(
            target["eps1"], target["coefficients"]), scale  # fmt: skip
    kappa = f"{predicted_threshold(BLOCK['target']['eps1'], BLOCK['target']['coefficients']):g}"
    assert f"= {kappa} (Thm 1)" in REGISTRY["DEPTH-3"].statement
    assert f"like {kappa} ln d" in REGISTRY["DEPTH-7b"].statement


def test_paper_scale_regions_are_centred_on_the_theory_and_exclude_the_kernel():
    """The paper scale overrides the onset regions of DEPTH-3 and DEPTH-5e/5f with their own
    provenance entries (every other entry is the anchored block's): each region is centred on
    Thm 1's 1.5 and leaves out the kernel's own threshold at every d of the paper's sweep, so
    a net that learns only where the kernel does falls outside."""
    block = CONFIG["scales"]["paper"]["depth"]
    paper = block["claims"]
    overridden = {"threshold_range": ("DEPTH-3",), "overlap_kappa_range": ("DEPTH-5e", "DEPTH-5f")}
    for key, cids in overridden.items():
        low, high = paper[key]
        assert paper[key] != SETTINGS[key]
        assert (low + high) / 2 == pytest.approx(paper["slope_prediction"])
        assert all(high < kernel_kappa(d) for d in block["sweep"]["d"])
        assert all(paper["provenance"][c] != SETTINGS["provenance"][c] for c in cids)
    changed = {c for cids in overridden.values() for c in cids}
    others = {cid: entry for cid, entry in paper["provenance"].items() if cid not in changed}
    assert others == {c: e for c, e in SETTINGS["provenance"].items() if c not in changed}
