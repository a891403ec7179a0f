"""Resolution convergence of the mirror step: 1D Meep vs transfer matrix at normal incidence.

One DBR (``mirror_spectra.convergence_mirror``) is run by :func:`sims.stack_rta.stack_rta_meep`
at several resolutions with the step's other numerics; each row gives RMS and max |R_Meep -
R_tmm|, max |1 - R - T| (the DBRs are lossless) and the stop-band edge errors (nm) against the
transfer matrix on the same permittivities. Pure: the entry script writes the rows (JSON) and
:func:`convergence_markdown` (the README table).
"""

from __future__ import annotations

import json

import numpy as np

from sims.mirror_spectra import STOP_BAND_LEVEL, mirror_band, quarter_wave_nm, rms, stop_band_edges_nm
from sims.stack_rta import stack_rta_meep, stack_rta_tmm


def resolution_convergence(config: dict, mirror: str, resolutions_px_per_um, log=print) -> list[dict]:
    """Meep vs tmm at normal incidence for several resolutions (one DBR).

    Returns:
        list of {resolution_px_per_um, rms_dR, max_abs_dR, max_abs_A, edge_errors_nm, wall_time_s}.
    """
    st, stack, wavelength_nm, f, band_um, wl_ref = mirror_band(config, mirror)
    t = stack_rta_tmm(stack, f, 0.0, "p", wavelength_ref_um=wl_ref, band_um=band_um)
    center = quarter_wave_nm(stack)
    e_tmm = stop_band_edges_nm(wavelength_nm, t["R"], STOP_BAND_LEVEL, center)
    rows = []
    for res in resolutions_px_per_um:
        r = stack_rta_meep(stack, f, 0.0, "p", float(res), st["pml_um"], st["decay_threshold"],
                           courant=st["courant"], wavelength_ref_um=wl_ref, band_um=band_um)
        e = stop_band_edges_nm(wavelength_nm, r["R"], STOP_BAND_LEVEL, center)
        row = {"resolution_px_per_um": float(res), "rms_dR": rms(r["R"] - t["R"]),
               "max_abs_dR": float(np.max(np.abs(r["R"] - t["R"]))),
               "max_abs_A": float(np.max(np.abs(r["A"]))),
               "edge_errors_nm": [e[0] - e_tmm[0], e[1] - e_tmm[1]],
               "wall_time_s": r["wall_time_s"], "meep_time": r["meep_time"]}
        log(json.dumps(row))
        rows.append(row)
    return rows


def convergence_markdown(rows: list[dict], mirror: str, settings: dict) -> str:
    """A Markdown table of :func:`resolution_convergence` rows (for the README)."""
    lines = [f"Resolution convergence of 1D Meep vs transfer matrix: {mirror} at normal incidence, "
             f"{settings['band_nm'][0]:g}-{settings['band_nm'][1]:g} nm, {settings['n_wavelengths']} wavelengths, "
             f"decay threshold {settings['decay_threshold']:g}, Courant {settings['courant']:g}, 1 core.",
             "",
             "| resolution (px/um) | RMS abs dR | max abs dR | max abs(1-R-T) | short-edge error (nm) | long-edge error (nm) | wall time (s) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['resolution_px_per_um']:g} | {r['rms_dR']:.4f} | {r['max_abs_dR']:.4f} | {r['max_abs_A']:.4f} | "
                     f"{r['edge_errors_nm'][0]:+.2f} | {r['edge_errors_nm'][1]:+.2f} | {r['wall_time_s']:.1f} |")
    return "\n".join(lines) + "\n"
