# All of the workflow's Python: config validation, the cell plan, input functions and wildcard
# constraints. No rules here (house style, see ../shared/STYLE.md). Nothing here names a
# paper: the papers come from the registry (hdlearn.papers.PAPERS) and their packages.
import functools
import json
import sys
from types import SimpleNamespace
from pathlib import Path

from hdlearn.config import ConfigError, validate_config
from hdlearn.cost import MODEL, check_memory, load_calibration, memory_limit, priorities
from hdlearn.fingerprint import (
    SRC,
    claims_modules,
    closure,
    notebook_modules,
    stale_report,
)
from hdlearn.io import atomic_write_text, params_hash, yaml_line
from hdlearn.landing import rst_text
from hdlearn.papers import PAPERS, figures, papers_at, plan, setting
from hdlearn.replicates import replicate_config, run_name, split_run

SCALES = ("smoke", "default", "paper")
ROOT = Path(workflow.basedir)

try:
    # the schema on the whole config, the semantic checks on the scale this run plans
    validate_config(
        config, ROOT / "config" / "schema.yaml", scales=[config.get("scale")]
    )
except ConfigError as error:
    sys.exit(f"hdlearn: {error}")

# The landing page names the config it ran (any value changed, a new hash).
CONFIG_HASH = params_hash(config)

# Every registered paper's figures; a scale builds those of the papers it has a block for.
FIGURES = figures()


@functools.cache
def scale_plan(run):
    """{paper: {experiment: {cell: spec}}} of one run (a scale, or a replicate of it such as
    default/replicate-2, whose seeds are shifted: hdlearn.replicates): pure Python, computed
    once, and only for the runs a target asks for."""
    scale, index = split_run(run)
    return plan(replicate_config(config, index), scale)


def papers_of(run):
    return papers_at(config, split_run(run)[0])


def figures_of(scale):
    return [name for name, spec in FIGURES.items() if spec["paper"] in papers_of(scale)]


def cells_of(scale, paper):
    """Every cell of a paper at a scale (a cell shared by experiments appears once)."""
    return {
        name: spec
        for cells in scale_plan(scale)[paper].values()
        for name, spec in cells.items()
    }


def cell_path(scale, paper, cell):
    return f"results/{scale}/cells/{paper}/{cell}.parquet"


# A cell that cannot fit in the memory a cell may use is refused now, before any job runs.
try:
    check_memory(
        scale_plan(config["scale"]),
        config["scale"],
        memory_limit(config),
        lambda paper, cell: Path(cell_path(config["scale"], paper, cell)).exists(),
    )
except ConfigError as error:
    sys.exit(f"hdlearn: {error}")


def table_path(scale, paper, experiment):
    return f"results/{scale}/tables/{paper}/{experiment}.parquet"


def claims_path(scale, paper):
    return f"results/{scale}/claims/{paper}.parquet"


def notebook_path(figure):
    return f"workflow/notebooks/{FIGURES[figure]['paper']}/{figure}.ipynb"


def figure_paths(scale, figure):
    return [
        f"results/{scale}/figures/{figure}.pdf",
        f"results/{scale}/figures/{figure}.png",
        f"results/{scale}/notebooks/{figure}.ipynb",
    ]


def get_cell_spec(wildcards):
    """The cell's parameters as JSON (they are also what its file name hashes)."""
    return json.dumps(cells_of(wildcards.scale, wildcards.paper)[wildcards.cell])


@functools.cache
def cell_priorities(run):
    """{(paper, cell): estimated seconds} of a run's cells from the committed cost model
    (hdlearn.cost.MODEL): the longest cells are scheduled first."""
    return priorities(scale_plan(run), load_calibration(ROOT / MODEL))


def get_cell_priority(wildcards):
    return cell_priorities(wildcards.scale).get((wildcards.paper, wildcards.cell), 0.0)


def get_cell_gpu(wildcards):
    """Training cells ask the scheduler for a GPU at paper scale."""
    return 1 if split_run(wildcards.scale)[0] == "paper" else 0


def get_cells(wildcards):
    cells = scale_plan(wildcards.scale)[wildcards.paper][wildcards.experiment]
    return [cell_path(wildcards.scale, wildcards.paper, cell) for cell in cells]


def get_figure_inputs(wildcards):
    """A figure's tables (notebook parameter -> table), its paper's claims table, its
    notebook and the hdlearn modules the notebook imports (so restyling redraws it)."""
    spec = FIGURES[wildcards.figure]
    inputs = {
        parameter: table_path(wildcards.scale, spec["paper"], experiment)
        for parameter, experiment in spec["tables"].items()
    }
    inputs.update(figure_files(wildcards.scale, wildcards.figure))
    inputs["claims_table"] = claims_path(wildcards.scale, spec["paper"])
    inputs["nb"] = notebook_path(wildcards.figure)
    inputs["code"] = NOTEBOOK_MODULES[wildcards.figure]
    return inputs


def source_paths(paths):
    """Module files as paths of this checkout's src/ (the imported hdlearn may live in
    another checkout, e.g. an editable install's)."""
    return [f"src/{path.relative_to(SRC)}" for path in paths]


NOTEBOOK_MODULES = {
    figure: source_paths(notebook_modules(ROOT / notebook_path(figure)))
    for figure in FIGURES
}
CLAIMS_MODULES = {
    paper: source_paths(closure(claims_modules(paper))) for paper in PAPERS
}


def figure_settings(scale, figure):
    """{notebook parameter: value} of the settings a figure draws (its figures.yaml
    ``settings``: claim thresholds, protocol values, grid values; hdlearn.papers.setting).
    """
    spec = FIGURES[figure]
    return {
        name: setting(config, scale, spec["paper"], key)
        for name, key in spec.get("settings", {}).items()
    }


def check_figure_settings():
    """Refuse a figures.yaml whose settings name a value the config does not have."""
    for figure, spec in FIGURES.items():
        for scale in SCALES:
            if spec["paper"] not in papers_of(scale):
                continue
            try:
                figure_settings(scale, figure)
            except KeyError as error:
                sys.exit(
                    f"hdlearn: src/hdlearn/papers/{spec['paper']}/figures.yaml: "
                    f"{figure}.settings: {error.args[0]}"
                )


check_figure_settings()


def figure_files(scale, figure):
    """{notebook parameter: path} of the files a figure reads besides its tables (its
    ``files`` entry; a path "" means none and is no input)."""
    spec = FIGURES[figure]
    paths = {
        name: setting(config, scale, spec["paper"], key)
        for name, key in spec.get("files", {}).items()
    }
    return {name: path for name, path in paths.items() if path}


def get_papermill_parameters(wildcards, input, output):
    """``-p name value`` for every table, file, the claims table and the output paths."""
    spec = FIGURES[wildcards.figure]
    names = [*spec["tables"], *spec.get("files", {}), "claims_table"]
    pairs = {name: input.get(name, "") for name in names}
    pairs.update(output_pdf=output.pdf, output_png=output.png)
    return " ".join(
        f"-p {name} {value or chr(34) * 2}" for name, value in pairs.items()
    )


def get_figure_settings(wildcards):
    """The claim settings a figure draws as one YAML line, papermill's ``-y`` (a function of
    the wildcards only, so Snakemake tracks it: a changed threshold redraws the figure).
    """
    return yaml_line(figure_settings(wildcards.scale, wildcards.figure))


def get_figure_caption(wildcards):
    """The report caption, with ``{parameter}`` replaced by the figure's claim settings."""
    settings = figure_settings(wildcards.scale, wildcards.figure)
    # literal text: a caption's |x| must not read as an RST substitution
    return rst_text(FIGURES[wildcards.figure]["caption"].format(**settings))


def get_paper_claims_inputs(wildcards):
    """A paper's tables, and the hdlearn modules its claims job runs (editing them reruns
    its claims job, seconds, and so its figures)."""
    return {
        "tables": [
            table_path(wildcards.scale, wildcards.paper, experiment)
            for experiment in scale_plan(wildcards.scale)[wildcards.paper]
        ],
        "code": CLAIMS_MODULES[wildcards.paper],
    }


def get_paper_claims_settings(wildcards):
    """JSON for ``hdlearn claims``: one paper's claim thresholds and table paths."""
    run, paper = wildcards.scale, wildcards.paper
    return json.dumps(
        {
            "claims": config["scales"][split_run(run)[0]][paper]["claims"],
            "tables": {
                experiment: table_path(run, paper, experiment)
                for experiment in scale_plan(run)[paper]
            },
        }
    )


def get_claims_tables(wildcards):
    return [claims_path(wildcards.scale, paper) for paper in papers_of(wildcards.scale)]


def get_figures(wildcards):
    return [
        path
        for figure in figures_of(wildcards.scale)
        for path in figure_paths(wildcards.scale, figure)
    ]


def get_benchmark_mapping(wildcards):
    """JSON {figure: [benchmark files of every job the figure depends on]}."""
    scale = wildcards.scale
    mapping = {}
    for figure in figures_of(scale):
        spec = FIGURES[figure]
        paper = spec["paper"]
        files = [
            f"results/{scale}/benchmarks/figure/{figure}.tsv",
            f"results/{scale}/benchmarks/claims/{paper}.tsv",
        ]
        for experiment in spec["tables"].values():
            files.append(
                f"results/{scale}/benchmarks/aggregate/{paper}/{experiment}.tsv"
            )
            files += [
                f"results/{scale}/benchmarks/cell/{paper}/{cell}.tsv"
                for cell in scale_plan(scale)[paper][experiment]
            ]
        mapping[figure] = sorted(set(files))
    return json.dumps(mapping)


def get_replication_inputs(wildcards):
    """{run_<j>: claims tables of run j} for the main run (j = 0) and every replicate."""
    return {
        f"run_{j}": get_claims_tables(
            SimpleNamespace(scale=run_name(wildcards.scale, j))
        )
        for j in range(config["replicates"]["count"] + 1)
    }


def get_replication_tables(wildcards, input):
    """``J=PATH`` pairs for ``hdlearn replication`` (J = 0: the main run)."""
    return " ".join(
        f"{j}={path}"
        for j in range(config["replicates"]["count"] + 1)
        for path in input[f"run_{j}"]
    )


def get_landing_figures(wildcards):
    """JSON {figure: {paper, claims, png}} of the scale's figures, for the landing page."""
    return json.dumps(
        {
            figure: {
                "paper": FIGURES[figure]["paper"],
                "claims": list(FIGURES[figure].get("claims", [])),
                "png": f"results/{wildcards.scale}/figures/{figure}.png",
            }
            for figure in figures_of(wildcards.scale)
        }
    )


def landing_path(scale):
    return f"results/{scale}/report/landing.rst"


def final_targets():
    scale = config["scale"]
    return [
        landing_path(scale),
        *[path for figure in figures_of(scale) for path in figure_paths(scale, figure)],
        f"results/{scale}/claims.csv",
        f"results/{scale}/claims.md",
        f"results/{scale}/compute.csv",
        f"results/{scale}/checks.txt",
    ]


def report_stale_cells(scale):
    """One line per paper (of the main run and of every replicate run on disk) whose finished
    cells ran other code than the current one. Their paths go to
    results/<scale>/stale_cells.txt (removed when none are stale), which the printed command
    hands to --forcerun (README, "Code changes and reruns")."""
    runs = [run_name(scale, j) for j in range(config["replicates"]["count"] + 1)]
    lines, files = [], []
    for run in runs:
        if run != scale and not (Path("results") / run / "cells").is_dir():
            continue
        run_lines, run_files = stale_report(
            Path("results") / run / "cells",
            {paper: cells_of(run, paper) for paper in papers_of(run)},
        )
        lines += [line if run == scale else f"{run}: {line}" for line in run_lines]
        files += run_files
    listing = Path("results") / scale / "stale_cells.txt"
    for line in lines:
        print(f"hdlearn: {line}", file=sys.stderr)
    if not files:
        listing.unlink(missing_ok=True)
        return
    atomic_write_text("".join(f"{path}\n" for path in files), listing)
    print(
        "hdlearn: to rerun exactly the stale cells and what depends on them, add\n"
        f"  --forcerun $(cat {listing})\n"
        "to the command you ran (same --config, --configfile and profile)",
        file=sys.stderr,
    )


# Only the main Snakemake process checks (jobs re-parse the Snakefile, on a cluster too).
if workflow.is_main_process:
    report_stale_cells(config["scale"])


def report_locations(scale):
    """Printed at the end of a successful run."""
    root = Path("results") / scale
    scorecard = root / "claims.md"
    if scorecard.exists():
        print(scorecard.read_text())
    print(f"figures:   {root / 'figures'}/")
    print(f"scorecard: {root / 'claims.csv'} and {scorecard}")
    print(f"compute:   {root / 'compute.csv'}")
    print(f"report:    snakemake --report {root / 'report.html'}")


wildcard_constraints:
    scale=f"({'|'.join(SCALES)})(/replicate-[1-9][0-9]*)?",
    paper="|".join(PAPERS),
    experiment="[a-z_]+",
    figure="|".join(FIGURES),
    cell="[A-Za-z0-9_.\-]+",
