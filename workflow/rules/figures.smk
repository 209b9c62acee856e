# One papermill notebook per figure (workflow/figures.yaml lists them): tables in, figure
# files and the executed notebook out. Restyling a notebook reruns only its figure.


rule figure:
    input:
        unpack(get_figure_tables),
        nb="workflow/notebooks/{figure}.ipynb",
        style="src/hdlearn/plotting/style.py",
    output:
        pdf="results/{scale}/figures/{figure}.pdf",
        png=report(
            "results/{scale}/figures/{figure}.png",
            caption="../report/figure.rst",
            category="Figures",
            subcategory="{figure}",
            labels={"figure": "{figure}", "scale": "{scale}"},
        ),
        notebook="results/{scale}/notebooks/{figure}.ipynb",
    log:
        "results/{scale}/logs/figure/{figure}.log",
    benchmark:
        "results/{scale}/benchmarks/figure/{figure}.tsv"
    conda:
        "../../environment.yml"
    params:
        parameters=get_papermill_parameters,
        settings=get_figure_settings,
        caption=get_figure_caption,
    shell:
        "papermill {input.nb} {output.notebook} {params.parameters} -y {params.settings:q} "
        "-k python3 --log-output > {log} 2>&1"
