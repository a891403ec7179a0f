"""Laser output of microcavity II in time and frequency: L-G, linewidth across threshold and the
modulation response of the whole chain LED RC -> LED emission -> crystal (issue 20, items 2-3).

Rate equations: those of ``sims.rate_equations`` (carriers N uniform over the crystal, photon
density S referred to the gain volume), units cm, s:

    dN/dt = G - R(N) - v_g g(N) S
    dS/dt = Gamma v_g g(N) S - S / tau_p + Gamma beta k2 N^2

with tau_p = Q lambda / (2 pi c) (``photon_lifetime_s``; Q the cold-cavity Q WITHOUT the
crystal's band-tail absorption, as ``threshold.q_choice``), R(N) = k1 N + k2 N^2 + k3 N^3, and
the three-parameter log gain g(N) = g0 ln((N + N_s) / (N_tr + N_s)) (Coldren et al., eq. 4.?
family): N_s = 0 is the workflow's g0 ln(N / N_tr) (then ``steady_state`` agrees with
``sims.rate_equations.steady_state``); N_s > 0 (ASSUMED) bounds the unpumped absorption at
g(0) = -g0 ln(1 + N_tr / N_s).

Linewidth (FWHM, Hz). In steady state the net modal loss rate of the mode is
gamma_net = 1/tau_p - Gamma v_g g = R_sp / S, R_sp = Gamma beta k2 N^2. Below threshold the
mode is filtered, amplified spontaneous emission: a Lorentzian of FWHM gamma_net / (2 pi)
(far below threshold and at transparency g -> 0 the cold-cavity value nu / Q, i.e. lambda / Q
in wavelength). Above threshold the amplitude is clamped: Schawlow-Townes-Henry
R_sp / (4 pi S) (1 + alpha_H^2), alpha_H ASSUMED. Across threshold (ASSUMED interpolation,
exact in both limits): dnu = R_sp / (2 pi S) [(1 - x) + x (1 + alpha_H^2) / 2] with
x = v_g g S / (v_g g S + R(N)) clipped to [0, 1], the stimulated share of the carrier
recombination (the degree to which the carriers clamp the amplitude). Technical noise, thermal chirp and the spectrometer resolution are
not modelled (they set the measured ~0.44 nm above threshold, far above the quantum limit).

Modulation: each stage is linear about its operating point. LED RC: a first-order low-pass of the
drive current, tau_RC = R C (``sims.led_capacitance``; R ASSUMED). LED emission: first-order
low-pass with the LED's spontaneous lifetime under intense injection (~2 ns, paper); the LED's
static EQE(J) is folded into the operating point (the pump rate G is proportional to the LED's
light). Crystal: the linearised rate equations (exact 2x2 small-signal response dS/dG). The chain's
response is the product; its 3-dB bandwidth is where |H|^2 falls to half of |H(0)|^2 for good.
Large signal: the same stages as ODEs (scipy solve_ivp, BDF; the photon density is integrated
as ln S because it spans many decades and tau_p ~ 0.3 ps is stiff).
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


# ---------------------------------------------------------------------------------------
# small signal
# ---------------------------------------------------------------------------------------
def low_pass(f_hz, tau_s: float) -> np.ndarray:
    """First-order low-pass 1 / (1 + i 2 pi f tau)."""
    return 1.0 / (1.0 + 2j * np.pi * np.asarray(f_hz, float) * tau_s)


def crystal_response(laser: CrystalLaser, g_pump: float, f_hz) -> np.ndarray:
    """dS(f)/dG normalised to f = 0, from the rate equations linearised at the steady state."""
    ss = steady_state(laser, g_pump)
    n, s = float(ss["N_per_cm3"][0]), float(ss["S_per_cm3"][0])
    k1, k2, k3 = laser.coeffs
    vg, gam = laser.vg_cm_per_s, laser.gamma
    g, dg = float(laser.gain_per_cm(n)), float(laser.dgain_dn(n))
    a = np.array([[-(k1 + 2 * k2 * n + 3 * k3 * n * n) - vg * dg * s, -vg * g],
                  [gam * vg * dg * s + 2 * gam * laser.beta * k2 * n, gam * vg * g - 1 / laser.tau_p_s]])
    w = 2 * np.pi * np.atleast_1d(np.asarray(f_hz, float))
    # (i w - A)^-1 [1, 0]^T, S component: A10 / det
    det = (1j * w - a[0, 0]) * (1j * w - a[1, 1]) - a[0, 1] * a[1, 0]
    h = a[1, 0] / det
    h0 = a[1, 0] / (a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0])
    return h / h0


def chain_response(f_hz, tau_rc_s: float, tau_led_s: float, laser: CrystalLaser | None = None,
                   g_pump: float | None = None) -> np.ndarray:
    """H(f) = RC low-pass x LED low-pass x crystal (laser None: the LED alone), H(0) = 1."""
    h = low_pass(f_hz, tau_rc_s) * low_pass(f_hz, tau_led_s)
    return h * crystal_response(laser, g_pump, f_hz) if laser is not None else h


def bandwidth_3db_hz(f_hz, h, first_drop: bool = False) -> float:
    """3-dB bandwidth: the highest grid frequency region with |H|^2 >= |H(0)|^2 / 2 (the usual
    definition; a relaxation-oscillation peak can extend it), or with ``first_drop`` the first
    frequency where |H|^2 falls below half. Log interpolation at the crossing; NaN if |H| never
    falls to that level on the grid."""
    f, p = np.asarray(f_hz, float), np.abs(np.asarray(h)) ** 2 / abs(np.asarray(h)[0]) ** 2
    below = np.nonzero(p < 0.5)[0]
    if below.size == 0:
        return math.nan
    i = int(below[0] - 1) if first_drop else int(np.nonzero(p >= 0.5)[0][-1])
    if i == f.size - 1:
        return math.nan
    lf, lp = np.log(f[i:i + 2]), np.log(p[i:i + 2])
    return float(np.exp(lf[0] + (math.log(0.5) - lp[0]) * (lf[1] - lf[0]) / (lp[1] - lp[0])))


def stage_bandwidths_hz(f_hz, tau_rc_s: float, tau_led_s: float, laser: CrystalLaser, g_pump: float) -> dict:
    """3-dB bandwidth (Hz) of each stage alone and of the chain (``chain``: highest -3 dB point,
    ``chain_first_drop``: first one); ``limiting``: the stage with the lowest bandwidth."""
    out = {"rc": bandwidth_3db_hz(f_hz, low_pass(f_hz, tau_rc_s)),
           "led": bandwidth_3db_hz(f_hz, low_pass(f_hz, tau_led_s)),
           "crystal": bandwidth_3db_hz(f_hz, crystal_response(laser, g_pump, f_hz)),
           "chain": bandwidth_3db_hz(f_hz, chain_response(f_hz, tau_rc_s, tau_led_s, laser, g_pump)),
           "chain_first_drop": bandwidth_3db_hz(f_hz, chain_response(f_hz, tau_rc_s, tau_led_s, laser, g_pump), True)}
    stages = {k: v for k, v in out.items() if k in ("rc", "led", "crystal") and math.isfinite(v)}
    out["limiting"] = min(stages, key=stages.get) if stages else ""
    return out


# ---------------------------------------------------------------------------------------
# large signal
# ---------------------------------------------------------------------------------------
def pulse_response(laser: CrystalLaser, g_on: float, pulse_s: float, tau_rc_s: float, tau_led_s: float, *,
                   g_bias: float | None = None, t_end_s: float | None = None, n_out: int = 4001) -> dict:
    """Response to a rectangular drive pulse 0..pulse_s: drive u -> RC -> LED light p (pump G =
    g_bias + (g_on - g_bias) p) -> N, S. Starts in the steady state at g_bias (default 1e-6 g_on).
    Returns t_s and the normalised drive after the RC (``rc``), the LED light (``led``), N, S."""
    from scipy.integrate import solve_ivp

    gb = 1e-6 * g_on if g_bias is None else g_bias
    # default horizon: every stage has decayed (3 carrier lifetimes 1/k1 after the pulse)
    t_end = t_end_s or pulse_s + 10 * (tau_rc_s + tau_led_s) + 3.0 / laser.coeffs[0]
    ss0 = steady_state(laser, gb)
    y0 = [0.0, 0.0, float(np.log(ss0["N_per_cm3"][0])), float(np.log(ss0["S_per_cm3"][0]))]

    def rhs(t, y):
        u = 1.0 if t < pulse_s else 0.0
        n, s = math.exp(y[2]), math.exp(y[3])
        dn, ds = laser.rates(n, s, gb + (g_on - gb) * y[1])
        return [(u - y[0]) / tau_rc_s, (y[0] - y[1]) / tau_led_s, float(dn) / n, float(ds) / s]

    ts, ys, y = [], [], y0
    # two integrations split at the pulse's end (no solver step straddles the edge), sampled
    # linearly during the pulse and logarithmically after it (fast and slow decays both resolved)
    after = pulse_s + np.geomspace(1e-4 * pulse_s, t_end - pulse_s, n_out // 2)
    for a, b, te in ((0.0, pulse_s, np.linspace(0.0, pulse_s, n_out // 2)), (pulse_s, t_end, after)):
        sol = solve_ivp(rhs, (a, b), y, method="BDF", t_eval=te, rtol=1e-7, atol=1e-9, max_step=(b - a) / 200)
        if not sol.success:
            raise RuntimeError(f"pulse integration failed: {sol.message}")
        ts.append(sol.t)
        ys.append(sol.y)
        y = sol.y[:, -1]
    t, yy = np.concatenate(ts), np.concatenate(ys, axis=1)
    return {"t_s": t, "rc": yy[0], "led": yy[1], "N_per_cm3": np.exp(yy[2]), "S_per_cm3": np.exp(yy[3])}


def rise_fall_s(t_s, y, pulse_s: float) -> dict:
    """10-90 % rise time (levels of the value at the end of the pulse, above the start value) and
    90-10 % fall time after the pulse's end; NaN where a level is not crossed."""
    t, y = np.asarray(t_s, float), np.asarray(y, float)
    y0 = y[0]
    top = float(np.interp(pulse_s, t, y)) - y0

    def first_cross(mask_t, level, rising):
        idx = np.nonzero(mask_t & ((y - y0 >= level) if rising else (y - y0 <= level)))[0]
        if idx.size == 0:
            return math.nan
        i = idx[0]
        if i == 0 or not mask_t[i - 1]:
            return float(t[i])
        a, b = y[i - 1] - y0, y[i] - y0
        return float(t[i - 1] + (level - a) * (t[i] - t[i - 1]) / (b - a))

    on, off = t <= pulse_s, t >= pulse_s
    rise = first_cross(on, 0.9 * top, True) - first_cross(on, 0.1 * top, True)
    t90 = first_cross(off, 0.9 * top, False)
    fall = first_cross(off, 0.1 * top, False) - t90
    return {"rise_s": rise, "fall_s": fall, "plateau": top, "delay_to_10pct_s": first_cross(on, 0.1 * top, True)}
