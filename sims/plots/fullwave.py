"""Figure of the full-wave transfer check (``sims.transfer_fullwave.fullwave_check``).

The function returns a matplotlib figure (Agg backend); the entry script saves it with
:func:`sims.results.save_figure`.
"""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fullwave_figure(fw: dict, ds: dict, tol: float):
    """Three panels against the gap d: EL-weighted crystal-window totals of the four models (and
    the broadband series on the DBRs as configured); strip profiles at the FDTD distances
    (absorbed per um); the ratios to the plane-wave solution with the tolerance band.

    Args:
        fw: the ``transfer_fullwave`` settings; ds: the datasets of ``fullwave_check``;
        tol: agreement tolerance (relative).
    """
    plt = _pyplot()
    edges, d_all, d_fd = ds["bin_edges_um"], ds["distance_um"], ds["fdtd/distance_um"]
    c = 0.5 * (edges[1:] + edges[:-1])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    ax = axes[0]
    for k, st in (("coherent", "C0-"), ("multipass", "C2--"), ("radiometric", "C1-")):
        ax.plot(d_all, ds[f"{k}/window_el"], st, marker=".", label=k if k != "coherent" else "plane-wave (exact)")
    ax.plot(d_fd, ds["fdtd/window_el"], "ks", mfc="none", label="FDTD")
    ax.plot(d_all, ds["full_stack/coherent/window_el"], "C0:", marker="x", label="plane-wave, DBRs as configured, broadband")
    ax.plot(d_all, ds["full_stack/multipass/window_el"], "C2:", label="multipass, DBRs as configured")
    ax.plot(d_all, ds["full_stack/radiometric/window_el"], "C1:", label="radiometric, DBRs as configured")
    ax.set_xscale("log")
    ax.set_xlabel("gap d (um)")
    ax.set_ylabel("absorbed in crystal window / power into gap")
    ax.set_title("EL-weighted, crystal window")
    ax.legend(fontsize=7)
    ax = axes[1]
    for i, d in enumerate(d_fd):
        j = int(np.searchsorted(d_all, d))
        ax.plot(c, ds["fdtd/profile_el"][i] / fw["bin_um"], f"C{i}-", lw=1.5, label=f"FDTD d={d:g}")
        ax.plot(c, ds["coherent/profile_el"][j] / fw["bin_um"], f"C{i}:", lw=1)
        ax.plot(c, ds["radiometric/profile_el"][j] / fw["bin_um"], f"C{i}--", lw=1)
    ax.axvspan(-fw["crystal_width_um"] / 2, fw["crystal_width_um"] / 2, color="0.9", zorder=0)
    ax.set_xlim(-fw["crystal_width_um"] / 2 - fw["margin_um"], fw["crystal_width_um"] / 2 + fw["margin_um"])
    ax.set_xlabel("x (um)")
    ax.set_ylabel("absorbed per um / power into gap")
    ax.set_title("profiles (solid FDTD, dotted plane-wave, dashed radiometric)", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    ax.plot(d_all, ds["ratio/radiometric_over_coherent_el"], "C1.-", label="radiometric / plane-wave (EL)")
    ax.plot(d_all, ds["ratio/radiometric_over_coherent_peak"], "C1:", label="same, EL peak only")
    ax.plot(d_all, ds["ratio/multipass_over_coherent_el"], "C2.--", label="multipass / plane-wave (EL)")
    ax.plot(d_fd, ds["ratio/coherent_over_fdtd_el"], "ks", mfc="none", label="plane-wave / FDTD (EL)")
    ax.plot(d_all, ds["full_stack/radiometric/window_el"] / ds["full_stack/coherent/window_el"], "C3x-",
            label="radiometric / plane-wave, DBRs as configured, broadband")
    ax.plot(d_all, ds["full_stack/multipass/window_el"] / ds["full_stack/coherent/window_el"], "C4x--",
            label="multipass / plane-wave, same")
    ax.axhspan(1 - tol, 1 + tol, color="0.9", zorder=0)
    ax.axhline(1, color="0.5", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("gap d (um)")
    ax.set_ylabel("ratio")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
