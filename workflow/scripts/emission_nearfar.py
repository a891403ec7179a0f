"""Line dipole in a finite 2D cell + Meep near-to-far projection vs the 1D sheet sweep -> nearfar.h5, figure.

Thin wrapper around sims.emission_nearfar. Run under MPI (``mpirun -np N python -m mpi4py``):
every rank works on each 2D run (one per line-current kind); then the ranks split the 1D
reference runs (zero-width cell, same grid); rank 0 adds the transfer-matrix reference,
compares and writes the HDF5 and the figure.
"""

from __future__ import annotations

import argparse
import json
import time


import numpy as np

C_UM_PER_FS = 0.299792458


def get_comm():
    try:
        from mpi4py import MPI

        return MPI.COMM_WORLD
    except ImportError:  # pragma: no cover
        return None


def run(settings: dict, led: str, h5_path: str, fig_path: str) -> None:
    from sims import emission as E
    from sims import emission_nearfar as N
    from sims.results import Timer, provenance, save_figure, write_h5
    from sims.materials import refractive_index
    from sims.stack import build_stack

    comm = get_comm()
    rank = comm.Get_rank() if comm is not None else 0
    em = settings["emission"]
    nf = em["nearfar"]
    spec = em["leds"][led]
    group = em["emitter_group"]
    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    wl_ref_um = em["el_peak_nm"] / 1e3
    from sims import cavity as C

    wc = C.working_config(settings, spec["stack"])  # calibrated where cavity.calibration lists the stack
    stack = E.lossless_emitter_stack(build_stack(wc["config"], spec["stack"]), group)
    side = "up" if spec["side"] == "above" else "down"
    exit_mat = stack.above if side == "up" else stack.below
    n_exit = float(np.real(refractive_index(exit_mat, wl_ref_um)))
    z_src = float(E.emitter_positions_um(stack, group, 1)[0])
    wls_um = np.sort(np.asarray(nf["wavelengths_nm"], float)) / 1e3
    res = float(nf["resolution_px_per_um"])
    kinds = list(nf["kinds"])
    common = dict(band_um=band_um, resolution=res, pml_um=nf["pml_um"], pad_um=nf["pad_um"],
                  decay_threshold=settings["simulation"]["decay_threshold"], wavelength_ref_um=wl_ref_um)
    runs = {}
    with Timer() as timer:
        for kind in kinds:
            runs[kind] = N.nearfar_line_dipole(
                stack, z_src, kind, wavelengths_um=wls_um, lateral_half_um=nf["lateral_half_width_um"],
                lateral_pml_um=nf["lateral_pml_um"], n2f_height_um=nf["n2f_height_um"], n2f_taper_um=nf["n2f_taper_um"],
                side=side, n_theta=nf["n_theta"], far_radius_um=nf["far_radius_um"],
                max_time_after_sources=nf["max_time_after_sources_fs"] * C_UM_PER_FS, **common)
            if rank == 0:
                print(f"2D {kind}: {runs[kind]['seconds']:.1f} s, Meep time {runs[kind]['meep_time']:.1f}", flush=True)
        freqs = runs[kinds[0]]["freq"]
        t1 = time.perf_counter()
        kx_ref = n_exit * freqs.max() * np.sin(np.radians(np.linspace(0.0, 90.0, int(nf["n_kx_reference"]))))
        ref1d = N.sheet_reference_meep(stack, z_src, kx_ref, freqs, kz_2d=em["kz_2d"],
                                       courant=em["courant"], max_time_after_sources=em["max_time_after_sources_fs"] * C_UM_PER_FS,
                                       comm=comm, **common)
        ref1d_wall = time.perf_counter() - t1
    if rank != 0:
        return
    # transfer matrix (exact materials, no grid): dense kx, far into the evanescent range
    kx_tm = np.linspace(0.0, 16.0, 16001)
    tm = E.tmm_sweep(stack, [z_src], kx_tm, freqs)
    theta = runs[kinds[0]]["theta_deg"]
    cmp_max = float(nf["compare_max_deg"])
    m = theta <= cmp_max + 1e-9
    datasets = {"theta_deg": theta, "wavelength_nm": 1e3 / freqs, "reference_1d/kx_per_um": kx_ref}
    units = {"theta_deg": "deg (in the exit medium, from the stack normal)", "wavelength_nm": "nm (vacuum)",
             "reference_1d/kx_per_um": "1/um (cycles/um) of the 1D Meep reference runs"}
    attrs_m = {}
    pats = {}
    for kind in kinds:
        r = runs[kind]
        p2d = r["dp_dtheta"]
        p1d = N.line_dipole_pattern(kx_ref, ref1d[kind][side], freqs, n_exit, theta)
        ptm = N.line_dipole_pattern(kx_tm, tm[kind][side][0], freqs, n_exit, theta)
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
        tm_total = N.line_total_power(kx_tm, tm[kind]["emitted"][0])
        tm_side = N.line_total_power(kx_tm, tm[kind][side][0])
        for j, wl in enumerate(1e3 / freqs):
            tag = f"{kind}_{wl:.0f}nm"
            for name, ref in (("meep1d", p1d), ("tmm", ptm)):
                c = N.compare_profiles(theta[m], p2d[m, j], ref[m, j])
                for k, v in c.items():
                    attrs_m[f"{tag}_vs_{name}_{k}"] = v
            attrs_m[f"{tag}_extraction_nearfar"] = float(N.half_plane_power(theta, p2d[:, j]) / r["box_power"][j])
            attrs_m[f"{tag}_extraction_near_line"] = float(r["near_side_flux"][j] / r["box_power"][j])
            attrs_m[f"{tag}_extraction_tmm"] = float(tm_side[j] / tm_total[j])
            attrs_m[f"{tag}_seconds_2d"] = float(r["seconds"])
    if set(kinds) == {"s", "p", "v"}:
        w_in, w_v = em["orientation"]["in_plane"], em["orientation"]["vertical"]
        mix = [0.5 * w_in * (pats["s"][i] + pats["p"][i]) + w_v * pats["v"][i] for i in range(3)]
        pats["mix"] = tuple(mix)
        for i, name in enumerate(("nearfar", "reference_1d", "tmm")):
            datasets[f"{name}/mix/dp_dtheta"] = mix[i]
            units[f"{name}/mix/dp_dtheta"] = "as the kinds: in-plane (s + p) / 2 and vertical, orientation weights"
        for j, wl in enumerate(1e3 / freqs):
            for name, i in (("meep1d", 1), ("tmm", 2)):
                c = N.compare_profiles(theta[m], mix[0][m, j], mix[i][m, j])
                for k, v in c.items():
                    attrs_m[f"mix_{wl:.0f}nm_vs_{name}_{k}"] = v
    attrs = provenance(settings, timer.seconds)
    attrs.update({
        "led": led, "stack": spec["stack"], "exit_side": spec["side"], "exit_medium": exit_mat.name,
        "exit_medium_index": n_exit, "dipole_position_um": z_src, "resolution_px_per_um": res,
        "stack_mode_choice": wc["mode_choice"], "calibrated_parameter": C.calibration_label(wc["entry"]),
        "calibrated_value": wc["calibration"]["value"] if wc["calibration"] else float("nan"),
        "compare_max_deg": cmp_max, "kinds": ",".join(kinds),
        "cell_um": ",".join(f"{v:.3f}" for v in runs[kinds[0]]["cell_um"]),
        "seconds_2d_total": float(sum(r["seconds"] for r in runs.values())),
        "seconds_reference_1d_wall": float(ref1d_wall), "seconds_reference_1d_cpu": float(ref1d["seconds"]),
        "mpi_ranks": comm.Get_size() if comm is not None else 1,
        "method": ("2D Meep line dipole (mirror symmetry), finite lateral size with PML, near-to-far projection from "
                   "an apodized line in the exit medium, vs n f cos(theta) P_side(kx) of the 1D sheet runs on the "
                   "same grid and of the transfer matrix; profiles normalized to their maxima over 0..compare_max_deg"),
        **attrs_m,
    })
    write_h5(h5_path, datasets, attrs=attrs, units=units)
    plot(theta, freqs, pats, cmp_max, led, exit_mat.name, attrs_m, fig_path, save_figure)
    print(json.dumps({k: v for k, v in attrs_m.items() if "rms" in k or "extraction" in k or "fwhm" in k}, indent=1))


def plot(theta, freqs, pats, cmp_max, led, medium, attrs_m, fig_path, save_figure):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = list(pats)
    titles = {"s": "s: line current along z", "p": "p: in-plane line current", "v": "p: vertical line current",
              "mix": "orientation mix"}
    fig, axes = plt.subplots(len(freqs), len(cols), figsize=(3.6 * len(cols), 3.0 * len(freqs)), squeeze=False)
    for j, f in enumerate(freqs):
        wl = 1e3 / f
        for i, kind in enumerate(cols):
            ax = axes[j, i]
            p2d, p1d, ptm = (p[:, j] for p in pats[kind])
            ax.plot(theta, p2d / p2d[theta <= cmp_max].max(), "-", label="2D near-to-far")
            ax.plot(theta, p1d / p1d[theta <= cmp_max].max(), "--", label="1D sheets, same grid")
            ax.plot(theta, ptm / ptm[theta <= cmp_max].max(), ":k", label="transfer matrix")
            ax.axvspan(cmp_max, 90, color="0.9")
            rms = attrs_m.get(f"{kind}_{wl:.0f}nm_vs_meep1d_rms_diff")
            ax.set_title(f"{titles[kind]}, {wl:.0f} nm" + (f"\nRMS diff vs 1D {rms:.3f}" if rms is not None else ""),
                         fontsize=9)
            ax.set_xlabel(f"angle in {medium} (deg)")
            ax.set_ylim(0, 1.3)
            if i == 0:
                ax.set_ylabel("dP/dtheta (normalized)")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"{led}: line dipole, 2D near-to-far vs 1D k-sweep\n(shaded: outside the compared range)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, fig_path)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON of the step's sub-config")
    ap.add_argument("--led", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig", required=True)
    a = ap.parse_args(argv)
    run(json.loads(a.settings), a.led, a.h5, a.fig)


if __name__ == "__main__":
    main()
