"""Entry: R, T, A of one DBR by 1D Meep vs transfer matrix -> HDF5, figure, metrics
(normal incidence; with --oblique also the kx sweep, s and p: the validation step)."""

import argparse
import json
from pathlib import Path

from sims.mirror_claims import claims_csv
from sims.mirror_spectra import compute_mirror_spectra, spectra_h5_content, summary_line
from sims.plots.mirrors import plot_mirror
from sims.results import provenance, save_figure, write_h5, write_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config: materials, mirrors, simulation, mirror_spectra")
    ap.add_argument("--mirror", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    ap.add_argument("--metrics", required=True, help="metrics .json (a claims .csv is written beside it)")
    ap.add_argument("--oblique", action="store_true",
                    help="also the Meep kx sweep, s and p (the validation step); default: normal incidence only")
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    result = compute_mirror_spectra(settings, args.mirror, log=lambda s: print(s, flush=True), oblique=args.oblique)
    m = result["metrics"]
    datasets, units, attrs = spectra_h5_content(result)
    write_h5(args.h5, datasets, provenance(settings, m["wall_time_s"], **attrs), units)
    save_figure(plot_mirror(result), args.fig)
    write_text(args.metrics, json.dumps(m, indent=1, default=float))
    write_text(Path(args.metrics).with_suffix(".csv"), claims_csv(m["claims"]))
    print(summary_line(m, args.oblique))
    return m


if __name__ == "__main__":
    main()
