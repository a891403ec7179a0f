"""Inter-cavity transfer: radiometry from the PeLED active area onto the crystal plane.

The LED active area (a rectangle, ``lateral.led_*_um``) is an extended incoherent source:
it is split into point sources on a regular grid of pitch ``transfer.source_pitch_um``
(1 um x 1 um, as in the paper's ray tracing), each with the angular radiant intensity
I(theta) of the emission table (1/sr per unit power leaving the LED, i.e. normalised so
that its hemisphere integral is 1). The crystal plane is parallel to the LED at distance
d in the gap medium; a source at r_s gives the irradiance

    E(r) = M * p_x p_y * I(theta) * cos(theta) / R^2 = M p_x p_y I(theta) d / R^3,
    R^2 = |r - r_s|^2 + d^2,  tan(theta) = |r - r_s| / d,

per unit LED exitance M (W/m^2 leaving the LED into the exit medium). Summing over the
source grid is a discrete convolution of the kernel with the LED rectangle; both grids
share the pitch, so it is done exactly with a summed-area table of the kernel sampled at
every source-target offset (vectorised numpy, no loop over source points). The absorbed
pump power uses the same kernel weighted by the angle-dependent absorbed fraction
A(theta) of microcavity II lit from the gap (``sims.pump_absorption``).

Refraction: when the emission table is given in a medium (glass, standard PeLED) other
than the gap medium, the intensity is carried across a planar interface at the source
plane (Snell, Fresnel power transmission averaged over s and p for unpolarised light, and
the solid-angle Jacobian dOmega_1/dOmega_2 = n_2^2 cos(theta_2) / (n_1^2 cos(theta_1))).
The whole distance d is then in the gap medium (stated assumption: the glass substrate
thickness is folded into the gap).

Reference: radiometric configuration factors between parallel rectangles (J. R. Howell,
"A Catalog of Radiation Heat Transfer Configuration Factors", C-11; Gross, Spindler &
Hahne, Lett. Heat Mass Transfer 8, 219 (1981)); the paper's ray tracing (Zou et al.,
Nature 2025, Methods: 1 um x 1 um point sources). Units: um, degrees, W/m^2 per W/m^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sims.config import ConfigError, register_check


# ---------------------------------------------------------------------------------------
# angular tables
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AngularTable:
    """Radiant intensity against polar angle in one medium.

    Attributes:
        theta_deg: polar angles, increasing, from 0 to at most 90 (degrees).
        intensity_per_sr: I(theta), 1/sr, per unit of the power it is normalised to.
        medium_index: real refractive index of the medium the angles are measured in.
    """

    theta_deg: np.ndarray
    intensity_per_sr: np.ndarray
    medium_index: float

    def hemisphere_power(self) -> float:
        """2 pi int I(theta) sin(theta) dtheta over the table (trapezoid), dimensionless."""
        th = np.radians(self.theta_deg)
        return float(2 * np.pi * np.trapz(self.intensity_per_sr * np.sin(th), th))

    def normalised(self) -> "AngularTable":
        """Copy scaled so that hemisphere_power() == 1."""
        return AngularTable(self.theta_deg, self.intensity_per_sr / self.hemisphere_power(), self.medium_index)

    def at(self, theta_deg) -> np.ndarray:
        """I at angles (linear interpolation; 0 beyond the last tabulated angle)."""
        return np.interp(theta_deg, self.theta_deg, self.intensity_per_sr, right=0.0)


def check_angular_table(theta_deg, intensity_per_sr, key: str) -> None:
    """Raise ConfigError(key) unless the table is usable (0..90 deg, increasing, finite, >= 0)."""
    th, val = np.asarray(theta_deg, float), np.asarray(intensity_per_sr, float)
    problems = []
    if th.ndim != 1 or val.shape != th.shape:
        problems.append((key, f"theta_deg and intensity must be 1D of equal length ({th.shape}, {val.shape})"))
    elif th.size < 3:
        problems.append((key, f"needs at least 3 angles, got {th.size}"))
    elif not (np.all(np.isfinite(th)) and np.all(np.isfinite(val))):
        problems.append((key, "holds NaN or Inf"))
    elif np.any(np.diff(th) <= 0):
        problems.append((key, "theta_deg must be strictly increasing"))
    elif th[0] < 0 or th[-1] > 90 + 1e-9:
        problems.append((key, f"theta_deg must lie in 0..90 deg, got {th[0]:g}..{th[-1]:g}"))
    elif th[0] > 1e-9:
        problems.append((key, f"theta_deg must start at 0 deg (normal), starts at {th[0]:g}"))
    elif np.any(val < 0):
        problems.append((key, "intensity must be >= 0"))
    elif not np.any(val > 0):
        problems.append((key, "intensity is zero everywhere"))
    if problems:
        raise ConfigError(problems)


def lambertian_table(n_angles: int = 181, medium_index: float = 1.0) -> AngularTable:
    """I = cos(theta)/pi: Lambertian intensity per unit power (hemisphere integral 1)."""
    th = np.linspace(0.0, 90.0, n_angles)
    return AngularTable(th, np.cos(np.radians(th)) / np.pi, medium_index)


def fresnel_power_transmission(n1: float, n2: float, theta1_rad) -> np.ndarray:
    """Unpolarised power transmittance (mean of s and p) of a planar n1 -> n2 interface."""
    t1 = np.asarray(theta1_rad, float)
    s2 = n1 / n2 * np.sin(t1)
    out = np.zeros_like(t1)
    ok = s2 < 1.0
    c1, c2 = np.cos(t1[ok]), np.sqrt(1 - s2[ok] ** 2)
    rs = (n1 * c1 - n2 * c2) / (n1 * c1 + n2 * c2)
    rp = (n2 * c1 - n1 * c2) / (n2 * c1 + n1 * c2)
    out[ok] = 1.0 - 0.5 * (rs ** 2 + rp ** 2)
    return out


def refract_table(table: AngularTable, n_to: float, n_angles: int = 361, fresnel: bool = True) -> AngularTable:
    """Carry a radiant-intensity table across a planar interface into a medium of index n_to.

    I_2(theta_2) dOmega_2 = T(theta_1) I_1(theta_1) dOmega_1, with Snell's law; the power
    reflected at the interface (1 - T) and any light beyond the critical angle is lost.

    Args:
        table: intensity in the source medium (index table.medium_index).
        n_to: index of the medium on the other side.
        n_angles: angles of the returned table over 0..90 deg.
        fresnel: include the Fresnel transmittance (else T = 1 below the critical angle).
    Returns:
        AngularTable in the new medium, on an even 0..90 deg grid.
    """
    n1 = table.medium_index
    if abs(n1 - n_to) < 1e-12:
        return table
    th2 = np.radians(np.linspace(0.0, 90.0, n_angles))
    s1 = n_to / n1 * np.sin(th2)
    out = np.zeros_like(th2)
    ok = s1 < 1.0 - 1e-12
    th1 = np.arcsin(s1[ok])
    jac = (n_to ** 2 * np.cos(th2[ok])) / (n1 ** 2 * np.cos(th1))  # dOmega_1 / dOmega_2
    T = fresnel_power_transmission(n1, n_to, th1) if fresnel else 1.0
    out[ok] = table.at(np.degrees(th1)) * T * jac
    return AngularTable(np.degrees(th2), out, float(n_to))


# ---------------------------------------------------------------------------------------
# geometry of the two rectangles
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Grids:
    """Source (LED) and target (crystal plane) grids sharing one pitch per axis.

    x_src, y_src: centres of the LED source cells (um); x_tgt, y_tgt: centres of the
    target pixels (um); w_tgt: target pixel weights (fraction of each pixel inside the
    crystal, for partial edge pixels); px, py: pitch (um).
    """

    x_src: np.ndarray
    y_src: np.ndarray
    x_tgt: np.ndarray
    y_tgt: np.ndarray
    wx_tgt: np.ndarray
    wy_tgt: np.ndarray
    px: float
    py: float

    @property
    def led_area_um2(self) -> float:
        return self.x_src.size * self.px * self.y_src.size * self.py


def _axis(led_um: float, crystal_um: float, pitch_um: float, margin_um: float = 0.0):
    n_src = max(1, int(round(led_um / pitch_um)))
    p = led_um / n_src
    xs = (np.arange(n_src) - (n_src - 1) / 2) * p
    half = crystal_um / 2 + margin_um
    # target grid aligned on the source grid (offsets are multiples of p), symmetric about 0
    parity = 0.0 if n_src % 2 else 0.5
    k_max = int(math.ceil(half / p - parity - 0.5 + 1e-12))
    xt = (np.arange(-k_max, k_max + 1 - (1 if parity else 0)) + parity) * p
    lo, hi = xt - p / 2, xt + p / 2
    w = np.clip((np.minimum(hi, crystal_um / 2) - np.maximum(lo, -crystal_um / 2)) / p, 0.0, 1.0)
    return xs, xt, w, p


def make_grids(led_width_um: float, led_length_um: float, crystal_width_um: float,
               crystal_length_um: float, pitch_um: float = 1.0, margin_um: float = 0.0) -> Grids:
    """Source and target grids for centred, parallel rectangles (x: width, y: length).

    The LED side is split into round(side / pitch) cells (the pitch is adjusted so the cells
    tile the LED exactly); the target grid has the same pitch and covers the crystal plus
    ``margin_um`` on each side, with pixel weights giving the fraction inside the crystal.
    """
    for key, val in (("lateral.led_width_um", led_width_um), ("lateral.led_length_um", led_length_um),
                     ("lateral.crystal_width_um", crystal_width_um),
                     ("lateral.crystal_length_um", crystal_length_um),
                     ("transfer.source_pitch_um", pitch_um)):
        if not (np.isfinite(val) and val > 0):
            raise ConfigError([(key, f"must be a finite length > 0 um, got {val!r}")])
    if margin_um < 0:
        raise ConfigError([("transfer.map_margin_um", f"must be >= 0, got {margin_um!r}")])
    xs, xt, wx, px = _axis(led_width_um, crystal_width_um, pitch_um, margin_um)
    ys, yt, wy, py = _axis(led_length_um, crystal_length_um, pitch_um, margin_um)
    return Grids(xs, ys, xt, yt, wx, wy, px, py)


# ---------------------------------------------------------------------------------------
# irradiance maps
# ---------------------------------------------------------------------------------------
def _rect_sum(K: np.ndarray, nsx: int, nsy: int) -> np.ndarray:
    """S[i, j] = sum_{k=i}^{i+nsx-1} sum_{l=j}^{j+nsy-1} K[k, l] via a summed-area table."""
    sat = np.zeros((K.shape[0] + 1, K.shape[1] + 1))
    sat[1:, 1:] = K.cumsum(0).cumsum(1)
    ntx, nty = K.shape[0] - nsx + 1, K.shape[1] - nsy + 1
    return (sat[nsx:nsx + ntx, nsy:nsy + nty] - sat[:ntx, nsy:nsy + nty]
            - sat[nsx:nsx + ntx, :nty] + sat[:ntx, :nty])


def irradiance_maps(grids: Grids, distance_um: float, tables: dict[str, AngularTable],
                    max_subsample: int = 16) -> dict[str, np.ndarray]:
    """Irradiance on the target grid per unit LED exitance, for each angular weighting.

    Args:
        grids: from :func:`make_grids`.
        distance_um: LED plane to crystal plane, um (>= 0).
        tables: name -> intensity table in the gap medium, normalised to the power leaving
            the LED (e.g. {"incident": I(theta), "absorbed": I(theta) A(theta)}).
        max_subsample: at distances below two pitches each target pixel is averaged over
            s x s sub-points (s = ceil(2 pitch / d), capped) so the kernel is resolved.
    Returns:
        name -> array (n_x, n_y): W/m^2 on the crystal plane per W/m^2 leaving the LED.
        At d = 0 the exact limit is used: the map equals the hemisphere integral of the
        table inside the LED footprint (weighted by the overlap of pixel and LED) and 0 outside.
    """
    if not (np.isfinite(distance_um) and distance_um >= 0):
        raise ConfigError([("transfer.distances_um", f"distance must be finite and >= 0 um, got {distance_um!r}")])
    xs, ys, xt, yt = grids.x_src, grids.y_src, grids.x_tgt, grids.y_tgt
    px, py = grids.px, grids.py
    if distance_um == 0.0:
        ovx = np.clip((np.minimum(xt + px / 2, xs[-1] + px / 2) - np.maximum(xt - px / 2, xs[0] - px / 2)) / px, 0, 1)
        ovy = np.clip((np.minimum(yt + py / 2, ys[-1] + py / 2) - np.maximum(yt - py / 2, ys[0] - py / 2)) / py, 0, 1)
        foot = np.outer(ovx, ovy)
        out = {}
        for name, tab in tables.items():
            th = np.radians(tab.theta_deg)
            # power into the hemisphere below grazing; the last table angle bounds it
            out[name] = foot * float(2 * np.pi * np.trapz(tab.intensity_per_sr * np.sin(th), th))
        return out
    nsx, nsy = xs.size, ys.size
    # every offset target - source, ascending: dx_k = xt[0] - xs[-1] + k p
    dx = xt[0] - xs[-1] + np.arange(xt.size + nsx - 1) * px
    dy = yt[0] - ys[-1] + np.arange(yt.size + nsy - 1) * py
    s = int(min(max_subsample, max(1, math.ceil(2 * max(px, py) / distance_um))))
    sub_x = ((np.arange(s) + 0.5) / s - 0.5) * px
    sub_y = ((np.arange(s) + 0.5) / s - 0.5) * py
    kernels = {name: np.zeros((dx.size, dy.size)) for name in tables}
    d = float(distance_um)
    for ox in sub_x:
        for oy in sub_y:
            rho2 = (dx + ox)[:, None] ** 2 + (dy + oy)[None, :] ** 2
            R2 = rho2 + d * d
            geom = d / (R2 * np.sqrt(R2))  # cos(theta) / R^2
            theta = np.degrees(np.arctan2(np.sqrt(rho2), d))
            for name, tab in tables.items():
                kernels[name] += tab.at(theta) * geom
    out = {}
    for name, K in kernels.items():
        # the sum over source cells j of K(xt_i - xs_j) runs over k = i .. i + ns - 1
        # (xs ascending means k decreasing in j; the set of offsets is the same)
        out[name] = _rect_sum(K / (s * s), nsx, nsy) * px * py
    return out


def landed_fraction(grids: Grids, emap: np.ndarray) -> float:
    """Power on the crystal / power leaving the LED: sum(E w dA) / A_LED."""
    w = np.outer(grids.wx_tgt, grids.wy_tgt)
    return float(np.sum(emap * w) * grids.px * grids.py / grids.led_area_um2)


def crystal_mask(grids: Grids) -> np.ndarray:
    return np.outer(grids.wx_tgt, grids.wy_tgt)


def spot_center(grids: Grids, emap: np.ndarray) -> tuple[float, float]:
    """(x, y) in um of the maximum of a map on the crystal (the lasing spot sits where the
    absorbed pump peaks; for a ring-shaped map, one point of the ring)."""
    w = crystal_mask(grids) > 0
    on = np.where(w, emap, -np.inf)
    # among (near-)equal maxima (a plateau, e.g. at d = 0) take the one nearest the centre
    cand = on >= on.max() * (1 - 1e-9)
    r2 = np.where(cand, grids.x_tgt[:, None] ** 2 + grids.y_tgt[None, :] ** 2, np.inf)
    i, j = np.unravel_index(np.argmin(r2), emap.shape)
    return float(grids.x_tgt[i]), float(grids.y_tgt[j])


def spot_mean(grids: Grids, emap: np.ndarray, diameter_um: float, center_um: tuple = (0.0, 0.0)) -> float:
    """Mean of a map over a disk of given diameter at ``center_um`` (use :func:`spot_center`
    of the absorbed map); a single-pixel value when the disk is smaller than a pixel."""
    r2 = (grids.x_tgt[:, None] - center_um[0]) ** 2 + (grids.y_tgt[None, :] - center_um[1]) ** 2
    sel = r2 <= (diameter_um / 2) ** 2
    if not np.any(sel):
        sel = r2 == r2.min()
    return float(np.mean(emap[sel]))


def crystal_mean(grids: Grids, emap: np.ndarray) -> float:
    """Area-weighted mean of a map over the crystal."""
    w = crystal_mask(grids)
    return float(np.sum(emap * w) / np.sum(w))


# ---------------------------------------------------------------------------------------
# independent check: angular quadrature of the power that misses the crystal
# ---------------------------------------------------------------------------------------
def missed_fraction_angular(grids: Grids, distance_um: float, table: AngularTable,
                            source_stride: int = 4, n_theta: int = 400, n_phi: int = 720) -> float:
    """Power leaving the LED whose ray misses the crystal, by quadrature over directions.

    For a subset of source cells (every ``source_stride``-th along each axis; exact for the
    uniform source up to that sampling), integrates I(theta) dOmega over the directions
    whose straight ray from the source reaches the crystal plane outside the crystal
    rectangle. Independent of the spatial kernel/summed-area path: lands (spatial) +
    misses (angular) must equal the hemisphere integral of the table.

    Returns:
        misses / power leaving the LED (dimensionless).
    """
    th_edges = np.linspace(0.0, np.radians(min(90.0, table.theta_deg[-1])), n_theta + 1)
    th = 0.5 * (th_edges[1:] + th_edges[:-1])
    dmu = np.cos(th_edges[:-1]) - np.cos(th_edges[1:])
    ph = (np.arange(n_phi) + 0.5) * 2 * np.pi / n_phi
    dphi = 2 * np.pi / n_phi
    weight = table.at(np.degrees(th)) * dmu * dphi  # I dOmega per theta ring and phi bin
    rho = distance_um * np.tan(th)
    cx, cy = np.cos(ph), np.sin(ph)
    hx = (grids.x_tgt[-1] + grids.px / 2) if grids.wx_tgt.size else 0.0
    hx = np.sum(grids.wx_tgt) * grids.px / 2
    hy = np.sum(grids.wy_tgt) * grids.py / 2
    xs, ys = grids.x_src[::source_stride], grids.y_src[::source_stride]
    total = 0.0
    for x0 in xs:
        X = x0 + rho[:, None] * cx[None, :]
        inside_x = np.abs(X) <= hx
        for y0 in ys:
            Y = y0 + rho[:, None] * cy[None, :]
            miss = ~(inside_x & (np.abs(Y) <= hy))
            total += float(np.sum(weight[:, None] * miss))
    return total / (xs.size * ys.size)


# ---------------------------------------------------------------------------------------
# analytic reference: configuration factor between parallel, aligned rectangles
# ---------------------------------------------------------------------------------------
def view_factor_parallel_rectangles(x1, y1, x2, y2, d_um: float) -> float:
    """F_{1->2} from rectangle 1 = [x1[0],x1[1]] x [y1[0],y1[1]] to rectangle 2 (parallel,
    distance d, sides aligned), Lambertian emitter. Howell catalog C-11 (Gross et al. 1981).
    """
    def G(x, y, z):
        a = np.sqrt(x * x + z * z)
        b = np.sqrt(y * y + z * z)
        t1 = y * a * np.arctan2(y, a) if a > 0 else 0.0
        t2 = x * b * np.arctan2(x, b) if b > 0 else 0.0
        r2 = x * x + y * y + z * z
        t3 = -0.5 * z * z * np.log(r2) if r2 > 0 else 0.0
        return (t1 + t2 + t3) / (2 * np.pi)

    total = 0.0
    for i in (0, 1):
        for j in (0, 1):
            for k in (0, 1):
                for l in (0, 1):
                    sign = (-1) ** (i + j + k + l)
                    total += sign * G(x2[j] - x1[i], y2[l] - y1[k], d_um)
    area1 = (x1[1] - x1[0]) * (y1[1] - y1[0])
    return float(total / area1)


def view_factor_coaxial_disks(r1_um: float, r2_um: float, d_um: float) -> float:
    """F_{1->2} between coaxial parallel disks (Howell C-41)."""
    R1, R2 = r1_um / d_um, r2_um / d_um
    X = 1 + (1 + R2 ** 2) / R1 ** 2
    return 0.5 * (X - math.sqrt(X * X - 4 * (R2 / R1) ** 2))


# ---------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------
def distances_um(tcfg: dict) -> np.ndarray:
    """The sweep distances (um) of ``config['transfer']``."""
    return np.linspace(tcfg["sweep_distance_min_um"], tcfg["sweep_distance_max_um"], tcfg["sweep_n_distances"])


@register_check
def check_transfer(config: dict):
    """Distances, sizes, the gap material and the absorber stack of the transfer step."""
    t = config.get("transfer")
    if not t:
        return
    if t["sweep_distance_max_um"] <= t["sweep_distance_min_um"]:
        yield "transfer.sweep_distance_max_um", (f"{t['sweep_distance_max_um']} um must exceed "
                                                 f"transfer.sweep_distance_min_um = {t['sweep_distance_min_um']} um")
    if t["gap_material"] not in config["materials"]:
        yield "transfer.gap_material", f"{t['gap_material']!r} is not defined under materials"
    st = t["absorber_stack"]
    if st not in config["stacks"]:
        yield "transfer.absorber_stack", f"{st!r} is not defined under stacks"
    elif t["absorber_layer"] not in config["stacks"][st]["items"]:
        yield "transfer.absorber_layer", f"{t['absorber_layer']!r} is not an item of stack {st!r}"
    elif config["stacks"][st]["below"] != t["gap_material"]:
        yield "transfer.absorber_stack", (f"stack {st!r} is lit from {config['stacks'][st]['below']!r}, "
                                          f"not from the gap material {t['gap_material']!r}")
    ang = t["absorption_meep_angles_deg"]
    if any(b <= a for a, b in zip(ang, ang[1:])):
        yield "transfer.absorption_meep_angles_deg", "must be strictly increasing"
    if t["absorption_method"] == "meep" and (len(ang) < 3 or ang[0] != 0):
        yield "transfer.absorption_meep_angles_deg", ("transfer.absorption_method = meep needs a table: at least 3 "
                                                      "angles starting at 0 deg")
    lat = config["lateral"]
    p = t["source_pitch_um"]
    for key in ("led_width_um", "led_length_um"):
        if lat[key] < p:
            yield f"lateral.{key}", f"{lat[key]} um is smaller than transfer.source_pitch_um = {p} um"
    for i, a in enumerate(t["led_areas_mm2"]):
        side_um = math.sqrt(a) * 1e3
        if side_um < p:
            yield f"transfer.led_areas_mm2[{i}]", f"{a} mm^2 is smaller than one source cell"
        if side_um > 20000:
            yield f"transfer.led_areas_mm2[{i}]", f"{a} mm^2 (side {side_um:.0f} um) exceeds the 20 mm sampling limit"
    if st in config["stacks"] and t["gap_material"] in config["materials"]:
        from sims.config import band_inside_data, stack_material_names

        wl, fw = t["pump_wavelength_nm"], t["pump_fwhm_nm"]
        yield from band_inside_data("transfer.pump_wavelength_nm", stack_material_names(config, st),
                                    (wl - 1.5 * fw, wl + 1.5 * fw + 1e-6), config)


# ---------------------------------------------------------------------------------------
# inputs from the emission step
# ---------------------------------------------------------------------------------------
def read_emission(path) -> dict:
    """Read results/emission/{led}/emission.h5 into tables (ConfigError naming a bad dataset).

    Returns:
        dict with ``exit`` (AngularTable in the exit medium, as stored), ``air`` (AngularTable
        or None), ``extraction_fraction``, ``exit_medium``, ``exit_medium_index``.
    """
    import h5py

    with h5py.File(path, "r") as fh:
        for key in ("theta_deg", "intensity_per_sr"):
            if key not in fh:
                raise ConfigError([(f"{path}:{key}", "missing from the emission table")])
        th = np.asarray(fh["theta_deg"][()], float)
        inten = np.asarray(fh["intensity_per_sr"][()], float)
        air = np.asarray(fh["intensity_air_per_sr"][()], float) if "intensity_air_per_sr" in fh else None
        extraction = float(np.asarray(fh["extraction_fraction"][()])) if "extraction_fraction" in fh else float("nan")
        medium = fh.attrs.get("exit_medium", "unknown")
        n_exit = fh.attrs.get("exit_medium_index", None)
    if isinstance(medium, bytes):
        medium = medium.decode()
    if n_exit is None or not np.isfinite(float(n_exit)) or float(n_exit) < 1:
        raise ConfigError([(f"{path}:exit_medium_index", f"root attribute missing or < 1 ({n_exit!r})")])
    check_angular_table(th, inten, f"{path}:intensity_per_sr")
    air_tab = None
    if air is not None:
        check_angular_table(th, air, f"{path}:intensity_air_per_sr")
        air_tab = AngularTable(th, air, 1.0)
    return {"exit": AngularTable(th, inten, float(n_exit)), "air": air_tab, "extraction_fraction": extraction,
            "exit_medium": str(medium), "exit_medium_index": float(n_exit)}


# ---------------------------------------------------------------------------------------
# the whole step for one LED
# ---------------------------------------------------------------------------------------
def transfer_led(table_exit: AngularTable, n_gap: float, absorption_theta_deg, absorption_fraction,
                 lateral: dict, tcfg: dict, spot_diameter_um: float, fresnel: bool = True,
                 progress=None) -> tuple[dict, dict, dict]:
    """Maps, distance sweep, energy balance and LED-area study for one LED.

    Args:
        table_exit: radiant intensity in the LED's exit medium (any normalisation).
        n_gap: refractive index of the gap medium.
        absorption_theta_deg, absorption_fraction: A(theta) of microcavity II lit from the gap
            (unpolarised), angles in the gap medium.
        lateral: config['lateral'] (LED and crystal sizes, um).
        tcfg: config['transfer'].
        spot_diameter_um: lasing-spot diameter for the "spot" reading.
        fresnel: Fresnel losses when refracting into the gap.
    Returns:
        (datasets, units, scalar attributes). Every irradiance is per unit LED exitance (power
        per LED area leaving the LED into its exit medium), dimensionless.
    """
    import time

    a_th, a_val = np.asarray(absorption_theta_deg, float), np.asarray(absorption_fraction, float)
    check_angular_table(a_th, np.maximum(a_val, 0) + 1e-300, "transfer.absorption table")
    if np.any(a_val < -1e-6) or np.any(a_val > 1 + 1e-6):
        raise ConfigError([("transfer.absorption table", "absorbed fractions must lie in [0, 1]")])
    norm = table_exit.normalised()
    gap = refract_table(norm, n_gap, fresnel=fresnel)
    a_gap = np.interp(gap.theta_deg, a_th, np.clip(a_val, 0, 1))
    absorbed = AngularTable(gap.theta_deg, gap.intensity_per_sr * a_gap, n_gap)
    tables = {"incident": gap, "absorbed": absorbed}
    pitch = tcfg["source_pitch_um"]
    lw, ll, cw, cl = (lateral[k] for k in ("led_width_um", "led_length_um", "crystal_width_um", "crystal_length_um"))
    g0 = make_grids(lw, ll, cw, cl, pitch)
    gm = make_grids(lw, ll, cw, cl, pitch, tcfg["map_margin_um"])
    dist = distances_um(tcfg)
    sweep = {k: np.empty(dist.size) for k in ("coupling_efficiency", "absorbed_fraction_of_led_power",
                                              "mean_irradiance_ratio", "spot_irradiance_ratio",
                                              "peak_irradiance_ratio", "mean_absorbed_ratio", "spot_absorbed_ratio")}
    ds: dict = {}
    t0 = time.perf_counter()
    for i, d in enumerate(dist):
        m = irradiance_maps(g0, float(d), tables)
        sweep["coupling_efficiency"][i] = landed_fraction(g0, m["incident"])
        sweep["absorbed_fraction_of_led_power"][i] = landed_fraction(g0, m["absorbed"])
        sweep["mean_irradiance_ratio"][i] = crystal_mean(g0, m["incident"])
        c = spot_center(g0, m["absorbed"])
        sweep["spot_irradiance_ratio"][i] = spot_mean(g0, m["incident"], spot_diameter_um, c)
        sweep["peak_irradiance_ratio"][i] = float(np.max(m["incident"]))
        sweep["mean_absorbed_ratio"][i] = crystal_mean(g0, m["absorbed"])
        sweep["spot_absorbed_ratio"][i] = spot_mean(g0, m["absorbed"], spot_diameter_um, c)
        if progress:
            progress(f"d = {d:7.2f} um: coupling {sweep['coupling_efficiency'][i]:.4f}")
    # maps (with margin) at the configured distances
    md = np.asarray(tcfg["map_distances_um"], float)
    inc_maps, abs_maps, balance, spot_centers = [], [], [], []
    map_scalars = {k: np.empty(md.size) for k in sweep}
    for j, d in enumerate(md):
        m = irradiance_maps(gm, float(d), tables)
        inc_maps.append(m["incident"])
        abs_maps.append(m["absorbed"])
        map_scalars["coupling_efficiency"][j] = landed_fraction(gm, m["incident"])
        map_scalars["absorbed_fraction_of_led_power"][j] = landed_fraction(gm, m["absorbed"])
        map_scalars["mean_irradiance_ratio"][j] = crystal_mean(gm, m["incident"])
        c = spot_center(gm, m["absorbed"])
        spot_centers.append(c)
        map_scalars["spot_irradiance_ratio"][j] = spot_mean(gm, m["incident"], spot_diameter_um, c)
        map_scalars["peak_irradiance_ratio"][j] = float(np.max(m["incident"] * (crystal_mask(gm) > 0)))
        map_scalars["mean_absorbed_ratio"][j] = crystal_mean(gm, m["absorbed"])
        map_scalars["spot_absorbed_ratio"][j] = spot_mean(gm, m["absorbed"], spot_diameter_um, c)
    sweep_s = time.perf_counter() - t0
    stride = max(1, min(g0.x_src.size, g0.y_src.size) // 24)
    for j, d in enumerate(md):
        missed = missed_fraction_angular(g0, float(d), gap, source_stride=stride)
        balance.append([map_scalars["coupling_efficiency"][j], missed, gap.hemisphere_power()])
    # LED-area study: square LEDs, crystal unchanged
    areas = np.asarray(tcfg["led_areas_mm2"], float)
    ad = np.asarray(tcfg["area_distances_um"], float)
    area_keys = ("coupling_efficiency", "spot_absorbed_ratio", "mean_absorbed_ratio", "spot_irradiance_ratio",
                 "mean_irradiance_ratio")
    area = {k: np.empty((areas.size, ad.size)) for k in area_keys}
    t1 = time.perf_counter()
    for i, a in enumerate(areas):
        side = math.sqrt(a) * 1e3
        ga = make_grids(side, side, cw, cl, pitch)
        for j, d in enumerate(ad):
            m = irradiance_maps(ga, float(d), tables)
            area["coupling_efficiency"][i, j] = landed_fraction(ga, m["incident"])
            c = spot_center(ga, m["absorbed"])
            area["spot_absorbed_ratio"][i, j] = spot_mean(ga, m["absorbed"], spot_diameter_um, c)
            area["mean_absorbed_ratio"][i, j] = crystal_mean(ga, m["absorbed"])
            area["spot_irradiance_ratio"][i, j] = spot_mean(ga, m["incident"], spot_diameter_um, c)
            area["mean_irradiance_ratio"][i, j] = crystal_mean(ga, m["incident"])
    area_s = time.perf_counter() - t1
    ds.update({"theta_gap_deg": gap.theta_deg, "intensity_gap_per_sr": gap.intensity_per_sr,
               "absorbed_fraction_gap": a_gap, "theta_exit_deg": norm.theta_deg,
               "intensity_exit_per_sr": norm.intensity_per_sr, "distance_um": dist,
               "map_distance_um": md, "map_x_um": gm.x_tgt, "map_y_um": gm.y_tgt,
               "map_crystal_weight": crystal_mask(gm), "irradiance_map": np.array(inc_maps),
               "absorbed_map": np.array(abs_maps),
               "energy_balance": np.array(balance), "led_area_mm2": areas, "area_distance_um": ad,
               "map_spot_center_um": np.array(spot_centers)})
    for k, v in sweep.items():
        ds[f"sweep/{k}"] = v
        ds[f"maps/{k}"] = map_scalars[k]
    for k, v in area.items():
        ds[f"area/{k}"] = v
    units = {"theta_gap_deg": "deg (in the gap medium)", "intensity_gap_per_sr": "1/sr per W leaving the LED",
             "absorbed_fraction_gap": "1 (unpolarised)", "theta_exit_deg": "deg (in the exit medium)",
             "intensity_exit_per_sr": "1/sr per W leaving the LED", "distance_um": "um", "map_distance_um": "um",
             "map_x_um": "um", "map_y_um": "um", "map_crystal_weight": "1 (fraction of pixel on the crystal)",
             "irradiance_map": "W/m^2 per W/m^2 of LED exitance", "absorbed_map": "W/m^2 per W/m^2 of LED exitance",
             "energy_balance": "1: columns landed (spatial), missed (angular quadrature), left (hemisphere)",
             "led_area_mm2": "mm^2", "area_distance_um": "um",
             "map_spot_center_um": "um: (x, y) of the lasing spot (absorbed-map maximum) at each map distance"}
    for k in sweep:
        u = "1 (of the power leaving the LED)" if k in ("coupling_efficiency", "absorbed_fraction_of_led_power") \
            else "W/m^2 per W/m^2 of LED exitance"
        units[f"sweep/{k}"] = units[f"maps/{k}"] = u
        if k in area:
            units[f"area/{k}"] = u
    scalars = {"sweep_wall_time_s": sweep_s, "area_study_wall_time_s": area_s, "n_distances": int(dist.size),
               "source_cells": int(g0.x_src.size * g0.y_src.size), "pitch_x_um": g0.px, "pitch_y_um": g0.py,
               "gap_index": float(n_gap), "exit_index": float(table_exit.medium_index),
               "power_into_gap_per_power_leaving": gap.hemisphere_power(),
               "spot_diameter_um": float(spot_diameter_um)}
    return ds, units, scalars


# ---------------------------------------------------------------------------------------
# issue 17: the two devices as built, spectrally and angularly resolved, multiple passes
# ---------------------------------------------------------------------------------------
POLS = ("s", "p")


def device_distance_um(config: dict, led: str) -> float:
    """The coupling distance of each device as built (um): the gap layer's thickness for the dual
    cavity (microcavity LED), devices.standard.distance_um for the single cavity."""
    dev = config["transfer"]["devices"]
    if led == "microcavity":
        return float(config["layers"][dev["microcavity"]["gap_layer"]]["thickness_nm"]) / 1e3
    return float(dev["standard"]["distance_um"])


def device_sweep_um(tcfg: dict, led: str, substrate_um: float | None = None) -> tuple[np.ndarray, bool]:
    """Distances of the J_th(d) sweep over the device's physically possible range (um).

    Dual cavity: transfer.sweep_distance_min_um .. max. Single cavity: its substrate thickness
    .. max; when max does not exceed the substrate the range is extended to 1.5 x the substrate
    (returned flag True: say so). Returns (distances, extended)."""
    n = int(tcfg["sweep_n_distances"])
    hi = float(tcfg["sweep_distance_max_um"])
    if led == "microcavity" or substrate_um is None:
        return np.linspace(float(tcfg["sweep_distance_min_um"]), hi, n), False
    extended = hi <= substrate_um
    if extended:
        hi = 1.5 * substrate_um
    return np.linspace(float(substrate_um), hi, n), extended


@register_check
def check_devices(config: dict):
    """Keys of transfer.devices: stacks and layers exist, the single-cavity crystal is not closer
    than its substrate, the emission band is inside the optical data of every stack used."""
    t = config.get("transfer")
    if not t or "devices" not in t:
        return
    dev = t["devices"]
    mc, st = dev["microcavity"], dev["standard"]
    for led, spec in (("microcavity", mc), ("standard", st)):
        if spec["led_stack"] not in config["stacks"]:
            yield f"transfer.devices.{led}.led_stack", f"{spec['led_stack']!r} is not defined under stacks"
    if mc["gap_layer"] not in config["layers"]:
        yield "transfer.devices.microcavity.gap_layer", f"{mc['gap_layer']!r} is not defined under layers"
    elif config["layers"][mc["gap_layer"]]["material"] != t["gap_material"]:
        yield "transfer.devices.microcavity.gap_layer", (f"layer {mc['gap_layer']!r} is made of "
                                                         f"{config['layers'][mc['gap_layer']]['material']!r}, "
                                                         f"not the gap material {t['gap_material']!r}")
    sub = st["substrate_layer"]
    if sub not in config["layers"]:
        yield "transfer.devices.standard.substrate_layer", f"{sub!r} is not defined under layers"
    elif st["distance_um"] < config["layers"][sub]["thickness_nm"] / 1e3:
        yield "transfer.devices.standard.distance_um", (
            f"{st['distance_um']} um puts the crystal closer than its substrate "
            f"(layers.{sub}.thickness_nm = {config['layers'][sub]['thickness_nm']:g} nm): the "
            f"standard PeLED pumps microcavity II through its own glass substrate")
    if st["air_gap_material"] not in config["materials"]:
        yield "transfer.devices.standard.air_gap_material", f"{st['air_gap_material']!r} is not defined under materials"
    if "emission" in config and all(s["led_stack"] in config["stacks"] for s in (mc, st)):
        from sims.config import band_inside_data, stack_material_names

        em = config["emission"]
        band = (em["wavelength_min_nm"], em["wavelength_max_nm"])
        names = set()
        for s in (mc["led_stack"], st["led_stack"], t["absorber_stack"]):
            if s in config["stacks"]:
                names |= stack_material_names(config, s)
        names.add(st["air_gap_material"]) if st["air_gap_material"] in config["materials"] else None
        yield from band_inside_data("emission.wavelength_min_nm", names, band, config)


def read_emission_spectral(path, group: str = "") -> dict:
    """The (theta, wavelength) maps of emission.h5 in the exit medium, per polarization.

    Returns theta_deg, wavelength_nm (ascending), I_s, I_p (1/(sr nm), theta x wavelength),
    el_spectrum_per_nm (or None) and ``polarization``: "resolved" when the file holds
    ``intensity_map_s_per_sr_per_nm``, else "assumed unpolarised (s = p = 1/2)". ``group``: read
    the maps of a group of the file (e.g. "tmm/", "variants/as_given/"); the EL spectrum and any
    dataset the group lacks come from the root."""
    import h5py

    with h5py.File(path, "r") as fh:
        def get(key):
            return fh[group + key] if group + key in fh else (fh[key] if key in fh else None)

        for key in ("theta_deg", "wavelength_nm", "intensity_map_per_sr_per_nm"):
            if get(key) is None:
                raise ConfigError([(f"{path}:{group}{key}", "missing from the emission table (needed by the spectral "
                                                           "transfer)")])
        th = np.asarray(get("theta_deg")[()], float)
        wl = np.asarray(get("wavelength_nm")[()], float)
        tot = np.asarray(fh[group + "intensity_map_per_sr_per_nm"][()], float)
        s = (np.asarray(fh[group + "intensity_map_s_per_sr_per_nm"][()], float)
             if group + "intensity_map_s_per_sr_per_nm" in fh else None)
        el = np.asarray(get("el_spectrum_per_nm")[()], float) if get("el_spectrum_per_nm") is not None else None
    if tot.shape != (th.size, wl.size):
        raise ConfigError([(f"{path}:intensity_map_per_sr_per_nm", f"shape {tot.shape} is not theta x wavelength")])
    order = np.argsort(wl)
    wl, tot = wl[order], tot[:, order]
    el = el[order] if el is not None else None
    if s is None:
        i_s, pol = 0.5 * tot, "assumed unpolarised (s = p = 1/2): emission.h5 has no intensity_map_s_per_sr_per_nm"
    else:
        i_s, pol = np.clip(s[:, order], 0, None), "resolved (intensity_map_s_per_sr_per_nm)"
    tot = np.clip(tot, 0, None)
    return {"theta_deg": th, "wavelength_nm": wl, "I_s": np.minimum(i_s, tot), "I_p": tot - np.minimum(i_s, tot),
            "el_spectrum_per_nm": el, "polarization": pol}


def resample_emission(em: dict, theta_deg, wavelength_nm) -> dict:
    """The emission maps on another (theta, wavelength) grid (linear; 0 outside), normalised so the
    total (both polarizations, theta and wavelength integrated) is 1 per W leaving the LED."""
    th, wl = np.asarray(theta_deg, float), np.asarray(wavelength_nm, float)
    out = {}
    for pol in POLS:
        a = np.array([np.interp(wl, em["wavelength_nm"], row, left=0.0, right=0.0) for row in em[f"I_{pol}"]])
        out[f"I_{pol}"] = np.array([np.interp(th, em["theta_deg"], col, right=0.0) for col in a.T]).T
    tot = hemisphere(th, np.trapz(out["I_s"] + out["I_p"], wl, axis=1))
    for pol in POLS:
        out[f"I_{pol}"] = out[f"I_{pol}"] / tot
    out["theta_deg"], out["wavelength_nm"] = th, wl
    return out


def hemisphere(theta_deg, values) -> float:
    """2 pi int v(theta) sin(theta) dtheta (trapezoid): power of an intensity table."""
    th = np.radians(np.asarray(theta_deg, float))
    return float(2 * np.pi * np.trapz(np.asarray(values) * np.sin(th), th))


def fresnel_rt_pol(n1, n2, theta1_rad) -> dict:
    """Power reflectance R_s, R_p of a planar n1 -> n2 interface (1 beyond the critical angle)."""
    t1 = np.asarray(theta1_rad, float)
    s2 = n1 / n2 * np.sin(t1)
    ok = s2 < 1.0
    c1 = np.cos(t1)
    c2 = np.sqrt(np.clip(1 - s2 ** 2, 0, None))
    rs = np.where(ok, ((n1 * c1 - n2 * c2) / (n1 * c1 + n2 * c2 + 1e-300)) ** 2, 1.0)
    rp = np.where(ok, ((n2 * c1 - n1 * c2) / (n2 * c1 + n1 * c2 + 1e-300)) ** 2, 1.0)
    return {"R_s": rs, "R_p": rp, "ok": ok}


def air_gap_effective(theta_glass_deg, n_glass: float, n_air: float, theta_air_deg, ii_air: dict) -> dict:
    """Effective absorbed fraction and back reflectance, seen from the glass, of a thin air gap
    in front of microcavity II (incoherent bounces, no lateral offset inside the thin gap).

    A_eff = T_ga A_II / (1 - R_ga R_II), R_eff = R_ga + T_ga^2 R_II / (1 - R_ga R_II), per
    polarization, with the glass/air Fresnel R_ga (T_ga = 1 - R_ga) and microcavity II lit
    from air at the refracted angle. Beyond the glass/air critical angle A_eff = 0, R_eff = 1
    (total reflection back to the LED). ii_air: A_s, A_p, R_s, R_p on (theta_air_deg, wavelength).
    """
    thg = np.radians(np.asarray(theta_glass_deg, float))
    fr = fresnel_rt_pol(n_glass, n_air, thg)
    sa = np.clip(n_glass / n_air * np.sin(thg), 0, 1)
    tha = np.degrees(np.arcsin(sa))
    nl = ii_air["A_s"].shape[1]
    out = {}
    for pol in POLS:
        A = np.array([np.interp(tha, theta_air_deg, ii_air[f"A_{pol}"][:, j], right=0.0) for j in range(nl)]).T
        R = np.array([np.interp(tha, theta_air_deg, ii_air[f"R_{pol}"][:, j], right=1.0) for j in range(nl)]).T
        rg = fr[f"R_{pol}"][:, None]
        tg = 1.0 - rg
        ok = fr["ok"][:, None] & np.ones_like(R, bool)
        den = np.where(ok, 1.0 - rg * R, 1.0)
        out[f"A_{pol}"] = np.where(ok, tg * A / den, 0.0)
        out[f"R_{pol}"] = np.where(ok, rg + tg * tg * R / den, 1.0)
    return out


def pass_tables(theta_deg, wavelength_nm, I: dict, A: dict, R_ii: dict, R_led: dict, tolerance: float,
                max_passes: int, el_weights=None, measure=None) -> dict:
    """Angular tables of every pass between LED and microcavity II (spectral model).

    table_n(theta) = sum_pol int dlambda I_pol A_pol (R_LED,pol R_II,pol)^n, n = 0, 1, ...
    until the infinite-plane weight left, (total - sum so far) / total with total =
    sum_pol int I A / (1 - R_LED R_II), is below ``tolerance`` (or ``max_passes``).

    With ``el_weights`` (weights over the wavelengths, sum 1 after the trapezoid) A and R are
    first averaged over the EL line per polarization and multiplied by the wavelength-integrated
    intensity (the EL-averaged model). ``measure`` (default 2 pi sin theta: 3D solid angle) is
    the angular measure of the infinite-plane sums (2 for the 2D check).

    Returns dict: tables (list of arrays over theta), incident (array), infinite_plane (total
    absorbed per W leaving the LED, all passes), single_pass_infinite, left (weight left), n_passes.
    """
    th = np.asarray(theta_deg, float)
    wl = np.asarray(wavelength_nm, float)
    mu = 2 * np.pi * np.sin(np.radians(th)) if measure is None else np.broadcast_to(np.asarray(measure, float), th.shape)
    thr = np.radians(th)

    def ang_int(v):
        return float(np.trapz(v * mu, thr))

    if el_weights is not None:
        w = np.asarray(el_weights, float)
        w = w / np.trapz(w, wl)
        X, rho = {}, {}
        for pol in POLS:
            ib = np.trapz(I[f"I_{pol}"], wl, axis=1)
            a = np.trapz(A[f"A_{pol}"] * w[None, :], wl, axis=1)
            r = np.trapz(R_led[f"R_{pol}"] * w[None, :], wl, axis=1) * np.trapz(R_ii[f"R_{pol}"] * w[None, :], wl, axis=1)
            X[pol], rho[pol] = (ib * a)[:, None], r[:, None]
        lam_int = lambda m: m[:, 0]
        incident = sum(np.trapz(I[f"I_{pol}"], wl, axis=1) for pol in POLS)
    else:
        X = {pol: I[f"I_{pol}"] * A[f"A_{pol}"] for pol in POLS}
        rho = {pol: R_led[f"R_{pol}"] * R_ii[f"R_{pol}"] for pol in POLS}
        lam_int = lambda m: np.trapz(m, wl, axis=1)
        incident = sum(np.trapz(I[f"I_{pol}"], wl, axis=1) for pol in POLS)
    for pol in POLS:
        rho[pol] = np.clip(rho[pol], 0.0, 1.0 - 1e-12)
    total = ang_int(sum(lam_int(X[pol] / (1.0 - rho[pol])) for pol in POLS))
    tables, done = [], 0.0
    cur = {pol: X[pol].copy() for pol in POLS}
    left = 1.0
    for n in range(int(max_passes)):
        tab = sum(lam_int(cur[pol]) for pol in POLS)
        tables.append(np.clip(tab, 0, None))
        done += ang_int(tab)
        left = (total - done) / total if total > 0 else 0.0
        if left < tolerance:
            break
        for pol in POLS:
            cur[pol] = cur[pol] * rho[pol]
    return {"tables": tables, "incident": incident, "infinite_plane": total,
            "single_pass_infinite": ang_int(tables[0]) if tables else 0.0, "left": float(max(left, 0.0)),
            "n_passes": len(tables)}


def multipass_maps(grids: Grids, distance_um: float, theta_deg, passes: dict, medium_index: float,
                   with_incident: bool = True) -> dict:
    """Incident (first pass) and absorbed (all passes) maps: pass n lands at (2n + 1) d tan(theta),
    i.e. as a source at distance (2n + 1) d (parallel planes, ray optics). Returns incident,
    absorbed, absorbed_single_pass arrays (per W/m^2 leaving the LED). The passes beyond the
    first are summed by :func:`irradiance_map_passes` (one kernel convolution for all)."""
    th = np.asarray(theta_deg, float)
    tabs = passes["tables"]
    first_tabs = {"a": AngularTable(th, tabs[0], medium_index)}
    if with_incident:
        first_tabs["i"] = AngularTable(th, passes["incident"], medium_index)
    first = irradiance_maps(grids, float(distance_um), first_tabs)
    absorbed = first["a"].copy()
    if len(tabs) > 1:
        if distance_um == 0:
            for tab in tabs[1:]:
                absorbed += irradiance_maps(grids, 0.0, {"a": AngularTable(th, tab, medium_index)})["a"]
        else:
            dn = [(2 * n + 1) * float(distance_um) for n in range(1, len(tabs))]
            absorbed += irradiance_map_passes(grids, dn, th, tabs[1:])
    out = {"absorbed": absorbed, "absorbed_single_pass": first["a"]}
    if with_incident:
        out["incident"] = first["i"]
    return out


def map_readings(grids: Grids, maps: dict, spot_diameter_um: float) -> dict:
    """Spot (disk at the absorbed-map maximum) and crystal-mean readings of absorbed and incident maps."""
    c = spot_center(grids, maps["absorbed"])
    out = {"spot_absorbed_ratio": spot_mean(grids, maps["absorbed"], spot_diameter_um, c),
           "crystal_mean_absorbed_ratio": crystal_mean(grids, maps["absorbed"]),
           "absorbed_fraction_of_led_power": landed_fraction(grids, maps["absorbed"]),
           "spot_center_um": np.array(c)}
    if "incident" in maps:
        out.update({"spot_irradiance_ratio": spot_mean(grids, maps["incident"], spot_diameter_um, c),
                    "crystal_mean_irradiance_ratio": crystal_mean(grids, maps["incident"]),
                    "coupling_efficiency": landed_fraction(grids, maps["incident"]),
                    "peak_irradiance_ratio": float(np.max(maps["incident"] * (crystal_mask(grids) > 0)))})
    return out


def device_optics(led: str, bond: str, ab: dict, theta_deg) -> dict:
    """A, R_II, R_LED per polarization on (theta, wavelength) in the medium of the geometry (the
    gap for the dual cavity, the substrate for the single cavity), from pump_absorption.h5.

    Dual cavity: microcavity II and microcavity I both lit from NOA81. Single cavity,
    index_matched: microcavity II lit from a medium of the glass index; air_gap: the
    effective absorbed fraction and back reflectance of :func:`air_gap_effective`."""
    th_tab = np.asarray(ab["spectral/theta_deg"], float)
    th = np.asarray(theta_deg, float)

    def on(arr, right):
        arr = np.asarray(arr, float)
        return np.array([np.interp(th, th_tab, arr[:, j], right=right) for j in range(arr.shape[1])]).T

    rl = {f"R_{p}": on(ab[f"spectral/led/{led}/R_{p}"], 1.0) for p in POLS}
    if led == "microcavity":
        src = "gap"
    elif bond == "index_matched":
        src = "substrate"
    else:
        src = None
    if src is not None:
        A = {f"A_{p}": on(ab[f"spectral/ii/{src}/A_{p}"], 0.0) for p in POLS}
        R = {f"R_{p}": on(ab[f"spectral/ii/{src}/R_{p}"], 1.0) for p in POLS}
    else:
        ii_air = {k: np.asarray(ab[f"spectral/ii/air/{k}"], float) for k in ("A_s", "A_p", "R_s", "R_p")}
        eff = air_gap_effective(th, float(ab["spectral/index/substrate"]), float(ab["spectral/index/air"]), th_tab, ii_air)
        A = {f"A_{p}": eff[f"A_{p}"] for p in POLS}
        R = {f"R_{p}": eff[f"R_{p}"] for p in POLS}
    return {"A": A, "R_ii": R, "R_led": rl}


def transfer_device(led: str, em_spec: dict, table_exit: AngularTable, ab: dict, lateral: dict, tcfg: dict,
                    distance_um: float, spot_diameter_um: float, substrate_um: float | None = None,
                    bond: str = "index_matched", n_gap: float | None = None, calibration: dict | None = None,
                    progress=None) -> tuple[dict, dict, dict]:
    """The transfer step for one device as built (issue 17).

    Args:
        led: "microcavity" (dual cavity) or "standard" (single cavity).
        em_spec: :func:`read_emission_spectral` of the LED's emission.h5 (exit medium).
        table_exit: the wavelength-integrated table in the exit medium (:func:`read_emission`).
        ab: datasets of pump_absorption.h5 (spectral/..., table/...).
        lateral, tcfg: config['lateral'], config['transfer'].
        distance_um: the device's coupling distance.
        substrate_um: the single cavity's substrate thickness (lower end of its sweep).
        bond: the configured bond (production) of the single cavity.
        n_gap: the gap (NOA81) index, for today's model (variant legacy_noa81_gap).
        calibration: LED-calibration variants for the sensitivity study: {"reference": em_spec of the
            production (calibrated) stack by transfer matrix, "variants": {name: em_spec by transfer
            matrix}}; each variant's ratio is the production ratio times (variant / reference), both
            by the transfer-matrix emission and the variant's own LED reflectance
            (``spectral/led/{led}/variants/{name}/R_*`` of pump_absorption.h5).
    Returns:
        (datasets, units, scalar attributes).
    """
    import time

    t_start = time.perf_counter()
    th = np.asarray(ab["spectral/theta_deg"], float)
    wl = np.asarray(ab["spectral/wavelength_nm"], float)
    I = resample_emission(em_spec, th, wl)
    n_geom = float(ab["spectral/index/gap"] if led == "microcavity" else ab["spectral/index/substrate"])
    el = em_spec["el_spectrum_per_nm"]
    elw = (np.interp(wl, em_spec["wavelength_nm"], el) if el is not None
           else np.exp(-4 * math.log(2) * ((wl - tcfg["pump_wavelength_nm"]) / max(tcfg["pump_fwhm_nm"], 1e-9)) ** 2))
    tol, mx = float(tcfg["multipass_tolerance"]), int(tcfg["multipass_max_passes"])
    bonds = ("index_matched", "air_gap") if led == "standard" else ("gap",)
    prod_bond = bond if led == "standard" else "gap"
    passes = {}
    for b in bonds:
        opt = device_optics(led, b, ab, th)
        passes[(b, "spectral")] = pass_tables(th, wl, I, opt["A"], opt["R_ii"], opt["R_led"], tol, mx)
        passes[(b, "el")] = pass_tables(th, wl, I, opt["A"], opt["R_ii"], opt["R_led"], tol, mx, el_weights=elw)
        if b == prod_bond:
            X = sum(I[f"I_{p}"] * opt["A"][f"A_{p}"] / (1 - np.clip(opt["R_led"][f"R_{p}"] * opt["R_ii"][f"R_{p}"], 0, 1 - 1e-12))
                    for p in POLS)
            p_abs_lam = np.trapz(X * (2 * np.pi * np.sin(np.radians(th)))[:, None], np.radians(th), axis=0)
    prod = passes[(prod_bond, "spectral")]
    single = {"tables": prod["tables"][:1], "incident": prod["incident"]}
    el_mp = passes[(prod_bond, "el")]
    el_sp = {"tables": el_mp["tables"][:1], "incident": el_mp["incident"]}
    pitch = tcfg["source_pitch_um"]
    lw, ll, cw, cl = (lateral[k] for k in ("led_width_um", "led_length_um", "crystal_width_um", "crystal_length_um"))
    g0 = make_grids(lw, ll, cw, cl, pitch)
    gm = make_grids(lw, ll, cw, cl, pitch, tcfg["map_margin_um"])
    d0 = float(distance_um)
    ds, units = {}, {}
    R_ = "W/m^2 on the crystal per W/m^2 of LED exitance into its exit medium"
    F_ = "1 (of the power leaving the LED into its exit medium)"
    # --- production at the device distance
    mprod = multipass_maps(g0, d0, th, prod, n_geom)
    rp = map_readings(g0, mprod, spot_diameter_um)
    ds["device/distance_um"] = np.array(d0)
    units["device/distance_um"] = "um (LED plane to crystal plane)"
    for k in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "spot_irradiance_ratio",
              "crystal_mean_irradiance_ratio", "coupling_efficiency", "absorbed_fraction_of_led_power", "spot_center_um"):
        ds[f"device/{k}"] = np.asarray(rp[k])
        units[f"device/{k}"] = {"coupling_efficiency": F_ + "; first pass, incident on the crystal (air_gap: on the bond)",
                                "absorbed_fraction_of_led_power": F_ + "; absorbed in the crystal, all passes",
                                "spot_center_um": "um (x, y) of the absorbed-map maximum"}.get(
            k, R_ + ("; all passes" if "absorbed" in k else "; first pass, incident"))
    # --- variants
    variants = {"single_pass": single, "el_averaged": el_mp, "single_pass_el_averaged": el_sp}
    if led == "standard":
        variants["bond_index_matched"] = passes[("index_matched", "spectral")]
        variants["bond_air_gap"] = passes[("air_gap", "spectral")]
    vread = {}
    for v, pt in variants.items():
        mv = multipass_maps(g0, d0, th, pt, n_geom, with_incident=False)
        vread[v] = map_readings(g0, mv, spot_diameter_um)
        for k in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "absorbed_fraction_of_led_power"):
            ds[f"device/variants/{v}/{k}"] = np.array(vread[v][k])
            units[f"device/variants/{v}/{k}"] = F_ if k.startswith("absorbed_fraction") else R_
    if calibration:
        opt = device_optics(led, prod_bond, ab, th)
        ref = map_readings(g0, multipass_maps(g0, d0, th, pass_tables(
            th, wl, resample_emission(calibration["reference"], th, wl), opt["A"], opt["R_ii"], opt["R_led"], tol, mx),
            n_geom, with_incident=False), spot_diameter_um)
        for name, em_v in calibration["variants"].items():
            key = f"spectral/led/{led}/variants/{name}/R_s"
            if key not in ab:
                continue
            r_led = {f"R_{p}": np.array([np.interp(th, np.asarray(ab["spectral/theta_deg"], float), col, right=1.0)
                                         for col in np.asarray(ab[f"spectral/led/{led}/variants/{name}/R_{p}"],
                                                               float).T]).T for p in POLS}
            rv = map_readings(g0, multipass_maps(g0, d0, th, pass_tables(
                th, wl, resample_emission(em_v, th, wl), opt["A"], opt["R_ii"], r_led, tol, mx),
                n_geom, with_incident=False), spot_diameter_um)
            for k in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "absorbed_fraction_of_led_power"):
                ds[f"device/variants/cal_{name}/{k}"] = np.array(rp[k] * rv[k] / ref[k])
                units[f"device/variants/cal_{name}/{k}"] = (F_ if k.startswith("absorbed_fraction") else R_) + (
                    f"; LED calibration variant {name}: production x (transfer-matrix variant / transfer-matrix "
                    "calibrated), each with its own LED reflectance")
    if n_gap is not None and "table/absorbed_fraction" in ab:
        # today's model: the table refracted into the NOA81 gap, A(theta) averaged over the pump line, one pass
        gap = refract_table(table_exit.normalised(), n_gap, fresnel=bool(tcfg.get("interface_fresnel", True)))
        a_gap = np.interp(gap.theta_deg, ab["table/theta_deg"], np.clip(ab["table/absorbed_fraction"], 0, 1))
        m = irradiance_maps(g0, d0, {"absorbed": AngularTable(gap.theta_deg, gap.intensity_per_sr * a_gap, n_gap)})
        r = map_readings(g0, m, spot_diameter_um)
        for k in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "absorbed_fraction_of_led_power"):
            ds[f"device/variants/legacy_noa81_gap/{k}"] = np.array(r[k])
            units[f"device/variants/legacy_noa81_gap/{k}"] = F_ if k.startswith("absorbed_fraction") else R_
    for q, key in (("spot", "spot_absorbed_ratio"), ("crystal_mean", "crystal_mean_absorbed_ratio")):
        ds[f"device/multipass_factor_{q}"] = np.array(rp[key] / vread["single_pass"][key])
        ds[f"device/spectral_factor_{q}"] = np.array(rp[key] / vread["el_averaged"][key])
        units[f"device/multipass_factor_{q}"] = "1 (production / single_pass)"
        units[f"device/spectral_factor_{q}"] = "1 (production / el_averaged)"
    ds["device/multipass_factor_infinite_plane"] = np.array(prod["infinite_plane"] / prod["single_pass_infinite"])
    units["device/multipass_factor_infinite_plane"] = "1 (sum_pol int I A / (1 - R_LED R_II) over int I A, infinite crystal)"
    ds["device/absorbed_infinite_plane"] = np.array(prod["infinite_plane"])
    units["device/absorbed_infinite_plane"] = F_ + "; infinite crystal, all passes"
    hnu = 1239.84198 / wl
    ds["device/absorbed_photon_energy_ev"] = np.array(np.trapz(p_abs_lam, wl) / np.trapz(p_abs_lam / hnu, wl))
    units["device/absorbed_photon_energy_ev"] = ("eV (absorbed-power-weighted harmonic mean photon energy, infinite crystal, "
                                                 "all passes: int P dlambda / int P / (h nu) dlambda)")
    ds["device/absorbed_spectrum_per_nm"] = p_abs_lam
    units["device/absorbed_spectrum_per_nm"] = "1/nm (absorbed power per W leaving the LED, infinite crystal, all passes)"
    ds["device/wavelength_nm"] = wl
    units["device/wavelength_nm"] = "nm"
    ds["device/n_passes"] = np.array(prod["n_passes"])
    ds["device/multipass_weight_left"] = np.array(prod["left"])
    units["device/n_passes"] = "1 (passes summed, production)"
    units["device/multipass_weight_left"] = "1 (infinite-plane absorbed weight beyond the last pass / total)"
    # per-pass energy check: landed (spatial) + missed (angular) = leaves, for the first passes
    eb = []
    stride = max(1, min(g0.x_src.size, g0.y_src.size) // 24)
    for n, tab in enumerate(prod["tables"][:3]):
        t_n = AngularTable(th, tab, n_geom)
        dn = (2 * n + 1) * d0
        land = landed_fraction(g0, irradiance_maps(g0, dn, {"a": t_n})["a"])
        eb.append([land, missed_fraction_angular(g0, dn, t_n, source_stride=stride), t_n.hemisphere_power()])
    ds["device/energy_balance_passes"] = np.array(eb)
    units["device/energy_balance_passes"] = ("1: per pass n (rows, absorbed weight at (2n+1) d): landed (spatial), "
                                             "missed (angular quadrature), left (hemisphere)")
    ds["device/theta_deg"] = th
    units["device/theta_deg"] = f"deg (in the geometry medium, n = {n_geom:.4f})"
    for n in range(min(3, prod["n_passes"])):
        ds[f"device/pass_table_{n}_per_sr"] = prod["tables"][n]
        units[f"device/pass_table_{n}_per_sr"] = "1/sr absorbed per W leaving the LED, pass n"
    ds["device/incident_table_per_sr"] = prod["incident"]
    units["device/incident_table_per_sr"] = "1/sr per W leaving the LED (first pass, in the geometry medium)"
    # --- the paper's ray-tracing convention: profile in the exit medium, straight rays, nothing else
    norm = table_exit.normalised()
    mr = irradiance_maps(g0, d0, {"i": norm})["i"]
    ds["ray_tracing/coupling_efficiency"] = np.array(landed_fraction(g0, mr))
    ds["ray_tracing/mean_irradiance_ratio"] = np.array(crystal_mean(g0, mr))
    units["ray_tracing/coupling_efficiency"] = ("1 (share of the LED output landing on the crystal: angular profile in the "
                                                "exit medium, straight rays, no refraction/Fresnel/absorption/EQE)")
    units["ray_tracing/mean_irradiance_ratio"] = R_ + " (same convention, crystal mean)"
    t_dev = time.perf_counter() - t_start
    # --- sweep over the device's possible range (production)
    dist, extended = device_sweep_um(tcfg, led, substrate_um)
    skeys = ("coupling_efficiency", "absorbed_fraction_of_led_power", "mean_irradiance_ratio", "spot_irradiance_ratio",
             "peak_irradiance_ratio", "mean_absorbed_ratio", "spot_absorbed_ratio")
    sweep = {k: np.empty(dist.size) for k in skeys}
    t0 = time.perf_counter()
    for i, d in enumerate(dist):
        r = map_readings(g0, multipass_maps(g0, float(d), th, prod, n_geom), spot_diameter_um)
        for k in skeys:
            sweep[k][i] = r[{"mean_irradiance_ratio": "crystal_mean_irradiance_ratio",
                             "mean_absorbed_ratio": "crystal_mean_absorbed_ratio"}.get(k, k)]
        if progress:
            progress(f"d = {d:7.2f} um: coupling {sweep['coupling_efficiency'][i]:.4f}, absorbed "
                     f"{sweep['absorbed_fraction_of_led_power'][i]:.4f}")
    sweep_s = time.perf_counter() - t0
    # --- maps at the configured distances (production)
    md = np.asarray(tcfg["map_distances_um"], float)
    inc_maps, abs_maps, balance, centers = [], [], [], []
    msc = {k: np.empty(md.size) for k in skeys}
    inc_tab = AngularTable(th, prod["incident"], n_geom)
    for j, d in enumerate(md):
        m = multipass_maps(gm, float(d), th, prod, n_geom)
        inc_maps.append(m["incident"])
        abs_maps.append(m["absorbed"])
        r = map_readings(gm, m, spot_diameter_um)
        centers.append(r["spot_center_um"])
        for k in skeys:
            msc[k][j] = r[{"mean_irradiance_ratio": "crystal_mean_irradiance_ratio",
                           "mean_absorbed_ratio": "crystal_mean_absorbed_ratio"}.get(k, k)]
        missed = missed_fraction_angular(g0, float(d), inc_tab, source_stride=stride)
        balance.append([landed_fraction(g0, irradiance_maps(g0, float(d), {"i": inc_tab})["i"]), missed,
                        inc_tab.hemisphere_power()])
    possible = md >= (substrate_um if (led == "standard" and substrate_um) else 0.0) - 1e-9
    # --- LED-area study (production)
    areas = np.asarray(tcfg["led_areas_mm2"], float)
    ad = np.asarray(tcfg["area_distances_um"], float)
    akeys = ("coupling_efficiency", "spot_absorbed_ratio", "mean_absorbed_ratio", "spot_irradiance_ratio",
             "mean_irradiance_ratio")
    area = {k: np.empty((areas.size, ad.size)) for k in akeys}
    t1 = time.perf_counter()
    for i, a in enumerate(areas):
        side = math.sqrt(a) * 1e3
        ga = make_grids(side, side, cw, cl, pitch)
        for j, d in enumerate(ad):
            r = map_readings(ga, multipass_maps(ga, float(d), th, prod, n_geom), spot_diameter_um)
            for k in akeys:
                area[k][i, j] = r[{"mean_irradiance_ratio": "crystal_mean_irradiance_ratio",
                                   "mean_absorbed_ratio": "crystal_mean_absorbed_ratio"}.get(k, k)]
    area_s = time.perf_counter() - t1
    ds.update({"distance_um": dist, "sweep/distance_um": dist, "map_distance_um": md, "map_x_um": gm.x_tgt,
               "map_y_um": gm.y_tgt, "map_crystal_weight": crystal_mask(gm), "irradiance_map": np.array(inc_maps),
               "absorbed_map": np.array(abs_maps), "energy_balance": np.array(balance), "led_area_mm2": areas,
               "area_distance_um": ad, "map_spot_center_um": np.array(centers),
               "maps/physically_possible": possible.astype(np.int8),
               "theta_exit_deg": norm.theta_deg, "intensity_exit_per_sr": norm.intensity_per_sr})
    units.update({"distance_um": "um (the device's possible range)", "sweep/distance_um": "um (the device's possible range)",
                  "map_distance_um": "um", "map_x_um": "um", "map_y_um": "um",
                  "map_crystal_weight": "1 (fraction of pixel on the crystal)",
                  "irradiance_map": R_ + " (first pass, incident)", "absorbed_map": R_ + " (absorbed in the crystal, all passes)",
                  "energy_balance": "1: columns landed (spatial), missed (angular quadrature), left (hemisphere); first-pass incident table",
                  "led_area_mm2": "mm^2", "area_distance_um": "um",
                  "map_spot_center_um": "um: (x, y) of the lasing spot (absorbed-map maximum) at each map distance",
                  "maps/physically_possible": "1/0: the map distance is possible for this device (single cavity: >= its substrate)",
                  "theta_exit_deg": "deg (in the exit medium)", "intensity_exit_per_sr": "1/sr per W leaving the LED"})
    for k in skeys:
        u = F_ if k in ("coupling_efficiency", "absorbed_fraction_of_led_power") else R_
        ds[f"sweep/{k}"], ds[f"maps/{k}"] = sweep[k], msc[k]
        units[f"sweep/{k}"] = units[f"maps/{k}"] = u + " (production model)"
    ds["sweep/crystal_mean_absorbed_ratio"] = sweep["mean_absorbed_ratio"]
    units["sweep/crystal_mean_absorbed_ratio"] = R_ + " (production model)"
    for k in akeys:
        ds[f"area/{k}"] = area[k]
        units[f"area/{k}"] = (F_ if k == "coupling_efficiency" else R_) + " (production model)"
    scalars = {"device_wall_time_s": t_dev, "sweep_wall_time_s": sweep_s, "area_study_wall_time_s": area_s,
               "n_distances": int(dist.size), "source_cells": int(g0.x_src.size * g0.y_src.size),
               "pitch_x_um": g0.px, "pitch_y_um": g0.py, "geometry_index": n_geom,
               "exit_index": float(table_exit.medium_index), "spot_diameter_um": float(spot_diameter_um),
               "polarization": em_spec["polarization"], "bond": bond if led == "standard" else "none (NOA81 gap)",
               "sweep_extended_beyond_max": bool(extended), "multipass_passes": int(prod["n_passes"]),
               "assumption_led_plane": "the whole LED plane reflects like the LED stack (outside the active pixel it may not)",
               "assumption_geometry": ("single cavity: distance beyond the substrate is glass-index medium; the air_gap bond "
                                       "is geometrically thin" if led == "standard" else "dual cavity: NOA81 gap of thickness d")}
    return ds, units, scalars


def irradiance_map_passes(grids: Grids, distances_um, theta_deg, tables, max_subsample: int = 16,
                          rel_step: float = 2e-3) -> np.ndarray:
    """One map summing several (distance, table) pairs on the same grids (the passes of the
    multipass model), at the cost of about one :func:`irradiance_maps` call.

    The kernel of every pair depends on the lateral offset only through rho = |r - r_s|, and the
    summed-area step is linear, so the kernels are summed as functions of rho on a fine 1D grid
    (geometric nodes rho_k = d_min (exp(k rel_step) - 1): relative spacing ``rel_step``, resolving
    the kernel of the nearest pair), interpolated once onto the 2D offsets, and convolved once
    with the LED rectangle. Distances must be > 0 (d = 0: use :func:`irradiance_maps`).
    Returns the map (per W/m^2 leaving the LED).
    """
    dist = np.asarray(distances_um, float)
    if dist.size == 0:
        return np.zeros((grids.x_tgt.size, grids.y_tgt.size))
    if np.any(~np.isfinite(dist)) or np.any(dist <= 0):
        raise ConfigError([("transfer.distances_um", "irradiance_map_passes needs finite distances > 0 um")])
    th = np.asarray(theta_deg, float)
    xs, ys, xt, yt = grids.x_src, grids.y_src, grids.x_tgt, grids.y_tgt
    px, py = grids.px, grids.py
    nsx, nsy = xs.size, ys.size
    dx = xt[0] - xs[-1] + np.arange(xt.size + nsx - 1) * px
    dy = yt[0] - ys[-1] + np.arange(yt.size + nsy - 1) * py
    d_min = float(dist.min())
    s = int(min(max_subsample, max(1, math.ceil(2 * max(px, py) / d_min))))
    sub_x = ((np.arange(s) + 0.5) / s - 0.5) * px
    sub_y = ((np.arange(s) + 0.5) / s - 0.5) * py
    rho_max = math.hypot(np.abs(dx).max() + px, np.abs(dy).max() + py)
    n_nodes = int(math.ceil(math.log1p(rho_max / d_min) / rel_step)) + 2
    rho_1d = d_min * np.expm1(np.arange(n_nodes) * rel_step)
    k_1d = np.zeros(n_nodes)
    for d, tab in zip(dist, tables):
        R2 = rho_1d ** 2 + d * d
        k_1d += np.interp(np.degrees(np.arctan2(rho_1d, d)), th, np.asarray(tab, float), right=0.0) * d / (R2 * np.sqrt(R2))
    K = np.zeros((dx.size, dy.size))
    for ox in sub_x:
        for oy in sub_y:
            rho = np.sqrt((dx + ox)[:, None] ** 2 + (dy + oy)[None, :] ** 2)
            K += np.interp(rho, rho_1d, k_1d)
    return _rect_sum(K / (s * s), nsx, nsy) * px * py
