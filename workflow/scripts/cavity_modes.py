"""Cavity modes and Q of one stack: HDF5 (modes.h5), summary figure, benchmark JSON.

Thin wrapper around sims.cavity_study.cavity_step (default rule cavity_modes). The Meep points of
the dispersion and of the thickness study and the convergence table are the validation rule's
(workflow/scripts/cavity_validation.py): their keys (sims.cavity_study.VALIDATION_KEYS) are
not in these settings and their datasets are not in modes.h5. Usage:
    python workflow/scripts/cavity_modes.py --stack microcavity_II --settings '<json>' \\
        --h5 results/cavity/microcavity_II/modes.h5 --fig results/cavity/microcavity_II/summary.png \\
        --bench results/cavity/microcavity_II/benchmark.json
"""

from __future__ import annotations

import argparse
import json


from sims import cavity as C
from sims import cavity_study as S
from sims.cavity_tables import mode_attrs, mode_datasets
from sims.plots.cavity import summary_figure
from sims.results import Timer, provenance, save_figure, write_h5, write_text


def run(stack: str, settings: dict, h5: str, fig: str, bench_path: str) -> dict:
    import meep as mp

    mp.verbosity(0)
    spec = settings["cavity"]["stacks"][stack]
    with Timer() as t:
        step = S.cavity_step(settings, stack)
    ds, units = mode_datasets(step, spec)
    attrs = provenance(settings, t.seconds, stack=stack, **mode_attrs(step, spec))
    if mp.am_master():
        write_h5(h5, ds, attrs, units)
        write_text(bench_path, json.dumps({"stack": stack, "total_wall_s": t.seconds, "runs": step["bench"]}, indent=1))
        save_figure(summary_figure(stack, ds, step["thick"], step["disp"], C.calibration_label(step["entry"])), fig)
    return ds


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True)
    p.add_argument("--settings", required=True, help="JSON settings (sub-config)")
    p.add_argument("--h5", required=True)
    p.add_argument("--fig", required=True)
    p.add_argument("--bench", required=True)
    a = p.parse_args(argv)
    ds = run(a.stack, json.loads(a.settings), a.h5, a.fig, a.bench)
    print(f"{a.stack}: lasing {float(ds['lasing_wavelength_nm']):.3f} nm, Q_total {float(ds['Q_total']):.4g}, "
          f"Q_mirror {float(ds['Q_mirror']):.4g} -> {a.h5}")


if __name__ == "__main__":
    main()
