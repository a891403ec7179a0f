"""Full-wave check of the radiometric inter-cavity transfer at reduced scale (2D, s / TE).

Geometry (x lateral, stack axis vertical; Meep's 2D stack axis is y): the LED stack
(microcavity I, glass below), a NOA81 gap of thickness d, and microcavity II (DBR2 /
crystal / DBR3, air above), all laterally infinite (they run through the lateral PML). The
LED emits from a strip of width w (incoherent out-of-plane line currents J_z in the emitter
layer: the s / TE polarization); the crystal counts as the window |x| < W_c / 2.

Three models of the same planar structure, all at the same frequencies and permittivities
(the Lorentz fits Meep uses, ``sims.mirror_spectra.meep_indices``):

* ``fdtd``: Meep, one J_z line current at x = 0 per distance (mirror symmetry in x), DFT of
  E_z and H_x on two lines in the lossless SiO2 layers just below and above the crystal; the
  power absorbed between them per unit x is S_y(below) - S_y(above). The structure is
  invariant under lateral translation, so a source at x_s gives the same profile shifted by
  x_s: the incoherent sum over sources across w is the convolution of this one profile with
  the strip (exact on the grid for shifts by whole pixels; the lateral PML is the only thing
  that breaks the invariance). Normalised by the power the same source sends into the gap
  when the LED faces a semi-infinite gap (one more Meep run of the LED alone).
* ``coherent``: the exact plane-wave (Green's function) solution of the same planar problem:
  a current sheet J_z exp(i 2 pi k_x x) delta(y - y0) per k_x, transfer-matrix amplitudes
  in every layer, absorbed power from Im(eps) |E|^2 in the crystal, lateral profile from the
  inverse Fourier transform over k_x. It contains every interference, multiple reflection
  and near-field (evanescent) coupling between the two stacks, without discretisation error.
* ``radiometric``: the project's model brought to 2D: the LED alone radiates
  dP/dtheta = P_up(k_x) n f cos(theta) into the gap (k_x = n f sin(theta); per-k_x sheet
  powers from ``sims.emission.tmm_sheet_powers``, kind s), every ray goes straight to the
  crystal plane (x = x_s + d tan(theta)) and deposits the plane-wave absorbed fraction
  A_s(theta) of microcavity II lit from the gap (``tmm.coh_tmm``, s). Beside it a
  ``multipass`` ray model: the same plus the rays reflected back and forth between the two
  stacks (plane-wave reflectances R_II(theta), R_LED(theta)), landing at (2m + 1) d tan(theta),
  added incoherently: the coupled-cavity bookkeeping without interference.

Units: um, Meep frequency f = 1/lambda (1/um), k_x in cycles/um (no 2 pi). Line sources in
2D: power per unit length of the line; a line current is the superposition of sheets,
P_line = int dk_x P_sheet(k_x) (Parseval with the cycles convention).

References: W. C. Chew, "Waves and Fields in Inhomogeneous Media" ch. 2 (layered-medium
line source); K. A. Neyts, JOSA A 15, 962 (1998) (dipole in a multilayer; the project's
``sims.emission``); S. J. Byrnes, arXiv:1603.02720 (tmm).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from sims.config import register_check

TWO_PI = 2.0 * math.pi


# ---------------------------------------------------------------------------------------
# config checks
# ---------------------------------------------------------------------------------------
@register_check
def check_transfer_fullwave(config: dict):
    fw = config.get("transfer_fullwave")
    if not fw:
        return
    if fw["stack"] not in config["stacks"]:
        yield "transfer_fullwave.stack", f"{fw['stack']!r} is not defined under stacks"
        return
    items = config["stacks"][fw["stack"]]["items"]
    for key in ("gap_group", "crystal_group", "emitter_group", "led_top_group"):
        if fw[key] not in items:
            yield f"transfer_fullwave.{key}", f"{fw[key]!r} is not an item of stack {fw['stack']!r}"
    if fw["gap_group"] in items and fw["crystal_group"] in items and fw["emitter_group"] in items:
        ig, ic, ie = (items.index(fw[k]) for k in ("gap_group", "crystal_group", "emitter_group"))
        if not ie < ig < ic:
            yield "transfer_fullwave.stack", "needs emitter below the gap below the crystal (bottom to top)"
        elif ic == 0 or ic == len(items) - 1 or items[ic - 1] not in config["mirrors"] \
                or items[ic + 1] not in config["mirrors"]:
            yield "transfer_fullwave.crystal_group", "the crystal must sit between two mirrors (monitor lines go in their first layers)"
    if fw["crystal_width_um"] <= 0 or fw["emitting_width_um"] <= 0:
        yield "transfer_fullwave.crystal_width_um", "crystal and emitting widths must be > 0 um"
    lo, hi = fw["el_peak_nm"] - 1.5 * fw["el_fwhm_nm"], fw["el_peak_nm"] + 1.5 * fw["el_fwhm_nm"]
    if fw["n_frequencies"] > 1 and fw["el_fwhm_nm"] <= 0:
        yield "transfer_fullwave.el_fwhm_nm", "must be > 0 nm when n_frequencies > 1"
    if lo <= 0:
        yield "transfer_fullwave.el_fwhm_nm", f"peak - 1.5 FWHM = {lo:g} nm is not a wavelength"
    res = fw["resolution_px_per_um"]
    pitch = fw["bin_um"]
    if pitch * res < 1 - 1e-9:
        yield "transfer_fullwave.bin_um", f"{pitch:g} um is below one pixel at {res:g} px/um"
    if fw["pml_um"] < 0.5 * hi / 1e3:
        yield "transfer_fullwave.pml_um", f"{fw['pml_um']} um is thinner than half the longest wavelength ({hi / 1e3:.3f} um / 2)"


# ---------------------------------------------------------------------------------------
# structures
# ---------------------------------------------------------------------------------------
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


def _kz(n, k0, kxa):
    kz = np.sqrt((complex(n) ** 2) * k0 ** 2 - kxa ** 2 + 0j)
    return np.where(kz.imag < 0, -kz, np.where((kz.imag == 0) & (kz.real < 0), -kz, kz))


def _r_te(ka, kb):
    """TE Fresnel amplitude reflection from a medium of normal wavevector ka into kb."""
    return (ka - kb) / (ka + kb)


def _gamma_from_above(kz: list, kz_above, ph: list, j_min: int) -> tuple[list, list]:
    """Airy recursion from the top medium down to layer ``j_min``: the down/up amplitude ratio
    at the top (``g_top[j]``) and bottom (``g_bot[j]``) of each layer j >= j_min (None below)."""
    nl = len(kz)
    g_top, g_bot = [None] * nl, [None] * nl
    for j in range(nl - 1, j_min - 1, -1):
        if j == nl - 1:
            g_top[j] = _r_te(kz[j], kz_above)
        else:
            rr = _r_te(kz[j], kz[j + 1])
            g_top[j] = (rr + g_bot[j + 1]) / (1 + rr * g_bot[j + 1])
        g_bot[j] = g_top[j] * ph[j] ** 2
    return g_top, g_bot


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
    kz = [_kz(n, k0, kxa) for n in p.n]
    kzb, kza = _kz(p.n_below, k0, kxa), _kz(p.n_above, k0, kxa)
    if abs(p.n[i_src] - p.n[i_src - 1]) > 1e-12:
        raise ValueError("the source must sit inside one medium (split the layer)")
    ph = [np.exp(1j * kz[j] * p.t[j]) for j in range(nl)]

    r = _r_te
    # upper half: Gamma_top[j] = down/up amplitude ratio at the top of layer j
    g_top, g_bot = _gamma_from_above(kz, kza, ph, i_src)
    # lower half: Lambda_bot[j] = up/down ratio at the bottom of layer j, Lambda_top at its top
    l_bot = [None] * nl
    l_top = [None] * nl
    for j in range(0, i_src):
        if j == 0:
            l_bot[j] = r(kz[j], kzb)
        else:
            rr = r(kz[j], kz[j - 1])
            l_bot[j] = (rr + l_top[j - 1]) / (1 + rr * l_top[j - 1])
        l_top[j] = l_bot[j] * ph[j] ** 2
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
            absorbed[j] = 0.5 * om * eps_im * np.real(_layer_e2_integral(u[j], v[j], kz[j], p.t[j]))
    out = {"emitted": emitted, "up": exit_power(u_above, kza), "down": exit_power(v_below, kzb),
           "absorbed": absorbed, "E": {}}
    for j, ys in (sample_layers or {}).items():
        ys = np.asarray(ys, float)[:, None]
        out["E"][j] = u[j][None, :] * np.exp(1j * kz[j][None, :] * ys) \
            + v[j][None, :] * np.exp(1j * kz[j][None, :] * (p.t[j] - ys))
    return out


def _layer_e2_integral(u, v, kz, t):
    """int_0^t |u e^{i kz y} + v e^{i kz (t - y)}|^2 dy (analytic)."""
    a, b = kz.real, kz.imag

    def int_exp(c):  # int_0^t e^{c y} dy, c complex array
        small = np.abs(c * t) < 1e-8
        cs = np.where(small, 1.0, c)
        return np.where(small, t * (1 + c * t / 2), np.expm1(cs * t) / cs)

    i_uu = int_exp(-2 * b + 0j)
    # |v e^{i kz (t-y)}|^2 = |v|^2 e^{-2 b (t - y)}: same integral
    cross = np.exp(-1j * np.conj(kz) * t) * int_exp(2j * a + 0j)   # int e^{i kz y} conj(e^{i kz (t-y)})
    return np.abs(u) ** 2 * i_uu + np.abs(v) ** 2 * i_uu + 2 * np.real(u * np.conj(v) * cross)


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
    kz = [_kz(n, k0, kxa) for n in p.n]
    kzb, kza = _kz(p.n_below, k0, kxa), _kz(p.n_above, k0, kxa)
    ph = [np.exp(1j * kz[j] * p.t[j]) for j in range(nl)]

    r = _r_te
    g_top, g_bot = _gamma_from_above(kz, kza, ph, 0)
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
        A += k0 ** 2 * eps_im * np.real(_layer_e2_integral(u[j], v[j], kz[j], p.t[j])) / p_in
    return {"R": np.abs(refl) ** 2, "T": np.abs(u_above) ** 2 * np.real(kza) / p_in, "A": A}


def plane_wave_rta_s(p: Planar, f: float, theta_deg, group: str) -> dict:
    """s-polarized plane wave from the medium below at angles theta (deg): R, T and the share
    absorbed in a layer group, by ``tmm.coh_tmm`` (independent code)."""
    import tmm

    n = np.array([p.n_below, *p.n, p.n_above], dtype=complex)
    n[0] = n[0].real
    d = [np.inf, *p.t, np.inf]
    idx = [i + 1 for i in p.group_index(group)]
    th = np.atleast_1d(np.asarray(theta_deg, float))
    R, T, A = (np.empty(th.size) for _ in range(3))
    for i, a in enumerate(th):
        res = tmm.coh_tmm("s", n, d, np.radians(min(a, 89.999)), 1.0 / f)
        per = tmm.absorp_in_each_layer(res)
        R[i], T[i], A[i] = res["R"], res["T"], float(np.sum([per[j] for j in idx])) if idx else 0.0
    return {"R": R, "T": T, "A": A}


def reversed_planar(p: Planar) -> Planar:
    return Planar(p.n_above, tuple(p.n[::-1]), tuple(p.t[::-1]), p.n_below, tuple(p.groups[::-1]))


# ---------------------------------------------------------------------------------------
# the three models (per frequency, one line source at x = 0, kernels on x bins)
# ---------------------------------------------------------------------------------------
def bin_edges(half_range_um: float, bin_um: float) -> np.ndarray:
    """Symmetric bin edges with a bin centred on x = 0, covering [-half_range, half_range]."""
    m = int(math.ceil(half_range_um / bin_um - 0.5))
    return (np.arange(-m, m + 2) - 0.5) * bin_um


def kx_quadrature(k_c: float, k_fine: float, k_max: float, dkx: float, n_tail: int = 4000):
    """Nodes and weights over 0 <= kx <= k_max with the substitutions kx = k_c sin(phi) below
    and kx = k_c cosh(u) above the light line k_c (they cancel the 1/kz edge of a field that
    grazes in the medium of index k_c / f), node spacing <= dkx up to k_fine, then a uniform
    tail (the smooth near field) to k_max. Trapezoid rules in phi, u and kx."""
    def trap(n, h):
        w = np.full(n, h)
        w[0] = w[-1] = 0.5 * h
        return w

    n1 = int(math.ceil(0.5 * math.pi * k_c / dkx)) + 1
    phi = np.linspace(0.0, 0.5 * math.pi, n1)
    kx1, w1 = k_c * np.sin(phi), trap(n1, phi[1] - phi[0]) * k_c * np.cos(phi)
    nodes, weights = [kx1[:-1]], [w1[:-1]]   # the light line itself has weight 0 (and kz = 0 there)
    k_fine = max(k_fine, k_c * 1.001)
    U = math.acosh(k_fine / k_c)
    n2 = int(math.ceil(U * k_c * math.sinh(U) / dkx)) + 1
    u = np.linspace(0.0, U, max(n2, 3))
    kx2, w2 = k_c * np.cosh(u), trap(u.size, u[1] - u[0]) * k_c * np.sinh(u)
    nodes.append(kx2[1:])
    weights.append(w2[1:])
    if k_max > k_fine:
        kx3 = np.linspace(k_fine, k_max, n_tail + 1)
        w3 = trap(kx3.size, kx3[1] - kx3[0])
        nodes.append(kx3[1:])
        weights[-1] = weights[-1].copy()
        weights[-1][-1] += w3[0]
        weights.append(w3[1:])
    return np.concatenate(nodes), np.concatenate(weights)


def led_alone_emission(led: Planar, i_src: int, f: float, kx_max: float, n_kx: int,
                       theta_deg=None, dkx: float = 2e-4) -> dict:
    """Emission of an s line source in the LED facing a semi-infinite gap, by the project's
    ``sims.emission.tmm_sheet_powers`` (kind s).

    Returns kx (n_kx uniform points to kx_max), P_emit and P_up there; emitted_total (all kx,
    both signs, :func:`kx_quadrature`); with theta_deg (angles in the gap): dP_dtheta =
    P_up(n f sin theta) n f cos theta evaluated at those angles and up_total = 2 int dP/dtheta
    dtheta (no light-line edge to integrate over)."""
    from sims.emission import tmm_sheet_powers

    eps = [complex(n) ** 2 for n in led.n]
    below_e = [eps[i_src - 1]] + eps[:i_src - 1][::-1]
    below_d = [led.t[i_src - 1]] + list(led.t[:i_src - 1][::-1])
    above_e = list(eps[i_src:])
    above_d = list(led.t[i_src:])

    def sheet(k):
        return tmm_sheet_powers(below_e, below_d, above_e, above_d, eps[i_src], complex(led.n_below) ** 2,
                                complex(led.n_above) ** 2, f, k, "s")

    kx = np.linspace(0.0, kx_max, n_kx)
    r = sheet(kx)
    n_gap = float(np.real(led.n_above))
    n_max = max(abs(complex(n).real) for n in (*led.n, led.n_below, led.n_above))
    kq, wq = kx_quadrature(n_gap * f, 1.05 * n_max * f, kx_max, dkx)
    out = {"kx": kx, "emitted": r["emitted"], "up": r["up"], "emitted_total": 2 * float(np.sum(wq * sheet(kq)["emitted"]))}
    th = np.radians(np.linspace(0.0, 89.99, 4001) if theta_deg is None else np.asarray(theta_deg, float))
    kc = n_gap * f
    dp = sheet(kc * np.sin(th))["up"] * kc * np.cos(th)
    out["theta_rad"], out["dP_dtheta"] = th, dp
    out["up_total"] = 2 * float(np.trapz(dp, th))
    return out


def radiometric_kernel(led_em: dict, n_gap: float, f: float, theta_deg, a_s, r_ii, r_led, d_um: float,
                       edges: np.ndarray, n_passes: int = 1) -> np.ndarray:
    """Absorbed power per x bin of a line source at x = 0, per unit power into the gap.

    dP/dtheta = P_up(n f sin theta) n f cos theta / P_up_total; pass m (0-based) deposits
    dP/dtheta A (R_II R_LED)^m at x = (2m + 1) d tan(theta). n_passes = 1 is the radiometric
    model of the project; more passes add the rays bounced between the stacks.
    """
    th = np.radians(np.asarray(theta_deg, float))   # 0 .. < 90 deg, one side
    dpdth = np.interp(th, led_em["theta_rad"], led_em["dP_dtheta"]) / led_em["up_total"]
    out = np.zeros(edges.size - 1)
    for m in range(n_passes):
        w = dpdth * np.asarray(a_s) * (np.asarray(r_ii) * np.asarray(r_led)) ** m
        # cumulative over theta, then x(theta) = (2m+1) d tan(theta); both signs of theta
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (w[1:] + w[:-1]) * np.diff(th))])
        xs = (2 * m + 1) * d_um * np.tan(th)
        c_edge = np.interp(np.abs(edges), xs, cum, right=cum[-1]) * np.sign(edges)
        out += np.diff(c_edge)
    return out


def coherent_solution(full: Planar, i_src: int, crystal_group: str, f: float, d_um: float, n_gap: float,
                      edges: np.ndarray, dkx: float, kx_max_near: float, n_y: int = 12) -> dict:
    """Exact plane-wave solution of the coupled structure for one line source at x = 0.

    Returns: kernel (absorbed power per x bin, per unit power of the LED alone into the gap
    is applied by the caller), absorbed_total (infinite crystal, per kx integral), emitted
    (total power of the source in the coupled structure), in the units of
    :func:`te_line_source` (per unit line current).
    """
    ic = full.group_index(crystal_group)
    if len(ic) != 1:
        raise ValueError("the crystal group must be one layer")
    ic = ic[0]
    # propagating in the gap plus evanescent tails that survive the gap (decay e^{-2 pi kappa d} < 1e-9)
    kappa = 20.7 / (TWO_PI * max(d_um, 1e-3))
    k_cut = math.sqrt((n_gap * f) ** 2 + kappa ** 2)
    n_max = max(abs(complex(n).real) for n in full.n)
    k_fine = max(k_cut, 1.05 * n_max * f)
    kx_all, w_all = kx_quadrature(n_gap * f, k_fine, max(kx_max_near, k_fine + 1.0), dkx)
    yg, wg = np.polynomial.legendre.leggauss(n_y)
    t_c = full.t[ic]
    ys = 0.5 * t_c * (yg + 1)
    sol = te_line_source(full, i_src, f, kx_all, {ic: ys})
    om = TWO_PI * f
    eps_im = (complex(full.n[ic]) ** 2).imag
    # totals over x (Parseval): 2 int_0^inf dkx
    absorbed_total = 2 * float(np.sum(w_all * sol["absorbed"][ic]))
    emitted = 2 * float(np.sum(w_all * sol["emitted"]))
    m = kx_all <= k_cut
    kx, wk = kx_all[m], w_all[m]
    e_k = sol["E"][ic][:, m]
    # lateral profile: E(x, y) = 2 int_0^inf E(kx, y) cos(2 pi kx x) dkx, on a fine x grid
    x_hi = edges[-1]
    n_sub = 8
    bw = edges[1] - edges[0]
    xs = np.arange(0.0, x_hi + bw / n_sub, bw / n_sub)
    C = np.cos(TWO_PI * np.outer(xs, kx)) * wk[None, :]
    e_x = 2 * (C @ e_k.T)                       # (n_x, n_y)
    p_x = 0.5 * om * eps_im * (np.abs(e_x) ** 2 @ (0.5 * t_c * wg))   # absorbed per unit x
    # bin integrals (profile even in x)
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (p_x[1:] + p_x[:-1]) * np.diff(xs))])
    c_edge = np.interp(np.abs(edges), xs, cum) * np.sign(edges)
    return {"kernel": np.diff(c_edge), "absorbed_total": absorbed_total, "emitted": emitted,
            "n_kx": kx.size}


def overlap_weights(edges: np.ndarray, half_width_um: float) -> np.ndarray:
    """Fraction of each bin inside |x| <= half_width_um."""
    lo, hi = edges[:-1], edges[1:]
    return np.clip((np.minimum(hi, half_width_um) - np.maximum(lo, -half_width_um)) / (hi - lo), 0.0, 1.0)


def strip_convolve(kernel: np.ndarray, edges: np.ndarray, width_um: float) -> np.ndarray:
    """Profile of incoherent sources spread evenly over a centred strip of width width_um, per
    unit total power: the kernel (on bins centred on 0) shifted to every bin centre, weighted
    by the fraction of that bin inside the strip (bins are all bin_um wide)."""
    c = 0.5 * (edges[1:] + edges[:-1])
    w = overlap_weights(edges, width_um / 2)
    k0 = int(np.argmin(np.abs(c)))
    out = np.zeros_like(kernel)
    for i in np.nonzero(w)[0]:
        out += w[i] * _shift(kernel, i - k0)
    return out / w.sum()


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros_like(a)
    if k >= 0:
        out[k:] = a[:a.size - k]
    else:
        out[:k] = a[-k:]
    return out


def window_sum(profile: np.ndarray, edges: np.ndarray, half_width_um: float) -> float:
    """Sum over the window |x| <= half_width_um (bins cut by its edges count by their overlap)."""
    return float(np.sum(profile * overlap_weights(edges, half_width_um)))


def el_weights(wavelength_nm, peak_nm: float, fwhm_nm: float) -> np.ndarray:
    wl = np.asarray(wavelength_nm, float)
    if wl.size == 1 or fwhm_nm <= 0:
        return np.ones(wl.size) / wl.size
    w = np.exp(-4 * math.log(2) * ((wl - peak_nm) / fwhm_nm) ** 2)
    return w / w.sum()


# ---------------------------------------------------------------------------------------
# building the reduced-scale structures from the config
# ---------------------------------------------------------------------------------------
def build_structures(config: dict):
    """(full stack with the configured gap thickness, LED-alone stack, microcavity II stack,
    source stack coordinate) after trimming mirrors and making the emitter lossless."""
    from sims.emission import lossless_emitter_stack
    from sims.finite_crystal_2d import trim_mirrors
    from sims.stack import build_stack, Stack
    from sims.materials import materials_from_config

    fw = config["transfer_fullwave"]
    mats = materials_from_config(config)
    full = build_stack(config, fw["stack"], mats)
    if fw.get("mirror_pairs"):
        full = trim_mirrors(full, int(fw["mirror_pairs"]), fw["crystal_group"])
    full = lossless_emitter_stack(full, fw["emitter_group"])
    if fw.get("snap_dispersive_to_grid", False):
        full = snap_dispersive_layers(full, float(fw["resolution_px_per_um"]))
    groups = [l.group for l in full.layers]
    ig = groups.index(fw["gap_group"])
    led = Stack(full.name + "[led]", full.below, full.layers[ig].material, full.layers[:ig])
    ii = Stack(full.name + "[II]", full.layers[ig].material, full.above, full.layers[ig + 1:])
    z0, z1 = full.group_span_um(fw["emitter_group"])
    return full, led, ii, 0.5 * (z0 + z1)


def snap_dispersive_layers(stack, resolution_px_per_um: float):
    """The stack with every dispersive layer (``Material.is_dispersive``: tabulated or Meep-library,
    i.e. a Lorentz/Drude medium in Meep, whose susceptibilities Meep does not subpixel-smooth)
    rounded to a whole number of pixels (at least one) at this resolution: the structure the
    FDTD realises whatever the grid offset (a layer of m pixels covers exactly m grid points),
    so the plane-wave and ray models can be given the same one. Other layers keep their
    thickness (Meep smooths their interfaces)."""
    from dataclasses import replace

    layers = tuple(replace(l, thickness_um=max(1, round(l.thickness_um * resolution_px_per_um)) / resolution_px_per_um)
                   if l.material.is_dispersive else l for l in stack.layers)
    return replace(stack, layers=layers)


def frequencies(fw: dict) -> tuple[np.ndarray, np.ndarray]:
    """(wavelengths nm, EL weights) of the compared frequencies: n_frequencies over
    peak +- 1.5 FWHM (one: the peak)."""
    n = int(fw["n_frequencies"])
    if n == 1:
        wl = np.array([float(fw["el_peak_nm"])])
    else:
        wl = fw["el_peak_nm"] + np.linspace(-1.5, 1.5, n) * fw["el_fwhm_nm"]
    return wl, el_weights(wl, fw["el_peak_nm"], fw["el_fwhm_nm"])


def model_kernels(config: dict, distances_um, edges: np.ndarray, indices_fn=None, progress=print,
                  wavelengths_nm=None, check_tmm: bool = True) -> dict:
    """Radiometric, multipass and coherent kernels (one line source at x = 0) for every
    distance and frequency, per unit power the LED alone sends into the gap.

    indices_fn(stack, freqs) -> (n_freq, n_layers + 2) complex indices; default: the
    permittivities Meep uses (``meep_indices``, Lorentz fits over the EL band).
    Returns dict of arrays: radiometric, multipass, coherent (n_d, n_f, n_bins), coherent
    absorbed_total_infinite and radiometric_total_infinite (n_d, n_f), emitted_ratio
    (coupled / LED-alone source power, n_d, n_f), theta tables (A_s, R_II, R_LED), wall times.
    """
    fw = config["transfer_fullwave"]
    full0, led, ii, z_src = build_structures(config)
    wl_nm = frequencies(fw)[0] if wavelengths_nm is None else np.asarray(wavelengths_nm, float)
    freqs = 1e3 / wl_nm
    if indices_fn is None:
        from sims.mirror_spectra import meep_indices

        band = fit_band_um(fw)      # the same Lorentz fits as the FDTD

        def indices_fn(stack, fr):
            return meep_indices(stack, fr, fw["el_peak_nm"] / 1e3, band)

    theta = np.linspace(0.0, 89.9, int(fw["radiometric_n_angles"]))
    dist = np.atleast_1d(np.asarray(distances_um, float))
    nb = edges.size - 1
    out = {k: np.zeros((dist.size, freqs.size, nb)) for k in ("radiometric", "multipass", "coherent")}
    for k in ("coherent_total_infinite", "radiometric_total_infinite", "multipass_total_infinite", "emitted_ratio",
              "coherent_kernel_sum"):
        out[k] = np.zeros((dist.size, freqs.size))
    for k in ("A_s", "R_II", "R_LED", "dP_dtheta"):
        out[k] = np.zeros((freqs.size, theta.size))
    out["led_up_over_emitted"] = np.zeros(freqs.size)
    out["tmm_check_max_abs_diff"] = np.zeros(freqs.size)
    t0 = time.perf_counter()
    n_full = None
    for jf, f in enumerate(freqs):
        n_led = indices_fn(led, [f])[0]
        n_ii = indices_fn(ii, [f])[0]
        p_led = planar_from_stack(led, n_led)
        p_ii = planar_from_stack(ii, n_ii)
        i_e = p_led.group_index(fw["emitter_group"])[0]
        z_if = p_led.interfaces()
        p_led_s, i_src = split_layer(p_led, i_e, z_src - z_if[i_e])
        n_gap = float(np.real(p_led.n_above))
        em = led_alone_emission(p_led_s, i_src, f, fw["kx_max_near_per_um"], 2001, theta, fw["coherent_dkx_per_um"])
        rta = te_plane_wave(p_ii, f, theta, fw["crystal_group"])
        r_led = te_plane_wave(reversed_planar(p_led), f, theta, "none")["R"]
        # independent check of the plane-wave tables with the tmm package on a coarse subset
        sub = theta[:: max(1, theta.size // (60 if check_tmm else 4))]
        ref = plane_wave_rta_s(p_ii, f, sub, fw["crystal_group"])
        ref_led = plane_wave_rta_s(reversed_planar(p_led), f, sub, "none")
        out["tmm_check_max_abs_diff"][jf] = max(
            np.max(np.abs(np.interp(sub, theta, rta["A"]) - ref["A"])),
            np.max(np.abs(np.interp(sub, theta, rta["R"]) - ref["R"])),
            np.max(np.abs(np.interp(sub, theta, r_led) - ref_led["R"])))
        out["A_s"][jf], out["R_II"][jf], out["R_LED"][jf] = rta["A"], rta["R"], r_led
        th = np.radians(theta)
        out["dP_dtheta"][jf] = em["dP_dtheta"] / em["up_total"]
        out["led_up_over_emitted"][jf] = em["up_total"] / em["emitted_total"]
        out["radiometric_total_infinite"][:, jf] = 2 * np.trapz(out["dP_dtheta"][jf] * rta["A"], th)
        # every pass on an infinite crystal: A / (1 - R_II R_LED) (geometric series of the bounces)
        out["multipass_total_infinite"][:, jf] = 2 * np.trapz(out["dP_dtheta"][jf] * rta["A"] / (1 - rta["R"] * r_led), th)
        for jd, d in enumerate(dist):
            out["radiometric"][jd, jf] = radiometric_kernel(em, n_gap, f, theta, rta["A"], rta["R"], r_led, d, edges, 1)
            out["multipass"][jd, jf] = radiometric_kernel(em, n_gap, f, theta, rta["A"], rta["R"], r_led, d, edges,
                                                          int(fw["multipass_max_passes"]))
            full = full0.with_thickness(fw["gap_group"], float(d))
            n_full = indices_fn(full, [f])[0]
            p_full = planar_from_stack(full, n_full)
            p_full_s, i_src_f = split_layer(p_full, i_e, z_src - z_if[i_e])
            co = coherent_solution(p_full_s, i_src_f, fw["crystal_group"], f, float(d), n_gap, edges,
                                   fw["coherent_dkx_per_um"], fw["kx_max_near_per_um"])
            # per unit power the LED alone sends into the gap (same source, same units)
            out["coherent"][jd, jf] = co["kernel"] / em["up_total"]
            out["coherent_total_infinite"][jd, jf] = co["absorbed_total"] / em["up_total"]
            out["coherent_kernel_sum"][jd, jf] = co["kernel"].sum() / em["up_total"]
            out["emitted_ratio"][jd, jf] = co["emitted"] / em["emitted_total"]
            if progress:
                progress(f"  f={f:.4f} d={d:6.2f} um: coherent {out['coherent_total_infinite'][jd, jf]:.4f} "
                         f"radiometric {out['radiometric_total_infinite'][jd, jf]:.4f} (infinite crystal)")
    out["theta_deg"] = theta
    out["wall_time_s"] = time.perf_counter() - t0
    return out


# ---------------------------------------------------------------------------------------
# FDTD (Meep, 2D, MPI: Meep splits the cell over the ranks)
# ---------------------------------------------------------------------------------------
def fit_band_um(fw: dict) -> tuple[float, float]:
    """Wavelength band (um) of the Lorentz fits, shared by the FDTD and the plane-wave models."""
    lo = fw["el_peak_nm"] - 1.5 * fw["el_fwhm_nm"]
    hi = fw["el_peak_nm"] + 1.5 * fw["el_fwhm_nm"]
    return (0.95 * lo / 1e3, 1.05 * hi / 1e3)


def fdtd_half_width_um(fw: dict) -> float:
    """Half-width of the lateral range the profiles cover (inside the PML)."""
    return fw["crystal_width_um"] / 2 + fw["emitting_width_um"] / 2 + fw["margin_um"]


def fdtd_run(config: dict, distance_um: float | None, progress=print) -> dict:
    """One 2D Meep run: an E_z line source at x = 0 in the emitter's centre plane.

    distance_um = None: the LED alone facing NOA81 (the normalisation run): S_y(x) on a line
    0.5 um above the LED. Otherwise the coupled structure with that gap: S_y(x) on lines in
    the middle of the lossless layers just below and above the crystal.
    Returns dict: freq (n_f), x_um (n_x), S_lo, S_hi (n_f, n_x) (S_hi absent for the LED
    alone), flux_lo, flux_hi (Meep's flux over the same lines), meep_time, seconds, cells.
    """
    import meep as mp

    from sims.geometry import stack_layout

    mp.verbosity(0)
    fw = config["transfer_fullwave"]
    full, led, _, z_src = build_structures(config)
    wl_nm, _ = frequencies(fw)
    freqs = 1e3 / wl_nm                      # the order of :func:`frequencies` (the models use it too)
    band = fit_band_um(fw)
    X = fdtd_half_width_um(fw)
    pml = fw["pml_um"]
    res = fw["resolution_px_per_um"]
    if distance_um is None:
        stack, pad_above = led, 1.0
    else:
        stack, pad_above = full.with_thickness(fw["gap_group"], float(distance_um)), fw["pad_um"]
    layout = stack_layout(stack, "2d", pml_um=pml, pad_below_um=fw["pad_um"], pad_above_um=pad_above,
                          lateral_um=2 * (X + pml), band_um=band, wavelength_ref_um=fw["el_peak_nm"] / 1e3)
    # lateral boundaries cross the dispersive layers (Drude-Lorentz Au and ITO): a PML there
    # diverged (NaN at the first test run); Meep's adiabatic absorber is the documented fallback
    boundary = list(layout.pml_layers) + [mp.Absorber(pml, direction=mp.X)]
    fmin, fmax = freqs.min(), freqs.max()
    fcen = 0.5 * (fmin + fmax) if freqs.size > 1 else freqs[0]
    span = (fmax - fmin) if freqs.size > 1 else 0.05 * fcen
    src = mp.Source(mp.GaussianSource(fcen, fwidth=fw["source_fwidth_factor"] * span), component=mp.Ez,
                    center=layout.vector(z_src))
    sim = mp.Simulation(cell_size=layout.cell_size, geometry=layout.geometry, boundary_layers=boundary,
                        sources=[src], resolution=res, symmetries=[mp.Mirror(mp.X)], dimensions=2)
    if distance_um is None:
        lines = {"lo": stack.thickness_um + 0.5}
    else:
        lo, hi = stack.group_span_um(fw["crystal_group"])
        i_c = [i for i, l in enumerate(stack.layers) if l.group == fw["crystal_group"]][0]
        lines = {"lo": lo - 0.5 * stack.layers[i_c - 1].thickness_um,
                 "hi": hi + 0.5 * stack.layers[i_c + 1].thickness_um}
    dft, flux = {}, {}
    for k, s in lines.items():
        c, sz = layout.vector(s), mp.Vector3(2 * X, 0)
        dft[k] = sim.add_dft_fields([mp.Ez, mp.Hx], freqs, center=c, size=sz)
        flux[k] = sim.add_flux(freqs, mp.FluxRegion(center=c, size=sz))
    t0 = time.perf_counter()

    def report(s):
        if progress and mp.am_master():
            progress(f"    meep time {s.meep_time():.0f}, {time.perf_counter() - t0:.0f} s")

    sim.run(mp.at_every(25, report),
            until_after_sources=mp.stop_when_dft_decayed(fw["decay_threshold"], 0, fw["max_run_time"]))
    out = {"freq": freqs, "meep_time": float(sim.meep_time()), "seconds": time.perf_counter() - t0,
           "cells": float(np.prod([v for v in (layout.cell_size.x, layout.cell_size.y) if v > 0]) * res ** 2)}
    for k in lines:
        S = []
        for j in range(freqs.size):
            ez = np.asarray(sim.get_dft_array(dft[k], mp.Ez, j)).ravel()
            hx = np.asarray(sim.get_dft_array(dft[k], mp.Hx, j)).ravel()
            S.append(np.real(ez * np.conj(hx)))
        out[f"S_{k}"] = np.array(S)
        out[f"flux_{k}"] = np.asarray(mp.get_fluxes(flux[k]))
    n_x = out["S_lo"].shape[1]
    out["x_um"] = np.linspace(-X, X, n_x)
    if progress and mp.am_master():
        progress(f"  FDTD d={distance_um}: {out['cells']:.3g} cells, meep time {out['meep_time']:.0f}, "
                 f"{out['seconds']:.0f} s on {mp.count_processors()} ranks")
    sim.reset_meep()
    return out


def fdtd_profile_bins(x_um: np.ndarray, density: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Integrate a density sampled at the grid points x_um (uniform) over the bins (n_f, n_bins)."""
    dx = x_um[1] - x_um[0]
    idx = np.searchsorted(edges, x_um, side="right") - 1
    ok = (idx >= 0) & (idx < edges.size - 1)
    out = np.zeros((density.shape[0], edges.size - 1))
    for j in range(density.shape[0]):
        out[j] = np.bincount(idx[ok], weights=density[j, ok] * dx, minlength=edges.size - 1)
    return out


# ---------------------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------------------
MODELS = ("fdtd", "coherent", "multipass", "radiometric")


def compare(fw: dict, kernels: dict, edges: np.ndarray, distances_um, wavelengths_nm=None) -> dict:
    """Strip profiles, crystal-window totals (single frequency at the EL peak and EL-weighted)
    and ratios, from kernels name -> (n_d, n_f, n_bins) per unit power into the gap."""
    if wavelengths_nm is None:
        wl_nm, w = frequencies(fw)
    else:
        wl_nm = np.asarray(wavelengths_nm, float)
        w = el_weights(wl_nm, fw["el_peak_nm"], fw["el_fwhm_nm"])
    j_pk = int(np.argmin(np.abs(wl_nm - fw["el_peak_nm"])))
    half = fw["crystal_width_um"] / 2
    out = {}
    for name, K in kernels.items():
        prof = np.array([[strip_convolve(K[i, j], edges, fw["emitting_width_um"]) for j in range(K.shape[1])]
                         for i in range(K.shape[0])])
        out[f"{name}/profile"] = prof                           # (n_d, n_f, n_bins)
        out[f"{name}/profile_el"] = np.einsum("dfb,f->db", prof, w)
        win = np.array([[window_sum(prof[i, j], edges, half) for j in range(prof.shape[1])] for i in range(prof.shape[0])])
        out[f"{name}/window"] = win                             # (n_d, n_f)
        out[f"{name}/window_el"] = win @ w
        out[f"{name}/window_peak"] = win[:, j_pk]
    return out


def safe_distance(distances_um, ratio, tol: float) -> float:
    """Smallest distance from which |ratio - 1| <= tol holds at every larger listed distance
    (inf if it fails at the largest)."""
    d = np.asarray(distances_um, float)
    ok = np.abs(np.asarray(ratio) - 1) <= tol
    if not ok[-1]:
        return float("inf")
    i = d.size - 1
    while i > 0 and ok[i - 1]:
        i -= 1
    return float(d[i])


def el_converged_frequencies(fw: dict, d_um: float, n_gap: float) -> np.ndarray:
    """Wavelengths (nm) over peak +- 1.5 FWHM dense enough to average the gap's Fabry-Perot
    fringes: el_samples_per_fringe per free spectral range lambda^2 / (2 n d) (normal
    incidence, the narrowest), at least n_frequencies, at most el_max_frequencies; odd, so the
    peak is one of them."""
    lam = fw["el_peak_nm"]
    fsr = lam ** 2 / (2 * n_gap * d_um * 1e3)
    n = int(math.ceil(3 * fw["el_fwhm_nm"] / fsr * fw["el_samples_per_fringe"])) + 1
    n = min(max(n, int(fw["n_frequencies"])), int(fw["el_max_frequencies"]))
    n += 1 - n % 2
    return lam + np.linspace(-1.5, 1.5, n) * fw["el_fwhm_nm"]


def el_converged_series(config: dict, distances_um, edges: np.ndarray, progress=print) -> dict:
    """Crystal-window totals of the three models, EL-weighted over frequencies dense enough
    for every distance (:func:`el_converged_frequencies`): the broadband (incoherent across the
    EL line) limit in which the gap fringes average out as they do for the real LED.
    Returns name/window_el arrays (n_d) and n_frequencies (n_d)."""
    fw = config["transfer_fullwave"]
    from sims.materials import refractive_index

    n_gap = float(np.real(refractive_index(build_structures(config)[1].above, fw["el_peak_nm"] / 1e3)))
    d = np.atleast_1d(np.asarray(distances_um, float))
    out = {f"{k}/{q}": np.zeros(d.size) for k in ("coherent", "multipass", "radiometric")
           for q in ("window_el", "total_infinite_el")}
    out["n_frequencies"] = np.zeros(d.size)
    for i, dd in enumerate(d):
        wl = el_converged_frequencies(fw, dd, n_gap)
        mk = model_kernels(config, [dd], edges, progress=None, wavelengths_nm=wl, check_tmm=False)
        c = compare(fw, {k: mk[k] for k in ("coherent", "multipass", "radiometric")}, edges, [dd], wl)
        w = el_weights(wl, fw["el_peak_nm"], fw["el_fwhm_nm"])
        for k in ("coherent", "multipass", "radiometric"):
            out[f"{k}/window_el"][i] = c[f"{k}/window_el"][0]
            out[f"{k}/total_infinite_el"][i] = float(mk[f"{k}_total_infinite"][0] @ w)
        out["n_frequencies"][i] = wl.size
        if progress:
            progress(f"  EL-converged d={dd:g} um ({wl.size} frequencies): window plane-wave {out['coherent/window_el'][i]:.4f}, "
                     f"multipass {out['multipass/window_el'][i]:.4f}, radiometric {out['radiometric/window_el'][i]:.4f}; "
                     f"infinite crystal {out['coherent/total_infinite_el'][i]:.4f}, {out['multipass/total_infinite_el'][i]:.4f}, "
                     f"{out['radiometric/total_infinite_el'][i]:.4f}")
    return out
