"""Absorbed pump fraction of microcavity II lit from the gap, against angle: A_crystal(theta).

Microcavity II (DBR2 / crystal / DBR3) is a planar stack; plane-wave light of the pump
wavelength arriving from the gap medium at polar angle theta (in the gap) is partly
reflected, transmitted into air, and absorbed. For an incoherent, unpolarised pump the
absorbed fraction is A(theta) = (A_s + A_p) / 2. The table is computed once per config
and used by the radiometric transfer (``sims.transfer``) for every distance.

Two independent methods, same stack:

* 1D Meep FDTD (``sims.mirror_spectra.stack_rta_meep``: two-run flux method at fixed
  in-plane wavevector kx = n_gap f sin(theta), Meep units 1/um): A = 1 - R - T, the power
  absorbed in all layers; with lossless DBR layers that is the crystal's share;
* transfer matrix (PyPI ``tmm``, ``absorp_in_each_layer``): the fraction absorbed in the
  crystal layers only, and R, T. It also checks that the other layers absorb nothing.

Reference: S. J. Byrnes, arXiv:1603.02720 (tmm); Meep tutorial "Angular reflectance
spectrum of a planar interface" (oblique incidence via k_point).
"""

from __future__ import annotations

import numpy as np

from sims.stack import Stack


def absorption_tmm(stack: Stack, wavelength_um: float, angles_deg, absorber_group: str) -> dict:
    """R, T, total A and the absorber's share, per polarization, by transfer matrix.

    Args:
        stack: planar stack lit from ``below`` (lossless incidence medium).
        wavelength_um: vacuum wavelength, um.
        angles_deg: angles in the incidence medium, degrees (< 90).
        absorber_group: config item whose layers count as "the crystal".
    Returns:
        dict of arrays (n_angles,) keyed ``R_s, T_s, A_s, A_crystal_s`` and the same with ``_p``,
        and ``A_crystal`` = mean of s and p (unpolarised), ``A_other`` (absorption outside
        the absorber, unpolarised).
    """
    import tmm

    n = np.array(stack.index_profile(wavelength_um), dtype=complex)
    n[0] = n[0].real
    d = [np.inf] + [l.thickness_um for l in stack.layers] + [np.inf]
    idx = [i + 1 for i, l in enumerate(stack.layers) if l.group == absorber_group]
    if not idx:
        raise KeyError(f"stack {stack.name!r} has no layer group {absorber_group!r}")
    ang = np.atleast_1d(np.asarray(angles_deg, float))
    out: dict[str, np.ndarray] = {}
    for pol in ("s", "p"):
        R, T, A, Ac = (np.empty(ang.size) for _ in range(4))
        for i, a in enumerate(ang):
            res = tmm.coh_tmm(pol, n, d, np.radians(a), wavelength_um)
            per = tmm.absorp_in_each_layer(res)
            R[i], T[i] = res["R"], res["T"]
            A[i] = 1.0 - R[i] - T[i]
            Ac[i] = float(np.sum([per[j] for j in idx]))
        out.update({f"R_{pol}": R, f"T_{pol}": T, f"A_{pol}": A, f"A_crystal_{pol}": Ac})
    out["A_crystal"] = 0.5 * (out["A_crystal_s"] + out["A_crystal_p"])
    out["A_other"] = 0.5 * (out["A_s"] + out["A_p"]) - out["A_crystal"]
    out["R"] = 0.5 * (out["R_s"] + out["R_p"])
    out["T"] = 0.5 * (out["T_s"] + out["T_p"])
    return out


def absorption_meep(stack: Stack, wavelength_um: float, angles_deg, resolution_px_per_um: float,
                    pml_um: float, decay_threshold: float) -> dict:
    """R, T, A (= 1 - R - T) per polarization by 1D Meep at one wavelength, over angles.

    One pair of runs (empty + stack) per angle and polarization; kx = n_below f sin(theta)
    (Meep units, 1/um). Returns arrays keyed ``R_s, T_s, A_s, R_p, T_p, A_p``, ``A`` (mean of
    s and p) and ``wall_time_s`` (total).
    """
    from sims.materials import refractive_index
    from sims.mirror_spectra import stack_rta_meep

    f = 1.0 / wavelength_um
    n0 = float(np.real(refractive_index(stack.below, wavelength_um)))
    ang = np.atleast_1d(np.asarray(angles_deg, float))
    band = (0.8 * wavelength_um, 1.25 * wavelength_um)
    out = {k: np.empty(ang.size) for k in ("R_s", "T_s", "A_s", "R_p", "T_p", "A_p")}
    wall = 0.0
    for i, a in enumerate(ang):
        kx = n0 * f * np.sin(np.radians(a))
        for pol in ("s", "p"):
            # three frequencies around f (stack_rta_meep needs a band; the middle one is used)
            r = stack_rta_meep(stack, [0.99 * f, f, 1.01 * f], kx, pol, resolution_px_per_um=resolution_px_per_um,
                               pml_um=pml_um, decay_threshold=decay_threshold, wavelength_ref_um=wavelength_um,
                               band_um=band)
            out[f"R_{pol}"][i], out[f"T_{pol}"][i], out[f"A_{pol}"][i] = r["R"][1], r["T"][1], r["A"][1]
            wall += r["wall_time_s"]
    out["A"] = 0.5 * (out["A_s"] + out["A_p"])
    out["wall_time_s"] = wall
    return out


def spectral_weights(center_nm: float, fwhm_nm: float, n_points: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian pump spectrum sampled over +-1.5 FWHM: (wavelengths nm, weights summing to 1).
    A zero FWHM gives the single wavelength."""
    if fwhm_nm <= 0:
        return np.array([float(center_nm)]), np.array([1.0])
    wl = center_nm + np.linspace(-1.5, 1.5, n_points) * fwhm_nm
    w = np.exp(-4 * np.log(2) * ((wl - center_nm) / fwhm_nm) ** 2)
    return wl, w / w.sum()


def absorption_tmm_spectral(stack: Stack, center_nm: float, fwhm_nm: float, angles_deg, absorber_group: str,
                            n_points: int = 15) -> dict:
    """:func:`absorption_tmm` averaged over a Gaussian pump spectrum (incoherent sum over
    wavelengths; the fine angular resonances of a single wavelength wash out)."""
    wl, w = spectral_weights(center_nm, fwhm_nm, n_points)
    out: dict = {}
    for wi, lam in zip(w, wl):
        r = absorption_tmm(stack, lam / 1e3, angles_deg, absorber_group)
        for k, v in r.items():
            out[k] = out.get(k, 0.0) + wi * v
    return out


def extend_to_grazing(angles_deg, values) -> tuple[np.ndarray, np.ndarray]:
    """Append A(90 deg) = 0 (grazing incidence is totally reflected) if the table stops short."""
    a, v = np.asarray(angles_deg, float), np.asarray(values, float)
    if a[-1] < 90.0 - 1e-9:
        a, v = np.append(a, 90.0), np.append(v, 0.0)
    return a, v


def absorption_tmm_meep_eps(stack: Stack, wavelength_um: float, angles_deg) -> dict:
    """A = 1 - R - T by transfer matrix with the permittivities Meep uses (Lorentz fits over the
    same band as :func:`absorption_meep`): the like-for-like reference of the FDTD numbers
    (``sims.mirror_spectra.stack_rta_tmm``). Returns ``A_s``, ``A_p``, ``A`` arrays."""
    from sims.materials import refractive_index
    from sims.mirror_spectra import meep_indices, stack_rta_tmm

    f = 1.0 / wavelength_um
    band = (0.8 * wavelength_um, 1.25 * wavelength_um)
    n0 = float(np.real(refractive_index(stack.below, wavelength_um)))
    idx = meep_indices(stack, [f], wavelength_um, band)
    ang = np.atleast_1d(np.asarray(angles_deg, float))
    out = {"A_s": np.empty(ang.size), "A_p": np.empty(ang.size)}
    for i, a in enumerate(ang):
        kx = n0 * f * np.sin(np.radians(a))
        for pol in ("s", "p"):
            out[f"A_{pol}"][i] = stack_rta_tmm(stack, [f], kx, pol, indices=idx, wavelength_ref_um=wavelength_um,
                                               band_um=band)["A"][0]
    out["A"] = 0.5 * (out["A_s"] + out["A_p"])
    return out
