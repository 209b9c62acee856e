# One papermill notebook per figure (each paper's figures.yaml lists them): tables and the
# paper's claims table in, figure files and the executed notebook out. Restyling a notebook or
# a plotting module it imports reruns only its figures. One rule per paper, so that the report
# groups the figures by paper (a report category is a fixed string per rule).

for figure_paper in PAPERS:

    rule:
        name:
            f"figure_{figure_paper}"
        input:
            unpack(get_figure_inputs),
        output:
            pdf="results/{scale}/figures/{figure}.pdf",
            png=report(
                "results/{scale}/figures/{figure}.png",
                caption="../report/figure.rst",
                category=figure_paper,
                subcategory="{figure}",
                labels={"figure": "{figure}", "scale": "{scale}"},
            ),
            notebook="results/{scale}/notebooks/{figure}.ipynb",
        log:
            "results/{scale}/logs/figure/{figure}.log",
        benchmark:
            "results/{scale}/benchmarks/figure/{figure}.tsv"
        wildcard_constraints:
            figure="|".join(
                name for name, spec in FIGURES.items() if spec["paper"] == figure_paper
            )
            or "(?!)",
        conda:
            "../../environment.yml"
        params:
            parameters=get_papermill_parameters,
            settings=get_figure_settings,
            caption=get_figure_caption,
        shell:
            "papermill {input.nb} {output.notebook} {params.parameters} "
            "-y {params.settings:q} -k python3 --log-output > {log} 2>&1"
