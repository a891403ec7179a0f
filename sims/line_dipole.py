"""Angular patterns of a line dipole from sheet powers, and their comparison with a 2D near-to-far run.

Method (Parseval; kx in cycles/um): a line current delta(x) is integral dkx exp(i 2 pi kx x),
so the power per unit length a line emits into a side is integral P_side(kx) dkx over
-inf..inf, and with kx = n f sin(theta) in the exit medium of index n
    dP/dtheta (theta, f) = n f cos(theta) P_side(n f sin(theta), f)          (per unit length),
with the line's total power integral P_emitted dkx. P_side comes from the 1D Meep sheet runs
or from the transfer matrix (:func:`sims.planar_green.tmm_sweep`). Profiles are compared after
normalization to their maxima (RMS and max difference, FWHM, cone fractions without the sin
weight of a point dipole). Units: angles deg, f 1/um, powers in each source's own units.
"""

from __future__ import annotations

import numpy as np

from sims.emission_tables import fwhm_deg


def line_dipole_pattern(kx, p_side, freqs, n_exit: float, theta_deg) -> np.ndarray:
    """dP/dtheta (per unit length, per radian) of a line dipole from sheet powers P_side(kx, f).

    dP/dtheta = n f cos(theta) P_side(n f sin(theta)); the product P_side cos(theta_k) (finite
    at grazing) is interpolated linearly in kx, as sims.emission_tables.angular_intensity does.
    Returns (n_theta, n_f), theta in [0, 90] deg (the pattern is even in theta).
    """
    kx = np.asarray(kx, dtype=float)
    th = np.radians(np.asarray(theta_deg, dtype=float))
    out = np.zeros((th.size, len(freqs)))
    for j, f in enumerate(freqs):
        kc = n_exit * f
        cos_k = np.sqrt(np.clip(1.0 - (kx / kc) ** 2, 0.0, None))
        out[:, j] = n_exit * f * np.interp(kc * np.sin(th), kx, p_side[:, j] * cos_k)
    return out


def line_total_power(kx, p_emitted) -> np.ndarray:
    """Power per unit length of a line dipole: integral over -inf..inf = 2 integral_0^inf P dkx."""
    return 2.0 * np.trapz(p_emitted, np.asarray(kx, dtype=float), axis=0)


def half_plane_power(theta_deg, pattern) -> np.ndarray:
    """integral_{-90}^{90} dP/dtheta dtheta of an even pattern given on [0, 90] deg."""
    return 2.0 * np.trapz(pattern, np.radians(np.asarray(theta_deg, dtype=float)), axis=0)


def cone_fraction_2d(theta_deg, pattern, cone_deg: float) -> float:
    """Fraction of the half-plane power within +-cone_deg of the normal (line dipole: no sin weight)."""
    th = np.asarray(theta_deg, dtype=float)
    m = th <= cone_deg + 1e-9
    return float(np.trapz(pattern[m], np.radians(th[m])) / np.trapz(pattern, np.radians(th)))


def compare_profiles(theta_deg, test, ref, cone_deg: float = 20.0) -> dict:
    """Normalized (to each maximum) profiles: RMS and max difference over theta, FWHM and cone fractions."""
    a, b = np.asarray(test, float), np.asarray(ref, float)
    a, b = a / a.max(), b / b.max()
    return {"rms_diff": float(np.sqrt(np.mean((a - b) ** 2))), "max_abs_diff": float(np.max(np.abs(a - b))),
            "fwhm_deg": fwhm_deg(theta_deg, a), "fwhm_ref_deg": fwhm_deg(theta_deg, b),
            "cone_fraction": cone_fraction_2d(theta_deg, a, cone_deg),
            "cone_fraction_ref": cone_fraction_2d(theta_deg, b, cone_deg),
            "peak_deg": float(np.asarray(theta_deg)[np.argmax(a)]),
            "peak_ref_deg": float(np.asarray(theta_deg)[np.argmax(b)])}



def compare_nearfar(runs: dict, ref1d: dict, tm: dict, side: str, n_exit: float, kx_ref, kx_tm, freqs,
                    cmp_max_deg: float, orientation: dict) -> dict:
    """Patterns of the 2D runs, the 1D Meep sheets and the transfer matrix, and their comparison.

    Args:
        runs: kind -> :func:`sims.emission_nearfar.nearfar_line_dipole` result.
        ref1d: :func:`sims.emission_nearfar.sheet_reference_meep` result on ``kx_ref``.
        tm: :func:`sims.planar_green.tmm_sweep` of the dipole plane on ``kx_tm``.
        side: "up" or "down"; n_exit: exit-medium index; freqs: 1/um, as the runs.
        cmp_max_deg: profiles are compared on 0..cmp_max_deg.
        orientation: emission.orientation (weights of the mix when kinds s, p, v all ran).
    Returns:
        dict datasets, units, metrics (comparison attributes) and patterns (kind or "mix" ->
        (2D, 1D, transfer matrix) dP/dtheta, theta x wavelength).
    """
    kinds = list(runs)
    theta = runs[kinds[0]]["theta_deg"]
    m = theta <= cmp_max_deg + 1e-9
    datasets = {"theta_deg": theta, "wavelength_nm": 1e3 / freqs, "reference_1d/kx_per_um": kx_ref}
    units = {"theta_deg": "deg (in the exit medium, from the stack normal)", "wavelength_nm": "nm (vacuum)",
             "reference_1d/kx_per_um": "1/um (cycles/um) of the 1D Meep reference runs"}
    attrs_m = {}
    pats = {}
    for kind in kinds:
        r = runs[kind]
        p2d = r["dp_dtheta"]
        p1d = line_dipole_pattern(kx_ref, ref1d[kind][side], freqs, n_exit, theta)
        ptm = line_dipole_pattern(kx_tm, tm[kind][side][0], freqs, n_exit, theta)
        pats[kind] = (p2d, p1d, ptm)
        datasets.update({f"nearfar/{kind}/dp_dtheta": p2d, f"reference_1d/{kind}/dp_dtheta": p1d,
                         f"tmm/{kind}/dp_dtheta": ptm, f"nearfar/{kind}/box_power": r["box_power"],
                         f"nearfar/{kind}/near_side_flux": r["near_side_flux"],
                         f"nearfar/{kind}/near_other_flux": r["near_other_flux"]})
        units.update({f"nearfar/{kind}/dp_dtheta": "Meep flux units per radian per unit length (theta x wavelength)",
                      f"reference_1d/{kind}/dp_dtheta": "n f cos(theta) P_side(kx) of the 1D sheets (own units)",
                      f"tmm/{kind}/dp_dtheta": "n f cos(theta) P_side(kx) by transfer matrix (own units)",
                      f"nearfar/{kind}/box_power": "Meep flux units (net flux out of the source box)",
                      f"nearfar/{kind}/near_side_flux": "Meep flux units (flux through the near-field line)",
                      f"nearfar/{kind}/near_other_flux": "Meep flux units (flux into the other medium)"})
        tm_total = line_total_power(kx_tm, tm[kind]["emitted"][0])
        tm_side = line_total_power(kx_tm, tm[kind][side][0])
        for j, wl in enumerate(1e3 / freqs):
            tag = f"{kind}_{wl:.0f}nm"
            for name, ref in (("meep1d", p1d), ("tmm", ptm)):
                c = compare_profiles(theta[m], p2d[m, j], ref[m, j])
                for k, v in c.items():
                    attrs_m[f"{tag}_vs_{name}_{k}"] = v
            attrs_m[f"{tag}_extraction_nearfar"] = float(half_plane_power(theta, p2d[:, j]) / r["box_power"][j])
            attrs_m[f"{tag}_extraction_near_line"] = float(r["near_side_flux"][j] / r["box_power"][j])
            attrs_m[f"{tag}_extraction_tmm"] = float(tm_side[j] / tm_total[j])
            attrs_m[f"{tag}_seconds_2d"] = float(r["seconds"])
    if set(kinds) == {"s", "p", "v"}:
        w_in, w_v = orientation["in_plane"], orientation["vertical"]
        mix = [0.5 * w_in * (pats["s"][i] + pats["p"][i]) + w_v * pats["v"][i] for i in range(3)]
        pats["mix"] = tuple(mix)
        for i, name in enumerate(("nearfar", "reference_1d", "tmm")):
            datasets[f"{name}/mix/dp_dtheta"] = mix[i]
            units[f"{name}/mix/dp_dtheta"] = "as the kinds: in-plane (s + p) / 2 and vertical, orientation weights"
        for j, wl in enumerate(1e3 / freqs):
            for name, i in (("meep1d", 1), ("tmm", 2)):
                c = compare_profiles(theta[m], mix[0][m, j], mix[i][m, j])
                for k, v in c.items():
                    attrs_m[f"mix_{wl:.0f}nm_vs_{name}_{k}"] = v
    return {"datasets": datasets, "units": units, "metrics": attrs_m, "patterns": pats}
