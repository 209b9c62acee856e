"""Plotting helpers shared by the figure notebooks of every paper."""

from hdlearn.plotting.style import (
    LEARNER_COLORS,
    LEARNER_LABELS,
    LEARNER_MARKERS,
    LEARNER_ORDER,
    LEVEL_STYLES,
    SPREAD_NOTE,
    apply_style,
    draw_levels,
    learner_color,
    learner_label,
    learner_marker,
    learner_palette,
    ordered_learners,
    plot_median_band,
    save_figure,
    seed_summary,
)

__all__ = [
    "LEARNER_COLORS",
    "LEARNER_LABELS",
    "LEARNER_MARKERS",
    "LEARNER_ORDER",
    "LEVEL_STYLES",
    "SPREAD_NOTE",
    "apply_style",
    "draw_levels",
    "learner_color",
    "learner_label",
    "learner_marker",
    "learner_palette",
    "ordered_learners",
    "plot_median_band",
    "save_figure",
    "seed_summary",
]
