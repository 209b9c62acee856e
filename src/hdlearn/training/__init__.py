"""Training loops over batched ensembles."""

from hdlearn.training.gd import (
    LayerRule,
    gather_rows,
    log_spaced_checkpoints,
    minibatch_indices,
    train_minibatch_gd,
)

__all__ = [
    "LayerRule",
    "gather_rows",
    "log_spaced_checkpoints",
    "minibatch_indices",
    "train_minibatch_gd",
]
