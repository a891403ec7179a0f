"""Step settings: the slice of the config each workflow step depends on.

Snakemake reruns a rule when its ``params`` change; every rule passes its step's settings as
one canonical JSON argument (:func:`settings_json`, sorted keys). So each function here holds
exactly what its step reads: changing a key reruns the steps whose settings hold it and no
other. Pure functions of the (validated, defaults-filled) config; no Snakemake, no files.

Sweep points (``results/sweeps/<sweep>/<point>/``) use the same functions on the point's
config (:func:`point_step_config` applies the point's overlay and calibration policy).
"""

from __future__ import annotations

import copy
import json

from sims.cavity_study import VALIDATION_KEYS as CAVITY_VALIDATION_KEYS
from sims.config import sub_config
from sims.sweeps import point_config, point_index

# keys of mirror_spectra only the oblique kx sweep reads (validation rule mirror_oblique)
OBLIQUE_ONLY_KEYS = ("n_kx", "oblique_time_factor", "settle_tolerance")

# keys of transfer that only the pump-absorption table reads
TRANSFER_ABSORPTION_KEYS = ("pump_wavelength_nm", "pump_fwhm_nm", "absorber_stack", "absorber_layer",
                            "absorption_method", "absorption_meep_angles_deg", "absorption_n_angles",
                            "spectral_n_angles", "spectral_n_wavelengths")

# keys of emission the 2D near-to-far check reads (not the k-sweep's own)
NEARFAR_KEYS = ("emitter_group", "el_peak_nm", "wavelength_min_nm", "wavelength_max_nm", "orientation", "kz_2d",
                "courant", "max_time_after_sources_fs", "nearfar")

UM2_TO_CM2 = 1e-8


def settings_json(settings: dict) -> str:
    """Canonical JSON of a step's settings (sorted keys, no spaces): one command-line argument."""
    return json.dumps(settings, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------
# materials, geometry, mirrors, finite crystal
# ---------------------------------------------------------------------------------------
def optical_constants_settings(cfg: dict) -> dict:
    """Every material and the plotted band (400-1100 nm)."""
    return {"materials": cfg["materials"], "band_nm": [400.0, 1100.0]}


def permittivity_map_settings(cfg: dict, stack: str) -> dict:
    """The stack, its layers and materials, the simulation and geometry sections."""
    return sub_config(cfg, stacks=[stack], sections=("simulation", "geometry"))


def mirror_step_settings(cfg: dict, mirror: str | None = None, oblique: bool = False) -> dict:
    """Only what a mirror run depends on: its DBR, its media, the 1D numerics, its claims.

    mirror=None: the resolution-convergence table (of mirror_spectra.convergence_mirror). The
    normal-incidence run (oblique=False) leaves out the oblique sweep's keys, so that changing
    them reruns only the validation rule mirror_oblique.
    """
    ms = cfg["mirror_spectra"]
    names = [mirror] if mirror else [ms["convergence_mirror"]]
    media = [m for n in names for m in (ms["mirrors"][n]["below"], ms["mirrors"][n]["above"])]
    sub = sub_config(cfg, mirrors=names, materials=media, sections=())
    sub["simulation"] = {k: cfg["simulation"][k] for k in ("resolution_1d_px_per_um", "pml_um")}
    keep = {k: v for k, v in ms.items() if k not in ("mirrors", "claims")}
    if mirror:
        keep.pop("convergence_mirror", None)
        keep.pop("convergence_resolutions_px_per_um", None)
        if not oblique:
            for k in OBLIQUE_ONLY_KEYS:
                keep.pop(k, None)
    else:
        for k in ("angles_deg", "n_kx"):
            keep.pop(k, None)
    keep["mirrors"] = {n: ms["mirrors"][n] for n in names}
    keep["claims"] = [c for c in ms.get("claims", []) if c["mirror"] in names] if mirror else []
    sub["mirror_spectra"] = keep
    return sub


def finite_crystal_2d_settings(cfg: dict, stack: str) -> dict:
    """The stack, the simulation and finite_crystal_2d sections."""
    return sub_config(cfg, stacks=[stack], sections=("simulation", "finite_crystal_2d"))


# ---------------------------------------------------------------------------------------
# cavity
# ---------------------------------------------------------------------------------------
def stack_calibration(cfg: dict, stack: str) -> dict:
    """cavity.calibration with this stack's entry only (another stack's entry reruns nothing here)."""
    cal = cfg["cavity"]["calibration"]
    return dict(cal, stacks={k: v for k, v in cal["stacks"].items() if k == stack})


def cavity_settings(cfg: dict, stack: str, validation: bool = False) -> dict:
    """Settings of cavity_modes: this stack, its calibration entry, the cavity section without the
    validation-only keys (CAVITY_VALIDATION_KEYS) and without `lateral` (the cavity_lateral rules').
    validation=True: cavity_validation's, the cavity keys it reads (those and the dispersion angles,
    thickness sweep and ringdown; not the spectrum check's)."""
    sub = sub_config(cfg, stacks=[stack], sections=("simulation", "cavity"))
    if validation:
        keep = set(CAVITY_VALIDATION_KEYS) | {"angles_deg", "thickness_sweep_nm", "ringdown_time"}
        sub["cavity"] = {k: v for k, v in sub["cavity"].items() if k in keep}
    else:
        drop = {"lateral", *CAVITY_VALIDATION_KEYS}
        sub["cavity"] = {k: v for k, v in sub["cavity"].items() if k not in drop}
    sub["cavity"]["stacks"] = {stack: cfg["cavity"]["stacks"][stack]}
    sub["cavity"]["calibration"] = stack_calibration(cfg, stack)
    return sub


def cavity_lateral_settings(cfg: dict, stack: str) -> dict:
    """The stack, the lateral filler medium, the whole cavity section with this stack's entries."""
    sub = sub_config(cfg, stacks=[stack], materials=[cfg["cavity"]["lateral"]["filler"]],
                     sections=("simulation", "cavity"))
    sub["cavity"] = dict(sub["cavity"], stacks={stack: cfg["cavity"]["stacks"][stack]})
    sub["cavity"]["calibration"] = stack_calibration(cfg, stack)
    return sub


# ---------------------------------------------------------------------------------------
# emission
# ---------------------------------------------------------------------------------------
def led_calibration(cfg: dict, stack: str) -> dict:
    """{"cavity": the stack's cavity.stacks entry and its calibration} when cavity.calibration
    calibrates the stack (sims.cavity.working_config reads them), else {}."""
    cal = cfg.get("cavity", {}).get("calibration", {})
    if cal.get("enabled") and stack in cal.get("stacks", {}) and stack in cfg["cavity"]["stacks"]:
        return {"cavity": {"stacks": {stack: cfg["cavity"]["stacks"][stack]},
                           "calibration": stack_calibration(cfg, stack)}}
    return {}


def emission_settings(cfg: dict, led: str) -> dict:
    """Settings of one LED's emission; a stack calibrated under cavity.calibration brings its
    cavity.stacks entry and its calibration entry (changing either reruns the emission), an
    uncalibrated stack (standard PeLED) neither."""
    spec = cfg["emission"]["leds"][led]
    out = {**sub_config(cfg, stacks=[spec["stack"]], sections=("simulation",)),
           "emission": {**cfg["emission"], "leds": {led: spec}}}
    return {**out, **led_calibration(cfg, spec["stack"])}


def nearfar_settings(cfg: dict, led: str) -> dict:
    """Only the keys the 2D near-to-far check reads (a change of the k-sweep's own keys does not rerun it)."""
    em = cfg["emission"]
    spec = em["leds"][led]
    return {**sub_config(cfg, stacks=[spec["stack"]], sections=("simulation",)),
            "emission": {**{k: em[k] for k in NEARFAR_KEYS}, "leds": {led: spec}},
            **led_calibration(cfg, spec["stack"])}


# ---------------------------------------------------------------------------------------
# transfer, threshold
# ---------------------------------------------------------------------------------------
def transfer_settings(cfg: dict) -> dict:
    """What the transfer of one LED depends on (not the absorption-table settings, which
    reach it through pump_absorption.h5)."""
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


def pump_absorption_settings(cfg: dict) -> dict:
    """Microcavity II (and the LED stacks whose reflectance the multipass model needs, built in the
    step through sims.cavity.working_config), the media it is lit from, the emission band."""
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


def pump_absorption_meep_settings(cfg: dict) -> dict:
    """The FDTD check of the absorption table: its stacks, with the pump and the Meep angles."""
    keys = ("pump_wavelength_nm", "absorber_stack", "absorber_layer", "absorption_meep_angles_deg")
    return dict(pump_absorption_settings(cfg), transfer={k: cfg["transfer"][k] for k in keys})


def transfer_compare_settings(cfg: dict) -> dict:
    """Measured maximum exitances, the LED area (cm^2, from lateral.led_*_um) and report distances."""
    measured = cfg["threshold"]["measured"]
    return {
        "max_exitance_microcavity_w_per_cm2": measured["max_exitance_microcavity_w_per_cm2"]["value"],
        "max_exitance_standard_w_per_cm2": measured["max_exitance_standard_w_per_cm2"]["value"],
        "led_area_cm2": cfg["lateral"]["led_width_um"] * cfg["lateral"]["led_length_um"] * UM2_TO_CM2,
        "report_distances_um": cfg["transfer"]["map_distances_um"],
    }


def transfer_fullwave_settings(cfg: dict) -> dict:
    """The full-wave check's stack and its section."""
    return sub_config(cfg, stacks=[cfg["transfer_fullwave"]["stack"]], sections=("transfer_fullwave",))


def threshold_settings(cfg: dict) -> dict:
    """Microcavity II (the absorber stack), the threshold section, the absorber names."""
    return {
        **sub_config(cfg, stacks=[cfg["transfer"]["absorber_stack"]], sections=()),
        "threshold": cfg["threshold"],
        "absorber_stack": cfg["transfer"]["absorber_stack"],
        "absorber_layer": cfg["transfer"]["absorber_layer"],
    }


def laser_output_settings(cfg: dict) -> dict:
    """Laser output (issue 20): its section without the Meep checks, the LED stack (capacitance),
    the threshold section (rate equations) and the LED areas of the area study."""
    lo = {k: v for k, v in cfg["laser_output"].items() if k not in ("meep", "meep_gain")}
    return {
        **sub_config(cfg, stacks=[lo["led_stack"]], sections=()),
        "laser_output": lo,
        "threshold": cfg["threshold"],
        "led_areas_mm2": cfg["transfer"]["led_areas_mm2"],
    }


def laser_meep_settings(cfg: dict) -> dict:
    """The reduced-scale 2D Meep check of the far-field model: microcavity II, its transparent
    crystal material, the simulation section and laser_output.meep."""
    return {
        **sub_config(cfg, stacks=["microcavity_II"], materials=["FAPbI3_transparent"], sections=("simulation",)),
        "laser_output": {"meep": cfg["laser_output"]["meep"]},
    }


def laser_gain_meep_settings(cfg: dict) -> dict:
    """The 2D Meep run of a finite pumped region (gain-guided mode): microcavity II, its transparent
    crystal material, the simulation section and laser_output.meep_gain."""
    return {
        **sub_config(cfg, stacks=["microcavity_II"], materials=["FAPbI3_transparent"], sections=("simulation",)),
        "laser_output": {"meep_gain": cfg["laser_output"]["meep_gain"]},
    }


# ---------------------------------------------------------------------------------------
# sweeps
# ---------------------------------------------------------------------------------------
def sweep_gather_settings(cfg: dict, sweep: str) -> dict:
    """The sweep's name and specification."""
    return {"name": sweep, **cfg["sweeps"][sweep]}


def point_step_config(cfg: dict, sweep: str, point: str, calibrate: bool = True) -> dict:
    """The config of one sweep point (the swept key set, no sweeps section). calibrate=False:
    with cavity.calibration switched off unless the sweep asks for recalibration (the calibration
    would undo a sweep of the calibrated parameter)."""
    out = point_config(cfg, sweep, point_index(point))
    if not calibrate and not cfg["sweeps"][sweep]["recalibrate"]:
        out = copy.deepcopy(out)
        out["cavity"]["calibration"]["enabled"] = False
    return out


def sweep_cavity_settings(cfg: dict, sweep: str, point: str) -> dict:
    """The mode chain of the absorber stack at a point (no thickness study: the Meep dispersion and
    thickness points and the convergence table are the validation rule's); the calibration is
    switched off unless the sweep asks for it."""
    pcfg = point_step_config(cfg, sweep, point, calibrate=False)
    absorber = cfg["transfer"]["absorber_stack"]
    pcfg["cavity"]["stacks"][absorber]["thickness_sweep"] = False
    return cavity_settings(pcfg, absorber)


def sweep_emission_settings(cfg: dict, sweep: str, point: str, led: str) -> dict:
    """Emission settings of a point: the LED's cavity calibration (microcavity I) is switched off
    unless the sweep asks for it, as for microcavity II."""
    return emission_settings(point_step_config(cfg, sweep, point, calibrate=False), led)
