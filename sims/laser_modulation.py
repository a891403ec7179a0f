"""Modulation response of the chain LED RC -> LED emission -> crystal laser (issue 20, item 3).

Each stage is linear about its operating point. LED RC: a first-order low-pass of the drive
current, tau_RC = R C (``sims.led_capacitance``; R ASSUMED). LED emission: first-order low-pass
with the LED's spontaneous lifetime under intense injection (~2 ns, paper); the LED's static
EQE(J) is folded into the operating point (the crystal's pump rate G is proportional to the LED
light). Crystal: the rate equations of ``sims.laser_dynamics`` linearised at the steady state
(exact 2x2 small-signal response dS/dG; no gain compression, so the relaxation oscillation is
weakly damped). The chain's response is the product. Large signal: the same stages as ODEs
(scipy solve_ivp, BDF; ln N and ln S integrated: S spans many decades and tau_p ~ 0.3 ps is stiff).
"""

from __future__ import annotations

import math

import numpy as np

from sims.laser_dynamics import CrystalLaser, steady_state


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
