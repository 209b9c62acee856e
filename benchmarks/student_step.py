"""What the written-out student gradient saves: the tensor paper's finite-sample student.

    python benchmarks/student_step.py [--d 32] [--budget half_d3] [--steps 40] [--output F]

Takes the student cell of the default grid at ``(d, budget)`` (its ``n``, ranks, widths and 5
seeds as one ensemble, float32, one torch thread) and, for every ``(r, m)`` it trains, times
``--steps`` full-batch Adam steps of :func:`hdlearn.training.sphere.train_sample_student`
(gradient written out, summed a cache-sized block of samples at a time) and of the trainer it
replaced (the loss differentiated by autograd over the whole ``(E, n, m)`` pre-activations),
from the same start on random Gaussian inputs and a He3 teacher. Writes JSON: per ``(r, m)``
both step times, their ratio and the largest difference of the trained directions (float
summation order only), and the cell's training time at its step count estimated from them.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path

import torch
import yaml

from hdlearn.config import validate_config
from hdlearn.devices import configure_determinism
from hdlearn.papers.tensor import grid
from hdlearn.seeding import generators
from hdlearn.targets.cubic import committee_labels, sphere_weights
from hdlearn.targets.gaussian import gaussian_inputs
from hdlearn.training.sphere import init_student, student_predict, train_sample_student, unit_rows

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")


def student_cell(d: int, budget: str) -> dict:
    """The default grid's student cell at ``(d, budget)``."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    validate_config(config, ROOT / "config" / "schema.yaml", scales=["default"])
    block = config["scales"]["default"]["tensor"]
    cells = grid.expand(block, config["presets"]["tensor"])["student"].values()
    return next(s for s in cells if s["d"] == d and s["budget"] == budget)


def autograd_student(x, y, u, c, *, steps: int, lr: float):
    """The trainer before the written-out gradient: autograd through the whole batch."""
    u, c = u.clone().requires_grad_(True), c.clone().requires_grad_(True)
    opt = torch.optim.Adam([u, c], lr=lr)
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        (student_predict(x, u, c, "he3") - y).square().mean(-1).sum().backward()
        opt.step()
        with torch.no_grad():
            u.copy_(unit_rows(u))
    return u.detach(), c.detach()


def timed(train, *args, **kwargs) -> tuple[float, torch.Tensor]:
    start = time.perf_counter()
    u, _ = train(*args, **kwargs)
    return time.perf_counter() - start, u


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--budget", default="half_d3", choices=grid.BUDGETS)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "student_step.json")
    args = parser.parse_args()
    configure_determinism(CPU)
    torch.set_num_threads(1)
    spec = student_cell(args.d, args.budget)
    seeds, d, n = spec["seeds"], spec["d"], spec["n"]
    x = gaussian_inputs(n, d, generators(seeds, "bench-x"), CPU)
    rows, before, after = [], 0.0, 0.0
    u, c = init_student(4, d, 0.1, generators(seeds, "warm-up"), CPU, random_signs=True)
    for train in (autograd_student, train_sample_student):  # first calls set up the kernels
        train(
            x,
            x[..., 0],
            u.float(),
            c.float(),
            steps=2,
            lr=0.01,
            **({"activation": "he3"} if train is train_sample_student else {}),
        )
    for r in spec["ranks"]:
        y = committee_labels(x, sphere_weights(r, d, generators(seeds, "bench-w", r), CPU), "he3")
        for factor in spec["width_factors"]:
            m = max(1, round(factor * r))
            scale, gens = spec["c_init"] / math.sqrt(m), generators(seeds, "bench-u", m)
            u, c = init_student(m, d, scale, gens, CPU, random_signs=True)
            u, c = u.float(), c.float()
            kw = {"steps": args.steps, "lr": spec["lr"]}
            old, u_old = timed(autograd_student, x, y, u, c, **kw)
            new, u_new = timed(train_sample_student, x, y, u, c, activation="he3", **kw)
            rows.append({
                "r": r, "m": m, "autograd_ms_per_step": 1e3 * old / args.steps,
                "written_out_ms_per_step": 1e3 * new / args.steps, "speedup": old / new,
                "max_abs_direction_difference": (u_old - u_new).abs().max().item(),
            })  # fmt: skip
            before += old * spec["steps"] / args.steps
            after += new * spec["steps"] / args.steps
            print(rows[-1], flush=True)
    result = {
        "command": f"python benchmarks/student_step.py --d {args.d} --budget {args.budget} "
        f"--steps {args.steps}",
        "machine": f"{platform.machine()} ({torch.get_num_threads()} torch thread)",
        "torch": torch.__version__, "cell": {k: spec[k] for k in ("d", "n", "budget", "steps")},
        "seeds": len(seeds), "timed_steps": args.steps,
        "cell_training_s_estimated": {"autograd": before, "written_out": after,
                                      "speedup": before / after},
        "per_width": rows,
    }  # fmt: skip
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["cell_training_s_estimated"]))


if __name__ == "__main__":
    main()
