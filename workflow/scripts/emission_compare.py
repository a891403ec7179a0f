"""Polar plot of the microcavity vs standard PeLED vs Lambertian, and a summary table of the numbers."""

from __future__ import annotations

import argparse


def main(argv=None):
    from sims.emission_led import summary_table
    from sims.plots.emission import polar_figure
    from sims.results import read_h5, save_figure, write_text

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--h5", nargs="+", required=True, help="emission.h5 files (results/emission/<led>/)")
    ap.add_argument("--fig", required=True)
    ap.add_argument("--tsv", required=True)
    a = ap.parse_args(argv)
    files = [read_h5(p) for p in a.h5]
    save_figure(polar_figure(files), a.fig)
    write_text(a.tsv, summary_table(files))
    print(f"{len(files)} LEDs -> {a.tsv}, {a.fig}")


if __name__ == "__main__":
    main()
