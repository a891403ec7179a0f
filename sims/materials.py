"""Optical materials: complex refractive index at any wavelength and the Meep medium.

Three models (config key ``materials.<name>.model``):

* ``constant``: n + i k, wavelength-independent. In Meep a lossy constant material is
  ``epsilon = Re(eps)`` plus a D-conductivity chosen so Im(eps) is exact at a reference
  wavelength (Meep's documented recipe; Im(eps) then scales as 1/f away from it).
* ``meep``: an entry of ``meep.materials`` (Drude-Lorentz fits). Its data range is the
  entry's ``valid_freq_range``.
* ``tabulated``: n, k against wavelength, linearly interpolated for the transfer-matrix
  reference, and fitted with Lorentz oscillators (eps(f) = eps_inf + sum s_j f_j^2 /
  (f_j^2 - f^2 - i f g_j), Meep's Lorentzian convention) for Meep. The fit error is
  returned with the fit, so that both models can be compared.

Units: wavelengths in um (Meep length unit), frequencies in 1/um (c = 1).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Material:
    """One optical material as configured.

    Attributes:
        name: config name.
        model: "constant", "meep" or "tabulated".
        n, k: constant model values.
        meep_name: library entry name for the meep model.
        wavelength_um, n_table, k_table: table for the tabulated model.
        range_um: (min, max) wavelength where the data are valid, um.
        n_oscillators: Lorentz terms of the Meep fit (tabulated model).
    """

    name: str
    model: str
    n: float = 1.0
    k: float = 0.0
    meep_name: str = ""
    wavelength_um: tuple = ()
    n_table: tuple = ()
    k_table: tuple = ()
    range_um: tuple = (0.2, 5.0)
    n_oscillators: int = 3
    source: str = ""

    @property
    def is_dispersive(self) -> bool:
        return self.model != "constant"


def material_from_config(name: str, entry: dict) -> Material:
    """Build a Material from ``config['materials'][name]`` (already schema-validated)."""
    model = entry["model"]
    if model == "constant":
        return Material(
            name=name, model=model, n=float(entry["n"]), k=float(entry.get("k", 0.0)),
            range_um=(entry.get("wavelength_min_nm", 200) / 1e3,
                      entry.get("wavelength_max_nm", 5000) / 1e3),
            source=entry.get("source", ""))
    if model == "meep":
        lib = meep_library_entry(entry["meep_name"])
        fmin, fmax = lib.valid_freq_range
        return Material(name=name, model=model, meep_name=entry["meep_name"],
                        range_um=(1.0 / fmax, 1.0 / fmin), source=entry.get("source", ""))
    if model == "tabulated":
        wl = tuple(float(w) / 1e3 for w in entry["wavelength_nm"])
        return Material(
            name=name, model=model, wavelength_um=wl,
            n_table=tuple(float(v) for v in entry["n"]),
            k_table=tuple(float(v) for v in entry["k"]),
            range_um=(wl[0], wl[-1]), n_oscillators=int(entry.get("n_oscillators", 3)),
            source=entry.get("source", ""))
    raise ValueError(f"unknown material model {model!r}")


def materials_from_config(config: dict) -> dict[str, Material]:
    return {name: material_from_config(name, entry)
            for name, entry in config["materials"].items()}


def meep_library_entry(meep_name: str):
    import meep.materials as mpm  # deferred: importing meep costs ~0.8 s

    if not hasattr(mpm, meep_name):
        raise KeyError(meep_name)
    return getattr(mpm, meep_name)


def refractive_index(material: Material, wavelength_um) -> np.ndarray:
    """Complex refractive index n + i k at vacuum wavelengths (um), k >= 0 is loss."""
    wl = np.asarray(wavelength_um, dtype=float)
    if material.model == "constant":
        return np.full(wl.shape, material.n + 1j * material.k, dtype=complex)
    if material.model == "tabulated":
        n = np.interp(wl, material.wavelength_um, material.n_table)
        k = np.interp(wl, material.wavelength_um, material.k_table)
        return n + 1j * k
    eps = meep_epsilon(material.meep_name, 1.0 / np.atleast_1d(wl))
    return np.sqrt(eps).reshape(wl.shape)


def meep_epsilon(meep_name: str, freq) -> np.ndarray:
    """eps(f) of a meep.materials entry (isotropic, xx component), Meep's sign convention mapped
    to Im(eps) >= 0. The Drude-Lorentz sum of Medium.epsilon, term for term as Meep writes it
    (geom.LorentzianSusceptibility / DrudeSusceptibility.eval_susceptibility), evaluated on the
    whole frequency array at once: Medium.epsilon builds 3x3 matrices per call and cost ~2 min of
    each calibration (issue 18); equality with it is a test."""
    lib = meep_library_entry(meep_name)
    f = np.atleast_1d(np.asarray(freq, dtype=float))
    if np.min(f) < lib.valid_freq_range.min or np.max(f) > lib.valid_freq_range.max:
        raise ValueError(f"frequency outside the valid range {lib.valid_freq_range} of meep.materials.{meep_name}")
    def vec(v):
        return [v.x, v.y, v.z]

    isotropic = (not any(vec(lib.epsilon_offdiag)) and not any(vec(lib.D_conductivity_diag))
                 and all(not any(vec(x.sigma_offdiag)) and len(set(vec(x.sigma_diag))) == 1
                         for x in lib.E_susceptibilities))
    if not isotropic:  # Meep's own evaluation, one frequency at a time
        eps = np.array([lib.epsilon(float(x))[0, 0] for x in f], dtype=complex)
        return eps.real + 1j * np.abs(eps.imag)
    eps = np.full(f.shape, complex(lib.epsilon_diag.x))
    for sus in lib.E_susceptibilities:
        f0, gamma, sigma = sus.frequency, sus.gamma, sus.sigma_diag.x
        if isinstance(sus, mp_geom().DrudeSusceptibility):
            term = (-f0 * f0 / (f * f) if gamma == 0 else -f0 * f0 / (f * (f + 1j * gamma))) * sigma
        else:
            term = (f0 * f0 / (f0 * f0 - f * f) if gamma == 0 else f0 * f0 / (f0 * f0 - f * f - 1j * gamma * f)) * sigma
        eps = eps + term
    return eps.real + 1j * np.abs(eps.imag)


def mp_geom():
    import meep.geom

    return meep.geom


# ---------------------------------------------------------------------------------------
# Lorentz fit of tabulated data (for Meep)
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LorentzFit:
    """eps(f) = eps_inf + sum_j sigma_j f_j^2 / (f_j^2 - f^2 - i f gamma_j); f in 1/um."""

    eps_inf: float
    frequency: tuple
    gamma: tuple
    sigma: tuple
    max_dn: float = 0.0
    max_dk: float = 0.0
    rms_dn: float = 0.0
    rms_dk: float = 0.0
    extra: dict = field(default_factory=dict)

    def epsilon(self, freq) -> np.ndarray:
        f = np.asarray(freq, dtype=float)[..., None]
        fj, gj, sj = (np.asarray(a, dtype=float) for a in (self.frequency, self.gamma, self.sigma))
        return self.eps_inf + np.sum(sj * fj**2 / (fj**2 - f**2 - 1j * f * gj), axis=-1)


@functools.lru_cache(maxsize=64)
def lorentz_fit(material: Material, band_um: tuple | None = None,
                anchor_um: float | None = None) -> LorentzFit:
    """Least-squares fit of Lorentz oscillators to a tabulated material's eps(f).

    Method: residuals of Re and Im eps on a dense linear interpolation of the table,
    over the whole table or over ``band_um`` = (min, max) widened by 5% (a sharp
    absorption edge is not a sum of a few Lorentzians: fit where a simulation needs it).
    Strengths and widths are kept >= 0 (passive, causal). Returns the fit with max and
    rms |dn|, |dk| on the dense grid of the fitted range.

    ``anchor_um`` (optional, added for the cavity step): a wavelength where eps must be
    matched closely (a cavity mode: its absorption-limited Q depends on k there). The
    residual then weights Im eps relative to its local value (a weak absorption tail is
    fitted in relative, not absolute, terms) and adds the anchor point with a large
    weight; ``extra`` holds dn, dk at the anchor.
    """
    from scipy.optimize import least_squares

    if material.model != "tabulated":
        raise ValueError("lorentz_fit needs a tabulated material")
    # The fit is degenerate (many oscillator sets match the table about equally), so a
    # 1e-13 change of its band or anchor can land it elsewhere; callers pass a band around a
    # computed mode wavelength whose last digits vary between runs. Rounding both to 1e-6 um
    # makes repeated runs give the same medium, bit for bit.
    if band_um is not None:
        band_um = (round(float(band_um[0]), 6), round(float(band_um[1]), 6))
    if anchor_um is not None:
        anchor_um = round(float(anchor_um), 6)
    lo, hi = material.range_um
    if band_um is not None:
        lo, hi = max(lo, band_um[0] * 0.95), min(hi, band_um[1] * 1.05)
    wl = np.linspace(lo, hi, 80)
    wl_tab = wl
    n_c = refractive_index(material, wl)
    eps_t = n_c**2
    f = 1.0 / wl
    m = material.n_oscillators
    fmin, fmax = f.min(), f.max()
    # start: oscillators spread above the band (UV absorption), one near the edge
    f0 = np.concatenate([[fmin + 0.6 * (fmax - fmin)], np.linspace(fmax * 1.1, fmax * 2.5, m - 1)])[:m]
    x0 = np.concatenate([[max(float(eps_t.real.min()) * 0.6, 1.0)], f0, np.full(m, 0.3), np.full(m, 0.5)])
    lb = np.concatenate([[1.0], np.full(m, 0.05), np.full(m, 1e-4), np.zeros(m)])
    ub = np.concatenate([[20.0], np.full(m, 20.0), np.full(m, 20.0), np.full(m, 50.0)])

    def model(x):
        fit = LorentzFit(x[0], tuple(x[1:1 + m]), tuple(x[1 + m:1 + 2 * m]), tuple(x[1 + 2 * m:]))
        return fit.epsilon(f)

    if anchor_um is None:
        def resid(x):
            d = model(x) - eps_t
            return np.concatenate([d.real, 3.0 * d.imag])
    else:
        eps_a = complex(refractive_index(material, anchor_um)) ** 2
        w_im = 1.0 / np.maximum(np.abs(eps_t.imag), 0.02 * np.abs(eps_t.imag).max() + 1e-4)
        w_a = 30.0 * np.sqrt(wl.size)

        def resid(x):
            d = model(x) - eps_t
            fa = LorentzFit(x[0], tuple(x[1:1 + m]), tuple(x[1 + m:1 + 2 * m]), tuple(x[1 + 2 * m:]))
            da = complex(fa.epsilon(1.0 / anchor_um)) - eps_a
            return np.concatenate([3.0 * d.real / np.abs(eps_t.real), d.imag * w_im,
                                   [w_a * da.real / abs(eps_a.real), w_a * da.imag / max(abs(eps_a.imag), 1e-4)]])

    best = None
    for scale in (1.0, 0.7, 1.4):
        start = np.clip(x0 * np.concatenate([[1.0], np.full(m, scale), np.ones(2 * m)]), lb, ub)
        sol = least_squares(resid, start, bounds=(lb, ub), max_nfev=4000)
        if best is None or sol.cost < best.cost:
            best = sol
    x = best.x
    fit = LorentzFit(x[0], tuple(x[1:1 + m]), tuple(x[1 + m:1 + 2 * m]), tuple(x[1 + 2 * m:]))
    n_fit = np.sqrt(fit.epsilon(1.0 / wl_tab))
    n_tab = refractive_index(material, wl_tab)
    d = n_fit - n_tab
    extra = {}
    if anchor_um is not None:
        da = np.sqrt(complex(fit.epsilon(1.0 / anchor_um))) - complex(refractive_index(material, anchor_um))
        extra = {"anchor_um": float(anchor_um), "anchor_dn": float(da.real), "anchor_dk": float(da.imag)}
    return LorentzFit(fit.eps_inf, fit.frequency, fit.gamma, fit.sigma,
                      max_dn=float(np.max(np.abs(d.real))), max_dk=float(np.max(np.abs(d.imag))),
                      rms_dn=float(np.sqrt(np.mean(d.real**2))), rms_dk=float(np.sqrt(np.mean(d.imag**2))),
                      extra=extra)


# ---------------------------------------------------------------------------------------
# Meep media
# ---------------------------------------------------------------------------------------
def meep_medium(material: Material, wavelength_ref_um: float, lossless: bool = False,
                band_um: tuple | None = None):
    """The Meep medium of a material.

    Args:
        material: the material.
        wavelength_ref_um: where a constant material's loss (k) is made exact.
        lossless: drop absorption (constant: k = 0; dispersive: Lorentz/Drude damping
            kept but conductivity removed is not possible, so a constant medium with
            Re(n) at the reference wavelength is returned). Used for mirror-limited Q.
        band_um: (min, max) wavelength of the simulation; a tabulated material is
            Lorentz-fitted over this band only (see :func:`lorentz_fit`).
    Returns:
        meep.Medium.
    """
    import meep as mp

    if lossless:
        n_ref = float(refractive_index(material, wavelength_ref_um).real)
        return mp.Medium(index=n_ref)
    if material.model == "constant":
        eps = (material.n + 1j * material.k) ** 2
        if material.k == 0:
            return mp.Medium(epsilon=eps.real)
        f_ref = 1.0 / wavelength_ref_um
        return mp.Medium(epsilon=eps.real, D_conductivity=2 * np.pi * f_ref * eps.imag / eps.real)
    if material.model == "meep":
        return meep_library_entry(material.meep_name)
    fit = lorentz_fit(material, None if band_um is None else tuple(band_um))
    fmin, fmax = 1.0 / material.range_um[1], 1.0 / material.range_um[0]
    sus = [mp.LorentzianSusceptibility(frequency=fj, gamma=gj, sigma=sj)
           for fj, gj, sj in zip(fit.frequency, fit.gamma, fit.sigma) if sj > 0]
    return mp.Medium(epsilon=fit.eps_inf, E_susceptibilities=sus,
                     valid_freq_range=mp.FreqRange(min=fmin, max=fmax))


def meep_medium_index(medium, wavelength_um: float) -> complex:
    """Complex n of a Meep medium at one wavelength, Im(n) >= 0 for loss (for checks)."""
    eps = complex(medium.epsilon(1.0 / wavelength_um)[0, 0])
    return complex(np.sqrt(eps.real + 1j * abs(eps.imag)))
