"""Validation: the k_par sweep's escape fraction at one kx against resolution and the transfer
matrix (sims.emission_meep_sweep.resolution_convergence) -> results/validation/emission/{led}/convergence.h5."""

import argparse
import json


def main(argv=None):
    import meep as mp

    from sims.emission import led_setup
    from sims.emission_meep_sweep import convergence_units, resolution_convergence
    from sims.results import Timer, provenance, write_h5

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True)
    ap.add_argument("--led", required=True)
    ap.add_argument("--h5", required=True)
    a = ap.parse_args(argv)
    settings = json.loads(a.settings)
    mp.verbosity(0)
    su = led_setup(settings, a.led)
    with Timer() as t:
        conv = resolution_convergence(su["stack"], su["em"], su["side"], su["n_exit"],
                                      settings["simulation"]["pml_um"], settings["simulation"]["decay_threshold"])
    units = convergence_units(conv)
    write_h5(a.h5, conv, provenance(settings, t.seconds, led=a.led), units)
    print(json.dumps({k: v.tolist() for k, v in conv.items()}))


if __name__ == "__main__":
    main()
