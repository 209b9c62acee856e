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


def generator(seed: int, *tags: object) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with :func:`derive_seed` (draws are moved to the device)."""
    gen = torch.Generator(device="cpu")
    gen.manual_seed(derive_seed(seed, *tags))
    return gen


def generators(seeds: list[int], *tags: object) -> list[torch.Generator]:
    """One generator per ensemble member, member ``e`` seeded by ``seeds[e]`` and ``tags``."""
    return [generator(seed, *tags) for seed in seeds]
