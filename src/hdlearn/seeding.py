"""Explicit, order-independent seeding.

Every random draw in hdlearn comes from a ``torch.Generator`` whose seed is derived from the
user's seed and a tuple of tags that name *what* is drawn (``("teacher", d)``,
``("data", d, n)``, ...). Two cells that share a seed therefore share exactly the draws they
should share (the same teacher for every learner and every sample size) and nothing else, and
no draw depends on the order in which cells, learners or ensemble members run.
"""

from __future__ import annotations

import hashlib

import torch


def derive_seed(seed: int, *tags: object) -> int:
    """A 63-bit seed from ``seed`` and ``tags``: the first 8 bytes of SHA-256 of their repr."""
    digest = hashlib.sha256(repr((int(seed), *tags)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def generator(seed: int, *tags: object, device: str | torch.device = "cpu") -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with :func:`derive_seed`.

    Data and weights are drawn on the CPU (the default) and moved to the device, so they are the
    same on every device. A draw made at every training step (the mini-batch indices) uses a
    generator on the training device instead, so that a GPU step never waits on a host copy; on
    the CPU that is the same generator, so CPU runs draw exactly what they drew before, while a
    CUDA generator with the same seed draws another (equally valid) stream.
    """
    gen = torch.Generator(device=device)
    gen.manual_seed(derive_seed(seed, *tags))
    return gen


def generators(
    seeds: list[int], *tags: object, device: str | torch.device = "cpu"
) -> list[torch.Generator]:
    """One generator per ensemble member, member ``e`` seeded by ``seeds[e]`` and ``tags``."""
    return [generator(seed, *tags, device=device) for seed in seeds]
