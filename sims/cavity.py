"""Planar microcavity modes: transfer-matrix reference (round-trip phase condition).

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

Also: mirror phase penetration depths L_pen = (1/2) d phi_r / d beta (Babic & Corzine,
IEEE JQE 28, 514 (1992)), the effective cavity length, the longitudinal confinement
factor Gamma_z = Gamma_r d_a / L_eff of VCSEL threshold formulas, the modal group index
n_g = c tau_rt / (2 L_eff), and absorption per layer (for the pump), all by transfer matrix.

Units: wavelengths in um, frequencies in 1/um (Meep units, c = 1).
The materials can be evaluated three ways (``model``): "table" (the configured data),
"meep" (the very medium Meep simulates: Lorentz fit of a tabulated material over the
band, anchored at the reference wavelength (the mode), Meep's
library fit, D-conductivity of a constant lossy medium) and "meep_lossless" (the medium
Meep simulates with absorption off: see :func:`lossless_index`), so FDTD and transfer
matrix are compared on the same eps(f).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sims.materials import Material, lorentz_fit, refractive_index, _meep_epsilon, _meep_library_entry
from sims.stack import Stack

MODELS = ("table", "meep", "meep_lossless")


class CavityError(RuntimeError):
    """A cavity analysis that cannot proceed (no mode in the band, source outside the cavity)."""


# ---------------------------------------------------------------------------------------
# materials, evaluated the way a given simulation sees them
# ---------------------------------------------------------------------------------------
def lossless_meep_medium(material: Material, wavelength_ref_um: float):
    """The Meep medium of a material with its absorption switched off.

    constant / tabulated: real index Re n at ``wavelength_ref_um`` (as
    ``sims.materials.meep_medium(lossless=True)``). meep library entries (Au, ITO): the same
    Drude-Lorentz terms with every damping rate set to 0 (a lossless plasma with almost the
    same Re eps; a metal cannot be given a constant positive index).

    Returns:
        meep.Medium.
    """
    import meep as mp

    if material.model != "meep":
        return mp.Medium(index=float(refractive_index(material, wavelength_ref_um).real))
    lib = _meep_library_entry(material.meep_name)
    sus = []
    for s in lib.E_susceptibilities:
        cls = type(s)
        sus.append(cls(frequency=s.frequency, gamma=0.0, sigma_diag=s.sigma_diag))
    return mp.Medium(epsilon_diag=lib.epsilon_diag, E_susceptibilities=sus,
                     valid_freq_range=lib.valid_freq_range)


def _lossless_library_epsilon(meep_name: str, freq) -> np.ndarray:
    lib = _meep_library_entry(meep_name)
    f = np.atleast_1d(np.asarray(freq, dtype=float))
    eps = np.full(f.shape, float(lib.epsilon_diag.x), dtype=complex)
    for s in lib.E_susceptibilities:
        fj, sj = s.frequency, float(s.sigma_diag.x)
        eps = eps + sj * fj**2 / (fj**2 - f**2)
    return eps


def material_index(material: Material, wavelength_um, model: str = "table",
                   band_um: tuple | None = None, wavelength_ref_um: float | None = None) -> np.ndarray:
    """Complex n + i k of a material as a given simulation sees it.

    Args:
        material: the material.
        wavelength_um: vacuum wavelengths (um).
        model: "table", "meep" or "meep_lossless" (see module docstring).
        band_um: Lorentz-fit band of tabulated materials (as passed to Meep).
        wavelength_ref_um: reference wavelength (constant lossy media; lossless index).
    Returns:
        complex array shaped like wavelength_um.
    """
    wl = np.asarray(wavelength_um, dtype=float)
    if model == "table":
        return refractive_index(material, wl)
    ref = float(np.mean(wl)) if wavelength_ref_um is None else wavelength_ref_um
    if model == "meep_lossless":
        if material.model == "meep":
            eps = _lossless_library_epsilon(material.meep_name, 1.0 / np.atleast_1d(wl))
            return np.sqrt(eps.astype(complex)).reshape(wl.shape)
        return np.full(wl.shape, float(refractive_index(material, ref).real), dtype=complex)
    if model != "meep":
        raise ValueError(f"model must be one of {MODELS}")
    if material.model == "constant":
        eps_ref = (material.n + 1j * material.k) ** 2
        eps = eps_ref.real + 1j * eps_ref.imag * (wl / ref)  # D-conductivity: Im eps ~ 1/f
        return np.sqrt(eps)
    if material.model == "meep":
        return np.sqrt(_meep_epsilon(material.meep_name, 1.0 / np.atleast_1d(wl))).reshape(wl.shape)
    fit = lorentz_fit(material, None if band_um is None else tuple(band_um),
                      None if wavelength_ref_um is None else float(wavelength_ref_um))
    eps = fit.epsilon(1.0 / wl)
    eps = eps.real + 1j * np.abs(eps.imag)
    return np.sqrt(eps)


def stack_indices(stack: Stack, wavelength_um, model: str = "table", band_um=None,
                  wavelength_ref_um=None, index_override: dict | None = None) -> np.ndarray:
    """n of [below, layers..., above] (rows) at wavelengths (columns)."""
    wl = np.atleast_1d(np.asarray(wavelength_um, dtype=float))
    mats = [stack.below, *[l.material for l in stack.layers], stack.above]
    cache = {}
    rows = []
    for m in mats:
        if m.name not in cache:
            cache[m.name] = material_index(m, wl, model, band_um, wavelength_ref_um)
        rows.append(cache[m.name])
    n = np.array(rows, dtype=complex)
    for i, val in (index_override or {}).items():
        n[i] = val
    # semi-infinite media: lossless (a lossy incidence medium has no defined R)
    n[0], n[-1] = n[0].real, n[-1].real
    return n


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
    eta0, B, C, _ = _characteristic(_padded(np.atleast_1d(n_inc)), n_layers, d_um, _padded(np.atleast_1d(n_sub)),
                                    _padded(wl), s_par, pol)
    return ((eta0 * B - C) / (eta0 * B + C))[:n_points]


def _characteristic(n_inc, n_layers, d_um, n_sub, wl, s_par, pol):
    """(eta0, B, C, eta_sub): the layers' characteristic-matrix product applied to (1, eta_sub),
    with the tilted admittances of the incidence and exit media (Born & Wolf 1.6)."""
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


def _group_index(stack: Stack, group: str) -> int:
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
    j = _group_index(stack, group)
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
    eta0, B, C, eta_sub = _characteristic(n[0], n[1:-1], d, n[-1], wl, s_par, pol)
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


def _meep_epsilon_analytic(material: Material, freq: complex, wavelength_ref_um: float, fit_band_um: tuple) -> complex:
    """eps of the medium Meep simulates (model "meep") at a complex frequency (1/um): the analytic
    continuation of its Lorentz / Drude terms (tabulated: the Lorentz fit over ``fit_band_um``
    anchored at ``wavelength_ref_um``; library entries: Meep's own terms; constant lossy:
    D-conductivity, Im eps ~ 1/f). Im f < 0 for a decaying mode (e^{-i omega t})."""
    import meep as mp

    f = complex(freq)
    if material.model == "constant":
        e = (material.n + 1j * material.k) ** 2
        return complex(e.real + 1j * e.imag / (wavelength_ref_um * f))
    if material.model == "meep":
        lib = _meep_library_entry(material.meep_name)
        e = complex(lib.epsilon_diag.x)
        for sus in lib.E_susceptibilities:
            fj, gj, sj = sus.frequency, sus.gamma, float(sus.sigma_diag.x)
            if isinstance(sus, mp.DrudeSusceptibility):
                e += sj * fj**2 / (-f**2 - 1j * f * gj)
            else:
                e += sj * fj**2 / (fj**2 - f**2 - 1j * f * gj)
        return e
    fit = lorentz_fit(material, tuple(fit_band_um), float(wavelength_ref_um))
    return complex(fit.eps_inf + sum(sj * fj**2 / (fj**2 - f**2 - 1j * f * gj)
                                     for fj, gj, sj in zip(fit.frequency, fit.gamma, fit.sigma)))


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
    j = _group_index(stack, group)

    def ln_rho(f):
        cache = {}
        eps = []
        for m in mats:
            if m.name not in cache:
                cache[m.name] = _meep_epsilon_analytic(m, f, wavelength_ref_um, fit_band_um)
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


# ---------------------------------------------------------------------------------------
# effective length, confinement, group index (transfer matrix)
# ---------------------------------------------------------------------------------------
def penetration_depths(stack: Stack, group: str, wavelength_um: float, model="table", band_um=None,
                       wavelength_ref_um=None, spacer_groups: tuple = ()) -> dict:
    """Phase penetration depths of the two mirrors, seen from the cavity spacer.

    The spacer is ``spacer_groups`` (default: the gain layer alone), contiguous layers
    between the mirrors. L_pen = (1/2) d phi_r / d beta with beta = 2 pi n_s / lambda in
    the spacer layer adjacent to each mirror (Babic & Corzine 1992; their minus sign is
    for the exp(+i omega t) convention, here r ~ exp(+2 i beta L_pen)).

    Returns:
        dict L_pen_down_um, L_pen_up_um, L_spacer_um, L_eff_um.
    """
    groups = [l.group for l in stack.layers]
    spacer = list(spacer_groups) or [group]
    idx = [i for i, g in enumerate(groups) if g in spacer]
    i0, i1 = min(idx), max(idx)
    d = np.array([l.thickness_um for l in stack.layers])
    h = 1e-5 * wavelength_um
    wl = np.array([wavelength_um - h, wavelength_um + h])
    n = stack_indices(stack, wl, model, band_um, wavelength_ref_um)
    n_lo, n_hi = n[i0 + 1], n[i1 + 1]
    r_dn = reflection(n_lo, n[1:i0 + 1][::-1], d[:i0][::-1], n[0], wl)
    r_up = reflection(n_hi, n[i1 + 2:-1], d[i1 + 1:], n[-1], wl)

    def lpen(r, ns):
        beta = 2 * np.pi * ns.real / wl
        return float(0.5 * np.angle(r[1] / r[0]) / (beta[1] - beta[0]))  # r ~ exp(+2 i beta L_pen)

    L_sp = float(d[i0:i1 + 1].sum())
    Ld, Lu = lpen(r_dn, n_lo), lpen(r_up, n_hi)
    return {"L_pen_down_um": Ld, "L_pen_up_um": Lu, "L_spacer_um": L_sp, "L_eff_um": L_sp + Ld + Lu}


def confinement_from_profile(z_um, e2, eps_real, gain_span_um, spacer_span_um, stack_span_um) -> dict:
    """Confinement factors of a mode profile |E(z)|^2 on a grid.

    Definitions (stated in every result file):
      energy fraction  Gamma_E = int_gain eps |E|^2 dz / int_stack eps |E|^2 dz (the stack is
        the finite layers; the leaky tails outside are not counted);
      standing-wave enhancement Gamma_r = (L_sp / d_a) int_gain |E|^2 dz / int_spacer |E|^2 dz
        (Coldren & Corzine; 2 for a thin layer on an antinode, 1 for a layer filling the spacer).
    """
    z, e2, eps = (np.asarray(a, float) for a in (z_um, e2, eps_real))

    def integ(span, w):
        m = (z >= span[0]) & (z <= span[1])
        return float(np.trapz(w[m], z[m]))

    gE = integ(gain_span_um, eps * e2) / integ(stack_span_um, eps * e2)
    d_a = gain_span_um[1] - gain_span_um[0]
    L_sp = spacer_span_um[1] - spacer_span_um[0]
    gr = (L_sp / d_a) * integ(gain_span_um, e2) / integ(spacer_span_um, e2)
    return {"confinement_energy": gE, "standing_wave_enhancement": gr}


def tmm_mode_profile(stack: Stack, group: str, mode: TMMMode, z_um, model="table", band_um=None,
                     wavelength_ref_um=None) -> np.ndarray:
    """|E(z)|^2 of the quasi-normal mode at its resonance wavelength (normal incidence).

    Field of a unit upward wave at the lower face of the gain layer plus its reflection
    r_down-consistent counterpart: inside the stack the field is propagated layer by layer
    with 2x2 matrices from the gain layer, with the up/down amplitudes that satisfy the
    round-trip condition (a = 1 upward at the gain layer's bottom, b = r_down... ); normalised
    to max 1. Evaluated at the real resonance frequency (exact for Q >> 1).
    """
    wl = mode.wavelength_um
    n = stack_indices(stack, np.array([wl]), model, band_um, wavelength_ref_um)[:, 0]
    d = np.array([l.thickness_um for l in stack.layers])
    zi = stack.interfaces_um
    j = _group_index(stack, group)
    k0 = 2 * np.pi / wl
    # amplitudes (forward A, backward B) at the bottom of each layer, medium index i (0=below)
    N = len(n)
    A = np.zeros(N, complex)
    B = np.zeros(N, complex)
    rd = round_trip(stack, group, np.array([wl]), model, band_um, wavelength_ref_um)["r_down"][0]
    # at the bottom face of layer j: up-going amplitude 1, down-going 1/rd... use E = A e^{ikz} + B e^{-ikz};
    # at the bottom face the down-going wave reflects into the up-going one: A = rd * B
    A[j + 1], B[j + 1] = rd, 1.0

    def interface(nl, nr, Ar, Br):
        """Fields (A, B) on the left (below) from (A, B) on the right, at the interface (local z=0)."""
        E = Ar + Br
        H = nr * (Ar - Br)
        return 0.5 * (E + H / nl), 0.5 * (E - H / nl)

    def interface_up(nl, nr, Al, Bl):
        E = Al + Bl
        H = nl * (Al - Bl)
        return 0.5 * (E + H / nr), 0.5 * (E - H / nr)

    # downward from layer j
    for i in range(j + 1, 0, -1):
        # medium i has its bottom at z_i-1 (layers) ; fields at bottom of medium i known
        Al, Bl = interface(n[i - 1], n[i], A[i], B[i])
        dl = d[i - 2] if i - 1 >= 1 else 0.0
        # convert amplitudes at top of medium i-1 to its bottom
        ph = np.exp(1j * k0 * n[i - 1] * dl)
        A[i - 1], B[i - 1] = Al / ph, Bl * ph
    # upward from layer j: start from the top face of the gain layer with the reflection of
    # the upper mirror (B = r_up A), so the field decays into both mirrors (propagating the
    # lower solution through the upper mirror would amplify the residual 1 - rho)
    ru = round_trip(stack, group, np.array([wl]), model, band_um, wavelength_ref_um)["r_up"][0]
    for i in range(j + 1, N - 1):
        ph = np.exp(1j * k0 * n[i] * d[i - 1])
        At = A[i] * ph
        Bt = ru * At if i == j + 1 else B[i] / ph
        A[i + 1], B[i + 1] = interface_up(n[i], n[i + 1], At, Bt)
    z = np.atleast_1d(np.asarray(z_um, float))
    out = np.empty(z.size)
    bottoms = np.concatenate([[zi[0]], zi[:-1], [zi[-1]]])  # bottom of medium i (below: z=0 reference)
    for q, zz in enumerate(z):
        i = int(np.searchsorted(zi, zz, side="right"))  # 0 below, 1..L layers, L+1 above
        i = min(i, N - 1)
        loc = zz - (bottoms[i] if i >= 1 else 0.0)
        E = A[i] * np.exp(1j * k0 * n[i] * loc) + B[i] * np.exp(-1j * k0 * n[i] * loc)
        out[q] = abs(E) ** 2
    return out / out.max()


def layer_absorption(stack: Stack, wavelength_um: float, angle_deg: float = 0.0, pol: str = "s",
                     model: str = "table") -> np.ndarray:
    """Fraction of the incident power (from below) absorbed in each finite layer (tmm package)."""
    import tmm

    n = list(stack_indices(stack, np.array([wavelength_um]), model)[:, 0])
    d = [np.inf] + [l.thickness_um for l in stack.layers] + [np.inf]
    res = tmm.coh_tmm(pol, n, d, np.radians(angle_deg), wavelength_um)
    return np.asarray(tmm.absorp_in_each_layer(res))[1:-1]


# ---------------------------------------------------------------------------------------
# calibration: solve one named parameter so the analysed mode sits at a target wavelength
# ---------------------------------------------------------------------------------------
CALIBRATION_PARAMETERS = ("gain_layer_thickness", "gain_layer_index", "mirror_layer_thickness", "layer_thickness")


def calibration_value(config: dict, stack_name: str, calib: dict) -> float:
    """Current value of the calibrated parameter (nm, or the gain material's n at the target)."""
    spec = config["cavity"]["stacks"][stack_name]
    p = calib["parameter"]
    if p == "gain_layer_thickness":
        return float(config["layers"][spec["gain_group"]]["thickness_nm"])
    if p == "layer_thickness":
        return float(config["layers"][calib["layer"]]["thickness_nm"])
    if p == "gain_layer_index":
        return 0.0  # index shift added to n(lambda) of the gain material
    return float(config["mirrors"][calib.get("mirror", "dbr3")][calib.get("mirror_part", "first")]["thickness_nm"])


def with_parameter(config: dict, stack_name: str, calib: dict, value: float) -> dict:
    """A copy of the config with the calibrated parameter set to ``value``.

    The copy is meant for ``stack_name`` only: a layer or mirror it shares with another stack
    (``ito`` of the standard PeLED) is changed in the copy too, so build other stacks from the
    original config (:func:`stack_for` does).
    """
    import copy

    cfg = copy.deepcopy(config)
    spec = cfg["cavity"]["stacks"][stack_name]
    p = calib["parameter"]
    if p == "gain_layer_thickness":
        cfg["layers"][spec["gain_group"]]["thickness_nm"] = float(value)
    elif p == "layer_thickness":
        cfg["layers"][calib["layer"]]["thickness_nm"] = float(value)
    elif p == "gain_layer_index":
        mat = cfg["materials"][cfg["layers"][spec["gain_group"]]["material"]]
        if mat["model"] == "tabulated":
            mat["n"] = [float(v) + value for v in mat["n"]]
        elif mat["model"] == "constant":
            mat["n"] = float(mat["n"]) + value
        else:
            raise CavityError("gain_layer_index calibration needs a constant or tabulated gain material")
    else:
        cfg["mirrors"][calib.get("mirror", "dbr3")][calib.get("mirror_part", "first")]["thickness_nm"] = float(value)
    return cfg


def calibration_entry(config: dict, stack_name: str) -> dict | None:
    """The ``cavity.calibration.stacks`` entry of a stack when calibration is enabled, else None."""
    cal = config.get("cavity", {}).get("calibration", {})
    if not cal.get("enabled"):
        return None
    if stack_name not in config.get("cavity", {}).get("stacks", {}):
        return None
    return cal.get("stacks", {}).get(stack_name)


def calibration_label(calib: dict | None) -> str:
    """Short name of the calibrated parameter: ``layer_thickness:ito``, ``mirror_layer_thickness:dbr3.first``."""
    if not calib:
        return "none"
    p = calib["parameter"]
    if p == "layer_thickness":
        return f"{p}:{calib['layer']}"
    if p == "mirror_layer_thickness":
        return f"{p}:{calib.get('mirror', 'dbr3')}.{calib.get('mirror_part', 'first')}"
    return p


def cavity_modes_tmm(config: dict, stack_name: str, model: str = "table", n_points: int = 3000,
                     rho_min: float = 0.5) -> list[TMMMode]:
    """Transfer-matrix modes of a configured cavity in its band (|rho| > rho_min)."""
    from sims.stack import build_stack

    spec = config["cavity"]["stacks"][stack_name]
    st = build_stack(config, stack_name)
    band = (spec["wavelength_min_nm"] / 1e3, spec["wavelength_max_nm"] / 1e3)
    return [m for m in find_modes(st, spec["gain_group"], band, model, n_points)
            if m.rho_abs > rho_min]


def working_config(config: dict, stack_name: str) -> dict:
    """The config a step simulates for one stack: calibrated when ``cavity.calibration`` covers it.

    Returns dict ``config`` (the calibrated one, or ``config`` itself), ``mode_choice``
    ("calibrated" | "as-given"), ``target_um`` (the calibration target, else the stack's
    ``target_wavelength_nm``, in um; None for a stack outside ``cavity.stacks``),
    ``calibration`` (the :func:`calibrate` result or None) and ``entry`` (the stack's
    ``cavity.calibration.stacks`` entry or None). A stack without a calibration entry
    (the standard PeLED) gets ``config`` as configured.
    """
    entry = calibration_entry(config, stack_name)
    if entry is not None:
        info = calibrate(config, stack_name, entry)
        return {"config": info["config"], "mode_choice": "calibrated",
                "target_um": entry["target_wavelength_nm"] / 1e3, "calibration": info, "entry": entry}
    spec = config.get("cavity", {}).get("stacks", {}).get(stack_name)
    return {"config": config, "mode_choice": "as-given",
            "target_um": spec["target_wavelength_nm"] / 1e3 if spec else None, "calibration": None, "entry": None}


def stack_for(config: dict, stack_name: str):
    """The built :class:`sims.stack.Stack` a step uses for ``stack_name``: calibrated where
    ``cavity.calibration.stacks`` has an entry for it (and calibration is enabled), else as
    configured. Only that stack gets the calibrated value; another stack sharing the layer
    keeps its configured one."""
    from sims.stack import build_stack

    return build_stack(working_config(config, stack_name)["config"], stack_name)


_CALIBRATIONS: dict = {}


def calibrate(config: dict, stack_name: str, calib: dict, n_scan: int = 41) -> dict:
    """Solve the calibration parameter so the mode nearest the target sits at the target.

    Transfer matrix with the configured (table) optical data; the root nearest the
    configured value is taken. Returns dict value, value_as_given, wavelength_um_as_given,
    wavelength_um (after), units, config (the calibrated config). Results are memoised per
    process on the JSON of the inputs (a fresh deep copy is returned each time).
    """
    import json

    from sims.config import sub_config

    # what the numbers depend on: the stack's materials, layers, mirrors and its cavity entry
    relevant = dict(sub_config(config, stacks=[stack_name], sections=()),
                    spec=config["cavity"]["stacks"][stack_name])
    key = json.dumps([relevant, stack_name, calib, n_scan], sort_keys=True, default=repr)
    if key not in _CALIBRATIONS:
        out = _calibrate(config, stack_name, calib, n_scan)
        _CALIBRATIONS[key] = {k: v for k, v in out.items() if k != "config"}
    out = dict(_CALIBRATIONS[key])
    out["config"] = with_parameter(config, stack_name, calib, out["value"])
    return out


def _calibrate(config: dict, stack_name: str, calib: dict, n_scan: int) -> dict:
    from scipy.optimize import brentq

    target = calib["target_wavelength_nm"] / 1e3
    v0 = calibration_value(config, stack_name, calib)
    p = calib["parameter"]
    span = calib["search_fraction"] * (v0 if p != "gain_layer_index" else 2.5)

    def err(v):
        modes = cavity_modes_tmm(with_parameter(config, stack_name, calib, v), stack_name, n_points=1500)
        if not modes:
            return np.nan
        return nearest_mode(modes, target).wavelength_um - target

    vals = np.linspace(v0 - span, v0 + span, n_scan)
    if p != "gain_layer_index":
        vals = vals[vals > 1.0]
    errs = np.array([err(v) for v in vals])
    roots = []
    for i in range(len(vals) - 1):
        a, b = errs[i], errs[i + 1]
        # a genuine crossing: the same mode moves through the target (jumps are > 5% apart)
        if np.isfinite(a) and np.isfinite(b) and a * b < 0 and abs(a - b) < 0.05 * target:
            roots.append(brentq(err, vals[i], vals[i + 1], xtol=1e-6))
    if not roots:
        raise CavityError(f"calibration of {p} for {stack_name!r}: no value within +-"
                          f"{calib['search_fraction']:.0%} puts a mode at {target * 1e3:g} nm")
    v = min(roots, key=lambda r: abs(r - v0))
    cfg = with_parameter(config, stack_name, calib, v)
    as_given = nearest_mode(cavity_modes_tmm(config, stack_name), target).wavelength_um
    after = nearest_mode(cavity_modes_tmm(cfg, stack_name), target).wavelength_um
    units = "refractive index shift" if p == "gain_layer_index" else "nm"
    return {"value": float(v), "value_as_given": float(v0), "wavelength_um_as_given": float(as_given),
            "wavelength_um": float(after), "units": units, "config": cfg}


# ---------------------------------------------------------------------------------------
# config checks (imported through sims.config_checks)
# ---------------------------------------------------------------------------------------
def _cavity_bands(config):
    for name, spec in config.get("cavity", {}).get("stacks", {}).items():
        yield f"cavity.stacks.{name}", spec["wavelength_min_nm"], spec["wavelength_max_nm"]


def _register():
    from sims import config as cfgmod

    if _cavity_bands not in cfgmod.SIMULATED_BANDS:
        cfgmod.SIMULATED_BANDS.append(_cavity_bands)

    @cfgmod.register_check
    def check_cavity(config: dict):
        """Cavity section: names, source inside the cavity, bands in the data, a mode in each band."""
        cav = config.get("cavity", {})
        stacks = config["stacks"]
        for name, spec in cav.get("stacks", {}).items():
            key = f"cavity.stacks.{name}"
            if name not in stacks:
                yield key, f"{name!r} is not defined under stacks"
                continue
            items = stacks[name]["items"]
            g = spec["gain_group"]
            if g not in items:
                yield f"{key}.gain_group", f"{g!r} is not an item of stack {name!r} ({', '.join(items)})"
                continue
            if items.index(g) in (0, len(items) - 1):
                yield f"{key}.gain_group", (f"the source layer {g!r} sits outside the cavity of {name!r}: it is the "
                                            f"{'first' if items.index(g) == 0 else 'last'} item, not between two mirrors")
                continue
            if g not in config["layers"]:
                yield f"{key}.gain_group", f"{g!r} must be a single layer (it is a mirror)"
                continue
            for s in spec.get("spacer_groups", []):
                if s not in items:
                    yield f"{key}.spacer_groups", f"{s!r} is not an item of stack {name!r}"
            lo, hi = spec["wavelength_min_nm"], spec["wavelength_max_nm"]
            from sims.config import band_inside_data, stack_material_names

            probs = list(band_inside_data(key, stack_material_names(config, name), (lo, hi), config))
            if probs:
                yield from probs
                continue
            if not (lo <= spec["target_wavelength_nm"] <= hi):
                yield f"{key}.target_wavelength_nm", f"{spec['target_wavelength_nm']} nm is outside the band {lo}-{hi} nm"
                continue
            if not cavity_modes_tmm(config, name, n_points=1500):
                yield key, (f"the band {lo:g}-{hi:g} nm holds no cavity mode of {name!r} (transfer-matrix "
                            f"round-trip phase condition with |rho| > 0.5): widen the band or check the mirrors")
        cal = cav.get("calibration", {})
        for s, entry in cal.get("stacks", {}).items():
            key = f"cavity.calibration.stacks.{s}"
            if s not in cav.get("stacks", {}):
                yield key, f"{s!r} is not in cavity.stacks"
                continue
            if s not in stacks:
                continue  # reported above
            items = stacks[s]["items"]
            p = entry.get("parameter")
            if p == "layer_thickness":
                lay = entry.get("layer")
                if lay is None:
                    yield f"{key}.layer", "parameter layer_thickness needs `layer` (a key of layers: that is an item of the stack)"
                elif lay not in config["layers"]:
                    yield f"{key}.layer", f"{lay!r} is not defined under layers"
                elif lay not in items:
                    yield f"{key}.layer", f"{lay!r} is not an item of stack {s!r} ({', '.join(items)})"
            elif "layer" in entry:
                yield f"{key}.layer", f"`layer` is read only with parameter layer_thickness (parameter is {p!r})"
            alt = entry.get("alternative_layer")
            if alt is not None:
                if alt not in config["layers"]:
                    yield f"{key}.alternative_layer", f"{alt!r} is not defined under layers"
                elif alt not in items:
                    yield f"{key}.alternative_layer", f"{alt!r} is not an item of stack {s!r} ({', '.join(items)})"
                elif p == "layer_thickness" and alt == entry.get("layer"):
                    yield f"{key}.alternative_layer", f"{alt!r} is the calibrated layer itself (pick another layer)"
            if p == "mirror_layer_thickness":
                m = entry.get("mirror")
                if m not in config["mirrors"]:
                    yield f"{key}.mirror", f"{m!r} is not defined under mirrors"
                elif m not in items:
                    yield f"{key}.mirror", f"{m!r} is not a mirror of stack {s!r} ({', '.join(items)})"
            if p == "gain_layer_index":
                g = cav["stacks"][s]["gain_group"]
                mname = config["layers"].get(g, {}).get("material")
                model = config["materials"].get(mname, {}).get("model")
                if model not in ("constant", "tabulated"):
                    yield f"{key}.parameter", (f"gain_layer_index needs a constant or tabulated gain material "
                                               f"({mname!r} is {model!r})")
            spec = cav["stacks"][s]
            t = entry.get("target_wavelength_nm")
            if t is not None and not (spec["wavelength_min_nm"] <= t <= spec["wavelength_max_nm"]):
                yield f"{key}.target_wavelength_nm", (f"{t:g} nm is outside the band of cavity.stacks.{s} "
                                                      f"({spec['wavelength_min_nm']:g}-{spec['wavelength_max_nm']:g} nm)")
        lat = cav.get("lateral", {})
        for i, s in enumerate(lat.get("stacks", [])):
            if s not in cav.get("stacks", {}):
                yield f"cavity.lateral.stacks[{i}]", f"{s!r} is not in cavity.stacks"
        if lat.get("stacks") and lat.get("filler") not in config["materials"]:
            yield "cavity.lateral.filler", f"{lat.get('filler')!r} is not defined under materials"
        if lat.get("stacks"):
            thin = min([e["thickness_nm"] for e in config["mirrors"].values() for e in (e["first"], e["second"])])
            keyed = [("cavity.lateral.resolution_px_per_um", lat["resolution_px_per_um"])]
            keyed += [(f"cavity.lateral.convergence_resolutions_px_per_um[{i}]", r)
                      for i, r in enumerate(lat.get("convergence_resolutions_px_per_um", []))]
            for key, res in keyed:
                if thin / 1e3 * res < config["simulation"]["min_pixels_per_layer"]:
                    yield key, (
                        f"{res:g} px/um gives {thin / 1e3 * res:.2f} pixels across the thinnest mirror layer ({thin:g} nm); "
                        f"need >= simulation.min_pixels_per_layer")
        sw = cav.get("thickness_sweep_nm")
        if sw and sw["min"] >= sw["max"]:
            yield "cavity.thickness_sweep_nm.min", "must be below max"


_register()


def calibration_variants(config: dict, stack_name: str) -> dict:
    """Alternative calibrations of a calibrated stack, for the sensitivity study (else ``{}``).

    ``as_given``: the stack as configured; ``calibrated_<alt>``: the calibration entry's
    ``alternative_layer`` calibrated (layer_thickness, same target and search fraction) instead.
    Returns name -> dict ``config`` (to build the stack from), ``layer`` (the changed parameter's
    label), ``value``, ``units``, ``changed_layers`` ({layer: thickness_nm} relative to the stack as
    configured), ``mode_tmm_nm`` (TMM mode nearest the target), ``calibration`` (without its config;
    None for as_given).
    """
    entry = calibration_entry(config, stack_name)
    if entry is None:
        return {}
    prod = calibrate(config, stack_name, entry)
    changed = ({entry["layer"]: float(prod["value_as_given"])} if entry.get("parameter") == "layer_thickness"
               else {})
    out = {"as_given": {"config": config, "layer": calibration_label(entry), "value": float(prod["value_as_given"]),
                        "units": prod["units"], "changed_layers": changed,
                        "mode_tmm_nm": 1e3 * float(prod["wavelength_um_as_given"]), "calibration": None}}
    alt = entry.get("alternative_layer")
    if alt:
        alt_entry = {k: v for k, v in entry.items() if k not in ("alternative_layer", "mirror", "mirror_part")}
        alt_entry.update(parameter="layer_thickness", layer=alt)
        info = calibrate(config, stack_name, alt_entry)
        out[f"calibrated_{alt}"] = {"config": info["config"], "layer": calibration_label(alt_entry),
                                    "value": float(info["value"]), "units": info["units"],
                                    "changed_layers": {alt: float(info["value"])},
                                    "mode_tmm_nm": 1e3 * float(info["wavelength_um"]),
                                    "calibration": {k: v for k, v in info.items() if k != "config"}}
    return out
