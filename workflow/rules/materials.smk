# Optical constants: configured model vs the Meep medium built from it, with errors.


rule optical_constants:
    output:
        h5="results/materials/optical_constants.h5",
        fig=report(
            "results/materials/optical_constants.png",
            caption="../report/optical_constants.rst",
            category="Materials",
        ),
    log:
        "logs/materials/optical_constants.log",
    benchmark:
        "benchmarks/materials/optical_constants.tsv"
    conda:
        CONDA_ENV
    params:
        settings=lambda w: settings_json(S.optical_constants_settings(config)),
    shell:
        "python3 workflow/scripts/optical_constants.py --settings {params.settings:q} "
        "--h5 {output.h5} --fig {output.fig} > {log} 2>&1"
