"""Transfer-matrix reference for planar stacks, through the PyPI package ``tmm``.

The independent check of every 1D Meep result: coherent R, T, A of a :class:`Stack` at
given vacuum wavelengths, angles (in the incidence medium ``below``) and polarization
(s or p), with absorbing layers. Also usable at a fixed in-plane wavevector, as 1D Meep
runs are (sin(theta) = kx / (n_below * f), Meep units, f = 1/wavelength_um).

Also the same formulation vectorised with numpy over a (theta, wavelength) grid
(:func:`rta_grid`, :func:`stack_rta_grid`) for the spectrally and angularly resolved tables of
the transfer step. Every call of the ``tmm`` package goes through this module.

Reference: S. J. Byrnes, "Multilayer optical calculations", arXiv:1603.02720 (tmm).
"""

from __future__ import annotations

import numpy as np
import tmm

from sims.stack import Stack


def coherent(pol: str, n, d, angle_rad: float, wavelength_um: float, per_layer: bool = False) -> dict:
    """One coherent solve (``tmm.coh_tmm``): R and T of the index list ``n`` (incidence medium
    first, lossless) with thicknesses ``d`` (um, inf at both ends) at one angle in the incidence
    medium (rad). With ``per_layer`` also ``absorbed``: the fraction of the incident power
    absorbed in each entry of ``d`` (``tmm.absorp_in_each_layer``; the ends hold R and T)."""
    res = tmm.coh_tmm(pol, n, d, angle_rad, wavelength_um)
    out = {"R": res["R"], "T": res["T"]}
    if per_layer:
        out["absorbed"] = np.asarray(tmm.absorp_in_each_layer(res), float)
    return out


def layer_absorption(stack: Stack, wavelength_um: float, angles_deg, pol: str = "s") -> dict:
    """R, T and the absorbed fraction of every layer of a stack lit from ``below``, over angles.

    Args:
        stack: the stack (incidence medium ``below``; its index is taken real).
        wavelength_um: vacuum wavelength, um.
        angles_deg: angles in the incidence medium, degrees (< 90).
        pol: "s" (TE) or "p" (TM).
    Returns:
        dict: ``R``, ``T`` (n_angles,), ``absorbed`` (n_angles, n_layers + 2): per entry of
        [below, layers..., above] (see :func:`coherent`).
    """
    n, d = _lists(stack, wavelength_um)
    n[0] = n[0].real
    ang = np.atleast_1d(np.asarray(angles_deg, float))
    res = [coherent(pol, n, d, np.radians(a), wavelength_um, per_layer=True) for a in ang]
    return {"R": np.array([r["R"] for r in res]), "T": np.array([r["T"] for r in res]),
            "absorbed": np.array([r["absorbed"] for r in res]).reshape(ang.size, len(d))}


def _lists(stack: Stack, wavelength_um: float, lossless: bool = False):
    n = np.array(stack.index_profile(wavelength_um), dtype=complex)
    if lossless:
        n = n.real.astype(complex)
    d = [np.inf] + [l.thickness_um for l in stack.layers] + [np.inf]
    return n, d


def rta(stack: Stack, wavelength_um, angle_deg: float = 0.0, pol: str = "s",
        lossless: bool = False) -> dict:
    """R, T, A spectra of a stack lit from ``below`` at a fixed angle.

    Args:
        stack: the stack (incidence medium ``below`` must be lossless).
        wavelength_um: vacuum wavelengths, um.
        angle_deg: angle in the incidence medium, degrees.
        pol: "s" (TE) or "p" (TM).
        lossless: use Re(n) only.
    Returns:
        dict of arrays R, T, A (A = 1 - R - T, the power absorbed in the layers).
    """
    wl = np.atleast_1d(np.asarray(wavelength_um, dtype=float))
    R, T = np.empty(wl.size), np.empty(wl.size)
    for i, w in enumerate(wl):
        n, d = _lists(stack, w, lossless)
        n[0] = n[0].real  # incidence medium must be real for a defined R
        res = coherent(pol, n, d, np.radians(angle_deg), w)
        R[i], T[i] = res["R"], res["T"]
    return {"R": R, "T": T, "A": 1.0 - R - T}


def rta_at_kx(stack: Stack, freq, kx: float, pol: str = "s", lossless: bool = False) -> dict:
    """R, T, A at frequencies (1/um) for a fixed in-plane wavevector kx (1/um, Meep units).

    The angle in the incidence medium at each frequency is asin(kx / (n_below f));
    frequencies where that exceeds 1 (evanescent incidence) give NaN.
    """
    f = np.atleast_1d(np.asarray(freq, dtype=float))
    R, T = np.full(f.size, np.nan), np.full(f.size, np.nan)
    for i, fi in enumerate(f):
        n, d = _lists(stack, 1.0 / fi, lossless)
        n0 = n[0].real
        s = kx / (n0 * fi)
        if s >= 1.0:
            continue
        n[0] = n0
        res = coherent(pol, n, d, np.arcsin(s), 1.0 / fi)
        R[i], T[i] = res["R"], res["T"]
    return {"R": R, "T": T, "A": 1.0 - R - T}


def field_profile(stack: Stack, wavelength_um: float, z_um, angle_deg: float = 0.0, pol: str = "s") -> np.ndarray:
    """|E|^2 against z (um, 0 = bottom of the first layer) for unit incident power from below."""
    n, d = _lists(stack, wavelength_um)
    n[0] = n[0].real
    res = tmm.coh_tmm(pol, n, d, np.radians(angle_deg), wavelength_um)
    z = np.atleast_1d(np.asarray(z_um, dtype=float))
    out = np.empty(z.size)
    for i, zi in enumerate(z):
        # tmm measures distance from the start of the first finite layer
        layer, dist = tmm.find_in_structure_with_inf(d, max(zi, 0.0) if zi >= 0 else zi)
        if zi < 0:
            layer, dist = 0, zi
        if layer >= len(d) - 1 and dist > 0:
            layer = len(d) - 1
        pr = tmm.position_resolved(layer, dist, res)
        out[i] = abs(pr["Ex"]) ** 2 + abs(pr["Ey"]) ** 2 + abs(pr["Ez"]) ** 2
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
