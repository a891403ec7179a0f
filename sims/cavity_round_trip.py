"""Planar cavity modes by transfer matrix: the round-trip phase condition.

The independent, non-FDTD side of the cavity analysis (``sims.cavity_modes`` holds the
Meep side). For a cavity with a gain layer j between a lower and an upper mirror:

* r_down(f), r_up(f): amplitude reflection of everything below / above layer j, seen from
  inside layer j at its lower / upper face (characteristic-matrix method, Born & Wolf
  ch. 1.6; e^{-i omega t}, n + i k convention);
* round-trip factor rho(f) = r_down r_up exp(2 i beta_j d_j), beta_j = 2 pi f n_j cos(theta_j);
* a mode is a zero of 1 - rho on the complex frequency plane. Resonance: arg rho = 2 pi m
  on the real axis; the complex root follows from one Newton step on ln rho(f) with the
  real-axis slope, f* = f0 - ln|rho(f0)| / (d ln rho / df), and Q = Re f* / (-2 Im f*)
  (exact to first order in 1/Q; e.g. Coldren & Corzine, Diode Lasers and PICs, ch. 3).
  :func:`complex_pole` solves for the pole itself at fixed in-plane wavevector.

Also the Lorentzian linewidth Q of a spectrum. Media: ``sims.cavity_media`` (``model``).
Units: wavelengths in um, frequencies in 1/um (Meep units, c = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sims.cavity_media import meep_epsilon_analytic, stack_indices
from sims.stack import Stack


class CavityError(RuntimeError):
    """A cavity analysis that cannot proceed (no mode in the band, source outside the cavity)."""


# ---------------------------------------------------------------------------------------
# characteristic matrices (vectorised over wavelength)
# ---------------------------------------------------------------------------------------
# Reproducibility: numpy (Debian's 1.24 here) multiplies and squares complex arrays with
# AVX-512 fused multiply-adds only when the output buffer starts >= 64 bytes away from each
# input; otherwise a plain C loop (separately rounded) runs. Temporaries of 1-3 complex128
# (16-48 bytes) often sit that close, so the same expression rounded differently from call
# to call (measured: 1 in 5000 evaluations of one product; numpy/numpy#26940), and the
# transfer-matrix Q of a mode varied by 1e-12 between identical runs, which moved the Meep
# source band and Harminv's Q by 1e-9. Arrays of >= SIMD_SAFE_POINTS (128 bytes) cannot start
# within 64 bytes of another array, so every evaluation takes the same path: the functions
# below pad short wavelength vectors to that length and drop the padding from the results.
SIMD_SAFE_POINTS = 8


def _padded(x: np.ndarray) -> np.ndarray:
    """``x`` extended along its last axis to SIMD_SAFE_POINTS by repeating the last column."""
    x = np.asarray(x)
    short = SIMD_SAFE_POINTS - x.shape[-1]
    if short <= 0:
        return x
    return np.concatenate([x, np.repeat(x[..., -1:], short, axis=-1)], axis=-1)


def _admittance(n, s_par, pol):
    """Tilted admittance: s: n cos(theta); p: n / cos(theta) = n^2 / (n cos theta)."""
    nc = np.sqrt(n**2 - s_par**2 + 0j)
    nc = np.where(nc.imag < 0, -nc, nc)  # decaying / lossy branch
    return (nc if pol == "s" else n**2 / nc), nc


def reflection(n_inc, n_layers, d_um, n_sub, wavelength_um, s_par=0.0, pol="s"):
    """Amplitude reflection of layers between an incidence medium and a substrate.

    Args:
        n_inc: (W,) index of the incidence medium (may be lossy: reflection of the
            tangential-field amplitude at the first interface).
        n_layers: (L, W) indices of the layers, from the incidence side outward.
        d_um: (L,) thicknesses.
        n_sub: (W,) index of the exit medium.
        wavelength_um: (W,) vacuum wavelengths.
        s_par: conserved n sin(theta) (in-plane wavevector / k0), scalar.
        pol: "s" or "p".
    Returns:
        (W,) complex r.
    """
    wl = np.atleast_1d(np.asarray(wavelength_um, dtype=float))
    n_points = wl.size
    n_layers = _padded(np.asarray(n_layers).reshape(-1, n_points))
    eta0, B, C, _ = characteristic_product(_padded(np.atleast_1d(n_inc)), n_layers, d_um, _padded(np.atleast_1d(n_sub)),
                                    _padded(wl), s_par, pol)
    return ((eta0 * B - C) / (eta0 * B + C))[:n_points]


def characteristic_product(n_inc, n_layers, d_um, n_sub, wl, s_par, pol):
    """(eta0, B, C, eta_sub): the layers' characteristic-matrix product applied to (1, eta_sub),
    with the tilted admittances of the incidence and exit media (Born & Wolf 1.6).

    The planar recursion of the transfer-matrix side: (B, C) = prod_i M_i (1, eta_sub), with
    M_i = [[cos d_i, -i sin d_i / eta_i], [-i eta_i sin d_i, cos d_i]], d_i = k0 n_i cos(theta_i) t_i,
    applied from the exit medium toward the incidence medium. Arrays (..., W) over wavelength;
    callers pad W to SIMD_SAFE_POINTS (see above)."""
    k0 = 2 * np.pi / wl
    eta_sub, _ = _admittance(n_sub, s_par, pol)
    B = np.ones_like(eta_sub)
    C = eta_sub
    for n_i, d in zip(n_layers[::-1], np.asarray(d_um)[::-1]):
        eta, nc = _admittance(n_i, s_par, pol)
        delta = k0 * nc * d
        cos, sin = np.cos(delta), np.sin(delta)
        B, C = cos * B - 1j * sin / eta * C, -1j * eta * sin * B + cos * C
    eta0, _ = _admittance(n_inc, s_par, pol)
    return eta0, B, C, eta_sub


def group_layer_index(stack: Stack, group: str) -> int:
    """Index in ``stack.layers`` of the gain group, which must be exactly one layer."""
    idx = [i for i, l in enumerate(stack.layers) if l.group == group]
    if len(idx) != 1:
        raise CavityError(f"gain group {group!r} must be exactly one layer of stack {stack.name!r} "
                          f"(found {len(idx)})")
    return idx[0]


def round_trip(stack: Stack, group: str, wavelength_um, model="table", band_um=None,
               wavelength_ref_um=None, s_par=0.0, pol="s", index_override=None) -> dict:
    """Round-trip factor of the layer ``group`` and its two mirror reflections.

    Returns:
        dict with r_down, r_up, rho (complex, (W,)), n_gain, beta_um (complex).
    """
    wl = np.atleast_1d(np.asarray(wavelength_um, dtype=float))
    n_points = wl.size
    wl = _padded(wl)  # see SIMD_SAFE_POINTS
    j = group_layer_index(stack, group)
    n = stack_indices(stack, wl, model, band_um, wavelength_ref_um, index_override)
    d = np.array([l.thickness_um for l in stack.layers])
    nj = n[j + 1]
    # below: layers j-1 .. 0 seen from layer j, exit medium `below`
    r_down = reflection(nj, n[1:j + 1][::-1], d[:j][::-1], n[0], wl, s_par, pol)
    r_up = reflection(nj, n[j + 2:-1], d[j + 1:], n[-1], wl, s_par, pol)
    _, ncj = _admittance(nj, s_par, pol)
    beta = 2 * np.pi / wl * ncj
    rho = r_down * r_up * np.exp(2j * beta * d[j])
    out = {"r_down": r_down, "r_up": r_up, "rho": rho, "n_gain": nj, "beta_um": beta}
    return {k: v[:n_points] for k, v in out.items()}


def stack_rt(stack: Stack, wavelength_um, model="table", band_um=None, wavelength_ref_um=None,
             s_par=0.0, pol="s", index_override=None) -> dict:
    """Power R (from below), T (to above), of the whole stack (normal or oblique)."""
    wl = np.atleast_1d(np.asarray(wavelength_um, dtype=float))
    n_points = wl.size
    wl = _padded(wl)  # see SIMD_SAFE_POINTS
    n = stack_indices(stack, wl, model, band_um, wavelength_ref_um, index_override)
    d = np.array([l.thickness_um for l in stack.layers])
    eta0, B, C, eta_sub = characteristic_product(n[0], n[1:-1], d, n[-1], wl, s_par, pol)
    r = (eta0 * B - C) / (eta0 * B + C)
    T = 4 * eta0.real * eta_sub.real / np.abs(eta0 * B + C) ** 2
    return {"R": np.abs(r[:n_points]) ** 2, "T": T[:n_points], "r": r[:n_points]}


@dataclass(frozen=True)
class TMMMode:
    """One cavity mode from the round-trip phase condition."""

    wavelength_um: float      # resonance (arg rho = 2 pi m), vacuum
    freq_complex: complex     # complex root f* (1/um), Im < 0
    Q: float                  # Re f* / (-2 Im f*)
    order: int                # m: round-trip phase / 2 pi
    rho_abs: float            # |rho| at resonance
    tau_rt: float             # round-trip group delay d arg(rho)/d omega (Meep time units, um/c)


def find_modes(stack: Stack, group: str, band_um: tuple, model="table", n_points: int = 4000,
               wavelength_ref_um=None, s_par=0.0, pol="s", index_override=None,
               fit_band_um=None) -> list[TMMMode]:
    """All modes of the cavity around ``group`` inside a wavelength band.

    Resonances are the real frequencies where the unwrapped round-trip phase crosses a
    multiple of 2 pi, refined by bisection; |rho| < 1 is required (a mode of the cavity,
    not of a mirror's pass band where the phase also winds: those have |rho| << 1 and
    Q < 2; they are dropped with Q < 2).

    Args:
        band_um: (min, max) vacuum wavelength.
        fit_band_um: Lorentz-fit band of tabulated materials for model "meep" (default band_um).
    Returns:
        modes sorted by wavelength.
    """
    from scipy.optimize import brentq

    fit_band = fit_band_um or band_um
    f = np.linspace(1.0 / band_um[1], 1.0 / band_um[0], n_points)

    def rho_at(fr):
        return round_trip(stack, group, 1.0 / np.atleast_1d(fr), model, fit_band, wavelength_ref_um,
                          s_par, pol, index_override)["rho"]

    rho = rho_at(f)
    ph = np.unwrap(np.angle(rho))
    out = []
    m_lo, m_hi = np.ceil(ph.min() / (2 * np.pi)), np.floor(ph.max() / (2 * np.pi))
    for m in np.arange(m_lo, m_hi + 1):
        target = 2 * np.pi * m
        s = np.sign(ph - target)
        for i in np.nonzero(s[:-1] * s[1:] < 0)[0]:
            def g(x, i=i):
                ang = np.angle(rho_at(x)[0])
                return np.angle(np.exp(1j * (ang - ph[i])) ) + ph[i] - target
            try:
                f0 = brentq(g, f[i], f[i + 1], xtol=1e-12)
            except ValueError:
                continue
            # d ln(rho)/df by the 5-point stencil with h = 1e-5 f0. The last-digit noise of
            # the rho evaluations (numpy's summation order varies with memory alignment, so
            # between runs) is amplified by ~f0/h: the former 2-point stencil at 1e-6 f0 let
            # repeated workflow runs differ by 1.7e-12 in Q. Here: ~1e-13, and a truncation
            # error below 2e-7 in Q (measured against h = 1e-7 f0 at a stop-band-edge mode),
            # far below the error of the one Newton step itself.
            h = max(1e-5 * f0, 1e-9)
            r0 = rho_at(f0)[0]
            rp1, rm1, rp2, rm2 = (rho_at(f0 + k * h)[0] for k in (1, -1, 2, -2))
            d_abs = (8 * (np.log(abs(rp1)) - np.log(abs(rm1))) - (np.log(abs(rp2)) - np.log(abs(rm2)))) / (12 * h)
            d_arg = (8 * np.angle(rp1 / rm1) - np.angle(rp2 / rm2)) / (12 * h)
            dlog = d_abs + 1j * d_arg
            if abs(r0) >= 1 or dlog.imag <= 0:
                continue
            fs = f0 - np.log(abs(r0)) / dlog
            Q = fs.real / (-2 * fs.imag) if fs.imag < 0 else np.inf
            if Q < 2:
                continue
            out.append(TMMMode(1.0 / f0, complex(fs), float(Q), int(m), float(abs(r0)),
                               float(dlog.imag / (2 * np.pi))))
    return sorted(out, key=lambda md: md.wavelength_um)



def complex_pole(stack: Stack, group: str, f_guess: complex, order: int, *, kx: float, pol: str,
                 wavelength_ref_um: float, fit_band_um: tuple, tol: float = 1e-12) -> complex:
    """The complex eigenfrequency f* (1/um) of a cavity mode at a FIXED in-plane wavevector kx
    (1/um): the root of ln rho(f) = 2 pi i ``order`` on the complex f plane (Newton iterations,
    media as Meep simulates them, analytically continued), i.e. what Harminv measures in a Bloch
    cell with k_point kx. Differs from :func:`find_modes` (the real-axis resonance arg rho = 2 pi m
    at a fixed angle, Q from one first-order Newton step) by O(1/Q) for low-Q modes: the real part
    moves with d|rho|/df (e.g. near an absorption edge) and fixed angle is not fixed kx.

    Semi-infinite media take the principal square root (continued from the real axis; valid
    while kx stays inside their light cone, Re(n^2 f^2 - kx^2) > 0)."""
    mats = [stack.below, *[l.material for l in stack.layers], stack.above]
    d = np.array([l.thickness_um for l in stack.layers])
    j = group_layer_index(stack, group)

    def ln_rho(f):
        cache = {}
        eps = []
        for m in mats:
            if m.name not in cache:
                cache[m.name] = meep_epsilon_analytic(m, f, wavelength_ref_um, fit_band_um)
            eps.append(cache[m.name])
        k0 = 2 * np.pi * f
        q2 = (kx / f) ** 2  # s_par^2 at fixed kx

        def adm(e):
            nc = np.sqrt(e - q2 + 0j)
            return (nc if pol == "s" else e / nc), nc

        def refl(e_inc, layers, e_sub):
            b, c = 1.0 + 0j, adm(e_sub)[0]
            for e, t in layers[::-1]:
                eta, nc = adm(e)
                dl = k0 * nc * t
                b, c = np.cos(dl) * b - 1j * np.sin(dl) / eta * c, -1j * eta * np.sin(dl) * b + np.cos(dl) * c
            eta0 = adm(e_inc)[0]
            return (eta0 * b - c) / (eta0 * b + c)

        ej = eps[j + 1]
        rd = refl(ej, [(eps[i + 1], d[i]) for i in range(j)][::-1], eps[0])
        ru = refl(ej, [(eps[i + 1], d[i]) for i in range(j + 1, len(d))], eps[-1])
        r = rd * ru * np.exp(2j * k0 * adm(ej)[1] * d[j])
        return np.log(abs(r)) + 1j * np.angle(r * np.exp(-2j * np.pi * order))

    f = complex(f_guess)
    for _ in range(100):
        h = 1e-7 * abs(f)
        step = ln_rho(f) / ((ln_rho(f + h) - ln_rho(f - h)) / (2 * h))
        f -= step
        if abs(step) < tol * abs(f):
            return f
    raise CavityError(f"complex pole of {stack.name!r} at kx = {kx:g}/um ({pol}) did not converge from {f_guess}")


def nearest_mode(modes: list, wavelength_um: float):
    """The mode (anything with ``wavelength_um``) nearest ``wavelength_um``; CavityError if none."""
    if not modes:
        raise CavityError("no cavity mode in the band")
    return min(modes, key=lambda md: abs(md.wavelength_um - wavelength_um))


def lorentzian_q(freq, power, f_guess: float, width_guess: float) -> dict:
    """Fit A / (1 + ((f - f0) / (w/2))^2) + B to a peak; Q = f0 / w (FWHM).

    Returns:
        dict f0, fwhm, Q, A, B, rms (relative residual).
    """
    from scipy.optimize import curve_fit

    freq, power = np.asarray(freq, float), np.asarray(power, float)

    def lor(x, a, f0, w, b):
        return a / (1 + ((x - f0) / (w / 2)) ** 2) + b

    i = int(np.argmax(power))
    span = float(freq.max() - freq.min())
    f_start = float(np.clip(freq[i] if f_guess is None else f_guess, freq.min(), freq.max()))
    p0 = [max(power[i] - power.min(), 1e-300), f_start, min(width_guess, span), power.min()]
    lo = [0.0, freq.min(), span / freq.size, -abs(power).max()]
    hi = [10 * abs(power).max() + 1e-300, freq.max(), 4 * span, abs(power).max()]
    scale = abs(power).max() or 1.0  # fit in units of the peak (T can be ~1e-13)
    popt, _ = curve_fit(lambda x, a, f0, w, b: lor(x, a, f0, w, b) / scale, freq, power / scale,
                        p0=p0, bounds=(lo, hi), maxfev=20000)
    a, f0, w, b = popt
    w = abs(w)
    res = power - lor(freq, *popt)
    return {"f0": float(f0), "fwhm": float(w), "Q": float(f0 / w), "A": float(a), "B": float(b),
            "rms": float(np.sqrt(np.mean(res**2)) / max(abs(a), 1e-30))}


def spectrum_q(stack: Stack, mode: TMMMode, model="table", band_um=None, wavelength_ref_um=None,
               s_par=0.0, pol="s", which: str = "internal", n_points: int = 801) -> dict:
    """Q from the Lorentzian linewidth of a transfer-matrix spectrum around a mode.

    which: "internal" fits 1 / |1 - rho|^2 (the cavity's internal intensity response,
    Lorentzian for any mirror loss); "T" fits the stack transmission.
    """
    f0 = 1.0 / mode.wavelength_um
    w = f0 / mode.Q
    f = np.linspace(f0 - 4 * w, f0 + 4 * w, n_points)
    if which == "T":
        p = stack_rt(stack, 1.0 / f, model, band_um, wavelength_ref_um, s_par, pol)["T"]
    else:
        raise ValueError("which must be 'T' (use cavity group via spectrum_q_internal)")
    return lorentzian_q(f, p, f0, w)


def cavity_modes_tmm(config: dict, stack_name: str, model: str = "table", n_points: int = 3000,
                     rho_min: float = 0.5) -> list[TMMMode]:
    """Transfer-matrix modes of a configured cavity in its band (|rho| > rho_min)."""
    from sims.stack import build_stack

    spec = config["cavity"]["stacks"][stack_name]
    st = build_stack(config, stack_name)
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    return [m for m in find_modes(st, spec["gain_group"], band, model, n_points)
            if m.rho_abs > rho_min]
