"""Ceiling of FDTD throughput: bytes a Meep cell-update moves, cache classification, and the
memory bandwidth measured by a triad (1 and 2 streams, from DRAM and from the last-level cache).

Ceiling (:func:`ceiling_mcups`): an upper bound on Mcu/s = bandwidth / bytes per cell-update.
Bytes: the least traffic of one Meep time step, every array it touches streamed once
(:data:`STEP_LOOPS`, :func:`bytes_per_cell_update`). A case whose working set fits the caches
gets no DRAM ceiling (an LLC one instead); a run above its ceiling is flagged as a bug of the
model or the measurement, not reported as a result. See bench/__init__.py for the method.
"""

from __future__ import annotations

import glob
import os
import platform
import time

import numpy as np

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
