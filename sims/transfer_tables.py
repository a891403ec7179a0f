"""Angular radiant-intensity tables of the transfer step: the LED emission as read from the
emission step, carried across planar interfaces, resampled.

A table is I(theta), 1/sr per unit of the power it is normalised to, in one medium of real
index n (:class:`AngularTable`); the spectral maps of :func:`read_emission_spectral` are
I_s, I_p(theta, lambda) in 1/(sr nm). Refraction across a planar interface uses Snell's law,
the unpolarised Fresnel power transmission (mean of s and p) and the solid-angle Jacobian
dOmega_1/dOmega_2 = n_2^2 cos(theta_2) / (n_1^2 cos(theta_1)) (ray optics, no coherence).
Units: degrees, nm, 1/sr.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sims.config import ConfigError

POLS = ("s", "p")


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



def hemisphere(theta_deg, values) -> float:
    """2 pi int v(theta) sin(theta) dtheta (trapezoid): power of an intensity table."""
    th = np.radians(np.asarray(theta_deg, float))
    return float(2 * np.pi * np.trapz(np.asarray(values) * np.sin(th), th))



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



def read_emission_calibration(path) -> dict | None:
    """The LED-calibration variants of emission.h5 for the sensitivity study of the transfer:
    {"reference": spectral maps by transfer matrix (group ``tmm/``), "variants": {name: maps of
    group ``variants/<name>/``}} (:func:`read_emission_spectral`), or None when the file names
    no variant (root attribute ``variants``, comma separated)."""
    import h5py

    with h5py.File(path, "r") as fh:
        names = [n for n in str(fh.attrs.get("variants", "")).split(",") if n and f"variants/{n}" in fh]
    if not names:
        return None
    return {"reference": read_emission_spectral(path, "tmm/"),
            "variants": {n: read_emission_spectral(path, f"variants/{n}/") for n in names}}


def exit_to_air_power_ratio(emission: dict):
    """Power the LED sends into its exit medium / power into air (converts an EQE measured in
    air), from the tables of :func:`read_emission`; a :class:`sims.results.Flagged` scalar,
    flagged ``not_reached`` when the emission file has no air table and ``failed`` when the
    ratio is not finite (no power into air)."""
    from sims.results import FLAG_CODES, Flagged

    if emission["air"] is None:
        return Flagged(0.0, FLAG_CODES["not_reached"], "the emission table has no intensity_air_per_sr")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(np.float64(emission["exit"].hemisphere_power()), emission["air"].hemisphere_power())
    return Flagged.from_float(np.array(ratio), nan="failed", inf="failed", reason="no power into air")
