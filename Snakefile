from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


# The report opens on the run's scorecard once a run has written it (rule landing), else on the
# workflow's description.
report:
    landing_path(config["scale"])
    if Path(landing_path(config["scale"])).exists()
    else "workflow/report/workflow.rst"


include: "workflow/rules/cells.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"


rule all:
    default_target: True
    input:
        final_targets(),


onsuccess:
    report_locations(config["scale"])
