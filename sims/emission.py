"""Angular emission of a planar PeLED: incoherent dipoles in the emitter layer, by Meep and by transfer matrix.

Method (plane-wave expansion of a dipole in a planar stack): a point dipole is a
superposition of current sheets J exp(i 2 pi k_par . x) delta(z - z0); each sheet is a 1D
problem at fixed in-plane wavevector k_par. The planar stack does not mix polarizations, so
for k_par along one axis the in-plane dipole parallel to k_par radiates p (TM) waves, the
in-plane dipole perpendicular to it s (TE) waves and the vertical dipole p waves.
Refs: W. Lukosz, JOSA 71, 744 (1981); K. A. Neyts, JOSA A 15, 962 (1998); H. Benisty,
R. Stanley, M. Mayer, JOSA A 15, 1192 (1998). Meep model: the tutorial "Dipole emission of
an LED as a multilayer stack" (sweep of k_par in a cell with no lateral extent).

This module holds the emission config checks, the EL spectrum and the setup of an LED (its
stack with a lossless emitter, media, dipole planes and grids). The steps live in modules
named after what they compute: :mod:`sims.planar_green` (transfer-matrix sheet powers),
:mod:`sims.emission_meep_sweep` (the Meep k_par sweep), :mod:`sims.emission_tables` (angular
tables), :mod:`sims.emission_led` (the results of one LED), :mod:`sims.emission_nearfar` and
:mod:`sims.line_dipole` (the 2D near-to-far check); figures in :mod:`sims.plots.emission`.

Meep cell. Meep 1.25's 1D grid holds only Ex/Hy (no Ez, no Ey), so the "1D" cell here is
a 2D cell of zero lateral size (stack along y, as sims.geometry puts it) with the in-plane
wavevector out of plane, ``k_point = (0, 0, k_par)`` and ``kz_2d`` (Meep's
refl-angular-kz2d example). Components: vertical dipole = Ey (p); in-plane dipole along
k_par = Ez (p); in-plane dipole across k_par = Ex (s). One run per (position, k_par) holds
Ez + Ex together (s and p do not interfere: the z-flux is the sum), a second run holds Ey.
The s/p split of the escaping flux is read from DFT fields in the exit media
(|E_s|^2 versus |H_p|^2 / eps of the outgoing plane wave).

Units (Meep): length um, frequency f = 1/wavelength_um, k_par in cycles/um (no 2 pi),
so sin(theta) = k_par / (n f) in a medium of index n.

Jacobian (k_par -> solid angle). With P_sheet(k_par, f) the power per unit area of a unit
sheet, azimuthally averaged over the direction of k_par, a point dipole emits
    P_total(f) = integral d^2k_par P_sheet = 2 pi integral_0^inf k_par P_emit(k_par) dk_par,
and in a medium of index n, d^2k_par = k_par dk_par dphi = n^2 f^2 cos(theta) dOmega, so
    dP/dOmega (theta, f) = n^2 f^2 cos(theta) P_side(k_par = n f sin(theta), f).
Azimuthal averages: in-plane dipole (P_p + P_s) / 2 (each of x, y), vertical P_v; a mix with
weights w_in_plane + w_vertical = 1 (isotropic: 2/3, 1/3) gives
    P = w_in_plane (P_p + P_s) / 2 + w_vertical P_v.
The homogeneous-medium patterns follow: 3 (1 + cos^2 theta) / (16 pi) (in-plane, azimuth
averaged) and 3 sin^2 theta / (8 pi) (vertical), per unit dipole power (tested).

Incoherent emitters: dipoles at ``n_positions`` slice centres across the emitter
thickness, averaged with equal weight (uniform recombination, ASSUMED). The emitter layer
is lossless for the source (a dipole inside an absorbing medium has a divergent near-field
self-absorption; OLED/LED practice, reabsorption = photon recycling is not modelled):
its tabulated n with k = 0 is Lorentz-fitted over the band (fit error reported).

Spectrum (fixed-moment model): the intrinsic EL spectrum S(lambda) (Gaussian, peak and FWHM
from the config, unit integral) is the spectrum of the dipoles' |p|^2, so the power a dipole
emits at lambda is S(lambda) P_total(lambda) (Purcell reshaping included). Every EL-weighted
quantity is per unit of the EL-weighted total dipole power
    P_w = 2 pi integral k_par dk_par integral S(lambda) P_emit(k_par, lambda) dlambda,
with the wavelength integral done first at each k_par (the DFT spectrum of each run resolves
guided and plasmon resonances, which cross a k_par grid too coarse to resolve them at one
wavelength); e.g. intensity_per_sr(theta) = integral S n^2 f^2 cos(theta) P_side dlambda / P_w.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from sims.config import SIMULATED_BANDS, band_inside_data, register_check, stack_material_names

TWO_PI = 2.0 * math.pi
C_UM_PER_FS = 0.299792458
"""Speed of light in um/fs: converts the config's times (fs) to Meep time units (um/c)."""


# ---------------------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------------------
def emission_band_nm(config: dict) -> tuple[float, float]:
    em = config["emission"]
    return float(em["wavelength_min_nm"]), float(em["wavelength_max_nm"])


def _emission_bands(config):
    if "emission" in config:
        lo, hi = emission_band_nm(config)
        yield "emission.wavelength_min_nm", lo, hi


SIMULATED_BANDS.append(_emission_bands)


@register_check
def check_emission(config: dict):
    """Orientation weights sum to 1, emitter exists and is thick, band inside data and EL spectrum."""
    em = config.get("emission")
    if not em:
        return
    w = em["orientation"]
    total = w["in_plane"] + w["vertical"]
    if abs(total - 1.0) > 1e-3:
        yield "emission.orientation", (f"in_plane + vertical = {total:g}; the weights of the orientation mix "
                                       "must sum to 1 (isotropic: 0.6667 + 0.3333)")
    group = em["emitter_group"]
    if group not in config["layers"]:
        yield "emission.emitter_group", f"{group!r} is not a layer under layers"
        return
    if config["layers"][group]["thickness_nm"] <= 0:
        yield f"layers.{group}.thickness_nm", "the emitter layer must have a positive thickness"
    lo, hi = emission_band_nm(config)
    if lo >= hi:
        yield "emission.wavelength_min_nm", f"{lo:g} nm must be below emission.wavelength_max_nm = {hi:g} nm"
        return
    peak, fwhm = em["el_peak_nm"], em["el_fwhm_nm"]
    if not (lo + fwhm <= peak <= hi - fwhm):
        yield "emission.el_peak_nm", (f"EL peak {peak:g} nm with FWHM {fwhm:g} nm is not inside the simulated band "
                                      f"{lo:g}-{hi:g} nm (peak +- 1 FWHM must fit)")
    # leapfrog stability of the zero-width cell: c dt sqrt((2/dy)^2 + (2 pi kx)^2) / 2 <= 1
    res_min = min([em["resolution_px_per_um"]] + list(em.get("convergence_resolutions_px_per_um", [])))
    growth = em["courant"] * math.sqrt(1.0 + (math.pi * em["kx_max_per_um"] / res_min) ** 2)
    if growth >= 1.0:
        yield "emission.courant", (f"{em['courant']:g} is unstable at kx_max_per_um = {em['kx_max_per_um']:g} and "
                                   f"resolution {res_min:g} px/um: courant * sqrt(1 + (pi kx_max / "
                                   f"resolution)^2) = {growth:.4f} must stay below 1")
    for led, spec in em["leds"].items():
        if spec["stack"] not in config["stacks"]:
            yield f"emission.leds.{led}.stack", f"{spec['stack']!r} is not defined under stacks"
            continue
        if group not in config["stacks"][spec["stack"]]["items"]:
            yield f"emission.leds.{led}.stack", f"stack {spec['stack']!r} has no emitter layer {group!r}"
        for key, band in (("emission.wavelength_min_nm", (lo, lo + 1e-6)), ("emission.wavelength_max_nm", (hi - 1e-6, hi))):
            yield from band_inside_data(key, stack_material_names(config, spec["stack"]), band, config)


def el_spectrum_per_nm(wavelength_nm, peak_nm: float, fwhm_nm: float) -> np.ndarray:
    """Gaussian intrinsic EL spectrum, normalized to unit integral over the given grid (1/nm)."""
    wl = np.asarray(wavelength_nm, dtype=float)
    s = np.exp(-4.0 * math.log(2.0) * ((wl - peak_nm) / fwhm_nm) ** 2)
    return s / np.trapz(s, wl)


# ---------------------------------------------------------------------------------------
# stack preparation
# ---------------------------------------------------------------------------------------
def lossless_emitter_stack(stack, group: str):
    """The stack with the emitter group's material made lossless (k = 0, same n table)."""
    layers = []
    for lay in stack.layers:
        if lay.group == group:
            m = lay.material
            if m.model == "tabulated":
                m = replace(m, name=m.name + "_lossless", k_table=tuple(0.0 for _ in m.k_table))
            elif m.model == "constant":
                m = replace(m, name=m.name + "_lossless", k=0.0)
            else:
                raise ValueError(f"emitter material {m.name!r}: a lossless version of a meep-library "
                                 "material is not supported; use a tabulated or constant model")
            lay = replace(lay, material=m)
        layers.append(lay)
    return replace(stack, layers=tuple(layers))


def emitter_positions_um(stack, group: str, n_positions: int) -> np.ndarray:
    """Stack coordinates (um) of dipole planes: centres of n equal slices of the emitter."""
    z0, z1 = stack.group_span_um(group)
    return z0 + (np.arange(n_positions) + 0.5) * (z1 - z0) / n_positions


def kx_grid(em: dict, n_exit_max: float, n_max: float, f_max: float) -> np.ndarray:
    """In-plane wavevectors (cycles/um): radiative, trapped and evanescent ranges.

    Uniform in [0, n_exit_max f_max] (n_kx_radiative points, the light cone of the exit media),
    uniform up to 1.05 n_max f_max (n_kx_trapped; guided and plasmon modes), then uniform up to
    kx_max_per_um (n_kx_evanescent; near-field absorption in nearby metal).
    """
    k1 = n_exit_max * f_max
    k2 = 1.05 * n_max * f_max
    k3 = max(float(em["kx_max_per_um"]), k2 * 1.01)
    a = np.linspace(0.0, k1, int(em["n_kx_radiative"]))
    b = np.linspace(k1, k2, int(em["n_kx_trapped"]) + 1)[1:]
    c = np.linspace(k2, k3, int(em["n_kx_evanescent"]) + 1)[1:]
    return np.concatenate([a, b, c])


def led_setup(settings: dict, led: str, grids: bool = True) -> dict:
    """:func:`led_geometry` (``grids``) or :func:`led_media` (not ``grids``: no sweep grids, for
    settings without them) of the LED on its working stack (calibrated where cavity.calibration
    lists it, sims.cavity.working_config), plus that working config as ``wc``."""
    from sims import cavity as C

    wc = C.working_config(settings, settings["emission"]["leds"][led]["stack"])
    setup = led_geometry if grids else led_media
    return {"wc": wc, **setup(wc["config"], led, settings["emission"])}


def led_media(stack_config: dict, led: str, em: dict) -> dict:
    """The LED's stack as ``stack_config`` builds it with a lossless emitter, its exit side
    ("up"/"down"), exit and other media and their real indices at the EL peak; ``em`` (the
    emission section) is returned with ``_n_other`` added."""
    from sims.materials import refractive_index
    from sims.stack import build_stack

    spec = em["leds"][led]
    stack = lossless_emitter_stack(build_stack(stack_config, spec["stack"]), em["emitter_group"])
    side = "up" if spec["side"] == "above" else "down"
    exit_mat = stack.above if side == "up" else stack.below
    other_mat = stack.below if side == "up" else stack.above
    wl_peak_um = em["el_peak_nm"] / 1e3
    n_exit = float(np.real(refractive_index(exit_mat, wl_peak_um)))
    n_other = float(np.real(refractive_index(other_mat, wl_peak_um)))
    return {"stack": stack, "side": side, "exit_mat": exit_mat, "other_mat": other_mat,
            "n_exit": n_exit, "n_other": n_other, "em": dict(em, _n_other=n_other)}


def led_geometry(stack_config: dict, led: str, em: dict) -> dict:
    """Everything the k_par sweep and the tables of one LED are computed on, for the stack as
    ``stack_config`` gives it: :func:`led_media`, the band (um), dipole planes (um), DFT
    frequencies (1/um), Meep kx grid (cycles/um) and table angles (deg)."""
    from sims.materials import refractive_index

    media = led_media(stack_config, led, em)
    stack = media["stack"]
    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    wls = np.linspace(*band_um, 40)
    n_max = max(float(np.max(np.real(refractive_index(l.material, wls)))) for l in stack.layers)
    return {**media, "band_um": band_um,
            "positions": emitter_positions_um(stack, em["emitter_group"], int(em["n_positions"])),
            "freqs": np.linspace(fmin, fmax, int(em["n_wavelengths"])),
            "kx": kx_grid(em, max(media["n_exit"], media["n_other"]), n_max, fmax),
            "theta": np.linspace(0.0, 90.0, int(em["n_theta"]))}


def led_attrs(led: str, setup: dict) -> dict:
    """Attributes naming the LED, its exit medium and its stack's calibration (of :func:`led_setup`)."""
    from sims import cavity as C

    wc, spec = setup["wc"], setup["em"]["leds"][led]
    return {"led": led, "stack": spec["stack"], "exit_side": spec["side"], "exit_medium": setup["exit_mat"].name,
            "exit_medium_index": setup["n_exit"], "stack_mode_choice": wc["mode_choice"],
            "calibrated_parameter": C.calibration_label(wc["entry"]),
            "calibrated_value": wc["calibration"]["value"] if wc["calibration"] else float("nan")}
