"""Benchmark of a whole workflow run from a fresh clone: cold run, no-op rerun, one-key change.

Usage: .venv/bin/python workflow/scripts/run_benchmark.py [--target all|validation] [--cores 2]
           [--configfile presets/quick.yaml] [--change layers.gap.thickness_nm=60000] [--keep DIR]
Clones this repository's HEAD into a temporary directory (the clone uses this checkout's
.venv), runs `snakemake --cores N <target>` there, then a no-op rerun and a rerun after one
config change (bench.workflow_run), and writes results/bench/run_<target>[_<preset>].{json,md}:
wall, CPU, utilisation and critical path of the cold run (bench.run_profile), the per-job table,
and the times and jobs of the reruns. Time it on an otherwise idle machine.
"""

import argparse
import json

from bench.workflow_run import REPO, benchmark_run
from sims.results import write_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", default="all")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--configfile", default=None)
    ap.add_argument("--change", default="layers.gap.thickness_nm=60000", help="key=value (YAML) of the rerun "
                    "(default: the NOA81 gap 50 -> 60 um)")
    ap.add_argument("--keep", default=None, help="clone here and keep it (default: a temporary directory)")
    a = ap.parse_args(argv)
    out = REPO / "results" / "bench"
    name, prof, md = benchmark_run(a.target, a.cores, a.configfile, a.change, a.keep, out)
    write_text(out / f"{name}.json", json.dumps(prof, indent=1))
    write_text(out / f"{name}.md", md)
    print(md)


if __name__ == "__main__":
    main()
