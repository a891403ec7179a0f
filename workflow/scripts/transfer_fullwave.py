"""Entry (MPI): reduced-scale 2D full-wave check of the radiometric transfer -> HDF5, figure,
Markdown and JSON table. Run under `mpirun -np N python -m mpi4py workflow/scripts/transfer_fullwave.py ...`.

Every rank runs the Meep simulations (Meep splits each cell over the ranks); the plane-wave
and radiometric models run on rank 0.
"""

import argparse
import json
import time


import numpy as np

from sims import transfer_fullwave as tf
from sims.results import provenance, save_figure, write_h5, write_text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON sub-config with the stack and a 'transfer_fullwave' section")
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True, help="PNG (a PDF is written beside it)")
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args(argv)
    settings = json.loads(args.settings)
    import meep as mp

    fw = settings["transfer_fullwave"]
    master = mp.am_master()
    log = print if master else None
    t_start = time.perf_counter()
    X = tf.fdtd_half_width_um(fw)
    edges = tf.bin_edges(X, fw["bin_um"])
    d_fd = np.asarray(sorted(fw["distances_um"]), float)
    # FDTD: the LED alone (normalisation), then each distance
    alone = tf.fdtd_run(settings, None, progress=log)
    runs = [tf.fdtd_run(settings, float(d), progress=log) for d in d_fd]
    fdtd_s = time.perf_counter() - t_start
    if not master:
        return
    p_gap = alone["flux_lo"]                                  # (n_f) power of the LED alone into the gap
    k_fd = np.array([tf.fdtd_profile_bins(r["x_um"], r["S_lo"] - r["S_hi"], edges) / p_gap[:, None] for r in runs])
    wl_nm, w_el = tf.frequencies(fw)                          # FDTD and models share this frequency order
    # models on the same distances (plus the plane-wave-only ones), same frequencies
    d_all = np.unique(np.concatenate([d_fd, np.asarray(fw["coherent_distances_um"], float)]))
    t0 = time.perf_counter()
    mk = tf.model_kernels(settings, d_all, edges, progress=log)
    models_s = time.perf_counter() - t0
    on_fd = np.searchsorted(d_all, d_fd)
    cmp_all = tf.compare(fw, {k: mk[k] for k in ("coherent", "multipass", "radiometric")}, edges, d_all)
    cmp_fd = tf.compare(fw, {"fdtd": k_fd}, edges, d_fd)
    # broadband (EL-converged) series on the DBRs as configured: frequencies dense enough to
    # average the gap fringes at every distance (no FDTD)
    s_full = json.loads(json.dumps(settings))
    s_full["transfer_fullwave"]["mirror_pairs"] = 0
    s_full["transfer_fullwave"]["snap_dispersive_to_grid"] = False    # the device as configured, no FDTD grid
    t1 = time.perf_counter()
    full_stack = tf.el_converged_series(s_full, d_all, edges, progress=log)
    models_s += time.perf_counter() - t1
    tol = fw["agreement_tolerance"]
    ratio_rc = cmp_all["radiometric/window_el"] / cmp_all["coherent/window_el"]
    ratio_mc = cmp_all["multipass/window_el"] / cmp_all["coherent/window_el"]
    ratio_rc_pk = cmp_all["radiometric/window_peak"] / cmp_all["coherent/window_peak"]
    ratio_rf = cmp_all["radiometric/window_el"][on_fd] / cmp_fd["fdtd/window_el"]
    ratio_cf = cmp_all["coherent/window_el"][on_fd] / cmp_fd["fdtd/window_el"]
    ratio_cf_pk = cmp_all["coherent/window_peak"][on_fd] / cmp_fd["fdtd/window_peak"]
    scalars = {
        "safe_distance_radiometric_um": tf.safe_distance(d_all, ratio_rc, tol),
        "safe_distance_multipass_um": tf.safe_distance(d_all, ratio_mc, tol),
        "safe_distance_radiometric_peak_um": tf.safe_distance(d_all, ratio_rc_pk, tol),
        "max_abs_fdtd_vs_coherent_el": float(np.max(np.abs(ratio_cf - 1))),
        "max_abs_fdtd_vs_coherent_peak": float(np.max(np.abs(ratio_cf_pk - 1))),
        "tmm_check_max_abs_diff": float(np.max(mk["tmm_check_max_abs_diff"])),
        "fdtd_wall_time_s": fdtd_s, "models_wall_time_s": models_s,
        "fdtd_seconds_per_run": [alone["seconds"]] + [r["seconds"] for r in runs],
        "fdtd_meep_time_per_run": [alone["meep_time"]] + [r["meep_time"] for r in runs],
        # a run stopped by max_run_time, not by the decay test, is not converged in time
        "fdtd_hit_time_cap": [bool(r["meep_time"] >= fw["max_run_time"] - 1e-9) for r in [alone] + runs],
        "fdtd_cells_per_run": [alone["cells"]] + [r["cells"] for r in runs],
        "mpi_ranks": mp.count_processors(), "tolerance": tol,
        "led_up_over_emitted_el": float(mk["led_up_over_emitted"] @ w_el),
    }
    if full_stack is not None:
        scalars["full_stack_n_frequencies"] = [int(v) for v in full_stack["n_frequencies"]]
        r_full = full_stack["radiometric/window_el"] / full_stack["coherent/window_el"]
        scalars["safe_distance_radiometric_full_stack_um"] = tf.safe_distance(d_all, r_full, tol)
        scalars["safe_distance_multipass_full_stack_um"] = tf.safe_distance(
            d_all, full_stack["multipass/window_el"] / full_stack["coherent/window_el"], tol)
    ds = {"bin_edges_um": edges, "wavelength_nm": wl_nm, "el_weight": w_el, "fdtd/distance_um": d_fd,
          "distance_um": d_all, "fdtd/kernel": k_fd, "fdtd/p_gap_led_alone": p_gap,
          "fdtd/flux_check": np.array([[r["flux_lo"], (r["S_lo"].sum(1) * (r["x_um"][1] - r["x_um"][0]))] for r in runs]),
          "ratio/radiometric_over_coherent_el": ratio_rc, "ratio/multipass_over_coherent_el": ratio_mc,
          "ratio/radiometric_over_coherent_peak": ratio_rc_pk, "ratio/radiometric_over_fdtd_el": ratio_rf,
          "ratio/coherent_over_fdtd_el": ratio_cf, "ratio/coherent_over_fdtd_peak": ratio_cf_pk,
          "theta_deg": mk["theta_deg"], "A_s": mk["A_s"], "R_II": mk["R_II"], "R_LED": mk["R_LED"],
          "dP_dtheta": mk["dP_dtheta"], "coherent/emitted_ratio": mk["emitted_ratio"],
          "coherent/total_infinite": mk["coherent_total_infinite"],
          "radiometric/total_infinite": mk["radiometric_total_infinite"]}
    for k in ("coherent", "multipass", "radiometric"):
        ds[f"{k}/kernel"] = mk[k]
    ds.update(cmp_all)
    ds.update({k: v for k, v in cmp_fd.items()})
    if full_stack is not None:
        ds.update({f"full_stack/{k}": v for k, v in full_stack.items()})
    units = {k: "1 (per unit power the LED alone sends into the gap)" for k in ds}
    units.update({"bin_edges_um": "um", "wavelength_nm": "nm", "el_weight": "1", "fdtd/distance_um": "um",
                  "distance_um": "um", "theta_deg": "deg (in the gap)", "A_s": "1", "R_II": "1", "R_LED": "1",
                  "dP_dtheta": "1/rad per unit power into the gap", "fdtd/p_gap_led_alone": "Meep flux units",
                  "fdtd/flux_check": "Meep flux units: [Meep flux, sum S_y dx] on the line below the crystal",
                  "coherent/emitted_ratio": "1 (source power coupled / LED alone)"})
    for k in ds:
        if k.startswith("ratio/"):
            units[k] = "1"
    attrs = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in scalars.items()}
    write_h5(args.h5, ds, provenance(settings, time.perf_counter() - t_start, **attrs), units)
    table = _table(fw, d_all, d_fd, cmp_all, cmp_fd, mk, w_el, full_stack, scalars)
    write_text(args.md, table)
    rows = []
    for i, d in enumerate(d_all):
        row = {"distance_um": float(d)}
        for k in ("coherent", "multipass", "radiometric"):
            row[f"{k}_window_el"] = float(cmp_all[f"{k}/window_el"][i])
            row[f"{k}_window_peak"] = float(cmp_all[f"{k}/window_peak"][i])
        if d in d_fd:
            j = int(np.searchsorted(d_fd, d))
            row["fdtd_window_el"] = float(cmp_fd["fdtd/window_el"][j])
            row["fdtd_window_peak"] = float(cmp_fd["fdtd/window_peak"][j])
        if full_stack is not None:
            for k in ("coherent", "multipass", "radiometric"):
                row[f"full_stack_{k}_window_el"] = float(full_stack[f"{k}/window_el"][i])
        rows.append(row)
    write_text(args.json, json.dumps({"rows": rows, **{k: v for k, v in scalars.items()}}, indent=1, default=float))
    _figure(args.fig, fw, edges, d_all, d_fd, cmp_all, cmp_fd, full_stack, tol)
    print(table)


def _fmt(v):
    return "inf (not reached)" if not np.isfinite(v) else f"{v:g}"


def _table(fw, d_all, d_fd, cmp_all, cmp_fd, mk, w_el, full_stack, sc) -> str:
    head = (f"Reduced-scale 2D check of the radiometric transfer (s polarization, out-of-plane line currents): "
            f"emitting width {fw['emitting_width_um']} um, crystal window {fw['crystal_width_um']} um, "
            f"{'DBRs cut to ' + str(fw['mirror_pairs']) + ' pairs' if fw['mirror_pairs'] else 'DBRs as configured'}, "
            f"{fw['n_frequencies']} frequencies over {fw['el_peak_nm']} +- 1.5 x {fw['el_fwhm_nm']} nm (EL-weighted), "
            f"FDTD {fw['resolution_px_per_um']} px/um on {sc['mpi_ranks']} ranks"
            f"{' (dispersive layers rounded to whole pixels in all three models)' if fw.get('snap_dispersive_to_grid') else ''}"
            f"{'; RUNS STOPPED BY THE TIME CAP: ' + str(sc['fdtd_hit_time_cap']) if any(sc['fdtd_hit_time_cap']) else ''}. "
            "Entries: power absorbed in the crystal "
            "window per unit power the LED alone sends into the gap.\n\n")
    lines = ["| d (um) | FDTD | plane-wave (exact) | multipass rays | radiometric | radiometric / plane-wave | "
             "same at the EL peak only | coupled / alone source power (peak) |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    wl_nm, _ = frequencies_of(fw)
    j_pk = int(np.argmin(np.abs(wl_nm - fw["el_peak_nm"])))
    for i, d in enumerate(d_all):
        fd = ""
        if d in d_fd:
            fd = f"{cmp_fd['fdtd/window_el'][int(np.searchsorted(d_fd, d))]:.4f}"
        c, m, r = (cmp_all[f"{k}/window_el"][i] for k in ("coherent", "multipass", "radiometric"))
        rp = cmp_all["radiometric/window_peak"][i] / cmp_all["coherent/window_peak"][i]
        lines.append(f"| {d:g} | {fd} | {c:.4f} | {m:.4f} | {r:.4f} | {r / c:.3f} | {rp:.3f} | "
                     f"{mk['emitted_ratio'][i, j_pk]:.3f} |")
    txt = head + "\n".join(lines) + "\n"
    txt += (f"\nRadiometric within {sc['tolerance']:.0%} of the plane-wave solution (EL-weighted) from d = "
            f"{_fmt(sc['safe_distance_radiometric_um'])} um on (multipass rays: {_fmt(sc['safe_distance_multipass_um'])} um; "
            f"single frequency: {_fmt(sc['safe_distance_radiometric_peak_um'])} um). FDTD vs plane-wave: max |ratio - 1| = "
            f"{sc['max_abs_fdtd_vs_coherent_el']:.3f} EL-weighted, {sc['max_abs_fdtd_vs_coherent_peak']:.3f} at the peak. "
            f"Plane-wave tables vs the tmm package: max |diff| {sc['tmm_check_max_abs_diff']:.1e}. "
            f"FDTD {sc['fdtd_wall_time_s']:.0f} s wall, models {sc['models_wall_time_s']:.0f} s.\n")
    if full_stack is not None:
        txt += ("\nBroadband limit on the DBRs as configured (no FDTD; frequencies per distance dense enough to average "
                "the gap fringes, EL-weighted). Window: the crystal window above; infinite: a laterally infinite crystal.\n\n"
                "| d (um) | frequencies | window: plane-wave | multipass | radiometric | radiometric / plane-wave | "
                "infinite: plane-wave | multipass | radiometric | radiometric / plane-wave |\n"
                "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
        for i, d in enumerate(d_all):
            c, m, r = (full_stack[f"{k}/window_el"][i] for k in ("coherent", "multipass", "radiometric"))
            ci, mi, ri = (full_stack[f"{k}/total_infinite_el"][i] for k in ("coherent", "multipass", "radiometric"))
            txt += (f"| {d:g} | {int(full_stack['n_frequencies'][i])} | {c:.4f} | {m:.4f} | {r:.4f} | {r / c:.3f} | "
                    f"{ci:.4f} | {mi:.4f} | {ri:.4f} | {ri / ci:.3f} |\n")
        txt += (f"\nRadiometric within {sc['tolerance']:.0%} from d = {_fmt(sc['safe_distance_radiometric_full_stack_um'])} um "
                f"(multipass: {_fmt(sc['safe_distance_multipass_full_stack_um'])} um).\n")
    return txt


def frequencies_of(fw):
    return tf.frequencies(fw)


def _figure(path, fw, edges, d_all, d_fd, cmp_all, cmp_fd, full_stack, tol):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = 0.5 * (edges[1:] + edges[:-1])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    ax = axes[0]
    for k, st in (("coherent", "C0-"), ("multipass", "C2--"), ("radiometric", "C1-")):
        ax.plot(d_all, cmp_all[f"{k}/window_el"], st, marker=".", label=k if k != "coherent" else "plane-wave (exact)")
    ax.plot(d_fd, cmp_fd["fdtd/window_el"], "ks", mfc="none", label="FDTD")
    if full_stack is not None:
        ax.plot(d_all, full_stack["coherent/window_el"], "C0:", marker="x", label="plane-wave, DBRs as configured, broadband")
        ax.plot(d_all, full_stack["multipass/window_el"], "C2:", label="multipass, DBRs as configured")
        ax.plot(d_all, full_stack["radiometric/window_el"], "C1:", label="radiometric, DBRs as configured")
    ax.set_xscale("log")
    ax.set_xlabel("gap d (um)")
    ax.set_ylabel("absorbed in crystal window / power into gap")
    ax.set_title("EL-weighted, crystal window")
    ax.legend(fontsize=7)
    ax = axes[1]
    for i, d in enumerate(d_fd):
        j = int(np.searchsorted(d_all, d))
        ax.plot(c, cmp_fd["fdtd/profile_el"][i] / fw["bin_um"], f"C{i}-", lw=1.5, label=f"FDTD d={d:g}")
        ax.plot(c, cmp_all["coherent/profile_el"][j] / fw["bin_um"], f"C{i}:", lw=1)
        ax.plot(c, cmp_all["radiometric/profile_el"][j] / fw["bin_um"], f"C{i}--", lw=1)
    ax.axvspan(-fw["crystal_width_um"] / 2, fw["crystal_width_um"] / 2, color="0.9", zorder=0)
    ax.set_xlim(-fw["crystal_width_um"] / 2 - fw["margin_um"], fw["crystal_width_um"] / 2 + fw["margin_um"])
    ax.set_xlabel("x (um)")
    ax.set_ylabel("absorbed per um / power into gap")
    ax.set_title("profiles (solid FDTD, dotted plane-wave, dashed radiometric)", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.plot(d_all, cmp_all["radiometric/window_el"] / cmp_all["coherent/window_el"], "C1.-", label="radiometric / plane-wave (EL)")
    ax.plot(d_all, cmp_all["radiometric/window_peak"] / cmp_all["coherent/window_peak"], "C1:", label="same, EL peak only")
    ax.plot(d_all, cmp_all["multipass/window_el"] / cmp_all["coherent/window_el"], "C2.--", label="multipass / plane-wave (EL)")
    j = np.searchsorted(d_all, d_fd)
    ax.plot(d_fd, cmp_all["coherent/window_el"][j] / cmp_fd["fdtd/window_el"], "ks", mfc="none", label="plane-wave / FDTD (EL)")
    if full_stack is not None:
        ax.plot(d_all, full_stack["radiometric/window_el"] / full_stack["coherent/window_el"], "C3x-",
                label="radiometric / plane-wave, DBRs as configured, broadband")
        ax.plot(d_all, full_stack["multipass/window_el"] / full_stack["coherent/window_el"], "C4x--",
                label="multipass / plane-wave, same")
    ax.axhspan(1 - tol, 1 + tol, color="0.9", zorder=0)
    ax.axhline(1, color="0.5", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("gap d (um)")
    ax.set_ylabel("ratio")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


if __name__ == "__main__":
    main()
