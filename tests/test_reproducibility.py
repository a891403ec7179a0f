"""The whole quick preset, twice, from two fresh copies of the repository: it ends in the
summary and the HTML report, every HDF5 carries provenance, the summary records the software
versions, and the two runs give the same numbers (issue 10, item 4).

Tolerance: 1e-12 relative (plus 1e-300 absolute for exact zeros). Meep's runs are
deterministic for a fixed rank count; the MPI rules use the same ranks in both runs.
"""

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import clean_env
from test_workflow import copy_repo

pytestmark = pytest.mark.slow

PROVENANCE = ("settings_json", "settings_hash", "meep_version", "numpy_version", "sims_version", "git_commit")


def _run_quick(repo: Path):
    out = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "presets/quick.yaml"],
                         cwd=repo, capture_output=True, text=True, timeout=1800, env=clean_env())
    assert out.returncode == 0, out.stderr[-4000:]
    return out


def _datasets(path: Path) -> dict:
    data = {}
    with h5py.File(path, "r") as fh:
        fh.visititems(lambda name, obj: data.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return data


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    a = copy_repo(tmp_path_factory.mktemp("run_a"))
    b = copy_repo(tmp_path_factory.mktemp("run_b"))
    _run_quick(a)
    _run_quick(b)
    return a, b


def test_quick_preset_ends_in_summary_and_report(two_runs):
    a, _ = two_runs
    summary = json.loads((a / "results" / "summary.json").read_text())
    assert summary["numbers"], "empty summary"
    for dev in ("dual_cavity", "single_cavity"):
        assert dev in summary["headline"]
    software = summary["software"]
    for pkg in ("python", "meep", "numpy", "h5py", "tmm", "snakemake", "git_commit"):
        assert software.get(pkg), f"summary.json lacks the version of {pkg}"
    report = subprocess.run([sys.executable, "-m", "snakemake", "--configfile", "presets/quick.yaml", "--report",
                             "results/report.html"], cwd=a, capture_output=True, text=True, timeout=600,
                            env=clean_env())
    assert report.returncode == 0, report.stderr[-3000:]
    html = (a / "results" / "report.html").read_text(errors="replace")
    assert len(html) > 100_000 and "threshold" in html.lower()


def test_every_hdf5_carries_provenance(two_runs):
    a, _ = two_runs
    files = sorted((a / "results").rglob("*.h5"))
    assert len(files) >= 15, files
    for path in files:
        with h5py.File(path, "r") as fh:
            missing = [k for k in PROVENANCE if k not in fh.attrs]
        assert not missing, f"{path.relative_to(a)} lacks provenance attributes {missing}"


def test_two_runs_give_identical_datasets(two_runs):
    a, b = two_runs
    files = sorted(p.relative_to(a) for p in (a / "results").rglob("*.h5"))
    assert files == sorted(p.relative_to(b) for p in (b / "results").rglob("*.h5"))
    compared, wall_time_like = 0, ("seconds", "wall", "mcups", "time_s")
    for rel in files:
        da, db = _datasets(a / rel), _datasets(b / rel)
        assert sorted(da) == sorted(db), rel
        for name in da:
            if any(w in name.lower() for w in wall_time_like):
                continue  # timings, not results
            x, y = np.asarray(da[name]), np.asarray(db[name])
            if x.dtype.kind in "fc":
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-300, err_msg=f"{rel}:{name}")
            else:
                assert np.array_equal(x, y), f"{rel}:{name}"
            compared += 1
    assert compared > 100


def test_validation_target_on_the_quick_preset(two_runs):
    """`snakemake validation` (issue 18) on the quick preset, after the default run: every
    cross-check runs, writes finite results with provenance, and the default outputs are not
    rerun (the validation rules only read them)."""
    a, _ = two_runs
    before = {p: p.stat().st_mtime_ns for p in (a / "results").rglob("*.h5")}
    out = subprocess.run([sys.executable, "-m", "snakemake", "validation", "--cores", "2", "--configfile",
                          "presets/quick.yaml"], cwd=a, capture_output=True, text=True, timeout=1800,
                         env=clean_env())
    assert out.returncode == 0, out.stderr[-4000:]
    assert all(p.stat().st_mtime_ns == t for p, t in before.items()), "the validation target reran a default step"
    new = sorted(set((a / "results").rglob("*.h5")) - set(before))
    assert any("validation" in str(p) for p in new), new
    for path in new:
        for name, val in _datasets(path).items():
            if np.asarray(val).dtype.kind in "fc":
                assert np.all(np.isfinite(val)), f"{path.relative_to(a)}:{name}"
        with h5py.File(path, "r") as fh:
            assert all(k in fh.attrs for k in PROVENANCE), path
    # the Meep points of the pump-absorption table (none in the quick preset): one angle, and the
    # default run's table (transfer matrix) is not rerun by asking for them
    (a / "meep_angle.yaml").write_text("transfer:\n  absorption_meep_angles_deg: [0]\n")
    out = subprocess.run([sys.executable, "-m", "snakemake", "validation", "--cores", "2", "--configfile",
                          "presets/quick.yaml", "meep_angle.yaml"], cwd=a, capture_output=True, text=True,
                         timeout=900, env=clean_env())
    assert out.returncode == 0, out.stderr[-4000:]
    assert all(p.stat().st_mtime_ns == t for p, t in before.items()), "the Meep pump points reran a default step"
    m = _datasets(a / "results" / "validation" / "transfer" / "pump_absorption_meep.h5")
    assert abs(float(m["meep/A"][0]) - float(m["meep/tmm_meep_eps_A"][0])) < 0.03, m
