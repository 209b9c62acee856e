"""The depth paper's sweep in the authors' code and in ours, one after the other on one machine.

    python benchmarks/depth_oracle.py --authors PATH [--d 32] [--seeds 10] [--output STEM]

``PATH`` is a checkout of the authors' public repository (``git clone
https://github.com/IdePHICS/ComputationalDepth``), fetched by whoever runs this: it is never
copied into this repository. Both codes train the four learners (kernel ridge, 2-layer,
layer-wise 3-layer, joint 3-layer) at ``n = d^kappa``, kappa = 1.0, 1.2, ..., 2.2, on ``seeds``
independent draws of teacher and data, each in its own process (so that wall time and peak
memory are that code's alone):

* **theirs** runs ``Codes/RunExperiment.py`` unchanged on the hyperparameters of their
  ``Codes/RawHyperparams/Example/Example.yaml`` (the paper's setting) with ``ds = [d]``,
  ``exp_min = 1.0``, ``exp_max = 2.2``, ``num = 7``, ``trials = seeds`` and the overlaps off
  (their flags), so their time is a lower bound on a run that logs overlaps. Their script
  keeps only the median over trials; the per-trial errors are read off the arrays its four
  ``np.median`` calls receive (in their order: layer-wise, kernel, 2-layer, joint), which
  leaves their computation as it is.
* **ours** is ``hdlearn bench depth-sweep`` (preset ``repo``: the authors' fixed ridge, so
  like for like; overlaps logged at checkpoints).

Writes ``STEM.json`` (machine, threads, wall time and peak memory of each code, every
per-seed error), ``workflow/reference/depth_authors_d<d>.csv`` (their medians and quartiles:
the reference series of the depth Fig. 2 notebook) and ``STEM.md``: per learner and kappa both
codes' medians and quartiles and the gap ``median(ours) - median(theirs)`` with a 90%
bootstrap interval over seeds (each code's seeds resampled on their own, 2000 resamples, numpy
seed 0). A gap whose interval excludes 0 is more than seed noise (of 28 gaps, about 3 exclude
0 by chance at 90%). The seeds are not the pipeline's scored seeds: ours are ``0..seeds-1``,
theirs their own stream (``1926 ^ d``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

KAPPAS = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2]
#: the learners in the order of the authors' four ``np.median`` calls per n
AUTHORS_ORDER = ["three_layer_layerwise", "krr", "two_layer", "three_layer_joint"]
LEARNERS = ["krr", "two_layer", "three_layer_layerwise", "three_layer_joint"]
ROOT = Path(__file__).resolve().parents[1]


def run_authors(codes: Path, d: int, seeds: int) -> dict:
    """Their ``RunExperiment.py`` in this process, in a temporary folder; per-trial errors
    recorded from the arrays handed to ``np.median``."""
    params = yaml.safe_load((codes / "RawHyperparams" / "Example" / "Example.yaml").read_text())
    params.update(ds=[d], exp_min=KAPPAS[0], exp_max=KAPPAS[-1], num=len(KAPPAS),
                  trials=seeds, FlagOverlapLin=False, FlagOverlapNonLin=False,
                  FlagTrain2Layer=True)  # fmt: skip
    recorded: list[list[float]] = []
    median = np.median

    def recording(values, *args, **kwargs):
        recorded.append([float(v) for v in values])
        return median(values, *args, **kwargs)

    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        (Path(work) / "ParamsFolder").mkdir()
        (Path(work) / "ParamsFolder" / "oracle.yaml").write_text(yaml.safe_dump(params))
        os.environ["SLURM_JOB_ID"] = "oracle"  # else their script asks for an output name
        sys.path.insert(0, str(codes))
        np.median = recording
        start = time.perf_counter()
        try:
            runpy.run_path(str(codes / "RunExperiment.py"), run_name="__main__")
        finally:
            np.median = median
        wall = time.perf_counter() - start
    if len(recorded) != len(AUTHORS_ORDER) * len(KAPPAS):
        raise RuntimeError(f"expected {4 * len(KAPPAS)} median calls, saw {len(recorded)}")
    n_values = np.logspace(KAPPAS[0], KAPPAS[-1], num=len(KAPPAS), base=d, dtype=int)
    errors = []
    for i, values in enumerate(recorded):
        kappa_index, learner = divmod(i, len(AUTHORS_ORDER))
        for trial, value in enumerate(values):
            errors.append({
                "learner": AUTHORS_ORDER[learner], "kappa": KAPPAS[kappa_index],
                "n": int(n_values[kappa_index]), "seed": trial, "value": value,
            })  # fmt: skip
    import torch

    return {
        "wall_seconds": round(wall, 1),
        "threads": torch.get_num_threads(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "test_mse": errors,
    }


def run_ours(d: int, seeds: int, output: Path) -> dict:
    command = ["hdlearn", "bench", "depth-sweep", "--d", str(d), "--seeds", str(seeds),
               "--device", "cpu", "--output", str(output)]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return json.loads(output.read_text())


def _quartiles(values: np.ndarray) -> tuple[float, float, float]:
    q25, q50, q75 = np.quantile(values, [0.25, 0.5, 0.75])
    return float(q50), float(q25), float(q75)


def gap_interval(ours: np.ndarray, theirs: np.ndarray, level: float = 0.9) -> tuple[float, float]:
    """Percentile bootstrap interval of ``median(ours) - median(theirs)``, each code's seeds
    resampled with replacement on their own (2000 resamples, ``default_rng(0)``)."""
    rng = np.random.default_rng(0)
    a = rng.choice(ours, size=(2000, ours.size)).astype(np.float64)
    b = rng.choice(theirs, size=(2000, theirs.size)).astype(np.float64)
    gaps = np.median(a, axis=1) - np.median(b, axis=1)
    low, high = np.quantile(gaps, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def table(ours: list[dict], theirs: list[dict]) -> list[dict]:
    """One row per learner and kappa: both codes' median and quartiles, the gap and its
    interval, and whether the interval excludes 0."""
    rows = []
    for learner in LEARNERS:
        for kappa in KAPPAS:

            def pick(errors, learner=learner, kappa=kappa):
                return np.array([
                    e["value"] for e in errors
                    if e["learner"] == learner and abs(e["kappa"] - kappa) < 1e-9
                ])  # fmt: skip

            a, b = pick(ours), pick(theirs)
            low, high = gap_interval(a, b)
            (m_a, l_a, h_a), (m_b, l_b, h_b) = _quartiles(a), _quartiles(b)
            rows.append({
                "learner": learner, "kappa": kappa, "seeds_ours": a.size, "seeds_theirs": b.size,
                "median_ours": m_a, "q25_ours": l_a, "q75_ours": h_a,
                "median_theirs": m_b, "q25_theirs": l_b, "q75_theirs": h_b,
                "gap": m_a - m_b, "gap_low": low, "gap_high": high,
                "beyond_seed_noise": bool(low > 0 or high < 0),
            })  # fmt: skip
    return rows


def markdown(result: dict) -> str:
    o, t = result["ours"], result["theirs"]
    lines = [
        f"# Depth sweep, d = {result['d']}, {result['seeds']} seeds: ours and the authors' code",
        "",
        f"Machine: {result['machine']}; `{result['command']}`.",
        "",
        "| code | wall time (s) | peak memory (MB) | threads |",
        "|---|---|---|---|",
        f"| ours (`hdlearn bench depth-sweep`, overlaps logged) | {o['wall_seconds']} | "
        f"{o['peak_rss_mb']} | {o['threads']} |",
        f"| theirs (`RunExperiment.py`, overlaps off) | {t['wall_seconds']} | "
        f"{t['peak_rss_mb']} | {t['threads']} |",
        "",
        f"Ours / theirs wall time: {o['wall_seconds'] / t['wall_seconds']:.2f}. Ours per "
        "learner (s): " + ", ".join(f"{k} {v}" for k, v in o["seconds_per_learner"].items()) + ".",
        "",
        "Test MSE, median [q25, q75] over seeds; gap = median(ours) - median(theirs) with its 90%"
        " bootstrap interval; **bold** where the interval excludes 0 (more than seed noise).",
        "",
        "| learner | kappa | ours | theirs | gap [90% CI] |",
        "|---|---|---|---|---|",
    ]
    for row in result["table"]:
        gap = f"{row['gap']:+.3f} [{row['gap_low']:+.3f}, {row['gap_high']:+.3f}]"
        lines.append(
            f"| {row['learner']} | {row['kappa']:.1f} | {row['median_ours']:.3f} "
            f"[{row['q25_ours']:.3f}, {row['q75_ours']:.3f}] | {row['median_theirs']:.3f} "
            f"[{row['q25_theirs']:.3f}, {row['q75_theirs']:.3f}] | "
            + (f"**{gap}**" if row["beyond_seed_noise"] else gap)
            + " |"
        )
    return "\n".join(lines) + "\n"


def write_reference(result: dict, path: Path) -> None:
    """The authors' medians and quartiles per learner and kappa as a CSV reference series (the
    depth Fig. 2 notebook draws it where the run's largest d is this one)."""
    lines = [
        "# The authors' code (github.com/IdePHICS/ComputationalDepth, Codes/RunExperiment.py,",
        "# unchanged, Example.yaml hyperparameters, overlaps off), test MSE over trials:",
        f"# {result['command']} ({result['machine']}); see benchmarks/depth_oracle_d32.md.",
        "learner,d,kappa,n,median,q25,q75,seeds",
    ]
    for row in result["table"]:
        n = next(e["n"] for e in result["theirs"]["test_mse"]
                 if e["learner"] == row["learner"] and e["kappa"] == row["kappa"])  # fmt: skip
        quartiles = [f"{row[k + '_theirs']:.6g}" for k in ("median", "q25", "q75")]
        values = [row["learner"], result["d"], row["kappa"], n, *quartiles, row["seeds_theirs"]]
        lines.append(",".join(str(v) for v in values))
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authors", type=Path, required=True, help="their repository")
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--output", type=Path, default=None, help="STEM of STEM.json, STEM.md")
    parser.add_argument("--only-authors", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    codes = args.authors.resolve() / "Codes"
    if args.only_authors is not None:  # the child process that runs their code
        args.only_authors.write_text(json.dumps(run_authors(codes, args.d, args.seeds)))
        return
    if not (codes / "RunExperiment.py").is_file():
        sys.exit(f"depth_oracle: {codes / 'RunExperiment.py'} not found: --authors must be a "
                 "checkout of github.com/IdePHICS/ComputationalDepth")  # fmt: skip
    stem = args.output or ROOT / "benchmarks" / f"depth_oracle_d{args.d}"
    with tempfile.TemporaryDirectory() as scratch:
        theirs_json = Path(scratch) / "theirs.json"
        subprocess.run([sys.executable, __file__, "--authors", str(args.authors), "--d",
                        str(args.d), "--seeds", str(args.seeds), "--only-authors",
                        str(theirs_json)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        theirs = json.loads(theirs_json.read_text())
        ours = run_ours(args.d, args.seeds, Path(scratch) / "ours.json")
    result = {
        "d": args.d, "seeds": args.seeds, "kappas": KAPPAS,
        "machine": f"{platform.machine()} {platform.processor()} ({os.cpu_count()} cores)",
        "command": "python benchmarks/depth_oracle.py --authors PATH "
                   f"--d {args.d} --seeds {args.seeds}",
        "ours": ours, "theirs": theirs, "table": table(ours["test_mse"], theirs["test_mse"]),
    }  # fmt: skip
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    stem.with_suffix(".md").write_text(markdown(result))
    write_reference(result, ROOT / "workflow" / "reference" / f"depth_authors_d{args.d}.csv")
    print(markdown(result))


if __name__ == "__main__":
    main()
