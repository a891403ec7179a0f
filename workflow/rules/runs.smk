# Runs: the main run writes under results/, each point of a parameter sweep (config section
# `sweeps`, issue 8) under results/sweeps/{sweep}/{point}/. The threshold chain's rules (cavity_modes,
# transfer_pump_absorption, emission_sweep, emission_led, transfer, threshold) serve both: the
# wildcard `run` is "" or "sweeps/{sweep}/{point}/", and a point's settings are the step's settings
# of the point's config (sims.step_settings). A step runs per point only when the point changes its
# settings (or its inputs); otherwise the point reads the main run's output (the *_path functions).
# On a cluster the 1D steps of the points share SLURM jobs (group "sweep_1d", profiles/slurm).
from sims.sweeps import point_config, point_index, sweep_points


wildcard_constraints:
    run="(sweeps/[A-Za-z][A-Za-z0-9_]*/p[0-9]+/)?",
    sweep="[A-Za-z][A-Za-z0-9_]*",
    point="p[0-9]+",


SWEEP_POINTS = sweep_points(config)
ABSORBER = config["transfer"]["absorber_stack"]
_POINT_CONFIGS = {}
_CHANGES = {}


class Run:
    """Stand-in for a job's wildcards when an input function is called for another point."""

    def __init__(self, sweep, point):
        self.run = f"sweeps/{sweep}/{point}/"


def sweep_point(w):
    """(sweep, point) of a sweep point's job, None for the main run."""
    return tuple(w.run.split("/")[1:3]) if w.run else None


def run_config(w):
    """The config of the run: the main config, or the point's (the swept key set, no sweeps section)."""
    point = sweep_point(w)
    if point is None:
        return config
    if point not in _POINT_CONFIGS:
        _POINT_CONFIGS[point] = point_config(config, point[0], point_index(point[1]))
    return _POINT_CONFIGS[point]


def point_group(w):
    """Sweep points' 1D steps: one SLURM group job for several (profiles/slurm); main run: none."""
    return "sweep_1d" if w.run else None


def cavity_run_settings(w):
    point = sweep_point(w)
    if point is None:
        return settings_json(S.cavity_settings(config, w.stack))
    return settings_json(S.sweep_cavity_settings(config, *point))


def emission_run_settings(w):
    point = sweep_point(w)
    if point is None:
        return settings_json(S.emission_settings(config, w.led))
    return settings_json(S.sweep_emission_settings(config, *point, w.led))


def sweep_changes(sweep, step, led=None):
    """True when some point of the sweep changes the step's settings (microcavity II's mode analysis
    or an LED's emission): then every point runs its own (same calibration policy at every point,
    the main run's value included)."""
    key = (sweep, step, led)
    if key not in _CHANGES:
        if step == "cavity":
            of = lambda cfg: settings_json(S.cavity_settings(cfg, ABSORBER))
        else:
            of = lambda cfg: settings_json(S.emission_settings(cfg, led))
        main = of(config)
        _CHANGES[key] = any(of(run_config(Run(s, p))) != main for s, p in SWEEP_POINTS if s == sweep)
    return _CHANGES[key]


def modes_path(w):
    """Microcavity II's modes.h5 of the run (the main run's unless the sweep changes the cavity)."""
    point = sweep_point(w)
    if point is None or not sweep_changes(point[0], "cavity"):
        return f"results/cavity/{ABSORBER}/modes.h5"
    return f"results/{w.run}cavity/{ABSORBER}/modes.h5"


def absorption_path(w):
    same = S.pump_absorption_settings(run_config(w)) == S.pump_absorption_settings(config)
    if same and modes_path(w).startswith("results/cavity/"):
        return "results/transfer/pump_absorption.h5"
    return f"results/{w.run}transfer/pump_absorption.h5"


def emission_path(w, led):
    """The main run's emission unless the sweep changes this LED and the point's settings (with the
    sweep's calibration policy) differ from the main run's (an uncalibrated LED at the main value
    keeps the main output)."""
    point = sweep_point(w)
    if point is None or not sweep_changes(point[0], "emission", led):
        return f"results/emission/{led}/emission.h5"
    if settings_json(S.sweep_emission_settings(config, *point, led)) == settings_json(S.emission_settings(config, led)):
        return f"results/emission/{led}/emission.h5"
    return f"results/{w.run}emission/{led}/emission.h5"


def transfer_path(w, led):
    same = S.transfer_settings(run_config(w)) == S.transfer_settings(config)
    if (
        same
        and emission_path(w, led).startswith("results/emission/")
        and absorption_path(w).startswith("results/transfer/")
    ):
        return f"results/transfer/{led}/transfer.h5"
    return f"results/{w.run}transfer/{led}/transfer.h5"


def sweep_parts(w):
    """The part files of an LED's k_par sweep (none with emission.engine tmm)."""
    if config["emission"]["engine"] != "meep":
        return []
    return [f"results/{w.run}emission/{w.led}/sweep/part{i}.h5" for i in range(config["emission"]["sweep_jobs"])]


def sweep_inputs(kind):
    """Input function of sweep_gather: the threshold, modes, absorption or microcavity transfer file of
    every point of the sweep (the main run's where a point does not change the step)."""

    def inputs(w):
        points = [p for s, p in SWEEP_POINTS if s == w.sweep]
        return [
            {
                "threshold": f"results/sweeps/{w.sweep}/{p}/threshold/threshold.h5",
                "modes": modes_path(Run(w.sweep, p)),
                "absorption": absorption_path(Run(w.sweep, p)),
                "transfer": transfer_path(Run(w.sweep, p), "microcavity"),
            }[kind]
            for p in points
        ]

    return inputs
