"""The interpreter the rules use (this one: install.sh's venv or a conda env) has the stack."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_rule_interpreter_imports_meep_mpi4py_h5py():
    # the rules run `sys.executable` of the Snakemake process (workflow/rules/common.smk)
    code = "import meep, mpi4py, h5py, numpy; print(meep.__version__, numpy.__version__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "1.25" in out.stdout or out.stdout.split()[0] >= "1.25"


def test_numpy_not_replaced_under_meep():
    import numpy

    assert int(numpy.__version__.split(".")[0]) < 2, "Meep 1.25 is compiled against numpy 1.x"
    if Path("/usr/lib/python3/dist-packages/meep").exists():
        # Debian route: numpy must be Debian's own, not a PyPI wheel inside the venv
        assert numpy.__file__.startswith("/usr/lib/python3/"), numpy.__file__


def test_meep_runs_a_tiny_simulation():
    import meep as mp

    mp.verbosity(0)
    sim = mp.Simulation(cell_size=mp.Vector3(0, 0, 4), resolution=20, dimensions=1,
                        boundary_layers=[mp.PML(1)],
                        sources=[mp.Source(mp.GaussianSource(1.0, fwidth=0.2), mp.Ex, mp.Vector3())])
    sim.run(until=5)
    assert sim.meep_time() == pytest.approx(5, abs=0.1)


def test_snakemake_and_tmm_importable():
    for mod in ("snakemake", "tmm", "jsonschema", "yaml", "matplotlib", "scipy"):
        importlib.import_module(mod)


def test_rules_use_the_snakemake_interpreter():
    """Rules run `python3` found first in the directory of the interpreter running Snakemake."""
    text = (REPO / "workflow" / "rules" / "common.smk").read_text()
    assert "PY = sys.executable" in text and 'prepend_to_path_variable("PATH", os.path.dirname(PY))' in text
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        assert "{PY}" not in smk.read_text(), smk.name
