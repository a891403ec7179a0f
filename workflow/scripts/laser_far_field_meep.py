"""Entry (MPI): reduced-scale 2D Meep check of the far-field model of microcavity II (Gaussian line
sources in the trimmed cavity, near-to-far) -> HDF5. Run under
`mpirun -np N python -m mpi4py workflow/scripts/laser_far_field_meep.py ...`."""

import argparse
import json

import numpy as np

from sims.far_field_meep import meep_gaussian_in_cavity
from sims.results import Timer, provenance, write_h5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config with the stack and laser_output.meep")
    ap.add_argument("--h5", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    import meep as mp

    m = settings["laser_output"]["meep"]
    ds, units = {"n_runs": np.array(len(m["waists_um"]))}, {"n_runs": "1"}
    with Timer() as t:
        runs = [meep_gaussian_in_cavity(settings, pairs=m["pairs"], waist_um=w, half_width_um=h,
                                        resolution=m["resolution_px_per_um"])
                for w, h in zip(m["waists_um"], m["half_widths_um"])]
    for i, (w, r) in enumerate(zip(m["waists_um"], runs)):
        ds[f"run_{i}/waist_um"], units[f"run_{i}/waist_um"] = np.array(w), "um"
        for k, u in (("theta_deg", "deg (air)"), ("meep", "1 (max 1)"), ("model", "1 (max 1)"), ("exact", "1 (max 1)"),
                     ("fwhm_meep_deg", "deg"), ("fwhm_model_deg", "deg"), ("fwhm_exact_deg", "deg"),
                     ("max_abs_diff_all", "1 (of the peak)"), ("max_abs_diff_exact", "1 (of the peak)"),
                     ("q_tmm", "1"), ("wavelength_nm", "nm")):
            ds[f"run_{i}/{k}"], units[f"run_{i}/{k}"] = np.asarray(r[k], float), u
        ds[f"run_{i}/fwhm_rel_diff"] = np.array(r["fwhm_meep_deg"] / r["fwhm_model_deg"] - 1)
        units[f"run_{i}/fwhm_rel_diff"] = "1 (Meep / model - 1)"
    if mp.am_master():
        write_h5(args.h5, ds, provenance(settings, t.seconds, mpi_ranks=mp.count_processors()), units)
        print(f"laser far field Meep: {len(runs)} runs, {t.seconds:.1f} s; FWHM Meep/model: "
              + ", ".join(f"{r['fwhm_meep_deg']:.2f}/{r['fwhm_model_deg']:.2f} deg" for r in runs))


if __name__ == "__main__":
    main()
