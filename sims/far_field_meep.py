"""Reduced-scale 2D Meep check of ``sims.far_field`` (issue 20, item 1): a Gaussian-apodised
line current (Ez, s polarisation) at height h above a planar DBR in air, far field by Meep's
near-to-far projection, against the semi-analytic model

    I(theta) ~ |J~(k sin theta)|^2 |1 + r_s(theta) exp(2 i k h cos theta)|^2

where J~ is the Fourier transform of the source profile (``far_field_1d`` WITHOUT the obliquity
factor: a line current sheet radiates each plane-wave component with amplitude ~ J~ / k_z and the
stationary-phase far field multiplies it by k_z, so the element factor of a current is 1; the
cos(theta) obliquity belongs to a prescribed aperture FIELD) and r_s the transfer-matrix reflection
of the mirror seen from air (``sims.cavity.reflection``, e^{-i omega t}, as Meep). The mirror is
an angular filter of the same kind as microcavity II's (two-beam interference instead of a
Fabry-Perot resonance). Reduced scale: a few-um beam, a few DBR pairs, constant indices.
"""

from __future__ import annotations

import math
import time

import numpy as np

from sims.cavity import reflection
from sims.far_field import far_field_1d, fwhm_deg


def mirror_reflection_s(theta_deg, wavelength_nm: float, layers_top_down, n_substrate: float) -> np.ndarray:
    """r_s of the mirror lit from air at the angles (layers_top_down: [(n, thickness_um), ...])."""
    n_l = [n for n, _ in layers_top_down]
    d_l = [d for _, d in layers_top_down]
    wl = wavelength_nm * 1e-3
    return np.array([complex(reflection(1.0, n_l, d_l, n_substrate, np.array([wl]),
                                        s_par=math.sin(math.radians(t)), pol="s")[0])
                     for t in np.atleast_1d(theta_deg)])


def model_pattern(theta_deg, x_um, profile, wavelength_nm: float, height_um: float, layers_top_down,
                  n_substrate: float) -> np.ndarray:
    """Semi-analytic far field of the current profile above the mirror, normalised to its maximum."""
    th = np.asarray(theta_deg, float)
    element = far_field_1d(x_um, profile, wavelength_nm, th, obliquity=False)
    r = mirror_reflection_s(th, wavelength_nm, layers_top_down, n_substrate)
    k = 2 * np.pi / (wavelength_nm * 1e-3)
    p = element * np.abs(1 + r * np.exp(2j * k * height_um * np.cos(np.radians(th)))) ** 2
    return p / p.max()


def gaussian_sheet_far_field(geometry, cell_um, resolution, pml_um, f0, y_source_um, half_width_um, waist_um,
                             y_n2f_um, theta_deg, far_radius_um, decay_threshold) -> np.ndarray:
    """|E_z|^2 far field (normalised to its maximum) of a Gaussian-apodised E_z line current
    exp(-(x/w)^2) at height ``y_source_um`` in a 2D cell (mirror symmetry in x, PML all round):
    Meep's near-to-far projection of a line above the source, at ``far_radius_um`` from its
    centre, one point per angle (deg from the normal)."""
    import meep as mp

    src = [mp.Source(mp.GaussianSource(f0, fwidth=0.2 * f0), component=mp.Ez, center=mp.Vector3(0, y_source_um),
                     size=mp.Vector3(2 * half_width_um, 0), amp_func=lambda p: math.exp(-(p.x / waist_um) ** 2))]
    sim = mp.Simulation(cell_size=mp.Vector3(*cell_um), geometry=geometry, boundary_layers=[mp.PML(pml_um)],
                        resolution=resolution, sources=src, symmetries=[mp.Mirror(mp.X, phase=+1)])
    n2f = sim.add_near2far(f0, 0, 1, mp.Near2FarRegion(center=mp.Vector3(0, y_n2f_um),
                                                       size=mp.Vector3(2 * half_width_um, 0)))
    sim.run(until_after_sources=mp.stop_when_fields_decayed(10, mp.Ez, mp.Vector3(0, y_n2f_um), decay_threshold))
    ez = np.array([complex(sim.get_farfield(n2f, mp.Vector3(far_radius_um * math.sin(math.radians(t)),
                                                             y_n2f_um + far_radius_um * math.cos(math.radians(t))))[2])
                   for t in theta_deg])
    sim.reset_meep()
    power = np.abs(ez) ** 2
    return power / power.max()


def meep_gaussian_over_mirror(*, waist_um: float = 1.5, wavelength_nm: float = 803.0, height_um: float = 0.6,
                              layers_top_down=((2.498, 0.075), (1.478, 0.125)) * 4, n_substrate: float = 2.55,
                              half_width_um: float = 6.0, resolution: float = 40.0, pml_um: float = 1.0,
                              n2f_above_source_um: float = 0.4, far_radius_um: float = 1000.0,
                              theta_deg=np.linspace(-60, 60, 241), decay_threshold: float = 1e-6) -> dict:
    """One 2D Meep run; returns theta_deg, the Meep and the model far-field patterns (|Ez|^2 on
    the far circle, normalised), their FWHM (deg), the max |difference| within the model's
    FWHM x 2, and the run's seconds. Defaults: DBR3 of microcavity II (TiO2/SiO2 75/125 nm,
    paper) cut to 4 pairs on the transparent crystal index, lit from air."""
    import meep as mp

    t0 = time.perf_counter()
    mp.verbosity(0)
    mirror_t = sum(d for _, d in layers_top_down)
    sub_pad, air_pad = 0.5, height_um + n2f_above_source_um + 0.5
    sx = 2 * (half_width_um + pml_um)
    sy = 2 * pml_um + sub_pad + mirror_t + air_pad
    y_top = -sy / 2 + pml_um + sub_pad + mirror_t       # mirror surface
    geometry = [mp.Block(size=mp.Vector3(mp.inf, pml_um + sub_pad, mp.inf), center=mp.Vector3(0, -sy / 2 + (pml_um + sub_pad) / 2),
                         material=mp.Medium(index=n_substrate))]
    y = y_top
    for n, d in layers_top_down:
        geometry.append(mp.Block(size=mp.Vector3(mp.inf, d, mp.inf), center=mp.Vector3(0, y - d / 2), material=mp.Medium(index=n)))
        y -= d
    f0 = 1.0 / (wavelength_nm * 1e-3)
    ys = y_top + height_um
    th = np.asarray(theta_deg, float)
    meep_p = gaussian_sheet_far_field(geometry, (sx, sy), resolution, pml_um, f0, ys, half_width_um, waist_um,
                                      ys + n2f_above_source_um, th, far_radius_um, decay_threshold)
    x = np.linspace(-half_width_um, half_width_um, int(2 * half_width_um * resolution) + 1)
    # the source sits at ys, the projection origin differs: phases cancel in |.|^2 (same origin shift)
    model = model_pattern(th, x, np.exp(-(x / waist_um) ** 2), wavelength_nm, height_um, layers_top_down, n_substrate)
    fw_m, fw_meep = fwhm_deg(th, model), fwhm_deg(th, meep_p)
    core = np.abs(th) <= fw_m
    return {"theta_deg": th, "meep": meep_p, "model": model, "fwhm_meep_deg": fw_meep, "fwhm_model_deg": fw_m,
            "max_abs_diff_core": float(np.max(np.abs(meep_p - model)[core])),
            "max_abs_diff_all": float(np.max(np.abs(meep_p - model))), "seconds": time.perf_counter() - t0,
            "pixels": sx * sy * resolution ** 2}


def stack_cell(stack, pml_um: float, pad_um: float) -> tuple:
    """(blocks of the stack and of the substrate below it, cell height sy, y of the stack's bottom z0)
    for a 2D cell centred on the stack; lateral extent infinite. A layer group spans z0 +
    ``stack.group_span_um(group)``."""
    import meep as mp

    sy = 2 * (pml_um + pad_um) + stack.thickness_um
    z0 = -sy / 2 + pml_um + pad_um
    geom = [mp.Block(size=mp.Vector3(mp.inf, pml_um + pad_um, mp.inf), center=mp.Vector3(0, z0 - (pml_um + pad_um) / 2),
                     material=mp.Medium(index=stack.below.n))]
    zb = stack.interfaces_um
    for layer, a, b in zip(stack.layers, zb[:-1], zb[1:]):
        geom.append(mp.Block(size=mp.Vector3(mp.inf, b - a, mp.inf), center=mp.Vector3(0, z0 + (a + b) / 2),
                             material=mp.Medium(index=layer.material.n)))
    return geom, sy, z0


def trimmed_cavity(config: dict, pairs: int, stack_name: str = "microcavity_II", crystal_group: str = "crystal",
                   crystal_material: str = "FAPbI3_transparent"):
    """Microcavity II with each DBR cut to ``pairs`` pairs and a lossless crystal (reduced scale)."""
    from dataclasses import replace

    from sims.finite_crystal_2d import trim_mirrors
    from sims.materials import materials_from_config
    from sims.stack import build_stack

    mats = materials_from_config(config)
    st = build_stack(config, stack_name)
    st = replace(st, layers=tuple(replace(l, material=mats[crystal_material]) if l.group == crystal_group else l
                                  for l in st.layers))
    return trim_mirrors(st, pairs, crystal_group)


def tmm_dispersion_s(stack, group: str, wavelength0_um: float, angles_deg) -> tuple:
    """(angles, lambda_res nm, Q) of the mode followed from wavelength0_um, s polarisation, angles in
    the stack's ``above`` medium (constant index), transfer matrix."""
    from sims import cavity as C

    n_out = stack.above.n
    wl, q, prev = [], [], wavelength0_um
    for a in angles_deg:
        m = C.nearest_mode(C.find_modes(stack, group, (0.6, 1.0), "table", 2000, s_par=n_out * math.sin(math.radians(a)),
                                        pol="s"), prev)
        wl.append(m.wavelength_um * 1e3)
        q.append(m.Q)
        prev = m.wavelength_um
    return np.asarray(angles_deg, float), np.array(wl), np.array(q)


def meep_gaussian_in_cavity(config: dict, *, pairs: int = 3, wavelength_shift_nm: float = 0.0,
                            on_meep_resonance: bool = True, waist_um: float = 1.0, half_width_um: float = 6.0,
                            resolution: float = 60.0, pml_um: float = 1.0, n2f_gap_um: float = 0.3,
                            far_radius_um: float = 1000.0, theta_deg=np.linspace(-70, 70, 281),
                            decay_threshold: float = 1e-6) -> dict:
    """Gaussian-apodised Ez line current in the (lossless, trimmed) crystal of microcavity II, far
    field above DBR3 by near-to-far projection at the normal-incidence resonance lambda_0, against
    the issue's model: diffraction of the source profile (element factor, no obliquity) x the
    cavity's Lorentzian angular filter from the transfer-matrix dispersion of the same stack."""
    import meep as mp

    from sims import cavity as C
    from sims.far_field import angular_filter

    t0 = time.perf_counter()
    st = trimmed_cavity(config, pairs)
    m0 = C.nearest_mode(C.find_modes(st, "crystal", (0.70, 0.95), "table", 2000), 0.803)
    lam0_nm = m0.wavelength_um * 1e3 + wavelength_shift_nm
    disp = tmm_dispersion_s(st, "crystal", m0.wavelength_um, np.arange(0, 76, 5.0))
    mp.verbosity(0)
    geom, sy, z0 = stack_cell(st, pml_um, 0.5)
    sx = 2 * (half_width_um + pml_um)
    c0, c1 = st.group_span_um("crystal")
    lam_meep_nm = lam0_nm
    if on_meep_resonance:  # same detuning from Meep's own (grid-shifted) resonance: 1D Harminv, same grid
        from sims.cavity_modes import harminv_modes

        h = harminv_modes(st, "crystal", (0.9 * m0.wavelength_um, 1.1 * m0.wavelength_um), resolution=resolution,
                          pml_um=pml_um, wavelength_ref_um=m0.wavelength_um)
        lam_meep_nm = 1e3 / h.freq[h.nearest(1.0 / m0.wavelength_um)] + wavelength_shift_nm
    f0 = 1e3 / lam_meep_nm
    th = np.asarray(theta_deg, float)
    meep_p = gaussian_sheet_far_field(geom, (sx, sy), resolution, pml_um, f0, z0 + (c0 + c1) / 2, half_width_um,
                                      waist_um, z0 + st.thickness_um + n2f_gap_um, th, far_radius_um, decay_threshold)
    x = np.linspace(-half_width_um, half_width_um, int(2 * half_width_um * resolution) + 1)
    element = far_field_1d(x, np.exp(-(x / waist_um) ** 2), lam0_nm, th, obliquity=False)
    filt = angular_filter(th, lam0_nm, *disp)
    model = element * filt / np.max(element * filt)
    exact = plane_wave_pattern(st, "crystal", lam0_nm, x, np.exp(-(x / waist_um) ** 2), th)
    core = np.abs(th) <= fwhm_deg(th, model)
    return {"theta_deg": th, "meep": meep_p, "model": model, "element": element, "filter": filt, "exact": exact,
            "fwhm_exact_deg": fwhm_deg(th, exact), "max_abs_diff_exact": float(np.max(np.abs(meep_p - exact))),
            "wavelength_nm": lam0_nm, "wavelength_meep_nm": lam_meep_nm, "q_tmm": m0.Q, "fwhm_meep_deg": fwhm_deg(th, meep_p),
            "fwhm_model_deg": fwhm_deg(th, model), "fwhm_element_deg": fwhm_deg(th, element),
            "fwhm_filter_deg": fwhm_deg(th, filt), "max_abs_diff_core": float(np.max(np.abs(meep_p - model)[core])),
            "max_abs_diff_all": float(np.max(np.abs(meep_p - model))), "seconds": time.perf_counter() - t0}


def plane_wave_pattern(stack, group: str, wavelength_nm: float, x_um, profile, theta_deg) -> np.ndarray:
    """Exact far field (s, lossless constant-index stack) of a line-current sheet J(x) at the centre of
    layer ``group``, into the ``above`` medium: per plane wave, U = S (1 + r_d) / (1 - r_u r_d) with
    r_u, r_d the reflections seen from the source plane, S ~ J~ / k_z; transmitted power
    (1 - |r_u|^2), and the far-field factor cos(theta_out) / cos(theta_in). Normalised to its max."""
    j = [l.group for l in stack.layers].index(group)
    lay = stack.layers[j]
    nc, half = lay.material.n, lay.thickness_um / 2
    up = [(nc, half)] + [(l.material.n, l.thickness_um) for l in stack.layers[j + 1:]]
    dn = [(nc, half)] + [(l.material.n, l.thickness_um) for l in stack.layers[:j][::-1]]
    wl = np.array([wavelength_nm * 1e-3])
    th = np.asarray(theta_deg, float)
    n_out = stack.above.n

    def r(layers, n_sub, s):
        return complex(reflection(nc, [n for n, _ in layers], [d for _, d in layers], n_sub, wl, s_par=s, pol="s")[0])

    fac = []
    for t in th:
        s = n_out * math.sin(math.radians(t))
        ru, rd = r(up, n_out, s), r(dn, stack.below.n, s)
        fac.append((1 - abs(ru) ** 2) * abs(1 + rd) ** 2 / abs(1 - ru * rd) ** 2
                   * math.cos(math.radians(t)) / math.sqrt(1 - (s / nc) ** 2))
    p = far_field_1d(x_um, profile, wavelength_nm, th, n_medium=n_out, obliquity=False) * np.array(fac)
    return p / p.max()
