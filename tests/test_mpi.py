"""MPI correctness: the same 2D FDTD run on 1 and 2 ranks gives the same numbers, and an
exception on one rank ends every rank instead of hanging."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, clean_env
from sims.config import sub_config
from sims.results import read_h5

MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
ENV = clean_env()  # no MPI singleton variables of this process (see conftest.clean_env)


def run_ranks(n, settings, out, timeout=300):
    cmd = MPIRUN + ["-n", str(n), sys.executable, "-m", "mpi4py", "workflow/scripts/finite_crystal_2d.py",
                    "--settings", json.dumps(settings), "--stack", "microcavity_II", "--h5", str(out)]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=ENV)


@pytest.fixture(scope="module")
def settings(quick_config):
    s = sub_config(quick_config, stacks=["microcavity_II"], sections=("simulation", "finite_crystal_2d"))
    s["finite_crystal_2d"]["run_time"] = 20
    return s


def test_one_and_two_ranks_agree(settings, tmp_path):
    for n in (1, 2):
        res = run_ranks(n, settings, tmp_path / f"r{n}.h5")
        assert res.returncode == 0, res.stderr[-2000:]
    a, attrs1 = read_h5(tmp_path / "r1.h5")
    b, attrs2 = read_h5(tmp_path / "r2.h5")
    assert attrs1["mpi_ranks"] == 1 and attrs2["mpi_ranks"] == 2
    assert np.max(a["flux"]) > 0 and np.max(a["e2_crystal"]) > 0
    for key in ("flux", "e2_crystal"):
        scale = np.max(np.abs(a[key]))
        assert np.max(np.abs(a[key] - b[key])) <= 1e-9 * scale, key


def test_exception_on_one_rank_of_the_entry_point_ends_all_ranks(settings, tmp_path):
    """The project's own MPI entry point (finite_crystal_2d.py, 2 ranks): rank 1 raises while
    stepping fields (injected by tests/hooks/sitecustomize.py); every rank must end promptly
    (no hang in a collective), the run fails with the error named, and no output is left."""
    marks = tmp_path / "marks"
    marks.mkdir()
    long = dict(settings, finite_crystal_2d=dict(settings["finite_crystal_2d"], run_time=20000))
    out = tmp_path / "failed.h5"
    env = clean_env(PYTHONPATH=str(REPO / "tests" / "hooks"), SIMS_TEST_MARK_DIR=str(marks), SIMS_TEST_FAIL_RANK="1")
    cmd = MPIRUN + ["-n", "2", sys.executable, "-m", "mpi4py", "workflow/scripts/finite_crystal_2d.py",
                    "--settings", json.dumps(long), "--stack", "microcavity_II", "--h5", str(out)]
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=240, env=env)
    assert res.returncode != 0
    assert "injected failure on rank 1 during FDTD stepping" in res.stderr + res.stdout
    assert (marks / "stepping.1").exists(), "rank 1 failed before stepping fields"
    assert not out.exists() and not list(tmp_path.glob("*.tmp-*")), "a failed MPI run left a file behind"


def test_mpi_rules_launch_through_mpi4py():
    """Every MPI rule runs `python -m mpi4py` (aborts all ranks on an uncaught exception)."""
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        if "resources.mpi" in text:
            assert text.count("-m mpi4py") >= text.count("{resources.mpi}"), smk.name
