"""FDTD throughput of the project's own geometry and the 1D overheads (measured, never asserted).

Throughput in million cell-updates per second (Mcu/s) = cells x time steps / wall time of
``sim.run`` (initialisation excluded), microcavity II with a finite crystal in 2D, cylindrical
(m = 0) and 3D, a point dipole source, no monitors. Run as ``mpirun -n N python -m mpi4py -m
bench.fdtd DIMS CELLS STEPS`` it prints one measurement as a ``BENCH {json}`` line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

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
           "mcups": cells * steps / wall / 1e6, "ranks": mp.count_processors(),
           "pml_fraction": 2 * 1.0 / length,  # PML 1 um at both ends of the stack axis only
           "real_fields": bool(sim.fields.is_real)}
    sim.reset_meep()
    return out


def one_d_overheads(config: dict, n_spectra: int = 4) -> dict:
    """Time of n DBR spectra in one process vs one process each, and of tmm for the same."""
    from sims.stack import build_mirror
    from sims.transfer_matrix import rta

    code = ("from sims.config_checks import load_config; from bench.fdtd import dbr_spectrum_meep; "
            "dbr_spectrum_meep(load_config())")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t = time.perf_counter()
    for _ in range(n_spectra):
        dbr_spectrum_meep(config)
    in_process = time.perf_counter() - t
    # the child imports this checkout's bench and sims
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([repo] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    t = time.perf_counter()
    for _ in range(n_spectra):
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=env)
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


def dbr_spectrum_meep(config: dict):
    """One normal-incidence R spectrum of DBR3 by 1D Meep (the mirror step's method)."""
    from sims.mirror_spectra import stack_rta_meep
    from sims.stack import build_mirror

    stack = build_mirror(config, "dbr3", "FAPbI3_transparent", "air")
    f = np.linspace(1 / 1.1, 1 / 0.45, 300)
    sim = config["simulation"]
    return stack_rta_meep(stack, f, 0.0, "s", sim["resolution_1d_px_per_um"], sim["pml_um"],
                          sim["decay_threshold"])


def main():
    """Child entry: print one throughput measurement as JSON (run under mpirun)."""
    from sims.config_checks import load_config

    dims, cells, steps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    res = fdtd_throughput(load_config(), dims, cells, steps)
    import meep as mp

    if mp.am_master():
        print("BENCH " + json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
