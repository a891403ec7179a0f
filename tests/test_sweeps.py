"""Parameter sweeps (config section `sweeps`): checked before any rule, one job chain per
point, only the steps a point changes rerun, gathered into one table."""

import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import yaml

from conftest import clean_env
from sims.config import ConfigError
from sims.config_checks import validate_config
from sims.results import read_h5
from sims.sweeps import get_key, point_config, set_key
from test_workflow import copy_repo, jobs_planned


def test_point_config_sets_one_key_and_drops_sweeps(config):
    cfg = dict(config, sweeps={"t": {"key": "layers.crystal.thickness_nm", "values": [150, 210]}})
    p1 = point_config(cfg, "t", 1)
    assert get_key(p1, "layers.crystal.thickness_nm") == 210
    assert p1["sweeps"] == {}
    assert get_key(cfg, "layers.crystal.thickness_nm") == config["layers"]["crystal"]["thickness_nm"]
    with pytest.raises(KeyError):
        set_key(cfg, "layers.crystal.thicknes_nm", 1)


@pytest.mark.parametrize("sweep, key, reason", [
    ({"key": "layers.crystal.thicknes_nm", "values": [1]}, "sweeps.s.key", "is not a key of the config"),
    ({"key": "layers.crystal.material", "values": [1]}, "sweeps.s.key", "only numeric keys"),
    ({"key": "layers.crystal.thickness_nm", "values": [180, -5]}, "sweeps.s.values[1]", "layers.crystal.thickness_nm"),
    ({"key": "mirrors.dbr3.pairs", "values": [0]}, "sweeps.s.values[0]", "mirrors.dbr3.pairs"),
    ({"key": "threshold.measured.optical_threshold_w_per_cm2.value", "values": [6.6, 6.6]}, "sweeps.s.values", "repeat"),
])
def test_bad_sweep_names_the_key(config, sweep, key, reason):
    with pytest.raises(ConfigError) as exc:
        validate_config(dict(config, sweeps={"s": sweep}))
    assert any(k == key and reason in r for k, r in exc.value.problems), exc.value.problems


def test_bad_sweep_stops_the_workflow_before_any_rule(tmp_path):
    repo = copy_repo(tmp_path)
    (repo / "bad.yaml").write_text(yaml.safe_dump(
        {"sweeps": {"s": {"key": "layers.crystal.thickness_nm", "values": [180, 0]}}}))
    out = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "bad.yaml"], cwd=repo,
                         capture_output=True, text=True, timeout=300, env=clean_env())
    assert out.returncode != 0
    assert "config key sweeps.s.values[1]" in out.stderr
    assert not (repo / "results").exists()


# 160 and 190 nm: modes at 804 and 858 nm. (At 200 nm the mode sits at 873 nm on the edge of
# DBR3's stop band, where Meep at the quick preset's 200 px/um is 4.2 nm short of the transfer
# matrix (2.1 nm at 400 px/um), and the analysis stops with a clear error instead.)
SWEEPS = {"emission": {"engine": "tmm"},
          "sweeps": {"crystal_thickness": {"key": "layers.crystal.thickness_nm", "values": [160, 190]},
                     "optical_threshold": {"key": "threshold.measured.optical_threshold_w_per_cm2.value", "values": [6.6, 13.2]}}}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("sweep"))
    (repo / "sweep.yaml").write_text(yaml.safe_dump(SWEEPS))
    targets = ["results/sweeps/crystal_thickness/sweep.h5", "results/sweeps/optical_threshold/sweep.h5",
               "results/threshold/threshold.h5"]
    planned = jobs_planned(repo, targets, "--configfile", "presets/quick.yaml", "sweep.yaml")
    # the points' jobs: those beyond the main run's (the same rules run both, workflow/rules/runs.smk)
    main = jobs_planned(repo, targets[-1:], "--configfile", "presets/quick.yaml", "sweep.yaml")
    planned = sorted((Counter(planned) - Counter(main)).elements())
    out = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *targets, "--configfile",
                          "presets/quick.yaml", "sweep.yaml"], cwd=repo, capture_output=True, text=True,
                         timeout=1200, env=clean_env())
    assert out.returncode == 0, out.stderr[-4000:]
    return repo, planned


def test_only_the_steps_a_point_changes_are_planned(swept):
    _, planned = swept
    # crystal thickness: mode analysis, pump absorption, 2 transfers, threshold per point;
    # optical threshold: the threshold only; the LED emission of the main run serves every point
    assert planned.count("cavity_modes") == 2
    assert planned.count("transfer_pump_absorption") == 2
    assert planned.count("transfer") == 4
    assert planned.count("threshold") == 4
    assert planned.count("sweep_gather") == 2
    assert "emission_led" not in planned and "emission_sweep" not in planned


def test_threshold_only_point_equals_the_main_chain(swept):
    repo, _ = swept
    main, _ = read_h5(repo / "results/threshold/threshold.h5")
    point, _ = read_h5(repo / "results/sweeps/optical_threshold/p00/threshold/threshold.h5")
    for dev in ("dual_cavity", "single_cavity"):
        key = f"headline/{dev}/j_th_a_per_cm2"
        assert point[key].status() == main[key].status(), key
        assert np.array_equal(point[key].values, main[key].values), key
    far, _ = read_h5(repo / "results/sweeps/optical_threshold/p01/threshold/threshold.h5")
    j1, j2 = (float(d["headline/dual_cavity/j_th_a_per_cm2"].as_float()) for d in (main, far))
    assert np.isnan(j2) or j2 > j1, "a crystal that needs twice the pump needs more LED current"


def test_crystal_thickness_sweep_moves_the_mode(swept):
    repo, _ = swept
    ds, attrs = read_h5(repo / "results/sweeps/crystal_thickness/sweep.h5")
    np.testing.assert_array_equal(ds["value"], [160, 190])
    np.testing.assert_allclose(ds["gain_layer_thickness_nm"], [160, 190])  # no calibration at the points
    assert ds["lasing_wavelength_nm"][1] > ds["lasing_wavelength_nm"][0], "a thicker crystal resonates redder"
    assert "settings_hash" in attrs
    table = (repo / "results/sweeps/crystal_thickness/sweep.md").read_text()
    assert table.count("\n| ") >= 3


def test_gather_points_flags_unreached_thresholds():
    """A threshold not reached at a point is Flagged not_reached in the sweep table, "unreachable"
    in its Markdown; never -1."""
    from sims.results import FLAG_CODES, Flagged
    from sims.sweeps import gather_points, sweep_markdown

    def point(j_dual):
        th = {f"jth/{dev}/{an}/{rd}/device": Flagged.from_float(np.array(j_dual if dev == "dual_cavity" else np.nan),
                                                                 nan="not_reached")
              for dev in ("dual_cavity", "single_cavity") for an in ("optical", "gain_model")
              for rd in ("spot", "crystal_mean")}
        modes = {"lasing_wavelength_nm": np.array(803.0), "Q_total": np.array(375.0),
                 "confinement_energy": np.array(0.38), "gain_layer_thickness_nm": np.array(160.0),
                 "Q_absorption": Flagged.from_float(np.inf)}
        return {"modes": modes, "absorption": {"tmm/A_crystal": np.array([0.46])},
                "transfer": {"device/coupling_efficiency": np.array(0.9)}, "threshold": th,
                "threshold_attrs": {"headline_anchor": "optical"}}

    settings = {"name": "s", "key": "threshold.x", "values": [1.0, 2.0], "unit": "u"}
    ds, units = gather_points(settings, [point(70.0), point(np.nan)])
    j = ds["j_th/dual_cavity/spot_a_per_cm2"]
    assert isinstance(j, Flagged) and j.flags.tolist() == [FLAG_CODES["ok"], FLAG_CODES["not_reached"]]
    assert j.values.tolist() == [70.0, 0.0] and "-1" not in units["j_th/dual_cavity/spot_a_per_cm2"]
    md = sweep_markdown(settings, ds, ["a.h5", "b.h5"])
    assert "| 70 | unreachable |" in md and md.count("unreachable") == 1 + 4
