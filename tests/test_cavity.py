"""Cavity modes: Meep Harminv against analytic Fabry-Perot, FDTD transmission linewidth, the
transfer-matrix round-trip condition (lossless and with a known absorbing layer), resolution
convergence; config errors for a band without a mode and a source outside the cavity; the split
of the cavity step into the default rule (modes.h5) and the validation rule (validation.h5)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import rel_err

from sims import cavity as C
from sims.materials import Material
from sims.stack import Layer, Stack

AIR = Material("air", "constant", n=1.0)
LO = Material("SiO2", "constant", n=1.478)
HI = Material("TiO2", "constant", n=2.498)


def slab_stack(n: float = 3.5, d_um: float = 0.5) -> Stack:
    """A slab in air; thin air layers on both sides make it the cavity (Fresnel mirrors)."""
    slab = Material("slab", "constant", n=n)
    return Stack("slab", AIR, AIR, (Layer("lo", "lo", AIR, 0.1), Layer("slab", "slab", slab, d_um),
                                    Layer("hi", "hi", AIR, 0.1)))


def dbr_cavity(pairs: int = 3, k: float = 0.0, n_sp: float = 2.55, wl0: float = 0.8) -> Stack:
    """pairs x (H, L) / lambda/2 spacer / pairs x (L, H), quarter-wave at wl0, on glass-like media."""
    sp = Material("spacer", "constant", n=n_sp, k=k)
    layers = []
    for p in range(pairs):
        layers += [Layer(f"b{p}H", "bottom", HI, wl0 / 4 / HI.n), Layer(f"b{p}L", "bottom", LO, wl0 / 4 / LO.n)]
    layers.append(Layer("spacer", "spacer", sp, wl0 / 2 / n_sp))
    for p in range(pairs):
        layers += [Layer(f"t{p}L", "top", LO, wl0 / 4 / LO.n), Layer(f"t{p}H", "top", HI, wl0 / 4 / HI.n)]
    return Stack("dbrcav", Material("sub", "constant", n=1.5), AIR, tuple(layers))


def test_reflection_matches_tmm_package():
    """The vectorised characteristic matrix against the PyPI tmm package (s and p, oblique, lossy)."""
    import tmm

    st = dbr_cavity(3, k=0.01)
    wl = np.linspace(0.7, 0.9, 7)
    for pol in ("s", "p"):
        ours = C.stack_rt(st, wl, s_par=1.5 * np.sin(0.5), pol=pol)["R"]
        ref = [tmm.coh_tmm(pol, [1.5] + [complex(l.material.n, l.material.k) for l in st.layers] + [1.0],
                           [np.inf] + [l.thickness_um for l in st.layers] + [np.inf], 0.5, w)["R"] for w in wl]
        assert np.max(np.abs(ours - np.array(ref))) < 1e-10


def test_slab_fabry_perot_analytic():
    """Slab n=3.5 in air: omega_m = (pi m + i ln r)/(n d), Q = pi m / (-2 ln r), r = (n-1)/(n+1).
    Transfer matrix (exact here) and Meep Harminv against it."""
    from sims.cavity_modes import harminv_modes

    n, d = 3.5, 0.5
    st = slab_stack(n, d)
    r = (n - 1) / (n + 1)
    band = (0.8, 1.6)
    modes = C.find_modes(st, "slab", band, "table")
    ms = [m for m in range(1, 10) if band[0] < 2 * n * d / m < band[1]]
    assert len(modes) == len(ms)
    for md, m in zip(sorted(modes, key=lambda x: -x.wavelength_um), ms):
        assert rel_err(md.wavelength_um, 2 * n * d / m) < 1e-6
        assert rel_err(md.Q, np.pi * m / (-2 * np.log(r))) < 1e-6
    h = harminv_modes(st, "slab", band, resolution=200, pml_um=1.0, model="meep", wavelength_ref_um=1.0,
                      ringdown=60)
    for m in ms:
        f = m / (2 * n * d)
        i = h.nearest(f)
        assert rel_err(h.freq[i], f) < 2e-3
        assert rel_err(h.Q[i], np.pi * m / (-2 * np.log(r))) < 0.03


@pytest.fixture(scope="module")
def small_cavity_runs():
    from sims.cavity_modes import harminv_modes, transmission_spectrum

    st = dbr_cavity(3)
    band = (0.72, 0.9)
    tm = C.nearest_mode(C.find_modes(st, "spacer", band, "meep_lossless", wavelength_ref_um=0.8), 0.8)
    out = {"stack": st, "tmm": tm}
    for res in (100, 200, 400):
        out[res] = harminv_modes(st, "spacer", band, resolution=res, pml_um=1.0, model="meep_lossless",
                                 wavelength_ref_um=0.8, ringdown=150)
    h = out[200]
    i = h.nearest(1 / tm.wavelength_um)
    f0, Q = h.freq[i], h.Q[i]
    freq = np.linspace(f0 - 4 * f0 / Q, f0 + 4 * f0 / Q, 121)
    out["spectrum"] = transmission_spectrum(st, freq, resolution=200, pml_um=1.0, model="meep_lossless",
                                            wavelength_ref_um=0.8, fit_band_um=band, decay=1e-7)
    out["harminv"] = (f0, Q)
    return out


def test_harminv_against_spectral_linewidth(small_cavity_runs):
    """Lossless 3-pair DBR cavity (Q ~ 10^2): Harminv Q and wavelength against the Lorentzian fit of
    the FDTD transmission (same resolution), and against the transfer-matrix round-trip condition."""
    f0, Q = small_cavity_runs["harminv"]
    sp = small_cavity_runs["spectrum"]
    lor = C.lorentzian_q(sp.freq, sp.T, f0, f0 / Q)
    assert abs(1e3 / lor["f0"] - 1e3 / f0) < 0.5
    assert rel_err(lor["Q"], Q) < 0.05
    tm = small_cavity_runs["tmm"]
    assert abs(1e3 / f0 - 1e3 * tm.wavelength_um) < 0.5
    assert rel_err(Q, tm.Q) < 0.05


def test_convergence_with_resolution(small_cavity_runs):
    """Harminv wavelength approaches the transfer-matrix value as the grid is refined."""
    tm = small_cavity_runs["tmm"]
    err = []
    for res in (100, 200, 400):
        h = small_cavity_runs[res]
        err.append(abs(1.0 / h.freq[h.nearest(1 / tm.wavelength_um)] - tm.wavelength_um) * 1e3)
    assert err[2] < err[0]
    assert err[2] < 0.5


def test_absorbing_layer_against_transfer_matrix():
    """Spacer with k = 0.005: Harminv Q (absorption on / off) against the transfer-matrix round trip on the
    same media; the absorption-limited Q from 1/Q_abs = 1/Q_tot - 1/Q_mirror against transfer matrix."""
    from sims.cavity_modes import harminv_modes

    st = dbr_cavity(4, k=0.005)
    band = (0.75, 0.86)
    on = C.nearest_mode(C.find_modes(st, "spacer", band, "meep", wavelength_ref_um=0.8), 0.8)
    off = C.nearest_mode(C.find_modes(st, "spacer", band, "meep_lossless", wavelength_ref_um=on.wavelength_um),
                         0.8)
    h_on = harminv_modes(st, "spacer", band, resolution=300, pml_um=1.0, model="meep",
                         wavelength_ref_um=on.wavelength_um, ringdown=150)
    h_off = harminv_modes(st, "spacer", band, resolution=300, pml_um=1.0, model="meep_lossless",
                          wavelength_ref_um=on.wavelength_um, ringdown=150)
    q_on = h_on.Q[h_on.nearest(1 / on.wavelength_um)]
    q_off = h_off.Q[h_off.nearest(1 / off.wavelength_um)]
    assert rel_err(q_on, on.Q) < 0.05
    assert q_on < 0.8 * q_off  # the absorber matters in this test
    q_abs = 1 / (1 / q_on - 1 / q_off)
    q_abs_tmm = 1 / (1 / on.Q - 1 / off.Q)
    assert rel_err(q_abs, q_abs_tmm) < 0.08


def test_tmm_profile_and_confinement_full_spacer():
    """Energy confinement of the lambda/2 spacer equals its share of int eps|E|^2; Gamma_r = 1 when the
    gain layer fills the spacer; the TMM profile decays into both mirrors."""
    st = dbr_cavity(8)
    m = C.nearest_mode(C.find_modes(st, "spacer", (0.7, 0.9)), 0.8)
    z = np.linspace(0, st.thickness_um, 6000)
    e2 = C.tmm_mode_profile(st, "spacer", m, z)
    assert e2[0] < 0.05 and e2[-1] < 0.05
    zi = st.interfaces_um
    n = st.index_profile(m.wavelength_um)
    eps = np.array([(n[i] ** 2).real for i in np.clip(np.searchsorted(zi, z, side="right"), 0, len(n) - 1)])
    gs = st.group_span_um("spacer")
    conf = C.confinement_from_profile(z, e2, eps, gs, gs, (zi[0], zi[-1]))
    assert 0.1 < conf["confinement_energy"] < 0.9
    assert abs(conf["standing_wave_enhancement"] - 1.0) < 1e-9
    pen = C.penetration_depths(st, "spacer", m.wavelength_um)
    # quarter-wave DBR seen from the high-index spacer... phase penetration is positive and below one pair
    assert 0 < pen["L_pen_down_um"] < 0.8 / 4 / 1.478 + 0.8 / 4 / 2.498 + 0.2


def test_calibration_puts_mode_on_target(config):
    cfg = copy.deepcopy(config)
    cal = dict(cfg["cavity"]["calibration"]["stacks"]["microcavity_II"], parameter="gain_layer_thickness",
               target_wavelength_nm=803)
    out = C.calibrate(cfg, "microcavity_II", cal)
    assert abs(out["wavelength_um"] * 1e3 - 803) < 0.01
    assert 100 < out["value"] < 180


def test_config_band_without_mode_is_rejected(config):
    from sims.config import ConfigError
    from sims.config_checks import validate_config

    cfg = copy.deepcopy(config)
    cfg["cavity"]["stacks"]["microcavity_II"].update(wavelength_min_nm=1000, wavelength_max_nm=1090,
                                                     target_wavelength_nm=1050)
    with pytest.raises(ConfigError, match=r"cavity.stacks.microcavity_II.*holds no cavity mode"):
        validate_config(cfg)


def test_config_source_outside_cavity_is_rejected(config):
    from sims.config import ConfigError
    from sims.config_checks import validate_config

    cfg = copy.deepcopy(config)
    cfg["cavity"]["stacks"]["microcavity_II"]["gain_group"] = "dbr3"
    with pytest.raises(ConfigError, match=r"cavity.stacks.microcavity_II.gain_group.*outside the cavity"):
        validate_config(cfg)


def test_source_outside_cavity_stops_run():
    from sims.cavity_modes import check_source_inside

    with pytest.raises(C.CavityError, match="outside the cavity"):
        check_source_inside(dbr_cavity(2), "bottom")


def test_single_wavelength_round_trip_is_bitwise_repeatable(config):
    """The same round trip, evaluated again and again at one wavelength, gives the same bits.

    numpy picks its AVX-512 (fused multiply-add) or plain complex-multiply loop by how far the
    output buffer lies from the inputs (numpy/numpy#26940); for 1-element temporaries that
    varied between calls, so identical runs differed in Q (1e-12) and then in Harminv (1e-9).
    The metal (Au) layer of microcavity I shows it: unpadded, ~4% of 3000 calls differed.
    """
    from sims.stack import build_stack

    st = build_stack(config, "microcavity_I")
    group = config["cavity"]["stacks"]["microcavity_I"]["gain_group"]
    wl = np.array([0.71117599191])
    values, keep = set(), []
    for i in range(3000):
        keep.append(np.empty(i % 11 + 1, dtype=complex))  # move the heap around between calls
        rt = C.round_trip(st, group, wl, "table")
        values.add((rt["rho"].tobytes(), rt["r_up"].tobytes(), rt["r_down"].tobytes()))
    assert len(values) == 1
    # the padding changes nothing but the rounding path: same values as a long vector
    long = C.round_trip(st, group, np.linspace(0.70, 0.72, 41), "table")["rho"]
    one = C.round_trip(st, group, np.array([0.70, 0.72]), "table")["rho"]
    assert np.allclose(one, long[[0, -1]], rtol=1e-13, atol=0)
    assert C.stack_rt(st, wl)["R"].shape == (1,)


def test_oblique_harminv_is_the_fixed_kx_pole():
    """A 2D Bloch cell at fixed kx (harminv_oblique) measures the complex pole at that kx, not the
    real-axis resonance at a fixed angle: slab n = 3.5 in air (Fresnel mirrors, Q ~ 8), p, n sin = 0.7.
    The pole (sims.cavity.complex_pole) and the resonance differ by 3.2 nm and 6% in Q here; Meep must
    match the pole (the 30-deg discrepancy of microcavity I was this mismatch)."""
    from sims.cavity_modes import harminv_oblique

    st = slab_stack(3.5, 0.5)
    band = (0.75, 1.1)
    res = C.nearest_mode(C.find_modes(st, "slab", band, "table", s_par=0.7, pol="p"), 0.86)
    kx = 0.7 / res.wavelength_um
    pole = C.complex_pole(st, "slab", res.freq_complex, res.order, kx=kx, pol="p", wavelength_ref_um=0.86,
                          fit_band_um=band)
    wl_pole, q_pole = 1e3 / pole.real, pole.real / (-2 * pole.imag)
    assert abs(wl_pole - res.wavelength_um * 1e3) > 2.0  # the two definitions really differ here
    h = harminv_oblique(st, "slab", band, kx, "p", resolution=400, pml_um=1.0, model="meep",
                        wavelength_ref_um=0.86, ringdown=60)
    i = h.nearest(pole.real)
    assert abs(1e3 / h.freq[i] - wl_pole) < 0.3   # measured 0.13 nm at 400 px/um (0.52 at 200)
    assert rel_err(h.Q[i], q_pole) < 0.01         # measured 3e-4
    assert abs(1e3 / h.freq[i] - res.wavelength_um * 1e3) > 2.0


def test_finite_width_fundamental_mode_approaches_1d():
    """6-pair DBR cavity whose lambda/2 spacer (k = 0.002: Q ~ 800, absorption-dominated like microcavity II)
    has a finite width W in air (2D, cos(pi x/W) line source): the fundamental lateral mode lies on the blue
    side of the 1D mode (lateral confinement) and approaches it as W grows from 2 to 8 um; at 8 um its Q is
    within 5% of the 1D Q at the same resolution (measured 2.5%). The former on-axis point source gave
    Q 238 at 8 um (a continuum of lateral modes closer than the linewidth)."""
    from sims.cavity_modes import harminv_finite_width, harminv_modes

    st = dbr_cavity(6, k=0.002)
    band = (0.76, 0.84)
    h1 = harminv_modes(st, "spacer", band, resolution=40, pml_um=1.0, model="meep", wavelength_ref_um=0.8,
                       ringdown=200)
    i1 = h1.nearest(1 / 0.8)
    wl1, q1 = 1e3 / h1.freq[i1], h1.Q[i1]
    wl, q = [], []
    for w in (2.0, 8.0):
        h = harminv_finite_width(st, "spacer", band, w, AIR, resolution=40, pml_um=1.0, lateral_margin_um=1.0,
                                 model="meep", wavelength_ref_um=0.8, ringdown=200)
        j = int(np.argmax(np.where(np.abs(h.freq - h1.freq[i1]) < 0.03 * h1.freq[i1], h.amp, -1)))
        wl.append(1e3 / h.freq[j])
        q.append(h.Q[j])
    assert wl[0] < wl[1] < wl1 + 0.05            # blue of the 1D mode, approaching it (802.7, 805.9, 806.1 nm)
    assert wl1 - wl[1] < 0.25 * (wl1 - wl[0])    # shift falls off faster than 1/W (ideal: 1/W^2)
    assert rel_err(q[1], q1) < 0.05


# ---------------------------------------------------------------------------------------
# issue 17 item 5: per-stack calibration, group index, confinement against references
# ---------------------------------------------------------------------------------------
# REGRESSION VALUE (not a physical reference): the calibrated FAPbI3 crystal thickness of
# microcavity II (mode at 803 nm, transfer matrix, table optical data) computed by
# sims.cavity.calibrate on the default config.yaml BEFORE the calibration was split per stack
# (commit ac45803). The restructuring must not move it.
MICROCAVITY_II_CALIBRATED_CRYSTAL_NM = 159.22584642388733


def test_microcavity_II_calibration_unchanged_regression(config):
    """Regression: per-stack calibration gives microcavity II's pre-change crystal thickness (1e-9 rel)."""
    wc = C.working_config(config, "microcavity_II")
    assert wc["mode_choice"] == "calibrated"
    assert wc["entry"]["parameter"] == "gain_layer_thickness"
    assert rel_err(wc["calibration"]["value"], MICROCAVITY_II_CALIBRATED_CRYSTAL_NM) < 1e-9
    assert abs(1e3 * wc["calibration"]["wavelength_um"] - 803) < 0.01


def test_microcavity_I_calibrated_to_680nm(config):
    """Microcavity I as configured sits above 700 nm (assumed LED layers); the ITO calibration puts
    its transfer-matrix mode at the measured 680 nm; only microcavity I gets the calibrated ITO."""
    assert config["cavity"]["calibration"]["stacks"]["microcavity_I"]["layer"] == "ito"
    as_given = C.nearest_mode(C.cavity_modes_tmm(config, "microcavity_I"), 0.68).wavelength_um
    assert 1e3 * as_given > 700
    wc = C.working_config(config, "microcavity_I")
    assert wc["mode_choice"] == "calibrated"
    work = wc["config"]
    # independent of calibrate()'s own bookkeeping: the modes of the calibrated config
    after = C.nearest_mode(C.cavity_modes_tmm(work, "microcavity_I"), 0.68).wavelength_um
    assert abs(1e3 * after - 680) < 0.5
    ito = wc["calibration"]["value"]
    assert work["layers"]["ito"]["thickness_nm"] == ito and ito != config["layers"]["ito"]["thickness_nm"]
    # the built stacks: calibrated ITO in microcavity I, configured ITO in the standard PeLED
    mc = C.stack_for(config, "microcavity_I")
    std = C.stack_for(config, "standard_peled")
    assert [l.thickness_um for l in mc.layers if l.group == "ito"] == [pytest.approx(ito / 1e3, rel=1e-12)]
    assert [l.thickness_um for l in std.layers if l.group == "ito"] == [config["layers"]["ito"]["thickness_nm"] / 1e3]
    # calibration off: as configured
    off = copy.deepcopy(config)
    off["cavity"]["calibration"]["enabled"] = False
    assert C.working_config(off, "microcavity_I")["mode_choice"] == "as-given"
    assert [l.thickness_um for l in C.stack_for(off, "microcavity_I").layers if l.group == "ito"] == [0.12]


@pytest.mark.parametrize("mutate, key", [
    (lambda c: c.update(layer="nope"), "cavity.calibration.stacks.microcavity_I.layer"),
    (lambda c: c.update(layer="crystal"), "cavity.calibration.stacks.microcavity_I.layer"),
    (lambda c: c.pop("layer"), "cavity.calibration.stacks.microcavity_I.layer"),
    (lambda c: c.update(target_wavelength_nm=900), "cavity.calibration.stacks.microcavity_I.target_wavelength_nm"),
    (lambda c: c.update(parameter="mirror_layer_thickness", mirror="dbr3"), "cavity.calibration.stacks.microcavity_I"),
])
def test_config_bad_calibration_names_the_key(config, mutate, key):
    from sims.config import ConfigError
    from sims.config_checks import validate_config

    cfg = copy.deepcopy(config)
    mutate(cfg["cavity"]["calibration"]["stacks"]["microcavity_I"])
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        validate_config(cfg)


def test_config_calibration_of_unknown_stack_and_old_layout_rejected(config):
    from sims.config import ConfigError
    from sims.config_checks import validate_config

    cfg = copy.deepcopy(config)
    cfg["cavity"]["calibration"]["stacks"]["no_such"] = {"parameter": "gain_layer_thickness", "target_wavelength_nm": 800}
    with pytest.raises(ConfigError, match=r"cavity\.calibration\.stacks\.no_such"):
        validate_config(cfg)
    old = copy.deepcopy(config)
    old["cavity"]["calibration"] = {"enabled": True, "stacks": ["microcavity_II"], "parameter": "gain_layer_thickness"}
    with pytest.raises(ConfigError, match=r"cavity\.calibration"):
        validate_config(old)


def _tmm_r(n_inc, ns, ds, n_exit, wl_um):
    """Amplitude reflection (normal incidence) by the tmm package: medium n_inc -> layers -> n_exit."""
    import tmm

    return tmm.coh_tmm("s", [n_inc, *ns, n_exit], [np.inf, *ds, np.inf], 0.0, wl_um)["r"]


def _group_index_reference(st, group, spacer_groups, wl_um, rel_h=2e-5):
    """n_g = (c / 2 L_eff) d phi_rt / d omega, both parts by central finite differences of the tmm
    package's reflection phases (independent of sims.cavity's matrices and 5-point stencil):
    phi_rt = arg r_down + arg r_up + 2 k0 n_gain d_gain seen from the gain layer, and
    L_pen = (1/2) d arg r / d beta seen from each spacer end (beta = k0 Re n_spacer)."""
    d = [l.thickness_um for l in st.layers]
    groups = [l.group for l in st.layers]
    j = groups.index(group)
    sp = [i for i, g in enumerate(groups) if g in spacer_groups]
    i0, i1 = min(sp), max(sp)

    def parts(wl):
        n = list(C.stack_indices(st, np.array([wl]), "table")[:, 0])  # [below, layers..., above]
        rd = _tmm_r(n[j + 1], n[1:j + 1][::-1], d[:j][::-1], n[0], wl)
        ru = _tmm_r(n[j + 1], n[j + 2:-1], d[j + 1:], n[-1], wl)
        rt = rd * ru * np.exp(2j * 2 * np.pi / wl * n[j + 1] * d[j])
        rsd = _tmm_r(n[i0 + 1], n[1:i0 + 1][::-1], d[:i0][::-1], n[0], wl)
        rsu = _tmm_r(n[i1 + 1], n[i1 + 2:-1], d[i1 + 1:], n[-1], wl)
        return rt, rsd, rsu, n[i0 + 1].real, n[i1 + 1].real

    w0 = 2 * np.pi / wl_um
    h = rel_h * w0
    p, m = parts(2 * np.pi / (w0 + h)), parts(2 * np.pi / (w0 - h))
    tau = np.angle(p[0] / m[0]) / (2 * h)  # d arg(rho) / d omega (um/c)
    L_pen = [0.5 * np.angle(p[k] / m[k]) / ((w0 + h) * p[k + 2] - (w0 - h) * m[k + 2]) for k in (1, 2)]
    L_eff = sum(d[i0:i1 + 1]) + sum(L_pen)
    return tau / (2 * L_eff), tau, L_eff


def test_group_index_slab_is_material_index():
    """Analytic: a non-dispersive slab with Fresnel mirrors has no phase penetration; n_g = n."""
    from sims.cavity_study import modal_group_index

    st = slab_stack(3.5, 0.5)
    m = C.nearest_mode(C.find_modes(st, "slab", (0.8, 1.2)), 1.0)
    pen = C.penetration_depths(st, "slab", m.wavelength_um)
    assert abs(pen["L_eff_um"] - 0.5) < 1e-9
    assert rel_err(modal_group_index(m, pen), 3.5) < 1e-6


@pytest.mark.parametrize("stack_name", ["microcavity_II", "microcavity_I"])
def test_group_index_against_round_trip_phase_difference(config, stack_name):
    """modes.h5 group_index (sims.cavity_study.modal_group_index on the analysed transfer-matrix mode)
    against an independent finite difference of the tmm-package round-trip phase, with L_eff from
    tmm-package reflection phases too: dispersive crystal + DBRs (II), Au / dispersive ITO (I)."""
    from sims.cavity_study import modal_group_index

    wc = C.working_config(config, stack_name)
    spec = config["cavity"]["stacks"][stack_name]
    st = C.stack_for(config, stack_name)
    m = C.nearest_mode(C.cavity_modes_tmm(wc["config"], stack_name), wc["target_um"])
    spacer = tuple(spec["spacer_groups"])
    pen = C.penetration_depths(st, spec["gain_group"], m.wavelength_um, "table", spacer_groups=spacer)
    ng = modal_group_index(m, pen)
    ng_ref, tau_ref, L_ref = _group_index_reference(st, spec["gain_group"], spacer, m.wavelength_um)
    assert rel_err(pen["L_eff_um"], L_ref) < 1e-4
    assert rel_err(m.tau_rt, tau_ref) < 1e-4
    assert rel_err(ng, ng_ref) < 1e-4
    assert ng > 1.4  # slower than light in glass: a sanity floor that a phase-velocity index would not imply


def _sandwich_cavity(pairs: int, n_l: float, n_h: float, wl0: float, t_frac: float) -> tuple[Stack, float]:
    """Half-wave low-index spacer (length L) holding a centred gain sub-layer of the same index and
    thickness t_frac L, between quarter-wave DBRs whose HIGH-index layer touches the spacer."""
    lo, hi = Material("L", "constant", n=n_l), Material("H", "constant", n=n_h)
    qL, qH, L = wl0 / 4 / n_l, wl0 / 4 / n_h, wl0 / 2 / n_l
    t = t_frac * L
    layers = []
    for p in range(pairs):
        layers += [Layer(f"b{p}L", "bottom", lo, qL), Layer(f"b{p}H", "bottom", hi, qH)]
    layers += [Layer("s1", "spacer", lo, (L - t) / 2), Layer("gain", "gain", lo, t), Layer("s2", "spacer", lo, (L - t) / 2)]
    for p in range(pairs):
        layers += [Layer(f"t{p}H", "top", hi, qH), Layer(f"t{p}L", "top", lo, qL)]
    return Stack("sandwich", lo, lo, tuple(layers)), L


@pytest.mark.parametrize("t_frac", [0.2, 0.5])
def test_confinement_energy_against_standing_wave_closed_form(t_frac):
    """Gamma_E (confinement_energy, as in modes.h5: tmm_mode_profile + confinement_from_profile) of a
    centred sub-layer against the closed form of a lambda/2 cavity with a node at each mirror.

    At the Bragg wavelength a quarter-wave DBR seen from the low-index spacer through a high-index
    layer reflects with r = -|r|: E ~ sin(pi z / L) in the spacer, so the spacer's share of
    int eps|E|^2 that lies in a centred layer of thickness t is  f = t/L + sin(pi t/L)/pi.  In the
    mirror, continuity of E and H gives amplitude n_L/n_H per pair; each quarter-wave layer of index n
    with peak field E holds n E^2 lambda/8 of int eps|E|^2, the spacer n_L E0^2 lambda/4. So
    Gamma_E = f * S / (S + 2 M),  S = n_L lambda/4,  M = (lambda/8) (n_L^2/n_H + n_L^3/n_H^2) sum_k q^k,
    q = (n_L/n_H)^2, k = 0..pairs-1."""
    n_l, n_h, wl0, pairs = 1.5, 2.5, 0.8, 14
    st, L = _sandwich_cavity(pairs, n_l, n_h, wl0, t_frac)
    m = C.nearest_mode(C.find_modes(st, "gain", (0.7, 0.9)), wl0)
    assert abs(m.wavelength_um - wl0) < 1e-9
    z = np.linspace(0, st.thickness_um, 200001)
    e2 = C.tmm_mode_profile(st, "gain", m, z)
    zi = st.interfaces_um
    n = st.index_profile(m.wavelength_um)
    eps = np.array([(n[i] ** 2).real for i in np.clip(np.searchsorted(zi, z, side="right"), 0, len(n) - 1)])
    spacer = (st.group_span_um("spacer")[0], st.group_span_um("spacer")[1])
    conf = C.confinement_from_profile(z, e2, eps, st.group_span_um("gain"), spacer, (zi[0], zi[-1]))
    f = t_frac + np.sin(np.pi * t_frac) / np.pi
    q = (n_l / n_h) ** 2
    S = n_l * wl0 / 4
    M = wl0 / 8 * (n_l**2 / n_h + n_l**3 / n_h**2) * (1 - q**pairs) / (1 - q)
    expected = f * S / (S + 2 * M)
    # measured: 7.6e-4 (t = 0.2 L) and 2.1e-4 (0.5 L), the grid's edge error; a profile without the
    # sin^2 standing wave (flat: t/L) is off by 48 % / 39 %, one with antinodes at the mirrors by > 75 %
    assert rel_err(conf["confinement_energy"], expected) < 2e-3
    # Gamma_r (standing-wave enhancement) = (L/t) f
    assert rel_err(conf["standing_wave_enhancement"], f / t_frac) < 2e-3


def test_led_step_subconfig_calibrates_like_the_full_config(config):
    """The emission step's settings (sub_config of the LED stack + the stack's cavity entry and
    calibration, as emission.smk builds them) give the same calibrated ITO as the full config; the
    standard PeLED's settings (no cavity section) give its stack as configured."""
    from sims.config import sub_config

    cal = config["cavity"]["calibration"]
    sub = sub_config(config, stacks=["microcavity_I"])
    sub["cavity"] = {"stacks": {"microcavity_I": config["cavity"]["stacks"]["microcavity_I"]},
                     "calibration": dict(cal, stacks={"microcavity_I": cal["stacks"]["microcavity_I"]})}
    full = C.working_config(config, "microcavity_I")["calibration"]["value"]
    wc = C.working_config(sub, "microcavity_I")
    assert wc["mode_choice"] == "calibrated" and wc["calibration"]["value"] == full
    assert C.calibration_label(wc["entry"]) == "layer_thickness:ito"
    std = sub_config(config, stacks=["standard_peled"])
    wc = C.working_config(std, "standard_peled")
    assert wc["mode_choice"] == "as-given" and wc["config"] is std and wc["target_um"] is None


# ---------------------------------------------------------------------------------------
# issue 18: the Meep dispersion/thickness points and the convergence table are the validation
# rule's (workflow/scripts/cavity_validation.py); modes.h5 of the default rule holds none of them
# ---------------------------------------------------------------------------------------
def _script(name):
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location(f"_script_{name}", REPO / "workflow" / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def default_and_validation_outputs(quick_config, tmp_path_factory):
    """Both scripts on microcavity II, coarse (quick preset, 200 px/um, one point of each Meep check; at
    100 px/um Harminv misses the as-given mode without absorption): the default
    rule's settings without the validation-only keys (a read of one would be a KeyError), the
    validation rule's with them."""
    from sims import cavity_study as S
    from sims.results import read_h5

    cfg = copy.deepcopy(quick_config)
    cav = cfg["cavity"]
    cav.update(spectrum_resolution_px_per_um=100, angles_deg=[0, 30], thickness_sweep_nm={"min": 170, "max": 200, "n": 3},
               thickness_sweep_meep_points=1, dispersion_meep_angles_deg=[30], convergence_resolutions_px_per_um=[200],
               convergence_pml_um=[1.0])
    cav["stacks"] = {"microcavity_II": cav["stacks"]["microcavity_II"]}
    default = copy.deepcopy(cfg)
    for k in S.VALIDATION_KEYS:
        del default["cavity"][k]
    d = tmp_path_factory.mktemp("cavity_validation")
    _script("cavity_modes").run("microcavity_II", default, str(d / "modes.h5"), str(d / "summary.png"),
                                str(d / "benchmark.json"))
    _script("cavity_validation").run("microcavity_II", cfg, str(d / "validation.h5"), str(d / "validation.png"),
                                     str(d / "validation.md"), str(d / "validation_benchmark.json"))
    return {"modes": read_h5(d / "modes.h5")[0], "validation": read_h5(d / "validation.h5")[0],
            "md": (d / "validation.md").read_text(), "dir": d}


@pytest.mark.slow
def test_validation_output_holds_the_meep_checks_and_modes_h5_does_not(default_and_validation_outputs):
    modes, val = default_and_validation_outputs["modes"], default_and_validation_outputs["validation"]
    meep_only = [k for k in val if k.startswith(("convergence/", "dispersion/meep_", "thickness_study/meep_"))]
    assert {"dispersion/meep_wavelength_nm", "dispersion/meep_Q", "dispersion/meep_tmm_wavelength_nm",
            "thickness_study/meep_wavelength_nm", "thickness_study/meep_Q_total", "convergence/wavelength_nm",
            "convergence/Q_total", "convergence/resolution_px_per_um"} <= set(meep_only)
    assert not [k for k in modes if k.startswith(("convergence/", "dispersion/meep_", "thickness_study/meep_"))]
    # what the default rule keeps: the mode chain and the transfer-matrix dispersion and thickness study
    for k in ("lasing_wavelength_nm", "Q_total", "Q_mirror", "confinement_energy", "group_index",
              "dispersion/wavelength_s_nm", "thickness_study/wavelength_nm"):
        assert k in modes
    # one Meep point each: s and p at 30 deg, one thickness (the sweep's first), one resolution
    assert val["dispersion/meep_pol_is_p"].tolist() == [0.0, 1.0]
    assert val["thickness_study/meep_thickness_nm"].tolist() == [170.0]
    assert val["convergence/resolution_px_per_um"].tolist() == [200.0]
    # the same transfer-matrix dispersion in both files; the thickness point's reference mode is the
    # study's own transfer-matrix mode at that thickness
    # (the transfer-matrix curves may miss a mode: Flagged, not_reached)
    assert np.array_equal(val["dispersion/wavelength_s_nm"].as_float(), modes["dispersion/wavelength_s_nm"].as_float(),
                          equal_nan=True)
    assert val["thickness_study/meep_tmm_wavelength_nm"][0] == modes["thickness_study/wavelength_nm"].as_float()[0]
    # a lossy stack: the absorption Q is finite and flagged ok (infinite for a lossless one)
    assert modes["Q_absorption"].status() == "ok" and np.isfinite(modes["Q_absorption"].as_float())
    # Meep against its references (coarse grid: loose bounds)
    assert np.all(np.abs(val["dispersion/meep_wavelength_nm"] - val["dispersion/meep_tmm_wavelength_nm"]) < 3.0)
    assert abs(val["convergence/wavelength_nm"][0] - val["convergence/tmm_wavelength_nm"]) < 3.0
    # the convergence run at the default rule's resolution and PML is the default rule's Harminv run
    assert rel_err(val["convergence/wavelength_nm"][0], modes["lasing_wavelength_nm"]) < 1e-9
    md = default_and_validation_outputs["md"]
    for head in ("## Dispersion", "## Thickness study", "## Convergence"):
        assert head in md
    assert (default_and_validation_outputs["dir"] / "validation.png").stat().st_size > 0


# ---------------------------------------------------------------------------------------
# issue 19: missing values of the cavity results are Flagged (no -1 / 1e30), units declared
# ---------------------------------------------------------------------------------------
def test_lateral_and_loss_q_flags_round_trip(tmp_path):
    """A width without a mode is stored as 0 + flag failed, a lossless part's absorption Q as flag
    infinite; read_h5 gives them back as Flagged (as_float: NaN, inf)."""
    from sims.cavity_tables import infinite_q, lateral_datasets
    from sims.results import FLAG_CODES, Flagged, read_h5, write_h5

    r = {"width_um": [2.0, 4.0], "wavelength_nm": [np.nan, 801.0], "Q": [np.nan, 300.0],
         "wavelength_1d_nm": 800.0, "Q_1d": 310.0, "resolution_px_per_um": 40.0}
    ds, units = lateral_datasets({"absorption_on": r})
    ds["Q_absorption"], units["Q_absorption"] = infinite_q(np.inf), "1"
    write_h5(tmp_path / "x.h5", ds, {}, units)
    back, _ = read_h5(tmp_path / "x.h5")
    q = back["absorption_on/Q"]
    assert isinstance(q, Flagged) and q.flags.tolist() == [FLAG_CODES["failed"], FLAG_CODES["ok"]]
    assert q.values.tolist() == [0.0, 300.0] and np.isnan(q.as_float()[0])
    assert back["Q_absorption"].status() == "infinite" and back["Q_absorption"].as_float() == np.inf
    assert not isinstance(back["absorption_on/Q_1d"], Flagged)


def test_result_groups_need_declared_units():
    """Every dataset of a study group has a declared unit (a new key without one is an error)."""
    from sims.cavity_study import DISPERSION_MISSING, DISPERSION_UNITS
    from sims.cavity_tables import group

    ds, units = group("dispersion/", {"angles_deg": np.zeros(2), "Q_s": np.array([5.0, np.nan])},
                      DISPERSION_UNITS, DISPERSION_MISSING)
    assert units == {"dispersion/angles_deg": "deg", "dispersion/Q_s": "1"}
    assert ds["dispersion/Q_s"].status().tolist() == ["ok", "not_reached"]
    with pytest.raises(KeyError):
        group("dispersion/", {"new_thing": 1.0}, DISPERSION_UNITS)


def test_cavity_layout_is_stack_layout_with_cavity_media(config):
    """The Meep cells of the cavity runs come from sims.geometry.stack_layout (one geometry builder):
    same blocks as the plain 1D layout, the media of the cavity model."""
    from sims.cavity_modes import cavity_layout
    from sims.geometry import stack_layout
    from sims.stack import build_stack

    st = build_stack(config, "microcavity_II")
    a = cavity_layout(st, "meep_lossless", (0.75, 0.85), 0.8, 1.0)
    b = stack_layout(st, "1d", pml_um=1.0, wavelength_ref_um=0.8, lossless=True)
    assert a.length_um == b.length_um and a.stack_offset == b.stack_offset
    assert [(g.center.z, g.size.z) for g in a.geometry] == [(g.center.z, g.size.z) for g in b.geometry]
