"""Optical constants as configured and as Meep sees them, with the error of each.

For every material of the config: n, k of the configured model (constant, library,
tabulated), the n, k of the Meep medium built from it (``sims.materials.meep_medium``,
evaluated by Meep's own ``Medium.epsilon(f)``), their difference, the Lorentz-fit error of
tabulated materials, and, for library materials with a ``reference`` table in the config,
the deviation of the library fit from that reference (Meep 1.25 ships at least one wrong
library entry, Au_JC_visible: checking is not optional).

Units: wavelengths in nm at the boundary, um inside (Meep unit).
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
    return {name: compare_material(name, entry, band_nm) for name, entry in config["materials"].items()}


def plot_materials(results: dict[str, dict]):
    """One panel per material: n and k, model (lines) vs Meep (dots) vs reference (crosses)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        r = results[name]
        wl = r["wavelength_nm"]
        ax.plot(wl, r["n_model"], "C0-", label="n model")
        ax.plot(wl, r["n_meep"], "C0.", ms=3, label="n Meep")
        axk = ax.twinx()
        axk.plot(wl, r["k_model"], "C3-", label="k model")
        axk.plot(wl, r["k_meep"], "C3.", ms=3, label="k Meep")
        if "ref_n" in r:
            ax.plot(r["ref_wavelength_nm"], r["ref_n"], "C0x", label="n reference")
            axk.plot(r["ref_wavelength_nm"], r["ref_k"], "C3x", label="k reference")
        ax.set_title(f"{name}: max|dn| {r['max_dn']:.3f}, |dk| {r['max_dk']:.3f}", fontsize=8)
        ax.set_xlabel("wavelength (nm)", fontsize=8)
        ax.set_ylabel("n", color="C0", fontsize=8)
        axk.set_ylabel("k", color="C3", fontsize=8)
        ax.tick_params(labelsize=7)
        axk.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle("Optical constants: configured model (lines), Meep medium (dots), reference (x)", fontsize=10)
    fig.tight_layout()
    return fig
