"""Benchmark suite -> results/bench/bench.json and bench.md (bench.suite; method in bench/).

Usage: .venv/bin/python workflow/scripts/benchmark_suite.py [--quick] [--levers-only | --no-levers]
Measures, in one run on this machine: triad bandwidths and the ceiling they give, FDTD throughput
(2D, cylindrical, 3D) and its share of the ceiling, MPI speed-up, 1D overheads, the levers (also in
results/bench/levers.{json,md}), and per-rule times of the last workflow run (benchmarks/).
"""

import argparse
import json
import os
from pathlib import Path

# one thread per process under Meep and numpy, as the workflow runs them (workflow/rules/common.smk);
# set before bench.suite records the environment of its mpirun children
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from bench.suite import REPO, run_levers, suite  # noqa: E402
from sims.config_checks import load_config  # noqa: E402
from sims.results import write_text  # noqa: E402


def write_levers(out: Path, lev) -> None:
    write_text(out / "levers.json", json.dumps(lev[0], indent=1))
    write_text(out / "levers.md", lev[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--levers-only", action="store_true", help="only the levers (levers.{json,md})")
    ap.add_argument("--no-levers", action="store_true", help="skip the levers")
    ap.add_argument("--out", default=str(REPO / "results" / "bench"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = load_config()
    if args.levers_only:
        prev = out / "bench.json"  # the batched-1D lever from the last suite run, if any
        one_d = json.loads(prev.read_text()).get("one_d") if prev.exists() else None
        write_levers(out, run_levers(config, args.quick, one_d))
        return
    result, md, lev = suite(config, args.quick, with_levers=not args.no_levers)
    if lev:
        write_levers(out, lev)
    write_text(out / "bench.json", json.dumps(result, indent=1))
    write_text(out / "bench.md", md)
    print(md)


if __name__ == "__main__":
    main()
