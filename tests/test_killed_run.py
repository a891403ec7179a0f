"""A run killed with SIGKILL halfway leaves no output a later run would trust, and the rerun
gives the same numbers as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import yaml

from conftest import clean_env
from sims.results import read_h5
from test_workflow import copy_repo

TARGET = "results/finite_crystal_2d/microcavity_II/transmission.h5"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]


def _children_running(pid: int, name: str) -> bool:
    out = subprocess.run(["pgrep", "-f", "-s", str(pid), name], capture_output=True, text=True)
    return bool(out.stdout.strip())


def test_sigkill_midway_then_rerun_equals_uninterrupted(tmp_path):
    overrides = {"finite_crystal_2d": {"run_time": 20000}}
    killed = copy_repo(tmp_path / "killed")
    clean = copy_repo(tmp_path / "clean")
    for repo in (killed, clean):
        cfg = yaml.safe_load((repo / "presets" / "quick.yaml").read_text())
        cfg.update(overrides)
        (repo / "run.yaml").write_text(yaml.safe_dump(cfg))
    args = [TARGET, "--configfile", "run.yaml"]

    proc = subprocess.Popen(SNAKEMAKE + args, cwd=killed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=clean_env())
    deadline = time.time() + 240
    while time.time() < deadline and not _children_running(proc.pid, "finite_crystal_2d.py"):
        time.sleep(0.5)
    assert _children_running(proc.pid, "finite_crystal_2d.py"), "the FDTD rule never started"
    time.sleep(1)  # the ranks are stepping fields now (the run lasts ~10x longer)
    # SIGKILL the FDTD rule (its launcher and ranks), as an OOM killer or a scheduler would
    pids = subprocess.run(["pgrep", "-s", str(proc.pid), "-f", "mpirun|finite_crystal_2d.py"],
                          capture_output=True, text=True).stdout.split()
    for pid in pids:
        os.kill(int(pid), signal.SIGKILL)
    assert proc.wait(timeout=120) != 0, "Snakemake must report the killed rule as failed"
    assert not (killed / TARGET).exists(), "a killed run left its output in place"

    rerun = subprocess.run(SNAKEMAKE + args, cwd=killed, capture_output=True, text=True, timeout=600,
                           env=clean_env())
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    ref = subprocess.run(SNAKEMAKE + args, cwd=clean, capture_output=True, text=True, timeout=600,
                         env=clean_env())
    assert ref.returncode == 0, ref.stderr[-3000:]
    a, _ = read_h5(killed / TARGET)
    b, _ = read_h5(clean / TARGET)
    for key in ("flux", "e2_crystal", "wavelength_um"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=0, err_msg=key)
