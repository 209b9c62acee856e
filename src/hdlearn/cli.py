"""``hdlearn`` command line, called by the Snakemake rules (and usable by hand).

hdlearn run-cell  --paper depth --spec '<json>' --output cell.parquet [--device auto]
hdlearn aggregate --experiment sweep --output table.parquet cell1.parquet cell2.parquet ...
hdlearn claims    --paper depth --settings '<json>' --output claims/depth.parquet
hdlearn scorecard --csv claims.csv --md claims.md --title '...' claims/depth.parquet ...
hdlearn compute   --mapping '<json>' --output compute.csv
hdlearn checks    --output checks.txt claims.csv       (exit status 1 if an identity check failed)
hdlearn replication --csv r.csv --md r.md 0=claims/depth.parquet 1=replicate-1/... ...
hdlearn bench     depth-sweep [--d 32] [--output benchmarks/depth_sweep.json]
hdlearn compare   A B [--markdown comparison.md]   (A, B: results folders or claims.csv files)
hdlearn estimate  [--configfile my.yaml] [--config scale=paper ...] [--cores N]
hdlearn export    [--config scale=S ...] --output bundle.tar.gz
hdlearn import    bundle.tar.gz [--config scale=S ...]
hdlearn landing   --scale S --claims claims.csv --figures '<json>' --config-hash H --output F
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def _run_cell(args: argparse.Namespace) -> None:
    from hdlearn.fingerprint import cell_code
    from hdlearn.io import write_table
    from hdlearn.runner import run_cell

    spec = json.loads(args.spec)
    frame, record = run_cell(args.paper, spec, args.device, args.threads, cell_code(args.paper))
    write_table(frame, args.output, record)
    print(f"wrote {len(frame)} rows to {args.output} in {record['seconds']:.1f} s", file=sys.stderr)


def _aggregate(args: argparse.Namespace) -> None:
    from hdlearn.io import provenance, read_table, write_table

    frames = [read_table(path).assign(experiment=args.experiment) for path in args.cells]
    table = pd.concat(frames, ignore_index=True)
    table = table[["experiment", *[c for c in table.columns if c != "experiment"]]]
    write_table(
        table, args.output, provenance({"experiment": args.experiment, "cells": args.cells})
    )
    print(f"{args.output}: {len(table)} rows from {len(frames)} cells", file=sys.stderr)


def _claims(args: argparse.Namespace) -> None:
    from hdlearn.io import provenance, write_table
    from hdlearn.scorecard import paper_claims

    settings = json.loads(args.settings)
    table = paper_claims(args.paper, settings)
    write_table(table, args.output, provenance({"paper": args.paper, **settings}))
    print(table.to_string(), file=sys.stderr)


def _scorecard(args: argparse.Namespace) -> None:
    from hdlearn.analysis.verdicts import SCORECARD_COLUMNS, to_markdown
    from hdlearn.io import atomic_write_text, read_table

    card = pd.concat([read_table(path) for path in args.tables], ignore_index=True)
    card = card[SCORECARD_COLUMNS]
    markdown = to_markdown(card, args.title)
    atomic_write_text(card.to_csv(index=False), args.csv)
    atomic_write_text(markdown, args.md)
    print(markdown)


def _checks(args: argparse.Namespace) -> None:
    from hdlearn.analysis.verdicts import CHECK_FAILED, IDENTITY
    from hdlearn.io import atomic_write_text

    card = pd.read_csv(args.scorecard, keep_default_na=False, na_values=[""])
    checks = card[card["kind"] == IDENTITY]
    failed = checks[checks["verdict"] == CHECK_FAILED]
    if not failed.empty:
        for row in failed.itertuples():
            print(
                f"hdlearn: CHECK failed: {row.claim_id} {row.statistic} = {row.value} "
                f"(must be {row.prediction}): {row.statement}",
                file=sys.stderr,
            )
        sys.exit(
            f"hdlearn: {len(failed)} of {len(checks)} identity checks failed: the code is broken"
        )
    atomic_write_text(
        f"{len(checks)} identity checks ok: {', '.join(checks['claim_id'])}\n", args.output
    )


def _replication(args: argparse.Namespace) -> None:
    from hdlearn.io import atomic_write_text, read_table
    from hdlearn.replication import replication_table, to_markdown

    runs: dict[int, list[pd.DataFrame]] = {}
    for pair in args.tables:
        index, sep, path = pair.partition("=")
        if not sep or not index.isdigit():
            sys.exit(f"hdlearn replication: {pair!r} is not RUN=PATH with RUN an integer")
        runs.setdefault(int(index), []).append(read_table(path))
    table = replication_table({j: pd.concat(f, ignore_index=True) for j, f in runs.items()})
    markdown = to_markdown(table, args.title)
    atomic_write_text(table.to_csv(index=False), args.csv)
    atomic_write_text(markdown, args.md)
    print(markdown)


def _compute(args: argparse.Namespace) -> None:
    from hdlearn.io import atomic_write_text

    rows = [
        summarise_benchmarks(figure, [Path(p) for p in benchmarks])
        for figure, benchmarks in json.loads(args.mapping).items()
    ]
    atomic_write_text(pd.DataFrame(rows).to_csv(index=False), args.output)


def summarise_benchmarks(figure: str, benchmarks: Sequence[Path]) -> dict[str, object]:
    """Sum Snakemake's per-job benchmark files of one figure. Jobs without a file (cells
    computed elsewhere, e.g. on a GPU box, and copied in) are counted as ``jobs_unmeasured``."""
    present = [path for path in benchmarks if path.exists()]
    stats = pd.concat([pd.read_csv(path, sep="\t") for path in present]) if present else None
    return {
        "figure": figure,
        "jobs": len(present),
        "jobs_unmeasured": len(benchmarks) - len(present),
        "wall_seconds": float(stats["s"].sum()) if stats is not None else 0.0,
        "cpu_seconds": float(stats["cpu_time"].sum()) if stats is not None else 0.0,
        "peak_rss_mb": float(stats["max_rss"].max()) if stats is not None else 0.0,
    }


def _bench(args: argparse.Namespace) -> None:
    from hdlearn.papers.depth.benchmark import run_benchmark

    result = run_benchmark(args.name, args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        from hdlearn.io import atomic_write_text

        atomic_write_text(text + "\n", args.output)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hdlearn", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    cell = commands.add_parser("run-cell", help="run one cell and write its parquet file")
    cell.add_argument("--paper", required=True)
    cell.add_argument("--spec", required=True, help="the cell's parameters as JSON")
    cell.add_argument("--output", required=True)
    cell.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    cell.add_argument("--threads", type=int, default=1, help="CPU threads (results depend on it)")
    cell.set_defaults(handler=_run_cell)

    agg = commands.add_parser("aggregate", help="concatenate cells into one tidy table")
    agg.add_argument("--experiment", required=True)
    agg.add_argument("--output", required=True)
    agg.add_argument("cells", nargs="+")
    agg.set_defaults(handler=_aggregate)

    claims = commands.add_parser("claims", help="evaluate one paper's claims")
    claims.add_argument("--paper", required=True)
    claims.add_argument("--settings", required=True, help="JSON {claims, tables}")
    claims.add_argument("--output", required=True, help="the paper's claims table (parquet)")
    claims.set_defaults(handler=_claims)

    card = commands.add_parser("scorecard", help="join the papers' claims tables")
    card.add_argument("--csv", required=True)
    card.add_argument("--md", required=True)
    card.add_argument("--title", default="hdlearn claims scorecard")
    card.add_argument("tables", nargs="+", help="claims tables, in scorecard order")
    card.set_defaults(handler=_scorecard)

    checks = commands.add_parser("checks", help="fail if an identity check failed")
    checks.add_argument("--output", required=True, help="written only when every check is ok")
    checks.add_argument("scorecard", help="claims.csv")
    checks.set_defaults(handler=_checks)

    repl = commands.add_parser("replication", help="verdicts of the main run and replicates")
    repl.add_argument("--csv", required=True)
    repl.add_argument("--md", required=True)
    repl.add_argument("--title", default="hdlearn replication")
    repl.add_argument("tables", nargs="+", help="RUN=claims table (RUN 0: the main run)")
    repl.set_defaults(handler=_replication)

    compute = commands.add_parser("compute", help="sum job benchmarks per figure")
    compute.add_argument("--mapping", required=True, help="JSON {figure: [benchmark.tsv]}")
    compute.add_argument("--output", required=True)
    compute.set_defaults(handler=_compute)

    bench = commands.add_parser("bench", help="run a speed benchmark")
    bench.add_argument("name", choices=["depth-sweep"])
    bench.add_argument("--d", type=int, default=32)
    bench.add_argument("--seeds", type=int, default=3)
    bench.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    bench.add_argument("--output", default=None)
    bench.set_defaults(handler=_bench)

    comp = commands.add_parser(
        "compare", help="two runs side by side: verdicts, values and cells that changed"
    )
    comp.add_argument("a", help="the baseline: a results folder (results/<scale>) or claims.csv")
    comp.add_argument("b", help="the run to compare with it")
    comp.add_argument("--markdown", default=None, help="also write the comparison here")
    comp.set_defaults(handler=_compare)

    est = commands.add_parser(
        "estimate", help="cells, time and memory a run would take, before it runs"
    )
    est.add_argument("--configfile", action="append", default=[], help="merged over config")
    est.add_argument("--config", nargs="*", default=[], help="key=value, as for snakemake")
    est.add_argument("--cores", type=int, default=0, help="default: this machine's cores")
    est.add_argument("--root", default=".", help="the repository (config/, results/)")
    est.add_argument("--record", default=None, metavar="PATH",
                     help="write the calibration of results/'s benchmarks here (the committed "
                          "cost model: workflow/reference/cost_model.json)")  # fmt: skip
    est.set_defaults(handler=_estimate)

    bundles = [("export", _export, "pack a scale's cells and tables"),
               ("import", _import, "unpack a bundle into results/<scale>/")]  # fmt: skip
    for name, handler, about in bundles:
        sub = commands.add_parser(name, help=about)
        if name == "export":
            sub.add_argument("--output", required=True, help="the bundle (.tar.gz)")
        else:
            sub.add_argument("bundle", help="a bundle written by hdlearn export")
        sub.add_argument("--configfile", action="append", default=[], help="merged over config")
        sub.add_argument("--config", nargs="*", default=[], help="key=value, as for snakemake")
        sub.add_argument("--root", default=".", help="the repository (config/, results/)")
        sub.set_defaults(handler=handler)

    land = commands.add_parser("landing", help="the report's landing page: the scorecard")
    land.add_argument("--scale", required=True)
    land.add_argument("--claims", required=True, help="claims.csv of the run")
    land.add_argument("--figures", required=True, help="JSON {figure: {paper, claims, png}}")
    land.add_argument("--config-hash", required=True)
    land.add_argument("--output", required=True)
    land.set_defaults(handler=_landing)
    return parser


def _compare(args: argparse.Namespace) -> None:
    from hdlearn.compare import CompareError, compare, to_markdown, to_text
    from hdlearn.io import atomic_write_text

    try:
        result = compare(args.a, args.b)
    except CompareError as error:
        sys.exit(f"hdlearn compare: {error}")
    print(to_text(result))
    if args.markdown:
        atomic_write_text(to_markdown(result), args.markdown)


def _estimate(args: argparse.Namespace) -> None:
    import os
    import platform

    from hdlearn.config import ConfigError
    from hdlearn.cost import (
        MODEL,
        calibrate,
        check_memory,
        estimate,
        load_calibration,
        memory_limit,
        model_code,
        recorded_cells,
        recorded_code,
        render,
        save_calibration,
        stale_papers,
    )
    from hdlearn.io import git_sha

    root, scale, config, cells = _plan_of(args, "estimate")
    results = root / "results" / scale / "cells"
    done = {(p.parent.name, p.stem) for p in results.glob("*/*.parquet")}
    try:
        check_memory(cells, scale, memory_limit(config), lambda p, c: (p, c) in done)
    except ConfigError as error:
        sys.exit(f"hdlearn estimate: {error}")
    records = recorded_cells(root / "results")
    if args.record:
        if not records:
            sys.exit("hdlearn estimate --record: no recorded cell under results/ to calibrate on")
        about = {"machine": f"{platform.machine()}, {os.cpu_count()} cores",
                 "commit": git_sha(Path(__file__).parent), "cells": len(records),
                 "code": recorded_code(root / "results")}  # fmt: skip
        save_calibration(calibrate(records), Path(args.record), about)
    stale: list[str] = []
    if records:
        calibration, source = calibrate(records), "recorded job benchmarks"
    else:
        calibration, source = load_calibration(root / MODEL), f"the committed model {MODEL}"
        stale = stale_papers(model_code(root / MODEL), cells)
    cores = args.cores or os.cpu_count() or 1
    rows = estimate(cells, calibration, cores, done)
    print(render(rows, cores, scale, source, stale), end="")


def _plan_of(args: argparse.Namespace, command: str) -> tuple[Path, str, dict, dict]:
    """The repository root, scale, config and plan of ``--configfile``/``--config`` (exit
    with one line on error)."""
    from hdlearn.config import ConfigError, validate_config
    from hdlearn.cost import merged_config
    from hdlearn.papers import plan

    root = Path(args.root)
    try:
        config = merged_config(root, args.configfile, args.config)
        scale = config.get("scale")
        validate_config(config, root / "config" / "schema.yaml", scales=[scale])
    except (ConfigError, ValueError, OSError) as error:
        sys.exit(f"hdlearn {command}: {error}")
    return root, scale, config, plan(config, scale)


def _export(args: argparse.Namespace) -> None:
    from hdlearn.bundle import BundleError, export_bundle

    root, scale, _, cells = _plan_of(args, "export")
    try:
        manifest = export_bundle(root, scale, cells, Path(args.output))
    except BundleError as error:
        sys.exit(f"hdlearn export: {error}")
    print(f"{args.output}: {len(manifest['files'])} files of scale {scale} "
          f"(commit {manifest['git_sha']})")  # fmt: skip


def _import(args: argparse.Namespace) -> None:
    from hdlearn.bundle import BundleError, import_bundle

    root, scale, _, cells = _plan_of(args, "import")
    try:
        report = import_bundle(root, Path(args.bundle), scale, cells)
    except BundleError as error:
        sys.exit(f"hdlearn import: {error}")
    for path, reason in report.foreign:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    written, kept, foreign = len(report.written), len(report.kept), len(report.foreign)
    print(
        f"{written} files imported into results/{scale}/, {kept} already present (kept), "
        f"{foreign} foreign (skipped)"
    )


def _landing(args: argparse.Namespace) -> None:
    from hdlearn.io import atomic_write_text
    from hdlearn.landing import landing_page, run_metadata

    card = pd.read_csv(args.claims, keep_default_na=False, na_values=[""])
    card = card.fillna({c: "" for c in ("reason", "conditions", "variant", "provenance")})
    metadata = run_metadata(Path(args.claims).parent, args.config_hash, args.scale)
    page = landing_page(args.scale, card, json.loads(args.figures), metadata)
    atomic_write_text(page, args.output)


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.handler(args)


if __name__ == "__main__":
    main()
