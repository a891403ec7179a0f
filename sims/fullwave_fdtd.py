"""FDTD (Meep, 2D, MPI) of the full-wave transfer check: lateral absorption kernels of one line source.

One E_z line current (s / TE) at x = 0 in the emitter's centre plane, mirror symmetry in x;
DFT of E_z and H_x on lines in the lossless layers just below and above the crystal: the
power absorbed between them per unit x is S_y(below) - S_y(above). Normalised by the power
the same source sends into the gap when the LED faces a semi-infinite gap (one more run of
the LED alone). Lateral boundaries: Meep's adiabatic absorber (they cross dispersive
layers, where a PML diverged). Every MPI rank runs every simulation (Meep splits the cell
over the ranks). Reference: Meep documentation, "Parallel Meep" and "Perfectly Matched Layer".
"""

from __future__ import annotations

import time

import numpy as np

from sims.fullwave_structures import build_structures, fdtd_half_width_um, fit_band_um, frequencies


def fdtd_run(config: dict, distance_um: float | None, progress=print) -> dict:
    """One 2D Meep run: an E_z line source at x = 0 in the emitter's centre plane.

    distance_um = None: the LED alone facing NOA81 (the normalisation run): S_y(x) on a line
    0.5 um above the LED. Otherwise the coupled structure with that gap: S_y(x) on lines in
    the middle of the lossless layers just below and above the crystal.
    Returns dict: freq (n_f), x_um (n_x), S_lo, S_hi (n_f, n_x) (S_hi absent for the LED
    alone), flux_lo, flux_hi (Meep's flux over the same lines), meep_time, seconds, cells.
    """
    import meep as mp

    from sims.geometry import stack_layout

    mp.verbosity(0)
    fw = config["transfer_fullwave"]
    full, led, _, z_src = build_structures(config)
    wl_nm, _ = frequencies(fw)
    freqs = 1e3 / wl_nm                      # the order of :func:`frequencies` (the models use it too)
    band = fit_band_um(fw)
    X = fdtd_half_width_um(fw)
    pml = fw["pml_um"]
    res = fw["resolution_px_per_um"]
    if distance_um is None:
        stack, pad_above = led, 1.0
    else:
        stack, pad_above = full.with_thickness(fw["gap_group"], float(distance_um)), fw["pad_um"]
    layout = stack_layout(stack, "2d", pml_um=pml, pad_below_um=fw["pad_um"], pad_above_um=pad_above,
                          lateral_um=2 * (X + pml), band_um=band, wavelength_ref_um=fw["el_peak_nm"] / 1e3)
    # lateral boundaries cross the dispersive layers (Drude-Lorentz Au and ITO): a PML there
    # diverged (NaN at the first test run); Meep's adiabatic absorber is the documented fallback
    boundary = list(layout.pml_layers) + [mp.Absorber(pml, direction=mp.X)]
    fmin, fmax = freqs.min(), freqs.max()
    fcen = 0.5 * (fmin + fmax) if freqs.size > 1 else freqs[0]
    span = (fmax - fmin) if freqs.size > 1 else 0.05 * fcen
    src = mp.Source(mp.GaussianSource(fcen, fwidth=fw["source_fwidth_factor"] * span), component=mp.Ez,
                    center=layout.vector(z_src))
    sim = mp.Simulation(cell_size=layout.cell_size, geometry=layout.geometry, boundary_layers=boundary,
                        sources=[src], resolution=res, symmetries=[mp.Mirror(mp.X)], dimensions=2)
    if distance_um is None:
        lines = {"lo": stack.thickness_um + 0.5}
    else:
        lo, hi = stack.group_span_um(fw["crystal_group"])
        i_c = [i for i, l in enumerate(stack.layers) if l.group == fw["crystal_group"]][0]
        lines = {"lo": lo - 0.5 * stack.layers[i_c - 1].thickness_um,
                 "hi": hi + 0.5 * stack.layers[i_c + 1].thickness_um}
    dft, flux = {}, {}
    for k, s in lines.items():
        c, sz = layout.vector(s), mp.Vector3(2 * X, 0)
        dft[k] = sim.add_dft_fields([mp.Ez, mp.Hx], freqs, center=c, size=sz)
        flux[k] = sim.add_flux(freqs, mp.FluxRegion(center=c, size=sz))
    t0 = time.perf_counter()

    def report(s):
        if progress and mp.am_master():
            progress(f"    meep time {s.meep_time():.0f}, {time.perf_counter() - t0:.0f} s")

    sim.run(mp.at_every(25, report),
            until_after_sources=mp.stop_when_dft_decayed(fw["decay_threshold"], 0, fw["max_run_time"]))
    out = {"freq": freqs, "meep_time": float(sim.meep_time()), "seconds": time.perf_counter() - t0,
           "cells": float(np.prod([v for v in (layout.cell_size.x, layout.cell_size.y) if v > 0]) * res ** 2)}
    for k in lines:
        S = []
        for j in range(freqs.size):
            ez = np.asarray(sim.get_dft_array(dft[k], mp.Ez, j)).ravel()
            hx = np.asarray(sim.get_dft_array(dft[k], mp.Hx, j)).ravel()
            S.append(np.real(ez * np.conj(hx)))
        out[f"S_{k}"] = np.array(S)
        out[f"flux_{k}"] = np.asarray(mp.get_fluxes(flux[k]))
    n_x = out["S_lo"].shape[1]
    out["x_um"] = np.linspace(-X, X, n_x)
    if progress and mp.am_master():
        progress(f"  FDTD d={distance_um}: {out['cells']:.3g} cells, meep time {out['meep_time']:.0f}, "
                 f"{out['seconds']:.0f} s on {mp.count_processors()} ranks")
    sim.reset_meep()
    return out


def fdtd_profile_bins(x_um: np.ndarray, density: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Integrate a density sampled at the grid points x_um (uniform) over the bins (n_f, n_bins)."""
    dx = x_um[1] - x_um[0]
    idx = np.searchsorted(edges, x_um, side="right") - 1
    ok = (idx >= 0) & (idx < edges.size - 1)
    out = np.zeros((density.shape[0], edges.size - 1))
    for j in range(density.shape[0]):
        out[j] = np.bincount(idx[ok], weights=density[j, ok] * dx, minlength=edges.size - 1)
    return out


def fdtd_kernels(settings: dict, edges: np.ndarray, progress=print) -> dict:
    """The LED alone (normalisation), then the coupled structure at every distance of
    ``transfer_fullwave.distances_um`` (sorted): absorbed power per x bin of one line source
    per unit power the LED alone sends into the gap (:func:`fdtd_profile_bins` of
    S_y(below) - S_y(above)). Call it on every MPI rank.

    Returns dict: distance_um (n_d), kernel (n_d, n_f, n_bins), p_gap_led_alone (n_f, Meep flux
    units), flux_check (n_d, 2, n_f: Meep's flux and sum S_y dx on the line below the crystal),
    runs (the :func:`fdtd_run` results, the LED alone first), mpi_ranks, seconds (wall).
    """
    import meep as mp

    d_fd = np.asarray(sorted(settings["transfer_fullwave"]["distances_um"]), float)
    t0 = time.perf_counter()
    alone = fdtd_run(settings, None, progress=progress)
    runs = [fdtd_run(settings, float(d), progress=progress) for d in d_fd]
    seconds = time.perf_counter() - t0
    p_gap = alone["flux_lo"]                                  # (n_f) power of the LED alone into the gap
    k_fd = np.array([fdtd_profile_bins(r["x_um"], r["S_lo"] - r["S_hi"], edges) / p_gap[:, None] for r in runs])
    check = np.array([[r["flux_lo"], (r["S_lo"].sum(1) * (r["x_um"][1] - r["x_um"][0]))] for r in runs])
    return {"distance_um": d_fd, "kernel": k_fd, "p_gap_led_alone": p_gap, "flux_check": check,
            "runs": [alone] + runs, "mpi_ranks": mp.count_processors(), "seconds": seconds}
