"""Reflectance, transmittance and absorptance of planar stacks (DBRs) by 1D Meep FDTD.

Method (Meep units: length 1 um, frequency f = 1/wavelength_um, c = 1):

* the stack lies along z in a 1D cell (``sims.geometry.stack_layout(stack, "1d")``) with
  PML at both ends; the semi-infinite media run into the PML;
* a broadband Gaussian current sheet in the incidence medium (``below``) launches a
  pulse upward; oblique incidence uses the Bloch wavevector ``k_point = (kx, 0, 0)``, so a
  run has a fixed in-plane wavevector and the angle in the incidence medium changes with
  frequency, sin(theta) = kx / (n_below f); frequencies with kx >= n_below f are evanescent
  (NaN in the results). The stack axis is z in the 1D cell (``stack_layout(stack, "1d")``)
  used at normal incidence (Meep's 1D grid holds Ex and Hy only, so that run is p = s);
  oblique runs (and s at normal incidence) use a 2D cell of zero width with the stack along
  y and k_point along x (Meep's 2D cells are x-y): s polarization = Ez source (E normal
  to the plane of incidence), p polarization = Ex source (E in the plane of incidence).
  That is the same 1D problem with all field components of one polarization, and ~4x
  cheaper per step than the 3D-typed zero-size cell of the tutorial;
* two-run flux normalization as in Meep's tutorial "Angular reflectance spectrum of a
  planar interface" (Meep docs, Python tutorials, "Basics"): an empty run (incidence
  medium everywhere) gives the incident flux and the incident DFT fields at the
  reflection plane; the stack run subtracts those fields (``load_minus_flux_data``) so the
  reflection monitor sees the reflected wave only. T is measured just inside the exit
  medium; A = 1 - R - T is the power absorbed in the layers;
* every run stops with ``stop_when_fields_decayed``.

The independent reference is the transfer-matrix method (PyPI ``tmm``; S. J. Byrnes,
arXiv:1603.02720) evaluated at exactly the same (f, kx) points and with exactly the
permittivities Meep uses.

References: A. F. Oskooi et al., Comput. Phys. Commun. 181, 687 (2010) (Meep);
Meep documentation, "Python Tutorials / Basics / Angular Reflectance Spectrum of a
Planar Interface".
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from sims.config import mirror_band_nm, register_check
from sims.stack import Stack

POLARIZATIONS = ("s", "p")
STOP_BAND_LEVEL = 0.9
"""R level whose crossings define the stop-band edges. 0.5 is ill-conditioned on these DBRs:
the first side lobe of dbr2 (NOA81 | DBR | FAPbI3) peaks at R ~ 0.5 next to the band, so a 0.03
difference moved the "edge" by 8 nm; the main band's flanks are steep at 0.9."""


# ---------------------------------------------------------------------------------------
# 1D Meep: R, T, A of one stack at one in-plane wavevector
# ---------------------------------------------------------------------------------------
def _meep():
    import meep as mp

    mp.verbosity(0)
    return mp


def _time_cap(t_after_sources: float):
    """A run condition: true once ``t_after_sources`` time units have passed after the sources."""

    def cond(sim):
        return sim.meep_time() >= sim.fields.last_source_time() + t_after_sources

    return cond


def stack_rta_meep(stack: Stack, freqs_um_inv, kx_um_inv: float = 0.0, pol: str = "s",
                   resolution_px_per_um: float = 400.0, pml_um: float = 1.0,
                   decay_threshold: float = 1e-6, *, pad_below_um: float = 0.4,
                   pad_above_um: float = 1.0, decay_dt: float = 20.0,
                   wavelength_ref_um: float | None = None, band_um: tuple | None = None,
                   lossless: bool = False, source_bandwidth_factor: float | None = None,
                   max_sin_theta: float = 0.94,
                   courant: float = 0.5, max_time_after_sources: float | None = None,
                   decay_at: str = "transmission", run_time_after_sources: float | None = None,
                   settle_window: float = 0.2) -> dict:
    """R, T, A of a planar stack lit from ``below`` by 1D Meep (two-run flux method).

    Args:
        stack: the planar stack; its ``below`` medium must be lossless.
        freqs_um_inv: frequencies f = 1 / (vacuum wavelength in um), 1/um (Meep units).
        kx_um_inv: in-plane wavevector, 1/um (Meep units, no 2 pi: kx = n_below f sin(theta)).
        pol: "s" (E normal to the plane of incidence) or "p" (E in the plane of incidence).
        resolution_px_per_um: grid resolution, pixels per um.
        pml_um: PML thickness at each end of the cell, um.
        decay_threshold: ``stop_when_fields_decayed`` threshold (|E|^2 relative to its peak).
        pad_below_um, pad_above_um: incidence / exit medium kept between the stack and the PML, um.
            The exit side must hold evanescent tails (total internal reflection at kx > 0) away
            from the PML, which absorbs them: with 0.2 um, 5 pairs of dbr3 into air at 40 deg
            gave RMS |dR| 0.063 (p); with 1.0 um 0.0099 (p) and 0.0003 (s) (measured).
        decay_dt: time window of the decay check, Meep time units (um / c).
        wavelength_ref_um: reference wavelength for constant lossy media (default: band centre).
        band_um: (min, max) wavelength for Lorentz fits of tabulated media (default: from freqs).
        lossless: every medium lossless (Re n at ``wavelength_ref_um``).
        source_bandwidth_factor: Meep GaussianSource fwidth / width of the computed band
            (default 1.2 at normal incidence, 1.0 at kx > 0: Meep's Gaussian amplitude is
            exp(-2 pi^2 ((f - fcen) / fwidth)^2), so a narrower pulse starves the grazing cutoffs).
        max_sin_theta: at kx > 0 only frequencies with sin(theta) = kx / (n_below f) <= this are
            computed (the rest is NaN) and the pulse is centred on them: frequencies near the
            grazing cutoff leave the source at a vanishing group velocity, decay as a power law
            and spoil the whole spectrum through the truncated DFT (measured on dbr3).
        courant: Courant number c dt / dx (1D grids are stable up to 1; 0.95 halves the
            steps of Meep's default 0.5 and measured no loss of accuracy against tmm).
        max_time_after_sources: optional cap (Meep time units after the source has ended) on
            the stack run. At kx > 0 the pulse holds frequencies near the grazing cutoff
            f = kx / n_below, whose energy leaves the source region at a vanishing group
            velocity, so the field decay at a point becomes slow (not exponential) although
            the band frequencies rang down long before. ``capped`` in the result says the cap
            ended the run.
        decay_at: where the stack run's field decay is checked: "transmission" (just inside
            the exit medium; sees the ringdown of the stack, not the slow near-grazing fields
            that linger around the source) or "reflection" (the reflection plane).
        run_time_after_sources: if given, both runs last exactly this long after the source
            (no decay check): the incident near-grazing fields are then truncated alike in the
            empty and the stack run and cancel in ``load_minus_flux_data``.
        settle_window: the DFT spectra of the stack run are sampled during the run; ``settle``
            is, per frequency, max(|dR|, |dT|) between the end of the run and the time
            ``settle_window`` x (run time after the source) earlier. A frequency whose R or T
            still moves there holds energy that has not left the stack when the run ends (a
            high-Q resonance cut by the time cap): its R and T are not converged, whatever
            the reference says. Runs that stop by field decay give ~0 everywhere.
    Returns:
        dict with arrays ``R``, ``T``, ``A`` (NaN where kx >= n_below f: evanescent incidence),
        ``settle`` (see ``settle_window``; NaN where R is),
        ``freqs_um_inv``, and scalars ``kx_um_inv``, ``pol``, ``meep_time`` (simulated time of
        the stack run, um/c), ``wall_time_s`` (both runs).
    """
    from sims.geometry import stack_layout
    from sims.materials import refractive_index

    if pol not in POLARIZATIONS:
        raise ValueError(f"pol must be 's' or 'p', got {pol!r}")
    mp = _meep()
    t0 = time.perf_counter()
    f = np.atleast_1d(np.asarray(freqs_um_inv, dtype=float))
    if f.size < 1 or np.any(f <= 0):
        raise ValueError("freqs_um_inv must be positive")
    fmin, fmax = float(f.min()), float(f.max())
    if band_um is None:
        band_um = (1.0 / fmax, 1.0 / fmin)
    if wavelength_ref_um is None:
        wavelength_ref_um = 2.0 / (fmin + fmax)
    n_below = complex(refractive_index(stack.below, wavelength_ref_um))
    if abs(n_below.imag) > 0:
        raise ValueError(f"incidence medium {stack.below.name!r} must be lossless for a defined R")

    # Cell: pure 1D (Meep's 1D grid holds Ex/Hy only) for p at normal incidence; otherwise
    # a 2D cell of zero width (stack along y, Meep's 2D axis convention) with the Bloch
    # wavevector along x. It is the same 1D problem with all the field components of one
    # polarization (s: Ez, Hx, Hy; p: Ex, Ey, Hz) and is ~4x cheaper per step than the 3D-typed
    # zero-size cell of Meep's angular-reflectance tutorial (measured: 70 vs 320 us/step).
    pure_1d = (kx_um_inv == 0.0 and pol == "p")
    dims_name = "1d" if pure_1d else "2d"
    kw = dict(pml_um=pml_um, pad_below_um=pad_below_um, pad_above_um=pad_above_um,
              wavelength_ref_um=wavelength_ref_um, band_um=tuple(band_um), lossless=lossless)
    if not pure_1d:
        kw["lateral_um"] = 0.0
    # A whole number of pixels along the stack axis (Meep would round the cell otherwise), and
    # the bottom of the stack on a voxel boundary (half-integer grid coordinate from the cell
    # centre): with the first interface on an integer grid coordinate instead, the 20-pair
    # dbr3 at 400 px/um gave RMS |dR| 0.022 against tmm, on a voxel boundary 0.004 (measured).
    dz = 1.0 / resolution_px_per_um
    pb0, pa0 = pad_below_um, pad_above_um
    for k in range(8):
        pad_below_um = pb0 + k * dz / 4
        length = stack.thickness_um + pad_below_um + pa0 + 2 * pml_um
        n_px = math.ceil(length * resolution_px_per_um - 1e-6)
        pad_above_um = pa0 + n_px / resolution_px_per_um - length
        off = -n_px / 2 + (pml_um + pad_below_um) * resolution_px_per_um
        if abs(off % 1.0 - 0.5) < 1e-6:
            break
    kw["pad_below_um"], kw["pad_above_um"] = pad_below_um, pad_above_um
    layout = stack_layout(stack, dims_name, **kw)
    # empty run: the incidence medium everywhere, same cell, same source and monitor places
    empty = Stack(stack.name + "[empty]", stack.below, stack.below, ())
    layout0 = stack_layout(empty, dims_name, **{**kw, "pad_above_um": pad_above_um + stack.thickness_um})
    assert abs(layout0.length_um - layout.length_um) < 1e-12

    # places (stack coordinate s, 0 = bottom of the first layer)
    dz = 1.0 / resolution_px_per_um
    s_src = -pad_below_um + 0.25 * pad_below_um
    s_refl = -0.5 * pad_below_um
    s_tran = stack.thickness_um + min(2 * dz, 0.5 * pad_above_um)

    n0 = n_below.real
    f_lo = max(fmin, kx_um_inv / (n0 * max_sin_theta)) if kx_um_inv else fmin
    if f_lo >= fmax:
        nan = np.full(f.size, np.nan)
        return {"R": nan, "T": nan.copy(), "A": nan.copy(), "settle": nan.copy(), "freqs_um_inv": f, "kx_um_inv": float(kx_um_inv),
                "pol": pol, "meep_time": 0.0, "empty_wall_time_s": 0.0, "capped": False,
                "wall_time_s": time.perf_counter() - t0}
    if source_bandwidth_factor is None:
        source_bandwidth_factor = 1.0 if kx_um_inv else 1.2
    fcen = 0.5 * (f_lo + fmax)
    df = max(source_bandwidth_factor * (fmax - f_lo), 0.2 * fcen)
    if pure_1d:
        comp, normal = mp.Ex, mp.Z
    else:
        comp, normal = (mp.Ez if pol == "s" else mp.Ex), mp.Y
    k_point = mp.Vector3(kx_um_inv, 0, 0) if kx_um_inv != 0.0 else False

    def make(lay):
        src = [mp.Source(mp.GaussianSource(fcen, fwidth=df), component=comp, center=lay.vector(s_src))]
        return mp.Simulation(cell_size=lay.cell_size, geometry=lay.geometry, boundary_layers=lay.pml_layers,
                             sources=src, resolution=resolution_px_per_um, dimensions=lay.dimensions,
                             k_point=k_point, Courant=courant)

    freqs = list(f)
    # --- run 1: empty cell
    sim0 = make(layout0)
    refl0 = sim0.add_flux(freqs, mp.FluxRegion(center=layout0.vector(s_refl), direction=normal))
    pt0 = layout0.vector(s_refl)
    until0 = [mp.stop_when_fields_decayed(decay_dt, comp, pt0, decay_threshold)]
    if max_time_after_sources is not None:
        until0.append(_time_cap(max_time_after_sources))
    if run_time_after_sources is not None:
        until0 = float(run_time_after_sources)
    sim0.run(until_after_sources=until0)
    incident = np.array(mp.get_fluxes(refl0))
    refl0_data = sim0.get_flux_data(refl0)
    sim0.reset_meep()
    t_empty = time.perf_counter() - t0

    # --- run 2: the stack
    sim = make(layout)
    refl = sim.add_flux(freqs, mp.FluxRegion(center=layout.vector(s_refl), direction=normal))
    tran = sim.add_flux(freqs, mp.FluxRegion(center=layout.vector(s_tran), direction=normal))
    sim.load_minus_flux_data(refl, refl0_data)
    pt = layout.vector(s_tran if decay_at == "transmission" else s_refl)
    until = [mp.stop_when_fields_decayed(decay_dt, comp, pt, decay_threshold)]
    if max_time_after_sources is not None:
        until.append(_time_cap(max_time_after_sources))
    if run_time_after_sources is not None:
        until = float(run_time_after_sources)
    history = []  # (Meep time, reflected flux, transmitted flux) sampled during the run

    def sample(s):
        history.append((s.meep_time(), np.array(mp.get_fluxes(refl)), np.array(mp.get_fluxes(tran))))

    sim.run(mp.at_every(0.5 * decay_dt, sample), until_after_sources=until)
    meep_time = float(sim.meep_time())
    capped = bool(max_time_after_sources is not None and
                  meep_time >= sim.fields.last_source_time() + max_time_after_sources - 1e-9)
    reflected = np.array(mp.get_fluxes(refl))
    transmitted = np.array(mp.get_fluxes(tran))
    t_src = float(sim.fields.last_source_time())
    sim.reset_meep()
    t_back = meep_time - settle_window * max(meep_time - t_src, 0.0)
    earlier = [h for h in history if h[0] <= t_back + 1e-9]
    if earlier:
        _, refl_b, tran_b = earlier[-1]
    else:
        refl_b, tran_b = np.zeros_like(reflected), np.zeros_like(transmitted)

    evanescent = (kx_um_inv >= n0 * f * (1 - 1e-9)) | (f < f_lo * (1 - 1e-12))
    with np.errstate(divide="ignore", invalid="ignore"):
        R = -reflected / incident
        T = transmitted / incident
        settle = np.maximum(np.abs(reflected - refl_b), np.abs(transmitted - tran_b)) / np.abs(incident)
    R[evanescent] = np.nan
    T[evanescent] = np.nan
    settle[evanescent] = np.nan
    return {"R": R, "T": T, "A": 1.0 - R - T, "settle": settle, "freqs_um_inv": f, "kx_um_inv": float(kx_um_inv),
            "pol": pol, "meep_time": meep_time, "empty_wall_time_s": t_empty, "capped": capped, "wall_time_s": time.perf_counter() - t0}


# ---------------------------------------------------------------------------------------
# transfer-matrix reference at the same (f, kx) points, with Meep's permittivities
# ---------------------------------------------------------------------------------------
def meep_indices(stack: Stack, freqs_um_inv, wavelength_ref_um: float, band_um: tuple,
                 lossless: bool = False) -> np.ndarray:
    """Complex n (Im n >= 0 = loss) of [below, layers..., above] as Meep sees them.

    Args:
        stack: the stack.
        freqs_um_inv: frequencies, 1/um.
        wavelength_ref_um, band_um, lossless: as for :func:`sims.materials.meep_medium`.
    Returns:
        array (n_freqs, n_layers + 2), complex.
    """
    from sims.materials import meep_medium, meep_medium_index

    f = np.atleast_1d(np.asarray(freqs_um_inv, dtype=float))
    mats = [stack.below, *[l.material for l in stack.layers], stack.above]
    cols: dict = {}
    for m in mats:
        if m.name not in cols:
            med = meep_medium(m, wavelength_ref_um, lossless=lossless, band_um=tuple(band_um))
            cols[m.name] = np.array([meep_medium_index(med, 1.0 / fi) for fi in f])
    return np.stack([cols[m.name] for m in mats], axis=1)


def stack_rta_tmm(stack: Stack, freqs_um_inv, kx_um_inv: float = 0.0, pol: str = "s",
                  indices: np.ndarray | None = None, wavelength_ref_um: float | None = None,
                  band_um: tuple | None = None, lossless: bool = False) -> dict:
    """R, T, A by transfer matrix (``tmm.coh_tmm``) at fixed kx, as :func:`stack_rta_meep`.

    Args:
        stack: the stack.
        freqs_um_inv: frequencies, 1/um.
        kx_um_inv: in-plane wavevector, 1/um (Meep units); sin(theta) = kx / (n_below f).
        pol: "s" or "p".
        indices: precomputed :func:`meep_indices` (n_freqs, n_layers + 2); computed if None.
        wavelength_ref_um, band_um, lossless: as for :func:`stack_rta_meep` (defaults alike).
    Returns:
        dict of arrays R, T, A (NaN where the incidence is evanescent).
    """
    import tmm

    f = np.atleast_1d(np.asarray(freqs_um_inv, dtype=float))
    if band_um is None:
        band_um = (1.0 / f.max(), 1.0 / f.min())
    if wavelength_ref_um is None:
        wavelength_ref_um = 2.0 / (f.min() + f.max())
    if indices is None:
        indices = meep_indices(stack, f, wavelength_ref_um, band_um, lossless)
    d = [np.inf] + [l.thickness_um for l in stack.layers] + [np.inf]
    R, T = np.full(f.size, np.nan), np.full(f.size, np.nan)
    for i, fi in enumerate(f):
        n = indices[i].copy()
        n0 = n[0].real
        s = kx_um_inv / (n0 * fi)
        if s >= 1.0 - 1e-9:
            continue
        n[0] = n0
        res = tmm.coh_tmm(pol, n, d, np.arcsin(s), 1.0 / fi)
        R[i], T[i] = res["R"], res["T"]
    return {"R": R, "T": T, "A": 1.0 - R - T}


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
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x**2))) if x.size else float("nan")


def evaluate_claims(claims: list, wavelength_nm, spectra: dict, band_nm: tuple) -> list:
    """Check 'quantity > above over [min, max] nm' claims on normal-incidence spectra.

    Args:
        claims: config entries {mirror, quantity, above, wavelength_min_nm, wavelength_max_nm}.
        wavelength_nm: (n,) wavelengths.
        spectra: {"meep": {R, T, A}, "tmm": {R, T, A}} at normal incidence.
        band_nm: simulated band; a claim leaving it is reported as not evaluated.
    Returns:
        list of dicts with the claim, and per method the worst (lowest) value, where, the
        margin (worst - above; negative = misses by that much) and ``holds``.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    out = []
    for c in claims:
        entry = dict(c)
        lo, hi = c["wavelength_min_nm"], c["wavelength_max_nm"]
        inside = lo >= band_nm[0] - 1e-9 and hi <= band_nm[1] + 1e-9
        sel = (wl >= lo) & (wl <= hi)
        if not inside or not sel.any():
            entry["evaluated"] = False
            entry["reason"] = f"claim band {lo:g}-{hi:g} nm leaves the simulated band {band_nm[0]:g}-{band_nm[1]:g} nm"
            out.append(entry)
            continue
        entry["evaluated"] = True
        for method in ("meep", "tmm"):
            vals = np.asarray(spectra[method][c["quantity"]], dtype=float)[sel]
            k = int(np.argmin(vals))
            entry[method] = {"worst": float(vals[k]), "worst_at_nm": float(wl[sel][k]),
                             "margin": float(vals[k] - c["above"]), "holds": bool(vals[k] > c["above"]),
                             "fraction_of_band_holding": float(np.mean(vals > c["above"]))}
        out.append(entry)
    return out


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


def _mirror_band(config: dict, mirror: str):
    """(settings, stack, wavelength_nm, f 1/um, band_um, reference wavelength um) of a mirror step."""
    from sims.stack import build_mirror

    st = mirror_settings(config, mirror)
    stack = build_mirror(config, mirror, st["below"], st["above"])
    lo, hi = st["band_nm"]
    wavelength_nm = np.linspace(lo, hi, st["n_wavelengths"])
    f = 1e3 / wavelength_nm
    return st, stack, wavelength_nm, f, (lo / 1e3, hi / 1e3), 2.0 / (f.min() + f.max())


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

    st, stack, wavelength_nm, f, band_um, wl_ref = _mirror_band(config, mirror)
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
        exact = {q: np.empty((len(st["angles_deg"]), f.size)) for q in "RTA"}
        for a, ang in enumerate(st["angles_deg"]):
            # tmm exactly at the angle: kx = n_below f sin(theta) differs per frequency
            for j, fj in enumerate(f):
                t = stack_rta_tmm(stack, [fj], n_below * fj * math.sin(math.radians(ang)), pol,
                                  indices=idx[j:j + 1])
                for q in "RTA":
                    exact[q][a, j] = t[q][0]
        angle[pol]["tmm_exact"] = exact
    wall = time.perf_counter() - t_start

    # metrics
    dR_normal = normal["meep"]["R"] - normal["tmm"]["R"]
    center = quarter_wave_nm(stack)
    edges_meep = stop_band_edges_nm(wavelength_nm, normal["meep"]["R"], STOP_BAND_LEVEL, center)
    edges_tmm = stop_band_edges_nm(wavelength_nm, normal["tmm"]["R"], STOP_BAND_LEVEL, center)
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
        "normal": {
            "rms_dR": rms(dR_normal), "max_abs_dR": float(np.nanmax(np.abs(dR_normal))),
            "rms_dT": rms(normal["meep"]["T"] - normal["tmm"]["T"]),
            "max_abs_dA": float(np.nanmax(np.abs(normal["meep"]["A"] - normal["tmm"]["A"]))),
            "quarter_wave_nm": center,
            "stop_band_definition": f"R = {STOP_BAND_LEVEL} crossings (linear interpolation between samples) of the contiguous R >= {STOP_BAND_LEVEL} region containing the quarter-wave wavelength 2*sum(n d)",
            "edges_meep_nm": list(edges_meep), "edges_tmm_nm": list(edges_tmm),
            "edge_errors_nm": [edges_meep[0] - edges_tmm[0], edges_meep[1] - edges_tmm[1]],
        },
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
        dR = sweep[pol]["meep"]["R"] - sweep[pol]["tmm"]["R"]
        dA = sweep[pol]["meep"]["A"] - sweep[pol]["tmm"]["A"]
        interp_err = angle[pol]["tmm"]["R"] - angle[pol]["tmm_exact"]["R"]
        settle = sweep[pol]["meep"]["settle"]
        unsettled = np.isfinite(dR) & (settle > st["settle_tolerance"])
        dR_settled = np.where(unsettled, np.nan, dR)
        metrics[f"sweep_{pol}"] = {
            "rms_dR": rms(dR), "max_abs_dR": float(np.nanmax(np.abs(dR))),
            "max_abs_dA": float(np.nanmax(np.abs(dA))),
            "n_points": int(np.isfinite(dR).sum()),
            "n_unsettled": int(unsettled.sum()),
            "rms_dR_settled": rms(dR_settled),
            "max_abs_dR_settled": float(np.nanmax(np.abs(dR_settled))),
            "unsettled_points": [
                {"kx_um_inv": float(kx[i]), "wavelength_nm": float(wavelength_nm[j]),
                 "R_meep": float(sweep[pol]["meep"]["R"][i, j]), "R_tmm": float(sweep[pol]["tmm"]["R"][i, j]),
                 "settle": float(settle[i, j])} for i, j in zip(*np.nonzero(unsettled))],
            "angle_interpolation_rms_dR": rms(interp_err),
            "angle_interpolation_max_abs_dR": float(np.nanmax(np.abs(interp_err))),
            "angles_rms_dR_meep_vs_exact_tmm": rms(angle[pol]["meep"]["R"] - angle[pol]["tmm_exact"]["R"]),
        }
    if oblique:
        metrics["max_abs_dA_all"] = max(metrics["normal"]["max_abs_dA"], metrics["sweep_s"]["max_abs_dA"],
                                        metrics["sweep_p"]["max_abs_dA"])
    metrics["claims"] = evaluate_claims(st["claims"], wavelength_nm, normal, st["band_nm"])
    return {"settings": st, "oblique": oblique, "stack": stack, "wavelength_nm": wavelength_nm, "freqs_um_inv": f,
            "kx_um_inv": kx, "n_below": n_below, "normal": normal, "sweep": sweep if oblique else None,
            "angle": angle, "metrics": metrics}


# ---------------------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------------------
FILL = -1.0  # stored where incidence is evanescent (HDF5 results hold no NaN)


def write_mirror_outputs(result: dict, h5_path, fig_path, metrics_path, settings: dict) -> None:
    """spectra.h5 (units + provenance), the R/T/A figure (PNG + PDF) and metrics JSON + claims CSV."""
    from sims.results import provenance, write_h5, write_text

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
        ds[f"sweep/{pol}/propagating"] = prop
        for meth in ("meep", "tmm"):
            for q in "RTA":
                ds[f"sweep/{pol}/{meth}/{q}"] = np.where(prop, result["sweep"][pol][meth][q], FILL)
                units[f"sweep/{pol}/{meth}/{q}"] = f"1; (kx, wavelength); {FILL} where propagating is False"
        settle = result["sweep"][pol]["meep"]["settle"]
        ds[f"sweep/{pol}/meep/settle"] = np.where(prop, settle, FILL)
        units[f"sweep/{pol}/meep/settle"] = ("1; max(|dR|, |dT|) over the last 20 % of the run; "
                                             f"{FILL} where propagating is False")
        ds[f"sweep/{pol}/settled"] = prop & (settle <= result["settings"]["settle_tolerance"])
        for meth in ("meep", "tmm", "tmm_exact"):
            for q in "RTA":
                ds[f"angle/{pol}/{meth}/{q}"] = result["angle"][pol][meth][q]
                units[f"angle/{pol}/{meth}/{q}"] = "1; (angle, wavelength)"
    attrs = provenance(settings, m["wall_time_s"], mirror=m["mirror"], below=m["below"], above=m["above"],
                       resolution_px_per_um=m["resolution_px_per_um"], decay_threshold=m["decay_threshold"],
                       courant=m["courant"], method="1D Meep FDTD, two-run flux normalization; reference tmm.coh_tmm",
                       incidence=m["incidence"],
                       angle_note=("meep and tmm under angle/ are interpolated in sin(theta) from the kx sweep; tmm_exact is tmm at the angle"
                                   if oblique else "angle/ holds tmm_exact only: tmm at the angle (Meep ran at normal incidence only)"),
                       metrics_json=json.dumps(m, default=float))
    write_h5(h5_path, ds, attrs, units)
    plot_mirror(result, fig_path)
    metrics_path = Path(metrics_path)
    write_text(metrics_path, json.dumps(m, indent=1, default=float))
    rows = ["mirror,quantity,above,wavelength_min_nm,wavelength_max_nm,evaluated,meep_worst,meep_worst_at_nm,meep_margin,meep_holds,tmm_worst,tmm_margin,tmm_holds"]
    for c in m["claims"]:
        if c["evaluated"]:
            rows.append(",".join(str(v) for v in (
                c["mirror"], c["quantity"], c["above"], c["wavelength_min_nm"], c["wavelength_max_nm"], True,
                f"{c['meep']['worst']:.5f}", f"{c['meep']['worst_at_nm']:.1f}", f"{c['meep']['margin']:+.5f}",
                c["meep"]["holds"], f"{c['tmm']['worst']:.5f}", f"{c['tmm']['margin']:+.5f}", c["tmm"]["holds"])))
        else:
            rows.append(f"{c['mirror']},{c['quantity']},{c['above']},{c['wavelength_min_nm']},{c['wavelength_max_nm']},False,,,,,,,")
    write_text(metrics_path.with_suffix(".csv"), "\n".join(rows) + "\n")


def plot_mirror(result: dict, fig_path) -> None:
    """R, T, A against wavelength: Meep (solid) vs tmm (dashed) at every simulated kx, s and p
    (without the oblique sweep: normal incidence only, the same run in both columns, s = p),
    and a last row of tmm alone at the configured angles (the angle dependence to expect).

    The Meep-vs-tmm comparison is shown where both were computed, at fixed kx (the angle
    changes along each curve, sin(theta) = kx / (n_below f)). Spectra interpolated onto fixed
    angles are stored in the HDF5 file but not plotted: with few kx they are not meaningful
    (the stop band moves between the kx nodes), see ``angle_interpolation_*`` in the metrics.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sims.results import save_figure

    wl = result["wavelength_nm"]
    kx = result["kx_um_inv"]
    n0 = result["n_below"]
    angles = result["settings"]["angles_deg"]
    oblique = result["oblique"]
    nrows = kx.size + 1
    fig, axes = plt.subplots(nrows, 2, figsize=(10, 2.4 * nrows + 0.6), sharex=True, sharey=True, squeeze=False)
    colors = {"R": "tab:blue", "T": "tab:orange", "A": "tab:green"}
    if not oblique:
        # Meep ran at normal incidence only (pure 1D, p = s): one panel pair of the same run
        for c, pol in enumerate(POLARIZATIONS):
            ax = axes[0, c]
            for q in "RTA":
                ax.plot(wl, result["normal"]["meep"][q], color=colors[q], lw=1.2, label=f"{q} Meep")
                ax.plot(wl, result["normal"]["tmm"][q], color=colors[q], lw=1.0, ls="--", label=f"{q} tmm")
            ax.set_title(f"{pol}, normal incidence (s = p: one 1D Meep run)", fontsize=8)
    for i, k in enumerate(kx if oblique else ()):
        for c, pol in enumerate(POLARIZATIONS):
            ax = axes[i, c]
            for q in "RTA":
                ax.plot(wl, result["sweep"][pol]["meep"][q][i], color=colors[q], lw=1.2, label=f"{q} Meep")
                ax.plot(wl, result["sweep"][pol]["tmm"][q][i], color=colors[q], lw=1.0, ls="--", label=f"{q} tmm")
            open_ = result["sweep"][pol]["meep"]["settle"][i] > result["settings"]["settle_tolerance"]
            if open_.any():
                ax.plot(wl[open_], result["sweep"][pol]["meep"]["R"][i][open_], "x", color="tab:red", ms=5,
                        label="Meep R not settled at the run's end")
            if k == 0:
                title = f"{pol}, normal incidence"
            else:
                u = k / (n0 * 1e3 / wl)
                ok = np.isfinite(result["sweep"][pol]["meep"]["R"][i])
                th = np.degrees(np.arcsin(u[ok])) if ok.any() else np.array([np.nan])
                title = (f"{pol}, kx = {k:.3f}/um: {np.nanmin(th):.0f}-{np.nanmax(th):.0f} deg in "
                         f"{result['settings']['below']} (computed where sin <= 0.94)")
            ax.set_title(title, fontsize=8)
    for c, pol in enumerate(POLARIZATIONS):
        ax = axes[-1, c]
        for a, ang in enumerate(angles):
            ax.plot(wl, result["angle"][pol]["tmm_exact"]["R"][a], lw=1.0, ls="--",
                    color=plt.cm.viridis(a / max(len(angles) - 1, 1)), label=f"R tmm {ang:g} deg")
        ax.set_title(f"{pol}: transfer matrix only, R at fixed angles in {result['settings']['below']}", fontsize=8)
        ax.legend(fontsize=7, loc="lower left")
        ax.set_xlabel("vacuum wavelength (nm)")
    for ax in axes.ravel():
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("fraction")
    axes[0, 0].legend(fontsize=7, ncol=3, loc="lower left")
    m = result["metrics"]
    what = ("1D Meep" if oblique else "1D Meep at normal incidence only")
    fig.suptitle(f"{m['mirror']} ({m['pairs']} pairs, {m['below']} | DBR | {m['above']}): {what} at "
                 f"{m['resolution_px_per_um']:g} px/um (solid) vs transfer matrix (dashed); "
                 f"normal-incidence RMS |dR| = {m['normal']['rms_dR']:.4f}"
                 + ("" if oblique else "\nangle dependence (last row): transfer matrix only"), fontsize=9)
    fig.tight_layout()
    save_figure(fig, fig_path)
    plt.close(fig)


def mirror_spectra(config: dict, mirror: str, h5_path, fig_path, metrics_path, log=print,
                   oblique: bool = False) -> dict:
    """Compute and write the spectra of one DBR (see :func:`compute_mirror_spectra`).

    Args:
        config: validated config or the rule's sub-config.
        mirror: name under ``mirror_spectra.mirrors``.
        h5_path, fig_path, metrics_path: outputs (.h5, .png (+ .pdf), .json (+ .csv)).
        oblique: also the Meep kx sweep (s and p) and its angle interpolation (validation).
    Returns:
        the metrics dict.
    """
    result = compute_mirror_spectra(config, mirror, log=log, oblique=oblique)
    write_mirror_outputs(result, h5_path, fig_path, metrics_path, config)
    return result["metrics"]


# ---------------------------------------------------------------------------------------
# resolution convergence at normal incidence
# ---------------------------------------------------------------------------------------
def resolution_convergence(config: dict, mirror: str, resolutions_px_per_um, log=print) -> list[dict]:
    """Meep vs tmm at normal incidence for several resolutions (one DBR).

    Returns:
        list of {resolution_px_per_um, rms_dR, max_abs_dR, max_abs_A, edge_errors_nm, wall_time_s}.
    """
    st, stack, wavelength_nm, f, band_um, wl_ref = _mirror_band(config, mirror)
    t = stack_rta_tmm(stack, f, 0.0, "p", wavelength_ref_um=wl_ref, band_um=band_um)
    center = quarter_wave_nm(stack)
    e_tmm = stop_band_edges_nm(wavelength_nm, t["R"], STOP_BAND_LEVEL, center)
    rows = []
    for res in resolutions_px_per_um:
        r = stack_rta_meep(stack, f, 0.0, "p", float(res), st["pml_um"], st["decay_threshold"],
                           courant=st["courant"], wavelength_ref_um=wl_ref, band_um=band_um)
        e = stop_band_edges_nm(wavelength_nm, r["R"], STOP_BAND_LEVEL, center)
        row = {"resolution_px_per_um": float(res), "rms_dR": rms(r["R"] - t["R"]),
               "max_abs_dR": float(np.max(np.abs(r["R"] - t["R"]))),
               "max_abs_A": float(np.max(np.abs(r["A"]))),
               "edge_errors_nm": [e[0] - e_tmm[0], e[1] - e_tmm[1]],
               "wall_time_s": r["wall_time_s"], "meep_time": r["meep_time"]}
        log(json.dumps(row))
        rows.append(row)
    return rows


def convergence_markdown(rows: list[dict], mirror: str, settings: dict) -> str:
    """A Markdown table of :func:`resolution_convergence` rows (for the README)."""
    lines = [f"Resolution convergence of 1D Meep vs transfer matrix: {mirror} at normal incidence, "
             f"{settings['band_nm'][0]:g}-{settings['band_nm'][1]:g} nm, {settings['n_wavelengths']} wavelengths, "
             f"decay threshold {settings['decay_threshold']:g}, Courant {settings['courant']:g}, 1 core.",
             "",
             "| resolution (px/um) | RMS abs dR | max abs dR | max abs(1-R-T) | short-edge error (nm) | long-edge error (nm) | wall time (s) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['resolution_px_per_um']:g} | {r['rms_dR']:.4f} | {r['max_abs_dR']:.4f} | {r['max_abs_A']:.4f} | "
                     f"{r['edge_errors_nm'][0]:+.2f} | {r['edge_errors_nm'][1]:+.2f} | {r['wall_time_s']:.1f} |")
    return "\n".join(lines) + "\n"


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
