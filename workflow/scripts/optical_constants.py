"""Entry: configured vs Meep optical constants of every material -> HDF5 + figure."""

import argparse
import json

from sims.optical_constants import compare_all, h5_content, summary_line
from sims.plots.materials import plot_materials
from sims.results import Timer, provenance, save_figure, write_h5


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: {'materials': {...}, 'band_nm': [lo, hi]}")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    with Timer() as t:
        res = compare_all(settings, tuple(settings["band_nm"]))
    datasets, units = h5_content(res)
    write_h5(args.h5, datasets, provenance(settings, t.seconds), units)
    save_figure(plot_materials(res), args.fig)
    print(summary_line(res))


if __name__ == "__main__":
    main()
