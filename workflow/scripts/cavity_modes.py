"""Cavity modes and Q of one stack: HDF5 (modes.h5), summary figure, benchmark JSON.

Thin wrapper around sims.cavity_study (default rule cavity_modes). The Meep points of the
dispersion and of the thickness study and the convergence table are the validation rule's
(workflow/scripts/cavity_validation.py): their keys (sims.cavity_study.VALIDATION_KEYS) are
not in these settings and their datasets are not in modes.h5. Usage:
    python workflow/scripts/cavity_modes.py --stack microcavity_II --settings '<json>' \
        --h5 results/cavity/microcavity_II/modes.h5 --fig results/cavity/microcavity_II/summary.png \
        --bench results/cavity/microcavity_II/benchmark.json
"""

from __future__ import annotations

import argparse
import json


import numpy as np

from sims import cavity as C
from sims import cavity_study as S
from sims.results import Timer, provenance, save_figure, write_h5, write_text


def run(stack: str, settings: dict, h5: str, fig: str, bench_path: str) -> dict:
    import meep as mp

    mp.verbosity(0)
    config = settings
    cav, sim = config["cavity"], config["simulation"]
    spec = cav["stacks"][stack]
    bench: list = []
    with Timer() as t:
        as_given_modes = C.cavity_modes_tmm(config, stack)
        if not as_given_modes:
            raise C.CavityError(f"no cavity mode of {stack!r} in its band")
        target = spec["target_wavelength_nm"] / 1e3
        as_given = C.nearest_mode(as_given_modes, target)
        wc = C.working_config(config, stack)
        work, mode_choice, target, cal_info = wc["config"], wc["mode_choice"], wc["target_um"], wc["calibration"]
        cal = wc["entry"]
        res1d, pml = float(sim["resolution_1d_px_per_um"]), float(sim["pml_um"])
        ma = S.mode_analysis(work, stack, resolution=res1d, pml_um=pml, ringdown=cav["ringdown_time"],
                             target_um=target, spectrum_resolution=cav["spectrum_resolution_px_per_um"],
                             spectrum_decay=cav["spectrum_decay_threshold"],
                             spectrum_linewidths=cav["spectrum_linewidths"], bench=bench)
        # the as-given mode by Meep too (when calibrated), absorption on and off (as_given/*: the stack as
        # configured, a second pair of Harminv runs on a different stack; labelled so in benchmark.json)
        as_given_meep = None
        if cal_info is not None:
            n_runs = len(bench)
            ag = S.mode_analysis(config, stack, resolution=res1d, pml_um=pml, ringdown=cav["ringdown_time"],
                                 target_um=as_given.wavelength_um, spectrum=False, profile=False, bench=bench)
            for b in bench[n_runs:]:
                b["run"] = f"as given: {b['run']}"
            as_given_meep = ag
        sw = cav["thickness_sweep_nm"]
        thick = None
        if spec.get("thickness_sweep"):  # transfer matrix (the Meep points: validation)
            thick = S.thickness_study(work, stack, np.linspace(sw["min"], sw["max"], sw["n"]), target,
                                      cav["pump_wavelength_nm"] / 1e3)
        # transfer matrix (the Meep 2D-Bloch points: validation)
        disp = S.dispersion(work, stack, cav["angles_deg"], ma["tmm_table"].wavelength_um)
    ds, units = datasets(ma, spec, cal_info, as_given, as_given_meep, thick, disp)
    attrs = provenance(settings, t.seconds, stack=stack, mode_choice=mode_choice,
                       confinement_definition=S.CONFINEMENT_DEFINITION,
                       Q_measured_source="paper: linewidth just below threshold "
                                         f"{spec['measured_linewidth_nm']} nm at {spec['measured_wavelength_nm']} nm",
                       fit_errors_json=json.dumps(ma["fit_errors"]),
                       calibrated_parameter=C.calibration_label(cal),
                       calibration_target_nm=(cal["target_wavelength_nm"] if cal else float("nan")),
                       calibration_source=(cal.get("source", "") if cal else ""),
                       calibrated_value=(cal_info["value"] if cal_info else float("nan")),
                       calibrated_value_as_given=(cal_info["value_as_given"] if cal_info else float("nan")),
                       calibrated_units=(cal_info["units"] if cal_info else ""),
                       loss_model=("absorption off: dielectrics at Re n(mode), metals (meep.materials Drude-Lorentz) "
                                   "with all damping rates 0; absorption on: tabulated media Lorentz-fitted over the "
                                   "fit band and anchored at the mode, constant lossy media by D-conductivity exact at "
                                   "the mode"))
    if mp.am_master():
        write_h5(h5, ds, attrs, units)
        write_text(bench_path, json.dumps({"stack": stack, "total_wall_s": t.seconds, "runs": bench}, indent=1))
        figure(stack, ma, ds, thick, disp, fig, cal_label=C.calibration_label(cal))
    return ds


def datasets(ma, spec, cal_info, as_given, ag_meep, thick, disp):
    h_on, h_off = ma["h_on"], ma["h_off"]
    lw = spec["measured_linewidth_nm"]
    Q_meas = spec["measured_wavelength_nm"] / lw if lw > 0 else 0.0
    ds = {
        "lasing_wavelength_nm": 1e3 * ma["wavelength_um"],
        "Q_total": ma["Q_total"], "Q_mirror": ma["Q_mirror"],
        "Q_absorption": ma["Q_absorption"] if np.isfinite(ma["Q_absorption"]) else 1e30,
        "confinement_energy": ma["confinement"]["confinement_energy"],
        "confinement_longitudinal": ma["confinement_longitudinal"],
        "standing_wave_enhancement": ma["confinement"]["standing_wave_enhancement"],
        "group_index": ma["group_index"], "material_group_index_gain": ma["material_group_index"],
        "gain_layer_thickness_nm": 1e3 * ma["gain_thickness_um"],
        "Q_measured": Q_meas, "measured_linewidth_nm": lw,
        "L_eff_nm": 1e3 * ma["penetration"]["L_eff_um"],
        "L_pen_down_nm": 1e3 * ma["penetration"]["L_pen_down_um"],
        "L_pen_up_nm": 1e3 * ma["penetration"]["L_pen_up_um"],
        "wavelength_absorption_off_nm": 1e3 * ma["wavelength_lossless_um"],
        # cross-checks
        "tmm/wavelength_table_nm": 1e3 * ma["tmm_table"].wavelength_um, "tmm/Q_total_table": ma["tmm_table"].Q,
        "tmm/wavelength_meep_media_nm": 1e3 * ma["tmm_meep"].wavelength_um, "tmm/Q_total_meep_media": ma["tmm_meep"].Q,
        "tmm/pole_wavelength_meep_media_nm": 1e3 / ma["tmm_pole"].real,
        "tmm/pole_Q_total_meep_media": ma["tmm_pole"].real / (-2 * ma["tmm_pole"].imag),
        "tmm/wavelength_absorption_off_nm": 1e3 * ma["tmm_lossless"].wavelength_um,
        "tmm/Q_mirror": ma["tmm_lossless"].Q,
        "tmm/Q_absorption": ma["tmm_Q_absorption"] if np.isfinite(ma["tmm_Q_absorption"]) else 1e30,
        "tmm/confinement_energy": ma["confinement_tmm"]["confinement_energy"],
        "tmm/all_mode_wavelengths_nm": np.array([1e3 * m.wavelength_um for m in ma["tmm_modes_table"]]),
        "tmm/all_mode_Q": np.array([m.Q for m in ma["tmm_modes_table"]]),
        # Harminv tables
        "harminv/absorption_on/wavelength_nm": 1e3 / h_on.freq, "harminv/absorption_on/Q": h_on.Q,
        "harminv/absorption_on/amplitude": h_on.amp, "harminv/absorption_on/error": h_on.err,
        "harminv/absorption_off/wavelength_nm": 1e3 / h_off.freq, "harminv/absorption_off/Q": h_off.Q,
        "harminv/absorption_off/amplitude": h_off.amp, "harminv/absorption_off/error": h_off.err,
        # profile
        "profile/z_nm": 1e3 * ma["profile_z_um"], "profile/E2_meep": ma["profile_e2"],
        "profile/E2_tmm": ma["profile_e2_tmm"], "profile/eps_real": ma["profile_eps"],
        "as_given/wavelength_tmm_nm": 1e3 * as_given.wavelength_um, "as_given/Q_total_tmm": as_given.Q,
    }
    units = {k: "nm" for k in ds if k.endswith("_nm")}
    for k in ds:
        if "Q" in k.split("/")[-1] or k.endswith("amplitude") or k.endswith("error") or "confinement" in k \
                or k.endswith("index") or k.endswith("gain") or k.endswith("enhancement") or k.endswith("eps_real") \
                or "E2" in k:
            units.setdefault(k, "1")
    if "spectrum" in ma:
        sp, lor = ma["spectrum"], ma["spectrum_lorentz"]
        ds.update({"spectrum/wavelength_nm": 1e3 / sp.freq, "spectrum/T_meep": sp.T, "spectrum/R_meep": sp.R,
                   "spectrum/internal_meep": sp.internal, "spectrum/Q_lorentzian_T": ma["spectrum_lorentz_T"]["Q"],
                   "spectrum/T_tmm": ma["spectrum_tmm_T"], "spectrum/Q_lorentzian": lor["Q"],
                   "spectrum/wavelength_lorentzian_nm": 1e3 / lor["f0"], "spectrum/Q_harminv": ma["spectrum_harminv_Q"],
                   "spectrum/wavelength_harminv_nm": 1e3 / ma["spectrum_harminv_f"],
                   "spectrum/resolution_px_per_um": ma["spectrum_resolution"],
                   "spectrum/lit_from_above": int(ma["spectrum_from_above"])})
        units.update({"spectrum/wavelength_nm": "nm", "spectrum/T_meep": "1", "spectrum/R_meep": "1",
                      "spectrum/internal_meep": "1 (|E|^2 inside / |E|^2 incident)", "spectrum/Q_lorentzian_T": "1",
                      "spectrum/T_tmm": "1", "spectrum/Q_lorentzian": "1", "spectrum/Q_harminv": "1",
                      "spectrum/wavelength_lorentzian_nm": "nm", "spectrum/wavelength_harminv_nm": "nm",
                      "spectrum/resolution_px_per_um": "px/um", "spectrum/lit_from_above": "1 (bool)"})
    if cal_info is not None:
        ds.update({"calibration/value": cal_info["value"], "calibration/value_as_given": cal_info["value_as_given"],
                   "calibration/wavelength_as_given_nm": 1e3 * cal_info["wavelength_um_as_given"],
                   "calibration/wavelength_after_nm": 1e3 * cal_info["wavelength_um"]})
        units.update({"calibration/value": cal_info["units"], "calibration/value_as_given": cal_info["units"],
                      "calibration/wavelength_as_given_nm": "nm", "calibration/wavelength_after_nm": "nm"})
    if ag_meep is not None:
        ds.update({"as_given/wavelength_meep_nm": 1e3 * ag_meep["wavelength_um"], "as_given/Q_total": ag_meep["Q_total"],
                   "as_given/Q_mirror": ag_meep["Q_mirror"],
                   "as_given/Q_absorption": ag_meep["Q_absorption"] if np.isfinite(ag_meep["Q_absorption"]) else 1e30,
                   "as_given/confinement_longitudinal": ag_meep["confinement_longitudinal"],
                   "as_given/confinement_energy": ag_meep["confinement"]["confinement_energy"],
                   "as_given/group_index": ag_meep["group_index"]})
        units.update({k: ("nm" if k.endswith("_nm") else "1") for k in ds if k.startswith("as_given/")})
    if thick is not None:
        for k, v in thick.items():
            ds[f"thickness_study/{k}"] = v
            units[f"thickness_study/{k}"] = "nm" if k.endswith("_nm") else "1"
    for k, v in disp.items():
        ds[f"dispersion/{k}"] = v
        units[f"dispersion/{k}"] = ("deg" if k.endswith("_deg") else "nm" if k.endswith("_nm") else
                                    "1/um" if k.endswith("_per_um") else "1")
    units.setdefault("lasing_wavelength_nm", "nm")
    for k in ds:
        units.setdefault(k, "1")
    # NaN-free: thickness-study gaps (no mode) are stored as -1
    for k, v in list(ds.items()):
        a = np.asarray(v, dtype=float) if np.asarray(v).dtype.kind in "fi" else None
        if a is not None and not np.all(np.isfinite(a)):
            ds[k] = np.where(np.isfinite(a), a, -1.0)
    return ds, units


def figure(stack, ma, ds, thick, disp, path, cal_label="none"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 3, figsize=(16, 9))
    a = ax[0, 0]
    if "spectrum/T_meep" in ds:
        wl = ds["spectrum/wavelength_nm"]
        I = ds["spectrum/internal_meep"]
        a.plot(wl, I / I.max(), "o", ms=3, label="Meep |E|^2 in cavity (lit through mirror), norm.")
        a.semilogy(wl, ds["spectrum/T_meep"] / ds["spectrum/T_meep"].max(), ".", ms=2, label="Meep T, norm.")
        a.plot(wl, ds["spectrum/T_tmm"] / ds["spectrum/T_tmm"].max(), "-", label="transfer matrix T, norm.")
        a.axvline(ds["spectrum/wavelength_harminv_nm"], color="k", ls=":", label="Harminv")
        a.set_ylim(1e-3, 1.5)
        a.set_title(f"spectrum: Q_Lorentz={ds['spectrum/Q_lorentzian']:.4g} (T: {ds['spectrum/Q_lorentzian_T']:.4g}), "
                    f"Q_Harminv={ds['spectrum/Q_harminv']:.4g}; T_max={ds['spectrum/T_meep'].max():.2g}", fontsize=8)
        a.set_xlabel("wavelength (nm)")
        a.legend(fontsize=7)
    a = ax[0, 1]
    a.axis("off")
    rows = [[f"{w:.2f}", f"{q:.4g}", f"{amp:.2g}"] for w, q, amp in zip(ds["harminv/absorption_off/wavelength_nm"],
                                                                       ds["harminv/absorption_off/Q"],
                                                                       ds["harminv/absorption_off/amplitude"])][:12]
    rows += [[f"{w:.2f}*", f"{q:.4g}", f"{amp:.2g}"] for w, q, amp in zip(ds["harminv/absorption_on/wavelength_nm"],
                                                                        ds["harminv/absorption_on/Q"],
                                                                        ds["harminv/absorption_on/amplitude"])][:6]
    if rows:
        tb = a.table(cellText=rows, colLabels=["lambda (nm)", "Q", "|amp|"], loc="center")
        tb.set_fontsize(7)
    a.set_title("Harminv modes (absorption off; * = on)")
    a = ax[0, 2]
    z = ds["profile/z_nm"]
    a.plot(z, ds["profile/E2_meep"], label="|E|^2 Meep DFT")
    a.plot(z, ds["profile/E2_tmm"] / max(ds["profile/E2_tmm"].max(), 1e-30), "--", lw=0.8, label="|E|^2 transfer matrix")
    a2 = a.twinx()
    a2.plot(z, ds["profile/eps_real"], color="gray", lw=0.6)
    a2.set_ylabel("Re eps")
    a.set_title(f"mode {ds['lasing_wavelength_nm']:.2f} nm: Gamma_E={ds['confinement_energy']:.3f}, "
                f"Gamma_z={ds['confinement_longitudinal']:.3f}", fontsize=9)
    a.set_xlabel("z (nm)")
    a.legend(fontsize=7, loc="upper left")
    a = ax[1, 0]
    labels = ["Q_mirror", "Q_absorption", "Q_total", "Q_measured"]
    vals = [ds["Q_mirror"], ds["Q_absorption"], ds["Q_total"], ds["Q_measured"]]
    a.bar(labels, [max(v, 1e-3) for v in vals], color=["C0", "C1", "C2", "C3"])
    a.set_yscale("log")
    for i, v in enumerate(vals):
        a.text(i, max(v, 1e-3), f"{v:.4g}", ha="center", va="bottom", fontsize=8)
    a.set_title("Q breakdown (Meep Harminv; measured from paper linewidth)")
    a = ax[1, 1]
    a.plot(disp["angles_deg"], disp["wavelength_s_nm"], "o-", label="s")
    a.plot(disp["angles_deg"], disp["wavelength_p_nm"], "s--", label="p")
    a.set_xlabel("angle in the above medium (deg)")
    a.set_ylabel("resonance (nm)")
    a3 = a.twinx()
    a3.semilogy(disp["angles_deg"], disp["Q_s"], "o:", color="C2", ms=3)
    a3.semilogy(disp["angles_deg"], disp["Q_p"], "s:", color="C3", ms=3)
    a3.set_ylabel("Q (dotted)")
    a.legend(fontsize=7)
    a.set_title("dispersion (transfer matrix; Meep points: validation target)")
    a = ax[1, 2]
    if thick is not None:
        t = thick["thickness_nm"]
        a.plot(t, thick["all_mode_wavelengths_nm"], "k.", ms=3)
        a.plot(t, thick["wavelength_nm"], "C0-", label="analysed mode")
        a.set_xlabel("crystal thickness (nm)")
        a.set_ylabel("mode wavelength (nm)")
        a4 = a.twinx()
        a4.plot(t, thick["confinement_energy_tmm"], "C2--", label="Gamma_E")
        a4.plot(t, thick["pump_absorbed_fraction"], "C3-.", label="pump absorbed (680 nm)")
        a4.plot(t, np.log10(thick["Q_total_tmm"]) / 4, "C4:", label="log10(Q)/4")
        a4.legend(fontsize=7, loc="lower right")
        a.legend(fontsize=7, loc="upper left")
        a.set_title("thickness study (transfer matrix; Meep points: validation target)")
    else:
        a.axis("off")
        a.text(0.5, 0.5, "no thickness study for this stack\n\nMeep dispersion points, Meep thickness points and\n"
               f"the convergence table: validation target\n(results/validation/cavity/{stack}/)",
               ha="center", va="center", fontsize=9, transform=a.transAxes)
    title = f"{stack}: cavity mode analysis"
    if "calibration/value" in ds:  # as-given and calibrated side by side
        u = "nm" if cal_label != "gain_layer_index" else "(index shift)"
        title += (f"\ncalibrated {cal_label}: {ds['calibration/value_as_given']:.4g} -> {ds['calibration/value']:.4g} {u}; "
                  f"mode (transfer matrix) as given {ds['calibration/wavelength_as_given_nm']:.2f} nm -> calibrated "
                  f"{ds['calibration/wavelength_after_nm']:.2f} nm")
        if "as_given/wavelength_meep_nm" in ds:
            title += (f"; Meep: as given {ds['as_given/wavelength_meep_nm']:.2f} nm (Q {ds['as_given/Q_total']:.4g}) -> "
                      f"calibrated {ds['lasing_wavelength_nm']:.2f} nm (Q {ds['Q_total']:.4g})")
        a = ax[1, 0]
        a.set_title(a.get_title() + f"\nas given: Q_total={ds.get('as_given/Q_total', float('nan')):.4g}, "
                    f"Q_mirror={ds.get('as_given/Q_mirror', float('nan')):.4g}", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stack", required=True)
    p.add_argument("--settings", required=True, help="JSON settings (sub-config)")
    p.add_argument("--h5", required=True)
    p.add_argument("--fig", required=True)
    p.add_argument("--bench", required=True)
    a = p.parse_args(argv)
    ds = run(a.stack, json.loads(a.settings), a.h5, a.fig, a.bench)
    print(json.dumps({k: float(np.asarray(v)) for k, v in ds.items() if np.asarray(v).ndim == 0}, indent=1))


if __name__ == "__main__":
    main()
