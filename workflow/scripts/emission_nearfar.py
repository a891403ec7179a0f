"""Line dipole in a finite 2D cell + Meep near-to-far projection vs the 1D sheet sweep -> nearfar.h5, figure.

Thin wrapper around sims.emission_nearfar.nearfar_check. Run under MPI (``mpirun -np N python
-m mpi4py``): every rank works on each 2D run (one per line-current kind); then the ranks split
the 1D reference runs (zero-width cell, same grid); rank 0 adds the transfer-matrix reference,
compares and writes the HDF5 and the figure.
"""

from __future__ import annotations

import argparse
import json


def get_comm():
    try:
        from mpi4py import MPI

        return MPI.COMM_WORLD
    except ImportError:  # pragma: no cover
        return None


def main(argv=None):
    from sims.emission_nearfar import nearfar_check
    from sims.plots.emission import nearfar_figure
    from sims.results import provenance, save_figure, write_h5

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON of the step's sub-config")
    ap.add_argument("--led", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    a = ap.parse_args(argv)
    settings = json.loads(a.settings)
    r = nearfar_check(settings, a.led, get_comm())
    if r is None:  # not rank 0
        return
    attrs = provenance(settings, r["seconds"])
    attrs.update(r["attrs"])
    write_h5(a.h5, r["datasets"], attrs=attrs, units=r["units"])
    save_figure(nearfar_figure(r["theta_deg"], r["freqs"], r["patterns"], r["compare_max_deg"], a.led,
                               r["exit_medium"], r["metrics"]), a.fig)
    print(json.dumps({k: v for k, v in r["metrics"].items() if "rms" in k or "extraction" in k or "fwhm" in k}))


if __name__ == "__main__":
    main()
