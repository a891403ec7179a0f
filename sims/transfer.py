"""Inter-cavity transfer: the pump that each PeLED delivers to the crystal of microcavity II.

One step per LED (:func:`transfer_device`, the devices as built; issue 17): the LED's emission
(:mod:`sims.transfer_tables`) is carried radiometrically onto the crystal plane
(:mod:`sims.transfer_radiometry`: extended incoherent source, straight rays, parallel planes),
absorbed there with the spectrally and angularly resolved A(theta, lambda) of microcavity II,
and the unabsorbed light bounces between LED and microcavity II (:mod:`sims.transfer_multipass`).
Readings: coupling efficiency, absorbed power, spot and crystal-mean irradiance, against
distance, at the map distances and for other LED areas. :func:`transfer_led` is the earlier
single-pass model (one A(theta) at the pump line, table refracted into the gap).

Also the config checks of ``transfer`` and the device geometry (distances, substrate, bond).
Reference: Zou et al., Nature 2025 (Methods: ray tracing with 1 um x 1 um point sources).
Units: um, degrees, nm; irradiances per unit LED exitance (W/m^2 per W/m^2).
"""

from __future__ import annotations

import math
import time

import numpy as np

from sims.config import ConfigError, register_check
from sims.transfer_multipass import calibration_readings, device_passes, multipass_maps
from sims.transfer_radiometry import (AREA_KEYS, SWEEP_KEYS, area_study, balance_stride, crystal_mask, crystal_mean,
                                      distance_study, energy_balance, irradiance_maps, landed_fraction, make_grids,
                                      map_readings)
from sims.transfer_tables import AngularTable, check_angular_table, refract_table, resample_emission

HC_EV_NM = 1239.84198  # h c in eV nm (the value this step has always used)
RATIO_UNITS = "W/m^2 on the crystal per W/m^2 of LED exitance into its exit medium"
FRACTION_UNITS = "1 (of the power leaving the LED into its exit medium)"


# ---------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------
def distances_um(tcfg: dict) -> np.ndarray:
    """The sweep distances (um) of ``config['transfer']``."""
    return np.linspace(tcfg["sweep_distance_min_um"], tcfg["sweep_distance_max_um"], tcfg["sweep_n_distances"])


@register_check
def check_transfer(config: dict):
    """Distances, sizes, the gap material and the absorber stack of the transfer step."""
    t = config.get("transfer")
    if not t:
        return
    if t["sweep_distance_max_um"] <= t["sweep_distance_min_um"]:
        yield "transfer.sweep_distance_max_um", (f"{t['sweep_distance_max_um']} um must exceed "
                                                 f"transfer.sweep_distance_min_um = {t['sweep_distance_min_um']} um")
    if t["gap_material"] not in config["materials"]:
        yield "transfer.gap_material", f"{t['gap_material']!r} is not defined under materials"
    st = t["absorber_stack"]
    if st not in config["stacks"]:
        yield "transfer.absorber_stack", f"{st!r} is not defined under stacks"
    elif t["absorber_layer"] not in config["stacks"][st]["items"]:
        yield "transfer.absorber_layer", f"{t['absorber_layer']!r} is not an item of stack {st!r}"
    elif config["stacks"][st]["below"] != t["gap_material"]:
        yield "transfer.absorber_stack", (f"stack {st!r} is lit from {config['stacks'][st]['below']!r}, "
                                          f"not from the gap material {t['gap_material']!r}")
    ang = t["absorption_meep_angles_deg"]
    if any(b <= a for a, b in zip(ang, ang[1:])):
        yield "transfer.absorption_meep_angles_deg", "must be strictly increasing"
    if t["absorption_method"] == "meep" and (len(ang) < 3 or ang[0] != 0):
        yield "transfer.absorption_meep_angles_deg", ("transfer.absorption_method = meep needs a table: at least 3 "
                                                      "angles starting at 0 deg")
    lat = config["lateral"]
    p = t["source_pitch_um"]
    for key in ("led_width_um", "led_length_um"):
        if lat[key] < p:
            yield f"lateral.{key}", f"{lat[key]} um is smaller than transfer.source_pitch_um = {p} um"
    for i, a in enumerate(t["led_areas_mm2"]):
        side_um = math.sqrt(a) * 1e3
        if side_um < p:
            yield f"transfer.led_areas_mm2[{i}]", f"{a} mm^2 is smaller than one source cell"
        if side_um > 20000:
            yield f"transfer.led_areas_mm2[{i}]", f"{a} mm^2 (side {side_um:.0f} um) exceeds the 20 mm sampling limit"
    if st in config["stacks"] and t["gap_material"] in config["materials"]:
        from sims.config import band_inside_data, stack_material_names

        wl, fw = t["pump_wavelength_nm"], t["pump_fwhm_nm"]
        yield from band_inside_data("transfer.pump_wavelength_nm", stack_material_names(config, st),
                                    (wl - 1.5 * fw, wl + 1.5 * fw + 1e-6), config)


# ---------------------------------------------------------------------------------------
# the devices as built: distance, substrate, bond
# ---------------------------------------------------------------------------------------
def device_distance_um(config: dict, led: str) -> float:
    """The coupling distance of each device as built (um): the gap layer's thickness for the dual
    cavity (microcavity LED), devices.standard.distance_um for the single cavity."""
    dev = config["transfer"]["devices"]
    if led == "microcavity":
        return float(config["layers"][dev["microcavity"]["gap_layer"]]["thickness_nm"]) / 1e3
    return float(dev["standard"]["distance_um"])


def device_sweep_um(tcfg: dict, led: str, substrate_um: float | None = None) -> tuple[np.ndarray, bool]:
    """Distances of the J_th(d) sweep over the device's physically possible range (um).

    Dual cavity: transfer.sweep_distance_min_um .. max. Single cavity: its substrate thickness
    .. max; when max does not exceed the substrate the range is extended to 1.5 x the substrate
    (returned flag True: say so). Returns (distances, extended)."""
    n = int(tcfg["sweep_n_distances"])
    hi = float(tcfg["sweep_distance_max_um"])
    if led == "microcavity" or substrate_um is None:
        return np.linspace(float(tcfg["sweep_distance_min_um"]), hi, n), False
    extended = hi <= substrate_um
    if extended:
        hi = 1.5 * substrate_um
    return np.linspace(float(substrate_um), hi, n), extended


@register_check
def check_devices(config: dict):
    """Keys of transfer.devices: stacks and layers exist, the single-cavity crystal is not closer
    than its substrate, the emission band is inside the optical data of every stack used."""
    t = config.get("transfer")
    if not t or "devices" not in t:
        return
    dev = t["devices"]
    mc, st = dev["microcavity"], dev["standard"]
    for led, spec in (("microcavity", mc), ("standard", st)):
        if spec["led_stack"] not in config["stacks"]:
            yield f"transfer.devices.{led}.led_stack", f"{spec['led_stack']!r} is not defined under stacks"
    if mc["gap_layer"] not in config["layers"]:
        yield "transfer.devices.microcavity.gap_layer", f"{mc['gap_layer']!r} is not defined under layers"
    elif config["layers"][mc["gap_layer"]]["material"] != t["gap_material"]:
        yield "transfer.devices.microcavity.gap_layer", (f"layer {mc['gap_layer']!r} is made of "
                                                         f"{config['layers'][mc['gap_layer']]['material']!r}, "
                                                         f"not the gap material {t['gap_material']!r}")
    sub = st["substrate_layer"]
    if sub not in config["layers"]:
        yield "transfer.devices.standard.substrate_layer", f"{sub!r} is not defined under layers"
    elif st["distance_um"] < config["layers"][sub]["thickness_nm"] / 1e3:
        yield "transfer.devices.standard.distance_um", (
            f"{st['distance_um']} um puts the crystal closer than its substrate "
            f"(layers.{sub}.thickness_nm = {config['layers'][sub]['thickness_nm']:g} nm): the "
            f"standard PeLED pumps microcavity II through its own glass substrate")
    if st["air_gap_material"] not in config["materials"]:
        yield "transfer.devices.standard.air_gap_material", f"{st['air_gap_material']!r} is not defined under materials"
    if "emission" in config and all(s["led_stack"] in config["stacks"] for s in (mc, st)):
        from sims.config import band_inside_data, stack_material_names

        em = config["emission"]
        band = (em["wavelength_min_nm"], em["wavelength_max_nm"])
        names = set()
        for s in (mc["led_stack"], st["led_stack"], t["absorber_stack"]):
            if s in config["stacks"]:
                names |= stack_material_names(config, s)
        names.add(st["air_gap_material"]) if st["air_gap_material"] in config["materials"] else None
        yield from band_inside_data("emission.wavelength_min_nm", names, band, config)


def device_geometry(settings: dict, led: str) -> tuple[float, float | None, str]:
    """(coupling distance um, substrate thickness um or None, bond) of a device as built.

    Dual cavity (microcavity LED): the gap layer's thickness, no substrate, bond "none". Single
    cavity: devices.standard.distance_um, its substrate layer, devices.standard.bond; ConfigError
    when the crystal would sit closer than the substrate."""
    dev = settings["transfer"]["devices"]
    if led == "microcavity":
        return device_distance_um(settings, led), None, "none"
    st = dev["standard"]
    substrate = float(settings["layers"][st["substrate_layer"]]["thickness_nm"]) / 1e3
    distance = device_distance_um(settings, led)
    if distance < substrate:
        raise ConfigError([("transfer.devices.standard.distance_um",
                            f"{distance} um puts the crystal closer than its substrate ({substrate} um)")])
    return distance, substrate, st["bond"]


def gap_index(settings: dict) -> float:
    """Real index of the gap material (transfer.gap_material) at the pump wavelength."""
    from sims.materials import material_from_config, refractive_index

    t = settings["transfer"]
    gap_mat = material_from_config(t["gap_material"], settings["materials"][t["gap_material"]])
    return float(np.real(refractive_index(gap_mat, t["pump_wavelength_nm"] / 1e3)))


# ---------------------------------------------------------------------------------------
# the earlier single-pass model (one A(theta) at the pump line)
# ---------------------------------------------------------------------------------------
def transfer_led(table_exit: AngularTable, n_gap: float, absorption_theta_deg, absorption_fraction,
                 lateral: dict, tcfg: dict, spot_diameter_um: float, fresnel: bool = True,
                 progress=None) -> tuple[dict, dict, dict]:
    """Maps, distance sweep, energy balance and LED-area study for one LED, single pass.

    The table is refracted into the gap (Fresnel, Snell, solid-angle Jacobian) and weighted by
    A(theta) of microcavity II; no reflection back from the crystal.

    Args:
        table_exit: radiant intensity in the LED's exit medium (any normalisation).
        n_gap: refractive index of the gap medium.
        absorption_theta_deg, absorption_fraction: A(theta) of microcavity II lit from the gap
            (unpolarised), angles in the gap medium.
        lateral: config['lateral'] (LED and crystal sizes, um).
        tcfg: config['transfer'].
        spot_diameter_um: lasing-spot diameter for the "spot" reading.
        fresnel: Fresnel losses when refracting into the gap.
        progress: callable given one line per sweep distance.
    Returns:
        (datasets, units, scalar attributes). Every irradiance is per unit LED exitance (power
        per LED area leaving the LED into its exit medium), dimensionless.
    """
    a_th, a_val = np.asarray(absorption_theta_deg, float), np.asarray(absorption_fraction, float)
    check_angular_table(a_th, np.maximum(a_val, 0) + 1e-300, "transfer.absorption table")
    if np.any(a_val < -1e-6) or np.any(a_val > 1 + 1e-6):
        raise ConfigError([("transfer.absorption table", "absorbed fractions must lie in [0, 1]")])
    norm = table_exit.normalised()
    gap = refract_table(norm, n_gap, fresnel=fresnel)
    a_gap = np.interp(gap.theta_deg, a_th, np.clip(a_val, 0, 1))
    tables = {"incident": gap, "absorbed": AngularTable(gap.theta_deg, gap.intensity_per_sr * a_gap, n_gap)}
    maps_at = lambda g, d: irradiance_maps(g, d, tables)  # noqa: E731
    pitch = tcfg["source_pitch_um"]
    lw, ll, cw, cl = (lateral[k] for k in ("led_width_um", "led_length_um", "crystal_width_um", "crystal_length_um"))
    g0 = make_grids(lw, ll, cw, cl, pitch)
    gm = make_grids(lw, ll, cw, cl, pitch, tcfg["map_margin_um"])
    dist = distances_um(tcfg)
    md = np.asarray(tcfg["map_distances_um"], float)
    t0 = time.perf_counter()
    sweep = distance_study(g0, dist, maps_at, spot_diameter_um, progress=progress)
    maps = distance_study(gm, md, maps_at, spot_diameter_um, keep_maps=True)
    sweep_s = time.perf_counter() - t0
    stride = balance_stride(g0)
    balance = [[maps["coupling_efficiency"][j], energy_balance(g0, float(d), gap, stride)[1], gap.hemisphere_power()]
               for j, d in enumerate(md)]
    areas, ad = np.asarray(tcfg["led_areas_mm2"], float), np.asarray(tcfg["area_distances_um"], float)
    t1 = time.perf_counter()
    area = area_study(lateral, pitch, areas, ad, maps_at, spot_diameter_um)
    area_s = time.perf_counter() - t1
    ds = {"theta_gap_deg": gap.theta_deg, "intensity_gap_per_sr": gap.intensity_per_sr,
          "absorbed_fraction_gap": a_gap, "theta_exit_deg": norm.theta_deg,
          "intensity_exit_per_sr": norm.intensity_per_sr, "distance_um": dist,
          "map_distance_um": md, "map_x_um": gm.x_tgt, "map_y_um": gm.y_tgt,
          "map_crystal_weight": crystal_mask(gm), "irradiance_map": maps["incident"], "absorbed_map": maps["absorbed"],
          "energy_balance": np.array(balance), "led_area_mm2": areas, "area_distance_um": ad,
          "map_spot_center_um": maps["spot_center_um"]}
    units = {"theta_gap_deg": "deg (in the gap medium)", "intensity_gap_per_sr": "1/sr per W leaving the LED",
             "absorbed_fraction_gap": "1 (unpolarised)", "theta_exit_deg": "deg (in the exit medium)",
             "intensity_exit_per_sr": "1/sr per W leaving the LED", "distance_um": "um", "map_distance_um": "um",
             "map_x_um": "um", "map_y_um": "um", "map_crystal_weight": "1 (fraction of pixel on the crystal)",
             "irradiance_map": "W/m^2 per W/m^2 of LED exitance", "absorbed_map": "W/m^2 per W/m^2 of LED exitance",
             "energy_balance": "1: columns landed (spatial), missed (angular quadrature), left (hemisphere)",
             "led_area_mm2": "mm^2", "area_distance_um": "um",
             "map_spot_center_um": "um: (x, y) of the lasing spot (absorbed-map maximum) at each map distance"}
    for k in SWEEP_KEYS:
        ds[f"sweep/{k}"], ds[f"maps/{k}"] = sweep[k], maps[k]
        u = "1 (of the power leaving the LED)" if k in ("coupling_efficiency", "absorbed_fraction_of_led_power") \
            else "W/m^2 per W/m^2 of LED exitance"
        units[f"sweep/{k}"] = units[f"maps/{k}"] = u
        if k in AREA_KEYS:
            ds[f"area/{k}"], units[f"area/{k}"] = area[k], u
    scalars = {"sweep_wall_time_s": sweep_s, "area_study_wall_time_s": area_s, "n_distances": int(dist.size),
               "source_cells": int(g0.x_src.size * g0.y_src.size), "pitch_x_um": g0.px, "pitch_y_um": g0.py,
               "gap_index": float(n_gap), "exit_index": float(table_exit.medium_index),
               "power_into_gap_per_power_leaving": gap.hemisphere_power(),
               "spot_diameter_um": float(spot_diameter_um)}
    return ds, units, scalars


# ---------------------------------------------------------------------------------------
# issue 17: the two devices as built, spectrally and angularly resolved, multiple passes
# ---------------------------------------------------------------------------------------
def transfer_device(led: str, em_spec: dict, table_exit: AngularTable, ab: dict, lateral: dict, tcfg: dict,
                    distance_um: float, spot_diameter_um: float, substrate_um: float | None = None,
                    bond: str = "index_matched", n_gap: float | None = None, calibration: dict | None = None,
                    progress=None) -> tuple[dict, dict, dict]:
    """The transfer step for one device as built (issue 17).

    Args:
        led: "microcavity" (dual cavity) or "standard" (single cavity).
        em_spec: :func:`read_emission_spectral` of the LED's emission.h5 (exit medium).
        table_exit: the wavelength-integrated table in the exit medium (:func:`read_emission`).
        ab: datasets of pump_absorption.h5 (spectral/..., table/...).
        lateral, tcfg: config['lateral'], config['transfer'].
        distance_um: the device's coupling distance.
        substrate_um: the single cavity's substrate thickness (lower end of its sweep).
        bond: the configured bond (production) of the single cavity.
        n_gap: the gap (NOA81) index, for today's model (variant legacy_noa81_gap).
        calibration: LED-calibration variants for the sensitivity study: {"reference": em_spec of the
            production (calibrated) stack by transfer matrix, "variants": {name: em_spec by transfer
            matrix}}; each variant's ratio is the production ratio times (variant / reference), both
            by the transfer-matrix emission and the variant's own LED reflectance
            (``spectral/led/{led}/variants/{name}/R_*`` of pump_absorption.h5).
    Returns:
        (datasets, units, scalar attributes).
    """
    import time

    t_start = time.perf_counter()
    th = np.asarray(ab["spectral/theta_deg"], float)
    wl = np.asarray(ab["spectral/wavelength_nm"], float)
    t_start = time.perf_counter()
    th = np.asarray(ab["spectral/theta_deg"], float)
    wl = np.asarray(ab["spectral/wavelength_nm"], float)
    I = resample_emission(em_spec, th, wl)
    n_geom = float(ab["spectral/index/gap"] if led == "microcavity" else ab["spectral/index/substrate"])
    el = em_spec["el_spectrum_per_nm"]
    elw = (np.interp(wl, em_spec["wavelength_nm"], el) if el is not None
           else np.exp(-4 * math.log(2) * ((wl - tcfg["pump_wavelength_nm"]) / max(tcfg["pump_fwhm_nm"], 1e-9)) ** 2))
    tol, mx = float(tcfg["multipass_tolerance"]), int(tcfg["multipass_max_passes"])
    prod_bond = bond if led == "standard" else "gap"
    passes, p_abs_lam = device_passes(led, prod_bond, ab, th, wl, I, elw, tol, mx)
    prod = passes[(prod_bond, "spectral")]
    el_mp = passes[(prod_bond, "el")]
    pitch = tcfg["source_pitch_um"]
    lw, ll, cw, cl = (lateral[k] for k in ("led_width_um", "led_length_um", "crystal_width_um", "crystal_length_um"))
    g0 = make_grids(lw, ll, cw, cl, pitch)
    gm = make_grids(lw, ll, cw, cl, pitch, tcfg["map_margin_um"])
    d0 = float(distance_um)
    R_, F_ = RATIO_UNITS, FRACTION_UNITS
    absorbed_keys = ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "absorbed_fraction_of_led_power")
    ds, units = {"device/distance_um": np.array(d0)}, {"device/distance_um": "um (LED plane to crystal plane)"}

    def put_absorbed(prefix, readings, note=""):
        for k in absorbed_keys:
            ds[f"{prefix}/{k}"] = np.array(readings[k])
            units[f"{prefix}/{k}"] = (F_ if k.startswith("absorbed_fraction") else R_) + note

    # --- production at the device distance
    device_maps = multipass_maps(g0, d0, th, prod, n_geom)
    rp = map_readings(g0, device_maps, spot_diameter_um)
    ds["device/absorbed_map"], ds["device/map_x_um"], ds["device/map_y_um"] = device_maps["absorbed"], g0.x_tgt, g0.y_tgt
    units["device/absorbed_map"] = R_ + "; all passes, at the device distance on the crystal (x, y) grid"
    units["device/map_x_um"] = units["device/map_y_um"] = "um"
    for k in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "spot_irradiance_ratio",
              "crystal_mean_irradiance_ratio", "coupling_efficiency", "absorbed_fraction_of_led_power", "spot_center_um"):
        ds[f"device/{k}"] = np.asarray(rp[k])
        units[f"device/{k}"] = {"coupling_efficiency": F_ + "; first pass, incident on the crystal (air_gap: on the bond)",
                                "absorbed_fraction_of_led_power": F_ + "; absorbed in the crystal, all passes",
                                "spot_center_um": "um (x, y) of the absorbed-map maximum"}.get(
            k, R_ + ("; all passes" if "absorbed" in k else "; first pass, incident"))
    # --- variants
    variants = {"single_pass": {"tables": prod["tables"][:1], "incident": prod["incident"]}, "el_averaged": el_mp,
                "single_pass_el_averaged": {"tables": el_mp["tables"][:1], "incident": el_mp["incident"]}}
    if led == "standard":
        variants["bond_index_matched"] = passes[("index_matched", "spectral")]
        variants["bond_air_gap"] = passes[("air_gap", "spectral")]
    vread = {}
    for v, pt in variants.items():
        vread[v] = map_readings(g0, multipass_maps(g0, d0, th, pt, n_geom, with_incident=False), spot_diameter_um)
        put_absorbed(f"device/variants/{v}", vread[v])
    if calibration:
        ref, cal = calibration_readings(led, prod_bond, ab, th, wl, calibration, g0, d0, n_geom, spot_diameter_um, tol, mx)
        for name, rv in cal.items():
            put_absorbed(f"device/variants/cal_{name}", {k: rp[k] * rv[k] / ref[k] for k in absorbed_keys},
                         f"; LED calibration variant {name}: production x (transfer-matrix variant / transfer-matrix "
                         "calibrated), each with its own LED reflectance")
    if n_gap is not None and "table/absorbed_fraction" in ab:
        # today's model: the table refracted into the NOA81 gap, A(theta) averaged over the pump line, one pass
        gap = refract_table(table_exit.normalised(), n_gap, fresnel=bool(tcfg.get("interface_fresnel", True)))
        a_gap = np.interp(gap.theta_deg, ab["table/theta_deg"], np.clip(ab["table/absorbed_fraction"], 0, 1))
        m = irradiance_maps(g0, d0, {"absorbed": AngularTable(gap.theta_deg, gap.intensity_per_sr * a_gap, n_gap)})
        put_absorbed("device/variants/legacy_noa81_gap", map_readings(g0, m, spot_diameter_um))
    for q, key in (("spot", "spot_absorbed_ratio"), ("crystal_mean", "crystal_mean_absorbed_ratio")):
        ds[f"device/multipass_factor_{q}"] = np.array(rp[key] / vread["single_pass"][key])
        ds[f"device/spectral_factor_{q}"] = np.array(rp[key] / vread["el_averaged"][key])
        units[f"device/multipass_factor_{q}"] = "1 (production / single_pass)"
        units[f"device/spectral_factor_{q}"] = "1 (production / el_averaged)"
    ds["device/multipass_factor_infinite_plane"] = np.array(prod["infinite_plane"] / prod["single_pass_infinite"])
    units["device/multipass_factor_infinite_plane"] = "1 (sum_pol int I A / (1 - R_LED R_II) over int I A, infinite crystal)"
    ds["device/absorbed_infinite_plane"] = np.array(prod["infinite_plane"])
    units["device/absorbed_infinite_plane"] = F_ + "; infinite crystal, all passes"
    ds["device/absorbed_photon_energy_ev"] = np.array(np.trapz(p_abs_lam, wl) / np.trapz(p_abs_lam / (HC_EV_NM / wl), wl))
    units["device/absorbed_photon_energy_ev"] = ("eV (absorbed-power-weighted harmonic mean photon energy, infinite crystal, "
                                                 "all passes: int P dlambda / int P / (h nu) dlambda)")
    ds["device/absorbed_spectrum_per_nm"] = p_abs_lam
    units["device/absorbed_spectrum_per_nm"] = "1/nm (absorbed power per W leaving the LED, infinite crystal, all passes)"
    ds["device/wavelength_nm"] = wl
    units["device/wavelength_nm"] = "nm"
    ds["device/n_passes"] = np.array(prod["n_passes"])
    ds["device/multipass_weight_left"] = np.array(prod["left"])
    units["device/n_passes"] = "1 (passes summed, production)"
    units["device/multipass_weight_left"] = "1 (infinite-plane absorbed weight beyond the last pass / total)"
    # per-pass energy check: landed (spatial) + missed (angular) = leaves, for the first passes
    stride = balance_stride(g0)
    ds["device/energy_balance_passes"] = np.array([energy_balance(g0, (2 * n + 1) * d0, AngularTable(th, tab, n_geom), stride)
                                                   for n, tab in enumerate(prod["tables"][:3])])
    units["device/energy_balance_passes"] = ("1: per pass n (rows, absorbed weight at (2n+1) d): landed (spatial), "
                                             "missed (angular quadrature), left (hemisphere)")
    ds["device/theta_deg"] = th
    units["device/theta_deg"] = f"deg (in the geometry medium, n = {n_geom:.4f})"
    for n in range(min(3, prod["n_passes"])):
        ds[f"device/pass_table_{n}_per_sr"] = prod["tables"][n]
        units[f"device/pass_table_{n}_per_sr"] = "1/sr absorbed per W leaving the LED, pass n"
    ds["device/incident_table_per_sr"] = prod["incident"]
    units["device/incident_table_per_sr"] = "1/sr per W leaving the LED (first pass, in the geometry medium)"
    # --- the paper's ray-tracing convention: profile in the exit medium, straight rays, nothing else
    norm = table_exit.normalised()
    mr = irradiance_maps(g0, d0, {"i": norm})["i"]
    ds["ray_tracing/coupling_efficiency"] = np.array(landed_fraction(g0, mr))
    ds["ray_tracing/mean_irradiance_ratio"] = np.array(crystal_mean(g0, mr))
    units["ray_tracing/coupling_efficiency"] = ("1 (share of the LED output landing on the crystal: angular profile in the "
                                                "exit medium, straight rays, no refraction/Fresnel/absorption/EQE)")
    units["ray_tracing/mean_irradiance_ratio"] = R_ + " (same convention, crystal mean)"
    t_dev = time.perf_counter() - t_start
    # --- sweep over the device's possible range, maps at the configured distances, LED-area study (production)
    maps_at = lambda g, d: multipass_maps(g, d, th, prod, n_geom)  # noqa: E731
    dist, extended = device_sweep_um(tcfg, led, substrate_um)
    t0 = time.perf_counter()
    sweep = distance_study(g0, dist, maps_at, spot_diameter_um, progress=progress)
    sweep_s = time.perf_counter() - t0
    md = np.asarray(tcfg["map_distances_um"], float)
    maps = distance_study(gm, md, maps_at, spot_diameter_um, keep_maps=True)
    inc_tab = AngularTable(th, prod["incident"], n_geom)
    balance = [energy_balance(g0, float(d), inc_tab, stride) for d in md]
    possible = md >= (substrate_um if (led == "standard" and substrate_um) else 0.0) - 1e-9
    areas, ad = np.asarray(tcfg["led_areas_mm2"], float), np.asarray(tcfg["area_distances_um"], float)
    t1 = time.perf_counter()
    area = area_study(lateral, pitch, areas, ad, maps_at, spot_diameter_um)
    area_s = time.perf_counter() - t1
    ds.update({"distance_um": dist, "sweep/distance_um": dist, "map_distance_um": md, "map_x_um": gm.x_tgt,
               "map_y_um": gm.y_tgt, "map_crystal_weight": crystal_mask(gm), "irradiance_map": maps["incident"],
               "absorbed_map": maps["absorbed"], "energy_balance": np.array(balance), "led_area_mm2": areas,
               "area_distance_um": ad, "map_spot_center_um": maps["spot_center_um"],
               "maps/physically_possible": possible.astype(np.int8),
               "theta_exit_deg": norm.theta_deg, "intensity_exit_per_sr": norm.intensity_per_sr})
    units.update({"distance_um": "um (the device's possible range)", "sweep/distance_um": "um (the device's possible range)",
                  "map_distance_um": "um", "map_x_um": "um", "map_y_um": "um",
                  "map_crystal_weight": "1 (fraction of pixel on the crystal)",
                  "irradiance_map": R_ + " (first pass, incident)", "absorbed_map": R_ + " (absorbed in the crystal, all passes)",
                  "energy_balance": "1: columns landed (spatial), missed (angular quadrature), left (hemisphere); first-pass incident table",
                  "led_area_mm2": "mm^2", "area_distance_um": "um",
                  "map_spot_center_um": "um: (x, y) of the lasing spot (absorbed-map maximum) at each map distance",
                  "maps/physically_possible": "1/0: the map distance is possible for this device (single cavity: >= its substrate)",
                  "theta_exit_deg": "deg (in the exit medium)", "intensity_exit_per_sr": "1/sr per W leaving the LED"})
    for k in SWEEP_KEYS:
        u = F_ if k in ("coupling_efficiency", "absorbed_fraction_of_led_power") else R_
        ds[f"sweep/{k}"], ds[f"maps/{k}"] = sweep[k], maps[k]
        units[f"sweep/{k}"] = units[f"maps/{k}"] = u + " (production model)"
    ds["sweep/crystal_mean_absorbed_ratio"] = sweep["mean_absorbed_ratio"]
    units["sweep/crystal_mean_absorbed_ratio"] = R_ + " (production model)"
    for k in AREA_KEYS:
        ds[f"area/{k}"] = area[k]
        units[f"area/{k}"] = (F_ if k == "coupling_efficiency" else R_) + " (production model)"
    scalars = {"device_wall_time_s": t_dev, "sweep_wall_time_s": sweep_s, "area_study_wall_time_s": area_s,
               "n_distances": int(dist.size), "source_cells": int(g0.x_src.size * g0.y_src.size),
               "pitch_x_um": g0.px, "pitch_y_um": g0.py, "geometry_index": n_geom,
               "exit_index": float(table_exit.medium_index), "spot_diameter_um": float(spot_diameter_um),
               "polarization": em_spec["polarization"], "bond": bond if led == "standard" else "none (NOA81 gap)",
               "sweep_extended_beyond_max": bool(extended), "multipass_passes": int(prod["n_passes"]),
               "assumption_led_plane": "the whole LED plane reflects like the LED stack (outside the active pixel it may not)",
               "assumption_geometry": ("single cavity: distance beyond the substrate is glass-index medium; the air_gap bond "
                                       "is geometrically thin" if led == "standard" else "dual cavity: NOA81 gap of thickness d")}
    return ds, units, scalars


def transfer_summary(ds: dict, scalars: dict, wall_time_s: float) -> str:
    """Energy balance at the map distances, sweep time and the device readings (text, for the log)."""
    lines = []
    for j, d in enumerate(ds["map_distance_um"]):
        eb = ds["energy_balance"][j]
        lines.append(f"d = {d:g} um: coupling {ds['maps/coupling_efficiency'][j]:.4f}, absorbed "
                     f"{ds['maps/absorbed_fraction_of_led_power'][j]:.4f}; lands {eb[0]:.5f} + misses {eb[1]:.5f} = "
                     f"{eb[0] + eb[1]:.5f} vs leaves {eb[2]:.5f}")
    lines.append(f"sweep of {scalars['n_distances']} distances: {scalars['sweep_wall_time_s']:.2f} s; "
                 f"step {wall_time_s:.2f} s")
    lines += [f"{k} = {float(ds[k]):.6g}" for k in sorted(ds)
              if k.startswith(("device/", "ray_tracing/")) and np.ndim(ds[k]) == 0]
    return "\n".join(lines)
