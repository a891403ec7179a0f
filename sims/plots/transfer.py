"""Figures of the transfer step (functions return matplotlib figures; entry scripts save them
with ``sims.results.save_figure``)."""

from __future__ import annotations


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


DEVICE_TITLE = {"microcavity": "dual cavity: microcavity PeLED / NOA81 gap / microcavity II",
                "standard": "single cavity: standard PeLED / its glass substrate / {bond} bond / microcavity II"}


def plot_maps(ds: dict, led: str, exit_medium: str, sc: dict | None = None):
    """Irradiance and absorbed maps of one LED at the map distances (datasets of transfer.h5)."""
    plt = _pyplot()

    md = ds["map_distance_um"]
    fig, axes = plt.subplots(2, md.size, figsize=(4.2 * md.size, 7), squeeze=False)
    x, y = ds["map_x_um"], ds["map_y_um"]
    ext = [x[0], x[-1], y[0], y[-1]]
    w = ds["map_crystal_weight"]
    for j, d in enumerate(md):
        for i, (name, label) in enumerate((("irradiance_map", "irradiance"), ("absorbed_map", "absorbed in crystal"))):
            ax = axes[i, j]
            im = ax.imshow(ds[name][j].T, origin="lower", extent=ext, cmap="inferno")
            ax.contour(x, y, w.T, levels=[0.5], colors="c", linewidths=0.8)
            fig.colorbar(im, ax=ax, shrink=0.8, label="W/m$^2$ per W/m$^2$ LED exitance")
            flag = "" if ds["maps/physically_possible"][j] else " (closer than the substrate: not buildable)"
            ax.set_title(f"{led}: {label}, d = {d:g} um{flag}\ncoupling {ds['maps/coupling_efficiency'][j]:.3f}, "
                         f"absorbed {ds['maps/absorbed_fraction_of_led_power'][j]:.3f}", fontsize=8)
            ax.set_xlabel("x (um)")
            ax.set_ylabel("y (um)")
    title = DEVICE_TITLE.get(led, led).format(bond=(sc or {}).get("bond", "?"))
    fig.suptitle(f"{title} (table in {exit_medium}; device distance {float(ds['device/distance_um']):g} um; "
                 f"absorbed: spectral, all passes; cyan: crystal edge)", fontsize=9)
    fig.tight_layout()
    return fig


def plot_comparison(ds: dict):
    """Coupling, absorbed fraction and absorbed irradiance of both LEDs, and their ratio (comparison.h5)."""
    plt = _pyplot()
    d = ds["distance_um"]
    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    for led, c in (("microcavity", "C3"), ("standard", "C0")):
        d_led = ds[f"{led}/distance_um"]
        ax[0].plot(d_led, ds[f"{led}/coupling_efficiency"], c + "-", label=f"{led}: lands on crystal")
        ax[0].plot(d_led, ds[f"{led}/absorbed_fraction_of_led_power"], c + "--", label=f"{led}: absorbed in crystal")
        ax[1].plot(d_led, ds[f"{led}/spot_absorbed_ratio"], c + "-", label=f"{led}: spot")
        ax[1].plot(d_led, ds[f"{led}/mean_absorbed_ratio"], c + "--", label=f"{led}: crystal mean")
    ax[0].set_ylabel("fraction of the power leaving the LED")
    ax[1].set_ylabel("absorbed irradiance / LED exitance")
    for key, ls in (("spot_absorbed_ratio", "-"), ("mean_absorbed_ratio", "--"), ("mean_irradiance_ratio", ":")):
        ax[2].plot(d, ds[f"ratio_at_max_current/{key}"], "k" + ls, label=key.replace("_ratio", "") + " (at max current)")
    ax[2].axhline(1, color="0.6", lw=0.8)
    ax[2].set_ylabel("microcavity / standard")
    for a in ax:
        a.set_xlabel("coupling distance d (um)")
        a.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_pump_absorption(ds: dict, settings: dict):
    """Absorbed fraction of microcavity II against angle (pump_absorption.h5 datasets), tmm and Meep."""
    plt = _pyplot()
    t, sim = settings["transfer"], settings["simulation"]
    ang = ds["theta_deg"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(ang, ds["tmm/A_crystal_s"], "C0--", lw=1, label="A crystal, s (tmm)")
    ax.plot(ang, ds["tmm/A_crystal_p"], "C1--", lw=1, label="A crystal, p (tmm)")
    ax.plot(ang, ds["tmm_monochromatic/A_crystal"], "0.6", lw=0.8, label="A crystal, unpolarised, single wavelength (tmm)")
    ax.plot(ang, ds["tmm/A_crystal"], "k-", lw=2, label=f"A crystal, unpolarised, FWHM {t['pump_fwhm_nm']:g} nm (tmm)")
    ax.plot(ang, ds["tmm/R"], "C2:", label="R, unpolarised (tmm)")
    if "meep/theta_deg" in ds:
        ax.plot(ds["meep/theta_deg"], ds["meep/A"], "ro", label=f"A = 1-R-T, 1D Meep ({sim['resolution_1d_px_per_um']:g} px/um)")
        ax.plot(ds["meep/theta_deg"], ds["meep/tmm_meep_eps_A"], "bx", label="A, tmm with Meep's fitted permittivities")
    ax.set_xlabel("angle in the gap (deg)")
    ax.set_ylabel("fraction of incident pump power")
    ax.set_title(f"{t['absorber_stack']} lit from the gap at {t['pump_wavelength_nm']:g} nm")
    ax.set_xlim(0, 90)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7)
    return fig
