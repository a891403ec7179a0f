# 2D FDTD of microcavity II with a finite crystal, on MPI ranks (the MPI consistency check).


rule finite_crystal_2d:
    output:
        h5="results/finite_crystal_2d/{stack}/transmission.h5",
    log:
        "logs/finite_crystal_2d/{stack}.log",
    benchmark:
        "benchmarks/finite_crystal_2d/{stack}.tsv"
    priority: 30  # MPI (all ranks): start while both cores are free
    conda:
        CONDA_ENV
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
        ranks=mpi_ranks,
    params:
        settings=lambda w: settings_json(S.finite_crystal_2d_settings(config, w.stack)),
    shell:
        "{resources.mpi} -n {resources.ranks} python3 -m mpi4py workflow/scripts/finite_crystal_2d.py "
        "--settings {params.settings:q} --stack {wildcards.stack} --h5 {output.h5} > {log} 2>&1"
