"""Figures of the threshold step and of its parameter sweeps. Each function returns a matplotlib
figure; the entry scripts save them with ``sims.results.save_figure``. Not-reached thresholds
(flag ``not_reached``, NaN in memory) are left out of the curves and named in the labels."""

from __future__ import annotations

import json

import numpy as np

from sims.led_efficiency import RollOff
from sims.threshold import DEVICES, assumed, led_scale, measured, scalar, values

COLORS = {"dual_cavity": "C3", "single_cavity": "C0"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def eqe_fit_figure(cfg: dict, ds: dict):
    """EQE roll-off fit against the paper's points, and P(J) of both LEDs against their measured maxima."""
    plt = _pyplot()
    roll = RollOff(scalar(ds["eqe/eqe0"]), scalar(ds["eqe/j0_a_per_cm2"]), scalar(ds["eqe/m"]))
    hv = scalar(ds["eqe/photon_energy_ev"])
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    J = np.logspace(0, np.log10(j_max * 2), 300)
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].loglog(J, roll.eqe(J) * 100, "k-", label=f"EQE0/(1+(J/J0)^m): EQE0 {roll.eqe0 * 100:.2f}%, "
                                                   f"J0 {roll.j0_a_per_cm2:.0f} A/cm$^2$, m {roll.m:g} (ASSUMED)")
    pts = cfg["measured"]["eqe_points"]
    ax[0].loglog([p["current_density_a_per_cm2"] for p in pts], [p["eqe"] * 100 for p in pts], "ro", label="paper")
    ax[0].set_xlabel("J (A/cm$^2$)")
    ax[0].set_ylabel("EQE (%)")
    ax[0].legend(fontsize=7)
    for led, c in (("microcavity", "C3"), ("standard", "C0")):
        ax[1].plot(J, roll.exitance_w_per_cm2(J, hv, led_scale(cfg, led)), c + "-", label=f"{led}: P(J) = EQE J h nu / e")
        ax[1].plot([j_max], [measured(cfg, f"max_exitance_{led}_w_per_cm2")], c + "o", label=f"{led}: paper, max")
    ax[1].axvline(j_max, color="0.5", ls=":", label="J_max (paper)")
    ax[1].set_xscale("log")
    ax[1].set_xlabel("J (A/cm$^2$)")
    ax[1].set_ylabel("radiant exitance (W/cm$^2$)")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    return fig


def jth_figure(cfg: dict, ds: dict):
    """J_th against the LED-crystal distance (both readings, optical and carrier anchors) and
    against the LED area (headline anchor and reading)."""
    plt = _pyplot()
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for dev, c in COLORS.items():
        d = values(ds[f"sweep/{dev}/distance_um"])
        for rd, ls in (("spot", "-"), ("crystal_mean", "--")):
            for an, mk, lw in (("optical", "", 1.4), ("carrier", ".", 0.6)):
                y = values(ds[f"jth/{dev}/{an}/{rd}/sweep"])
                ax[0].plot(d, y, c + ls + mk, ms=3, lw=lw, label=f"{dev}, {rd}, {an} anchor")
        d0 = scalar(ds[f"devices/{dev}/distance_um"])
        j0 = scalar(ds[f"headline/{dev}/j_th_a_per_cm2"])
        if np.isfinite(j0):
            ax[0].plot([d0], [j0], c + "*", ms=12, label=f"{dev} as built, d = {d0:g} um")
        if f"area/{dev}/led_area_mm2" in ds:
            a = values(ds[f"area/{dev}/led_area_mm2"])
            for k, dd in enumerate(values(ds[f"area/{dev}/distance_um"])):
                y = values(ds[f"jth/{dev}/{cfg['anchor']}/{cfg['pump_reading']}/area"])[:, k]
                ax[1].plot(a, y, c + ("-o" if k == 0 else "--s"), ms=4, label=f"{dev}, d = {dd:g} um")
    for a_ in ax:
        a_.axhline(j_max, color="0.4", ls=":", label=f"J_max = {j_max / 1e3:g} kA/cm$^2$ (paper)")
        a_.set_yscale("log")
        a_.set_ylabel("J_th (A/cm$^2$); gaps: not reached")
        a_.legend(fontsize=6)
    ax[0].set_xlabel("LED-crystal distance d (um): gap (dual), substrate (single)")
    ax[1].set_xscale("log")
    ax[1].set_xlabel(f"LED area (mm$^2$), {cfg['pump_reading']} reading, {cfg['anchor']} anchor")
    fig.tight_layout()
    return fig


def light_current_figure(cfg: dict, ds: dict):
    """Laser output against LED current density of both devices, headline J_th marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    J = values(ds["li/current_density_a_per_cm2"])
    for dev, c in COLORS.items():
        ax.loglog(J, np.maximum(values(ds[f"li/{dev}/output_w_per_cm2"]), 1e-12), c + "-", label=dev)
        jt = scalar(ds[f"headline/{dev}/j_th_a_per_cm2"])
        if np.isfinite(jt):
            ax.axvline(jt, color=c, ls=":", lw=0.8)
    ax.set_xlabel("LED current density J (A/cm$^2$)")
    ax.set_ylabel("laser output (W/cm$^2$ of crystal)")
    ax.set_title(f"rate equations at each device's distance, {cfg['anchor']} anchor, "
                 f"beta = {assumed(cfg, 'beta_spontaneous'):g}", fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sensitivity_figure(cfg: dict, ds: dict, attrs: dict):
    """Tornado: J_th of each device under each alternative choice / assumed-input range end."""
    plt = _pyplot()
    rows = json.loads(attrs["tornado_rows"])
    tab = ds["tornado/j_th_a_per_cm2"]
    tab_j = tab.as_float()
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.32 * len(rows) + 1.5))
    for di, dev in enumerate(DEVICES):
        ax = axes[di]
        base = scalar(ds[f"headline/{dev}/j_th_a_per_cm2"])
        reached = np.isfinite(base)
        for i in range(len(rows)):
            for k, col in ((0, "C0"), (1, "C3")):
                v = tab_j[i, di, k]
                if not ds["tornado/applicable"][i, di, k]:
                    ax.text(base if reached else 1, i, "  n/a", va="center", fontsize=6, color="0.5")
                elif np.isfinite(v) and reached:
                    ax.barh(i, v - base, left=base, color=col, alpha=0.6)
                else:
                    ax.text(base if reached else 1, i, "  not reached", va="center", fontsize=6, color=col)
        if reached:
            ax.axvline(base, color="k", lw=0.8)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows if di == 0 else [""] * len(rows), fontsize=6)
        ax.set_xscale("log")
        ax.set_xlabel("J_th (A/cm$^2$); blue: alternative / range min, red: range max")
        ax.set_title(f"{dev} at {scalar(ds[f'devices/{dev}/distance_um']):g} um: headline " +
                     (f"{base:.0f} A/cm$^2$" if reached else "not reached"), fontsize=9)
    fig.tight_layout()
    return fig


def anchors_figure(cfg: dict, ds: dict):
    """Absorbed photon flux at threshold by each anchor, and what would make carrier and optical agree."""
    plt = _pyplot()
    names = ("optical", "carrier", "gain_model")
    vals = [scalar(ds[f"pump/{a}/absorbed_photon_flux_per_cm2_s"]) for a in names]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.bar(range(3), [v if np.isfinite(v) else 0 for v in vals], color=["C3", "C0", "0.6"])
    ax.set_xticks(range(3))
    ax.set_xticklabels([f"optical: {measured(cfg, 'optical_threshold_w_per_cm2'):g} W/cm$^2$ at 405 nm\n"
                        f"x A_405 = {scalar(ds['pump/absorbed_fraction_405']):.3f} ({cfg['optical_pump_side']})",
                        f"carrier: N_th {measured(cfg, 'n_th_per_cm3'):.2g} cm$^{{-3}}$,\n"
                        f"tau {measured(cfg, 'lifetime_ns'):g} ns",
                        f"gain model: Q_{cfg['q_choice']},\nN_tr {assumed(cfg, 'n_tr_per_cm3'):.2g} (ASSUMED)"], fontsize=7)
    ax.set_ylabel("absorbed photons at threshold (cm$^{-2}$ s$^{-1}$)")
    f = scalar(ds["pump/anchor_factor_carrier_over_optical"])
    ax.set_title(f"carrier / optical = {f:.2f}; they agree if A_405 = {scalar(ds['pump/agree/absorbed_fraction_405']):.3f}, "
                 f"or tau = {scalar(ds['pump/agree/lifetime_ns']):.0f} ns,\nor N_th = "
                 f"{scalar(ds['pump/agree/n_th_per_cm3']):.3g} cm$^{{-3}}$ (headline: {cfg['anchor']})", fontsize=8)
    fig.tight_layout()
    return fig


def threshold_figures(cfg: dict, ds: dict, attrs: dict) -> dict:
    """File name (in the threshold results folder) -> figure, for every figure of the step."""
    return {"eqe_fit.png": eqe_fit_figure(cfg, ds), "jth.png": jth_figure(cfg, ds),
            "light_current.png": light_current_figure(cfg, ds), "sensitivity.png": sensitivity_figure(cfg, ds, attrs),
            "anchors.png": anchors_figure(cfg, ds)}


def sweep_figure(settings: dict, ds: dict):
    """J_th, mode wavelength and Q, pump absorption and coupling along one parameter sweep."""
    plt = _pyplot()
    x = values(ds["value"])
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    for dev, style in (("dual_cavity", "o-"), ("single_cavity", "s--")):
        for rd, alpha in (("spot", 1.0), ("crystal_mean", 0.45)):
            j = values(ds[f"j_th/{dev}/{rd}_a_per_cm2"])
            ok = np.isfinite(j)
            ax[0].plot(x[ok], j[ok], style, alpha=alpha, label=f"{dev}, {rd}")
        jm = values(ds[f"j_th_gain_model/{dev}/spot_a_per_cm2"])
        ok = np.isfinite(jm)
        ax[0].plot(x[ok], jm[ok], style, color="0.5", lw=0.8, ms=3, label=f"{dev}, spot, gain-model N_th")
    ax[0].set_yscale("log")
    ax[0].set_ylabel("J_th (A/cm$^2$)")
    ax[0].legend(fontsize=7)
    ax[1].plot(x, values(ds["lasing_wavelength_nm"]), "o-", color="C2")
    ax[1].set_ylabel("mode wavelength (nm)", color="C2")
    q = ax[1].twinx()
    q.plot(x, values(ds["Q_total"]), "s:", color="C3")
    q.set_ylabel("Q_total", color="C3")
    ax[2].plot(x, values(ds["pump_absorbed_fraction_normal"]), "o-", label="pump absorbed in crystal (normal)")
    ax[2].plot(x, values(ds["coupling_efficiency_microcavity"]), "s--", label="coupling, microcavity PeLED")
    ax[2].plot(x, values(ds["confinement_energy"]), "^:", label="Gamma_E")
    ax[2].legend(fontsize=7)
    ax[2].set_ylim(0, 1.05)
    for a in ax:
        a.set_xlabel(settings["key"])
    fig.suptitle(f"sweep {settings['name']}")
    fig.tight_layout()
    return fig
