"""Figures of the cavity steps (functions return matplotlib figures; the entry scripts save them
with ``sims.results.save_figure``)."""

from __future__ import annotations

import numpy as np

from sims.results import Flagged


def summary_figure(stack: str, ds: dict, thick: dict | None, disp: dict, cal_label: str = "none"):
    """modes.h5 at a glance: spectrum and linewidth, Harminv table, mode profile, Q breakdown,
    dispersion and thickness study (transfer matrix). ``ds``: :func:`sims.cavity_tables.mode_datasets`;
    ``thick``, ``disp``: the in-memory study results (NaN where no mode)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 3, figsize=(16, 9))
    a = ax[0, 0]
    if "spectrum/T_meep" in ds:
        wl = ds["spectrum/wavelength_nm"]
        I = ds["spectrum/internal_meep"]
        a.plot(wl, I / I.max(), "o", ms=3, label="Meep |E|^2 in cavity (lit through mirror), norm.")
        a.semilogy(wl, ds["spectrum/T_meep"] / ds["spectrum/T_meep"].max(), ".", ms=2, label="Meep T, norm.")
        a.plot(wl, ds["spectrum/T_tmm"] / ds["spectrum/T_tmm"].max(), "-", label="transfer matrix T, norm.")
        a.axvline(ds["spectrum/wavelength_harminv_nm"], color="k", ls=":", label="Harminv")
        a.set_ylim(1e-3, 1.5)
        a.set_title(f"spectrum: Q_Lorentz={ds['spectrum/Q_lorentzian']:.4g} (T: {ds['spectrum/Q_lorentzian_T']:.4g}), "
                    f"Q_Harminv={ds['spectrum/Q_harminv']:.4g}; T_max={ds['spectrum/T_meep'].max():.2g}", fontsize=8)
        a.set_xlabel("wavelength (nm)")
        a.legend(fontsize=7)
    a = ax[0, 1]
    a.axis("off")
    rows = [[f"{w:.2f}", f"{q:.4g}", f"{amp:.2g}"] for w, q, amp in zip(ds["harminv/absorption_off/wavelength_nm"],
                                                                       ds["harminv/absorption_off/Q"],
                                                                       ds["harminv/absorption_off/amplitude"])][:12]
    rows += [[f"{w:.2f}*", f"{q:.4g}", f"{amp:.2g}"] for w, q, amp in zip(ds["harminv/absorption_on/wavelength_nm"],
                                                                        ds["harminv/absorption_on/Q"],
                                                                        ds["harminv/absorption_on/amplitude"])][:6]
    if rows:
        tb = a.table(cellText=rows, colLabels=["lambda (nm)", "Q", "|amp|"], loc="center")
        tb.set_fontsize(7)
    a.set_title("Harminv modes (absorption off; * = on)")
    a = ax[0, 2]
    z = ds["profile/z_nm"]
    a.plot(z, ds["profile/E2_meep"], label="|E|^2 Meep DFT")
    a.plot(z, ds["profile/E2_tmm"] / max(ds["profile/E2_tmm"].max(), 1e-30), "--", lw=0.8, label="|E|^2 transfer matrix")
    a2 = a.twinx()
    a2.plot(z, ds["profile/eps_real"], color="gray", lw=0.6)
    a2.set_ylabel("Re eps")
    a.set_title(f"mode {ds['lasing_wavelength_nm']:.2f} nm: Gamma_E={ds['confinement_energy']:.3f}, "
                f"Gamma_z={ds['confinement_longitudinal']:.3f}", fontsize=9)
    a.set_xlabel("z (nm)")
    a.legend(fontsize=7, loc="upper left")
    a = ax[1, 0]
    labels = ["Q_mirror", "Q_absorption", "Q_total", "Q_measured"]
    vals = [float(np.asarray(v.as_float() if isinstance(v, Flagged) else v))
            for v in (ds["Q_mirror"], ds["Q_absorption"], ds["Q_total"], ds["Q_measured"])]
    a.bar(labels, [max(v, 1e-3) if np.isfinite(v) else 0.0 for v in vals], color=["C0", "C1", "C2", "C3"])
    a.set_yscale("log")
    for i, v in enumerate(vals):
        a.text(i, max(v, 1e-3) if np.isfinite(v) else 1.0, f"{v:.4g}", ha="center", va="bottom", fontsize=8)
    a.set_title("Q breakdown (Meep Harminv; measured from paper linewidth)")
    a = ax[1, 1]
    a.plot(disp["angles_deg"], disp["wavelength_s_nm"], "o-", label="s")
    a.plot(disp["angles_deg"], disp["wavelength_p_nm"], "s--", label="p")
    a.set_xlabel("angle in the above medium (deg)")
    a.set_ylabel("resonance (nm)")
    a3 = a.twinx()
    a3.semilogy(disp["angles_deg"], disp["Q_s"], "o:", color="C2", ms=3)
    a3.semilogy(disp["angles_deg"], disp["Q_p"], "s:", color="C3", ms=3)
    a3.set_ylabel("Q (dotted)")
    a.legend(fontsize=7)
    a.set_title("dispersion (transfer matrix; Meep points: validation target)")
    a = ax[1, 2]
    if thick is not None:
        t = thick["thickness_nm"]
        a.plot(t, thick["all_mode_wavelengths_nm"], "k.", ms=3)
        a.plot(t, thick["wavelength_nm"], "C0-", label="analysed mode")
        a.set_xlabel("crystal thickness (nm)")
        a.set_ylabel("mode wavelength (nm)")
        a4 = a.twinx()
        a4.plot(t, thick["confinement_energy_tmm"], "C2--", label="Gamma_E")
        a4.plot(t, thick["pump_absorbed_fraction"], "C3-.", label="pump absorbed (680 nm)")
        a4.plot(t, np.log10(thick["Q_total_tmm"]) / 4, "C4:", label="log10(Q)/4")
        a4.legend(fontsize=7, loc="lower right")
        a.legend(fontsize=7, loc="upper left")
        a.set_title("thickness study (transfer matrix; Meep points: validation target)")
    else:
        a.axis("off")
        a.text(0.5, 0.5, "no thickness study for this stack\n\nMeep dispersion points, Meep thickness points and\n"
               f"the convergence table: validation target\n(results/validation/cavity/{stack}/)",
               ha="center", va="center", fontsize=9, transform=a.transAxes)
    title = f"{stack}: cavity mode analysis"
    if "calibration/value" in ds:  # as-given and calibrated side by side
        u = "nm" if cal_label != "gain_layer_index" else "(index shift)"
        title += (f"\ncalibrated {cal_label}: {ds['calibration/value_as_given']:.4g} -> {ds['calibration/value']:.4g} {u}; "
                  f"mode (transfer matrix) as given {ds['calibration/wavelength_as_given_nm']:.2f} nm -> calibrated "
                  f"{ds['calibration/wavelength_after_nm']:.2f} nm")
        if "as_given/wavelength_meep_nm" in ds:
            title += (f"; Meep: as given {ds['as_given/wavelength_meep_nm']:.2f} nm (Q {ds['as_given/Q_total']:.4g}) -> "
                      f"calibrated {ds['lasing_wavelength_nm']:.2f} nm (Q {ds['Q_total']:.4g})")
        a = ax[1, 0]
        a.set_title(a.get_title() + f"\nas given: Q_total={ds.get('as_given/Q_total', float('nan')):.4g}, "
                    f"Q_mirror={ds.get('as_given/Q_mirror', float('nan')):.4g}", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def validation_figure(stack: str, ds: dict):
    """validation.h5 at a glance: dispersion (Meep against transfer matrix), thickness points,
    convergence. ``ds``: :func:`sims.cavity_tables.validation_datasets`."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(16, 4.8))
    a = ax[0]
    ang = ds["dispersion/angles_deg"]
    for pol, mk in (("s", "o-"), ("p", "s--")):
        wl = ds[f"dispersion/wavelength_{pol}_nm"]
        ok = wl.ok()
        a.plot(ang[ok], wl.values[ok], mk, ms=4, label=f"transfer matrix {pol}")
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
    return fig


def lateral_figure(stack: str, out: dict, lat: dict):
    """Q and wavelength of the fundamental lateral mode against crystal width, 1D values dotted.
    ``out``: {"absorption_on": lateral_study result, ...} (NaN where no mode)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for g, r in out.items():
        l, = ax[0].semilogy(r["width_um"], r["Q"], "o-", label=f"2D, {g.replace('_', ' ')}")
        ax[0].axhline(r["Q_1d"], color=l.get_color(), ls=":", label=f"1D, {g.replace('_', ' ')}")
        ax[1].plot(r["width_um"], r["wavelength_nm"], "o-", color=l.get_color())
        ax[1].axhline(r["wavelength_1d_nm"], color=l.get_color(), ls=":")
    ax[0].set_xlabel("crystal width (um)")
    ax[0].set_ylabel("Q")
    ax[0].legend(fontsize=7)
    ax[1].set_xlabel("crystal width (um)")
    ax[1].set_ylabel("mode wavelength (nm)")
    fig.suptitle(f"{stack}: finite crystal width (2D FDTD, {lat['resolution_px_per_um']:g} px/um, "
                 f"filler {lat['filler']})")
    fig.tight_layout()
    return fig
