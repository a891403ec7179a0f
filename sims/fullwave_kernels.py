"""Lateral absorption profiles (kernels) of one TE line source at x = 0 in the LED, on x bins.

* ``radiometric_kernel``: the LED alone radiates dP/dtheta = P_up(k_x) n f cos(theta) into the
  gap (per-k_x sheet powers from ``sims.planar_green.tmm_sheet_powers``, kind s:
  :func:`led_alone_emission`); every ray goes straight to the crystal plane
  (x = d tan(theta)) and deposits the plane-wave absorbed fraction A_s(theta) of
  microcavity II. With more passes, the rays reflected back and forth between the two stacks
  (R_II(theta) R_LED(theta) per round trip) land at (2m + 1) d tan(theta), added incoherently.
* ``coherent_solution``: the exact plane-wave (Green's function) solution of the coupled
  planar structure (``sims.planar_te.te_line_source`` per k_x), lateral profile by the inverse
  Fourier transform over k_x (:func:`kx_quadrature`).
* ``strip_convolve`` / ``window_sum``: incoherent sources spread over the emitting strip (the
  structure is invariant under lateral translation) and the power inside the crystal window.

Units: um, f = 1/lambda (1/um), k_x in cycles/um (no 2 pi); powers per unit length of the line
source, P_line = int dk_x P_sheet(k_x) (Parseval with the cycles convention).
References: W. C. Chew, "Waves and Fields in Inhomogeneous Media" ch. 2; K. A. Neyts, JOSA A
15, 962 (1998) (``sims.emission``).
"""

from __future__ import annotations

import math

import numpy as np

from sims.planar_te import TWO_PI, Planar, te_line_source


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
    ``sims.planar_green.tmm_sheet_powers`` (kind s).

    Returns kx (n_kx uniform points to kx_max), P_emit and P_up there; emitted_total (all kx,
    both signs, :func:`kx_quadrature`); with theta_deg (angles in the gap): dP_dtheta =
    P_up(n f sin theta) n f cos theta evaluated at those angles and up_total = 2 int dP/dtheta
    dtheta (no light-line edge to integrate over)."""
    from sims.planar_green import tmm_sheet_powers

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

