"""Figures of the angular emission: the LED map, the polar comparison of LEDs, the near-to-far check.

Each function returns a matplotlib figure (Agg backend); the entry scripts save it with
:func:`sims.results.save_figure`.
"""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def emission_map_figure(tab: dict, tab_tmm: dict, led: str, medium: str, n_exit: float):
    """I(theta, lambda) per unit dipole power, normalized profiles in the exit medium and in air
    (this run vs transfer matrix vs Lambertian), and the fate of the dipole power vs wavelength."""
    plt = _pyplot()
    th = tab["theta_deg"]
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.2))
    im = ax[0].pcolormesh(tab["wavelength_nm"], th, tab["intensity_per_sr_unweighted"], shading="auto")
    fig.colorbar(im, ax=ax[0], label="I per unit dipole power (1/sr)")
    ax[0].plot(tab["spectrum_peak_nm_vs_theta"], th, "w--", lw=1, label="EL-weighted peak")
    ax[0].set_xlabel("wavelength (nm)")
    ax[0].set_ylabel(f"angle in {medium} (deg)")
    ax[0].set_title(f"{led}: I(theta, lambda) in {medium} (n = {n_exit:.3f})")
    ax[0].legend(loc="upper right", fontsize=8)
    for t, lab, ls in ((tab, "this run", "-"), (tab_tmm, "transfer matrix (dense kx)", "--")):
        ax[1].plot(th, t["intensity_per_sr"] / t["intensity_per_sr"].max(), ls, label=f"{lab}, {medium}")
        ax[1].plot(th, t["intensity_air_per_sr"] / t["intensity_air_per_sr"].max(), ls, label=f"{lab}, air")
    ax[1].plot(th, np.cos(np.radians(th)), ":k", label="Lambertian")
    ax[1].set_xlabel("angle (deg)")
    ax[1].set_ylabel("normalized radiant intensity")
    ax[1].set_title(f"FWHM {tab['fwhm_deg']:.1f} deg ({medium}), {tab['fwhm_air_deg']:.1f} deg (air)")
    ax[1].legend(fontsize=7)
    ax[2].plot(tab["wavelength_nm"], tab["extraction_fraction_vs_wavelength"], label="emitting side")
    ax[2].plot(tab["wavelength_nm"], tab["extraction_other_vs_wavelength"], label="other side")
    ax[2].plot(tab["wavelength_nm"], tab["absorbed_vs_wavelength"], label="absorbed")
    ax[2].plot(tab["wavelength_nm"], tab["guided_vs_wavelength"], label="guided (residual)")
    ax[2].plot(tab["wavelength_nm"], tab["el_spectrum_per_nm"] / tab["el_spectrum_per_nm"].max(), ":k", label="EL (norm.)")
    ax[2].set_xlabel("wavelength (nm)")
    ax[2].set_ylabel("fraction of dipole power")
    ax[2].set_title(f"EL-weighted extraction {tab['extraction_fraction']:.3f}")
    ax[2].legend(fontsize=7)
    fig.tight_layout()
    return fig


def polar_figure(files: list[tuple[dict, dict]]):
    """Normalized radiant intensity of each LED in its exit medium and in air, against Lambertian;
    ``files``: (datasets, attributes) of each emission.h5."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, subplot_kw={"projection": "polar"}, figsize=(11, 5))
    for d, at in files:
        led = str(at["led"])
        th = np.radians(d["theta_deg"])
        for ax, key, medium in ((axes[0], "intensity_per_sr", str(at["exit_medium"])),
                                (axes[1], "intensity_air_per_sr", "air")):
            prof = d[key] / d[key].max()
            line, = ax.plot(th, prof, label=f"{led} (in {medium})")
            ax.plot(-th, prof, color=line.get_color())
    thl = np.linspace(-np.pi / 2, np.pi / 2, 181)
    for ax, title in zip(axes, ("in the exit medium (NOA81 / glass)", "refracted into air")):
        ax.plot(thl, np.cos(thl), ":k", label="Lambertian")
        ax.set_thetamin(-90)
        ax.set_thetamax(90)
        ax.set_theta_zero_location("N")
        ax.set_title(f"normalized radiant intensity, {title}", fontsize=10)
        ax.legend(loc="lower center", fontsize=8, bbox_to_anchor=(0.5, -0.25))
    fig.tight_layout()
    return fig


def nearfar_figure(theta, freqs, pats: dict, cmp_max: float, led: str, medium: str, attrs_m: dict):
    """Line-dipole patterns per kind and wavelength: 2D near-to-far vs 1D sheets vs transfer matrix,
    each normalized to its maximum below ``cmp_max`` deg (shaded beyond)."""
    plt = _pyplot()
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
    return fig
