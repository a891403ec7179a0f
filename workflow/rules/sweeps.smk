# Parameter sweeps (config section `sweeps`, issue 8): each value of a swept key is a point of
# the threshold chain under results/sweeps/{sweep}/{point}/, run by the main rules with the point's
# config (workflow/rules/runs.smk: only the steps a point changes run; the others are the main
# run's). `sweep_gather` makes one table and figure per sweep.


rule sweep_gather:
    input:
        threshold=sweep_inputs("threshold"),
        modes=sweep_inputs("modes"),
        absorption=sweep_inputs("absorption"),
        transfer=sweep_inputs("transfer"),
    output:
        h5="results/sweeps/{sweep}/sweep.h5",
        md="results/sweeps/{sweep}/sweep.md",
        fig=report(
            "results/sweeps/{sweep}/sweep.png", caption="../report/sweep.rst", category="Sweeps", subcategory="{sweep}"
        ),
    log:
        "logs/sweeps/{sweep}/gather.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/gather.tsv"
    conda:
        CONDA_ENV
    params:
        settings=lambda w: settings_json(S.sweep_gather_settings(config, w.sweep)),
    shell:
        "python3 workflow/scripts/sweep_gather.py --settings {params.settings:q} --threshold {input.threshold} "
        "--modes {input.modes} --absorption {input.absorption} --transfer {input.transfer} "
        "--h5 {output.h5} --md {output.md} --fig {output.fig} > {log} 2>&1"
