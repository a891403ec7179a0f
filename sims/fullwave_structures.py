"""The reduced-scale structure of the full-wave transfer check and its sampling, from the config.

Geometry (stack axis vertical; Meep's 2D stack axis is y): the LED stack (microcavity I, glass
below), a NOA81 gap of thickness d and microcavity II (DBR2 / crystal / DBR3, air above), all
laterally infinite; mirrors optionally cut to ``mirror_pairs`` pairs, the emitter made
lossless (a source inside an absorber has a divergent self-absorption), and optionally every
dispersive layer rounded to whole FDTD pixels (Meep does not subpixel-smooth Lorentz/Drude
media) so that all three models see the structure the FDTD realises. Frequencies: the EL
band peak +- 1.5 FWHM with Gaussian EL weights.
"""

from __future__ import annotations

import math

import numpy as np


def build_structures(config: dict):
    """(full stack with the configured gap thickness, LED-alone stack, microcavity II stack,
    source stack coordinate) after trimming mirrors and making the emitter lossless."""
    from sims.emission import lossless_emitter_stack
    from sims.finite_crystal_2d import trim_mirrors
    from sims.stack import build_stack, Stack
    from sims.materials import materials_from_config

    fw = config["transfer_fullwave"]
    mats = materials_from_config(config)
    full = build_stack(config, fw["stack"], mats)
    if fw.get("mirror_pairs"):
        full = trim_mirrors(full, int(fw["mirror_pairs"]), fw["crystal_group"])
    full = lossless_emitter_stack(full, fw["emitter_group"])
    if fw.get("snap_dispersive_to_grid", False):
        full = snap_dispersive_layers(full, float(fw["resolution_px_per_um"]))
    groups = [l.group for l in full.layers]
    ig = groups.index(fw["gap_group"])
    led = Stack(full.name + "[led]", full.below, full.layers[ig].material, full.layers[:ig])
    ii = Stack(full.name + "[II]", full.layers[ig].material, full.above, full.layers[ig + 1:])
    z0, z1 = full.group_span_um(fw["emitter_group"])
    return full, led, ii, 0.5 * (z0 + z1)


def snap_dispersive_layers(stack, resolution_px_per_um: float):
    """The stack with every dispersive layer (``Material.is_dispersive``: tabulated or Meep-library,
    i.e. a Lorentz/Drude medium in Meep, whose susceptibilities Meep does not subpixel-smooth)
    rounded to a whole number of pixels (at least one) at this resolution: the structure the
    FDTD realises whatever the grid offset (a layer of m pixels covers exactly m grid points),
    so the plane-wave and ray models can be given the same one. Other layers keep their
    thickness (Meep smooths their interfaces)."""
    from dataclasses import replace

    layers = tuple(replace(l, thickness_um=max(1, round(l.thickness_um * resolution_px_per_um)) / resolution_px_per_um)
                   if l.material.is_dispersive else l for l in stack.layers)
    return replace(stack, layers=layers)


def frequencies(fw: dict) -> tuple[np.ndarray, np.ndarray]:
    """(wavelengths nm, EL weights) of the compared frequencies: n_frequencies over
    peak +- 1.5 FWHM (one: the peak)."""
    n = int(fw["n_frequencies"])
    if n == 1:
        wl = np.array([float(fw["el_peak_nm"])])
    else:
        wl = fw["el_peak_nm"] + np.linspace(-1.5, 1.5, n) * fw["el_fwhm_nm"]
    return wl, el_weights(wl, fw["el_peak_nm"], fw["el_fwhm_nm"])



def fit_band_um(fw: dict) -> tuple[float, float]:
    """Wavelength band (um) of the Lorentz fits, shared by the FDTD and the plane-wave models."""
    lo = fw["el_peak_nm"] - 1.5 * fw["el_fwhm_nm"]
    hi = fw["el_peak_nm"] + 1.5 * fw["el_fwhm_nm"]
    return (0.95 * lo / 1e3, 1.05 * hi / 1e3)


def fdtd_half_width_um(fw: dict) -> float:
    """Half-width of the lateral range the profiles cover (inside the PML)."""
    return fw["crystal_width_um"] / 2 + fw["emitting_width_um"] / 2 + fw["margin_um"]


def el_weights(wavelength_nm, peak_nm: float, fwhm_nm: float) -> np.ndarray:
    """Gaussian EL weights (sum 1) at these wavelengths (nm); equal weights for one wavelength
    or a zero width."""
    wl = np.asarray(wavelength_nm, float)
    if wl.size == 1 or fwhm_nm <= 0:
        return np.ones(wl.size) / wl.size
    w = np.exp(-4 * math.log(2) * ((wl - peak_nm) / fwhm_nm) ** 2)
    return w / w.sum()
