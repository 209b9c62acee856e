"""Claims SYM-1..6 of Abbe & Boix-Adsera 2022, "On the non-universality of deep learning:
quantifying the cost of symmetry" (arXiv 2208.03113).

The paper proves lower bounds for equivariant *noisy* GD; these statistics read plain online
SGD runs (:mod:`hdlearn.papers.symmetry.experiment`), which illustrate the theorems without
proving them. Steps are censored medians over seeds (a seed that never learned counts as +inf,
see :mod:`hdlearn.papers.symmetry.analysis`); slopes are least-squares fits of ln(median steps)
against ln d, only where at least ``min_learned`` of the seeds learned at every fitted d (NaN,
hence INCONCLUSIVE, otherwise). Extremes over series, d and depths are NaN-strict
(:mod:`hdlearn.analysis.strict`): a censored point is never dropped. Small-d slopes sit below
the asymptotic ``k - 1``, so the claims gate on orderings and differences. Every statistic is
bootstrapped over seeds by :func:`hdlearn.analysis.verdicts.evaluate`; thresholds are
``scales.<scale>.symmetry.claims`` (their provenance: that block's ``provenance``).

Verdict classes: SYM-5a-5c (SGD and Adam under signed permutations, SGD under rotations) are
implementation identities (``kind="identity"``): training on ``g.D`` from ``W g^T`` equals training
on ``D`` exactly, so in float64 their gap can exceed round-off only if the code is broken. A
claim whose statistic reads a d, a fit range or a depth this run's grid lacks is BELOW-SCALE,
with the reason computed from the rows (the ``missing_*`` functions of the analysis). Every
``variant`` names the series the statistic scores, from the same constants it reads.
SYM-6 (hardness of plain SGD under a cryptographic assumption) is a theory-only row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from hdlearn.analysis.verdicts import IDENTITY, Claim, Condition, Prediction
from hdlearn.papers.symmetry.analysis import (
    FC2,
    JUMP,
    PARITY3,
    STAIR,
    compact,
    depth_grids_note,
    depth_k_ratio,
    depth_ratio_extreme,
    depth_slope_spread,
    describe,
    equivariance_gap,
    min_fraction_learned,
    missing_depth_k_ratio,
    missing_depths,
    missing_fit,
    missing_ordering,
    missing_points,
    ratio_growth,
    slope,
    staircase_ordering,
    steps_ratio,
)

PAPER = "symmetry"
TABLES = ("parity", "breaking", "depth", "staircase", "equivariance")
#: The equivariance rows each check reads (``optimiser:group``, the table's ``variant``).
SGD_SIGNED, ADAM_SIGNED = "sgd:signed_permutation", "adam:signed_permutation"
SGD_ROTATION, ADAM_ROTATION = "sgd:rotation", "adam:rotation"

Reason = Callable[[pd.DataFrame], str]


def _first(*reasons: Reason) -> Reason:
    """The precondition that fails with the first non-empty reason of ``reasons``."""
    return lambda f: next((r for r in (reason(f) for reason in reasons) if r), "")


def _fit(experiment: str, d_range: Sequence[float], series: Mapping[str, object]) -> Reason:
    return lambda f: missing_fit(f, experiment, d_range, **series)


def _points(experiment: str, *points: tuple[Mapping[str, object], int]) -> Reason:
    return lambda f: missing_points(f, experiment, points)


def claims(settings: Mapping[str, Any]) -> list[Claim]:
    """The registry entries, with thresholds from ``settings`` (the config's claims block)."""
    s = settings
    learned = s["min_learned"]
    k2, k3 = {**FC2, "target": "parity", "k": 2}, {**FC2, "target": "parity", "k": 3}
    k4 = {**FC2, "target": "parity", "k": 4}
    conv3 = {"arch": "conv", "target": "parity", "k": 3}
    conv4 = {"arch": "conv", "target": "parity", "k": 4}
    local3 = {"arch": "fc_local", "target": "parity", "k": 3}
    wide3 = {"arch": "fc_wide", "target": "parity", "k": 3}
    lo, hi = s["ratio_growth_d"]
    plo, phi = s["parity_over_stair_d"]
    gate = f"fitted only where >= {learned:g} of the seeds learned at every d"

    def fitted(*series: Mapping[str, object]) -> str:
        return f"{' and '.join(describe(x) for x in series)}; {gate}"

    def over(numerator: Mapping[str, object], denominator: Mapping[str, object]) -> str:
        return f"median steps of {describe(numerator)} over {describe(denominator)}"

    def claim(cid, statement, name, statistic, prediction, tables, **extra) -> Claim:
        return Claim(cid, PAPER, statement, tables, name, statistic, prediction, **extra)

    def conv_learns(*series: Mapping[str, object], d_max: float) -> tuple[Condition, ...]:
        """The breaking claims presuppose that the symmetry-breaking net learns (a net that
        never learns would refute "breaking the symmetry removes the cost"): the fraction of
        seeds learned within the cap, at every d <= d_max of the breaking table, as SYM-1a."""
        return tuple(
            Condition(f"min fraction learned ({describe(x)}, d <= {d_max:g})",
                      lambda f, x=x: min_fraction_learned(f, "breaking", d_max, **x),
                      Prediction(low=learned))
            for x in series
        )  # fmt: skip

    conv_d_max = s["conv_slope_d"][1]

    def over_local(cid: str, statement: str, name: str, numerator: Mapping[str, object]) -> Claim:
        """``numerator``'s median steps over the local-init net's at ``fc_over_conv_d``, at
        least ``fc_over_conv_min``; the local net must learn there (as SYM-2a-2c's conv net)."""
        d = s["fc_over_conv_d"]
        return claim(
            cid,
            statement,
            f"{name}/s_local (k=3, d={d})",
            lambda f: steps_ratio(f, "breaking", d, numerator, local3),
            Prediction(low=s["fc_over_conv_min"]),
            ("breaking",),
            precondition=_points("breaking", (numerator, d), (local3, d)),
            variant=over(numerator, local3),
            conditions=conv_learns(local3, d_max=d),
        )

    def gap(variant: str) -> str:
        return f"{variant} (optimiser:group), float64, largest gap over seeds"

    def identity(cid, statement, variant) -> Claim:
        return claim(cid, statement, "max |f2(gx) - f1(x)|",
                     lambda f: equivariance_gap(f, variant), Prediction(high=s["exact_max"]),
                     ("equivariance",), kind=IDENTITY, variant=gap(variant))  # fmt: skip

    return [
        claim("SYM-1a", f"FC depth 2 learns every k-parity of the grid: at least {learned:g} of "
              "the seeds reach test MSE/Var < threshold within the cap at every (k, d).",
              "min fraction learned", lambda f: min_fraction_learned(f, "parity"),
              Prediction(low=learned), ("parity",),
              variant="every series and d of the parity table"),
        claim("SYM-1b", "Steps to learn a 2-parity grow like d^c with c about 1 (online rate "
              f"d^(k-1)), over d in {s['slope_k2_d']}.", "slope(k=2)",
              lambda f: slope(f, "parity", s["slope_k2_d"], learned, **k2),
              Prediction(*s["slope_k2_range"]), ("parity",),
              precondition=_fit("parity", s["slope_k2_d"], k2), variant=fitted(k2)),
        claim("SYM-1c", f"A 3-parity costs about d^2 steps, over d in {s['slope_k3_d']}.",
              "slope(k=3)", lambda f: slope(f, "parity", s["slope_k3_d"], learned, **k3),
              Prediction(*s["slope_k3_range"]), ("parity",),
              precondition=_fit("parity", s["slope_k3_d"], k3), variant=fitted(k3)),
        claim("SYM-1d", "The exponent rises with k (the cost of symmetry is d^Theta(k)).",
              "slope(k=3) - slope(k=2)",
              lambda f: slope(f, "parity", s["slope_k3_d"], learned, **k3)
              - slope(f, "parity", s["slope_k2_d"], learned, **k2),
              Prediction(low=s["slope_gap_min"]), ("parity",),
              precondition=_first(_fit("parity", s["slope_k3_d"], k3),
                                  _fit("parity", s["slope_k2_d"], k2)),
              variant=f"{fitted(k3, k2)} (k=3 over d in {s['slope_k3_d']}, k=2 over d in "
              f"{s['slope_k2_d']})"),
        claim("SYM-1g", "Under the paper's own weak-learning criterion (test MSE/Var below "
              "weak_threshold: a non-negligible edge) the exponent rises with k too.",
              "slope_weak(k=3) - slope_weak(k=2)",
              lambda f: slope(f, "parity", s["slope_k3_d"], learned, "weak", **k3)
              - slope(f, "parity", s["slope_k2_d"], learned, "weak", **k2),
              Prediction(low=s["slope_gap_min"]), ("parity",),
              precondition=_first(_fit("parity", s["slope_k3_d"], k3),
                                  _fit("parity", s["slope_k2_d"], k2)),
              variant=f"{fitted(k3, k2)} weakly (steps_to_weak; k=3 over d in "
              f"{s['slope_k3_d']}, k=2 over d in {s['slope_k2_d']})"),
        claim("SYM-1e", f"The cost ratio of k = 3 to k = 2 grows with d (d = {hi} vs {lo}).",
              f"[s3/s2](d={hi}) / [s3/s2](d={lo})",
              lambda f: ratio_growth(f, "parity", (lo, hi), k3, k2),
              Prediction(low=s["ratio_growth_min"]), ("parity",),
              precondition=_points("parity", (k3, lo), (k2, lo), (k3, hi), (k2, hi)),
              variant=over(k3, k2)),
        claim("SYM-1f", f"A 4-parity costs more than a 3-parity at d = {s['k4_over_k3_d']}.",
              f"s4/s3 (d={s['k4_over_k3_d']})",
              lambda f: steps_ratio(f, "parity", s["k4_over_k3_d"], k4, k3),
              Prediction(low=s["k4_over_k3_min"]), ("parity",),
              precondition=_points("parity", (k4, s["k4_over_k3_d"]), (k3, s["k4_over_k3_d"])),
              variant=over(k4, k3)),
        claim("SYM-2a", "Breaking the symmetry (conv net, orbit of size d instead of C(d,k)) "
              f"removes most of the cost: conv slope for k = 3 over d in {s['conv_slope_d']}.",
              "slope_conv(k=3)", lambda f: slope(f, "breaking", s["conv_slope_d"], learned,
                                                 **conv3),
              Prediction(high=s["conv_slope_max"]), ("breaking",),
              precondition=_fit("breaking", s["conv_slope_d"], conv3), variant=fitted(conv3),
              conditions=conv_learns(conv3, d_max=conv_d_max)),
        claim("SYM-2b", "With the conv net the exponent no longer depends on k.",
              "|slope_conv(4) - slope_conv(3)|",
              lambda f: abs(slope(f, "breaking", s["conv_slope_d"], learned, **conv4)
                            - slope(f, "breaking", s["conv_slope_d"], learned, **conv3)),
              Prediction(high=s["conv_k_gap_max"]), ("breaking",),
              precondition=_first(_fit("breaking", s["conv_slope_d"], conv3),
                                  _fit("breaking", s["conv_slope_d"], conv4)),
              variant=f"{fitted(conv4, conv3)} (over d in {s['conv_slope_d']})",
              conditions=conv_learns(conv3, conv4, d_max=conv_d_max)),
        claim("SYM-2c", f"At d = {s['fc_over_conv_d']} the FC net needs many times the steps "
              "of the conv net on the same 3-parity.", f"s_FC/s_conv (k=3, "
              f"d={s['fc_over_conv_d']})",
              lambda f: steps_ratio(f, "breaking", s["fc_over_conv_d"], k3, conv3),
              Prediction(low=s["fc_over_conv_min"]), ("breaking",),
              precondition=_points("breaking", (k3, s["fc_over_conv_d"]),
                                   (conv3, s["fc_over_conv_d"])),
              variant=over(k3, conv3), conditions=conv_learns(conv3, d_max=s["fc_over_conv_d"])),
        claim("SYM-2d", "Breaking the symmetry inside an FC net removes the cost too: the FC "
              "net whose first-layer units start on k adjacent coordinates (its init invariant "
              "under the d cyclic shifts only, orbit of size d) has the conv net's slope for "
              f"k = 3 over d in {s['conv_slope_d']}.", "slope_local(k=3)",
              lambda f: slope(f, "breaking", s["conv_slope_d"], learned, **local3),
              Prediction(high=s["conv_slope_max"]), ("breaking",),
              precondition=_fit("breaking", s["conv_slope_d"], local3), variant=fitted(local3),
              conditions=conv_learns(local3, d_max=conv_d_max)),
        over_local("SYM-2e", f"At d = {s['fc_over_conv_d']} the i.i.d.-init FC net (width m) "
                   "needs many times the steps of the local-init FC net (width channels d, in the "
                   "conv net's parametrisation; SYM-2f is its same-width control), on the same "
                   "3-parity.", "s_FC", k3),
        over_local("SYM-2f", f"The init's symmetry, not the width, removes the cost: at d = "
                   f"{s['fc_over_conv_d']} the FC net with its i.i.d. init at the local-init "
                   "net's width (channels d) needs many times the local net's steps on the same "
                   "3-parity (SYM-2e's same-width control: if the width did it, the ratio would "
                   "be about 1).", "s_wide", wide3),
        claim("SYM-3a", "Deeper FC nets have the exponent of depth 2 (depth 2 is as powerful as "
              "any depth): spread of the slopes across depths on a common grid, worst k.",
              "max_k spread of slopes", lambda f: depth_slope_spread(f, learned),
              Prediction(high=s["depth_spread_max"]), ("depth",),
              precondition=lambda f: missing_depths(f, 2), note=depth_grids_note,
              variant=f"fc parity, every k and depth of the depth table on the depths' common "
              f"d; {gate}"),
        claim("SYM-3b", "Depth changes only a constant: steps(L)/steps(2) stays within "
              f"[1/{s['depth_ratio_max']:g}, {s['depth_ratio_max']:g}] at every (k, d).",
              "max max(r, 1/r)", depth_ratio_extreme,
              Prediction(high=s["depth_ratio_max"]), ("depth",),
              precondition=lambda f: missing_depths(f, 1), note=depth_grids_note,
              variant="median steps of fc depth L >= 3 over fc depth 2, parity, every k and "
              "common d of the depth table"),
        claim("SYM-3c", f"At every depth a 3-parity costs more than a 2-parity (d = "
              f"{s['depth_k_ratio_d']}).", f"min_L s3/s2 (d={s['depth_k_ratio_d']})",
              lambda f: depth_k_ratio(f, s["depth_k_ratio_d"]),
              Prediction(low=s["depth_k_ratio_min"]), ("depth",),
              precondition=lambda f: missing_depth_k_ratio(f, s["depth_k_ratio_d"]),
              variant="median steps of fc parity k=3 over k=2, worst depth of the depth table"),
        claim("SYM-4a", "The merged staircase x1 + x1x2 + x1x2x3 (leap 1) is learned in about "
              f"O(d) steps, over d in {s['stair_slope_d']}.", "slope(stair)",
              lambda f: slope(f, "staircase", s["stair_slope_d"], learned, **STAIR),
              Prediction(high=s["stair_slope_max"]), ("staircase",),
              precondition=_fit("staircase", s["stair_slope_d"], STAIR), variant=fitted(STAIR)),
        claim("SYM-4b", "The parity x1x2x3 (leap 3) is not learned in O(d) steps, over d in "
              f"{s['parity3_slope_d']}.", "slope(parity3)",
              lambda f: slope(f, "staircase", s["parity3_slope_d"], learned, **PARITY3),
              Prediction(low=s["parity3_slope_min"]), ("staircase",),
              precondition=_fit("staircase", s["parity3_slope_d"], PARITY3),
              variant=fitted(PARITY3)),
        claim("SYM-4c", f"steps(stair) < steps(x1 + x1x2x3) < steps(x1x2x3) at every d >= "
              f"{s['ordering_d_min']}.", "min_d min(jump/stair, parity3/jump)",
              lambda f: staircase_ordering(f, s["ordering_d_min"]),
              Prediction(low=s["ordering_ratio_min"]),
              ("staircase",), precondition=lambda f: missing_ordering(f, s["ordering_d_min"]),
              variant=f"median steps of {describe(JUMP)} over {describe(STAIR)} and of "
              f"{describe(PARITY3)} over {describe(JUMP)}"),
        claim("SYM-4d", f"The parity costs many times the staircase at d = {phi}.",
              f"parity3/stair (d={phi})",
              lambda f: steps_ratio(f, "staircase", phi, PARITY3, STAIR),
              Prediction(low=s["parity_over_stair_min"]), ("staircase",),
              precondition=_points("staircase", (PARITY3, phi), (STAIR, phi)),
              variant=over(PARITY3, STAIR)),
        claim("SYM-4e", f"... and the gap grows with d (d = {phi} vs {plo}).",
              f"[p3/stair](d={phi}) / [p3/stair](d={plo})",
              lambda f: ratio_growth(f, "staircase", (plo, phi), PARITY3, STAIR),
              Prediction(low=s["parity_over_stair_growth_min"]), ("staircase",),
              precondition=_points("staircase", (PARITY3, plo), (STAIR, plo), (PARITY3, phi),
                                   (STAIR, phi)),
              variant=over(PARITY3, STAIR)),
        claim("SYM-4f", f"Every seed learns the staircase for d <= {s['stair_learn_d_max']}.",
              "min fraction learned (stair)",
              lambda f: min_fraction_learned(f, "staircase", s["stair_learn_d_max"], **STAIR),
              Prediction(low=1.0), ("staircase",),
              precondition=_points("staircase", (STAIR, s["stair_learn_d_max"])),
              variant=f"{describe(STAIR)}, every d <= {s['stair_learn_d_max']}"),
        identity("SYM-5a", "SGD on an FC net with i.i.d. Gaussian init is equivariant under "
                 "signed permutations (float64, same run on D and g.D).", SGD_SIGNED),
        identity("SYM-5b", "Adam is equivariant under signed permutations too, so it does not "
                 "escape the parity cost.", ADAM_SIGNED),
        identity("SYM-5c", "SGD is equivariant under rotations.", SGD_ROTATION),
        claim("SYM-5d", "Adam is not rotation-equivariant (negative control).",
              "max |f2(gx) - f1(x)|", lambda f: equivariance_gap(f, ADAM_ROTATION),
              Prediction(low=s["adam_rotation_min"]), ("equivariance",),
              variant=gap(ADAM_ROTATION)),
        Claim("SYM-6", PAPER, "Plain (noise-free) SGD on FC nets with equivariant init is hard "
              "for some function classes under a cryptographic assumption.", (),
              "none (a hardness theorem)", lambda f: math.nan, Prediction(),
              theory_only=True),
    ]  # fmt: skip


def select_rows(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The paper's tables, compact (one row per experiment, series, d, variant and seed)."""
    frames = [tables[name] for name in TABLES if name in tables]
    return compact(pd.concat(frames, ignore_index=True))
