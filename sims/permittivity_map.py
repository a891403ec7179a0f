"""What Meep simulates: eps(z) of a stack in 1D and eps(x, z) in 2D, on Meep's own grid.

The grids come from an initialised (not run) Meep simulation of the geometry built by
:func:`sims.geometry.stack_layout`, at one wavelength (dispersive media evaluated there),
with subpixel averaging as in the real runs. In 2D the stack axis is Meep's y (2D cells are
x-y); the figure labels it z. The thick gap (tens of um) is drawn at
``simulation.geometry_2d_gap_um`` in 2D, and the groups in ``geometry.finite_width_um``
get a finite lateral width, filled around with the medium above the stack. Nothing here
writes files; the figure is :func:`sims.plots.geometry.plot_permittivity`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sims.geometry import epsilon_grid, stack_layout
from sims.stack import build_stack

UNITS = {"z_um": "um", "eps_1d": "1", "x_um": "um", "z2_um": "um", "eps_2d": "1",
         "interfaces_um": "um", "interfaces_2d_um": "um", "wavelength_um": "um", "gap_2d_um": "um"}
"""Units of the :func:`permittivity_maps` arrays (the datasets of permittivity.h5)."""


def permittivity_maps(config: dict, stack_name: str) -> dict:
    """eps(z) (1D) and eps(x, z) (2D) of a configured stack.

    Returns:
        dict: z_um (1D grid, 0 = bottom of the first layer), eps_1d, x_um, z2_um, eps_2d,
        interfaces_um (1D stack), interfaces_2d_um, wavelength_um, gap_2d_um (units: :data:`UNITS`).
    """
    import meep as mp

    mp.verbosity(0)
    sim = config["simulation"]
    geo = config.get("geometry", {})
    wl_um = geo.get("wavelength_nm", 680) / 1e3
    stack = build_stack(config, stack_name)
    band = (wl_um * 0.99, wl_um * 1.01)
    lay1 = stack_layout(stack, "1d", pml_um=sim["pml_um"], wavelength_ref_um=wl_um, band_um=band)
    res1 = sim["resolution_1d_px_per_um"]
    eps1 = epsilon_grid(lay1, res1, wl_um)
    z1 = (np.arange(eps1.size) + 0.5) / res1 - lay1.length_um / 2 - lay1.stack_offset

    gap_um = sim["geometry_2d_gap_um"]
    stack2 = replace(stack, layers=tuple(replace(l, thickness_um=min(l.thickness_um, gap_um))
                                          if l.group == "gap" else l for l in stack.layers))
    above = stack.above
    finite = {g: (w, above) for g, w in geo.get("finite_width_um", {}).items()
              if any(l.group == g for l in stack.layers)}
    width = sim["geometry_2d_width_um"]
    lay2 = stack_layout(stack2, "2d", pml_um=sim["pml_um"], lateral_um=width, finite_groups=finite,
                        wavelength_ref_um=wl_um, band_um=band)
    res2 = sim["resolution_2d_px_per_um"]
    eps2 = epsilon_grid(lay2, res2, wl_um)
    nx, ny = eps2.shape
    x2 = (np.arange(nx) + 0.5) * width / nx - width / 2
    z2 = (np.arange(ny) + 0.5) * lay2.length_um / ny - lay2.length_um / 2 - lay2.stack_offset
    return {"z_um": z1, "eps_1d": eps1, "x_um": x2, "z2_um": z2, "eps_2d": eps2,
            "interfaces_um": stack.interfaces_um, "interfaces_2d_um": stack2.interfaces_um,
            "wavelength_um": wl_um, "gap_2d_um": gap_um}
