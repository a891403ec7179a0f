"""Entry: laser output of microcavity II (issue 20): far field and divergence below / above
threshold, linewidth and L-J of both devices, modulation bandwidth and pulse response, tornado
-> HDF5 + figures + tornado table."""

import argparse
import json
from pathlib import Path

from sims.laser_output import MEEP_GAIN_SCALARS, laser_output, meep_gain_agreement, tornado_markdown
from sims.plots.laser import laser_figures
from sims.results import Timer, provenance, read_h5, save_figure, write_h5, write_text
from sims.threshold import mode_scalars


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: laser_output, threshold, LED stack, led_areas_mm2")
    ap.add_argument("--modes", required=True, help="modes.h5 of microcavity II")
    ap.add_argument("--transfer", required=True, help="transfer.h5 of the microcavity LED (pump map)")
    ap.add_argument("--threshold", required=True, help="threshold.h5 (L-J fluxes, anchor)")
    ap.add_argument("--meep", default=None, help="far_field_meep.h5 of the Meep check (optional)")
    ap.add_argument("--gain-meep", default=None, help="gain_region_meep.h5 of the Meep gain-region run (optional)")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig-dir", required=True)
    a = ap.parse_args(argv)
    s = json.loads(a.settings)
    with Timer() as timer:
        md, ma = read_h5(a.modes)
        ds, units, attrs = laser_output(s, mode_scalars(md, ma), md, read_h5(a.transfer)[0], read_h5(a.threshold))
    meep = read_h5(a.meep)[0] if a.meep else None
    if meep:
        last = int(meep["n_runs"]) - 1
        for k in ("fwhm_meep_deg", "fwhm_model_deg", "fwhm_exact_deg", "fwhm_rel_diff", "max_abs_diff_all", "waist_um"):
            ds[f"meep/{k}"], units[f"meep/{k}"] = meep[f"run_{last}/{k}"], "deg" if "deg" in k else "1"
        runs = [{k: float(meep[f"run_{i}/{k}"]) for k in ("waist_um", "fwhm_meep_deg", "fwhm_model_deg", "fwhm_rel_diff",
                                                          "max_abs_diff_all")} for i in range(last + 1)]
        attrs["meep_agreement"] = "reduced scale (DBRs cut to 3 pairs, lossless crystal, Q ~ 73), Gaussian sources: " + "; ".join(
            f"w = {r['waist_um']:g} um: FWHM Meep {r['fwhm_meep_deg']:.2f} vs diffraction x filter {r['fwhm_model_deg']:.2f} deg "
            f"({100 * r['fwhm_rel_diff']:+.1f} %), max pattern difference {r['max_abs_diff_all']:.3f} of the peak" for r in runs) + (
            "; they agree where diffraction is narrower than the filter (the full-scale lasing spot's regime)")
    gain = read_h5(a.gain_meep) if a.gain_meep else None
    if gain:
        gm, profiles = gain[0], str(gain[1]["profiles"]).split(",")
        for p in profiles:
            for k, u in MEEP_GAIN_SCALARS:
                ds[f"meep_gain/{p}/{k}"], units[f"meep_gain/{p}/{k}"] = gm[f"{p}/{k}"], u
        attrs["meep_gain_agreement"] = meep_gain_agreement(gm, profiles)
        attrs["meep_gain_profiles"] = ",".join(profiles)
    attrs.update({"modes_file": a.modes, "transfer_file": a.transfer, "threshold_file": a.threshold,
                  "meep_file": a.meep or "", "gain_meep_file": a.gain_meep or ""})
    write_h5(a.h5, ds, provenance(s, timer.seconds, **attrs), units)
    for name, fig in laser_figures(ds, meep, gain[0] if gain else None).items():
        save_figure(fig, Path(a.fig_dir) / name)
    write_text(Path(a.fig_dir) / "sensitivity.md", tornado_markdown(ds, attrs))
    print(f"laser: divergence below {float(ds['below/fwhm_at_mode_deg'].as_float()):.2f} deg, above "
          f"{float(ds['above/gain_guided_fwhm_deg'].as_float()):.2f} deg; linewidth {float(ds['linewidth/headline_nm']):.3g} nm;"
          f" limiting stage at 0.02 mm^2: {attrs['modulation_limiting_0p02mm2']}")


if __name__ == "__main__":
    main()
