"""Finite lateral width of the gain layer (2D FDTD under MPI): Q and wavelength against width.

Thin wrapper around sims.cavity_lateral.lateral_step; writes lateral.h5, lateral.png/.pdf and a
benchmark JSON. Launch: mpirun -np 2 python -m mpi4py workflow/scripts/cavity_lateral.py ...
"""

from __future__ import annotations

import argparse
import json

from sims import cavity as C
from sims.cavity_lateral import lateral_step
from sims.cavity_tables import LATERAL_METHOD, lateral_datasets
from sims.plots.cavity import lateral_figure
from sims.results import Timer, provenance, save_figure, write_h5, write_text


def main(argv=None):
    import meep as mp

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for a in ("--stack", "--settings", "--h5", "--fig", "--bench"):
        p.add_argument(a, required=True)
    a = p.parse_args(argv)
    mp.verbosity(0)
    config = json.loads(a.settings)
    lat = config["cavity"]["lateral"]
    with Timer() as t:
        step = lateral_step(config, a.stack)
    ds, units = lateral_datasets(step["out"])
    attrs = provenance(config, t.seconds, stack=a.stack, mode_choice=step["mode_choice"],
                       calibrated_value=step["calibrated_value"], calibrated_parameter=C.calibration_label(step["entry"]),
                       filler=lat["filler"], method=LATERAL_METHOD)
    if mp.am_master():
        write_h5(a.h5, ds, attrs, units)
        write_text(a.bench, json.dumps({"stack": a.stack, "ranks": mp.count_processors(), "total_wall_s": t.seconds,
                                        "runs": step["bench"]}, indent=1))
        save_figure(lateral_figure(a.stack, step["out"], lat), a.fig)
        print(f"{a.stack}: finite-width study on {mp.count_processors()} ranks -> {a.h5}")


if __name__ == "__main__":
    main()
