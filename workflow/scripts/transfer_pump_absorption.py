"""Entry: absorbed fraction A(theta) of microcavity II lit from the gap at the pump wavelength.

Transfer matrix on a fine angle grid, 1D Meep at the configured angles; the method named
by transfer.absorption_method gives the table the transfer step uses -> HDF5 + figure.
"""

import argparse
import json

import numpy as np

from sims.plots.transfer import plot_pump_absorption
from sims.pump_absorption import absorber_stack, pump_absorption_tables
from sims.results import Timer, provenance, read_h5, save_figure, write_h5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: sub-config with the absorber stack, simulation, transfer")
    ap.add_argument("--modes", default=None, help="modes.h5 of the absorber stack: its gain_layer_thickness_nm "
                    "(the crystal thickness the cavity step calibrated) replaces the configured one")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    thickness_nm = float(np.real(read_h5(args.modes)[0]["gain_layer_thickness_nm"])) if args.modes else None
    stack, thickness_nm = absorber_stack(s, thickness_nm)
    with Timer() as timer:
        ds, units, attrs = pump_absorption_tables(s, stack, thickness_nm, args.modes or "")
    write_h5(args.h5, ds, provenance(s, timer.seconds, **attrs), units)
    save_figure(plot_pump_absorption(ds, s), args.fig)
    print(f"A_crystal(0) = {ds['tmm/A_crystal'][0]:.4f} (tmm); table method {s['transfer']['absorption_method']}; "
          + (f"Meep {ds['meep/A']}, tmm {ds['meep/tmm_A']}, tmm(Meep eps) {ds['meep/tmm_meep_eps_A']}"
             if "meep/A" in ds else "no Meep runs"))


if __name__ == "__main__":
    main()
