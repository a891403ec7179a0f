"""Convergence of the finite-width 2D cavity run (MPI): Q and wavelength against 2D resolution and PML.

Thin wrapper around sims.cavity_lateral.lateral_convergence_step; writes lateral_convergence.json and .md.
Launch: mpirun -np 2 python -m mpi4py workflow/scripts/cavity_lateral_convergence.py ...
"""

from __future__ import annotations

import argparse
import json

from sims.cavity_lateral import lateral_convergence_step
from sims.cavity_tables import LATERAL_CONVERGENCE_METHOD, lateral_convergence_markdown, lateral_convergence_rows
from sims.results import Timer, provenance, write_text


def main(argv=None):
    import meep as mp

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for a in ("--stack", "--settings", "--json", "--md"):
        p.add_argument(a, required=True)
    a = p.parse_args(argv)
    mp.verbosity(0)
    config = json.loads(a.settings)
    cav = config["cavity"]
    lat = cav["lateral"]
    with Timer() as t:
        step = lateral_convergence_step(config, a.stack)
    r, ranks = step["result"], mp.count_processors()
    rows = lateral_convergence_rows(r, step["bench"])
    prov = provenance(config, t.seconds, stack=a.stack, mode_choice=step["mode_choice"])
    doc = {"stack": a.stack, "width_um": r["width_um"], "filler": lat["filler"], "margin_um": lat["margin_um"],
           "ringdown_time": cav["ringdown_time"], "ranks": ranks, "method": LATERAL_CONVERGENCE_METHOD,
           "rows": rows, "provenance": prov}
    md = lateral_convergence_markdown(a.stack, r, rows, lat, cav["ringdown_time"], ranks, step["mode_choice"])
    if mp.am_master():
        write_text(a.json, json.dumps(doc, indent=1, default=float))
        write_text(a.md, md)
        print(f"{a.stack}: finite-width convergence, {len(rows)} runs on {ranks} ranks -> {a.json}")


if __name__ == "__main__":
    main()
