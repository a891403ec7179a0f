"""Entry: threshold of the two devices as built (anchors, readings, variants), light-current
curves and the tornado -> HDF5 + figures (EQE fit, J_th vs distance, L-J, tornado, anchors) +
tornado table."""

import argparse
import json
from pathlib import Path

from sims.light_current import light_current
from sims.plots.threshold import threshold_figures
from sims.results import Timer, provenance, read_h5, save_figure, write_h5, write_text
from sims.threshold import DEVICES, absorbed_fractions_405, mode_scalars, scalar
from sims.threshold_study import threshold_study, tornado_markdown


def read_transfer(path):
    data, attrs = read_h5(path)
    data["_attrs"] = attrs
    return data


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: threshold config, absorber sub-config")
    ap.add_argument("--modes", required=True)
    ap.add_argument("--microcavity", required=True)
    ap.add_argument("--standard", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig-dir", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    cfg = s["threshold"]
    with Timer() as timer:
        mode = mode_scalars(*read_h5(args.modes))
        tr = {"microcavity": read_transfer(args.microcavity), "standard": read_transfer(args.standard)}
        ds, units, attrs = threshold_study(cfg, mode, tr, absorbed_fractions_405(s, mode))
        li, li_units = light_current(cfg, mode, tr, scalar(ds[f"pump/{cfg['anchor']}/absorbed_photon_flux_per_cm2_s"]))
        ds.update(li)
        units.update(li_units)
    attrs.update({"modes_file": args.modes, "mode_choice": mode["mode_choice"], "transfer_files":
                  json.dumps([args.microcavity, args.standard])})
    write_h5(args.h5, ds, provenance(s, timer.seconds, **attrs), units)
    fig_dir = Path(args.fig_dir)
    for name, fig in threshold_figures(cfg, ds, attrs).items():
        save_figure(fig, fig_dir / name)
    write_text(fig_dir / "sensitivity.md", tornado_markdown(cfg, ds, attrs))
    heads = [f"{dev} {scalar(ds[f'headline/{dev}/j_th_a_per_cm2']):.1f} A/cm^2" for dev in DEVICES]
    print(f"J_th ({cfg['anchor']} anchor, {cfg['pump_reading']} reading; nan: not reached): " + ", ".join(heads))


if __name__ == "__main__":
    main()
