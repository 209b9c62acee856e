# The generic chain shared by every paper: cell -> aggregate. A paper plugs in through its
# package hdlearn.papers.<paper> (expand, run_cell) and its block in config/config.yaml.
# On a cluster, cells are the scheduled jobs; aggregating (reading small parquet files) runs
# on the submit host.


localrules:
    aggregate,


rule cell:
    output:
        "results/{scale}/cells/{paper}/{cell}.parquet",
    log:
        "results/{scale}/logs/cell/{paper}/{cell}.log",
    benchmark:
        "results/{scale}/benchmarks/cell/{paper}/{cell}.tsv"
    priority: get_cell_priority
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        gpu=get_cell_gpu,
    params:
        spec=get_cell_spec,
        device=config["device"],
    shell:
        "hdlearn run-cell --paper {wildcards.paper} --device {params.device} --threads {threads} "
        "--spec {params.spec:q} --output {output} > {log} 2>&1"


rule aggregate:
    input:
        get_cells,
    output:
        "results/{scale}/tables/{paper}/{experiment}.parquet",
    log:
        "results/{scale}/logs/aggregate/{paper}/{experiment}.log",
    benchmark:
        "results/{scale}/benchmarks/aggregate/{paper}/{experiment}.tsv"
    conda:
        "../../environment.yml"
    shell:
        "hdlearn aggregate --experiment {wildcards.experiment} --output {output} {input} "
        "> {log} 2>&1"
