"""A run killed with SIGKILL while Meep is stepping fields leaves no output and no temporary file
that a later run would trust, and the rerun gives the same numbers as an uninterrupted run.

Proof that the kill lands during FDTD stepping: tests/hooks/sitecustomize.py makes every Meep
rank write a marker file after 50 steps of ``Simulation.run``; the test kills only after the
markers exist and while the rule's processes still run (the run lasts far longer).
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import yaml

from conftest import REPO, clean_env
from sims.results import read_h5
from test_workflow import copy_repo

TARGET = "results/finite_crystal_2d/microcavity_II/transmission.h5"
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]


def _rule_pids(session: int) -> list[int]:
    out = subprocess.run(["pgrep", "-s", str(session), "-f", "mpirun|finite_crystal_2d.py"],
                         capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_sigkill_during_fdtd_stepping_then_rerun_equals_uninterrupted(tmp_path):
    overrides = {"finite_crystal_2d": {"run_time": 20000}}
    killed = copy_repo(tmp_path / "killed")
    clean = copy_repo(tmp_path / "clean")
    for repo in (killed, clean):
        cfg = yaml.safe_load((repo / "presets" / "quick.yaml").read_text())
        cfg.update(overrides)
        (repo / "run.yaml").write_text(yaml.safe_dump(cfg))
    args = [TARGET, "--configfile", "run.yaml"]
    marks = tmp_path / "marks"
    marks.mkdir()
    probe_env = clean_env(PYTHONPATH=str(REPO / "tests" / "hooks"), SIMS_TEST_MARK_DIR=str(marks))

    proc = subprocess.Popen(SNAKEMAKE + args, cwd=killed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=probe_env)
    deadline = time.time() + 300
    while time.time() < deadline and len(list(marks.glob("stepping.*"))) < 2 and proc.poll() is None:
        time.sleep(0.2)
    stepping = sorted(p.name for p in marks.glob("stepping.*"))
    assert stepping == ["stepping.0", "stepping.1"], f"both ranks must be stepping fields before the kill: {stepping}"
    pids = _rule_pids(proc.pid)
    assert pids and proc.poll() is None, "the FDTD rule ended before it could be killed mid-run"
    for pid in pids:  # as an OOM killer or a scheduler would: the launcher and every rank
        os.kill(pid, signal.SIGKILL)
    assert proc.wait(timeout=120) != 0, "Snakemake must report the killed rule as failed"
    assert not (killed / TARGET).exists(), "a killed run left its output in place"
    leftovers = [str(p.relative_to(killed)) for p in (killed / "results").rglob("*") if ".tmp-" in p.name]
    assert not leftovers, f"a killed run left temporary files: {leftovers}"

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
