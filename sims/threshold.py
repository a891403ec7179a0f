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
   (``sims.led_efficiency``); not reached (NaN in memory, flag ``not_reached`` in files) if no
   J <= J_max (paper) gives M.

The study over devices, anchors, readings, variants and the sensitivity is ``sims.threshold_study``;
the light-current curves are ``sims.light_current``; figures are ``sims.plots.threshold``.

References: L. A. Coldren, S. W. Corzine, M. Mashanovitch, "Diode Lasers and Photonic
Integrated Circuits", 2nd ed. (Wiley 2012), ch. 2 and 5; Zou et al., Nature 2025 (measured inputs).
"""

from __future__ import annotations

import math

import numpy as np

from sims.config import ConfigError, register_check
from sims.led_efficiency import E_CHARGE, RollOff, check_eqe_points, fit_rolloff, photon_energy_ev
from sims.results import Flagged

MODE_KEYS = ("lasing_wavelength_nm", "Q_total", "Q_mirror", "Q_absorption", "confinement_energy",
             "group_index", "gain_layer_thickness_nm", "Q_measured")
DEVICES = {"dual_cavity": "microcavity", "single_cavity": "standard"}
ANCHORS = ("optical", "carrier", "gain_model")
READINGS = ("spot", "crystal_mean")
Q_CHOICES = ("mirror", "measured")  # Q without the crystal's band-tail absorption (see module docstring)


def scalar(x) -> float:
    """A result value as a float: a plain (possibly complex) array's real part, or a
    :class:`~sims.results.Flagged` one's in-memory value (NaN not reached/failed, inf infinite)."""
    return float(np.real(x.as_float() if isinstance(x, Flagged) else np.asarray(x)))


def values(x) -> np.ndarray:
    """A result array as floats (a Flagged one through ``as_float``)."""
    return x.as_float() if isinstance(x, Flagged) else np.asarray(x, float)


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
def mode_scalars(data: dict, attrs: dict) -> dict:
    """The MODE_KEYS scalars of a modes file (``read_h5`` output) and its ``mode_choice``."""
    mode = {k: scalar(data[k]) for k in MODE_KEYS if k in data}
    mode["mode_choice"] = attrs.get("mode_choice", "")
    return mode


def check_mode(mode: dict, source: str = "modes.h5") -> None:
    """Raise ConfigError naming the first missing or non-physical mode quantity (Q_absorption
    may be infinite: a lossless stack)."""
    problems = []
    for k in MODE_KEYS:
        if k not in mode:
            problems.append((f"{source}:{k}", "missing"))
            continue
        v = float(mode[k])
        if not (v > 0 and (math.isfinite(v) or (k == "Q_absorption" and v == math.inf))):
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
    """Exit-medium / air power ratio of the LED (transfer file; plain or Flagged)."""
    ratio = scalar(t["exit_to_air_power_ratio"])
    if cfg["eqe_measured_in"] == "air" and not ratio > 0:
        raise ConfigError([("threshold.eqe_measured_in", "is 'air' but the emission table has no "
                                                          "intensity_air_per_sr (no exit/air power ratio)")])
    return ratio


def photon_energy_absorbed_ev(t: dict, cfg: dict) -> float:
    """Mean photon energy of the absorbed LED light (transfer step), else h nu at the EL peak."""
    e = scalar(t.get("device/absorbed_photon_energy_ev", math.nan))
    return e if math.isfinite(e) and e > 0 else photon_energy_ev(measured(cfg, "led_wavelength_nm"))


def jth_array(flux: float, ratios, t: dict, led: str, cfg: dict, roll: RollOff) -> tuple[np.ndarray, np.ndarray]:
    """(J_th, A/cm^2, NaN where not reached; LED exitance needed in the EQE's medium, W/cm^2, inf where
    no LED light can do it) for an array of absorbed ratios."""
    arr = values(ratios)
    flat = arr.ravel()
    j, need = np.full(flat.size, math.nan), np.full(flat.size, math.inf)
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
# one device at its own distance
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
        return scalar(t[f"device/variants/{variant}/{reading}_absorbed_ratio"])
    if reading == "spot" and "absorbed_map" in t:
        md = np.asarray(t["map_distance_um"], float)
        j = np.nonzero(np.isclose(md, scalar(t["device/distance_um"])))[0]
        if j.size:
            j = int(j[0])
            center = tuple(t["map_spot_center_um"][j]) if "map_spot_center_um" in t else (0.0, 0.0)
            return spot_mean_xy(t["map_x_um"], t["map_y_um"], t["absorbed_map"][j],
                                assumed(cfg, "lasing_spot_diameter_um"), center)
    return scalar(t[f"device/{reading}_absorbed_ratio"])


def headline_jth(cfg: dict, mode: dict, tr: dict, a405: dict, device: str, anchor: str | None = None,
                 reading: str | None = None, variant: str = "production") -> float:
    """J_th (A/cm^2, NaN if not reached) of one device at its own distance."""
    led = DEVICES[device]
    t = tr[led]
    flux = anchor_fluxes(cfg, mode, a405)["flux"][anchor or cfg["anchor"]]
    roll, _ = led_rolloff(cfg)
    j, _ = jth_array(flux, [device_ratio(t, cfg, reading or cfg["pump_reading"], variant)], t, led, cfg, roll)
    return float(j[0])


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


def absorbed_fractions_405(settings: dict, mode: dict) -> dict:
    """A_405 per side ("below", "above") of the absorber stack with its crystal at the mode file's
    gain-layer thickness (``settings``: the threshold rule's settings, absorber stack and layer)."""
    from sims.stack import build_stack

    stack = build_stack(settings, settings["absorber_stack"]).with_thickness(
        settings["absorber_layer"], mode["gain_layer_thickness_nm"] / 1e3)  # nm -> um
    wl = measured(settings["threshold"], "optical_pump_wavelength_nm")
    return {side: absorbed_fraction_normal(stack, wl, settings["absorber_layer"], side) for side in ("below", "above")}
