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


def meep_check(stack: Stack, wavelength_um: float, angles_deg, absorber_group: str, resolution_px_per_um: float,
               pml_um: float, decay_threshold: float) -> tuple[dict, dict]:
    """1D Meep absorbed fraction (A = 1 - R - T, s and p) at a few angles against the transfer
    matrix with the configured indices and with the Lorentz-fitted permittivities Meep uses.

    Returns (datasets under ``meep/``, scalar attributes: the largest |A_meep - A_tmm| of both)."""
    angles = np.asarray(angles_deg, float)
    m = absorption_meep(stack, wavelength_um, angles, resolution_px_per_um, pml_um, decay_threshold)
    ds = {"meep/theta_deg": angles, **{f"meep/{k}": m[k] for k in ("R_s", "T_s", "A_s", "R_p", "T_p", "A_p", "A")}}
    tm = absorption_tmm(stack, wavelength_um, angles, absorber_group)
    ds["meep/tmm_A"] = 0.5 * (tm["A_s"] + tm["A_p"])
    ds["meep/tmm_meep_eps_A"] = absorption_tmm_meep_eps(stack, wavelength_um, angles)["A"]
    attrs = {"meep_vs_tmm_max_abs_dA": float(np.max(np.abs(m["A"] - ds["meep/tmm_A"]))),
             "meep_vs_tmm_meep_eps_max_abs_dA": float(np.max(np.abs(m["A"] - ds["meep/tmm_meep_eps_A"]))),
             "meep_wall_time_s": m["wall_time_s"], "meep_resolution_px_per_um": float(resolution_px_per_um)}
    return ds, attrs


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


# ---------------------------------------------------------------------------------------
# spectrally and angularly resolved tables (issue 17): vectorised transfer matrix
# ---------------------------------------------------------------------------------------
def rta_grid(n_rows: np.ndarray, thickness_um, wavelength_um, theta_deg, absorber_mask=None) -> dict:
    """Coherent transfer matrix on a (theta, wavelength) grid, both polarizations at once.

    The same formulation as the ``tmm`` package (``coh_tmm`` + ``absorp_in_each_layer``,
    S. J. Byrnes, arXiv:1603.02720), vectorised with numpy over angles and wavelengths.

    Args:
        n_rows: complex indices (n_wavelengths, n_layers + 2): [incidence medium (lossless),
            layers..., exit medium] at each wavelength.
        thickness_um: the n_layers finite thicknesses (um).
        wavelength_um: (n_wavelengths,) vacuum wavelengths (um).
        theta_deg: (n_theta,) angles in the incidence medium (deg, < 90).
        absorber_mask: booleans (n_layers,) of the layers whose absorption is summed as "A_abs".
    Returns:
        dict of (n_theta, n_wavelengths) arrays ``R_s, T_s, A_abs_s`` and the same with ``_p``.
    """
    n_rows = np.asarray(n_rows, complex)
    lam = np.asarray(wavelength_um, float)[None, :]
    th0 = np.radians(np.asarray(theta_deg, float))[:, None]
    dd = np.asarray(thickness_um, float)
    nL = n_rows.shape[1]
    mask = np.zeros(nL - 2, bool) if absorber_mask is None else np.asarray(absorber_mask, bool)
    n0 = n_rows[:, 0].real[None, :]
    beta = n0 * np.sin(th0)                             # n sin(theta), conserved
    ncos = []
    for j in range(nL):
        nj = n_rows[:, j][None, :]
        kz = np.sqrt(nj ** 2 - beta ** 2 + 0j)
        flip = (kz.imag < 0) | ((np.abs(kz.imag) < 1e-14) & (kz.real < 0))
        ncos.append(np.where(flip, -kz, kz))            # n cos(theta) of the forward wave
    out = {}
    for pol in ("s", "p"):
        def rt(j, k):
            a, b = ncos[j], ncos[k]
            if pol == "s":
                return (a - b) / (a + b), 2 * a / (a + b)
            nj, nk = n_rows[:, j][None, :], n_rows[:, k][None, :]
            cj, ck = a / nj, b / nk
            return (nk * cj - nj * ck) / (nk * cj + nj * ck), 2 * nj * cj / (nk * cj + nj * ck)

        # M_j (j = 1 .. nL-2): 1/t_{j,j+1} [[e^{-i delta}, 0], [0, e^{i delta}]] [[1, r], [r, 1]]
        Ms = []
        for j in range(1, nL - 1):
            delta = 2 * np.pi * ncos[j] * dd[j - 1] / lam
            delta = np.where(delta.imag > 35, delta.real + 35j, delta)   # opaque layer: cap (as tmm)
            r, t = rt(j, j + 1)
            em, ep = np.exp(-1j * delta), np.exp(1j * delta)
            Ms.append(np.array([[em, em * r], [ep * r, ep]]) / t)
        r01, t01 = rt(0, 1)
        Mt = np.array([[np.ones_like(r01), r01], [r01, np.ones_like(r01)]]) / t01
        for M in Ms:
            Mt = np.einsum("ij...,jk...->ik...", Mt, M)
        r = Mt[1, 0] / Mt[0, 0]
        t = 1 / Mt[0, 0]
        # amplitudes (forward v, backward w) at the start of each layer, from the back
        vw = [None] * nL
        vw[nL - 1] = np.array([t, np.zeros_like(t)])
        for j in range(nL - 2, 0, -1):
            vw[j] = np.einsum("ij...,j...->i...", Ms[j - 1], vw[j + 1])
        c0 = ncos[0]
        if pol == "s":
            T = (ncos[-1] * np.abs(t) ** 2).real / c0.real
            def poyn(j):
                v, w = vw[j]
                return (ncos[j] * np.conj(v + w) * (v - w)).real / c0.real
        else:
            nf, n0c = n_rows[:, -1][None, :], n_rows[:, 0][None, :]
            T = (nf * np.conj(ncos[-1] / nf) * np.abs(t) ** 2).real / (n0c * np.conj(c0 / n0c)).real
            def poyn(j):
                v, w = vw[j]
                nj = n_rows[:, j][None, :]
                return (nj * np.conj(ncos[j] / nj) * (v + w) * np.conj(v - w)).real / (n0c * np.conj(c0 / n0c)).real
        enter = [poyn(j) for j in range(1, nL - 1)] + [T]
        A_abs = np.zeros_like(T)
        for j in range(nL - 2):
            if mask[j]:
                A_abs = A_abs + enter[j] - enter[j + 1]
        out[f"R_{pol}"] = np.abs(r) ** 2
        out[f"T_{pol}"] = T
        out[f"A_abs_{pol}"] = A_abs
    return out


def stack_rta_grid(stack: Stack, wavelength_nm, theta_deg, absorber_group: str | None = None,
                   from_above: bool = False, incidence=None) -> dict:
    """:func:`rta_grid` for a :class:`sims.stack.Stack` lit from below (or from above, reversed),
    optionally from another lossless incidence ``Material`` than the stack's own (e.g. glass
    or air instead of NOA81). Angles are in the incidence medium. Returns R, T, A (total
    = 1 - R - T) and A_abs (the absorber group's share; 0 without one) per polarization."""
    from sims.materials import refractive_index

    wl_um = np.asarray(wavelength_nm, float) / 1e3
    layers = list(stack.layers)
    below, above = stack.below, stack.above
    if from_above:
        layers, below, above = layers[::-1], above, below
    if incidence is not None:
        below = incidence
    mats = [below, *[l.material for l in layers], above]
    rows = np.array([[complex(refractive_index(m, w)) for m in mats] for w in wl_um])
    rows[:, 0] = rows[:, 0].real
    mask = [absorber_group is not None and l.group == absorber_group for l in layers]
    r = rta_grid(rows, [l.thickness_um for l in layers], wl_um, theta_deg, mask)
    for pol in ("s", "p"):
        r[f"A_{pol}"] = 1.0 - r[f"R_{pol}"] - r[f"T_{pol}"]
    return r
