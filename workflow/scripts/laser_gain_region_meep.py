"""Entry (MPI): 2D Meep run of a finite pumped (gain) region in microcavity II at reduced scale,
its lowest (gain-guided) lateral mode and far field against the workflow's model -> HDF5. Run under
`mpirun -np N python -m mpi4py workflow/scripts/laser_gain_region_meep.py ...`."""

import argparse
import json

import numpy as np

from sims.gain_guided_meep import SCALARS, meep_gain_guided
from sims.results import Flagged, Timer, provenance, write_h5

ARRAYS = (("theta_deg", "deg (air)"), ("meep", "1 (max 1)"), ("model", "1 (max 1)"), ("meep_near_field_ft", "1 (max 1)"),
          ("x_um", "um"), ("near_intensity", "1 (max 1)"), ("near_phase_rad", "rad"), ("model_intensity", "1 (max 1)"),
          ("calibration_strengths", "1 (Lorentzian -sigma)"), ("calibration_rates", "c/um (intensity)"),
          ("calibration_frequencies", "1/um"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config with microcavity II and laser_output.meep_gain")
    ap.add_argument("--h5", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    import meep as mp

    g = settings["laser_output"]["meep_gain"]
    with Timer() as t:
        runs = [meep_gain_guided(settings, profile=p, pairs=g["pairs"], half_width_um=g["pump_half_width_um"],
                                 lateral_half_width_um=g["lateral_half_width_um"], resolution=g["resolution_px_per_um"],
                                 gain_width_over_frequency=g["gain_width_over_frequency"],
                                 margin=g["below_threshold_margin"], suppression=g["suppression"],
                                 measure_periods=g["measure_periods"]) for p in g["profiles"]]
    ds, units = {}, {}
    for r in runs:
        for k, u in ARRAYS + SCALARS:
            ds[f"{r['profile']}/{k}"], units[f"{r['profile']}/{k}"] = np.asarray(r[k], float), u
        ds[f"{r['profile']}/second_mode_rate_meep"] = Flagged.from_float(
            r["second_mode_rate_meep"], reason="Harminv found no second even mode in the settle window")
    if mp.am_master():
        write_h5(args.h5, ds, provenance(settings, t.seconds, mpi_ranks=mp.count_processors(),
                                         profiles=",".join(g["profiles"])), units)
        print(f"laser gain region Meep: {t.seconds:.1f} s; " + "; ".join(
            f"{r['profile']}: FWHM Meep {r['fwhm_meep_deg']:.2f} / model {r['fwhm_model_deg']:.2f} deg, waist "
            f"{r['waist_meep_um']:.2f} / {r['waist_model_um']:.2f} um" for r in runs))


if __name__ == "__main__":
    main()
