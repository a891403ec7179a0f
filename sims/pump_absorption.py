"""Absorbed pump fraction of microcavity II lit from the gap, against angle: A_crystal(theta).

Microcavity II (DBR2 / crystal / DBR3) is a planar stack; plane-wave light of the pump
wavelength arriving from the gap medium at polar angle theta (in the gap) is partly
reflected, transmitted into air, and absorbed. For an incoherent, unpolarised pump the
absorbed fraction is A(theta) = (A_s + A_p) / 2. The table is computed once per config
and used by the radiometric transfer (``sims.transfer``) for every distance.

Two independent methods, same stack:

* 1D Meep FDTD (``sims.mirror_spectra.stack_rta_meep``: two-run flux method at fixed
  in-plane wavevector kx = n_gap f sin(theta), Meep units 1/um): A = 1 - R - T, the power
  absorbed in all layers; with lossless DBR layers that is the crystal's share;
* transfer matrix (PyPI ``tmm`` through ``sims.transfer_matrix``): the fraction absorbed in the
  crystal layers only, and R, T. It also checks that the other layers absorb nothing.

Also the (theta, wavelength) tables of the spectral transfer (issue 17, vectorised transfer
matrix ``sims.transfer_matrix.stack_rta_grid``): microcavity II lit from the gap, from the
standard PeLED's substrate and from an air gap, and the reflectance of both LED stacks.

Reference: S. J. Byrnes, arXiv:1603.02720 (tmm); Meep tutorial "Angular reflectance
spectrum of a planar interface" (oblique incidence via k_point).
"""

from __future__ import annotations

import json

import numpy as np

from sims.stack import Stack


def absorption_tmm(stack: Stack, wavelength_um: float, angles_deg, absorber_group: str) -> dict:
    """R, T, total A and the absorber's share, per polarization, by transfer matrix.

    Args:
        stack: planar stack lit from ``below`` (lossless incidence medium).
        wavelength_um: vacuum wavelength, um.
        angles_deg: angles in the incidence medium, degrees (< 90).
        absorber_group: config item whose layers count as "the crystal".
    Returns:
        dict of arrays (n_angles,) keyed ``R_s, T_s, A_s, A_crystal_s`` and the same with ``_p``,
        and ``A_crystal`` = mean of s and p (unpolarised), ``A_other`` (absorption outside
        the absorber, unpolarised).
    """
    from sims.transfer_matrix import layer_absorption

    idx = [i + 1 for i, l in enumerate(stack.layers) if l.group == absorber_group]
    if not idx:
        raise KeyError(f"stack {stack.name!r} has no layer group {absorber_group!r}")
    out: dict[str, np.ndarray] = {}
    for pol in ("s", "p"):
        r = layer_absorption(stack, wavelength_um, angles_deg, pol)
        A = 1.0 - r["R"] - r["T"]
        Ac = np.array([float(np.sum([per[j] for j in idx])) for per in r["absorbed"]])
        out.update({f"R_{pol}": r["R"], f"T_{pol}": r["T"], f"A_{pol}": A, f"A_crystal_{pol}": Ac})
    out["A_crystal"] = 0.5 * (out["A_crystal_s"] + out["A_crystal_p"])
    out["A_other"] = 0.5 * (out["A_s"] + out["A_p"]) - out["A_crystal"]
    out["R"] = 0.5 * (out["R_s"] + out["R_p"])
    out["T"] = 0.5 * (out["T_s"] + out["T_p"])
    return out


def absorption_meep(stack: Stack, wavelength_um: float, angles_deg, resolution_px_per_um: float,
                    pml_um: float, decay_threshold: float) -> dict:
    """R, T, A (= 1 - R - T) per polarization by 1D Meep at one wavelength, over angles.

    One pair of runs (empty + stack) per angle and polarization; kx = n_below f sin(theta)
    (Meep units, 1/um). Returns arrays keyed ``R_s, T_s, A_s, R_p, T_p, A_p``, ``A`` (mean of
    s and p) and ``wall_time_s`` (total).
    """
    from sims.materials import refractive_index
    from sims.mirror_spectra import stack_rta_meep

    f = 1.0 / wavelength_um
    n0 = float(np.real(refractive_index(stack.below, wavelength_um)))
    ang = np.atleast_1d(np.asarray(angles_deg, float))
    band = (0.8 * wavelength_um, 1.25 * wavelength_um)
    out = {k: np.empty(ang.size) for k in ("R_s", "T_s", "A_s", "R_p", "T_p", "A_p")}
    wall = 0.0
    for i, a in enumerate(ang):
        kx = n0 * f * np.sin(np.radians(a))
        for pol in ("s", "p"):
            # three frequencies around f (stack_rta_meep needs a band; the middle one is used)
            r = stack_rta_meep(stack, [0.99 * f, f, 1.01 * f], kx, pol, resolution_px_per_um=resolution_px_per_um,
                               pml_um=pml_um, decay_threshold=decay_threshold, wavelength_ref_um=wavelength_um,
                               band_um=band)
            out[f"R_{pol}"][i], out[f"T_{pol}"][i], out[f"A_{pol}"][i] = r["R"][1], r["T"][1], r["A"][1]
            wall += r["wall_time_s"]
    out["A"] = 0.5 * (out["A_s"] + out["A_p"])
    out["wall_time_s"] = wall
    return out


def meep_check(stack: Stack, wavelength_um: float, angles_deg, absorber_group: str, resolution_px_per_um: float,
               pml_um: float, decay_threshold: float) -> tuple[dict, dict]:
    """1D Meep absorbed fraction (A = 1 - R - T, s and p) at a few angles against the transfer
    matrix with the configured indices and with the Lorentz-fitted permittivities Meep uses.

    Returns (datasets under ``meep/``, scalar attributes: the largest |A_meep - A_tmm| of both)."""
    angles = np.asarray(angles_deg, float)
    m = absorption_meep(stack, wavelength_um, angles, resolution_px_per_um, pml_um, decay_threshold)
    ds = {"meep/theta_deg": angles, **{f"meep/{k}": m[k] for k in ("R_s", "T_s", "A_s", "R_p", "T_p", "A_p", "A")}}
    tm = absorption_tmm(stack, wavelength_um, angles, absorber_group)
    ds["meep/tmm_A"] = 0.5 * (tm["A_s"] + tm["A_p"])
    ds["meep/tmm_meep_eps_A"] = absorption_tmm_meep_eps(stack, wavelength_um, angles)["A"]
    attrs = {"meep_vs_tmm_max_abs_dA": float(np.max(np.abs(m["A"] - ds["meep/tmm_A"]))),
             "meep_vs_tmm_meep_eps_max_abs_dA": float(np.max(np.abs(m["A"] - ds["meep/tmm_meep_eps_A"]))),
             "meep_wall_time_s": m["wall_time_s"], "meep_resolution_px_per_um": float(resolution_px_per_um)}
    return ds, attrs


def spectral_weights(center_nm: float, fwhm_nm: float, n_points: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian pump spectrum sampled over +-1.5 FWHM: (wavelengths nm, weights summing to 1).
    A zero FWHM gives the single wavelength."""
    if fwhm_nm <= 0:
        return np.array([float(center_nm)]), np.array([1.0])
    wl = center_nm + np.linspace(-1.5, 1.5, n_points) * fwhm_nm
    w = np.exp(-4 * np.log(2) * ((wl - center_nm) / fwhm_nm) ** 2)
    return wl, w / w.sum()


def absorption_tmm_spectral(stack: Stack, center_nm: float, fwhm_nm: float, angles_deg, absorber_group: str,
                            n_points: int = 15) -> dict:
    """:func:`absorption_tmm` averaged over a Gaussian pump spectrum (incoherent sum over
    wavelengths; the fine angular resonances of a single wavelength wash out)."""
    wl, w = spectral_weights(center_nm, fwhm_nm, n_points)
    out: dict = {}
    for wi, lam in zip(w, wl):
        r = absorption_tmm(stack, lam / 1e3, angles_deg, absorber_group)
        for k, v in r.items():
            out[k] = out.get(k, 0.0) + wi * v
    return out


def extend_to_grazing(angles_deg, values) -> tuple[np.ndarray, np.ndarray]:
    """Append A(90 deg) = 0 (grazing incidence is totally reflected) if the table stops short."""
    a, v = np.asarray(angles_deg, float), np.asarray(values, float)
    if a[-1] < 90.0 - 1e-9:
        a, v = np.append(a, 90.0), np.append(v, 0.0)
    return a, v


def absorption_tmm_meep_eps(stack: Stack, wavelength_um: float, angles_deg) -> dict:
    """A = 1 - R - T by transfer matrix with the permittivities Meep uses (Lorentz fits over the
    same band as :func:`absorption_meep`): the like-for-like reference of the FDTD numbers
    (``sims.mirror_spectra.stack_rta_tmm``). Returns ``A_s``, ``A_p``, ``A`` arrays."""
    from sims.materials import refractive_index
    from sims.mirror_spectra import meep_indices, stack_rta_tmm

    f = 1.0 / wavelength_um
    band = (0.8 * wavelength_um, 1.25 * wavelength_um)
    n0 = float(np.real(refractive_index(stack.below, wavelength_um)))
    idx = meep_indices(stack, [f], wavelength_um, band)
    ang = np.atleast_1d(np.asarray(angles_deg, float))
    out = {"A_s": np.empty(ang.size), "A_p": np.empty(ang.size)}
    for i, a in enumerate(ang):
        kx = n0 * f * np.sin(np.radians(a))
        for pol in ("s", "p"):
            out[f"A_{pol}"][i] = stack_rta_tmm(stack, [f], kx, pol, indices=idx, wavelength_ref_um=wavelength_um,
                                               band_um=band)["A"][0]
    out["A"] = 0.5 * (out["A_s"] + out["A_p"])
    return out


def led_stack_config(s: dict, name: str) -> dict:
    """The config the LED stack is built from: ``sims.cavity.working_config`` (calibrated where
    cavity.calibration covers the stack) for stacks of cavity.stacks, else the config itself."""
    if name in s.get("cavity", {}).get("stacks", {}):
        from sims.cavity import working_config

        return working_config(s, name)["config"]
    return s


def spectral_tables(s: dict, ii_stack) -> tuple[dict, dict, dict]:
    """(theta, lambda) tables for the issue-17 transfer: microcavity II lit from the gap (NOA81),
    from the standard PeLED's substrate (glass) and from the air-gap medium (A_s, A_p crystal
    share, R_s, R_p); the LED stacks' reflectances seen from their exit media; the 405 nm
    absorbed fraction at normal incidence."""
    from sims.materials import material_from_config, refractive_index
    from sims.stack import build_stack
    from sims.transfer_matrix import stack_rta_grid

    t = s["transfer"]
    dev = t["devices"]
    em = s["emission_band"]
    wl = np.linspace(em["wavelength_min_nm"], em["wavelength_max_nm"], int(t["spectral_n_wavelengths"]))
    th = np.linspace(0.0, 89.9, int(t["spectral_n_angles"]))
    mats = s["materials"]
    gap_name = s["layers"][dev["microcavity"]["gap_layer"]]["material"]
    sub_name = s["stacks"][dev["standard"]["led_stack"]]["below"]
    air_name = dev["standard"]["air_gap_material"]
    media = {"gap": gap_name, "substrate": sub_name, "air": air_name}
    ds, units = {"spectral/theta_deg": th, "spectral/wavelength_nm": wl}, {}
    units["spectral/theta_deg"] = "deg (in the incidence medium of each table)"
    units["spectral/wavelength_nm"] = "nm (vacuum; the emission band)"
    lam_c = 0.5 * (wl[0] + wl[-1]) / 1e3
    for key, name in media.items():
        m = material_from_config(name, mats[name])
        ds[f"spectral/index/{key}"] = np.array(float(np.real(refractive_index(m, lam_c))))
        units[f"spectral/index/{key}"] = f"1 (real index of {name} at {lam_c * 1e3:.0f} nm)"
        r = stack_rta_grid(ii_stack, wl, th, t["absorber_layer"], incidence=m)
        for pol in ("s", "p"):
            ds[f"spectral/ii/{key}/A_{pol}"] = r[f"A_abs_{pol}"]
            ds[f"spectral/ii/{key}/A_total_{pol}"] = r[f"A_{pol}"]
            ds[f"spectral/ii/{key}/R_{pol}"] = r[f"R_{pol}"]
            for q, u in (("A", "crystal share"), ("A_total", "all layers"), ("R", "reflectance")):
                units[f"spectral/ii/{key}/{q}_{pol}"] = f"1 ({t['absorber_stack']} lit from {name}, {u}; theta x wavelength)"
    for led, spec in dev.items():
        name = spec["led_stack"]
        st = build_stack(led_stack_config(s, name), name)
        r = stack_rta_grid(st, wl, th, None, from_above=(led == "microcavity"))
        side = st.above.name if led == "microcavity" else st.below.name
        for pol in ("s", "p"):
            ds[f"spectral/led/{led}/R_{pol}"] = r[f"R_{pol}"]
            units[f"spectral/led/{led}/R_{pol}"] = f"1 (reflectance of {name} lit from its {side} side; theta x wavelength)"
        if name in s.get("cavity", {}).get("stacks", {}):
            from sims.cavity import calibration_variants

            for vname, v in calibration_variants(s, name).items():
                rv = stack_rta_grid(build_stack(v["config"], name), wl, th, None, from_above=(led == "microcavity"))
                for pol in ("s", "p"):
                    ds[f"spectral/led/{led}/variants/{vname}/R_{pol}"] = rv[f"R_{pol}"]
                    units[f"spectral/led/{led}/variants/{vname}/R_{pol}"] = (
                        f"1 (reflectance of {name}, calibration variant {vname} ({v['layer']} = {v['value']:.2f} "
                        f"{v['units']}), lit from its {side} side; theta x wavelength)")
    wl405 = s["optical_pump_wavelength_nm"]
    a405 = {}
    for key in ("gap", "substrate"):
        m = material_from_config(media[key], mats[media[key]])
        r = stack_rta_grid(ii_stack, [wl405], [0.0], t["absorber_layer"], incidence=m)
        a405[key] = float(0.5 * (r["A_abs_s"][0, 0] + r["A_abs_p"][0, 0]))
    ds["pump/absorbed_fraction_405"] = np.array(a405["gap"])
    units["pump/absorbed_fraction_405"] = (f"1 (crystal share of a normally incident {wl405:g} nm pump, lit from the "
                                           f"{gap_name} side through DBR2)")
    ds["pump/absorbed_fraction_405_from_substrate"] = np.array(a405["substrate"])
    units["pump/absorbed_fraction_405_from_substrate"] = f"1 (same, lit from a {sub_name}-index medium)"
    attrs = {"spectral_media": json.dumps(media), "led_stacks": json.dumps({k: v["led_stack"] for k, v in dev.items()})}
    return ds, units, attrs


def absorber_stack(s: dict, thickness_nm: float | None = None):
    """(stack, crystal thickness nm) of microcavity II (transfer.absorber_stack): with the crystal
    thickness the cavity step calibrated (``gain_layer_thickness_nm`` of its modes.h5) when given,
    else as configured."""
    from sims.stack import build_stack

    t = s["transfer"]
    stack = build_stack(s, t["absorber_stack"])
    if thickness_nm is None:
        return stack, s["layers"][t["absorber_layer"]]["thickness_nm"]
    return stack.with_thickness(t["absorber_layer"], thickness_nm / 1e3), thickness_nm


def pump_absorption_tables(s: dict, stack: Stack, thickness_nm: float, modes_file: str = "") -> tuple[dict, dict, dict]:
    """Everything pump_absorption.h5 holds: A(theta) of microcavity II lit from the gap at the pump
    line (transfer matrix, spectrally averaged and monochromatic; 1D Meep at
    transfer.absorption_meep_angles_deg), the table the transfer uses (``table/``, method
    transfer.absorption_method, extended to 90 deg) and the spectral tables (:func:`spectral_tables`).

    Args:
        s: settings (the rule's sub-config: stacks, materials, layers, simulation, transfer, cavity).
        stack: microcavity II (:func:`absorber_stack`).
        thickness_nm: its crystal thickness (nm, an attribute of the result).
        modes_file: the modes.h5 the thickness came from ("" if configured).
    Returns:
        (datasets, units, attributes).
    """
    t, sim = s["transfer"], s["simulation"]
    wl_um = t["pump_wavelength_nm"] / 1e3
    ang = np.linspace(0.0, 89.5, t["absorption_n_angles"])
    ref = absorption_tmm_spectral(stack, t["pump_wavelength_nm"], t["pump_fwhm_nm"], ang, t["absorber_layer"])
    mono = absorption_tmm(stack, wl_um, ang, t["absorber_layer"])
    meep_ang = np.asarray(t["absorption_meep_angles_deg"], float)
    ds = {"theta_deg": ang, **{f"tmm/{k}": v for k, v in ref.items()},
          **{f"tmm_monochromatic/{k}": v for k, v in mono.items()}}
    attrs = {"pump_wavelength_nm": t["pump_wavelength_nm"], "pump_fwhm_nm": t["pump_fwhm_nm"],
             "method": t["absorption_method"],
             "stack": t["absorber_stack"], "absorber_layer": t["absorber_layer"],
             "tmm_max_absorption_outside_absorber": float(np.max(np.abs(ref["A_other"]))),
             "absorber_thickness_nm": thickness_nm, "modes_file": modes_file}
    if meep_ang.size:  # the FDTD points (the table itself when absorption_method is meep)
        m_ds, m_attrs = meep_check(stack, wl_um, meep_ang, t["absorber_layer"], sim["resolution_1d_px_per_um"],
                                   sim["pml_um"], sim["decay_threshold"])
        ds.update(m_ds)
        attrs.update(m_attrs)
    if t["absorption_method"] == "meep":
        th, a = extend_to_grazing(meep_ang, np.clip(ds["meep/A"], 0, 1))  # single wavelength
    else:
        th, a = extend_to_grazing(ang, ref["A_crystal"])
    ds["table/theta_deg"], ds["table/absorbed_fraction"] = th, a
    sp_ds, sp_units, sp_attrs = spectral_tables(s, stack)
    ds.update(sp_ds)
    attrs.update(sp_attrs)
    units = {k: ("deg" if "theta" in k else "1") for k in ds}
    units.update(sp_units)
    return ds, units, attrs

