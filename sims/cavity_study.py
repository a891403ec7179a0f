"""One cavity, end to end: mode choice (as given or calibrated), Harminv Q with and without
absorption, FDTD linewidth and transfer-matrix cross-checks, mode profile and confinement,
thickness study, angular dispersion (the default rule cavity_modes); the Meep points of the
thickness study and of the dispersion and the convergence table (the validation rule
cavity_validation, keys ``VALIDATION_KEYS``).

Methods: see ``sims.cavity_round_trip`` (transfer matrix, round-trip phase condition),
``sims.cavity_confinement`` (penetration depths, confinement) and ``sims.cavity_modes`` (Meep
Harminv, flux spectra); the finite crystal width: ``sims.cavity_lateral``. Loss bookkeeping:
1/Q_total = 1/Q_mirror + 1/Q_absorption, with Q_mirror from the run with absorption off
and Q_total from the run with absorption on. Units: um and 1/um inside, nm in results.
"""

from __future__ import annotations

import numpy as np

from sims import cavity as C
from sims.cavity_modes import harminv_modes, transmission_spectrum
from sims.stack import build_stack

CONFINEMENT_DEFINITION = (
    "confinement_energy = int_gain eps|E|^2 dz / int_stack eps|E|^2 dz (electric energy fraction in the gain "
    "layer, stack = finite layers, |E|^2 from the Meep DFT of the ringdown at the mode); "
    "confinement_longitudinal = Gamma_r * d_gain / L_eff (Coldren & Corzine VCSEL form): Gamma_r = (L_spacer/d_gain) "
    "int_gain|E|^2 / int_spacer|E|^2 (standing-wave enhancement), L_eff = L_spacer + phase penetration depths of both "
    "mirrors (-1/2 dphi/dbeta, transfer matrix); group_index = c tau_rt / (2 L_eff) with tau_rt the round-trip group "
    "delay, so that the modal growth rate is confinement_longitudinal * (c / group_index) * g")


# cavity.* keys read only by the validation rule (cavity_validation): left out of the default rule's
# settings, so that changing them reruns only the validation
VALIDATION_KEYS = ("dispersion_meep_angles_deg", "thickness_sweep_meep_points", "convergence_resolutions_px_per_um",
                   "convergence_pml_um")


# units of the results of each study (dataset name within its group -> unit) and the datasets that
# may be missing (NaN in memory; stored as sims.results.Flagged with this flag)
THICKNESS_STUDY_UNITS = {"thickness_nm": "nm", "all_mode_wavelengths_nm": "nm", "wavelength_nm": "nm",
                         "Q_total_tmm": "1", "Q_mirror_tmm": "1", "confinement_energy_tmm": "1",
                         "pump_absorbed_fraction": "1"}
THICKNESS_STUDY_MISSING = {k: "not_reached" for k in ("all_mode_wavelengths_nm", "wavelength_nm", "Q_total_tmm",
                                                       "Q_mirror_tmm", "confinement_energy_tmm")}
THICKNESS_MEEP_UNITS = {"meep_thickness_nm": "nm", "meep_wavelength_nm": "nm", "meep_Q_total": "1",
                        "meep_tmm_wavelength_nm": "nm", "meep_tmm_Q_total": "1"}
DISPERSION_UNITS = {"angles_deg": "deg", "wavelength_s_nm": "nm", "Q_s": "1", "wavelength_p_nm": "nm", "Q_p": "1",
                    "n_above": "1", "meep_pol_is_p": "1", "meep_angle_nominal_deg": "deg", "meep_angle_deg": "deg",
                    "meep_wavelength_nm": "nm", "meep_Q": "1", "meep_tmm_wavelength_nm": "nm", "meep_tmm_Q": "1",
                    "meep_tmm_resonance_wavelength_nm": "nm", "meep_tmm_resonance_Q": "1", "meep_kx_per_um": "1/um"}
DISPERSION_MISSING = {k: "not_reached" for k in ("wavelength_s_nm", "Q_s", "wavelength_p_nm", "Q_p")}
CONVERGENCE_UNITS = {"resolution_px_per_um": "px/um", "pml_um": "um", "wavelength_nm": "nm", "Q_total": "1",
                     "tmm_wavelength_nm": "nm", "tmm_Q_total": "1"}


def tmm_mode_nearest(config: dict, stack_name: str, target_um: float) -> C.TMMMode:
    """The transfer-matrix mode (table data, normal incidence) nearest ``target_um``: the mode that
    mode_analysis analyses (its ``tmm_table``) and that the dispersion follows from normal incidence."""
    spec = config["cavity"]["stacks"][stack_name]
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    st = build_stack(config, stack_name)
    modes = [m for m in C.find_modes(st, spec["gain_group"], band, "table") if m.rho_abs > 0.5]
    if not modes:
        raise C.CavityError(f"no cavity mode of {stack_name!r} in {band[0]*1e3:g}-{band[1]*1e3:g} nm")
    return C.nearest_mode(modes, target_um)


def modal_group_index(mode: C.TMMMode, penetration: dict) -> float:
    """group_index of modes.h5: c tau_rt / (2 L_eff), tau_rt = d arg(rho) / d omega the round-trip
    group delay (um/c) of the mode, L_eff = spacer + both phase penetration depths (um)."""
    return mode.tau_rt / (2 * penetration["L_eff_um"])


def fit_band_um(wl_um: float, Q: float, data_um: tuple) -> tuple:
    """Band (um) of the Lorentz fit and of the narrow Harminv run around a mode: +-max(4%, 4/Q),
    clipped to the range of the optical data."""
    w = max(0.04, 4.0 / max(Q, 1.0))
    return (max(wl_um * (1 - w), data_um[0]), min(wl_um * (1 + w), data_um[1]))


def data_range_um(stack) -> tuple:
    """(min, max) wavelength (um) where every material of the stack has data."""
    lo = max(m.range_um[0] for m in stack.materials().values())
    hi = min(m.range_um[1] for m in stack.materials().values())
    return lo, hi


def mode_analysis(config: dict, stack_name: str, *, resolution: float, pml_um: float,
                  ringdown: float, target_um: float, spectrum: bool = True, profile: bool = True,
                  spectrum_resolution: float | None = None, spectrum_decay: float = 1e-5,
                  spectrum_linewidths: float = 4.0, bench: list | None = None) -> dict:
    """Analyse the mode nearest ``target_um`` of a configured cavity (normal incidence).

    Returns a flat dict of results (see keys) and appends run timings to ``bench``.
    """
    spec = config["cavity"]["stacks"][stack_name]
    group = spec["gain_group"]
    st = build_stack(config, stack_name)
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    bench = bench if bench is not None else []
    modes_tab = [m for m in C.find_modes(st, group, band, "table") if m.rho_abs > 0.5]
    if not modes_tab:
        raise C.CavityError(f"no cavity mode of {stack_name!r} in {band[0]*1e3:g}-{band[1]*1e3:g} nm")
    m_tab = C.nearest_mode(modes_tab, target_um)
    ref = m_tab.wavelength_um
    fband = fit_band_um(ref, m_tab.Q, data_range_um(st))
    # transfer matrix on Meep's own media, lossy and lossless
    m_meep = C.nearest_mode(C.find_modes(st, group, fband, "meep", wavelength_ref_um=ref, fit_band_um=fband), ref)
    lossless_all = [m for m in C.find_modes(st, group, band, "meep_lossless", wavelength_ref_um=ref) if m.rho_abs > 0.5]
    m_ll = C.nearest_mode(lossless_all, ref)
    # the complex pole on Meep's media (what Harminv measures; differs from the real-axis resonance by O(1/Q))
    try:
        pole = C.complex_pole(st, group, m_meep.freq_complex, m_meep.order, kx=0.0, pol="s", wavelength_ref_um=ref,
                              fit_band_um=fband)
    except C.CavityError:  # a cross-check only: never stops the analysis (stored flagged failed)
        pole = complex(np.nan, np.nan)
    out = {"stack": stack_name, "gain_group": group, "tmm_table": m_tab, "tmm_meep": m_meep, "tmm_lossless": m_ll,
           "tmm_modes_table": modes_tab, "fit_band_um": fband, "tmm_pole": pole}
    # Meep Harminv: absorption on (narrow band around the mode), profile at the mode
    h_on = harminv_modes(st, group, fband, resolution=resolution, pml_um=pml_um, model="meep",
                         wavelength_ref_um=ref, fit_band_um=fband, ringdown=ringdown,
                         profile_freq=(1.0 / m_meep.wavelength_um) if profile else None)
    bench.append({"run": f"harminv absorption on, {resolution:g} px/um", "wall_s": h_on.wall_s,
                  "steps": h_on.steps, "cells": h_on.cells, "mcups": h_on.mcups})
    i_on = match_harminv(h_on, m_meep, "absorption on", stack_name)
    # absorption off, whole band: every mode of the band
    h_off = harminv_modes(st, group, band, resolution=resolution, pml_um=pml_um, model="meep_lossless",
                          wavelength_ref_um=ref, ringdown=ringdown)
    bench.append({"run": f"harminv absorption off, {resolution:g} px/um", "wall_s": h_off.wall_s,
                  "steps": h_off.steps, "cells": h_off.cells, "mcups": h_off.mcups})
    i_off = match_harminv(h_off, m_ll, "absorption off", stack_name)
    Q_tot, Q_mir = float(h_on.Q[i_on]), float(h_off.Q[i_off])
    inv_abs = 1.0 / Q_tot - 1.0 / Q_mir
    Q_abs = 1.0 / inv_abs if inv_abs > 0 else np.inf
    out.update(h_on=h_on, h_off=h_off, i_on=i_on, i_off=i_off, Q_total=Q_tot, Q_mirror=Q_mir, Q_absorption=Q_abs,
               wavelength_um=1.0 / h_on.freq[i_on], wavelength_lossless_um=1.0 / h_off.freq[i_off])
    # TMM loss split (table data and Meep media)
    inv = 1.0 / m_meep.Q - 1.0 / m_ll.Q
    out["tmm_Q_absorption"] = 1.0 / inv if inv > 0 else np.inf
    # FDTD transmission linewidth (absorption on)
    if spectrum:
        sres = spectrum_resolution or resolution
        h_s = harminv_modes(st, group, fband, resolution=sres, pml_um=pml_um, model="meep",
                            wavelength_ref_um=ref, fit_band_um=fband, ringdown=ringdown)
        bench.append({"run": f"harminv absorption on, {sres:g} px/um (spectrum check)", "wall_s": h_s.wall_s,
                      "steps": h_s.steps, "cells": h_s.cells, "mcups": h_s.mcups})
        j = h_s.nearest(1.0 / m_meep.wavelength_um)
        f0, Qs = float(h_s.freq[j]), float(h_s.Q[j])
        freq = np.linspace(max(f0 - spectrum_linewidths * f0 / Qs, 1.0 / fband[1]),
                           min(f0 + spectrum_linewidths * f0 / Qs, 1.0 / fband[0]), 161)
        g0, g1 = st.group_span_um(group)
        rt = C.round_trip(st, group, np.array([ref]), "table")
        from_above = bool(abs(rt["r_up"][0]) < abs(rt["r_down"][0]))  # light through the leakier mirror
        sp = transmission_spectrum(st, freq, resolution=sres, pml_um=pml_um, model="meep", wavelength_ref_um=ref,
                                   fit_band_um=fband, decay=spectrum_decay, internal_s_um=g0 + 0.3 * (g1 - g0),
                                   from_above=from_above)
        bench.append({"run": f"transmission spectrum, {sres:g} px/um", "wall_s": sp.wall_s, "steps": sp.steps,
                      "cells": sp.cells, "mcups": sp.mcups})
        near = np.abs(sp.freq - f0) <= 2.0 * f0 / Qs
        lor = C.lorentzian_q(sp.freq[near], sp.internal[near], f0, f0 / Qs)
        lor_T = C.lorentzian_q(sp.freq[near], sp.T[near], f0, f0 / Qs)
        tm_T = C.stack_rt(st, 1.0 / sp.freq, "meep", fband, ref)["T"]
        out.update(spectrum_from_above=from_above, spectrum=sp, spectrum_lorentz=lor, spectrum_lorentz_T=lor_T, spectrum_harminv_Q=Qs, spectrum_harminv_f=f0,
                   spectrum_tmm_T=tm_T, spectrum_resolution=sres)
    # profile, confinement, effective length, group index
    zi = st.interfaces_um
    gspan = st.group_span_um(group)
    sp_groups = spec.get("spacer_groups") or [group]
    spans = [st.group_span_um(g) for g in sp_groups]
    spacer_span = (min(s[0] for s in spans), max(s[1] for s in spans))
    pen = C.penetration_depths(st, group, ref, "table", spacer_groups=tuple(sp_groups))
    n_layers = st.index_profile(ref)
    if profile:
        z = h_on.profile_z_um
        e2 = h_on.profile_e2 / h_on.profile_e2.max()
    else:
        z = np.linspace(-0.3, st.thickness_um + 0.3, 4000)
        e2 = C.tmm_mode_profile(st, group, m_tab, z)
    idx = np.clip(np.searchsorted(zi, z, side="right"), 0, len(n_layers) - 1)
    eps = np.array([(n_layers[i] ** 2).real for i in idx])
    conf = C.confinement_from_profile(z, e2, eps, gspan, spacer_span, (zi[0], zi[-1]))
    e2_tmm = C.tmm_mode_profile(st, group, m_tab, z)
    conf_tmm = C.confinement_from_profile(z, e2_tmm, eps, gspan, spacer_span, (zi[0], zi[-1]))
    d_a = gspan[1] - gspan[0]
    out.update(profile_z_um=z, profile_e2=e2, profile_e2_tmm=e2_tmm, profile_eps=eps, confinement=conf,
               confinement_tmm=conf_tmm, penetration=pen, gain_thickness_um=d_a,
               confinement_longitudinal=conf["standing_wave_enhancement"] * d_a / pen["L_eff_um"],
               group_index=modal_group_index(m_tab, pen),
               material_group_index=material_group_index(st, group, ref))
    # Lorentz-fit error at the mode of every tabulated material
    fits = {}
    from sims.materials import lorentz_fit, refractive_index
    for mat in st.materials().values():
        if mat.model == "tabulated":
            fit = lorentz_fit(mat, tuple(fband), float(ref))
            wl_m = out["wavelength_um"]
            d = np.sqrt(complex(fit.epsilon(1.0 / wl_m))) - complex(refractive_index(mat, wl_m))
            fits[mat.name] = {"dn_at_mode": float(d.real), "dk_at_mode": float(d.imag),
                              "k_table_at_mode": float(refractive_index(mat, wl_m).imag),
                              "max_dn_band": fit.max_dn, "max_dk_band": fit.max_dk}
    out["fit_errors"] = fits
    return out


def match_harminv(h, mode, label: str, stack_name: str) -> int:
    """Index of the Harminv mode that is the transfer-matrix mode (within 3 linewidths or 0.3%)."""
    f = 1.0 / mode.wavelength_um
    if h.freq.size == 0:
        raise C.CavityError(f"{stack_name}: Harminv ({label}) found no mode in the band; expected one at "
                            f"{mode.wavelength_um * 1e3:.2f} nm (increase cavity.ringdown_time)")
    i = h.nearest(f)
    tol = max(3 * f / mode.Q, 3e-3 * f)
    if abs(h.freq[i] - f) > tol:
        raise C.CavityError(f"{stack_name}: Harminv ({label}) found no mode near the transfer-matrix mode at "
                            f"{mode.wavelength_um * 1e3:.2f} nm (nearest {1e3 / h.freq[i]:.2f} nm); "
                            "increase cavity.ringdown_time")
    return i


def material_group_index(stack, group, wl_um):
    """Group index n - lambda dn/dlambda of the gain material at wl_um (table data, central
    difference with h = 2 nm)."""
    mat = [l.material for l in stack.layers if l.group == group][0]
    from sims.materials import refractive_index

    h = 2e-3
    n0 = float(refractive_index(mat, wl_um).real)
    dn = float((refractive_index(mat, wl_um + h) - refractive_index(mat, wl_um - h)).real) / (2 * h)
    return n0 - wl_um * dn


def thickness_study(config: dict, stack_name: str, thicknesses_nm, target_um: float, pump_um: float) -> dict:
    """Gain-layer thickness sweep (transfer matrix): all mode wavelengths, and for the mode nearest
    the target: Q (absorption on / off), energy confinement (transfer-matrix profile) and the pump
    fraction absorbed in the layer. The Meep points of the study: :func:`thickness_meep` (validation)."""
    spec = config["cavity"]["stacks"][stack_name]
    group = spec["gain_group"]
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    base = build_stack(config, stack_name)
    j = C.group_layer_index(base, group)
    tk = np.asarray(thicknesses_nm, float)
    all_wl = np.full((tk.size, 12), np.nan)
    wl, Q, Qm, conf, pump = (np.full(tk.size, np.nan) for _ in range(5))
    for i, t in enumerate(tk):
        st = base.with_thickness(group, t / 1e3)
        ms = [m for m in C.find_modes(st, group, band, "table", 2000) if m.rho_abs > 0.5]
        for k, m in enumerate(ms[:12]):
            all_wl[i, k] = m.wavelength_um * 1e3
        pump[i] = C.layer_absorption(st, pump_um)[j]
        if not ms:
            continue
        m = C.nearest_mode(ms, target_um)
        wl[i], Q[i] = m.wavelength_um * 1e3, m.Q
        ll = [x for x in C.find_modes(st, group, band, "meep_lossless", 2000, wavelength_ref_um=m.wavelength_um)
              if x.rho_abs > 0.5]
        Qm[i] = C.nearest_mode(ll, m.wavelength_um).Q if ll else np.nan
        z = np.linspace(0, st.thickness_um, 6000)
        e2 = C.tmm_mode_profile(st, group, m, z)
        zi = st.interfaces_um
        n_l = st.index_profile(m.wavelength_um)
        idx = np.clip(np.searchsorted(zi, z, side="right"), 0, len(n_l) - 1)
        eps = np.array([(n_l[q] ** 2).real for q in idx])
        gs = st.group_span_um(group)
        conf[i] = C.confinement_from_profile(z, e2, eps, gs, gs, (zi[0], zi[-1]))["confinement_energy"]
    return {"thickness_nm": tk, "all_mode_wavelengths_nm": all_wl, "wavelength_nm": wl, "Q_total_tmm": Q,
            "Q_mirror_tmm": Qm, "confinement_energy_tmm": conf, "pump_absorbed_fraction": pump}


def thickness_meep(config: dict, stack_name: str, thicknesses_nm, target_um: float, meep_points: int,
                   resolution: float, pml_um: float, ringdown: float, bench: list | None = None) -> dict:
    """Meep cross-check of the thickness study (validation target): Harminv (absorption on) of the
    mode nearest the target at ``meep_points`` thicknesses evenly spread over ``thicknesses_nm``
    (its first ``meep_points`` when fewer than 2), beside the transfer-matrix mode (table data)
    that starts it. A thickness without a mode (transfer matrix or Harminv) is left out of the rows."""
    spec = config["cavity"]["stacks"][stack_name]
    group = spec["gain_group"]
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    base = build_stack(config, stack_name)
    tk = np.asarray(thicknesses_nm, float)
    mt = np.linspace(tk.min(), tk.max(), meep_points) if meep_points > 1 else tk[:meep_points]
    rows = []
    for t in mt:
        st = base.with_thickness(group, t / 1e3)
        ms = [m for m in C.find_modes(st, group, band, "table", 2000) if m.rho_abs > 0.5]
        if not ms:
            continue
        m = C.nearest_mode(ms, target_um)
        fb = fit_band_um(m.wavelength_um, m.Q, data_range_um(st))
        h = harminv_modes(st, group, fb, resolution=resolution, pml_um=pml_um, model="meep",
                          wavelength_ref_um=m.wavelength_um, fit_band_um=fb, ringdown=ringdown)
        if bench is not None:
            bench.append({"run": f"thickness study harminv {t:.0f} nm", "wall_s": h.wall_s, "steps": h.steps,
                          "cells": h.cells, "mcups": h.mcups})
        if h.freq.size:
            q = h.nearest(1.0 / m.wavelength_um)
            rows.append((t, 1e3 / h.freq[q], h.Q[q], m.wavelength_um * 1e3, m.Q))
    r = np.array(rows, float).reshape(-1, 5)
    return {"meep_thickness_nm": r[:, 0], "meep_wavelength_nm": r[:, 1], "meep_Q_total": r[:, 2],
            "meep_tmm_wavelength_nm": r[:, 3], "meep_tmm_Q_total": r[:, 4]}


def dispersion(config: dict, stack_name: str, angles_deg, start_um: float, meep_angles=(),
               resolution: float = 400, pml_um: float = 1.0, ringdown: float = 200, bench=None) -> dict:
    """Resonance wavelength and Q against angle in the ``above`` medium, s and p (transfer matrix,
    table data). The mode is followed from ``start_um`` at normal incidence."""
    spec = config["cavity"]["stacks"][stack_name]
    group = spec["gain_group"]
    st = build_stack(config, stack_name)
    n_out = float(st.above.n if st.above.model == "constant" else np.real(st.index_profile(start_um)[-1]))
    band = (spec["wavelength_min_nm"] / 1e3 * 0.9, spec["wavelength_max_nm"] / 1e3)
    lo_data = data_range_um(st)[0]
    band = (max(band[0], lo_data), band[1])
    ang = np.asarray(angles_deg, float)
    res = {}
    for pol in ("s", "p"):
        wl, Q = np.full(ang.size, np.nan), np.full(ang.size, np.nan)
        prev = start_um
        for i, a in enumerate(ang):
            s_par = n_out * np.sin(np.radians(a))
            ms = [m for m in C.find_modes(st, group, band, "table", 2000, s_par=s_par, pol=pol) if m.rho_abs > 0.5]
            if ms:
                m = C.nearest_mode(ms, prev)
                wl[i], Q[i], prev = m.wavelength_um * 1e3, m.Q, m.wavelength_um
        res[pol] = (wl, Q)
    out = {"angles_deg": ang, "wavelength_s_nm": res["s"][0], "Q_s": res["s"][1],
           "wavelength_p_nm": res["p"][0], "Q_p": res["p"][1], "n_above": n_out}
    if meep_angles:
        out.update(dispersion_meep(st, group, band, n_out, start_um, meep_angles, resolution, pml_um, ringdown, bench))
    return out


def dispersion_meep(st, group, band, n_out, start_um, angles, resolution, pml_um, ringdown, bench):
    """Meep check of the dispersion at a few angles: 2D Bloch cell at kx = n_out sin(theta) / lambda_TMM.
    Reference (meep_tmm_*): the transfer-matrix complex pole at the same fixed kx on Meep's media
    (sims.cavity.complex_pole), the quantity Harminv measures. Also kept (meep_tmm_resonance_*): the
    real-axis resonance (arg rho = 2 pi m) at the Meep frequency's n sin(theta) = kx lambda with its
    one-step Q, which for the low-Q microcavity I differs from the pole by 5-7 nm at 30 deg."""
    from sims.cavity_modes import harminv_oblique

    rows = []
    for pol in ("s", "p"):
        for a in angles:
            s_par = n_out * np.sin(np.radians(a))
            ms = [m for m in C.find_modes(st, group, band, "table", 2000, s_par=s_par, pol=pol) if m.rho_abs > 0.5]
            if not ms:
                continue
            m = C.nearest_mode(ms, start_um)
            fb = fit_band_um(m.wavelength_um, m.Q, data_range_um(st))
            kx = s_par / m.wavelength_um
            h = harminv_oblique(st, group, fb, kx, pol, resolution=resolution, pml_um=pml_um, model="meep",
                                wavelength_ref_um=m.wavelength_um, fit_band_um=fb, ringdown=ringdown)
            if bench is not None:
                bench.append({"run": f"oblique {pol} {a:g} deg, {resolution:g} px/um", "wall_s": h.wall_s,
                              "steps": h.steps, "cells": h.cells, "mcups": h.mcups})
            if h.freq.size == 0:
                continue
            j = h.nearest(1.0 / m.wavelength_um)
            wl_m = 1.0 / h.freq[j]
            # the like-for-like reference: the complex pole at the same fixed kx on Meep's media; the
            # real-axis resonance at the Meep frequency's angle is kept beside it (it is not what
            # Harminv measures: for Q ~ 15-20 they differ by several nm, see complex_pole)
            ref = C.nearest_mode(C.find_modes(st, group, fb, "meep", 2000, wavelength_ref_um=m.wavelength_um,
                                              s_par=kx * wl_m, pol=pol, fit_band_um=fb), wl_m)
            mm = C.nearest_mode(C.find_modes(st, group, fb, "meep", 2000, wavelength_ref_um=m.wavelength_um,
                                             s_par=s_par, pol=pol, fit_band_um=fb), m.wavelength_um)
            fp = C.complex_pole(st, group, mm.freq_complex, mm.order, kx=kx, pol=pol,
                                wavelength_ref_um=m.wavelength_um, fit_band_um=fb)
            rows.append((0 if pol == "s" else 1, a, np.degrees(np.arcsin(min(kx * wl_m / n_out, 1.0))),
                         wl_m * 1e3, h.Q[j], 1e3 / fp.real, fp.real / (-2 * fp.imag), ref.wavelength_um * 1e3, ref.Q,
                         kx))
    r = np.array(rows, float).reshape(-1, 10)
    return {"meep_pol_is_p": r[:, 0], "meep_angle_nominal_deg": r[:, 1], "meep_angle_deg": r[:, 2],
            "meep_wavelength_nm": r[:, 3], "meep_Q": r[:, 4], "meep_tmm_wavelength_nm": r[:, 5], "meep_tmm_Q": r[:, 6],
            "meep_tmm_resonance_wavelength_nm": r[:, 7], "meep_tmm_resonance_Q": r[:, 8], "meep_kx_per_um": r[:, 9]}


def target_mode(config: dict, stack_name: str, target_um: float):
    """(stack, gain group, transfer-matrix mode nearest ``target_um`` among the modes confined in the
    gain layer (|rho| > 0.5, tabulated media), the Meep fit band around it in um)."""
    spec = config["cavity"]["stacks"][stack_name]
    group = spec["gain_group"]
    st = build_stack(config, stack_name)
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    m = C.nearest_mode([x for x in C.find_modes(st, group, band, "table") if x.rho_abs > 0.5], target_um)
    return st, group, m, fit_band_um(m.wavelength_um, m.Q, data_range_um(st))


def convergence(config: dict, stack_name: str, target_um: float, resolutions, pmls, ringdown: float,
                bench: list | None = None) -> dict:
    """Harminv wavelength and Q (absorption on) against resolution (at the first PML) and PML thickness
    (at the highest resolution <= 400 px/um)."""
    st, group, m, fb = target_mode(config, stack_name, target_um)
    mm = C.nearest_mode(C.find_modes(st, group, fb, "meep", wavelength_ref_um=m.wavelength_um, fit_band_um=fb),
                        m.wavelength_um)
    rows = []
    pml0 = float(config["simulation"]["pml_um"])
    res_pml = max([r for r in resolutions if r <= 400] or [min(resolutions)])
    combos = [(float(r), pml0) for r in resolutions] + [(float(res_pml), float(p)) for p in pmls if p != pml0]
    for r, p in combos:
        h = harminv_modes(st, group, fb, resolution=r, pml_um=p, model="meep", wavelength_ref_um=m.wavelength_um,
                          fit_band_um=fb, ringdown=ringdown)
        if bench is not None:
            bench.append({"run": f"convergence {r:g} px/um PML {p:g} um", "wall_s": h.wall_s, "steps": h.steps,
                          "cells": h.cells, "mcups": h.mcups})
        q = h.nearest(1.0 / mm.wavelength_um)
        rows.append((r, p, 1e3 / h.freq[q], h.Q[q]))
    a = np.array(rows, float)
    return {"resolution_px_per_um": a[:, 0], "pml_um": a[:, 1], "wavelength_nm": a[:, 2], "Q_total": a[:, 3],
            "tmm_wavelength_nm": mm.wavelength_um * 1e3, "tmm_Q_total": mm.Q}



def cavity_step(config: dict, stack_name: str) -> dict:
    """The default rule cavity_modes for one stack: the mode chain of :func:`mode_analysis` on the
    working (calibrated) config; when calibrated, the as-given mode by Meep too (absorption on and
    off, runs labelled "as given: " in ``bench``); the transfer-matrix thickness study (stacks with
    ``thickness_sweep``) and dispersion. Returns dict ma, as_given (TMM mode of the stack as
    configured), as_given_meep, thick, disp, mode_choice, calibration, entry, bench."""
    cav, sim = config["cavity"], config["simulation"]
    spec = cav["stacks"][stack_name]
    bench: list = []
    as_given_modes = C.cavity_modes_tmm(config, stack_name)
    if not as_given_modes:
        raise C.CavityError(f"no cavity mode of {stack_name!r} in its band")
    as_given = C.nearest_mode(as_given_modes, spec["target_wavelength_nm"] / 1e3)
    wc = C.working_config(config, stack_name)
    work, target = wc["config"], wc["target_um"]
    res1d, pml = float(sim["resolution_1d_px_per_um"]), float(sim["pml_um"])
    ma = mode_analysis(work, stack_name, resolution=res1d, pml_um=pml, ringdown=cav["ringdown_time"],
                       target_um=target, spectrum_resolution=cav["spectrum_resolution_px_per_um"],
                       spectrum_decay=cav["spectrum_decay_threshold"],
                       spectrum_linewidths=cav["spectrum_linewidths"], bench=bench)
    as_given_meep = None
    if wc["calibration"] is not None:
        n_runs = len(bench)
        as_given_meep = mode_analysis(config, stack_name, resolution=res1d, pml_um=pml, ringdown=cav["ringdown_time"],
                                      target_um=as_given.wavelength_um, spectrum=False, profile=False, bench=bench)
        for b in bench[n_runs:]:
            b["run"] = f"as given: {b['run']}"
    thick = None
    if spec.get("thickness_sweep"):
        sw = cav["thickness_sweep_nm"]
        thick = thickness_study(work, stack_name, np.linspace(sw["min"], sw["max"], sw["n"]), target,
                                cav["pump_wavelength_nm"] / 1e3)
    disp = dispersion(work, stack_name, cav["angles_deg"], ma["tmm_table"].wavelength_um)
    return {"ma": ma, "as_given": as_given, "as_given_meep": as_given_meep, "thick": thick, "disp": disp,
            "mode_choice": wc["mode_choice"], "calibration": wc["calibration"], "entry": wc["entry"], "bench": bench}


def validation_step(config: dict, stack_name: str) -> dict:
    """The validation rule cavity_validation for one stack: Meep points of the thickness study
    (stacks with ``thickness_sweep`` and thickness_sweep_meep_points > 0), the dispersion with its
    Meep 2D-Bloch points, the convergence table; on the working config, recomputed here (reads
    nothing of modes.h5). Returns dict thick, disp, conv, mode_choice, entry, bench."""
    cav, sim = config["cavity"], config["simulation"]
    spec = cav["stacks"][stack_name]
    bench: list = []
    wc = C.working_config(config, stack_name)
    work, target = wc["config"], wc["target_um"]
    res1d, pml, ring = float(sim["resolution_1d_px_per_um"]), float(sim["pml_um"]), cav["ringdown_time"]
    start = tmm_mode_nearest(work, stack_name, target).wavelength_um
    thick = None
    if spec.get("thickness_sweep") and cav["thickness_sweep_meep_points"] > 0:
        sw = cav["thickness_sweep_nm"]
        thick = thickness_meep(work, stack_name, np.linspace(sw["min"], sw["max"], sw["n"]), target,
                               cav["thickness_sweep_meep_points"], res1d, pml, ring, bench)
    disp = dispersion(work, stack_name, cav["angles_deg"], start, cav["dispersion_meep_angles_deg"], res1d, pml,
                      ring, bench)
    conv = convergence(work, stack_name, target, cav["convergence_resolutions_px_per_um"], cav["convergence_pml_um"],
                       ring, bench)
    return {"thick": thick, "disp": disp, "conv": conv, "mode_choice": wc["mode_choice"], "entry": wc["entry"],
            "bench": bench}
