"""Entry: threshold of the two devices as built (anchors, readings, variants), light-current
curves and the tornado -> HDF5 + figures (EQE fit, J_th vs distance, L-J, tornado) + tornado table."""

import argparse
import json
import math
from pathlib import Path


import numpy as np

from sims.results import Timer, provenance, read_h5, save_figure, write_h5, write_text
from sims.led_efficiency import photon_energy_ev
from sims.rate_equations import output_power_w_per_cm2, photon_lifetime_s, steady_state
from sims.stack import build_stack
from sims.threshold import (DEVICES, E_CHARGE, MODE_KEYS, absorbed_fraction_normal, assumed,
                            carrier_threshold, device_ratio, exit_to_air, led_rolloff, led_scale, measured,
                            photon_energy_absorbed_ev, q_for, recombination_coefficients, threshold_study)


def read_mode(path):
    data, attrs = read_h5(path)
    mode = {k: float(np.real(np.asarray(data[k]))) for k in MODE_KEYS if k in data}
    mode["mode_choice"] = attrs.get("mode_choice", "")
    return mode


def read_transfer(path):
    data, attrs = read_h5(path)
    data["_attrs"] = attrs
    return data


def light_current(cfg, mode, tr, ds):
    """L-J curves of both devices at their own distance and the headline reading (rate equations,
    log gain with N_tr anchored so that g(N_th, measured) = g_th; the pump rate is normalised so
    that threshold falls at the headline anchor's absorbed photon flux)."""
    ct = carrier_threshold(cfg, mode)
    g_th, n_meas = ct["g_material_th_per_cm"], ct["n_th_measured_per_cm3"]
    g0 = assumed(cfg, "g0_per_cm")
    coeffs = recombination_coefficients(n_meas, measured(cfg, "lifetime_ns"), assumed(cfg, "k2_cm3_per_s"),
                                        assumed(cfg, "k3_cm6_per_s"))
    lam, t_nm = mode["lasing_wavelength_nm"], mode["gain_layer_thickness_nm"]
    tau_p = photon_lifetime_s(q_for(mode, cfg["q_choice"]), lam)
    tau_m = photon_lifetime_s(mode["Q_mirror"], lam)
    roll, _ = led_rolloff(cfg)
    hv_led = photon_energy_ev(measured(cfg, "led_wavelength_nm"))
    J = np.logspace(np.log10(cfg["rate_equations"]["current_min_a_per_cm2"]),
                    np.log10(measured(cfg, "max_current_density_a_per_cm2")), cfg["rate_equations"]["n_points"])
    r_th = float(coeffs[0] * n_meas + coeffs[1] * n_meas ** 2 + coeffs[2] * n_meas ** 3)
    flux_th = float(ds[f"pump/{cfg['anchor']}/absorbed_photon_flux_per_cm2_s"])
    out, units = {"li/current_density_a_per_cm2": J}, {"li/current_density_a_per_cm2": "A/cm^2"}
    for dev, led in DEVICES.items():
        t = tr[led]
        e2a = exit_to_air(t, cfg) if cfg["eqe_measured_in"] == "air" else 1.0
        p_exit = roll.exitance_w_per_cm2(J, hv_led, led_scale(cfg, led)) * e2a
        flux = device_ratio(t, cfg, cfg["pump_reading"]) * p_exit / (photon_energy_absorbed_ev(t, cfg) * E_CHARGE)
        G = r_th * flux / flux_th
        ss = steady_state(G, g0_per_cm=g0, n_tr_per_cm3=n_meas * math.exp(-g_th / g0),
                          gamma=mode["confinement_energy"], group_index=mode["group_index"], tau_p_s=tau_p,
                          coeffs=coeffs, beta=assumed(cfg, "beta_spontaneous"))
        out[f"li/{dev}/absorbed_photon_flux_per_cm2_s"] = flux
        out[f"li/{dev}/carrier_density_per_cm3"] = ss["N_per_cm3"]
        out[f"li/{dev}/output_w_per_cm2"] = output_power_w_per_cm2(ss["S_per_cm3"], t_nm, mode["confinement_energy"],
                                                                   lam, tau_m)
        units.update({f"li/{dev}/absorbed_photon_flux_per_cm2_s": "1/(cm^2 s)",
                      f"li/{dev}/carrier_density_per_cm3": "cm^-3",
                      f"li/{dev}/output_w_per_cm2": "W/cm^2 (laser output through the mirrors per crystal area)"})
    out["li/photon_lifetime_s"] = np.array(tau_p)
    units["li/photon_lifetime_s"] = "s"
    return out, units


def figures(cfg, ds, attrs, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sims.led_efficiency import RollOff

    roll = RollOff(float(ds["eqe/eqe0"]), float(ds["eqe/j0_a_per_cm2"]), float(ds["eqe/m"]))
    hv = float(ds["eqe/photon_energy_ev"])
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
    save_figure(fig, out_dir / "eqe_fit.png")

    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    for dev, c in (("dual_cavity", "C3"), ("single_cavity", "C0")):
        d = ds[f"sweep/{dev}/distance_um"]
        for rd, ls in (("spot", "-"), ("crystal_mean", "--")):
            for an, mk, lw in (("optical", "", 1.4), ("carrier", ".", 0.6)):
                y = ds[f"jth/{dev}/{an}/{rd}/sweep"]
                ax[0].plot(d, np.where(y > 0, y, np.nan), c + ls + mk, ms=3, lw=lw, label=f"{dev}, {rd}, {an} anchor")
        d0 = float(ds[f"devices/{dev}/distance_um"])
        j0 = float(ds[f"headline/{dev}/j_th_a_per_cm2"])
        if j0 > 0:
            ax[0].plot([d0], [j0], c + "*", ms=12, label=f"{dev} as built, d = {d0:g} um")
        if f"area/{dev}/led_area_mm2" in ds:
            a = ds[f"area/{dev}/led_area_mm2"]
            for k, dd in enumerate(ds[f"area/{dev}/distance_um"]):
                y = ds[f"jth/{dev}/{cfg['anchor']}/{cfg['pump_reading']}/area"][:, k]
                ax[1].plot(a, np.where(y > 0, y, np.nan), c + ("-o" if k == 0 else "--s"), ms=4,
                           label=f"{dev}, d = {dd:g} um")
    for a_ in ax:
        a_.axhline(j_max, color="0.4", ls=":", label="J_max = 2.5 kA/cm$^2$ (paper)")
        a_.set_yscale("log")
        a_.set_ylabel("J_th (A/cm$^2$); gaps: not reached")
        a_.legend(fontsize=6)
    ax[0].set_xlabel("LED-crystal distance d (um): gap (dual), substrate (single)")
    ax[1].set_xscale("log")
    ax[1].set_xlabel(f"LED area (mm$^2$), {cfg['pump_reading']} reading, {cfg['anchor']} anchor")
    fig.tight_layout()
    save_figure(fig, out_dir / "jth.png")

    fig, ax = plt.subplots(figsize=(6, 4))
    J = ds["li/current_density_a_per_cm2"]
    for dev, c in (("dual_cavity", "C3"), ("single_cavity", "C0")):
        ax.loglog(J, np.maximum(ds[f"li/{dev}/output_w_per_cm2"], 1e-12), c + "-", label=dev)
        jt = float(ds[f"headline/{dev}/j_th_a_per_cm2"])
        if jt > 0:
            ax.axvline(jt, color=c, ls=":", lw=0.8)
    ax.set_xlabel("LED current density J (A/cm$^2$)")
    ax.set_ylabel("laser output (W/cm$^2$ of crystal)")
    ax.set_title(f"rate equations at each device's distance, {cfg['anchor']} anchor, "
                 f"beta = {assumed(cfg, 'beta_spontaneous'):g}", fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out_dir / "light_current.png")

    rows = json.loads(attrs["tornado_rows"])
    tab = np.where(ds["tornado/applicable"], ds["tornado/j_th_a_per_cm2"], np.nan)
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.32 * len(rows) + 1.5))
    for di, dev in enumerate(DEVICES):
        ax = axes[di]
        base = float(ds[f"headline/{dev}/j_th_a_per_cm2"])
        for i in range(len(rows)):
            for v, col in ((tab[i, di, 0], "C0"), (tab[i, di, 1], "C3")):
                if np.isnan(v):
                    ax.text(base if base > 0 else 1, i, "  n/a", va="center", fontsize=6, color="0.5")
                elif v > 0 and base > 0:
                    ax.barh(i, v - base, left=base, color=col, alpha=0.6)
                else:
                    ax.text(base if base > 0 else 1, i, "  not reached", va="center", fontsize=6, color=col)
        if base > 0:
            ax.axvline(base, color="k", lw=0.8)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows if di == 0 else [""] * len(rows), fontsize=6)
        ax.set_xscale("log")
        ax.set_xlabel("J_th (A/cm$^2$); blue: alternative / range min, red: range max")
        ax.set_title(f"{dev} at {float(ds[f'devices/{dev}/distance_um']):g} um: headline " +
                     (f"{base:.0f} A/cm$^2$" if base > 0 else "not reached"), fontsize=9)
    fig.tight_layout()
    save_figure(fig, out_dir / "sensitivity.png")


def anchors_figure(cfg, ds, path):
    """Absorbed photon flux at threshold by each anchor, and what would make carrier and optical agree."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ("optical", "carrier", "gain_model")
    vals = [float(ds[f"pump/{a}/absorbed_photon_flux_per_cm2_s"]) for a in names]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.bar(range(3), [v if v > 0 else 0 for v in vals], color=["C3", "C0", "0.6"])
    ax.set_xticks(range(3))
    ax.set_xticklabels([f"optical: {measured(cfg, 'optical_threshold_w_per_cm2'):g} W/cm$^2$ at 405 nm\n"
                        f"x A_405 = {float(ds['pump/absorbed_fraction_405']):.3f} ({cfg['optical_pump_side']})",
                        f"carrier: N_th {measured(cfg, 'n_th_per_cm3'):.2g} cm$^{{-3}}$,\n"
                        f"tau {measured(cfg, 'lifetime_ns'):g} ns",
                        f"gain model: Q_{cfg['q_choice']},\nN_tr {assumed(cfg, 'n_tr_per_cm3'):.2g} (ASSUMED)"], fontsize=7)
    ax.set_ylabel("absorbed photons at threshold (cm$^{-2}$ s$^{-1}$)")
    f = float(ds["pump/anchor_factor_carrier_over_optical"])
    ax.set_title(f"carrier / optical = {f:.2f}; they agree if A_405 = {float(ds['pump/agree/absorbed_fraction_405']):.3f}, "
                 f"or tau = {float(ds['pump/agree/lifetime_ns']):.0f} ns,\nor N_th = "
                 f"{float(ds['pump/agree/n_th_per_cm3']):.3g} cm$^{{-3}}$ (headline: {cfg['anchor']})", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)


def tornado_table(cfg, ds, attrs):
    """Markdown: J_th of each device under each alternative choice and assumed-input range end."""
    rows = json.loads(attrs["tornado_rows"])
    tab = np.where(ds["tornado/applicable"], ds["tornado/j_th_a_per_cm2"], np.nan)
    fmt = lambda v: "n/a" if np.isnan(v) else (f"{v:.0f}" if v > 0 else "not reached")
    hd = [fmt(float(ds[f"headline/{d}/j_th_a_per_cm2"])) for d in DEVICES]
    lines = [f"J_th (A/cm^2) of each device at its own distance; headline: {cfg['anchor']} anchor, "
             f"{cfg['pump_reading']} reading (dual cavity {hd[0]}, single cavity {hd[1]}). One choice or ASSUMED "
             "input changed at a time.", "",
             "| choice / input | dual: alternative or min | dual: max | single: alternative or min | single: max |",
             "|---|---:|---:|---:|---:|"]
    for i, r in enumerate(rows):
        lines.append(f"| {r} | {fmt(tab[i, 0, 0])} | {fmt(tab[i, 0, 1])} | {fmt(tab[i, 1, 0])} | {fmt(tab[i, 1, 1])} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: threshold config, absorber sub-config")
    ap.add_argument("--modes", required=True)
    ap.add_argument("--microcavity", required=True)
    ap.add_argument("--standard", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--fig-dir", required=True)
    args = ap.parse_args(argv)
    s = json.loads(args.settings)
    cfg = s["threshold"]
    with Timer() as timer:
        mode = read_mode(args.modes)
        tr = {"microcavity": read_transfer(args.microcavity), "standard": read_transfer(args.standard)}
        stack = build_stack(s, s["absorber_stack"]).with_thickness(s["absorber_layer"],
                                                                   mode["gain_layer_thickness_nm"] / 1e3)
        a405 = {side: absorbed_fraction_normal(stack, measured(cfg, "optical_pump_wavelength_nm"),
                                               s["absorber_layer"], side) for side in ("below", "above")}
        ds, units, attrs = threshold_study(cfg, mode, tr, a405)
        li, li_units = light_current(cfg, mode, tr, ds)
        ds.update(li)
        units.update(li_units)
    attrs.update({"modes_file": args.modes, "mode_choice": mode["mode_choice"], "transfer_files":
                  json.dumps([args.microcavity, args.standard])})
    write_h5(args.h5, ds, provenance(s, timer.seconds, **attrs), units)
    figures(cfg, ds, attrs, Path(args.fig_dir))
    write_text(Path(args.fig_dir) / "sensitivity.md", tornado_table(cfg, ds, attrs))
    anchors_figure(cfg, ds, Path(args.fig_dir) / "anchors.png")
    for dev in DEVICES:
        j = float(ds[f"headline/{dev}/j_th_a_per_cm2"])
        print(f"{dev} at {float(ds[f'devices/{dev}/distance_um']):g} um ({cfg['anchor']} anchor, {cfg['pump_reading']}): "
              + (f"J_th = {j:.1f} A/cm^2" if j > 0 else
                 f"not reached (needs {float(ds[f'headline/{dev}/exitance_needed_w_per_cm2']):.3g} W/cm^2)"))
    print(f"anchor factor carrier/optical = {float(ds['pump/anchor_factor_carrier_over_optical']):.3f}; "
          f"A_405 = {float(ds['pump/absorbed_fraction_405']):.3f}")


if __name__ == "__main__":
    main()
