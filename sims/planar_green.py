"""Planar Green's function of a layered stack: the powers of a current sheet by transfer matrix.

Method (plane-wave expansion, Sipe's form of the planar Green's function): a current sheet
J exp(i 2 pi kx x) delta(z - z0) in a stack of homogeneous layers is a 1D problem at fixed
in-plane wavevector kx. Above and below the source, the stack acts on an outgoing wave through
its reflection Gamma and transmission tau seen from the source plane, found by the stable Airy
recursion of :func:`half_stack_reflection_transmission` (every phase factor |exp(i kz d)| <= 1,
so evanescent waves and thick absorbing layers do not overflow). The field jump across the
sheet fixes the up- and down-going amplitudes; the z-component of the Poynting vector on each
side of the sheet and in each exit medium gives the powers.
Refs: J. E. Sipe, JOSA B 4, 481 (1987); W. Lukosz, JOSA 71, 744 (1981); K. A. Neyts,
JOSA A 15, 962 (1998).

Conventions: Meep units (eps0 = mu0 = c = 1, lengths in um, time dependence exp(-i omega t)),
k0 = omega = 2 pi f with f = 1/wavelength_um; kx in the recursion in rad/um, in
:func:`tmm_sheet_powers` in cycles/um (as Meep's k_point). Polarizations: "s" (TE: psi = Ey,
phi = Hx) and "p" (TM: psi = Hy, phi = Ex). Assumed: laterally infinite, flat layers;
semi-infinite exit media; Im kz >= 0 (decaying or outgoing).
"""

from __future__ import annotations

import math

import numpy as np

TWO_PI = 2.0 * math.pi


def normal_wavevector(eps, k0, kx):
    """kz = sqrt(eps k0^2 - kx^2) on the branch Im kz >= 0 (rad/um; kx in rad/um)."""
    kz = np.sqrt(eps * k0**2 - kx**2 + 0j)
    return np.where(kz.imag < 0, -kz, kz)


def wave_admittance(pol: str, kz, eps, omega):
    """phi / psi ratio of an up-going wave: TE (psi=Ey, phi=Hx): -kz/w; TM (psi=Hy, phi=Ex): kz/(w eps)."""
    return -kz / omega if pol == "s" else kz / (omega * eps)


def half_stack_reflection_transmission(eps_list, d_list, eps_exit, k0, kx, pol):
    """Reflection Gamma and transmission tau of a half stack seen from a source plane.

    Args:
        eps_list, d_list: permittivities and thicknesses (um) of the layers between the source
            plane and the exit medium, nearest first (the first is the slice of the source layer
            between the source plane and its interface).
        eps_exit: permittivity of the semi-infinite exit medium.
        k0: vacuum wavenumber (rad/um); kx: in-plane wavevector(s) (rad/um, scalar or array).
        pol: "s" (TE) or "p" (TM).
    Returns:
        (Gamma, tau) at the source plane: the reflected amplitude and the exit-medium amplitude
        per unit outgoing amplitude. Stable Airy recursion (|exp(i kz d)| <= 1) from the exit
        medium down to the source plane.
    """
    omega = k0
    eps_all = list(eps_list) + [eps_exit]
    d_all = list(d_list) + [0.0]
    gam = 0.0 + 0j
    tau = 1.0 + 0j
    # from the exit medium down to the first layer
    for j in range(len(eps_all) - 1, 0, -1):
        i = j - 1
        kzj, kzi = normal_wavevector(eps_all[j], k0, kx), normal_wavevector(eps_all[i], k0, kx)
        gj, gi = wave_admittance(pol, kzj, eps_all[j], omega), wave_admittance(pol, kzi, eps_all[i], omega)
        r = (gi - gj) / (gi + gj)
        t = 2 * gi / (gi + gj)
        ph = np.exp(1j * kzj * d_all[j])
        gp = gam * ph * ph
        den = 1.0 + r * gp
        tau = t * ph * tau / den
        gam = (r + gp) / den
    # the source medium itself: the first layer (a slice of the source medium)
    kz0 = normal_wavevector(eps_all[0], k0, kx)
    ph = np.exp(1j * kz0 * d_all[0])
    return gam * ph * ph, tau * ph


def tmm_sheet_powers(eps_below: list, d_below: list, eps_above: list, d_above: list, eps_src: complex,
                     eps_bot_exit: complex, eps_top_exit: complex, f: float, kx: float, kind: str) -> dict:
    """Powers of a unit current sheet exp(i 2 pi kx x) delta(z - z0) in a planar stack.

    Args:
        eps_below, d_below: permittivities and thicknesses (um) of the layers below the source,
            nearest first (the first is the slice of the source layer).
        eps_above, d_above: the same above the source.
        eps_src: permittivity at the source (lossless).
        eps_bot_exit, eps_top_exit: semi-infinite media.
        f: frequency 1/um; kx: in-plane wavevector(s), cycles/um (scalar or array).
        kind: "p" (in-plane along k), "s" (in-plane across k), "v" (vertical).
    Returns:
        dict emitted, up (into the top medium), down (into the bottom medium), absorbed; the
        same units as Meep's flux of a unit sheet up to one constant common to all kinds.
    """
    k0 = TWO_PI * f
    kx = np.asarray(kx, dtype=float)
    kxa = TWO_PI * kx
    pol = "s" if kind == "s" else "p"
    G_up, tau_up = half_stack_reflection_transmission(eps_above, d_above, eps_top_exit, k0, kxa, pol)
    G_dn, tau_dn = half_stack_reflection_transmission(eps_below, d_below, eps_bot_exit, k0, kxa, pol)
    kz = normal_wavevector(eps_src, k0, kxa)
    g = wave_admittance(pol, kz, eps_src, k0)
    # jump (psi+ - psi-, phi+ - phi-); below the source z -> -z flips the sign of phi
    if kind == "s":
        dpsi, dphi = 0.0, 1.0
    elif kind == "p":
        dpsi, dphi = -1.0, 0.0
    else:
        dpsi, dphi = 0.0, kx / (f * eps_src)
    # A_up (up-going above), A_dn (down-going below), both at z0:
    # psi: A_up (1 + G_up) - A_dn (1 + G_dn) = dpsi ; phi: g A_up (1 - G_up) + g A_dn (1 - G_dn) = dphi
    a11, a12 = 1 + G_up, -(1 + G_dn)
    a21, a22 = g * (1 - G_up), g * (1 - G_dn)
    det = a11 * a22 - a12 * a21
    A_up = (dpsi * a22 - a12 * dphi) / det
    A_dn = (a11 * dphi - a21 * dpsi) / det
    sigma = -1.0 if pol == "s" else 1.0

    def sz(psi, phi):
        return 0.5 * sigma * np.real(phi * np.conj(psi))

    s_plus = sz(A_up * (1 + G_up), g * A_up * (1 - G_up))
    s_minus = sz(A_dn * (1 + G_dn), -g * A_dn * (1 - G_dn))
    emitted = s_plus - s_minus

    def exit_power(amp, eps_exit):
        kz_e = normal_wavevector(eps_exit, k0, kxa)
        return 0.5 * np.abs(amp) ** 2 * np.real(sigma * wave_admittance(pol, kz_e, eps_exit, k0))

    up = exit_power(tau_up * A_up, eps_top_exit)
    down = exit_power(tau_dn * A_dn, eps_bot_exit)
    return {"emitted": emitted, "up": up, "down": down, "absorbed": emitted - up - down}


def layers_around_source(stack, z_src_um: float, wavelength_um: float, eps_src_override=None):
    """Permittivity/thickness lists below and above a source plane of a :class:`sims.stack.Stack`
    (nearest first), as :func:`tmm_sheet_powers` takes them: (eps_below, d_below, eps_above,
    d_above, eps_src, eps_bottom_exit, eps_top_exit) at ``wavelength_um``."""
    from sims.materials import refractive_index

    z = stack.interfaces_um
    eps = [complex(refractive_index(l.material, wavelength_um)) ** 2 for l in stack.layers]
    d = [l.thickness_um for l in stack.layers]
    i = int(np.searchsorted(z, z_src_um, side="right") - 1)
    i = min(max(i, 0), len(d) - 1)
    eps_src = eps[i] if eps_src_override is None else eps_src_override
    above_e = [eps_src] + eps[i + 1:]
    above_d = [z[i + 1] - z_src_um] + d[i + 1:]
    below_e = [eps_src] + eps[:i][::-1]
    below_d = [z_src_um - z[i]] + d[:i][::-1]
    eb = complex(refractive_index(stack.below, wavelength_um)) ** 2
    ea = complex(refractive_index(stack.above, wavelength_um)) ** 2
    return below_e, below_d, above_e, above_d, eps_src, eb, ea


def tmm_sweep(stack, positions_um, kx, freqs) -> dict:
    """Sheet powers on a (position, kx, f) grid by transfer matrix, for kinds p, s, v.

    Args: stack (:class:`sims.stack.Stack`), source planes (um, stack coordinates), kx
    (cycles/um), frequencies (1/um). Returns dict kind -> dict channel -> array (n_pos, n_kx,
    n_f); channels emitted, up, down, absorbed (see :func:`tmm_sheet_powers`).
    """
    out = {}
    for kind in ("p", "s", "v"):
        arr = {c: np.zeros((len(positions_um), len(kx), len(freqs))) for c in ("emitted", "up", "down", "absorbed")}
        for ip, zs in enumerate(positions_um):
            for jf, f in enumerate(freqs):
                parts = layers_around_source(stack, zs, 1.0 / f)
                r = tmm_sheet_powers(*parts, f=f, kx=np.asarray(kx, dtype=float), kind=kind)
                for c in arr:
                    arr[c][ip, :, jf] = r[c]
        out[kind] = arr
    return out
