"""Radiometry of the transfer: irradiance on the crystal plane from the PeLED active area.

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
A(theta) of microcavity II lit from the gap (``sims.pump_absorption``). Also the readings of a
map (spot, crystal mean, landed fraction), the studies over distance and LED area built on
them, and two independent checks: the angular quadrature of the power that misses the crystal
(energy balance) and the analytic configuration factors of a Lambertian source.

Reference: radiometric configuration factors between parallel rectangles (J. R. Howell,
"A Catalog of Radiation Heat Transfer Configuration Factors", C-11; Gross, Spindler &
Hahne, Lett. Heat Mass Transfer 8, 219 (1981)); the paper's ray tracing (Zou et al.,
Nature 2025, Methods: 1 um x 1 um point sources). Units: um, degrees, W/m^2 per W/m^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sims.config import ConfigError
from sims.transfer_tables import AngularTable

# readings of the distance sweep / map study and of the LED-area study (dataset keys)
SWEEP_KEYS = ("coupling_efficiency", "absorbed_fraction_of_led_power", "mean_irradiance_ratio", "spot_irradiance_ratio",
              "peak_irradiance_ratio", "mean_absorbed_ratio", "spot_absorbed_ratio")
AREA_KEYS = ("coupling_efficiency", "spot_absorbed_ratio", "mean_absorbed_ratio", "spot_irradiance_ratio",
             "mean_irradiance_ratio")


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



def reading(readings: dict, key: str) -> float:
    """The :func:`map_readings` entry behind a sweep/area dataset key (mean_* is the crystal mean)."""
    return readings[{"mean_irradiance_ratio": "crystal_mean_irradiance_ratio",
                     "mean_absorbed_ratio": "crystal_mean_absorbed_ratio"}.get(key, key)]


def distance_study(grids: Grids, distances_um, maps_at, spot_diameter_um: float, keep_maps: bool = False,
                   progress=None) -> dict:
    """:data:`SWEEP_KEYS` readings of the maps at each distance.

    Args:
        grids: target and source grids.
        distances_um: LED plane to crystal plane, um.
        maps_at: (grids, distance_um) -> maps with ``incident`` and ``absorbed`` (per LED exitance).
        spot_diameter_um: lasing-spot diameter of the spot readings.
        keep_maps: also return the maps and the spot centres.
        progress: callable given one line per distance.
    Returns:
        dict key -> array (n_distances,); with keep_maps also ``incident``, ``absorbed``
        (n_distances, n_x, n_y) and ``spot_center_um`` (n_distances, 2).
    """
    dist = np.asarray(distances_um, float)
    out = {k: np.empty(dist.size) for k in SWEEP_KEYS}
    inc, ab, centers = [], [], []
    for i, d in enumerate(dist):
        m = maps_at(grids, float(d))
        r = map_readings(grids, m, spot_diameter_um)
        for k in SWEEP_KEYS:
            out[k][i] = reading(r, k)
        if keep_maps:
            inc.append(m["incident"])
            ab.append(m["absorbed"])
            centers.append(r["spot_center_um"])
        if progress:
            progress(f"d = {d:7.2f} um: coupling {out['coupling_efficiency'][i]:.4f}, absorbed "
                     f"{out['absorbed_fraction_of_led_power'][i]:.4f}")
    if keep_maps:
        out.update(incident=np.array(inc), absorbed=np.array(ab), spot_center_um=np.array(centers))
    return out


def area_study(lateral: dict, pitch_um: float, areas_mm2, distances_um, maps_at, spot_diameter_um: float) -> dict:
    """:data:`AREA_KEYS` readings for square LEDs of the given areas (mm^2; crystal of
    ``lateral`` unchanged) at the distances (um); maps_at as for :func:`distance_study`.
    Returns key -> array (n_areas, n_distances)."""
    areas, ad = np.asarray(areas_mm2, float), np.asarray(distances_um, float)
    out = {k: np.empty((areas.size, ad.size)) for k in AREA_KEYS}
    for i, a in enumerate(areas):
        side = math.sqrt(a) * 1e3
        ga = make_grids(side, side, lateral["crystal_width_um"], lateral["crystal_length_um"], pitch_um)
        for j, d in enumerate(ad):
            r = map_readings(ga, maps_at(ga, float(d)), spot_diameter_um)
            for k in AREA_KEYS:
                out[k][i, j] = reading(r, k)
    return out


def energy_balance(grids: Grids, distance_um: float, table: AngularTable, source_stride: int) -> list:
    """[landed (spatial kernel), missed (angular quadrature), left (hemisphere)] of one table at
    one distance, per W leaving the LED: landed + missed must equal left."""
    landed = landed_fraction(grids, irradiance_maps(grids, distance_um, {"a": table})["a"])
    return [landed, missed_fraction_angular(grids, distance_um, table, source_stride=source_stride),
            table.hemisphere_power()]


def balance_stride(grids: Grids) -> int:
    """Source stride of the energy-balance quadrature: about 24 sampled cells along the shorter side."""
    return max(1, min(grids.x_src.size, grids.y_src.size) // 24)


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

