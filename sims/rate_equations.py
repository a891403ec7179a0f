"""Steady-state carrier/photon rate equations of microcavity II pumped by the PeLED light.

Model (Coldren, Corzine & Mashanovitch, "Diode Lasers and Photonic Integrated Circuits",
2nd ed., ch. 2 and 5), carriers uniform over the crystal thickness t, photon density S in
the mode referred to the gain volume through the energy confinement factor Gamma:

    dN/dt = G - R(N) - v_g g(N) S
    dS/dt = Gamma v_g g(N) S - S / tau_p + Gamma beta k2 N^2

with v_g = c / n_g, tau_p = Q lambda / (2 pi c), R(N) = k1 N + k2 N^2 + k3 N^3 (the
radiative part k2 N^2 feeds the mode with the fraction beta, ASSUMED), and the logarithmic
gain g(N) = g0 ln(N / N_tr), with N_tr anchored so that g(N_th,measured) = g_th (the gain
that balances the loss of the chosen Q): the L-I curve then crosses threshold at the measured
density. In steady state, for N below N_th (where Gamma v_g g = 1 / tau_p):

    S(N) = Gamma beta k2 N^2 tau_p / (1 - Gamma v_g g(N) tau_p),   G(N) = R(N) + v_g g(N) S(N)

G(N) grows monotonically to infinity as N -> N_th, so each pump rate G has one N (bisection).
Output power per crystal area through the mirrors: P_out = S t / Gamma * h nu / tau_mirror.
The pump rate from the LED current: G(J) = r_abs P_exit(J) / (h nu_pump t).
"""

from __future__ import annotations

import numpy as np

from sims.led_efficiency import E_CHARGE, photon_energy_ev

C_CM_PER_S = 2.99792458e10  # speed of light, cm/s


def photon_lifetime_s(q: float, wavelength_nm: float) -> float:
    """tau_p = Q / omega = Q lambda / (2 pi c), s."""
    return q * wavelength_nm * 1e-7 / (2 * np.pi * C_CM_PER_S)


def steady_state(G_per_cm3_s, *, g0_per_cm: float, n_tr_per_cm3: float, gamma: float, group_index: float,
                 tau_p_s: float, coeffs: tuple, beta: float, n_iter: int = 200) -> dict:
    """Steady-state N and S for pump rates G (cm^-3 s^-1), by bisection on N in (0, N_th).

    Returns:
        dict with ``N_per_cm3``, ``S_per_cm3`` (photon density referred to the gain volume),
        ``n_th_per_cm3`` (where Gamma v_g g = 1 / tau_p).
    """
    G = np.atleast_1d(np.asarray(G_per_cm3_s, float))
    vg = C_CM_PER_S / group_index
    k1, k2, k3 = coeffs
    n_th = n_tr_per_cm3 * np.exp(1.0 / (gamma * vg * tau_p_s * g0_per_cm))

    def g_of(N):
        return g0_per_cm * np.log(np.maximum(N, 1e-300) / n_tr_per_cm3)

    def s_of(N):
        return gamma * beta * k2 * N ** 2 * tau_p_s / np.maximum(1.0 - gamma * vg * g_of(N) * tau_p_s, 1e-300)

    def G_of(N):
        return k1 * N + k2 * N ** 2 + k3 * N ** 3 + vg * g_of(N) * s_of(N)

    lo = np.full(G.size, 1e-12 * n_th)
    hi = np.full(G.size, n_th)
    for _ in range(n_iter):  # bisection in log N
        mid = np.sqrt(lo * hi)
        below = G_of(mid) < G
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    N = np.sqrt(lo * hi)
    return {"N_per_cm3": N, "S_per_cm3": s_of(N), "n_th_per_cm3": float(n_th)}


def output_power_w_per_cm2(S_per_cm3, thickness_nm: float, gamma: float, wavelength_nm: float,
                           tau_mirror_s: float) -> np.ndarray:
    """P_out = S t / Gamma * h nu / tau_mirror (W per cm^2 of crystal)."""
    hv_j = photon_energy_ev(wavelength_nm) * E_CHARGE
    return np.asarray(S_per_cm3) * thickness_nm * 1e-7 / gamma * hv_j / tau_mirror_s
