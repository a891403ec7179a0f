"""2D FDTD of microcavity II with a crystal of finite width, lit by a plane-wave pulse.

A short, fixed-length 2D run (x lateral, periodic; Meep's y is the stack axis) of the stack
with every mirror cut to ``pairs`` pairs and the crystal given a finite width, surrounded
by the medium above, all media lossless (Re n at the centre wavelength): the transmitted flux spectrum through the top and |E|^2 of a DFT
monitor across the crystal plane. It is the workflow's MPI-correctness check: the same run
on 1 and on N ranks must give the same numbers (Meep splits the cell into chunks, one per
rank; only the order of floating-point sums may differ). The fixed run length (not a decay
criterion) keeps the work identical for every rank count.

Units: Meep units (um, 1/um, c = 1).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sims.geometry import stack_layout
from sims.stack import Stack

# units of the datasets of :func:`finite_crystal_transmission` (transmission.h5)
TRANSMISSION_UNITS = {"wavelength_um": "um", "flux": "arb. (same source in every run)", "x_um": "um",
                      "e2_crystal": "arb."}


def trim_mirrors(stack: Stack, pairs: int, cavity_group: str) -> Stack:
    """The stack with every mirror cut to the ``pairs`` pairs nearest ``cavity_group``.

    Mirror layers are those named "<mirror>.<pair>.<material>" (sims.stack.mirror_layers).
    """
    groups = [l.group for l in stack.layers]
    i_cav = groups.index(cavity_group)
    keep = []
    for g in dict.fromkeys(groups):
        idx = [i for i, gg in enumerate(groups) if gg == g]
        if len(stack.layers[idx[0]].name.split(".")) == 3:  # a mirror
            idx = idx[-2 * pairs:] if idx[0] < i_cav else idx[:2 * pairs]
        keep += idx
    return replace(stack, layers=tuple(stack.layers[i] for i in sorted(keep)))


def finite_crystal_transmission(stack: Stack, crystal_group: str, crystal_width_um: float, *,
                                cell_width_um: float, resolution_px_per_um: float, pml_um: float,
                                wavelength_min_um: float, wavelength_max_um: float, n_freq: int,
                                run_time: float) -> dict:
    """Transmitted flux and crystal-plane |E|^2 of a 2D run (Ez: s-polarized plane wave).

    Args:
        stack: the (trimmed) microcavity II stack.
        crystal_group: the group drawn with a finite width.
        crystal_width_um: crystal width, um; cell_width_um: periodic cell width, um.
        resolution_px_per_um, pml_um: discretisation.
        wavelength_min_um, wavelength_max_um, n_freq: flux band.
        run_time: Meep time units after the source turns off.
    Returns:
        dict: wavelength_um, flux (arbitrary units, same source every run), x_um,
        e2_crystal (|E|^2 at the centre frequency across x), n_ranks.
    """
    import meep as mp

    mp.verbosity(0)
    fmin, fmax = 1 / wavelength_max_um, 1 / wavelength_min_um
    fcen, df = 0.5 * (fmin + fmax), fmax - fmin
    lay = stack_layout(stack, "2d", pml_um=pml_um, lateral_um=cell_width_um,
                       finite_groups={crystal_group: (crystal_width_um, stack.above)},
                       wavelength_ref_um=1 / fcen, lossless=True)
    src = [mp.Source(mp.GaussianSource(fcen, fwidth=df), component=mp.Ez,
                     center=lay.vector(-0.3), size=mp.Vector3(cell_width_um, 0))]
    sim = mp.Simulation(cell_size=lay.cell_size, geometry=lay.geometry, boundary_layers=lay.pml_layers,
                        sources=src, resolution=resolution_px_per_um, k_point=mp.Vector3(),
                        dimensions=2)
    top = sim.add_flux(fcen, df, n_freq, mp.FluxRegion(center=lay.vector(stack.thickness_um + 0.3),
                                                          size=mp.Vector3(cell_width_um, 0)))
    lo, hi = stack.group_span_um(crystal_group)
    plane = mp.Volume(center=lay.vector(0.5 * (lo + hi)), size=mp.Vector3(cell_width_um, 0))
    dft = sim.add_dft_fields([mp.Ez], [fcen], where=plane)
    sim.run(until_after_sources=run_time)
    flux = np.array(mp.get_fluxes(top))
    freqs = np.array(mp.get_flux_freqs(top))
    e2 = np.abs(np.asarray(sim.get_dft_array(dft, mp.Ez, 0))) ** 2
    x = np.linspace(-cell_width_um / 2, cell_width_um / 2, e2.size)
    n_ranks = mp.count_processors()
    sim.reset_meep()
    return {"wavelength_um": 1 / freqs, "flux": flux, "x_um": x, "e2_crystal": e2, "n_ranks": n_ranks}
