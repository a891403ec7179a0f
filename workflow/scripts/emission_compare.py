"""Polar plot of the microcavity vs standard PeLED vs Lambertian, and a summary table of the numbers."""

from __future__ import annotations

import argparse


import numpy as np

KEYS = ("extraction_fraction", "extraction_fraction_other_side", "absorbed_fraction", "guided_fraction",
        "extraction_fraction_air", "fwhm_deg", "fwhm_air_deg", "cone_fraction_10deg", "cone_fraction_20deg",
        "cone_fraction_30deg", "cone_fraction_air_10deg", "cone_fraction_air_20deg", "cone_fraction_air_30deg")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--h5", nargs="+", required=True, help="emission.h5 files (results/emission/<led>/)")
    ap.add_argument("--fig", required=True)
    ap.add_argument("--tsv", required=True)
    a = ap.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sims.results import read_h5, save_figure, write_text

    fig, axes = plt.subplots(1, 2, subplot_kw={"projection": "polar"}, figsize=(11, 5))
    rows = []
    for path in a.h5:
        d, at = read_h5(path)
        led = str(at["led"])
        th = np.radians(d["theta_deg"])
        for ax, key, medium in ((axes[0], "intensity_per_sr", str(at["exit_medium"])),
                                (axes[1], "intensity_air_per_sr", "air")):
            prof = d[key] / d[key].max()
            line, = ax.plot(th, prof, label=f"{led} (in {medium})")
            ax.plot(-th, prof, color=line.get_color())
        tmm = {k: d.get(f"tmm/{k}") for k in KEYS}
        rows.append((led, at["exit_medium"], at["engine"], {k: float(d[k]) for k in KEYS},
                     {k: (float(v) if v is not None else float("nan")) for k, v in tmm.items()}))
    thl = np.linspace(-np.pi / 2, np.pi / 2, 181)
    for ax, title in zip(axes, ("in the exit medium (NOA81 / glass)", "refracted into air")):
        ax.plot(thl, np.cos(thl), ":k", label="Lambertian")
        ax.set_thetamin(-90)
        ax.set_thetamax(90)
        ax.set_theta_zero_location("N")
        ax.set_title(f"normalized radiant intensity, {title}", fontsize=10)
        ax.legend(loc="lower center", fontsize=8, bbox_to_anchor=(0.5, -0.25))
    fig.tight_layout()
    save_figure(fig, a.fig)
    lines = ["led\texit_medium\tengine\tquantity\tvalue\ttransfer_matrix"]
    for led, med, eng, vals, tm in rows:
        lines += [f"{led}\t{med}\t{eng}\t{k}\t{vals[k]:.4f}\t{tm[k]:.4f}" for k in KEYS]
    write_text(a.tsv, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
