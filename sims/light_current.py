"""Light-current (L-J) curves of both devices from the steady-state rate equations.

Each device's LED at its own distance pumps microcavity II: the LED exitance P(J) (EQE roll-off,
``sims.led_efficiency``; converted to the exit medium when the EQE refers to air) times the
absorbed ratio of the headline reading gives the absorbed photon flux on the crystal. The pump
rate is normalised so that threshold falls at the headline anchor's absorbed photon flux:
G = R(N_th,measured) flux / flux_th. The rate equations (``sims.rate_equations``) use the log
gain with N_tr anchored so that g(N_th,measured) = g_th, the photon lifetime of the configured Q
and the mirror-only lifetime for the output through the mirrors.
"""

from __future__ import annotations

import math

import numpy as np

from sims.led_efficiency import E_CHARGE, photon_energy_ev
from sims.rate_equations import output_power_w_per_cm2, photon_lifetime_s, steady_state
from sims.threshold import (DEVICES, assumed, carrier_threshold, device_ratio, exit_to_air, led_rolloff, led_scale,
                            measured, photon_energy_absorbed_ev, q_for, recombination_coefficients)


def light_current(cfg: dict, mode: dict, tr: dict, flux_th_per_cm2_s: float) -> tuple[dict, dict]:
    """L-J curves of both devices (datasets ``li/*`` and their units).

    Args:
        cfg: config['threshold'].
        mode: mode scalars of microcavity II (``sims.threshold.MODE_KEYS``).
        tr: transfer datasets per LED, as for ``sims.threshold_study.threshold_study``.
        flux_th_per_cm2_s: absorbed photon flux at threshold of the headline anchor.
    """
    ct = carrier_threshold(cfg, mode)
    g_th, n_meas = ct["g_material_th_per_cm"], ct["n_th_measured_per_cm3"]
    g0 = assumed(cfg, "g0_per_cm")
    coeffs = recombination_coefficients(n_meas, measured(cfg, "lifetime_ns"), assumed(cfg, "k2_cm3_per_s"),
                                        assumed(cfg, "k3_cm6_per_s"))
    lam, t_nm = mode["lasing_wavelength_nm"], mode["gain_layer_thickness_nm"]
    tau_p = photon_lifetime_s(q_for(mode, cfg["q_choice"]), lam)
    tau_m = photon_lifetime_s(mode["Q_mirror"], lam)
    roll, _ = led_rolloff(cfg)
    hv_led = photon_energy_ev(measured(cfg, "led_wavelength_nm"))
    J = np.logspace(np.log10(cfg["rate_equations"]["current_min_a_per_cm2"]),
                    np.log10(measured(cfg, "max_current_density_a_per_cm2")), cfg["rate_equations"]["n_points"])
    r_th = float(coeffs[0] * n_meas + coeffs[1] * n_meas ** 2 + coeffs[2] * n_meas ** 3)  # R(N_th,measured)
    out, units = {"li/current_density_a_per_cm2": J}, {"li/current_density_a_per_cm2": "A/cm^2"}
    for dev, led in DEVICES.items():
        t = tr[led]
        e2a = exit_to_air(t, cfg) if cfg["eqe_measured_in"] == "air" else 1.0
        p_exit = roll.exitance_w_per_cm2(J, hv_led, led_scale(cfg, led)) * e2a
        flux = device_ratio(t, cfg, cfg["pump_reading"]) * p_exit / (photon_energy_absorbed_ev(t, cfg) * E_CHARGE)
        G = r_th * flux / flux_th_per_cm2_s
        ss = steady_state(G, g0_per_cm=g0, n_tr_per_cm3=n_meas * math.exp(-g_th / g0),
                          gamma=mode["confinement_energy"], group_index=mode["group_index"], tau_p_s=tau_p,
                          coeffs=coeffs, beta=assumed(cfg, "beta_spontaneous"))
        out[f"li/{dev}/absorbed_photon_flux_per_cm2_s"] = flux
        out[f"li/{dev}/carrier_density_per_cm3"] = ss["N_per_cm3"]
        out[f"li/{dev}/output_w_per_cm2"] = output_power_w_per_cm2(ss["S_per_cm3"], t_nm, mode["confinement_energy"],
                                                                   lam, tau_m)
        units.update({f"li/{dev}/absorbed_photon_flux_per_cm2_s": "1/(cm^2 s)",
                      f"li/{dev}/carrier_density_per_cm3": "cm^-3",
                      f"li/{dev}/output_w_per_cm2": "W/cm^2 (laser output through the mirrors per crystal area)"})
    out["li/photon_lifetime_s"] = np.array(tau_p)
    units["li/photon_lifetime_s"] = "s"
    return out, units
