"""Entry: radiometric transfer of one LED's emission onto the crystal plane -> HDF5 + maps figure.

Irradiance and absorbed-pump maps at the map distances, coupling efficiency and absorbed
power against distance, energy balance, LED-area study, and the sweep benchmark (JSON).
"""

import argparse
import json


import h5py
import numpy as np

from sims.results import Timer, provenance, read_h5, save_figure, write_h5, write_text
from sims.materials import material_from_config, refractive_index
from sims.config import ConfigError
from sims.transfer import read_emission, read_emission_spectral, transfer_device


DEVICE_TITLE = {"microcavity": "dual cavity: microcavity PeLED / NOA81 gap / microcavity II",
                "standard": "single cavity: standard PeLED / its glass substrate / {bond} bond / microcavity II"}


def plot_maps(ds, led, exit_medium, sc=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    md = ds["map_distance_um"]
    fig, axes = plt.subplots(2, md.size, figsize=(4.2 * md.size, 7), squeeze=False)
    x, y = ds["map_x_um"], ds["map_y_um"]
    ext = [x[0], x[-1], y[0], y[-1]]
    w = ds["map_crystal_weight"]
    for j, d in enumerate(md):
        for i, (name, label) in enumerate((("irradiance_map", "irradiance"), ("absorbed_map", "absorbed in crystal"))):
            ax = axes[i, j]
            im = ax.imshow(ds[name][j].T, origin="lower", extent=ext, cmap="inferno")
            ax.contour(x, y, w.T, levels=[0.5], colors="c", linewidths=0.8)
            fig.colorbar(im, ax=ax, shrink=0.8, label="W/m$^2$ per W/m$^2$ LED exitance")
            flag = "" if ds["maps/physically_possible"][j] else " (closer than the substrate: not buildable)"
            ax.set_title(f"{led}: {label}, d = {d:g} um{flag}\ncoupling {ds['maps/coupling_efficiency'][j]:.3f}, "
                         f"absorbed {ds['maps/absorbed_fraction_of_led_power'][j]:.3f}", fontsize=8)
            ax.set_xlabel("x (um)")
            ax.set_ylabel("y (um)")
    title = DEVICE_TITLE.get(led, led).format(bond=(sc or {}).get("bond", "?"))
    fig.suptitle(f"{title} (table in {exit_medium}; device distance {float(ds['device/distance_um']):g} um; "
                 f"absorbed: spectral, all passes; cyan: crystal edge)", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: lateral, transfer, gap material, spot diameter")
    ap.add_argument("--led", required=True)
    ap.add_argument("--emission", required=True, help="results/emission/{led}/emission.h5")
    ap.add_argument("--absorption", required=True, help="results/transfer/pump_absorption.h5")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    ap.add_argument("--benchmark-json", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    t = s["transfer"]
    em = read_emission(args.emission)
    gap_mat = material_from_config(t["gap_material"], s["materials"][t["gap_material"]])
    n_gap = float(np.real(refractive_index(gap_mat, t["pump_wavelength_nm"] / 1e3)))
    ab, _ = read_h5(args.absorption)
    dev = t["devices"]
    if args.led == "microcavity":
        distance = float(s["layers"][dev["microcavity"]["gap_layer"]]["thickness_nm"]) / 1e3
        substrate, bond = None, "none"
    else:
        st = dev["standard"]
        substrate = float(s["layers"][st["substrate_layer"]]["thickness_nm"]) / 1e3
        distance, bond = float(st["distance_um"]), st["bond"]
        if distance < substrate:
            raise ConfigError([("transfer.devices.standard.distance_um",
                                f"{distance} um puts the crystal closer than its substrate ({substrate} um)")])
    em_spec = read_emission_spectral(args.emission)
    calibration = None
    with h5py.File(args.emission, "r") as fh:
        names = [n for n in str(fh.attrs.get("variants", "")).split(",") if n and f"variants/{n}" in fh]
    if names:
        calibration = {"reference": read_emission_spectral(args.emission, "tmm/"),
                       "variants": {n: read_emission_spectral(args.emission, f"variants/{n}/") for n in names}}
    with Timer() as timer:
        ds, units, sc = transfer_device(args.led, em_spec, em["exit"], ab, s["lateral"], t, distance,
                                        s["spot_diameter_um"], substrate_um=substrate, bond=bond, n_gap=n_gap,
                                        calibration=calibration,
                                        progress=print)
    p_exit = em["exit"].hemisphere_power()
    ratio = p_exit / em["air"].hemisphere_power() if em["air"] is not None else float("nan")
    ds["exit_to_air_power_ratio"] = np.array(ratio if np.isfinite(ratio) else -1.0)
    units["exit_to_air_power_ratio"] = "1 (power into the exit medium / power into air; -1: no air table)"
    attrs = {**sc, "led": args.led, "exit_medium": em["exit_medium"], "exit_medium_index": em["exit_medium_index"],
             "extraction_fraction": em["extraction_fraction"], "emission_file": args.emission,
             "absorption_file": args.absorption, "absorption_method": t["absorption_method"],
             "step_wall_time_s": timer.seconds}
    write_h5(args.h5, ds, provenance(s, timer.seconds, **attrs), units)
    save_figure(plot_maps(ds, args.led, em["exit_medium"], sc), args.fig)
    bench = {"step": "transfer", "led": args.led, "sweep_n_distances": sc["n_distances"],
             "sweep_with_maps_wall_time_s": sc["sweep_wall_time_s"], "area_study_wall_time_s": sc["area_study_wall_time_s"],
             "source_cells": sc["source_cells"], "total_wall_time_s": timer.seconds}
    write_text(args.benchmark_json, json.dumps(bench, indent=2) + "\n")
    for j, d in enumerate(ds["map_distance_um"]):
        eb = ds["energy_balance"][j]
        print(f"d = {d:g} um: coupling {ds['maps/coupling_efficiency'][j]:.4f}, absorbed "
              f"{ds['maps/absorbed_fraction_of_led_power'][j]:.4f}; lands {eb[0]:.5f} + misses {eb[1]:.5f} = "
              f"{eb[0] + eb[1]:.5f} vs leaves {eb[2]:.5f}")
    print(f"sweep of {sc['n_distances']} distances: {sc['sweep_wall_time_s']:.2f} s; step {timer.seconds:.2f} s")
    for k in sorted(ds):
        if k.startswith(("device/", "ray_tracing/")) and np.ndim(ds[k]) == 0:
            print(f"{k} = {float(ds[k]):.6g}")


if __name__ == "__main__":
    main()
