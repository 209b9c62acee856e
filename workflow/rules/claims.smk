# The scorecard over every paper's tables, and the compute summary per figure. Both only read
# small tables: on a cluster they run on the submit host.


localrules:
    claims,
    compute,


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
    log:
        "results/{scale}/logs/claims/claims.log",
    benchmark:
        "results/{scale}/benchmarks/claims/claims.tsv"
    conda:
        "../../environment.yml"
    params:
        settings=get_claims_settings,
        title="hdlearn claims scorecard ({scale} scale)",
    shell:
        "hdlearn claims --settings {params.settings:q} --title {params.title:q} "
        "--csv {output.csv} --md {output.md} > {log} 2>&1"


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
