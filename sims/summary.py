"""Headline numbers of the workflow, each read from the result file (HDF5 dataset or root
attribute, or a JSON key) it came from, with its unit and source, collected into
results/summary.json; and the headline table (the two devices side by side) the README and
the report show.

Every entry is {value, unit, source (file:dataset), description, status}. Missing values
follow the schema of ``sims.results``: a dataset stored as :class:`~sims.results.Flagged`
(its ``<name>_flag`` companion) gives ``"value": null`` with the flag as ``status``
(``not_reached``, ``failed``, ``infinite``) and a plain ``statement``; never a number.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sims.results import FLAG_CODES

UNREACHABLE_STATEMENT = ("threshold not reached: the LED cannot deliver the pump power needed at any current "
                         "density up to the measured maximum (threshold.measured.max_current_density_a_per_cm2)")
STATEMENTS = {"not_reached": UNREACHABLE_STATEMENT,
              "failed": "no value: the result file does not hold it or the step could not compute it",
              "infinite": "infinite: no finite value exists (e.g. a lossless stack, or no pump that suffices)",
              "not_applicable": "not applicable: no such value exists for this case"}
FLAG_NAMES = {v: k for k, v in FLAG_CODES.items()}
DEVS = ("dual_cavity", "single_cavity")
HEADLINE_WHY = ("The lasing mode forms where the pump is strongest: threshold is local (carrier diffusion length "
                "~ um << crystal), so the spot reading sets it; the crystal mean is reported beside it. The optical "
                "anchor rests on the measured 405 nm threshold of microcavity II itself; the carrier-density route "
                "is its cross-check")


@dataclass(frozen=True)
class Entry:
    """One headline number: ``name`` in the summary, ``path`` of the result file, ``dataset``
    (``@attr`` for a root attribute; a "/"-separated key path for a JSON file), optional
    ``index`` into the array, ``unit``, ``description``."""

    name: str
    path: str
    dataset: str
    unit: str
    description: str
    index: tuple | int | None = None
    statement: str | None = None  # what a missing value means here (default: STATEMENTS of its flag)


def json_lookup(path: str, key: str):
    """The value at a "/"-separated key path of a JSON file (list items by their index)."""
    node = json.loads(Path(path).read_text())
    for part in key.split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def read_raw(entry: Entry) -> tuple:
    """(value, flag code or None) of an entry; KeyError if the file does not hold it."""
    flag = None
    if entry.path.endswith(".json"):
        raw = json_lookup(entry.path, entry.dataset)
    else:
        import h5py

        with h5py.File(entry.path, "r") as fh:
            if entry.dataset.startswith("@"):
                raw = fh.attrs[entry.dataset[1:]]
            else:
                obj = fh[entry.dataset]
                raw = obj[()]
                if "flag_dataset" in obj.attrs:
                    flag = np.asarray(fh[str(obj.attrs["flag_dataset"])][()])
    arr = np.asarray(raw)
    val = arr[entry.index] if entry.index is not None else arr
    val = val.item() if hasattr(val, "item") else val
    if isinstance(val, bytes):
        val = val.decode()
    if flag is not None:
        flag = int(flag[entry.index] if entry.index is not None else flag)
    return val, flag


def read_entry(entry: Entry) -> dict:
    """{'value', 'unit', 'source', 'description', 'status'} (+ 'statement' when there is no value)."""
    src = f"{entry.path}:{entry.dataset}" + (f"[{entry.index}]" if entry.index is not None else "")
    out = {"value": None, "unit": entry.unit, "source": src, "description": entry.description}
    try:
        val, flag = read_raw(entry)
    except (KeyError, IndexError, OSError):
        return {**out, "status": "failed", "statement": STATEMENTS["failed"]}
    status = FLAG_NAMES[flag] if flag is not None else "ok"
    if status != "ok":
        return {**out, "status": status, "statement": entry.statement or STATEMENTS[status]}
    if isinstance(val, float) and not math.isfinite(val):
        return {**out, "status": "infinite" if math.isinf(val) else "failed", "statement": "not a finite number"}
    return {**out, "value": val, "status": "ok"}


def build_summary(entries: list[Entry]) -> dict:
    """name -> entry dict, in the given order."""
    return {e.name: read_entry(e) for e in entries}


def summary_json(summary: dict, extra: dict | None = None) -> str:
    """The text of results/summary.json: {"numbers": ..., **extra} (the caller writes it)."""
    doc = {"numbers": summary, **(extra or {})}
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def format_value(value, status: str = "ok") -> str:
    """A summary value as the README and report tables show it ("not reached" for a missing
    threshold, the flag name for another missing value)."""
    if value is None:
        return "not reached" if status in ("ok", "not_reached") else status.replace("_", " ")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    return str(value)


def format_entry(entry: dict) -> str:
    return format_value(entry.get("value"), entry.get("status", "ok"))


# ---------------------------------------------------------------------------------------
# the entries of the workflow's summary
# ---------------------------------------------------------------------------------------
def headline_rows(paths: dict, anchor: str, reading: str) -> list:
    """(label, unit, {column: Entry}) rows of the headline table; columns dual_cavity /
    single_cavity or value. ``paths``: threshold, microcavity, standard, modes_i files."""
    import h5py

    th, mc, st, m1 = paths["threshold"], paths["microcavity"], paths["standard"], paths["modes_i"]
    led = {"dual_cavity": mc, "single_cavity": st}

    def per_dev(name, ds, unit, desc, files=None):
        return {d: Entry(f"{name}_{d}", (files or {k: th for k in DEVS})[d], ds.format(dev=d), unit,
                         f"{desc} ({d})") for d in DEVS}

    rows = []
    for an in (anchor, "carrier" if anchor != "carrier" else "optical"):
        for rd in (reading, "crystal_mean" if reading == "spot" else "spot"):
            star = " (HEADLINE)" if (an == anchor and rd == reading) else ""
            rows.append((f"J_th, {an} anchor, {rd} reading{star}", "A/cm^2",
                         per_dev(f"j_th_{an}_{rd}", f"jth/{{dev}}/{an}/{rd}/device", "A/cm^2",
                                 f"LED current density at threshold, {an} anchor, {rd} reading, at the device's own distance")))
    with h5py.File(th, "r") as fh:  # measured values as the threshold step took them from config.yaml
        bound = bool(fh["headline/ratio_is_lower_bound"][()])
        m_max = {d: float(fh[f"devices/{d}/max_exitance_measured_w_per_cm2"][()]) for d in DEVS}
    with h5py.File(m1, "r") as fh:  # the measured mode the cavity step calibrated to (config.yaml)
        target_nm = fh.attrs.get("calibration_target_nm")  # absent: the stack is not calibrated
    rows.append(("J_th single / dual cavity (headline)" + (": lower bound J_max / J_th(dual), the single cavity "
                                                          "is not reached" if bound else ""), "1",
                 {"value": Entry("j_th_ratio_single_over_dual", th, "headline/ratio_single_over_dual", "1",
                                 "how many times more current the single-cavity laser needs (headline anchor and reading)")}))
    rows.append(("LED exitance needed at threshold (headline)", "W/cm^2",
                 per_dev("exitance_needed", "headline/{dev}/exitance_needed_w_per_cm2", "W/cm^2",
                         f"LED radiant exitance the headline threshold needs, beside the measured maximum "
                         f"({m_max['dual_cavity']:g} W/cm^2 microcavity, {m_max['single_cavity']:g} W/cm^2 standard)")))
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
                                      (f"after calibrating the chosen layer to the measured ~{float(target_nm):g} nm"
                                       if target_nm is not None else "no calibration configured (as given)"))}))
    return rows


def transfer_threshold_entries(paths: dict, m_max_microcavity: float) -> list:
    """Transfer and threshold numbers beside the headline table."""
    th = paths["threshold"]
    E = [Entry("pump_absorbed_fraction_normal_680nm", paths["absorption"], "tmm/A_crystal", "1",
               "share of the pump absorbed in the crystal of microcavity II at normal incidence from the gap (tmm)", 0)]
    for led in ("microcavity", "standard"):
        path = paths[led]
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
        E.append(Entry(f"Q_{q}", th, f"gain/Q_{q}", "1", f"Q ({q}) of microcavity II"))
    E += [Entry("g_material_threshold", th, "gain/g_material_th_per_cm", "1/cm",
                "material threshold gain of the gain-model anchor (threshold.q_choice)"),
          Entry("n_th_gain_model", th, "n_th/n_th_model_per_cm3", "cm^-3",
                "threshold carrier density of g(N) = g0 ln(N/N_tr) (g0, N_tr ASSUMED)"),
          Entry("n_tr_implied_by_measured_n_th", th, "n_th/n_tr_implied_per_cm3", "cm^-3",
                "transparency density that makes the gain model reproduce the measured N_th"),
          Entry("n_th_measured", th, "n_th/n_th_measured_per_cm3", "cm^-3", "paper"),
          Entry("absorbed_fraction_405nm", th, "pump/absorbed_fraction_405", "1",
                "share of the normally incident 405 nm pump absorbed in the crystal (optical experiment)"),
          Entry("absorbed_fraction_405nm_to_agree", th, "pump/agree/absorbed_fraction_405", "1",
                "405 nm absorbed share that would make the two anchors agree"),
          Entry("lifetime_ns_to_agree", th, "pump/agree/lifetime_ns", "ns",
                "carrier lifetime that would make the two anchors agree (linear recombination)")]
    for an in ("optical", "carrier", "gain_model"):
        E.append(Entry(f"absorbed_photon_flux_threshold_{an}", th, f"pump/{an}/absorbed_photon_flux_per_cm2_s",
                       "1/(cm^2 s)", f"absorbed photon flux at threshold, {an} anchor"))
    E += [Entry("power_density_ratio_ray_tracing", th, "ray_tracing/power_density_ratio_dual_over_single",
                "1", "mean irradiance on the crystal, dual / single cavity, equal LED power (paper's convention)"),
          Entry("exitance_at_j_max_model", th, "eqe/exitance_at_j_max_model_w_per_cm2", "W/cm^2",
                f"P(J_max) of the fitted EQE model, to compare with the measured {m_max_microcavity:g} W/cm^2"),
          Entry("eqe0", th, "eqe/eqe0", "1", "fitted peak EQE of the roll-off model"),
          Entry("eqe_j0", th, "eqe/j0_a_per_cm2", "A/cm^2", "fitted roll-off current density")]
    return E


CAVITY_KEYS = (("wavelength_nm", "lasing_wavelength_nm", "wavelength_meep_nm", "nm", "mode wavelength (Meep)"),
               ("Q_total", "Q_total", "Q_total", "1", "Q of the mode, all losses"),
               ("Q_mirror", "Q_mirror", "Q_mirror", "1", "Q of the mirrors alone (absorption off)"),
               ("Q_absorption", "Q_absorption", "Q_absorption", "1", "Q of the absorption alone"),
               ("confinement_energy", "confinement_energy", "confinement_energy", "1",
                "share of the mode energy in the gain layer"))


def cavity_entries(modes_path: str) -> list:
    """Mode wavelength, Q (total, mirror, absorption) and confinement of one cavity: as computed
    (calibrated stack where the file has a calibration) and, when calibrated, as given."""
    import h5py

    stack = Path(modes_path).parent.name
    with h5py.File(modes_path, "r") as fh:
        calibrated = "calibration" in fh
    state = "calibrated stack" if calibrated else "stack as given (no calibration)"
    E = [Entry(f"cavity_{stack}_{name}", modes_path, ds, unit, f"{stack}: {desc}, {state}")
         for name, ds, _, unit, desc in CAVITY_KEYS]
    if calibrated:
        E += [Entry(f"cavity_{stack}_as_given_{name}", modes_path, f"as_given/{ds}", unit,
                    f"{stack}: {desc}, stack as given (before calibration)") for name, _, ds, unit, desc in CAVITY_KEYS]
    return E


EMISSION_KEYS = (("fwhm_deg", "deg", "full width at half maximum of the radiant intensity, exit medium"),
                 ("fwhm_air_deg", "deg", "full width at half maximum of the radiant intensity, in air"),
                 ("cone_fraction_10deg", "1", "share of the power in the exit medium within 10 deg of the normal"),
                 ("cone_fraction_20deg", "1", "share of the power in the exit medium within 20 deg of the normal"),
                 ("cone_fraction_30deg", "1", "share of the power in the exit medium within 30 deg of the normal"),
                 ("cone_fraction_air_20deg", "1", "share of the power in air within 20 deg of the normal"),
                 ("extraction_fraction", "1", "share of the dipole power into the exit medium"),
                 ("extraction_fraction_air", "1", "share of the dipole power into air"))


def emission_entries(emission_path: str) -> list:
    """Emission FWHM, cone fractions and extraction of one LED (its emission table)."""
    led = Path(emission_path).parent.name
    return [Entry(f"emission_{led}_{k}", emission_path, k, unit, f"{led} PeLED: {desc}")
            for k, unit, desc in EMISSION_KEYS]


def mirror_claim_entries(metrics_path: str) -> list[tuple[str, dict]]:
    """(name, entry) of each of the paper's claims on one mirror (metrics.json "claims"): the
    lowest value in the claimed band (Meep), and whether the claim holds by Meep and by tmm."""
    mirror = Path(metrics_path).parent.name
    out = []
    for i, c in enumerate(json.loads(Path(metrics_path).read_text()).get("claims", [])):
        name = f"mirror_{mirror}_claim_{i}_{c['quantity']}"
        claim = f"{c['quantity']} > {c['above']:g} over {c['wavelength_min_nm']:g}-{c['wavelength_max_nm']:g} nm"
        e = read_entry(Entry(name, metrics_path, f"claims/{i}/meep/worst", "1",
                             f"{mirror}: lowest {c['quantity']} (Meep, normal incidence) where the paper claims {claim}"))
        if c.get("evaluated"):
            e["holds"] = {m: bool(c[m]["holds"]) for m in ("meep", "tmm")}
        else:
            e.update(status="failed", statement=c.get("reason", STATEMENTS["failed"]))
        out.append((name, e))
    return out


def laser_entries(path: str) -> list:
    """Laser output of microcavity II (issue 20): divergence below / above threshold, linewidths,
    3-dB bandwidth per area, rise/fall times, limiting stage, Meep agreement."""
    import h5py

    with h5py.File(path, "r") as fh:
        areas = [float(a) for a in fh["modulation/area_mm2"][()]]
        drives = [float(d) for d in fh["pulse/drive_over_threshold"][()]]
        has_meep = "meep/fwhm_meep_deg" in fh
        gain_profiles = str(fh.attrs["meep_gain_profiles"]).split(",") if "meep_gain_profiles" in fh.attrs else []
    E = [Entry("laser_divergence_below_threshold_fwhm_deg", path, "below/fwhm_at_mode_deg", "deg",
               "far-field FWHM in air below threshold at the mode wavelength (cavity angular filter, Q_measured)"),
         Entry("laser_divergence_below_threshold_spectral_fwhm_deg", path, "below/fwhm_spectral_deg", "deg",
               "FWHM of the spectrum-integrated emission below threshold", statement="no FWHM: the spectrum-integrated "
               "pattern is a ring (resonance meets the PL peak off axis) that does not fall to half on one side"),
         Entry("laser_divergence_above_threshold_fwhm_deg", path, "above/gain_guided_fwhm_deg", "deg",
               "far-field FWHM in air above threshold: diffraction of the gain-guided lateral mode of the pump map, "
               "at laser_output.assumed.drive_over_threshold"),
         Entry("laser_divergence_above_threshold_aperture_fwhm_deg", path, "above/aperture_fwhm_deg", "deg",
               "as above, hard-aperture lateral mode (lower bound of the approximations)"),
         Entry("laser_lasing_region_width_um", path, "above/region_width_um", "um",
               "width of the lasing region (local gain > loss) on the pump map's cut through its peak"),
         Entry("laser_lasing_region_area_um2", path, "above/region_area_um2", "um^2",
               "area of the lasing region on the whole pump map (pump >= threshold pump)"),
         Entry("laser_divergence_above_threshold_y_fwhm_deg", path, "above/gain_guided_fwhm_y_deg", "deg",
               "as the above-threshold divergence, from the pump map's cut along y"),
         Entry("laser_linewidth_below_threshold_nm", path, "linewidth/below_threshold_nm", "nm",
               "model linewidth below threshold (at transparency, lambda / Q of threshold.q_choice)"),
         Entry("laser_linewidth_below_threshold_measured_nm", path, "linewidth/measured_below_nm", "nm",
               "measured linewidth just below threshold (paper), the check of the cold-cavity Q"),
         Entry("laser_linewidth_headline_nm", path, "linewidth/headline_nm", "nm",
               "model linewidth at the headline drive (Schawlow-Townes-Henry above threshold)"),
         Entry("laser_drive_for_measured_linewidth_above", path, "linewidth/drive_for_measured_above", "1",
               "pump / threshold pump where the model linewidth equals the measured 0.44 nm"),
         Entry("laser_limiting_stage_0p02mm2", path, "@modulation_limiting_0p02mm2", "",
               "stage with the lowest 3-dB bandwidth at 0.02 mm^2 (rc: LED RC, led: LED spontaneous lifetime, "
               "crystal: laser dynamics)")]
    for j, a in enumerate(areas):
        for i, tag in ((0, ""), (1, "_with_parasitic")):
            E.append(Entry(f"laser_bandwidth_3db_{a:g}mm2{tag}_hz".replace(".", "p"), path,
                           "modulation/chain_first_drop_bandwidth_3db_hz", "Hz",
                           f"3-dB bandwidth (first -3 dB point) of LED RC x LED x crystal, area {a:g} mm^2, parasitic "
                           f"capacitance laser_output.parasitic_capacitance_f[{i}]", (i, j)))
    for i, d in enumerate(drives):
        for k, desc in (("led_rise_s", "LED light 10-90 % rise"), ("led_fall_s", "LED light 90-10 % fall"),
                        ("laser_rise_s", "laser 10-90 % rise"), ("laser_fall_s", "laser 90-10 % fall"),
                        ("laser_delay_s", "laser turn-on delay to 10 %")):
            E.append(Entry(f"laser_pulse_{d:g}xth_{k}", path, f"pulse/{k}", "s",
                           f"{desc}, 20 ns pulse at {d:g} x threshold, 0.02 mm^2", i,
                           statement="no lasing within the pulse at this drive (photon density at the pulse's end "
                                     "below 10 x its value at the threshold pump)"))
    if has_meep:
        E += [Entry("laser_meep_fwhm_deg", path, "meep/fwhm_meep_deg", "deg", "reduced-scale 2D Meep far-field FWHM"),
              Entry("laser_meep_model_fwhm_deg", path, "meep/fwhm_model_deg", "deg",
                    "diffraction x angular-filter model of the same reduced-scale cavity"),
              Entry("laser_meep_max_pattern_difference", path, "meep/max_abs_diff_all", "1",
                    "largest |Meep - model| of the normalised patterns"),
              Entry("laser_meep_agreement", path, "@meep_agreement", "", "where Meep and the model agree")]
    for p in gain_profiles:
        E += [Entry(f"laser_meep_gain_{p}_fwhm_deg", path, f"meep_gain/{p}/fwhm_meep_deg", "deg",
                    f"2D Meep finite gain region ({p} pump), far-field FWHM of its lowest mode (near-to-far)"),
              Entry(f"laser_meep_gain_{p}_model_fwhm_deg", path, f"meep_gain/{p}/fwhm_model_deg", "deg",
                    "the workflow's gain-guided model of the same pumped region (lasing_far_field)"),
              Entry(f"laser_meep_gain_{p}_waist_um", path, f"meep_gain/{p}/waist_meep_um", "um",
                    "1/e^2 intensity radius of Meep's lowest mode (fit)"),
              Entry(f"laser_meep_gain_{p}_model_waist_um", path, f"meep_gain/{p}/waist_model_um", "um",
                    "1/e^2 intensity radius of the model's gain-guided mode")]
    if gain_profiles:
        E.append(Entry("laser_meep_gain_agreement", path, "@meep_gain_agreement", "",
                       "where the Meep gain-region run and the gain-guided model agree"))
    return E


def summary_document(paths: dict) -> dict:
    """The summary (without software versions): ``numbers`` (every entry), ``headline`` and
    ``headline_table``. ``paths``: absorption, microcavity, standard, threshold, modes_i files,
    and the lists ``modes`` (cavities), ``emission`` (LEDs), ``mirrors`` (metrics.json)."""
    import h5py

    with h5py.File(paths["threshold"], "r") as fh:
        anchor, reading = str(fh.attrs["headline_anchor"]), str(fh.attrs["headline_reading"])
        m_max = float(fh["devices/dual_cavity/max_exitance_measured_w_per_cm2"][()])
    table, flat = [], []
    for label, unit, cols in headline_rows(paths, anchor, reading):
        table.append({"quantity": label, "unit": unit, "columns": {c: e.name for c, e in cols.items()}})
        flat += list(cols.values())
    flat += transfer_threshold_entries(paths, m_max)
    for p in paths.get("modes", []):
        flat += cavity_entries(p)
    for p in paths.get("emission", []):
        flat += emission_entries(p)
    numbers = build_summary(flat)
    for p in paths.get("mirrors", []):
        numbers.update(dict(mirror_claim_entries(p)))
    if paths.get("laser"):  # issue 20, after every earlier entry
        numbers.update(build_summary(laser_entries(paths["laser"])))
    head = {}
    for dev in DEVS:
        e = numbers[f"j_th_{anchor}_{reading}_{dev}"]
        head[dev] = f"J_th = {e['value']:.0f} A/cm^2" if e["value"] is not None else e["statement"]
    return {"numbers": numbers, "headline": {"anchor": anchor, "reading": reading, "why": HEADLINE_WHY, **head},
            "headline_table": table}


def headline_html(summary: dict) -> str:
    """The headline table as a small HTML page (for the Snakemake report)."""
    import html

    nums = summary["numbers"]
    rows = ["<tr><th>quantity</th><th>dual cavity</th><th>single cavity</th><th>unit</th><th>source</th></tr>"]
    for r in summary["headline_table"]:
        cells = [nums[n] for n in r["columns"].values()]
        if set(r["columns"]) == {"dual_cavity", "single_cavity"}:
            vals = [format_entry(nums[r["columns"][c]]) for c in ("dual_cavity", "single_cavity")]
        else:
            vals = [" / ".join(format_entry(c) for c in cells), ""]
        src = "<br>".join(html.escape(c["source"]) for c in cells)
        rows.append(f"<tr><td>{html.escape(r['quantity'])}</td><td>{vals[0]}</td><td>{vals[1]}</td>"
                    f"<td>{html.escape(r['unit'])}</td><td><code>{src}</code></td></tr>")
    h = summary["headline"]
    return ("<html><body><h3>Threshold of the two devices as built</h3>"
            f"<p>Headline: {html.escape(h['anchor'])} anchor, {html.escape(h['reading'])} reading. "
            f"{html.escape(h['why'])}.</p><table border='1' cellpadding='3'>" + "".join(rows) + "</table></body></html>\n")
