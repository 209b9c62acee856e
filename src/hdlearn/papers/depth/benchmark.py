"""Speed benchmarks (``hdlearn bench``), recorded under ``benchmarks/``.

``depth-sweep`` trains the four learners of the depth paper on the default grid at one ``d``
(kappa 1.0..2.2 step 0.2, 3 seeds, overlaps logged at checkpoints) in this process, and reports
the wall time per learner and the process's peak resident memory. The authors' own code runs
the same ``d = 32`` sweep (overlaps off) in about 126 s on 2 cores at 3.6 GB peak memory.
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

ROOT = Path(__file__).resolve().parents[4]  # the repository


def _depth_sweep(args: argparse.Namespace) -> dict[str, Any]:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    validate_config(config, ROOT / "config" / "schema.yaml")
    block = config["scales"]["default"]["depth"]
    block["preset"] = "repo"  # the authors' protocol (fixed ridge), like for like with their code
    block["seeds"] = list(range(args.seeds))
    block["sweep"]["d"] = [args.d]
    cells = depth.expand(block, config["presets"]["depth"])["sweep"]
    device = resolve_device(args.device)
    configure_determinism(device)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    for spec in cells.values():
        tic = time.perf_counter()
        depth.run_cell(spec, device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds[spec["learner"]] = seconds.get(spec["learner"], 0.0) + time.perf_counter() - tic
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
    }


def run_benchmark(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark ``name`` with the CLI's ``args``."""
    return {"depth-sweep": _depth_sweep}[name](args)
