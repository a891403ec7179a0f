"""Figure of the optical constants: configured model vs the Meep medium built from it."""

from __future__ import annotations

import numpy as np


def plot_materials(results: dict[str, dict]):
    """One panel per material: n and k, model (lines) vs Meep (dots) vs reference (crosses).

    Args:
        results: :func:`sims.optical_constants.compare_all` output (material name -> arrays).
    Returns:
        the matplotlib figure (the caller saves it with :func:`sims.results.save_figure`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    cols = 4
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        r = results[name]
        wl = r["wavelength_nm"]
        ax.plot(wl, r["n_model"], "C0-", label="n model")
        ax.plot(wl, r["n_meep"], "C0.", ms=3, label="n Meep")
        axk = ax.twinx()
        axk.plot(wl, r["k_model"], "C3-", label="k model")
        axk.plot(wl, r["k_meep"], "C3.", ms=3, label="k Meep")
        if "ref_n" in r:
            ax.plot(r["ref_wavelength_nm"], r["ref_n"], "C0x", label="n reference")
            axk.plot(r["ref_wavelength_nm"], r["ref_k"], "C3x", label="k reference")
        ax.set_title(f"{name}: max|dn| {r['max_dn']:.3f}, |dk| {r['max_dk']:.3f}", fontsize=8)
        ax.set_xlabel("wavelength (nm)", fontsize=8)
        ax.set_ylabel("n", color="C0", fontsize=8)
        axk.set_ylabel("k", color="C3", fontsize=8)
        ax.tick_params(labelsize=7)
        axk.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle("Optical constants: configured model (lines), Meep medium (dots), reference (x)", fontsize=10)
    fig.tight_layout()
    return fig
