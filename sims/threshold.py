"""Lasing threshold of microcavity II and the PeLED current that reaches it, for the two
devices as built (dual cavity: microcavity PeLED across the NOA81 gap; single cavity:
standard PeLED through its own glass substrate).

Units: cm, s, W, A unless a name says otherwise.

1. What the crystal must absorb at threshold: an absorbed photon flux Phi_th (photons per cm^2
   of crystal per s), by one of three anchors (``threshold.anchor`` picks the headline):

   * ``optical`` (primary): the measured quasi-CW lasing threshold of microcavity II under
     405 nm pumping, P_405 (incident W/cm^2, paper), times the computed share of a normally
     incident 405 nm beam absorbed in the crystal, A_405 (transfer matrix, from the side
     ``threshold.optical_pump_side``): Phi_th = P_405 A_405 / (h nu_405). Quasi-CW: the 1 us
     pulses are 7x the 134.7 ns lifetime, so the carrier density is in steady state and each
     absorbed photon (405 or ~680 nm, both far above the gap) gives one electron-hole pair.
   * ``carrier``: the measured N_th = 3.9e16 cm^-3 and lifetime 134.7 ns (paper): in steady
     state Phi_th = R(N_th) t, R(N) = k1 N + k2 N^2 + k3 N^3 with k2, k3 ASSUMED and k1 such that
     R(N_meas)/N_meas = 1/tau_meas; t the crystal thickness (carriers uniform across it).
   * ``gain_model``: N_th from the cavity loss and a logarithmic gain g(N) = g0 ln(N/N_tr)
     (g0, N_tr ASSUMED), then Phi_th = R(N_th) t. The loss is alpha = 2 pi n_g / (lambda Q)
     and g_th = alpha / Gamma (Gamma: energy confinement in the crystal). The log gain is the
     crystal's net material gain, zero at transparency, i.e. it already contains the crystal's
     own band-tail absorption. Q must therefore be a Q *without* that absorption (``mirror``:
     simulated, DBRs only; ``measured``: the linewidth just below threshold, where the crystal
     is near transparency); Q_total (simulated with the unpumped crystal's k) would count the
     band-tail absorption twice and is rejected for ``threshold.q_choice``.

   The factor between the carrier and the optical anchor is reported with what would have to be
   true for them to agree (the 405 nm absorbed share, the lifetime, or N_th that would close it).
2. LED light needed: the absorbed LED power at threshold is Phi_th h nu_abs (h nu_abs: the
   absorbed-power-weighted photon energy of that LED's light, from the transfer step), and the
   LED exitance into its exit medium is M = Phi_th h nu_abs / r, with r the absorbed irradiance
   on the crystal per unit LED exitance from the transfer step, at the device's own distance, on
   the lasing spot (headline reading) or averaged over the crystal.
3. Electrical: M is converted to the medium the measured EQE refers to (air by default, with the
   exit/air power ratio of the emission table) and J_th solves EQE(J) J h nu / e = M
   (``sims.led_efficiency``); unreachable if no J <= J_max (paper) gives M.

References: L. A. Coldren, S. W. Corzine, M. Mashanovitch, "Diode Lasers and Photonic
Integrated Circuits", 2nd ed. (Wiley 2012), ch. 2 and 5; Zou et al., Nature 2025 (measured inputs).
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np

from sims.config import ConfigError, register_check
from sims.led_efficiency import RollOff, check_eqe_points, fit_rolloff, photon_energy_ev

E_CHARGE = 1.602176634e-19  # C

MODE_KEYS = ("lasing_wavelength_nm", "Q_total", "Q_mirror", "Q_absorption", "confinement_energy",
             "group_index", "gain_layer_thickness_nm", "Q_measured")
DEVICES = {"dual_cavity": "microcavity", "single_cavity": "standard"}
ANCHORS = ("optical", "carrier", "gain_model")
READINGS = ("spot", "crystal_mean")
Q_CHOICES = ("mirror", "measured")  # Q without the crystal's band-tail absorption (see module docstring)
UNREACHABLE = -1.0  # stored in place of J_th when the LED cannot reach threshold below J_max
UNREACHABLE_UNITS = "A/cm^2 (-1: unreachable below threshold.measured.max_current_density)"


# ---------------------------------------------------------------------------------------
# gain
# ---------------------------------------------------------------------------------------
def modal_threshold_gain_per_cm(wavelength_nm: float, q: float, group_index: float) -> float:
    """alpha = 2 pi n_g / (lambda Q), 1/cm (lambda in nm converted to cm)."""
    if not (q > 0 and wavelength_nm > 0 and group_index > 0):
        raise ValueError(f"need Q, wavelength, group index > 0 (got {q}, {wavelength_nm}, {group_index})")
    return 2 * math.pi * group_index / (wavelength_nm * 1e-7 * q)


def material_threshold_gain_per_cm(wavelength_nm: float, q: float, group_index: float, gamma: float) -> float:
    """g_th = alpha / Gamma (Gamma: energy confinement factor in the gain layer), 1/cm."""
    if not 0 < gamma <= 1:
        raise ValueError(f"confinement factor must be in (0, 1], got {gamma}")
    return modal_threshold_gain_per_cm(wavelength_nm, q, group_index) / gamma


def n_th_log_gain(g_th_per_cm: float, g0_per_cm: float, n_tr_per_cm3: float) -> float:
    """N_th of g(N) = g0 ln(N / N_tr): N_tr exp(g_th / g0), cm^-3 (inf if the exponent overflows)."""
    x = g_th_per_cm / g0_per_cm
    return n_tr_per_cm3 * math.exp(x) if x < 700 else math.inf


# ---------------------------------------------------------------------------------------
# recombination and pump
# ---------------------------------------------------------------------------------------
def recombination_coefficients(n_meas_per_cm3: float, lifetime_ns: float, k2: float, k3: float) -> tuple:
    """(k1 1/s, k2 cm^3/s, k3 cm^6/s) with k1 chosen so R(N_meas)/N_meas = 1/tau_meas."""
    k1 = 1.0 / (lifetime_ns * 1e-9) - k2 * n_meas_per_cm3 - k3 * n_meas_per_cm3 ** 2
    if k1 < 0:
        raise ConfigError([("threshold.assumed.k2_cm3_per_s",
                            f"k2 N + k3 N^2 = {k2 * n_meas_per_cm3 + k3 * n_meas_per_cm3 ** 2:.3g} 1/s at the measured "
                            f"N_th exceeds 1/lifetime = {1 / (lifetime_ns * 1e-9):.3g} 1/s (k1 would be negative)")])
    return k1, k2, k3


def recombination_rate_per_cm3_s(n_per_cm3, coeffs) -> np.ndarray:
    k1, k2, k3 = coeffs
    n = np.asarray(n_per_cm3, float)
    return k1 * n + k2 * n ** 2 + k3 * n ** 3


def absorbed_irradiance_w_per_cm2(n_per_cm3: float, coeffs, thickness_nm: float, pump_wavelength_nm: float) -> float:
    """Absorbed pump irradiance that sustains N in steady state: R(N) t h nu (W/cm^2)."""
    return float(recombination_rate_per_cm3_s(n_per_cm3, coeffs)) * thickness_nm * 1e-7 * \
        photon_energy_ev(pump_wavelength_nm) * E_CHARGE


def optical_anchor_flux(incident_w_per_cm2: float, absorbed_fraction: float, wavelength_nm: float) -> float:
    """Absorbed photon flux (1/(cm^2 s)) at the measured optical threshold: P A / (h nu)."""
    return incident_w_per_cm2 * absorbed_fraction / (photon_energy_ev(wavelength_nm) * E_CHARGE)


# ---------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------
def check_mode(mode: dict, source: str = "modes.h5") -> None:
    """Raise ConfigError naming the first missing or non-physical mode quantity."""
    problems = []
    for k in MODE_KEYS:
        if k not in mode:
            problems.append((f"{source}:{k}", "missing"))
            continue
        v = float(mode[k])
        if not (math.isfinite(v) and v > 0):
            problems.append((f"{source}:{k}", f"must be finite and > 0, got {v}"))
    if not problems and not mode["confinement_energy"] <= 1:
        problems.append((f"{source}:confinement_energy", f"must be <= 1, got {mode['confinement_energy']}"))
    if problems:
        raise ConfigError(problems)


def measured(cfg: dict, key: str) -> float:
    return float(cfg["measured"][key]["value"])


def assumed(cfg: dict, key: str) -> float:
    return float(cfg["assumed"][key]["value"])


def q_for(mode: dict, choice: str) -> float:
    return float({"total": mode["Q_total"], "mirror": mode["Q_mirror"], "measured": mode["Q_measured"]}[choice])


def led_rolloff(cfg: dict) -> tuple[RollOff, float]:
    pts = cfg["measured"]["eqe_points"]
    check_eqe_points(pts)
    return fit_rolloff([p["current_density_a_per_cm2"] for p in pts], [p["eqe"] for p in pts],
                       assumed(cfg, "eqe_rolloff_exponent"))


def led_scale(cfg: dict, led: str) -> float:
    """Exitance of this LED at a given current / the microcavity PeLED's (measured maxima ratio)."""
    if led == "microcavity":
        return 1.0
    return measured(cfg, "max_exitance_standard_w_per_cm2") / measured(cfg, "max_exitance_microcavity_w_per_cm2")


# ---------------------------------------------------------------------------------------
# 1. the absorbed photon flux at threshold, three anchors
# ---------------------------------------------------------------------------------------
def carrier_threshold(cfg: dict, mode: dict) -> dict:
    """Threshold gains for each Q, the gain-model N_th, and the N_tr the measured N_th implies."""
    check_mode(mode)
    lam, ng, gam = float(mode["lasing_wavelength_nm"]), float(mode["group_index"]), float(mode["confinement_energy"])
    out = {}
    for choice in ("total", "mirror", "measured"):
        q = q_for(mode, choice)
        out[f"alpha_modal_{choice}_per_cm"] = modal_threshold_gain_per_cm(lam, q, ng)
        out[f"g_material_{choice}_per_cm"] = material_threshold_gain_per_cm(lam, q, ng, gam)
    g0 = assumed(cfg, "g0_per_cm")
    out["g_material_th_per_cm"] = out[f"g_material_{cfg['q_choice']}_per_cm"]
    out["n_th_model_per_cm3"] = n_th_log_gain(out["g_material_th_per_cm"], g0, assumed(cfg, "n_tr_per_cm3"))
    out["n_th_measured_per_cm3"] = measured(cfg, "n_th_per_cm3")
    # transparency density against the measured N_th: the N_tr that g0 ln(N_meas/N_tr) = g_th needs
    out["n_tr_implied_per_cm3"] = out["n_th_measured_per_cm3"] * math.exp(-out["g_material_th_per_cm"] / g0)
    out["n_tr_assumed_per_cm3"] = assumed(cfg, "n_tr_per_cm3")
    return out


def anchor_fluxes(cfg: dict, mode: dict, a405: dict) -> dict:
    """Absorbed photon flux at threshold (1/(cm^2 s)) of each anchor, and the anchors' agreement.

    Args:
        a405: absorbed fraction of a normally incident 405 nm beam in the crystal, per side
            ({"below": ..., "above": ...}); ``threshold.optical_pump_side`` picks one.
    """
    ct = carrier_threshold(cfg, mode)
    coeffs = recombination_coefficients(measured(cfg, "n_th_per_cm3"), measured(cfg, "lifetime_ns"),
                                        assumed(cfg, "k2_cm3_per_s"), assumed(cfg, "k3_cm6_per_s"))
    t_cm = float(mode["gain_layer_thickness_nm"]) * 1e-7
    a = float(a405[cfg["optical_pump_side"]])
    p405 = measured(cfg, "optical_threshold_w_per_cm2")
    lam405 = measured(cfg, "optical_pump_wavelength_nm")
    flux = {"optical": optical_anchor_flux(p405, a, lam405),
            "carrier": float(recombination_rate_per_cm3_s(ct["n_th_measured_per_cm3"], coeffs)) * t_cm}
    n_model = ct["n_th_model_per_cm3"]
    flux["gain_model"] = float(recombination_rate_per_cm3_s(n_model, coeffs)) * t_cm if math.isfinite(n_model) \
        else math.inf
    factor = flux["carrier"] / flux["optical"]
    # what would close the gap: A_405 x factor; lifetime / factor (linear recombination); N_th solving
    # R(N) t = optical flux
    from scipy.optimize import brentq

    target = flux["optical"] / t_cm
    n_agree = brentq(lambda n: float(recombination_rate_per_cm3_s(n, coeffs)) - target, 0.0, 1e21, xtol=1e6)
    return {"flux": flux, "anchor_factor_carrier_over_optical": factor, "absorbed_fraction_405": a,
            "agree_absorbed_fraction_405": a * factor, "agree_lifetime_ns": measured(cfg, "lifetime_ns") * factor,
            "agree_n_th_per_cm3": n_agree, "k1_per_s": coeffs[0], "carrier": ct}


# ---------------------------------------------------------------------------------------
# 2-3. LED exitance and current
# ---------------------------------------------------------------------------------------
def exitance_to_reference(m_exit_w_per_cm2: float, exit_to_air_ratio: float, eqe_measured_in: str) -> float:
    """LED exitance into the exit medium -> the medium the measured EQE refers to."""
    return m_exit_w_per_cm2 / exit_to_air_ratio if eqe_measured_in == "air" else m_exit_w_per_cm2


def current_threshold(absorbed_needed_w_per_cm2: float, absorbed_ratio: float, exit_to_air_ratio: float,
                      rolloff: RollOff, scale: float, cfg: dict) -> dict:
    """J_th (A/cm^2; NaN if unreachable) for one device, distance and pump reading.

    Args:
        absorbed_needed_w_per_cm2: absorbed LED-light irradiance at threshold.
        absorbed_ratio: absorbed irradiance on the crystal per unit LED exitance (exit medium).
        exit_to_air_ratio: power into the exit medium / power into air, from the emission table.
        rolloff: EQE(J) of the microcavity PeLED; scale: this LED's exitance / microcavity's.
    """
    hv = photon_energy_ev(measured(cfg, "led_wavelength_nm"))
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    m_exit = absorbed_needed_w_per_cm2 / absorbed_ratio if absorbed_ratio > 0 else math.inf
    m_ref = exitance_to_reference(m_exit, exit_to_air_ratio, cfg["eqe_measured_in"])
    j = rolloff.current_for_exitance(m_ref, hv, j_max, scale) if math.isfinite(m_ref) else math.nan
    p_max = float(rolloff.exitance_w_per_cm2(min(j_max, rolloff.j_peak_a_per_cm2()), hv, scale))
    return {"j_th_a_per_cm2": j, "reachable": bool(math.isfinite(j) and j <= j_max),
            "exitance_needed_w_per_cm2": m_ref, "exitance_available_max_w_per_cm2": p_max}


def exit_to_air(t: dict, cfg: dict) -> float:
    ratio = float(t["exit_to_air_power_ratio"])
    if cfg["eqe_measured_in"] == "air" and not ratio > 0:
        raise ConfigError([("threshold.eqe_measured_in", "is 'air' but the emission table has no "
                                                          "intensity_air_per_sr (no exit/air power ratio)")])
    return ratio


def photon_energy_absorbed_ev(t: dict, cfg: dict) -> float:
    """Mean photon energy of the absorbed LED light (transfer step), else h nu at the EL peak."""
    e = float(t.get("device/absorbed_photon_energy_ev", math.nan))
    return e if math.isfinite(e) and e > 0 else photon_energy_ev(measured(cfg, "led_wavelength_nm"))


def jth_array(flux: float, ratios, t: dict, led: str, cfg: dict, roll: RollOff) -> tuple[np.ndarray, np.ndarray]:
    """(J_th with UNREACHABLE where not reached, exitance needed in the EQE's medium) for an array of ratios."""
    arr = np.asarray(ratios, float)
    flat = arr.ravel()
    j, need = np.full(flat.size, UNREACHABLE), np.full(flat.size, math.inf)
    if math.isfinite(flux):
        i_abs = flux * photon_energy_absorbed_ev(t, cfg) * E_CHARGE
        e2a, sc = exit_to_air(t, cfg), led_scale(cfg, led)
        for i, r in enumerate(flat):
            res = current_threshold(i_abs, float(r), e2a, roll, sc, cfg)
            if res["reachable"]:
                j[i] = res["j_th_a_per_cm2"]
            need[i] = res["exitance_needed_w_per_cm2"]
    return j.reshape(arr.shape), need.reshape(arr.shape)


# ---------------------------------------------------------------------------------------
# config checks
# ---------------------------------------------------------------------------------------
POSITIVE_MEASURED = ("n_th_per_cm3", "lifetime_ns", "led_wavelength_nm", "optical_pump_wavelength_nm",
                     "optical_threshold_w_per_cm2", "max_current_density_a_per_cm2",
                     "max_exitance_microcavity_w_per_cm2", "max_exitance_standard_w_per_cm2")


@register_check
def check_threshold(config: dict):
    """Measured inputs positive, assumed values inside their ranges, a Q without double counting,
    a transparency density below the measured threshold density."""
    t = config.get("threshold")
    if not t:
        return
    for k in POSITIVE_MEASURED:
        v = t["measured"][k]["value"]
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            yield f"threshold.measured.{k}.value", f"must be a finite number > 0, got {v!r}"
    for i, p in enumerate(t["measured"]["eqe_points"]):
        if not p["current_density_a_per_cm2"] > 0:
            yield f"threshold.measured.eqe_points[{i}].current_density_a_per_cm2", \
                f"must be > 0, got {p['current_density_a_per_cm2']}"
        if not 0 < p["eqe"] < 1:
            yield f"threshold.measured.eqe_points[{i}].eqe", f"must be a fraction in (0, 1), got {p['eqe']}"
    for k, a in t["assumed"].items():
        if not a["min"] <= a["value"] <= a["max"]:
            yield f"threshold.assumed.{k}", f"value {a['value']} lies outside its range [{a['min']}, {a['max']}]"
    if t["assumed"]["beta_spontaneous"]["max"] > 1:
        yield "threshold.assumed.beta_spontaneous.max", "beta is a fraction (<= 1)"
    if t["q_choice"] not in Q_CHOICES:
        yield "threshold.q_choice", (f"{t['q_choice']!r} counts the crystal's band-tail absorption twice: once in "
                                     "Q_total and again in the net gain g0 ln(N/N_tr), which is zero at transparency; "
                                     f"use one of {', '.join(Q_CHOICES)}")
    m = t["measured"]
    n, tau = m["n_th_per_cm3"]["value"], m["lifetime_ns"]["value"]
    ntr = t["assumed"]["n_tr_per_cm3"]
    if isinstance(n, (int, float)) and n > 0 and ntr["max"] >= n:
        yield "threshold.assumed.n_tr_per_cm3", (
            f"transparency density up to {ntr['max']:.3g} cm^-3 reaches the measured threshold density "
            f"threshold.measured.n_th_per_cm3 = {n:.3g} cm^-3: a laser needs N_th > N_tr (g > 0)")
    if n > 0 and tau > 0:
        a = t["assumed"]
        for key, k2, k3 in (("k2_cm3_per_s.value", a["k2_cm3_per_s"]["value"], a["k3_cm6_per_s"]["value"]),
                            ("k2_cm3_per_s.max", a["k2_cm3_per_s"]["max"], a["k3_cm6_per_s"]["value"]),
                            ("k3_cm6_per_s.max", a["k2_cm3_per_s"]["value"], a["k3_cm6_per_s"]["max"])):
            if k2 * n + k3 * n * n >= 1 / (tau * 1e-9):
                yield f"threshold.assumed.{key}", (
                    f"k2 N + k3 N^2 = {k2 * n + k3 * n * n:.3g} 1/s at the measured N_th reaches 1/lifetime "
                    f"= {1 / (tau * 1e-9):.3g} 1/s (k1 would be negative)")


# ---------------------------------------------------------------------------------------
# the study: every device, anchor, reading, variant and sensitivity
# ---------------------------------------------------------------------------------------
def spot_mean_xy(x_um, y_um, emap, diameter_um: float, center_um=(0.0, 0.0)) -> float:
    """Mean of a map over a disk at ``center_um`` (one pixel if the disk is smaller than a pixel)."""
    r2 = (np.asarray(x_um)[:, None] - center_um[0]) ** 2 + (np.asarray(y_um)[None, :] - center_um[1]) ** 2
    sel = r2 <= (diameter_um / 2) ** 2
    if not np.any(sel):
        sel = r2 == r2.min()
    return float(np.mean(emap[sel]))


def device_ratio(t: dict, cfg: dict, reading: str, variant: str = "production") -> float:
    """Absorbed irradiance per unit LED exitance at the device distance, for a reading and variant.
    The spot reading is recomputed from the absorbed map at the device distance (for the spot
    diameter of ``cfg``) when that map exists and the variant is the production model."""
    if variant != "production":
        return float(t[f"device/variants/{variant}/{reading}_absorbed_ratio"])
    if reading == "spot" and "absorbed_map" in t:
        md = np.asarray(t["map_distance_um"], float)
        j = np.nonzero(np.isclose(md, float(t["device/distance_um"])))[0]
        if j.size:
            j = int(j[0])
            center = tuple(t["map_spot_center_um"][j]) if "map_spot_center_um" in t else (0.0, 0.0)
            return spot_mean_xy(t["map_x_um"], t["map_y_um"], t["absorbed_map"][j],
                                assumed(cfg, "lasing_spot_diameter_um"), center)
    return float(t[f"device/{reading}_absorbed_ratio"])


def headline_jth(cfg: dict, mode: dict, tr: dict, a405: dict, device: str, anchor: str | None = None,
                 reading: str | None = None, variant: str = "production") -> float:
    """J_th (A/cm^2, UNREACHABLE if not reached) of one device at its own distance."""
    led = DEVICES[device]
    t = tr[led]
    flux = anchor_fluxes(cfg, mode, a405)["flux"][anchor or cfg["anchor"]]
    roll, _ = led_rolloff(cfg)
    j, _ = jth_array(flux, [device_ratio(t, cfg, reading or cfg["pump_reading"], variant)], t, led, cfg, roll)
    return float(j[0])


def _with_assumed(cfg: dict, key: str, value: float) -> dict:
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


def _variant_name(t: dict, variant: str) -> str | None:
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


def tornado(cfg: dict, mode: dict, tr: dict, a405: dict) -> tuple[list[str], np.ndarray]:
    """J_th of each device under each alternative choice and at each assumed input's range ends.

    Returns (row labels, array [row, device, (low, high)] in A/cm^2; UNREACHABLE / NaN where
    not reached / not applicable); the headline values are in ``headline``.
    """
    labels, rows = [], []
    for name, label, kw in choice_alternatives(cfg, tr):
        row = []
        for dev, led in DEVICES.items():
            k = dict(kw)
            c = k.pop("cfg", cfg)
            if "variant" in k:
                v = _variant_name(tr[led], k["variant"])
                if v is None:
                    row.append([math.nan, math.nan])
                    continue
                k["variant"] = v
            j = headline_jth(c, mode, tr, a405, dev, **k)
            row.append([j, j])
        labels.append(f"{name}: {label}")
        rows.append(row)
    for key, a in cfg["assumed"].items():
        row = []
        for dev in DEVICES:
            pair = []
            for which in ("min", "max"):
                try:
                    pair.append(headline_jth(_with_assumed(cfg, key, a[which]), mode, tr, a405, dev))
                except ConfigError:
                    pair.append(math.nan)
            row.append(pair)
        labels.append(f"{key}: {a['min']:g} .. {a['max']:g}")
        rows.append(row)
    return labels, np.array(rows, float)


def threshold_study(cfg: dict, mode: dict, tr: dict, a405: dict) -> tuple[dict, dict, dict]:
    """All threshold numbers.

    Args:
        cfg: config['threshold'].
        mode: mode scalars of microcavity II (MODE_KEYS).
        tr: transfer datasets per LED (``tr['microcavity']``, ``tr['standard']``), with the
            ``device/*``, ``sweep/*``, ``area/*`` datasets of the transfer step.
        a405: absorbed fraction of normally incident 405 nm light in the crystal per side.
    Returns:
        (datasets, units, attributes).
    """
    ds, units = {}, {}

    def put(key, value, unit):
        ds[key] = np.asarray(value, float) if not isinstance(value, np.ndarray) else value
        units[key] = unit

    af = anchor_fluxes(cfg, mode, a405)
    ct = af["carrier"]
    for k, v in ct.items():
        if "per_cm3" in k:
            put(f"n_th/{k}", v if math.isfinite(v) else UNREACHABLE, "cm^-3 (-1: exponent overflow)")
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
        f = af["flux"][an]
        put(f"pump/{an}/absorbed_photon_flux_per_cm2_s", f if math.isfinite(f) else UNREACHABLE,
            "1/(cm^2 s) absorbed photons at threshold (-1: none)")
    headline_keys = {}
    for dev, led in DEVICES.items():
        t = tr[led]
        put(f"devices/{dev}/distance_um", float(t["device/distance_um"]), "um (LED plane to crystal plane)")
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
                put(f"jth/{dev}/{an}/{rd}/device", float(j[0]), UNREACHABLE_UNITS)
                put(f"exitance_needed/{dev}/{an}/{rd}/device", float(min(need[0], 1e30)),
                    "W/cm^2 in the medium the EQE refers to")
                key = {"spot": "sweep/spot_absorbed_ratio", "crystal_mean": "sweep/crystal_mean_absorbed_ratio"}[rd]
                j, _ = jth_array(flux, t[key], t, led, cfg, roll)
                put(f"jth/{dev}/{an}/{rd}/sweep", j, UNREACHABLE_UNITS)
                akey = {"spot": "area/spot_absorbed_ratio", "crystal_mean": "area/mean_absorbed_ratio"}[rd]
                if akey in t:
                    j, _ = jth_array(flux, t[akey], t, led, cfg, roll)
                    put(f"jth/{dev}/{an}/{rd}/area", j, UNREACHABLE_UNITS + " [LED area, distance]")
        put(f"sweep/{dev}/distance_um", np.asarray(t["sweep/distance_um"], float), "um")
        if "led_area_mm2" in t:
            put(f"area/{dev}/led_area_mm2", np.asarray(t["led_area_mm2"], float), "mm^2")
            put(f"area/{dev}/distance_um", np.asarray(t["area_distance_um"], float), "um")
        stored = sorted({k.split("/")[2] for k in t if k.startswith("device/variants/")})
        for v in stored:
            if f"device/variants/{v}/spot_absorbed_ratio" in t:
                put(f"variants/{dev}/{v}/j_th_a_per_cm2",
                    headline_jth(cfg, mode, tr, a405, dev, variant=v), UNREACHABLE_UNITS)
                put(f"variants/{dev}/{v}/absorbed_ratio",
                    device_ratio(t, cfg, cfg["pump_reading"], v), "W/m^2 per W/m^2 (headline reading)")
        hk = f"headline/{dev}/j_th_a_per_cm2"
        put(hk, float(ds[f"jth/{dev}/{cfg['anchor']}/{cfg['pump_reading']}/device"]), UNREACHABLE_UNITS)
        put(f"headline/{dev}/exitance_needed_w_per_cm2",
            float(ds[f"exitance_needed/{dev}/{cfg['anchor']}/{cfg['pump_reading']}/device"]),
            "W/cm^2 (LED exitance the headline threshold needs, in the EQE's medium)")
        headline_keys[dev] = hk
    if all("ray_tracing/mean_irradiance_ratio" in tr[led] for led in DEVICES.values()):
        for dev, led in DEVICES.items():
            for k in ("coupling_efficiency", "mean_irradiance_ratio"):
                put(f"ray_tracing/{dev}/{k}", float(tr[led][f"ray_tracing/{k}"]),
                    "1 (paper's ray-tracing convention: exit-medium profile, straight rays, no Fresnel, no EQE)")
        put("ray_tracing/power_density_ratio_dual_over_single",
            float(tr["microcavity"]["ray_tracing/mean_irradiance_ratio"])
            / float(tr["standard"]["ray_tracing/mean_irradiance_ratio"]),
            "1 (mean irradiance on the crystal, equal LED power, each device at its own distance)")
    jd, js = (float(ds[headline_keys[d]]) for d in DEVICES)
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    if jd > 0 and js > 0:
        ratio, bound = js / jd, False
    elif jd > 0:  # the single cavity does not lase below J_max: the ratio exceeds J_max / J_th(dual)
        ratio, bound = j_max / jd, True
    else:
        ratio, bound = UNREACHABLE, False
    put("headline/ratio_single_over_dual", ratio,
        "1 (-1: unreachable, the dual-cavity threshold is not reached; see ratio_is_lower_bound)")
    ds["headline/ratio_is_lower_bound"] = np.array(bound)
    units["headline/ratio_is_lower_bound"] = ("bool: true when the single cavity does not reach threshold below J_max, "
                                              "so the ratio is J_max / J_th(dual), a lower bound")
    labels, tab = tornado(cfg, mode, tr, a405)
    applicable = np.isfinite(tab)
    put("tornado/j_th_a_per_cm2", np.where(applicable, tab, 0.0),
        "A/cm^2 [row, device (dual, single), (low, high)]; -1 unreachable; 0 where tornado/applicable is false")
    ds["tornado/applicable"] = applicable
    units["tornado/applicable"] = "bool: the alternative exists for this device (e.g. the bond only for the single cavity)"
    # one-at-a-time sensitivity of every anchor to the assumed inputs (min, value, max)
    names = list(cfg["assumed"])
    sens = np.full((len(names), len(ANCHORS), 3), UNREACHABLE)
    for i, k in enumerate(names):
        for ai, an in enumerate(ANCHORS):
            for ci, which in enumerate(("min", "value", "max")):
                try:
                    jj = headline_jth(_with_assumed(cfg, k, cfg["assumed"][k][which]), mode, tr, a405,
                                      "dual_cavity", anchor=an)
                except ConfigError:
                    jj = UNREACHABLE
                sens[i, ai, ci] = jj
    put("sensitivity/j_th_a_per_cm2", sens, "A/cm^2 [parameter, anchor, (min, value, max)], dual cavity; "
                                            "-1 unreachable")
    for which in ("min", "value", "max"):
        put(f"sensitivity/parameter_{which}", np.array([cfg["assumed"][k][which] for k in names]), "config units")
    attrs = {"sensitivity_parameters": json.dumps(names), "anchors": json.dumps(ANCHORS),
             "tornado_rows": json.dumps(labels), "devices": json.dumps(list(DEVICES)),
             "headline_anchor": cfg["anchor"], "headline_reading": cfg["pump_reading"],
             "q_choice": cfg["q_choice"], "eqe_measured_in": cfg["eqe_measured_in"],
             "optical_pump_side": cfg["optical_pump_side"]}
    return ds, units, attrs


# ---------------------------------------------------------------------------------------
# the 405 nm absorbed share of the optical experiment
# ---------------------------------------------------------------------------------------
def absorbed_fraction_normal(stack, wavelength_nm: float, absorber_group: str, side: str) -> float:
    """Share of a normally incident beam from air absorbed in the absorber (transfer matrix).

    ``side`` = "below": the beam enters the stack's ``below`` medium from air first (one
    air/medium Fresnel loss; the medium is thick, incoherent) and then the stack; "above": the
    stack is lit from its ``above`` medium (air for microcavity II) directly.
    """
    from dataclasses import replace

    from sims.materials import refractive_index
    from sims.pump_absorption import absorption_tmm

    wl_um = wavelength_nm / 1e3
    if side == "above":
        stack = replace(stack, below=stack.above, above=stack.below, layers=tuple(reversed(stack.layers)))
    n0 = float(np.real(refractive_index(stack.below, wl_um)))
    t_entry = 1.0 - ((n0 - 1.0) / (n0 + 1.0)) ** 2
    return t_entry * float(absorption_tmm(stack, wl_um, [0.0], absorber_group)["A_crystal"][0])
