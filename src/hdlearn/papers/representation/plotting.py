"""Style constants and drawing helpers for the figures of the Damian, Lee & Soltanolkotabi
paper (arXiv 2206.15144): one label, colour and marker per method, and target labels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Legend label of each method of the experiments.
METHOD_LABELS = {
    "alg1": "Algorithm 1 (one GD step + ridge head)",
    "rf": "random features",
    "ntk": "NTK (linearised, finite width)",
    "krr": "KRR, infinite-width ReLU NTK",
    "rf_wide": "random features, m = 2 d^2 (can represent degree 2)",
}
#: Colour of each method.
METHOD_COLORS = {"alg1": "#1f77b4", "rf": "#ff7f0e", "ntk": "#2ca02c", "krr": "#9467bd",
                 "rf_wide": "#8c564b"}  # fmt: skip
#: Marker of each method.
METHOD_MARKERS = {"alg1": "o", "rf": "s", "ntk": "^", "krr": "D", "rf_wide": "P"}


def target_text(terms: Iterable[Sequence[float]], name: str | None = None) -> str:
    """``0.71 h2 + 0.71 h4`` for the config's ``[k, c_k]`` terms of a target
    ``sum_k c_k h_k``, ``h_k = He_k/sqrt(k!)``; prefixed ``main: `` when ``name`` is given."""
    text = " + ".join(f"{c:.2g} h{k}" for k, c in terms)
    return text if name is None else f"{name}: {text}"
