"""Entry (validation): 1D Meep absorbed fraction of microcavity II lit from the gap at the
pump wavelength, at transfer.absorption_meep_angles_deg, against the transfer matrix -> HDF5.

The default run's table is the transfer matrix (transfer.absorption_method: tmm); this is its
FDTD check. With absorption_method meep the default rule runs these points itself.
"""

import argparse
import json

import numpy as np

from sims.pump_absorption import absorber_stack, meep_check
from sims.results import Timer, provenance, read_h5, write_h5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: sub-config with the absorber stack, simulation, transfer")
    ap.add_argument("--modes", required=True, help="modes.h5 of the absorber stack (its calibrated crystal thickness)")
    ap.add_argument("--h5", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    t, sim = s["transfer"], s["simulation"]
    stack, thickness_nm = absorber_stack(s, float(np.real(read_h5(args.modes)[0]["gain_layer_thickness_nm"])))
    with Timer() as timer:
        ds, attrs = meep_check(stack, t["pump_wavelength_nm"] / 1e3, t["absorption_meep_angles_deg"],
                               t["absorber_layer"], sim["resolution_1d_px_per_um"], sim["pml_um"],
                               sim["decay_threshold"])
    units = {k: ("deg (in the gap)" if "theta" in k else "1 (fraction of the incident pump power)") for k in ds}
    write_h5(args.h5, ds, provenance(s, timer.seconds, absorber_thickness_nm=thickness_nm, **attrs), units)
    print(f"Meep A {ds['meep/A']}, tmm {ds['meep/tmm_A']}, tmm(Meep eps) {ds['meep/tmm_meep_eps_A']}")


if __name__ == "__main__":
    main()
