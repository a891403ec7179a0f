"""Laser output of microcavity II (issue 20): the workflow step around ``sims.far_field``,
``sims.laser_dynamics``, ``sims.laser_modulation`` and ``sims.led_capacitance``.

Inputs: settings (``config['laser_output']``, ``config['threshold']``, the LED stack), the mode
scalars and dispersion of microcavity II (modes.h5), the dual-cavity pump map (transfer.h5 of the
microcavity LED) and the threshold step's L-J fluxes (threshold.h5). Outputs: datasets with units.

* Below threshold: emission into air = spontaneous spectrum (Gaussian, ``pl_peak_nm``, ASSUMED
  ``pl_fwhm_nm``) x the cavity's angular filter from the computed s/p dispersion, its Q scaled so
  that Q(0) = Q_measured (``far_field.q_below``); also the pattern at the mode wavelength alone.
* Above threshold: pump map cut through its peak, scaled so that the peak is ``drive`` x the
  threshold pump (the local threshold is first reached at the peak), local net gain rate, lasing
  region, far field of its lowest lateral mode in three approximations (``sims.far_field.lasing_far_field``;
  no angular filter on the mode: checked by the 2D Meep gain-region run, ``sims.gain_guided_meep``).
* Linewidth and L-J of both devices: the threshold step's absorbed flux -> G = R(N_th) flux /
  flux_th (as ``sims.light_current``) -> ``light_output`` with the log-gain offset and alpha_H.
* Modulation: RC (series-plate capacitance of the LED stack + parasitic) x LED x crystal at
  ``modulation_drive_over_threshold``; 20 ns pulse response at each pulse drive (0.02 mm^2).
"""

from __future__ import annotations

import math

import numpy as np

from sims.config import register_check
from sims.far_field import (angular_filter, effective_index, emission_pattern, fwhm_deg, lasing_far_field,
                            lasing_region_2d, resonance_at)
from sims.laser_dynamics import (cold_cavity_linewidth_nm, laser_from_threshold_config, light_output,
                                 net_gain_rate_per_s, pump_for_linewidth, threshold_pump_per_cm3_s)
from sims.laser_modulation import pulse_response, rise_fall_s, stage_bandwidths_hz
from sims.led_capacitance import capacitance_f, led_dielectric_layers, rc_time_s
from sims.results import Flagged
from sims.threshold import scalar, values

HEADLINE_AREA_MM2 = 0.02       # paper: the standard device's active area (the tornado's bandwidth)
STAGES = ("rc", "led", "crystal")
TORNADO_OUTPUTS = (("divergence_above_deg", "deg"), ("bandwidth_3db_0p02mm2_hz", "Hz"), ("linewidth_headline_nm", "nm"))
LASING_S_FACTOR = 10.0         # "lasing within the pulse": S at the pulse end > this x S at the threshold pump


def assumed(lo: dict, key: str) -> float:
    return float(lo["assumed"][key]["value"])


def flag(x, nan: str = "not_reached", reason: str = "") -> Flagged:
    return Flagged.from_float(x, nan=nan, reason=reason)


# ---------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------
def dispersions(modes: dict, q_below: str) -> list[tuple]:
    """[(angles, lambda nm, Q)] of s and p from modes.h5; Q scaled to Q_measured at 0 deg (q_below
    'measured', ASSUMED: the extra loss scales Q uniformly in angle) or as computed."""
    ang = values(modes["dispersion/angles_deg"])
    out = []
    for pol in ("s", "p"):
        wl, q = values(modes[f"dispersion/wavelength_{pol}_nm"]), values(modes[f"dispersion/Q_{pol}"])
        if q_below == "measured":
            q = q * scalar(modes["Q_measured"]) / float(resonance_at(0.0, ang, wl, q)[1])
        out.append((ang, wl, q))
    return out


def pump_cut(transfer: dict, axis: str = "x") -> tuple[np.ndarray, np.ndarray]:
    """(coordinate um, absorbed map) along x or y through the peak of the absorbed map at the
    device's own distance (the microcavity LED's gap), on the crystal."""
    m = values(transfer["device/absorbed_map"])
    ix, iy = np.unravel_index(int(np.argmax(m)), m.shape)
    if axis == "x":
        return values(transfer["device/map_x_um"]), m[:, iy]
    return values(transfer["device/map_y_um"]), m[ix, :]


def lasing_region_of_map(transfer: dict, drive: float) -> dict:
    """The lasing region on the whole absorbed map, peak at ``drive`` x threshold: where the local
    pump reaches the threshold pump (the local net gain >= 0; R(N) is monotonic). Area, equivalent
    diameter and widths through the peak (``sims.far_field.lasing_region_2d``)."""
    m = values(transfer["device/absorbed_map"])
    return lasing_region_2d(values(transfer["device/map_x_um"]), values(transfer["device/map_y_um"]),
                            drive * m / m.max() - 1.0)


# ---------------------------------------------------------------------------------------
# far field
# ---------------------------------------------------------------------------------------
def below_threshold(lo: dict, disp: list, mode_nm: float) -> dict:
    """Emission pattern into air below threshold: spectrum-integrated and at the mode wavelength."""
    ff = lo["far_field"]
    th = np.linspace(0.0, ff["theta_max_below_deg"], ff["n_theta_below"])
    fw = assumed(lo, "pl_fwhm_nm")
    lam = np.linspace(lo["pl_peak_nm"] - 2 * fw, max(lo["pl_peak_nm"] + 2 * fw, mode_nm + 10), ff["n_wavelengths_below"])
    spec = np.exp(-4 * math.log(2) * ((lam - lo["pl_peak_nm"]) / fw) ** 2)
    spectral = emission_pattern(th, lam, spec, disp)
    at_mode = sum(angular_filter(th, mode_nm, *d) for d in disp) / len(disp)
    return {"theta_deg": th, "pattern_spectral": spectral, "pattern_at_mode": at_mode / at_mode.max(),
            "fwhm_spectral_deg": fwhm_deg(th, spectral), "fwhm_at_mode_deg": fwhm_deg(th, at_mode),
            "peak_angle_spectral_deg": float(th[int(np.argmax(spectral))])}


def above_threshold(lo: dict, laser, x_um, absorbed, drive: float, disp_s: tuple, mode_nm: float, n_eff: float) -> dict:
    """Lasing region and far field at ``drive`` x threshold at the pump map's peak (1D cut)."""
    ff = lo["far_field"]
    g = drive * threshold_pump_per_cm3_s(laser) * np.asarray(absorbed, float) / np.max(absorbed)
    net = net_gain_rate_per_s(laser, g)
    xf = np.arange(x_um[0], x_um[-1] + 1e-9, ff["near_field_step_um"])
    th = np.linspace(-ff["theta_max_above_deg"], ff["theta_max_above_deg"], ff["n_theta_above"])
    out = lasing_far_field(xf, np.interp(xf, x_um, net), mode_nm, n_eff, th, disp_s)
    out.update({"theta_deg": th, "x_um": np.asarray(x_um, float), "net_gain_rate_per_s": net})
    return out


# ---------------------------------------------------------------------------------------
# linewidth, L-J, modulation
# ---------------------------------------------------------------------------------------
def make_laser(lo: dict, thr: dict, mode: dict, overrides: dict | None = None):
    a = {k: assumed(lo, k) for k in lo["assumed"]} | (overrides or {})
    return laser_from_threshold_config(thr, mode, alpha_h=a["alpha_h"], n_s_per_cm3=a["gain_offset_n_s_per_cm3"])


def areas_mm2(lo: dict, transfer_areas) -> np.ndarray:
    return np.unique(np.concatenate([np.asarray(lo["areas_mm2"], float), np.asarray(transfer_areas, float)]))


def modulation(lo: dict, laser, c_per_area_layers, areas, r_ohm: float) -> dict:
    """Stage and chain 3-dB bandwidths [parasitic, area] at the modulation drive."""
    fz = lo["frequency_hz"]
    f = np.geomspace(fz["min"], fz["max"], fz["n"])
    g = lo["modulation_drive_over_threshold"] * threshold_pump_per_cm3_s(laser)
    tau_led = lo["spontaneous_lifetime_ns"] * 1e-9
    keys = STAGES + ("chain", "chain_first_drop")
    out = {k: np.full((len(lo["parasitic_capacitance_f"]), len(areas)), np.nan) for k in keys}
    out["limiting_code"] = np.zeros(out["rc"].shape, dtype=np.int64)
    out["capacitance_f"] = np.zeros(out["rc"].shape)
    for i, cp in enumerate(lo["parasitic_capacitance_f"]):
        for j, a in enumerate(areas):
            c = capacitance_f(c_per_area_layers, a, cp)
            bw = stage_bandwidths_hz(f, rc_time_s(c, r_ohm), tau_led, laser, g)
            for k in keys:
                out[k][i, j] = bw[k]
            out["limiting_code"][i, j] = STAGES.index(bw["limiting"]) if bw["limiting"] else -1
            out["capacitance_f"][i, j] = c
    return out


def pulses(lo: dict, laser, c_f: float, r_ohm: float) -> dict:
    """Rise/fall/delay of LED light and laser photon density for each pulse drive (area HEADLINE_AREA_MM2)."""
    t_pulse, tau_led, tau_rc = lo["pulse_ns"] * 1e-9, lo["spontaneous_lifetime_ns"] * 1e-9, rc_time_s(c_f, r_ohm)
    gth = threshold_pump_per_cm3_s(laser)
    s_th = float(light_output(laser, gth)["S_per_cm3"][0])
    rows, traces = {k: [] for k in ("led_rise_s", "led_fall_s", "laser_rise_s", "laser_fall_s", "laser_delay_s")}, {}
    for d in lo["pulse_drives_over_threshold"]:
        p = pulse_response(laser, d * gth, t_pulse, tau_rc, tau_led)
        led, las = rise_fall_s(p["t_s"], p["led"], t_pulse), rise_fall_s(p["t_s"], p["S_per_cm3"], t_pulse)
        lasing = float(np.interp(t_pulse, p["t_s"], p["S_per_cm3"])) > LASING_S_FACTOR * s_th
        rows["led_rise_s"].append(led["rise_s"])
        rows["led_fall_s"].append(led["fall_s"])
        for k in ("rise_s", "fall_s"):
            rows[f"laser_{k}"].append(las[k] if lasing else math.nan)
        rows["laser_delay_s"].append(las["delay_to_10pct_s"] if lasing else math.nan)
        traces[d] = p
    return {"rows": rows, "traces": traces}


# ---------------------------------------------------------------------------------------
# the step
# ---------------------------------------------------------------------------------------
def headline_numbers(lo, thr, mode, modes, x_um, absorbed, c_layers, overrides=None) -> dict:
    """The three tornado outputs for one set of assumed values (bandwidth: the chain's first -3 dB
    point; the highest one can jump to the weakly damped relaxation peak)."""
    a = {k: assumed(lo, k) for k in lo["assumed"]} | (overrides or {})
    laser = make_laser(lo, thr, mode, a)
    disp = dispersions(modes, lo["far_field"]["q_below"])
    mode_nm = float(resonance_at(0.0, *disp[0])[0])
    n_eff = effective_index(disp[0][0], disp[0][1])[1]
    up = above_threshold(lo, laser, x_um, absorbed, a["drive_over_threshold"], disp[0], mode_nm, n_eff)
    lo2 = {**lo, "parasitic_capacitance_f": [lo["parasitic_capacitance_f"][0]]}
    bw = modulation(lo2, laser, c_layers, [HEADLINE_AREA_MM2], a["series_resistance_ohm"])
    lw = float(light_output(laser, a["drive_over_threshold"] * threshold_pump_per_cm3_s(laser))["linewidth_nm"][0])
    return {"divergence_above_deg": up.get("gain_guided_fwhm_deg", math.nan),
            "bandwidth_3db_0p02mm2_hz": float(bw["chain_first_drop"][0, 0]), "linewidth_headline_nm": lw}


def tornado(lo, thr, mode, modes, x_um, absorbed, c_layers) -> dict:
    """[parameter, (min, max), output] of the assumed inputs of this section."""
    names = list(lo["assumed"])
    vals = np.full((len(names), 2, len(TORNADO_OUTPUTS)), np.nan)
    for i, k in enumerate(names):
        for j, end in enumerate(("min", "max")):
            h = headline_numbers(lo, thr, mode, modes, x_um, absorbed, c_layers, {k: float(lo["assumed"][k][end])})
            vals[i, j] = [h[o] for o, _ in TORNADO_OUTPUTS]
    return {"names": names, "values": vals,
            "base": headline_numbers(lo, thr, mode, modes, x_um, absorbed, c_layers)}


def laser_output(settings: dict, mode: dict, modes: dict, transfer: dict, threshold: tuple) -> tuple[dict, dict, dict]:
    """The whole step. ``threshold``: (datasets, attrs) of threshold.h5. Returns datasets, units, attrs."""
    lo, thr = settings["laser_output"], settings["threshold"]
    laser = make_laser(lo, thr, mode)
    gth = threshold_pump_per_cm3_s(laser)
    disp = dispersions(modes, lo["far_field"]["q_below"])
    mode_nm = float(resonance_at(0.0, *disp[0])[0])
    n_eff = effective_index(disp[0][0], disp[0][1])[1]
    ds, un = {}, {}

    def put(name, val, unit):
        ds[name], un[name] = val, unit

    # 1. far field
    below = below_threshold(lo, disp, mode_nm)
    put("below/theta_deg", below["theta_deg"], "deg (air)")
    put("below/pattern_spectral", below["pattern_spectral"], "1 (max 1)")
    put("below/pattern_at_mode", below["pattern_at_mode"], "1 (max 1)")
    put("below/fwhm_spectral_deg", flag(below["fwhm_spectral_deg"]), "deg")
    put("below/fwhm_at_mode_deg", flag(below["fwhm_at_mode_deg"]), "deg")
    put("below/peak_angle_spectral_deg", np.array(below["peak_angle_spectral_deg"]), "deg")
    put("below/n_eff", np.array(n_eff), "1")
    put("below/mode_wavelength_nm", np.array(mode_nm), "nm")
    x_um, absorbed = pump_cut(transfer)
    drive = assumed(lo, "drive_over_threshold")
    up = above_threshold(lo, laser, x_um, absorbed, drive, disp[0], mode_nm, n_eff)
    put("above/x_um", up["x_um"], "um")
    put("above/net_gain_rate_per_s", up["net_gain_rate_per_s"], "1/s")
    put("above/theta_deg", up["theta_deg"], "deg (air)")
    put("above/filter", up["filter"], "1 (max 1)")
    put("above/region_width_um", np.array(up["width_um"]), "um")
    up_y = above_threshold(lo, laser, *pump_cut(transfer, "y"), drive, disp[0], mode_nm, n_eff)
    put("above/region_width_y_um", np.array(up_y["width_um"]), "um (cut along y through the peak)")
    put("above/gain_guided_fwhm_y_deg", flag(up_y.get("gain_guided_fwhm_deg", math.nan)), "deg (cut along y)")
    region = lasing_region_of_map(transfer, drive)
    put("above/region_area_um2", np.array(region["area_um2"]), "um^2 (whole map: pump >= threshold pump)")
    put("above/region_diameter_equivalent_um", np.array(region["diameter_equivalent_um"]), "um (circle of that area)")
    for k in ("aperture", "gaussian", "gain_guided"):
        put(f"above/{k}_fwhm_deg", flag(up.get(f"{k}_fwhm_deg", math.nan)), "deg")
        if f"{k}_pattern" in up:
            put(f"above/{k}_pattern", up[f"{k}_pattern"], "1 (max 1)")
    # 2. linewidth and L-J
    below_lw = cold_cavity_linewidth_nm(laser.wavelength_nm, laser.q)
    put("linewidth/below_threshold_nm", np.array(below_lw), "nm (lambda / Q at transparency)")
    put("linewidth/measured_below_nm", np.array(scalar(modes["measured_linewidth_nm"])), "nm (paper)")
    put("linewidth/measured_above_nm", np.array(lo["measured_linewidth_above_nm"]), "nm (paper)")
    put("linewidth/headline_drive_over_threshold", np.array(drive), "1")
    put("linewidth/headline_nm", np.array(float(light_output(laser, drive * gth)["linewidth_nm"][0])), "nm")
    for tag, target in (("below", scalar(modes["measured_linewidth_nm"])), ("above", lo["measured_linewidth_above_nm"])):
        put(f"linewidth/drive_for_measured_{tag}", flag(pump_for_linewidth(laser, target) / gth), "1 (pump / threshold pump)")
    li, li_attrs = threshold
    flux_th = scalar(li[f"pump/{li_attrs['headline_anchor']}/absorbed_photon_flux_per_cm2_s"])
    if not flux_th > 0:
        raise ValueError(f"threshold.h5 has no absorbed flux at threshold for the {li_attrs['headline_anchor']} anchor")
    put("li/current_density_a_per_cm2", values(li["li/current_density_a_per_cm2"]), "A/cm^2")
    put("li/photon_lifetime_s", np.array(laser.tau_p_s), "s")
    for dev in ("dual_cavity", "single_cavity"):
        g = gth * values(li[f"li/{dev}/absorbed_photon_flux_per_cm2_s"]) / flux_th
        lout = light_output(laser, g)
        put(f"li/{dev}/pump_over_threshold", g / gth, "1")
        put(f"li/{dev}/output_w_per_cm2", lout["output_w_per_cm2"], "W/cm^2 (through the mirrors, per crystal area)")
        put(f"li/{dev}/linewidth_nm", lout["linewidth_nm"], "nm")
    # 3. modulation
    c_layers = led_dielectric_layers(settings, lo["led_stack"], permittivity=lo["static_permittivity"])
    areas = areas_mm2(lo, settings["led_areas_mm2"])
    r_ohm = assumed(lo, "series_resistance_ohm")
    mod = modulation(lo, laser, c_layers, areas, r_ohm)
    put("modulation/area_mm2", areas, "mm^2")
    put("modulation/parasitic_capacitance_f", np.asarray(lo["parasitic_capacitance_f"], float), "F")
    put("modulation/capacitance_f", mod.pop("capacitance_f"), "F [parasitic, area]")
    put("modulation/limiting_code", mod.pop("limiting_code"), "index into attr modulation_stages [parasitic, area]")
    for k, v in mod.items():
        put(f"modulation/{k}_bandwidth_3db_hz", flag(v), "Hz [parasitic, area]")
    j = int(np.argmin(np.abs(areas - HEADLINE_AREA_MM2)))
    lim = STAGES[int(ds["modulation/limiting_code"][0, j])]
    pul = pulses(lo, laser, float(ds["modulation/capacitance_f"][0, j]), r_ohm)
    put("pulse/drive_over_threshold", np.asarray(lo["pulse_drives_over_threshold"], float), "1")
    for k, v in pul["rows"].items():
        put(f"pulse/{k}", flag(np.asarray(v)), "s")
    for i, (d, p) in enumerate(pul["traces"].items()):
        put(f"pulse/trace_{i}/t_s", p["t_s"], "s")
        put(f"pulse/trace_{i}/led", p["led"], "1 (LED light, max 1)")
        put(f"pulse/trace_{i}/S_per_cm3", p["S_per_cm3"], "cm^-3")
    # 4. tornado
    tor = tornado(lo, thr, mode, modes, x_um, absorbed, c_layers)
    put("tornado/values", flag(tor["values"], nan="not_applicable"), "[parameter, (min, max), output]")
    for o, unit in TORNADO_OUTPUTS:
        put(f"tornado/base/{o}", flag(tor["base"][o]), unit)
    attrs = {"modulation_stages": ",".join(STAGES), "modulation_limiting_0p02mm2": lim,
             "tornado_parameters": ",".join(tor["names"]), "tornado_outputs": ",".join(o for o, _ in TORNADO_OUTPUTS),
             "headline_lateral_mode": "gain_guided", "q_below": lo["far_field"]["q_below"]}
    return ds, un, attrs


# scalars of gain_region_meep.h5 (per pump profile) that the laser step copies and states
MEEP_GAIN_SCALARS = (("fwhm_meep_deg", "deg"), ("fwhm_model_deg", "deg"), ("fwhm_meep_near_field_ft_deg", "deg"),
                     ("waist_meep_um", "um"), ("waist_model_um", "um"), ("phase_curvature_meep_per_um2", "1/um^2"),
                     ("phase_curvature_model_per_um2", "1/um^2"), ("net_rate_meep", "c/um (Meep units)"),
                     ("net_rate_model", "c/um (Meep units)"), ("diffraction_loss_model", "c/um (Meep units)"))


def meep_gain_agreement(gm: dict, profiles: list[str]) -> str:
    """One clause per pump profile: the 2D Meep gain-region run against the gain-guided model
    (``gm``: datasets of gain_region_meep.h5)."""
    parts = []
    for p in profiles:
        g = {k: float(np.asarray(gm[f"{p}/{k}"])) for k, _ in MEEP_GAIN_SCALARS}
        parts.append(
            f"{p} pump: far-field FWHM Meep {g['fwhm_meep_deg']:.2f} vs model {g['fwhm_model_deg']:.2f} deg "
            f"({100 * (g['fwhm_meep_deg'] / g['fwhm_model_deg'] - 1):+.1f} %; FT of Meep's crystal-plane field "
            f"{g['fwhm_meep_near_field_ft_deg']:.2f}), 1/e^2 radius {g['waist_meep_um']:.2f} vs {g['waist_model_um']:.2f} um, "
            f"phase curvature {g['phase_curvature_meep_per_um2']:.3f} vs {g['phase_curvature_model_per_um2']:.3f} /um^2, "
            f"lowest mode's net rate {g['net_rate_meep']:.4f} vs {g['net_rate_model']:.4f} c/um (difference "
            f"{100 * abs(g['net_rate_meep'] - g['net_rate_model']) / g['diffraction_loss_model']:.0f} % of the model's "
            f"diffraction loss {g['diffraction_loss_model']:.4f})")
    return ("finite pumped (gain) region in microcavity II at reduced scale (DBRs cut to 3 pairs, Q ~ 70, Lorentzian gain, "
            "just below threshold), its lowest lateral mode against the gain-guided model of the above-threshold far "
            "field: " + "; ".join(parts))


def tornado_markdown(ds: dict, attrs: dict) -> str:
    """The laser tornado as a Markdown table."""
    outs, names = attrs["tornado_outputs"].split(","), attrs["tornado_parameters"].split(",")
    v = ds["tornado/values"].as_float() if isinstance(ds["tornado/values"], Flagged) else np.asarray(ds["tornado/values"])
    lines = ["| parameter | " + " | ".join(f"{o} (min / max)" for o in outs) + " |", "|---" * (len(outs) + 1) + "|"]
    for i, n in enumerate(names):
        lines.append(f"| {n} | " + " | ".join(f"{v[i, 0, k]:.4g} / {v[i, 1, k]:.4g}" for k in range(len(outs))) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# config check
# ---------------------------------------------------------------------------------------
@register_check
def check_laser_output(config: dict):
    """Assumed values inside their ranges, the LED stack and its permittivities, a near-field
    grid finer than lambda/2, the Meep lists paired, the gain-region cell wide enough, the pulse
    inside the frequency grid."""
    lo = config.get("laser_output")
    if not lo:
        return
    for k, a in lo.get("assumed", {}).items():
        if not a["min"] <= a["value"] <= a["max"]:
            yield f"laser_output.assumed.{k}", f"value {a['value']} lies outside its range [{a['min']}, {a['max']}]"
    d = lo.get("assumed", {}).get("drive_over_threshold")
    if d and d["min"] <= 1.0:
        yield "laser_output.assumed.drive_over_threshold.min", f"must be > 1 (above threshold), got {d['min']}"
    stack = lo.get("led_stack", "microcavity_I")
    if stack not in config.get("stacks", {}):
        yield "laser_output.led_stack", f"{stack!r} is not defined under stacks"
    else:
        items = config["stacks"][stack]["items"]
        if "zno" in items and "moox" in items:
            for it in items[items.index("zno"):items.index("moox") + 1]:
                if it not in lo.get("static_permittivity", {}):
                    yield "laser_output.static_permittivity", f"no value for layer {it!r} of stacks.{stack}"
        else:
            yield "laser_output.led_stack", f"stacks.{stack} has no zno..moox layers between its electrodes"
    ff = lo.get("far_field", {})
    if ff.get("near_field_step_um", 0.2) >= 0.4:
        yield "laser_output.far_field.near_field_step_um", f"{ff['near_field_step_um']} um is not below lambda/2 (~0.4 um)"
    m = lo.get("meep", {})
    if len(m.get("waists_um", [1.0, 3.0])) != len(m.get("half_widths_um", [6.0, 10.0])):
        yield "laser_output.meep.half_widths_um", "needs one half width per entry of laser_output.meep.waists_um"
    for i, (w, h) in enumerate(zip(m.get("waists_um", []), m.get("half_widths_um", []))):
        if h < 3 * w:
            yield f"laser_output.meep.half_widths_um[{i}]", f"{h} um is < 3 x the waist {w} um (source cut off)"
    g = lo.get("meep_gain", {})
    if g.get("lateral_half_width_um", 8.0) < 1.5 * g.get("pump_half_width_um", 5.0):
        yield "laser_output.meep_gain.lateral_half_width_um", (
            f"{g['lateral_half_width_um']} um is < 1.5 x the pump half width {g.get('pump_half_width_um', 5.0)} um "
            "(the lowest mode would reach the PML)")
    fz = lo.get("frequency_hz", {})
    if fz and not fz.get("min", 1e4) < 0.1 / (lo.get("pulse_ns", 20) * 1e-9) < fz.get("max", 1e12):
        yield "laser_output.frequency_hz", "the grid must span the pulse's bandwidth (0.1 / pulse length)"
