"""Entry: absorbed fraction A(theta) of microcavity II lit from the gap at the pump wavelength.

Transfer matrix on a fine angle grid, 1D Meep at the configured angles; the method named
by transfer.absorption_method gives the table the transfer step uses -> HDF5 + figure.
"""

import argparse
import json


import numpy as np

from sims.results import Timer, provenance, save_figure, write_h5
from sims.pump_absorption import (absorption_tmm, absorption_tmm_spectral, extend_to_grazing,
                                  meep_check)
from sims.stack import build_stack


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
    from sims.pump_absorption import stack_rta_grid

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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: sub-config with the absorber stack, simulation, transfer")
    ap.add_argument("--modes", default=None, help="modes.h5 of the absorber stack: its gain_layer_thickness_nm "
                    "(the crystal thickness the cavity step calibrated) replaces the configured one")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    t, sim = s["transfer"], s["simulation"]
    stack = build_stack(s, t["absorber_stack"])
    thickness_nm = s["layers"][t["absorber_layer"]]["thickness_nm"]
    if args.modes:
        from sims.results import read_h5 as _read

        thickness_nm = float(np.real(_read(args.modes)[0]["gain_layer_thickness_nm"]))
        stack = stack.with_thickness(t["absorber_layer"], thickness_nm / 1e3)
    wl_um = t["pump_wavelength_nm"] / 1e3
    with Timer() as timer:
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
                 "absorber_thickness_nm": thickness_nm, "modes_file": args.modes or ""}
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
    write_h5(args.h5, ds, provenance(s, timer.seconds, **attrs), units)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ang, ref["A_crystal_s"], "C0--", lw=1, label="A crystal, s (tmm)")
    ax.plot(ang, ref["A_crystal_p"], "C1--", lw=1, label="A crystal, p (tmm)")
    ax.plot(ang, mono["A_crystal"], "0.6", lw=0.8, label="A crystal, unpolarised, single wavelength (tmm)")
    ax.plot(ang, ref["A_crystal"], "k-", lw=2, label=f"A crystal, unpolarised, FWHM {t['pump_fwhm_nm']:g} nm (tmm)")
    ax.plot(ang, ref["R"], "C2:", label="R, unpolarised (tmm)")
    if meep_ang.size:
        ax.plot(meep_ang, ds["meep/A"], "ro", label=f"A = 1-R-T, 1D Meep ({sim['resolution_1d_px_per_um']:g} px/um)")
        ax.plot(meep_ang, ds["meep/tmm_meep_eps_A"], "bx", label="A, tmm with Meep's fitted permittivities")
    ax.set_xlabel("angle in the gap (deg)")
    ax.set_ylabel("fraction of incident pump power")
    ax.set_title(f"{t['absorber_stack']} lit from the gap at {t['pump_wavelength_nm']:g} nm")
    ax.set_xlim(0, 90)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7)
    save_figure(fig, args.fig)
    print(f"A_crystal(0) = {ref['A_crystal'][0]:.4f} (tmm); table method {t['absorption_method']}; "
          + (f"Meep {ds['meep/A']}, tmm {ds['meep/tmm_A']}, tmm(Meep eps) {ds['meep/tmm_meep_eps_A']}"
             if meep_ang.size else "no Meep runs"))


if __name__ == "__main__":
    main()
