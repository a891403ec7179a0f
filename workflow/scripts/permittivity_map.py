"""Entry: eps(z) and eps(x, z) of one stack as Meep sees it -> HDF5 + figure."""

import argparse
import json

from sims.permittivity_map import UNITS, permittivity_maps
from sims.plots.geometry import plot_permittivity
from sims.results import Timer, provenance, save_figure, write_h5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config holding the stack")
    ap.add_argument("--stack", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    with Timer() as t:
        maps = permittivity_maps(settings, args.stack)
    attrs = provenance(settings, t.seconds, stack=args.stack,
                       resolution_1d_px_per_um=settings["simulation"]["resolution_1d_px_per_um"],
                       resolution_2d_px_per_um=settings["simulation"]["resolution_2d_px_per_um"],
                       axis_note="2D grid: Meep x-y cell, Meep y is the stack axis z")
    write_h5(args.h5, maps, attrs, UNITS)
    save_figure(plot_permittivity(maps, args.stack), args.fig)
    print(f"{args.stack}: 1D grid {maps['eps_1d'].shape}, 2D grid {maps['eps_2d'].shape}, {t.seconds:.1f} s")


if __name__ == "__main__":
    main()
