"""Batched ensembles of neural networks."""

from hdlearn.models.ensemble import EnsembleMLP, init_mlp, redraw_layer

__all__ = ["EnsembleMLP", "init_mlp", "redraw_layer"]
