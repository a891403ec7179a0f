# Parameter sweeps (config section `sweeps`, issue 8): each value of a swept key is a point
# of the threshold chain under results/sweeps/{sweep}/{point}/. A step runs per point only
# when the point changes its settings (or its inputs); otherwise the main run's output is
# used. Each point-step is one job; on a cluster the 1D steps (group "sweep_1d") of several
# points share one SLURM job (profiles/slurm: group-components, and a per-job memory pool
# that packs them two at a time), and `sweep_gather` makes one table and figure per sweep.
from sims.sweeps import point_config, point_index, sweep_points

SWEEP_POINTS = sweep_points(config)
ABSORBER = config["transfer"]["absorber_stack"]
_POINT_CONFIGS = {}


def pcfg(sweep, point):
    """Config of one point (the swept key set, no sweeps section)."""
    key = (sweep, point)
    if key not in _POINT_CONFIGS:
        _POINT_CONFIGS[key] = point_config(config, sweep, point_index(point))
    return _POINT_CONFIGS[key]


def point_dir(w):
    return f"results/sweeps/{w.sweep}/{w.point}"


_CHANGES_CAVITY = {}


def sweep_changes_cavity(sweep):
    """True when some point of the sweep changes microcavity II: then every point runs its own
    mode analysis (same calibration policy at every point, the main run's value included)."""
    if sweep not in _CHANGES_CAVITY:
        main = settings_json(S.cavity_settings(config, ABSORBER))
        _CHANGES_CAVITY[sweep] = any(settings_json(S.cavity_settings(pcfg(s, p), ABSORBER)) != main
                                     for s, p in SWEEP_POINTS if s == sweep)
    return _CHANGES_CAVITY[sweep]


def modes_path(w):
    if not sweep_changes_cavity(w.sweep):
        return f"results/cavity/{ABSORBER}/modes.h5"
    return f"{point_dir(w)}/cavity/modes.h5"


def absorption_path(w):
    same = S.pump_absorption_settings(pcfg(w.sweep, w.point)) == S.pump_absorption_settings(config)
    if same and modes_path(w).startswith("results/cavity/"):
        return "results/transfer/pump_absorption.h5"
    return f"{point_dir(w)}/transfer/pump_absorption.h5"


_CHANGES_EMISSION = {}


def sweep_changes_emission(sweep, led):
    """True when some point of the sweep changes the LED's emission settings: then every point runs
    its own emission (same calibration policy at every point, the main run's value included)."""
    if (sweep, led) not in _CHANGES_EMISSION:
        main = settings_json(S.emission_settings(config, led))
        _CHANGES_EMISSION[(sweep, led)] = any(settings_json(S.emission_settings(pcfg(s, p), led)) != main
                                              for s, p in SWEEP_POINTS if s == sweep)
    return _CHANGES_EMISSION[(sweep, led)]


def emission_path(w, led):
    """The main run's emission unless the sweep changes this LED and the point's settings (with the
    sweep's calibration policy) differ from the main run's (an uncalibrated LED at the main value
    keeps the main output)."""
    point = settings_json(S.sweep_emission_settings(config, w.sweep, w.point, led))
    if not sweep_changes_emission(w.sweep, led) or point == settings_json(S.emission_settings(config, led)):
        return f"results/emission/{led}/emission.h5"
    return f"{point_dir(w)}/emission/{led}/emission.h5"


def transfer_path(w, led):
    same = S.transfer_settings(pcfg(w.sweep, w.point)) == S.transfer_settings(config)
    if same and emission_path(w, led).startswith("results/emission/") and absorption_path(w).startswith("results/transfer/"):
        return f"results/transfer/{led}/transfer.h5"
    return f"{point_dir(w)}/transfer/{led}/transfer.h5"


wildcard_constraints:
    sweep="[A-Za-z][A-Za-z0-9_]*",
    point="p[0-9]+",


rule sweep_cavity_modes:
    output:
        h5="results/sweeps/{sweep}/{point}/cavity/modes.h5",
        fig="results/sweeps/{sweep}/{point}/cavity/summary.png",
        bench="results/sweeps/{sweep}/{point}/cavity/benchmark.json",
    params:
        settings=lambda w: settings_json(S.sweep_cavity_settings(config, w.sweep, w.point)),
    log:
        "logs/sweeps/{sweep}/{point}/cavity.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/{point}/cavity.tsv"
    group:
        "sweep_1d"
    threads: 1
    shell:
        "{GROUPED_SERIAL}{PY} workflow/scripts/cavity_modes.py --stack " + ABSORBER + " --settings {params.settings:q} "
        "--h5 {output.h5} --fig {output.fig} --bench {output.bench} > {log} 2>&1"


rule sweep_pump_absorption:
    input:
        modes=modes_path,
    output:
        h5="results/sweeps/{sweep}/{point}/transfer/pump_absorption.h5",
        fig="results/sweeps/{sweep}/{point}/transfer/pump_absorption.png",
    params:
        settings=lambda w: settings_json(S.pump_absorption_settings(pcfg(w.sweep, w.point))),
    log:
        "logs/sweeps/{sweep}/{point}/pump_absorption.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/{point}/pump_absorption.tsv"
    group:
        "sweep_1d"
    threads: 1
    shell:
        "{GROUPED_SERIAL}{PY} workflow/scripts/transfer_pump_absorption.py --settings {params.settings:q} "
        "--modes {input.modes} --h5 {output.h5} --fig {output.fig} > {log} 2>&1"


rule sweep_emission_sweep:
    output:
        h5="results/sweeps/{sweep}/{point}/emission/{led}/sweep/part{part}.h5",
    wildcard_constraints:
        part=r"\d+",
    params:
        settings=lambda w: settings_json(S.sweep_emission_settings(config, w.sweep, w.point, w.led)),
        parts=config["emission"]["sweep_jobs"],
    log:
        "logs/sweeps/{sweep}/{point}/emission_{led}_sweep{part}.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/{point}/emission_{led}_sweep{part}.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/emission_sweep.py --settings {params.settings:q} --led {wildcards.led} "
        "--part {wildcards.part} --parts {params.parts} --h5 {output.h5} > {log} 2>&1"


rule sweep_emission:
    input:
        parts=lambda w: [f"results/sweeps/{w.sweep}/{w.point}/emission/{w.led}/sweep/part{i}.h5"
                         for i in range(config["emission"]["sweep_jobs"])] if config["emission"]["engine"] == "meep" else [],
    output:
        h5="results/sweeps/{sweep}/{point}/emission/{led}/emission.h5",
        cost="results/sweeps/{sweep}/{point}/emission/{led}/cost_per_run.tsv",
        fig="results/sweeps/{sweep}/{point}/emission/{led}/emission_map.png",
    params:
        settings=lambda w: settings_json(S.sweep_emission_settings(config, w.sweep, w.point, w.led)),
    log:
        "logs/sweeps/{sweep}/{point}/emission_{led}.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/{point}/emission_{led}.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/emission.py --settings {params.settings:q} --led {wildcards.led} --h5 {output.h5} "
        "--fig {output.fig} --cost {output.cost} --parts {input.parts} > {log} 2>&1"


rule sweep_transfer:
    input:
        emission=lambda w: emission_path(w, w.led),
        absorption=absorption_path,
    output:
        h5="results/sweeps/{sweep}/{point}/transfer/{led}/transfer.h5",
        fig="results/sweeps/{sweep}/{point}/transfer/{led}/maps.png",
        bench="results/sweeps/{sweep}/{point}/transfer/{led}/benchmark.json",
    wildcard_constraints:
        led="microcavity|standard",
    params:
        settings=lambda w: settings_json(S.transfer_settings(pcfg(w.sweep, w.point))),
    log:
        "logs/sweeps/{sweep}/{point}/transfer_{led}.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/{point}/transfer_{led}.tsv"
    group:
        "sweep_1d"
    threads: 1
    shell:
        "{GROUPED_SERIAL}{PY} workflow/scripts/transfer.py --settings {params.settings:q} --led {wildcards.led} "
        "--emission {input.emission} --absorption {input.absorption} --h5 {output.h5} --fig {output.fig} "
        "--benchmark-json {output.bench} > {log} 2>&1"


rule sweep_threshold:
    input:
        modes=modes_path,
        microcavity=lambda w: transfer_path(w, "microcavity"),
        standard=lambda w: transfer_path(w, "standard"),
    output:
        h5="results/sweeps/{sweep}/{point}/threshold/threshold.h5",
    params:
        settings=lambda w: settings_json(S.threshold_settings(pcfg(w.sweep, w.point))),
        fig_dir=lambda w: f"{point_dir(w)}/threshold",
    log:
        "logs/sweeps/{sweep}/{point}/threshold.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/{point}/threshold.tsv"
    group:
        "sweep_1d"
    threads: 1
    shell:
        "{GROUPED_SERIAL}{PY} workflow/scripts/threshold.py --settings {params.settings:q} --modes {input.modes} "
        "--microcavity {input.microcavity} --standard {input.standard} --h5 {output.h5} "
        "--fig-dir {params.fig_dir} > {log} 2>&1"


def sweep_inputs(kind):
    def inputs(w):
        points = [p for s, p in SWEEP_POINTS if s == w.sweep]
        return [
            {
                "threshold": f"results/sweeps/{w.sweep}/{p}/threshold/threshold.h5",
                "modes": modes_path(Wildcards(w.sweep, p)),
                "absorption": absorption_path(Wildcards(w.sweep, p)),
                "transfer": transfer_path(Wildcards(w.sweep, p), "microcavity"),
            }[kind]
            for p in points
        ]

    return inputs


class Wildcards:
    """Stand-in for a job's wildcards when an input function is called for another point."""

    def __init__(self, sweep, point):
        self.sweep, self.point = sweep, point


rule sweep_gather:
    input:
        threshold=sweep_inputs("threshold"),
        modes=sweep_inputs("modes"),
        absorption=sweep_inputs("absorption"),
        transfer=sweep_inputs("transfer"),
    output:
        h5="results/sweeps/{sweep}/sweep.h5",
        md="results/sweeps/{sweep}/sweep.md",
        fig=report("results/sweeps/{sweep}/sweep.png", caption="../report/sweep.rst", category="Sweeps", subcategory="{sweep}"),
    params:
        settings=lambda w: settings_json(S.sweep_gather_settings(config, w.sweep)),
    log:
        "logs/sweeps/{sweep}/gather.log",
    benchmark:
        "benchmarks/sweeps/{sweep}/gather.tsv"
    shell:
        "{PY} workflow/scripts/sweep_gather.py --settings {params.settings:q} --threshold {input.threshold} "
        "--modes {input.modes} --absorption {input.absorption} --transfer {input.transfer} "
        "--h5 {output.h5} --md {output.md} --fig {output.fig} > {log} 2>&1"
