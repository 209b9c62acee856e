"""What evaluating the ReLU NTK in cache-sized blocks saves: the representation paper's exact KRR.

    python benchmarks/ntk_kernel.py [--n 4096] [--members 2] [--d 16] [--repeats 3] [--output F]

Times :func:`hdlearn.baselines.kernels.relu_ntk` on a group of ``--members`` kernel matrices
of ``n x n`` (the default: the largest group the default run's ``risk-krr-d16`` cell solves at
once, ``hdlearn.papers.representation.grid.KRR_GROUP_ELEMENTS``), float64, one torch thread,
with the elementwise passes done a block of :data:`~hdlearn.baselines.kernels.BLOCK_ELEMENTS`
entries at a time (the code) and in one block over the whole array (what the code did before,
every pass a trip through memory), each in a fresh process so that peak memory is its own.
Writes JSON: the best of ``--repeats`` wall times and the peak resident memory of both, their
ratio, and whether the two kernels are equal bit for bit (their SHA-256).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path


def measure(n: int, members: int, d: int, repeats: int, block: int | None) -> dict:
    """Time ``relu_ntk`` with ``block`` entries per block (``None``: the module's)."""
    import torch

    from hdlearn.baselines import kernels

    torch.set_num_threads(1)
    if block is not None:
        kernels.BLOCK_ELEMENTS = block
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(members, n, d, generator=gen, dtype=torch.float64)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        kernel = kernels.relu_ntk(x, x)
        times.append(time.perf_counter() - start)
    return {
        "block_elements": kernels.BLOCK_ELEMENTS,
        "seconds": min(times),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "sha256": hashlib.sha256(kernel.numpy().tobytes()).hexdigest(),
    }


def in_fresh_process(args: argparse.Namespace, block: int | None) -> dict:
    command = [sys.executable, __file__, "--child", str(block or 0)]
    command += ["--n", str(args.n), "--members", str(args.members), "--d", str(args.d)]
    command += ["--repeats", str(args.repeats)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--members", type=int, default=2)
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.n, args.members, args.d, args.repeats, args.child or None)))
        return
    blocked = in_fresh_process(args, None)
    whole = in_fresh_process(args, args.members * args.n * args.n)
    result = {
        "command": "python benchmarks/ntk_kernel.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()} (1 torch thread)",
        "shape": [args.members, args.n, args.n],
        "blocked": {k: v for k, v in blocked.items() if k != "sha256"},
        "one_block": {k: v for k, v in whole.items() if k != "sha256"},
        "speedup": whole["seconds"] / blocked["seconds"],
        "bitwise_equal": blocked["sha256"] == whole["sha256"],
    }
    text = json.dumps(result, indent=2)
    if args.output:
        args.output.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
