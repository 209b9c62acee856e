"""Device selection and the determinism switch."""

import subprocess
import sys

import pytest
import torch

from hdlearn.devices import resolve_device


def test_cpu_determinism_sets_the_flag_without_importing_the_compiler():
    # a fresh interpreter: the flag is process state, and the import is what the switch avoids
    code = (
        "import sys, torch\n"
        "from hdlearn.devices import configure_determinism\n"
        "assert not torch.are_deterministic_algorithms_enabled()\n"
        "configure_determinism(torch.device('cpu'))\n"
        "assert torch.are_deterministic_algorithms_enabled()\n"
        "assert not torch.is_deterministic_algorithms_warn_only_enabled()\n"
        "assert 'torch._inductor.config' not in sys.modules\n"
        "tiny = torch.tensor([1.0e-30])\n"
        "assert (tiny * 1.0e-10).item() == 0.0  # a subnormal result is flushed to zero\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_device_names_the_key_and_the_allowed_values():
    with pytest.raises(ValueError, match="device: 'tpu' is not one of auto, cpu, cuda"):
        resolve_device("tpu")


def test_auto_is_the_cpu_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert resolve_device("auto") == torch.device("cpu")


def test_matmul_peak_is_a_finite_positive_rate():
    from hdlearn.papers.depth.benchmark import matmul_peak

    peak = matmul_peak(torch.device("cpu"), size=128, repeats=2)
    assert 1e6 < peak < 1e15  # FLOP/s: more than a megaflop, less than a petaflop on a CPU
