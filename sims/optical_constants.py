"""Optical constants as configured and as Meep sees them, with the error of each.

For every material of the config: n, k of the configured model (constant, library,
tabulated), the n, k of the Meep medium built from it (``sims.materials.meep_medium``,
evaluated by Meep's own ``Medium.epsilon(f)``), their difference, the Lorentz-fit error of
tabulated materials, and, for library materials with a ``reference`` table in the config,
the deviation of the library fit from that reference (Meep 1.25 ships at least one wrong
library entry, Au_JC_visible: checking is not optional).

Units: wavelengths in nm at the boundary, um inside (Meep unit). Nothing here writes files;
the figure is :func:`sims.plots.materials.plot_materials`.
"""

from __future__ import annotations

import numpy as np

from sims.materials import Material, lorentz_fit, material_from_config, meep_medium, meep_medium_index, refractive_index


def material_wavelengths_nm(material: Material, band_nm: tuple[float, float], n: int = 60) -> np.ndarray:
    """n wavelengths across the overlap of the material's data range and a band."""
    lo = max(band_nm[0], material.range_um[0] * 1e3)
    hi = min(band_nm[1], material.range_um[1] * 1e3)
    return np.linspace(lo, hi, n)


def compare_material(name: str, entry: dict, band_nm: tuple[float, float] = (400.0, 1100.0),
                     wavelength_ref_nm: float = 680.0) -> dict:
    """Configured vs Meep n, k of one material over a band.

    Args:
        name, entry: the material's config name and entry.
        band_nm: wavelengths to compare over (clipped to the data range), nm.
        wavelength_ref_nm: where a lossy constant material's loss is made exact.
    Returns:
        dict with wavelength_nm, n_model, k_model, n_meep, k_meep, max_dn, max_dk
        (Meep vs model), and for library materials with a reference table
        ref_max_dn, ref_max_dk (library vs reference).
    """
    mat = material_from_config(name, entry)
    wl_nm = material_wavelengths_nm(mat, band_nm)
    wl_um = wl_nm / 1e3
    n_model = refractive_index(mat, wl_um)
    medium = meep_medium(mat, wavelength_ref_nm / 1e3)
    n_meep = np.array([meep_medium_index(medium, w) for w in wl_um])
    out = {
        "wavelength_nm": wl_nm,
        "n_model": n_model.real, "k_model": n_model.imag,
        "n_meep": n_meep.real, "k_meep": n_meep.imag,
        "max_dn": float(np.max(np.abs(n_meep.real - n_model.real))),
        "max_dk": float(np.max(np.abs(n_meep.imag - n_model.imag))),
    }
    if mat.model == "tabulated":
        fit = lorentz_fit(mat)
        out.update(fit_max_dn=fit.max_dn, fit_max_dk=fit.max_dk)
    ref = entry.get("reference")
    if ref:
        wl_ref = np.asarray(ref["wavelength_nm"], dtype=float)
        inside = (wl_ref >= mat.range_um[0] * 1e3) & (wl_ref <= mat.range_um[1] * 1e3)
        n_lib = refractive_index(mat, wl_ref[inside] / 1e3)
        out.update(
            ref_wavelength_nm=wl_ref[inside],
            ref_n=np.asarray(ref["n"], dtype=float)[inside], ref_k=np.asarray(ref["k"], dtype=float)[inside],
            ref_max_dn=float(np.max(np.abs(n_lib.real - np.asarray(ref["n"])[inside]))),
            ref_max_dk=float(np.max(np.abs(n_lib.imag - np.asarray(ref["k"])[inside]))),
        )
    return out


def compare_all(config: dict, band_nm: tuple[float, float] = (400.0, 1100.0)) -> dict[str, dict]:
    """:func:`compare_material` for every material of the config."""
    import meep as mp

    mp.verbosity(0)
    return {name: compare_material(name, entry, band_nm) for name, entry in config["materials"].items()}


def h5_content(results: dict[str, dict]) -> tuple[dict, dict]:
    """Datasets ``<material>/<key>`` of :func:`compare_all` results and their units (nm or 1)."""
    datasets, units = {}, {}
    for name, r in results.items():
        for key, val in r.items():
            datasets[f"{name}/{key}"] = val
            units[f"{name}/{key}"] = "nm" if "wavelength" in key else "1"
    return datasets, units


def summary_line(results: dict[str, dict]) -> str:
    """One line: Meep vs model max|dn|, max|dk| per material (and fit / reference errors)."""
    parts = []
    for name, r in results.items():
        extra = "".join(f", {k} {r[k]:.3f}" for k in ("fit_max_dn", "fit_max_dk", "ref_max_dn", "ref_max_dk") if k in r)
        parts.append(f"{name} max|dn| {r['max_dn']:.4f} max|dk| {r['max_dk']:.4f}{extra}")
    return "Meep vs model: " + "; ".join(parts)
