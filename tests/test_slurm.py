"""The quick preset through a real single-node SLURM cluster equals a local run.

tests/slurm/cluster.sh brings up munged, slurmctld and slurmd on this machine (Debian's
SLURM, installed by `install.sh --with-slurm`), Snakemake submits every rule with its SLURM
executor (profiles/slurm), the MPI rule runs its 2 ranks through `srun --mpi=pmix`, and the
HDF5 datasets are compared with those of a local run. The daemons are stopped afterwards.
Skipped only where SLURM cannot be started (not root, not installed); in CI it runs.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, clean_env
from sims.results import read_h5
from test_workflow import copy_repo

CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
TARGETS = [
    "results/materials/optical_constants.h5",               # a serial rule
    "results/finite_crystal_2d/microcavity_II/transmission.h5",  # a 2-rank MPI Meep rule
]


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    if os.geteuid() != 0 or shutil.which("slurmctld") is None:
        pytest.skip("SLURM not installed or not root: run `bash install.sh --with-slurm` as root")
    state = tmp_path_factory.mktemp("slurm")
    up = subprocess.run([str(CLUSTER), "start", str(state)], capture_output=True, text=True, timeout=120,
                        env=clean_env())
    if up.returncode == 3:
        pytest.skip(up.stderr.strip())
    assert up.returncode == 0, up.stdout + up.stderr
    yield state
    subprocess.run([str(CLUSTER), "stop", str(state)], timeout=60)


def run(cwd, *args, env=None, timeout=900):
    return subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env if env is not None else clean_env())


def slurm_env() -> dict:
    """Environment of a Snakemake run against the test cluster."""
    env = clean_env()
    # the test cluster has no accounting database: sacct is answered by squeue (see the shim)
    env["PATH"] = f"{REPO / 'tests' / 'slurm' / 'bin'}{os.pathsep}{env['PATH']}"
    env.setdefault("USER", "root")  # the plugin reads $USER
    return env


def datasets_equal(a: Path, b: Path):
    da, _ = read_h5(a)
    db, _ = read_h5(b)
    assert set(da) == set(db)
    for key in da:
        x, y = np.asarray(da[key]), np.asarray(db[key])
        if x.dtype.kind in "fc":
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=f"{a.name}:{key}")
        else:
            assert np.array_equal(x, y), key


def test_quick_preset_on_slurm_equals_local(slurm_cluster, tmp_path):
    targets = TARGETS
    local = copy_repo(tmp_path / "local")
    on_slurm = copy_repo(tmp_path / "slurm")
    quick = ["--configfile", "presets/quick.yaml"]
    t0 = time.time()
    res = run(local, *targets, "--cores", "2", *quick)
    assert res.returncode == 0, res.stderr[-3000:]
    t_local = time.time() - t0
    env = slurm_env()
    t0 = time.time()
    res = run(on_slurm, *targets, "--workflow-profile", "profiles/slurm", "--slurm-no-account",
              "--jobs", "4", *quick, env=env)
    t_slurm = time.time() - t0
    assert res.returncode == 0, (res.stdout + res.stderr)[-5000:]
    submitted = res.stdout + res.stderr
    assert "Submitted batch job" in submitted or "SLURM jobid" in submitted or "Job " in submitted
    for t in targets:
        datasets_equal(local / t, on_slurm / t)
    print(f"local {t_local:.1f} s, SLURM {t_slurm:.1f} s, targets {targets}")
    # a second invocation has nothing to do
    res = run(on_slurm, *targets, "--workflow-profile", "profiles/slurm", "--slurm-no-account", "-n", *quick, env=env)
    assert "Nothing to be done" in res.stdout + res.stderr


def test_missing_slurm_gives_clear_message(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    # a PATH with every command of this machine except SLURM's
    bindir = tmp_path / "bin"
    bindir.mkdir()
    slurm_cmds = {"sbatch", "srun", "squeue", "sacct", "scancel", "sinfo", "scontrol", "salloc"}
    for d in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            if name not in slurm_cmds and not (bindir / name).exists():
                (bindir / name).symlink_to(Path(d) / name)
    env = clean_env(PATH=str(bindir), USER="root")
    res = run(repo, "results/materials/optical_constants.h5", "--workflow-profile", "profiles/slurm",
              "--slurm-no-account", "--configfile", "presets/quick.yaml", env=env, timeout=300)
    assert res.returncode != 0
    assert "`sbatch` is not on PATH" in res.stderr
    assert not (repo / "results").exists()


def test_job_killed_by_scheduler_is_rerun_cleanly(slurm_cluster, tmp_path):
    """scancel an MPI Meep job mid-run (as a time limit or preemption would): Snakemake
    reports it failed, no output is left in place, and the next invocation reruns it."""
    repo = copy_repo(tmp_path / "repo")
    (repo / "long.yaml").write_text("finite_crystal_2d: {run_time: 3000}\n")  # ~30 s of stepping
    target = TARGETS[1]
    env = slurm_env()
    args = [sys.executable, "-m", "snakemake", target, "--workflow-profile", "profiles/slurm", "--slurm-no-account",
            "--configfile", "presets/quick.yaml", "long.yaml"]
    proc = subprocess.Popen(args, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    log = repo / "logs" / "finite_crystal_2d" / "microcavity_II.log"
    deadline, job = time.time() + 300, None
    while time.time() < deadline and job is None:
        time.sleep(1)
        running = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i"], capture_output=True, text=True,
                                 env=env).stdout.split()
        if running and log.exists() and "Using MPI" in log.read_text(errors="replace"):
            job = running[0]
    assert job is not None, "the MPI job never started on the test cluster"
    time.sleep(3)  # the ranks are stepping fields now
    subprocess.run(["scancel", job], check=True, env=env)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode != 0, "a job cancelled by the scheduler must fail the run"
    assert not (repo / target).exists(), "a cancelled job left its output in place"

    rerun = subprocess.run(args, cwd=repo, capture_output=True, text=True, timeout=600, env=env)
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-4000:]
    data, attrs = read_h5(repo / target)
    assert np.all(np.isfinite(data["flux"])) and "settings_hash" in attrs


def test_sweep_points_share_one_group_job(slurm_cluster, tmp_path):
    """The serial 1D steps of sweep points go to SLURM as one group job (profiles/slurm:
    group-components sweep_1d), two at a time within it, each step its own MPI singleton
    (seen before workflow/scripts/mpi_singleton.sh: side-by-side steps aborted in MPI_Init);
    the point at the main run's distance gives the main run's threshold, computed locally."""
    import yaml

    repo = copy_repo(tmp_path / "repo")
    (repo / "sweep.yaml").write_text(yaml.safe_dump(
        {"emission": {"engine": "tmm"},
         "sweeps": {"optical_threshold": {"key": "threshold.measured.optical_threshold_w_per_cm2.value", "values": [6.6, 13.2]}}}))
    conf = ["--configfile", "presets/quick.yaml", "sweep.yaml"]
    res = run(repo, "results/threshold/threshold.h5", "--cores", "2", *conf)  # the main chain, locally
    assert res.returncode == 0, res.stderr[-3000:]
    env = slurm_env()
    res = run(repo, "results/sweeps/optical_threshold/sweep.h5", "--workflow-profile", "profiles/slurm",
              "--slurm-no-account", *conf, env=env)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-5000:]
    submitted = [line for line in out.splitlines() if "submitted with SLURM jobid" in line]
    assert len(submitted) == 2, submitted  # the two points' thresholds together, then the gather
    assert sum("group_sweep_1d" in line for line in submitted) == 1, submitted
    main, _ = read_h5(repo / "results/threshold/threshold.h5")
    point, _ = read_h5(repo / "results/sweeps/optical_threshold/p00/threshold/threshold.h5")
    for dev in ("dual_cavity", "single_cavity"):
        key = f"headline/{dev}/j_th_a_per_cm2"
        assert point[key] == main[key], key


def test_every_mpi_rule_uses_a_launcher_option_srun_and_mpirun_share():
    """On a cluster the launcher is srun, which rejects mpirun's `-np` (seen: every emission
    and cavity_lateral job failed on the test cluster): MPI rules must pass `-n`."""
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    # the rank count (resource `ranks`): the SLURM tasks in a cluster job, the job's threads locally
    assert 'mpi_ranks = lambda wildcards, threads: config["simulation"]["mpi_ranks"]' in common
    assert "mpi_ranks = lambda wildcards, threads: threads" in common
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        assert "-np {resources.tasks}" not in text and "-np " not in text, smk.name
        for line in text.splitlines():
            if "{resources.mpi}" in line:
                assert "{resources.mpi} -n {resources.ranks} " in line, f"{smk.name}: {line.strip()}"
        assert text.count("{resources.mpi}") == text.count("ranks=mpi_ranks"), smk.name
