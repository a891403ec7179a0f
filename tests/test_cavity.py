"""Cavity modes: Meep Harminv against analytic Fabry-Perot, FDTD transmission linewidth, the
transfer-matrix round-trip condition (lossless and with a known absorbing layer), resolution
convergence; config errors for a band without a mode and a source outside the cavity."""

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
    from sims.config import ConfigError, validate_config

    cfg = copy.deepcopy(config)
    cfg["cavity"]["stacks"]["microcavity_II"].update(wavelength_min_nm=1000, wavelength_max_nm=1090,
                                                     target_wavelength_nm=1050)
    with pytest.raises(ConfigError, match=r"cavity.stacks.microcavity_II.*holds no cavity mode"):
        validate_config(cfg)


def test_config_source_outside_cavity_is_rejected(config):
    from sims.config import ConfigError, validate_config

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
