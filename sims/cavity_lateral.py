"""Finite lateral width of the gain layer (2D FDTD): Q and wavelength against width, convergence.

Method: ``sims.cavity_modes.harminv_finite_width`` (a crystal of width W between laterally
infinite mirrors, Ez line source with amplitude cos(pi x / W) that excites the fundamental
lateral mode, even mirror symmetry, Harminv at x = 0), beside the 1D Harminv value at the same
resolution and media, which the 2D values approach from the blue side (lateral confinement
raises the frequency by about (lambda / (2 n W))^2 / 2). A width where Harminv finds no mode
within 3% of the 1D frequency gives NaN (stored flagged ``failed``). Units: um, nm in results.
"""

from __future__ import annotations

import numpy as np

from sims import cavity as C
from sims.cavity_modes import harminv_modes
from sims.cavity_study import target_mode

# units of the lateral_study results; the datasets that may be missing (no mode found)
LATERAL_UNITS = {"width_um": "um", "wavelength_nm": "nm", "Q": "1", "wavelength_1d_nm": "nm", "Q_1d": "1",
                 "resolution_px_per_um": "px/um"}
LATERAL_MISSING = {"wavelength_nm": "failed", "Q": "failed"}


def lateral_study(config: dict, stack_name: str, target_um: float, widths_um, filler_name: str, *,
                  resolution: float, pml_um: float, margin_um: float, ringdown: float, absorption: bool,
                  bench: list | None = None, source: str = "mode") -> dict:
    """Q and wavelength of the mode nearest ``target_um`` against the lateral width of the gain
    layer (2D FDTD, sims.cavity_modes.harminv_finite_width; ``source`` "mode": the fundamental
    lateral mode excited by a cos(pi x / W) line source), with the 1D value at the same
    resolution and media as the reference the 2D values must approach (from the blue side:
    lateral confinement raises the frequency by about (lambda / (2 n W))^2 / 2)."""
    from sims.cavity_modes import harminv_finite_width
    from sims.materials import materials_from_config

    st, group, m, fb = target_mode(config, stack_name, target_um)
    model = "meep" if absorption else "meep_lossless"
    filler = materials_from_config(config)[filler_name]
    h1 = harminv_modes(st, group, fb, resolution=resolution, pml_um=pml_um, model=model,
                       wavelength_ref_um=m.wavelength_um, fit_band_um=fb, ringdown=ringdown)
    if bench is not None:
        bench.append({"run": f"1D reference {resolution:g} px/um", "wall_s": h1.wall_s, "steps": h1.steps,
                      "cells": h1.cells, "mcups": h1.mcups})
    i1 = h1.nearest(1.0 / m.wavelength_um)
    f1, Q1 = float(h1.freq[i1]), float(h1.Q[i1])
    wl, Q = [], []
    for w in widths_um:
        h = harminv_finite_width(st, group, fb, float(w), filler, resolution=resolution, pml_um=pml_um,
                                 lateral_margin_um=margin_um, model=model, wavelength_ref_um=m.wavelength_um,
                                 fit_band_um=fb, ringdown=ringdown, source=source)
        if bench is not None:
            bench.append({"run": f"2D width {w:g} um, {resolution:g} px/um, absorption {'on' if absorption else 'off'}",
                          "wall_s": h.wall_s, "steps": h.steps, "cells": h.cells, "mcups": h.mcups})
        if h.freq.size == 0:
            wl.append(np.nan)
            Q.append(np.nan)
            continue
        # the fundamental lateral mode (the one the cos source excites): the strongest mode within 3% of
        # the 1D frequency
        ok = np.abs(h.freq - f1) < 0.03 * f1
        if not np.any(ok):
            wl.append(np.nan)
            Q.append(np.nan)
            continue
        j = np.flatnonzero(ok)[np.argmax(h.amp[ok])]
        wl.append(1e3 / h.freq[j])
        Q.append(float(h.Q[j]))
    return {"width_um": np.asarray(widths_um, float), "wavelength_nm": np.array(wl), "Q": np.array(Q),
            "wavelength_1d_nm": 1e3 / f1, "Q_1d": Q1, "resolution_px_per_um": float(resolution)}


def lateral_convergence(config: dict, stack_name: str, target_um: float, width_um: float, filler_name: str, *,
                        resolutions, pmls, pml0_um: float, resolution0: float, margin_um: float, ringdown: float,
                        bench: list | None = None) -> dict:
    """Convergence of the finite-width 2D run (absorption on, fundamental lateral mode) at one width:
    against resolution (at PML ``pml0_um``) and PML thickness (at ``resolution0``), each row with the
    1D reference at the same resolution and PML."""
    rows = []
    combos = [(float(r), float(pml0_um)) for r in resolutions]
    combos += [(float(resolution0), float(p)) for p in pmls if (float(resolution0), float(p)) not in combos]
    for r, p in combos:
        d = lateral_study(config, stack_name, target_um, [width_um], filler_name, resolution=r, pml_um=p,
                          margin_um=margin_um, ringdown=ringdown, absorption=True, bench=bench)
        rows.append((r, p, float(d["wavelength_nm"][0]), float(d["Q"][0]), d["wavelength_1d_nm"], d["Q_1d"]))
    a = np.array(rows, float)
    return {"width_um": float(width_um), "resolution_px_per_um": a[:, 0], "pml_um": a[:, 1],
            "wavelength_nm": a[:, 2], "Q": a[:, 3], "wavelength_1d_nm": a[:, 4], "Q_1d": a[:, 5]}


def lateral_step(config: dict, stack_name: str) -> dict:
    """The rule cavity_lateral: :func:`lateral_study` on the working (calibrated) config at the
    configured widths, absorption on (and off when ``cavity.lateral.absorption_off``). Returns dict
    out ({"absorption_on": ..., "absorption_off": ...}), mode_choice, calibrated_value (NaN as given),
    entry, bench."""
    cav = config["cavity"]
    lat = cav["lateral"]
    wc = C.working_config(config, stack_name)
    bench: list = []
    out = {}
    for absorption in ((True, False) if lat["absorption_off"] else (True,)):
        out["absorption_on" if absorption else "absorption_off"] = lateral_study(
            wc["config"], stack_name, wc["target_um"], lat["widths_um"], lat["filler"],
            resolution=lat["resolution_px_per_um"], pml_um=config["simulation"]["pml_um"], margin_um=lat["margin_um"],
            ringdown=cav["ringdown_time"], absorption=absorption, bench=bench)
    value = wc["calibration"]["value"] if wc["calibration"] else float("nan")
    return {"out": out, "mode_choice": wc["mode_choice"], "calibrated_value": value, "entry": wc["entry"],
            "bench": bench}


def lateral_convergence_step(config: dict, stack_name: str) -> dict:
    """The rule cavity_lateral_convergence: :func:`lateral_convergence` on the working config at
    ``cavity.lateral.convergence_width_um``. Returns dict result, mode_choice, bench."""
    cav = config["cavity"]
    lat = cav["lateral"]
    wc = C.working_config(config, stack_name)
    bench: list = []
    r = lateral_convergence(wc["config"], stack_name, wc["target_um"], lat["convergence_width_um"], lat["filler"],
                            resolutions=lat["convergence_resolutions_px_per_um"], pmls=lat["convergence_pml_um"],
                            pml0_um=config["simulation"]["pml_um"], resolution0=lat["resolution_px_per_um"],
                            margin_um=lat["margin_um"], ringdown=cav["ringdown_time"], bench=bench)
    return {"result": r, "mode_choice": wc["mode_choice"], "bench": bench}
