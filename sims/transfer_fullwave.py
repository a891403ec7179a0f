"""Full-wave check of the radiometric inter-cavity transfer at reduced scale (2D, s / TE).

Geometry (x lateral, stack axis vertical): the LED stack (microcavity I, glass below), a NOA81
gap of thickness d, and microcavity II (DBR2 / crystal / DBR3, air above), all laterally
infinite (``sims.fullwave_structures``). The LED emits from a strip of width w (incoherent
out-of-plane line currents J_z in the emitter layer: the s / TE polarization); the crystal
counts as the window |x| < W_c / 2.

Four models of the same planar structure, all at the same frequencies and permittivities (the
Lorentz fits Meep uses, ``sims.mirror_spectra.meep_indices``), each as the lateral kernel of
one line source at x = 0 per unit power the LED alone sends into the gap:

* ``fdtd``: Meep (``sims.fullwave_fdtd``). The structure is invariant under lateral
  translation, so the incoherent sum over sources across w is the convolution of this one
  profile with the strip (exact on the grid for shifts by whole pixels; the lateral absorber
  is the only thing that breaks the invariance).
* ``coherent``: the exact plane-wave (Green's function) solution (``sims.planar_te``,
  ``sims.fullwave_kernels.coherent_solution``): every interference, multiple reflection and
  near-field (evanescent) coupling between the two stacks, without discretisation error.
* ``radiometric``: the project's model brought to 2D (rays from the LED alone, plane-wave
  absorbed fraction A_s(theta) of microcavity II), and ``multipass``: the same plus the rays
  reflected back and forth between the two stacks, added incoherently (the coupled-cavity
  bookkeeping without interference) (``sims.fullwave_kernels.radiometric_kernel``).

This module compares them (:func:`fullwave_check`: strip profiles, crystal-window totals,
ratios, safe distances) and formats the comparison as text. Units: um, nm for wavelengths,
Meep frequency f = 1/lambda (1/um), k_x in cycles/um.

References: W. C. Chew, "Waves and Fields in Inhomogeneous Media" ch. 2 (layered-medium
line source); K. A. Neyts, JOSA A 15, 962 (1998) (dipole in a multilayer; the project's
``sims.emission``); S. J. Byrnes, arXiv:1603.02720 (tmm).
"""

from __future__ import annotations

import json
import math
import time

import numpy as np

from sims.config import register_check
from sims.fullwave_kernels import (bin_edges, coherent_solution, led_alone_emission, radiometric_kernel,
                                   strip_convolve, window_sum)
from sims.fullwave_structures import build_structures, el_weights, fdtd_half_width_um, fit_band_um, frequencies
from sims.planar_te import (plane_wave_rta_s, planar_from_stack, reversed_planar, split_layer,
                            te_plane_wave)
from sims.results import Flagged, json_value

PLANAR_MODELS = ("coherent", "multipass", "radiometric")
"""The three plane-wave / ray models (the FDTD is the fourth)."""


# ---------------------------------------------------------------------------------------
# config checks
# ---------------------------------------------------------------------------------------
@register_check
def check_transfer_fullwave(config: dict):
    fw = config.get("transfer_fullwave")
    if not fw:
        return
    if fw["stack"] not in config["stacks"]:
        yield "transfer_fullwave.stack", f"{fw['stack']!r} is not defined under stacks"
        return
    items = config["stacks"][fw["stack"]]["items"]
    for key in ("gap_group", "crystal_group", "emitter_group", "led_top_group"):
        if fw[key] not in items:
            yield f"transfer_fullwave.{key}", f"{fw[key]!r} is not an item of stack {fw['stack']!r}"
    if fw["gap_group"] in items and fw["crystal_group"] in items and fw["emitter_group"] in items:
        ig, ic, ie = (items.index(fw[k]) for k in ("gap_group", "crystal_group", "emitter_group"))
        if not ie < ig < ic:
            yield "transfer_fullwave.stack", "needs emitter below the gap below the crystal (bottom to top)"
        elif ic == 0 or ic == len(items) - 1 or items[ic - 1] not in config["mirrors"] \
                or items[ic + 1] not in config["mirrors"]:
            yield "transfer_fullwave.crystal_group", "the crystal must sit between two mirrors (monitor lines go in their first layers)"
    if fw["crystal_width_um"] <= 0 or fw["emitting_width_um"] <= 0:
        yield "transfer_fullwave.crystal_width_um", "crystal and emitting widths must be > 0 um"
    lo, hi = fw["el_peak_nm"] - 1.5 * fw["el_fwhm_nm"], fw["el_peak_nm"] + 1.5 * fw["el_fwhm_nm"]
    if fw["n_frequencies"] > 1 and fw["el_fwhm_nm"] <= 0:
        yield "transfer_fullwave.el_fwhm_nm", "must be > 0 nm when n_frequencies > 1"
    if lo <= 0:
        yield "transfer_fullwave.el_fwhm_nm", f"peak - 1.5 FWHM = {lo:g} nm is not a wavelength"
    res = fw["resolution_px_per_um"]
    pitch = fw["bin_um"]
    if pitch * res < 1 - 1e-9:
        yield "transfer_fullwave.bin_um", f"{pitch:g} um is below one pixel at {res:g} px/um"
    if fw["pml_um"] < 0.5 * hi / 1e3:
        yield "transfer_fullwave.pml_um", f"{fw['pml_um']} um is thinner than half the longest wavelength ({hi / 1e3:.3f} um / 2)"



# ---------------------------------------------------------------------------------------
# the planar models (per frequency, one line source at x = 0, kernels on x bins)
# ---------------------------------------------------------------------------------------
def model_kernels(config: dict, distances_um, edges: np.ndarray, indices_fn=None, progress=print,
                  wavelengths_nm=None, check_tmm: bool = True) -> dict:
    """Radiometric, multipass and coherent kernels (one line source at x = 0) for every
    distance and frequency, per unit power the LED alone sends into the gap.

    indices_fn(stack, freqs) -> (n_freq, n_layers + 2) complex indices; default: the
    permittivities Meep uses (``meep_indices``, Lorentz fits over the EL band).
    Returns dict of arrays: radiometric, multipass, coherent (n_d, n_f, n_bins), coherent
    absorbed_total_infinite and radiometric_total_infinite (n_d, n_f), emitted_ratio
    (coupled / LED-alone source power, n_d, n_f), theta tables (A_s, R_II, R_LED), wall times.
    """
    fw = config["transfer_fullwave"]
    full0, led, ii, z_src = build_structures(config)
    wl_nm = frequencies(fw)[0] if wavelengths_nm is None else np.asarray(wavelengths_nm, float)
    freqs = 1e3 / wl_nm
    if indices_fn is None:
        from sims.mirror_spectra import meep_indices

        band = fit_band_um(fw)      # the same Lorentz fits as the FDTD

        def indices_fn(stack, fr):
            return meep_indices(stack, fr, fw["el_peak_nm"] / 1e3, band)

    theta = np.linspace(0.0, 89.9, int(fw["radiometric_n_angles"]))
    dist = np.atleast_1d(np.asarray(distances_um, float))
    nb = edges.size - 1
    out = {k: np.zeros((dist.size, freqs.size, nb)) for k in ("radiometric", "multipass", "coherent")}
    for k in ("coherent_total_infinite", "radiometric_total_infinite", "multipass_total_infinite", "emitted_ratio",
              "coherent_kernel_sum"):
        out[k] = np.zeros((dist.size, freqs.size))
    for k in ("A_s", "R_II", "R_LED", "dP_dtheta"):
        out[k] = np.zeros((freqs.size, theta.size))
    out["led_up_over_emitted"] = np.zeros(freqs.size)
    out["tmm_check_max_abs_diff"] = np.zeros(freqs.size)
    t0 = time.perf_counter()
    n_full = None
    for jf, f in enumerate(freqs):
        n_led = indices_fn(led, [f])[0]
        n_ii = indices_fn(ii, [f])[0]
        p_led = planar_from_stack(led, n_led)
        p_ii = planar_from_stack(ii, n_ii)
        i_e = p_led.group_index(fw["emitter_group"])[0]
        z_if = p_led.interfaces()
        p_led_s, i_src = split_layer(p_led, i_e, z_src - z_if[i_e])
        n_gap = float(np.real(p_led.n_above))
        em = led_alone_emission(p_led_s, i_src, f, fw["kx_max_near_per_um"], 2001, theta, fw["coherent_dkx_per_um"])
        rta = te_plane_wave(p_ii, f, theta, fw["crystal_group"])
        r_led = te_plane_wave(reversed_planar(p_led), f, theta, "none")["R"]
        # independent check of the plane-wave tables with the tmm package on a coarse subset
        sub = theta[:: max(1, theta.size // (60 if check_tmm else 4))]
        ref = plane_wave_rta_s(p_ii, f, sub, fw["crystal_group"])
        ref_led = plane_wave_rta_s(reversed_planar(p_led), f, sub, "none")
        out["tmm_check_max_abs_diff"][jf] = max(
            np.max(np.abs(np.interp(sub, theta, rta["A"]) - ref["A"])),
            np.max(np.abs(np.interp(sub, theta, rta["R"]) - ref["R"])),
            np.max(np.abs(np.interp(sub, theta, r_led) - ref_led["R"])))
        out["A_s"][jf], out["R_II"][jf], out["R_LED"][jf] = rta["A"], rta["R"], r_led
        th = np.radians(theta)
        out["dP_dtheta"][jf] = em["dP_dtheta"] / em["up_total"]
        out["led_up_over_emitted"][jf] = em["up_total"] / em["emitted_total"]
        out["radiometric_total_infinite"][:, jf] = 2 * np.trapz(out["dP_dtheta"][jf] * rta["A"], th)
        # every pass on an infinite crystal: A / (1 - R_II R_LED) (geometric series of the bounces)
        out["multipass_total_infinite"][:, jf] = 2 * np.trapz(out["dP_dtheta"][jf] * rta["A"] / (1 - rta["R"] * r_led), th)
        for jd, d in enumerate(dist):
            out["radiometric"][jd, jf] = radiometric_kernel(em, n_gap, f, theta, rta["A"], rta["R"], r_led, d, edges, 1)
            out["multipass"][jd, jf] = radiometric_kernel(em, n_gap, f, theta, rta["A"], rta["R"], r_led, d, edges,
                                                          int(fw["multipass_max_passes"]))
            full = full0.with_thickness(fw["gap_group"], float(d))
            n_full = indices_fn(full, [f])[0]
            p_full = planar_from_stack(full, n_full)
            p_full_s, i_src_f = split_layer(p_full, i_e, z_src - z_if[i_e])
            co = coherent_solution(p_full_s, i_src_f, fw["crystal_group"], f, float(d), n_gap, edges,
                                   fw["coherent_dkx_per_um"], fw["kx_max_near_per_um"])
            # per unit power the LED alone sends into the gap (same source, same units)
            out["coherent"][jd, jf] = co["kernel"] / em["up_total"]
            out["coherent_total_infinite"][jd, jf] = co["absorbed_total"] / em["up_total"]
            out["coherent_kernel_sum"][jd, jf] = co["kernel"].sum() / em["up_total"]
            out["emitted_ratio"][jd, jf] = co["emitted"] / em["emitted_total"]
            if progress:
                progress(f"  f={f:.4f} d={d:6.2f} um: coherent {out['coherent_total_infinite'][jd, jf]:.4f} "
                         f"radiometric {out['radiometric_total_infinite'][jd, jf]:.4f} (infinite crystal)")
    out["theta_deg"] = theta
    out["wall_time_s"] = time.perf_counter() - t0
    return out



# ---------------------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------------------
def compare(fw: dict, kernels: dict, edges: np.ndarray, distances_um, wavelengths_nm=None) -> dict:
    """Strip profiles, crystal-window totals (single frequency at the EL peak and EL-weighted)
    and ratios, from kernels name -> (n_d, n_f, n_bins) per unit power into the gap."""
    if wavelengths_nm is None:
        wl_nm, w = frequencies(fw)
    else:
        wl_nm = np.asarray(wavelengths_nm, float)
        w = el_weights(wl_nm, fw["el_peak_nm"], fw["el_fwhm_nm"])
    j_pk = int(np.argmin(np.abs(wl_nm - fw["el_peak_nm"])))
    half = fw["crystal_width_um"] / 2
    out = {}
    for name, K in kernels.items():
        prof = np.array([[strip_convolve(K[i, j], edges, fw["emitting_width_um"]) for j in range(K.shape[1])]
                         for i in range(K.shape[0])])
        out[f"{name}/profile"] = prof                           # (n_d, n_f, n_bins)
        out[f"{name}/profile_el"] = np.einsum("dfb,f->db", prof, w)
        win = np.array([[window_sum(prof[i, j], edges, half) for j in range(prof.shape[1])] for i in range(prof.shape[0])])
        out[f"{name}/window"] = win                             # (n_d, n_f)
        out[f"{name}/window_el"] = win @ w
        out[f"{name}/window_peak"] = win[:, j_pk]
    return out


def safe_distance(distances_um, ratio, tol: float) -> float:
    """Smallest distance from which |ratio - 1| <= tol holds at every larger listed distance
    (inf if it fails at the largest)."""
    d = np.asarray(distances_um, float)
    ok = np.abs(np.asarray(ratio) - 1) <= tol
    if not ok[-1]:
        return float("inf")
    i = d.size - 1
    while i > 0 and ok[i - 1]:
        i -= 1
    return float(d[i])


def el_converged_frequencies(fw: dict, d_um: float, n_gap: float) -> np.ndarray:
    """Wavelengths (nm) over peak +- 1.5 FWHM dense enough to average the gap's Fabry-Perot
    fringes: el_samples_per_fringe per free spectral range lambda^2 / (2 n d) (normal
    incidence, the narrowest), at least n_frequencies, at most el_max_frequencies; odd, so the
    peak is one of them."""
    lam = fw["el_peak_nm"]
    fsr = lam ** 2 / (2 * n_gap * d_um * 1e3)
    n = int(math.ceil(3 * fw["el_fwhm_nm"] / fsr * fw["el_samples_per_fringe"])) + 1
    n = min(max(n, int(fw["n_frequencies"])), int(fw["el_max_frequencies"]))
    n += 1 - n % 2
    return lam + np.linspace(-1.5, 1.5, n) * fw["el_fwhm_nm"]


def el_converged_series(config: dict, distances_um, edges: np.ndarray, progress=print) -> dict:
    """Crystal-window totals of the three models, EL-weighted over frequencies dense enough
    for every distance (:func:`el_converged_frequencies`): the broadband (incoherent across the
    EL line) limit in which the gap fringes average out as they do for the real LED.
    Returns name/window_el arrays (n_d) and n_frequencies (n_d)."""
    fw = config["transfer_fullwave"]
    from sims.materials import refractive_index

    n_gap = float(np.real(refractive_index(build_structures(config)[1].above, fw["el_peak_nm"] / 1e3)))
    d = np.atleast_1d(np.asarray(distances_um, float))
    out = {f"{k}/{q}": np.zeros(d.size) for k in ("coherent", "multipass", "radiometric")
           for q in ("window_el", "total_infinite_el")}
    out["n_frequencies"] = np.zeros(d.size)
    for i, dd in enumerate(d):
        wl = el_converged_frequencies(fw, dd, n_gap)
        mk = model_kernels(config, [dd], edges, progress=None, wavelengths_nm=wl, check_tmm=False)
        c = compare(fw, {k: mk[k] for k in ("coherent", "multipass", "radiometric")}, edges, [dd], wl)
        w = el_weights(wl, fw["el_peak_nm"], fw["el_fwhm_nm"])
        for k in ("coherent", "multipass", "radiometric"):
            out[f"{k}/window_el"][i] = c[f"{k}/window_el"][0]
            out[f"{k}/total_infinite_el"][i] = float(mk[f"{k}_total_infinite"][0] @ w)
        out["n_frequencies"][i] = wl.size
        if progress:
            progress(f"  EL-converged d={dd:g} um ({wl.size} frequencies): window plane-wave {out['coherent/window_el'][i]:.4f}, "
                     f"multipass {out['multipass/window_el'][i]:.4f}, radiometric {out['radiometric/window_el'][i]:.4f}; "
                     f"infinite crystal {out['coherent/total_infinite_el'][i]:.4f}, {out['multipass/total_infinite_el'][i]:.4f}, "
                     f"{out['radiometric/total_infinite_el'][i]:.4f}")
    return out


def lateral_bin_edges(fw: dict) -> np.ndarray:
    """The x bins (um) of every model's kernel: bin_um wide, one centred on x = 0, covering the
    FDTD's lateral range (:func:`sims.fullwave_structures.fdtd_half_width_um`)."""
    return bin_edges(fdtd_half_width_um(fw), fw["bin_um"])


def not_reached_if_infinite(distance_um: float) -> Flagged:
    """A safe distance as a :class:`Flagged` scalar: ``not_reached`` where
    :func:`safe_distance` found none (inf) among the listed distances."""
    return Flagged.from_float(distance_um, inf="not_reached", reason="the ratio is not within tolerance at the largest distance")


def fullwave_check(settings: dict, fdtd: dict, edges: np.ndarray, progress=print) -> dict:
    """The FDTD kernels against the planar models: same frequencies, the FDTD's distances plus
    ``coherent_distances_um`` (planar models only); then the broadband (EL-converged) series on
    the DBRs as configured (``mirror_pairs`` 0, no grid snapping, no FDTD), frequencies dense
    enough to average the gap fringes at every distance.

    Args:
        settings: sub-config with the stack and the ``transfer_fullwave`` section.
        fdtd: :func:`sims.fullwave_fdtd.fdtd_kernels` of the same settings and edges.
        edges: :func:`lateral_bin_edges`.
    Returns:
        dict: datasets (HDF5 name -> array; the safe distances as :class:`Flagged`), units
        (name -> unit), scalars (name -> float, list or Flagged: the summary numbers and run
        statistics; :func:`h5_attributes`, :func:`summary`, :func:`markdown_table` present them).
    """
    fw = settings["transfer_fullwave"]
    d_fd, k_fd, runs = fdtd["distance_um"], fdtd["kernel"], fdtd["runs"]
    wl_nm, w_el = frequencies(fw)                          # FDTD and models share this frequency order
    d_all = np.unique(np.concatenate([d_fd, np.asarray(fw["coherent_distances_um"], float)]))
    t0 = time.perf_counter()
    mk = model_kernels(settings, d_all, edges, progress=progress)
    models_s = time.perf_counter() - t0
    on_fd = np.searchsorted(d_all, d_fd)
    cmp_all = compare(fw, {k: mk[k] for k in PLANAR_MODELS}, edges, d_all)
    cmp_fd = compare(fw, {"fdtd": k_fd}, edges, d_fd)
    s_full = json.loads(json.dumps(settings))
    s_full["transfer_fullwave"]["mirror_pairs"] = 0
    s_full["transfer_fullwave"]["snap_dispersive_to_grid"] = False    # the device as configured, no FDTD grid
    t1 = time.perf_counter()
    full_stack = el_converged_series(s_full, d_all, edges, progress=progress)
    models_s += time.perf_counter() - t1
    tol = fw["agreement_tolerance"]
    ratio_rc = cmp_all["radiometric/window_el"] / cmp_all["coherent/window_el"]
    ratio_mc = cmp_all["multipass/window_el"] / cmp_all["coherent/window_el"]
    ratio_rc_pk = cmp_all["radiometric/window_peak"] / cmp_all["coherent/window_peak"]
    ratio_rf = cmp_all["radiometric/window_el"][on_fd] / cmp_fd["fdtd/window_el"]
    ratio_cf = cmp_all["coherent/window_el"][on_fd] / cmp_fd["fdtd/window_el"]
    ratio_cf_pk = cmp_all["coherent/window_peak"][on_fd] / cmp_fd["fdtd/window_peak"]
    r_full = full_stack["radiometric/window_el"] / full_stack["coherent/window_el"]
    r_full_mp = full_stack["multipass/window_el"] / full_stack["coherent/window_el"]
    scalars = {
        "safe_distance_radiometric_um": not_reached_if_infinite(safe_distance(d_all, ratio_rc, tol)),
        "safe_distance_multipass_um": not_reached_if_infinite(safe_distance(d_all, ratio_mc, tol)),
        "safe_distance_radiometric_peak_um": not_reached_if_infinite(safe_distance(d_all, ratio_rc_pk, tol)),
        "max_abs_fdtd_vs_coherent_el": float(np.max(np.abs(ratio_cf - 1))),
        "max_abs_fdtd_vs_coherent_peak": float(np.max(np.abs(ratio_cf_pk - 1))),
        "tmm_check_max_abs_diff": float(np.max(mk["tmm_check_max_abs_diff"])),
        "fdtd_wall_time_s": fdtd["seconds"], "models_wall_time_s": models_s,
        "fdtd_seconds_per_run": [r["seconds"] for r in runs],
        "fdtd_meep_time_per_run": [r["meep_time"] for r in runs],
        # a run stopped by max_run_time, not by the decay test, is not converged in time
        "fdtd_hit_time_cap": [bool(r["meep_time"] >= fw["max_run_time"] - 1e-9) for r in runs],
        "fdtd_cells_per_run": [r["cells"] for r in runs],
        "mpi_ranks": fdtd["mpi_ranks"], "tolerance": tol,
        "led_up_over_emitted_el": float(mk["led_up_over_emitted"] @ w_el),
        "full_stack_n_frequencies": [int(v) for v in full_stack["n_frequencies"]],
        "safe_distance_radiometric_full_stack_um": not_reached_if_infinite(safe_distance(d_all, r_full, tol)),
        "safe_distance_multipass_full_stack_um": not_reached_if_infinite(safe_distance(d_all, r_full_mp, tol)),
    }
    ds = {"bin_edges_um": edges, "wavelength_nm": wl_nm, "el_weight": w_el, "fdtd/distance_um": d_fd,
          "distance_um": d_all, "fdtd/kernel": k_fd, "fdtd/p_gap_led_alone": fdtd["p_gap_led_alone"],
          "fdtd/flux_check": fdtd["flux_check"],
          "ratio/radiometric_over_coherent_el": ratio_rc, "ratio/multipass_over_coherent_el": ratio_mc,
          "ratio/radiometric_over_coherent_peak": ratio_rc_pk, "ratio/radiometric_over_fdtd_el": ratio_rf,
          "ratio/coherent_over_fdtd_el": ratio_cf, "ratio/coherent_over_fdtd_peak": ratio_cf_pk,
          "theta_deg": mk["theta_deg"], "A_s": mk["A_s"], "R_II": mk["R_II"], "R_LED": mk["R_LED"],
          "dP_dtheta": mk["dP_dtheta"], "coherent/emitted_ratio": mk["emitted_ratio"],
          "coherent/total_infinite": mk["coherent_total_infinite"],
          "radiometric/total_infinite": mk["radiometric_total_infinite"]}
    for k in PLANAR_MODELS:
        ds[f"{k}/kernel"] = mk[k]
    ds.update(cmp_all)
    ds.update(cmp_fd)
    ds.update({f"full_stack/{k}": v for k, v in full_stack.items()})
    units = {k: "1 (per unit power the LED alone sends into the gap)" for k in ds}
    units.update({"bin_edges_um": "um", "wavelength_nm": "nm", "el_weight": "1", "fdtd/distance_um": "um",
                  "distance_um": "um", "theta_deg": "deg (in the gap)", "A_s": "1", "R_II": "1", "R_LED": "1",
                  "dP_dtheta": "1/rad per unit power into the gap", "fdtd/p_gap_led_alone": "Meep flux units",
                  "fdtd/flux_check": "Meep flux units: [Meep flux, sum S_y dx] on the line below the crystal",
                  "coherent/emitted_ratio": "1 (source power coupled / LED alone)"})
    for k in ds:
        if k.startswith("ratio/"):
            units[k] = "1"
    for k, v in scalars.items():
        if isinstance(v, Flagged):
            ds[k], units[k] = v, "um"
    return {"datasets": ds, "units": units, "scalars": scalars}


def h5_attributes(scalars: dict) -> dict:
    """The scalars stored as root attributes of the HDF5 file (the Flagged ones are datasets)."""
    return {k: v for k, v in scalars.items() if not isinstance(v, Flagged)}


def summary(result: dict) -> dict:
    """The JSON summary of :func:`fullwave_check`: one row of crystal-window totals per distance,
    then the scalars (a Flagged one as {"value", "status"}, :func:`sims.results.json_value`)."""
    ds = result["datasets"]
    d_fd = ds["fdtd/distance_um"]
    rows = []
    for i, d in enumerate(ds["distance_um"]):
        row = {"distance_um": float(d)}
        for k in PLANAR_MODELS:
            row[f"{k}_window_el"] = float(ds[f"{k}/window_el"][i])
            row[f"{k}_window_peak"] = float(ds[f"{k}/window_peak"][i])
        if d in d_fd:
            j = int(np.searchsorted(d_fd, d))
            row["fdtd_window_el"] = float(ds["fdtd/window_el"][j])
            row["fdtd_window_peak"] = float(ds["fdtd/window_peak"][j])
        for k in PLANAR_MODELS:
            row[f"full_stack_{k}_window_el"] = float(ds[f"full_stack/{k}/window_el"][i])
        rows.append(row)
    scalars = {k: (json_value(v) if isinstance(v, Flagged) else v) for k, v in result["scalars"].items()}
    return {"rows": rows, **scalars}


def _distance_text(v: Flagged) -> str:
    return f"{float(v.values):g}" if v.ok().all() else "inf (not reached)"


def markdown_table(fw: dict, result: dict) -> str:
    """The comparison of :func:`fullwave_check` as Markdown: crystal-window totals of the four
    models per distance, ratios, safe distances; then the broadband series."""
    ds, sc = result["datasets"], result["scalars"]
    d_all, d_fd, wl_nm = ds["distance_um"], ds["fdtd/distance_um"], ds["wavelength_nm"]
    head = (f"Reduced-scale 2D check of the radiometric transfer (s polarization, out-of-plane line currents): "
            f"emitting width {fw['emitting_width_um']} um, crystal window {fw['crystal_width_um']} um, "
            f"{'DBRs cut to ' + str(fw['mirror_pairs']) + ' pairs' if fw['mirror_pairs'] else 'DBRs as configured'}, "
            f"{fw['n_frequencies']} frequencies over {fw['el_peak_nm']} +- 1.5 x {fw['el_fwhm_nm']} nm (EL-weighted), "
            f"FDTD {fw['resolution_px_per_um']} px/um on {sc['mpi_ranks']} ranks"
            f"{' (dispersive layers rounded to whole pixels in all three models)' if fw.get('snap_dispersive_to_grid') else ''}"
            f"{'; RUNS STOPPED BY THE TIME CAP: ' + str(sc['fdtd_hit_time_cap']) if any(sc['fdtd_hit_time_cap']) else ''}. "
            "Entries: power absorbed in the crystal "
            "window per unit power the LED alone sends into the gap.\n\n")
    lines = ["| d (um) | FDTD | plane-wave (exact) | multipass rays | radiometric | radiometric / plane-wave | "
             "same at the EL peak only | coupled / alone source power (peak) |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    j_pk = int(np.argmin(np.abs(wl_nm - fw["el_peak_nm"])))
    for i, d in enumerate(d_all):
        fd = ""
        if d in d_fd:
            fd = f"{ds['fdtd/window_el'][int(np.searchsorted(d_fd, d))]:.4f}"
        c, m, r = (ds[f"{k}/window_el"][i] for k in PLANAR_MODELS)
        rp = ds["radiometric/window_peak"][i] / ds["coherent/window_peak"][i]
        lines.append(f"| {d:g} | {fd} | {c:.4f} | {m:.4f} | {r:.4f} | {r / c:.3f} | {rp:.3f} | "
                     f"{ds['coherent/emitted_ratio'][i, j_pk]:.3f} |")
    txt = head + "\n".join(lines) + "\n"
    txt += (f"\nRadiometric within {sc['tolerance']:.0%} of the plane-wave solution (EL-weighted) from d = "
            f"{_distance_text(sc['safe_distance_radiometric_um'])} um on (multipass rays: "
            f"{_distance_text(sc['safe_distance_multipass_um'])} um; "
            f"single frequency: {_distance_text(sc['safe_distance_radiometric_peak_um'])} um). FDTD vs plane-wave: "
            f"max |ratio - 1| = {sc['max_abs_fdtd_vs_coherent_el']:.3f} EL-weighted, "
            f"{sc['max_abs_fdtd_vs_coherent_peak']:.3f} at the peak. "
            f"Plane-wave tables vs the tmm package: max |diff| {sc['tmm_check_max_abs_diff']:.1e}. "
            f"FDTD {sc['fdtd_wall_time_s']:.0f} s wall, models {sc['models_wall_time_s']:.0f} s.\n")
    txt += ("\nBroadband limit on the DBRs as configured (no FDTD; frequencies per distance dense enough to average "
            "the gap fringes, EL-weighted). Window: the crystal window above; infinite: a laterally infinite crystal.\n\n"
            "| d (um) | frequencies | window: plane-wave | multipass | radiometric | radiometric / plane-wave | "
            "infinite: plane-wave | multipass | radiometric | radiometric / plane-wave |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for i, d in enumerate(d_all):
        c, m, r = (ds[f"full_stack/{k}/window_el"][i] for k in PLANAR_MODELS)
        ci, mi, ri = (ds[f"full_stack/{k}/total_infinite_el"][i] for k in PLANAR_MODELS)
        txt += (f"| {d:g} | {int(ds['full_stack/n_frequencies'][i])} | {c:.4f} | {m:.4f} | {r:.4f} | {r / c:.3f} | "
                f"{ci:.4f} | {mi:.4f} | {ri:.4f} | {ri / ci:.3f} |\n")
    txt += (f"\nRadiometric within {sc['tolerance']:.0%} from d = "
            f"{_distance_text(sc['safe_distance_radiometric_full_stack_um'])} um "
            f"(multipass: {_distance_text(sc['safe_distance_multipass_full_stack_um'])} um).\n")
    return txt
