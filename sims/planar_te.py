"""TE (s) waves in a planar stack: a current sheet inside it and a plane wave lit from below.

Planar problem at one frequency (um, Meep frequency f = 1/lambda, in-plane wavevector k_x in
cycles/um, no 2 pi; time convention exp(-i omega t); Meep units eps0 = mu0 = c = 1). A layer j
holds E_z = u e^{i k_z y'} + v e^{i k_z (t - y')}, y' from its bottom; the amplitudes follow
from the Airy recursion of the reflection ratios from each exit medium
(:func:`te_reflection_ratios`), in which every exponential has modulus <= 1 (stable for
evanescent waves and thick metal). Absorbed power per layer from Im(eps) |E|^2 integrated
analytically over the layer (:func:`layer_e2_integral`).

References: W. C. Chew, "Waves and Fields in Inhomogeneous Media" ch. 2 (layered-medium line
source); S. J. Byrnes, arXiv:1603.02720 (tmm, the independent check :func:`plane_wave_rta_s`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class Planar:
    """A planar structure at one frequency: complex n of below, layers, above; thicknesses (um);
    group name per layer."""

    n_below: complex
    n: tuple
    t: tuple
    n_above: complex
    groups: tuple

    def group_index(self, group: str) -> list[int]:
        return [i for i, g in enumerate(self.groups) if g == group]

    def interfaces(self) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(self.t)])


def planar_from_stack(stack, n_row) -> Planar:
    """Planar from a sims.stack.Stack and one row of complex indices [below, layers..., above]."""
    n_row = [complex(v) for v in n_row]
    return Planar(n_row[0], tuple(n_row[1:-1]), tuple(l.thickness_um for l in stack.layers), n_row[-1],
                  tuple(l.group for l in stack.layers))


def split_layer(p: Planar, i: int, offset_um: float) -> tuple[Planar, int]:
    """Split layer i at offset_um from its bottom; returns (new planar, index of the upper part)."""
    t = list(p.t)
    if not 0 < offset_um < t[i]:
        raise ValueError(f"source offset {offset_um} um outside layer {i} (0..{t[i]})")
    n = list(p.n)
    g = list(p.groups)
    t[i:i + 1] = [offset_um, t[i] - offset_um]
    n[i:i + 1] = [n[i], n[i]]
    g[i:i + 1] = [g[i], g[i]]
    return Planar(p.n_below, tuple(n), tuple(t), p.n_above, tuple(g)), i + 1



def reversed_planar(p: Planar) -> Planar:
    """The same structure seen from above (layers, groups and media in reverse order)."""
    return Planar(p.n_above, tuple(p.n[::-1]), tuple(p.t[::-1]), p.n_below, tuple(p.groups[::-1]))


# ---------------------------------------------------------------------------------------
# the planar-layer recursion (TE)
# ---------------------------------------------------------------------------------------
def normal_wavevector(n, k0, kx_rad):
    """k_z = sqrt(n^2 k0^2 - k_x^2) (rad/um) on the branch of decaying or outgoing waves
    (Im k_z > 0, or Im k_z = 0 and Re k_z >= 0); kx_rad in rad/um."""
    kz = np.sqrt((complex(n) ** 2) * k0 ** 2 - kx_rad ** 2 + 0j)
    return np.where(kz.imag < 0, -kz, np.where((kz.imag == 0) & (kz.real < 0), -kz, kz))


def fresnel_r_te(ka, kb):
    """TE Fresnel amplitude reflection from a medium of normal wavevector ka into kb."""
    return (ka - kb) / (ka + kb)


def te_reflection_ratios(kz: list, kz_exit, ph: list, j_min: int) -> tuple[list, list]:
    """Airy recursion of TE waves from the exit medium beyond the last layer back to layer j_min.

    The one planar-layer recursion of the full-wave check (the source's upper half as given,
    its lower half on the reversed lists). Layer len(kz) - 1 touches the exit medium.

    Args:
        kz: normal wavevector per layer (arrays over k_x, rad/um); kz_exit: that of the exit medium.
        ph: exp(i kz t) per layer; j_min: the last layer (nearest the source) to fill in.
    Returns:
        (g_far, g_near): ratio of the wave travelling back from the exit side to the wave
        travelling towards it, at the face of layer j towards the exit (g_far[j]) and at its
        other face (g_near[j] = g_far[j] ph[j]^2), for j >= j_min (None below).
    """
    nl = len(kz)
    g_far, g_near = [None] * nl, [None] * nl
    for j in range(nl - 1, j_min - 1, -1):
        if j == nl - 1:
            g_far[j] = fresnel_r_te(kz[j], kz_exit)
        else:
            rr = fresnel_r_te(kz[j], kz[j + 1])
            g_far[j] = (rr + g_near[j + 1]) / (1 + rr * g_near[j + 1])
        g_near[j] = g_far[j] * ph[j] ** 2
    return g_far, g_near


def layer_e2_integral(u, v, kz, t):
    """int_0^t |u e^{i kz y} + v e^{i kz (t - y)}|^2 dy (analytic; small exponents by their
    first-order series)."""
    a, b = kz.real, kz.imag

    def int_exp(c):  # int_0^t e^{c y} dy, c complex array
        small = np.abs(c * t) < 1e-8
        cs = np.where(small, 1.0, c)
        return np.where(small, t * (1 + c * t / 2), np.expm1(cs * t) / cs)

    i_uu = int_exp(-2 * b + 0j)
    # |v e^{i kz (t-y)}|^2 = |v|^2 e^{-2 b (t - y)}: same integral
    cross = np.exp(-1j * np.conj(kz) * t) * int_exp(2j * a + 0j)   # int e^{i kz y} conj(e^{i kz (t-y)})
    return np.abs(u) ** 2 * i_uu + np.abs(v) ** 2 * i_uu + 2 * np.real(u * np.conj(v) * cross)


# ---------------------------------------------------------------------------------------
# a current sheet inside the stack; a plane wave from below
# ---------------------------------------------------------------------------------------
def te_line_source(p: Planar, i_src: int, f: float, kx, sample_layers: dict | None = None) -> dict:
    """TE (E_z) current sheet J_z = exp(i 2 pi kx x) delta(y - y_src) at the bottom of layer i_src.

    Layers i_src - 1 and i_src must have the same index (use :func:`split_layer`). Time
    convention exp(-i omega t), Meep units (eps0 = mu0 = c = 1). Stable Airy recursion: every
    exponential has modulus <= 1.

    Args:
        p: the structure; i_src: index of the layer whose bottom holds the sheet.
        f: frequency 1/um; kx: array of in-plane wavevectors, cycles/um.
        sample_layers: layer index -> array of local heights (um, from the layer bottom) where
            E_z is returned.
    Returns:
        dict: emitted, up (into the medium above), down, absorbed (n_layers, n_kx) (powers
        per unit area per unit sheet amplitude), E (layer -> (n_y, n_kx) complex).
    """
    kx = np.atleast_1d(np.asarray(kx, float))
    k0 = TWO_PI * f
    om = k0
    kxa = TWO_PI * kx
    nl = len(p.n)
    kz = [normal_wavevector(n, k0, kxa) for n in p.n]
    kzb, kza = normal_wavevector(p.n_below, k0, kxa), normal_wavevector(p.n_above, k0, kxa)
    if abs(p.n[i_src] - p.n[i_src - 1]) > 1e-12:
        raise ValueError("the source must sit inside one medium (split the layer)")
    ph = [np.exp(1j * kz[j] * p.t[j]) for j in range(nl)]

    r = fresnel_r_te
    # upper half: Gamma_top[j] = down/up amplitude ratio at the top of layer j
    g_top, g_bot = te_reflection_ratios(kz, kza, ph, i_src)
    # lower half, the same recursion seen from below (lists reversed): Lambda_bot[j] = up/down
    # ratio at the bottom of layer j, Lambda_top at its top, for j < i_src
    l_bot, l_top = (g[::-1] for g in te_reflection_ratios(kz[::-1], kzb, ph[::-1], nl - i_src))
    gu, gd = g_bot[i_src], l_top[i_src - 1]
    k_s = kz[i_src]
    den = 1 - gu * gd
    A = -om * (1 + gd) / (2 * k_s * den)     # up-going amplitude at the source
    B = -om * (1 + gu) / (2 * k_s * den)     # down-going amplitude at the source
    E0 = A * (1 + gu)
    emitted = -0.5 * np.real(E0)
    # amplitudes: layer j has E = u e^{i kz y'} + v e^{i kz (t - y')}, y' from its bottom
    u = [None] * nl
    v = [None] * nl
    u[i_src] = A
    for j in range(i_src, nl):
        if j > i_src:
            rr = r(kz[j - 1], kz[j])
            tt = 1 + rr
            u[j] = tt * u[j - 1] * ph[j - 1] / (1 + rr * g_bot[j])
        v[j] = g_top[j] * u[j] * ph[j]
    u_above = (1 + r(kz[nl - 1], kza)) * u[nl - 1] * ph[nl - 1]
    # below: layer j has E = v e^{i kz (t - y')} (down-going, referenced at the top) + u e^{i kz y'}
    v[i_src - 1] = B
    for j in range(i_src - 1, -1, -1):
        if j < i_src - 1:
            rr = r(kz[j + 1], kz[j])
            v[j] = (1 + rr) * v[j + 1] * ph[j + 1] / (1 + rr * l_top[j])
        u[j] = l_bot[j] * v[j] * ph[j]
    v_below = (1 + r(kz[0], kzb)) * v[0] * ph[0]

    def exit_power(amp, kze):
        return 0.5 * np.abs(amp) ** 2 * np.real(kze) / om  # |E|^2 Re(kz) / (2 omega)

    absorbed = np.zeros((nl, kx.size))
    for j in range(nl):
        eps_im = (complex(p.n[j]) ** 2).imag
        if eps_im != 0.0:
            absorbed[j] = 0.5 * om * eps_im * np.real(layer_e2_integral(u[j], v[j], kz[j], p.t[j]))
    out = {"emitted": emitted, "up": exit_power(u_above, kza), "down": exit_power(v_below, kzb),
           "absorbed": absorbed, "E": {}}
    for j, ys in (sample_layers or {}).items():
        ys = np.asarray(ys, float)[:, None]
        out["E"][j] = u[j][None, :] * np.exp(1j * kz[j][None, :] * ys) \
            + v[j][None, :] * np.exp(1j * kz[j][None, :] * (p.t[j] - ys))
    return out


def te_plane_wave(p: Planar, f: float, theta_deg, group: str) -> dict:
    """s-polarized plane wave of unit power from the medium below at angles theta (deg, in that
    medium): R, T and the share absorbed in a layer group; vectorised over angles, same
    recursion as :func:`te_line_source` (checked against ``tmm`` by :func:`plane_wave_rta_s`)."""
    th = np.radians(np.atleast_1d(np.asarray(theta_deg, float)))
    n0 = float(np.real(p.n_below))
    kx = n0 * f * np.sin(th)
    k0 = TWO_PI * f
    kxa = TWO_PI * kx
    nl = len(p.n)
    kz = [normal_wavevector(n, k0, kxa) for n in p.n]
    kzb, kza = normal_wavevector(p.n_below, k0, kxa), normal_wavevector(p.n_above, k0, kxa)
    ph = [np.exp(1j * kz[j] * p.t[j]) for j in range(nl)]

    r = fresnel_r_te
    g_top, g_bot = te_reflection_ratios(kz, kza, ph, 0)
    rb = r(kzb, kz[0])
    refl = (rb + g_bot[0]) / (1 + rb * g_bot[0])
    u = [None] * nl
    v = [None] * nl
    u[0] = (1 + rb) / (1 + rb * g_bot[0])
    for j in range(nl):
        if j > 0:
            rr = r(kz[j - 1], kz[j])
            u[j] = (1 + rr) * u[j - 1] * ph[j - 1] / (1 + rr * g_bot[j])
        v[j] = g_top[j] * u[j] * ph[j]
    u_above = (1 + r(kz[nl - 1], kza)) * u[nl - 1] * ph[nl - 1]
    p_in = np.real(kzb)                        # incident power ~ |1|^2 Re(kz_below) (common factor dropped)
    A = np.zeros(th.size)
    for j in p.group_index(group):
        eps_im = (complex(p.n[j]) ** 2).imag
        A += k0 ** 2 * eps_im * np.real(layer_e2_integral(u[j], v[j], kz[j], p.t[j])) / p_in
    return {"R": np.abs(refl) ** 2, "T": np.abs(u_above) ** 2 * np.real(kza) / p_in, "A": A}


def plane_wave_rta_s(p: Planar, f: float, theta_deg, group: str) -> dict:
    """s-polarized plane wave from the medium below at angles theta (deg): R, T and the share
    absorbed in a layer group, by the ``tmm`` package (independent code, :func:`tmm_rta_s`)."""
    n = np.array([p.n_below, *p.n, p.n_above], dtype=complex)
    n[0] = n[0].real
    d = [np.inf, *p.t, np.inf]
    idx = [i + 1 for i in p.group_index(group)]
    return tmm_rta_s(n, d, theta_deg, 1.0 / f, idx)


def tmm_rta_s(n, d_um, theta_deg, wavelength_um: float, absorbing_layers: list) -> dict:
    """R, T and the absorbed share summed over ``absorbing_layers`` (indices into n, the media
    included) of an s plane wave, by ``tmm.coh_tmm`` per angle (capped at 89.999 deg).

    Through sims.transfer_matrix.coherent, the one owner of the tmm calls."""
    from sims.transfer_matrix import coherent

    th = np.atleast_1d(np.asarray(theta_deg, float))
    R, T, A = (np.empty(th.size) for _ in range(3))
    for i, a in enumerate(th):
        res = coherent("s", n, d_um, np.radians(min(a, 89.999)), wavelength_um, per_layer=True)
        per = res["absorbed"]
        R[i], T[i] = res["R"], res["T"]
        A[i] = float(np.sum([per[j] for j in absorbing_layers])) if absorbing_layers else 0.0
    return {"R": R, "T": T, "A": A}
