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
    """Deterministic kernels on the CPU (bit-for-bit reruns); TF32 matmuls allowed on CUDA.

    On the CPU this sets the flag that ``torch.use_deterministic_algorithms(True)`` sets, through
    the same C call, without the public function's other effect: importing
    ``torch._inductor.config`` to make ``torch.compile`` deterministic too. Nothing here is
    compiled, and that import costs about 2 s, a third of a small cell's job, in every process.
    The kernels, and so every number, are the same (``torch.are_deterministic_algorithms_enabled``
    reads the flag back; a unit test checks it).

    Subnormal floats (float32 below about 1.2e-38) are flushed to zero on the CPU: on x86 an
    operation on a subnormal costs up to a hundred times a normal one, and a value that small
    carries nothing a float32 sum can use. They arise where weight decay shrinks a dead ReLU
    unit (no gradient) geometrically to zero, e.g. the depth paper's 2-layer net at the
    swept decay 0.1 (``benchmarks/subnormal_flush.json``: the cell's time with and without
    the flush). Flushing changes no number of a run that never meets a subnormal; where one
    is met the unit is exactly zero a little sooner (see benchmarks/README.md).
    """
    if device.type == "cpu":
        torch._C._set_deterministic_algorithms(True, warn_only=False)
        torch.set_flush_denormal(True)
    else:
        torch.backends.cuda.matmul.allow_tf32 = True
