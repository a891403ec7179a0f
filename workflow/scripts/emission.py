"""Angular emission of one PeLED: gathers the Meep k_par sweep (the emission_sweep jobs' part
files), adds the transfer-matrix reference -> emission.h5, per-run cost table, map figure.

Thin wrapper around sims.emission; serial (the FDTD ran in the part jobs).
"""

from __future__ import annotations

import argparse
import json


import numpy as np


def run(settings: dict, led: str, parts: list, h5_path: str, fig_path: str, cost_path: str) -> None:
    from sims import cavity as C
    from sims import emission as E
    from sims.results import provenance, read_h5, save_figure, write_h5, write_text
    from sims.materials import lorentz_fit

    em = settings["emission"]
    spec = em["leds"][led]
    group = em["emitter_group"]
    su = E.led_setup(settings, led)
    stack, side, exit_mat, other_mat = su["stack"], su["side"], su["exit_mat"], su["other_mat"]
    n_exit, n_other, band_um, em = su["n_exit"], su["n_other"], su["band_um"], su["em"]
    wc, positions, freqs, kx, theta = su["wc"], su["positions"], su["freqs"], su["kx"], su["theta"]
    res = float(em["resolution_px_per_um"])
    w_in, w_v = em["orientation"]["in_plane"], em["orientation"]["vertical"]

    # calibration sensitivity (transfer matrix only)
    variants = E.variant_tables(settings, led)
    sweep = None
    fdtd_seconds = 0.0
    if em["engine"] == "meep":  # the k_par sweep ran in the emission_sweep jobs
        results = [x for p in parts for x in E.sweep_part_results(read_h5(p)[0])]
        sweep = E.assemble_sweep(results, len(positions), len(kx), int(em["n_wavelengths"]))
        fdtd_seconds = float(sweep["seconds"].sum())

    # transfer-matrix reference: dense kx grid, same positions and frequencies
    kx_fine = np.linspace(0.0, max(float(em["kx_max_per_um"]), kx[-1]), int(em["tmm_n_kx"]))
    tm_fine = E.tmm_sweep(stack, positions, kx_fine, freqs)
    tab_tmm = E.tables(kx_fine, freqs, E.combine_orientations(tm_fine, w_in, w_v, "tmm"), side, n_exit, theta, em)
    # TMM tail beyond kx_max: how much dipole power the cut-off misses
    kx_tail = np.linspace(0.0, 4 * float(em["kx_max_per_um"]), 4 * int(em["tmm_n_kx"]))
    tm_tail = E.tmm_sweep(stack, positions[:1], kx_tail, freqs[len(freqs) // 2:len(freqs) // 2 + 1])
    ce = E.combine_orientations(tm_tail, w_in, w_v, "tmm")["emitted"][:, 0]
    m = kx_tail <= float(em["kx_max_per_um"])
    tail_fraction = 1.0 - np.trapz(kx_tail[m] * ce[m], kx_tail[m]) / np.trapz(kx_tail * ce, kx_tail)

    datasets, units = {}, dict(E.UNITS)
    if sweep is not None:
        freqs_m = sweep["freq"]
        comb = E.combine_orientations(sweep, w_in, w_v, "meep")
        tab = E.tables(kx, freqs_m, comb, side, n_exit, theta, em)
        # the transfer matrix on the Meep kx grid: separates FDTD error from kx-sampling error
        tm_same = E.tmm_sweep(stack, positions, kx, freqs_m)
        tab_tmm_same = E.tables(kx, freqs_m, E.combine_orientations(tm_same, w_in, w_v, "tmm"), side, n_exit, theta, em)
        # conservation per run: emitted vs escaped + absorbed (+ residual = guided)
        resid = []
        for kind in ("h", "v"):
            s = sweep[kind]
            e = s["emitted"]
            ok = e > 1e-3 * e.max()
            resid.append(np.abs(1 - (s["up"] + s["down"] + s["absorbed"])[ok] / e[ok]))
        cons = np.concatenate(resid)
        datasets.update({f"meep/{k}": v for k, v in (("kx_per_um", kx), ("frequency_per_um", freqs_m),
                                                      ("seconds_per_run", sweep["seconds"]),
                                                      ("meep_time_per_run", sweep["meep_time"]),
                                                      ("courant_per_run", sweep["courant"]))})
        for kind in ("h", "v"):
            for c in ("emitted", "up", "down", "absorbed"):
                datasets[f"meep/sheet_{kind}_{c}"] = sweep[kind][c]
                units[f"meep/sheet_{kind}_{c}"] = "Meep flux of a unit sheet (position x kx x frequency)"
        for k in ("kx_per_um", "frequency_per_um", "seconds_per_run", "meep_time_per_run"):
            units[f"meep/{k}"] = E.UNITS[k]
        units["meep/courant_per_run"] = ("1 (c dt / dx of each run: emission.courant, or Meep's 0.5 where the "
                                         "fields diverged at emission.courant and the run was repeated)")
        cross = {
            "meep_vs_tmm_same_kx_max_abs_diff_normalized_profile":
                float(np.max(np.abs(tab["intensity_per_sr"] / tab["intensity_per_sr"].max()
                                    - tab_tmm_same["intensity_per_sr"] / tab_tmm_same["intensity_per_sr"].max()))),
            "meep_vs_tmm_fine_max_abs_diff_normalized_profile":
                float(np.max(np.abs(tab["intensity_per_sr"] / tab["intensity_per_sr"].max()
                                    - tab_tmm["intensity_per_sr"] / tab_tmm["intensity_per_sr"].max()))),
            "meep_conservation_max_rel_residual": float(cons.max()),
            "meep_conservation_median_rel_residual": float(np.median(cons)),
        }
        for key in ("extraction_fraction", "extraction_fraction_other_side", "absorbed_fraction", "guided_fraction",
                    "fwhm_deg", "cone_fraction_20deg"):
            cross[f"tmm_same_kx_{key}"] = float(tab_tmm_same[key])
    else:
        tab = tab_tmm
        cross = {}
    for k, v in tab.items():
        datasets[k] = v
    for k, v in tab_tmm.items():
        datasets[f"tmm/{k}"] = v
        if k in E.UNITS:
            units[f"tmm/{k}"] = E.UNITS[k]
    datasets["positions_um"] = positions
    var_groups, var_layers = variant_datasets(E, variants, datasets, units)
    if variants:
        # the production (calibrated) stack by transfer matrix is the tmm/ group itself (not duplicated)
        var_layers["calibrated_tmm"] = ({wc["entry"]["layer"]: float(wc["calibration"]["value"])}
                                        if wc["entry"].get("parameter") == "layer_thickness" else {})
    fit = lorentz_fit([l.material for l in stack.layers if l.group == group][0], band_um)
    attrs = provenance(settings, fdtd_seconds)
    attrs.update({
        "led": led, "stack": spec["stack"], "exit_side": spec["side"], "exit_medium": exit_mat.name,
        "stack_mode_choice": wc["mode_choice"], "calibrated_parameter": C.calibration_label(wc["entry"]),
        "calibrated_value": wc["calibration"]["value"] if wc["calibration"] else float("nan"),
        "calibrated_value_as_given": wc["calibration"]["value_as_given"] if wc["calibration"] else float("nan"),
        "calibrated_units": wc["calibration"]["units"] if wc["calibration"] else "",
        "calibration_target_nm": wc["entry"]["target_wavelength_nm"] if wc["entry"] else float("nan"),
        "cavity_mode_as_given_tmm_nm": (1e3 * wc["calibration"]["wavelength_um_as_given"] if wc["calibration"]
                                        else float("nan")),
        "cavity_mode_calibrated_tmm_nm": 1e3 * wc["calibration"]["wavelength_um"] if wc["calibration"] else float("nan"),
        "exit_medium_index": n_exit, "other_side_medium": other_mat.name, "other_side_medium_index": n_other,
        "engine": em["engine"], "resolution_px_per_um": res,
        "orientation_in_plane": w_in, "orientation_vertical": w_v,
        "emitter_lorentz_fit_max_dn": fit.max_dn, "emitter_lorentz_fit_max_dk": fit.max_dk,
        "emitter_lorentz_fit_rms_dn": fit.rms_dn,
        "tmm_extraction_fraction": float(tab_tmm["extraction_fraction"]), "tmm_fwhm_deg": float(tab_tmm["fwhm_deg"]),
        "tmm_cone_fraction_20deg": float(tab_tmm["cone_fraction_20deg"]),
        "kx_cutoff_missing_power_fraction_tmm": float(tail_fraction),
        "assumptions": ("emitter lossless for the dipoles (no reabsorption); intrinsic EL spectrum = spectrum of |p|^2 "
                        "(emitted spectrum S x P_total: Purcell reshaping included); dipole planes equally weighted; intensity_air_per_sr: one flat "
                        "exit-medium/air interface, Fresnel s/p, no multiple reflections"),
        **cross,
    })
    if variants:
        attrs.update({
            "variants": ",".join(list(variants) + ["calibrated_tmm"]),
            "variants_layers_json": json.dumps(var_layers, sort_keys=True),
            "variants_calibrated_tmm_group": "tmm",
            "variants_note": ("transfer matrix only, same grids and normalisation as tmm/; variants/<name>/ per variant; "
                              "calibrated_tmm (the production calibrated stack) is the tmm/ group; variants_layers_json: "
                              "variant -> {layer: thickness_nm} to set on the stack as configured"),
        })
    write_h5(h5_path, datasets, attrs=attrs, units=units, groups=var_groups)
    if sweep is not None:
        lines = ["position_um\tkx_per_um\tkind\tseconds\tmeep_time_um_per_c\tcourant"]
        for ip, zp in enumerate(positions):
            for ik, k in enumerate(kx):
                for j, kind in enumerate(("h", "v")):
                    lines.append(f"{zp:.5f}\t{k:.5f}\t{kind}\t{sweep['seconds'][ip, ik, j]:.3f}\t"
                                 f"{sweep['meep_time'][ip, ik, j]:.1f}\t{sweep['courant'][ip, ik, j]:g}")
        lines.append(f"# mean seconds per kx point (all positions, both runs): {sweep['seconds'].sum() / len(kx):.2f}")
        write_text(cost_path, "\n".join(lines) + "\n")
    else:
        write_text(cost_path, "# engine tmm: no Meep runs\n")
    plot_map(tab, tab_tmm, led, exit_mat.name, n_exit, fig_path, save_figure)
    print(json.dumps({k: (float(v) if np.ndim(v) == 0 else None) for k, v in tab.items() if np.ndim(v) == 0}, indent=1))
    print(json.dumps(cross, indent=1))


def variant_datasets(E, variants: dict, datasets: dict, units: dict) -> tuple[dict, dict]:
    """Put each calibration variant's tables under variants/<name>/ (units on every dataset);
    returns the group attributes and variant -> {layer: thickness_nm}."""
    groups, layers = {}, {}
    for name, v in variants.items():
        for k in E.VARIANT_KEYS:
            datasets[f"variants/{name}/{k}"] = v["tables"][k]
            units[f"variants/{name}/{k}"] = E.UNITS[k]
        groups[f"variants/{name}"] = {
            "layer": v["layer"], "value": v["value"], "value_units": v["units"],
            "mode_tmm_nm": v["mode_tmm_nm"], "target_nm": v["target_nm"],
            "changed_layers_json": json.dumps(v["changed_layers"], sort_keys=True),
        }
        layers[name] = v["changed_layers"]
    return groups, layers


def plot_map(tab, tab_tmm, led, medium, n_exit, fig_path, save_figure):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    th = tab["theta_deg"]
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
    im = ax[0].pcolormesh(tab["wavelength_nm"], th, tab["intensity_per_sr_unweighted"], shading="auto")
    fig.colorbar(im, ax=ax[0], label="I per unit dipole power (1/sr)")
    ax[0].plot(tab["spectrum_peak_nm_vs_theta"], th, "w--", lw=1, label="EL-weighted peak")
    ax[0].set_xlabel("wavelength (nm)")
    ax[0].set_ylabel(f"angle in {medium} (deg)")
    ax[0].set_title(f"{led}: I(theta, lambda) in {medium} (n = {n_exit:.3f})")
    ax[0].legend(loc="upper right", fontsize=8)
    for t, lab, ls in ((tab, "this run", "-"), (tab_tmm, "transfer matrix (dense kx)", "--")):
        ax[1].plot(th, t["intensity_per_sr"] / t["intensity_per_sr"].max(), ls, label=f"{lab}, {medium}")
        ax[1].plot(th, t["intensity_air_per_sr"] / t["intensity_air_per_sr"].max(), ls, label=f"{lab}, air")
    ax[1].plot(th, np.cos(np.radians(th)), ":k", label="Lambertian")
    ax[1].set_xlabel("angle (deg)")
    ax[1].set_ylabel("normalized radiant intensity")
    ax[1].set_title(f"FWHM {tab['fwhm_deg']:.1f} deg ({medium}), {tab['fwhm_air_deg']:.1f} deg (air)")
    ax[1].legend(fontsize=7)
    ax[2].plot(tab["wavelength_nm"], tab["extraction_fraction_vs_wavelength"], label="emitting side")
    ax[2].plot(tab["wavelength_nm"], tab["extraction_other_vs_wavelength"], label="other side")
    ax[2].plot(tab["wavelength_nm"], tab["absorbed_vs_wavelength"], label="absorbed")
    ax[2].plot(tab["wavelength_nm"], tab["guided_vs_wavelength"], label="guided (residual)")
    ax[2].plot(tab["wavelength_nm"], tab["el_spectrum_per_nm"] / tab["el_spectrum_per_nm"].max(), ":k", label="EL (norm.)")
    ax[2].set_xlabel("wavelength (nm)")
    ax[2].set_ylabel("fraction of dipole power")
    ax[2].set_title(f"EL-weighted extraction {tab['extraction_fraction']:.3f}")
    ax[2].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, fig_path)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON of the step's sub-config")
    ap.add_argument("--led", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    ap.add_argument("--cost", required=True, help="TSV of the wall time of every Meep run")
    ap.add_argument("--parts", nargs="*", default=[], help="the k_par sweep's part files (emission_sweep jobs)")
    a = ap.parse_args(argv)
    run(json.loads(a.settings), a.led, a.parts, a.h5, a.fig, a.cost)


if __name__ == "__main__":
    main()
