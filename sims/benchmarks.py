"""Benchmarks: FDTD throughput against a measured memory-bandwidth ceiling, MPI scaling,
1D overheads. Speed is measured here, never asserted in tests.

Method:
* Throughput in million cell-updates per second (Mcu/s) = cells x time steps / wall time
  of ``sim.run`` (initialisation excluded), for the project's own geometry (microcavity II
  with a finite crystal, ``sims.geometry.stack_layout``) in 2D, cylindrical (m = 0) and 3D,
  with a point dipole source and no monitors.
* Ceiling (:func:`ceiling_mcups`): an upper bound on Mcu/s = bandwidth / bytes per
  cell-update. Bandwidth: a triad measured in the same run with 1 and 2 processes streaming
  at once (:func:`bandwidths`), from DRAM (arrays 8x the last-level cache) and from the LLC.
  Bytes: the least traffic of one Meep time step, every array it touches streamed once
  (:data:`STEP_LOOPS`, :func:`bytes_per_cell_update`; per cell, 2D TM as run 72 B inside and
  120 B in the PML, cylindrical m = 0 and 3D 168 / 248 B, 1D 56 / 72 B). A case whose
  working set fits the caches gets no DRAM ceiling (an LLC one instead); a run above its
  ceiling is flagged as a bug of the model or the measurement, not reported as a result.
* MPI scaling: the same run with 1 and 2 ranks (more where the machine has them),
  launched with mpirun as child processes, for cells from 0.1 M to 10 M.
* 1D overheads: N normal-incidence reflectance spectra of a DBR computed in one long-lived
  process vs one process each, and Meep vs the transfer-matrix reference.
* Levers (:func:`levers`): each cost setting of the project's own runs against its
  alternative, as a time ratio and the accuracy it costs, in one run. The variants of one
  lever are run in rounds, alternating the order (A B, B A, ...), and the ratio reported
  is the median over the rounds of the per-round ratio, so that load drifting on a shared
  machine falls on both sides.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

MIRROR_RMS_BOUND = 0.01  # RMS |R_Meep - R_tmm| a converged 1D DBR spectrum must reach (tests/test_mirror_spectra.py)

# ---------------------------------------------------------------------------------------
# ceiling: bytes a Meep cell-update moves, cache classification, measured bandwidths
# ---------------------------------------------------------------------------------------
# The arrays each update loop of one Meep time step touches, as Meep's step code runs them
# (src/step_db.cpp: B then D = curl of E/H, with the PML auxiliary U array f_u where the
# chunk has PML along cycle_direction(d_c, 2); src/update_eh.cpp: H from B and E from D,
# E/H = chi1inv * D/B, with a separate E/H array plus the PML auxiliary W array f_w where the
# chunk has PML along the component's own direction; H is the same array as B where mu = 1
# and no W is needed). cycle_direction cycles X -> Y -> Z (R -> P -> Z in cylindrical);
# the PML along direction d' of component c is applied inline (1D sigma profiles, no field
# array) when d' = cycle_direction(d_c, 1). Meep splits the PML slabs off into their own
# chunks, so U/W arrays exist only in the PML volume (checked on this machine from the
# process's resident memory before/after the first steps: 2D 0.46-0.54 lazily allocated
# arrays per cell for 3 x 0.171 predicted, cylindrical 2.0 for 1 + 5 x 0.171, 3D 1.1 for
# 5 x 0.171). Access: "r" read, "w" written only, "rw" read and written. Array names:
# chi* = inverse permittivity (material, read only), rderiv = cylindrical temporary
# (1/r d(r F)/dr integral, rewritten before it is read), everything else a field carried
# from step to step. Off-diagonal chi1inv entries (only at interfaces not normal to an
# axis), sources and the r = 0 special rows are left out: they only add traffic.
# Cases as the suite runs them: lossless dielectric (mu = 1, no conductivity, no dispersive
# polarization), real fields, PML along the stack axis only (2D: Y, cylindrical and 3D: Z).
STEP_LOOPS = {
    # 2D TM (Ez source: Ez/Dz, Hx/Bx, Hy/By; TE components not allocated), PML along Y
    "2d": {"interior": [("Bx", {"Bx": "rw", "Ez": "r"}),
                        ("By", {"By": "rw", "Ez": "r"}),
                        ("Dz", {"Dz": "rw", "Bx": "r", "By": "r"}),  # Hx, Hy are Bx, By
                        ("Ez", {"Ez": "w", "Dz": "r", "chi_zz": "r"})],
           "pml": [("Bx", {"Bx": "rw", "Ez": "r"}),  # sigma_y inline
                   ("By", {"By": "rw", "Ez": "r"}),
                   ("Hy", {"By": "r", "Wy": "rw", "Hy": "rw"}),  # W: PML along Hy's own direction
                   ("Dz", {"Dz": "rw", "Uz": "rw", "Bx": "r", "Hy": "r"}),  # U: PML along cycle(Z, 2) = Y
                   ("Ez", {"Ez": "w", "Dz": "r", "chi_zz": "r"})]},
    # 2D TE (Hz source; not run by the suite, for reference), PML along Y
    "2d_te": {"interior": [("Bz", {"Bz": "rw", "Ex": "r", "Ey": "r"}),
                           ("Dx", {"Dx": "rw", "Bz": "r"}),
                           ("Dy", {"Dy": "rw", "Bz": "r"}),
                           ("Ex", {"Ex": "w", "Dx": "r", "chi_xx": "r"}),
                           ("Ey", {"Ey": "w", "Dy": "r", "chi_yy": "r"})],
              "pml": [("Bz", {"Bz": "rw", "Uz": "rw", "Ex": "r", "Ey": "r"}),
                      ("Dx", {"Dx": "rw", "Bz": "r"}),
                      ("Dy", {"Dy": "rw", "Bz": "r"}),
                      ("Ex", {"Ex": "w", "Dx": "r", "chi_xx": "r"}),
                      ("Ey", {"Ey": "rw", "Wy": "rw", "Dy": "r", "chi_yy": "r"})]},
    # cylindrical, m = 0 (Er source; Meep allocates all six components), PML along Z
    "cyl": {"interior": [("Br", {"Br": "rw", "Ep": "r"}),
                         ("Bp", {"Bp": "rw", "Er": "r", "Ez": "r"}),
                         ("rderiv_B", {"rderiv": "w", "Ep": "r"}),
                         ("Bz", {"Bz": "rw", "rderiv": "r"}),
                         ("Dr", {"Dr": "rw", "Bp": "r"}),
                         ("Dp", {"Dp": "rw", "Br": "r", "Bz": "r"}),
                         ("rderiv_D", {"rderiv": "w", "Bp": "r"}),
                         ("Dz", {"Dz": "rw", "rderiv": "r"}),
                         ("Er", {"Er": "w", "Dr": "r", "chi_rr": "r"}),
                         ("Ep", {"Ep": "w", "Dp": "r", "chi_pp": "r"}),
                         ("Ez", {"Ez": "w", "Dz": "r", "chi_zz": "r"})],
            "pml": [("Br", {"Br": "rw", "Ur_B": "rw", "Ep": "r"}),
                    ("Bp", {"Bp": "rw", "Er": "r", "Ez": "r"}),
                    ("rderiv_B", {"rderiv": "w", "Ep": "r"}),
                    ("Bz", {"Bz": "rw", "rderiv": "r"}),
                    ("Hz", {"Bz": "r", "Wz_H": "rw", "Hz": "rw"}),
                    ("Dr", {"Dr": "rw", "Ur_D": "rw", "Bp": "r"}),
                    ("Dp", {"Dp": "rw", "Br": "r", "Hz": "r"}),
                    ("rderiv_D", {"rderiv": "w", "Bp": "r"}),
                    ("Dz", {"Dz": "rw", "rderiv": "r"}),
                    ("Er", {"Er": "w", "Dr": "r", "chi_rr": "r"}),
                    ("Ep", {"Ep": "w", "Dp": "r", "chi_pp": "r"}),
                    ("Ez", {"Ez": "rw", "Wz_E": "rw", "Dz": "r", "chi_zz": "r"})]},
    # 3D, PML along Z
    "3d": {"interior": [("Bx", {"Bx": "rw", "Ey": "r", "Ez": "r"}),
                        ("By", {"By": "rw", "Ez": "r", "Ex": "r"}),
                        ("Bz", {"Bz": "rw", "Ex": "r", "Ey": "r"}),
                        ("Dx", {"Dx": "rw", "By": "r", "Bz": "r"}),
                        ("Dy", {"Dy": "rw", "Bz": "r", "Bx": "r"}),
                        ("Dz", {"Dz": "rw", "Bx": "r", "By": "r"}),
                        ("Ex", {"Ex": "w", "Dx": "r", "chi_xx": "r"}),
                        ("Ey", {"Ey": "w", "Dy": "r", "chi_yy": "r"}),
                        ("Ez", {"Ez": "w", "Dz": "r", "chi_zz": "r"})],
           "pml": [("Bx", {"Bx": "rw", "Ux_B": "rw", "Ey": "r", "Ez": "r"}),
                   ("By", {"By": "rw", "Ez": "r", "Ex": "r"}),
                   ("Bz", {"Bz": "rw", "Ex": "r", "Ey": "r"}),
                   ("Hz", {"Bz": "r", "Wz_H": "rw", "Hz": "rw"}),
                   ("Dx", {"Dx": "rw", "Ux_D": "rw", "By": "r", "Hz": "r"}),
                   ("Dy", {"Dy": "rw", "Hz": "r", "Bx": "r"}),
                   ("Dz", {"Dz": "rw", "Bx": "r", "By": "r"}),
                   ("Ex", {"Ex": "w", "Dx": "r", "chi_xx": "r"}),
                   ("Ey", {"Ey": "w", "Dy": "r", "chi_yy": "r"}),
                   ("Ez", {"Ez": "rw", "Wz_E": "rw", "Dz": "r", "chi_zz": "r"})]},
    # 1D (Ex/Hy along Z, the mirror and cavity runs), PML along Z
    "1d": {"interior": [("By", {"By": "rw", "Ex": "r"}),  # sigma_z inline
                        ("Dx", {"Dx": "rw", "By": "r"}),
                        ("Ex", {"Ex": "w", "Dx": "r", "chi_xx": "r"})],
           "pml": [("By", {"By": "rw", "Ex": "r"}),
                   ("Dx", {"Dx": "rw", "Ux": "rw", "By": "r"}),
                   ("Ex", {"Ex": "w", "Dx": "r", "chi_xx": "r"})]},
}
REAL = 8  # bytes of one realnum (Meep built in double precision)


def _array_kind(name: str) -> str:
    return "material" if name.startswith("chi") else "temporary" if name == "rderiv" else "field"


def _region_bytes(loops, complex_fields: bool, susceptibilities: int, e_components: int) -> dict:
    """Bytes per cell of one region (interior or PML) in the three counts of :func:`bytes_per_cell_update`."""
    access = {}
    as_written = 0
    for _, arrays in loops:
        for name, acc in arrays.items():
            access.setdefault(name, set()).update(acc)
            w = 2 if (complex_fields and _array_kind(name) != "material") else 1
            # per loop, as Meep runs it: read 8 B, read+write 16 B, write-only 16 B (the
            # write-allocate read of the line before the store; Meep's loops use ordinary stores)
            as_written += w * REAL * (1 if acc == "r" else 2)
    minimum = 0
    working = 0
    for name, acc in access.items():
        kind = _array_kind(name)
        w = 2 if (complex_fields and kind != "material") else 1
        if kind == "field":  # carried from step to step: read once and written once per step
            minimum += w * REAL * (("r" in acc) + ("w" in acc))
        elif kind == "material":
            minimum += REAL  # read once
        working += w * REAL
    # dispersive polarization (per susceptibility and E component): P and P_prev carried
    # (read + written), the susceptibility's sigma read; D - P is a temporary
    extra_fields, extra_material = 2 * susceptibilities * e_components, susceptibilities * e_components
    wf = 2 if complex_fields else 1
    minimum += extra_fields * wf * 2 * REAL + extra_material * REAL
    working += (extra_fields * wf + extra_material) * REAL
    return {"min": minimum, "as_written": as_written, "working_set": working,
            "arrays": sorted(access), "loops": len(loops)}


def bytes_per_cell_update(case: str, pml_fraction: float, complex_fields: bool = False,
                          susceptibilities: int = 0) -> dict:
    """Bytes a Meep cell-update of ``case`` moves (see STEP_LOOPS), per cell and time step.

    Args:
        case: "1d", "2d" (TM, as the suite runs it), "2d_te", "cyl" (m = 0), "3d".
        pml_fraction: share of the cells inside the PML (PML arrays exist only there).
        complex_fields: complex fields double every field array (not chi1inv).
        susceptibilities: Lorentz/Drude terms present in every cell (adds P, P_prev, sigma
            per E component to the minimum and the working set; not to ``as_written``).
    Returns:
        ``min_bytes``: every array streamed once per step (a field read once and written
        once, chi1inv read once, temporaries free) -- the least traffic any schedule of the
        step can have once the arrays do not stay in a cache between steps, so
        bandwidth / min_bytes is an upper bound on cell-updates per second (the ceiling);
        ``as_written_bytes``: each update loop streams its own arrays (write-only arrays
        with write-allocate), what Meep moves when no array survives in a cache from one
        loop to the next -- an estimate, not a bound; ``working_set_bytes``: distinct
        arrays x 8 B per cell (the memory one step sweeps).
    """
    loops = STEP_LOOPS[case]
    n_e = {"1d": 1, "2d": 1, "2d_te": 2, "cyl": 3, "3d": 3}[case]
    r = {k: _region_bytes(loops[k], complex_fields, susceptibilities, n_e) for k in ("interior", "pml")}
    f = float(pml_fraction)
    mix = {q: (1 - f) * r["interior"][q] + f * r["pml"][q] for q in ("min", "as_written", "working_set")}
    return {"case": case, "pml_fraction": f, "complex_fields": complex_fields,
            "susceptibilities": susceptibilities, "min_bytes": mix["min"],
            "as_written_bytes": mix["as_written"], "working_set_bytes": mix["working_set"],
            "interior": r["interior"], "pml": r["pml"]}


def cache_sizes() -> dict:
    """Per-core L2 and the last-level cache (bytes, cpus sharing it) from sysfs (lscpu's source)."""
    out = {}
    for d in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            level = int(open(os.path.join(d, "level")).read())
            kind = open(os.path.join(d, "type")).read().strip()
            size = open(os.path.join(d, "size")).read().strip()
            shared = open(os.path.join(d, "shared_cpu_list")).read().strip()
        except OSError:
            continue
        if kind == "Instruction":
            continue
        mult = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(size[-1], 1)
        n_shared = sum((int(b) - int(a) + 1) if "-" in p else 1
                       for p in shared.split(",") for a, _, b in [p.partition("-")])
        out[f"L{level}"] = {"bytes": int(size.rstrip("KMG")) * mult, "shared_cpus": n_shared}
    if not out:  # no sysfs: a generous guess, so that nothing is called memory-bound wrongly
        out = {"L2": {"bytes": 2 * 1024 ** 2, "shared_cpus": 1}, "L3": {"bytes": 256 * 1024 ** 2, "shared_cpus": 1}}
    llc = max(k for k in out if k != "L1")
    return {"L2_per_core": out.get("L2", out[llc])["bytes"], "LLC": out[llc]["bytes"], "LLC_level": llc,
            "LLC_shared_cpus": out[llc]["shared_cpus"]}


def cache_capacity(caches: dict, ranks: int) -> float:
    """Bytes of cache ``ranks`` cores can hold between steps: the LLC plus their L2s (counted
    as exclusive, as AMD's victim L3 is; on an inclusive LLC this overstates the capacity,
    which only makes the memory-bound label rarer and the ceiling higher)."""
    return caches["LLC"] + ranks * caches["L2_per_core"]


def classify(working_set: float, caches: dict, ranks: int) -> str:
    """``"cache-resident"`` (working set <= cache capacity), ``"partly cache-resident"``
    (up to 4x), ``"memory-bound"`` (more)."""
    cap = cache_capacity(caches, ranks)
    return ("cache-resident" if working_set <= cap else
            "partly cache-resident" if working_set <= 4 * cap else "memory-bound")


def ceiling_mcups(model: dict, cells: float, ranks: int, caches: dict, bw: dict) -> dict:
    """Upper bound on Mcu/s of a run of ``cells`` cells on ``ranks`` processes.

    DRAM ceiling: a working set W larger than the cache capacity C streams at least
    (1 - C/W) of its minimum bytes from memory each step (at best C of it stays cached), so
    Mcu/s <= bw_dram / (min_bytes (1 - C/W)), bw_dram the best triad of 1..ranks streams at
    once. A cache-resident case gets no
    DRAM ceiling; where an LLC bandwidth was measured it gets the same bound one level up
    (LLC -> core, credit for the L2s), labelled as the LLC ceiling.
    """
    ws = model["working_set_bytes"] * cells
    cls = classify(ws, caches, ranks)
    cap = cache_capacity(caches, ranks)

    def best(level):  # ranks processes can always stream at least as fast as fewer of them
        v = [bw[f"{level}_{k}"] for k in range(1, ranks + 1) if f"{level}_{k}" in bw]
        return max(v) if v else None

    dram = best("dram")
    # for reference, not bounds: the rates if every array came from DRAM each step (no reuse)
    ref = {"dram_no_reuse_min_mcups": dram * 1e3 / model["min_bytes"],
           "dram_no_reuse_as_written_mcups": dram * 1e3 / model["as_written_bytes"]}
    if cls != "cache-resident":
        gbs = dram
        bytes_eff = model["min_bytes"] * (1 - cap / ws)
        level = "DRAM"
    else:
        l2 = ranks * caches["L2_per_core"]
        gbs = best("llc")
        if gbs is None or ws <= l2:
            return {"class": cls, "working_set_MB": ws / 1e6, "ceiling_mcups": None, "ceiling_level": None,
                    "note": "cache-resident, DRAM ceiling not applicable", **ref}
        bytes_eff = model["min_bytes"] * (1 - l2 / ws)
        level = "LLC"
    return {"class": cls, "working_set_MB": ws / 1e6, "ceiling_level": level, "bandwidth_GBs": gbs,
            "bytes_per_cell_update_effective": bytes_eff, "ceiling_mcups": gbs * 1e9 / bytes_eff / 1e6,
            "note": "cache-resident, DRAM ceiling not applicable; LLC ceiling" if level == "LLC" else "", **ref}


def against_ceiling(mcups: float, ceiling: dict) -> dict:
    """``ceiling`` (from :func:`ceiling_mcups`) with the run's share of it and the bug flag:
    ``exceeds_ceiling`` True means the model or the bandwidth is wrong, not that the run is fast."""
    c = dict(ceiling)
    c["pct_of_ceiling"] = 100 * mcups / c["ceiling_mcups"] if c["ceiling_mcups"] else None
    c["exceeds_ceiling"] = bool(c["ceiling_mcups"] and mcups > c["ceiling_mcups"])
    return c


def _triad_worker(n: int, reps: int, rounds: int, barrier, queue):
    """One stream: a = 3 c; a += b on its own arrays, ``reps`` times per round, after a barrier."""
    b = np.full(n, 1.0)
    c = np.full(n, 2.0)
    a = np.empty(n)
    np.multiply(c, 3.0, out=a)  # first touch
    spans = []
    for _ in range(rounds):
        barrier.wait()
        t0 = time.perf_counter()
        for _ in range(reps):
            np.multiply(c, 3.0, out=a)
            np.add(a, b, out=a)
        spans.append((t0, time.perf_counter()))
    queue.put(spans)


TRIAD_BYTES_PER_ELEMENT = 6 * 8  # c read, a write-allocate read + write; a read, b read, a write


def triad_bandwidth_gbs(array_bytes: int, streams: int = 1, rounds: int = 7, reps: int = 1) -> float:
    """Best-of-rounds triad bandwidth (GB/s) of ``streams`` processes running at once, summed.

    Each process runs ``np.multiply(c, 3.0, out=a); np.add(a, b, out=a)`` on its own three
    arrays of ``array_bytes`` each. Bytes counted: 6 x 8 per element -- c read, a written
    (numpy's loops use ordinary stores, so the write first reads the line: write-allocate),
    then a and b read and a written (the line is already owned). Counting the write-allocate
    read gives the larger, bus-level bandwidth, i.e. the higher ceiling. A round's bandwidth
    is all bytes moved over the span from the first start to the last end (the processes
    start together at a barrier, so the streams overlap).
    """
    import multiprocessing as mproc

    n = max(1, int(array_bytes // 8))
    ctx = mproc.get_context("fork")
    barrier, queue = ctx.Barrier(streams), ctx.Queue()
    procs = [ctx.Process(target=_triad_worker, args=(n, reps, rounds, barrier, queue)) for _ in range(streams)]
    for p in procs:
        p.start()
    spans = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    best = min(max(s[r][1] for s in spans) - min(s[r][0] for s in spans) for r in range(rounds))
    return streams * reps * TRIAD_BYTES_PER_ELEMENT * n / best / 1e9


def bandwidths(caches: dict | None = None, max_streams: int = 2) -> dict:
    """Triad bandwidths (GB/s), 1 and 2 streams: from DRAM (each array 8x the LLC) and from the
    LLC (all arrays of all streams together half the LLC, each larger than an L2)."""
    caches = caches or cache_sizes()
    out = {"caches": caches}
    dram = 8 * caches["LLC"]
    for s in range(1, max_streams + 1):
        out[f"dram_{s}"] = triad_bandwidth_gbs(dram, s, rounds=9)
    llc = caches["LLC"] // (2 * 3 * max_streams)
    out["llc_array_bytes"], out["dram_array_bytes"] = llc, dram
    for s in range(1, max_streams + 1):
        out[f"llc_{s}"] = triad_bandwidth_gbs(llc, s, rounds=15, reps=max(1, int(2e8 // llc)))
    return out


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
           "mcups": cells * steps / wall / 1e6, "ranks": mp.count_processors(),
           "pml_fraction": 2 * 1.0 / length,  # PML 1 um at both ends of the stack axis only
           "real_fields": bool(sim.fields.is_real)}
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


# ---------------------------------------------------------------------------------------
# levers: each cost setting against its alternative, time ratio and accuracy change
# ---------------------------------------------------------------------------------------
def _rounds(variants: dict, repeats: int, log=print) -> dict:
    """Run each callable of ``variants`` ``repeats`` times, in rounds of alternating order.

    Returns {name: [result of each round]}; every result is a dict with ``wall_s``.
    """
    names = list(variants)
    out = {n: [] for n in names}
    for r in range(repeats):
        for n in (names if r % 2 == 0 else names[::-1]):
            t = time.perf_counter()
            res = dict(variants[n]())
            res.setdefault("wall_s", time.perf_counter() - t)
            out[n].append(res)
            log(f"lever round {r}: {n} {res['wall_s']:.2f} s")
    return out


def _ratio(runs: dict, a: str, b: str) -> dict:
    """Median over rounds of wall(a) / wall(b), with the per-round ratios and median walls."""
    ratios = [x["wall_s"] / y["wall_s"] for x, y in zip(runs[a], runs[b])]
    return {"ratio": float(np.median(ratios)), "ratios": [float(v) for v in ratios],
            "wall_s": {a: float(np.median([x["wall_s"] for x in runs[a]])),
                       b: float(np.median([x["wall_s"] for x in runs[b]]))}}


def _mirror_case(config: dict, mirror: str):
    """(runner, settings) for 1D Meep spectra of ``mirror`` at normal incidence against tmm.

    runner(resolution=, courant=, decay=, run_time=) returns wall time, RMS |R - R_tmm|,
    max |1 - R - T| and the simulated time of the stack run.
    """
    from sims.mirror_spectra import _mirror_band, rms, stack_rta_meep, stack_rta_tmm

    st, stack, wavelength_nm, f, band_um, wl_ref = _mirror_band(config, mirror)
    ref = stack_rta_tmm(stack, f, 0.0, "p", wavelength_ref_um=wl_ref, band_um=band_um)

    def run(resolution=st["resolution_px_per_um"], courant=st["courant"], decay=st["decay_threshold"],
            run_time=None):
        t = time.perf_counter()
        r = stack_rta_meep(stack, f, 0.0, "p", float(resolution), st["pml_um"], float(decay), courant=float(courant),
                           wavelength_ref_um=wl_ref, band_um=band_um, run_time_after_sources=run_time)
        return {"wall_s": time.perf_counter() - t, "rms_dR": rms(r["R"] - ref["R"]),
                "max_abs_1_R_T": float(np.max(np.abs(r["A"]))), "meep_time": r["meep_time"]}

    return run, st


def _cavity_case(config: dict, stack_name: str = "microcavity_II"):
    """Stack, gain group, Harminv band and mode (transfer matrix, table data) of a configured cavity."""
    from sims import cavity as C
    from sims.cavity_study import _data_range, _fit_band
    from sims.stack import build_stack

    spec = config["cavity"]["stacks"][stack_name]
    st = build_stack(config, stack_name)
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    m = C.nearest_mode([x for x in C.find_modes(st, spec["gain_group"], band, "table") if x.rho_abs > 0.5],
                       spec["target_wavelength_nm"] / 1e3)
    return st, spec["gain_group"], _fit_band(m.wavelength_um, m.Q, _data_range(st)), m


def _mode(h, f_ref: float, wall_s: float) -> dict:
    """Wavelength and Q of the strongest Harminv mode within 3 % of f_ref (NaN if none)."""
    ok = np.abs(h.freq - f_ref) < 0.03 * f_ref
    if not np.any(ok):
        return {"wall_s": wall_s, "wavelength_nm": float("nan"), "Q": float("nan")}
    j = np.flatnonzero(ok)[np.argmax(h.amp[ok])]
    return {"wall_s": wall_s, "wavelength_nm": float(1e3 / h.freq[j]), "Q": float(h.Q[j])}


def levers(config: dict, *, quick: bool = True, one_d: dict | None = None, mpi_child=None,
           log=print) -> dict:
    """Measured effect of each cost lever on the project's own simulations (see module doc).

    Args:
        config: the validated default config (the settings the workflow runs with).
        quick: 2 rounds per lever (3 otherwise; 4 for the binding lever, whose runs are short),
            shorter ringdown in the symmetry lever, three Harminv windows instead of four.
        one_d: a :func:`one_d_overheads` result (the batched-1D lever); measured here if None.
        mpi_child: callable(dims, cells, steps, ranks, bind) -> fdtd_throughput dict run under
            ``mpirun --bind-to <bind>`` (the process-binding lever); skipped if None.
    Returns:
        dict lever -> {baseline, alternative, ratio (alternative / baseline wall time, median
        over rounds), ratios, wall_s, accuracy fields, settings}.
    """
    from sims.cavity_modes import harminv_finite_width, harminv_modes
    from sims.materials import materials_from_config

    repeats = 2 if quick else 3
    sim = config["simulation"]
    out = {"repeats": repeats}

    # 1. 1D mirror spectrum (the mirror_spectra step at normal incidence): resolution,
    #    Courant number, decay threshold, decay-based stop vs a fixed run time
    mirror = config["mirror_spectra"]["convergence_mirror"]
    run, st = _mirror_case(config, mirror)
    res0, c0, d0 = st["resolution_px_per_um"], st["courant"], st["decay_threshold"]
    fixed = {}

    def run_fixed():
        # a fixed run time instead of the decay check: 2x (rounded up to 100) the simulated time of
        # the first decay-stopped run, which always comes before it (first in round 0)
        if not fixed:
            fixed["t"] = float(np.ceil(2 * runs_conf[0]["meep_time"] / 100) * 100)
        return run(run_time=fixed["t"])

    runs_conf = []

    def run_conf():
        r = run()
        runs_conf.append(r)
        return r

    runs = _rounds({
        "configured": run_conf,
        "half_resolution": lambda: run(resolution=res0 / 2),
        "courant_0.5": lambda: run(courant=0.5),
        "decay_1e-6": lambda: run(decay=1e-6),
        "fixed_time": run_fixed,
    }, repeats, log)
    t_fixed = fixed["t"]
    med = {k: {q: float(np.median([r[q] for r in v])) for q in ("rms_dR", "max_abs_1_R_T", "meep_time")}
           for k, v in runs.items()}
    case = (f"1D Meep spectrum of {mirror}, normal incidence, {st['n_wavelengths']} wavelengths "
            f"{st['band_nm'][0]:g}-{st['band_nm'][1]:g} nm, against tmm")
    conf = f"{res0:g} px/um, Courant {c0:g}, decay {d0:g}"

    def mirror_lever(alt, baseline_label, alt_label):
        r = _ratio(runs, alt, "configured")
        return {"case": case, "configured": conf, "baseline": baseline_label, "alternative": alt_label, **r,
                "accuracy": {"configured": med["configured"], "alternative": med[alt]}}

    out["resolution"] = mirror_lever("half_resolution", f"{res0:g} px/um", f"{res0 / 2:g} px/um")
    out["courant"] = mirror_lever("courant_0.5", f"Courant {c0:g}", "Courant 0.5 (Meep default)")
    out["decay_threshold"] = mirror_lever("decay_1e-6", f"decay {d0:g}", "decay 1e-6")
    out["decay_stop"] = mirror_lever("fixed_time", f"stop at decay {d0:g}",
                                     f"fixed {t_fixed:g} um/c after the source "
                                     f"(~2x the {runs_conf[0]['meep_time']:.0f} "
                                     "um/c the decay-stopped run lasted)")
    out["decay_stop"]["fixed_run_time"] = t_fixed
    log(json.dumps({k: out[k]["ratio"] for k in ("resolution", "courant", "decay_threshold", "decay_stop")}))

    # 2. Harminv window of the cavity_modes step (microcavity II, absorption on, 1D)
    cav = config["cavity"]
    stack, group, fb, m = _cavity_case(config)
    ring0 = float(cav["ringdown_time"])

    def harm(ringdown):
        h = harminv_modes(stack, group, fb, resolution=sim["resolution_1d_px_per_um"], pml_um=sim["pml_um"],
                          model="meep", wavelength_ref_um=m.wavelength_um, fit_band_um=fb, ringdown=ringdown)
        return _mode(h, 1.0 / m.wavelength_um, h.wall_s)

    windows = [ring0 / 4, ring0, ring0 * 2] if quick else [ring0 / 4, ring0 / 2, ring0, ring0 * 2]
    hr = _rounds({f"ringdown_{w:g}": (lambda w=w: harm(w)) for w in windows}, repeats, log)
    rows = []
    ref = hr[f"ringdown_{windows[-1]:g}"][0]
    for w in windows:
        k = f"ringdown_{w:g}"
        r = _ratio(hr, k, f"ringdown_{ring0:g}")
        rows.append({"ringdown": w, **r, "wavelength_nm": hr[k][0]["wavelength_nm"], "Q": hr[k][0]["Q"],
                     "dQ_rel_vs_longest": hr[k][0]["Q"] / ref["Q"] - 1,
                     "dwavelength_nm_vs_longest": hr[k][0]["wavelength_nm"] - ref["wavelength_nm"]})
    out["harminv_window"] = {"case": f"Harminv ringdown of {stack.name} (1D, absorption on, "
                                     f"{sim['resolution_1d_px_per_um']:g} px/um, "
                                     f"mode near {m.wavelength_um * 1e3:.1f} nm)",
                             "configured_ringdown": ring0, "rows": rows}
    log(json.dumps(rows))

    # 3. mirror symmetry of the finite-width 2D run (cavity_lateral step): its smallest width,
    #    a quarter of the configured ringdown in the quick suite (the window lever above shows
    #    what that costs in Q; the time ratio of the two runs is what is measured here)
    lat = cav["lateral"]
    ring_fw = ring0 / 4 if quick else ring0
    width = float(min(lat["widths_um"]))
    filler = materials_from_config(config)[lat["filler"]]

    def fw(symmetry):
        h = harminv_finite_width(stack, group, fb, width, filler, resolution=lat["resolution_px_per_um"],
                                 pml_um=sim["pml_um"], lateral_margin_um=lat["margin_um"], model="meep",
                                 wavelength_ref_um=m.wavelength_um, fit_band_um=fb, ringdown=ring_fw,
                                 symmetry=symmetry)
        return _mode(h, 1.0 / m.wavelength_um, h.wall_s)

    sr = _rounds({"mirror_x": lambda: fw(True), "no_symmetry": lambda: fw(False)}, repeats, log)
    a, b = sr["mirror_x"][0], sr["no_symmetry"][0]
    out["mirror_symmetry"] = {"case": f"finite-width 2D Harminv of {stack.name}, crystal {width:g} um, "
                                      f"{lat['resolution_px_per_um']:g} px/um, ringdown {ring_fw:g} um/c, 1 process",
                              "configured": "Mirror(X, +1)", "baseline": "Mirror(X, +1)",
                              "alternative": "no symmetry", **_ratio(sr, "no_symmetry", "mirror_x"),
                              "accuracy": {"configured": a, "alternative": b,
                                           "dQ_rel": b["Q"] / a["Q"] - 1,
                                           "dwavelength_nm": b["wavelength_nm"] - a["wavelength_nm"]}}
    log(json.dumps(out["mirror_symmetry"]))

    # 4. batched 1D runs (one long-lived process vs one process per spectrum)
    o = one_d if one_d is not None else one_d_overheads(config, 2)
    out["batched_1d"] = {"case": f"{o['n_spectra']} 1D DBR spectra", "configured": "one process",
                         "baseline": "one process", "alternative": "one process per spectrum",
                         "ratio": o["process_each_over_one_process"],
                         "wall_s": {"one_process": o["one_process_s"], "process_each": o["process_each_s"]}}

    # 5. process binding of a 2-rank 2D run the size of the cavity_lateral cells (~1.3e5 cells)
    if mpi_child is not None:
        cells, steps = 1.3e5, 3000
        br = _rounds({b: (lambda b=b: mpi_child("2d", cells, steps, 2, b)) for b in ("none", "core")}, 4, log)
        out["binding"] = {"case": f"2D FDTD throughput run, ~{cells:.0e} cells, {steps} steps, 2 ranks (mpirun)",
                          "baseline": "--bind-to none", "alternative": "--bind-to core",
                          **_ratio(br, "core", "none"),
                          "mcups": {b: float(np.median([r["mcups"] for r in br[b]])) for b in br}}
    return out


def _acc(a: dict) -> str:
    """Accuracy cell of the levers table."""
    if "rms_dR" in a:
        ok = "passes" if a["rms_dR"] <= MIRROR_RMS_BOUND else "fails"
        return (f"RMS dR {a['rms_dR']:.4f} ({ok} the {MIRROR_RMS_BOUND:g} bound), "
                f"max abs(1-R-T) {a['max_abs_1_R_T']:.4f}")
    if "Q" in a:
        return f"{a['wavelength_nm']:.3f} nm, Q {a['Q']:.1f}"
    return "-"


def levers_markdown(lv: dict) -> str:
    """The levers table (Markdown) of a :func:`levers` result."""
    n = lv["repeats"]
    md = [f"Levers: time of B over time of A, median of the per-round ratios (in brackets; {n} rounds, "
          "binding 4, in alternating order A B, B A, ...); accuracy of each. RMS dR: against tmm, "
          f"bound {MIRROR_RMS_BOUND:g} as in tests/test_mirror_spectra.py; batched and binding runs "
          "compute the same thing either way.", "",
          "| lever | run | A (as configured) | B | t_B / t_A | accuracy A | accuracy B |",
          "|---|---|---|---|---|---|---|"]

    def rr(x):
        return f"{x['ratio']:.2f} ({', '.join(f'{v:.2f}' for v in x.get('ratios', []))})"

    for key, label in (("mirror_symmetry", "mirror symmetry"), ("resolution", "resolution"),
                       ("courant", "Courant number"), ("decay_threshold", "decay threshold"),
                       ("decay_stop", "decay-based stop")):
        if key in lv:
            x = lv[key]
            a = x["accuracy"]
            extra = f" (dQ/Q {a['dQ_rel']:+.1e}, dlambda {a['dwavelength_nm']:+.1e} nm)" if "dQ_rel" in a else ""
            md.append(f"| {label} | {x['case']} | {x['baseline']} | {x['alternative']} | {rr(x)} | "
                      f"{_acc(a['configured'])} | {_acc(a['alternative'])}{extra} |")
    if "harminv_window" in lv:
        x = lv["harminv_window"]
        base = next(r for r in x["rows"] if r["ringdown"] == x["configured_ringdown"])
        for r in x["rows"]:
            if r is base:
                continue
            md.append(f"| Harminv window | {x['case']} | ringdown {base['ringdown']:g} um/c | "
                      f"ringdown {r['ringdown']:g} um/c | {rr(r)} | {_acc(base)} | "
                      f"{_acc(r)} (dQ/Q {r['dQ_rel_vs_longest']:+.1e} vs the longest window) |")
    if "batched_1d" in lv:
        x = lv["batched_1d"]
        md.append(f"| batched 1D runs | {x['case']} | {x['baseline']} | {x['alternative']} | "
                  f"{x['ratio']:.2f} | - | - |")
    if "binding" in lv:
        x = lv["binding"]
        m = x["mcups"]
        md.append(f"| process binding | {x['case']} | {x['baseline']} ({m['none']:.0f} Mcu/s) | "
                  f"{x['alternative']} ({m['core']:.0f} Mcu/s) | {rr(x)} | - | - |")
    return "\n".join(md) + "\n"


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
