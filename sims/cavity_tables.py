"""Result tables of the cavity steps: HDF5 datasets (name -> array) with their units, root
attributes, and the Markdown / JSON tables, from the in-memory results of ``sims.cavity_study``
and ``sims.cavity_lateral``. Nothing is written here (``sims.results`` writes).

Missing values follow the schema of ``sims.results``: a dataset that may be missing is a
:class:`~sims.results.Flagged` (value + ``<name>_flag``), never -1 or 1e30:

* ``Q_absorption``, ``tmm/Q_absorption``, ``as_given/Q_absorption``: ``infinite`` where the
  run with absorption has no extra loss (1/Q_total - 1/Q_mirror <= 0);
* ``tmm/pole_wavelength_meep_media_nm``, ``tmm/pole_Q_total_meep_media``: ``failed`` where the
  complex pole did not converge;
* ``dispersion/{wavelength,Q}_{s,p}*`` and the transfer-matrix ``thickness_study/*``:
  ``not_reached`` where no mode is in the band (``sims.cavity_study.*_MISSING``);
* lateral.h5 ``absorption_{on,off}/{wavelength_nm,Q}``: ``failed`` where Harminv found no mode
  near the 1D one (``sims.cavity_lateral.LATERAL_MISSING``).
"""

from __future__ import annotations

import json

import numpy as np

from sims import cavity as C
from sims.cavity_lateral import LATERAL_MISSING, LATERAL_UNITS
from sims.cavity_study import (CONFINEMENT_DEFINITION, CONVERGENCE_UNITS, DISPERSION_MISSING, DISPERSION_UNITS, THICKNESS_MEEP_UNITS,
                               THICKNESS_STUDY_MISSING, THICKNESS_STUDY_UNITS)
from sims.results import Flagged

LOSS_MODEL = ("absorption off: dielectrics at Re n(mode), metals (meep.materials Drude-Lorentz) "
              "with all damping rates 0; absorption on: tabulated media Lorentz-fitted over the "
              "fit band and anchored at the mode, constant lossy media by D-conductivity exact at "
              "the mode")
VALIDATION_REFERENCE = ("dispersion: transfer-matrix complex pole at the same kx on Meep's media "
                        "(meep_tmm_*), real-axis resonance beside it (meep_tmm_resonance_*); thickness: "
                        "transfer-matrix mode on table data (meep_tmm_*); convergence: transfer-matrix "
                        "mode on Meep's media (tmm_*)")
LATERAL_METHOD = ("2D Meep, gain layer of finite width between laterally infinite "
                  "mirrors, Ez line source across the crystal with amplitude cos(pi x / W) (fundamental lateral mode), "
                  "even mirror symmetry, Harminv at x = 0; no mode found: flagged failed (<name>_flag)")
LATERAL_CONVERGENCE_METHOD = ("2D Meep, crystal of finite width between laterally infinite mirrors, absorption on, "
                              "cos(pi x / W) Ez line source (fundamental lateral mode), even mirror symmetry, Harminv "
                              "at x = 0; 1D Harminv at the same resolution and PML as reference")


def group(prefix: str, values: dict, units: dict, missing: dict | None = None) -> tuple[dict, dict]:
    """Datasets ``prefix + key`` of a result dict with their declared units; the keys of ``missing``
    become Flagged (NaN -> that flag, Inf -> ``infinite``)."""
    missing = missing or {}
    ds = {prefix + k: (Flagged.from_float(v, nan=missing[k]) if k in missing else v) for k, v in values.items()}
    return ds, {prefix + k: units[k] for k in values}


def infinite_q(q: float) -> Flagged:
    """A loss Q that is +inf for a lossless part (flag ``infinite``)."""
    return Flagged.from_float(q, nan="failed", inf="infinite")


def mode_datasets(step: dict, spec: dict) -> tuple[dict, dict]:
    """modes.h5 of the default rule: (datasets, units) from :func:`sims.cavity_study.cavity_step`."""
    ma, as_given, cal_info = step["ma"], step["as_given"], step["calibration"]
    h_on, h_off, pen, pole = ma["h_on"], ma["h_off"], ma["penetration"], ma["tmm_pole"]
    lw = spec["measured_linewidth_nm"]
    nm = {
        "lasing_wavelength_nm": 1e3 * ma["wavelength_um"], "gain_layer_thickness_nm": 1e3 * ma["gain_thickness_um"],
        "measured_linewidth_nm": lw, "L_eff_nm": 1e3 * pen["L_eff_um"], "L_pen_down_nm": 1e3 * pen["L_pen_down_um"],
        "L_pen_up_nm": 1e3 * pen["L_pen_up_um"], "wavelength_absorption_off_nm": 1e3 * ma["wavelength_lossless_um"],
        "tmm/wavelength_table_nm": 1e3 * ma["tmm_table"].wavelength_um,
        "tmm/wavelength_meep_media_nm": 1e3 * ma["tmm_meep"].wavelength_um,
        "tmm/pole_wavelength_meep_media_nm": Flagged.from_float(1e3 / pole.real, nan="failed"),
        "tmm/wavelength_absorption_off_nm": 1e3 * ma["tmm_lossless"].wavelength_um,
        "tmm/all_mode_wavelengths_nm": np.array([1e3 * m.wavelength_um for m in ma["tmm_modes_table"]]),
        "harminv/absorption_on/wavelength_nm": 1e3 / h_on.freq, "harminv/absorption_off/wavelength_nm": 1e3 / h_off.freq,
        "profile/z_nm": 1e3 * ma["profile_z_um"], "as_given/wavelength_tmm_nm": 1e3 * as_given.wavelength_um,
    }
    one = {
        "Q_total": ma["Q_total"], "Q_mirror": ma["Q_mirror"], "Q_absorption": infinite_q(ma["Q_absorption"]),
        "confinement_energy": ma["confinement"]["confinement_energy"],
        "confinement_longitudinal": ma["confinement_longitudinal"],
        "standing_wave_enhancement": ma["confinement"]["standing_wave_enhancement"],
        "group_index": ma["group_index"], "material_group_index_gain": ma["material_group_index"],
        "Q_measured": spec["measured_wavelength_nm"] / lw if lw > 0 else 0.0,
        "tmm/Q_total_table": ma["tmm_table"].Q, "tmm/Q_total_meep_media": ma["tmm_meep"].Q,
        "tmm/pole_Q_total_meep_media": Flagged.from_float(pole.real / (-2 * pole.imag), nan="failed"),
        "tmm/Q_mirror": ma["tmm_lossless"].Q, "tmm/Q_absorption": infinite_q(ma["tmm_Q_absorption"]),
        "tmm/confinement_energy": ma["confinement_tmm"]["confinement_energy"],
        "tmm/all_mode_Q": np.array([m.Q for m in ma["tmm_modes_table"]]),
        "harminv/absorption_on/Q": h_on.Q, "harminv/absorption_on/amplitude": h_on.amp,
        "harminv/absorption_on/error": h_on.err, "harminv/absorption_off/Q": h_off.Q,
        "harminv/absorption_off/amplitude": h_off.amp, "harminv/absorption_off/error": h_off.err,
        "profile/E2_meep": ma["profile_e2"], "profile/E2_tmm": ma["profile_e2_tmm"], "profile/eps_real": ma["profile_eps"],
        "as_given/Q_total_tmm": as_given.Q,
    }
    ds = {**nm, **one}
    units = {**{k: "nm" for k in nm}, **{k: "1" for k in one}}
    if "spectrum" in ma:
        sp, lor = ma["spectrum"], ma["spectrum_lorentz"]
        spec_ds = {"wavelength_nm": (1e3 / sp.freq, "nm"), "T_meep": (sp.T, "1"), "R_meep": (sp.R, "1"),
                   "internal_meep": (sp.internal, "1 (|E|^2 inside / |E|^2 incident)"),
                   "Q_lorentzian_T": (ma["spectrum_lorentz_T"]["Q"], "1"), "T_tmm": (ma["spectrum_tmm_T"], "1"),
                   "Q_lorentzian": (lor["Q"], "1"), "wavelength_lorentzian_nm": (1e3 / lor["f0"], "nm"),
                   "Q_harminv": (ma["spectrum_harminv_Q"], "1"),
                   "wavelength_harminv_nm": (1e3 / ma["spectrum_harminv_f"], "nm"),
                   "resolution_px_per_um": (ma["spectrum_resolution"], "px/um"),
                   "lit_from_above": (int(ma["spectrum_from_above"]), "1 (bool)")}
        ds.update({f"spectrum/{k}": v for k, (v, _) in spec_ds.items()})
        units.update({f"spectrum/{k}": u for k, (_, u) in spec_ds.items()})
    if cal_info is not None:
        ds.update({"calibration/value": cal_info["value"], "calibration/value_as_given": cal_info["value_as_given"],
                   "calibration/wavelength_as_given_nm": 1e3 * cal_info["wavelength_um_as_given"],
                   "calibration/wavelength_after_nm": 1e3 * cal_info["wavelength_um"]})
        units.update({"calibration/value": cal_info["units"], "calibration/value_as_given": cal_info["units"],
                      "calibration/wavelength_as_given_nm": "nm", "calibration/wavelength_after_nm": "nm"})
    ag = step["as_given_meep"]
    if ag is not None:
        ds.update({"as_given/wavelength_meep_nm": 1e3 * ag["wavelength_um"], "as_given/Q_total": ag["Q_total"],
                   "as_given/Q_mirror": ag["Q_mirror"], "as_given/Q_absorption": infinite_q(ag["Q_absorption"]),
                   "as_given/confinement_longitudinal": ag["confinement_longitudinal"],
                   "as_given/confinement_energy": ag["confinement"]["confinement_energy"],
                   "as_given/group_index": ag["group_index"]})
        units.update({"as_given/wavelength_meep_nm": "nm", "as_given/Q_total": "1", "as_given/Q_mirror": "1",
                      "as_given/Q_absorption": "1", "as_given/confinement_longitudinal": "1",
                      "as_given/confinement_energy": "1", "as_given/group_index": "1"})
    for prefix, values, u, missing in (("thickness_study/", step["thick"], THICKNESS_STUDY_UNITS, THICKNESS_STUDY_MISSING),
                                       ("dispersion/", step["disp"], DISPERSION_UNITS, DISPERSION_MISSING)):
        if values is not None:
            d, du = group(prefix, values, u, missing)
            ds.update(d)
            units.update(du)
    return ds, units


def mode_attrs(step: dict, spec: dict) -> dict:
    """Root attributes of modes.h5 beside the provenance."""
    ma, cal, cal_info = step["ma"], step["entry"], step["calibration"]
    return {"mode_choice": step["mode_choice"], "confinement_definition": CONFINEMENT_DEFINITION,
            "Q_measured_source": "paper: linewidth just below threshold "
                                 f"{spec['measured_linewidth_nm']} nm at {spec['measured_wavelength_nm']} nm",
            "fit_errors_json": json.dumps(ma["fit_errors"]), "calibrated_parameter": C.calibration_label(cal),
            "calibration_target_nm": (cal["target_wavelength_nm"] if cal else float("nan")),
            "calibration_source": (cal.get("source", "") if cal else ""),
            "calibrated_value": (cal_info["value"] if cal_info else float("nan")),
            "calibrated_value_as_given": (cal_info["value_as_given"] if cal_info else float("nan")),
            "calibrated_units": (cal_info["units"] if cal_info else ""), "loss_model": LOSS_MODEL}


def validation_datasets(step: dict) -> tuple[dict, dict]:
    """validation.h5: thickness_study/meep_* (when run), dispersion/* (transfer-matrix curve and the
    Meep points), convergence/*, with their units."""
    ds, units = {}, {}
    parts = [("thickness_study/", step["thick"], THICKNESS_MEEP_UNITS, None),
             ("dispersion/", step["disp"], DISPERSION_UNITS, DISPERSION_MISSING),
             ("convergence/", step["conv"], CONVERGENCE_UNITS, None)]
    for prefix, values, u, missing in parts:
        if values is not None:
            d, du = group(prefix, values, u, missing)
            ds.update(d)
            units.update(du)
    return ds, units


def validation_markdown(stack: str, ds: dict, mode_choice: str, res1d: float, pml: float) -> str:
    """validation.md: the dispersion, thickness and convergence tables of :func:`validation_datasets`."""
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


def lateral_datasets(out: dict) -> tuple[dict, dict]:
    """lateral.h5: ``absorption_on/*`` (and ``absorption_off/*``) of sims.cavity_lateral.lateral_study."""
    ds, units = {}, {}
    for g, r in out.items():
        d, du = group(f"{g}/", {k: np.asarray(v, float) for k, v in r.items()}, LATERAL_UNITS, LATERAL_MISSING)
        ds.update(d)
        units.update(du)
    return ds, units


def lateral_convergence_rows(r: dict, bench: list) -> list[dict]:
    """Rows of lateral_convergence.json (a missing 2D value: null with ``status`` failed)."""
    walls = [b["wall_s"] for b in bench if b["run"].startswith("2D")]
    rows = []
    for i in range(len(r["Q"])):
        row = {"resolution_px_per_um": r["resolution_px_per_um"][i], "pml_um": r["pml_um"][i],
               "wavelength_nm": r["wavelength_nm"][i], "Q": r["Q"][i],
               "wavelength_1d_nm": r["wavelength_1d_nm"][i], "Q_1d": r["Q_1d"][i],
               "wall_s_2d": walls[i] if i < len(walls) else None}
        if not (np.isfinite(row["wavelength_nm"]) and np.isfinite(row["Q"])):
            row.update(wavelength_nm=None, Q=None, status="failed")
        rows.append(row)
    return rows


def lateral_convergence_markdown(stack: str, r: dict, rows: list, lat: dict, ringdown: float, ranks: int,
                                 mode_choice: str) -> str:
    """lateral_convergence.md: 2D against 1D per resolution and PML."""
    md = [f"Finite-width convergence of {stack}: crystal width {r['width_um']:g} um, filler {lat['filler']}, "
          f"margin {lat['margin_um']:g} um, absorption on, ringdown {ringdown:g}, "
          f"{ranks} MPI ranks ({mode_choice} mode).", "",
          "| resolution (px/um) | PML (um) | 2D wavelength (nm) | 2D Q | 1D wavelength (nm) | 1D Q | "
          "2D - 1D (nm) | Q_2D / Q_1D | 2D wall (s) |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for w in rows:
        if w["Q"] is None:
            md.append(f"| {w['resolution_px_per_um']:g} | {w['pml_um']:g} | failed | failed | "
                      f"{w['wavelength_1d_nm']:.3f} | {w['Q_1d']:.1f} | - | - | {w['wall_s_2d'] or 0:.1f} |")
            continue
        md.append(f"| {w['resolution_px_per_um']:g} | {w['pml_um']:g} | {w['wavelength_nm']:.3f} | {w['Q']:.1f} | "
                  f"{w['wavelength_1d_nm']:.3f} | {w['Q_1d']:.1f} | {w['wavelength_nm'] - w['wavelength_1d_nm']:+.3f} | "
                  f"{w['Q'] / w['Q_1d']:.3f} | {w['wall_s_2d'] or float('nan'):.1f} |")
    return "\n".join(md) + "\n"
