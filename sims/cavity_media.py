"""Optical media of the cavity steps, as each simulation sees them.

Three ``model``s of one material: "table" (the configured data), "meep" (the very medium
Meep simulates: Lorentz fit of a tabulated material over the band, anchored at the reference
wavelength (the mode); Meep's library fit; D-conductivity of a constant lossy medium, exact
at the reference wavelength) and "meep_lossless" (that medium with its absorption switched off:
dielectrics at Re n(reference), library metals with every damping rate 0), so that FDTD and
transfer matrix are compared on the same eps(f). Also the analytic continuation of the "meep"
media to complex frequency (the complex pole of a mode) and the Meep media themselves.

Units: wavelengths in um, frequencies in 1/um (Meep units, c = 1).
"""

from __future__ import annotations

import numpy as np

from sims.materials import Material, lorentz_fit, meep_medium, refractive_index, meep_epsilon, meep_library_entry
from sims.stack import Stack

MODELS = ("table", "meep", "meep_lossless")


def lossless_meep_medium(material: Material, wavelength_ref_um: float):
    """The Meep medium of a material with its absorption switched off.

    constant / tabulated: real index Re n at ``wavelength_ref_um`` (as
    ``sims.materials.meep_medium(lossless=True)``). meep library entries (Au, ITO): the same
    Drude-Lorentz terms with every damping rate set to 0 (a lossless plasma with almost the
    same Re eps; a metal cannot be given a constant positive index).

    Returns:
        meep.Medium.
    """
    import meep as mp

    if material.model != "meep":
        return mp.Medium(index=float(refractive_index(material, wavelength_ref_um).real))
    lib = meep_library_entry(material.meep_name)
    sus = []
    for s in lib.E_susceptibilities:
        cls = type(s)
        sus.append(cls(frequency=s.frequency, gamma=0.0, sigma_diag=s.sigma_diag))
    return mp.Medium(epsilon_diag=lib.epsilon_diag, E_susceptibilities=sus,
                     valid_freq_range=lib.valid_freq_range)


def lossless_library_epsilon(meep_name: str, freq) -> np.ndarray:
    """eps(f) of a Meep library entry with every damping rate 0 (f in 1/um, real)."""
    lib = meep_library_entry(meep_name)
    f = np.atleast_1d(np.asarray(freq, dtype=float))
    eps = np.full(f.shape, float(lib.epsilon_diag.x), dtype=complex)
    for s in lib.E_susceptibilities:
        fj, sj = s.frequency, float(s.sigma_diag.x)
        eps = eps + sj * fj**2 / (fj**2 - f**2)
    return eps


def material_index(material: Material, wavelength_um, model: str = "table",
                   band_um: tuple | None = None, wavelength_ref_um: float | None = None) -> np.ndarray:
    """Complex n + i k of a material as a given simulation sees it.

    Args:
        material: the material.
        wavelength_um: vacuum wavelengths (um).
        model: "table", "meep" or "meep_lossless" (see module docstring).
        band_um: Lorentz-fit band of tabulated materials (as passed to Meep).
        wavelength_ref_um: reference wavelength (constant lossy media; lossless index).
    Returns:
        complex array shaped like wavelength_um.
    """
    wl = np.asarray(wavelength_um, dtype=float)
    if model == "table":
        return refractive_index(material, wl)
    ref = float(np.mean(wl)) if wavelength_ref_um is None else wavelength_ref_um
    if model == "meep_lossless":
        if material.model == "meep":
            eps = lossless_library_epsilon(material.meep_name, 1.0 / np.atleast_1d(wl))
            return np.sqrt(eps.astype(complex)).reshape(wl.shape)
        return np.full(wl.shape, float(refractive_index(material, ref).real), dtype=complex)
    if model != "meep":
        raise ValueError(f"model must be one of {MODELS}")
    if material.model == "constant":
        eps_ref = (material.n + 1j * material.k) ** 2
        eps = eps_ref.real + 1j * eps_ref.imag * (wl / ref)  # D-conductivity: Im eps ~ 1/f
        return np.sqrt(eps)
    if material.model == "meep":
        return np.sqrt(meep_epsilon(material.meep_name, 1.0 / np.atleast_1d(wl))).reshape(wl.shape)
    fit = lorentz_fit(material, None if band_um is None else tuple(band_um),
                      None if wavelength_ref_um is None else float(wavelength_ref_um))
    eps = fit.epsilon(1.0 / wl)
    eps = eps.real + 1j * np.abs(eps.imag)
    return np.sqrt(eps)


def stack_indices(stack: Stack, wavelength_um, model: str = "table", band_um=None,
                  wavelength_ref_um=None, index_override: dict | None = None) -> np.ndarray:
    """n of [below, layers..., above] (rows) at wavelengths (columns)."""
    wl = np.atleast_1d(np.asarray(wavelength_um, dtype=float))
    mats = [stack.below, *[l.material for l in stack.layers], stack.above]
    cache = {}
    rows = []
    for m in mats:
        if m.name not in cache:
            cache[m.name] = material_index(m, wl, model, band_um, wavelength_ref_um)
        rows.append(cache[m.name])
    n = np.array(rows, dtype=complex)
    for i, val in (index_override or {}).items():
        n[i] = val
    # semi-infinite media: lossless (a lossy incidence medium has no defined R)
    n[0], n[-1] = n[0].real, n[-1].real
    return n


def meep_epsilon_analytic(material: Material, freq: complex, wavelength_ref_um: float, fit_band_um: tuple) -> complex:
    """eps of the medium Meep simulates (model "meep") at a complex frequency (1/um): the analytic
    continuation of its Lorentz / Drude terms (tabulated: the Lorentz fit over ``fit_band_um``
    anchored at ``wavelength_ref_um``; library entries: Meep's own terms; constant lossy:
    D-conductivity, Im eps ~ 1/f). Im f < 0 for a decaying mode (e^{-i omega t})."""
    import meep as mp

    f = complex(freq)
    if material.model == "constant":
        e = (material.n + 1j * material.k) ** 2
        return complex(e.real + 1j * e.imag / (wavelength_ref_um * f))
    if material.model == "meep":
        lib = meep_library_entry(material.meep_name)
        e = complex(lib.epsilon_diag.x)
        for sus in lib.E_susceptibilities:
            fj, gj, sj = sus.frequency, sus.gamma, float(sus.sigma_diag.x)
            if isinstance(sus, mp.DrudeSusceptibility):
                e += sj * fj**2 / (-f**2 - 1j * f * gj)
            else:
                e += sj * fj**2 / (fj**2 - f**2 - 1j * f * gj)
        return e
    fit = lorentz_fit(material, tuple(fit_band_um), float(wavelength_ref_um))
    return complex(fit.eps_inf + sum(sj * fj**2 / (fj**2 - f**2 - 1j * f * gj)
                                     for fj, gj, sj in zip(fit.frequency, fit.gamma, fit.sigma)))


def cavity_medium(material: Material, model: str, band_um: tuple, wavelength_ref_um: float):
    """The Meep medium of a material for a cavity run (see :func:`material_index`).

    model "meep": constant -> D-conductivity exact at wavelength_ref_um; library entry as is;
    tabulated -> Lorentz fit over band_um anchored at wavelength_ref_um. "meep_lossless":
    :func:`lossless_meep_medium`.
    """
    import meep as mp

    if model == "meep_lossless":
        return lossless_meep_medium(material, wavelength_ref_um)
    if material.model != "tabulated":
        return meep_medium(material, wavelength_ref_um)
    fit = lorentz_fit(material, tuple(band_um), float(wavelength_ref_um))
    sus = [mp.LorentzianSusceptibility(frequency=fj, gamma=gj, sigma=sj)
           for fj, gj, sj in zip(fit.frequency, fit.gamma, fit.sigma) if sj > 0]
    return mp.Medium(epsilon=fit.eps_inf, E_susceptibilities=sus)
