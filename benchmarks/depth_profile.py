"""Where one depth cell spends its time: the torch profiler on the default protocol's cells.

    python benchmarks/depth_profile.py [--d 32] [--kappa 2.2] [--seeds 3] [--output STEM]

Runs the layer-wise and the joint 3-layer cell of the default grid (preset ``repo``, the
authors' fixed ridge, like ``hdlearn bench depth-sweep``) at one ``(d, kappa)`` under
``torch.profiler`` (CPU activities, operators grouped by name) and writes ``STEM.txt``: per
learner its wall time, steps per second, and the profiler's table of the operators with the
largest self CPU time. Its machine and thread count head the file.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch
import yaml
from torch.profiler import ProfilerActivity, profile

from hdlearn.config import validate_config
from hdlearn.devices import configure_determinism
from hdlearn.papers.depth import experiment, grid

ROOT = Path(__file__).resolve().parents[1]


def cells(d: int, kappa: float, seeds: int) -> list[dict]:
    """The layer-wise and joint cells of the default grid at ``(d, kappa)``."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    validate_config(config, ROOT / "config" / "schema.yaml", scales=["default"])
    block = config["scales"]["default"]["depth"]
    block["preset"] = "repo"
    block["seeds"] = list(range(seeds))
    block["sweep"].update(d=[d], kappas=[kappa],
                          learners=["three_layer_layerwise", "three_layer_joint"])  # fmt: skip
    return list(grid.expand(block, config["presets"]["depth"])["sweep"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--kappa", type=float, default=2.2)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    device = torch.device("cpu")
    configure_determinism(device)
    lines = [
        f"depth cells at d = {args.d}, kappa = {args.kappa}, {args.seeds} seeds, preset repo, "
        f"on {platform.machine()} ({os.cpu_count()} cores, {torch.get_num_threads()} torch "
        f"threads), torch {torch.__version__}",
        f"command: python benchmarks/depth_profile.py --d {args.d} --kappa {args.kappa} "
        f"--seeds {args.seeds}",
        "",
    ]
    for spec in cells(args.d, args.kappa, args.seeds):
        start = time.perf_counter()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            experiment.run_cell(spec, device)
        seconds = time.perf_counter() - start
        table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15)
        lines += [f"== {spec['learner']}: {seconds:.1f} s under the profiler", table, ""]
    stem = args.output or ROOT / "benchmarks" / f"depth_profile_d{args.d}"
    stem.with_suffix(".txt").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
