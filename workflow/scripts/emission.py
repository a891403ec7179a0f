"""Angular emission of one PeLED: gathers the Meep k_par sweep (the emission_sweep jobs' part
files), adds the transfer-matrix reference -> emission.h5, per-run cost table, map figure.

Thin wrapper around sims.emission_led; serial (the FDTD ran in the part jobs).
"""

from __future__ import annotations

import argparse
import json


def main(argv=None):
    from sims.emission_led import cost_table, led_emission
    from sims.plots.emission import emission_map_figure
    from sims.results import provenance, read_h5, save_figure, write_h5, write_text

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON of the step's sub-config")
    ap.add_argument("--led", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    ap.add_argument("--cost", required=True, help="TSV of the wall time of every Meep run")
    ap.add_argument("--parts", nargs="*", default=[], help="the k_par sweep's part files (emission_sweep jobs)")
    a = ap.parse_args(argv)
    settings = json.loads(a.settings)
    r = led_emission(settings, a.led, [read_h5(p)[0] for p in a.parts])
    attrs = provenance(settings, r["fdtd_seconds"])
    attrs.update(r["attrs"])
    write_h5(a.h5, r["datasets"], attrs=attrs, units=r["units"], groups=r["groups"])
    su, tab = r["setup"], r["tab"]
    write_text(a.cost, cost_table(r["sweep"], su["positions"], su["kx"]))
    save_figure(emission_map_figure(tab, r["tab_tmm"], a.led, su["exit_mat"].name, su["n_exit"]), a.fig)
    print(f"{a.led}: extraction {tab['extraction_fraction']:.4f}, FWHM {tab['fwhm_deg']:.1f} deg, "
          f"cone 20 deg {tab['cone_fraction_20deg']:.3f} ({su['em']['engine']})")


if __name__ == "__main__":
    main()
