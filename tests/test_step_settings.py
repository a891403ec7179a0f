"""What each step's settings hold (sims.step_settings): Snakemake reruns a rule when its settings
change, so these pin which config keys rerun which steps. Also the two targets (sims.targets)."""

import copy
import json

import pytest

from sims import step_settings as S
from sims.cavity_study import VALIDATION_KEYS
from sims.targets import final_outputs, validation_outputs


def every_step(cfg) -> dict[str, str]:
    """The settings JSON of every step of the default and validation targets."""
    out = {
        "optical_constants": S.optical_constants_settings(cfg),
        "mirror_convergence": S.mirror_step_settings(cfg),
        "pump_absorption": S.pump_absorption_settings(cfg),
        "pump_absorption_meep": S.pump_absorption_meep_settings(cfg),
        "transfer": S.transfer_settings(cfg),
        "transfer_compare": S.transfer_compare_settings(cfg),
        "transfer_fullwave": S.transfer_fullwave_settings(cfg),
        "threshold": S.threshold_settings(cfg),
        "laser_output": S.laser_output_settings(cfg),
        "laser_far_field_meep": S.laser_meep_settings(cfg),
        "laser_gain_region_meep": S.laser_gain_meep_settings(cfg),
    }
    for stack in cfg["geometry"]["stacks"]:
        out[f"permittivity_map/{stack}"] = S.permittivity_map_settings(cfg, stack)
    for mirror in cfg["mirror_spectra"]["mirrors"]:
        out[f"mirror_spectra/{mirror}"] = S.mirror_step_settings(cfg, mirror)
        out[f"mirror_oblique/{mirror}"] = S.mirror_step_settings(cfg, mirror, oblique=True)
    for stack in cfg["cavity"]["stacks"]:
        out[f"cavity_modes/{stack}"] = S.cavity_settings(cfg, stack)
        out[f"cavity_validation/{stack}"] = S.cavity_settings(cfg, stack, validation=True)
    for stack in cfg["cavity"]["lateral"]["stacks"]:
        out[f"cavity_lateral/{stack}"] = S.cavity_lateral_settings(cfg, stack)
    for led in cfg["emission"]["leds"]:
        out[f"emission/{led}"] = S.emission_settings(cfg, led)
    for led in cfg["emission"]["nearfar"]["leds"]:
        out[f"emission_nearfar/{led}"] = S.nearfar_settings(cfg, led)
    out["finite_crystal_2d"] = S.finite_crystal_2d_settings(cfg, cfg["finite_crystal_2d"]["stack"])
    return {k: S.settings_json(v) for k, v in out.items()}


def changed_steps(cfg, mutate) -> set[str]:
    before = every_step(cfg)
    cfg = copy.deepcopy(cfg)
    mutate(cfg)
    after = every_step(cfg)
    return {k for k in before if before[k] != after[k]}


def test_settings_json_is_canonical():
    assert S.settings_json({"b": 1, "a": [1.5, {"d": 2, "c": 3}]}) == '{"a":[1.5,{"c":3,"d":2}],"b":1}'


def test_settings_are_config_slices_and_json(config):
    for name, text in every_step(config).items():
        assert isinstance(json.loads(text), dict), name


def test_device_distance_reruns_only_the_transfer(config):
    """layers.gap.thickness_nm (the device distance d) reaches the transfer, not the mirrors, the
    emission, the absorption table or the cavity modes (microcavity II does not hold the gap)."""
    gap = config["transfer"]["devices"]["microcavity"]["gap_layer"]
    changed = changed_steps(config, lambda c: c["layers"][gap].__setitem__("thickness_nm", 77_000))
    assert "transfer" in changed
    assert not {k for k in changed if k.startswith(("mirror", "emission", "pump_absorption"))}, changed
    assert "cavity_modes/microcavity_II" not in changed
    assert "threshold" not in changed


def test_crystal_thickness_reruns_the_microcavity_II_chain_not_the_leds(config):
    changed = changed_steps(config, lambda c: c["layers"]["crystal"].__setitem__("thickness_nm", 190))
    assert {"cavity_modes/microcavity_II", "pump_absorption", "threshold"} <= changed
    assert not {k for k in changed if k.startswith(("mirror", "emission/", "optical_constants"))}, changed
    assert "transfer" not in changed


def test_launch_only_keys_rerun_nothing(config):
    assert changed_steps(config, lambda c: c["simulation"].__setitem__("mpi_bind_to", "none")) == set()


def test_oblique_keys_leave_the_normal_incidence_runs(config):
    """The oblique sweep's keys rerun the validation rules mirror_oblique (and, as today, the
    convergence table, which carries them unread), never the default run's mirror_spectra."""
    changed = changed_steps(config, lambda c: c["mirror_spectra"].__setitem__("oblique_time_factor", 0.25))
    oblique = {f"mirror_oblique/{m}" for m in config["mirror_spectra"]["mirrors"]}
    assert changed == oblique | {"mirror_convergence"}, changed


def test_cavity_validation_keys_rerun_only_cavity_validation(config):
    def mutate(c):
        for key in VALIDATION_KEYS:
            c["cavity"][key] = copy.deepcopy(c["cavity"][key]) + [3] if isinstance(c["cavity"][key], list) else 3
    changed = changed_steps(config, mutate)
    validation = {f"cavity_validation/{s}" for s in config["cavity"]["stacks"]}
    # cavity_lateral carries the whole cavity section (as today), the cavity_modes runs none of these keys
    assert changed == validation | {f"cavity_lateral/{s}" for s in config["cavity"]["lateral"]["stacks"]}, changed


def test_emission_carries_only_its_stacks_calibration(config):
    micro = S.emission_settings(config, "microcavity")
    assert list(micro["cavity"]["calibration"]["stacks"]) == ["microcavity_I"]
    assert list(micro["cavity"]["stacks"]) == ["microcavity_I"]
    assert "cavity" not in S.emission_settings(config, "standard")
    cav = S.cavity_settings(config, "microcavity_II")
    assert list(cav["cavity"]["calibration"]["stacks"]) == ["microcavity_II"]
    assert "lateral" not in cav["cavity"]


@pytest.mark.parametrize("recalibrate", [False, True])
def test_sweep_point_settings(config, recalibrate):
    cfg = dict(config, sweeps={"t": {"key": "layers.crystal.thickness_nm", "values": [160, 190],
                                     "recalibrate": recalibrate}})
    cav = S.sweep_cavity_settings(cfg, "t", "p01")
    absorber = config["transfer"]["absorber_stack"]
    assert cav["layers"]["crystal"]["thickness_nm"] == 190
    assert cav["cavity"]["calibration"]["enabled"] is (recalibrate and config["cavity"]["calibration"]["enabled"])
    assert cav["cavity"]["stacks"][absorber]["thickness_sweep"] is False
    # microcavity I is calibrated in the main run: a point without recalibration leaves it uncalibrated
    em = S.sweep_emission_settings(cfg, "t", "p00", "microcavity")
    assert ("cavity" in em) is recalibrate
    assert config["cavity"]["calibration"]["enabled"]  # the main config is not touched
    assert S.sweep_gather_settings(cfg, "t")["name"] == "t"


def test_targets(config):
    final, validation = final_outputs(config), validation_outputs(config)
    assert len(set(final)) == len(final) and len(set(validation)) == len(validation)
    assert not set(final) & set(validation)
    assert {"results/summary.json", "results/threshold/threshold.h5", "results/transfer/comparison.h5",
            "results/materials/optical_constants.h5"} <= set(final)
    assert "results/transfer/fullwave.h5" in validation
    swept = final_outputs(dict(config, sweeps={"t": {"key": "layers.crystal.thickness_nm", "values": [1]}}))
    assert swept[-1] == "results/sweeps/t/sweep.h5"


def test_laser_settings(config):
    """The laser output reruns with its own keys and the rate-equation inputs, not with the gap; its
    Meep checks only with laser_output.meep / meep_gain (and the simulation section)."""
    changed = changed_steps(config, lambda c: c["laser_output"]["assumed"]["alpha_h"].__setitem__("value", 4.0))
    assert changed == {"laser_output"}, changed
    changed = changed_steps(config, lambda c: c["laser_output"]["meep"].__setitem__("resolution_px_per_um", 50))
    assert changed == {"laser_far_field_meep"}, changed
    changed = changed_steps(config, lambda c: c["laser_output"]["meep_gain"].__setitem__("pump_half_width_um", 4.0))
    assert changed == {"laser_gain_region_meep"}, changed
    gap = config["transfer"]["devices"]["microcavity"]["gap_layer"]
    changed = changed_steps(config, lambda c: c["layers"][gap].__setitem__("thickness_nm", 77_000))
    assert not {"laser_output", "laser_far_field_meep", "laser_gain_region_meep"} & changed
