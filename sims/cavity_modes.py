"""Cavity modes by 1D FDTD (Meep): Harminv ringdown, transmission linewidth, mode profile.

Method: a broadband Gaussian current source inside the cavity's gain layer, then filter
diagonalisation (Harminv; Mandelshtam & Taylor, J. Chem. Phys. 107, 6756 (1997)) of the
field ringdown at a point in the same layer gives frequency, Q and amplitude of every
mode in the band. Independent FDTD check: the Lorentzian linewidth of the stack's power
transmission (two-run flux normalisation). The mode profile |E(z)|^2 is the DFT of the
ringdown field at the mode frequency. Transfer-matrix references: ``sims.cavity_round_trip``;
media: ``sims.cavity_media``; the cell: ``sims.geometry.stack_layout`` (:func:`cavity_layout`).

Units (Meep): length um, frequency 1/um, time um/c. Planar stacks are 1D (cell along z);
normal incidence (Meep's 1D cells carry Ex, Hy only; angles are done by transfer matrix).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from sims.cavity_media import cavity_medium
from sims.cavity_round_trip import CavityError
from sims.geometry import Layout, stack_layout
from sims.materials import Material
from sims.stack import Stack


def cavity_layout(stack: Stack, model: str, band_um: tuple, wavelength_ref_um: float, pml_um: float,
                  dims: str = "1d", finite: tuple | None = None) -> Layout:
    """The stack in a Meep cell (``sims.geometry.stack_layout``, 0.5 um pads) with the media of
    ``model`` (``sims.cavity_media.cavity_medium``). dims "1d": stack along z; "2d": stack along
    y, x lateral. ``finite`` = (group, width_um, filler Material): that layer is a block of
    width_um centred on x = 0, the rest of its slab is the filler (2D only)."""
    groups = {finite[0]: (finite[1], finite[2])} if finite is not None else None
    return stack_layout(stack, dims, pml_um=pml_um, finite_groups=groups,
                        medium=lambda m: cavity_medium(m, model, band_um, wavelength_ref_um))


@dataclass
class HarminvResult:
    """Harminv modes of one ringdown (in the band, Q > 0), run cost, and the optional mode profile
    |E(z)|^2 (stack coordinate z, um)."""

    freq: np.ndarray        # 1/um
    Q: np.ndarray
    amp: np.ndarray         # |amplitude|
    err: np.ndarray         # Harminv error estimate
    wall_s: float
    steps: int
    cells: int
    profile_z_um: np.ndarray = field(default_factory=lambda: np.zeros(0))
    profile_e2: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def mcups(self) -> float:
        """Million cell-updates per second."""
        return self.cells * self.steps / max(self.wall_s, 1e-9) / 1e6

    def nearest(self, freq: float) -> int:
        """Index of the mode nearest ``freq`` (1/um); CavityError when Harminv found none."""
        if self.freq.size == 0:
            raise CavityError("Harminv found no mode in the band")
        return int(np.argmin(np.abs(self.freq - freq)))


def ring_down(sim, h, ringdown: float, resolution: float, cells: int, fmin: float, fmax: float) -> HarminvResult:
    """Run ``sim`` with Harminv ``h`` for ``ringdown`` after the sources; modes in [fmin, fmax], Q > 0."""
    import meep as mp

    t0 = time.perf_counter()
    sim.run(mp.after_sources(h), until_after_sources=ringdown)
    wall = time.perf_counter() - t0
    steps = int(round(sim.meep_time() * resolution / sim.Courant))
    res = HarminvResult(np.array([m.freq for m in h.modes]), np.array([m.Q for m in h.modes]),
                        np.array([abs(m.amp) for m in h.modes]), np.array([m.err for m in h.modes]),
                        wall, steps, cells)
    keep = (res.freq >= fmin) & (res.freq <= fmax) & (res.Q > 0)
    res.freq, res.Q, res.amp, res.err = res.freq[keep], res.Q[keep], res.amp[keep], res.err[keep]
    return res


def check_source_inside(stack: Stack, group: str) -> None:
    """The source layer must lie between the cavity's mirrors (not first or last item)."""
    groups = [l.group for l in stack.layers]
    if group not in groups:
        raise CavityError(f"source layer {group!r} is not in stack {stack.name!r}")
    order = list(dict.fromkeys(groups))
    if order.index(group) in (0, len(order) - 1):
        raise CavityError(f"source layer {group!r} is outside the cavity of {stack.name!r}: it is the "
                          f"{'first' if order.index(group) == 0 else 'last'} item, not between two mirrors")


def harminv_modes(stack: Stack, group: str, band_um: tuple, *, resolution: float, pml_um: float,
                  model: str = "meep", wavelength_ref_um: float, fit_band_um: tuple | None = None,
                  ringdown: float = 200.0, kx: float = 0.0, pol: str = "s",
                  profile_freq: float | None = None, source_fraction: float = 0.37,
                  q_thresh: float = 2.0) -> HarminvResult:
    """Modes of the cavity around ``group`` in a band by Harminv on the ringdown.

    Args:
        band_um: (min, max) vacuum wavelength of the Gaussian source and Harminv window.
        resolution: pixels per um.  pml_um: PML thickness at both ends.
        model: "meep" (with absorption) or "meep_lossless".
        wavelength_ref_um: reference wavelength (constant lossy media, lossless index,
            Lorentz-fit anchor).
        fit_band_um: Lorentz-fit band of tabulated media (default band_um).
        ringdown: Meep time analysed after the source has died (um/c).
        kx, pol: normal incidence only in 1D (kx must be 0).
        profile_freq: if given, DFT of Ex/Ey over the cell at this frequency (mode profile).
        source_fraction: source position in the gain layer (0 bottom, 1 top); off-centre so
            that modes of both parities are excited.
        q_thresh: Harminv's lower Q cut (Meep default 50 would drop microcavity I's mode).
    Returns:
        HarminvResult.
    """
    import meep as mp

    mp.verbosity(0)
    check_source_inside(stack, group)
    cell = cavity_layout(stack, model, fit_band_um or band_um, wavelength_ref_um, pml_um)
    s0, s1 = stack.group_span_um(group)
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    fcen, df = 0.5 * (fmin + fmax), fmax - fmin
    if kx:
        raise NotImplementedError("oblique modes: Meep 1D cells carry Ex/Hy only; use a 2D cell")
    comp = mp.Ex  # 1D cells hold Ex, Hy only (normal incidence: s and p coincide)
    src_z = cell.axis_coord(s0 + source_fraction * (s1 - s0))
    pt = mp.Vector3(z=cell.axis_coord(s0 + (1 - 0.8 * source_fraction) * (s1 - s0)))
    sim = mp.Simulation(cell_size=mp.Vector3(z=cell.length_um), geometry=cell.geometry,
                        boundary_layers=[mp.PML(pml_um)], resolution=resolution, dimensions=1,
                        sources=[mp.Source(mp.GaussianSource(fcen, fwidth=df), component=comp,
                                           center=mp.Vector3(z=src_z))])
    h = mp.Harminv(comp, pt, fcen, df)
    h.Q_thresh = q_thresh
    dft = None
    if profile_freq is not None:
        vol = mp.Volume(center=mp.Vector3(z=cell.axis_coord(stack.thickness_um / 2)),
                        size=mp.Vector3(z=stack.thickness_um + 2 * cell.pad_below_um))
        dft = sim.add_dft_fields([comp], [profile_freq], where=vol)
    res = ring_down(sim, h, ringdown, resolution, int(round(cell.length_um * resolution)), fmin, fmax)
    if dft is not None:
        e = np.asarray(sim.get_dft_array(dft, comp, 0))
        x, y, z, w = sim.get_array_metadata(dft_cell=dft)
        res.profile_z_um = np.asarray(z) - cell.stack_offset
        res.profile_e2 = np.abs(e.ravel()) ** 2
    sim.reset_meep()
    return res


@dataclass
class SpectrumResult:
    """Power T and R (flux-normalised) at ``freq`` (1/um), the internal |E|^2 spectrum, run cost."""

    freq: np.ndarray
    T: np.ndarray
    R: np.ndarray
    wall_s: float
    steps: int
    cells: int
    internal: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def mcups(self) -> float:
        return self.cells * self.steps / max(self.wall_s, 1e-9) / 1e6


def transmission_spectrum(stack: Stack, freq: np.ndarray, *, resolution: float, pml_um: float,
                          model: str, wavelength_ref_um: float, fit_band_um: tuple,
                          decay: float = 1e-6, internal_s_um: float | None = None,
                          from_above: bool = False) -> SpectrumResult:
    """Power T and R of the stack lit from below (or from above: ``from_above``).

    Two runs (Meep's flux normalisation): the incident flux in a cell filled with the medium
    below, then the stack; R from the reflected flux with the incident DFT fields subtracted.

    Args:
        freq: frequencies (1/um) of the DFT flux monitors (any spacing: one monitor each).
        decay: stop when |E|^2 at the monitor above has decayed by this factor.
        internal_s_um: stack coordinate of a point inside the cavity where |E(f)|^2 of the
            wave entering through the lower mirror is recorded (normalised by the incident
            run): the cavity's enhancement spectrum, measurable where T itself is below
            the FDTD noise floor (T ~ 1e-13 through two 20-pair DBRs).
        from_above: light the stack from the ``above`` medium (through the upper mirror);
            light through the leakier mirror so that the internal spectrum is strong.
    """
    import meep as mp

    mp.verbosity(0)
    cell = cavity_layout(stack, model, fit_band_um, wavelength_ref_um, pml_um)
    fmin, fmax = float(np.min(freq)), float(np.max(freq))
    fcen, df = 0.5 * (fmin + fmax), max(fmax - fmin, 1e-3) * 1.5
    z_src = cell.axis_coord(-0.75 * cell.pad_below_um)
    z_r = cell.axis_coord(-0.4 * cell.pad_below_um)
    z_t = cell.axis_coord(stack.thickness_um + 0.5 * cell.pad_below_um)
    if from_above:
        z_src = cell.axis_coord(stack.thickness_um + 0.75 * cell.pad_below_um)
        z_r = cell.axis_coord(stack.thickness_um + 0.4 * cell.pad_below_um)
        z_t = cell.axis_coord(-0.5 * cell.pad_below_um)
    src = [mp.Source(mp.GaussianSource(fcen, fwidth=df), component=mp.Ex, center=mp.Vector3(z=z_src))]
    wall, steps = 0.0, 0
    below_med = cavity_medium(stack.above if from_above else stack.below, model, fit_band_um, wavelength_ref_um)
    fl = np.asarray(freq, float)

    def run(geometry):
        sim = mp.Simulation(cell_size=mp.Vector3(z=cell.length_um), geometry=geometry,
                            default_material=below_med if not geometry else mp.air,
                            boundary_layers=[mp.PML(pml_um)], resolution=resolution, dimensions=1, sources=src)
        fr = sim.add_flux(fl, mp.FluxRegion(center=mp.Vector3(z=z_r)))
        ft = sim.add_flux(fl, mp.FluxRegion(center=mp.Vector3(z=z_t)))
        fi = None
        if internal_s_um is not None:
            fi = sim.add_dft_fields([mp.Ex], fl, where=mp.Volume(center=mp.Vector3(z=cell.axis_coord(internal_s_um)),
                                                                 size=mp.Vector3()))
        return sim, fr, ft, fi

    def internal(sim, fi):
        if fi is None:
            return np.zeros(0)
        return np.array([abs(np.asarray(sim.get_dft_array(fi, mp.Ex, i)).ravel()[0]) ** 2 for i in range(fl.size)])

    t0 = time.perf_counter()
    sim, fr, ft, fi = run([])
    sim.run(until_after_sources=mp.stop_when_fields_decayed(20, mp.Ex, mp.Vector3(z=z_t), 1e-9))
    inc = np.array(mp.get_fluxes(ft))
    inc_internal = internal(sim, fi)
    inc_data = sim.get_flux_data(fr)
    steps += int(round(sim.meep_time() * resolution / sim.Courant))
    sim.reset_meep()
    sim, fr, ft, fi = run(cell.geometry)
    sim.load_minus_flux_data(fr, inc_data)
    sim.run(until_after_sources=mp.stop_when_fields_decayed(50, mp.Ex, mp.Vector3(z=z_t), decay))
    T = np.array(mp.get_fluxes(ft)) / inc
    R = -np.array(mp.get_fluxes(fr)) / inc
    I_int = internal(sim, fi) / inc_internal if fi is not None else np.zeros(0)
    steps += int(round(sim.meep_time() * resolution / sim.Courant))
    sim.reset_meep()
    wall = time.perf_counter() - t0
    return SpectrumResult(fl, T, R, wall, steps, int(round(cell.length_um * resolution)), I_int)


def harminv_oblique(stack: Stack, group: str, band_um: tuple, kx: float, pol: str, *, resolution: float,
                    pml_um: float, model: str, wavelength_ref_um: float, fit_band_um: tuple | None = None,
                    ringdown: float = 200.0, q_thresh: float = 2.0) -> HarminvResult:
    """Modes at a fixed in-plane wavevector kx (1/um): a 2D cell one pixel wide, periodic in x
    with Bloch phase kx, stack along y. s: Ez source (E parallel to the layers, normal to the
    plane of incidence); p: Hz source. The angle in a medium of index n at frequency f is
    asin(kx / (n f))."""
    import meep as mp

    mp.verbosity(0)
    check_source_inside(stack, group)
    cell = cavity_layout(stack, model, fit_band_um or band_um, wavelength_ref_um, pml_um, dims="2d")
    s0, s1 = stack.group_span_um(group)
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    fcen, df = 0.5 * (fmin + fmax), fmax - fmin
    comp = mp.Ez if pol == "s" else mp.Hz
    w = 1.0 / resolution
    sim = mp.Simulation(cell_size=mp.Vector3(w, cell.length_um), geometry=cell.geometry,
                        boundary_layers=[mp.PML(pml_um, direction=mp.Y)], resolution=resolution,
                        k_point=mp.Vector3(kx, 0, 0),
                        sources=[mp.Source(mp.GaussianSource(fcen, fwidth=df), component=comp,
                                           center=mp.Vector3(0, cell.axis_coord(s0 + 0.37 * (s1 - s0))))])
    h = mp.Harminv(comp, mp.Vector3(0, cell.axis_coord(s0 + 0.7 * (s1 - s0))), fcen, df)
    h.Q_thresh = q_thresh
    res = ring_down(sim, h, ringdown, resolution, int(round(cell.length_um * resolution)), fmin, fmax)
    sim.reset_meep()
    return res


def harminv_finite_width(stack: Stack, group: str, band_um: tuple, width_um: float, filler: Material, *,
                         resolution: float, pml_um: float, lateral_margin_um: float, model: str,
                         wavelength_ref_um: float, fit_band_um: tuple | None = None,
                         ringdown: float = 200.0, q_thresh: float = 2.0, source: str = "mode",
                         symmetry: bool = True) -> HarminvResult:
    """Modes of the cavity with the gain layer of finite lateral width (2D, x-y, stack along y).

    The layer ``group`` is a block of ``width_um`` centred on x = 0, the rest of its slab is
    ``filler``; mirrors and outer media are laterally infinite. The cell is width_um + 2
    lateral_margin_um wide inside PML of pml_um on x too. Ez (E parallel to the layers), even
    mirror symmetry in x (``symmetry=False`` computes the whole cell instead, for the benchmark of
    that lever); Harminv at x = 0. Runs under MPI if launched so.

    source "mode": a line current across the crystal with amplitude cos(pi x / width_um), the
    fundamental lateral mode of a crystal with hard lateral walls (the filler region is far off
    resonance, so the guided mode is nearly that), which excites it alone: the higher even
    lateral modes cos((2j+1) pi x / W) are orthogonal to it. source "point": an Ez dipole on
    x = 0 (excites every even lateral mode; in a wide crystal they lie closer than the
    linewidth, the ringdown at x = 0 then decays by lateral spreading and Harminv returns a
    low Q and a shifted frequency; kept for the comparison).
    """
    import meep as mp

    mp.verbosity(0)
    check_source_inside(stack, group)
    if source not in ("mode", "point"):
        raise ValueError(f"source must be 'mode' or 'point', got {source!r}")
    cell = cavity_layout(stack, model, fit_band_um or band_um, wavelength_ref_um, pml_um, dims="2d",
                         finite=(group, width_um, filler))
    s0, s1 = stack.group_span_um(group)
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    fcen, df = 0.5 * (fmin + fmax), fmax - fmin
    sx = width_um + 2 * lateral_margin_um + 2 * pml_um
    y_src = cell.axis_coord(s0 + 0.37 * (s1 - s0))
    if source == "mode":
        w = float(width_um)
        src = mp.Source(mp.GaussianSource(fcen, fwidth=df), component=mp.Ez, center=mp.Vector3(0, y_src),
                        size=mp.Vector3(w, 0), amp_func=lambda p: np.cos(np.pi * p.x / w))
    else:
        src = mp.Source(mp.GaussianSource(fcen, fwidth=df), component=mp.Ez, center=mp.Vector3(0, y_src))
    sim = mp.Simulation(cell_size=mp.Vector3(sx, cell.length_um), geometry=cell.geometry,
                        boundary_layers=[mp.PML(pml_um)], resolution=resolution,
                        symmetries=[mp.Mirror(mp.X, phase=+1)] if symmetry else [], sources=[src])
    h = mp.Harminv(mp.Ez, mp.Vector3(0, cell.axis_coord(s0 + 0.7 * (s1 - s0))), fcen, df)
    h.Q_thresh = q_thresh
    res = ring_down(sim, h, ringdown, resolution,
                     int(round(sx * resolution)) * int(round(cell.length_um * resolution)), fmin, fmax)
    sim.reset_meep()
    return res
