"""Entry: radiometric transfer of one LED's emission onto the crystal plane -> HDF5 + maps figure.

Irradiance and absorbed-pump maps at the map distances, coupling efficiency and absorbed
power against distance, energy balance, LED-area study, and the sweep benchmark (JSON).
"""

import argparse
import json

from sims.plots.transfer import plot_maps
from sims.results import Timer, provenance, read_h5, save_figure, write_h5, write_text
from sims.transfer import device_geometry, gap_index, transfer_device, transfer_summary
from sims.transfer_tables import (exit_to_air_power_ratio, read_emission, read_emission_calibration,
                                  read_emission_spectral)


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
    ab, _ = read_h5(args.absorption)
    distance, substrate, bond = device_geometry(s, args.led)
    with Timer() as timer:
        ds, units, sc = transfer_device(args.led, read_emission_spectral(args.emission), em["exit"], ab, s["lateral"],
                                        t, distance, s["spot_diameter_um"], substrate_um=substrate, bond=bond,
                                        n_gap=gap_index(s), calibration=read_emission_calibration(args.emission),
                                        progress=print)
    ds["exit_to_air_power_ratio"] = exit_to_air_power_ratio(em)
    units["exit_to_air_power_ratio"] = "1 (power into the exit medium / power into air)"
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
    print(transfer_summary(ds, sc, timer.seconds))


if __name__ == "__main__":
    main()
