"""Speed benchmarks (``hdlearn bench``), recorded under ``benchmarks/``.

``depth-sweep`` trains the four learners of the depth paper on the default grid at one ``d``
(kappa 1.0..2.2 step 0.2, seeds ``0..seeds-1``, overlaps logged at checkpoints, the ``repo``
preset: the authors' fixed ridge) in this process, and reports the wall time per learner, the
process's peak resident memory and every seed's final test MSE (``test_mse``: learner, kappa,
n, seed, value). ``benchmarks/depth_oracle.py`` runs it beside the authors' own code.

Throughput: per learner, ``work / seconds`` FLOP/s, ``work`` the count of
:func:`hdlearn.papers.depth.grid.cost` (the networks: 6 FLOPs per trained weight and sample, the
forward-backward matmuls; the kernel's terms are multiply-adds, so its rate is understated by
up to 2x), against the device's *achievable* float32 matmul peak, measured here as the best of a few
square ``size x size`` matmuls (:func:`matmul_peak`); the ratio says how far the trainers are
from what the matmul units can do on this device.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from pathlib import Path
from typing import Any

import torch
import yaml

from hdlearn.config import validate_config
from hdlearn.devices import configure_determinism, resolve_device
from hdlearn.papers.depth import experiment as depth
from hdlearn.papers.depth import grid

ROOT = Path(__file__).resolve().parents[4]  # the repository


def matmul_peak(device: torch.device, size: int = 2048, repeats: int = 5) -> float:
    """The best float32 FLOP/s of ``repeats`` timed ``size x size`` matmuls on ``device`` (one
    warm-up first; CUDA is synchronised around each timing)."""
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(size, size, generator=gen).to(device) for _ in range(2))
    best = float("inf")
    for repeat in range(repeats + 1):
        if device.type == "cuda":
            torch.cuda.synchronize()
        tic = time.perf_counter()
        torch.mm(a, b)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if repeat:  # the first is the warm-up
            best = min(best, time.perf_counter() - tic)
    return 2.0 * size**3 / best


def _depth_sweep(args: argparse.Namespace) -> dict[str, Any]:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    validate_config(config, ROOT / "config" / "schema.yaml")
    block = config["scales"]["default"]["depth"]
    block["preset"] = "repo"  # the authors' protocol (fixed ridge), like for like with their code
    block["seeds"] = list(range(args.seeds))
    block["sweep"]["d"] = [args.d]
    cells = grid.expand(block, config["presets"]["depth"])["sweep"]
    device = resolve_device(args.device)
    configure_determinism(device)
    seconds: dict[str, float] = {}
    work: dict[str, float] = {}
    errors: list[dict[str, Any]] = []
    start = time.perf_counter()
    for spec in cells.values():
        tic = time.perf_counter()
        rows = depth.run_cell(spec, device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds[spec["learner"]] = seconds.get(spec["learner"], 0.0) + time.perf_counter() - tic
        work[spec["learner"]] = work.get(spec["learner"], 0.0) + grid.cost(spec).work
        final = rows[(rows["metric"] == "test_mse") & (rows["stage"] == "final")]
        errors += final[["learner", "kappa", "n", "seed", "value"]].to_dict("records")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = matmul_peak(device, size=4096 if device.type == "cuda" else 2048)
    achieved = {k: work[k] / v for k, v in seconds.items() if v > 0}
    return {
        "benchmark": "depth-sweep",
        "d": args.d,
        "seeds": args.seeds,
        "kappas": block["sweep"]["kappas"],
        "device": str(device),
        "threads": torch.get_num_threads(),
        "machine": platform.processor() or platform.machine(),
        "wall_seconds": round(time.perf_counter() - start, 1),
        "seconds_per_learner": {k: round(v, 1) for k, v in seconds.items()},
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "matmul_peak_gflops": _significant(peak / 1e9),
        "achieved_gflops_per_learner": {k: _significant(v / 1e9) for k, v in achieved.items()},
        "fraction_of_peak_per_learner": {k: _significant(v / peak) for k, v in achieved.items()},
        "test_mse": errors,
    }


def _significant(value: float) -> float:
    """``value`` to three significant digits (a rate of a small learner is not rounded to 0)."""
    return float(f"{value:.3g}")


def run_benchmark(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark ``name`` with the CLI's ``args``."""
    return {"depth-sweep": _depth_sweep}[name](args)
