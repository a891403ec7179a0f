"""The benchmark suite: bandwidth ceiling, FDTD throughput and MPI speed-up, 1D overheads, levers,
per-rule times of the last workflow run; results as a dict and a Markdown report (see bench/).

Throughput runs are children ``mpirun -n N python -m mpi4py -m bench.fdtd`` of this process.
"""

import csv
import glob
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.fdtd import one_d_overheads
from bench.levers import levers, levers_markdown
from bench.roofline import against_ceiling, bandwidths, bytes_per_cell_update, cache_sizes, ceiling_mcups, \
    machine_description

REPO = Path(__file__).resolve().parents[1]
ENV = dict(os.environ)  # as started: no MPI singleton variables for the mpirun children


def child(dims, cells, steps, ranks, bind="none"):
    cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", bind, "-n", str(ranks),
           sys.executable, "-m", "mpi4py", "-m", "bench.fdtd", dims, str(cells), str(steps)]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=ENV, timeout=1200)
    line = [l for l in out.stdout.splitlines() if l.startswith("BENCH ")]
    if not line:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(line[-1][6:])


def run_levers(config, quick, one_d) -> tuple[dict, str]:
    """The levers part: (result, Markdown)."""
    t = time.perf_counter()
    lv = levers(config, quick=quick, one_d=one_d, mpi_child=child)
    lv["total_wall_s"] = time.perf_counter() - t
    lv["machine"] = machine_description()
    lv["loadavg_end"] = os.getloadavg()
    md = levers_markdown(lv) + (f"\nLevers part: {lv['total_wall_s']:.0f} s wall; load average at its end "
                                f"{lv['loadavg_end'][0]:.1f} on {lv['machine']['cpus']} CPUs.\n")
    print(md, flush=True)
    return lv, md


def suite(config: dict, quick: bool, with_levers: bool = True) -> tuple[dict, str, tuple | None]:
    """The whole suite: (bench result, bench Markdown, (levers result, levers Markdown) or None)."""
    out = {"machine": machine_description(), "loadavg_start": os.getloadavg()}
    ranks_max = min(os.cpu_count() or 1, 4)
    caches = cache_sizes()
    bw = bandwidths(caches, ranks_max)
    sizes = {"2d": [1e5, 1e6] if quick else [1e5, 1e6, 1e7], "cyl": [1e6], "3d": [1e5] if quick else [1e6]}
    runs = []
    for dims, cell_list in sizes.items():
        for cells in cell_list:
            steps = max(20, int(2e8 / cells)) if not quick else max(10, int(3e7 / cells))
            r1 = child(dims, cells, steps, 1)
            rn = child(dims, cells, steps, ranks_max) if ranks_max > 1 else r1
            runs.append((dims, steps, r1, rn))
            print(dims, cells, r1["mcups"], rn["mcups"], flush=True)
    # bandwidth again after the runs; the ceiling takes the higher of the two measurements
    bw2 = bandwidths(caches, ranks_max)
    out["bandwidth_GBs"] = {"start": {k: v for k, v in bw.items() if k != "caches"},
                            "end": {k: v for k, v in bw2.items() if k != "caches"}}
    bw = {k: max(v, bw2[k]) if isinstance(v, float) else v for k, v in bw.items()}
    out["bandwidth_GBs"]["used"] = {k: v for k, v in bw.items() if k != "caches"}
    out["caches"] = caches
    rows, bugs = [], []
    for dims, steps, r1, rn in runs:
        model = bytes_per_cell_update(dims, r1["pml_fraction"], complex_fields=not r1["real_fields"])
        row = {"dims": dims, "cells": r1["cells"], "steps": steps, "mcups_1": r1["mcups"],
               f"mcups_{ranks_max}": rn["mcups"], "speedup": rn["mcups"] / r1["mcups"],
               "efficiency": rn["mcups"] / r1["mcups"] / ranks_max, "model": model}
        for n, r in ((1, r1), (ranks_max, rn)):
            c = against_ceiling(r["mcups"], ceiling_mcups(model, r1["cells"], n, caches, bw))
            if c["exceeds_ceiling"]:
                bugs.append(f"BUG: {dims} {r1['cells']:.2g} cells, {n} rank(s): {r['mcups']:.0f} Mcu/s exceeds "
                            f"its {c['ceiling_level']} ceiling {c['ceiling_mcups']:.0f} Mcu/s (model or bandwidth wrong)")
                print(bugs[-1], flush=True)
            row[f"ceiling_{n}"] = c
        rows.append(row)
        print({k: v for k, v in row.items() if k != "model"}, flush=True)
    out["exceeds_ceiling"] = bool(bugs)
    out["bugs"] = bugs
    out["fdtd"] = rows
    out["ranks_max"] = ranks_max
    out["one_d"] = one_d_overheads(config, 2 if quick else 4)
    print(out["one_d"], flush=True)
    rule_times = {}
    for tsv in sorted(glob.glob(str(REPO / "benchmarks" / "**" / "*.tsv"), recursive=True)):
        with open(tsv) as fh:
            row = next(csv.DictReader(fh, delimiter="\t"), {})
        if "s" in row:  # Snakemake's benchmark format
            rule_times[os.path.relpath(tsv, REPO)] = float(row["s"])
    out["rule_times_s"] = rule_times
    lev = None
    if with_levers:
        lev = run_levers(config, quick, out["one_d"])
        out["levers"] = lev[0]
    u = out["bandwidth_GBs"]["used"]
    md = [f"# Benchmarks ({out['machine'].get('cpu', '?')}, {out['machine']['cpus']} CPUs)", "",
          f"Triad bandwidth, higher of start / end of this run (GB/s, 6 x 8 B per element counted): "
          f"DRAM {u['dram_1']:.1f} (1 stream), {u[f'dram_{ranks_max}']:.1f} ({ranks_max} streams at once); "
          f"LLC {u['llc_1']:.1f} / {u[f'llc_{ranks_max}']:.1f}. Caches: L2 {caches['L2_per_core'] / 2**20:g} MiB "
          f"per core, {caches['LLC_level']} {caches['LLC'] / 2**20:g} MiB shared by {caches['LLC_shared_cpus']}. "
          "Bytes per cell-update: minimum model of bench/roofline.py (STEP_LOOPS), PML share of this geometry. "
          f"Load average {out['loadavg_start'][0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.", "",
          f"| dims | cells | min B/cu | working set MB | class (1 / {ranks_max} ranks) | Mcu/s 1 rank | "
          f"Mcu/s {ranks_max} ranks | speed-up | ceiling Mcu/s (1 / {ranks_max}) | % of ceiling (1 / {ranks_max}) | "
          f"no-reuse DRAM rate {ranks_max} ranks, min / as-written bytes |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]

    def ceil_cell(c):
        return f"{c['ceiling_mcups']:.0f} {c['ceiling_level']}" if c["ceiling_mcups"] else "n/a"

    def pct_cell(c):
        if c["pct_of_ceiling"] is None:
            return "n/a"
        return f"{c['pct_of_ceiling']:.0f}" + (" **exceeds: bug**" if c["exceeds_ceiling"] else "")

    for r in rows:
        c1, cn = r["ceiling_1"], r[f"ceiling_{ranks_max}"]
        md.append(f"| {r['dims']} | {r['cells']:.2g} | {r['model']['min_bytes']:.0f} | {c1['working_set_MB']:.0f} | "
                  f"{c1['class']} / {cn['class']} | {r['mcups_1']:.0f} | {r[f'mcups_{ranks_max}']:.0f} | "
                  f"{r['speedup']:.2f} | {ceil_cell(c1)} / {ceil_cell(cn)} | {pct_cell(c1)} / {pct_cell(cn)} | "
                  f"{cn['dram_no_reuse_min_mcups']:.0f} / {cn['dram_no_reuse_as_written_mcups']:.0f} |")
    md += ["", "Ceiling: triad bandwidth / minimum bytes, the minimum scaled by (1 - cache capacity / working set) "
           "beyond the caches (DRAM) or by (1 - L2s / working set) inside them (LLC); the no-reuse rates are "
           "estimates, not bounds.", ""] + (bugs or ["No run exceeds its ceiling."])
    o = out["one_d"]
    md += ["", f"1D: {o['n_spectra']} DBR spectra in one process {o['one_process_s']:.1f} s, one process each "
           f"{o['process_each_s']:.1f} s (x{o['process_each_over_one_process']:.2f}); one Meep spectrum "
           f"{o['meep_spectrum_s']:.2f} s vs tmm {o['tmm_spectrum_s']:.3f} s (x{o['meep_over_tmm']:.0f}).", ""]
    if "levers" in out:
        md += [levers_markdown(out["levers"])]
    if rule_times:
        md += ["| rule benchmark file | wall s |", "|---|---|"] + [f"| {k} | {v:.1f} |" for k, v in rule_times.items()]
    return out, "\n".join(md) + "\n", lev
