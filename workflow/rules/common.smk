# Loading and checking of the config, shared helpers, and the list of final outputs.
import json
import os
import sys


# The workflow runs the sims package of its own checkout (install.sh also installs it with
# `pip install -e .`, but that may point at another clone): this process and, through
# PYTHONPATH, every entry script import sims from workflow.basedir.
def prepend_to_path_variable(name, directory):
    """directory first in the search path held by the environment variable `name` (created if unset)."""
    current = [p for p in os.environ.get(name, "").split(os.pathsep) if p]
    os.environ[name] = os.pathsep.join([directory] + current)


sys.path.insert(0, workflow.basedir)
prepend_to_path_variable("PYTHONPATH", workflow.basedir)

# One thread per process for the numerical libraries under Meep and numpy (OpenBLAS, which
# Harminv's LAPACK calls go through, and OpenMP): each MPI rank is one core, threads on top
# would oversubscribe the cores, and threaded BLAS reductions made repeated runs differ in
# the last digits (seen: 9e-6 relative in a Harminv Q). A user's own setting is kept.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from sims.config import ConfigError, physics_problems_subprocess, schema_check
from sims import step_settings as S
from sims.step_settings import settings_json
from sims.targets import final_outputs, validation_outputs

# Interpreter of the simulation rules (`python3` in their shell lines): the one running
# Snakemake (the venv made by install.sh, or a conda env), so it sees Meep, mpi4py and h5py:
# its directory goes first on PATH for the rules' shells.
PY = sys.executable
prepend_to_path_variable("PATH", os.path.dirname(PY))


# 1. schema (types, ranges, unknown keys; fills defaults in place), 2. physics checks in a
# child process, so that this process never imports meep (see sims.config). Inside a
# cluster job (remote execution) the config was already checked at submission.
def _physics_check_stamp():
    """A file named by the hash of the config and of the sims sources: present when the
    physics checks already passed for exactly this config and code (skips the child
    process, ~2.5 s, on reruns)."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode())
    for src in sorted(Path(workflow.basedir, "sims").glob("*.py")):
        h.update(src.read_bytes())
    h.update(PY.encode())
    return Path(".snakemake", "physics_checks", h.hexdigest()[:32])


_problems = schema_check(config)
if not _problems and not workflow.remote_exec:
    _stamp = _physics_check_stamp()
    if not _stamp.exists():
        _problems = physics_problems_subprocess(config, PY)
        if not _problems:
            _stamp.parent.mkdir(parents=True, exist_ok=True)
            _stamp.touch()
if _problems:
    sys.stderr.write(f"\n{ConfigError(_problems)}\n\nNo rule was run and nothing was written.\n")
    sys.exit(1)


# Ranks of the MPI rules must fit the local cores (Snakemake would otherwise shrink the
# rule's threads silently while mpirun still starts every rank). Checked when a local run
# starts (not in dry runs, not on a cluster, where the ranks are SLURM tasks).
def check_executor_ready():
    """A cluster run needs its scheduler's commands; a local run needs ranks <= cores."""
    import shutil

    if not workflow.local_exec and not workflow.remote_exec:
        name = getattr(workflow.executor_plugin, "name", "")
        if name == "slurm" and shutil.which("sbatch") is None:
            sys.stderr.write(
                "\nThe SLURM executor was chosen (profiles/slurm or --executor slurm) but `sbatch` "
                "is not on PATH: run from a login node of your cluster, or run locally with "
                "`snakemake --cores N` (the default profile).\n\nNo rule was run and nothing was written.\n"
            )
            sys.exit(1)
        return
    check_ranks_fit_cores()


def check_ranks_fit_cores():
    """Locally an MPI rule starts as many ranks as Snakemake gives it threads (mpi_ranks below), at most
    simulation.mpi_ranks: with fewer cores (e.g. --cores 1) it runs on fewer ranks, said here once."""
    if not workflow.local_exec or config["simulation"]["mpi_oversubscribe"]:
        return
    ranks = config["simulation"]["mpi_ranks"]
    try:
        cores = workflow.cores
    except Exception:
        cores = None
    limit = min(c for c in (cores, os.cpu_count()) if c)
    if ranks > limit:
        sys.stderr.write(
            f"note: simulation.mpi_ranks is {ranks} but {limit} core(s) are available (--cores {cores}, machine "
            f"{os.cpu_count()}): the MPI rules run on {limit} rank(s); their results agree with the "
            f"{ranks}-rank run to rounding (finite_crystal_2d checks 1 vs N ranks)\n"
        )


# MPI launcher of the FDTD rules (resources.mpi; ranks = resources.tasks = threads, so that
# --cores accounting is right locally). Inside a cluster job (remote execution, e.g. SLURM)
# the ranks are the job's tasks, started by simulation.cluster_mpi_launcher (srun).
def mpi_bind_to():
    """Open MPI --bind-to of the local MPI rules (simulation.mpi_bind_to). auto: core, so that
    each rank keeps its core when other processes compete for them (measured under load from
    other Meep jobs: the 2-rank 2D run took a median 0.46x the time of --bind-to none, 19
    rounds in 4 runs, 16 below 1; benchmark_suite.py levers), but only
    where no second MPI job can run beside this one (--cores < 2 x mpi_ranks; each mpirun
    binds from core 0, so two bound jobs would share the same cores) and the ranks fit the
    cores this process may use; none otherwise."""
    sim = config["simulation"]
    if sim["mpi_bind_to"] != "auto":
        return sim["mpi_bind_to"]
    ranks = sim["mpi_ranks"]
    try:
        cores = workflow.cores
    except Exception:
        cores = None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if sim["mpi_oversubscribe"] or not cores or ranks > min(cores, usable) or cores >= 2 * ranks:
        return "none"
    return "core"


if workflow.remote_exec:
    MPIRUN = config["simulation"]["cluster_mpi_launcher"]
else:
    MPIRUN = f"mpirun --allow-run-as-root --oversubscribe --bind-to {mpi_bind_to()}"


# Ranks of each MPI job (resource `ranks`). Locally the threads Snakemake gives the job
# (simulation.mpi_ranks, scaled down to --cores), so the ranks never exceed the cores; in a
# cluster job (and with simulation.mpi_oversubscribe) the configured ranks (= SLURM tasks).
if workflow.remote_exec or config["simulation"]["mpi_oversubscribe"]:
    mpi_ranks = lambda wildcards, threads: config["simulation"]["mpi_ranks"]
else:
    mpi_ranks = lambda wildcards, threads: threads


# Software environment of every rule under `--use-conda` / `--sdm conda` (relative to the rule
# files); the Debian route (install.sh) runs without it.
CONDA_ENV = "../../environment.yml"

# Launcher of the serial rules that sweep points group into shared SLURM jobs (resource
# `launcher`): in a cluster job each runs as its own MPI singleton (workflow/scripts/mpi_singleton.sh);
# locally `env` (runs the command as it is).
SERIAL_LAUNCHER = "bash workflow/scripts/mpi_singleton.sh" if workflow.remote_exec else "env"


wildcard_constraints:
    mirror="[A-Za-z][A-Za-z0-9_]*",
    stack="[A-Za-z][A-Za-z0-9_]*",


# Two targets: `all` (default) and `validation`; their lists are built in sims.targets.
def get_final_outputs():
    return final_outputs(config)


def get_validation_outputs():
    return validation_outputs(config)
