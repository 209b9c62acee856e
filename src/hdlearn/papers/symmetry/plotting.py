"""Drawing helpers for the symmetry paper's figures (steps to learn against d, log-log)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from hdlearn.papers.symmetry.analysis import SERIES
from hdlearn.plotting.style import claim_label, estimate_label

#: Caption fragment for :func:`plot_steps`.
STEPS_NOTE = (
    "markers: median steps over seeds (censored seeds count as +inf); bands: 25-75% of seeds;\n"
    "open triangles: median not reached within the cap"
)


def select_series(summary: pd.DataFrame, experiment: str, **series: object) -> pd.DataFrame:
    """Rows of :func:`hdlearn.papers.symmetry.analysis.steps_summary` for one series, by d."""
    mask = summary["experiment"] == experiment
    for key, value in series.items():
        if key not in SERIES:
            raise KeyError(key)
        mask &= summary[key] == value
    return summary[mask].sort_values("d")


def plot_steps(
    ax: Axes, part: pd.DataFrame, *, label: str, color: str, marker: str = "o", linestyle: str = "-"
) -> None:
    """Median steps vs d with a 25-75% band; censored medians drawn at the cap."""
    if part.empty:
        return
    d = part["d"].to_numpy(float)
    median = part["median_steps"].to_numpy(float)
    cap = part["cap"].to_numpy(float)
    q25 = np.minimum(part["q25"].to_numpy(float), cap)
    q75 = np.minimum(part["q75"].to_numpy(float), cap)
    ok = np.isfinite(median)
    ax.plot(d[ok], median[ok], marker=marker, color=color, linestyle=linestyle, label=label)
    ax.fill_between(d, q25, q75, color=color, alpha=0.15, linewidth=0)
    if (~ok).any():
        ax.plot(d[~ok], cap[~ok], marker="^", color=color, markerfacecolor="none",
                linestyle="none")  # fmt: skip


def claim_slope_label(name: str, claims: pd.DataFrame, claim_id: str) -> str:
    """``name: slope 1.23 [1.10, 1.40] (SYM-1b, PASS)``: a slope that is a claim's statistic,
    value and CI from the claims table (:func:`hdlearn.plotting.style.claim_label`)."""
    return f"{name}: slope {claim_label(claims, claim_id)}"


def fit_slope_label(name: str, value: float) -> str:
    """``name: slope 1.23 (no CI)``: a slope that is not a claim, fitted to the plotted
    medians (:func:`hdlearn.papers.symmetry.analysis.series_slope`)."""
    return f"{name}: slope {estimate_label('', value)}"


def loglog(ax: Axes, batch: int | None = None) -> None:
    """Log-log axes of steps against d; ``batch`` (the protocol's, ``preset.batch``) goes
    into the y label."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("SGD steps to learn" + (f" (batch {batch})" if batch is not None else ""))
