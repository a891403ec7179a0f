"""Transfer-matrix reference for planar stacks, through the PyPI package ``tmm``.

The independent check of every 1D Meep result: coherent R, T, A of a :class:`Stack` at
given vacuum wavelengths, angles (in the incidence medium ``below``) and polarization
(s or p), with absorbing layers. Also usable at a fixed in-plane wavevector, as 1D Meep
runs are (sin(theta) = kx / (n_below * f), Meep units, f = 1/wavelength_um).

Reference: S. J. Byrnes, "Multilayer optical calculations", arXiv:1603.02720 (tmm).
"""

from __future__ import annotations

import numpy as np
import tmm

from sims.stack import Stack


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
        res = tmm.coh_tmm(pol, n, d, np.radians(angle_deg), w)
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
        res = tmm.coh_tmm(pol, n, d, np.arcsin(s), 1.0 / fi)
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
