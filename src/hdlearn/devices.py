"""Device selection: ``auto`` picks CUDA when present, else the CPU."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> torch.device:
    """Map a config value (``auto``, ``cpu`` or ``cuda``) to a ``torch.device``."""
    if name not in DEVICE_CHOICES:
        raise ValueError(f"device: {name!r} is not one of {', '.join(DEVICE_CHOICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' was requested but no CUDA device is available")
    return torch.device(name)


def configure_determinism(device: torch.device) -> None:
    """Deterministic kernels on the CPU (bit-for-bit reruns); TF32 matmuls allowed on CUDA."""
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
