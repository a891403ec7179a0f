# Threshold model (issue 7): gain, carrier density, pump and LED current at threshold,
# light-current curves, sensitivity; then results/summary.json with the headline numbers.


rule threshold:
    input:
        modes=lambda w: modes_path(w) if w.run else "results/cavity/microcavity_II/modes.h5",
        microcavity=lambda w: transfer_path(w, "microcavity"),
        standard=lambda w: transfer_path(w, "standard"),
    output:
        h5="results/{run}threshold/threshold.h5",
        eqe=report("results/{run}threshold/eqe_fit.png", caption="../report/threshold_eqe.rst", category="Threshold"),
        jth=report("results/{run}threshold/jth.png", caption="../report/threshold_jth.rst", category="Threshold"),
        li=report(
            "results/{run}threshold/light_current.png", caption="../report/threshold_li.rst", category="Threshold"
        ),
        sens=report(
            "results/{run}threshold/sensitivity.png",
            caption="../report/threshold_sensitivity.rst",
            category="Threshold",
        ),
        sens_table="results/{run}threshold/sensitivity.md",
        anchors=report(
            "results/{run}threshold/anchors.png", caption="../report/threshold_anchors.rst", category="Threshold"
        ),
    log:
        "logs/{run}threshold/threshold.log",
    benchmark:
        "benchmarks/{run}threshold/threshold.tsv"
    group:
        point_group
    conda:
        CONDA_ENV
    threads: 1
    resources:
        launcher=SERIAL_LAUNCHER,
    params:
        settings=lambda w: settings_json(S.threshold_settings(run_config(w))),
        fig_dir=lambda w: f"results/{w.run}threshold",
    shell:
        "{resources.launcher} python3 workflow/scripts/threshold.py --settings {params.settings:q} --modes {input.modes} "
        "--microcavity {input.microcavity} --standard {input.standard} --h5 {output.h5} "
        "--fig-dir {params.fig_dir} > {log} 2>&1"


rule summary:
    input:
        absorption="results/transfer/pump_absorption.h5",
        microcavity="results/transfer/microcavity/transfer.h5",
        standard="results/transfer/standard/transfer.h5",
        comparison="results/transfer/comparison.h5",
        threshold="results/threshold/threshold.h5",
        laser="results/laser/laser_output.h5",
        modes_i=lambda w: f"results/cavity/{config['emission']['leds']['microcavity']['stack']}/modes.h5",
        modes=expand("results/cavity/{stack}/modes.h5", stack=list(config["cavity"]["stacks"])),
        emission=expand("results/emission/{led}/emission.h5", led=list(config["emission"]["leds"])),
        mirrors=expand(
            "results/mirrors/{mirror}/metrics.json",
            mirror=list(config["mirror_spectra"]["mirrors"]),
        ),
    output:
        json="results/summary.json",
        html=report("results/headline_table.html", caption="../report/headline_table.rst", category="Threshold"),
    log:
        "logs/summary.log",
    benchmark:
        "benchmarks/summary.tsv"
    conda:
        CONDA_ENV
    shell:
        "python3 workflow/scripts/summary.py --absorption {input.absorption} --microcavity {input.microcavity} "
        "--standard {input.standard} --comparison {input.comparison} --threshold {input.threshold} "
        "--modes-i {input.modes_i} --modes {input.modes} --emission {input.emission} --mirrors {input.mirrors} "
        "--laser {input.laser} --json {output.json} --html {output.html} > {log} 2>&1"
