"""Lasing threshold of microcavity II and the PeLED current that reaches it.

Chain (units: cm, s, W, A unless the name says otherwise):

1. Threshold gain from the cavity mode. The photon lifetime is tau_p = Q / omega; the loss
   per unit length travelled at the group velocity c / n_g is
       alpha = 1 / (v_g tau_p) = 2 pi n_g / (lambda Q)          (modal threshold gain, 1/cm)
   and the material gain at threshold is g_th = alpha / Gamma, with Gamma the *energy*
   confinement factor of the mode in the gain layer (``confinement_energy`` in modes.h5;
   the fraction of the mode's electric energy in the crystal). Q is the total Q of the
   simulated mode (mirror + crystal absorption), the mirror-only Q, or the measured Q ~ 780
   (``threshold.q_choice``); all three are reported.
2. Threshold carrier density: (a) logarithmic gain g(N) = g0 ln(N / N_tr) (g0, N_tr ASSUMED)
   -> N_th = N_tr exp(g_th / g0); (b) the measured N_th = 3.9e16 cm^-3 (paper).
3. Quasi-CW pump: steady state G = R(N_th), R(N) = k1 N + k2 N^2 + k3 N^3 with k2, k3 ASSUMED
   and k1 set so that R(N_meas) / N_meas = 1 / tau_meas (the measured 134.7 ns lifetime at the
   measured threshold density). Carriers are taken uniform across the crystal thickness t
   (diffusion length sqrt(D tau) ~ um >> 180 nm). Absorbed irradiance at threshold:
       I_abs = R(N_th) t h nu_pump;   incident I_inc = I_abs / A(pump).
4. Electrical: the LED exitance needed is M_th = I_abs / r, with r the absorbed irradiance
   on the crystal per unit LED exitance (from the transfer step: at the lasing spot, or the
   crystal mean); M_th is converted to the medium the measured EQE refers to, then
   J_th solves EQE(J) J h nu / e = M_th (``sims.led_efficiency``), J_th <= J_max or unreachable.

References: L. A. Coldren, S. W. Corzine, M. Mashanovitch, "Diode Lasers and Photonic
Integrated Circuits", 2nd ed. (Wiley 2012), ch. 2 and 5 (threshold gain, rate equations,
logarithmic gain); Zou et al., Nature 2025 (measured inputs).
"""

from __future__ import annotations

import json
import math

import numpy as np

from sims.config import ConfigError, register_check
from sims.led_efficiency import RollOff, check_eqe_points, fit_rolloff, photon_energy_ev

E_CHARGE = 1.602176634e-19  # C

MODE_KEYS = ("lasing_wavelength_nm", "Q_total", "Q_mirror", "Q_absorption", "confinement_energy",
             "group_index", "gain_layer_thickness_nm", "Q_measured")


# ---------------------------------------------------------------------------------------
# 1. gain
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
# 3. recombination and pump
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


# ---------------------------------------------------------------------------------------
# the chain
# ---------------------------------------------------------------------------------------
def carrier_threshold(cfg: dict, mode: dict) -> dict:
    """Steps 1-2: threshold gains for every Q and both N_th readings (dict of floats)."""
    check_mode(mode)
    lam, ng, gam = float(mode["lasing_wavelength_nm"]), float(mode["group_index"]), float(mode["confinement_energy"])
    out = {}
    for choice in ("total", "mirror", "measured"):
        q = q_for(mode, choice)
        out[f"alpha_modal_{choice}_per_cm"] = modal_threshold_gain_per_cm(lam, q, ng)
        out[f"g_material_{choice}_per_cm"] = material_threshold_gain_per_cm(lam, q, ng, gam)
    out["g_material_th_per_cm"] = out[f"g_material_{cfg['q_choice']}_per_cm"]
    out["n_th_model_per_cm3"] = n_th_log_gain(out["g_material_th_per_cm"], assumed(cfg, "g0_per_cm"),
                                              assumed(cfg, "n_tr_per_cm3"))
    out["n_th_measured_per_cm3"] = measured(cfg, "n_th_per_cm3")
    return out


def pump_threshold(cfg: dict, mode: dict, n_th_per_cm3: float, absorbed_fraction_405: float) -> dict:
    """Step 3: absorbed and incident pump irradiance at threshold (W/cm^2)."""
    coeffs = recombination_coefficients(measured(cfg, "n_th_per_cm3"), measured(cfg, "lifetime_ns"),
                                        assumed(cfg, "k2_cm3_per_s"), assumed(cfg, "k3_cm6_per_s"))
    t_nm = float(mode["gain_layer_thickness_nm"])
    out = {"recombination_rate_per_cm3_s": float(recombination_rate_per_cm3_s(n_th_per_cm3, coeffs)),
           "k1_per_s": coeffs[0]}
    for tag, key in (("405", "optical_pump_wavelength_nm"), ("led", "led_wavelength_nm")):
        out[f"absorbed_irradiance_{tag}_w_per_cm2"] = absorbed_irradiance_w_per_cm2(
            n_th_per_cm3, coeffs, t_nm, measured(cfg, key))
    out["incident_irradiance_405_w_per_cm2"] = out["absorbed_irradiance_405_w_per_cm2"] / absorbed_fraction_405
    return out


def exitance_to_reference(m_exit_w_per_cm2: float, exit_to_air_ratio: float, eqe_measured_in: str) -> float:
    """LED exitance into the exit medium -> the medium the measured EQE refers to."""
    return m_exit_w_per_cm2 / exit_to_air_ratio if eqe_measured_in == "air" else m_exit_w_per_cm2


def current_threshold(absorbed_needed_w_per_cm2: float, absorbed_ratio: float, exit_to_air_ratio: float,
                      rolloff: RollOff, scale: float, cfg: dict) -> dict:
    """Step 4: J_th (A/cm^2; NaN if unreachable) for one device, distance and pump reading.

    Args:
        absorbed_needed_w_per_cm2: absorbed irradiance at threshold (at the LED wavelength).
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


# ---------------------------------------------------------------------------------------
# config checks
# ---------------------------------------------------------------------------------------
POSITIVE_MEASURED = ("n_th_per_cm3", "lifetime_ns", "led_wavelength_nm", "optical_pump_wavelength_nm",
                     "max_current_density_a_per_cm2", "max_exitance_microcavity_w_per_cm2",
                     "max_exitance_standard_w_per_cm2")


@register_check
def check_threshold(config: dict):
    """Measured inputs positive, assumed values inside their ranges, headline distance mapped."""
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
    tr = config.get("transfer")
    if tr is not None and t["distance_um"] not in tr["map_distances_um"]:
        yield "threshold.distance_um", (f"{t['distance_um']} um must be one of transfer.map_distances_um "
                                        f"{tr['map_distances_um']} (the maps give the lasing-spot irradiance)")
    m = t["measured"]
    n, tau = m["n_th_per_cm3"]["value"], m["lifetime_ns"]["value"]
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
# the study: every device, distance, reading and branch
# ---------------------------------------------------------------------------------------
DEVICES = {"dual_cavity": "microcavity", "single_cavity": "standard"}
BRANCHES = ("measured", "model")  # N_th measured (paper) / from the log-gain model
READINGS = ("spot", "crystal_mean")
UNREACHABLE = -1.0  # stored in place of J_th when the LED cannot reach threshold below J_max


def spot_mean_xy(x_um, y_um, emap, diameter_um: float, center_um=(0.0, 0.0)) -> float:
    """Mean of a map over a disk at ``center_um`` (one pixel if the disk is smaller than a pixel)."""
    r2 = (np.asarray(x_um)[:, None] - center_um[0]) ** 2 + (np.asarray(y_um)[None, :] - center_um[1]) ** 2
    sel = r2 <= (diameter_um / 2) ** 2
    if not np.any(sel):
        sel = r2 == r2.min()
    return float(np.mean(emap[sel]))


def _with(cfg: dict, key: str, value: float) -> dict:
    import copy

    out = copy.deepcopy(cfg)
    out["assumed"][key]["value"] = value
    return out


def headline_jth(cfg: dict, mode: dict, tr: dict, device: str, branch: str, reading: str) -> float:
    """J_th (A/cm^2, NaN if unreachable) of one device at threshold.distance_um (used by the
    sensitivity study; recomputes the spot reading from the absorbed map for the spot diameter)."""
    led = DEVICES[device]
    t = tr[led]
    j = int(np.argmin(np.abs(t["map_distance_um"] - cfg["distance_um"])))
    if reading == "spot":
        center = tuple(t["map_spot_center_um"][j]) if "map_spot_center_um" in t else (0.0, 0.0)
        ratio = spot_mean_xy(t["map_x_um"], t["map_y_um"], t["absorbed_map"][j],
                             assumed(cfg, "lasing_spot_diameter_um"), center)
    else:
        ratio = float(t["maps/mean_absorbed_ratio"][j])
    ct = carrier_threshold(cfg, mode)
    n = ct["n_th_measured_per_cm3"] if branch == "measured" else ct["n_th_model_per_cm3"]
    if not math.isfinite(n):
        return math.nan
    coeffs = recombination_coefficients(measured(cfg, "n_th_per_cm3"), measured(cfg, "lifetime_ns"),
                                        assumed(cfg, "k2_cm3_per_s"), assumed(cfg, "k3_cm6_per_s"))
    i_abs = absorbed_irradiance_w_per_cm2(n, coeffs, float(mode["gain_layer_thickness_nm"]),
                                          measured(cfg, "led_wavelength_nm"))
    roll, _ = led_rolloff(cfg)
    scale = 1.0 if led == "microcavity" else measured(cfg, "max_exitance_standard_w_per_cm2") / \
        measured(cfg, "max_exitance_microcavity_w_per_cm2")
    r = current_threshold(i_abs, ratio, exit_to_air(t, cfg), roll, scale, cfg)
    return r["j_th_a_per_cm2"]


def exit_to_air(t: dict, cfg: dict) -> float:
    ratio = float(t["exit_to_air_power_ratio"])
    if cfg["eqe_measured_in"] == "air" and not ratio > 0:
        raise ConfigError([("threshold.eqe_measured_in", "is 'air' but the emission table has no "
                                                          "intensity_air_per_sr (no exit/air power ratio)")])
    return ratio


def threshold_study(cfg: dict, mode: dict, tr: dict, absorbed_fraction_405: float) -> tuple[dict, dict, dict]:
    """All threshold numbers. Args: threshold config, mode scalars, transfer datasets per LED
    (``tr['microcavity']``, ``tr['standard']``), A at 405 nm. Returns (datasets, units, attrs)."""
    ds, units = {}, {}
    ct = carrier_threshold(cfg, mode)
    for k, v in ct.items():
        ds[f"gain/{k}" if "per_cm3" not in k else f"n_th/{k}"] = np.array(v if math.isfinite(v) else UNREACHABLE)
        units[f"gain/{k}" if "per_cm3" not in k else f"n_th/{k}"] = "1/cm" if "per_cm3" not in k else "cm^-3"
    for q in ("total", "mirror", "measured"):
        ds[f"gain/Q_{q}"] = np.array(q_for(mode, q))
        units[f"gain/Q_{q}"] = "1"
    ds["gain/confinement_energy"] = np.array(float(mode["confinement_energy"]))
    ds["gain/group_index"] = np.array(float(mode["group_index"]))
    units["gain/confinement_energy"] = units["gain/group_index"] = "1"
    roll, rms = led_rolloff(cfg)
    hv = photon_energy_ev(measured(cfg, "led_wavelength_nm"))
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    scale_std = measured(cfg, "max_exitance_standard_w_per_cm2") / measured(cfg, "max_exitance_microcavity_w_per_cm2")
    ds.update({"eqe/eqe0": np.array(roll.eqe0), "eqe/j0_a_per_cm2": np.array(roll.j0_a_per_cm2),
               "eqe/m": np.array(roll.m), "eqe/rms_log_residual": np.array(rms),
               "eqe/j_peak_a_per_cm2": np.array(min(roll.j_peak_a_per_cm2(), 1e30)),
               "eqe/exitance_at_j_max_model_w_per_cm2": np.array(float(roll.exitance_w_per_cm2(j_max, hv))),
               "eqe/standard_scale": np.array(scale_std), "eqe/photon_energy_ev": np.array(hv)})
    units.update({"eqe/eqe0": "1", "eqe/j0_a_per_cm2": "A/cm^2", "eqe/m": "1", "eqe/rms_log_residual": "1",
                  "eqe/j_peak_a_per_cm2": "A/cm^2", "eqe/exitance_at_j_max_model_w_per_cm2": "W/cm^2",
                  "eqe/standard_scale": "1", "eqe/photon_energy_ev": "eV"})
    ds["pump/absorbed_fraction_405"] = np.array(absorbed_fraction_405)
    units["pump/absorbed_fraction_405"] = "1 (normal incidence from the gap)"
    i_abs = {}
    for b in BRANCHES:
        n = ct["n_th_measured_per_cm3"] if b == "measured" else ct["n_th_model_per_cm3"]
        if not math.isfinite(n):
            i_abs[b] = math.inf
            continue
        p = pump_threshold(cfg, mode, n, absorbed_fraction_405)
        i_abs[b] = p["absorbed_irradiance_led_w_per_cm2"]
        for k, v in p.items():
            ds[f"pump/{b}/{k}"] = np.array(v)
            units[f"pump/{b}/{k}"] = "W/cm^2" if "irradiance" in k else ("1/s" if k == "k1_per_s" else "cm^-3 s^-1")
    for dev, led in DEVICES.items():
        t = tr[led]
        e2a = exit_to_air(t, cfg)
        scale = 1.0 if led == "microcavity" else scale_std
        ds[f"devices/{dev}/exit_to_air_power_ratio"] = np.array(e2a)
        units[f"devices/{dev}/exit_to_air_power_ratio"] = "1"
        ratios = {"maps": {"spot": t["maps/spot_absorbed_ratio"], "crystal_mean": t["maps/mean_absorbed_ratio"]},
                  "sweep": {"spot": t["sweep/spot_absorbed_ratio"], "crystal_mean": t["sweep/mean_absorbed_ratio"]},
                  "area": {"spot": t["area/spot_absorbed_ratio"], "crystal_mean": t["area/mean_absorbed_ratio"]}}
        for b in BRANCHES:
            for rd in READINGS:
                for where, arr in ((w, ratios[w][rd]) for w in ratios):
                    flat = np.asarray(arr, float).ravel()
                    j = np.empty(flat.size)
                    need = np.empty(flat.size)
                    for i, r in enumerate(flat):
                        if math.isfinite(i_abs[b]):
                            res = current_threshold(i_abs[b], r, e2a, roll, scale, cfg)
                            j[i] = res["j_th_a_per_cm2"] if res["reachable"] else UNREACHABLE
                            need[i] = res["exitance_needed_w_per_cm2"]
                        else:
                            j[i], need[i] = UNREACHABLE, 1e30
                    key = f"jth/{dev}/{b}/{rd}/{where}"
                    ds[key] = j.reshape(np.shape(arr))
                    ds[f"exitance_needed/{dev}/{b}/{rd}/{where}"] = np.minimum(need, 1e30).reshape(np.shape(arr))
                    units[key] = "A/cm^2 (-1: unreachable below threshold.measured.max_current_density)"
                    units[f"exitance_needed/{dev}/{b}/{rd}/{where}"] = "W/cm^2 (in the medium the EQE refers to)"
    ds["map_distance_um"] = tr["microcavity"]["map_distance_um"]
    ds["distance_um"] = tr["microcavity"]["distance_um"]
    ds["led_area_mm2"] = tr["microcavity"]["led_area_mm2"]
    ds["area_distance_um"] = tr["microcavity"]["area_distance_um"]
    units.update({"map_distance_um": "um", "distance_um": "um", "led_area_mm2": "mm^2", "area_distance_um": "um"})
    # headline: dual cavity, threshold.distance_um, measured N_th, configured reading
    jd = int(np.argmin(np.abs(ds["map_distance_um"] - cfg["distance_um"])))
    # incident pump irradiance on the crystal at threshold at the LED wavelength: the absorbed
    # irradiance over the local absorbed share (angle-weighted A of that LED's light at the spot)
    for dev, led in DEVICES.items():
        t = tr[led]
        for rd, a_key, i_key in (("spot", "maps/spot_absorbed_ratio", "maps/spot_irradiance_ratio"),
                                 ("crystal_mean", "maps/mean_absorbed_ratio", "maps/mean_irradiance_ratio")):
            if i_key not in t:
                continue
            share = float(t[a_key][jd]) / float(t[i_key][jd])
            for b in BRANCHES:
                if math.isfinite(i_abs[b]) and share > 0:
                    ds[f"pump/{b}/incident_irradiance_led_{dev}_{rd}_w_per_cm2"] = np.array(i_abs[b] / share)
                    units[f"pump/{b}/incident_irradiance_led_{dev}_{rd}_w_per_cm2"] = "W/cm^2"
            ds[f"devices/{dev}/absorbed_share_{rd}"] = np.array(share)
            units[f"devices/{dev}/absorbed_share_{rd}"] = "1 (absorbed / incident pump at the LED wavelength)"
    for dev in DEVICES:
        for rd in READINGS:
            ds[f"headline/{dev}/{rd}_j_th_a_per_cm2"] = np.array(ds[f"jth/{dev}/measured/{rd}/maps"][jd])
            units[f"headline/{dev}/{rd}_j_th_a_per_cm2"] = units[f"jth/{dev}/measured/{rd}/maps"]
    # sensitivity (one input at a time over its range)
    names = list(cfg["assumed"])
    table = np.full((len(names), len(BRANCHES), 3), UNREACHABLE)  # J at min, value, max
    for i, k in enumerate(names):
        for bi, b in enumerate(BRANCHES):
            for ci, which in enumerate(("min", "value", "max")):
                try:
                    jj = headline_jth(_with(cfg, k, cfg["assumed"][k][which]), mode, tr, "dual_cavity", b,
                                      cfg["pump_reading"])
                except ConfigError:
                    jj = math.nan
                table[i, bi, ci] = jj if math.isfinite(jj) else UNREACHABLE
    ds["sensitivity/j_th_a_per_cm2"] = table
    ds["sensitivity/parameter_min"] = np.array([cfg["assumed"][k]["min"] for k in names])
    ds["sensitivity/parameter_value"] = np.array([cfg["assumed"][k]["value"] for k in names])
    ds["sensitivity/parameter_max"] = np.array([cfg["assumed"][k]["max"] for k in names])
    units["sensitivity/j_th_a_per_cm2"] = "A/cm^2 [parameter, branch (measured, model), (min, value, max)]; -1 unreachable"
    attrs = {"sensitivity_parameters": json.dumps(names), "branches": json.dumps(BRANCHES),
             "headline_reading": cfg["pump_reading"], "headline_distance_um": cfg["distance_um"],
             "q_choice": cfg["q_choice"], "eqe_measured_in": cfg["eqe_measured_in"]}
    return ds, units, attrs
