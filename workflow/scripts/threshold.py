"""Entry: threshold gain, carrier density, pump irradiance and LED current at threshold,
light-current curves and sensitivity -> HDF5 + figures (EQE fit, J_th, L-I, tornado)."""

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

from sims.hdf5io import Timer, provenance, read_h5, save_figure, write_h5, write_text  # noqa: E402
from sims.led_efficiency import photon_energy_ev  # noqa: E402
from sims.pump_absorption import absorption_tmm  # noqa: E402
from sims.rate_equations import output_power_w_per_cm2, photon_lifetime_s, steady_state  # noqa: E402
from sims.stack import build_stack  # noqa: E402
from sims.threshold import (DEVICES, assumed, carrier_threshold, exit_to_air, led_rolloff,  # noqa: E402
                            measured, q_for, recombination_coefficients, threshold_study)


def read_mode(path):
    data, attrs = read_h5(path)
    from sims.threshold import MODE_KEYS

    mode = {k: float(np.real(np.asarray(data[k]))) for k in MODE_KEYS if k in data}
    mode["mode_choice"] = attrs.get("mode_choice", "")
    return mode


def light_current(cfg, mode, tr, ds):
    """L-I curves of both devices at the headline distance and reading (rate equations)."""
    ct = carrier_threshold(cfg, mode)
    g_th, n_meas = ct["g_material_th_per_cm"], ct["n_th_measured_per_cm3"]
    g0 = assumed(cfg, "g0_per_cm")
    n_tr_eff = n_meas * math.exp(-g_th / g0)
    coeffs = recombination_coefficients(n_meas, measured(cfg, "lifetime_ns"), assumed(cfg, "k2_cm3_per_s"),
                                        assumed(cfg, "k3_cm6_per_s"))
    lam = mode["lasing_wavelength_nm"]
    tau_p = photon_lifetime_s(q_for(mode, cfg["q_choice"]), lam)
    tau_m = photon_lifetime_s(mode["Q_mirror"], lam)
    t_nm = mode["gain_layer_thickness_nm"]
    roll, _ = led_rolloff(cfg)
    hv_led = photon_energy_ev(measured(cfg, "led_wavelength_nm"))
    j_max = measured(cfg, "max_current_density_a_per_cm2")
    J = np.logspace(np.log10(cfg["rate_equations"]["current_min_a_per_cm2"]), np.log10(j_max),
                    cfg["rate_equations"]["n_points"])
    out, units = {"li/current_density_a_per_cm2": J}, {"li/current_density_a_per_cm2": "A/cm^2"}
    jd = int(np.argmin(np.abs(tr["microcavity"]["map_distance_um"] - cfg["distance_um"])))
    key = "maps/spot_absorbed_ratio" if cfg["pump_reading"] == "spot" else "maps/mean_absorbed_ratio"
    scale_std = measured(cfg, "max_exitance_standard_w_per_cm2") / measured(cfg, "max_exitance_microcavity_w_per_cm2")
    for dev, led in DEVICES.items():
        t = tr[led]
        e2a = exit_to_air(t, cfg) if cfg["eqe_measured_in"] == "air" else 1.0
        p_exit = roll.exitance_w_per_cm2(J, hv_led, 1.0 if led == "microcavity" else scale_std) * e2a
        i_abs = float(t[key][jd]) * p_exit
        G = i_abs / (hv_led * 1.602176634e-19 * t_nm * 1e-7)
        ss = steady_state(G, g0_per_cm=g0, n_tr_per_cm3=n_tr_eff, gamma=mode["confinement_energy"],
                          group_index=mode["group_index"], tau_p_s=tau_p, coeffs=coeffs,
                          beta=assumed(cfg, "beta_spontaneous"))
        out[f"li/{dev}/absorbed_irradiance_w_per_cm2"] = i_abs
        out[f"li/{dev}/carrier_density_per_cm3"] = ss["N_per_cm3"]
        out[f"li/{dev}/output_w_per_cm2"] = output_power_w_per_cm2(ss["S_per_cm3"], t_nm, mode["confinement_energy"],
                                                                   lam, tau_m)
        units.update({f"li/{dev}/absorbed_irradiance_w_per_cm2": "W/cm^2", f"li/{dev}/carrier_density_per_cm3": "cm^-3",
                      f"li/{dev}/output_w_per_cm2": "W/cm^2 (laser output through the mirrors per crystal area)"})
    out["li/n_tr_anchored_per_cm3"] = np.array(n_tr_eff)
    out["li/photon_lifetime_s"] = np.array(tau_p)
    units.update({"li/n_tr_anchored_per_cm3": "cm^-3", "li/photon_lifetime_s": "s"})
    return out, units


def figures(cfg, ds, out_dir):
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
    for led, sc, c in (("microcavity", 1.0, "C3"), ("standard", float(ds["eqe/standard_scale"]), "C0")):
        ax[1].plot(J, roll.exitance_w_per_cm2(J, hv, sc), c + "-", label=f"{led}: P(J) = EQE J h nu / e")
        ax[1].plot([j_max], [measured(cfg, f"max_exitance_{led}_w_per_cm2")], c + "o", label=f"{led}: paper, max")
    ax[1].axvline(j_max, color="0.5", ls=":", label="J_max (paper)")
    ax[1].set_xscale("log")
    ax[1].set_xlabel("J (A/cm$^2$)")
    ax[1].set_ylabel("radiant exitance (W/cm$^2$)")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, out_dir / "eqe_fit.png")

    fig, ax = plt.subplots(1, 2, figsize=(11, 4.2))
    d = ds["distance_um"]
    for dev, c in (("dual_cavity", "C3"), ("single_cavity", "C0")):
        for rd, ls in (("spot", "-"), ("crystal_mean", "--")):
            for b, mk in (("measured", ""), ("model", ".")):
                y = np.where(ds[f"jth/{dev}/{b}/{rd}/sweep"] > 0, ds[f"jth/{dev}/{b}/{rd}/sweep"], np.nan)
                ax[0].plot(d, y, c + ls + mk, ms=3, lw=1.2 if b == "measured" else 0.6,
                           label=f"{dev}, {rd}, N_th {b}")
        a = ds["led_area_mm2"]
        for k, dd in enumerate(ds["area_distance_um"]):
            y = ds[f"jth/{dev}/measured/{cfg['pump_reading']}/area"][:, k]
            ax[1].plot(a, np.where(y > 0, y, np.nan), c + ("-o" if k == 0 else "--s"), ms=4,
                       label=f"{dev}, d = {dd:g} um")
    for a_ in ax:
        a_.axhline(j_max, color="0.4", ls=":", label="J_max = 2.5 kA/cm$^2$ (paper)")
        a_.set_yscale("log")
        a_.set_ylabel("J_th (A/cm$^2$); gaps: unreachable")
        a_.legend(fontsize=6)
    ax[0].set_xlabel("coupling distance d (um)")
    ax[1].set_xscale("log")
    ax[1].set_xlabel(f"LED area (mm$^2$), {cfg['pump_reading']} reading, N_th measured")
    fig.tight_layout()
    save_figure(fig, out_dir / "jth.png")

    fig, ax = plt.subplots(figsize=(6, 4))
    J = ds["li/current_density_a_per_cm2"]
    for dev, c in (("dual_cavity", "C3"), ("single_cavity", "C0")):
        ax.loglog(J, np.maximum(ds[f"li/{dev}/output_w_per_cm2"], 1e-12), c + "-", label=dev)
        jt = float(ds[f"headline/{dev}/{cfg['pump_reading']}_j_th_a_per_cm2"])
        if jt > 0:
            ax.axvline(jt, color=c, ls=":", lw=0.8)
    ax.set_xlabel("LED current density J (A/cm$^2$)")
    ax.set_ylabel("laser output (W/cm$^2$ of crystal)")
    ax.set_title(f"rate equations, d = {cfg['distance_um']:g} um, beta = {assumed(cfg, 'beta_spontaneous'):g}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out_dir / "light_current.png")

    names = json.loads(ds["_attrs"]["sensitivity_parameters"])
    tab = ds["sensitivity/j_th_a_per_cm2"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for bi, b in enumerate(("measured", "model")):
        ax = axes[bi]
        base = tab[0, bi, 1]
        for i, k in enumerate(names):
            lo, hi = tab[i, bi, 0], tab[i, bi, 2]
            for v, c in ((lo, "C0"), (hi, "C3")):
                if v > 0 and base > 0:
                    ax.barh(i, v - base, left=base, color=c, alpha=0.7)
                elif base > 0:
                    ax.text(base, i, "  unreachable", va="center", fontsize=7, color=c)
        ax.axvline(base, color="k", lw=0.8)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names, fontsize=7)
        ax.set_xlabel("J_th (A/cm$^2$), blue: min, red: max of the range")
        ax.set_title(f"dual cavity, d = {cfg['distance_um']:g} um, N_th {b}" +
                     ("" if base > 0 else " (unreachable at default)"), fontsize=9)
    fig.tight_layout()
    save_figure(fig, out_dir / "sensitivity.png")


def write_sensitivity_table(cfg, ds, path):
    """Markdown table of J_th (dual cavity, headline distance and reading) at each input's range ends."""
    names = json.loads(ds["_attrs"]["sensitivity_parameters"])
    tab = ds["sensitivity/j_th_a_per_cm2"]
    fmt = lambda v: f"{v:.0f}" if v > 0 else "unreachable"
    lines = [f"J_th (A/cm^2) of the dual-cavity device at d = {cfg['distance_um']:g} um, {cfg['pump_reading']} reading, "
             "one ASSUMED input varied at a time", "",
             "| input | min | value | max | J_th(min), N_th meas. | J_th(max), N_th meas. | J_th(min), gain model | "
             "J_th(max), gain model |", "|---|---|---|---|---|---|---|---|"]
    for i, k in enumerate(names):
        a = cfg["assumed"][k]
        lines.append(f"| {k} | {a['min']:g} | {a['value']:g} | {a['max']:g} | {fmt(tab[i, 0, 0])} | {fmt(tab[i, 0, 2])} | "
                     f"{fmt(tab[i, 1, 0])} | {fmt(tab[i, 1, 2])} |")
    lines += ["", f"Default: {fmt(tab[0, 0, 1])} (N_th measured), {fmt(tab[0, 1, 1])} (gain model)."]
    write_text(path, "\n".join(lines) + "\n")


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
        tr = {"microcavity": read_h5(args.microcavity)[0], "standard": read_h5(args.standard)[0]}
        stack = build_stack(s, s["absorber_stack"]).with_thickness(s["absorber_layer"],
                                                                   mode["gain_layer_thickness_nm"] / 1e3)
        a405 = float(absorption_tmm(stack, measured(cfg, "optical_pump_wavelength_nm") / 1e3, [0.0],
                                    s["absorber_layer"])["A_crystal"][0])
        ds, units, attrs = threshold_study(cfg, mode, tr, a405)
        li, li_units = light_current(cfg, mode, tr, ds)
        ds.update(li)
        units.update(li_units)
    attrs.update({"modes_file": args.modes, "mode_choice": mode["mode_choice"], "transfer_files":
                  json.dumps([args.microcavity, args.standard])})
    write_h5(args.h5, ds, provenance(s, timer.seconds, **attrs), units)
    ds["_attrs"] = attrs
    figures(cfg, ds, Path(args.fig_dir))
    write_sensitivity_table(cfg, ds, Path(args.fig_dir) / "sensitivity.md")
    for dev in DEVICES:
        for rd in ("spot", "crystal_mean"):
            j = float(ds[f"headline/{dev}/{rd}_j_th_a_per_cm2"])
            print(f"{dev}, {rd}: J_th = " + (f"{j:.1f} A/cm^2" if j > 0 else "unreachable below J_max"))
    print(f"g_th (Q {cfg['q_choice']}) = {float(ds['gain/g_material_th_per_cm']):.1f} /cm; N_th model "
          f"{float(ds['n_th/n_th_model_per_cm3']):.3g} cm^-3; measured {float(ds['n_th/n_th_measured_per_cm3']):.3g}")


if __name__ == "__main__":
    main()
