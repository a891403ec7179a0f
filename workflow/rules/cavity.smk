# Cavity modes and Q-factors (issue 4): one 1D-FDTD analysis per cavity stack.
# Outputs per stack: modes.h5 (interface datasets for the threshold model + cross-checks),
# summary.png/.pdf, benchmark.json (wall time and cell-updates/s of every FDTD run).
# The Meep points of the dispersion and thickness study and the convergence table are the
# validation rule cavity_validation's (results/validation/cavity/{stack}/).


rule cavity_modes:
    output:
        h5="results/{run}cavity/{stack}/modes.h5",
        fig=report(
            "results/{run}cavity/{stack}/summary.png",
            caption="../report/cavity_modes.rst",
            category="Cavities",
            subcategory="{stack}",
        ),
        bench="results/{run}cavity/{stack}/benchmark.json",
    log:
        "logs/{run}cavity/{stack}.log",
    benchmark:
        "benchmarks/{run}cavity/{stack}.tsv"
    priority: 20  # the longest serial jobs (up to ~5 min): start early (issue 18)
    group:
        point_group
    conda:
        CONDA_ENV
    threads: 1
    resources:
        launcher=SERIAL_LAUNCHER,
    params:
        settings=cavity_run_settings,
    shell:
        "{resources.launcher} python3 workflow/scripts/cavity_modes.py --stack {wildcards.stack} --settings {params.settings:q} "
        "--h5 {output.h5} --fig {output.fig} --bench {output.bench} > {log} 2>&1"


# Meep cross-checks of the cavity step (validation target): the Meep 2D-Bloch dispersion points,
# the Meep thickness-study points and the Harminv convergence table. Recomputes the working
# (calibrated) config itself (transfer matrix): independent of cavity_modes.
rule cavity_validation:
    output:
        h5="results/validation/cavity/{stack}/validation.h5",
        md=report(
            "results/validation/cavity/{stack}/validation.md",
            caption="../report/cavity_validation.rst",
            category="Validation",
            subcategory="{stack}",
        ),
        fig=report(
            "results/validation/cavity/{stack}/validation.png",
            caption="../report/cavity_validation.rst",
            category="Validation",
            subcategory="{stack}",
        ),
        bench="results/validation/cavity/{stack}/benchmark.json",
    log:
        "logs/validation/cavity/{stack}.log",
    benchmark:
        "benchmarks/validation/cavity/{stack}.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.cavity_settings(config, w.stack, validation=True)),
    shell:
        "python3 workflow/scripts/cavity_validation.py --stack {wildcards.stack} --settings {params.settings:q} "
        "--h5 {output.h5} --fig {output.fig} --md {output.md} --bench {output.bench} > {log} 2>&1"


rule cavity_lateral:
    output:
        h5="results/cavity/{stack}/lateral.h5",
        fig=report(
            "results/cavity/{stack}/lateral.png",
            caption="../report/cavity_lateral.rst",
            category="Cavities",
            subcategory="{stack}",
        ),
        bench="results/cavity/{stack}/lateral_benchmark.json",
    log:
        "logs/cavity/{stack}_lateral.log",
    benchmark:
        "benchmarks/cavity/{stack}_lateral.tsv"
    priority: 30  # MPI (all ranks): start while both cores are free
    conda:
        CONDA_ENV
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
        ranks=mpi_ranks,
    params:
        settings=lambda w: settings_json(S.cavity_lateral_settings(config, w.stack)),
    shell:
        "{resources.mpi} -n {resources.ranks} python3 -m mpi4py workflow/scripts/cavity_lateral.py --stack {wildcards.stack} "
        "--settings {params.settings:q} --h5 {output.h5} --fig {output.fig} --bench {output.bench} > {log} 2>&1"


rule cavity_lateral_convergence:
    output:
        md=report(
            "results/cavity/{stack}/lateral_convergence.md",
            caption="../report/cavity_lateral_convergence.rst",
            category="Cavities",
            subcategory="{stack}",
        ),
        json="results/cavity/{stack}/lateral_convergence.json",
    log:
        "logs/cavity/{stack}_lateral_convergence.log",
    benchmark:
        "benchmarks/cavity/{stack}_lateral_convergence.tsv"
    conda:
        CONDA_ENV
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
        ranks=mpi_ranks,
    params:
        settings=lambda w: settings_json(S.cavity_lateral_settings(config, w.stack)),
    shell:
        "{resources.mpi} -n {resources.ranks} python3 -m mpi4py workflow/scripts/cavity_lateral_convergence.py "
        "--stack {wildcards.stack} --settings {params.settings:q} --json {output.json} --md {output.md} > {log} 2>&1"
