# Each paper's claims over its tables (one job per paper: bootstraps run in parallel), then
# the scorecard over every paper's claims table, and the compute summary per figure. They only
# read small tables: on a cluster they run on the submit host.


localrules:
    claims,
    scorecard,
    compute,
    checks,
    replication,


rule claims:
    input:
        unpack(get_paper_claims_inputs),
    output:
        "results/{scale}/claims/{paper}.parquet",
    log:
        "results/{scale}/logs/claims/{paper}.log",
    benchmark:
        "results/{scale}/benchmarks/claims/{paper}.tsv"
    conda:
        "../../environment.yml"
    params:
        settings=get_paper_claims_settings,
    shell:
        "hdlearn claims --paper {wildcards.paper} --settings {params.settings:q} "
        "--output {output} > {log} 2>&1"


rule scorecard:
    input:
        get_claims_tables,
    output:
        csv="results/{scale}/claims.csv",
        md=report(
            "results/{scale}/claims.md",
            caption="../report/claims.rst",
            category="Claims scorecard",
            labels={"table": "claims", "scale": "{scale}"},
        ),
    log:
        "results/{scale}/logs/scorecard/scorecard.log",
    conda:
        "../../environment.yml"
    params:
        title="hdlearn claims scorecard ({scale} scale)",
    shell:
        "hdlearn scorecard --title {params.title:q} --csv {output.csv} --md {output.md} "
        "{input} > {log} 2>&1"


rule landing:
    input:
        claims="results/{scale}/claims.csv",
        compute="results/{scale}/compute.csv",
        figures=get_figures,
    output:
        "results/{scale}/report/landing.rst",
    log:
        "results/{scale}/logs/landing/landing.log",
    conda:
        "../../environment.yml"
    params:
        figures=get_landing_figures,
        config_hash=CONFIG_HASH,
    shell:
        "hdlearn landing --scale {wildcards.scale} --claims {input.claims} "
        "--figures {params.figures:q} --config-hash {params.config_hash} --output {output} "
        "> {log} 2>&1"


rule compute:
    input:
        get_figures,
    output:
        "results/{scale}/compute.csv",
    log:
        "results/{scale}/logs/compute/compute.log",
    conda:
        "../../environment.yml"
    params:
        mapping=get_benchmark_mapping,
    shell:
        "hdlearn compute --mapping {params.mapping:q} --output {output} > {log} 2>&1"


rule checks:
    input:
        scorecard="results/{scale}/claims.csv",
        compute="results/{scale}/compute.csv",
    output:
        "results/{scale}/checks.txt",
    log:
        "results/{scale}/logs/scorecard/checks.log",
    conda:
        "../../environment.yml"
    shell:
        "hdlearn checks --output {output} {input.scorecard} 2>&1 | tee {log}"


rule replication:
    input:
        unpack(get_replication_inputs),
    output:
        csv="results/{scale}/replication.csv",
        md="results/{scale}/replication.md",
    log:
        "results/{scale}/logs/scorecard/replication.log",
    wildcard_constraints:
        scale="|".join(SCALES),
    conda:
        "../../environment.yml"
    params:
        tables=get_replication_tables,
        title="hdlearn replication ({scale} scale)",
    shell:
        "hdlearn replication --title {params.title:q} --csv {output.csv} --md {output.md} "
        "{params.tables} > {log} 2>&1"
