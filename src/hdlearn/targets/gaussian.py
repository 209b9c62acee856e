"""Standard Gaussian inputs, drawn per ensemble member from that member's generator."""

from __future__ import annotations

import torch


def gaussian_inputs(
    n: int, d: int, generators: list[torch.Generator], device: torch.device
) -> torch.Tensor:
    """``x ~ N(0, I_d)`` of shape ``(E, n, d)`` (float32), member ``e`` from ``generators[e]``.

    Drawn on the CPU and moved to ``device``, so CPU and GPU runs see the same samples.
    """
    draws = [torch.randn(n, d, generator=gen) for gen in generators]
    return torch.stack(draws).to(device)
