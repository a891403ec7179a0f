"""Meep geometry of a planar stack in 1D, 2D, cylindrical and 3D cells.

Axis conventions (Meep units, 1 um):

* 1D: the stack axis is z (Meep 1D cells lie along z).
* 2D: Meep 2D cells are in the x-y plane, so the stack axis is **y**; x is lateral.
* cylindrical: r-z, stack axis z, r lateral (r = 0 on the axis).
* 3D: stack axis z, x and y lateral.

The cell holds ``pad_below_um`` of the medium below, the layers, ``pad_above_um`` of the
medium above, and a PML of ``pml_um`` at both ends of the stack axis (the semi-infinite
media run into the PML). Lateral boundaries are periodic unless the caller adds PML.
A layer group can be given a finite lateral size (a crystal of width w): it is drawn
over a block of a filler material of the full width. Stack coordinate s (0 = bottom of
the first layer) maps to the Meep coordinate ``layout.axis_coord(s)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sims.materials import Material, meep_medium
from sims.stack import Stack

DIMENSIONS = ("1d", "2d", "cyl", "3d")


@dataclass
class Layout:
    """A stack placed in a Meep cell."""

    dims: str
    cell_size: object  # meep.Vector3
    geometry: list
    pml_layers: list
    stack_offset: float  # Meep coordinate of stack s = 0 along the stack axis
    axis: str            # "z" or "y"
    length_um: float     # cell length along the stack axis (PML included)
    lateral_um: float    # cell size across (0 in 1D; radius in cyl)
    media: dict = field(default_factory=dict)
    pad_below_um: float = 0.5  # medium below kept between the PML and the stack
    pad_above_um: float = 0.5  # medium above kept between the stack and the PML

    def axis_coord(self, s_um: float) -> float:
        return self.stack_offset + s_um

    def vector(self, s_um: float, lateral_um: float = 0.0, y_um: float = 0.0):
        """A meep.Vector3 at stack coordinate s and lateral position (x or r; y in 3D)."""
        import meep as mp

        a = self.axis_coord(s_um)
        if self.dims == "1d":
            return mp.Vector3(z=a)
        if self.dims == "2d":
            return mp.Vector3(lateral_um, a)
        if self.dims == "cyl":
            return mp.Vector3(lateral_um, 0, a)
        return mp.Vector3(lateral_um, y_um, a)

    @property
    def dimensions(self):
        import meep as mp

        return {"1d": 1, "2d": 2, "cyl": mp.CYLINDRICAL, "3d": 3}[self.dims]


def _block(dims: str, center_axis: float, thickness: float, lateral: float | None, medium,
           lateral_center: float = 0.0):
    import meep as mp

    inf = mp.inf
    if dims == "1d":
        return mp.Block(size=mp.Vector3(inf, inf, thickness), center=mp.Vector3(z=center_axis), material=medium)
    if dims == "2d":
        w = inf if lateral is None else lateral
        return mp.Block(size=mp.Vector3(w, thickness, inf), center=mp.Vector3(lateral_center, center_axis), material=medium)
    if dims == "cyl":
        if lateral is None:
            return mp.Block(size=mp.Vector3(inf, inf, thickness), center=mp.Vector3(z=center_axis), material=medium)
        # a disk of radius lateral/2 on the axis: in r-z it is a block from r = 0 to r = w/2
        return mp.Block(size=mp.Vector3(lateral, inf, thickness), center=mp.Vector3(0, 0, center_axis), material=medium)
    w = inf if lateral is None else lateral
    return mp.Block(size=mp.Vector3(w, w, thickness), center=mp.Vector3(lateral_center, 0, center_axis), material=medium)


def stack_layout(stack: Stack, dims: str = "1d", *, pml_um: float = 1.0, pad_below_um: float = 0.5,
                 pad_above_um: float = 0.5, lateral_um: float = 0.0, lateral_pml_um: float = 0.0,
                 finite_groups: dict | None = None, wavelength_ref_um: float = 0.68,
                 band_um: tuple | None = None, lossless: bool = False,
                 lossless_groups: tuple = (), medium=None) -> Layout:
    """Place a stack in a Meep cell.

    Args:
        stack: the planar stack.
        dims: "1d", "2d", "cyl" or "3d".
        pml_um: PML thickness at both ends of the stack axis.
        pad_below_um, pad_above_um: thickness of the semi-infinite media kept in the cell
            between the stack and the PML.
        lateral_um: lateral cell size (2D: x width; 3D: x and y width; cyl: radius).
        lateral_pml_um: PML on the lateral boundaries (inside lateral_um); 0 = periodic.
        finite_groups: group name -> (width_um, filler Material): draw that group with a
            finite lateral size (in cyl: a disk of diameter width_um).
        wavelength_ref_um: reference wavelength of constant lossy media.
        band_um: simulation band (Lorentz fit range of tabulated media).
        lossless: every medium lossless (Re n at wavelength_ref_um).
        lossless_groups: only these groups lossless.
        medium: optional Material -> meep.Medium that replaces ``sims.materials.meep_medium``
            (then wavelength_ref_um, band_um, lossless and lossless_groups are not used): the
            cavity steps pass the media of their ``model`` (``sims.cavity_media.cavity_medium``).
    Returns:
        Layout.
    """
    import meep as mp

    if dims not in DIMENSIONS:
        raise ValueError(f"dims must be one of {DIMENSIONS}, got {dims!r}")
    finite_groups = finite_groups or {}
    cache: dict = {}

    make = medium

    def medium(mat: Material, lossless_here: bool = False):
        key = (mat.name, lossless or lossless_here)
        if key not in cache:
            cache[key] = (make(mat) if make is not None else
                          meep_medium(mat, wavelength_ref_um, lossless=key[1], band_um=band_um))
        return cache[key]

    length = stack.thickness_um + pad_below_um + pad_above_um + 2 * pml_um
    offset = -length / 2 + pml_um + pad_below_um  # Meep coordinate of s = 0
    geometry = []
    # semi-infinite media, extended through the PML
    below_len = pml_um + pad_below_um
    above_len = pml_um + pad_above_um
    geometry.append(_block(dims, offset - below_len / 2, below_len, None, medium(stack.below)))
    geometry.append(_block(dims, offset + stack.thickness_um + above_len / 2, above_len, None, medium(stack.above)))
    z = stack.interfaces_um
    for i, lay in enumerate(stack.layers):
        c = offset + 0.5 * (z[i] + z[i + 1])
        lossless_here = lay.group in lossless_groups
        if lay.group in finite_groups and dims != "1d":
            width, filler = finite_groups[lay.group]
            geometry.append(_block(dims, c, lay.thickness_um, None, medium(filler)))
            geometry.append(_block(dims, c, lay.thickness_um, width, medium(lay.material, lossless_here)))
        else:
            geometry.append(_block(dims, c, lay.thickness_um, None, medium(lay.material, lossless_here)))
    if dims == "1d":
        cell = mp.Vector3(0, 0, length)
        pml = [mp.PML(pml_um)]
        axis = "z"
    elif dims == "2d":
        cell = mp.Vector3(lateral_um, length)
        pml = [mp.PML(pml_um, direction=mp.Y)]
        if lateral_pml_um:
            pml.append(mp.PML(lateral_pml_um, direction=mp.X))
        axis = "y"
    elif dims == "cyl":
        cell = mp.Vector3(lateral_um, 0, length)
        pml = [mp.PML(pml_um, direction=mp.Z)]
        if lateral_pml_um:
            pml.append(mp.PML(lateral_pml_um, direction=mp.R))
        axis = "z"
    else:
        cell = mp.Vector3(lateral_um, lateral_um, length)
        pml = [mp.PML(pml_um, direction=mp.Z)]
        if lateral_pml_um:
            pml += [mp.PML(lateral_pml_um, direction=mp.X), mp.PML(lateral_pml_um, direction=mp.Y)]
        axis = "z"
    return Layout(dims, cell, geometry, pml, offset, axis, length, lateral_um, cache, pad_below_um, pad_above_um)


def epsilon_grid(layout: Layout, resolution: float, wavelength_um: float) -> np.ndarray:
    """Re(eps) on Meep's grid at one frequency (a Simulation is initialised, not run)."""
    import meep as mp

    kwargs = {}
    if layout.dims == "cyl":
        kwargs["m"] = 0
    sim = mp.Simulation(cell_size=layout.cell_size, geometry=layout.geometry, boundary_layers=layout.pml_layers,
                        resolution=resolution, dimensions=layout.dimensions, **kwargs)
    sim.init_sim()
    eps = sim.get_epsilon(frequency=1.0 / wavelength_um)
    sim.reset_meep()
    return np.real(np.asarray(eps))
