# Angular emission of the PeLEDs (issue 5): incoherent dipoles in the emitter layer, k_par sweep
# by Meep (split over MPI ranks), transfer-matrix cross-check; radiance tables for the transfer step.


wildcard_constraints:
    led="[A-Za-z][A-Za-z0-9_]*",


# The k_par sweep in emission.sweep_jobs serial jobs per LED (every n-th Meep run each), which
# Snakemake places beside each other and beside the other steps; no MPI rank waits on another.
rule emission_sweep:
    output:
        h5="results/{run}emission/{led}/sweep/part{part}.h5",
    log:
        "logs/{run}emission/{led}_sweep{part}.log",
    benchmark:
        "benchmarks/{run}emission/{led}_sweep{part}.tsv"
    wildcard_constraints:
        part=r"\d+",
    priority: 10  # upstream of the threshold chain
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=emission_run_settings,
        parts=config["emission"]["sweep_jobs"],
    shell:
        "python3 workflow/scripts/emission_sweep.py --settings {params.settings:q} --led {wildcards.led} "
        "--part {wildcards.part} --parts {params.parts} --h5 {output.h5} > {log} 2>&1"


rule emission_led:
    input:
        parts=sweep_parts,
    output:
        h5="results/{run}emission/{led}/emission.h5",
        cost="benchmarks/{run}emission/{led}_per_run.tsv",
        fig=report(
            "results/{run}emission/{led}/emission_map.png", caption="../report/emission_map.rst", category="Emission"
        ),
    log:
        "logs/{run}emission/{led}.log",
    benchmark:
        "benchmarks/{run}emission/{led}.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=emission_run_settings,
    shell:
        "python3 workflow/scripts/emission.py --settings {params.settings:q} --led {wildcards.led} "
        "--h5 {output.h5} --fig {output.fig} --cost {output.cost} --parts {input.parts} > {log} 2>&1"


# Validation: the escape fraction at one kx against resolution (emission.convergence_resolutions_px_per_um)
rule emission_convergence:
    output:
        h5="results/validation/emission/{led}/convergence.h5",
    log:
        "logs/validation/emission_{led}_convergence.log",
    benchmark:
        "benchmarks/validation/emission_{led}_convergence.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.emission_settings(config, w.led)),
    shell:
        "python3 workflow/scripts/emission_convergence.py --settings {params.settings:q} "
        "--led {wildcards.led} --h5 {output.h5} > {log} 2>&1"


rule emission_compare:
    input:
        h5=expand("results/emission/{led}/emission.h5", led=list(config["emission"]["leds"])),
    output:
        fig=report("results/emission/polar.png", caption="../report/emission_polar.rst", category="Emission"),
        tsv="results/emission/summary.tsv",
    log:
        "logs/emission/compare.log",
    benchmark:
        "benchmarks/emission/compare.tsv"
    conda:
        CONDA_ENV
    shell:
        "python3 workflow/scripts/emission_compare.py --h5 {input.h5} --fig {output.fig} --tsv {output.tsv} > {log} 2>&1"


# Independent check (issue 5): a line dipole in a finite 2D cell (lateral PML), Meep's
# near-to-far projection, against the 1D sheet sweep on the same grid and the transfer matrix.
rule emission_nearfar:
    output:
        h5="results/emission/{led}/nearfar.h5",
        fig=report("results/emission/{led}/nearfar.png", caption="../report/emission_nearfar.rst", category="Emission"),
    log:
        "logs/emission/{led}_nearfar.log",
    benchmark:
        "benchmarks/emission/{led}_nearfar.tsv"
    conda:
        CONDA_ENV
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
        ranks=mpi_ranks,
    params:
        settings=lambda w: settings_json(S.nearfar_settings(config, w.led)),
    shell:
        "{resources.mpi} -n {resources.ranks} python3 -m mpi4py workflow/scripts/emission_nearfar.py --settings {params.settings:q}"
        " --led {wildcards.led} --h5 {output.h5} --fig {output.fig} > {log} 2>&1"
