"""Entry: gather the points of one parameter sweep into HDF5, a Markdown table and a figure.

Per point: the lasing mode of microcavity II (wavelength, Q_total, energy confinement) from
the modes file the point used, the share of the LED pump absorbed in the crystal at normal
incidence (tmm), the coupling efficiency of the microcavity PeLED at its device distance, and the threshold
current densities of both devices at their own distances (headline anchor, both pump
readings; and the gain-model anchor, the one that responds to Q and confinement). Unreachable thresholds are stored as -1 and shown as "unreachable".
"""

import argparse
import json


import numpy as np

from sims.results import provenance, read_h5, save_figure, write_h5, write_text

DEVICES = ("dual_cavity", "single_cavity")
READINGS = ("spot", "crystal_mean")


def gather(settings: dict, thresholds, modes, absorptions, transfers) -> tuple[dict, dict]:
    values = np.asarray(settings["values"], float)
    n = len(values)
    if not (len(thresholds) == len(modes) == len(absorptions) == len(transfers) == n):
        raise SystemExit(f"sweep {settings['name']}: {n} values but {len(thresholds)} threshold files")
    ds = {"value": values, "lasing_wavelength_nm": np.empty(n), "Q_total": np.empty(n),
          "confinement_energy": np.empty(n), "gain_layer_thickness_nm": np.empty(n),
          "pump_absorbed_fraction_normal": np.empty(n), "coupling_efficiency_microcavity": np.empty(n)}
    for dev in DEVICES:
        for rd in READINGS:
            ds[f"j_th/{dev}/{rd}_a_per_cm2"] = np.empty(n)
        ds[f"j_th_gain_model/{dev}/spot_a_per_cm2"] = np.empty(n)
    for i in range(n):
        m, _ = read_h5(modes[i])
        for k in ("lasing_wavelength_nm", "Q_total", "confinement_energy", "gain_layer_thickness_nm"):
            ds[k][i] = float(np.real(m[k]))
        a, _ = read_h5(absorptions[i])
        ds["pump_absorbed_fraction_normal"][i] = float(a["tmm/A_crystal"][0])
        t, _ = read_h5(transfers[i])
        th, thattrs = read_h5(thresholds[i])
        anchor = str(thattrs["headline_anchor"])
        ds["coupling_efficiency_microcavity"][i] = float(t["device/coupling_efficiency"])
        for dev in DEVICES:
            for rd in READINGS:
                ds[f"j_th/{dev}/{rd}_a_per_cm2"][i] = float(th[f"jth/{dev}/{anchor}/{rd}/device"])
            # N_th from the gain model: the anchor that responds to Q and confinement
            ds[f"j_th_gain_model/{dev}/spot_a_per_cm2"][i] = float(th[f"jth/{dev}/gain_model/spot/device"])
    units = {"value": settings.get("unit", ""), "lasing_wavelength_nm": "nm", "Q_total": "1", "confinement_energy": "1",
             "gain_layer_thickness_nm": "nm", "pump_absorbed_fraction_normal": "1",
             "coupling_efficiency_microcavity": "1"}
    units.update({k: "A/cm^2" for k in ds if k.startswith("j_th")})
    return ds, units


def markdown(settings: dict, ds: dict, files: list[str]) -> str:
    fmt_j = lambda v: f"{v:.0f}" if v > 0 else "unreachable"
    lines = [f"Sweep `{settings['name']}`: `{settings['key']}` (one job chain per point; steps the change does not "
             "reach are taken from the main run)", "",
             f"| {settings['key']} | mode (nm) | Q_total | Gamma_E | crystal (nm) | pump absorbed | coupling (micro) | "
             "J_th dual, spot (A/cm^2) | J_th single, spot (A/cm^2) | J_th dual, crystal mean | "
             "J_th dual, spot, gain-model N_th | modes file |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for i, v in enumerate(ds["value"]):
        lines.append(f"| {v:g} | {ds['lasing_wavelength_nm'][i]:.2f} | {ds['Q_total'][i]:.0f} | "
                     f"{ds['confinement_energy'][i]:.3f} | {ds['gain_layer_thickness_nm'][i]:.1f} | "
                     f"{ds['pump_absorbed_fraction_normal'][i]:.3f} | {ds['coupling_efficiency_microcavity'][i]:.3f} | "
                     f"{fmt_j(ds['j_th/dual_cavity/spot_a_per_cm2'][i])} | "
                     f"{fmt_j(ds['j_th/single_cavity/spot_a_per_cm2'][i])} | "
                     f"{fmt_j(ds['j_th/dual_cavity/crystal_mean_a_per_cm2'][i])} | "
                     f"{fmt_j(ds['j_th_gain_model/dual_cavity/spot_a_per_cm2'][i])} | `{files[i]}` |")
    return "\n".join(lines) + "\n"


def figure(settings: dict, ds: dict):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = ds["value"]
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    for dev, style in (("dual_cavity", "o-"), ("single_cavity", "s--")):
        for rd, alpha in (("spot", 1.0), ("crystal_mean", 0.45)):
            j = ds[f"j_th/{dev}/{rd}_a_per_cm2"]
            ok = j > 0
            ax[0].plot(x[ok], j[ok], style, alpha=alpha, label=f"{dev}, {rd}")
        jm = ds[f"j_th_gain_model/{dev}/spot_a_per_cm2"]
        ax[0].plot(x[jm > 0], jm[jm > 0], style, color="0.5", lw=0.8, ms=3, label=f"{dev}, spot, gain-model N_th")
    ax[0].set_yscale("log")
    ax[0].set_ylabel("J_th (A/cm$^2$)")
    ax[0].legend(fontsize=7)
    ax[1].plot(x, ds["lasing_wavelength_nm"], "o-", color="C2")
    ax[1].set_ylabel("mode wavelength (nm)", color="C2")
    q = ax[1].twinx()
    q.plot(x, ds["Q_total"], "s:", color="C3")
    q.set_ylabel("Q_total", color="C3")
    ax[2].plot(x, ds["pump_absorbed_fraction_normal"], "o-", label="pump absorbed in crystal (normal)")
    ax[2].plot(x, ds["coupling_efficiency_microcavity"], "s--", label="coupling, microcavity PeLED")
    ax[2].plot(x, ds["confinement_energy"], "^:", label="Gamma_E")
    ax[2].legend(fontsize=7)
    ax[2].set_ylim(0, 1.05)
    for a in ax:
        a.set_xlabel(settings["key"])
    fig.suptitle(f"sweep {settings['name']}")
    fig.tight_layout()
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--settings", required=True, help="JSON: name, key, values of the sweep")
    for k in ("threshold", "modes", "absorption", "transfer"):
        ap.add_argument(f"--{k}", nargs="+", required=True)
    ap.add_argument("--h5", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--fig", required=True)
    a = ap.parse_args(argv)
    s = json.loads(a.settings)
    ds, units = gather(s, a.threshold, a.modes, a.absorption, a.transfer)
    ds["modes_file"] = np.array(a.modes, dtype="S")
    write_h5(a.h5, ds, provenance(s, key=s["key"], method="one threshold chain per value of the key"), units)
    write_text(a.md, markdown(s, ds, a.modes))
    save_figure(figure(s, ds), a.fig)
    print(markdown(s, ds, a.modes))


if __name__ == "__main__":
    main()
