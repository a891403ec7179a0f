"""Wiring of the laser-output step (issue 20): sims.laser_output on small synthetic inputs (fast),
the summary entries it feeds, and the config checks of the laser_output section."""

import copy
import math

import numpy as np
import pytest

from sims import far_field as FF
from sims.config import ConfigError, read_yaml
from sims.config_checks import validate_config
from sims.results import Flagged, read_h5, write_h5
from sims.threshold import mode_scalars

from conftest import REPO, rel_err

LAM, N_EFF = 803.0, 1.9


def fast_settings(config, **lo_changes):
    lo = copy.deepcopy({k: v for k, v in config["laser_output"].items() if k not in ("meep", "meep_gain")})
    lo["far_field"].update(n_theta_above=201, n_theta_below=90, n_wavelengths_below=401, near_field_step_um=0.25)
    lo["frequency_hz"]["n"] = 400
    lo["pulse_drives_over_threshold"] = [10.0]
    lo.update(lo_changes)
    from sims.config import sub_config

    return {**sub_config(config, stacks=[lo["led_stack"]], sections=()), "laser_output": lo,
            "threshold": config["threshold"], "led_areas_mm2": [0.005, 0.02, 0.25]}


def synthetic_inputs(q_measured=780.0, q_mirror=5000.0, spot_um=20.0):
    ang = np.array([0.0, 20.0, 40.0, 60.0])
    wl = FF.planar_dispersion_nm(ang, LAM, N_EFF)
    modes = {"lasing_wavelength_nm": LAM, "Q_total": 300.0, "Q_mirror": q_mirror, "Q_absorption": 400.0,
             "Q_measured": q_measured, "confinement_energy": 0.3, "group_index": 2.2, "gain_layer_thickness_nm": 180.0,
             "measured_linewidth_nm": 1.03, "dispersion/angles_deg": ang, "dispersion/wavelength_s_nm": wl,
             "dispersion/wavelength_p_nm": wl, "dispersion/Q_s": np.full(4, 2.0 * q_mirror),
             "dispersion/Q_p": np.full(4, 2.0 * q_mirror)}
    x = np.linspace(-60, 60, 121)
    mp = np.exp(-2 * (x[:, None] ** 2 + x[None, :] ** 2) / spot_um ** 2)
    transfer = {"device/absorbed_map": mp, "device/map_x_um": x, "device/map_y_um": x}
    j = np.logspace(0, 3, 30)
    # threshold.h5 stores the anchor fluxes as Flagged datasets (read_h5 returns them so)
    li = {"li/current_density_a_per_cm2": j, "pump/optical/absorbed_photon_flux_per_cm2_s": Flagged.from_float(1e21),
          "li/dual_cavity/absorbed_photon_flux_per_cm2_s": 1e19 * j, "li/single_cavity/absorbed_photon_flux_per_cm2_s": 1e17 * j}
    return modes, transfer, (li, {"headline_anchor": "optical"})


def run(config, modes, transfer, threshold, **lo_changes):
    from sims.laser_output import laser_output

    return laser_output(fast_settings(config, **lo_changes), mode_scalars(modes, {}), modes, transfer, threshold)


def val(x):
    return float(np.asarray(x.as_float() if isinstance(x, Flagged) else x))


@pytest.fixture(scope="module")
def base(config):
    inputs = synthetic_inputs()
    return inputs, run(config, *inputs)


def test_below_threshold_linewidth_and_filter_come_from_the_mode_file(config, base):
    (modes, transfer, thr), (ds, units, attrs) = base
    # lambda / Q_measured of THIS mode file (q_choice measured), not Q_mirror, Q_total or the config's 1.03 nm
    assert val(ds["linewidth/below_threshold_nm"]) == pytest.approx(LAM / modes["Q_measured"], rel=1e-9)
    ds2 = run(config, {**modes, "Q_measured": 1560.0}, transfer, thr)[0]
    assert val(ds2["linewidth/below_threshold_nm"]) == pytest.approx(LAM / 1560.0, rel=1e-9)
    # the angular filter uses the dispersion scaled to Q_measured: the ideal planar-cavity width
    assert rel_err(val(ds["below/fwhm_at_mode_deg"]), FF.filter_fwhm_deg_ideal(780.0, N_EFF)) < 0.03
    assert val(ds2["below/fwhm_at_mode_deg"]) < val(ds["below/fwhm_at_mode_deg"])
    assert val(ds["below/n_eff"]) == pytest.approx(N_EFF, rel=1e-6)


def test_above_threshold_divergence_from_the_pump_map(config, base):
    (modes, transfer, thr), (ds, _, _) = base
    above = val(ds["above/gain_guided_fwhm_deg"])
    assert 0 < above < val(ds["below/fwhm_at_mode_deg"])
    # the lasing region on the map: 1.5 exp(-2 x^2 / w^2) = 1 (drive 1.5 at the peak)
    w = 2 * 20.0 * math.sqrt(math.log(1.5) / 2)
    assert val(ds["above/region_width_um"]) == pytest.approx(w, rel=0.02)
    # the whole map: a round spot gives the same width along y and the disk of that diameter
    assert val(ds["above/region_width_y_um"]) == pytest.approx(val(ds["above/region_width_um"]), rel=1e-9)
    assert val(ds["above/gain_guided_fwhm_y_deg"]) == pytest.approx(above, rel=1e-9)
    assert val(ds["above/region_diameter_equivalent_um"]) == pytest.approx(w, rel=0.05)
    assert val(ds["above/region_area_um2"]) == pytest.approx(math.pi * w ** 2 / 4, rel=0.1)
    wide = run(config, modes, synthetic_inputs(spot_um=40.0)[1], thr)[0]
    assert val(wide["above/gain_guided_fwhm_deg"]) < above


def test_light_current_modulation_and_pulse(base):
    _, (ds, units, attrs) = base
    dual, single = ds["li/dual_cavity/output_w_per_cm2"], ds["li/single_cavity/output_w_per_cm2"]
    assert np.all(np.diff(dual) > 0) and dual[-1] > 1e3 * single[-1]
    assert ds["li/dual_cavity/pump_over_threshold"][-1] == pytest.approx(10.0, rel=1e-9)  # 1e22 / 1e21
    rc = ds["modulation/rc_bandwidth_3db_hz"].as_float()
    assert np.all(np.diff(rc[0]) < 0) and np.all(rc[1] < rc[0])  # larger area / parasitic C: slower RC
    chain = ds["modulation/chain_first_drop_bandwidth_3db_hz"].as_float()
    # the crystal's weakly damped relaxation peak may lift the chain a little above its slowest stage
    assert np.all(chain <= np.minimum(rc, ds["modulation/led_bandwidth_3db_hz"].as_float()) * 1.01)
    assert attrs["modulation_limiting_0p02mm2"] in ("rc", "led", "crystal")
    assert 1e-9 < val(ds["pulse/led_rise_s"]) < 2e-8
    assert ds["tornado/values"].values.shape == (len(attrs["tornado_parameters"].split(",")), 2, 3)
    for k, u in units.items():
        assert u, k


def test_summary_entries_of_the_laser_file(tmp_path, base):
    from sims.summary import build_summary, laser_entries

    _, (ds, units, attrs) = base
    p = tmp_path / "laser_output.h5"
    write_h5(p, ds, {**attrs, "meep_agreement": "x"}, units)
    read_h5(p)
    numbers = build_summary(laser_entries(str(p)))
    for k in ("laser_divergence_below_threshold_fwhm_deg", "laser_divergence_above_threshold_fwhm_deg",
              "laser_linewidth_below_threshold_nm", "laser_linewidth_headline_nm", "laser_bandwidth_3db_0p02mm2_hz",
              "laser_bandwidth_3db_0p005mm2_hz", "laser_pulse_10xth_led_rise_s", "laser_limiting_stage_0p02mm2"):
        assert numbers[k]["status"] == "ok", (k, numbers[k])
    assert numbers["laser_linewidth_below_threshold_nm"]["value"] == pytest.approx(LAM / 780.0)


def test_summary_entries_of_the_meep_gain_region(tmp_path, base):
    """The gain-region datasets and agreement the laser step copies from gain_region_meep.h5 reach
    the summary, one set per pump profile."""
    from sims.laser_output import meep_gain_agreement
    from sims.summary import build_summary, laser_entries

    _, (ds, units, attrs) = base
    keys = ("fwhm_meep_deg", "fwhm_model_deg", "fwhm_meep_near_field_ft_deg", "waist_meep_um", "waist_model_um",
            "net_rate_meep", "net_rate_model", "diffraction_loss_model", "phase_curvature_meep_per_um2",
            "phase_curvature_model_per_um2")
    gm = {f"{p}/{k}": np.array(v) for p in ("parabolic", "bell")
          for k, v in zip(keys, (9.4, 9.2, 9.3, 2.8, 2.78, -0.002, -0.0017, 0.008, 0.131, 0.129))}
    text = meep_gain_agreement(gm, ["parabolic", "bell"])
    assert "parabolic pump: far-field FWHM Meep 9.40 vs model 9.20 deg (+2.2 %" in text and "bell pump" in text
    assert "(difference 4 % of the model's diffraction loss 0.0080)" in text
    extra = {f"meep_gain/{k}": gm[k] for k in gm if k.split("/")[1] in keys[:5]}
    p = tmp_path / "laser_output.h5"
    write_h5(p, {**ds, **extra}, {**attrs, "meep_agreement": "x", "meep_gain_agreement": text,
                                  "meep_gain_profiles": "parabolic,bell"}, {**units, **{k: "deg" for k in extra}})
    numbers = build_summary(laser_entries(str(p)))
    assert numbers["laser_meep_gain_parabolic_fwhm_deg"]["value"] == pytest.approx(9.4)
    assert numbers["laser_meep_gain_bell_model_waist_um"]["value"] == pytest.approx(2.78)
    assert numbers["laser_meep_gain_agreement"]["value"] == text


RAW = read_yaml(REPO / "config.yaml")


def problems_of(mutate):
    cfg = copy.deepcopy(RAW)
    mutate(cfg)
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    return info.value.problems


def test_bad_laser_output_keys_are_rejected_by_name():
    p = problems_of(lambda c: c["laser_output"]["far_field"].__setitem__("theta_max_deg", 20))
    assert any(k == "laser_output.far_field.theta_max_deg" and "unknown key" in r for k, r in p), p
    p = problems_of(lambda c: c["laser_output"]["assumed"]["alpha_h"].__setitem__("value", 9.0))
    assert any(k == "laser_output.assumed.alpha_h" and "outside its range" in r for k, r in p), p
    p = problems_of(lambda c: c["laser_output"]["static_permittivity"].pop("tfb"))
    assert any(k == "laser_output.static_permittivity" and "tfb" in r for k, r in p), p
    p = problems_of(lambda c: c["laser_output"]["meep"].__setitem__("half_widths_um", [6.0]))
    assert any(k == "laser_output.meep.half_widths_um" for k, _ in p), p
    p = problems_of(lambda c: c["laser_output"]["meep_gain"].__setitem__("lateral_half_width_um", 6.0))
    assert any(k == "laser_output.meep_gain.lateral_half_width_um" and "PML" in r for k, r in p), p
    p = problems_of(lambda c: c["laser_output"]["meep_gain"].__setitem__("profiles", ["flat"]))
    assert any(k.startswith("laser_output.meep_gain.profiles") for k, _ in p), p
