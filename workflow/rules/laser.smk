# Laser output of microcavity II (issue 20): far field and divergence below / above threshold,
# linewidth and L-J across threshold, modulation bandwidth and pulse response, tornado; and the
# reduced-scale 2D Meep checks of the far-field model (MPI): Gaussian line sources in the passive
# cavity, and a finite pumped (gain) region whose gain-guided mode is the above-threshold model's.


rule laser_far_field_meep:
    output:
        h5="results/laser/far_field_meep.h5",
    log:
        "logs/laser/far_field_meep.log",
    benchmark:
        "benchmarks/laser/far_field_meep.tsv"
    priority: 30  # MPI (all ranks): start while both cores are free
    conda:
        CONDA_ENV
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
        ranks=mpi_ranks,
    params:
        settings=lambda w: settings_json(S.laser_meep_settings(config)),
    shell:
        "{resources.mpi} -n {resources.ranks} python3 -m mpi4py workflow/scripts/laser_far_field_meep.py "
        "--settings {params.settings:q} --h5 {output.h5} > {log} 2>&1"


rule laser_gain_region_meep:
    output:
        h5="results/laser/gain_region_meep.h5",
    log:
        "logs/laser/gain_region_meep.log",
    benchmark:
        "benchmarks/laser/gain_region_meep.tsv"
    priority: 30  # MPI (all ranks): start while both cores are free
    conda:
        CONDA_ENV
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
        ranks=mpi_ranks,
    params:
        settings=lambda w: settings_json(S.laser_gain_meep_settings(config)),
    shell:
        "{resources.mpi} -n {resources.ranks} python3 -m mpi4py workflow/scripts/laser_gain_region_meep.py "
        "--settings {params.settings:q} --h5 {output.h5} > {log} 2>&1"


rule laser_output:
    input:
        modes="results/cavity/microcavity_II/modes.h5",
        transfer="results/transfer/microcavity/transfer.h5",
        threshold="results/threshold/threshold.h5",
        meep="results/laser/far_field_meep.h5",
        gain_meep="results/laser/gain_region_meep.h5",
    output:
        h5="results/laser/laser_output.h5",
        far_field=report(
            "results/laser/far_field.png",
            caption="../report/laser_far_field.rst",
            category="Laser output",
        ),
        li=report(
            "results/laser/light_current.png",
            caption="../report/laser_light_current.rst",
            category="Laser output",
        ),
        modulation=report(
            "results/laser/modulation.png",
            caption="../report/laser_modulation.rst",
            category="Laser output",
        ),
        gain_region=report(
            "results/laser/gain_region_meep.png",
            caption="../report/laser_gain_region_meep.rst",
            category="Laser output",
        ),
        sens_table="results/laser/sensitivity.md",
    log:
        "logs/laser/laser_output.log",
    benchmark:
        "benchmarks/laser/laser_output.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.laser_output_settings(config)),
    shell:
        "python3 workflow/scripts/laser_output.py --settings {params.settings:q} --modes {input.modes} "
        "--transfer {input.transfer} --threshold {input.threshold} --meep {input.meep} --gain-meep {input.gain_meep} --h5 {output.h5} "
        "--fig-dir results/laser > {log} 2>&1"
