"""Entry: microcavity vs standard PeLED transfer against distance -> HDF5 + figure.

Coupling efficiency, absorbed pump fraction, and the ratio of the power densities on the
crystal (microcavity / standard) per unit LED exitance and at each LED's measured maximum
exitance (threshold.measured.max_exitance_*).
"""

import argparse
import json

from sims.plots.transfer import plot_comparison
from sims.results import provenance, read_h5, save_figure, write_h5
from sims.transfer_comparison import compare_devices, comparison_summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: max exitances of the two LEDs (W/cm^2)")
    ap.add_argument("--microcavity", required=True)
    ap.add_argument("--standard", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    ds, units = compare_devices(read_h5(args.microcavity)[0], read_h5(args.standard)[0], s)
    write_h5(args.h5, ds, provenance(s, None, microcavity_file=args.microcavity, standard_file=args.standard), units)
    save_figure(plot_comparison(ds), args.fig)
    print(comparison_summary(ds, s.get("report_distances_um", [])))


if __name__ == "__main__":
    main()
