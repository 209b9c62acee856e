"""Shared figure style for every paper's notebooks.

Colours, labels and marker styles are keyed by learner name (the ``learner`` column of the
tidy tables), so one learner looks the same in every figure. Other papers add their learners
to the dictionaries below; notebooks should go through :func:`learner_label`,
:func:`learner_color` and :func:`learner_marker`, which fall back gracefully for a learner
that has no entry yet.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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
