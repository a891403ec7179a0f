"""Far field and beam divergence of microcavity II (issue 20, item 1).

Units: lengths um, wavelengths nm where named, angles deg (in the exit medium, air by default).

* Diffraction: the far field of a near-field profile E(x) (1D: a line source of a 2D problem)
  or E(x, y) on the top surface of the cavity is its angular spectrum at k_par = k n sin(theta)
  times the Rayleigh-Sommerfeld obliquity factor cos(theta):
  I(theta) ~ cos^2(theta) |F[E](k n sin theta)|^2 (scalar, one polarisation; direct DFT sum, so
  any angle grid; the near field must be sampled finer than lambda / 2 and decay at the edges).
* Cavity angular filter: a planar cavity passes light of vacuum wavelength lambda at angle
  theta with a Lorentzian in frequency about its resonance nu_res(theta), FWHM nu_res / Q(theta):
  T(theta) = 1 / (1 + (2 Q (nu - nu_res) / nu_res)^2), peak normalised to 1 (ASSUMED: the
  peak transmission does not change with angle). lambda_res(theta), Q(theta) come from the
  computed dispersion (cavity step, transfer matrix, s and p); lambda_res^2 is interpolated
  linearly in sin^2(theta), exact for the ideal planar cavity
  lambda_res = lambda_0 sqrt(1 - sin^2(theta) / n_eff^2).
* Lasing region and lateral mode: where the local net modal gain of the pump map is >= 0
  (threshold contour); its lowest lateral mode in three stated approximations: hard aperture
  (cos, walls at the contour), Gaussian of a given waist, or the gain-guided Gaussian of a
  parabolic net-gain profile in the cavity's in-plane (paraxial) dispersion. Its far field is
  the diffraction of the mode (no angular filter: the mode already is the cavity's).
"""

from __future__ import annotations

import math

import numpy as np

C_UM_PER_S = 2.99792458e14


# ---------------------------------------------------------------------------------------
# diffraction
# ---------------------------------------------------------------------------------------
def far_field_1d(x_um, field, wavelength_nm: float, theta_deg, n_medium: float = 1.0,
                 obliquity: bool = True) -> np.ndarray:
    """Far-field intensity per unit angle of a 1D near field, normalised to its maximum."""
    x, e = np.asarray(x_um, float), np.asarray(field, complex)
    dx = np.gradient(x)
    th = np.radians(np.asarray(theta_deg, float))
    kx = 2 * np.pi * n_medium / (wavelength_nm * 1e-3) * np.sin(th)
    amp = np.exp(-1j * np.outer(kx, x)) @ (e * dx)
    inten = np.abs(amp) ** 2 * (np.cos(th) ** 2 if obliquity else 1.0)
    return inten / inten.max()


def far_field_2d(x_um, y_um, field, wavelength_nm: float, theta_deg, phi_deg: float = 0.0,
                 n_medium: float = 1.0, obliquity: bool = True) -> np.ndarray:
    """Far-field intensity per solid angle of a 2D near field E[x, y] along the cut at azimuth
    phi (0: the x-z plane), normalised to its maximum."""
    x, y, e = np.asarray(x_um, float), np.asarray(y_um, float), np.asarray(field, complex)
    th = np.radians(np.asarray(theta_deg, float))
    k = 2 * np.pi * n_medium / (wavelength_nm * 1e-3) * np.sin(th)
    ph = math.radians(phi_deg)
    fx = np.exp(-1j * np.outer(k * math.cos(ph), x)) * np.gradient(x)   # [theta, x]
    fy = np.exp(-1j * np.outer(k * math.sin(ph), y)) * np.gradient(y)   # [theta, y]
    amp = np.einsum("tx,xy,ty->t", fx, e, fy)
    inten = np.abs(amp) ** 2 * (np.cos(th) ** 2 if obliquity else 1.0)
    return inten / inten.max()


def fwhm_deg(theta_deg, intensity) -> float:
    """Full width at half maximum (deg) of the lobe around the maximum; half crossings by linear
    interpolation. A one-sided grid (0..90) is mirrored; NaN if a side never falls to half."""
    th, y = np.asarray(theta_deg, float), np.asarray(intensity, float)
    if th.min() >= 0:  # one-sided: mirror about 0
        k = 1 if th[0] == 0 else 0
        th, y = np.concatenate([-th[::-1], th[k:]]), np.concatenate([y[::-1], y[k:]])
    i = int(np.argmax(y))
    half = y[i] / 2
    edges = []
    for step in (-1, 1):
        j = i
        while 0 <= j + step < y.size and y[j + step] > half:
            j += step
        if not 0 <= j + step < y.size:
            return math.nan
        a, b = j, j + step
        edges.append(th[a] + (half - y[a]) * (th[b] - th[a]) / (y[b] - y[a]))
    return float(abs(edges[1] - edges[0]))


def gaussian_divergence_fwhm_deg(waist_um: float, wavelength_nm: float, n_medium: float = 1.0) -> float:
    """Analytic FWHM of the far field of E = exp(-x^2 / w0^2) (w0: 1/e^2 intensity radius),
    without obliquity: |F|^2 ~ exp(-k_x^2 w0^2 / 2) -> sin(theta_half) = sqrt(2 ln 2) / (k n w0)."""
    s = math.sqrt(2 * math.log(2)) * wavelength_nm * 1e-3 / (2 * math.pi * n_medium * waist_um)
    return 2 * math.degrees(math.asin(s)) if s < 1 else math.nan


# ---------------------------------------------------------------------------------------
# cavity angular filter
# ---------------------------------------------------------------------------------------
def planar_dispersion_nm(theta_deg, wavelength0_nm: float, n_eff: float) -> np.ndarray:
    """Ideal planar-cavity resonance against the angle in air: lambda_0 sqrt(1 - sin^2 / n_eff^2)."""
    s = np.sin(np.radians(np.asarray(theta_deg, float)))
    return wavelength0_nm * np.sqrt(1 - (s / n_eff) ** 2)


def effective_index(theta_deg, wavelength_nm) -> tuple[float, float]:
    """(lambda_0 nm, n_eff) of the ideal form, least squares of lambda^2 = lambda_0^2 (1 - sin^2 / n_eff^2)."""
    s2 = np.sin(np.radians(np.asarray(theta_deg, float))) ** 2
    l2 = np.asarray(wavelength_nm, float) ** 2
    ok = np.isfinite(l2) & (l2 > 0)
    slope, icpt = np.polyfit(s2[ok], l2[ok], 1)
    return float(math.sqrt(icpt)), float(math.sqrt(-icpt / slope))


def resonance_at(theta_deg, disp_angles_deg, disp_wavelength_nm, disp_q):
    """(lambda_res nm, Q) at the requested angles from a dispersion table (lambda^2 linear in
    sin^2 theta; Q linear in sin^2 theta). Angles outside the table are held at its ends."""
    s2 = np.sin(np.radians(np.abs(np.asarray(theta_deg, float)))) ** 2
    a2 = np.sin(np.radians(np.asarray(disp_angles_deg, float))) ** 2
    wl, q = np.asarray(disp_wavelength_nm, float), np.asarray(disp_q, float)
    ok = np.isfinite(wl) & (wl > 0) & np.isfinite(q) & (q > 0)
    lam = np.sqrt(np.interp(s2, a2[ok], wl[ok] ** 2))
    return lam, np.interp(s2, a2[ok], q[ok])


def angular_filter(theta_deg, wavelength_nm, disp_angles_deg, disp_wavelength_nm, disp_q) -> np.ndarray:
    """Lorentzian (in frequency) transmission of the cavity at vacuum wavelength(s) lambda and
    angle theta, peak 1: 1 / (1 + (2 Q (nu - nu_res) / nu_res)^2). Broadcasts theta x lambda."""
    lam_res, q = resonance_at(theta_deg, disp_angles_deg, disp_wavelength_nm, disp_q)
    detune = lam_res / np.asarray(wavelength_nm, float) - 1.0  # (nu - nu_res) / nu_res
    return 1.0 / (1.0 + (2 * q * detune) ** 2)


def filter_fwhm_deg_ideal(q: float, n_eff: float) -> float:
    """FWHM of the angular filter at the normal-incidence resonance of the ideal planar cavity:
    nu_res(theta) - nu_0 = nu_res / (2Q) -> sin^2 = n_eff^2 (1 - (1 - 1/(2Q))^2)."""
    return 2 * math.degrees(math.asin(n_eff * math.sqrt(1 - (1 - 1 / (2 * q)) ** 2)))


def emission_pattern(theta_deg, wavelengths_nm, spectrum, dispersions) -> np.ndarray:
    """Below-threshold angular emission into the exit medium, normalised to its maximum:
    sum over wavelengths of spectrum x angular filter, averaged over the given dispersions
    (e.g. s and p: unpolarised). ``dispersions``: [(angles_deg, wavelength_nm, Q), ...].
    ASSUMED: the internal emission is isotropic over the band and the filter's peak is 1."""
    th = np.asarray(theta_deg, float)[:, None]
    lam, w = np.asarray(wavelengths_nm, float)[None, :], np.asarray(spectrum, float)[None, :]
    tot = sum((angular_filter(th, lam, *d) * w).sum(axis=1) for d in dispersions) / len(dispersions)
    return tot / tot.max()


# ---------------------------------------------------------------------------------------
# lasing region and lateral mode
# ---------------------------------------------------------------------------------------
def lasing_region_1d(x_um, net_gain, level: float = 0.0) -> tuple[float, float, float]:
    """(x_left, x_right, width) um of the contiguous region around the maximum where the net gain
    (any unit; e.g. local gain minus loss, or pump minus threshold pump) is >= level; edges by
    linear interpolation; (nan, nan, 0) if the maximum is below level."""
    x, g = np.asarray(x_um, float), np.asarray(net_gain, float) - level
    i = int(np.argmax(g))
    if g[i] < 0:
        return math.nan, math.nan, 0.0
    edges = []
    for step in (-1, 1):
        j = i
        while 0 <= j + step < g.size and g[j + step] >= 0:
            j += step
        if not 0 <= j + step < g.size:
            edges.append(x[j])
            continue
        a, b = j, j + step
        edges.append(x[a] + g[a] * (x[b] - x[a]) / (g[a] - g[b]))
    lo, hi = sorted(edges)
    return float(lo), float(hi), float(hi - lo)


def lasing_region_2d(x_um, y_um, net_gain_xy, level: float = 0.0) -> dict:
    """Area (um^2, pixel count x cell area: uniform grid), equivalent-circle diameter and the
    widths along x and y through the maximum of the region where net_gain[x, y] >= level."""
    x, y, g = np.asarray(x_um, float), np.asarray(y_um, float), np.asarray(net_gain_xy, float)
    area = float((g >= level).sum() * abs(x[1] - x[0]) * abs(y[1] - y[0]))
    i, j = np.unravel_index(int(np.argmax(g)), g.shape)
    return {"area_um2": area, "diameter_equivalent_um": 2 * math.sqrt(area / math.pi),
            "width_x_um": lasing_region_1d(x, g[:, j], level)[2], "width_y_um": lasing_region_1d(y, g[i, :], level)[2],
            "center_um": (float(x[i]), float(y[j]))}


def hard_aperture_mode(x_um, width_um: float, center_um: float = 0.0) -> np.ndarray:
    """Lowest mode of a region with hard walls (ASSUMED: field zero at the threshold contour):
    cos(pi (x - x_c) / W) inside, 0 outside."""
    u = np.asarray(x_um, float) - center_um
    return np.where(np.abs(u) <= width_um / 2, np.cos(np.pi * u / width_um), 0.0)


def gaussian_mode(x_um, waist_um: float, center_um: float = 0.0) -> np.ndarray:
    """exp(-(x - x_c)^2 / w0^2): ASSUMED Gaussian lateral mode, w0 the 1/e^2 intensity radius."""
    return np.exp(-((np.asarray(x_um, float) - center_um) / waist_um) ** 2)


def in_plane_diffusion_um2_per_s(wavelength_nm: float, n_eff: float) -> float:
    """D of the paraxial in-plane dispersion omega(k) = omega_0 + D k^2 of a planar cavity
    (omega = omega_0 / sqrt(1 - sin^2/n_eff^2), k = k_0 sin): D = c lambda_0 / (4 pi n_eff^2)."""
    return C_UM_PER_S * wavelength_nm * 1e-3 / (4 * math.pi * n_eff ** 2)


def parabolic_fit(x_um, y, half_width_um: float) -> tuple[float, float, float]:
    """(y0, curvature y2, x0) of y ~ y0 - y2 (x - x0)^2 fitted within +-half_width of the maximum."""
    x, yy = np.asarray(x_um, float), np.asarray(y, float)
    xc = x[int(np.argmax(yy))]
    m = np.abs(x - xc) <= half_width_um
    a, b, c = np.polyfit(x[m], yy[m], 2)
    x0 = -b / (2 * a)
    return float(c - b * b / (4 * a)), float(-a), float(x0)


def gain_guided_mode(x_um, d_um2_per_s: float, gain_curvature_per_s_um2: float, center_um: float = 0.0) -> dict:
    """Lowest mode of a parabolic net intensity-gain rate gamma(x) = gamma_0 - gamma_2 (x - x_c)^2 in
    the in-plane dispersion D: d psi/dt = i D psi'' + gamma(x)/2 psi. psi = exp(-b x^2) with
    b^2 = -i gamma_2 / (8 D), i.e. a Gaussian with a curved phase front (gain guiding; the far field
    is sqrt(2) wider than the diffraction limit of the same intensity width). Returns the field,
    the 1/e^2 intensity radius w = 1/sqrt(Re b) and the extra threshold rate (intensity, 1/s)
    the mode needs over the peak: 4 D |Im b|."""
    b = np.sqrt(-1j * gain_curvature_per_s_um2 / (8 * d_um2_per_s))
    b = b if b.real > 0 else -b
    u = np.asarray(x_um, float) - center_um
    return {"field": np.exp(-b * u ** 2), "b_per_um2": complex(b), "waist_um": float(1 / math.sqrt(b.real)),
            "diffraction_loss_per_s": float(4 * d_um2_per_s * abs(b.imag))}


def lasing_far_field(x_um, net_gain_rate_per_s, wavelength_nm: float, n_eff: float, theta_deg, dispersion=None,
                     fit_half_width_um: float | None = None) -> dict:
    """Far field of the lasing lateral mode from a 1D cut of the local net modal gain rate
    gamma(x) = Gamma v_g g(N(x)) - 1/tau_p (1/s; > 0 where local gain exceeds loss), in the three
    approximations: ``aperture`` (hard walls at the gamma = 0 contour), ``gaussian`` (real
    Gaussian, ASSUMED 1/e^2 intensity radius W / (2 sqrt 2), i.e. 1/e^2 diameter = W / sqrt 2),
    ``gain_guided`` (parabolic fit of gamma about its peak over +-fit_half_width, default half the
    region). Each pattern is the diffraction of the mode alone (obliquity included) -> FWHM (deg):
    the lasing mode is an eigenmode of the cavity, whose in-plane dispersion D already shapes its
    angular spectrum; the cavity's angular filter (``dispersion`` = (angles, lambda nm, Q), or none;
    returned as ``filter`` for reference) belongs to spontaneous emission below threshold, and
    multiplying the mode's far field by it would count the cavity twice (the 2D Meep run of a finite
    gain region, ``sims.gain_guided_meep``, is wider than the model, not narrower). Returns the
    region, the fits and, per approximation, pattern and FWHM."""
    x, g = np.asarray(x_um, float), np.asarray(net_gain_rate_per_s, float)
    lo, hi, width = lasing_region_1d(x, g)
    th = np.asarray(theta_deg, float)
    filt = angular_filter(th, wavelength_nm, *dispersion) if dispersion is not None else np.ones(th.size)
    out = {"region_um": (lo, hi), "width_um": width, "filter": filt}
    if width <= 0:
        return out
    xc = 0.5 * (lo + hi)
    g0, g2, x0 = parabolic_fit(x, g, fit_half_width_um or width / 2)
    gg = gain_guided_mode(x, in_plane_diffusion_um2_per_s(wavelength_nm, n_eff), max(g2, 1e-300), x0)
    out.update({"peak_net_gain_per_s": g0, "gain_curvature_per_s_um2": g2, "gain_guided": gg})
    modes = {"aperture": hard_aperture_mode(x, width, xc), "gaussian": gaussian_mode(x, width / (2 * math.sqrt(2)), xc),
             "gain_guided": gg["field"]}
    for name, e in modes.items():
        p = far_field_1d(x, e, wavelength_nm, th)
        out[f"{name}_pattern"] = p / p.max()
        out[f"{name}_fwhm_deg"] = fwhm_deg(th, out[f"{name}_pattern"])
    return out
