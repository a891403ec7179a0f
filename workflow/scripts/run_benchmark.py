"""Benchmark of a whole workflow run from a fresh clone: cold run, no-op rerun, one-key change.

Usage: .venv/bin/python workflow/scripts/run_benchmark.py [--target all|validation] [--cores 2]
           [--configfile presets/quick.yaml] [--change layers.gap.thickness_nm=60000] [--keep DIR]
Clones this repository's HEAD into a temporary directory (the clone uses this checkout's
.venv), runs `snakemake --cores N <target>` there, then a no-op rerun and a rerun after one
config change, and writes results/bench/run_<target>[_<preset>].{json,md}: wall, CPU,
utilisation and critical path of the cold run (sims.run_profile), the per-job table, and the
times and jobs of the reruns. Time it on an otherwise idle machine.
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from sims.results import write_text
from sims.run_profile import profile_markdown, run_profile


def snakemake(clone: Path, args: list) -> tuple[float, str, float]:
    """(wall s, console text, CPU s of Snakemake and every process it waited for: getrusage of
    the children, which adds up each finished descendant's user + system time)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([str(REPO / ".venv" / "bin" / "snakemake"), *args], cwd=clone, capture_output=True,
                         text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return wall, out.stdout + out.stderr, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--target", default="all")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--configfile", default=None)
    ap.add_argument("--change", default="layers.gap.thickness_nm=60000", help="key=value (YAML) of the rerun "
                    "(default: the NOA81 gap 50 -> 60 um)")
    ap.add_argument("--keep", default=None, help="clone here and keep it (default: a temporary directory)")
    a = ap.parse_args(argv)
    tmp = None if a.keep else tempfile.TemporaryDirectory(prefix="run_benchmark_")
    clone = Path(a.keep or tmp.name) / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    (clone / ".venv").symlink_to(REPO / ".venv")
    extra = ["--configfile", a.configfile] if a.configfile else []
    base = [a.target, "--cores", str(a.cores)]
    cold_s, _, cold_cpu = snakemake(clone, base + extra)
    log = sorted((clone / ".snakemake" / "log").glob("*.snakemake.log"))[-1]
    prof = run_profile(log.read_text(), a.cores, clone)
    prof.update(cold_run_s=cold_s, cold_run_cpu_s=cold_cpu, cold_run_utilisation=cold_cpu / (a.cores * cold_s))
    name = f"run_{a.target}" + (f"_{Path(a.configfile).stem}" if a.configfile else "")
    out = REPO / "results" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    if (clone / "results" / "summary.json").exists():  # the cold run's summary, before the change below
        shutil.copy(clone / "results" / "summary.json", out / f"{name}_summary.json")
    noop_s, _, _ = snakemake(clone, base + extra)
    key, _, value = a.change.partition("=")
    overlay = clone / "change.yaml"
    node: dict = {}
    cur = node
    parts = key.split(".")
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    import yaml

    cur[parts[-1]] = yaml.safe_load(value)
    overlay.write_text(yaml.safe_dump(node))
    change_s, _, _ = snakemake(clone, base + ["--configfile", *(extra[1:] if extra else []), "change.yaml"])
    change_log = sorted((clone / ".snakemake" / "log").glob("*.snakemake.log"))[-1]
    prof.update({"target": a.target, "configfile": a.configfile or "config.yaml", "noop_rerun_s": noop_s,
                 "change": a.change, "change_rerun_s": change_s,
                 "change_rerun_rules": sorted({j["rule"] for j in
                                               run_profile(change_log.read_text(), a.cores, clone)["per_job"]}),
                 "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True,
                                          text=True).stdout.strip(),
                 "date": time.strftime("%Y-%m-%d %H:%M")})
    write_text(out / f"{name}.json", json.dumps(prof, indent=1))
    md = profile_markdown(prof, f"{a.target} ({prof['configfile']}, commit {prof['commit']}, {prof['date']})")
    md += (f"\nCold run (Snakemake process, incl. DAG): {cold_s:.0f} s wall, {cold_cpu:.0f} s CPU of all its "
           f"processes (getrusage), utilisation {prof['cold_run_utilisation']:.2f}; no-op rerun {noop_s:.1f} s; after "
           f"`{a.change}`: {change_s:.0f} s, rules rerun: {', '.join(prof['change_rerun_rules']) or 'none'}.\n")
    write_text(out / f"{name}.md", md)
    print(md)


if __name__ == "__main__":
    main()
