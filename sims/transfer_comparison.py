"""Dual against single cavity: the transfer of the two PeLEDs side by side.

Each device is swept over its own physically possible range (the single cavity not closer than
its substrate); the ratios (microcavity / standard) are taken on the overlap of the two ranges
by linear interpolation, per unit LED exitance and at each LED's measured maximum exitance
(threshold.measured.max_exitance_*, W/cm^2). Units: um, W/cm^2, mW.
"""

from __future__ import annotations

import numpy as np


def compare_devices(mc: dict, st: dict, s: dict) -> tuple[dict, dict]:
    """Ratios and absolute pump of the two devices.

    Args:
        mc, st: datasets of the transfer.h5 of the microcavity (dual cavity) and standard LED.
        s: settings with max_exitance_microcavity_w_per_cm2, max_exitance_standard_w_per_cm2,
            led_area_cm2.
    Returns:
        (datasets, units) of comparison.h5.
    """
    # each device is swept over its own possible range (the single cavity not closer than its
    # substrate): per-LED curves on their own distances, ratios on the overlap of the two ranges
    d_mc, d_st = np.asarray(mc["distance_um"], float), np.asarray(st["distance_um"], float)
    lo, hi = max(d_mc[0], d_st[0]), min(d_mc[-1], d_st[-1])
    d = np.unique(np.concatenate([d_mc[(d_mc >= lo) & (d_mc <= hi)], d_st[(d_st >= lo) & (d_st <= hi)]]))
    m_mc, m_st = s["max_exitance_microcavity_w_per_cm2"], s["max_exitance_standard_w_per_cm2"]
    ds = {"distance_um": d, "microcavity/distance_um": d_mc, "standard/distance_um": d_st}
    units = {"distance_um": "um (overlap of the two devices' ranges: the ratios)",
             "microcavity/distance_um": "um (dual cavity sweep)", "standard/distance_um": "um (single cavity sweep, from its substrate)"}
    for key in ("coupling_efficiency", "absorbed_fraction_of_led_power", "mean_irradiance_ratio",
                "spot_irradiance_ratio", "mean_absorbed_ratio", "spot_absorbed_ratio"):
        ds[f"microcavity/{key}"], ds[f"standard/{key}"] = mc[f"sweep/{key}"], st[f"sweep/{key}"]
        units[f"microcavity/{key}"] = units[f"standard/{key}"] = "1"
    for key in ("mean_irradiance_ratio", "spot_irradiance_ratio", "mean_absorbed_ratio", "spot_absorbed_ratio"):
        r = np.interp(d, d_mc, mc[f"sweep/{key}"]) / np.interp(d, d_st, st[f"sweep/{key}"])
        ds[f"ratio_per_exitance/{key}"] = r
        ds[f"ratio_at_max_current/{key}"] = r * m_mc / m_st
        units[f"ratio_per_exitance/{key}"] = "1 (microcavity / standard, equal LED exitance)"
        units[f"ratio_at_max_current/{key}"] = "1 (microcavity / standard, each at its measured max exitance)"
    ds["map_distance_um"] = mc["map_distance_um"]
    units["map_distance_um"] = "um"
    for key in ("mean_irradiance_ratio", "spot_irradiance_ratio", "mean_absorbed_ratio", "spot_absorbed_ratio"):
        r = mc[f"maps/{key}"] / st[f"maps/{key}"]
        ds[f"maps/ratio_per_exitance/{key}"] = r
        ds[f"maps/ratio_at_max_current/{key}"] = r * m_mc / m_st
        units[f"maps/ratio_per_exitance/{key}"] = units[f"ratio_per_exitance/{key}"]
        units[f"maps/ratio_at_max_current/{key}"] = units[f"ratio_at_max_current/{key}"]
    for led, m, src in (("microcavity", m_mc, mc), ("standard", m_st, st)):
        ds[f"{led}/mean_irradiance_at_max_current_w_per_cm2"] = src["sweep/mean_irradiance_ratio"] * m
        ds[f"{led}/absorbed_power_at_max_current_mw"] = (src["sweep/absorbed_fraction_of_led_power"] * m *
                                                         s["led_area_cm2"] * 1e3)
        units[f"{led}/mean_irradiance_at_max_current_w_per_cm2"] = "W/cm^2"
        units[f"{led}/absorbed_power_at_max_current_mw"] = "mW"
    # the two devices as built, each at its own distance (production model)
    for q in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "absorbed_fraction_of_led_power"):
        if f"device/{q}" in mc and f"device/{q}" in st:
            r = float(mc[f"device/{q}"]) / float(st[f"device/{q}"])
            ds[f"device/ratio_per_exitance/{q}"] = np.array(r)
            ds[f"device/ratio_at_max_current/{q}"] = np.array(r * m_mc / m_st)
            units[f"device/ratio_per_exitance/{q}"] = ("1 (dual / single cavity, each at its own distance, equal LED "
                                                       "exitance into its exit medium)")
            units[f"device/ratio_at_max_current/{q}"] = "1 (same, each LED at its measured max exitance)"
    return ds, units


def comparison_summary(ds: dict, report_distances_um) -> str:
    """Coupling and spot-absorbed ratio at the report distances, and the devices as built (text)."""
    d, d_mc, d_st = ds["distance_um"], ds["microcavity/distance_um"], ds["standard/distance_um"]
    lines = []
    for dd in report_distances_um:
        i = int(np.argmin(np.abs(d - dd)))
        im, is_ = int(np.argmin(np.abs(d_mc - d[i]))), int(np.argmin(np.abs(d_st - d[i])))
        lines.append(f"d = {d[i]:.1f} um: coupling micro {ds['microcavity/coupling_efficiency'][im]:.4f} standard "
                     f"{ds['standard/coupling_efficiency'][is_]:.4f}; spot absorbed ratio micro/std at max current "
                     f"{ds['ratio_at_max_current/spot_absorbed_ratio'][i]:.3f}")
    for q in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio"):
        if f"device/ratio_per_exitance/{q}" in ds:
            lines.append(f"devices as built (each at its own distance): {q} dual/single per exitance "
                         f"{float(ds[f'device/ratio_per_exitance/{q}']):.3f}, at max current {float(ds[f'device/ratio_at_max_current/{q}']):.3f}")
    return "\n".join(lines)
