"""Entry: microcavity vs standard PeLED transfer against distance -> HDF5 + figure.

Coupling efficiency, absorbed pump fraction, and the ratio of the power densities on the
crystal (microcavity / standard) per unit LED exitance and at each LED's measured maximum
exitance (threshold.measured.max_exitance_*).
"""

import argparse
import json


import numpy as np

from sims.results import provenance, read_h5, save_figure, write_h5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: max exitances of the two LEDs (W/cm^2)")
    ap.add_argument("--microcavity", required=True)
    ap.add_argument("--standard", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    mc, _ = read_h5(args.microcavity)
    st, _ = read_h5(args.standard)
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
    write_h5(args.h5, ds, provenance(s, None, microcavity_file=args.microcavity, standard_file=args.standard), units)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    for led, c in (("microcavity", "C3"), ("standard", "C0")):
        d_led = ds[f"{led}/distance_um"]
        ax[0].plot(d_led, ds[f"{led}/coupling_efficiency"], c + "-", label=f"{led}: lands on crystal")
        ax[0].plot(d_led, ds[f"{led}/absorbed_fraction_of_led_power"], c + "--", label=f"{led}: absorbed in crystal")
        ax[1].plot(d_led, ds[f"{led}/spot_absorbed_ratio"], c + "-", label=f"{led}: spot")
        ax[1].plot(d_led, ds[f"{led}/mean_absorbed_ratio"], c + "--", label=f"{led}: crystal mean")
    ax[0].set_ylabel("fraction of the power leaving the LED")
    ax[1].set_ylabel("absorbed irradiance / LED exitance")
    for key, ls in (("spot_absorbed_ratio", "-"), ("mean_absorbed_ratio", "--"), ("mean_irradiance_ratio", ":")):
        ax[2].plot(d, ds[f"ratio_at_max_current/{key}"], "k" + ls, label=key.replace("_ratio", "") + " (at max current)")
    ax[2].axhline(1, color="0.6", lw=0.8)
    ax[2].set_ylabel("microcavity / standard")
    for a in ax:
        a.set_xlabel("coupling distance d (um)")
        a.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, args.fig)
    for dd in s.get("report_distances_um", []):
        i = int(np.argmin(np.abs(d - dd)))
        im, is_ = int(np.argmin(np.abs(d_mc - d[i]))), int(np.argmin(np.abs(d_st - d[i])))
        print(f"d = {d[i]:.1f} um: coupling micro {ds['microcavity/coupling_efficiency'][im]:.4f} standard "
              f"{ds['standard/coupling_efficiency'][is_]:.4f}; spot absorbed ratio micro/std at max current "
              f"{ds['ratio_at_max_current/spot_absorbed_ratio'][i]:.3f}")
    for q in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio"):
        if f"device/ratio_per_exitance/{q}" in ds:
            print(f"devices as built (each at its own distance): {q} dual/single per exitance "
                  f"{float(ds[f'device/ratio_per_exitance/{q}']):.3f}, at max current {float(ds[f'device/ratio_at_max_current/{q}']):.3f}")


if __name__ == "__main__":
    main()
