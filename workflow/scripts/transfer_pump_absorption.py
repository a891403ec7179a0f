"""Entry: absorbed fraction A(theta) of microcavity II lit from the gap at the pump wavelength.

Transfer matrix on a fine angle grid, 1D Meep at the configured angles; the method named
by transfer.absorption_method gives the table the transfer step uses -> HDF5 + figure.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from sims.hdf5io import Timer, provenance, save_figure, write_h5  # noqa: E402
from sims.pump_absorption import (absorption_meep, absorption_tmm, absorption_tmm_meep_eps,  # noqa: E402
                                  absorption_tmm_spectral, extend_to_grazing)  # noqa: E402
from sims.stack import build_stack  # noqa: E402


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
        from sims.hdf5io import read_h5 as _read

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
        if meep_ang.size:
            m = absorption_meep(stack, wl_um, meep_ang, sim["resolution_1d_px_per_um"], sim["pml_um"],
                                sim["decay_threshold"])
            ds["meep/theta_deg"] = meep_ang
            for k in ("R_s", "T_s", "A_s", "R_p", "T_p", "A_p", "A"):
                ds[f"meep/{k}"] = m[k]
            tm = absorption_tmm(stack, wl_um, meep_ang, t["absorber_layer"])
            ds["meep/tmm_A"] = 0.5 * (tm["A_s"] + tm["A_p"])
            attrs["meep_vs_tmm_max_abs_dA"] = float(np.max(np.abs(m["A"] - ds["meep/tmm_A"])))
            # like-for-like: tmm with the Lorentz-fitted permittivities Meep uses
            ds["meep/tmm_meep_eps_A"] = absorption_tmm_meep_eps(stack, wl_um, meep_ang)["A"]
            attrs["meep_vs_tmm_meep_eps_max_abs_dA"] = float(np.max(np.abs(m["A"] - ds["meep/tmm_meep_eps_A"])))
            attrs["meep_wall_time_s"] = m["wall_time_s"]
            attrs["meep_resolution_px_per_um"] = sim["resolution_1d_px_per_um"]
        if t["absorption_method"] == "meep":
            th, a = extend_to_grazing(meep_ang, np.clip(ds["meep/A"], 0, 1))  # single wavelength
        else:
            th, a = extend_to_grazing(ang, ref["A_crystal"])
        ds["table/theta_deg"], ds["table/absorbed_fraction"] = th, a
    units = {k: ("deg" if "theta" in k else "1") for k in ds}
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
