"""Entry (MPI): reduced-scale 2D full-wave check of the radiometric transfer -> HDF5, figure,
Markdown and JSON table. Run under `mpirun -np N python -m mpi4py workflow/scripts/transfer_fullwave.py ...`.

Every rank runs the Meep simulations (Meep splits each cell over the ranks); the plane-wave
and radiometric models and all writing run on rank 0.
"""

import argparse
import json
import time

from sims import transfer_fullwave as tf
from sims.fullwave_fdtd import fdtd_kernels
from sims.plots.fullwave import fullwave_figure
from sims.results import provenance, save_figure, write_h5, write_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config with the stack and a 'transfer_fullwave' section")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True, help="PNG (a PDF is written beside it)")
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    import meep as mp

    fw = settings["transfer_fullwave"]
    log = print if mp.am_master() else None
    t_start = time.perf_counter()
    edges = tf.lateral_bin_edges(fw)
    fdtd = fdtd_kernels(settings, edges, progress=log)        # every rank
    if not mp.am_master():
        return
    res = tf.fullwave_check(settings, fdtd, edges, progress=log)
    sc = res["scalars"]
    write_h5(args.h5, res["datasets"], provenance(settings, time.perf_counter() - t_start, **tf.h5_attributes(sc)),
             res["units"])
    write_text(args.md, tf.markdown_table(fw, res))
    write_text(args.json, json.dumps(tf.summary(res), indent=1, default=float))
    save_figure(fullwave_figure(fw, res["datasets"], sc["tolerance"]), args.fig)
    print(f"transfer_fullwave: {args.h5}: FDTD vs plane-wave max |ratio - 1| {sc['max_abs_fdtd_vs_coherent_el']:.3f} "
          f"(EL-weighted), {len(sc['fdtd_hit_time_cap'])} FDTD runs, {sum(sc['fdtd_hit_time_cap'])} stopped by the time cap")


if __name__ == "__main__":
    main()
