"""Threshold model: gain formula, scaling laws, units end to end, EQE fit, unreachable
thresholds, rate equations, summary = HDF5, and config errors naming the key."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from conftest import rel_err

from sims.config import ConfigError

from sims.config_checks import validate_config
from sims.led_efficiency import RollOff, fit_rolloff, photon_energy_ev
from sims.results import FLAG_CODES, Flagged
from sims.threshold import (absorbed_irradiance_w_per_cm2, carrier_threshold, current_threshold,
                            material_threshold_gain_per_cm, modal_threshold_gain_per_cm,
                            recombination_coefficients)
from sims.threshold_study import threshold_study

MODE = {"lasing_wavelength_nm": 803.0, "Q_total": 2500.0, "Q_mirror": 2.0e4, "Q_absorption": 2857.0,
        "confinement_energy": 0.3, "group_index": 2.2, "gain_layer_thickness_nm": 180.0, "Q_measured": 780.0}


def test_threshold_gain_formula_by_hand():
    # alpha = 2 pi n_g / (lambda Q): 2 pi 2.5 / (803e-7 cm * 780) = 250.79 / cm
    assert modal_threshold_gain_per_cm(803.0, 780.0, 2.5) == pytest.approx(2 * math.pi * 2.5 / (803e-7 * 780), rel=1e-12)
    assert modal_threshold_gain_per_cm(803.0, 780.0, 2.5) == pytest.approx(250.79, rel=1e-4)
    assert material_threshold_gain_per_cm(803.0, 780.0, 2.5, 0.25) == pytest.approx(4 * 250.79, rel=1e-4)


def test_doubling_q_halves_threshold_gain():
    for q in (100.0, 780.0, 1e4):
        assert modal_threshold_gain_per_cm(803, 2 * q, 2.2) == pytest.approx(0.5 * modal_threshold_gain_per_cm(803, q, 2.2), rel=1e-12)
        assert material_threshold_gain_per_cm(803, 2 * q, 2.2, 0.3) == pytest.approx(
            0.5 * material_threshold_gain_per_cm(803, q, 2.2, 0.3), rel=1e-12)


def test_carrier_threshold_uses_chosen_q(config):
    cfg = copy.deepcopy(config["threshold"])
    out = carrier_threshold(cfg, MODE)
    assert out["g_material_th_per_cm"] == out[f"g_material_{cfg['q_choice']}_per_cm"]
    g0, ntr = cfg["assumed"]["g0_per_cm"]["value"], cfg["assumed"]["n_tr_per_cm3"]["value"]
    assert out["n_th_model_per_cm3"] == pytest.approx(ntr * math.exp(out["g_material_th_per_cm"] / g0), rel=1e-12)
    assert out["n_th_measured_per_cm3"] == 3.9e16


def test_absorbed_irradiance_units_end_to_end():
    # R = N / tau (k2 = k3 = 0): 3.9e16 / 134.7e-9 s = 2.895e23 cm^-3 s^-1; x 180e-7 cm x 1.8233 eV x 1.602e-19 J/eV
    coeffs = recombination_coefficients(3.9e16, 134.7, 0.0, 0.0)
    i_abs = absorbed_irradiance_w_per_cm2(3.9e16, coeffs, 180.0, 680.0)
    by_hand = 3.9e16 / 134.7e-9 * 180e-7 * (1239.841984 / 680.0) * 1.602176634e-19
    assert i_abs == pytest.approx(by_hand, rel=1e-12)
    assert i_abs == pytest.approx(1.5226, rel=1e-3)  # W/cm^2
    # anchoring: with k2, k3 > 0 the rate at the measured density is unchanged
    c2 = recombination_coefficients(3.9e16, 134.7, 2e-11, 1e-28)
    assert absorbed_irradiance_w_per_cm2(3.9e16, c2, 180.0, 680.0) == pytest.approx(i_abs, rel=1e-12)


def test_eqe_fit_reproduces_points_and_measured_exitance(config):
    pts = config["threshold"]["measured"]["eqe_points"]
    j = [p["current_density_a_per_cm2"] for p in pts]
    e = [p["eqe"] for p in pts]
    for m in (0.8, 1.0, 2.0):
        fit, rms = fit_rolloff(j, e, m)
        assert rms < 1e-8 and rel_err(fit.eqe(j), e) < 1e-7
    # independent paper number: P(2.5 kA/cm^2) = EQE J h nu / e should be the measured 25.1 W/cm^2
    fit, _ = fit_rolloff(j, e, 1.0)
    p = float(fit.exitance_w_per_cm2(2500.0, photon_energy_ev(680.0)))
    assert p == pytest.approx(25.1, rel=0.01)


def test_doubling_coupling_halves_jth_where_eqe_is_flat(config):
    cfg = copy.deepcopy(config["threshold"])
    flat = RollOff(0.05, 1e12, 1.0)  # no roll-off in range
    a = current_threshold(1.5, 0.2, 1.0, flat, 1.0, cfg)
    b = current_threshold(1.5, 0.4, 1.0, flat, 1.0, cfg)
    assert b["j_th_a_per_cm2"] == pytest.approx(0.5 * a["j_th_a_per_cm2"], rel=1e-9)
    # and J_th = M / (EQE h nu) with M = I_abs / r
    assert a["j_th_a_per_cm2"] == pytest.approx(1.5 / 0.2 / (0.05 * photon_energy_ev(680.0)), rel=1e-9)


def test_unreachable_threshold_is_nan_not_a_number(config):
    cfg = copy.deepcopy(config["threshold"])
    roll = RollOff(0.05, 200.0, 2.0)  # P(J) peaks below J_max
    r = current_threshold(1.5, 1e-4, 1.0, roll, 1.0, cfg)
    assert math.isnan(r["j_th_a_per_cm2"]) and not r["reachable"]
    assert r["exitance_needed_w_per_cm2"] > r["exitance_available_max_w_per_cm2"]


def _transfer(ratio: float, distance_um: float) -> dict:
    """Synthetic transfer datasets of one LED (the names the threshold step reads)."""
    md = np.array([50.0, 350.0])
    x = np.arange(-10.5, 11.0)
    d = np.array([distance_um, distance_um + 50.0, distance_um + 100.0])
    out = {"device/distance_um": np.array(distance_um), "map_distance_um": md, "map_x_um": x, "map_y_um": x,
           "absorbed_map": np.full((2, x.size, x.size), ratio),
           "device/spot_absorbed_ratio": np.array(ratio), "device/crystal_mean_absorbed_ratio": np.array(ratio / 2),
           "sweep/distance_um": d, "sweep/spot_absorbed_ratio": ratio / (1 + (d - d[0]) / 50),
           "sweep/crystal_mean_absorbed_ratio": ratio / 2 / (1 + (d - d[0]) / 50),
           "area/spot_absorbed_ratio": np.full((2, 2), ratio), "area/mean_absorbed_ratio": np.full((2, 2), ratio / 2),
           "led_area_mm2": np.array([0.02, 0.1]), "area_distance_um": md, "exit_to_air_power_ratio": np.array(1.2),
           "device/absorbed_photon_energy_ev": np.array(1.80),
           "ray_tracing/coupling_efficiency": np.array(0.4), "ray_tracing/mean_irradiance_ratio": np.array(ratio)}
    variants = [("single_pass", 0.7), ("el_averaged", 1.1)]
    if distance_um >= 350:  # the single-cavity device: both bonds, index-matched configured
        variants += [("bond_index_matched", 1.0), ("bond_air_gap", 0.3)]
        out["_attrs"] = {"bond": "index_matched"}
    for v, f in variants:
        out[f"device/variants/{v}/spot_absorbed_ratio"] = np.array(ratio * f)
        out[f"device/variants/{v}/crystal_mean_absorbed_ratio"] = np.array(ratio * f / 2)
    return out


A405 = {"below": 0.45, "above": 0.2}


def test_optical_anchor_by_hand(config):
    from sims.threshold import anchor_fluxes, optical_anchor_flux

    # 6.6 W/cm^2 x 0.45 / (3.0614 eV x 1.602e-19 J/eV) = 6.056e18 photons / (cm^2 s)
    by_hand = 6.6 * 0.45 / (1239.841984 / 405.0 * 1.602176634e-19)
    assert optical_anchor_flux(6.6, 0.45, 405.0) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(6.056e18, rel=1e-3)
    cfg = copy.deepcopy(config["threshold"])
    af = anchor_fluxes(cfg, MODE, A405)
    assert af["flux"]["optical"] == pytest.approx(by_hand, rel=1e-12)
    # carrier route: R(N_th) t = N_th / tau t (k1 anchored): 3.9e16 / 134.7e-9 x 180e-7 = 5.21e18
    assert af["flux"]["carrier"] == pytest.approx(3.9e16 / 134.7e-9 * 180e-7, rel=1e-9)
    # "what would make them agree" closes the gap exactly
    assert optical_anchor_flux(6.6, af["agree_absorbed_fraction_405"], 405.0) == pytest.approx(af["flux"]["carrier"])
    cfg["measured"]["lifetime_ns"]["value"] = af["agree_lifetime_ns"]
    cfg["assumed"]["k2_cm3_per_s"]["value"] = cfg["assumed"]["k3_cm6_per_s"]["value"] = 0.0
    assert anchor_fluxes(cfg, MODE, A405)["flux"]["carrier"] == pytest.approx(af["flux"]["optical"], rel=1e-9)


def test_side_of_the_405nm_pump_is_a_choice(config):
    from sims.threshold import anchor_fluxes

    cfg = copy.deepcopy(config["threshold"])
    below = anchor_fluxes(cfg, MODE, A405)["flux"]["optical"]
    cfg["optical_pump_side"] = "above"
    assert anchor_fluxes(cfg, MODE, A405)["flux"]["optical"] == pytest.approx(below * 0.2 / 0.45, rel=1e-12)


def test_absorbed_405nm_share_of_microcavity_ii(config):
    from sims.stack import build_stack
    from sims.threshold import absorbed_fraction_normal

    st = build_stack(config, "microcavity_II")
    a_below = absorbed_fraction_normal(st, 405.0, "crystal", "below")
    a_above = absorbed_fraction_normal(st, 405.0, "crystal", "above")
    assert 0 < a_below < 1 and 0 < a_above < 1
    # a bare crystal film in air absorbs at most 1 - R - T; the entry loss is the air/NOA81 Fresnel factor
    n = config["materials"]["NOA81"]["n"]
    assert a_below <= 1 - ((n - 1) / (n + 1)) ** 2 + 1e-12


def test_threshold_study_and_summary_equal_hdf5(config, tmp_path):
    from sims.results import write_h5
    from sims.summary import Entry, build_summary

    cfg = copy.deepcopy(config["threshold"])
    tr = {"microcavity": _transfer(0.3, 50.0), "standard": _transfer(1e-6, 350.0)}  # standard: unreachable
    ds, units, attrs = threshold_study(cfg, MODE, tr, A405)
    # a threshold not reached is flagged, never a magic number
    single = ds["headline/single_cavity/j_th_a_per_cm2"]
    assert isinstance(single, Flagged) and single.status() == "not_reached" and float(single.values) == 0.0
    assert "-1" not in units["headline/single_cavity/j_th_a_per_cm2"]
    f = lambda k: float(ds[k].as_float()) if isinstance(ds[k], Flagged) else float(ds[k])
    # the single cavity is not reached: the ratio is the lower bound J_max / J_th(dual)
    assert bool(ds["headline/ratio_is_lower_bound"])
    assert f("headline/single_cavity/exitance_needed_w_per_cm2") > 28.5
    jd = f("headline/dual_cavity/j_th_a_per_cm2")
    assert 0 < jd < 2500
    assert f("headline/ratio_single_over_dual") == pytest.approx(2500.0 / jd)
    assert jd == f(f"jth/dual_cavity/{cfg['anchor']}/{cfg['pump_reading']}/device")
    # the crystal-mean reading is half the spot ratio here: more current
    assert f("jth/dual_cavity/optical/crystal_mean/device") > jd
    # J_th grows with distance along the sweep (the ratio falls)
    js = ds["jth/dual_cavity/optical/spot/sweep"].as_float()
    assert np.all(np.diff(js[np.isfinite(js)]) > 0)
    # variants: a smaller absorbed ratio (single pass) needs more current
    assert f("variants/dual_cavity/single_pass/j_th_a_per_cm2") > jd
    # ray-tracing power-density ratio at equal LED power
    assert float(ds["ray_tracing/power_density_ratio_dual_over_single"]) == pytest.approx(0.3 / 1e-6)
    path = tmp_path / "threshold.h5"
    write_h5(path, ds, attrs, units)
    s = build_summary([Entry("jd", str(path), "headline/dual_cavity/j_th_a_per_cm2", "A/cm^2", "d"),
                       Entry("js", str(path), "jth/single_cavity/optical/spot/device", "A/cm^2", "s"),
                       Entry("q", str(path), "@q_choice", "", "q")])
    assert s["jd"]["value"] == jd and s["jd"]["status"] == "ok"
    assert s["js"]["value"] is None and "not reached" in s["js"]["statement"]
    assert s["js"]["status"] == "not_reached"
    assert s["q"]["value"] == cfg["q_choice"]
    json.dumps(s)
    # tornado: every choice and assumed input, both devices, low/high
    rows = json.loads(attrs["tornado_rows"])
    tab = ds["tornado/j_th_a_per_cm2"].as_float()
    assert tab.shape == (len(rows), 2, 2) and len(rows) == 8 + len(cfg["assumed"])
    app = ds["tornado/applicable"]
    assert np.array_equal(app, ds["tornado/j_th_a_per_cm2"].flags != FLAG_CODES["not_applicable"])
    i = [k for k, r in enumerate(rows) if r.startswith("bond")][0]
    assert not app[i, 0].any() and app[i, 1].all(), "the bond exists only for the single cavity"
    i = [k for k, r in enumerate(rows) if r.startswith("multipass")][0]
    assert tab[i, 0, 0] == f("variants/dual_cavity/single_pass/j_th_a_per_cm2")
    # sensitivity: value column of each anchor is that anchor's dual-cavity J_th
    sens = ds["sensitivity/j_th_a_per_cm2"].as_float()
    assert sens.shape == (len(cfg["assumed"]), 3, 3)
    assert np.allclose(sens[:, 0, 1], jd)


def test_gain_model_anchor_moves_with_q_and_the_optical_anchor_does_not(config):
    from sims.threshold import anchor_fluxes

    cfg = copy.deepcopy(config["threshold"])
    a = anchor_fluxes(cfg, MODE, A405)
    b = anchor_fluxes(cfg, dict(MODE, Q_measured=MODE["Q_measured"] / 2), A405)
    assert b["flux"]["gain_model"] > a["flux"]["gain_model"]
    assert b["flux"]["optical"] == a["flux"]["optical"] and b["flux"]["carrier"] == a["flux"]["carrier"]


def test_rate_equations_clamp_at_threshold_and_balance():
    from sims.rate_equations import photon_lifetime_s, steady_state

    tau_p = photon_lifetime_s(2500.0, 803.0)
    coeffs = recombination_coefficients(3.9e16, 134.7, 2e-11, 1e-28)
    kw = dict(g0_per_cm=2000.0, n_tr_per_cm3=1e16, gamma=0.3, group_index=2.2, tau_p_s=tau_p, coeffs=coeffs,
              beta=1e-3)
    probe = steady_state([1.0], **kw)
    n_th = probe["n_th_per_cm3"]
    g_th = 2000.0 * math.log(n_th / 1e16)
    assert g_th == pytest.approx(material_threshold_gain_per_cm(803.0, 2500.0, 2.2, 0.3), rel=1e-9)
    r_th = float(np.polyval([coeffs[2], coeffs[1], coeffs[0], 0.0], n_th))
    G = np.array([0.1, 0.5, 2.0, 10.0]) * r_th
    ss = steady_state(G, **kw)
    N, S = ss["N_per_cm3"], ss["S_per_cm3"]
    assert np.all(N[2:] < n_th) and np.all(N[2:] > 0.99 * n_th)  # clamped above threshold
    assert S[3] / S[2] == pytest.approx((G[3] - r_th) / (G[2] - r_th), rel=0.02)  # linear above threshold
    vg = 2.99792458e10 / 2.2
    resid = G - (np.polyval([coeffs[2], coeffs[1], coeffs[0], 0.0], N) + vg * 2000.0 * np.log(N / 1e16) * S)
    assert np.max(np.abs(resid / G)) < 1e-6


@pytest.mark.parametrize("path,value,key", [
    (("measured", "lifetime_ns", "value"), -134.7, "threshold.measured.lifetime_ns.value"),
    (("measured", "n_th_per_cm3", "value"), 0.0, "threshold.measured.n_th_per_cm3.value"),
    (("measured", "max_current_density_a_per_cm2", "value"), -1.0, "threshold.measured.max_current_density_a_per_cm2"),
    (("assumed", "g0_per_cm", "value"), 1e5, "threshold.assumed.g0_per_cm"),
    (("assumed", "k2_cm3_per_s", "value"), 1e-9, "threshold.assumed.k2_cm3_per_s"),
    (("q_choice",), "total", "threshold.q_choice"),
    (("assumed", "n_tr_per_cm3", "max"), 5e16, "threshold.assumed.n_tr_per_cm3"),
    (("measured", "optical_threshold_w_per_cm2", "value"), 0.0, "threshold.measured.optical_threshold_w_per_cm2"),
])
def test_bad_threshold_inputs_name_the_key(config, path, value, key):
    bad = copy.deepcopy(config)
    node = bad["threshold"]
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    if path[:2] == ("assumed", "k2_cm3_per_s"):
        node["max"] = max(node["max"], value)
    with pytest.raises(ConfigError) as err:
        validate_config(bad)
    assert key in str(err.value)


@pytest.mark.parametrize("missing", ["lifetime_ns", "n_th_per_cm3", "eqe_points", "optical_threshold_w_per_cm2"])
def test_missing_measured_input_names_the_key(config, missing):
    bad = copy.deepcopy(config)
    del bad["threshold"]["measured"][missing]
    with pytest.raises(ConfigError) as err:
        validate_config(bad)
    assert "threshold.measured" in str(err.value) and missing in str(err.value)


def test_bad_eqe_point_names_the_key(config):
    bad = copy.deepcopy(config)
    bad["threshold"]["measured"]["eqe_points"][1]["eqe"] = 1.5
    with pytest.raises(ConfigError, match=r"threshold.measured.eqe_points\[1\].eqe"):
        validate_config(bad)


def test_mode_file_with_bad_value_names_the_dataset(config):
    bad = dict(MODE, Q_total=-3.0)
    with pytest.raises(ConfigError, match="Q_total"):
        carrier_threshold(copy.deepcopy(config["threshold"]), bad)
    incomplete = {k: v for k, v in MODE.items() if k != "group_index"}
    with pytest.raises(ConfigError, match="group_index"):
        carrier_threshold(copy.deepcopy(config["threshold"]), incomplete)


def test_jth_increases_with_distance_for_both_devices(config):
    """The transfer step's production model (synthetic emission and microcavity II optics) through the
    threshold's current chain: J_th rises with the LED-crystal distance for both devices."""
    from test_transfer import TH, WL, _small_tcfg, _synthetic_absorption, _synthetic_emission

    from sims.threshold import jth_array, led_rolloff
    from sims.transfer import AngularTable, transfer_device

    cfg = copy.deepcopy(config["threshold"])
    roll, _ = led_rolloff(cfg)
    em, ab, t = _synthetic_emission(), _synthetic_absorption(), _small_tcfg(config)
    lateral = {"led_width_um": 140, "led_length_um": 140, "crystal_width_um": 290, "crystal_length_um": 270}
    flux = 2e18  # absorbed photons / (cm^2 s) at threshold, of the order of the anchors
    for led, dist, sub in (("microcavity", 50.0, None), ("standard", 350.0, 350.0)):
        exit_tab = AngularTable(TH, np.trapz(em["I_s"] + em["I_p"], WL, axis=1), 1.554 if sub is None else 1.514)
        ds, _, _ = transfer_device(led, em, exit_tab, ab, lateral, t, dist, 20.0, substrate_um=sub,
                                   bond="index_matched", n_gap=1.554)
        ds["exit_to_air_power_ratio"] = np.array(1.0)
        for rd in ("spot", "crystal_mean"):
            j, need = jth_array(flux, ds[f"sweep/{rd}_absorbed_ratio"], ds, led, cfg, roll)
            assert np.all(np.diff(need) > 0), (led, rd)
            reached = j[j > 0]
            assert reached.size >= 2, (led, rd, j)
            assert np.all(np.diff(reached) > 0), (led, rd, j)
            assert np.all(j[:reached.size] > 0), "once not reached, farther is not reached either"


def test_summary_reads_flags_and_plain_values(tmp_path):
    """Missing values come from the flag datasets of the schema (never a -1 check); plain arrays
    and Flagged ones are read alike."""
    from sims.results import write_h5
    from sims.summary import Entry, build_summary, format_entry

    path = tmp_path / "m.h5"
    write_h5(path, {"Q_absorption": Flagged.from_float(np.inf), "Q_total": np.array(375.0),
                    "j": Flagged.from_float(np.array([12.5, np.nan]), nan="not_reached"), "minus": np.array(-1.0)})
    e = lambda name, ds, index=None: Entry(name, str(path), ds, "1", name, index)
    s = build_summary([e("qa", "Q_absorption"), e("qt", "Q_total"), e("j0", "j", 0), e("j1", "j", 1),
                       e("minus", "minus"), e("gone", "no_such_dataset")])
    assert s["qa"]["value"] is None and s["qa"]["status"] == "infinite" and format_entry(s["qa"]) == "infinite"
    assert s["qt"]["value"] == 375.0 and s["qt"]["status"] == "ok"
    assert s["j0"]["value"] == 12.5 and s["j0"]["status"] == "ok"
    assert s["j1"]["value"] is None and s["j1"]["status"] == "not_reached" and format_entry(s["j1"]) == "not reached"
    assert s["minus"]["value"] == -1.0 and s["minus"]["status"] == "ok", "a plain -1 is a number, not a flag"
    assert s["gone"]["value"] is None and s["gone"]["status"] == "failed"
    json.dumps(s)


def test_flagged_inputs_are_read_like_plain_ones(config):
    """Other steps may store Q_absorption ("infinite") and the exit/air power ratio as Flagged."""
    from sims.threshold import check_mode, exit_to_air, mode_scalars

    data = {k: np.array(v) for k, v in MODE.items()}
    data["Q_absorption"] = Flagged.from_float(np.inf)
    mode = mode_scalars(data, {"mode_choice": "nearest"})
    assert mode["Q_absorption"] == math.inf and mode["Q_total"] == MODE["Q_total"]
    check_mode(mode)
    cfg = copy.deepcopy(config["threshold"])
    assert carrier_threshold(cfg, mode) == carrier_threshold(cfg, MODE)
    t = _transfer(0.3, 50.0)
    plain = exit_to_air(t, cfg)
    t["exit_to_air_power_ratio"] = Flagged(np.array(1.2), 0)
    assert exit_to_air(t, cfg) == plain == 1.2
    t["exit_to_air_power_ratio"] = Flagged(np.array(0.0), FLAG_CODES["failed"])
    if cfg["eqe_measured_in"] == "air":
        with pytest.raises(ConfigError, match="eqe_measured_in"):
            exit_to_air(t, cfg)


def test_light_current_crosses_threshold_at_the_headline_flux(config):
    from sims.light_current import light_current

    cfg = copy.deepcopy(config["threshold"])
    tr = {"microcavity": _transfer(0.3, 50.0), "standard": _transfer(0.02, 350.0)}
    ds, _, _ = threshold_study(cfg, MODE, tr, A405)
    flux_th = float(ds[f"pump/{cfg['anchor']}/absorbed_photon_flux_per_cm2_s"].as_float())
    li, units = light_current(cfg, MODE, tr, flux_th)
    assert set(units) == set(li)
    J = li["li/current_density_a_per_cm2"]
    out = li["li/dual_cavity/output_w_per_cm2"]
    assert np.all(np.diff(out) > 0), "more current, more light"
    jd = float(ds["headline/dual_cavity/j_th_a_per_cm2"].as_float())
    above, below = out[J > 1.5 * jd], out[J < jd / 1.5]
    assert above.min() > 100 * below.max(), "the output jumps across the headline threshold"
