"""What flushing subnormal floats saves: the depth paper's 2-layer net with a strong decay.

    python benchmarks/subnormal_flush.py [--d 32] [--kappa 2.2] [--decays 0.0 0.1] [--output F]

Runs the 2-layer cell of the default grid (preset ``tuned``, its 5 seeds) at one ``(d, kappa)``
once per weight decay of ``--decays`` (each as a one-decay sweep, ``two_layer_regs: [decay]``),
each in a fresh process with ``torch.set_flush_denormal`` off and on (``configure_determinism``
turns it on for every CPU cell), one torch thread. A dead ReLU unit gets no gradient, so the
decay shrinks it geometrically through the subnormal range, where x86 arithmetic is slow; a
decay that kills no unit runs at the same speed either way. Writes JSON: per decay and setting
the cell's wall time, whether its rows equal the other setting's (they can differ only
where a subnormal was met), and the metrics whose values moved.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def one_cell(d: int, kappa: float, decay: float, flush: bool, rows: Path) -> float:
    """Run the cell in this process and write its rows to ``rows``; return its seconds."""
    import torch
    import yaml

    from hdlearn.config import validate_config
    from hdlearn.devices import configure_determinism
    from hdlearn.papers.depth import experiment, grid

    device = torch.device("cpu")
    configure_determinism(device)
    torch.set_flush_denormal(flush)
    torch.set_num_threads(1)
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    validate_config(config, ROOT / "config" / "schema.yaml", scales=["default"])
    block = config["scales"]["default"]["depth"]
    block["hyper"] = {"two_layer_regs": [decay]}
    block["sweep"].update(d=[d], kappas=[kappa], learners=["two_layer"])
    (spec,) = grid.expand(block, config["presets"]["depth"])["sweep"].values()
    start = time.perf_counter()
    frame = experiment.run_cell(spec, device)
    seconds = time.perf_counter() - start
    frame.to_parquet(rows)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--kappa", type=float, default=2.2)
    parser.add_argument("--decays", type=float, nargs="+", default=[0.0, 0.1])
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "subnormal_flush.json")
    parser.add_argument(
        "--one", nargs=3, metavar=("DECAY", "FLUSH", "ROWS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:  # the child process of one measurement
        decay, flush, rows = float(args.one[0]), args.one[1] == "on", Path(args.one[2])
        print(one_cell(args.d, args.kappa, decay, flush, rows))
        return
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for decay in args.decays:
            entry: dict = {"decay": decay}
            frames = {}
            for flush in ("off", "on"):
                rows = Path(scratch) / f"{decay}-{flush}.parquet"
                command = [sys.executable, __file__, "--d", str(args.d), "--kappa",
                           str(args.kappa), "--one", str(decay), flush, str(rows)]  # fmt: skip
                out = subprocess.run(command, check=True, capture_output=True, text=True)
                entry[f"seconds_flush_{flush}"] = round(float(out.stdout.split()[-1]), 2)
                frames[flush] = pd.read_parquet(rows)
            off, on = frames["off"], frames["on"]
            entry["rows_equal"] = bool(off.equals(on))
            moved = (off["value"] != on["value"]) & ~(off["value"].isna() & on["value"].isna())
            entry["metrics_that_moved"] = sorted(set(off.loc[moved, "metric"]))
            results.append(entry)
            print(json.dumps(entry), flush=True)
    decays = " ".join(str(x) for x in args.decays)
    report = {
        "command": f"python benchmarks/subnormal_flush.py --d {args.d} --kappa {args.kappa} "
        f"--decays {decays}",
        "machine": f"{platform.machine()} ({os.cpu_count()} cores), 1 torch thread",
        "cell": f"depth two_layer, default grid and seeds, d = {args.d}, kappa = {args.kappa}",
        "results": results,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
