"""Meep cross-checks of one cavity stack (validation target): validation.h5, figure, Markdown, benchmark JSON.

Thin wrapper around sims.cavity_study.validation_step (rule cavity_validation; `snakemake --cores N
validation`): the Meep 2D-Bloch points of the angular dispersion against the transfer-matrix complex
pole, the Meep Harminv points of the crystal-thickness study against the transfer matrix, and the
Harminv convergence table (resolution, PML). It recomputes the working (calibrated) config itself
and reads nothing of modes.h5. Usage:
    python workflow/scripts/cavity_validation.py --stack microcavity_II --settings '<json>' \\
        --h5 results/validation/cavity/microcavity_II/validation.h5 \\
        --fig results/validation/cavity/microcavity_II/validation.png \\
        --md results/validation/cavity/microcavity_II/validation.md \\
        --bench results/validation/cavity/microcavity_II/benchmark.json
"""

from __future__ import annotations

import argparse
import json

from sims import cavity as C
from sims import cavity_study as S
from sims.cavity_tables import VALIDATION_REFERENCE, validation_datasets, validation_markdown
from sims.plots.cavity import validation_figure
from sims.results import Timer, provenance, save_figure, write_h5, write_text


def run(stack: str, settings: dict, h5: str, fig: str, md: str, bench_path: str) -> dict:
    import meep as mp

    mp.verbosity(0)
    with Timer() as t:
        step = S.validation_step(settings, stack)
    ds, units = validation_datasets(step)
    attrs = provenance(settings, t.seconds, stack=stack, mode_choice=step["mode_choice"],
                       calibrated_parameter=C.calibration_label(step["entry"]), reference=VALIDATION_REFERENCE)
    if mp.am_master():
        sim = settings["simulation"]
        write_h5(h5, ds, attrs, units)
        write_text(md, validation_markdown(stack, ds, step["mode_choice"], float(sim["resolution_1d_px_per_um"]),
                                           float(sim["pml_um"])))
        write_text(bench_path, json.dumps({"stack": stack, "total_wall_s": t.seconds, "runs": step["bench"]}, indent=1))
        save_figure(validation_figure(stack, ds), fig)
    return ds


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for a in ("--stack", "--settings", "--h5", "--fig", "--md", "--bench"):
        p.add_argument(a, required=True)
    a = p.parse_args(argv)
    run(a.stack, json.loads(a.settings), a.h5, a.fig, a.md, a.bench)
    print(f"{a.stack}: cavity validation -> {a.h5}, {a.md}")


if __name__ == "__main__":
    main()
