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
