"""Angular emission of a planar PeLED: incoherent dipoles in the emitter layer, by Meep and by transfer matrix.

Method (plane-wave expansion of a dipole in a planar stack): a point dipole is a
superposition of current sheets J exp(i 2 pi k_par . x) delta(z - z0); each sheet is a 1D
problem at fixed in-plane wavevector k_par. The planar stack does not mix polarizations, so
for k_par along one axis the in-plane dipole parallel to k_par radiates p (TM) waves, the
in-plane dipole perpendicular to it s (TE) waves and the vertical dipole p waves.
Refs: W. Lukosz, JOSA 71, 744 (1981); K. A. Neyts, JOSA A 15, 962 (1998); H. Benisty,
R. Stanley, M. Mayer, JOSA A 15, 1192 (1998). Meep model: the tutorial "Dipole emission of
an LED as a multilayer stack" (sweep of k_par in a cell with no lateral extent).

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
import time
from dataclasses import replace

import numpy as np

from sims.config import SIMULATED_BANDS, band_inside_data, register_check, stack_material_names

TWO_PI = 2.0 * math.pi


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


# ---------------------------------------------------------------------------------------
# transfer-matrix (plane-wave expansion) reference
# ---------------------------------------------------------------------------------------
def _kz(eps, k0, kx):
    kz = np.sqrt(eps * k0**2 - kx**2 + 0j)
    return np.where(kz.imag < 0, -kz, kz)


def _gamma(pol: str, kz, eps, omega):
    """phi / psi ratio of an up-going wave: TE (psi=Ey, phi=Hx): -kz/w; TM (psi=Hy, phi=Ex): kz/(w eps)."""
    return -kz / omega if pol == "s" else kz / (omega * eps)


def _halfstack(eps_list, d_list, eps_exit, k0, kx, pol):
    """Reflection Gamma and transmission tau (exit amplitude per unit up-going amplitude) seen
    from the source plane looking through layers (eps_list, d_list, nearest first) into an exit
    medium. Stable Airy recursion (|exp(i kz d)| <= 1)."""
    omega = k0
    eps_all = list(eps_list) + [eps_exit]
    d_all = list(d_list) + [0.0]
    gam = 0.0 + 0j
    tau = 1.0 + 0j
    # from the exit medium down to the first layer
    for j in range(len(eps_all) - 1, 0, -1):
        i = j - 1
        kzj, kzi = _kz(eps_all[j], k0, kx), _kz(eps_all[i], k0, kx)
        gj, gi = _gamma(pol, kzj, eps_all[j], omega), _gamma(pol, kzi, eps_all[i], omega)
        r = (gi - gj) / (gi + gj)
        t = 2 * gi / (gi + gj)
        ph = np.exp(1j * kzj * d_all[j])
        gp = gam * ph * ph
        den = 1.0 + r * gp
        tau = t * ph * tau / den
        gam = (r + gp) / den
    # the source medium itself: the first layer (a slice of the source medium)
    kz0 = _kz(eps_all[0], k0, kx)
    ph = np.exp(1j * kz0 * d_all[0])
    return gam * ph * ph, tau * ph


def tmm_sheet_powers(eps_below: list, d_below: list, eps_above: list, d_above: list, eps_src: complex,
                     eps_bot_exit: complex, eps_top_exit: complex, f: float, kx: float, kind: str) -> dict:
    """Powers of a unit current sheet exp(i 2 pi kx x) delta(z - z0) in a planar stack.

    Args:
        eps_below, d_below: permittivities and thicknesses (um) of the layers below the source,
            nearest first (the first is the slice of the source layer).
        eps_above, d_above: the same above the source.
        eps_src: permittivity at the source (lossless).
        eps_bot_exit, eps_top_exit: semi-infinite media.
        f: frequency 1/um; kx: in-plane wavevector(s), cycles/um (scalar or array).
        kind: "p" (in-plane along k), "s" (in-plane across k), "v" (vertical).
    Returns:
        dict emitted, up (into the top medium), down (into the bottom medium), absorbed; the
        same units as Meep's flux of a unit sheet up to one constant common to all kinds.
    """
    k0 = TWO_PI * f
    kx = np.asarray(kx, dtype=float)
    kxa = TWO_PI * kx
    pol = "s" if kind == "s" else "p"
    G_up, tau_up = _halfstack(eps_above, d_above, eps_top_exit, k0, kxa, pol)
    G_dn, tau_dn = _halfstack(eps_below, d_below, eps_bot_exit, k0, kxa, pol)
    kz = _kz(eps_src, k0, kxa)
    g = _gamma(pol, kz, eps_src, k0)
    # jump (psi+ - psi-, phi+ - phi-); below the source z -> -z flips the sign of phi
    if kind == "s":
        dpsi, dphi = 0.0, 1.0
    elif kind == "p":
        dpsi, dphi = -1.0, 0.0
    else:
        dpsi, dphi = 0.0, kx / (f * eps_src)
    # A_up (up-going above), A_dn (down-going below), both at z0:
    # psi: A_up (1 + G_up) - A_dn (1 + G_dn) = dpsi ; phi: g A_up (1 - G_up) + g A_dn (1 - G_dn) = dphi
    a11, a12 = 1 + G_up, -(1 + G_dn)
    a21, a22 = g * (1 - G_up), g * (1 - G_dn)
    det = a11 * a22 - a12 * a21
    A_up = (dpsi * a22 - a12 * dphi) / det
    A_dn = (a11 * dphi - a21 * dpsi) / det
    sigma = -1.0 if pol == "s" else 1.0

    def sz(psi, phi):
        return 0.5 * sigma * np.real(phi * np.conj(psi))

    s_plus = sz(A_up * (1 + G_up), g * A_up * (1 - G_up))
    s_minus = sz(A_dn * (1 + G_dn), -g * A_dn * (1 - G_dn))
    emitted = s_plus - s_minus

    def exit_power(amp, eps_exit):
        kz_e = _kz(eps_exit, k0, kxa)
        return 0.5 * np.abs(amp) ** 2 * np.real(sigma * _gamma(pol, kz_e, eps_exit, k0))

    up = exit_power(tau_up * A_up, eps_top_exit)
    down = exit_power(tau_dn * A_dn, eps_bot_exit)
    return {"emitted": emitted, "up": up, "down": down, "absorbed": emitted - up - down}


def _split_stack(stack, z_src_um: float, wavelength_um: float, eps_src_override=None):
    """Permittivity/thickness lists below and above a source plane (nearest first)."""
    from sims.materials import refractive_index

    z = stack.interfaces_um
    eps = [complex(refractive_index(l.material, wavelength_um)) ** 2 for l in stack.layers]
    d = [l.thickness_um for l in stack.layers]
    i = int(np.searchsorted(z, z_src_um, side="right") - 1)
    i = min(max(i, 0), len(d) - 1)
    eps_src = eps[i] if eps_src_override is None else eps_src_override
    above_e = [eps_src] + eps[i + 1:]
    above_d = [z[i + 1] - z_src_um] + d[i + 1:]
    below_e = [eps_src] + eps[:i][::-1]
    below_d = [z_src_um - z[i]] + d[:i][::-1]
    eb = complex(refractive_index(stack.below, wavelength_um)) ** 2
    ea = complex(refractive_index(stack.above, wavelength_um)) ** 2
    return below_e, below_d, above_e, above_d, eps_src, eb, ea


def tmm_sweep(stack, positions_um, kx, freqs) -> dict:
    """Sheet powers on a (position, kx, f) grid by transfer matrix, for kinds p, s, v.

    Returns dict kind -> dict channel -> array (n_pos, n_kx, n_f); channels emitted, up, down,
    absorbed, up_s, down_s (the s-polarized parts: all of kind s, none of p, v).
    """
    out = {}
    for kind in ("p", "s", "v"):
        arr = {c: np.zeros((len(positions_um), len(kx), len(freqs))) for c in ("emitted", "up", "down", "absorbed")}
        for ip, zs in enumerate(positions_um):
            for jf, f in enumerate(freqs):
                parts = _split_stack(stack, zs, 1.0 / f)
                r = tmm_sheet_powers(*parts, f=f, kx=np.asarray(kx, dtype=float), kind=kind)
                for c in arr:
                    arr[c][ip, :, jf] = r[c]
        out[kind] = arr
    return out


# ---------------------------------------------------------------------------------------
# Meep k-sweep
# ---------------------------------------------------------------------------------------
def _lossy_boundaries(stack, band_um) -> list[tuple[float, float]]:
    """(s_bottom, s_top) of each contiguous run of absorbing layers."""
    from sims.materials import refractive_index

    spans, cur = [], None
    z = stack.interfaces_um
    for i, lay in enumerate(stack.layers):
        m = lay.material
        lossy = m.model == "meep" or float(np.max(np.imag(refractive_index(m, np.linspace(*band_um, 5))))) > 0
        if lossy:
            cur = (cur[0], z[i + 1]) if cur else (z[i], z[i + 1])
        elif cur:
            spans.append(cur)
            cur = None
    if cur:
        spans.append(cur)
    return [(float(a), float(b)) for a, b in spans]


MEEP_DEFAULT_COURANT = 0.5


def meep_sheet_run(layout, stack, kx: float, z_src_um: float, kind: str, *, courant: float = MEEP_DEFAULT_COURANT,
                   **kw) -> dict:
    """One Meep run: a current sheet at in-plane wavevector kx (cycles/um) at stack coordinate z_src_um.

    kind "h": Ez (p, along k) + Ex (s, across k) sources together; kind "v": Ey (vertical).
    ``courant``: c dt / dx. The zero-width cell is stable below 1 / sqrt(1 + (pi kx / resolution)^2)
    (checked with the config), but the Drude-Lorentz media (meep.materials Au) lower the limit at
    coarse grids (measured, standard PeLED: 0.9 diverged at 100 px/um, 0.95 stable at 200): a run
    whose fields diverge is rerun at Meep's default 0.5, and ``courant`` in the result says which ran.
    Returns dict of arrays (n_freq) over frequencies ascending: emitted, up, down, absorbed,
    up_sfrac, down_sfrac (s-polarized fraction of the escaping flux), and freq. The monitors
    hold n_freq frequencies evenly spread over band_um, or the given ``freqs`` (1/um, ascending).
    """
    try:
        out = _sheet_run(layout, stack, kx, z_src_um, kind, courant=courant, **kw)
    except RuntimeError as err:
        if "NaN" not in str(err) or courant <= MEEP_DEFAULT_COURANT:
            raise
        out = _sheet_run(layout, stack, kx, z_src_um, kind, courant=MEEP_DEFAULT_COURANT, **kw)
    return out


def _sheet_run(layout, stack, kx: float, z_src_um: float, kind: str, *, resolution: float,
               band_um: tuple, n_freq: int, decay_threshold: float, max_time_after_sources: float,
               pad_um: float, kz_2d: str = "complex", freqs=None, courant: float = MEEP_DEFAULT_COURANT) -> dict:
    import meep as mp

    mp.verbosity(0)
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    fcen, df = 0.5 * (fmin + fmax), fmax - fmin
    ys = layout.axis_coord(z_src_um)
    src = mp.GaussianSource(fcen, fwidth=1.2 * df)
    comps = [mp.Ez, mp.Ex] if kind == "h" else [mp.Ey]
    sources = [mp.Source(src, component=c, center=mp.Vector3(0, ys)) for c in comps]
    # at k = 0 Meep falls back to real fields (a different flux normalization): use a tiny k instead
    kx = max(float(kx), 1e-4)
    sim = mp.Simulation(cell_size=layout.cell_size, geometry=layout.geometry, boundary_layers=layout.pml_layers,
                        resolution=resolution, k_point=mp.Vector3(z=kx), kz_2d=kz_2d, sources=sources,
                        force_complex_fields=False, Courant=courant)
    if freqs is not None:
        freqs = np.sort(np.asarray(freqs, dtype=float))
        n_freq = len(freqs)
    dft_f = (fcen, df, n_freq) if freqs is None else (freqs,)

    def fr(y):
        return mp.FluxRegion(center=mp.Vector3(0, y), direction=mp.Y)

    dy = 2.0 / resolution
    y_top = layout.axis_coord(stack.thickness_um + 0.5 * pad_um)
    y_bot = layout.axis_coord(-0.5 * pad_um)
    mons = {"top": sim.add_flux(*dft_f, fr(y_top)),
            "bot": sim.add_flux(*dft_f, fr(y_bot)),
            "src_up": sim.add_flux(*dft_f, fr(ys + dy)),
            "src_dn": sim.add_flux(*dft_f, fr(ys - dy))}
    lossy = _lossy_boundaries(stack, band_um)
    for i, (a, b) in enumerate(lossy):
        mons[f"l{i}a"] = sim.add_flux(*dft_f, fr(layout.axis_coord(a)))
        mons[f"l{i}b"] = sim.add_flux(*dft_f, fr(layout.axis_coord(b)))
    dft = {}
    if kind == "h":
        for name, y in (("top", y_top), ("bot", y_bot)):
            dft[name] = sim.add_dft_fields([mp.Ex, mp.Hx], *dft_f, center=mp.Vector3(0, y),
                                           size=mp.Vector3())
    stop = mp.stop_when_fields_decayed(10, comps[0], mp.Vector3(0, y_top), decay_threshold)
    def capped(s):
        return stop(s) or s.meep_time() > cap[0]

    cap = [0.0]
    sim.init_sim()
    cap[0] = sim.fields.last_source_time() + max_time_after_sources
    sim.run(until_after_sources=capped)
    flux = {k: np.asarray(mp.get_fluxes(v)) for k, v in mons.items()}
    freqs = np.asarray(mp.get_flux_freqs(mons["top"]))
    out = {"freq": freqs, "emitted": flux["src_up"] - flux["src_dn"], "up": flux["top"], "down": -flux["bot"]}
    absorbed = np.zeros_like(freqs)
    for i in range(len(lossy)):
        absorbed += flux[f"l{i}a"] - flux[f"l{i}b"]
    out["absorbed"] = absorbed
    if kind == "h":
        for name, key in (("top", "up_sfrac"), ("bot", "down_sfrac")):
            e2 = np.array([abs(complex(np.asarray(sim.get_dft_array(dft[name], mp.Ex, j)).ravel()[0])) ** 2
                           for j in range(n_freq)])
            h2 = np.array([abs(complex(np.asarray(sim.get_dft_array(dft[name], mp.Hx, j)).ravel()[0])) ** 2
                           for j in range(n_freq)])
            medium = stack.above if name == "top" else stack.below
            from sims.materials import refractive_index

            eps = np.real(refractive_index(medium, 1.0 / freqs)) ** 2
            tot = e2 + h2 / eps
            out[key] = np.where(tot > 0, e2 / np.where(tot > 0, tot, 1.0), 0.5)
    else:
        out["up_sfrac"] = np.zeros_like(freqs)
        out["down_sfrac"] = np.zeros_like(freqs)
    out["meep_time"] = float(sim.meep_time())
    out["courant"] = float(courant)
    sim.reset_meep()
    return out


def led_setup(settings: dict, led: str) -> dict:
    """:func:`led_geometry` of the LED on its working stack (calibrated where cavity.calibration
    lists it, sims.cavity.working_config), plus that working config as ``wc``."""
    from sims import cavity as C

    wc = C.working_config(settings, settings["emission"]["leds"][led]["stack"])
    return {"wc": wc, **led_geometry(wc["config"], led, settings["emission"])}


def led_geometry(stack_config: dict, led: str, em: dict) -> dict:
    """Everything the k_par sweep and the tables of one LED are computed on, for the stack as
    ``stack_config`` gives it: the stack with a lossless emitter, its exit and other media and
    their indices at the EL peak, dipole planes, DFT frequencies (1/um), Meep kx grid
    (cycles/um), table angles (deg). ``em`` is the emission section; the returned ``em`` adds
    ``_n_other``."""
    from sims.materials import refractive_index
    from sims.stack import build_stack

    spec = em["leds"][led]
    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    stack = lossless_emitter_stack(build_stack(stack_config, spec["stack"]), em["emitter_group"])
    side = "up" if spec["side"] == "above" else "down"
    exit_mat = stack.above if side == "up" else stack.below
    other_mat = stack.below if side == "up" else stack.above
    wl_peak_um = em["el_peak_nm"] / 1e3
    n_exit = float(np.real(refractive_index(exit_mat, wl_peak_um)))
    n_other = float(np.real(refractive_index(other_mat, wl_peak_um)))
    fmin, fmax = 1.0 / band_um[1], 1.0 / band_um[0]
    wls = np.linspace(*band_um, 40)
    n_max = max(float(np.max(np.real(refractive_index(l.material, wls)))) for l in stack.layers)
    return {"stack": stack, "side": side, "exit_mat": exit_mat, "other_mat": other_mat,
            "n_exit": n_exit, "n_other": n_other, "band_um": band_um, "em": dict(em, _n_other=n_other),
            "positions": emitter_positions_um(stack, em["emitter_group"], int(em["n_positions"])),
            "freqs": np.linspace(fmin, fmax, int(em["n_wavelengths"])),
            "kx": kx_grid(em, max(n_exit, n_other), n_max, fmax),
            "theta": np.linspace(0.0, 90.0, int(em["n_theta"]))}


def sweep_part_datasets(results) -> tuple[dict, dict]:
    """(datasets, units) of a part of the sweep, for a file that :func:`sweep_part_results` reads."""
    ds = {"task/position_index": [t[0] for t, _ in results], "task/kx_index": [t[1] for t, _ in results],
          "task/kind_is_v": [int(t[2] == "v") for t, _ in results],
          "frequency_per_um": results[0][1]["freq"] if results else np.zeros(0)}
    units = {"task/position_index": "index into the dipole planes", "task/kx_index": "index into the kx grid",
             "task/kind_is_v": "0: h run (Ez + Ex sheet), 1: v run (Ey sheet)", "frequency_per_um": "1/um"}
    for c in SWEEP_CHANNELS:
        ds[f"run/{c}"] = np.array([r[c] for _, r in results]).reshape(len(results), -1)
        units[f"run/{c}"] = "Meep flux of a unit sheet (run x frequency); s fractions: 1"
    for k, u in (("seconds", "s (wall)"), ("meep_time", "um/c (Meep time)"), ("courant", "1 (c dt / dx)")):
        ds[f"run/{k}"] = np.array([r[k] for _, r in results], float)
        units[f"run/{k}"] = u
    return ds, units


def sweep_part_results(data: dict) -> list[tuple[tuple, dict]]:
    """Task results from the datasets of one part file (inverse of :func:`sweep_part_datasets`)."""
    out = []
    for i, (ip, ik, v) in enumerate(zip(data["task/position_index"], data["task/kx_index"], data["task/kind_is_v"])):
        r = {c: np.asarray(data[f"run/{c}"][i]) for c in SWEEP_CHANNELS}
        r.update({k: float(data[f"run/{k}"][i]) for k in ("seconds", "meep_time", "courant")})
        r["freq"] = np.asarray(data["frequency_per_um"])
        out.append(((int(ip), int(ik), "v" if v else "h"), r))
    return out


SWEEP_CHANNELS = ("emitted", "up", "down", "absorbed", "up_sfrac", "down_sfrac")
KINDS = ("h", "v")


def sweep_tasks(n_positions: int, n_kx: int, part: int = 0, parts: int = 1) -> list[tuple[int, int, str]]:
    """The (position index, kx index, kind) runs of the k_par sweep, every ``parts``-th from ``part``
    (interleaves cheap large-kx and expensive small-kx runs over the parts)."""
    tasks = [(ip, ik, kind) for ip in range(n_positions) for ik in range(n_kx) for kind in KINDS]
    return tasks[part::parts]


def run_sweep_tasks(stack, positions_um, kx, em: dict, tasks, *, resolution: float, pml_um: float,
                    decay_threshold: float) -> list[tuple[tuple, dict]]:
    """Run the given sweep tasks one after the other in this process (one Meep import, one layout).

    Returns [((ip, ik, kind), run result with "seconds")] (see :func:`meep_sheet_run`)."""
    from sims.geometry import stack_layout

    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    layout = stack_layout(stack, "2d", pml_um=pml_um, pad_below_um=em["pad_um"], pad_above_um=em["pad_um"],
                          lateral_um=0.0, band_um=band_um, wavelength_ref_um=em["el_peak_nm"] / 1e3)
    results = []
    for ip, ik, kind in tasks:
        t0 = time.perf_counter()
        r = meep_sheet_run(layout, stack, float(kx[ik]), float(positions_um[ip]), kind, resolution=resolution,
                           band_um=band_um, n_freq=int(em["n_wavelengths"]), decay_threshold=decay_threshold,
                           max_time_after_sources=em["max_time_after_sources_fs"] * 0.299792458,
                           pad_um=em["pad_um"], kz_2d=em["kz_2d"], courant=em["courant"])
        r["seconds"] = time.perf_counter() - t0
        results.append(((ip, ik, kind), r))
    return results


def assemble_sweep(results, n_positions: int, n_kx: int, n_freq: int) -> dict:
    """Sweep arrays from task results: kind -> channel -> (n_pos, n_kx, n_f), plus "freq" and the
    per-run "seconds", "meep_time", "courant" (n_pos, n_kx, 2: h, v). Every task must be present."""
    out = {k: {c: np.zeros((n_positions, n_kx, n_freq)) for c in SWEEP_CHANNELS} for k in KINDS}
    per_run = {k: np.zeros((n_positions, n_kx, 2)) for k in ("seconds", "meep_time", "courant")}
    done = set()
    for (ip, ik, kind), r in results:
        for c in SWEEP_CHANNELS:
            out[kind][c][ip, ik] = r[c]
        for k in per_run:
            per_run[k][ip, ik, KINDS.index(kind)] = r[k]
        out["freq"] = r["freq"]
        done.add((ip, ik, kind))
    missing = set(sweep_tasks(n_positions, n_kx)) - done
    if missing:
        raise ValueError(f"the k_par sweep lacks {len(missing)} of its runs, e.g. {sorted(missing)[:3]}")
    out.update(per_run)
    return out


def meep_sweep(stack, positions_um, kx, em: dict, *, resolution: float, pml_um: float,
               decay_threshold: float, comm=None) -> dict:
    """All (position, kx, kind) Meep runs, split over MPI ranks (one serial run per rank at a time).

    Each rank runs its share of the tasks in one process (meep.divide_parallel_processes);
    results are gathered with mpi4py. Returns :func:`assemble_sweep` of all runs. (The workflow
    splits the sweep into Snakemake jobs instead: :func:`sweep_tasks` with part/parts.)
    """
    import meep as mp

    mp.verbosity(0)
    size, rank = (comm.Get_size(), comm.Get_rank()) if comm is not None else (1, 0)
    if size > 1:
        mp.divide_parallel_processes(size)
    mine = sweep_tasks(len(positions_um), len(kx), rank, size)
    results = run_sweep_tasks(stack, positions_um, kx, em, mine, resolution=resolution, pml_um=pml_um,
                              decay_threshold=decay_threshold)
    if comm is not None and size > 1:
        gathered = comm.allgather(results)
        results = [x for part in gathered for x in part]
    return assemble_sweep(results, len(positions_um), len(kx), int(em["n_wavelengths"]))


def resolution_convergence(stack, em: dict, side: str, n_exit: float, pml_um: float, decay_threshold: float) -> dict:
    """One kx (half the exit light cone at the EL peak), middle dipole plane: the escaped fraction
    of each run kind against resolution (emission.convergence_resolutions_px_per_um), and the
    transfer matrix's value; at the middle frequency of 5 over the band."""
    from sims.geometry import stack_layout

    band_um = (em["wavelength_min_nm"] / 1e3, em["wavelength_max_nm"] / 1e3)
    kx = 0.5 * n_exit * 1e3 / em["el_peak_nm"]
    z = emitter_positions_um(stack, em["emitter_group"], 1)[0]
    layout = stack_layout(stack, "2d", pml_um=pml_um, pad_below_um=em["pad_um"], pad_above_um=em["pad_um"],
                          lateral_um=0.0, band_um=band_um, wavelength_ref_um=em["el_peak_nm"] / 1e3)
    rows = {"resolution_px_per_um": [], "h_side_fraction": [], "v_side_fraction": [], "courant": []}
    freqs = None
    for res in em["convergence_resolutions_px_per_um"]:
        rows["resolution_px_per_um"].append(res)
        for kind in KINDS:
            r = meep_sheet_run(layout, stack, kx, z, kind, resolution=res, band_um=band_um, n_freq=5,
                               decay_threshold=decay_threshold, courant=em["courant"],
                               max_time_after_sources=em["max_time_after_sources_fs"] * 0.299792458,
                               pad_um=em["pad_um"], kz_2d=em["kz_2d"])
            rows[f"{kind}_side_fraction"].append(r[side][2] / r["emitted"][2])
            freqs = r["freq"]
        rows["courant"].append(r["courant"])
    tm = tmm_sweep(stack, [z], [kx], freqs[2:3])
    out = {k: np.asarray(v, float) for k, v in rows.items()}
    out["h_side_fraction_tmm"] = np.asarray((tm["p"][side] + tm["s"][side])[0, 0, 0] /
                                            (tm["p"]["emitted"] + tm["s"]["emitted"])[0, 0, 0])
    out["v_side_fraction_tmm"] = np.asarray(tm["v"][side][0, 0, 0] / tm["v"]["emitted"][0, 0, 0])
    out["kx_per_um"] = np.asarray(kx)
    out["wavelength_nm"] = np.asarray(1e3 / freqs[2])
    return out


# ---------------------------------------------------------------------------------------
# from sheet powers to angular tables
# ---------------------------------------------------------------------------------------
def combine_orientations(sweep: dict, w_in_plane: float, w_vertical: float, source: str) -> dict:
    """Position-averaged, orientation-weighted sheet powers per channel, (n_kx, n_f).

    Meep sweep ("h" = p + s together, "v"): P = w_in_plane * P_h / 2 + w_vertical * P_v.
    TMM sweep (kinds p, s, v): P = w_in_plane (P_p + P_s) / 2 + w_vertical P_v.
    Also returns the s-polarized parts of up and down (up_s, down_s).
    """
    out = {}
    if source == "meep":
        h, v = sweep["h"], sweep["v"]
        for c in ("emitted", "up", "down", "absorbed"):
            out[c] = (w_in_plane * 0.5 * h[c] + w_vertical * v[c]).mean(axis=0)
        for c in ("up", "down"):
            out[c + "_s"] = (w_in_plane * 0.5 * h[c] * h[c + "_sfrac"]).mean(axis=0)
    else:
        p, s, v = sweep["p"], sweep["s"], sweep["v"]
        for c in ("emitted", "up", "down", "absorbed"):
            out[c] = (w_in_plane * 0.5 * (p[c] + s[c]) + w_vertical * v[c]).mean(axis=0)
        for c in ("up", "down"):
            out[c + "_s"] = (w_in_plane * 0.5 * s[c]).mean(axis=0)
    return out


def total_power(kx, p_emitted) -> np.ndarray:
    """P_total(f) = 2 pi integral k_par P_emitted dk_par (trapezoid over the kx grid)."""
    return TWO_PI * np.trapz(np.asarray(kx)[:, None] * p_emitted, kx, axis=0)


def angular_intensity(kx, p_side, freqs, n_exit: float, theta_deg, p_total) -> np.ndarray:
    """Radiant intensity per unit total dipole power, 1/sr, (n_theta, n_f), in the exit medium.

    I(theta, f) = n^2 f^2 cos(theta) P_side(n f sin(theta), f) / P_total(f); the product
    P_side cos(theta) (finite at grazing) is interpolated linearly in kx.
    """
    th = np.radians(np.asarray(theta_deg))
    out = np.zeros((th.size, len(freqs)))
    for j, f in enumerate(freqs):
        kc = n_exit * f
        cos_k = np.sqrt(np.clip(1.0 - (np.asarray(kx) / kc) ** 2, 0.0, None))
        g = p_side[:, j] * cos_k
        k_th = kc * np.sin(th)
        out[:, j] = n_exit**2 * f**2 * np.interp(k_th, kx, g) / p_total[j]
    return out


def solid_angle_integral(theta_deg, intensity, theta_max_deg: float = 90.0) -> np.ndarray:
    """2 pi integral_0^theta_max I sin(theta) dtheta (first axis theta)."""
    th = np.radians(np.asarray(theta_deg))
    m = np.asarray(theta_deg) <= theta_max_deg + 1e-9
    w = np.sin(th[m])
    integrand = intensity[m] * (w[:, None] if intensity.ndim > 1 else w)
    return TWO_PI * np.trapz(integrand, th[m], axis=0)


def fwhm_deg(theta_deg, profile) -> float:
    """Full width at half maximum of a pattern symmetric about the normal: 2 x the largest angle
    where it falls through half its maximum (linear interpolation)."""
    th, p = np.asarray(theta_deg, float), np.asarray(profile, float)
    half = 0.5 * p.max()
    above = np.nonzero(p >= half)[0]
    i = above[-1]
    if i == len(p) - 1:
        return 2.0 * th[-1]
    t = th[i] + (th[i + 1] - th[i]) * (p[i] - half) / (p[i] - p[i + 1])
    return 2.0 * float(t)


def fresnel_t(n1: float, n2: float, theta1_rad):
    """Power transmittances (T_s, T_p) from medium n1 into n2 at angle theta1 (0 beyond TIR)."""
    s1 = n1 * np.sin(theta1_rad) / n2
    c1 = np.cos(theta1_rad)
    c2 = np.sqrt(np.clip(1 - s1**2, 0, None))
    ts = 2 * n1 * c1 / (n1 * c1 + n2 * c2)
    tp = 2 * n1 * c1 / (n2 * c1 + n1 * c2)
    fac = np.where(s1 < 1, (n2 * c2) / (n1 * c1 + 1e-300), 0.0)
    return ts**2 * fac, tp**2 * fac


def to_air(theta_deg, i_s, i_p, n_exit: float):
    """Intensity refracted from the exit medium into air through one flat interface.

    I_air(theta_a) = [T_s I_s + T_p I_p](theta) cos(theta_a) / (n^2 cos(theta)), n sin theta = sin theta_a
    (etendue: n^2 cos(theta) dOmega = cos(theta_a) dOmega_a). Returns I_air on the theta_deg grid
    (read as air angles), shape of i_s.
    """
    tha = np.radians(np.asarray(theta_deg))
    th = np.arcsin(np.clip(np.sin(tha) / n_exit, -1, 1))
    out = []
    for arr_s, arr_p in ((i_s, i_p),):
        ts, tp = fresnel_t(n_exit, 1.0, th)
        fac = np.cos(tha) / (n_exit**2 * np.cos(th))
        interp = lambda a: np.stack([np.interp(th, np.radians(theta_deg), a[:, j]) for j in range(a.shape[1])], 1)
        a_s, a_p = interp(arr_s), interp(arr_p)
        out.append((ts[:, None] * a_s + tp[:, None] * a_p) * fac[:, None])
    return out[0]


def tables(kx, freqs, comb: dict, side: str, n_exit: float, theta_deg, em: dict) -> dict:
    """Everything users read off, from orientation-combined sheet powers.

    Returns a dict of arrays: wavelength_nm (ascending), intensity maps and profiles in the
    exit medium and in air, EL-weighted extraction into each side and losses, cone fractions,
    FWHM, spectral peak and width against angle.
    """
    freqs = np.asarray(freqs)
    order = np.argsort(1.0 / freqs)
    f = freqs[order]
    wl_nm = 1e3 / f
    c = {k: v[:, order] for k, v in comb.items()}
    kxa = np.asarray(kx, dtype=float)
    S = el_spectrum_per_nm(wl_nm, em["el_peak_nm"], em["el_fwhm_nm"])
    other = "down" if side == "up" else "up"
    n_other = em["_n_other"]

    def weighted_total(p):
        """2 pi int k dk int S(lambda) P(k, lambda) dlambda: the frequency integral first, at fixed k,
        where the DFT resolves every resonance; the result is smooth in k (coarse k grids suffice)."""
        return TWO_PI * np.trapz(kxa * np.trapz(p * S[None, :], wl_nm, axis=1), kxa)

    ptot_w = weighted_total(c["emitted"])
    fractions = {key: weighted_total(c[ch]) / ptot_w for key, ch in
                 (("extraction_fraction", side), ("extraction_fraction_other_side", other),
                  ("absorbed_fraction", "absorbed"))}
    fractions["guided_fraction"] = 1.0 - sum(fractions.values())
    # per-wavelength fractions (k integral at each wavelength: needs a fine k grid to be smooth)
    ptot = total_power(kxa, c["emitted"])
    eta_side = total_power(kxa, c[side]) / ptot
    eta_other = total_power(kxa, c[other]) / ptot
    eta_abs = total_power(kxa, c["absorbed"]) / ptot
    eta_guided = 1.0 - eta_side - eta_other - eta_abs
    # intensity per unit EL-weighted total dipole power: S(lambda) P_side / int S P_tot
    norm = np.full(len(f), ptot_w)
    i_map = angular_intensity(kxa, c[side], f, n_exit, theta_deg, norm)
    i_map_s = angular_intensity(kxa, c[side + "_s"], f, n_exit, theta_deg, norm)
    i_map_p = i_map - i_map_s
    i_map_other = angular_intensity(kxa, c[other], f, n_other, theta_deg, norm)
    map_w = i_map * S[None, :]
    prof = np.trapz(map_w, wl_nm, axis=1)
    prof_other = np.trapz(i_map_other * S[None, :], wl_nm, axis=1)
    air_map = to_air(theta_deg, i_map_s, i_map_p, n_exit)
    air_w = air_map * S[None, :]
    prof_air = np.trapz(air_w, wl_nm, axis=1)
    total_side = solid_angle_integral(theta_deg, prof)
    i_unweighted = angular_intensity(kxa, c[side], f, n_exit, theta_deg, ptot)
    out = {
        "wavelength_nm": wl_nm, "el_spectrum_per_nm": S, "theta_deg": np.asarray(theta_deg, float),
        "intensity_map_per_sr_per_nm": map_w, "intensity_map_s_per_sr_per_nm": i_map_s * S[None, :],
        "intensity_per_sr": prof,
        "intensity_air_map_per_sr_per_nm": air_w, "intensity_air_per_sr": prof_air,
        "intensity_other_side_per_sr": prof_other,
        "intensity_per_sr_unweighted": i_unweighted,
        **{k: float(v) for k, v in fractions.items()},
        "extraction_fraction_vs_wavelength": eta_side, "extraction_other_vs_wavelength": eta_other,
        "absorbed_vs_wavelength": eta_abs, "guided_vs_wavelength": eta_guided,
        "extraction_fraction_angular_check": float(total_side),
        "extraction_fraction_air": float(solid_angle_integral(theta_deg, prof_air)),
        "fwhm_deg": fwhm_deg(theta_deg, prof), "fwhm_air_deg": fwhm_deg(theta_deg, prof_air),
        "total_power_vs_wavelength": ptot,
    }
    out["purcell_spectral_weight"] = ptot / np.trapz(S * ptot, wl_nm)
    for cone in (10, 20, 30):
        out[f"cone_fraction_{cone}deg"] = float(solid_angle_integral(theta_deg, prof, cone) / total_side)
        out[f"cone_fraction_air_{cone}deg"] = float(solid_angle_integral(theta_deg, prof_air, cone)
                                                    / solid_angle_integral(theta_deg, prof_air))
    # spectrum against angle: peak and FWHM of the emitted spectrum at each angle
    peaks, widths = [], []
    for row in map_w:
        j = int(np.argmax(row))
        peaks.append(wl_nm[j])
        half = row[j] / 2
        lo = np.nonzero(row[:j + 1] < half)[0]
        hi = np.nonzero(row[j:] < half)[0]
        if row[j] <= 0 or len(lo) == 0 or len(hi) == 0:
            widths.append(np.nan)
            continue
        a, b = lo[-1], j + hi[0]
        wl_a = np.interp(half, [row[a], row[a + 1]], [wl_nm[a], wl_nm[a + 1]])
        wl_b = np.interp(half, [row[b], row[b - 1]], [wl_nm[b], wl_nm[b - 1]])
        widths.append(wl_b - wl_a)
    out["spectrum_peak_nm_vs_theta"] = np.asarray(peaks)
    out["spectrum_fwhm_nm_vs_theta"] = np.nan_to_num(np.asarray(widths), nan=-1.0)
    return out


UNITS = {
    "theta_deg": "deg (polar angle in the exit medium; in air for *_air_* datasets)",
    "wavelength_nm": "nm (vacuum)",
    "el_spectrum_per_nm": "1/nm (intrinsic EL spectrum, unit integral over the band)",
    "intensity_per_sr": "1/sr (EL-weighted radiant intensity per unit EL-weighted total dipole power)",
    "intensity_air_per_sr": "1/sr (in air after one flat exit-medium/air interface, air angle)",
    "intensity_other_side_per_sr": "1/sr (into the non-emitting side's medium)",
    "intensity_map_per_sr_per_nm": "1/(sr nm) (theta x wavelength)",
    "intensity_map_s_per_sr_per_nm": "1/(sr nm) (theta x wavelength; s-polarized part of intensity_map_per_sr_per_nm)",
    "intensity_air_map_per_sr_per_nm": "1/(sr nm) (theta_air x wavelength)",
    "intensity_per_sr_unweighted": "1/sr per unit dipole power at each wavelength (theta x wavelength)",
    "extraction_fraction": "1 (fraction of total dipole power into the emitting side's medium)",
    "extraction_fraction_other_side": "1", "absorbed_fraction": "1", "guided_fraction": "1",
    "extraction_fraction_air": "1", "extraction_fraction_angular_check": "1",
    "extraction_fraction_vs_wavelength": "1", "extraction_other_vs_wavelength": "1",
    "absorbed_vs_wavelength": "1", "guided_vs_wavelength": "1",
    "fwhm_deg": "deg (full width of intensity_per_sr)", "fwhm_air_deg": "deg",
    "total_power_vs_wavelength": "arbitrary (Meep flux units of a unit sheet source x 1/um^2)",
    "purcell_spectral_weight": "1 (P_total(lambda) / EL-weighted mean: the spectral reshaping of the emission)",
    "spectrum_peak_nm_vs_theta": "nm", "spectrum_fwhm_nm_vs_theta": "nm (-1 where undefined)",
    "kx_per_um": "1/um (in-plane wavevector, cycles per um, Meep units)",
    "positions_um": "um (stack coordinate of the dipole planes, 0 = bottom of the first layer)",
    "frequency_per_um": "1/um (Meep frequency)",
    "seconds_per_run": "s (wall time of each Meep run, position x kx x [h, v])",
    "meep_time_per_run": "um/c (Meep time units simulated per run)",
}
for _c in (10, 20, 30):
    UNITS[f"cone_fraction_{_c}deg"] = f"1 (fraction of the power in the exit medium within {_c} deg of the normal)"
    UNITS[f"cone_fraction_air_{_c}deg"] = "1 (same in air)"


# ---------------------------------------------------------------------------------------
# calibration variants (transfer matrix only): how much the tables depend on the calibration
# ---------------------------------------------------------------------------------------
VARIANT_KEYS = ("theta_deg", "wavelength_nm", "intensity_map_per_sr_per_nm", "intensity_map_s_per_sr_per_nm",
                "intensity_per_sr", "intensity_air_per_sr", "extraction_fraction", "extraction_fraction_air",
                "extraction_fraction_angular_check", "fwhm_deg", "fwhm_air_deg", "cone_fraction_20deg")


def led_tmm_tables(stack_config: dict, led: str, em: dict) -> dict:
    """Transfer-matrix tables of one LED on the stack ``stack_config`` builds, on the grids of the
    emission step's ``tmm/`` group (same positions, frequencies, dense kx grid, angles, normalisation).

    ``stack_config`` is the config the stack is built from as it stands (no calibration is applied
    here: pass a calibrated or modified config); ``em`` the emission section.
    """
    g = led_geometry(stack_config, led, em)
    stack, side, n_exit, em = g["stack"], g["side"], g["n_exit"], g["em"]
    positions, freqs, kx, theta = g["positions"], g["freqs"], g["kx"], g["theta"]
    w_in, w_v = em["orientation"]["in_plane"], em["orientation"]["vertical"]
    kx_fine = np.linspace(0.0, max(float(em["kx_max_per_um"]), kx[-1]), int(em["tmm_n_kx"]))
    tm_fine = tmm_sweep(stack, positions, kx_fine, freqs)
    return tables(kx_fine, freqs, combine_orientations(tm_fine, w_in, w_v, "tmm"), side, n_exit, theta, em)


def variant_tables(config: dict, led: str, emission: dict | None = None) -> dict:
    """Transfer-matrix tables of an LED on alternative calibrations of its stack (sensitivity study).

    Only for an LED whose stack ``cavity.calibration`` calibrates (else ``{}``). Variants:

    - ``as_given``: the stack as configured (no calibration);
    - ``calibrated_<alt>`` (``calibrated_emitter`` by default): the calibration entry's
      ``alternative_layer`` calibrated instead (layer_thickness to the same target, same search
      fraction, :func:`sims.cavity.calibrate`); absent without ``alternative_layer``.

    The production (calibrated) stack's transfer-matrix tables are the emission step's ``tmm/``
    group (``calibrated_tmm``, not recomputed here).

    ``emission`` replaces ``config["emission"]`` (e.g. smaller grids). Returns variant -> dict
    ``tables`` (:func:`led_tmm_tables`, the :data:`VARIANT_KEYS` at least), ``layer`` (the changed
    layer: the calibrated parameter's label), ``value`` (its value, nm), ``changed_layers``
    ({layer: thickness_nm} relative to the stack as configured; empty where nothing changes; for
    as_given the production layer at its configured value), ``mode_tmm_nm`` (TMM mode nearest the
    calibration target) and ``calibration`` (the calibrate result, without its config; None for as_given).
    """
    from sims.cavity import calibration_variants

    em = emission if emission is not None else config["emission"]
    out = calibration_variants(config, em["leds"][led]["stack"])
    for name, v in out.items():
        v["tables"] = led_tmm_tables(v.pop("config"), led, em)
        v["target_nm"] = _target_nm(config, em["leds"][led]["stack"])
    return out


def _target_nm(config: dict, stack_name: str) -> float:
    from sims.cavity import calibration_entry

    return float(calibration_entry(config, stack_name)["target_wavelength_nm"])
