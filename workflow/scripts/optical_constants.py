"""Entry: configured vs Meep optical constants of every material -> HDF5 + figure."""

import argparse
import json


from sims.results import Timer, provenance, save_figure, write_h5
from sims.optical_constants import compare_all, plot_materials


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: {'materials': {...}, 'band_nm': [lo, hi]}")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    import meep as mp

    mp.verbosity(0)
    with Timer() as t:
        res = compare_all(settings, tuple(settings["band_nm"]))
    datasets, units = {}, {}
    for name, r in res.items():
        for key, val in r.items():
            datasets[f"{name}/{key}"] = val
            units[f"{name}/{key}"] = "nm" if "wavelength" in key else "1"
    write_h5(args.h5, datasets, provenance(settings, t.seconds), units)
    save_figure(plot_materials(res), args.fig)
    for name, r in res.items():
        extra = "".join(f", {k} {r[k]:.3f}" for k in ("fit_max_dn", "fit_max_dk", "ref_max_dn", "ref_max_dk") if k in r)
        print(f"{name}: Meep vs model max|dn| {r['max_dn']:.4f} max|dk| {r['max_dk']:.4f}{extra}")


if __name__ == "__main__":
    main()
