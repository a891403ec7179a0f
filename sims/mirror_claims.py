"""The paper's mirror claims ("R > 0.9 over 650-720 nm", ...) checked on normal-incidence spectra.

Pure functions: :func:`evaluate_claims` gives, per claim and per method (1D Meep, transfer
matrix), the worst value over the claimed band, where it occurs and the margin; the result is
stored under ``claims`` in each mirror's metrics.json (keys read by the summary step), and
:func:`claims_csv` gives the same as CSV text (metrics.csv). A claim holds when the worst value
over the claimed band exceeds ``above`` (strictly); the band is the sampled wavelengths in
[wavelength_min_nm, wavelength_max_nm] inclusive, with no interpolation between samples.
"""

from __future__ import annotations

import numpy as np

CLAIMS_CSV_HEADER = ("mirror,quantity,above,wavelength_min_nm,wavelength_max_nm,evaluated,meep_worst,"
                     "meep_worst_at_nm,meep_margin,meep_holds,tmm_worst,tmm_margin,tmm_holds")


def evaluate_claims(claims: list, wavelength_nm, spectra: dict, band_nm: tuple) -> list:
    """Check 'quantity > above over [min, max] nm' claims on normal-incidence spectra.

    Args:
        claims: config entries {mirror, quantity, above, wavelength_min_nm, wavelength_max_nm}.
        wavelength_nm: (n,) wavelengths.
        spectra: {"meep": {R, T, A}, "tmm": {R, T, A}} at normal incidence.
        band_nm: simulated band; a claim leaving it is reported as not evaluated.
    Returns:
        list of dicts with the claim, and per method the worst (lowest) value, where, the
        margin (worst - above; negative = misses by that much) and ``holds``.
    """
    wl = np.asarray(wavelength_nm, dtype=float)
    out = []
    for c in claims:
        entry = dict(c)
        lo, hi = c["wavelength_min_nm"], c["wavelength_max_nm"]
        inside = lo >= band_nm[0] - 1e-9 and hi <= band_nm[1] + 1e-9
        sel = (wl >= lo) & (wl <= hi)
        if not inside or not sel.any():
            entry["evaluated"] = False
            entry["reason"] = f"claim band {lo:g}-{hi:g} nm leaves the simulated band {band_nm[0]:g}-{band_nm[1]:g} nm"
            out.append(entry)
            continue
        entry["evaluated"] = True
        for method in ("meep", "tmm"):
            vals = np.asarray(spectra[method][c["quantity"]], dtype=float)[sel]
            k = int(np.argmin(vals))
            entry[method] = {"worst": float(vals[k]), "worst_at_nm": float(wl[sel][k]),
                             "margin": float(vals[k] - c["above"]), "holds": bool(vals[k] > c["above"]),
                             "fraction_of_band_holding": float(np.mean(vals > c["above"]))}
        out.append(entry)
    return out


def claims_csv(claims: list) -> str:
    """metrics.csv text: one row per :func:`evaluate_claims` entry (empty cells where not evaluated)."""
    rows = [CLAIMS_CSV_HEADER]
    for c in claims:
        if c["evaluated"]:
            rows.append(",".join(str(v) for v in (
                c["mirror"], c["quantity"], c["above"], c["wavelength_min_nm"], c["wavelength_max_nm"], True,
                f"{c['meep']['worst']:.5f}", f"{c['meep']['worst_at_nm']:.1f}", f"{c['meep']['margin']:+.5f}",
                c["meep"]["holds"], f"{c['tmm']['worst']:.5f}", f"{c['tmm']['margin']:+.5f}", c["tmm"]["holds"])))
        else:
            rows.append(f"{c['mirror']},{c['quantity']},{c['above']},{c['wavelength_min_nm']},{c['wavelength_max_nm']},False,,,,,,,")
    return "\n".join(rows) + "\n"
