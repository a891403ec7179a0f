"""Entry: results/summary.json, every headline number with unit and source file, and the
headline table (at most 12 rows: the two devices side by side) the README and report show."""

import argparse
import json


import h5py

from sims.summary import Entry, build_summary, write_summary
from sims.results import write_text
from sims.results import software_versions

DEVS = ("dual_cavity", "single_cavity")


def headline_rows(a, anchor: str, reading: str) -> list:
    """(label, unit, {column: Entry}) rows; columns dual_cavity / single_cavity or value."""
    th, mc, st, m1 = a.threshold, a.microcavity, a.standard, a.modes_i
    led = {"dual_cavity": mc, "single_cavity": st}

    def per_dev(name, ds, unit, desc, files=None):
        return {d: Entry(f"{name}_{d}", (files or {k: th for k in DEVS})[d], ds.format(dev=d), unit,
                         f"{desc} ({d})") for d in DEVS}

    rows = []
    for an, an_label in ((anchor, f"{anchor} anchor"), ("carrier" if anchor != "carrier" else "optical", None)):
        an_label = an_label or f"{an} anchor"
        for rd in (reading, "crystal_mean" if reading == "spot" else "spot"):
            star = " (HEADLINE)" if (an == anchor and rd == reading) else ""
            rows.append((f"J_th, {an_label}, {rd} reading{star}", "A/cm^2",
                         per_dev(f"j_th_{an}_{rd}", f"jth/{{dev}}/{an}/{rd}/device", "A/cm^2",
                                 f"LED current density at threshold, {an} anchor, {rd} reading, at the device's own distance")))
    with h5py.File(th, "r") as fh:
        bound = bool(fh["headline/ratio_is_lower_bound"][()])
    rows.append(("J_th single / dual cavity (headline)" + (": lower bound J_max / J_th(dual), the single cavity "
                                                          "is not reached" if bound else ""), "1",
                 {"value": Entry("j_th_ratio_single_over_dual", th, "headline/ratio_single_over_dual", "1",
                                 "how many times more current the single-cavity laser needs (headline anchor and reading)")}))
    rows.append(("LED exitance needed at threshold (headline)", "W/cm^2",
                 per_dev("exitance_needed", "headline/{dev}/exitance_needed_w_per_cm2", "W/cm^2",
                         "LED radiant exitance the headline threshold needs, beside the measured maximum (25.1 W/cm^2 "
                         "microcavity, 28.5 W/cm^2 standard)")))
    rows.append(("LED exitance, measured maximum", "W/cm^2",
                 per_dev("exitance_max", "devices/{dev}/max_exitance_measured_w_per_cm2", "W/cm^2",
                         "paper: radiant exitance at the highest current")))
    rows.append(("Coupling efficiency, paper's ray-tracing convention", "1",
                 per_dev("coupling_ray_tracing", "ray_tracing/coupling_efficiency", "1",
                         "share of the LED's output power landing on the crystal (exit-medium profile, straight rays)",
                         led)))
    rows.append(("Absorbed pump per unit LED power (spectral, multipass)", "1",
                 per_dev("absorbed_share", "device/absorbed_fraction_of_led_power", "1",
                         "share of the power leaving the LED absorbed in the crystal, production model", led)))
    rows.append(("Multipass factor (lasing spot)", "1",
                 per_dev("multipass_factor", "device/multipass_factor_spot", "1",
                         "absorbed pump with multiple passes / single pass, lasing spot", led)))
    rows.append(("Anchor factor: carrier / optical absorbed photon flux", "1",
                 {"value": Entry("anchor_factor_carrier_over_optical", th, "pump/anchor_factor_carrier_over_optical",
                                 "1", "absorbed photon flux at threshold from N_th and lifetime / from the measured "
                                      "405 nm threshold and the computed absorbed share")}))
    rows.append(("Microcavity I mode: as given, calibrated", "nm",
                 {"as_given": Entry("microcavity_I_mode_as_given_nm", m1, "calibration/wavelength_as_given_nm", "nm",
                                    "microcavity I normal-incidence mode with the configured layers (transfer matrix)"),
                  "calibrated": Entry("microcavity_I_mode_calibrated_nm", m1, "calibration/wavelength_after_nm", "nm",
                                      "after calibrating the chosen layer to the measured ~680 nm")}))
    return rows


def entries(a) -> list:
    E = [Entry("pump_absorbed_fraction_normal_680nm", a.absorption, "tmm/A_crystal", "1",
               "share of the pump absorbed in the crystal of microcavity II at normal incidence from the gap (tmm)", 0)]
    for led, path in (("microcavity", a.microcavity), ("standard", a.standard)):
        E += [Entry(f"device_distance_{led}_um", path, "device/distance_um", "um",
                    f"LED-crystal distance of the device the {led} PeLED pumps"),
              Entry(f"absorbed_ratio_spot_{led}", path, "device/spot_absorbed_ratio", "1",
                    "absorbed irradiance on the lasing spot per unit LED exitance (production model)"),
              Entry(f"absorbed_ratio_crystal_mean_{led}", path, "device/crystal_mean_absorbed_ratio", "1",
                    "absorbed irradiance averaged over the crystal per unit LED exitance (production model)"),
              Entry(f"spectral_factor_spot_{led}", path, "device/spectral_factor_spot", "1",
                    "spectrally resolved / EL-averaged absorption, lasing spot"),
              Entry(f"transfer_sweep_time_{led}_s", path, "@sweep_wall_time_s", "s",
                    f"wall time of the distance sweep with maps ({led})")]
    for q in ("total", "mirror", "measured"):
        E.append(Entry(f"Q_{q}", a.threshold, f"gain/Q_{q}", "1", f"Q ({q}) of microcavity II"))
    E += [Entry("g_material_threshold", a.threshold, "gain/g_material_th_per_cm", "1/cm",
                "material threshold gain of the gain-model anchor (threshold.q_choice)"),
          Entry("n_th_gain_model", a.threshold, "n_th/n_th_model_per_cm3", "cm^-3",
                "threshold carrier density of g(N) = g0 ln(N/N_tr) (g0, N_tr ASSUMED)"),
          Entry("n_tr_implied_by_measured_n_th", a.threshold, "n_th/n_tr_implied_per_cm3", "cm^-3",
                "transparency density that makes the gain model reproduce the measured N_th"),
          Entry("n_th_measured", a.threshold, "n_th/n_th_measured_per_cm3", "cm^-3", "paper"),
          Entry("absorbed_fraction_405nm", a.threshold, "pump/absorbed_fraction_405", "1",
                "share of the normally incident 405 nm pump absorbed in the crystal (optical experiment)"),
          Entry("absorbed_fraction_405nm_to_agree", a.threshold, "pump/agree/absorbed_fraction_405", "1",
                "405 nm absorbed share that would make the two anchors agree"),
          Entry("lifetime_ns_to_agree", a.threshold, "pump/agree/lifetime_ns", "ns",
                "carrier lifetime that would make the two anchors agree (linear recombination)")]
    for an in ("optical", "carrier", "gain_model"):
        E.append(Entry(f"absorbed_photon_flux_threshold_{an}", a.threshold,
                       f"pump/{an}/absorbed_photon_flux_per_cm2_s", "1/(cm^2 s)",
                       f"absorbed photon flux at threshold, {an} anchor"))
    E += [Entry("power_density_ratio_ray_tracing", a.threshold, "ray_tracing/power_density_ratio_dual_over_single",
                "1", "mean irradiance on the crystal, dual / single cavity, equal LED power (paper's convention)"),
          Entry("exitance_at_j_max_model", a.threshold, "eqe/exitance_at_j_max_model_w_per_cm2", "W/cm^2",
                "P(J_max) of the fitted EQE model, to compare with the measured 25.1 W/cm^2"),
          Entry("eqe0", a.threshold, "eqe/eqe0", "1", "fitted peak EQE of the roll-off model"),
          Entry("eqe_j0", a.threshold, "eqe/j0_a_per_cm2", "A/cm^2", "fitted roll-off current density")]
    return E


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    for k in ("absorption", "microcavity", "standard", "comparison", "threshold", "modes-i", "json", "html"):
        ap.add_argument(f"--{k}", required=True)
    a = ap.parse_args(argv)
    with h5py.File(a.threshold, "r") as fh:
        anchor, reading = str(fh.attrs["headline_anchor"]), str(fh.attrs["headline_reading"])
    rows = headline_rows(a, anchor, reading)
    table = []
    flat = []
    for label, unit, cols in rows:
        table.append({"quantity": label, "unit": unit, "columns": {c: e.name for c, e in cols.items()}})
        flat += list(cols.values())
    s = build_summary(flat + entries(a))
    head = {}
    for dev in DEVS:
        e = s[f"j_th_{anchor}_{reading}_{dev}"]
        head[dev] = (f"J_th = {e['value']:.0f} A/cm^2" if e["value"] is not None else e["statement"])
    extra = {"headline": {"anchor": anchor, "reading": reading,
                          "why": "The lasing mode forms where the pump is strongest: threshold is local (carrier "
                                 "diffusion length ~ um << crystal), so the spot reading sets it; the crystal mean is "
                                 "reported beside it. The optical anchor rests on the measured 405 nm threshold of "
                                 "microcavity II itself; the carrier-density route is its cross-check",
                          **head},
             "headline_table": table, "software": software_versions()}
    write_summary(a.json, s, extra)
    write_text(a.html, headline_html({"numbers": s, **extra}))
    print(json.dumps(extra["headline"], indent=1))


def headline_html(summary: dict) -> str:
    """The headline table as a small HTML page (for the Snakemake report)."""
    import html

    from sims.summary import format_value as fmt

    nums = summary["numbers"]
    rows = ["<tr><th>quantity</th><th>dual cavity</th><th>single cavity</th><th>unit</th><th>source</th></tr>"]
    for r in summary["headline_table"]:
        cells = [nums[n] for n in r["columns"].values()]
        if set(r["columns"]) == {"dual_cavity", "single_cavity"}:
            vals = [fmt(nums[r["columns"][c]]["value"]) for c in ("dual_cavity", "single_cavity")]
        else:
            vals = [" / ".join(fmt(c["value"]) for c in cells), ""]
        src = "<br>".join(html.escape(c["source"]) for c in cells)
        rows.append(f"<tr><td>{html.escape(r['quantity'])}</td><td>{vals[0]}</td><td>{vals[1]}</td>"
                    f"<td>{html.escape(r['unit'])}</td><td><code>{src}</code></td></tr>")
    h = summary["headline"]
    return ("<html><body><h3>Threshold of the two devices as built</h3>"
            f"<p>Headline: {html.escape(h['anchor'])} anchor, {html.escape(h['reading'])} reading. "
            f"{html.escape(h['why'])}.</p><table border='1' cellpadding='3'>" + "".join(rows) + "</table></body></html>\n")


if __name__ == "__main__":
    main()
