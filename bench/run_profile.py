"""Profile of one Snakemake run from its own records: critical path and core utilisation.

Reads the main log Snakemake writes for every run (``.snakemake/log/<date>.snakemake.log``:
per job its rule, input, output, benchmark file, threads, start and finish times) and the
benchmark TSV of each job (``cpu_time``: CPU seconds of the job's process tree, ``s``: wall).

* critical path: the longest chain of dependent jobs (job B depends on job A when an input of
  B is an output of A), in CPU seconds summed along the chain, and in "wide-machine" seconds
  (each job's CPU seconds divided by its threads: what the run would take with unlimited cores);
* utilisation: CPU seconds of all jobs / (cores x wall time of the run). MPI ranks that spin
  while they wait count as CPU here: the job's threads x wall against its CPU shows them.
  Snakemake samples a job's CPU time while it runs, so short jobs are under-counted: a lower
  bound. Occupancy, sum of (job wall x threads) / (cores x run wall), says how full Snakemake
  kept the cores (an upper bound of the utilisation).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

_STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def _time(stamp: str) -> float:
    return datetime.strptime(" ".join(stamp.split()), "%a %b %d %H:%M:%S %Y").timestamp()


def parse_snakemake_log(text: str) -> dict[int, dict]:
    """jobid -> {rule, inputs, outputs, benchmark, threads, start, end} (times in s since the epoch)."""
    jobs: dict[int, dict] = {}
    stamp, cur = None, None
    for line in text.splitlines():
        m = _STAMP.match(line.strip())
        if m:
            stamp = _time(m.group(1))
            cur = None
            continue
        r = re.match(r"^(?:local)?rule (\w+):$", line.strip())
        if r and stamp is not None:
            cur = {"rule": r.group(1), "inputs": [], "outputs": [], "benchmark": None, "threads": 1,
                   "start": stamp, "end": None}
            continue
        f = re.match(r"^Finished jobid: (\d+)", line.strip())
        if f and stamp is not None and int(f.group(1)) in jobs:
            jobs[int(f.group(1))]["end"] = stamp
            continue
        if cur is None or not line.startswith("    "):
            continue
        key, _, val = line.strip().partition(": ")
        if key in ("input", "output"):
            cur[key + "s"] = [v.strip() for v in val.split(", ") if v.strip()]
        elif key == "benchmark":
            cur["benchmark"] = val.strip()
        elif key == "threads":
            cur["threads"] = int(val)
        elif key == "jobid":
            jobs[int(val)] = cur
    return jobs


def read_benchmark(path: str | Path) -> dict:
    """Last row of a Snakemake benchmark TSV: {"s": wall seconds, "cpu_time": CPU seconds}."""
    with open(path) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    row = rows[-1]
    return {"s": float(row["s"]), "cpu_time": float(row["cpu_time"])}


def job_costs(jobs: dict, root: str | Path = ".") -> dict[int, dict]:
    """Per job: wall and CPU seconds from its benchmark file (wall from the log when it has none;
    then CPU = wall x threads, an upper bound), and threads."""
    out = {}
    for jid, j in jobs.items():
        wall_log = (j["end"] - j["start"]) if j["end"] is not None else 0.0
        b = Path(root, j["benchmark"]) if j["benchmark"] else None
        if b is not None and b.exists():
            c = read_benchmark(b)
            out[jid] = {"wall_s": c["s"], "cpu_s": c["cpu_time"], "threads": j["threads"], "measured": True}
        else:
            out[jid] = {"wall_s": wall_log, "cpu_s": wall_log * j["threads"], "threads": j["threads"],
                        "measured": False}
    return out


def critical_path(jobs: dict, costs: dict, weight: str = "cpu_s") -> tuple[float, list[int]]:
    """Longest chain of dependent jobs by the given per-job weight ("cpu_s", or "wide_s" = CPU
    seconds / threads). Returns (total, [jobids from first to last])."""
    producer = {o: jid for jid, j in jobs.items() for o in j["outputs"]}
    parents = {jid: sorted({producer[i] for i in j["inputs"] if i in producer and producer[i] != jid})
               for jid, j in jobs.items()}

    def w(jid):
        c = costs[jid]
        return c["cpu_s"] / max(c["threads"], 1) if weight == "wide_s" else c[weight]

    best: dict[int, tuple[float, list[int]]] = {}

    def longest(jid, seen=()):
        if jid in best:
            return best[jid]
        if jid in seen:
            raise ValueError(f"dependency cycle at job {jid}")
        up = [longest(p, seen + (jid,)) for p in parents[jid]]
        tot, chain = max(up, key=lambda x: x[0]) if up else (0.0, [])
        best[jid] = (tot + w(jid), chain + [jid])
        return best[jid]

    return max((longest(j) for j in jobs), key=lambda x: x[0]) if jobs else (0.0, [])


def run_profile(log_text: str, cores: int, root: str | Path = ".") -> dict:
    """Wall, CPU, utilisation and critical paths of one run (see the module docstring)."""
    jobs = parse_snakemake_log(log_text)
    jobs = {k: v for k, v in jobs.items() if v["rule"] not in ("all", "validation")}
    costs = job_costs(jobs, root)
    starts = [j["start"] for j in jobs.values()]
    ends = [j["end"] for j in jobs.values() if j["end"] is not None]
    wall = (max(ends) - min(starts)) if jobs and ends else 0.0
    cpu = sum(c["cpu_s"] for c in costs.values())
    cp_cpu, chain_cpu = critical_path(jobs, costs, "cpu_s")
    cp_wide, chain_wide = critical_path(jobs, costs, "wide_s")

    def label(jid):
        j = jobs[jid]
        return f"{j['rule']}:{j['outputs'][0] if j['outputs'] else jid}"

    per_job = sorted(({"job": label(k), "rule": jobs[k]["rule"], **costs[k]} for k in jobs),
                     key=lambda r: -r["cpu_s"])
    return {
        "cores": cores, "jobs": len(jobs), "wall_s": wall, "cpu_s": cpu,
        "utilisation": cpu / (cores * wall) if wall > 0 else 0.0,
        "occupancy": sum(c["wall_s"] * c["threads"] for c in costs.values()) / (cores * wall) if wall > 0 else 0.0,
        "critical_path_cpu_s": cp_cpu, "critical_path_cpu_jobs": [label(j) for j in chain_cpu],
        "critical_path_wide_s": cp_wide, "critical_path_wide_jobs": [label(j) for j in chain_wide],
        "jobs_without_benchmark": [label(k) for k, c in costs.items() if not c["measured"]],
        "per_job": per_job,
    }


def profile_markdown(p: dict, title: str) -> str:
    lines = [f"## {title}", "",
             f"{p['jobs']} jobs, wall {p['wall_s']:.0f} s ({p['wall_s'] / 60:.1f} min) on {p['cores']} cores, "
             f"CPU {p['cpu_s']:.0f} s, utilisation {p['utilisation']:.2f} (occupancy {p['occupancy']:.2f}); critical path {p['critical_path_cpu_s']:.0f} "
             f"CPU s ({' -> '.join(p['critical_path_cpu_jobs'])}); with unlimited cores "
             f"{p['critical_path_wide_s']:.0f} s.", "",
             "| job | threads | wall s | CPU s |", "|---|---|---|---|"]
    for r in p["per_job"]:
        lines.append(f"| {r['job']} | {r['threads']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f}"
                     f"{'' if r['measured'] else ' (no benchmark: wall x threads)'} |")
    return "\n".join(lines) + "\n"
