"""Result files: atomic, finite, with units and provenance."""

import numpy as np
import pytest

from sims.hdf5io import NonFiniteResult, atomic_path, read_h5, write_h5


def test_write_read_with_units_and_provenance(tmp_path):
    from sims.hdf5io import provenance

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
