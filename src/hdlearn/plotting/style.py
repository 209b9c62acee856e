"""Shared figure style for every paper's notebooks.

Colours, labels and marker styles are keyed by learner name (the ``learner`` column of the
tidy tables), so one learner looks the same in every figure. Other papers add their learners
to the dictionaries below; notebooks should go through :func:`learner_label`,
:func:`learner_color` and :func:`learner_marker`, which fall back gracefully for a learner
that has no entry yet.

One source of numbers: a figure draws a claim's value, CI and verdict from the claims table
the claims step wrote (:func:`read_claims`, :func:`claim`, :func:`claim_label`,
:func:`annotate_claims`), never by re-bootstrapping. A quantity that is not a claim is drawn
as a plain point estimate of the plotted curves, labelled "no CI" (:func:`estimate_label`).
"""

from __future__ import annotations

import math
import os
import textwrap
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnchoredText

# --- learners -----------------------------------------------------------------------------

#: Plotting order (legends, hue order) of the learners known so far.
LEARNER_ORDER: list[str] = [
    "krr",
    "two_layer",
    "three_layer_layerwise",
    "three_layer_joint",
]

#: Human-readable legend labels.
LEARNER_LABELS: dict[str, str] = {
    "krr": "KRR (quadratic kernel)",
    "two_layer": "2-layer net",
    "three_layer_layerwise": "3-layer net, layer-wise",
    "three_layer_joint": "3-layer net, joint",
}

#: Colours as in Dandi et al. (2025): KRR orange, 2-layer green, 3-layer blue, joint red.
LEARNER_COLORS: dict[str, str] = {
    "krr": "#ff7f0e",
    "two_layer": "#2ca02c",
    "three_layer_layerwise": "#1f77b4",
    "three_layer_joint": "#d62728",
}

#: Marker per learner.
LEARNER_MARKERS: dict[str, str] = {
    "krr": "^",
    "two_layer": "D",
    "three_layer_layerwise": "o",
    "three_layer_joint": "s",
}

# --- reference levels ----------------------------------------------------------------------

#: Horizontal reference lines, keyed by the ``metric`` of the levels tables.
LEVEL_STYLES: dict[str, dict[str, object]] = {
    "var_y": {"label": "random predictor", "color": "#9467bd", "linestyle": "-"},
    "level_deg2": {
        "label": "best degree-2 in z (kernel limit)",
        "color": "#ff7f0e",
        "linestyle": "--",
    },
    "level_deg4": {
        "label": "best degree-4 in z (2-layer limit)",
        "color": "#2ca02c",
        "linestyle": "--",
    },
}

_FALLBACK_COLORS = sns.color_palette("colorblind", 10).as_hex()


def learner_label(learner: str) -> str:
    """Legend label of ``learner`` (the raw name when it has none)."""
    return LEARNER_LABELS.get(learner, learner)


def learner_color(learner: str) -> str:
    """Colour of ``learner``; unknown learners get a stable colour from a fallback palette."""
    if learner in LEARNER_COLORS:
        return LEARNER_COLORS[learner]
    return _FALLBACK_COLORS[sum(map(ord, learner)) % len(_FALLBACK_COLORS)]


def learner_marker(learner: str) -> str:
    """Marker of ``learner`` (a circle when it has none)."""
    return LEARNER_MARKERS.get(learner, "o")


def learner_palette(learners: list[str] | None = None) -> dict[str, str]:
    """``{learner: colour}`` for seaborn's ``palette=`` argument."""
    return {name: learner_color(name) for name in (learners or LEARNER_ORDER)}


def ordered_learners(present: object) -> list[str]:
    """The learners in ``present`` (any iterable), known ones in LEARNER_ORDER first."""
    names = list(dict.fromkeys(present))  # type: ignore[call-overload]
    known = [name for name in LEARNER_ORDER if name in names]
    return known + sorted(name for name in names if name not in LEARNER_ORDER)


# --- style and saving ----------------------------------------------------------------------


def apply_style() -> None:
    """Seaborn "paper"/"ticks" theme with readable font sizes; PNGs are saved at 150 dpi."""
    sns.set_theme(context="paper", style="ticks", font_scale=1.2)
    mpl.rcParams.update(
        {
            "axes.titlesize": 11,
            "axes.labelsize": 11,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 8,
            "legend.title_fontsize": 9,
            "legend.frameon": False,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "pdf.fonttype": 42,  # embed TrueType fonts (editable text in the PDF)
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def _atomic_savefig(fig: Figure, path: str | os.PathLike[str], **kwargs: object) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a unique name in the destination folder, created by savefig itself (so the file gets
    # the usual umask permissions), then renamed over the target in one step
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or None, **kwargs)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_figure(fig: Figure, pdf_path: str, png_path: str) -> None:
    """Write ``fig`` as PDF and 150-dpi PNG, each through a temporary file and a rename.

    Parent folders are created; a reader never sees a half-written figure.
    """
    _atomic_savefig(fig, pdf_path)
    _atomic_savefig(fig, png_path, dpi=150)


# --- seed aggregation and drawing helpers ---------------------------------------------------

#: Caption fragment describing what :func:`seed_summary` bands show.
SPREAD_NOTE = "markers/lines: median over seeds; shaded bands: min–max over seeds"


def seed_summary(frame: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Median, min, max and count of ``value`` over seeds, per group of ``by`` columns.

    Returns one row per group with columns ``by + ["median", "lo", "hi", "n_seeds"]``,
    sorted by ``by``. NaN values are ignored (``n_seeds`` counts the non-NaN ones).
    """
    grouped = frame.groupby(by, dropna=False, sort=True)[value]
    out = grouped.agg(median="median", lo="min", hi="max", n_seeds="count").reset_index()
    return out


def plot_median_band(
    ax: Axes,
    summary: pd.DataFrame,
    x: str,
    *,
    color: str,
    label: str | None = None,
    marker: str | None = "o",
    linestyle: str = "-",
    band: bool = True,
    alpha: float = 0.18,
    **kwargs: object,
) -> None:
    """Draw a :func:`seed_summary` table: median line with markers and a light min–max band.

    Rows are ordered by ``x`` with a stable sort, so rows sharing an ``x`` keep the order of
    ``summary`` (e.g. the last checkpoint of one training stage before the first of the next).
    """
    summary = summary.sort_values(x, kind="stable")
    ax.plot(
        summary[x],
        summary["median"],
        color=color,
        label=label,
        marker=marker,
        linestyle=linestyle,
        markersize=4.5,
        linewidth=1.4,
        **kwargs,  # type: ignore[arg-type]
    )
    if band:
        ax.fill_between(summary[x], summary["lo"], summary["hi"], color=color, alpha=alpha, lw=0)


def draw_levels(
    ax: Axes,
    levels: dict[str, float],
    *,
    metrics: list[str] | None = None,
    with_labels: bool = True,
) -> None:
    """Horizontal reference lines for ``{metric: value}`` (styles from :data:`LEVEL_STYLES`)."""
    for metric in metrics or list(LEVEL_STYLES):
        if metric not in levels or not np.isfinite(levels[metric]):
            continue
        style = dict(LEVEL_STYLES.get(metric, {"label": metric, "color": "0.4"}))
        label = style.pop("label") if with_labels else None
        style.setdefault("linestyle", ":")
        ax.axhline(levels[metric], label=label, linewidth=1.0, alpha=0.8, **style)  # type: ignore[arg-type]


def log_axis(ax: Axes, axis: str = "y") -> None:
    """Log scale with plain-number tick labels (0.2, 0.3, ... rather than 2x10^-1).

    Call it after drawing (it reads the axis limits). When the data span less than two decades
    some intermediate multiples are labelled too, so a narrow log axis still carries numbers.
    """
    getattr(ax, f"set_{axis}scale")("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = (ax.get_ylim if axis == "y" else ax.get_xlim)()
    plain = ticker.FuncFormatter(lambda v, _: f"{v:g}")
    target.set_major_locator(ticker.LogLocator(base=10))
    target.set_major_formatter(plain)
    if lo > 0 and hi / lo < 100:
        subs = (1.5, 2, 3, 4, 5, 6, 8) if hi / lo < 10 else (2, 3, 5)
        target.set_minor_locator(ticker.LogLocator(base=10, subs=subs))
        target.set_minor_formatter(plain)
    else:
        target.set_minor_formatter(ticker.NullFormatter())


def figure_legend(fig: Figure, axes: object, *, ncol: int = 4, **kwargs: object) -> None:
    """One legend below the figure gathering the labelled artists of ``axes`` (deduplicated).

    Learners come first, in :data:`LEARNER_ORDER`, then the other entries in drawing order.
    """
    entries: dict[str, object] = {}
    for ax in np.ravel(axes):  # type: ignore[arg-type]
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    rank = {learner_label(name): i for i, name in enumerate(LEARNER_ORDER)}
    labels = sorted(entries, key=lambda label: rank.get(label, len(rank)))  # stable sort
    fig.legend(
        [entries[label] for label in labels],
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=ncol,
        **kwargs,  # type: ignore[arg-type]
    )


# --- claims: values, CIs and verdicts from the claims table ---------------------------------

#: Legend/caption fragment for a value drawn without an interval.
NO_CI = "no CI"


@dataclass(frozen=True)
class ClaimRow:
    """One row of a paper's claims table (``results/<scale>/claims/<paper>.parquet``)."""

    claim_id: str
    statistic: str
    value: float
    ci_low: float
    ci_high: float
    prediction: str
    verdict: str
    statement: str

    @property
    def has_value(self) -> bool:
        return math.isfinite(self.value)

    @property
    def has_ci(self) -> bool:
        return math.isfinite(self.ci_low) and math.isfinite(self.ci_high)


def read_claims(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A claims table indexed by ``claim_id`` (one row per claim)."""
    return pd.read_parquet(path).set_index("claim_id")


def claim(claims: pd.DataFrame, claim_id: str) -> ClaimRow:
    """The row of ``claim_id`` in a :func:`read_claims` table; a claim the table lacks is a
    row of NaNs with verdict ``absent`` (so a figure still draws its curves)."""
    if claim_id not in claims.index:
        nan = math.nan
        return ClaimRow(claim_id, "", nan, nan, nan, "", "absent", "")
    row = claims.loc[claim_id]
    return ClaimRow(
        claim_id=claim_id,
        statistic=str(row["statistic"]),
        value=float(row["value"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        prediction=str(row["prediction"]),
        verdict=str(row["verdict"]),
        statement=str(row["statement"]),
    )


def format_estimate(
    value: float, ci_low: float = math.nan, ci_high: float = math.nan, fmt: str = ".2f"
) -> str:
    """``1.23 [1.10, 1.40]``; an end the bootstrap left open (too many undefined resamples)
    prints as ``-inf`` / ``inf``; a value outside its own interval says so; ``1.23`` for a row
    without an interval (an identity, a below-scale row); ``n/a`` without a value."""
    if not math.isfinite(value):
        return "n/a"
    if math.isnan(ci_low) or math.isnan(ci_high):
        return f"{value:{fmt}}"
    ends = [f"{end:{fmt}}" if math.isfinite(end) else f"{end}" for end in (ci_low, ci_high)]
    text = f"{value:{fmt}} [{ends[0]}, {ends[1]}]"
    return text if ci_low <= value <= ci_high else f"{text} (value outside its CI)"


def claim_label(
    claims: pd.DataFrame, claim_id: str, name: str = "", fmt: str = ".2f", verdict: bool = True
) -> str:
    """``name 1.23 [1.10, 1.40] (SYM-1b, PASS)``: a claim's value and CI from the claims
    table, with its id (and verdict)."""
    row = claim(claims, claim_id)
    tag = f"{claim_id}, {row.verdict}" if verdict else claim_id
    text = f"{format_estimate(row.value, row.ci_low, row.ci_high, fmt)} ({tag})"
    return f"{name} {text}" if name else text


def estimate_label(name: str, value: float, fmt: str = ".2f") -> str:
    """``name 1.23 (no CI)``: a point estimate of the plotted curves, not a claim."""
    text = f"{value:{fmt}} ({NO_CI})" if math.isfinite(value) else "n/a"
    return f"{name} {text}" if name else text


def verdict_text(claims: pd.DataFrame, claim_ids: Iterable[str], width: int = 60) -> str:
    """``DEPTH-1 PASS · DEPTH-2a INCONCLUSIVE · ...``, wrapped at ``width`` characters."""
    parts = [f"{cid}\u00a0{claim(claims, cid).verdict}" for cid in claim_ids]
    return "\n".join(textwrap.wrap("\u00a0\u00b7 ".join(parts), width=width))


def claim_line(claims: pd.DataFrame, claim_id: str, fmt: str = ".2f") -> str:
    """``SYM-2c s_FC/s_conv (k=3, d=40) = 2.36 [1.94, 2.96]: INCONCLUSIVE``: one claim's
    statistic, value, CI and verdict as the claims table has them."""
    row = claim(claims, claim_id)
    estimate = format_estimate(row.value, row.ci_low, row.ci_high, fmt)
    return f"{claim_id} {row.statistic} = {estimate}: {row.verdict}"


def annotate_claims(
    ax: Axes,
    claims: pd.DataFrame,
    claim_ids: Iterable[str],
    *,
    loc: str = "lower left",
    width: int = 48,
    fontsize: float = 6.5,
    detail: bool = False,
    fmt: str = ".2f",
    anchor: tuple[float, float] | None = None,
) -> AnchoredText:
    """A small box in ``ax`` with the verdicts of the claims the panel illustrates; with
    ``detail`` one :func:`claim_line` per claim (statistic, value, CI and verdict). With
    ``anchor`` (axes coordinates) the box's ``loc`` corner sits at that point, e.g.
    ``loc="lower left", anchor=(1.02, 0)`` beside the axes, clear of the data."""
    if detail:
        text = "\n".join(claim_line(claims, cid, fmt) for cid in claim_ids)
    else:
        text = "claims: " + verdict_text(claims, claim_ids, width)
    box = AnchoredText(
        text,
        loc=loc,
        frameon=True,
        prop={"fontsize": fontsize, "color": "0.25"},
        borderpad=0.4,
        **({} if anchor is None else {"bbox_to_anchor": anchor, "bbox_transform": ax.transAxes}),
    )
    box.patch.set(edgecolor="0.8", facecolor="white", alpha=0.85, boxstyle="round,pad=0.2")
    ax.add_artist(box)
    return box


def draw_claim_interval(
    ax: Axes,
    row: ClaimRow,
    *,
    axis: str = "x",
    color: str = "0.3",
    label: str | None = None,
    alpha: float = 0.15,
    linestyle: str = "-.",
) -> None:
    """A claim's value as a line across ``ax`` (vertical for ``axis="x"``) with its CI as a
    shaded band; nothing when the claim has no finite value."""
    if not row.has_value:
        return
    line, span = (ax.axvline, ax.axvspan) if axis == "x" else (ax.axhline, ax.axhspan)
    line(row.value, color=color, linestyle=linestyle, linewidth=1.0, label=label)
    if row.has_ci:
        span(row.ci_low, row.ci_high, color=color, alpha=alpha, linewidth=0)
