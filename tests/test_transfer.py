"""Inter-cavity transfer: analytic view factors, energy balance, zero-distance limit, symmetry,
refraction, absorption table, and config errors naming the key."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import rel_err

from sims.config import ConfigError
from sims.config_checks import validate_config
from sims.transfer import transfer_led
from sims.transfer_radiometry import (irradiance_maps, landed_fraction, make_grids, missed_fraction_angular,
                                      view_factor_coaxial_disks, view_factor_parallel_rectangles)
from sims.transfer_tables import (AngularTable, check_angular_table, fresnel_power_transmission, lambertian_table,
                                  refract_table)

LED = (140.0, 140.0)
CRYSTAL = (290.0, 270.0)


def narrow_table(power: int = 8, n: float = 1.554) -> AngularTable:
    th = np.linspace(0, 90, 181)
    return AngularTable(th, np.cos(np.radians(th)) ** power, n).normalised()


def test_view_factor_reference_against_catalogue_values():
    # Howell C-11: directly opposed unit squares at unit distance, F = 0.19982
    assert view_factor_parallel_rectangles((0, 1), (0, 1), (0, 1), (0, 1), 1.0) == pytest.approx(0.19982, abs=2e-5)
    # a large rectangle seen from a small one close by -> 1; coaxial disks (C-41) r1 = r2 = d: 0.38197
    assert view_factor_parallel_rectangles((-1, 1), (-1, 1), (-500, 500), (-500, 500), 1.0) > 0.998
    assert view_factor_coaxial_disks(1, 1, 1) == pytest.approx(0.381966, abs=1e-6)


@pytest.mark.parametrize("d_um", [10.0, 50.0, 350.0, 500.0])
def test_lambertian_source_matches_view_factor_between_parallel_rectangles(d_um):
    g = make_grids(*LED, *CRYSTAL, pitch_um=1.0)
    m = irradiance_maps(g, d_um, {"inc": lambertian_table(361)})["inc"]
    ref = view_factor_parallel_rectangles((-70, 70), (-70, 70), (-145, 145), (-135, 135), d_um)
    assert rel_err(landed_fraction(g, m), ref) < 1e-3


def test_lambertian_square_onto_disk_sized_square_uneven_sides():
    # odd, non-integer sizes: pitch adjusted to tile the LED, partial crystal edge pixels weighted
    g = make_grids(70.7, 41.3, 101.5, 233.3, pitch_um=1.0)
    m = irradiance_maps(g, 80.0, {"inc": lambertian_table(361)})["inc"]
    ref = view_factor_parallel_rectangles((-35.35, 35.35), (-20.65, 20.65), (-50.75, 50.75), (-116.65, 116.65), 80.0)
    assert rel_err(landed_fraction(g, m), ref) < 3e-3


@pytest.mark.parametrize("table", ["lambertian", "narrow"])
@pytest.mark.parametrize("d_um", [50.0, 350.0])
def test_energy_conservation_lands_plus_misses_equals_leaves(table, d_um):
    tab = lambertian_table(361) if table == "lambertian" else narrow_table()
    g = make_grids(*LED, *CRYSTAL, pitch_um=2.0)
    lands = landed_fraction(g, irradiance_maps(g, d_um, {"inc": tab})["inc"])
    misses = missed_fraction_angular(g, d_um, tab, source_stride=5)
    assert abs(lands + misses - tab.hemisphere_power()) < 2e-3
    assert 0 < lands < 1 and 0 < misses < 1


def test_zero_distance_limit():
    g = make_grids(*LED, *CRYSTAL, pitch_um=1.0)
    tab = lambertian_table(361)
    m0 = irradiance_maps(g, 0.0, {"inc": tab})["inc"]
    # at d = 0 all the light leaving the LED lands on the (larger) crystal, within the LED footprint
    assert landed_fraction(g, m0) == pytest.approx(tab.hemisphere_power(), rel=1e-12)
    m1 = irradiance_maps(g, 0.5, {"inc": tab})["inc"]  # sub-pixel distance: supersampled kernel
    assert landed_fraction(g, m1) == pytest.approx(landed_fraction(g, m0), rel=2e-3)
    centre = m1[g.x_tgt.size // 2, g.y_tgt.size // 2]
    assert centre == pytest.approx(1.0, rel=1e-2)
    outside = np.abs(g.x_tgt)[:, None] > 80
    assert np.max(m1[np.broadcast_to(outside, m1.shape)]) < 1e-3


def test_maps_are_symmetric():
    g = make_grids(140.0, 100.0, 290.0, 270.0, pitch_um=1.0, margin_um=20.0)
    m = irradiance_maps(g, 120.0, {"inc": narrow_table(4)})["inc"]
    assert np.allclose(m, m[::-1, :], rtol=1e-10, atol=0)
    assert np.allclose(m, m[:, ::-1], rtol=1e-10, atol=0)
    gs = make_grids(140.0, 140.0, 290.0, 290.0, pitch_um=1.0)
    ms = irradiance_maps(gs, 120.0, {"inc": narrow_table(4)})["inc"]
    assert np.allclose(ms, ms.T, rtol=1e-10, atol=0)
    # the peak is at the centre and the map falls off towards the edges
    assert ms[ms.shape[0] // 2, ms.shape[1] // 2] == pytest.approx(ms.max(), rel=1e-12)
    assert ms[0, 0] < 0.5 * ms.max()


def test_refraction_conserves_power_and_fresnel_normal_incidence():
    lam = lambertian_table(721, medium_index=1.514)
    no_loss = refract_table(lam, 1.554, n_angles=1441, fresnel=False)
    # n rises: every direction passes, the hemisphere power is carried over
    assert no_loss.hemisphere_power() == pytest.approx(lam.hemisphere_power(), rel=2e-3)
    assert fresnel_power_transmission(1.514, 1.554, np.array([0.0]))[0] == pytest.approx(
        1 - ((1.554 - 1.514) / (1.554 + 1.514)) ** 2, rel=1e-12)
    # into a lower index, only the escape cone 1/n^2 of a Lambertian source leaves (no Fresnel)
    out = refract_table(lambertian_table(2001, medium_index=1.5), 1.0, n_angles=2001, fresnel=False)
    assert out.hemisphere_power() == pytest.approx(1 / 1.5 ** 2, rel=2e-3)


def test_transfer_led_runs_on_analytic_inputs(config):
    t = copy.deepcopy(config["transfer"])
    t.update(sweep_n_distances=5, source_pitch_um=2.0, led_areas_mm2=[0.02], area_distances_um=[50.0])
    th = np.linspace(0, 90, 91)
    ds, units, sc = transfer_led(lambertian_table(181, 1.554), 1.554, th, np.full(th.size, 0.5),
                                 config["lateral"], t, 20.0)
    # a constant absorbed fraction scales every absorbed quantity exactly
    assert np.allclose(ds["sweep/absorbed_fraction_of_led_power"], 0.5 * ds["sweep/coupling_efficiency"], rtol=1e-9)
    assert ds["sweep/coupling_efficiency"][0] == pytest.approx(1.0, rel=1e-3)  # d = 0
    assert np.all(np.diff(ds["sweep/coupling_efficiency"]) < 0)
    bal = ds["energy_balance"]
    assert np.allclose(bal[:, 0] + bal[:, 1], bal[:, 2], atol=3e-3)
    for name in ds:
        assert name in units


@pytest.mark.parametrize("theta,val,frag", [
    ([0, 10, 5], [1, 1, 1], "increasing"),
    ([0, 45, 95], [1, 1, 1], "0..90"),
    ([5, 45, 90], [1, 1, 1], "start at 0"),
    ([0, 45, 90], [1, -1, 1], ">= 0"),
    ([0, 45, 90], [1, np.nan, 1], "NaN"),
])
def test_bad_angle_tables_raise_config_error_with_key(theta, val, frag):
    with pytest.raises(ConfigError) as err:
        check_angular_table(theta, val, "results/emission/x/emission.h5:intensity_per_sr")
    assert "emission.h5:intensity_per_sr" in str(err.value) and frag in str(err.value)


def test_bad_sizes_and_distances_raise_config_error_with_key():
    with pytest.raises(ConfigError, match="lateral.led_width_um"):
        make_grids(0.0, 140, 290, 270)
    with pytest.raises(ConfigError, match="transfer.source_pitch_um"):
        make_grids(140, 140, 290, 270, pitch_um=-1)
    g = make_grids(140, 140, 290, 270, pitch_um=5)
    with pytest.raises(ConfigError, match="transfer.distances_um"):
        irradiance_maps(g, -1.0, {"inc": lambertian_table()})


@pytest.mark.parametrize("path,value,key", [
    (("transfer", "sweep_distance_max_um"), -5, "transfer.sweep_distance_max_um"),
    (("transfer", "sweep_distance_max_um"), 0.0, "transfer.sweep_distance_max_um"),
    (("transfer", "map_distances_um"), [50, -350], "transfer.map_distances_um"),
    (("transfer", "absorber_layer"), "gap", "transfer.absorber_layer"),
    (("transfer", "gap_material"), "unobtainium", "transfer.gap_material"),
    (("transfer", "led_areas_mm2"), [0.02, 500.0], "transfer.led_areas_mm2[1]"),
    (("lateral", "led_width_um"), 0.5, "lateral.led_width_um"),
    (("transfer", "pump_wavelength_nm"), 300, "transfer.pump_wavelength_nm"),
    (("transfer", "absorption_method"), "meep", "transfer.absorption_meep_angles_deg"),
    (("transfer", "absorption_meep_angles_deg"), [0, 40, 20], "transfer.absorption_meep_angles_deg"),
])
def test_bad_transfer_config_names_the_key(config, path, value, key):
    bad = copy.deepcopy(config)
    bad[path[0]][path[1]] = value
    with pytest.raises(ConfigError) as err:
        validate_config(bad)
    assert key in str(err.value)


def test_spectral_average_of_absorption(config):
    from sims.pump_absorption import absorption_tmm, absorption_tmm_spectral, spectral_weights
    from sims.stack import build_stack

    wl, w = spectral_weights(680.0, 20.0, 15)
    assert w.sum() == pytest.approx(1.0) and wl[np.argmax(w)] == pytest.approx(680.0)
    assert np.allclose(spectral_weights(680.0, 0.0)[0], [680.0])
    st = build_stack(config, "microcavity_II")
    ang = [0.0, 30.0]
    avg = absorption_tmm_spectral(st, 680.0, 20.0, ang, "crystal", n_points=7)
    wl7, w7 = spectral_weights(680.0, 20.0, 7)
    ref = sum(wi * absorption_tmm(st, l / 1e3, ang, "crystal")["A_crystal"] for wi, l in zip(w7, wl7))
    assert np.allclose(avg["A_crystal"], ref, rtol=1e-12, atol=0)


def test_absorption_table_tmm_crystal_share(config):
    from sims.pump_absorption import absorption_tmm
    from sims.stack import build_stack

    st = build_stack(config, "microcavity_II")
    r = absorption_tmm(st, 0.68, [0.0, 20.0, 60.0], "crystal")
    # lossless DBRs: all absorption is in the crystal, and R + T + A = 1
    assert np.max(np.abs(r["A_other"])) < 1e-9
    for p in "sp":
        assert np.allclose(r[f"R_{p}"] + r[f"T_{p}"] + r[f"A_crystal_{p}"], 1.0, atol=1e-9)
    # s and p coincide at normal incidence
    assert r["A_crystal_s"][0] == pytest.approx(r["A_crystal_p"][0], rel=1e-9)


def test_read_emission_checks_the_file(tmp_path):
    from sims.results import write_h5
    from sims.transfer_tables import read_emission

    th = np.linspace(0, 90, 31)
    good = tmp_path / "good.h5"
    write_h5(good, {"theta_deg": th, "intensity_per_sr": np.cos(np.radians(th)),
                    "intensity_air_per_sr": 0.5 * np.cos(np.radians(th)), "extraction_fraction": np.array(0.2)},
             {"exit_medium": "NOA81", "exit_medium_index": 1.554})
    em = read_emission(good)
    assert em["exit"].medium_index == 1.554 and em["exit_medium"] == "NOA81"
    assert em["exit"].hemisphere_power() / em["air"].hemisphere_power() == pytest.approx(2.0, rel=1e-12)
    bad = tmp_path / "bad.h5"
    write_h5(bad, {"theta_deg": th[::-1].copy(), "intensity_per_sr": np.ones(th.size)}, {"exit_medium_index": 1.5})
    with pytest.raises(ConfigError, match="bad.h5:intensity_per_sr"):
        read_emission(bad)
    none = tmp_path / "none.h5"
    write_h5(none, {"theta_deg": th, "intensity_per_sr": np.ones(th.size)}, {})
    with pytest.raises(ConfigError, match="exit_medium_index"):
        read_emission(none)


def test_exit_to_air_ratio_is_flagged_without_an_air_table(tmp_path):
    # the ratio is a Flagged value: ok with an air table, not_reached (never a magic -1) without
    from sims.results import FLAG_CODES, Flagged, read_h5, write_h5
    from sims.transfer_tables import exit_to_air_power_ratio, read_emission

    th = np.linspace(0, 90, 31)
    both, exit_only = tmp_path / "both.h5", tmp_path / "exit_only.h5"
    write_h5(both, {"theta_deg": th, "intensity_per_sr": np.cos(np.radians(th)),
                    "intensity_air_per_sr": 0.5 * np.cos(np.radians(th))}, {"exit_medium_index": 1.554})
    write_h5(exit_only, {"theta_deg": th, "intensity_per_sr": np.cos(np.radians(th))}, {"exit_medium_index": 1.554})
    ok = exit_to_air_power_ratio(read_emission(both))
    assert ok.status() == "ok" and float(ok.values) == pytest.approx(2.0, rel=1e-12)
    missing = exit_to_air_power_ratio(read_emission(exit_only))
    assert missing.status() == "not_reached" and np.isnan(missing.as_float())
    out = tmp_path / "t.h5"
    write_h5(out, {"exit_to_air_power_ratio": missing})
    back = read_h5(out)[0]["exit_to_air_power_ratio"]
    assert isinstance(back, Flagged) and int(back.flags) == FLAG_CODES["not_reached"] and float(back.values) == 0.0


def test_device_geometry_of_both_devices(config):
    from sims.transfer import device_geometry

    d, sub, bond = device_geometry(config, "microcavity")
    assert sub is None and bond == "none"
    assert d == config["layers"][config["transfer"]["devices"]["microcavity"]["gap_layer"]]["thickness_nm"] / 1e3
    st = config["transfer"]["devices"]["standard"]
    d, sub, bond = device_geometry(config, "standard")
    assert d == st["distance_um"] and bond == st["bond"] and sub <= d
    bad = copy.deepcopy(config)
    bad["transfer"]["devices"]["standard"]["distance_um"] = 0.5 * sub
    with pytest.raises(ConfigError, match="transfer.devices.standard.distance_um"):
        device_geometry(bad, "standard")


def test_layer_absorption_is_the_tmm_package_result(config):
    # sims.transfer_matrix owns the tmm calls: same numbers as calling the package directly
    import tmm

    from sims.stack import build_stack
    from sims.transfer_matrix import layer_absorption

    stack = build_stack(config, config["transfer"]["absorber_stack"])
    wl = config["transfer"]["pump_wavelength_nm"] / 1e3
    r = layer_absorption(stack, wl, [0.0, 40.0], "p")
    n = np.array(stack.index_profile(wl), dtype=complex)
    n[0] = n[0].real
    d = [np.inf] + [l.thickness_um for l in stack.layers] + [np.inf]
    ref = tmm.coh_tmm("p", n, d, np.radians(40.0), wl)
    assert r["R"][1] == ref["R"] and r["T"][1] == ref["T"]
    assert np.array_equal(r["absorbed"][1], tmm.absorp_in_each_layer(ref))
    assert np.allclose(r["absorbed"].sum(axis=1), 1.0, atol=1e-9)


def test_lasing_spot_sits_on_the_absorbed_maximum():
    from sims.transfer_radiometry import spot_center, spot_mean

    th = np.linspace(0, 90, 181)
    ring = AngularTable(th, np.sin(np.radians(th)) ** 4 * np.cos(np.radians(th)), 1.554).normalised()
    g = make_grids(40.0, 40.0, 600.0, 600.0, pitch_um=2.0)
    m = irradiance_maps(g, 150.0, {"inc": ring})["inc"]
    c = spot_center(g, m)
    assert np.hypot(*c) > 100.0  # the off-axis lobe makes a ring, not a central peak
    assert spot_mean(g, m, 10.0, c) > 2 * spot_mean(g, m, 10.0, (0.0, 0.0))
    assert spot_mean(g, m, 0.1, c) == pytest.approx(m.max(), rel=1e-12)
    # a plateau (d = 0: uniform under the LED) puts the spot at the centre, not at a corner
    g0 = make_grids(140.0, 140.0, 290.0, 270.0, pitch_um=1.0)
    m0 = irradiance_maps(g0, 0.0, {"inc": ring})["inc"]
    assert np.hypot(*spot_center(g0, m0)) < 1.0
    assert spot_mean(g0, m0, 20.0, spot_center(g0, m0)) == pytest.approx(m0.max(), rel=1e-12)


# ---------------------------------------------------------------------------------------
# issue 17: devices as built, spectral and multipass model
# ---------------------------------------------------------------------------------------
from sims.transfer import device_sweep_um, transfer_device  # noqa: E402
from sims.transfer_multipass import air_gap_effective, device_optics, multipass_maps, pass_tables  # noqa: E402
from sims.transfer_tables import read_emission_spectral  # noqa: E402

TH = np.linspace(0.0, 89.9, 181)
WL = np.linspace(620.0, 740.0, 25)


def _synthetic_emission(power=6, n=1.554):
    """Unequal s and p maps in the exit medium, EL line at 680 nm (per W leaving the LED)."""
    el = np.exp(-4 * np.log(2) * ((WL - 680) / 22) ** 2)
    c = np.cos(np.radians(TH))
    i_s = (c ** power)[:, None] * el[None, :] * (1 + 0.002 * (WL - 680))[None, :]
    i_p = 0.6 * (c ** (power + 2))[:, None] * el[None, :]
    return {"theta_deg": TH, "wavelength_nm": WL, "I_s": i_s, "I_p": i_p, "el_spectrum_per_nm": el,
            "polarization": "synthetic"}


def _synthetic_absorption(flat=False):
    """pump_absorption.h5-like datasets with simple angle/wavelength dependence."""
    c = np.cos(np.radians(TH))[:, None]
    lam = np.ones((1, WL.size)) if flat else (1 + 0.3 * np.sin((WL - 620) / 15))[None, :]
    ab = {"spectral/theta_deg": TH, "spectral/wavelength_nm": WL, "spectral/index/gap": 1.554,
          "spectral/index/substrate": 1.514, "spectral/index/air": 1.0,
          "table/theta_deg": TH, "table/absorbed_fraction": 0.5 * c[:, 0]}
    for key in ("gap", "substrate", "air"):
        for pol, f in (("s", 0.5), ("p", 0.6)):
            A = np.clip(f * c * lam * np.ones((1, WL.size)), 0, 0.9)
            ab[f"spectral/ii/{key}/A_{pol}"] = A
            ab[f"spectral/ii/{key}/R_{pol}"] = 1 - A
    for led, r in (("microcavity", 0.7), ("standard", 0.8)):
        for pol in ("s", "p"):
            ab[f"spectral/led/{led}/R_{pol}"] = np.clip(r * lam * np.ones((TH.size, 1)), 0, 0.95)
    return ab


def _small_tcfg(config):
    t = copy.deepcopy(config["transfer"])
    t.update(source_pitch_um=5.0, sweep_n_distances=5, map_distances_um=[350.0], led_areas_mm2=[0.02],
             area_distances_um=[350.0], map_margin_um=10.0, multipass_tolerance=1e-4)
    return t


@pytest.mark.parametrize("d_um,n_wl", [(20.0, 25), (40.0, 41)])
def test_multipass_equals_exact_planar_solution_on_infinite_crystal(config, d_um, n_wl):
    # the exact plane-wave (Green's function) solution of LED + NOA81 gap + microcavity II (s, 2D,
    # sims.transfer_fullwave) averaged over enough frequencies to wash out the gap fringes, against
    # this step's multipass model built from its own vectorised tables (rta_grid) and pass sums
    from sims import transfer_fullwave as tf
    from sims.transfer_matrix import rta_grid

    cfg = copy.deepcopy(config)
    fw = cfg["transfer_fullwave"]
    fw.update(mirror_pairs=3, coherent_dkx_per_um=1e-3)
    full0, led, ii, z_src = tf.build_structures(cfg)
    wl = np.linspace(670.0, 690.0, n_wl)
    theta = np.linspace(0.0, 89.9, 901)
    edges = tf.bin_edges(2.0, 1.0)
    exact, I, A, Rii, Rled = [], *(np.zeros((theta.size, wl.size)) for _ in range(4))
    for j, lam in enumerate(wl):
        f = 1e3 / lam
        idx = lambda st: np.array(st.index_profile(1 / f))  # noqa: E731
        p_led, p_ii = tf.planar_from_stack(led, idx(led)), tf.planar_from_stack(ii, idx(ii))
        i_e = p_led.group_index(fw["emitter_group"])[0]
        off = z_src - p_led.interfaces()[i_e]
        p_led_s, i_src = tf.split_layer(p_led, i_e, off)
        em = tf.led_alone_emission(p_led_s, i_src, f, fw["kx_max_near_per_um"], 201, theta, 1e-3)
        full = full0.with_thickness(fw["gap_group"], d_um)
        p_full_s, i_src_f = tf.split_layer(tf.planar_from_stack(full, idx(full)), i_e, off)
        co = tf.coherent_solution(p_full_s, i_src_f, fw["crystal_group"], f, d_um, float(np.real(p_led.n_above)),
                                  edges, 1e-3, fw["kx_max_near_per_um"])
        exact.append(co["absorbed_total"] / em["up_total"])
        I[:, j] = em["dP_dtheta"] / em["up_total"]
        r = rta_grid(np.array([[p_ii.n_below, *p_ii.n, p_ii.n_above]]), p_ii.t, [lam / 1e3], theta,
                     [g == fw["crystal_group"] for g in p_ii.groups])
        A[:, j], Rii[:, j] = r["A_abs_s"][:, 0], r["R_s"][:, 0]
        pr = tf.reversed_planar(p_led)
        Rled[:, j] = rta_grid(np.array([[pr.n_below, *pr.n, pr.n_above]]), pr.t, [lam / 1e3], theta)["R_s"][:, 0]
    span = wl[-1] - wl[0]
    zero = np.zeros_like(I)
    pt = pass_tables(theta, wl, {"I_s": I / span, "I_p": zero}, {"A_s": A, "A_p": zero}, {"R_s": Rii, "R_p": Rii},
                     {"R_s": Rled, "R_p": Rled}, 1e-5, 1000, measure=2.0)
    ref = np.trapz(exact, wl) / span
    summed = sum(np.trapz(2 * t, np.radians(theta)) for t in pt["tables"])
    assert rel_err(pt["infinite_plane"], ref) < 0.03
    assert rel_err(summed, pt["infinite_plane"]) < 1e-4          # the truncated pass sum reaches the series
    assert rel_err(pt["single_pass_infinite"], ref) > 0.15       # one pass would not (the check discriminates)


def test_spectral_model_reduces_to_el_averaged_for_flat_optics(config):
    em = _synthetic_emission()
    ab = _synthetic_absorption(flat=True)
    for led, bond in (("microcavity", "gap"), ("standard", "index_matched"), ("standard", "air_gap")):
        opt = device_optics(led, bond, ab, TH)
        a = pass_tables(TH, WL, em, opt["A"], opt["R_ii"], opt["R_led"], 1e-6, 500)
        b = pass_tables(TH, WL, em, opt["A"], opt["R_ii"], opt["R_led"], 1e-6, 500, el_weights=em["el_spectrum_per_nm"])
        assert a["n_passes"] == b["n_passes"]
        for ta, tb in zip(a["tables"], b["tables"]):
            assert np.allclose(ta, tb, rtol=1e-12, atol=1e-15)
        assert a["infinite_plane"] == pytest.approx(b["infinite_plane"], rel=1e-12)
    # with wavelength-dependent optics the two differ (the spectral integral matters)
    ab2 = _synthetic_absorption(flat=False)
    opt = device_optics("microcavity", "gap", ab2, TH)
    a = pass_tables(TH, WL, em, opt["A"], opt["R_ii"], opt["R_led"], 1e-6, 500)
    b = pass_tables(TH, WL, em, opt["A"], opt["R_ii"], opt["R_led"], 1e-6, 500, el_weights=em["el_spectrum_per_nm"])
    assert abs(a["infinite_plane"] / b["infinite_plane"] - 1) > 1e-3


@pytest.mark.parametrize("d_um", [50.0, 350.0])
def test_energy_per_pass_lands_plus_misses_equals_leaves(d_um):
    em = _synthetic_emission()
    opt = device_optics("microcavity", "gap", _synthetic_absorption(), TH)
    pt = pass_tables(TH, WL, em, opt["A"], opt["R_ii"], opt["R_led"], 1e-4, 50)
    g = make_grids(*LED, *CRYSTAL, pitch_um=2.0)
    for n, tab in enumerate(pt["tables"][:3]):
        t = AngularTable(TH, tab, 1.554)
        dn = (2 * n + 1) * d_um
        lands = landed_fraction(g, irradiance_maps(g, dn, {"a": t})["a"])
        misses = missed_fraction_angular(g, dn, t, source_stride=5)
        assert abs(lands + misses - t.hemisphere_power()) < 2e-3 * max(1.0, t.hemisphere_power())
    # the multipass map adds every pass: its landed power is the sum of the passes' landed powers
    m = multipass_maps(g, d_um, TH, pt, 1.554)
    per = sum(landed_fraction(g, irradiance_maps(g, (2 * n + 1) * d_um, {"a": AngularTable(TH, tab, 1.554)})["a"])
              for n, tab in enumerate(pt["tables"]))
    assert landed_fraction(g, m["absorbed"]) == pytest.approx(per, rel=1e-5)  # passes > 1: summed kernel (1D rho grid)


def test_absorbed_pump_decreases_with_distance_for_both_devices(config):
    em = _synthetic_emission()
    ab = _synthetic_absorption()
    t = _small_tcfg(config)
    for led, dist, sub in (("microcavity", 50.0, None), ("standard", 350.0, 350.0)):
        exit_tab = AngularTable(TH, np.trapz(em["I_s"] + em["I_p"], WL, axis=1), 1.554 if sub is None else 1.514)
        ds, units, sc = transfer_device(led, em, exit_tab, ab, {"led_width_um": 140, "led_length_um": 140,
                                                                 "crystal_width_um": 290, "crystal_length_um": 270},
                                        t, dist, 20.0, substrate_um=sub, bond="index_matched", n_gap=1.554)
        d = ds["sweep/distance_um"]
        assert d[0] == pytest.approx(t["sweep_distance_min_um"] if sub is None else sub)
        for k in ("spot_absorbed_ratio", "crystal_mean_absorbed_ratio", "absorbed_fraction_of_led_power"):
            assert np.all(np.diff(ds[f"sweep/{k}"]) < 0), (led, k)
        assert float(ds["device/multipass_factor_crystal_mean"]) > 1.0
        assert float(ds["device/multipass_factor_infinite_plane"]) >= float(ds["device/multipass_factor_crystal_mean"]) - 1e-9
        assert float(ds["device/multipass_weight_left"]) < t["multipass_tolerance"]
        for k in ("device/spot_absorbed_ratio", "device/crystal_mean_absorbed_ratio", "ray_tracing/coupling_efficiency",
                  "sweep/spot_absorbed_ratio", "maps/spot_absorbed_ratio", "area/spot_absorbed_ratio"):
            assert k in units and units[k]
        variants = {"single_pass", "el_averaged", "single_pass_el_averaged"}
        if led == "standard":
            variants |= {"bond_index_matched", "bond_air_gap"}
            assert float(ds["device/variants/bond_index_matched/spot_absorbed_ratio"]) == float(ds["device/spot_absorbed_ratio"])
        for v in variants:
            assert f"device/variants/{v}/crystal_mean_absorbed_ratio" in ds
        eb = ds["device/energy_balance_passes"]
        assert np.allclose(eb[:, 0] + eb[:, 1], eb[:, 2], atol=3e-3)
        # the absorbed map at the device's own distance (the laser step's pump map) is the map of the
        # configured map distances where they coincide, on the crystal grid
        dm, x, y = ds["device/absorbed_map"], ds["device/map_x_um"], ds["device/map_y_um"]
        assert dm.shape == (x.size, y.size)
        j = np.nonzero(np.isclose(ds["map_distance_um"], dist))[0]
        if j.size:
            ix = np.nonzero(np.isclose(ds["map_x_um"][:, None], x[None, :]).any(axis=1))[0]
            iy = np.nonzero(np.isclose(ds["map_y_um"][:, None], y[None, :]).any(axis=1))[0]
            assert np.allclose(ds["absorbed_map"][j[0]][np.ix_(ix, iy)], dm, rtol=1e-12, atol=0)


def test_single_cavity_sweep_starts_at_the_substrate_and_is_extended_if_needed(config):
    t = copy.deepcopy(config["transfer"])
    d, ext = device_sweep_um(t, "standard", 350.0)
    assert d[0] == 350.0 and d[-1] == t["sweep_distance_max_um"] and not ext
    t["sweep_distance_max_um"] = 300.0
    d, ext = device_sweep_um(t, "standard", 350.0)
    assert ext and d[0] == 350.0 and d[-1] > 350.0
    d, ext = device_sweep_um(config["transfer"], "microcavity")
    assert d[0] == config["transfer"]["sweep_distance_min_um"]


def test_crystal_closer_than_its_substrate_names_the_key(config):
    bad = copy.deepcopy(config)
    bad["transfer"]["devices"]["standard"]["distance_um"] = 100.0
    with pytest.raises(ConfigError) as e:
        validate_config(bad)
    assert "transfer.devices.standard.distance_um" in str(e.value)
    assert "closer than its substrate" in str(e.value)


def test_air_gap_absorbs_nothing_beyond_the_glass_critical_angle():
    ab = _synthetic_absorption()
    ii_air = {k: ab[f"spectral/ii/air/{k}"] for k in ("A_s", "A_p", "R_s", "R_p")}
    n_g = 1.514
    eff = air_gap_effective(TH, n_g, 1.0, TH, ii_air)
    crit = np.degrees(np.arcsin(1 / n_g))
    beyond = TH > crit + 1e-9
    below = TH < crit - 1.0
    for pol in ("s", "p"):
        assert np.all(eff[f"A_{pol}"][beyond] == 0.0)
        assert np.all(eff[f"R_{pol}"][beyond] == 1.0)
        assert np.all(eff[f"A_{pol}"][below] > 0)
        # energy: A_eff + R_eff <= 1 (the rest goes through microcavity II)
        assert np.all(eff[f"A_{pol}"] + eff[f"R_{pol}"] <= 1 + 1e-12)
    opt = device_optics("standard", "air_gap", ab, TH)
    assert np.all(opt["A"]["A_s"][beyond] == 0) and np.all(opt["A"]["A_p"][beyond] == 0)
    # index-matched: light at every glass angle reaches DBR2
    opt_im = device_optics("standard", "index_matched", ab, TH)
    assert np.all(opt_im["A"]["A_s"][beyond & (TH < 89)] > 0)


def test_emission_without_s_map_falls_back_to_unpolarised(tmp_path):
    import h5py

    p = tmp_path / "emission.h5"
    with h5py.File(p, "w") as fh:
        fh["theta_deg"] = TH
        fh["wavelength_nm"] = WL
        fh["intensity_map_per_sr_per_nm"] = np.ones((TH.size, WL.size))
    em = read_emission_spectral(p)
    assert np.allclose(em["I_s"], 0.5) and np.allclose(em["I_p"], 0.5)
    assert "unpolarised" in em["polarization"]


@pytest.mark.parametrize("d0", [5.0, 50.0, 350.0])
def test_summed_pass_kernel_equals_the_sum_of_pass_maps(d0):
    from sims.transfer_radiometry import irradiance_map_passes

    th = np.linspace(0, 89.9, 181)
    g = make_grids(140.0, 100.0, 290.0, 270.0, pitch_um=2.0, margin_um=20.0)
    tabs = [np.cos(np.radians(th)) ** k * (1 + 0.3 * np.sin(th / 7)) for k in (2, 5, 9)]
    ds = [d0 * (2 * n + 1) for n in range(1, 4)]
    ref = sum(irradiance_maps(g, d, {"a": AngularTable(th, tb, 1.5)})["a"] for d, tb in zip(ds, tabs))
    new = irradiance_map_passes(g, ds, th, tabs)
    assert np.max(np.abs(new - ref)) < 1e-4 * ref.max()
