#!/usr/bin/env bash
# Installs everything the workflow needs on Debian 12 (run as root), idempotently:
#   Debian: Meep 1.25 with Open MPI, mpi4py, h5py, matplotlib, scipy (Meep is not on PyPI);
#   .venv:  a venv over Debian's Python that sees those packages, plus Snakemake, the
#           SLURM executor plugin, tmm (transfer-matrix reference), pytest, snakefmt from PyPI,
#           and the sims package itself (pip install -e .),
#           with numpy pinned to Debian's build so Meep's compiled module keeps working.
# Usage: bash install.sh                (then: .venv/bin/snakemake --cores 2)
#        bash install.sh --with-slurm   (also slurmctld, slurmd, munge: the test suite
#                                        brings up a throw-away single-node SLURM cluster)
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive

DEB_PACKAGES="python3-meep-openmpi openmpi-bin python3-mpi4py python3-h5py-mpi python3-matplotlib
  python3-scipy python3-yaml python3-venv python3-pip git"
for arg in "$@"; do
  case "$arg" in
    --with-slurm) DEB_PACKAGES="$DEB_PACKAGES slurmctld slurmd slurm-client munge libpmix-dev" ;;
    *) echo "install.sh: unknown option $arg (known: --with-slurm)" >&2; exit 2 ;;
  esac
done
if [ "${SKIP_APT:-0}" != 1 ]; then
  n_installed=$(dpkg-query -W -f='${Status}\n' $DEB_PACKAGES 2>/dev/null | grep -c '^install ok installed' || true)
  if [ "$n_installed" -lt "$(echo $DEB_PACKAGES | wc -w)" ]; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends $DEB_PACKAGES
  fi
fi

PY=/usr/bin/python3
if [ ! -x .venv/bin/python ]; then
  $PY -m venv --system-site-packages .venv
fi
# Debian's numpy, as Meep was compiled against it: the venv must not replace it.
NUMPY_VERSION=$($PY -c 'import numpy; print(numpy.__version__)')
echo "numpy==$NUMPY_VERSION" > .venv/constraints.txt
if ! .venv/bin/python -c 'import snakemake, tmm, pytest, pytest_timeout, snakefmt, snakemake_executor_plugin_slurm' 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check -c .venv/constraints.txt -r requirements.txt
fi
# the sims package itself (pyproject.toml), editable: `import sims` works from anywhere
.venv/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
.venv/bin/python - <<'PY'
import meep, mpi4py, h5py, numpy, snakemake, tmm, sims.results
assert numpy.__file__.startswith("/usr/lib/python3/"), f"numpy was replaced in the venv: {numpy.__file__}"
print(f"install ok: meep {meep.__version__}, numpy {numpy.__version__}, snakemake {snakemake.__version__}")
PY
