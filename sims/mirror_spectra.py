"""The mirror step: R, T, A of each configured DBR between its media, 1D Meep vs transfer matrix.

Method: the DBR (``sims.stack.build_mirror``) is lit from its ``below`` medium. Meep runs at
normal incidence (pure 1D cell, p = s) and, in the validation step, at ``n_kx`` fixed in-plane
wavevectors per polarization (s, p); the transfer matrix (``tmm``) runs at exactly the same
(f, kx) points with the permittivities Meep uses, and exactly at the configured angles. Both
building blocks live in :mod:`sims.stack_rta`. Fixed-kx spectra are interpolated onto fixed
angles linearly in sin(theta) (:func:`to_angles`). Metrics: RMS |R_Meep - R_tmm|, stop-band
edges (R = ``STOP_BAND_LEVEL`` crossings), |A_Meep - A_tmm| (energy), unsettled frequencies of
time-capped runs, and the paper's claims (:mod:`sims.mirror_claims`).

Units: wavelengths in nm, frequencies f = 1/wavelength_um and kx in 1/um (Meep units, no 2 pi),
R, T, A fractions of the incident power. Nothing here writes files or plots:
:func:`spectra_h5_content` gives the datasets, units and attributes of spectra.h5, and the
entry script writes them through :mod:`sims.results` (figure: :mod:`sims.plots.mirrors`).
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from sims.config import mirror_band_nm, register_check
from sims.mirror_claims import evaluate_claims
from sims.results import FLAG_CODES, Flagged
from sims.stack import Stack
from sims.stack_rta import POLARIZATIONS, meep_indices, stack_rta_meep, stack_rta_tmm

STOP_BAND_LEVEL = 0.9
"""R level whose crossings define the stop-band edges. 0.5 is ill-conditioned on these DBRs:
the first side lobe of dbr2 (NOA81 | DBR | FAPbI3) peaks at R ~ 0.5 next to the band, so a 0.03
difference moved the "edge" by 8 nm; the main band's flanks are steep at 0.9."""


# ---------------------------------------------------------------------------------------
# analysis helpers
# ---------------------------------------------------------------------------------------
def to_angles(sweep: dict, kx_um_inv, freqs_um_inv, n_below: float, angles_deg) -> dict:
    """Interpolate fixed-kx spectra onto fixed angles in the incidence medium.

    At each frequency the sweep gives R(u) at u = sin(theta) = kx / (n_below f); R, T and A
    are interpolated linearly in u, with the exact grazing limit (u = 1: R = 1, T = A = 0)
    as the last node, so every angle below 90 degrees is bracketed.

    Args:
        sweep: dict R, T, A of arrays (n_kx, n_freqs), NaN where evanescent.
        kx_um_inv: (n_kx,) in-plane wavevectors, 1/um, ascending, kx[0] = 0.
        freqs_um_inv: (n_freqs,) frequencies, 1/um.
        n_below: (real) index of the incidence medium.
        angles_deg: angles in the incidence medium, degrees.
    Returns:
        dict R, T, A of arrays (n_angles, n_freqs).
    """
    kx = np.asarray(kx_um_inv, dtype=float)
    f = np.asarray(freqs_um_inv, dtype=float)
    u_targets = np.sin(np.radians(np.asarray(angles_deg, dtype=float)))
    out = {q: np.full((u_targets.size, f.size), np.nan) for q in ("R", "T", "A")}
    grazing = {"R": 1.0, "T": 0.0, "A": 0.0}
    for j, fj in enumerate(f):
        u = kx / (n_below * fj)
        ok = (u < 1.0) & np.isfinite(sweep["R"][:, j])
        for q in out:
            uu = np.append(u[ok], 1.0)
            vv = np.append(sweep[q][ok, j], grazing[q])
            out[q][:, j] = np.interp(u_targets, uu, vv)
    return out


def stop_band_edges_nm(wavelength_nm, R, level: float = 0.5, center_nm: float | None = None):
    """Short and long edges of the stop band: where R crosses ``level`` (linear interpolation).

    The stop band is the contiguous run of samples with R >= level that contains
    ``center_nm`` (default: the sample of largest R). Returns (nan, nan) when there is no
    such run, and an edge is nan where the run reaches the end of the band.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    R = np.asarray(R, dtype=float)
    order = np.argsort(wl)
    wl, R = wl[order], R[order]
    i0 = int(np.nanargmax(R)) if center_nm is None else int(np.argmin(np.abs(wl - center_nm)))
    if not R[i0] >= level:
        return float("nan"), float("nan")
    lo = i0
    while lo > 0 and R[lo - 1] >= level:
        lo -= 1
    hi = i0
    while hi < wl.size - 1 and R[hi + 1] >= level:
        hi += 1

    def cross(a, b):
        return float(wl[a] + (level - R[a]) * (wl[b] - wl[a]) / (R[b] - R[a]))

    short = cross(lo - 1, lo) if lo > 0 else float("nan")
    long_ = cross(hi, hi + 1) if hi < wl.size - 1 else float("nan")
    return short, long_


def quarter_wave_nm(stack: Stack) -> float:
    """Design wavelength 2 * sum(n d) over one period of a two-material DBR (nm), Re n at 0.8 um."""
    from sims.materials import refractive_index

    nd = sum(float(refractive_index(l.material, 0.8).real) * l.thickness_um for l in stack.layers[:2])
    return 2.0 * nd * 1e3


def rms(x) -> float:
    """Root mean square over the finite entries of ``x`` (NaN when there are none)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x**2))) if x.size else float("nan")


# ---------------------------------------------------------------------------------------
# one DBR between its media: normal incidence, kx sweep, angles, tmm, metrics
# ---------------------------------------------------------------------------------------
def mirror_settings(config: dict, mirror: str) -> dict:
    """The numbers :func:`compute_mirror_spectra` uses, from a (sub-)config."""
    ms = config["mirror_spectra"]
    sim = config["simulation"]
    entry = ms["mirrors"][mirror]
    lo = entry.get("wavelength_min_nm", ms["wavelength_min_nm"])
    hi = entry.get("wavelength_max_nm", ms["wavelength_max_nm"])
    return {
        "mirror": mirror, "below": entry["below"], "above": entry["above"],
        "band_nm": (float(lo), float(hi)), "n_wavelengths": int(ms["n_wavelengths"]),
        "angles_deg": [float(a) for a in ms.get("angles_deg", [0.0])], "n_kx": int(ms.get("n_kx", 2)),
        "resolution_px_per_um": float(sim["resolution_1d_px_per_um"]), "pml_um": float(sim["pml_um"]),
        "decay_threshold": float(ms["decay_threshold"] if "decay_threshold" in ms else sim["decay_threshold"]),
        "courant": float(ms.get("courant", 0.95)),
        "oblique_time_factor": float(ms.get("oblique_time_factor", 1.5)),
        "settle_tolerance": float(ms.get("settle_tolerance", 2e-3)),
        "claims": [c for c in ms.get("claims", []) if c["mirror"] == mirror],
    }


def mirror_band(config: dict, mirror: str):
    """(settings, stack, wavelength_nm, f 1/um, band_um, reference wavelength um) of a mirror step."""
    from sims.stack import build_mirror

    st = mirror_settings(config, mirror)
    stack = build_mirror(config, mirror, st["below"], st["above"])
    lo, hi = st["band_nm"]
    wavelength_nm = np.linspace(lo, hi, st["n_wavelengths"])
    f = 1e3 / wavelength_nm
    return st, stack, wavelength_nm, f, (lo / 1e3, hi / 1e3), 2.0 / (f.min() + f.max())


def tmm_at_angles(stack: Stack, freqs_um_inv, n_below: float, angles_deg, pol: str, indices) -> dict:
    """R, T, A by transfer matrix exactly at fixed angles in the incidence medium.

    At each frequency f the in-plane wavevector is kx = n_below f sin(theta), so every
    (angle, frequency) point is one :func:`sims.stack_rta.stack_rta_tmm` call at its own kx.

    Args:
        stack: the stack; freqs_um_inv: (n_freqs,) frequencies, 1/um.
        n_below: real index of the incidence medium; angles_deg: angles in it, degrees.
        pol: "s" or "p"; indices: :func:`sims.stack_rta.meep_indices` (n_freqs, n_layers + 2).
    Returns:
        dict R, T, A of arrays (n_angles, n_freqs).
    """
    f = np.asarray(freqs_um_inv, dtype=float)
    exact = {q: np.empty((len(angles_deg), f.size)) for q in "RTA"}
    for a, ang in enumerate(angles_deg):
        for j, fj in enumerate(f):
            t = stack_rta_tmm(stack, [fj], n_below * fj * math.sin(math.radians(ang)), pol,
                              indices=indices[j:j + 1])
            for q in "RTA":
                exact[q][a, j] = t[q][0]
    return exact


def normal_metrics(wavelength_nm, normal: dict, quarter_wave: float) -> dict:
    """Meep vs tmm at normal incidence: RMS and max |dR|, RMS |dT|, max |dA| and the stop-band
    edges (``STOP_BAND_LEVEL`` crossings of the band around the quarter-wave wavelength, nm).

    Args:
        wavelength_nm: (n,) wavelengths; normal: {"meep": {R, T, A}, "tmm": {R, T, A}} arrays (n,).
        quarter_wave: design wavelength of the DBR, nm (:func:`quarter_wave_nm`).
    """
    dR = normal["meep"]["R"] - normal["tmm"]["R"]
    edges_meep = stop_band_edges_nm(wavelength_nm, normal["meep"]["R"], STOP_BAND_LEVEL, quarter_wave)
    edges_tmm = stop_band_edges_nm(wavelength_nm, normal["tmm"]["R"], STOP_BAND_LEVEL, quarter_wave)
    return {
        "rms_dR": rms(dR), "max_abs_dR": float(np.nanmax(np.abs(dR))),
        "rms_dT": rms(normal["meep"]["T"] - normal["tmm"]["T"]),
        "max_abs_dA": float(np.nanmax(np.abs(normal["meep"]["A"] - normal["tmm"]["A"]))),
        "quarter_wave_nm": quarter_wave,
        "stop_band_definition": f"R = {STOP_BAND_LEVEL} crossings (linear interpolation between samples) of the contiguous R >= {STOP_BAND_LEVEL} region containing the quarter-wave wavelength 2*sum(n d)",
        "edges_meep_nm": list(edges_meep), "edges_tmm_nm": list(edges_tmm),
        "edge_errors_nm": [edges_meep[0] - edges_tmm[0], edges_meep[1] - edges_tmm[1]],
    }


def sweep_metrics(sweep: dict, angle: dict, kx_um_inv, wavelength_nm, settle_tolerance: float) -> dict:
    """Meep vs tmm over the kx sweep of one polarization, with the unsettled frequencies.

    A (kx, f) point is unsettled when Meep's R or T still moved by more than
    ``settle_tolerance`` over the last part of its (time-capped) run; ``*_settled`` leave those
    out. Also the error of the angle interpolation (tmm interpolated vs tmm at the angle).

    Args:
        sweep: {"meep": {R, T, A, settle}, "tmm": {R, T, A}} arrays (n_kx, n_freqs), NaN where
            not computed; angle: {"meep", "tmm", "tmm_exact"} -> {R, ...} (n_angles, n_freqs).
        kx_um_inv: (n_kx,) 1/um; wavelength_nm: (n_freqs,); settle_tolerance: fraction.
    """
    dR = sweep["meep"]["R"] - sweep["tmm"]["R"]
    dA = sweep["meep"]["A"] - sweep["tmm"]["A"]
    interp_err = angle["tmm"]["R"] - angle["tmm_exact"]["R"]
    settle = sweep["meep"]["settle"]
    unsettled = np.isfinite(dR) & (settle > settle_tolerance)
    dR_settled = np.where(unsettled, np.nan, dR)
    return {
        "rms_dR": rms(dR), "max_abs_dR": float(np.nanmax(np.abs(dR))),
        "max_abs_dA": float(np.nanmax(np.abs(dA))),
        "n_points": int(np.isfinite(dR).sum()),
        "n_unsettled": int(unsettled.sum()),
        "rms_dR_settled": rms(dR_settled),
        "max_abs_dR_settled": float(np.nanmax(np.abs(dR_settled))),
        "unsettled_points": [
            {"kx_um_inv": float(kx_um_inv[i]), "wavelength_nm": float(wavelength_nm[j]),
             "R_meep": float(sweep["meep"]["R"][i, j]), "R_tmm": float(sweep["tmm"]["R"][i, j]),
             "settle": float(settle[i, j])} for i, j in zip(*np.nonzero(unsettled))],
        "angle_interpolation_rms_dR": rms(interp_err),
        "angle_interpolation_max_abs_dR": float(np.nanmax(np.abs(interp_err))),
        "angles_rms_dR_meep_vs_exact_tmm": rms(angle["meep"]["R"] - angle["tmm_exact"]["R"]),
    }


def compute_mirror_spectra(config: dict, mirror: str, log=print, oblique: bool = False) -> dict:
    """R, T, A of one configured DBR between its media, by 1D Meep and by tmm.

    Always: normal incidence by Meep (pure 1D, p = s there) and tmm at the same frequencies,
    and tmm exactly at the configured angles (the angle dependence to expect). With
    ``oblique`` (the validation step) also a Meep sweep of ``n_kx`` in-plane wavevectors per
    polarization, kx from 0 to n_below f_max sin(max angle), each run capped at
    ``oblique_time_factor`` x the normal-incidence run time; tmm at exactly the Meep (f, kx)
    points; both interpolated onto the configured angles. The normal-incidence numbers are
    the same with and without ``oblique`` (the normal run comes first and is never capped).

    Args:
        config: a validated config (or the sub-config of the rule) with ``mirrors``,
            ``materials``, ``simulation`` and ``mirror_spectra``.
        mirror: name under ``mirror_spectra.mirrors``.
        log: callable for progress lines.
        oblique: also run the kx sweep (``n_kx``, ``oblique_time_factor``,
            ``settle_tolerance`` are used only then).
    Returns:
        dict with ``settings``, ``oblique``, arrays (``wavelength_nm``, ``freqs_um_inv``,
        ``kx_um_inv``, ``normal``, ``angle``; with ``oblique`` also ``sweep``) and ``metrics``.
        Without ``oblique``, ``kx_um_inv`` is [0], ``sweep`` is None and ``angle`` holds
        ``tmm_exact`` only.
    """
    from sims.materials import refractive_index

    st, stack, wavelength_nm, f, band_um, wl_ref = mirror_band(config, mirror)
    n_below = float(refractive_index(stack.below, wl_ref).real)
    kx_max = n_below * f.max() * math.sin(math.radians(max(st["angles_deg"])))
    kx = np.linspace(0.0, kx_max, st["n_kx"]) if oblique else np.zeros(1)
    meep_kw = dict(resolution_px_per_um=st["resolution_px_per_um"], pml_um=st["pml_um"],
                   decay_threshold=st["decay_threshold"], courant=st["courant"],
                   wavelength_ref_um=wl_ref, band_um=band_um)
    idx = meep_indices(stack, f, wl_ref, band_um)
    t_start = time.perf_counter()
    sweep = {pol: {m: {q: np.full((kx.size, f.size), np.nan) for q in "RTA"} for m in ("meep", "tmm")}
             for pol in POLARIZATIONS}
    for pol in POLARIZATIONS:
        sweep[pol]["meep"]["settle"] = np.full((kx.size, f.size), np.nan)
    run_times, capped = [], []
    cap = None
    # normal incidence first (pure 1D, p = s): its decay time sets the cap of the oblique runs
    order = [("p", 0)] + [(pol, i) for pol in POLARIZATIONS for i in range(1, kx.size)]
    for pol, i in order:
        k = kx[i]
        r = stack_rta_meep(stack, f, k, pol, max_time_after_sources=cap, **meep_kw)
        if i == 0:
            cap = st["oblique_time_factor"] * r["meep_time"]
        t = stack_rta_tmm(stack, f, k, pol, indices=idx)
        run_times.append(r["wall_time_s"])
        if r["capped"]:
            capped.append([pol, float(k)])
        computed = np.isfinite(r["R"])  # Meep leaves out near-grazing frequencies (max_sin_theta)
        for q in "RTA":
            sweep[pol]["meep"][q][i] = r[q]
            sweep[pol]["tmm"][q][i] = np.where(computed, t[q], np.nan)
        sweep[pol]["meep"]["settle"][i] = r["settle"]
        n_open = int(np.sum(r["settle"] > st["settle_tolerance"]))
        log(f"{mirror}: pol {pol} kx {k:.4f}/um: {r['wall_time_s']:.1f} s wall, "
            f"{r['meep_time']:.0f} time units{' (capped)' if r['capped'] else ''}, "
            f"RMS |dR| vs tmm {rms(r['R'] - t['R']):.4f}"
            + (f", {n_open} frequencies not settled" if oblique else ""))
    for m in ("meep", "tmm"):
        for q in "RTA":
            sweep["s"][m][q][0] = sweep["p"][m][q][0]
    sweep["s"]["meep"]["settle"][0] = sweep["p"]["meep"]["settle"][0]
    normal = {m: {q: sweep["p"][m][q][0].copy() for q in "RTA"} for m in ("meep", "tmm")}
    angle = {}
    for pol in POLARIZATIONS:
        if oblique:
            angle[pol] = {m: to_angles(sweep[pol][m], kx, f, n_below, st["angles_deg"]) for m in ("meep", "tmm")}
        else:
            angle[pol] = {}
        angle[pol]["tmm_exact"] = tmm_at_angles(stack, f, n_below, st["angles_deg"], pol, idx)
    wall = time.perf_counter() - t_start

    # metrics
    lossless = all(abs(complex(v).imag) < 1e-12 for v in idx.ravel())
    metrics = {
        "mirror": mirror, "below": st["below"], "above": st["above"], "pairs": len(stack.layers) // 2,
        "resolution_px_per_um": st["resolution_px_per_um"], "decay_threshold": st["decay_threshold"],
        "courant": st["courant"],
        "incidence": ("normal incidence and a kx sweep (s, p) by Meep; tmm at the same points and at the angles"
                      if oblique else
                      "normal incidence only by Meep; angle dependence by tmm alone (the Meep kx sweep is the "
                      "validation step, results/validation/mirrors)"),
        "n_wavelengths": st["n_wavelengths"], "band_nm": list(st["band_nm"]),
        "wall_time_s": wall, "meep_runs": len(run_times), "meep_run_wall_times_s": run_times,
        "normal": normal_metrics(wavelength_nm, normal, quarter_wave_nm(stack)),
        "lossless": lossless,
        "energy_note": "A = 1 - R - T by definition, so R + T + A = 1 exactly; the conservation check is |A_meep - A_tmm| (for lossless mirrors A_tmm = 0, so it is |1 - R - T| of Meep)",
    }
    if oblique:
        metrics.update({
            "n_kx": st["n_kx"], "kx_max_um_inv": float(kx_max),
            "oblique_time_cap": cap, "capped_runs_pol_kx": capped,
            "settle_tolerance": st["settle_tolerance"],
            "settle_note": ("a frequency is 'unsettled' when its R or T still changed by more than settle_tolerance "
                            "over the last 20 % of the run (time after the source): energy still held in the stack "
                            "when the run ended (a high-Q resonance cut by the time cap); rms_dR_settled leaves "
                            "those out, unsettled_points lists them"),
        })
    for pol in POLARIZATIONS if oblique else ():
        metrics[f"sweep_{pol}"] = sweep_metrics(sweep[pol], angle[pol], kx, wavelength_nm, st["settle_tolerance"])
    if oblique:
        metrics["max_abs_dA_all"] = max(metrics["normal"]["max_abs_dA"], metrics["sweep_s"]["max_abs_dA"],
                                        metrics["sweep_p"]["max_abs_dA"])
    metrics["claims"] = evaluate_claims(st["claims"], wavelength_nm, normal, st["band_nm"])
    return {"settings": st, "oblique": oblique, "stack": stack, "wavelength_nm": wavelength_nm, "freqs_um_inv": f,
            "kx_um_inv": kx, "n_below": n_below, "normal": normal, "sweep": sweep if oblique else None,
            "angle": angle, "metrics": metrics}


# ---------------------------------------------------------------------------------------
# what the entry script writes: spectra.h5 content, the one-line summary
# ---------------------------------------------------------------------------------------
def spectra_h5_content(result: dict) -> tuple[dict, dict, dict]:
    """Datasets, units and root attributes of spectra.h5 (provenance is added by the caller).

    Sweep values at evanescent or near-grazing (f, kx) points, where neither method computed
    anything (``sweep/<pol>/propagating`` False), are :class:`sims.results.Flagged`
    ``not_applicable`` (value 0 and a ``<name>_flag`` dataset), not a fill number.

    Args:
        result: :func:`compute_mirror_spectra` output.
    Returns:
        (datasets name -> array or Flagged, units name -> str, attrs name -> scalar or str).
    """
    m = result["metrics"]
    ds, units = {}, {}
    ds["wavelength_nm"], units["wavelength_nm"] = result["wavelength_nm"], "nm"
    ds["frequency_um_inv"], units["frequency_um_inv"] = result["freqs_um_inv"], "1/um (Meep units, c = 1)"
    oblique = result["oblique"]
    if oblique:
        ds["kx_um_inv"], units["kx_um_inv"] = result["kx_um_inv"], "1/um (Meep units, no 2 pi)"
    ds["angles_deg"], units["angles_deg"] = np.asarray(result["settings"]["angles_deg"]), "deg (in the incidence medium)"
    for meth in ("meep", "tmm"):
        for q in "RTA":
            ds[f"normal/{meth}/{q}"] = result["normal"][meth][q]
            units[f"normal/{meth}/{q}"] = "1 (fraction of incident power)"
    for pol in POLARIZATIONS:
        if not oblique:
            for q in "RTA":
                ds[f"angle/{pol}/tmm_exact/{q}"] = result["angle"][pol]["tmm_exact"][q]
                units[f"angle/{pol}/tmm_exact/{q}"] = "1; (angle, wavelength); transfer matrix at the angle"
            continue
        prop = np.isfinite(result["sweep"][pol]["meep"]["R"])
        flags = np.where(prop, FLAG_CODES["ok"], FLAG_CODES["not_applicable"])
        ds[f"sweep/{pol}/propagating"] = prop
        for meth in ("meep", "tmm"):
            for q in "RTA":
                ds[f"sweep/{pol}/{meth}/{q}"] = Flagged(np.where(prop, result["sweep"][pol][meth][q], 0.0), flags)
                units[f"sweep/{pol}/{meth}/{q}"] = "1; (kx, wavelength); flag not_applicable where propagating is False"
        settle = result["sweep"][pol]["meep"]["settle"]
        ds[f"sweep/{pol}/meep/settle"] = Flagged(np.where(prop, settle, 0.0), flags)
        units[f"sweep/{pol}/meep/settle"] = ("1; max(|dR|, |dT|) over the last 20 % of the run; "
                                             "flag not_applicable where propagating is False")
        ds[f"sweep/{pol}/settled"] = prop & (settle <= result["settings"]["settle_tolerance"])
        for meth in ("meep", "tmm", "tmm_exact"):
            for q in "RTA":
                ds[f"angle/{pol}/{meth}/{q}"] = result["angle"][pol][meth][q]
                units[f"angle/{pol}/{meth}/{q}"] = "1; (angle, wavelength)"
    attrs = dict(mirror=m["mirror"], below=m["below"], above=m["above"],
                 resolution_px_per_um=m["resolution_px_per_um"], decay_threshold=m["decay_threshold"],
                 courant=m["courant"], method="1D Meep FDTD, two-run flux normalization; reference tmm.coh_tmm",
                 incidence=m["incidence"],
                 angle_note=("meep and tmm under angle/ are interpolated in sin(theta) from the kx sweep; tmm_exact is tmm at the angle"
                             if oblique else "angle/ holds tmm_exact only: tmm at the angle (Meep ran at normal incidence only)"),
                 metrics_json=json.dumps(m, default=float))
    return ds, units, attrs


def summary_line(metrics: dict, oblique: bool = False) -> str:
    """One line for the log: wall time, RMS |dR| vs tmm, stop-band edges, energy, claims held."""
    m, n = metrics, metrics["normal"]
    line = (f"{m['mirror']}: wall {m['wall_time_s']:.1f} s, {m['meep_runs']} Meep runs; normal incidence RMS |dR| "
            f"{n['rms_dR']:.4f}, edges Meep {n['edges_meep_nm']} tmm {n['edges_tmm_nm']} nm")
    if oblique:
        s, p = m["sweep_s"], m["sweep_p"]
        line += (f"; sweep RMS |dR| s {s['rms_dR']:.4f} p {p['rms_dR']:.4f} (settled frequencies only: "
                 f"s {s['rms_dR_settled']:.4f}, {s['n_unsettled']} unsettled; p {p['rms_dR_settled']:.4f}, "
                 f"{p['n_unsettled']} unsettled); max |A_meep - A_tmm| {m['max_abs_dA_all']:.4f}")
    else:
        line += f"; max |A_meep - A_tmm| {n['max_abs_dA']:.4f}"
    held = [c for c in m["claims"] if c["evaluated"]]
    return line + f"; claims held (Meep) {sum(c['meep']['holds'] for c in held)}/{len(m['claims'])}"


# ---------------------------------------------------------------------------------------
# config checks
# ---------------------------------------------------------------------------------------
@register_check
def check_mirror_spectra(config: dict):
    """Claims inside their mirror's band; convergence mirror configured; incidence media lossless."""
    from sims.materials import material_from_config

    ms = config.get("mirror_spectra")
    if not ms:
        return
    for i, c in enumerate(ms.get("claims", [])):
        if c["mirror"] not in ms["mirrors"]:
            continue  # reported by check_names
        lo, hi = mirror_band_nm(config, c["mirror"])
        if c["wavelength_min_nm"] >= c["wavelength_max_nm"]:
            yield f"mirror_spectra.claims[{i}].wavelength_min_nm", "must be below wavelength_max_nm"
        elif c["wavelength_min_nm"] < lo or c["wavelength_max_nm"] > hi:
            yield (f"mirror_spectra.claims[{i}]", f"claim band {c['wavelength_min_nm']:g}-{c['wavelength_max_nm']:g} nm "
                   f"leaves the simulated band of {c['mirror']} ({lo:g}-{hi:g} nm)")
    for name, entry in ms["mirrors"].items():
        below = entry["below"]
        if below in config["materials"]:
            mat = material_from_config(below, config["materials"][below])
            if mat.model != "constant" or mat.k != 0:
                yield (f"mirror_spectra.mirrors.{name}.below", f"incidence medium {below!r} must be a lossless constant "
                       "material (R is undefined in an absorbing medium)")
    conv = ms.get("convergence_mirror")
    if conv is not None and conv not in ms["mirrors"]:
        yield "mirror_spectra.convergence_mirror", f"{conv!r} is not in mirror_spectra.mirrors"
