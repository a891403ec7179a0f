"""A whole workflow run from a fresh clone, timed: cold run, no-op rerun, rerun after one config change.

Clones the checkout's HEAD (the clone uses its .venv), runs ``snakemake --cores N <target>``, profiles
the cold run from Snakemake's own log (:mod:`bench.run_profile`: wall, CPU, utilisation, critical
path), then times a no-op rerun and a rerun after ``key=value`` (YAML) set in an overlay config.
"""

import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from bench.run_profile import profile_markdown, run_profile

REPO = Path(__file__).resolve().parents[1]


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


def change_overlay(change: str) -> dict:
    """{"a": {"b": value}} of "a.b=value" (value read as YAML)."""
    key, _, value = change.partition("=")
    node: dict = {}
    cur = node
    parts = key.split(".")
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = yaml.safe_load(value)
    return node


def benchmark_run(target: str, cores: int, configfile: str | None, change: str, keep: str | None,
                  out: Path) -> tuple[str, dict, str]:
    """(file name stem, profile dict, Markdown) of the three runs; the cold run's summary.json is copied to out."""
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="run_benchmark_")
    clone = Path(keep or tmp.name) / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    (clone / ".venv").symlink_to(REPO / ".venv")
    extra = ["--configfile", configfile] if configfile else []
    base = [target, "--cores", str(cores)]
    cold_s, _, cold_cpu = snakemake(clone, base + extra)
    log = sorted((clone / ".snakemake" / "log").glob("*.snakemake.log"))[-1]
    prof = run_profile(log.read_text(), cores, clone)
    prof.update(cold_run_s=cold_s, cold_run_cpu_s=cold_cpu, cold_run_utilisation=cold_cpu / (cores * cold_s))
    name = f"run_{target}" + (f"_{Path(configfile).stem}" if configfile else "")
    out.mkdir(parents=True, exist_ok=True)
    if (clone / "results" / "summary.json").exists():  # the cold run's summary, before the change below
        shutil.copy(clone / "results" / "summary.json", out / f"{name}_summary.json")
    noop_s, _, _ = snakemake(clone, base + extra)
    (clone / "change.yaml").write_text(yaml.safe_dump(change_overlay(change)))
    change_s, _, _ = snakemake(clone, base + ["--configfile", *(extra[1:] if extra else []), "change.yaml"])
    change_log = sorted((clone / ".snakemake" / "log").glob("*.snakemake.log"))[-1]
    prof.update({"target": target, "configfile": configfile or "config.yaml", "noop_rerun_s": noop_s,
                 "change": change, "change_rerun_s": change_s,
                 "change_rerun_rules": sorted({j["rule"] for j in
                                               run_profile(change_log.read_text(), cores, clone)["per_job"]}),
                 "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True,
                                          text=True).stdout.strip(),
                 "date": time.strftime("%Y-%m-%d %H:%M")})
    md = profile_markdown(prof, f"{target} ({prof['configfile']}, commit {prof['commit']}, {prof['date']})")
    md += (f"\nCold run (Snakemake process, incl. DAG): {cold_s:.0f} s wall, {cold_cpu:.0f} s CPU of all its "
           f"processes (getrusage), utilisation {prof['cold_run_utilisation']:.2f}; no-op rerun {noop_s:.1f} s; after "
           f"`{change}`: {change_s:.0f} s, rules rerun: {', '.join(prof['change_rerun_rules']) or 'none'}.\n")
    return name, prof, md
