# All of the workflow's Python: config validation, the cell plan, input functions and wildcard
# constraints. No rules here (house style, see ../shared/STYLE.md).
import json
import sys
from pathlib import Path

import yaml

from hdlearn.config import ConfigError, validate_config
from hdlearn.experiments import plan
from hdlearn.io import yaml_line

SCALES = ("smoke", "default", "paper")

try:
    validate_config(config, Path(workflow.basedir) / "config" / "schema.yaml")
except ConfigError as error:
    sys.exit(f"hdlearn: {error}")

with open(Path(workflow.basedir) / "workflow" / "figures.yaml") as handle:
    FIGURES = yaml.safe_load(handle)

# {scale: {paper: {experiment: {cell: spec}}}}: pure Python, computed once at parse time.
PLAN = {scale: plan(config, scale) for scale in SCALES}
PAPERS = sorted(PLAN[config["scale"]])


def cells_of(scale, paper):
    """Every cell of a paper at a scale (a cell shared by experiments appears once)."""
    return {
        name: spec
        for cells in PLAN[scale][paper].values()
        for name, spec in cells.items()
    }


def cell_path(scale, paper, cell):
    return f"results/{scale}/cells/{paper}/{cell}.parquet"


def table_path(scale, paper, experiment):
    return f"results/{scale}/tables/{paper}/{experiment}.parquet"


def figure_paths(scale, figure):
    return [
        f"results/{scale}/figures/{figure}.pdf",
        f"results/{scale}/figures/{figure}.png",
        f"results/{scale}/notebooks/{figure}.ipynb",
    ]


def get_cell_spec(wildcards):
    """The cell's parameters as JSON (they are also what its file name hashes)."""
    return json.dumps(cells_of(wildcards.scale, wildcards.paper)[wildcards.cell])


def get_cell_gpu(wildcards):
    """Training cells ask the scheduler for a GPU at paper scale."""
    return 1 if wildcards.scale == "paper" else 0


def get_cells(wildcards):
    cells = PLAN[wildcards.scale][wildcards.paper][wildcards.experiment]
    return [cell_path(wildcards.scale, wildcards.paper, cell) for cell in cells]


def get_figure_tables(wildcards):
    spec = FIGURES[wildcards.figure]
    return {
        parameter: table_path(wildcards.scale, spec["paper"], experiment)
        for parameter, experiment in spec["tables"].items()
    }


def figure_settings(scale, figure):
    """{notebook parameter: value} of the claim settings a figure draws (figures.yaml
    ``settings``), read from its paper's ``claims`` block at ``scale``."""
    spec = FIGURES[figure]
    claims = config["scales"][scale][spec["paper"]]["claims"]
    return {name: claims[key] for name, key in spec.get("settings", {}).items()}


def check_figure_settings():
    """Refuse a figures.yaml whose settings name a key no ``claims`` block has."""
    for figure, spec in FIGURES.items():
        for scale in SCALES:
            claims = config["scales"][scale][spec["paper"]]["claims"]
            missing = sorted(set(spec.get("settings", {}).values()) - set(claims))
            if missing:
                sys.exit(
                    f"hdlearn: workflow/figures.yaml: {figure}.settings names "
                    f"{', '.join(missing)}, not keys of scales.{scale}.{spec['paper']}"
                    f".claims (allowed: {', '.join(sorted(claims))})"
                )


check_figure_settings()


def get_papermill_parameters(wildcards, input, output):
    """``-p name value`` for every table and output path of a figure notebook."""
    pairs = {name: input[name] for name in FIGURES[wildcards.figure]["tables"]}
    pairs.update(output_pdf=output.pdf, output_png=output.png)
    return " ".join(f"-p {name} {value}" for name, value in pairs.items())


def get_figure_settings(wildcards):
    """The claim settings a figure draws as one YAML line, papermill's ``-y`` (a function of
    the wildcards only, so Snakemake tracks it: a changed threshold redraws the figure).
    """
    return yaml_line(figure_settings(wildcards.scale, wildcards.figure))


def get_figure_caption(wildcards):
    """The report caption, with ``{parameter}`` replaced by the figure's claim settings."""
    settings = figure_settings(wildcards.scale, wildcards.figure)
    return FIGURES[wildcards.figure]["caption"].format(**settings)


def get_figure_paper(wildcards):
    return FIGURES[wildcards.figure]["paper"]


def get_claims_tables(wildcards):
    return [
        table_path(wildcards.scale, paper, experiment)
        for paper in PAPERS
        for experiment in PLAN[wildcards.scale][paper]
    ]


def get_claims_settings(wildcards):
    """JSON for ``hdlearn claims``: each paper's claim thresholds and table paths."""
    grids = config["scales"][wildcards.scale]
    return json.dumps(
        {
            paper: {
                "claims": grids[paper]["claims"],
                "tables": {
                    experiment: table_path(wildcards.scale, paper, experiment)
                    for experiment in PLAN[wildcards.scale][paper]
                },
            }
            for paper in PAPERS
        }
    )


def get_figures(wildcards):
    return [
        path for figure in FIGURES for path in figure_paths(wildcards.scale, figure)
    ]


def get_benchmark_mapping(wildcards):
    """JSON {figure: [benchmark files of every job the figure depends on]}."""
    scale = wildcards.scale
    mapping = {}
    for figure, spec in FIGURES.items():
        paper = spec["paper"]
        files = [f"results/{scale}/benchmarks/figure/{figure}.tsv"]
        for experiment in spec["tables"].values():
            files.append(
                f"results/{scale}/benchmarks/aggregate/{paper}/{experiment}.tsv"
            )
            files += [
                f"results/{scale}/benchmarks/cell/{paper}/{cell}.tsv"
                for cell in PLAN[scale][paper][experiment]
            ]
        mapping[figure] = sorted(set(files))
    return json.dumps(mapping)


def final_targets():
    scale = config["scale"]
    return [
        *[path for figure in FIGURES for path in figure_paths(scale, figure)],
        f"results/{scale}/claims.csv",
        f"results/{scale}/claims.md",
        f"results/{scale}/compute.csv",
    ]


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
    scale="|".join(SCALES),
    paper="|".join(PAPERS),
    experiment="[a-z_]+",
    figure="|".join(FIGURES),
    cell="[A-Za-z0-9_.\-]+",
