"""The threshold study: every number the threshold step reports, for both devices as built.

For each device (its LED at its own distance), anchor (``sims.threshold``) and pump reading:
J_th at the device distance, along the distance sweep and over the LED-area table of the transfer
step; J_th of each stored transfer variant; the tornado (one modelling choice or ASSUMED input
changed at a time); the one-at-a-time sensitivity of every anchor. Pure: returns datasets, units
and attributes; the entry script writes them through ``sims.results``.

Missing values follow the schema of ``sims.results``: a threshold that no current up to J_max
reaches is a :class:`~sims.results.Flagged` entry ``not_reached``; an LED exitance or photon flux
that no finite pump gives is ``infinite``; a tornado cell whose alternative does not exist for a
device, or a sensitivity end the config checks reject, is ``not_applicable``.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np

from sims.config import ConfigError
from sims.led_efficiency import photon_energy_ev
from sims.results import FLAG_CODES, Flagged
from sims.threshold import (ANCHORS, DEVICES, READINGS, anchor_fluxes, device_ratio, exit_to_air, headline_jth,
                            jth_array, led_rolloff, led_scale, measured, photon_energy_absorbed_ev, q_for, scalar,
                            values)

JTH_UNITS = "A/cm^2 (flag not_reached: no LED current up to threshold.measured.max_current_density reaches threshold)"


def not_reached(j) -> Flagged:
    """J_th values (NaN where not reached) as a Flagged array."""
    return Flagged.from_float(j, nan="not_reached")


def unbounded(x) -> Flagged:
    """Values that are +inf where no finite pump suffices, as a Flagged array."""
    return Flagged.from_float(x, inf="infinite")


def with_assumed(cfg: dict, key: str, value: float) -> dict:
    out = copy.deepcopy(cfg)
    out["assumed"][key]["value"] = value
    return out


def choice_alternatives(cfg: dict, tr: dict) -> list[tuple[str, str, dict]]:
    """The modelling choices of the tornado: (name, label of the alternative, headline_jth kwargs or a
    modified cfg under key 'cfg'). Alternatives a transfer file does not provide are skipped per device."""
    alt_anchor = "carrier" if cfg["anchor"] != "carrier" else "optical"
    alt_reading = "crystal_mean" if cfg["pump_reading"] == "spot" else "spot"
    side = "above" if cfg["optical_pump_side"] == "below" else "below"
    cfg_side = copy.deepcopy(cfg)
    cfg_side["optical_pump_side"] = side
    out = [("anchor", f"{alt_anchor} anchor", {"anchor": alt_anchor}),
           ("reading", f"{alt_reading} reading", {"reading": alt_reading}),
           ("multipass", "single pass", {"variant": "single_pass"}),
           ("spectral resolution", "A averaged over the EL line first", {"variant": "el_averaged"}),
           ("bond (single cavity)", "other bond", {"variant": "bond_other"}),
           ("calibration layer", "another layer calibrated", {"variant": "cal_alternative"}),
           ("calibration", "microcavity I as given (not calibrated)", {"variant": "cal_as_given"}),
           ("405 nm pump side", f"405 nm pump from {side}", {"cfg": cfg_side})]
    return out


def variant_name(t: dict, variant: str) -> str | None:
    """Resolve 'bond_other' to the stored bond variant that is not the production one; None if absent."""
    if variant == "bond_other":
        prod = str(t.get("_attrs", {}).get("bond", ""))
        for v in ("bond_index_matched", "bond_air_gap"):
            if f"device/variants/{v}/spot_absorbed_ratio" in t and not v.endswith(prod):
                return v
        return None
    if variant == "cal_alternative":
        alts = sorted(k.split("/")[2] for k in t if k.startswith("device/variants/cal_calibrated_")
                      and k.endswith("/spot_absorbed_ratio"))
        return alts[0] if alts else None
    return variant if f"device/variants/{variant}/spot_absorbed_ratio" in t else None


def tornado(cfg: dict, mode: dict, tr: dict, a405: dict) -> tuple[list[str], Flagged]:
    """J_th of each device under each alternative choice and at each assumed input's range ends.

    Returns (row labels, Flagged [row, device, (low, high)] in A/cm^2: ``not_reached`` where the
    threshold is not reached, ``not_applicable`` where the alternative does not exist for the device or
    the config checks reject the range end); the headline values are in ``headline``.
    """
    labels, rows, fail = [], [], []
    for name, label, kw in choice_alternatives(cfg, tr):
        row, bad = [], []
        for dev, led in DEVICES.items():
            k = dict(kw)
            c = k.pop("cfg", cfg)
            if "variant" in k:
                v = variant_name(tr[led], k["variant"])
                if v is None:
                    row.append([math.nan, math.nan])
                    bad.append([True, True])
                    continue
                k["variant"] = v
            j = headline_jth(c, mode, tr, a405, dev, **k)
            row.append([j, j])
            bad.append([False, False])
        labels.append(f"{name}: {label}")
        rows.append(row)
        fail.append(bad)
    for key, a in cfg["assumed"].items():
        row, bad = [], []
        for dev in DEVICES:
            pair, pair_bad = [], []
            for which in ("min", "max"):
                try:
                    pair.append(headline_jth(with_assumed(cfg, key, a[which]), mode, tr, a405, dev))
                    pair_bad.append(False)
                except ConfigError:
                    pair.append(math.nan)
                    pair_bad.append(True)
            row.append(pair)
            bad.append(pair_bad)
        labels.append(f"{key}: {a['min']:g} .. {a['max']:g}")
        rows.append(row)
        fail.append(bad)
    return labels, flag_not_applicable(not_reached(np.array(rows, float)), np.array(fail, bool))


def flag_not_applicable(x: Flagged, where) -> Flagged:
    """``x`` with the entries where ``where`` is true flagged ``not_applicable``."""
    return Flagged(x.values, np.where(where, FLAG_CODES["not_applicable"], x.flags))


class Datasets:
    """Datasets and their units, filled by :meth:`put` (floats become 0-d arrays)."""

    def __init__(self):
        self.ds, self.units = {}, {}

    def put(self, key: str, value, unit: str) -> None:
        self.ds[key] = value if isinstance(value, (np.ndarray, Flagged)) else np.asarray(value, float)
        self.units[key] = unit


def gain_and_pump(out: Datasets, cfg: dict, mode: dict, a405: dict, af: dict) -> None:
    """Threshold gains and densities, the EQE fit, the 405 nm pump and the three anchors' fluxes."""
    put = out.put
    for k, v in af["carrier"].items():
        if k == "n_th_model_per_cm3":
            put(f"n_th/{k}", unbounded(v), "cm^-3 (flag infinite: N_tr exp(g_th / g0) overflows)")
        elif "per_cm3" in k:
            put(f"n_th/{k}", v, "cm^-3")
        else:
            put(f"gain/{k}", v, "1/cm")
    for q in ("total", "mirror", "measured"):
        put(f"gain/Q_{q}", q_for(mode, q), "1")
    put("gain/confinement_energy", float(mode["confinement_energy"]), "1")
    put("gain/group_index", float(mode["group_index"]), "1")
    roll, rms = led_rolloff(cfg)
    hv = photon_energy_ev(measured(cfg, "led_wavelength_nm"))
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    for k, v, u in (("eqe0", roll.eqe0, "1"), ("j0_a_per_cm2", roll.j0_a_per_cm2, "A/cm^2"), ("m", roll.m, "1"),
                    ("rms_log_residual", rms, "1"),
                    ("exitance_at_j_max_model_w_per_cm2", float(roll.exitance_w_per_cm2(j_max, hv)), "W/cm^2"),
                    ("standard_scale", led_scale(cfg, "standard"), "1"), ("photon_energy_ev", hv, "eV")):
        put(f"eqe/{k}", v, u)
    for side, a in a405.items():
        put(f"pump/absorbed_fraction_405_{side}", float(a), f"1 (normal incidence from {side}, air entrance "
                                                           "Fresnel loss included)")
    put("pump/absorbed_fraction_405", af["absorbed_fraction_405"], "1 (the configured optical_pump_side)")
    put("pump/optical_threshold_405_w_per_cm2", measured(cfg, "optical_threshold_w_per_cm2"),
        "W/cm^2 (incident, measured)")
    put("pump/anchor_factor_carrier_over_optical", af["anchor_factor_carrier_over_optical"], "1")
    put("pump/agree/absorbed_fraction_405", af["agree_absorbed_fraction_405"],
        "1 (A_405 that would make the optical anchor equal the carrier anchor)")
    put("pump/agree/lifetime_ns", af["agree_lifetime_ns"], "ns (lifetime that would make the carrier anchor equal "
                                                            "the optical one, linear recombination)")
    put("pump/agree/n_th_per_cm3", af["agree_n_th_per_cm3"], "cm^-3 (N_th whose R(N) t equals the optical anchor)")
    put("pump/k1_per_s", af["k1_per_s"], "1/s")
    for an in ANCHORS:
        put(f"pump/{an}/absorbed_photon_flux_per_cm2_s", unbounded(af["flux"][an]),
            "1/(cm^2 s) absorbed photons at threshold (flag infinite: the gain model's N_th overflows)")


def device_thresholds(out: Datasets, cfg: dict, mode: dict, tr: dict, a405: dict, af: dict, dev: str) -> None:
    """J_th of one device for every anchor and reading: at its distance, along the distance sweep,
    over the LED-area table; its stored variants; its headline J_th and LED exitance needed."""
    put, led = out.put, DEVICES[dev]
    t = tr[led]
    roll, _ = led_rolloff(cfg)
    put(f"devices/{dev}/distance_um", scalar(t["device/distance_um"]), "um (LED plane to crystal plane)")
    put(f"devices/{dev}/exit_to_air_power_ratio", exit_to_air(t, cfg), "1")
    put(f"devices/{dev}/absorbed_photon_energy_ev", photon_energy_absorbed_ev(t, cfg), "eV")
    put(f"devices/{dev}/max_exitance_measured_w_per_cm2", measured(cfg, f"max_exitance_{led}_w_per_cm2"),
        "W/cm^2 (paper, into air)")
    for rd in READINGS:
        put(f"devices/{dev}/{rd}_absorbed_ratio", device_ratio(t, cfg, rd), "W/m^2 absorbed per W/m^2 of LED exitance")
    for an in ANCHORS:
        flux = af["flux"][an]
        for rd in READINGS:
            j, need = jth_array(flux, [device_ratio(t, cfg, rd)], t, led, cfg, roll)
            put(f"jth/{dev}/{an}/{rd}/device", not_reached(float(j[0])), JTH_UNITS)
            put(f"exitance_needed/{dev}/{an}/{rd}/device", unbounded(float(need[0])),
                "W/cm^2 in the medium the EQE refers to (flag infinite: no LED light reaches the crystal)")
            key = {"spot": "sweep/spot_absorbed_ratio", "crystal_mean": "sweep/crystal_mean_absorbed_ratio"}[rd]
            j, _ = jth_array(flux, t[key], t, led, cfg, roll)
            put(f"jth/{dev}/{an}/{rd}/sweep", not_reached(j), JTH_UNITS)
            akey = {"spot": "area/spot_absorbed_ratio", "crystal_mean": "area/mean_absorbed_ratio"}[rd]
            if akey in t:
                j, _ = jth_array(flux, t[akey], t, led, cfg, roll)
                put(f"jth/{dev}/{an}/{rd}/area", not_reached(j), JTH_UNITS + " [LED area, distance]")
    put(f"sweep/{dev}/distance_um", values(t["sweep/distance_um"]), "um")
    if "led_area_mm2" in t:
        put(f"area/{dev}/led_area_mm2", values(t["led_area_mm2"]), "mm^2")
        put(f"area/{dev}/distance_um", values(t["area_distance_um"]), "um")
    stored = sorted({k.split("/")[2] for k in t if k.startswith("device/variants/")})
    for v in stored:
        if f"device/variants/{v}/spot_absorbed_ratio" in t:
            put(f"variants/{dev}/{v}/j_th_a_per_cm2",
                not_reached(headline_jth(cfg, mode, tr, a405, dev, variant=v)), JTH_UNITS)
            put(f"variants/{dev}/{v}/absorbed_ratio",
                device_ratio(t, cfg, cfg["pump_reading"], v), "W/m^2 per W/m^2 (headline reading)")
    head = f"{cfg['anchor']}/{cfg['pump_reading']}/device"
    put(f"headline/{dev}/j_th_a_per_cm2", copy.deepcopy(out.ds[f"jth/{dev}/{head}"]), JTH_UNITS)
    put(f"headline/{dev}/exitance_needed_w_per_cm2", copy.deepcopy(out.ds[f"exitance_needed/{dev}/{head}"]),
        "W/cm^2 (LED exitance the headline threshold needs, in the EQE's medium; flag infinite: no LED light "
        "reaches the crystal)")


def ray_tracing(out: Datasets, tr: dict) -> None:
    """The paper's ray-tracing coupling numbers of both devices, when the transfer files hold them."""
    if not all("ray_tracing/mean_irradiance_ratio" in tr[led] for led in DEVICES.values()):
        return
    for dev, led in DEVICES.items():
        for k in ("coupling_efficiency", "mean_irradiance_ratio"):
            out.put(f"ray_tracing/{dev}/{k}", scalar(tr[led][f"ray_tracing/{k}"]),
                    "1 (paper's ray-tracing convention: exit-medium profile, straight rays, no Fresnel, no EQE)")
    out.put("ray_tracing/power_density_ratio_dual_over_single",
            scalar(tr["microcavity"]["ray_tracing/mean_irradiance_ratio"])
            / scalar(tr["standard"]["ray_tracing/mean_irradiance_ratio"]),
            "1 (mean irradiance on the crystal, equal LED power, each device at its own distance)")


def headline_ratio(out: Datasets, cfg: dict) -> None:
    """J_th(single) / J_th(dual) of the headline; J_max / J_th(dual), a lower bound, when the single
    cavity is not reached; flag not_reached when the dual cavity is not reached."""
    jd, js = (scalar(out.ds[f"headline/{d}/j_th_a_per_cm2"]) for d in DEVICES)
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    if jd > 0 and js > 0:
        ratio, bound = js / jd, False
    elif jd > 0:  # the single cavity does not lase below J_max: the ratio exceeds J_max / J_th(dual)
        ratio, bound = j_max / jd, True
    else:
        ratio, bound = math.nan, False
    out.put("headline/ratio_single_over_dual", not_reached(ratio),
            "1 (flag not_reached: the dual-cavity threshold is not reached; see ratio_is_lower_bound)")
    out.ds["headline/ratio_is_lower_bound"] = np.array(bound)
    out.units["headline/ratio_is_lower_bound"] = ("bool: true when the single cavity does not reach threshold below "
                                                  "J_max, so the ratio is J_max / J_th(dual), a lower bound")


def sensitivity(cfg: dict, mode: dict, tr: dict, a405: dict) -> Flagged:
    """One-at-a-time J_th of the dual cavity, [assumed input, anchor, (min, value, max)], A/cm^2
    (``not_reached``; ``not_applicable`` where the config checks reject the value)."""
    names = list(cfg["assumed"])
    sens = np.full((len(names), len(ANCHORS), 3), math.nan)
    fail = np.zeros(sens.shape, bool)
    for i, k in enumerate(names):
        for ai, an in enumerate(ANCHORS):
            for ci, which in enumerate(("min", "value", "max")):
                try:
                    sens[i, ai, ci] = headline_jth(with_assumed(cfg, k, cfg["assumed"][k][which]), mode, tr, a405,
                                                   "dual_cavity", anchor=an)
                except ConfigError:
                    fail[i, ai, ci] = True
    return flag_not_applicable(not_reached(sens), fail)


def threshold_study(cfg: dict, mode: dict, tr: dict, a405: dict) -> tuple[dict, dict, dict]:
    """All threshold numbers.

    Args:
        cfg: config['threshold'].
        mode: mode scalars of microcavity II (MODE_KEYS).
        tr: transfer datasets per LED (``tr['microcavity']``, ``tr['standard']``), with the
            ``device/*``, ``sweep/*``, ``area/*`` datasets of the transfer step.
        a405: absorbed fraction of normally incident 405 nm light in the crystal per side.
    Returns:
        (datasets, units, attributes); datasets are arrays or Flagged arrays.
    """
    out = Datasets()
    af = anchor_fluxes(cfg, mode, a405)
    gain_and_pump(out, cfg, mode, a405, af)
    for dev in DEVICES:
        device_thresholds(out, cfg, mode, tr, a405, af, dev)
    ray_tracing(out, tr)
    headline_ratio(out, cfg)
    labels, tab = tornado(cfg, mode, tr, a405)
    out.put("tornado/j_th_a_per_cm2", tab,
            "A/cm^2 [row, device (dual, single), (low, high)]; flag not_reached: threshold not reached below J_max; "
            "flag not_applicable where tornado/applicable is false")
    out.ds["tornado/applicable"] = tab.flags != FLAG_CODES["not_applicable"]
    out.units["tornado/applicable"] = ("bool: the alternative exists for this device (e.g. the bond only for the "
                                       "single cavity)")
    names = list(cfg["assumed"])
    out.put("sensitivity/j_th_a_per_cm2", sensitivity(cfg, mode, tr, a405),
            "A/cm^2 [parameter, anchor, (min, value, max)], dual cavity; flag not_reached: threshold not reached; "
            "flag not_applicable: the config checks reject the value")
    for which in ("min", "value", "max"):
        out.put(f"sensitivity/parameter_{which}", np.array([cfg["assumed"][k][which] for k in names]), "config units")
    attrs = {"sensitivity_parameters": json.dumps(names), "anchors": json.dumps(ANCHORS),
             "tornado_rows": json.dumps(labels), "devices": json.dumps(list(DEVICES)),
             "headline_anchor": cfg["anchor"], "headline_reading": cfg["pump_reading"],
             "q_choice": cfg["q_choice"], "eqe_measured_in": cfg["eqe_measured_in"],
             "optical_pump_side": cfg["optical_pump_side"]}
    return out.ds, out.units, attrs


def tornado_markdown(cfg: dict, ds: dict, attrs: dict) -> str:
    """Markdown: J_th of each device under each alternative choice and assumed-input range end."""
    rows = json.loads(attrs["tornado_rows"])
    tab = ds["tornado/j_th_a_per_cm2"]

    def fmt(x: Flagged, idx=()) -> str:
        flag = int(x.flags[idx])
        if flag == FLAG_CODES["not_applicable"]:
            return "n/a"
        return f"{float(x.values[idx]):.0f}" if flag == FLAG_CODES["ok"] else "not reached"

    hd = [fmt(ds[f"headline/{d}/j_th_a_per_cm2"]) for d in DEVICES]
    lines = [f"J_th (A/cm^2) of each device at its own distance; headline: {cfg['anchor']} anchor, "
             f"{cfg['pump_reading']} reading (dual cavity {hd[0]}, single cavity {hd[1]}). One choice or ASSUMED "
             "input changed at a time.", "",
             "| choice / input | dual: alternative or min | dual: max | single: alternative or min | single: max |",
             "|---|---:|---:|---:|---:|"]
    for i, r in enumerate(rows):
        lines.append(f"| {r} | {fmt(tab, (i, 0, 0))} | {fmt(tab, (i, 0, 1))} | {fmt(tab, (i, 1, 0))} | "
                     f"{fmt(tab, (i, 1, 1))} |")
    return "\n".join(lines) + "\n"
