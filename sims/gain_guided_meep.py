"""Reduced-scale 2D Meep check of the gain-guided lasing mode (issue 20, item 1): a finite pumped
(gain) region in the crystal of microcavity II, its lowest lateral mode just below threshold, and
its far field by Meep's near-to-far projection, against ``sims.far_field.lasing_far_field``.

Units: Meep units with a = 1 um (c = 1): frequencies in 1/um, times in um/c, rates in c/um
(x ``C_UM_PER_S`` -> 1/s); lengths um; angles deg in air.

* Cavity: microcavity II with each DBR cut to ``pairs`` pairs and a transparent crystal (as
  ``sims.far_field_meep``). Gain: the crystal as a Lorentzian medium with NEGATIVE strength
  (epsilon = n^2 - s f_g^2 / (f_g^2 - f^2 - i f gamma_g), s > 0 = gain; ``mp.LorentzianSusceptibility``
  with sigma = -s), centred on Meep's own passive resonance f_g and broad (gamma_g ~ f_g): a
  frequency-flat negative conductivity is unstable at low frequency, and a narrow gain line adds
  slow light (measured: gamma_g = 0.1 f_g makes the gain-guided mode 5 % narrower than the model).
* Calibration (Meep, same grid): Harminv of the laterally uniform cavity (Bloch cell a few pixels
  wide) at gain strengths s -> net intensity rate gamma_u(s) = 4 pi Im f (quadratic fit), and at
  k_x -> in-plane dispersion D = (omega(k) - omega(0)) / k^2.
* Pump profile p(x) in [-1, 1] (1: peak gain s0; -1: unpumped absorption equal to the peak gain),
  ``parabolic`` max(1 - (x/a)^2, -1) or ``bell`` 2 exp(-(x/a)^2 / 2) - 1 (same central curvature,
  wider wings); local net rate gamma(x) = gamma_u(s0 p(x)). s0 puts the MODEL's lowest mode at
  -margin x its diffraction loss (just below threshold: the run stays linear and bounded).
* Run: pulsed Ez line source over the pumped region (mirror symmetry: even modes), wait until the
  model's second even mode has decayed by ``suppression`` relative to the lowest, then add the
  near-to-far line above the top DBR and a DFT line in the crystal at the lowest mode's Harminv
  frequency, and run a measurement window; Harminv over both windows gives the modes' rates.
* Model: the workflow's ``lasing_far_field`` on gamma(x) (1/s) with the transfer-matrix n_eff
  (D = c lambda / (4 pi n_eff^2)), as the laser step uses it; also the complex-Gaussian mode
  parameters and the harmonic-oscillator rates: mode m loses (2m+1) sqrt(D gamma_2) more than
  the peak (its frequency is up by (2m+1) sqrt(D gamma_2) / (4 pi), ~6e-4 here: below the
  grid's own shifts between the 2D and the uniform cell, not compared).
"""

from __future__ import annotations

import math
import time

import numpy as np

from sims.far_field import C_UM_PER_S, far_field_1d, fwhm_deg, lasing_far_field
from sims.far_field_meep import stack_cell

GAIN_PROFILES = ("parabolic", "bell")
SCALARS = (("fwhm_meep_deg", "deg (air; near-to-far)"), ("fwhm_model_deg", "deg (air; lasing_far_field, gain-guided)"),
           ("fwhm_meep_near_field_ft_deg", "deg (air; FT of Meep's crystal-plane field)"),
           ("waist_meep_um", "um (1/e^2 intensity radius, fit)"), ("waist_model_um", "um (1/e^2 intensity radius)"),
           ("phase_curvature_meep_per_um2", "1/um^2 (arg E = c x^2, fit)"), ("phase_curvature_model_per_um2", "1/um^2"),
           ("net_rate_meep", "c/um (intensity, lowest mode, Harminv)"), ("net_rate_model", "c/um (intensity, lowest mode)"),
           ("diffraction_loss_model", "c/um (sqrt(D gamma_2))"), ("second_mode_rate_meep", "c/um (2nd even mode, Harminv)"),
           ("second_mode_rate_model", "c/um (2nd even mode)"), ("gain_strength", "1 (Lorentzian -sigma at the peak)"),
           ("gain_width", "1/um (Lorentzian gamma)"), ("f_passive", "1/um (Meep resonance, uniform passive cavity)"),
           ("rate_passive", "c/um (intensity)"), ("D_meep_passive", "um^2 c/um"), ("D_meep_pumped", "um^2 c/um"),
           ("D_model", "um^2 c/um (c lambda / (4 pi n_eff^2))"), ("n_eff", "1 (transfer matrix)"),
           ("settle_time", "um/c"), ("measure_time", "um/c"), ("wavelength_nm", "nm (1 / f_passive)"), ("seconds", "s"))


def pump_profile(kind: str, x_um, half_width_um: float) -> np.ndarray:
    """Normalised local gain strength p(x) in [-1, 1]; both kinds have p''(0) = -2 / a^2."""
    u = np.asarray(x_um, float) / half_width_um
    if kind == "parabolic":
        return np.maximum(1 - u ** 2, -1.0)
    if kind == "bell":
        return 2 * np.exp(-u ** 2 / 2) - 1
    raise ValueError(f"unknown pump profile {kind!r} (one of {GAIN_PROFILES})")


def gain_medium(n: float, strength: float, f_gain: float, gamma_gain: float):
    """Crystal of index n with a Lorentzian gain line (strength s > 0: gain; 0: transparent)."""
    import meep as mp

    return mp.Medium(epsilon=n * n, E_susceptibilities=[
        mp.LorentzianSusceptibility(frequency=f_gain, gamma=gamma_gain, sigma=-strength)])


def crystal_strips(n: float, crystal_y, x_edges, strengths, f_gain: float, gamma_gain: float) -> list:
    """One gain block per lateral strip [x_edges[i], x_edges[i+1]] of the crystal."""
    import meep as mp

    y0, y1 = crystal_y
    return [mp.Block(size=mp.Vector3(b - a, y1 - y0, mp.inf), center=mp.Vector3(0.5 * (a + b), 0.5 * (y0 + y1)),
                     material=gain_medium(n, float(s), f_gain, gamma_gain))
            for a, b, s in zip(x_edges[:-1], x_edges[1:], strengths)]


def crystal_span(stack, z0: float) -> tuple[float, float]:
    """(y0, y1) of the crystal in the cell of ``stack_cell`` (stack bottom at z0)."""
    c0, c1 = stack.group_span_um("crystal")
    return z0 + c0, z0 + c1


def crystal_index(stack) -> float:
    return stack.layers[[l.group for l in stack.layers].index("crystal")].material.n


def uniform_mode(stack, strength: float, kx: float, f_gain: float, gamma_gain: float, resolution: float,
                 pml_um: float = 1.0, pad_um: float = 0.5, run_time: float = 400.0) -> tuple[float, float]:
    """(frequency, net intensity rate 4 pi Im f) of the laterally uniform cavity at gain strength s and
    Bloch wavevector kx (1/um, i.e. phase 2 pi kx x), Harminv at the crystal; nan if none is found."""
    import meep as mp

    geom, sy, z0 = stack_cell(stack, pml_um, pad_um)
    cy = crystal_span(stack, z0)
    sx = 4 / resolution
    geom += crystal_strips(crystal_index(stack), cy, np.array([-sx, sx]), [strength], f_gain, gamma_gain)
    yc = 0.5 * (cy[0] + cy[1])
    sim = mp.Simulation(cell_size=mp.Vector3(sx, sy), geometry=geom, resolution=resolution, k_point=mp.Vector3(kx, 0),
                        boundary_layers=[mp.PML(pml_um, direction=mp.Y)],
                        sources=[mp.Source(mp.GaussianSource(f_gain, fwidth=0.3 * f_gain), mp.Ez, center=mp.Vector3(0, yc))])
    h = mp.Harminv(mp.Ez, mp.Vector3(0, yc + 0.03), f_gain, 0.3 * f_gain)
    sim.run(mp.after_sources(h), until_after_sources=run_time)
    sim.reset_meep()
    if not h.modes:
        return math.nan, math.nan
    m = min(h.modes, key=lambda m: abs(m.freq - f_gain))
    return float(m.freq), float(4 * math.pi * m.decay)


def calibrate(stack, f_passive: float, gamma_gain: float, resolution: float, strengths, kx: float = 0.1) -> dict:
    """gamma_u(s) at the strengths (quadratic fit), the frequencies, and D (um^2 c/um) of the passive
    and of the most strongly pumped uniform cavity."""
    out = {"strengths": np.asarray(strengths, float)}
    modes = [uniform_mode(stack, s, 0.0, f_passive, gamma_gain, resolution) for s in strengths]
    out["frequencies"] = np.array([m[0] for m in modes])
    out["rates"] = np.array([m[1] for m in modes])
    if not np.all(np.isfinite(out["rates"])):
        raise RuntimeError(f"Harminv found no mode of the uniform cavity at gain strengths {list(strengths)}")
    out["fit"] = np.polyfit(out["strengths"], out["rates"], 2)
    k = 2 * math.pi * kx
    for tag, s, f0 in (("passive", 0.0, modes[0][0]), ("pumped", strengths[-1], modes[-1][0])):
        out[f"D_{tag}"] = 2 * math.pi * (uniform_mode(stack, s, kx, f_passive, gamma_gain, resolution)[0] - f0) / k ** 2
    return out


def model_prediction(strength0: float, cal: dict, profile: str, half_width_um: float, x_um, wavelength_nm: float,
                     n_eff: float, theta_deg) -> dict:
    """The workflow's lasing_far_field on gamma(x) = gamma_u(s0 p(x)) (1/s), plus the lowest mode's
    net rate (c/um) = fitted peak rate - its diffraction loss."""
    rate = np.polyval(cal["fit"], strength0 * pump_profile(profile, x_um, half_width_um))
    m = lasing_far_field(x_um, rate * C_UM_PER_S, wavelength_nm, n_eff, theta_deg)
    if "gain_guided" not in m:
        return {"net_rate": -math.inf, "model": m}
    loss = m["gain_guided"]["diffraction_loss_per_s"] / C_UM_PER_S
    return {"net_rate": m["peak_net_gain_per_s"] / C_UM_PER_S - loss, "diffraction_loss": loss, "model": m}


def strength_below_threshold(cal: dict, profile: str, half_width_um: float, x_um, wavelength_nm: float, n_eff: float,
                             margin: float) -> float:
    """s0 at which the model's lowest mode has net rate -margin x its diffraction loss (bisection)."""
    def excess(s):
        p = model_prediction(s, cal, profile, half_width_um, x_um, wavelength_nm, n_eff, [0.0])
        return p["net_rate"] + margin * p.get("diffraction_loss", 0.0)

    lo, hi = 0.0, float(cal["strengths"][-1])
    for _ in range(40):
        if excess(hi) >= 0:
            break
        lo, hi = hi, 1.5 * hi
    else:
        raise RuntimeError(f"no gain strength up to {hi:.3g} brings the model's lowest mode near threshold")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def gaussian_fit(x_um, field, level: float = 0.05) -> tuple[float, float]:
    """(1/e^2 intensity radius w, phase curvature c) of a complex field fitted as
    exp(-x^2 / w^2 + i c x^2) where |E|^2 > level x its max (exp(-b x^2): w = 1/sqrt(Re b), c = -Im b)."""
    x, e = np.asarray(x_um, float), np.asarray(field, complex)
    inten = np.abs(e) ** 2
    m = inten > level * inten.max()
    a2 = np.polyfit(x[m], np.log(inten[m]), 2)[0]
    phase = np.unwrap(np.angle(e[m] / e[np.argmax(inten)]))
    return float(1 / math.sqrt(-a2 / 2)), float(np.polyfit(x[m], phase, 2)[0])


def unwrapped_phase(x_um, field) -> np.ndarray:
    """arg E(x) - arg E(peak), unwrapped outwards from the peak (rad)."""
    e = np.asarray(field, complex)
    i = int(np.argmax(np.abs(e)))
    ph = np.angle(e / e[i])
    return np.concatenate([np.unwrap(ph[:i + 1][::-1])[::-1][:-1], np.unwrap(ph[i:])])


def gain_region_run(stack, profile: str, half_width_um: float, strength0: float, f_gain: float, gamma_gain: float,
                    resolution: float, lateral_half_width_um: float, settle_time: float, measure_time: float,
                    theta_deg, strip_um: float = 0.1, pml_um: float = 1.0, lateral_pml_um: float = 1.5,
                    pad_um: float = 0.5, n2f_gap_um: float = 0.3, far_radius_um: float = 1000.0) -> dict:
    """The 2D run: far field (|Ez|^2 on the far circle, normalised), the crystal-plane DFT field, and the
    Harminv modes (frequency, intensity rate, |amplitude|) of the settle and the measurement windows."""
    import meep as mp

    geom, sy, z0 = stack_cell(stack, pml_um, pad_um)
    cy = crystal_span(stack, z0)
    sx = 2 * (lateral_half_width_um + lateral_pml_um)
    edges = np.arange(-sx / 2, sx / 2 + strip_um / 2, strip_um)
    centres = 0.5 * (edges[:-1] + edges[1:])
    geom += crystal_strips(crystal_index(stack), cy, edges, strength0 * pump_profile(profile, centres, half_width_um),
                           f_gain, gamma_gain)
    yc = 0.5 * (cy[0] + cy[1])
    src_half = half_width_um * (1.0 if profile == "parabolic" else math.sqrt(2 * math.log(2)))
    sim = mp.Simulation(cell_size=mp.Vector3(sx, sy), geometry=geom, boundary_layers=[mp.PML(lateral_pml_um, direction=mp.X),
                                                                                     mp.PML(pml_um, direction=mp.Y)],
                        resolution=resolution, symmetries=[mp.Mirror(mp.X, phase=+1)],
                        sources=[mp.Source(mp.GaussianSource(f_gain, fwidth=0.1 * f_gain), mp.Ez, center=mp.Vector3(0, yc),
                                           size=mp.Vector3(2 * src_half, 0))])
    probe = mp.Vector3(0, yc + 0.03)
    h1 = mp.Harminv(mp.Ez, probe, f_gain, 0.1 * f_gain)
    sim.run(mp.after_sources(h1), until_after_sources=settle_time)
    if not h1.modes:
        raise RuntimeError("Harminv found no mode of the pumped region in the settle window")
    f_mode = max(h1.modes, key=lambda m: abs(m.amp)).freq
    y_n2f = z0 + stack.thickness_um + n2f_gap_um
    n2f = sim.add_near2far(f_mode, 0, 1, mp.Near2FarRegion(center=mp.Vector3(0, y_n2f),
                                                           size=mp.Vector3(2 * lateral_half_width_um, 0)))
    dft = sim.add_dft_fields([mp.Ez], f_mode, 0, 1, center=mp.Vector3(0, yc), size=mp.Vector3(2 * lateral_half_width_um, 0))
    h2 = mp.Harminv(mp.Ez, probe, f_gain, 0.1 * f_gain)
    sim.run(h2, until=measure_time)
    th = np.asarray(theta_deg, float)
    ez = np.array([complex(sim.get_farfield(n2f, mp.Vector3(far_radius_um * math.sin(math.radians(t)),
                                                             y_n2f + far_radius_um * math.cos(math.radians(t))))[2])
                   for t in th])
    near = np.asarray(sim.get_dft_array(dft, mp.Ez, 0), complex)
    sim.reset_meep()

    def table(h):
        return np.array([[m.freq, 4 * math.pi * m.decay, abs(m.amp)] for m in h.modes]).reshape(-1, 3)

    return {"far": np.abs(ez) ** 2 / np.max(np.abs(ez) ** 2), "x_um": np.linspace(-lateral_half_width_um,
                                                                                  lateral_half_width_um, near.size),
            "near": near, "f_mode": float(f_mode), "settle_modes": table(h1), "measure_modes": table(h2)}


def meep_gain_guided(config: dict, *, profile: str = "parabolic", pairs: int = 3, half_width_um: float = 5.0,
                     lateral_half_width_um: float = 8.0, resolution: float = 40.0, gain_width_over_frequency: float = 1.25,
                     margin: float = 0.2, suppression: float = 1e-4, measure_periods: float = 180.0,
                     theta_deg=np.linspace(-40, 40, 321)) -> dict:
    """Calibrate, choose s0 (model just below threshold), run the pumped region, compare."""
    from sims import cavity as C
    from sims.far_field import effective_index
    from sims.far_field_meep import tmm_dispersion_s, trimmed_cavity

    t0 = time.perf_counter()
    import meep as mp

    mp.verbosity(0)
    st = trimmed_cavity(config, pairs)
    m0 = C.nearest_mode(C.find_modes(st, "crystal", (0.70, 0.95), "table", 2000), 0.803)
    disp = tmm_dispersion_s(st, "crystal", m0.wavelength_um, np.arange(0, 31, 5.0))
    n_eff = effective_index(disp[0], disp[1])[1]
    f_tmm = 1.0 / m0.wavelength_um
    f_passive, rate_passive = uniform_mode(st, 0.0, 0.0, f_tmm, gain_width_over_frequency * f_tmm, resolution)
    gamma_gain = gain_width_over_frequency * f_passive
    s_guess = 1e-3 * (-rate_passive) / (uniform_mode(st, 1e-3, 0.0, f_passive, gamma_gain, resolution)[1] - rate_passive)
    cal = calibrate(st, f_passive, gamma_gain, resolution, s_guess * np.array([0.0, 0.5, 1.0, 1.3]))
    lam_nm = 1e3 / f_passive
    x = np.arange(-lateral_half_width_um, lateral_half_width_um + 1e-9, 0.05)
    th = np.asarray(theta_deg, float)
    s0 = strength_below_threshold(cal, profile, half_width_um, x, lam_nm, n_eff, margin)
    pred = model_prediction(s0, cal, profile, half_width_um, x, lam_nm, n_eff, th)
    gg = pred["model"]["gain_guided"]
    loss = pred["diffraction_loss"]
    settle = max(math.log(1 / suppression) / (4 * loss), 100.0)
    run = gain_region_run(st, profile, half_width_um, s0, f_passive, gamma_gain, resolution, lateral_half_width_um,
                          settle, measure_periods / f_passive, th)
    w_meep, curv_meep = gaussian_fit(run["x_um"], run["near"])
    if not run["measure_modes"].size:
        raise RuntimeError(f"Harminv found no mode of the pumped region ({profile}) in the measurement window")
    lowest = run["measure_modes"][np.argmax(run["measure_modes"][:, 2])]
    # the 2nd even mode: model offset loss / pi above the lowest; the Harminv mode nearest to it within +-50 %,
    # from the measurement window if found there (one clean decay), else from the settle window
    second = np.full(3, math.nan)
    for modes in (run["settle_modes"], run["measure_modes"]):
        offset = np.abs(modes[:, 0] - lowest[0] - loss / math.pi)
        if offset.size and offset.min() < 0.5 * loss / math.pi:
            second = modes[np.argmin(offset)]
    near_ft = far_field_1d(run["x_um"], run["near"], lam_nm, th, obliquity=False)
    model_p = pred["model"]["gain_guided_pattern"]
    return {
        "profile": profile, "theta_deg": th, "meep": run["far"], "model": model_p, "meep_near_field_ft": near_ft,
        "x_um": run["x_um"], "near_intensity": np.abs(run["near"]) ** 2 / np.max(np.abs(run["near"]) ** 2),
        "near_phase_rad": unwrapped_phase(run["x_um"], run["near"]),
        "model_intensity": np.interp(run["x_um"], x, np.abs(gg["field"])) ** 2,
        "fwhm_meep_deg": fwhm_deg(th, run["far"]), "fwhm_model_deg": fwhm_deg(th, model_p),
        "fwhm_meep_near_field_ft_deg": fwhm_deg(th, near_ft),
        "waist_meep_um": w_meep, "waist_model_um": gg["waist_um"],
        "phase_curvature_meep_per_um2": curv_meep, "phase_curvature_model_per_um2": -gg["b_per_um2"].imag,
        "net_rate_meep": float(lowest[1]), "net_rate_model": pred["net_rate"], "diffraction_loss_model": loss,
        "second_mode_rate_meep": float(second[1]), "second_mode_rate_model": pred["net_rate"] - 4 * loss,
        "gain_strength": s0, "gain_width": gamma_gain, "f_passive": f_passive, "rate_passive": rate_passive,
        "calibration_strengths": cal["strengths"], "calibration_rates": cal["rates"],
        "calibration_frequencies": cal["frequencies"], "D_meep_passive": cal["D_passive"], "D_meep_pumped": cal["D_pumped"],
        "D_model": lam_nm * 1e-3 / (4 * math.pi * n_eff ** 2), "n_eff": n_eff,
        "settle_time": settle, "measure_time": measure_periods / f_passive, "wavelength_nm": lam_nm,
        "seconds": time.perf_counter() - t0}
