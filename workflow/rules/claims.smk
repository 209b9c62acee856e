# The scorecard over every paper's tables, and the compute summary per figure.


rule claims:
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
    params:
        settings=get_claims_settings,
        title="hdlearn claims scorecard ({scale} scale)",
    log:
        "results/{scale}/logs/claims/claims.log",
    benchmark:
        "results/{scale}/benchmarks/claims/claims.tsv"
    conda:
        "../../environment.yml"
    shell:
        "hdlearn claims --settings {params.settings:q} --title {params.title:q} "
        "--csv {output.csv} --md {output.md} > {log} 2>&1"


rule compute:
    input:
        get_figures,
    output:
        "results/{scale}/compute.csv",
    params:
        mapping=get_benchmark_mapping,
    log:
        "results/{scale}/logs/compute/compute.log",
    conda:
        "../../environment.yml"
    shell:
        "hdlearn compute --mapping {params.mapping:q} --output {output} > {log} 2>&1"
