"""Entry: eps(z) and eps(x, z) of one stack as Meep sees it -> HDF5 + figure."""

import argparse
import json


from sims.results import Timer, provenance, save_figure, write_h5
from sims.permittivity_map import permittivity_maps, plot_permittivity


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config holding the stack")
    ap.add_argument("--stack", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    import meep as mp

    mp.verbosity(0)
    with Timer() as t:
        maps = permittivity_maps(settings, args.stack)
    units = {"z_um": "um", "eps_1d": "1", "x_um": "um", "z2_um": "um", "eps_2d": "1",
             "interfaces_um": "um", "interfaces_2d_um": "um", "wavelength_um": "um", "gap_2d_um": "um"}
    attrs = provenance(settings, t.seconds, stack=args.stack,
                       resolution_1d_px_per_um=settings["simulation"]["resolution_1d_px_per_um"],
                       resolution_2d_px_per_um=settings["simulation"]["resolution_2d_px_per_um"],
                       axis_note="2D grid: Meep x-y cell, Meep y is the stack axis z")
    write_h5(args.h5, maps, attrs, units)
    save_figure(plot_permittivity(maps, args.stack), args.fig)
    print(f"{args.stack}: 1D grid {maps['eps_1d'].shape}, 2D grid {maps['eps_2d'].shape}, {t.seconds:.1f} s")


if __name__ == "__main__":
    main()
