# Inter-cavity transfer (issue 6): absorbed fraction of microcavity II against angle, then
# the radiometric transfer of each PeLED's emission table onto the crystal plane.
from sims.config import sub_config

TRANSFER_ABSORPTION_KEYS = ("pump_wavelength_nm", "pump_fwhm_nm", "absorber_stack", "absorber_layer", "absorption_method",
                            "absorption_meep_angles_deg", "absorption_n_angles", "spectral_n_angles",
                            "spectral_n_wavelengths")


def transfer_settings(cfg=None):
    """What the transfer of one LED depends on (not the absorption-table settings, which
    reach it through pump_absorption.h5)."""
    cfg = cfg or config
    t = cfg["transfer"]
    keep = {k: v for k, v in t.items() if k not in TRANSFER_ABSORPTION_KEYS}
    keep.update(pump_wavelength_nm=t["pump_wavelength_nm"], pump_fwhm_nm=t["pump_fwhm_nm"],
                absorption_method=t["absorption_method"])
    gap_layer = t["devices"]["microcavity"]["gap_layer"]
    sub_layer = t["devices"]["standard"]["substrate_layer"]
    return {
        "lateral": cfg["lateral"],
        "transfer": keep,
        "materials": {t["gap_material"]: cfg["materials"][t["gap_material"]]},
        "layers": {gap_layer: cfg["layers"][gap_layer], sub_layer: cfg["layers"][sub_layer]},
        "spot_diameter_um": cfg["threshold"]["assumed"]["lasing_spot_diameter_um"]["value"],
    }


def pump_absorption_settings(cfg=None):
    """Microcavity II (and the LED stacks whose reflectance the multipass model needs, built in the
    step through sims.cavity.working_config), the media it is lit from, the emission band."""
    cfg = cfg or config
    t = cfg["transfer"]
    dev = t["devices"]
    led_stacks = [dev[k]["led_stack"] for k in ("microcavity", "standard")]
    stacks = [t["absorber_stack"]] + [s for s in led_stacks if s != t["absorber_stack"]]
    gap_layer = dev["microcavity"]["gap_layer"]
    out = sub_config(cfg, stacks=stacks, materials=[cfg["layers"][gap_layer]["material"],
                                                    dev["standard"]["air_gap_material"]], sections=())
    # the gap medium only: its thickness (the device distance) does not change these tables
    out["layers"][gap_layer] = {"material": cfg["layers"][gap_layer]["material"]}
    out.update({
        "simulation": {k: cfg["simulation"][k] for k in ("resolution_1d_px_per_um", "pml_um", "decay_threshold")},
        "transfer": {**{k: t[k] for k in TRANSFER_ABSORPTION_KEYS}, "devices": dev,
                     # the Meep points are the table only with absorption_method meep; else validation
                     "absorption_meep_angles_deg": (t["absorption_meep_angles_deg"]
                                                    if t["absorption_method"] == "meep" else [])},
        "cavity": {"stacks": {s: cfg["cavity"]["stacks"][s] for s in led_stacks if s in cfg["cavity"]["stacks"]},
                   "calibration": cfg["cavity"]["calibration"]},
        "emission_band": {k: cfg["emission"][k] for k in ("wavelength_min_nm", "wavelength_max_nm")},
        "optical_pump_wavelength_nm": cfg["threshold"]["measured"]["optical_pump_wavelength_nm"]["value"],
    })
    return out


rule transfer_pump_absorption:
    input:
        modes=lambda w: f"results/cavity/{config['transfer']['absorber_stack']}/modes.h5",
    output:
        h5="results/transfer/pump_absorption.h5",
        fig=report(
            "results/transfer/pump_absorption.png",
            caption="../report/transfer_pump_absorption.rst",
            category="Transfer",
        ),
    params:
        settings=lambda w: settings_json(pump_absorption_settings()),
    log:
        "logs/transfer/pump_absorption.log",
    benchmark:
        "benchmarks/transfer/pump_absorption.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/transfer_pump_absorption.py --settings {params.settings:q} "
        "--modes {input.modes} --h5 {output.h5} --fig {output.fig} > {log} 2>&1"


# FDTD check of the transfer-matrix absorption table (validation; the default run's table is tmm)
rule pump_absorption_meep:
    input:
        modes=lambda w: f"results/cavity/{config['transfer']['absorber_stack']}/modes.h5",
    output:
        h5="results/validation/transfer/pump_absorption_meep.h5",
    params:
        settings=lambda w: settings_json(dict(pump_absorption_settings(), transfer={
            k: config["transfer"][k] for k in ("pump_wavelength_nm", "absorber_stack", "absorber_layer",
                                               "absorption_meep_angles_deg")})),
    log:
        "logs/validation/pump_absorption_meep.log",
    benchmark:
        "benchmarks/validation/pump_absorption_meep.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/pump_absorption_meep.py --settings {params.settings:q} --modes {input.modes} "
        "--h5 {output.h5} > {log} 2>&1"


if config["transfer"]["absorption_method"] == "tmm" and config["transfer"]["absorption_meep_angles_deg"]:
    VALIDATION_OUTPUTS.append("results/validation/transfer/pump_absorption_meep.h5")


rule transfer:
    input:
        emission="results/emission/{led}/emission.h5",
        absorption="results/transfer/pump_absorption.h5",
    output:
        h5="results/transfer/{led}/transfer.h5",
        fig=report(
            "results/transfer/{led}/maps.png",
            caption="../report/transfer_maps.rst",
            category="Transfer",
        ),
        bench="results/transfer/{led}/benchmark.json",
    wildcard_constraints:
        led="microcavity|standard",
    params:
        settings=lambda w: settings_json(transfer_settings()),
    log:
        "logs/transfer/{led}.log",
    benchmark:
        "benchmarks/transfer/{led}.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/transfer.py --settings {params.settings:q} --led {wildcards.led} "
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
    params:
        settings=lambda w: settings_json(
            {
                "max_exitance_microcavity_w_per_cm2": config["threshold"]["measured"]["max_exitance_microcavity_w_per_cm2"]["value"],
                "max_exitance_standard_w_per_cm2": config["threshold"]["measured"]["max_exitance_standard_w_per_cm2"]["value"],
                "led_area_cm2": config["lateral"]["led_width_um"] * config["lateral"]["led_length_um"] * 1e-8,
                "report_distances_um": config["transfer"]["map_distances_um"],
            }
        ),
    log:
        "logs/transfer/comparison.log",
    benchmark:
        "benchmarks/transfer/comparison.tsv"
    threads: 1
    shell:
        "{PY} workflow/scripts/transfer_compare.py --settings {params.settings:q} --microcavity {input.microcavity} "
        "--standard {input.standard} --h5 {output.h5} --fig {output.fig} > {log} 2>&1"


def _rule_produces(pattern):
    """True once some included rule declares this output pattern (the upstream step is wired)."""
    import re

    plain = lambda f: re.sub(r"\{(\w+),[^{}]*\}", r"{\1}", str(f))  # drop embedded wildcard constraints
    return any(plain(f) == pattern for r in workflow.rules for f in r.output)


# Final outputs only once the emission step (results/emission/{led}/emission.h5) is wired, so
# that a dry run of the whole workflow does not fail while that step is being written.
TRANSFER_READY = _rule_produces("results/emission/{led}/emission.h5")
if TRANSFER_READY:
    FINAL_OUTPUTS.extend(
        ["results/transfer/comparison.h5"]
        + [f"results/transfer/{led}/transfer.h5" for led in config["transfer"]["leds"]]
    )


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
    params:
        settings=lambda w: settings_json(
            sub_config(config, stacks=[config["transfer_fullwave"]["stack"]], sections=("transfer_fullwave",))
        ),
    log:
        "logs/transfer/fullwave.log",
    benchmark:
        "benchmarks/transfer/fullwave.tsv"
    threads: config["simulation"]["mpi_ranks"]
    resources:
        tasks=config["simulation"]["mpi_ranks"],
        mpi=MPIRUN,
    shell:
        "{resources.mpi} -n " + MPI_N + " {PY} -m mpi4py workflow/scripts/transfer_fullwave.py "
        "--settings {params.settings:q} --h5 {output.h5} --fig {output.fig} --md {output.md} "
        "--json {output.json} > {log} 2>&1"


VALIDATION_OUTPUTS.append("results/transfer/fullwave.h5")
