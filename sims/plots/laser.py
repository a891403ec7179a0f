"""Figures of the laser-output step (issue 20): polar far field below / above threshold, L-J and
linewidth vs J of both devices, 3-dB bandwidth vs area and the 20 ns pulse response. Each function
returns a matplotlib figure; datasets as written by ``sims.laser_output`` (Flagged or arrays)."""

from __future__ import annotations

import numpy as np

from sims.results import Flagged

COLORS = {"dual_cavity": "C3", "single_cavity": "C0"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _v(x):
    return x.as_float() if isinstance(x, Flagged) else np.asarray(x, float)


def far_field_figure(ds: dict, meep: dict | None = None):
    """Polar far field into air: below threshold (spectrum-integrated and at the mode wavelength)
    and above threshold (diffraction of three lateral-mode approximations; the cavity filter drawn for
    reference); the Meep checks in the third panel."""
    plt = _pyplot()
    fig = plt.figure(figsize=(12, 4.8))
    ax = fig.add_subplot(1, 3, 1, projection="polar")
    th = np.radians(_v(ds["below/theta_deg"]))
    for key, lab in (("pattern_spectral", "spectrum-integrated"), ("pattern_at_mode", "at the mode wavelength")):
        p = _v(ds[f"below/{key}"])
        ax.plot(np.concatenate([-th[::-1], th]), np.concatenate([p[::-1], p]), label=lab)
    ax.set_thetamin(-90), ax.set_thetamax(90), ax.set_theta_zero_location("N")
    ax.set_title(f"below threshold, FWHM at mode {_v(ds['below/fwhm_at_mode_deg']):.1f} deg", fontsize=9)
    ax.legend(fontsize=7, loc="lower center")
    ax = fig.add_subplot(1, 3, 2, projection="polar")
    th = np.radians(_v(ds["above/theta_deg"]))
    ax.plot(th, _v(ds["above/filter"]), "k:", label="cavity filter (below-threshold reference)")
    for k in ("aperture", "gaussian", "gain_guided"):
        if f"above/{k}_pattern" in ds:
            ax.plot(th, _v(ds[f"above/{k}_pattern"]), label=f"{k}: {_v(ds[f'above/{k}_fwhm_deg']):.2f} deg")
    lim = float(np.degrees(th.max()))
    ax.set_thetamin(-lim), ax.set_thetamax(lim), ax.set_theta_zero_location("N")
    ax.set_title(f"above threshold ({_v(ds['linewidth/headline_drive_over_threshold']):.2g} x threshold at the peak)",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower center")
    ax = fig.add_subplot(1, 3, 3)
    if meep:
        for i in range(int(meep["n_runs"])):
            t = meep[f"run_{i}/theta_deg"]
            ax.plot(t, meep[f"run_{i}/meep"], label=f"Meep, w={float(meep[f'run_{i}/waist_um']):g} um")
            ax.plot(t, meep[f"run_{i}/model"], "--", label="diffraction x filter")
        ax.set_xlabel("angle in air (deg)")
        ax.set_title("reduced-scale 2D Meep check (3 pairs)", fontsize=9)
        ax.legend(fontsize=7)
    else:
        ax.axis("off")
    fig.tight_layout()
    return fig


def light_current_figure(ds: dict):
    """Output power and linewidth vs LED current density for both devices (rate equations)."""
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    j = _v(ds["li/current_density_a_per_cm2"])
    for dev, c in COLORS.items():
        a1.loglog(j, np.maximum(_v(ds[f"li/{dev}/output_w_per_cm2"]), 1e-30), color=c, label=dev)
        a2.loglog(j, _v(ds[f"li/{dev}/linewidth_nm"]), color=c, label=dev)
    for key, ls in (("linewidth/measured_below_nm", "--"), ("linewidth/measured_above_nm", ":")):
        a2.axhline(float(_v(ds[key])), color="k", ls=ls, lw=0.8, label=f"measured {float(_v(ds[key])):g} nm")
    a1.set(xlabel="J (A/cm^2)", ylabel="laser output (W/cm^2)", title="L-J")
    a2.set(xlabel="J (A/cm^2)", ylabel="linewidth FWHM (nm)", title="linewidth across threshold")
    a1.legend(fontsize=8), a2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def modulation_figure(ds: dict):
    """3-dB bandwidth of each stage and of the chain vs area (per parasitic capacitance), and the
    normalised pulse response (LED light and laser photon density) at each pulse drive."""
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    area = _v(ds["modulation/area_mm2"])
    for i, cp in enumerate(_v(ds["modulation/parasitic_capacitance_f"])):
        ls = "-" if i == 0 else "--"
        for k, c in (("rc", "C0"), ("led", "C1"), ("crystal", "C2"), ("chain_first_drop", "k")):
            a1.loglog(area, _v(ds[f"modulation/{k}_bandwidth_3db_hz"])[i], ls, color=c, marker="o", ms=3,
                      label=f"{k}, C_par {cp * 1e12:g} pF")
    a1.set(xlabel="active area (mm^2)", ylabel="3-dB bandwidth (Hz)", title="small-signal bandwidth")
    a1.legend(fontsize=6)
    drives = _v(ds["pulse/drive_over_threshold"])
    for i, d in enumerate(drives):
        t = _v(ds[f"pulse/trace_{i}/t_s"]) * 1e9
        s = _v(ds[f"pulse/trace_{i}/S_per_cm3"])
        a2.plot(t, s / s.max(), label=f"laser, {d:g} x threshold")
    a2.plot(t, _v(ds[f"pulse/trace_{len(drives) - 1}/led"]), "k--", label="LED light")
    a2.set(xlabel="t (ns)", ylabel="normalised", title="20 ns drive pulse", xlim=(0, 60))
    a2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def gain_region_figure(gm: dict | None):
    """2D Meep run of a finite pumped region (datasets of gain_region_meep.h5), one row per pump
    profile: near-field intensity and phase in the crystal (Meep vs the gain-guided model), and the
    far field (Meep near-to-far, FT of Meep's near field, model)."""
    plt = _pyplot()
    profiles = sorted({k.split("/", 1)[0] for k in gm}) if gm else []
    fig, axes = plt.subplots(max(len(profiles), 1), 2, figsize=(11, 3.8 * max(len(profiles), 1)), squeeze=False)
    if not profiles:
        for ax in axes.ravel():
            ax.axis("off")
        return fig
    for row, p in zip(axes, profiles):
        x = _v(gm[f"{p}/x_um"])
        a1, a2 = row
        a1.plot(x, _v(gm[f"{p}/near_intensity"]), label="Meep |Ez|^2")
        a1.plot(x, _v(gm[f"{p}/model_intensity"]), "--", label="gain-guided model")
        a1b = a1.twinx()
        seen = _v(gm[f"{p}/near_intensity"]) > 1e-3
        a1b.plot(x[seen], _v(gm[f"{p}/near_phase_rad"])[seen], "C2:", label="Meep phase")
        a1b.plot(x[seen], float(_v(gm[f"{p}/phase_curvature_model_per_um2"])) * x[seen] ** 2, "C3-.", lw=0.8,
                 label="model phase")
        a1b.set_ylabel("phase (rad)")
        a1.set(xlabel="x (um)", ylabel="intensity (max 1)",
               title=f"{p} pump: lowest mode, radius {float(_v(gm[f'{p}/waist_meep_um'])):.2f} (Meep) vs "
                     f"{float(_v(gm[f'{p}/waist_model_um'])):.2f} um", xlim=(x[0], x[-1]))
        a1.title.set_fontsize(9)
        a1.legend(fontsize=7, loc="upper left"), a1b.legend(fontsize=7, loc="upper right")
        t = _v(gm[f"{p}/theta_deg"])
        a2.plot(t, _v(gm[f"{p}/meep"]), label=f"Meep near-to-far, {float(_v(gm[f'{p}/fwhm_meep_deg'])):.2f} deg")
        a2.plot(t, _v(gm[f"{p}/meep_near_field_ft"]), ":",
                label=f"FT of Meep's near field, {float(_v(gm[f'{p}/fwhm_meep_near_field_ft_deg'])):.2f} deg")
        a2.plot(t, _v(gm[f"{p}/model"]), "--", label=f"model, {float(_v(gm[f'{p}/fwhm_model_deg'])):.2f} deg")
        a2.set(xlabel="angle in air (deg)", ylabel="far field (max 1)", title="far field of the lowest mode")
        a2.title.set_fontsize(9)
        a2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def laser_figures(ds: dict, meep: dict | None = None, gain_meep: dict | None = None) -> dict:
    """file name -> figure."""
    return {"far_field.png": far_field_figure(ds, meep), "light_current.png": light_current_figure(ds),
            "modulation.png": modulation_figure(ds), "gain_region_meep.png": gain_region_figure(gain_meep)}
