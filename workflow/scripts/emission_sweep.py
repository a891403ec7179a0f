"""Part of the k_par sweep of one PeLED: every ``parts``-th Meep sheet run from ``part``, in one
process (one Meep import, one layout) -> a part file that the emission rule gathers.

Usage: python workflow/scripts/emission_sweep.py --settings '<json>' --led microcavity \
    --part 0 --parts 4 --h5 results/emission/microcavity/sweep/part0.h5
"""

import argparse
import json


def main(argv=None):
    import meep as mp

    from sims import emission_meep_sweep as M
    from sims.emission import led_setup
    from sims.results import provenance, write_h5

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON of the step's sub-config")
    ap.add_argument("--led", required=True)
    ap.add_argument("--part", type=int, required=True)
    ap.add_argument("--parts", type=int, required=True)
    ap.add_argument("--h5", required=True)
    a = ap.parse_args(argv)
    settings = json.loads(a.settings)
    mp.verbosity(0)
    su = led_setup(settings, a.led)
    tasks = M.sweep_tasks(len(su["positions"]), len(su["kx"]), a.part, a.parts)
    results = M.run_sweep_tasks(su["stack"], su["positions"], su["kx"], su["em"], tasks,
                                resolution=float(su["em"]["resolution_px_per_um"]),
                                pml_um=settings["simulation"]["pml_um"],
                                decay_threshold=settings["simulation"]["decay_threshold"])
    ds, units = M.sweep_part_datasets(results)
    seconds = sum(r["seconds"] for _, r in results)
    write_h5(a.h5, ds, provenance(settings, seconds, led=a.led, part=a.part, parts=a.parts), units)
    print(f"{a.led} part {a.part}/{a.parts}: {len(results)} Meep runs, {seconds:.1f} s")


if __name__ == "__main__":
    main()
