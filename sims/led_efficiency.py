"""PeLED efficiency roll-off: EQE(J) and radiant exitance P(J).

Model (stated, not derived): EQE(J) = EQE0 / (1 + (J / J0)^m), a peak efficiency EQE0 at low
current rolling off as J^-m above J0 (Auger / Joule heating / field quenching lumped). The
exponent m is ASSUMED (config threshold.assumed.eqe_rolloff_exponent); EQE0 and J0 are
fitted by least squares in log(EQE) to the measured points of the paper (config
threshold.measured.eqe_points). With two points and m fixed the fit is exact: that is a
calibration, not a test of the model; the sensitivity study varies m.

Radiant exitance (power per LED area leaving it, in the medium the EQE refers to):
    P(J) = EQE(J) * J * h nu / e,  h nu / e in V  ->  W/cm^2 for J in A/cm^2.
With m > 1, P(J) has a maximum at J_peak = J0 / (m - 1)^(1/m); beyond it more current gives
less light, so a threshold above P(J_peak) is unreachable whatever J_max.

Reference: S. Yakunin / W. Zou et al. style EQE roll-off fits of PeLEDs (phenomenological);
the exitance relation is the paper's (device.md: P = EQE J h nu / e).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

from sims.config import ConfigError

H_C_EV_NM = 1239.841984  # h c in eV nm
E_CHARGE = 1.602176634e-19  # elementary charge, C (SI exact): J per eV


def photon_energy_ev(wavelength_nm: float) -> float:
    """h nu in eV of a photon of the given vacuum wavelength (nm)."""
    return H_C_EV_NM / wavelength_nm


@dataclass(frozen=True)
class RollOff:
    """EQE(J) = eqe0 / (1 + (J / j0)^m); J in A/cm^2, EQE as a fraction."""

    eqe0: float
    j0_a_per_cm2: float
    m: float

    def eqe(self, j_a_per_cm2) -> np.ndarray:
        j = np.asarray(j_a_per_cm2, float)
        return self.eqe0 / (1.0 + (j / self.j0_a_per_cm2) ** self.m)

    def exitance_w_per_cm2(self, j_a_per_cm2, photon_energy_ev: float, scale: float = 1.0) -> np.ndarray:
        """P(J) = scale * EQE(J) J h nu / e (W/cm^2)."""
        j = np.asarray(j_a_per_cm2, float)
        return scale * self.eqe(j) * j * photon_energy_ev

    def j_peak_a_per_cm2(self) -> float:
        """Current density of the maximum of P(J) (inf when m <= 1: P grows monotonically)."""
        return math.inf if self.m <= 1 else self.j0_a_per_cm2 / (self.m - 1) ** (1 / self.m)

    def current_for_exitance(self, target_w_per_cm2: float, photon_energy_ev: float, j_max_a_per_cm2: float,
                             scale: float = 1.0) -> float:
        """Smallest J <= j_max with P(J) = target; NaN if P never reaches it below j_max."""
        if target_w_per_cm2 <= 0:
            return 0.0
        j_hi = min(j_max_a_per_cm2, self.j_peak_a_per_cm2())
        f = lambda j: float(self.exitance_w_per_cm2(j, photon_energy_ev, scale)) - target_w_per_cm2
        if f(j_hi) < 0:
            return math.nan
        return brentq(f, 0.0, j_hi, xtol=1e-12 * max(1.0, j_hi), rtol=1e-12)


def fit_rolloff(j_a_per_cm2, eqe, m: float) -> tuple[RollOff, float]:
    """Least-squares fit of EQE0 and J0 in log(EQE) with m fixed.

    Args:
        j_a_per_cm2: measured current densities (A/cm^2), > 0.
        eqe: measured EQE (fractions), in (0, 1).
        m: roll-off exponent (ASSUMED), > 0.
    Returns:
        (RollOff, rms of log residuals).
    """
    j, e = np.asarray(j_a_per_cm2, float), np.asarray(eqe, float)

    def resid(p):
        model = RollOff(math.exp(p[0]), math.exp(p[1]), m)
        return np.log(model.eqe(j)) - np.log(e)

    x0 = [math.log(e.max() * 1.5), math.log(np.sqrt(j.min() * j.max()))]
    sol = least_squares(resid, x0, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    fit = RollOff(math.exp(sol.x[0]), math.exp(sol.x[1]), m)
    return fit, float(np.sqrt(np.mean(sol.fun ** 2)))


def check_eqe_points(points: list[dict], key: str = "threshold.measured.eqe_points") -> None:
    problems = []
    for i, p in enumerate(points):
        if not p["current_density_a_per_cm2"] > 0:
            problems.append((f"{key}[{i}].current_density_a_per_cm2", f"must be > 0, got {p['current_density_a_per_cm2']}"))
        if not 0 < p["eqe"] < 1:
            problems.append((f"{key}[{i}].eqe", f"must be a fraction in (0, 1), got {p['eqe']}"))
    js = [p["current_density_a_per_cm2"] for p in points]
    if len(set(js)) < 2:
        problems.append((key, "needs at least two distinct current densities"))
    if problems:
        raise ConfigError(problems)
