"""Angular tables of an LED from sheet powers: orientation mix, Jacobian to solid angle, EL weighting.

Method (see :mod:`sims.emission` for the derivation): sheet powers P(kx, f) of the dipole
planes are averaged over planes (equal weights) and mixed over orientations, P = w_in_plane
(P_p + P_s) / 2 + w_vertical P_v; in an exit medium of index n, kx = n f sin(theta) and
dP/dOmega = n^2 f^2 cos(theta) P_side. Every EL-weighted quantity is per unit of the
EL-weighted total dipole power (frequency integral first at each kx). Refraction into air:
one flat exit-medium/air interface, Fresnel s/p, etendue n^2 cos(theta) dOmega = cos(theta_a)
dOmega_a, no multiple reflections.

Units: kx cycles/um, f 1/um, angles deg (radians inside), intensities 1/sr per unit dipole power.
"""

from __future__ import annotations

import numpy as np

from sims.emission import TWO_PI, el_spectrum_per_nm, led_geometry
from sims.planar_green import tmm_sweep
from sims.results import Flagged


def combine_orientations(sweep: dict, w_in_plane: float, w_vertical: float, source: str) -> dict:
    """Position-averaged, orientation-weighted sheet powers per channel, (n_kx, n_f).

    Meep sweep ("h" = p + s together, "v"): P = w_in_plane * P_h / 2 + w_vertical * P_v.
    TMM sweep (kinds p, s, v): P = w_in_plane (P_p + P_s) / 2 + w_vertical P_v.
    Also returns the s-polarized parts of up and down (up_s, down_s).
    """
    out = {}
    if source == "meep":
        h, v = sweep["h"], sweep["v"]
        for c in ("emitted", "up", "down", "absorbed"):
            out[c] = (w_in_plane * 0.5 * h[c] + w_vertical * v[c]).mean(axis=0)
        for c in ("up", "down"):
            out[c + "_s"] = (w_in_plane * 0.5 * h[c] * h[c + "_sfrac"]).mean(axis=0)
    else:
        p, s, v = sweep["p"], sweep["s"], sweep["v"]
        for c in ("emitted", "up", "down", "absorbed"):
            out[c] = (w_in_plane * 0.5 * (p[c] + s[c]) + w_vertical * v[c]).mean(axis=0)
        for c in ("up", "down"):
            out[c + "_s"] = (w_in_plane * 0.5 * s[c]).mean(axis=0)
    return out


def total_power(kx, p_emitted) -> np.ndarray:
    """P_total(f) = 2 pi integral k_par P_emitted dk_par (trapezoid over the kx grid)."""
    return TWO_PI * np.trapz(np.asarray(kx)[:, None] * p_emitted, kx, axis=0)


def angular_intensity(kx, p_side, freqs, n_exit: float, theta_deg, p_total) -> np.ndarray:
    """Radiant intensity per unit total dipole power, 1/sr, (n_theta, n_f), in the exit medium.

    I(theta, f) = n^2 f^2 cos(theta) P_side(n f sin(theta), f) / P_total(f); the product
    P_side cos(theta) (finite at grazing) is interpolated linearly in kx.
    """
    th = np.radians(np.asarray(theta_deg))
    out = np.zeros((th.size, len(freqs)))
    for j, f in enumerate(freqs):
        kc = n_exit * f
        cos_k = np.sqrt(np.clip(1.0 - (np.asarray(kx) / kc) ** 2, 0.0, None))
        g = p_side[:, j] * cos_k
        k_th = kc * np.sin(th)
        out[:, j] = n_exit**2 * f**2 * np.interp(k_th, kx, g) / p_total[j]
    return out


def solid_angle_integral(theta_deg, intensity, theta_max_deg: float = 90.0) -> np.ndarray:
    """2 pi integral_0^theta_max I sin(theta) dtheta (first axis theta)."""
    th = np.radians(np.asarray(theta_deg))
    m = np.asarray(theta_deg) <= theta_max_deg + 1e-9
    w = np.sin(th[m])
    integrand = intensity[m] * (w[:, None] if intensity.ndim > 1 else w)
    return TWO_PI * np.trapz(integrand, th[m], axis=0)


def fwhm_deg(theta_deg, profile) -> float:
    """Full width at half maximum of a pattern symmetric about the normal: 2 x the largest angle
    where it falls through half its maximum (linear interpolation)."""
    th, p = np.asarray(theta_deg, float), np.asarray(profile, float)
    half = 0.5 * p.max()
    above = np.nonzero(p >= half)[0]
    i = above[-1]
    if i == len(p) - 1:
        return 2.0 * th[-1]
    t = th[i] + (th[i + 1] - th[i]) * (p[i] - half) / (p[i] - p[i + 1])
    return 2.0 * float(t)


def fresnel_t(n1: float, n2: float, theta1_rad):
    """Power transmittances (T_s, T_p) from medium n1 into n2 at angle theta1 (0 beyond TIR)."""
    s1 = n1 * np.sin(theta1_rad) / n2
    c1 = np.cos(theta1_rad)
    c2 = np.sqrt(np.clip(1 - s1**2, 0, None))
    ts = 2 * n1 * c1 / (n1 * c1 + n2 * c2)
    tp = 2 * n1 * c1 / (n2 * c1 + n1 * c2)
    fac = np.where(s1 < 1, (n2 * c2) / (n1 * c1 + 1e-300), 0.0)
    return ts**2 * fac, tp**2 * fac


def to_air(theta_deg, i_s, i_p, n_exit: float):
    """Intensity refracted from the exit medium into air through one flat interface.

    I_air(theta_a) = [T_s I_s + T_p I_p](theta) cos(theta_a) / (n^2 cos(theta)), n sin theta = sin theta_a
    (etendue: n^2 cos(theta) dOmega = cos(theta_a) dOmega_a). Returns I_air on the theta_deg grid
    (read as air angles), shape of i_s.
    """
    tha = np.radians(np.asarray(theta_deg))
    th = np.arcsin(np.clip(np.sin(tha) / n_exit, -1, 1))
    ts, tp = fresnel_t(n_exit, 1.0, th)
    fac = np.cos(tha) / (n_exit**2 * np.cos(th))

    def interp(a):
        return np.stack([np.interp(th, np.radians(theta_deg), a[:, j]) for j in range(a.shape[1])], 1)

    return (ts[:, None] * interp(i_s) + tp[:, None] * interp(i_p)) * fac[:, None]


def tables(kx, freqs, comb: dict, side: str, n_exit: float, theta_deg, em: dict) -> dict:
    """Everything users read off, from orientation-combined sheet powers.

    Returns a dict of arrays: wavelength_nm (ascending), intensity maps and profiles in the
    exit medium and in air, EL-weighted extraction into each side and losses, cone fractions,
    FWHM, spectral peak and width against angle.
    """
    freqs = np.asarray(freqs)
    order = np.argsort(1.0 / freqs)
    f = freqs[order]
    wl_nm = 1e3 / f
    c = {k: v[:, order] for k, v in comb.items()}
    kxa = np.asarray(kx, dtype=float)
    S = el_spectrum_per_nm(wl_nm, em["el_peak_nm"], em["el_fwhm_nm"])
    other = "down" if side == "up" else "up"
    n_other = em["_n_other"]

    def weighted_total(p):
        """2 pi int k dk int S(lambda) P(k, lambda) dlambda: the frequency integral first, at fixed k,
        where the DFT resolves every resonance; the result is smooth in k (coarse k grids suffice)."""
        return TWO_PI * np.trapz(kxa * np.trapz(p * S[None, :], wl_nm, axis=1), kxa)

    ptot_w = weighted_total(c["emitted"])
    fractions = {key: weighted_total(c[ch]) / ptot_w for key, ch in
                 (("extraction_fraction", side), ("extraction_fraction_other_side", other),
                  ("absorbed_fraction", "absorbed"))}
    fractions["guided_fraction"] = 1.0 - sum(fractions.values())
    # per-wavelength fractions (k integral at each wavelength: needs a fine k grid to be smooth)
    ptot = total_power(kxa, c["emitted"])
    eta_side = total_power(kxa, c[side]) / ptot
    eta_other = total_power(kxa, c[other]) / ptot
    eta_abs = total_power(kxa, c["absorbed"]) / ptot
    eta_guided = 1.0 - eta_side - eta_other - eta_abs
    # intensity per unit EL-weighted total dipole power: S(lambda) P_side / int S P_tot
    norm = np.full(len(f), ptot_w)
    i_map = angular_intensity(kxa, c[side], f, n_exit, theta_deg, norm)
    i_map_s = angular_intensity(kxa, c[side + "_s"], f, n_exit, theta_deg, norm)
    i_map_p = i_map - i_map_s
    i_map_other = angular_intensity(kxa, c[other], f, n_other, theta_deg, norm)
    map_w = i_map * S[None, :]
    prof = np.trapz(map_w, wl_nm, axis=1)
    prof_other = np.trapz(i_map_other * S[None, :], wl_nm, axis=1)
    air_map = to_air(theta_deg, i_map_s, i_map_p, n_exit)
    air_w = air_map * S[None, :]
    prof_air = np.trapz(air_w, wl_nm, axis=1)
    total_side = solid_angle_integral(theta_deg, prof)
    i_unweighted = angular_intensity(kxa, c[side], f, n_exit, theta_deg, ptot)
    out = {
        "wavelength_nm": wl_nm, "el_spectrum_per_nm": S, "theta_deg": np.asarray(theta_deg, float),
        "intensity_map_per_sr_per_nm": map_w, "intensity_map_s_per_sr_per_nm": i_map_s * S[None, :],
        "intensity_per_sr": prof,
        "intensity_air_map_per_sr_per_nm": air_w, "intensity_air_per_sr": prof_air,
        "intensity_other_side_per_sr": prof_other,
        "intensity_per_sr_unweighted": i_unweighted,
        **{k: float(v) for k, v in fractions.items()},
        "extraction_fraction_vs_wavelength": eta_side, "extraction_other_vs_wavelength": eta_other,
        "absorbed_vs_wavelength": eta_abs, "guided_vs_wavelength": eta_guided,
        "extraction_fraction_angular_check": float(total_side),
        "extraction_fraction_air": float(solid_angle_integral(theta_deg, prof_air)),
        "fwhm_deg": fwhm_deg(theta_deg, prof), "fwhm_air_deg": fwhm_deg(theta_deg, prof_air),
        "total_power_vs_wavelength": ptot,
    }
    out["purcell_spectral_weight"] = ptot / np.trapz(S * ptot, wl_nm)
    for cone in (10, 20, 30):
        out[f"cone_fraction_{cone}deg"] = float(solid_angle_integral(theta_deg, prof, cone) / total_side)
        out[f"cone_fraction_air_{cone}deg"] = float(solid_angle_integral(theta_deg, prof_air, cone)
                                                    / solid_angle_integral(theta_deg, prof_air))
    out["spectrum_peak_nm_vs_theta"], out["spectrum_fwhm_nm_vs_theta"] = spectrum_peak_and_width(wl_nm, map_w)
    return out


def spectrum_peak_and_width(wl_nm, map_w) -> tuple[np.ndarray, Flagged]:
    """Peak wavelength and FWHM (nm) of the emitted spectrum at each angle (rows of ``map_w``,
    theta x wavelength); half-maximum crossings by linear interpolation. The width is flagged
    ``not_reached`` where the spectrum does not fall to half its peak on both sides inside the band."""
    peaks, widths = [], []
    for row in map_w:
        j = int(np.argmax(row))
        peaks.append(wl_nm[j])
        half = row[j] / 2
        lo = np.nonzero(row[:j + 1] < half)[0]
        hi = np.nonzero(row[j:] < half)[0]
        if row[j] <= 0 or len(lo) == 0 or len(hi) == 0:
            widths.append(np.nan)
            continue
        a, b = lo[-1], j + hi[0]
        wl_a = np.interp(half, [row[a], row[a + 1]], [wl_nm[a], wl_nm[a + 1]])
        wl_b = np.interp(half, [row[b], row[b - 1]], [wl_nm[b], wl_nm[b - 1]])
        widths.append(wl_b - wl_a)
    return np.asarray(peaks), Flagged.from_float(np.asarray(widths), nan="not_reached",
                                                  reason="half maximum not reached inside the band")


UNITS = {
    "theta_deg": "deg (polar angle in the exit medium; in air for *_air_* datasets)",
    "wavelength_nm": "nm (vacuum)",
    "el_spectrum_per_nm": "1/nm (intrinsic EL spectrum, unit integral over the band)",
    "intensity_per_sr": "1/sr (EL-weighted radiant intensity per unit EL-weighted total dipole power)",
    "intensity_air_per_sr": "1/sr (in air after one flat exit-medium/air interface, air angle)",
    "intensity_other_side_per_sr": "1/sr (into the non-emitting side's medium)",
    "intensity_map_per_sr_per_nm": "1/(sr nm) (theta x wavelength)",
    "intensity_map_s_per_sr_per_nm": "1/(sr nm) (theta x wavelength; s-polarized part of intensity_map_per_sr_per_nm)",
    "intensity_air_map_per_sr_per_nm": "1/(sr nm) (theta_air x wavelength)",
    "intensity_per_sr_unweighted": "1/sr per unit dipole power at each wavelength (theta x wavelength)",
    "extraction_fraction": "1 (fraction of total dipole power into the emitting side's medium)",
    "extraction_fraction_other_side": "1", "absorbed_fraction": "1", "guided_fraction": "1",
    "extraction_fraction_air": "1", "extraction_fraction_angular_check": "1",
    "extraction_fraction_vs_wavelength": "1", "extraction_other_vs_wavelength": "1",
    "absorbed_vs_wavelength": "1", "guided_vs_wavelength": "1",
    "fwhm_deg": "deg (full width of intensity_per_sr)", "fwhm_air_deg": "deg",
    "total_power_vs_wavelength": "arbitrary (Meep flux units of a unit sheet source x 1/um^2)",
    "purcell_spectral_weight": "1 (P_total(lambda) / EL-weighted mean: the spectral reshaping of the emission)",
    "spectrum_peak_nm_vs_theta": "nm",
    "spectrum_fwhm_nm_vs_theta": "nm (0 where its flag is not_reached: no half maximum inside the band)",
    "kx_per_um": "1/um (in-plane wavevector, cycles per um, Meep units)",
    "positions_um": "um (stack coordinate of the dipole planes, 0 = bottom of the first layer)",
    "frequency_per_um": "1/um (Meep frequency)",
    "seconds_per_run": "s (wall time of each Meep run, position x kx x [h, v])",
    "meep_time_per_run": "um/c (Meep time units simulated per run)",
}
for _c in (10, 20, 30):
    UNITS[f"cone_fraction_{_c}deg"] = f"1 (fraction of the power in the exit medium within {_c} deg of the normal)"
    UNITS[f"cone_fraction_air_{_c}deg"] = "1 (same in air)"


# ---------------------------------------------------------------------------------------
# calibration variants (transfer matrix only): how much the tables depend on the calibration
# ---------------------------------------------------------------------------------------
VARIANT_KEYS = ("theta_deg", "wavelength_nm", "intensity_map_per_sr_per_nm", "intensity_map_s_per_sr_per_nm",
                "intensity_per_sr", "intensity_air_per_sr", "extraction_fraction", "extraction_fraction_air",
                "extraction_fraction_angular_check", "fwhm_deg", "fwhm_air_deg", "cone_fraction_20deg")


def led_tmm_tables(stack_config: dict, led: str, em: dict) -> dict:
    """Transfer-matrix tables of one LED on the stack ``stack_config`` builds, on the grids of the
    emission step's ``tmm/`` group (same positions, frequencies, dense kx grid, angles, normalisation).

    ``stack_config`` is the config the stack is built from as it stands (no calibration is applied
    here: pass a calibrated or modified config); ``em`` the emission section.
    """
    return tmm_tables(led_geometry(stack_config, led, em))


def tmm_tables(g: dict) -> dict:
    """Transfer-matrix tables on an LED's :func:`sims.emission.led_geometry` ``g``: dense kx grid
    (emission.tmm_n_kx points to max(kx_max_per_um, the Meep grid's last kx)), its dipole planes,
    frequencies and angles."""
    stack, side, n_exit, em = g["stack"], g["side"], g["n_exit"], g["em"]
    positions, freqs, kx, theta = g["positions"], g["freqs"], g["kx"], g["theta"]
    w_in, w_v = em["orientation"]["in_plane"], em["orientation"]["vertical"]
    kx_fine = np.linspace(0.0, max(float(em["kx_max_per_um"]), kx[-1]), int(em["tmm_n_kx"]))
    tm_fine = tmm_sweep(stack, positions, kx_fine, freqs)
    return tables(kx_fine, freqs, combine_orientations(tm_fine, w_in, w_v, "tmm"), side, n_exit, theta, em)


def variant_tables(config: dict, led: str, emission: dict | None = None) -> dict:
    """Transfer-matrix tables of an LED on alternative calibrations of its stack (sensitivity study).

    Only for an LED whose stack ``cavity.calibration`` calibrates (else ``{}``). Variants:

    - ``as_given``: the stack as configured (no calibration);
    - ``calibrated_<alt>`` (``calibrated_emitter`` by default): the calibration entry's
      ``alternative_layer`` calibrated instead (layer_thickness to the same target, same search
      fraction, :func:`sims.cavity.calibrate`); absent without ``alternative_layer``.

    The production (calibrated) stack's transfer-matrix tables are the emission step's ``tmm/``
    group (``calibrated_tmm``, not recomputed here).

    ``emission`` replaces ``config["emission"]`` (e.g. smaller grids). Returns variant -> dict
    ``tables`` (:func:`led_tmm_tables`, the :data:`VARIANT_KEYS` at least), ``layer`` (the changed
    layer: the calibrated parameter's label), ``value`` (its value, nm), ``changed_layers``
    ({layer: thickness_nm} relative to the stack as configured; empty where nothing changes; for
    as_given the production layer at its configured value), ``mode_tmm_nm`` (TMM mode nearest the
    calibration target) and ``calibration`` (the calibrate result, without its config; None for as_given).
    """
    from sims.cavity import calibration_variants

    em = emission if emission is not None else config["emission"]
    out = calibration_variants(config, em["leds"][led]["stack"])
    for name, v in out.items():
        v["tables"] = led_tmm_tables(v.pop("config"), led, em)
        v["target_nm"] = target_wavelength_nm(config, em["leds"][led]["stack"])
    return out


def target_wavelength_nm(config: dict, stack_name: str) -> float:
    """The calibration target (nm) of a stack under cavity.calibration."""
    from sims.cavity import calibration_entry

    return float(calibration_entry(config, stack_name)["target_wavelength_nm"])
