"""Multiple passes between the PeLED and microcavity II (spectral, polarization-resolved).

Pump light the crystal does not absorb is reflected by microcavity II (R_II) back to the LED
plane, reflected there (R_LED) and returns: pass n carries I A (R_LED R_II)^n per polarization
and wavelength and lands, for parallel planes and straight rays, as a source at distance
(2n + 1) d. Incoherent sum over passes, wavelengths and polarizations; the LED plane is
assumed to reflect like the LED stack everywhere. For the single cavity with an air-gap bond a
thin air gap in front of microcavity II is folded into an effective A and R (incoherent
bounces, no lateral offset inside the gap). Optics on (theta, wavelength) come from
pump_absorption.h5 (``sims.pump_absorption``). Units: degrees, nm, 1/sr.
"""

from __future__ import annotations

import numpy as np

from sims.transfer_radiometry import Grids, irradiance_map_passes, irradiance_maps, map_readings
from sims.transfer_tables import POLS, AngularTable, fresnel_rt_pol, resample_emission


def air_gap_effective(theta_glass_deg, n_glass: float, n_air: float, theta_air_deg, ii_air: dict) -> dict:
    """Effective absorbed fraction and back reflectance, seen from the glass, of a thin air gap
    in front of microcavity II (incoherent bounces, no lateral offset inside the thin gap).

    A_eff = T_ga A_II / (1 - R_ga R_II), R_eff = R_ga + T_ga^2 R_II / (1 - R_ga R_II), per
    polarization, with the glass/air Fresnel R_ga (T_ga = 1 - R_ga) and microcavity II lit
    from air at the refracted angle. Beyond the glass/air critical angle A_eff = 0, R_eff = 1
    (total reflection back to the LED). ii_air: A_s, A_p, R_s, R_p on (theta_air_deg, wavelength).
    """
    thg = np.radians(np.asarray(theta_glass_deg, float))
    fr = fresnel_rt_pol(n_glass, n_air, thg)
    sa = np.clip(n_glass / n_air * np.sin(thg), 0, 1)
    tha = np.degrees(np.arcsin(sa))
    nl = ii_air["A_s"].shape[1]
    out = {}
    for pol in POLS:
        A = np.array([np.interp(tha, theta_air_deg, ii_air[f"A_{pol}"][:, j], right=0.0) for j in range(nl)]).T
        R = np.array([np.interp(tha, theta_air_deg, ii_air[f"R_{pol}"][:, j], right=1.0) for j in range(nl)]).T
        rg = fr[f"R_{pol}"][:, None]
        tg = 1.0 - rg
        ok = fr["ok"][:, None] & np.ones_like(R, bool)
        den = np.where(ok, 1.0 - rg * R, 1.0)
        out[f"A_{pol}"] = np.where(ok, tg * A / den, 0.0)
        out[f"R_{pol}"] = np.where(ok, rg + tg * tg * R / den, 1.0)
    return out


def pass_tables(theta_deg, wavelength_nm, I: dict, A: dict, R_ii: dict, R_led: dict, tolerance: float,
                max_passes: int, el_weights=None, measure=None) -> dict:
    """Angular tables of every pass between LED and microcavity II (spectral model).

    table_n(theta) = sum_pol int dlambda I_pol A_pol (R_LED,pol R_II,pol)^n, n = 0, 1, ...
    until the infinite-plane weight left, (total - sum so far) / total with total =
    sum_pol int I A / (1 - R_LED R_II), is below ``tolerance`` (or ``max_passes``).

    With ``el_weights`` (weights over the wavelengths, sum 1 after the trapezoid) A and R are
    first averaged over the EL line per polarization and multiplied by the wavelength-integrated
    intensity (the EL-averaged model). ``measure`` (default 2 pi sin theta: 3D solid angle) is
    the angular measure of the infinite-plane sums (2 for the 2D check).

    Returns dict: tables (list of arrays over theta), incident (array), infinite_plane (total
    absorbed per W leaving the LED, all passes), single_pass_infinite, left (weight left), n_passes.
    """
    th = np.asarray(theta_deg, float)
    wl = np.asarray(wavelength_nm, float)
    mu = 2 * np.pi * np.sin(np.radians(th)) if measure is None else np.broadcast_to(np.asarray(measure, float), th.shape)
    thr = np.radians(th)

    def ang_int(v):
        return float(np.trapz(v * mu, thr))

    if el_weights is not None:
        w = np.asarray(el_weights, float)
        w = w / np.trapz(w, wl)
        X, rho = {}, {}
        for pol in POLS:
            ib = np.trapz(I[f"I_{pol}"], wl, axis=1)
            a = np.trapz(A[f"A_{pol}"] * w[None, :], wl, axis=1)
            r = np.trapz(R_led[f"R_{pol}"] * w[None, :], wl, axis=1) * np.trapz(R_ii[f"R_{pol}"] * w[None, :], wl, axis=1)
            X[pol], rho[pol] = (ib * a)[:, None], r[:, None]
        lam_int = lambda m: m[:, 0]
        incident = sum(np.trapz(I[f"I_{pol}"], wl, axis=1) for pol in POLS)
    else:
        X = {pol: I[f"I_{pol}"] * A[f"A_{pol}"] for pol in POLS}
        rho = {pol: R_led[f"R_{pol}"] * R_ii[f"R_{pol}"] for pol in POLS}
        lam_int = lambda m: np.trapz(m, wl, axis=1)
        incident = sum(np.trapz(I[f"I_{pol}"], wl, axis=1) for pol in POLS)
    for pol in POLS:
        rho[pol] = np.clip(rho[pol], 0.0, 1.0 - 1e-12)
    total = ang_int(sum(lam_int(X[pol] / (1.0 - rho[pol])) for pol in POLS))
    tables, done = [], 0.0
    cur = {pol: X[pol].copy() for pol in POLS}
    left = 1.0
    for n in range(int(max_passes)):
        tab = sum(lam_int(cur[pol]) for pol in POLS)
        tables.append(np.clip(tab, 0, None))
        done += ang_int(tab)
        left = (total - done) / total if total > 0 else 0.0
        if left < tolerance:
            break
        for pol in POLS:
            cur[pol] = cur[pol] * rho[pol]
    return {"tables": tables, "incident": incident, "infinite_plane": total,
            "single_pass_infinite": ang_int(tables[0]) if tables else 0.0, "left": float(max(left, 0.0)),
            "n_passes": len(tables)}


def multipass_maps(grids: Grids, distance_um: float, theta_deg, passes: dict, medium_index: float,
                   with_incident: bool = True) -> dict:
    """Incident (first pass) and absorbed (all passes) maps: pass n lands at (2n + 1) d tan(theta),
    i.e. as a source at distance (2n + 1) d (parallel planes, ray optics). Returns incident,
    absorbed, absorbed_single_pass arrays (per W/m^2 leaving the LED). The passes beyond the
    first are summed by :func:`irradiance_map_passes` (one kernel convolution for all)."""
    th = np.asarray(theta_deg, float)
    tabs = passes["tables"]
    first_tabs = {"a": AngularTable(th, tabs[0], medium_index)}
    if with_incident:
        first_tabs["i"] = AngularTable(th, passes["incident"], medium_index)
    first = irradiance_maps(grids, float(distance_um), first_tabs)
    absorbed = first["a"].copy()
    if len(tabs) > 1:
        if distance_um == 0:
            for tab in tabs[1:]:
                absorbed += irradiance_maps(grids, 0.0, {"a": AngularTable(th, tab, medium_index)})["a"]
        else:
            dn = [(2 * n + 1) * float(distance_um) for n in range(1, len(tabs))]
            absorbed += irradiance_map_passes(grids, dn, th, tabs[1:])
    out = {"absorbed": absorbed, "absorbed_single_pass": first["a"]}
    if with_incident:
        out["incident"] = first["i"]
    return out



def device_optics(led: str, bond: str, ab: dict, theta_deg) -> dict:
    """A, R_II, R_LED per polarization on (theta, wavelength) in the medium of the geometry (the
    gap for the dual cavity, the substrate for the single cavity), from pump_absorption.h5.

    Dual cavity: microcavity II and microcavity I both lit from NOA81. Single cavity,
    index_matched: microcavity II lit from a medium of the glass index; air_gap: the
    effective absorbed fraction and back reflectance of :func:`air_gap_effective`."""
    th_tab = np.asarray(ab["spectral/theta_deg"], float)
    th = np.asarray(theta_deg, float)

    def on(arr, right):
        arr = np.asarray(arr, float)
        return np.array([np.interp(th, th_tab, arr[:, j], right=right) for j in range(arr.shape[1])]).T

    rl = {f"R_{p}": on(ab[f"spectral/led/{led}/R_{p}"], 1.0) for p in POLS}
    if led == "microcavity":
        src = "gap"
    elif bond == "index_matched":
        src = "substrate"
    else:
        src = None
    if src is not None:
        A = {f"A_{p}": on(ab[f"spectral/ii/{src}/A_{p}"], 0.0) for p in POLS}
        R = {f"R_{p}": on(ab[f"spectral/ii/{src}/R_{p}"], 1.0) for p in POLS}
    else:
        ii_air = {k: np.asarray(ab[f"spectral/ii/air/{k}"], float) for k in ("A_s", "A_p", "R_s", "R_p")}
        eff = air_gap_effective(th, float(ab["spectral/index/substrate"]), float(ab["spectral/index/air"]), th_tab, ii_air)
        A = {f"A_{p}": eff[f"A_{p}"] for p in POLS}
        R = {f"R_{p}": eff[f"R_{p}"] for p in POLS}
    return {"A": A, "R_ii": R, "R_led": rl}



def device_passes(led: str, prod_bond: str, ab: dict, theta_deg, wavelength_nm, I: dict, el_weights,
                  tolerance: float, max_passes: int) -> tuple[dict, np.ndarray]:
    """:func:`pass_tables` of every bond of a device, spectral and EL-averaged, and the absorbed
    spectrum of the production bond.

    Bonds: ``gap`` for the dual cavity; ``index_matched`` and ``air_gap`` for the single cavity.
    Returns ({(bond, "spectral" | "el"): passes}, absorbed power per nm per W leaving the LED on an
    infinite crystal, all passes: 2 pi int sum_pol I A / (1 - R_LED R_II) sin(theta) dtheta).
    """
    th, wl = np.asarray(theta_deg, float), np.asarray(wavelength_nm, float)
    passes, p_abs_lam = {}, None
    for b in (("index_matched", "air_gap") if led == "standard" else ("gap",)):
        opt = device_optics(led, b, ab, th)
        passes[(b, "spectral")] = pass_tables(th, wl, I, opt["A"], opt["R_ii"], opt["R_led"], tolerance, max_passes)
        passes[(b, "el")] = pass_tables(th, wl, I, opt["A"], opt["R_ii"], opt["R_led"], tolerance, max_passes,
                                        el_weights=el_weights)
        if b == prod_bond:
            X = sum(I[f"I_{p}"] * opt["A"][f"A_{p}"] / (1 - np.clip(opt["R_led"][f"R_{p}"] * opt["R_ii"][f"R_{p}"], 0, 1 - 1e-12))
                    for p in POLS)
            p_abs_lam = np.trapz(X * (2 * np.pi * np.sin(np.radians(th)))[:, None], np.radians(th), axis=0)
    return passes, p_abs_lam


def calibration_readings(led: str, bond: str, ab: dict, theta_deg, wavelength_nm, calibration: dict, grids: Grids,
                         distance_um: float, medium_index: float, spot_diameter_um: float, tolerance: float,
                         max_passes: int) -> tuple[dict, dict]:
    """Absorbed readings (:func:`sims.transfer_radiometry.map_readings`, all passes) of the
    transfer-matrix reference emission and of each LED-calibration variant with its own LED
    reflectance (``spectral/led/{led}/variants/{name}/R_*``; variants without one are skipped).
    Returns (reference readings, {name: variant readings})."""
    th, wl = np.asarray(theta_deg, float), np.asarray(wavelength_nm, float)
    opt = device_optics(led, bond, ab, th)

    def readings(em, r_led):
        passes = pass_tables(th, wl, resample_emission(em, th, wl), opt["A"], opt["R_ii"], r_led, tolerance, max_passes)
        return map_readings(grids, multipass_maps(grids, distance_um, th, passes, medium_index, with_incident=False),
                            spot_diameter_um)

    ref = readings(calibration["reference"], opt["R_led"])
    out = {}
    for name, em_v in calibration["variants"].items():
        if f"spectral/led/{led}/variants/{name}/R_s" not in ab:
            continue
        r_led = {f"R_{p}": np.array([np.interp(th, np.asarray(ab["spectral/theta_deg"], float), col, right=1.0)
                                     for col in np.asarray(ab[f"spectral/led/{led}/variants/{name}/R_{p}"],
                                                           float).T]).T for p in POLS}
        out[name] = readings(em_v, r_led)
    return ref, out
