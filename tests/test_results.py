"""Result files: atomic, finite, with units and provenance."""

import numpy as np
import pytest

from sims.results import NonFiniteResult, atomic_path, read_h5, write_h5


def test_write_read_with_units_and_provenance(tmp_path):
    from sims.results import provenance

    p = write_h5(tmp_path / "a.h5", {"x": np.arange(3.0), "g/y": np.ones(2)}, provenance({"a": 1}, 1.5),
                 {"x": "nm"})
    data, attrs = read_h5(p)
    assert np.all(data["x"] == np.arange(3.0)) and "g/y" in data
    assert attrs["settings_hash"] and attrs["meep_version"] and attrs["wall_time_s"] == 1.5
    import h5py

    with h5py.File(p) as fh:
        assert fh["x"].attrs["units"] == "nm"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_data_writes_nothing(tmp_path, bad):
    target = tmp_path / "b.h5"
    with pytest.raises(NonFiniteResult, match="'x'"):
        write_h5(target, {"x": np.array([1.0, bad])})
    assert list(tmp_path.iterdir()) == []


def test_failure_inside_atomic_path_leaves_no_file(tmp_path):
    target = tmp_path / "c.h5"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_flagged_values_round_trip_without_magic_numbers(tmp_path):
    """Missing values are flags beside the data, never -1/1e30/NaN in the file (issue 19)."""
    import h5py

    from sims.results import FLAG_CODES, Flagged, json_value, read_h5, write_h5

    x = Flagged.from_float([2.5, float("inf"), float("nan")], nan="not_reached")
    write_h5(tmp_path / "f.h5", {"q": x}, {}, {"q": "1"})
    with h5py.File(tmp_path / "f.h5", "r") as fh:
        assert list(fh["q"][()]) == [2.5, 0.0, 0.0] and fh["q"].attrs["flag_dataset"] == "q_flag"
        assert list(fh["q_flag"][()]) == [FLAG_CODES["ok"], FLAG_CODES["infinite"], FLAG_CODES["not_reached"]]
    data, _ = read_h5(tmp_path / "f.h5")
    assert set(data) == {"q"} and list(data["q"].status()) == ["ok", "infinite", "not_reached"]
    back = data["q"].as_float()
    assert back[0] == 2.5 and np.isinf(back[1]) and np.isnan(back[2])
    assert json_value(Flagged.from_float(float("nan"), nan="not_reached")) == {"value": None, "status": "not_reached"}
    assert json_value(3.0) == {"value": 3.0, "status": "ok"}


@pytest.mark.parametrize("name,text", [("a.json", '{"x": NaN}'), ("a.json", '{"x": -Infinity}'),
                                       ("a.tsv", "a\tb\n1\tnan\n"), ("a.md", "| a |\n| inf |\n"),
                                       ("a.csv", "a,b\n1,-inf\n")])
def test_text_results_refuse_nan_and_inf(tmp_path, name, text):
    from sims.results import NonFiniteResult, write_text

    with pytest.raises(NonFiniteResult):
        write_text(tmp_path / name, text)
    assert not list(tmp_path.iterdir())


def test_missing_attributes_are_absent_and_listed(tmp_path):
    import json

    import h5py

    from sims.results import write_h5

    write_h5(tmp_path / "a.h5", {"x": np.arange(2.0)}, {"target_nm": float("nan"), "q": float("inf"), "n": 1.5})
    with h5py.File(tmp_path / "a.h5", "r") as fh:
        assert "target_nm" not in fh.attrs and "q" not in fh.attrs and fh.attrs["n"] == 1.5
        assert json.loads(fh.attrs["absent_attributes"]) == ["q", "target_nm"]
