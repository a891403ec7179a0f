"""Figures of the mirror step: R, T, A of a DBR by 1D Meep against the transfer matrix."""

from __future__ import annotations

import numpy as np

from sims.stack_rta import POLARIZATIONS


def plot_mirror(result: dict):
    """R, T, A against wavelength: Meep (solid) vs tmm (dashed) at every simulated kx, s and p
    (without the oblique sweep: normal incidence only, the same run in both columns, s = p),
    and a last row of tmm alone at the configured angles (the angle dependence to expect).

    The Meep-vs-tmm comparison is shown where both were computed, at fixed kx (the angle
    changes along each curve, sin(theta) = kx / (n_below f)). Spectra interpolated onto fixed
    angles are stored in the HDF5 file but not plotted: with few kx they are not meaningful
    (the stop band moves between the kx nodes), see ``angle_interpolation_*`` in the metrics.

    Args:
        result: :func:`sims.mirror_spectra.compute_mirror_spectra` output.
    Returns:
        the matplotlib figure (the caller saves it with :func:`sims.results.save_figure`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wl = result["wavelength_nm"]
    kx = result["kx_um_inv"]
    n0 = result["n_below"]
    angles = result["settings"]["angles_deg"]
    oblique = result["oblique"]
    nrows = kx.size + 1
    fig, axes = plt.subplots(nrows, 2, figsize=(10, 2.4 * nrows + 0.6), sharex=True, sharey=True, squeeze=False)
    colors = {"R": "tab:blue", "T": "tab:orange", "A": "tab:green"}
    if not oblique:
        # Meep ran at normal incidence only (pure 1D, p = s): one panel pair of the same run
        for c, pol in enumerate(POLARIZATIONS):
            ax = axes[0, c]
            for q in "RTA":
                ax.plot(wl, result["normal"]["meep"][q], color=colors[q], lw=1.2, label=f"{q} Meep")
                ax.plot(wl, result["normal"]["tmm"][q], color=colors[q], lw=1.0, ls="--", label=f"{q} tmm")
            ax.set_title(f"{pol}, normal incidence (s = p: one 1D Meep run)", fontsize=8)
    for i, k in enumerate(kx if oblique else ()):
        for c, pol in enumerate(POLARIZATIONS):
            ax = axes[i, c]
            for q in "RTA":
                ax.plot(wl, result["sweep"][pol]["meep"][q][i], color=colors[q], lw=1.2, label=f"{q} Meep")
                ax.plot(wl, result["sweep"][pol]["tmm"][q][i], color=colors[q], lw=1.0, ls="--", label=f"{q} tmm")
            open_ = result["sweep"][pol]["meep"]["settle"][i] > result["settings"]["settle_tolerance"]
            if open_.any():
                ax.plot(wl[open_], result["sweep"][pol]["meep"]["R"][i][open_], "x", color="tab:red", ms=5,
                        label="Meep R not settled at the run's end")
            if k == 0:
                title = f"{pol}, normal incidence"
            else:
                u = k / (n0 * 1e3 / wl)
                ok = np.isfinite(result["sweep"][pol]["meep"]["R"][i])
                th = np.degrees(np.arcsin(u[ok])) if ok.any() else np.array([np.nan])
                title = (f"{pol}, kx = {k:.3f}/um: {np.nanmin(th):.0f}-{np.nanmax(th):.0f} deg in "
                         f"{result['settings']['below']} (computed where sin <= 0.94)")
            ax.set_title(title, fontsize=8)
    for c, pol in enumerate(POLARIZATIONS):
        ax = axes[-1, c]
        for a, ang in enumerate(angles):
            ax.plot(wl, result["angle"][pol]["tmm_exact"]["R"][a], lw=1.0, ls="--",
                    color=plt.cm.viridis(a / max(len(angles) - 1, 1)), label=f"R tmm {ang:g} deg")
        ax.set_title(f"{pol}: transfer matrix only, R at fixed angles in {result['settings']['below']}", fontsize=8)
        ax.legend(fontsize=7, loc="lower left")
        ax.set_xlabel("vacuum wavelength (nm)")
    for ax in axes.ravel():
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("fraction")
    axes[0, 0].legend(fontsize=7, ncol=3, loc="lower left")
    m = result["metrics"]
    what = ("1D Meep" if oblique else "1D Meep at normal incidence only")
    fig.suptitle(f"{m['mirror']} ({m['pairs']} pairs, {m['below']} | DBR | {m['above']}): {what} at "
                 f"{m['resolution_px_per_um']:g} px/um (solid) vs transfer matrix (dashed); "
                 f"normal-incidence RMS |dR| = {m['normal']['rms_dR']:.4f}"
                 + ("" if oblique else "\nangle dependence (last row): transfer matrix only"), fontsize=9)
    fig.tight_layout()
    return fig
