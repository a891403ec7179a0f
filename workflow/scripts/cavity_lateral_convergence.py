"""Convergence of the finite-width 2D cavity run (MPI): Q and wavelength against 2D resolution and PML.

Thin wrapper around sims.cavity_study.lateral_convergence; writes lateral_convergence.json and .md.
Launch: mpirun -np 2 python -m mpi4py workflow/scripts/cavity_lateral_convergence.py ...
"""

from __future__ import annotations

import argparse
import json


from sims import cavity as C
from sims import cavity_study as S
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
    wc = C.working_config(config, a.stack)
    work, choice, target = wc["config"], wc["mode_choice"], wc["target_um"]
    bench: list = []
    with Timer() as t:
        r = S.lateral_convergence(work, a.stack, target, lat["convergence_width_um"], lat["filler"],
                                  resolutions=lat["convergence_resolutions_px_per_um"],
                                  pmls=lat["convergence_pml_um"], pml0_um=config["simulation"]["pml_um"],
                                  resolution0=lat["resolution_px_per_um"], margin_um=lat["margin_um"],
                                  ringdown=cav["ringdown_time"], bench=bench)
    walls = [b["wall_s"] for b in bench if b["run"].startswith("2D")]
    rows = []
    for i in range(len(r["Q"])):
        rows.append({"resolution_px_per_um": r["resolution_px_per_um"][i], "pml_um": r["pml_um"][i],
                     "wavelength_nm": r["wavelength_nm"][i], "Q": r["Q"][i],
                     "wavelength_1d_nm": r["wavelength_1d_nm"][i], "Q_1d": r["Q_1d"][i],
                     "wall_s_2d": walls[i] if i < len(walls) else None})
    prov = provenance(config, t.seconds, stack=a.stack, mode_choice=choice)
    doc = {"stack": a.stack, "width_um": r["width_um"], "filler": lat["filler"], "margin_um": lat["margin_um"],
           "ringdown_time": cav["ringdown_time"], "ranks": mp.count_processors(),
           "method": "2D Meep, crystal of finite width between laterally infinite mirrors, absorption on, "
                     "cos(pi x / W) Ez line source (fundamental lateral mode), even mirror symmetry, Harminv at "
                     "x = 0; 1D Harminv at the same resolution and PML as reference",
           "rows": rows, "provenance": prov}
    md = [f"Finite-width convergence of {a.stack}: crystal width {r['width_um']:g} um, filler {lat['filler']}, "
          f"margin {lat['margin_um']:g} um, absorption on, ringdown {cav['ringdown_time']:g}, "
          f"{mp.count_processors()} MPI ranks ({choice} mode).", "",
          "| resolution (px/um) | PML (um) | 2D wavelength (nm) | 2D Q | 1D wavelength (nm) | 1D Q | "
          "2D - 1D (nm) | Q_2D / Q_1D | 2D wall (s) |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for w in rows:
        md.append(f"| {w['resolution_px_per_um']:g} | {w['pml_um']:g} | {w['wavelength_nm']:.3f} | {w['Q']:.1f} | "
                  f"{w['wavelength_1d_nm']:.3f} | {w['Q_1d']:.1f} | {w['wavelength_nm'] - w['wavelength_1d_nm']:+.3f} | "
                  f"{w['Q'] / w['Q_1d']:.3f} | {w['wall_s_2d'] or float('nan'):.1f} |")
    if mp.am_master():
        write_text(a.json, json.dumps(doc, indent=1, default=float))
        write_text(a.md, "\n".join(md) + "\n")


if __name__ == "__main__":
    main()
