# What Meep simulates: eps(z) and eps(x, z) of the configured stacks.


rule permittivity_map:
    output:
        h5="results/geometry/{stack}/permittivity.h5",
        fig=report(
            "results/geometry/{stack}/permittivity.png",
            caption="../report/permittivity_map.rst",
            category="Geometry",
            subcategory="{stack}",
        ),
    log:
        "logs/geometry/{stack}.log",
    benchmark:
        "benchmarks/geometry/{stack}.tsv"
    conda:
        CONDA_ENV
    params:
        settings=lambda w: settings_json(S.permittivity_map_settings(config, w.stack)),
    shell:
        "python3 workflow/scripts/permittivity_map.py --settings {params.settings:q} --stack {wildcards.stack} "
        "--h5 {output.h5} --fig {output.fig} > {log} 2>&1"
