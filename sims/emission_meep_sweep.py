"""The Meep k_par sweep of an LED: current sheets in a zero-width cell, one run per (plane, kx, kind).

Method (see :mod:`sims.emission` for the plane-wave expansion and the Jacobian): each run is a
2D Meep cell of zero lateral size (stack along y, :mod:`sims.geometry`) with the in-plane
wavevector out of plane (``k_point = (0, 0, kx)``, ``kz_2d``; Meep's refl-angular-kz2d
example). Run kind "h" holds the in-plane dipole along k_par (Ez, p) and across it (Ex, s)
together, kind "v" the vertical dipole (Ey, p). Flux monitors: just above and below the
source (emitted power), in both exit media (escaping power) and at the boundaries of each run
of absorbing layers (absorbed power = flux divergence); the s/p split of the escaping flux is
read from DFT fields in the exit media (|E_s|^2 versus |H_p|^2 / eps of the outgoing plane wave).
Assumed: the emitter is lossless (:func:`sims.emission.lossless_emitter_stack`); a run ends when
|field|^2 in the top exit medium decayed by ``decay_threshold``, or at a time cap.

Units (Meep): um, f = 1/wavelength_um, kx in cycles/um; fluxes in Meep units of a unit sheet.
"""

from __future__ import annotations

import time

import numpy as np

from sims.emission import C_UM_PER_FS, emitter_positions_um
from sims.planar_green import tmm_sweep


def lossy_boundaries(stack, band_um) -> list[tuple[float, float]]:
    """(s_bottom, s_top) of each contiguous run of absorbing layers."""
    from sims.materials import refractive_index

    spans, cur = [], None
    z = stack.interfaces_um
    for i, lay in enumerate(stack.layers):
        m = lay.material
        lossy = m.model == "meep" or float(np.max(np.imag(refractive_index(m, np.linspace(*band_um, 5))))) > 0
        if lossy:
            cur = (cur[0], z[i + 1]) if cur else (z[i], z[i + 1])
        elif cur:
            spans.append(cur)
            cur = None
    if cur:
        spans.append(cur)
    return [(float(a), float(b)) for a, b in spans]


MEEP_DEFAULT_COURANT = 0.5


def meep_sheet_run(layout, stack, kx: float, z_src_um: float, kind: str, *, courant: float = MEEP_DEFAULT_COURANT,
                   **kw) -> dict:
    """One Meep run: a current sheet at in-plane wavevector kx (cycles/um) at stack coordinate z_src_um.

    kind "h": Ez (p, along k) + Ex (s, across k) sources together; kind "v": Ey (vertical).
    ``courant``: c dt / dx. The zero-width cell is stable below 1 / sqrt(1 + (pi kx / resolution)^2)
    (checked with the config), but the Drude-Lorentz media (meep.materials Au) lower the limit at
    coarse grids (measured, standard PeLED: 0.9 diverged at 100 px/um, 0.95 stable at 200): a run
    whose fields diverge is rerun at Meep's default 0.5, and ``courant`` in the result says which ran.
    Returns dict of arrays (n_freq) over frequencies ascending: emitted, up, down, absorbed,
    up_sfrac, down_sfrac (s-polarized fraction of the escaping flux), and freq. The monitors
    hold n_freq frequencies evenly spread over band_um, or the given ``freqs`` (1/um, ascending).
    """
    try:
        out = _sheet_run(layout, stack, kx, z_src_um, kind, courant=courant, **kw)
    except RuntimeError as err:
        if "NaN" not in str(err) or courant <= MEEP_DEFAULT_COURANT:
            raise
        out = _sheet_run(layout, stack, kx, z_src_um, kind, courant=MEEP_DEFAULT_COURANT, **kw)
    return out


def _sheet_run(layout, stack, kx: float, z_src_um: float, kind: str, *, resolution: float,
               band_um: tuple, n_freq: int, decay_threshold: float, max_time_after_sources: float,
               pad_um: float, kz_2d: str = "complex", freqs=None, courant: float = MEEP_DEFAULT_COURANT) -> dict:
    import meep as mp

    mp.verbosity(0)
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    fcen, df = 0.5 * (fmin + fmax), fmax - fmin
    ys = layout.axis_coord(z_src_um)
    src = mp.GaussianSource(fcen, fwidth=1.2 * df)
    comps = [mp.Ez, mp.Ex] if kind == "h" else [mp.Ey]
    sources = [mp.Source(src, component=c, center=mp.Vector3(0, ys)) for c in comps]
    # at k = 0 Meep falls back to real fields (a different flux normalization): use a tiny k instead
    kx = max(float(kx), 1e-4)
    sim = mp.Simulation(cell_size=layout.cell_size, geometry=layout.geometry, boundary_layers=layout.pml_layers,
                        resolution=resolution, k_point=mp.Vector3(z=kx), kz_2d=kz_2d, sources=sources,
                        force_complex_fields=False, Courant=courant)
    if freqs is not None:
        freqs = np.sort(np.asarray(freqs, dtype=float))
        n_freq = len(freqs)
    dft_f = (fcen, df, n_freq) if freqs is None else (freqs,)

    def fr(y):
        return mp.FluxRegion(center=mp.Vector3(0, y), direction=mp.Y)

    dy = 2.0 / resolution
    y_top = layout.axis_coord(stack.thickness_um + 0.5 * pad_um)
    y_bot = layout.axis_coord(-0.5 * pad_um)
    mons = {"top": sim.add_flux(*dft_f, fr(y_top)),
            "bot": sim.add_flux(*dft_f, fr(y_bot)),
            "src_up": sim.add_flux(*dft_f, fr(ys + dy)),
            "src_dn": sim.add_flux(*dft_f, fr(ys - dy))}
    lossy = lossy_boundaries(stack, band_um)
    for i, (a, b) in enumerate(lossy):
        mons[f"l{i}a"] = sim.add_flux(*dft_f, fr(layout.axis_coord(a)))
        mons[f"l{i}b"] = sim.add_flux(*dft_f, fr(layout.axis_coord(b)))
    dft = {}
    if kind == "h":
        for name, y in (("top", y_top), ("bot", y_bot)):
            dft[name] = sim.add_dft_fields([mp.Ex, mp.Hx], *dft_f, center=mp.Vector3(0, y),
                                           size=mp.Vector3())
    stop = mp.stop_when_fields_decayed(10, comps[0], mp.Vector3(0, y_top), decay_threshold)
    def capped(s):
        return stop(s) or s.meep_time() > cap[0]

    cap = [0.0]
    sim.init_sim()
    cap[0] = sim.fields.last_source_time() + max_time_after_sources
    sim.run(until_after_sources=capped)
    flux = {k: np.asarray(mp.get_fluxes(v)) for k, v in mons.items()}
    freqs = np.asarray(mp.get_flux_freqs(mons["top"]))
    out = {"freq": freqs, "emitted": flux["src_up"] - flux["src_dn"], "up": flux["top"], "down": -flux["bot"]}
    absorbed = np.zeros_like(freqs)
    for i in range(len(lossy)):
        absorbed += flux[f"l{i}a"] - flux[f"l{i}b"]
    out["absorbed"] = absorbed
    if kind == "h":
        for name, key in (("top", "up_sfrac"), ("bot", "down_sfrac")):
            e2 = np.array([abs(complex(np.asarray(sim.get_dft_array(dft[name], mp.Ex, j)).ravel()[0])) ** 2
                           for j in range(n_freq)])
            h2 = np.array([abs(complex(np.asarray(sim.get_dft_array(dft[name], mp.Hx, j)).ravel()[0])) ** 2
                           for j in range(n_freq)])
            medium = stack.above if name == "top" else stack.below
            from sims.materials import refractive_index

            eps = np.real(refractive_index(medium, 1.0 / freqs)) ** 2
            tot = e2 + h2 / eps
            out[key] = np.where(tot > 0, e2 / np.where(tot > 0, tot, 1.0), 0.5)
    else:
        out["up_sfrac"] = np.zeros_like(freqs)
        out["down_sfrac"] = np.zeros_like(freqs)
    out["meep_time"] = float(sim.meep_time())
    out["courant"] = float(courant)
    sim.reset_meep()
    return out


def sweep_part_datasets(results) -> tuple[dict, dict]:
    """(datasets, units) of a part of the sweep, for a file that :func:`sweep_part_results` reads."""
    ds = {"task/position_index": [t[0] for t, _ in results], "task/kx_index": [t[1] for t, _ in results],
          "task/kind_is_v": [int(t[2] == "v") for t, _ in results],
          "frequency_per_um": results[0][1]["freq"] if results else np.zeros(0)}
    units = {"task/position_index": "index into the dipole planes", "task/kx_index": "index into the kx grid",
             "task/kind_is_v": "0: h run (Ez + Ex sheet), 1: v run (Ey sheet)", "frequency_per_um": "1/um"}
    for c in SWEEP_CHANNELS:
        ds[f"run/{c}"] = np.array([r[c] for _, r in results]).reshape(len(results), -1)
        units[f"run/{c}"] = "Meep flux of a unit sheet (run x frequency); s fractions: 1"
    for k, u in (("seconds", "s (wall)"), ("meep_time", "um/c (Meep time)"), ("courant", "1 (c dt / dx)")):
        ds[f"run/{k}"] = np.array([r[k] for _, r in results], float)
        units[f"run/{k}"] = u
    return ds, units


def sweep_part_results(data: dict) -> list[tuple[tuple, dict]]:
    """Task results from the datasets of one part file (inverse of :func:`sweep_part_datasets`)."""
    out = []
    for i, (ip, ik, v) in enumerate(zip(data["task/position_index"], data["task/kx_index"], data["task/kind_is_v"])):
        r = {c: np.asarray(data[f"run/{c}"][i]) for c in SWEEP_CHANNELS}
        r.update({k: float(data[f"run/{k}"][i]) for k in ("seconds", "meep_time", "courant")})
        r["freq"] = np.asarray(data["frequency_per_um"])
        out.append(((int(ip), int(ik), "v" if v else "h"), r))
    return out


SWEEP_CHANNELS = ("emitted", "up", "down", "absorbed", "up_sfrac", "down_sfrac")
KINDS = ("h", "v")


def sweep_tasks(n_positions: int, n_kx: int, part: int = 0, parts: int = 1) -> list[tuple[int, int, str]]:
    """The (position index, kx index, kind) runs of the k_par sweep, every ``parts``-th from ``part``
    (interleaves cheap large-kx and expensive small-kx runs over the parts)."""
    tasks = [(ip, ik, kind) for ip in range(n_positions) for ik in range(n_kx) for kind in KINDS]
    return tasks[part::parts]


def run_sweep_tasks(stack, positions_um, kx, em: dict, tasks, *, resolution: float, pml_um: float,
                    decay_threshold: float) -> list[tuple[tuple, dict]]:
    """Run the given sweep tasks one after the other in this process (one Meep import, one layout).

    Returns [((ip, ik, kind), run result with "seconds")] (see :func:`meep_sheet_run`)."""
    from sims.geometry import stack_layout

    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    layout = stack_layout(stack, "2d", pml_um=pml_um, pad_below_um=em["pad_um"], pad_above_um=em["pad_um"],
                          lateral_um=0.0, band_um=band_um, wavelength_ref_um=em["el_peak_nm"] / 1e3)
    results = []
    for ip, ik, kind in tasks:
        t0 = time.perf_counter()
        r = meep_sheet_run(layout, stack, float(kx[ik]), float(positions_um[ip]), kind, resolution=resolution,
                           band_um=band_um, n_freq=int(em["n_wavelengths"]), decay_threshold=decay_threshold,
                           max_time_after_sources=em["max_time_after_sources_fs"] * C_UM_PER_FS,
                           pad_um=em["pad_um"], kz_2d=em["kz_2d"], courant=em["courant"])
        r["seconds"] = time.perf_counter() - t0
        results.append(((ip, ik, kind), r))
    return results


def assemble_sweep(results, n_positions: int, n_kx: int, n_freq: int) -> dict:
    """Sweep arrays from task results: kind -> channel -> (n_pos, n_kx, n_f), plus "freq" and the
    per-run "seconds", "meep_time", "courant" (n_pos, n_kx, 2: h, v). Every task must be present."""
    out = {k: {c: np.zeros((n_positions, n_kx, n_freq)) for c in SWEEP_CHANNELS} for k in KINDS}
    per_run = {k: np.zeros((n_positions, n_kx, 2)) for k in ("seconds", "meep_time", "courant")}
    done = set()
    for (ip, ik, kind), r in results:
        for c in SWEEP_CHANNELS:
            out[kind][c][ip, ik] = r[c]
        for k in per_run:
            per_run[k][ip, ik, KINDS.index(kind)] = r[k]
        out["freq"] = r["freq"]
        done.add((ip, ik, kind))
    missing = set(sweep_tasks(n_positions, n_kx)) - done
    if missing:
        raise ValueError(f"the k_par sweep lacks {len(missing)} of its runs, e.g. {sorted(missing)[:3]}")
    out.update(per_run)
    return out


def resolution_convergence(stack, em: dict, side: str, n_exit: float, pml_um: float, decay_threshold: float) -> dict:
    """One kx (half the exit light cone at the EL peak), middle dipole plane: the escaped fraction
    of each run kind against resolution (emission.convergence_resolutions_px_per_um), and the
    transfer matrix's value; at the middle frequency of 5 over the band."""
    from sims.geometry import stack_layout

    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    kx = 0.5 * n_exit * 1e3 / em["el_peak_nm"]
    z = emitter_positions_um(stack, em["emitter_group"], 1)[0]
    layout = stack_layout(stack, "2d", pml_um=pml_um, pad_below_um=em["pad_um"], pad_above_um=em["pad_um"],
                          lateral_um=0.0, band_um=band_um, wavelength_ref_um=em["el_peak_nm"] / 1e3)
    rows = {"resolution_px_per_um": [], "h_side_fraction": [], "v_side_fraction": [], "courant": []}
    freqs = None
    for res in em["convergence_resolutions_px_per_um"]:
        rows["resolution_px_per_um"].append(res)
        for kind in KINDS:
            r = meep_sheet_run(layout, stack, kx, z, kind, resolution=res, band_um=band_um, n_freq=5,
                               decay_threshold=decay_threshold, courant=em["courant"],
                               max_time_after_sources=em["max_time_after_sources_fs"] * C_UM_PER_FS,
                               pad_um=em["pad_um"], kz_2d=em["kz_2d"])
            rows[f"{kind}_side_fraction"].append(r[side][2] / r["emitted"][2])
            freqs = r["freq"]
        rows["courant"].append(r["courant"])
    tm = tmm_sweep(stack, [z], [kx], freqs[2:3])
    out = {k: np.asarray(v, float) for k, v in rows.items()}
    out["h_side_fraction_tmm"] = np.asarray((tm["p"][side] + tm["s"][side])[0, 0, 0] /
                                            (tm["p"]["emitted"] + tm["s"]["emitted"])[0, 0, 0])
    out["v_side_fraction_tmm"] = np.asarray(tm["v"][side][0, 0, 0] / tm["v"]["emitted"][0, 0, 0])
    out["kx_per_um"] = np.asarray(kx)
    out["wavelength_nm"] = np.asarray(1e3 / freqs[2])
    return out




def convergence_units(conv: dict) -> dict:
    """Units of the datasets of :func:`resolution_convergence`."""
    return {k: "px/um" if k == "resolution_px_per_um" else "1/um (cycles)" if k == "kx_per_um" else
            "nm" if k == "wavelength_nm" else "1 (c dt / dx)" if k == "courant" else
            "1 (fraction of the sheet's power)" for k in conv}
