"""Entry: R, T, A of one DBR by 1D Meep vs transfer matrix -> HDF5, figure, metrics
(normal incidence; with --oblique also the kx sweep, s and p: the validation step)."""

import argparse
import json


from sims.mirror_spectra import mirror_spectra


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
    m = mirror_spectra(settings, args.mirror, args.h5, args.fig, args.metrics,
                       log=lambda s: print(s, flush=True), oblique=args.oblique)
    n = m["normal"]
    line = (f"{args.mirror}: wall {m['wall_time_s']:.1f} s, {m['meep_runs']} Meep runs; normal incidence RMS |dR| "
            f"{n['rms_dR']:.4f}, edges Meep {n['edges_meep_nm']} tmm {n['edges_tmm_nm']} nm")
    if args.oblique:
        line += (f"; sweep RMS |dR| s {m['sweep_s']['rms_dR']:.4f} p {m['sweep_p']['rms_dR']:.4f} "
                 f"(settled frequencies only: s {m['sweep_s']['rms_dR_settled']:.4f}, {m['sweep_s']['n_unsettled']} unsettled; "
                 f"p {m['sweep_p']['rms_dR_settled']:.4f}, {m['sweep_p']['n_unsettled']} unsettled); "
                 f"max |A_meep - A_tmm| {m['max_abs_dA_all']:.4f}")
    else:
        line += f"; max |A_meep - A_tmm| {n['max_abs_dA']:.4f}"
    print(line)
    for c in m["claims"]:
        print("claim:", json.dumps(c))


if __name__ == "__main__":
    main()
