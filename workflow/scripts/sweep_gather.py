"""Entry: gather the points of one parameter sweep into HDF5, a Markdown table and a figure
(``sims.sweeps.gather_points``: per point the mode, pump absorption, coupling and J_th of both
devices; thresholds not reached are flagged ``not_reached`` and shown as "unreachable")."""

import argparse
import json

import numpy as np

from sims.plots.threshold import sweep_figure
from sims.results import provenance, read_h5, save_figure, write_h5, write_text
from sims.sweeps import gather_points, sweep_markdown


def read_point(modes, absorption, transfer, threshold) -> dict:
    th, th_attrs = read_h5(threshold)
    return {"modes": read_h5(modes)[0], "absorption": read_h5(absorption)[0], "transfer": read_h5(transfer)[0],
            "threshold": th, "threshold_attrs": th_attrs}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: name, key, values of the sweep")
    for k in ("threshold", "modes", "absorption", "transfer"):
        ap.add_argument(f"--{k}", nargs="+", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--fig", required=True)
    a = ap.parse_args(argv)
    s = json.loads(a.settings)
    if not len(a.threshold) == len(a.modes) == len(a.absorption) == len(a.transfer) == len(s["values"]):
        raise SystemExit(f"sweep {s['name']}: {len(s['values'])} values but {len(a.threshold)} threshold files")
    points = [read_point(*files) for files in zip(a.modes, a.absorption, a.transfer, a.threshold)]
    ds, units = gather_points(s, points)
    ds["modes_file"] = np.array(a.modes, dtype="S")
    write_h5(a.h5, ds, provenance(s, key=s["key"], method="one threshold chain per value of the key"), units)
    table = sweep_markdown(s, ds, a.modes)
    write_text(a.md, table)
    save_figure(sweep_figure(s, ds), a.fig)
    print(f"sweep {s['name']}: {len(points)} points -> {a.h5}")


if __name__ == "__main__":
    main()
