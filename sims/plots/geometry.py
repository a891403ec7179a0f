"""Figure of what Meep simulates: eps(z) and eps(x, z) of a stack on Meep's grids."""

from __future__ import annotations


def plot_permittivity(maps: dict, title: str):
    """Re eps(z) on the 1D grid (left) and Re eps(x, z) on the 2D grid (right).

    Args:
        maps: :func:`sims.permittivity_map.permittivity_maps` output.
        title: the stack's name, shown in the first panel's title.
    Returns:
        the matplotlib figure (the caller saves it with :func:`sims.results.save_figure`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    a1.plot(maps["z_um"], maps["eps_1d"], lw=0.8)
    a1.set_xlabel("z (um), 0 = bottom of the first layer")
    a1.set_ylabel("Re eps (1D grid)")
    a1.set_title(f"{title}: eps(z) at {maps['wavelength_um'] * 1e3:.0f} nm", fontsize=9)
    im = a2.imshow(maps["eps_2d"].T, origin="lower", aspect="auto", cmap="viridis",
                   extent=[maps["x_um"][0], maps["x_um"][-1], maps["z2_um"][0], maps["z2_um"][-1]])
    a2.set_xlabel("x (um)")
    a2.set_ylabel("z (um)")
    a2.set_title(f"eps(x, z), gap drawn {maps['gap_2d_um']:g} um", fontsize=9)
    fig.colorbar(im, ax=a2, label="Re eps")
    fig.tight_layout()
    return fig
