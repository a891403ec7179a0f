"""The emission results of one LED: Meep sweep and transfer-matrix tables, cross-checks, cost table.

Assembles the k_par sweep's runs (:mod:`sims.emission_meep_sweep`) into the angular tables of
:mod:`sims.emission_tables`, beside the transfer-matrix reference (:mod:`sims.planar_green`)
on a dense kx grid (``tmm/``) and on the Meep kx grid (separates the FDTD error from the kx
sampling error), the power that the kx cut-off misses, per-run conservation residuals and the
calibration variants (``variants/``). Returns datasets, units and attributes; writes nothing.
Assumed: the emitter is lossless for the dipoles (no reabsorption), the dipole planes are
equally weighted, the intrinsic EL spectrum is the spectrum of |p|^2.
"""

from __future__ import annotations

import json

import numpy as np

from sims import emission as E
from sims import emission_meep_sweep as M
from sims import emission_tables as T
from sims.planar_green import tmm_sweep

ASSUMPTIONS = ("emitter lossless for the dipoles (no reabsorption); intrinsic EL spectrum = spectrum of |p|^2 "
               "(emitted spectrum S x P_total: Purcell reshaping included); dipole planes equally weighted; "
               "intensity_air_per_sr: one flat exit-medium/air interface, Fresnel s/p, no multiple reflections")


def kx_cutoff_missing_fraction(stack, positions, freqs, em: dict) -> float:
    """Fraction of the dipole power beyond kx_max_per_um (transfer matrix to 4 kx_max, first dipole
    plane, middle frequency): what the truncated kx grids miss."""
    w_in, w_v = em["orientation"]["in_plane"], em["orientation"]["vertical"]
    kx_tail = np.linspace(0.0, 4 * float(em["kx_max_per_um"]), 4 * int(em["tmm_n_kx"]))
    tm_tail = tmm_sweep(stack, positions[:1], kx_tail, freqs[len(freqs) // 2:len(freqs) // 2 + 1])
    ce = T.combine_orientations(tm_tail, w_in, w_v, "tmm")["emitted"][:, 0]
    m = kx_tail <= float(em["kx_max_per_um"])
    return 1.0 - np.trapz(kx_tail[m] * ce[m], kx_tail[m]) / np.trapz(kx_tail * ce, kx_tail)


def conservation_residuals(sweep: dict) -> np.ndarray:
    """|1 - (up + down + absorbed) / emitted| of every Meep run and frequency where the run emits
    more than 1e-3 of its kind's maximum (the residual is power left guided in the cell)."""
    resid = []
    for kind in M.KINDS:
        s = sweep[kind]
        e = s["emitted"]
        ok = e > 1e-3 * e.max()
        resid.append(np.abs(1 - (s["up"] + s["down"] + s["absorbed"])[ok] / e[ok]))
    return np.concatenate(resid)


def normalized_profile_max_diff(tab_a: dict, tab_b: dict) -> float:
    """Largest difference of the two tables' intensity_per_sr, each normalized to its maximum."""
    return float(np.max(np.abs(tab_a["intensity_per_sr"] / tab_a["intensity_per_sr"].max()
                               - tab_b["intensity_per_sr"] / tab_b["intensity_per_sr"].max())))


def meep_datasets(sweep: dict, kx, units: dict) -> dict:
    """The sweep's per-run arrays under meep/ (units added to ``units``)."""
    ds = {f"meep/{k}": v for k, v in (("kx_per_um", kx), ("frequency_per_um", sweep["freq"]),
                                      ("seconds_per_run", sweep["seconds"]),
                                      ("meep_time_per_run", sweep["meep_time"]),
                                      ("courant_per_run", sweep["courant"]))}
    for kind in M.KINDS:
        for c in ("emitted", "up", "down", "absorbed"):
            ds[f"meep/sheet_{kind}_{c}"] = sweep[kind][c]
            units[f"meep/sheet_{kind}_{c}"] = "Meep flux of a unit sheet (position x kx x frequency)"
    for k in ("kx_per_um", "frequency_per_um", "seconds_per_run", "meep_time_per_run"):
        units[f"meep/{k}"] = T.UNITS[k]
    units["meep/courant_per_run"] = ("1 (c dt / dx of each run: emission.courant, or Meep's 0.5 where the "
                                     "fields diverged at emission.courant and the run was repeated)")
    return ds


def variant_datasets(variants: dict, datasets: dict, units: dict) -> tuple[dict, dict]:
    """Put each calibration variant's tables under variants/<name>/ (units on every dataset);
    returns the group attributes and variant -> {layer: thickness_nm}."""
    groups, layers = {}, {}
    for name, v in variants.items():
        for k in T.VARIANT_KEYS:
            datasets[f"variants/{name}/{k}"] = v["tables"][k]
            units[f"variants/{name}/{k}"] = T.UNITS[k]
        groups[f"variants/{name}"] = {
            "layer": v["layer"], "value": v["value"], "value_units": v["units"],
            "mode_tmm_nm": v["mode_tmm_nm"], "target_nm": v["target_nm"],
            "changed_layers_json": json.dumps(v["changed_layers"], sort_keys=True),
        }
        layers[name] = v["changed_layers"]
    return groups, layers


def led_emission(settings: dict, led: str, part_data: list[dict]) -> dict:
    """The emission results of one LED.

    Args:
        settings: the step's settings (emission section, the LED's stack, its calibration).
        led: name under emission.leds.
        part_data: datasets of the sweep's part files (emission_sweep jobs; ignored with
            emission.engine tmm).
    Returns:
        dict: datasets, units, groups (variant group attributes), attrs (physics attributes,
        no provenance), tab (the tables written at the root: Meep's, or the transfer matrix's
        with engine tmm), tab_tmm, sweep (None without Meep), fdtd_seconds, cross (Meep vs
        transfer-matrix metrics), setup (:func:`sims.emission.led_setup`).
    """
    su = E.led_setup(settings, led)
    stack, side, n_exit, em = su["stack"], su["side"], su["n_exit"], su["em"]
    wc, positions, freqs, kx, theta = su["wc"], su["positions"], su["freqs"], su["kx"], su["theta"]
    w_in, w_v = em["orientation"]["in_plane"], em["orientation"]["vertical"]

    # calibration sensitivity (transfer matrix only)
    variants = T.variant_tables(settings, led)
    sweep = None
    fdtd_seconds = 0.0
    if em["engine"] == "meep":  # the k_par sweep ran in the emission_sweep jobs
        results = [x for data in part_data for x in M.sweep_part_results(data)]
        sweep = M.assemble_sweep(results, len(positions), len(kx), int(em["n_wavelengths"]))
        fdtd_seconds = float(sweep["seconds"].sum())

    # transfer-matrix reference: dense kx grid, same positions and frequencies
    tab_tmm = T.tmm_tables(su)
    tail_fraction = kx_cutoff_missing_fraction(stack, positions, freqs, em)

    datasets, units = {}, dict(T.UNITS)
    if sweep is not None:
        freqs_m = sweep["freq"]
        tab = T.tables(kx, freqs_m, T.combine_orientations(sweep, w_in, w_v, "meep"), side, n_exit, theta, em)
        # the transfer matrix on the Meep kx grid: separates FDTD error from kx-sampling error
        tm_same = tmm_sweep(stack, positions, kx, freqs_m)
        tab_tmm_same = T.tables(kx, freqs_m, T.combine_orientations(tm_same, w_in, w_v, "tmm"), side, n_exit, theta, em)
        cons = conservation_residuals(sweep)
        datasets.update(meep_datasets(sweep, kx, units))
        cross = {
            "meep_vs_tmm_same_kx_max_abs_diff_normalized_profile": normalized_profile_max_diff(tab, tab_tmm_same),
            "meep_vs_tmm_fine_max_abs_diff_normalized_profile": normalized_profile_max_diff(tab, tab_tmm),
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
        if k in T.UNITS:
            units[f"tmm/{k}"] = T.UNITS[k]
    datasets["positions_um"] = positions
    groups, var_layers = variant_datasets(variants, datasets, units)
    if variants:
        # the production (calibrated) stack by transfer matrix is the tmm/ group itself (not duplicated)
        var_layers["calibrated_tmm"] = ({wc["entry"]["layer"]: float(wc["calibration"]["value"])}
                                        if wc["entry"].get("parameter") == "layer_thickness" else {})
    attrs = {**led_attrs(settings, led, su, tab_tmm, tail_fraction), **cross}
    if variants:
        attrs.update({
            "variants": ",".join(list(variants) + ["calibrated_tmm"]),
            "variants_layers_json": json.dumps(var_layers, sort_keys=True),
            "variants_calibrated_tmm_group": "tmm",
            "variants_note": ("transfer matrix only, same grids and normalisation as tmm/; variants/<name>/ per variant; "
                              "calibrated_tmm (the production calibrated stack) is the tmm/ group; variants_layers_json: "
                              "variant -> {layer: thickness_nm} to set on the stack as configured"),
        })
    return {"datasets": datasets, "units": units, "groups": groups, "attrs": attrs, "tab": tab, "tab_tmm": tab_tmm,
            "sweep": sweep, "fdtd_seconds": fdtd_seconds, "cross": cross, "setup": su}


def led_attrs(settings: dict, led: str, su: dict, tab_tmm: dict, tail_fraction: float) -> dict:
    """Attributes of emission.h5: the LED and its calibration, media, engine, orientation mix, the
    emitter's Lorentz fit error, transfer-matrix headline numbers, kx cut-off, assumptions."""
    from sims.materials import lorentz_fit

    em, wc = su["em"], su["wc"]
    cal = wc["calibration"]
    fit = lorentz_fit([l.material for l in su["stack"].layers if l.group == em["emitter_group"]][0], su["band_um"])
    return {
        **E.led_attrs(led, su),
        "calibrated_value_as_given": cal["value_as_given"] if cal else float("nan"),
        "calibrated_units": cal["units"] if cal else "",
        "calibration_target_nm": wc["entry"]["target_wavelength_nm"] if wc["entry"] else float("nan"),
        "cavity_mode_as_given_tmm_nm": 1e3 * cal["wavelength_um_as_given"] if cal else float("nan"),
        "cavity_mode_calibrated_tmm_nm": 1e3 * cal["wavelength_um"] if cal else float("nan"),
        "other_side_medium": su["other_mat"].name, "other_side_medium_index": su["n_other"],
        "engine": em["engine"], "resolution_px_per_um": float(em["resolution_px_per_um"]),
        "orientation_in_plane": em["orientation"]["in_plane"], "orientation_vertical": em["orientation"]["vertical"],
        "emitter_lorentz_fit_max_dn": fit.max_dn, "emitter_lorentz_fit_max_dk": fit.max_dk,
        "emitter_lorentz_fit_rms_dn": fit.rms_dn,
        "tmm_extraction_fraction": float(tab_tmm["extraction_fraction"]), "tmm_fwhm_deg": float(tab_tmm["fwhm_deg"]),
        "tmm_cone_fraction_20deg": float(tab_tmm["cone_fraction_20deg"]),
        "kx_cutoff_missing_power_fraction_tmm": float(tail_fraction),
        "assumptions": ASSUMPTIONS,
    }


def cost_table(sweep: dict | None, positions, kx) -> str:
    """TSV text of the wall time, Meep time and Courant number of every Meep run of the sweep."""
    if sweep is None:
        return "# engine tmm: no Meep runs\n"
    lines = ["position_um\tkx_per_um\tkind\tseconds\tmeep_time_um_per_c\tcourant"]
    for ip, zp in enumerate(positions):
        for ik, k in enumerate(kx):
            for j, kind in enumerate(M.KINDS):
                lines.append(f"{zp:.5f}\t{k:.5f}\t{kind}\t{sweep['seconds'][ip, ik, j]:.3f}\t"
                             f"{sweep['meep_time'][ip, ik, j]:.1f}\t{sweep['courant'][ip, ik, j]:g}")
    lines.append(f"# mean seconds per kx point (all positions, both runs): {sweep['seconds'].sum() / len(kx):.2f}")
    return "\n".join(lines) + "\n"


SUMMARY_KEYS = ("extraction_fraction", "extraction_fraction_other_side", "absorbed_fraction", "guided_fraction",
                "extraction_fraction_air", "fwhm_deg", "fwhm_air_deg", "cone_fraction_10deg", "cone_fraction_20deg",
                "cone_fraction_30deg", "cone_fraction_air_10deg", "cone_fraction_air_20deg", "cone_fraction_air_30deg")


def summary_table(files: list[tuple[dict, dict]]) -> str:
    """TSV text (led, exit medium, engine, quantity, value, transfer-matrix value) of the
    :data:`SUMMARY_KEYS` of each LED's emission.h5, given as (datasets, attributes)."""
    lines = ["led\texit_medium\tengine\tquantity\tvalue\ttransfer_matrix"]
    for d, at in files:
        tm = {k: (float(d[f"tmm/{k}"]) if d.get(f"tmm/{k}") is not None else float("nan")) for k in SUMMARY_KEYS}
        lines += [f"{at['led']}\t{at['exit_medium']}\t{at['engine']}\t{k}\t{float(d[k]):.4f}\t{tm[k]:.4f}"
                  for k in SUMMARY_KEYS]
    return "\n".join(lines) + "\n"
