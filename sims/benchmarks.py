"""Benchmarks: FDTD throughput against a measured memory-bandwidth ceiling, MPI scaling,
1D overheads. Speed is measured here, never asserted in tests.

Method:
* Throughput in million cell-updates per second (Mcu/s) = cells x time steps / wall time
  of ``sim.run`` (initialisation excluded), for the project's own geometry (microcavity II
  with a finite crystal, ``sims.geometry.stack_layout``) in 2D, cylindrical (m = 0) and 3D,
  with a point dipole source and no monitors.
* Ceiling: a STREAM-like triad (a = b + s c) on arrays far larger than the caches, measured
  in the same process, in GB/s; divided by the bytes each cell-update moves it gives the
  cell-update rate a purely bandwidth-bound code could reach. Bytes per cell-update are an
  estimate stated with the result: Meep stores, per cell and field component, the field
  and its D or B partner as doubles, and a step reads the neighbouring curl components
  and the inverse permittivity: ~6 doubles (48 B) per component update, 3 components in
  2D (TE or TM) and cylindrical m = 0, 6 in 3D.
* MPI scaling: the same run with 1 and 2 ranks (more where the machine has them),
  launched with mpirun as child processes, for cells from 0.1 M to 10 M.
* 1D overheads: N normal-incidence reflectance spectra of a DBR computed in one long-lived
  process vs one process each, and Meep vs the transfer-matrix reference.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

BYTES_PER_COMPONENT_UPDATE = 48
COMPONENTS = {"2d": 3, "cyl": 3, "3d": 6}


def memory_bandwidth_gbs(n_doubles: int = 40_000_000, repeats: int = 5) -> float:
    """Best-of triad bandwidth (GB/s) counting 3 arrays x 8 bytes per element."""
    b = np.random.rand(n_doubles)
    c = np.random.rand(n_doubles)
    a = np.empty_like(b)
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        np.multiply(c, 3.0, out=a)
        np.add(a, b, out=a)
        best = min(best, time.perf_counter() - t)
    # multiply + add as written touch a twice: 5 array passes of 8 bytes
    return 5 * 8 * n_doubles / best / 1e9


def machine_description() -> dict:
    info = {"host": platform.node(), "machine": platform.machine(), "python": platform.python_version(),
            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            info["mem_total_kb"] = int(fh.readline().split()[1])
    except OSError:
        pass
    return info


def fdtd_throughput(config: dict, dims: str, target_cells: float, steps: int = 200) -> dict:
    """Mcu/s of a run of microcavity II with a finite crystal, sized to ~target_cells cells.

    Runs on however many MPI ranks this process was started with.
    """
    import meep as mp

    from sims.geometry import stack_layout
    from sims.materials import materials_from_config
    from sims.stack import build_stack

    mp.verbosity(0)
    mats = materials_from_config(config)
    stack = build_stack(config, "microcavity_II")
    res = config["simulation"]["resolution_2d_px_per_um"]
    length = stack.thickness_um + 2 * 0.5 + 2 * 1.0
    if dims in ("2d", "cyl"):
        lateral = max(1.0, target_cells / (res * res * length))
    else:
        lateral = max(1.0, np.sqrt(target_cells / (res ** 3 * length)))
    lay = stack_layout(stack, dims, pml_um=1.0, lateral_um=lateral,
                       finite_groups={"crystal": (0.5 * lateral, mats["air"])}, lossless=True,
                       wavelength_ref_um=0.8)
    lo, hi = stack.group_span_um("crystal")
    src = [mp.Source(mp.GaussianSource(1.25, fwidth=0.3), {"2d": mp.Ez, "cyl": mp.Er, "3d": mp.Ex}[dims],
                     lay.vector(0.5 * (lo + hi), 0.1 if dims == "cyl" else 0.0))]
    kw = {"m": 0} if dims == "cyl" else {}
    sim = mp.Simulation(cell_size=lay.cell_size, geometry=lay.geometry, boundary_layers=lay.pml_layers,
                        sources=src, resolution=res, dimensions=lay.dimensions, **kw)
    sim.init_sim()
    dt = sim.fields.dt
    t0 = time.perf_counter()
    sim.run(until=steps * dt)
    wall = time.perf_counter() - t0
    n = lay.cell_size
    cells = res ** (3 if dims == "3d" else 2) * np.prod([v for v in (n.x, n.y, n.z) if v > 0])
    out = {"dims": dims, "cells": float(cells), "steps": steps, "wall_s": wall,
           "mcups": cells * steps / wall / 1e6, "ranks": mp.count_processors()}
    sim.reset_meep()
    return out


def one_d_overheads(config: dict, n_spectra: int = 4) -> dict:
    """Time of n DBR spectra in one process vs one process each, and of tmm for the same."""
    from sims.stack import build_mirror
    from sims.transfer_matrix import rta

    code = ("import sys, json; sys.path.insert(0, {repo!r}); from sims.config import load_config; "
            "from sims.benchmarks import _dbr_spectrum_meep; c = load_config(); _dbr_spectrum_meep(c)")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t = time.perf_counter()
    for _ in range(n_spectra):
        _dbr_spectrum_meep(config)
    in_process = time.perf_counter() - t
    env = dict(os.environ)
    t = time.perf_counter()
    for _ in range(n_spectra):
        subprocess.run([sys.executable, "-c", code.format(repo=repo)], check=True, capture_output=True, env=env)
    separate = time.perf_counter() - t
    stack = build_mirror(config, "dbr3", "FAPbI3_transparent", "air")
    wl = np.linspace(0.45, 1.1, 300)
    t = time.perf_counter()
    rta(stack, wl)
    t_tmm = time.perf_counter() - t
    return {"n_spectra": n_spectra, "one_process_s": in_process, "process_each_s": separate,
            "process_each_over_one_process": separate / in_process,
            "meep_spectrum_s": in_process / n_spectra, "tmm_spectrum_s": t_tmm,
            "meep_over_tmm": (in_process / n_spectra) / t_tmm}


def _dbr_spectrum_meep(config: dict):
    """One normal-incidence R spectrum of DBR3 by 1D Meep (the mirror step's method)."""
    from sims.mirror_spectra import stack_rta_meep
    from sims.stack import build_mirror

    stack = build_mirror(config, "dbr3", "FAPbI3_transparent", "air")
    f = np.linspace(1 / 1.1, 1 / 0.45, 300)
    sim = config["simulation"]
    return stack_rta_meep(stack, f, 0.0, "s", sim["resolution_1d_px_per_um"], sim["pml_um"],
                          sim["decay_threshold"])


def _main():
    """Child entry: print one throughput measurement as JSON (run under mpirun)."""
    from sims.config import load_config

    dims, cells, steps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    res = fdtd_throughput(load_config(), dims, cells, steps)
    import meep as mp

    if mp.am_master():
        print("BENCH " + json.dumps(res), flush=True)


if __name__ == "__main__":
    _main()
