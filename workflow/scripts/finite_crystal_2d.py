"""Entry (MPI): 2D microcavity II with a finite crystal -> HDF5. Run under
`mpirun -np N python -m mpi4py workflow/scripts/finite_crystal_2d.py ...`."""

import argparse
import json

from sims.finite_crystal_2d import TRANSMISSION_UNITS, finite_crystal_transmission, trim_mirrors
from sims.results import Timer, provenance, write_h5
from sims.stack import build_stack


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config with stacks and a 'finite_crystal_2d' section")
    ap.add_argument("--stack", required=True)
    ap.add_argument("--h5", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    import meep as mp

    s = settings["finite_crystal_2d"]
    sim = settings["simulation"]
    stack = trim_mirrors(build_stack(settings, args.stack), s["pairs"], s["crystal_group"])
    with Timer() as t:
        res = finite_crystal_transmission(
            stack, s["crystal_group"], s["crystal_width_um"], cell_width_um=s["cell_width_um"],
            resolution_px_per_um=sim["resolution_2d_px_per_um"], pml_um=sim["pml_um"],
            wavelength_min_um=s["wavelength_min_nm"] / 1e3, wavelength_max_um=s["wavelength_max_nm"] / 1e3,
            n_freq=s["n_wavelengths"], run_time=s["run_time"])
    if mp.am_master():
        n = res.pop("n_ranks")
        write_h5(args.h5, res, provenance(settings, t.seconds, mpi_ranks=n, stack=args.stack), TRANSMISSION_UNITS)
        print(f"{args.stack}: {n} ranks, {t.seconds:.1f} s")


if __name__ == "__main__":
    main()
