# Inter-cavity transfer (issue 6): absorbed fraction of microcavity II against angle, then
# the radiometric transfer of each PeLED's emission table onto the crystal plane.
rule transfer_pump_absorption:
    input:
        modes=modes_path,
    output:
        h5="results/{run}transfer/pump_absorption.h5",
        fig=report(
            "results/{run}transfer/pump_absorption.png",
            caption="../report/transfer_pump_absorption.rst",
            category="Transfer",
        ),
    log:
        "logs/{run}transfer/pump_absorption.log",
    benchmark:
        "benchmarks/{run}transfer/pump_absorption.tsv"
    group:
        point_group
    conda:
        CONDA_ENV
    threads: 1
    resources:
        launcher=SERIAL_LAUNCHER,
    params:
        settings=lambda w: settings_json(S.pump_absorption_settings(run_config(w))),
    shell:
        "{resources.launcher} python3 workflow/scripts/transfer_pump_absorption.py --settings {params.settings:q} "
        "--modes {input.modes} --h5 {output.h5} --fig {output.fig} > {log} 2>&1"


# FDTD check of the transfer-matrix absorption table (validation; the default run's table is tmm)
rule pump_absorption_meep:
    input:
        modes=lambda w: f"results/cavity/{config['transfer']['absorber_stack']}/modes.h5",
    output:
        h5="results/validation/transfer/pump_absorption_meep.h5",
    log:
        "logs/validation/pump_absorption_meep.log",
    benchmark:
        "benchmarks/validation/pump_absorption_meep.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.pump_absorption_meep_settings(config)),
    shell:
        "python3 workflow/scripts/pump_absorption_meep.py --settings {params.settings:q} --modes {input.modes} "
        "--h5 {output.h5} > {log} 2>&1"


rule transfer:
    input:
        emission=lambda w: emission_path(w, w.led),
        absorption=absorption_path,
    output:
        h5="results/{run}transfer/{led}/transfer.h5",
        fig=report(
            "results/{run}transfer/{led}/maps.png",
            caption="../report/transfer_maps.rst",
            category="Transfer",
        ),
        bench="results/{run}transfer/{led}/benchmark.json",
    log:
        "logs/{run}transfer/{led}.log",
    benchmark:
        "benchmarks/{run}transfer/{led}.tsv"
    wildcard_constraints:
        led="microcavity|standard",
    group:
        point_group
    conda:
        CONDA_ENV
    threads: 1
    resources:
        launcher=SERIAL_LAUNCHER,
    params:
        settings=lambda w: settings_json(S.transfer_settings(run_config(w))),
    shell:
        "{resources.launcher} python3 workflow/scripts/transfer.py --settings {params.settings:q} --led {wildcards.led} "
        "--emission {input.emission} --absorption {input.absorption} --h5 {output.h5} --fig {output.fig} "
        "--benchmark-json {output.bench} > {log} 2>&1"


rule transfer_compare:
    input:
        microcavity="results/transfer/microcavity/transfer.h5",
        standard="results/transfer/standard/transfer.h5",
    output:
        h5="results/transfer/comparison.h5",
        fig=report(
            "results/transfer/comparison.png",
            caption="../report/transfer_comparison.rst",
            category="Transfer",
        ),
    log:
        "logs/transfer/comparison.log",
    benchmark:
        "benchmarks/transfer/comparison.tsv"
    conda:
        CONDA_ENV
    threads: 1
    params:
        settings=lambda w: settings_json(S.transfer_compare_settings(config)),
    shell:
        "python3 workflow/scripts/transfer_compare.py --settings {params.settings:q} --microcavity {input.microcavity} "
        "--standard {input.standard} --h5 {output.h5} --fig {output.fig} > {log} 2>&1"


# Full-wave check of the radiometric transfer at reduced scale (issue 6, item 4): 2D Meep
# (MPI) of LED + gap + microcavity II, s polarization, against the plane-wave solution and the
# radiometric model of the same structure. Validation target (not in the default run: its
# default cost is well above 10 min on 2 cores): snakemake validation
rule transfer_fullwave:
    output:
        h5="results/transfer/fullwave.h5",
        fig=report(
            "results/transfer/fullwave.png",
            caption="../report/transfer_fullwave.rst",
            category="Transfer",
        ),
        md="results/transfer/fullwave.md",
        json="results/transfer/fullwave.json",
    log:
        "logs/transfer/fullwave.log",
    benchmark:
        "benchmarks/transfer/fullwave.tsv"
    conda:
        CONDA_ENV
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
        ranks=mpi_ranks,
    params:
        settings=lambda w: settings_json(S.transfer_fullwave_settings(config)),
    shell:
        "{resources.mpi} -n {resources.ranks} python3 -m mpi4py workflow/scripts/transfer_fullwave.py "
        "--settings {params.settings:q} --h5 {output.h5} --fig {output.fig} --md {output.md} "
        "--json {output.json} > {log} 2>&1"
