"""Laser output of microcavity II: rate equations, L-G, linewidth across threshold, local net
gain of a pump map (issue 20, items 1-2).

Rate equations: those of ``sims.rate_equations`` (carriers N uniform over the crystal, photon
density S referred to the gain volume), units cm, s:

    dN/dt = G - R(N) - v_g g(N) S
    dS/dt = Gamma v_g g(N) S - S / tau_p + Gamma beta k2 N^2

with tau_p = Q lambda / (2 pi c) (``photon_lifetime_s``; Q the cold-cavity Q WITHOUT the
crystal's band-tail absorption, as ``threshold.q_choice``), R(N) = k1 N + k2 N^2 + k3 N^3, and
the three-parameter log gain g(N) = g0 ln((N + N_s) / (N_tr + N_s)) (Coldren et al.,
ch. 4): N_s = 0 is the workflow's g0 ln(N / N_tr) (then ``steady_state`` agrees with
``sims.rate_equations.steady_state``); N_s > 0 (ASSUMED) bounds the unpumped absorption at
g(0) = -g0 ln(1 + N_tr / N_s).

Linewidth (FWHM, Hz). In steady state the net modal loss rate of the mode is
gamma_net = 1/tau_p - Gamma v_g g = R_sp / S, R_sp = Gamma beta k2 N^2. Below threshold the
mode is filtered, amplified spontaneous emission: a Lorentzian of FWHM gamma_net / (2 pi): at
transparency (g = 0) the cold-cavity value nu / Q, i.e. lambda / Q; far below threshold lambda /
Q_cold with the unpumped absorption -g(0) added to the loss (= lambda / Q when N_tr = 0).
Above threshold the amplitude is clamped: Schawlow-Townes-Henry R_sp / (4 pi S) (1 + alpha_H^2),
alpha_H ASSUMED. Across threshold (ASSUMED interpolation, exact in both limits):
dnu = R_sp / (2 pi S) [(1 - x) + x (1 + alpha_H^2) / 2] with
x = v_g g S / (v_g g S + R(N)) clipped to [0, 1], the stimulated share of the carrier
recombination (the degree to which the carriers clamp the amplitude). Technical noise, thermal
chirp and the spectrometer resolution are not modelled: the quantum-limited linewidth above
threshold is far below the measured ~0.44 nm.

The modulation response of the whole chain is in ``sims.laser_modulation``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sims.rate_equations import C_CM_PER_S, output_power_w_per_cm2, photon_lifetime_s
from sims.threshold import recombination_rate_per_cm3_s


@dataclass(frozen=True)
class CrystalLaser:
    """Microcavity II for the rate equations (cm, s). coeffs = (k1 1/s, k2 cm^3/s, k3 cm^6/s)."""

    wavelength_nm: float
    q: float                 # cold-cavity Q without the crystal's absorption (tau_p)
    q_mirror: float          # mirror-only Q (output coupling: tau_mirror)
    gamma: float             # energy confinement factor in the crystal
    group_index: float
    thickness_nm: float
    coeffs: tuple
    beta: float              # spontaneous-emission factor (ASSUMED)
    g0_per_cm: float         # log-gain coefficient (ASSUMED)
    n_tr_per_cm3: float      # transparency density
    n_s_per_cm3: float = 0.0  # log-gain offset (ASSUMED; 0 = the workflow's g0 ln(N/N_tr))
    alpha_h: float = 3.0     # linewidth enhancement factor (ASSUMED)

    @property
    def tau_p_s(self) -> float:
        return photon_lifetime_s(self.q, self.wavelength_nm)

    @property
    def vg_cm_per_s(self) -> float:
        return C_CM_PER_S / self.group_index

    def gain_per_cm(self, n):
        n = np.maximum(np.asarray(n, float), 1e-300)
        return self.g0_per_cm * np.log((n + self.n_s_per_cm3) / (self.n_tr_per_cm3 + self.n_s_per_cm3))

    def dgain_dn(self, n):
        return self.g0_per_cm / (np.asarray(n, float) + self.n_s_per_cm3)

    def n_th_per_cm3(self) -> float:
        """Gamma v_g g(N_th) tau_p = 1."""
        g_th = 1.0 / (self.gamma * self.vg_cm_per_s * self.tau_p_s)
        return (self.n_tr_per_cm3 + self.n_s_per_cm3) * math.exp(g_th / self.g0_per_cm) - self.n_s_per_cm3

    def r_sp(self, n):
        """Spontaneous emission into the mode, Gamma beta k2 N^2 (cm^-3 s^-1)."""
        return self.gamma * self.beta * self.coeffs[1] * np.asarray(n, float) ** 2

    def rates(self, n, s, g_pump):
        """(dN/dt, dS/dt) of the rate equations."""
        g = self.gain_per_cm(n)
        dn = g_pump - recombination_rate_per_cm3_s(n, self.coeffs) - self.vg_cm_per_s * g * s
        ds = self.gamma * self.vg_cm_per_s * g * s - s / self.tau_p_s + self.r_sp(n)
        return dn, ds


def steady_state(laser: CrystalLaser, g_pump, n_iter: int = 200) -> dict:
    """Steady N, S (cm^-3) for pump rates G (cm^-3 s^-1): bisection in log N on (0, N_th), where
    S(N) = R_sp / (1/tau_p - Gamma v_g g) and G(N) = R(N) + v_g g S rise monotonically."""
    G = np.atleast_1d(np.asarray(g_pump, float))
    n_th = laser.n_th_per_cm3()

    def s_of(n):
        return laser.r_sp(n) / np.maximum(1 / laser.tau_p_s - laser.gamma * laser.vg_cm_per_s * laser.gain_per_cm(n),
                                          1e-300)

    lo, hi = np.full(G.size, 1e-12 * n_th), np.full(G.size, n_th)
    for _ in range(n_iter):
        mid = np.sqrt(lo * hi)
        below = recombination_rate_per_cm3_s(mid, laser.coeffs) + laser.vg_cm_per_s * laser.gain_per_cm(mid) * s_of(mid) < G
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    n = np.sqrt(lo * hi)
    return {"N_per_cm3": n, "S_per_cm3": s_of(n), "n_th_per_cm3": n_th}


def cold_cavity_linewidth_nm(wavelength_nm: float, q: float) -> float:
    """lambda / Q (FWHM, nm)."""
    return wavelength_nm / q


def linewidth_hz(laser: CrystalLaser, n, s) -> np.ndarray:
    """FWHM (Hz) across threshold (module docstring: formula and assumptions)."""
    rsp = laser.r_sp(n)
    stim = laser.vg_cm_per_s * laser.gain_per_cm(n) * np.asarray(s, float)
    x = np.clip(stim / (stim + recombination_rate_per_cm3_s(n, laser.coeffs)), 0.0, 1.0)
    return rsp / (2 * np.pi * np.asarray(s, float)) * ((1 - x) + x * (1 + laser.alpha_h ** 2) / 2)


def linewidth_nm(laser: CrystalLaser, n, s) -> np.ndarray:
    """FWHM in wavelength, dlambda = lambda^2 dnu / c."""
    lam_cm = laser.wavelength_nm * 1e-7
    return linewidth_hz(laser, n, s) * lam_cm ** 2 / C_CM_PER_S * 1e7


def light_output(laser: CrystalLaser, g_pump) -> dict:
    """Steady state, output power per crystal area (W/cm^2, through the mirrors, tau_mirror from
    q_mirror) and linewidth (nm, Hz) for pump rates G."""
    ss = steady_state(laser, g_pump)
    tau_m = photon_lifetime_s(laser.q_mirror, laser.wavelength_nm)
    ss["output_w_per_cm2"] = output_power_w_per_cm2(ss["S_per_cm3"], laser.thickness_nm, laser.gamma,
                                                    laser.wavelength_nm, tau_m)
    ss["linewidth_hz"] = linewidth_hz(laser, ss["N_per_cm3"], ss["S_per_cm3"])
    ss["linewidth_nm"] = linewidth_nm(laser, ss["N_per_cm3"], ss["S_per_cm3"])
    return ss


def laser_from_threshold_config(cfg: dict, mode: dict, *, alpha_h: float, n_s_per_cm3: float = 0.0) -> CrystalLaser:
    """CrystalLaser from ``config['threshold']`` and the mode scalars of microcavity II, as the
    workflow's L-J curves: Q = threshold.q_choice, N_tr anchored so that g(N_th, measured) = g_th."""
    from sims.threshold import assumed, carrier_threshold, measured, q_for, recombination_coefficients

    ct = carrier_threshold(cfg, mode)
    g0, n_meas = assumed(cfg, "g0_per_cm"), ct["n_th_measured_per_cm3"]
    n_tr = (n_meas + n_s_per_cm3) * math.exp(-ct["g_material_th_per_cm"] / g0) - n_s_per_cm3
    coeffs = recombination_coefficients(n_meas, measured(cfg, "lifetime_ns"), assumed(cfg, "k2_cm3_per_s"),
                                        assumed(cfg, "k3_cm6_per_s"))
    return CrystalLaser(float(mode["lasing_wavelength_nm"]), q_for(mode, cfg["q_choice"]), float(mode["Q_mirror"]),
                        float(mode["confinement_energy"]), float(mode["group_index"]),
                        float(mode["gain_layer_thickness_nm"]), coeffs, assumed(cfg, "beta_spontaneous"), g0, n_tr,
                        n_s_per_cm3, alpha_h)


def threshold_pump_per_cm3_s(laser: CrystalLaser) -> float:
    """G at N_th without stimulated emission, R(N_th) (the L-G knee)."""
    return float(recombination_rate_per_cm3_s(laser.n_th_per_cm3(), laser.coeffs))


def net_gain_rate_per_s(laser: CrystalLaser, g_pump) -> np.ndarray:
    """Local net modal gain rate Gamma v_g g(N) - 1/tau_p (1/s) of a pump map G (cm^-3 s^-1),
    N from the unsaturated balance R(N) = G (no stimulated emission: the map before lasing,
    i.e. at threshold; above it the gain clamps inside the region). > 0: local gain exceeds loss."""
    from scipy.optimize import brentq

    G = np.asarray(g_pump, float)
    n = np.array([brentq(lambda x: float(recombination_rate_per_cm3_s(x, laser.coeffs)) - gi, 0.0, 1e21, xtol=1e6)
                  if gi > 0 else 0.0 for gi in G.ravel()]).reshape(G.shape)
    return laser.gamma * laser.vg_cm_per_s * laser.gain_per_cm(n) - 1.0 / laser.tau_p_s


def pump_for_linewidth(laser: CrystalLaser, linewidth_target_nm: float) -> float:
    """Pump rate G (cm^-3 s^-1) where the steady-state linewidth equals the target (bisection in
    log G between 1e-6 and 1e3 G_th; NaN outside). Compares the measured 1.03 / 0.44 nm with the model."""
    gth = threshold_pump_per_cm3_s(laser)
    lo, hi = math.log(1e-6 * gth), math.log(1e3 * gth)
    f = lambda lg: float(light_output(laser, math.exp(lg))["linewidth_nm"][0]) - linewidth_target_nm
    if f(lo) < 0 or f(hi) > 0:
        return math.nan
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    return math.exp(0.5 * (lo + hi))
