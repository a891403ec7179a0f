"""Bad configurations end in ConfigError naming the key and the reason, before any run."""

import copy
import math

import pytest

from sims.config import ConfigError, read_yaml
from sims.config_checks import load_config, validate_config

from conftest import REPO

RAW = read_yaml(REPO / "config.yaml")


def errors_of(mutate) -> list[tuple[str, str]]:
    cfg = copy.deepcopy(RAW)
    mutate(cfg)
    with pytest.raises(ConfigError) as info:
        validate_config(cfg)
    return info.value.problems


def assert_key(problems, key, *words):
    hits = [r for k, r in problems if k == key]
    assert hits, f"no error for key {key}; got {problems}"
    for w in words:
        assert any(w in r for r in hits), f"{key}: {w!r} not in {hits}"


def test_default_config_is_valid(config):
    assert config["simulation"]["resolution_1d_px_per_um"] > 0
    assert set(config["stacks"]) >= {"dual_cavity", "microcavity_I", "microcavity_II",
                                     "microcavity_II_unoptimized", "standard_peled", "single_cavity"}


def test_every_config_value_has_a_source_or_comment():
    for section in ("materials", "layers", "mirrors"):
        for name, entry in RAW[section].items():
            assert entry.get("source"), f"{section}.{name} has no source"
    text = (REPO / "config.yaml").read_text()
    assert text.count("ASSUMED") >= 8


@pytest.mark.parametrize("value, words", [(-5, ["greater than 0"]), (0, ["greater than 0"]),
                                           ("thick", ["not of type 'number'"])])
def test_bad_thickness(value, words):
    assert_key(errors_of(lambda c: c["layers"]["ito"].__setitem__("thickness_nm", value)),
               "layers.ito.thickness_nm", *words)


def test_nan_thickness():
    assert_key(errors_of(lambda c: c["layers"]["crystal"].__setitem__("thickness_nm", math.nan)),
               "layers.crystal.thickness_nm", "not a finite number")


def test_unknown_material_with_hint():
    assert_key(errors_of(lambda c: c["layers"]["crystal"].__setitem__("material", "FAPbl3")),
               "layers.crystal.material", "unknown material", "FAPbI3")


def test_misspelt_key_did_you_mean():
    def mutate(c):
        c["layers"]["ito"]["thicknes_nm"] = c["layers"]["ito"].pop("thickness_nm")
    problems = errors_of(mutate)
    assert_key(problems, "layers.ito.thicknes_nm", "unknown key", "thickness_nm")
    assert_key(problems, "layers.ito", "thickness_nm", "missing")


def test_misspelt_top_level_key():
    assert_key(errors_of(lambda c: c.__setitem__("simulaton", {})), "simulaton", "did you mean 'simulation'")


def test_missing_required_section():
    assert_key(errors_of(lambda c: c.pop("lateral")), "<top level>", "lateral", "missing")


def test_wavelength_outside_material_data():
    assert_key(errors_of(lambda c: c["mirror_spectra"]["mirrors"]["dbr1"].__setitem__("wavelength_max_nm", 1000)),
               "mirror_spectra.mirrors.dbr1", "data range of material 'ITO'")


def test_resolution_too_coarse_for_thinnest_layer():
    assert_key(errors_of(lambda c: c["simulation"].__setitem__("resolution_1d_px_per_um", 100)),
               "simulation.resolution_1d_px_per_um", "thinnest layer", "layers.peie.thickness_nm")


def test_resolution_too_coarse_per_wavelength():
    def mutate(c):
        c["simulation"]["resolution_1d_px_per_um"] = 250
        c["simulation"]["min_pixels_per_layer"] = 1
        c["simulation"]["min_pixels_per_wavelength"] = 60
    assert_key(errors_of(mutate), "simulation.resolution_1d_px_per_um", "pixels per wavelength")


def test_pml_too_thin():
    assert_key(errors_of(lambda c: c["simulation"].__setitem__("pml_um", 0.3)), "simulation.pml_um",
               "half the longest")


def test_dbr_with_zero_pairs():
    assert_key(errors_of(lambda c: c["mirrors"]["dbr2"].__setitem__("pairs", 0)), "mirrors.dbr2.pairs",
               "less than the minimum")


def test_empty_stack():
    assert_key(errors_of(lambda c: c["stacks"]["microcavity_II"].__setitem__("items", [])),
               "stacks.microcavity_II.items", "should be non-empty")


def test_stack_item_that_does_not_exist():
    assert_key(errors_of(lambda c: c["stacks"]["microcavity_II"]["items"].__setitem__(1, "cristal")),
               "stacks.microcavity_II.items[1]", "neither a layer nor a mirror", "crystal")


def test_unknown_meep_library_material():
    assert_key(errors_of(lambda c: c["materials"]["Au"].__setitem__("meep_name", "Gold")),
               "materials.Au.meep_name", "not a material in meep.materials")


def test_tabulated_lengths_must_match():
    assert_key(errors_of(lambda c: c["materials"]["FAPbI3"]["k"].pop()), "materials.FAPbI3",
               "equal lengths")


def test_empty_band():
    def mutate(c):
        c["mirror_spectra"]["wavelength_min_nm"] = 900
        c["mirror_spectra"]["wavelength_max_nm"] = 800
    assert_key(errors_of(mutate), "mirror_spectra.mirrors.dbr2", "empty")


def test_malformed_yaml(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers: {ito: [1, 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert info.value.problems[0][0] == "configfile"
    assert "not valid YAML" in info.value.problems[0][1]


def test_every_problem_is_reported_at_once():
    def mutate(c):
        c["layers"]["ito"]["thickness_nm"] = -1
        c["layers"]["zno"]["thickness_nm"] = -2
    problems = errors_of(mutate)
    assert {"layers.ito.thickness_nm", "layers.zno.thickness_nm"} <= {k for k, _ in problems}


def test_launch_only_keys_stay_out_of_step_settings(config):
    """simulation.mpi_bind_to places processes, it changes no result: it is not handed to the
    steps, so changing it (or adding it to an existing run's config) reruns nothing."""
    from sims.config import sub_config

    sub = sub_config(config, stacks=["microcavity_II"], sections=("simulation",))
    assert "mpi_bind_to" not in sub["simulation"]
    assert sub["simulation"]["mpi_ranks"] == config["simulation"]["mpi_ranks"]


def test_bad_mpi_bind_to_names_the_key():
    assert_key(errors_of(lambda c: c["simulation"].update(mpi_bind_to="cores")), "simulation.mpi_bind_to",
               "must be one of")
