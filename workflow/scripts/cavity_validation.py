"""Meep cross-checks of one cavity stack (validation target): validation.h5, figure, Markdown, benchmark JSON.

Thin wrapper around sims.cavity_study (rule cavity_validation; `snakemake --cores N validation`):
the Meep 2D-Bloch points of the angular dispersion against the transfer-matrix complex pole,
the Meep Harminv points of the crystal-thickness study against the transfer matrix, and the
Harminv convergence table (resolution, PML). It recomputes the working (calibrated) config
itself (transfer matrix, as the default rule cavity_modes does) and reads nothing of modes.h5.
Usage:
    python workflow/scripts/cavity_validation.py --stack microcavity_II --settings '<json>' \
        --h5 results/validation/cavity/microcavity_II/validation.h5 \
        --fig results/validation/cavity/microcavity_II/validation.png \
        --md results/validation/cavity/microcavity_II/validation.md \
        --bench results/validation/cavity/microcavity_II/benchmark.json
"""

from __future__ import annotations

import argparse
import json


import numpy as np

from sims import cavity as C
from sims import cavity_study as S
from sims.results import Timer, provenance, save_figure, write_h5, write_text


def run(stack: str, settings: dict, h5: str, fig: str, md: str, bench_path: str) -> dict:
    import meep as mp

    mp.verbosity(0)
    cav, sim = settings["cavity"], settings["simulation"]
    spec = cav["stacks"][stack]
    bench: list = []
    with Timer() as t:
        wc = C.working_config(settings, stack)
        work, mode_choice, target = wc["config"], wc["mode_choice"], wc["target_um"]
        res1d, pml, ring = float(sim["resolution_1d_px_per_um"]), float(sim["pml_um"]), cav["ringdown_time"]
        start = S.tmm_mode_nearest(work, stack, target).wavelength_um
        thick = None
        if spec.get("thickness_sweep") and cav["thickness_sweep_meep_points"] > 0:
            sw = cav["thickness_sweep_nm"]
            thick = S.thickness_meep(work, stack, np.linspace(sw["min"], sw["max"], sw["n"]), target,
                                     cav["thickness_sweep_meep_points"], res1d, pml, ring, bench)
        disp = S.dispersion(work, stack, cav["angles_deg"], start, cav["dispersion_meep_angles_deg"], res1d, pml,
                            ring, bench)
        conv = S.convergence(work, stack, target, cav["convergence_resolutions_px_per_um"], cav["convergence_pml_um"],
                             ring, bench)
    ds, units = datasets(thick, disp, conv)
    attrs = provenance(settings, t.seconds, stack=stack, mode_choice=mode_choice,
                       calibrated_parameter=C.calibration_label(wc["entry"]),
                       reference=("dispersion: transfer-matrix complex pole at the same kx on Meep's media "
                                  "(meep_tmm_*), real-axis resonance beside it (meep_tmm_resonance_*); thickness: "
                                  "transfer-matrix mode on table data (meep_tmm_*); convergence: transfer-matrix "
                                  "mode on Meep's media (tmm_*)"))
    if mp.am_master():
        write_h5(h5, ds, attrs, units)
        write_text(md, markdown(stack, ds, mode_choice, res1d, pml))
        write_text(bench_path, json.dumps({"stack": stack, "total_wall_s": t.seconds, "runs": bench}, indent=1))
        figure(stack, ds, fig)
    return ds


def datasets(thick, disp, conv) -> tuple[dict, dict]:
    """dispersion/* (transfer-matrix curve and the Meep points when dispersion_meep_angles_deg is not
    empty), thickness_study/meep_* (stacks with a thickness study and thickness_sweep_meep_points > 0),
    convergence/*: the names they had in modes.h5 before they moved here (meep_tmm_* of the thickness
    study are new)."""
    ds, units = {}, {}
    if thick is not None:
        for k, v in thick.items():
            ds[f"thickness_study/{k}"] = v
            units[f"thickness_study/{k}"] = "nm" if k.endswith("_nm") else "1"
    for k, v in disp.items():
        ds[f"dispersion/{k}"] = v
        units[f"dispersion/{k}"] = ("deg" if k.endswith("_deg") else "nm" if k.endswith("_nm") else
                                    "1/um" if k.endswith("_per_um") else "1")
    for k, v in conv.items():
        ds[f"convergence/{k}"] = v
        units[f"convergence/{k}"] = {"resolution_px_per_um": "px/um", "pml_um": "um"}.get(
            k, "nm" if k.endswith("_nm") else "1")
    # the transfer-matrix dispersion curve: NaN-free as in modes.h5 (an angle without a mode: -1)
    for k, v in list(ds.items()):
        a = np.asarray(v, dtype=float)
        if not np.all(np.isfinite(a)):
            ds[k] = np.where(np.isfinite(a), a, -1.0)
    return ds, units


def markdown(stack: str, ds: dict, mode_choice: str, res1d: float, pml: float) -> str:
    out = [f"# Cavity validation: {stack} ({mode_choice} mode)", ""]
    if "dispersion/meep_wavelength_nm" in ds:
        out += [f"## Dispersion: Meep 2D Bloch cell ({res1d:g} px/um, PML {pml:g} um) against the transfer matrix", "",
                "Reference: the transfer-matrix complex pole at the same kx on Meep's media (what Harminv measures); "
                "the real-axis resonance beside it.", "",
                "| pol | angle nominal (deg) | angle at Meep frequency (deg) | Meep wavelength (nm) | Meep Q | "
                "pole wavelength (nm) | pole Q | Meep - pole (nm) | resonance wavelength (nm) | resonance Q |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for i in range(ds["dispersion/meep_wavelength_nm"].size):
            g = {k.split("/", 1)[1]: v[i] for k, v in ds.items() if k.startswith("dispersion/meep_")}
            out.append(f"| {'p' if g['meep_pol_is_p'] > 0.5 else 's'} | {g['meep_angle_nominal_deg']:g} | "
                       f"{g['meep_angle_deg']:.2f} | {g['meep_wavelength_nm']:.2f} | {g['meep_Q']:.4g} | "
                       f"{g['meep_tmm_wavelength_nm']:.2f} | {g['meep_tmm_Q']:.4g} | "
                       f"{g['meep_wavelength_nm'] - g['meep_tmm_wavelength_nm']:+.2f} | "
                       f"{g['meep_tmm_resonance_wavelength_nm']:.2f} | {g['meep_tmm_resonance_Q']:.4g} |")
        out.append("")
    else:
        out += ["## Dispersion", "", "No Meep points (cavity.dispersion_meep_angles_deg is empty).", ""]
    if "thickness_study/meep_wavelength_nm" in ds:
        out += [f"## Thickness study: Meep Harminv ({res1d:g} px/um, absorption on) against the transfer matrix", "",
                "Reference: the transfer-matrix mode on the tabulated data that starts the Harminv run (Meep runs the "
                "Lorentz-fitted media: near the absorption edge the two differ).", "",
                "| crystal thickness (nm) | Meep wavelength (nm) | Meep Q | transfer-matrix wavelength (nm) | "
                "transfer-matrix Q | Meep - TM (nm) |", "|---:|---:|---:|---:|---:|---:|"]
        for t, w, q, wt, qt in zip(*(ds[f"thickness_study/{k}"] for k in (
                "meep_thickness_nm", "meep_wavelength_nm", "meep_Q_total", "meep_tmm_wavelength_nm",
                "meep_tmm_Q_total"))):
            out.append(f"| {t:g} | {w:.2f} | {q:.4g} | {wt:.2f} | {qt:.4g} | {w - wt:+.2f} |")
        out.append("")
    c = {k.split("/", 1)[1]: v for k, v in ds.items() if k.startswith("convergence/")}
    out += ["## Convergence: Harminv (absorption on) against resolution and PML", "",
            f"Transfer matrix on Meep's media: {float(c['tmm_wavelength_nm']):.3f} nm, Q {float(c['tmm_Q_total']):.4g}.",
            "", "| resolution (px/um) | PML (um) | wavelength (nm) | Q | wavelength - TM (nm) |",
            "|---:|---:|---:|---:|---:|"]
    for r, p, w, q in zip(c["resolution_px_per_um"], c["pml_um"], c["wavelength_nm"], c["Q_total"]):
        out.append(f"| {r:g} | {p:g} | {w:.3f} | {q:.4g} | {w - float(c['tmm_wavelength_nm']):+.3f} |")
    return "\n".join(out) + "\n"


def figure(stack: str, ds: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(16, 4.8))
    a = ax[0]
    ang = ds["dispersion/angles_deg"]
    for pol, mk in (("s", "o-"), ("p", "s--")):
        wl = ds[f"dispersion/wavelength_{pol}_nm"]
        ok = wl > 0
        a.plot(ang[ok], wl[ok], mk, ms=4, label=f"transfer matrix {pol}")
    if "dispersion/meep_wavelength_nm" in ds:
        isp = ds["dispersion/meep_pol_is_p"] > 0.5
        ma, mw, tw = (ds[f"dispersion/{k}"] for k in ("meep_angle_deg", "meep_wavelength_nm", "meep_tmm_wavelength_nm"))
        a.plot(ma[~isp], mw[~isp], "k*", ms=9, label="Meep s")
        a.plot(ma[isp], mw[isp], "kx", ms=9, label="Meep p")
        a.plot(ma, tw, "o", mfc="none", mec="C3", ms=10, label="TM complex pole (same kx)")
    a.set_xlabel("angle in the above medium (deg)")
    a.set_ylabel("resonance (nm)")
    a.legend(fontsize=7)
    a.set_title("dispersion: Meep 2D Bloch vs transfer matrix", fontsize=9)
    a = ax[1]
    if "thickness_study/meep_wavelength_nm" in ds:
        t = ds["thickness_study/meep_thickness_nm"]
        a.plot(t, ds["thickness_study/meep_tmm_wavelength_nm"], "C0s-", mfc="none", label="transfer matrix")
        a.plot(t, ds["thickness_study/meep_wavelength_nm"], "C1o", label="Meep Harminv")
        a.set_xlabel("crystal thickness (nm)")
        a.set_ylabel("mode wavelength (nm)")
        a2 = a.twinx()
        a2.semilogy(t, ds["thickness_study/meep_tmm_Q_total"], "C0:", label="Q transfer matrix")
        a2.semilogy(t, ds["thickness_study/meep_Q_total"], "C1.", ms=8, label="Q Meep")
        a2.set_ylabel("Q (dotted / dots)")
        a.legend(fontsize=7, loc="upper left")
        a.set_title("thickness study: Meep vs transfer matrix", fontsize=9)
    else:
        a.axis("off")
        a.text(0.5, 0.5, "no Meep thickness points for this stack", ha="center", va="center", transform=a.transAxes)
    a = ax[2]
    r, p = ds["convergence/resolution_px_per_um"], ds["convergence/pml_um"]
    p0 = p[0]
    sel = p == p0
    a.plot(r[sel], ds["convergence/wavelength_nm"][sel], "o-", label=f"PML {p0:g} um")
    for i in np.flatnonzero(~sel):
        a.plot(r[i], ds["convergence/wavelength_nm"][i], "s", label=f"PML {p[i]:g} um")
    a.axhline(float(ds["convergence/tmm_wavelength_nm"]), color="k", ls=":", label="transfer matrix (Meep media)")
    a.set_xscale("log")
    a.set_xlabel("resolution (px/um)")
    a.set_ylabel("Harminv wavelength (nm)")
    a3 = a.twinx()
    a3.plot(r[sel], ds["convergence/Q_total"][sel], "C2^:", ms=4)
    a3.set_ylabel("Q (triangles)")
    a.legend(fontsize=7)
    a.set_title("convergence (absorption on)", fontsize=9)
    fig.suptitle(f"{stack}: Meep cross-checks of the cavity step (validation target)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for a in ("--stack", "--settings", "--h5", "--fig", "--md", "--bench"):
        p.add_argument(a, required=True)
    a = p.parse_args(argv)
    run(a.stack, json.loads(a.settings), a.h5, a.fig, a.md, a.bench)


if __name__ == "__main__":
    main()
