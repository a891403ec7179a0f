"""Independent check of the angular emission: a line dipole in a finite 2D cell with a near-to-far projection.

The k_par sweep of :mod:`sims.emission_meep_sweep` expands a dipole into current sheets and runs one
zero-width Meep cell per in-plane wavevector. This module does the same physics the direct
way: one 2D Meep simulation (x lateral, y = stack axis, as :mod:`sims.geometry` puts it) of
the whole LED stack with a *line* dipole (uniform along z) in the emitter layer, a finite
lateral extent closed by PML on both sides (guided and plasmon modes are absorbed there), and
Meep's near-to-far transformation (``add_near2far`` on a line in the homogeneous exit
medium, ``get_farfield`` on a circle of radius ``far_radius_um``) for the angular pattern.

Polarizations in the 2D cell (stack normal y, emission plane x-y):
    kind "s": Ez line current (out of the emission plane)    -> TE (s) waves
    kind "p": Ex line current (in-plane, along the interfaces) -> TM (p) waves
    kind "v": Ey line current (vertical)                       -> TM (p) waves
Each kind is its own run with the mirror symmetry of its source about x = 0 (Ez, Ey even:
phase +1; Ex odd: phase -1; Meep's antenna-radiation example), which halves the cell.

Relation to the 1D sheets (Parseval; kx in cycles/um): the line current delta(x) is
integral dkx exp(i 2 pi kx x), so the power per unit length that a line emits into a side is
integral P_side(kx) dkx over -inf..inf, and with kx = n f sin(theta) in the exit medium
    dP/dtheta (theta, f) = n f cos(theta) P_side(n f sin(theta), f)          (per unit length).
The same P_side(kx) from the 1D sweep (``meep_sheet_run`` on the same grid: "h" run split into
s and p by its s fraction, "v" run) and from the transfer matrix (``tmm_sweep``) gives the
reference patterns (:mod:`sims.line_dipole`); the line dipole's total power is integral P_emitted
dkx. In the 2D run the total power is the net flux out of a small box around the dipole that stays inside the lossless
layers around the emitter; the extraction fraction of the line dipole is the far-field power
integrated over the exit half plane divided by it.

Units (Meep): um, f = 1/wavelength_um, c = 1; Poynting flux Re(E x H*) as Meep's add_flux.
"""

from __future__ import annotations

import math
import time

import numpy as np

from sims.config import register_check
from sims.emission import C_UM_PER_FS, emitter_positions_um, led_attrs, led_setup
from sims.emission_meep_sweep import lossy_boundaries, meep_sheet_run
from sims.line_dipole import compare_nearfar
from sims.planar_green import tmm_sweep

KINDS_2D = ("s", "p", "v")


# ---------------------------------------------------------------------------------------
# the 2D Meep run
# ---------------------------------------------------------------------------------------
def taper_segments(half_um: float, taper_um: float, resolution: float) -> list[tuple[float, float, float]]:
    """Near-field line [-half, half] as (centre, width, weight) segments with raised-cosine ends.

    A near-field line cut off where the fields are still strong (a 2D field decays only as
    r^-1/2) adds the diffraction of its two ends to the far field: ripples across all angles
    (measured: +-20 % for a line dipole in a homogeneous medium with a 6 um line at 0.3 um). The
    weights of Meep's Near2FarRegions apodize the line instead: weight 1 on |x| < half - taper,
    then 0.5 (1 + cos(pi u)) with u the fractional position across the taper, in steps of about
    0.1 um (>= 2 px). Limits (homogeneous-medium runs, 30-60 px/um): the far field at angle theta
    needs the line's Fresnel zone around x = h tan(theta), of width ~ sqrt(lambda h / cos(theta)) /
    cos(theta), inside the flat part; with a 1.5-2 um flat part the patterns are right to ~60-65 deg
    and overshoot then fall beyond (the profile metrics stop at emission.nearfar.compare_max_deg).
    """
    if taper_um <= 0:
        return [(0.0, 2.0 * half_um, 1.0)]
    if taper_um >= half_um:
        raise ValueError(f"taper {taper_um:g} um must be shorter than the half line {half_um:g} um")
    flat = half_um - taper_um
    n = max(1, int(round(taper_um / max(0.1, 2.0 / resolution))))
    step = taper_um / n
    segs = [(0.0, 2.0 * flat, 1.0)]
    for i in range(n):
        u = (i + 0.5) / n
        w = 0.5 * (1.0 + math.cos(math.pi * u))
        xc = flat + (i + 0.5) * step
        segs += [(xc, step, w), (-xc, step, w)]
    return segs


def lossless_span_um(stack, z_src_um: float, band_um) -> tuple[float, float]:
    """Stack coordinates of the contiguous run of lossless layers that holds the source."""
    lo, hi = -math.inf, math.inf
    for a, b in lossy_boundaries(stack, band_um):
        if b <= z_src_um:
            lo = max(lo, b)
        elif a >= z_src_um:
            hi = min(hi, a)
        else:
            raise ValueError(f"the dipole at {z_src_um:g} um lies in an absorbing layer ({a:g}-{b:g} um)")
    return max(lo, -0.5), min(hi, stack.thickness_um + 0.5)


def nearfar_line_dipole(stack, z_src_um: float, kind: str, *, wavelengths_um, band_um, resolution: float,
                        pml_um: float, pad_um: float, lateral_half_um: float, lateral_pml_um: float,
                        n2f_height_um: float, n2f_taper_um: float, side: str, n_theta: int, far_radius_um: float,
                        decay_threshold: float, max_time_after_sources: float,
                        wavelength_ref_um: float) -> dict:
    """One 2D Meep run of a line dipole in a planar stack of finite lateral size.

    Args:
        stack: the planar stack (emitter made lossless by the caller).
        z_src_um: stack coordinate of the dipole.
        kind: "s" (Ez), "p" (Ex) or "v" (Ey) line current.
        wavelengths_um: vacuum wavelengths of the near-to-far DFT and flux monitors.
        band_um: (min, max) wavelength of the Gaussian pulse and of the Lorentz fits.
        resolution: px/um.
        pml_um: PML thickness at both ends of the stack axis (as the 1D sweep).
        pad_um: exit/other media kept between stack and PML on both sides (um).
        lateral_half_um: half width of the non-PML region (um); the near-field line spans it.
        lateral_pml_um: PML thickness on each lateral side (um).
        n2f_height_um: distance of the near-field line from the stack surface, in the exit medium.
        n2f_taper_um: length of the raised-cosine taper of the near-field weights at each end of the
            line (see :func:`taper_segments`); 0 = a plain truncated line.
        side: "up" or "down": the exit side (semi-infinite medium above or below the stack).
        n_theta: far-field angles, uniform in [0, 90] deg from the stack normal.
        far_radius_um: radius of the far-field circle (um).
        decay_threshold: |E|^2 decay (relative to its peak) at a point in the exit medium that ends the run.
        max_time_after_sources: cap on the run after the pulse (Meep time, um/c).
        wavelength_ref_um: reference wavelength of constant lossy media.
    Returns:
        dict: theta_deg (n_theta), freq (n_f), dp_dtheta (n_theta, n_f; far-field power per unit
        angle and unit length, Re(E x H*) . r R), box_power (n_f; net flux out of the source box),
        near_side_flux / near_other_flux (n_f; flux through full-width lines in the exit and the
        other medium), seconds, meep_time, cell (x, y size) and pixels.
    """
    import meep as mp

    from sims.geometry import stack_layout

    if kind not in KINDS_2D:
        raise ValueError(f"kind must be one of {KINDS_2D}, got {kind!r}")
    if n2f_height_um >= pad_um:
        raise ValueError(f"n2f_height_um {n2f_height_um:g} must be below pad_um {pad_um:g} (line outside the PML)")
    t0 = time.perf_counter()
    mp.verbosity(0)
    width = 2.0 * (lateral_half_um + lateral_pml_um)
    layout = stack_layout(stack, "2d", pml_um=pml_um, pad_below_um=pad_um, pad_above_um=pad_um, lateral_um=width,
                          lateral_pml_um=lateral_pml_um, band_um=band_um, wavelength_ref_um=wavelength_ref_um)
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    fcen, df = 0.5 * (fmin + fmax), fmax - fmin
    freqs = np.sort(1.0 / np.asarray(wavelengths_um, dtype=float))
    comp = {"s": mp.Ez, "p": mp.Ex, "v": mp.Ey}[kind]
    phase = -1 if kind == "p" else +1
    ys = layout.axis_coord(z_src_um)
    sim = mp.Simulation(cell_size=layout.cell_size, geometry=layout.geometry, boundary_layers=layout.pml_layers,
                        resolution=resolution, sources=[mp.Source(mp.GaussianSource(fcen, fwidth=1.2 * df),
                                                                  component=comp, center=mp.Vector3(0, ys))],
                        symmetries=[mp.Mirror(mp.X, phase=phase)])
    sgn = 1.0 if side == "up" else -1.0
    y_n2f = layout.axis_coord(stack.thickness_um + n2f_height_um) if side == "up" else layout.axis_coord(-n2f_height_um)
    y_other = layout.axis_coord(-n2f_height_um) if side == "up" else layout.axis_coord(stack.thickness_um + n2f_height_um)
    W = 2.0 * lateral_half_um
    regions = [mp.Near2FarRegion(center=mp.Vector3(xc, y_n2f), size=mp.Vector3(wd, 0), weight=sgn * wt)
               for xc, wd, wt in taper_segments(lateral_half_um, n2f_taper_um, resolution)]
    n2f = sim.add_near2far(freqs, *regions)
    side_flux = sim.add_flux(freqs, mp.FluxRegion(center=mp.Vector3(0, y_n2f), size=mp.Vector3(W, 0), weight=sgn))
    other_flux = sim.add_flux(freqs, mp.FluxRegion(center=mp.Vector3(0, y_other), size=mp.Vector3(W, 0), weight=-sgn))
    # source box inside the lossless layers around the dipole, 1 px from their absorbing neighbours
    lo, hi = lossless_span_um(stack, z_src_um, band_um)
    half = min(0.1, z_src_um - lo - 1.0 / resolution, hi - z_src_um - 1.0 / resolution)
    if half < 1.0 / resolution:
        raise ValueError(f"no room for a source box of >= 1 px around the dipole at {z_src_um:g} um "
                         f"(lossless span {lo:g}-{hi:g} um) at {resolution:g} px/um")
    bx = 0.1
    box = sim.add_flux(freqs,
                       mp.FluxRegion(center=mp.Vector3(0, ys + half), size=mp.Vector3(2 * bx, 0), weight=+1),
                       mp.FluxRegion(center=mp.Vector3(0, ys - half), size=mp.Vector3(2 * bx, 0), weight=-1),
                       mp.FluxRegion(center=mp.Vector3(bx, ys), size=mp.Vector3(0, 2 * half), weight=+1),
                       mp.FluxRegion(center=mp.Vector3(-bx, ys), size=mp.Vector3(0, 2 * half), weight=-1))
    # the pulse must have crossed the whole near-field line: the field decays at its centre and
    # at its end (a safeguard: in the homogeneous test the patterns were the same with the centre
    # probe alone; their large-angle error there comes from the line's finite length, see taper_segments)
    stops = [mp.stop_when_fields_decayed(10, comp, mp.Vector3(x, y_n2f), decay_threshold)
             for x in (0.0, lateral_half_um)]
    cap = [0.0]

    def capped(s):
        done = [st(s) for st in stops]  # every condition sees every step (each tracks its own peak)
        return all(done) or s.meep_time() > cap[0]

    sim.init_sim()
    cap[0] = sim.fields.last_source_time() + max_time_after_sources
    sim.run(until_after_sources=capped)
    theta = np.linspace(0.0, 90.0, int(n_theta))
    th = np.radians(theta)
    dp = np.zeros((theta.size, freqs.size))
    for i, t in enumerate(th):
        r_hat = np.array([math.sin(t), sgn * math.cos(t), 0.0])
        ff = np.asarray(sim.get_farfield(n2f, mp.Vector3(far_radius_um * r_hat[0], ys + far_radius_um * r_hat[1])))
        ff = ff.reshape(freqs.size, 6)
        e, h = ff[:, :3], ff[:, 3:]
        s_vec = np.real(np.cross(e, np.conj(h)))
        dp[i] = far_radius_um * (s_vec @ r_hat)
    out = {"theta_deg": theta, "freq": freqs, "dp_dtheta": dp,
           "box_power": np.asarray(mp.get_fluxes(box)), "near_side_flux": np.asarray(mp.get_fluxes(side_flux)),
           "near_other_flux": np.asarray(mp.get_fluxes(other_flux)), "meep_time": float(sim.meep_time()),
           "cell_um": np.array([layout.cell_size.x, layout.cell_size.y]),
           "pixels": float(layout.cell_size.x * layout.cell_size.y * resolution**2),
           "source_box_half_height_um": half}
    sim.reset_meep()
    out["seconds"] = time.perf_counter() - t0
    return out


# ---------------------------------------------------------------------------------------
# the 1D references on the same grid and by transfer matrix
# ---------------------------------------------------------------------------------------
def sheet_reference_meep(stack, z_src_um: float, kx, freqs, *, band_um, resolution: float, pml_um: float,
                         pad_um: float, decay_threshold: float, max_time_after_sources: float, kz_2d: str,
                         wavelength_ref_um: float, comm=None, courant: float = 0.5) -> dict:
    """Meep zero-width-cell sheet runs (kinds h and v) at the given kx, split over MPI ranks.

    Same stack_layout (pml, pads) as the 2D run, so the grid along the stack axis is the same.
    Returns dict kind ("s", "p", "v") -> channel ("up", "down", "emitted") -> (n_kx, n_f);
    "emitted" of s and p is their sum (one h run holds both), the escaping s/p split comes from
    the run's s fraction; plus "seconds" (total wall time of this rank's runs, summed over ranks).
    """
    import meep as mp

    from sims.geometry import stack_layout

    size, rank = (comm.Get_size(), comm.Get_rank()) if comm is not None else (1, 0)
    if size > 1:
        mp.divide_parallel_processes(size)
    layout = stack_layout(stack, "2d", pml_um=pml_um, pad_below_um=pad_um, pad_above_um=pad_um, lateral_um=0.0,
                          band_um=band_um, wavelength_ref_um=wavelength_ref_um)
    tasks = [(ik, kind) for ik in range(len(kx)) for kind in ("h", "v")]
    results = []
    t0 = time.perf_counter()
    for ik, kind in tasks[rank::size]:
        r = meep_sheet_run(layout, stack, float(kx[ik]), z_src_um, kind, resolution=resolution, band_um=band_um,
                           n_freq=len(freqs), decay_threshold=decay_threshold,
                           max_time_after_sources=max_time_after_sources, pad_um=pad_um, kz_2d=kz_2d, freqs=freqs,
                           courant=courant)
        results.append(((ik, kind), r))
    secs = time.perf_counter() - t0
    if comm is not None and size > 1:
        gathered = comm.allgather((results, secs))
        results = [x for part, _ in gathered for x in part]
        secs = sum(s for _, s in gathered)
    nk, nf = len(kx), len(freqs)
    out = {k: {c: np.zeros((nk, nf)) for c in ("up", "down", "emitted")} for k in KINDS_2D}
    for (ik, kind), r in results:
        if kind == "v":
            for c in ("up", "down", "emitted"):
                out["v"][c][ik] = r[c]
        else:
            for c, fr in (("up", "up_sfrac"), ("down", "down_sfrac")):
                out["s"][c][ik] = r[c] * r[fr]
                out["p"][c][ik] = r[c] * (1.0 - r[fr])
            out["s"]["emitted"][ik] = out["p"]["emitted"][ik] = r["emitted"]
    out["seconds"] = secs
    return out


# ---------------------------------------------------------------------------------------
# the check of one LED
# ---------------------------------------------------------------------------------------
NEARFAR_METHOD = ("2D Meep line dipole (mirror symmetry), finite lateral size with PML, near-to-far projection from "
                  "an apodized line in the exit medium, vs n f cos(theta) P_side(kx) of the 1D sheet runs on the "
                  "same grid and of the transfer matrix; profiles normalized to their maxima over 0..compare_max_deg")


def nearfar_check(settings: dict, led: str, comm=None) -> dict | None:
    """The near-to-far check of one LED (emission.nearfar): every rank works on each 2D run (one per
    line-current kind, middle dipole plane of the working stack), the ranks split the 1D reference
    runs (zero-width cell, same grid, kx uniform in angle to the light cone of the exit medium at the
    highest frequency), rank 0 adds the transfer matrix (kx to 16 cycles/um, 16001 points) and compares.

    Returns on rank 0 :func:`sims.line_dipole.compare_nearfar` plus attrs (LED, grid, cost and the
    comparison metrics, no provenance), theta_deg, freqs, compare_max_deg, exit_medium and seconds
    (wall time of the Meep runs); None on the other ranks.
    """
    rank = comm.Get_rank() if comm is not None else 0
    em = settings["emission"]
    nf = em["nearfar"]
    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    wl_ref_um = em["el_peak_nm"] / 1e3
    su = led_setup(settings, led, grids=False)  # calibrated where cavity.calibration lists the stack
    stack, side, n_exit = su["stack"], su["side"], su["n_exit"]
    z_src = float(emitter_positions_um(stack, em["emitter_group"], 1)[0])
    wls_um = np.sort(np.asarray(nf["wavelengths_nm"], float)) / 1e3
    res = float(nf["resolution_px_per_um"])
    kinds = list(nf["kinds"])
    common = dict(band_um=band_um, resolution=res, pml_um=nf["pml_um"], pad_um=nf["pad_um"],
                  decay_threshold=settings["simulation"]["decay_threshold"], wavelength_ref_um=wl_ref_um)
    t0 = time.perf_counter()
    runs = {kind: nearfar_line_dipole(
        stack, z_src, kind, wavelengths_um=wls_um, lateral_half_um=nf["lateral_half_width_um"],
        lateral_pml_um=nf["lateral_pml_um"], n2f_height_um=nf["n2f_height_um"], n2f_taper_um=nf["n2f_taper_um"],
        side=side, n_theta=nf["n_theta"], far_radius_um=nf["far_radius_um"],
        max_time_after_sources=nf["max_time_after_sources_fs"] * C_UM_PER_FS, **common) for kind in kinds}
    freqs = runs[kinds[0]]["freq"]
    t1 = time.perf_counter()
    kx_ref = n_exit * freqs.max() * np.sin(np.radians(np.linspace(0.0, 90.0, int(nf["n_kx_reference"]))))
    ref1d = sheet_reference_meep(stack, z_src, kx_ref, freqs, kz_2d=em["kz_2d"], courant=em["courant"],
                                 max_time_after_sources=em["max_time_after_sources_fs"] * C_UM_PER_FS,
                                 comm=comm, **common)
    t2 = time.perf_counter()
    if rank != 0:
        return None
    # transfer matrix (exact materials, no grid): dense kx, far into the evanescent range
    kx_tm = np.linspace(0.0, 16.0, 16001)
    tm = tmm_sweep(stack, [z_src], kx_tm, freqs)
    cmp_max = float(nf["compare_max_deg"])
    out = compare_nearfar(runs, ref1d, tm, side, n_exit, kx_ref, kx_tm, freqs, cmp_max, em["orientation"])
    out["attrs"] = {
        **led_attrs(led, su), "dipole_position_um": z_src, "resolution_px_per_um": res,
        "compare_max_deg": cmp_max, "kinds": ",".join(kinds),
        "cell_um": ",".join(f"{v:.3f}" for v in runs[kinds[0]]["cell_um"]),
        "seconds_2d_total": float(sum(r["seconds"] for r in runs.values())),
        "seconds_reference_1d_wall": float(t2 - t1), "seconds_reference_1d_cpu": float(ref1d["seconds"]),
        "mpi_ranks": comm.Get_size() if comm is not None else 1,
        "method": NEARFAR_METHOD,
        **out["metrics"],
    }
    out.update(theta_deg=runs[kinds[0]]["theta_deg"], freqs=freqs, compare_max_deg=cmp_max,
               exit_medium=su["exit_mat"].name, seconds=t2 - t0)
    return out


# ---------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------
@register_check
def check_nearfar(config: dict):
    """LEDs exist, wavelengths inside the emission band, line inside the cell, taper shorter than the line."""
    em = config.get("emission")
    if not em or "nearfar" not in em:
        return
    nf = em["nearfar"]
    for led in nf["leds"]:
        if led not in em["leds"]:
            yield "emission.nearfar.leds", f"{led!r} is not an LED under emission.leds ({', '.join(em['leds'])})"
    lo, hi = em["wavelength_min_nm"], em["wavelength_max_nm"]
    for wl in nf["wavelengths_nm"]:
        if not lo <= wl <= hi:
            yield "emission.nearfar.wavelengths_nm", f"{wl:g} nm is outside the emission band {lo:g}-{hi:g} nm"
    if nf["n2f_height_um"] >= nf["pad_um"]:
        yield "emission.nearfar.n2f_height_um", (f"{nf['n2f_height_um']:g} um must be below emission.nearfar.pad_um = "
                                                 f"{nf['pad_um']:g} um (the near-field line must lie outside the PML)")
    if nf["n2f_taper_um"] >= nf["lateral_half_width_um"]:
        yield "emission.nearfar.n2f_taper_um", (f"{nf['n2f_taper_um']:g} um must be shorter than "
                                                f"emission.nearfar.lateral_half_width_um = {nf['lateral_half_width_um']:g} um")
    for key in ("pml_um", "lateral_pml_um"):
        if nf[key] < 0.5 * hi / 1e3:
            yield f"emission.nearfar.{key}", (f"{nf[key]:g} um is thinner than half the longest simulated wavelength "
                                              f"({hi:g} nm)")
