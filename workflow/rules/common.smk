# Loading and checking of the config, shared helpers, and the list of final outputs.
import json
import os
import sys

sys.path.insert(0, workflow.basedir)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [workflow.basedir] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)

from sims.config import ConfigError, sub_config, validate_config

try:
    _checked = validate_config(config)
except ConfigError as _err:
    sys.stderr.write(f"\n{_err}\n\nNo rule was run and nothing was written.\n")
    sys.exit(1)
config.clear()
config.update(_checked)

# Interpreter of the simulation rules: the one running Snakemake (the venv made by
# install.sh, or a conda env), so it sees Meep, mpi4py and h5py.
PY = sys.executable
# MPI launcher for the FDTD rules (resources.mpi); ranks = threads, so --cores accounting
# is right locally. On SLURM the profile sets mpi="srun --mpi=pmix".
MPIRUN = "mpirun --allow-run-as-root --oversubscribe --bind-to none"

wildcard_constraints:
    mirror="[A-Za-z][A-Za-z0-9_]*",
    stack="[A-Za-z][A-Za-z0-9_]*",

FINAL_OUTPUTS = []


def settings_json(obj):
    """Canonical JSON of a step's settings, passed to an entry script as one argument."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def get_final_outputs():
    return FINAL_OUTPUTS
