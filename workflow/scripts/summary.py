"""Entry: results/summary.json, every headline number with unit and source file."""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import h5py  # noqa: E402
import numpy as np  # noqa: E402

from sims.summary import Entry, build_summary, write_summary  # noqa: E402
from sims.hdf5io import software_versions  # noqa: E402


def entries(a) -> list:
    with h5py.File(a.threshold, "r") as fh:
        md = list(np.asarray(fh["map_distance_um"][()]))
        reading = fh.attrs["headline_reading"]
        hd = float(fh.attrs["headline_distance_um"])
    E = []
    E.append(Entry("pump_absorbed_fraction_normal_680nm", a.absorption, "tmm/A_crystal", "1",
                   "share of the pump absorbed in the crystal of microcavity II at normal incidence from the gap (tmm)", 0))
    for led, path in (("microcavity", a.microcavity), ("standard", a.standard)):
        for i, d in enumerate(md):
            E.append(Entry(f"coupling_efficiency_{led}_{d:g}um", path, "maps/coupling_efficiency", "1",
                           f"share of the power leaving the {led} PeLED that lands on the crystal at d = {d:g} um", i))
            E.append(Entry(f"absorbed_fraction_{led}_{d:g}um", path, "maps/absorbed_fraction_of_led_power", "1",
                           f"share of the power leaving the {led} PeLED absorbed in the crystal at d = {d:g} um", i))
        E.append(Entry(f"transfer_sweep_time_{led}_s", path, "@sweep_wall_time_s", "s",
                       f"wall time of the distance sweep with maps ({led})"))
    for i, d in enumerate(md):
        for key in ("spot_absorbed_ratio", "mean_absorbed_ratio"):
            E.append(Entry(f"power_density_ratio_{key.split('_')[0]}_{d:g}um", a.comparison,
                           f"maps/ratio_at_max_current/{key}", "1",
                           f"absorbed power density microcavity / standard ({key.split('_')[0]}), each LED at its "
                           f"measured maximum exitance, d = {d:g} um", i))
    for q in ("total", "mirror", "measured"):
        E.append(Entry(f"g_material_threshold_Q_{q}", a.threshold, f"gain/g_material_{q}_per_cm", "1/cm",
                       f"material threshold gain alpha/Gamma with alpha = 2 pi n_g/(lambda Q_{q})"))
        E.append(Entry(f"Q_{q}", a.threshold, f"gain/Q_{q}", "1", f"Q ({q}) of microcavity II"))
    E += [Entry("n_th_gain_model", a.threshold, "n_th/n_th_model_per_cm3", "cm^-3",
                "threshold carrier density of g(N) = g0 ln(N/N_tr) (g0, N_tr ASSUMED)"),
          Entry("n_th_measured", a.threshold, "n_th/n_th_measured_per_cm3", "cm^-3", "paper"),
          Entry("absorbed_irradiance_threshold_led", a.threshold, "pump/measured/absorbed_irradiance_led_w_per_cm2",
                "W/cm^2", "absorbed quasi-CW pump irradiance at threshold at the LED wavelength (measured N_th, lifetime)"),
          Entry("incident_irradiance_threshold_405nm", a.threshold, "pump/measured/incident_irradiance_405_w_per_cm2",
                "W/cm^2", "incident 405 nm quasi-CW irradiance at threshold (normal incidence through DBR2)"),
          Entry("incident_irradiance_threshold_405nm_gain_model", a.threshold,
                "pump/model/incident_irradiance_405_w_per_cm2", "W/cm^2", "same, N_th from the gain model"),
          Entry("absorbed_fraction_405nm_normal", a.threshold, "pump/absorbed_fraction_405", "1",
                "share of a normally incident 405 nm pump absorbed in the crystal (tmm, through DBR2)"),
          Entry("exitance_at_j_max_model", a.threshold, "eqe/exitance_at_j_max_model_w_per_cm2", "W/cm^2",
                "P(J_max) of the fitted EQE model, to compare with the measured 25.1 W/cm^2"),
          Entry("eqe0", a.threshold, "eqe/eqe0", "1", "fitted peak EQE of the roll-off model"),
          Entry("eqe_j0", a.threshold, "eqe/j0_a_per_cm2", "A/cm^2", "fitted roll-off current density")]
    for dev in ("dual_cavity", "single_cavity"):
        E.append(Entry(f"exit_to_air_power_ratio_{dev}", a.threshold, f"devices/{dev}/exit_to_air_power_ratio", "1",
                       "power the LED sends into its exit medium / power into air (converts the measured EQE)"))
        E.append(Entry(f"incident_irradiance_threshold_led_{dev}_{reading}", a.threshold,
                       f"pump/measured/incident_irradiance_led_{dev}_{reading}_w_per_cm2", "W/cm^2",
                       f"incident LED-light irradiance on the crystal at threshold ({dev}, {reading}, d = {hd:g} um)"))
        for rd in ("spot", "crystal_mean"):
            for i, d in enumerate(md):
                for b in ("measured", "model"):
                    E.append(Entry(f"j_th_{dev}_{rd}_{d:g}um_nth_{b}", a.threshold, f"jth/{dev}/{b}/{rd}/maps", "A/cm^2",
                                   f"LED current density at threshold, {dev}, {rd} pump reading, d = {d:g} um, "
                                   f"N_th {b}" + (" (HEADLINE)" if (rd == reading and d == hd and b == "measured") else ""), i))
    return E


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    for k in ("absorption", "microcavity", "standard", "comparison", "threshold", "json"):
        ap.add_argument(f"--{k}", required=True)
    a = ap.parse_args(argv)
    s = build_summary(entries(a))
    with h5py.File(a.threshold, "r") as fh:
        reading, hd = str(fh.attrs["headline_reading"]), float(fh.attrs["headline_distance_um"])
    head = {}
    for dev in ("dual_cavity", "single_cavity"):
        e = s[f"j_th_{dev}_{reading}_{hd:g}um_nth_measured"]
        head[dev] = (f"J_th = {e['value']:.0f} A/cm^2" if e["value"] is not None else e["statement"])
    extra = {"headline": {"reading": reading, "distance_um": hd, "n_th": "measured (paper, 3.9e16 cm^-3)",
                          "why": "the lasing mode forms where the pump is strongest: threshold is local (carrier "
                                 "diffusion length ~ um << crystal), so the spot reading sets it; the crystal mean is "
                                 "reported beside it",
                          **head}}
    extra["software"] = software_versions()
    write_summary(a.json, s, extra)
    print(json.dumps(extra, indent=1))


if __name__ == "__main__":
    main()
