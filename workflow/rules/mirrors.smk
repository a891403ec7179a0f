# Mirror spectra (issue 3): R, T, A of each DBR between its media by 1D Meep, checked against
# transfer matrix at the same points. Default run: normal incidence by Meep, the angle
# dependence by transfer matrix alone. Validation: the same plus the Meep kx sweep (s and p),
# and a resolution-convergence study at normal incidence.


# default run: Meep at normal incidence only (kx = 0), transfer matrix at the angles
rule mirror_spectra:
    output:
        h5="results/mirrors/{mirror}/spectra.h5",
        fig=report(
            "results/mirrors/{mirror}/spectra.png",
            caption="../report/mirror_spectra.rst",
            category="Mirrors",
            subcategory="{mirror}",
        ),
        pdf="results/mirrors/{mirror}/spectra.pdf",
        metrics="results/mirrors/{mirror}/metrics.json",
        claims="results/mirrors/{mirror}/metrics.csv",
    log:
        "logs/mirrors/{mirror}.log",
    benchmark:
        "benchmarks/mirrors/{mirror}.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.mirror_step_settings(config, w.mirror)),
    shell:
        "python3 workflow/scripts/mirror_spectra.py --settings {params.settings:q} --mirror {wildcards.mirror} "
        "--h5 {output.h5} --fig {output.fig} --metrics {output.metrics} > {log} 2>&1"


# validation: normal incidence + the oblique kx sweep (n_kx per polarization, s and p, capped
# at oblique_time_factor x the normal run), angle interpolation, unsettled frequencies
rule mirror_oblique:
    output:
        h5="results/validation/mirrors/{mirror}/spectra.h5",
        fig=report(
            "results/validation/mirrors/{mirror}/spectra.png",
            caption="../report/mirror_oblique.rst",
            category="Mirrors",
            subcategory="{mirror}",
        ),
        pdf="results/validation/mirrors/{mirror}/spectra.pdf",
        metrics="results/validation/mirrors/{mirror}/metrics.json",
        claims="results/validation/mirrors/{mirror}/metrics.csv",
    log:
        "logs/validation/mirrors/{mirror}.log",
    benchmark:
        "benchmarks/validation/mirrors/{mirror}.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.mirror_step_settings(config, w.mirror, oblique=True)),
    shell:
        "python3 workflow/scripts/mirror_spectra.py --oblique --settings {params.settings:q} --mirror {wildcards.mirror} "
        "--h5 {output.h5} --fig {output.fig} --metrics {output.metrics} > {log} 2>&1"


rule mirror_convergence:
    output:
        md=report(
            "results/mirrors/convergence.md",
            caption="../report/mirror_convergence.rst",
            category="Mirrors",
        ),
        json="results/mirrors/convergence.json",
    log:
        "logs/mirrors/convergence.log",
    benchmark:
        "benchmarks/mirrors/convergence.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.mirror_step_settings(config)),
    shell:
        "python3 workflow/scripts/mirror_convergence.py --settings {params.settings:q} "
        "--md {output.md} --json {output.json} > {log} 2>&1"
