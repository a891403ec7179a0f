"""Finite lateral width of the gain layer (2D FDTD under MPI): Q and wavelength against width.

Thin wrapper around sims.cavity_study.lateral_study; writes lateral.h5, lateral.png/.pdf and a
benchmark JSON. Launch: mpirun -np 2 python -m mpi4py workflow/scripts/cavity_lateral.py ...
"""

from __future__ import annotations

import argparse
import json


import numpy as np

from sims import cavity as C
from sims import cavity_study as S
from sims.results import Timer, provenance, save_figure, write_h5, write_text


def main(argv=None):
    import meep as mp

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for a in ("--stack", "--settings", "--h5", "--fig", "--bench"):
        p.add_argument(a, required=True)
    a = p.parse_args(argv)
    mp.verbosity(0)
    config = json.loads(a.settings)
    cav = config["cavity"]
    lat = cav["lateral"]
    wc = C.working_config(config, a.stack)
    work, choice, target = wc["config"], wc["mode_choice"], wc["target_um"]
    value = wc["calibration"]["value"] if wc["calibration"] else float("nan")
    bench: list = []
    out = {}
    with Timer() as t:
        for absorption in ((True, False) if lat["absorption_off"] else (True,)):
            r = S.lateral_study(work, a.stack, target, lat["widths_um"], lat["filler"],
                                resolution=lat["resolution_px_per_um"], pml_um=config["simulation"]["pml_um"],
                                margin_um=lat["margin_um"], ringdown=cav["ringdown_time"], absorption=absorption,
                                bench=bench)
            out["absorption_on" if absorption else "absorption_off"] = r
    ds, units = {}, {}
    for g, r in out.items():
        for k, v in r.items():
            v = np.asarray(v, float)
            ds[f"{g}/{k}"] = np.where(np.isfinite(v), v, -1.0)
            units[f"{g}/{k}"] = "um" if k.endswith("_um") else ("nm" if k.endswith("_nm") else
                                                                ("px/um" if k.endswith("px_per_um") else "1"))
    attrs = provenance(config, t.seconds, stack=a.stack, mode_choice=choice, calibrated_value=value,
                       calibrated_parameter=C.calibration_label(wc["entry"]),
                       filler=lat["filler"], method="2D Meep, gain layer of finite width between laterally infinite "
                       "mirrors, Ez line source across the crystal with amplitude cos(pi x / W) (fundamental lateral mode), "
                       "even mirror symmetry, Harminv at x = 0; -1 = no mode found")
    if mp.am_master():
        write_h5(a.h5, ds, attrs, units)
        write_text(a.bench, json.dumps({"stack": a.stack, "ranks": mp.count_processors(), "total_wall_s": t.seconds,
                                        "runs": bench}, indent=1))
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(11, 4))
        for g, r in out.items():
            l, = ax[0].semilogy(r["width_um"], r["Q"], "o-", label=f"2D, {g.replace('_', ' ')}")
            ax[0].axhline(r["Q_1d"], color=l.get_color(), ls=":", label=f"1D, {g.replace('_', ' ')}")
            ax[1].plot(r["width_um"], r["wavelength_nm"], "o-", color=l.get_color())
            ax[1].axhline(r["wavelength_1d_nm"], color=l.get_color(), ls=":")
        ax[0].set_xlabel("crystal width (um)")
        ax[0].set_ylabel("Q")
        ax[0].legend(fontsize=7)
        ax[1].set_xlabel("crystal width (um)")
        ax[1].set_ylabel("mode wavelength (nm)")
        fig.suptitle(f"{a.stack}: finite crystal width (2D FDTD, {lat['resolution_px_per_um']:g} px/um, "
                     f"filler {lat['filler']})")
        fig.tight_layout()
        save_figure(fig, a.fig)


if __name__ == "__main__":
    main()
