"""Inter-cavity transfer: analytic view factors, energy balance, zero-distance limit, symmetry,
refraction, absorption table, and config errors naming the key."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import rel_err

from sims.config import ConfigError, validate_config
from sims.transfer import (AngularTable, check_angular_table, fresnel_power_transmission, irradiance_maps,
                           lambertian_table, landed_fraction, make_grids, missed_fraction_angular,
                           refract_table, transfer_led, view_factor_coaxial_disks,
                           view_factor_parallel_rectangles)

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
    from sims.hdf5io import write_h5
    from sims.transfer import read_emission

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


def test_lasing_spot_sits_on_the_absorbed_maximum():
    from sims.transfer import spot_center, spot_mean

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
