"""environment.yml parses and names every third-party package the code imports."""

import ast
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# import name -> conda/pip package name
PACKAGE_OF = {"meep": "pymeep", "yaml": "pyyaml", "mpi4py": "mpi4py", "h5py": "h5py", "numpy": "numpy",
              "scipy": "scipy", "matplotlib": "matplotlib", "tmm": "tmm", "jsonschema": "jsonschema",
              "snakemake": "snakemake", "pytest": "pytest", "docutils": "docutils"}


def third_party_imports() -> set[str]:
    found = set()
    files = list((REPO / "sims").rglob("*.py")) + list((REPO / "workflow").rglob("*.py")) + \
        list((REPO / "tests").rglob("*.py")) + list((REPO / "workflow").rglob("*.smk")) + [REPO / "Snakefile"]
    for path in files:
        text = path.read_text()
        if path.suffix != ".py":
            lines = [l.strip() for l in text.splitlines() if l.strip().startswith(("import ", "from "))]
            text = "\n".join(lines)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    local = {"sims", "bench", "conftest"} | {p.stem for p in (REPO / "tests").glob("*.py")}
    return {m for m in found if m not in sys.stdlib_module_names and m not in local}


def conda_names() -> set[str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {d.split("=")[0].split("<")[0].split(">")[0].strip() for d in dep.get("pip", [])}
        else:
            names.add(dep.split("=")[0].split("<")[0].split(">")[0].strip())
    return names


def test_environment_yml_parses():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    assert any(str(d).startswith("pymeep") and "mpi" in str(d) for d in env["dependencies"])


def test_environment_names_every_imported_package():
    imports = third_party_imports()
    unknown = imports - set(PACKAGE_OF)
    assert not unknown, f"add these imports to PACKAGE_OF and environment.yml: {sorted(unknown)}"
    missing = {PACKAGE_OF[m] for m in imports} - conda_names()
    assert not missing, f"environment.yml lacks {sorted(missing)}"


def test_requirements_pins_slurm_plugin_below_numpy2():
    text = (REPO / "requirements.txt").read_text()
    assert "snakemake-executor-plugin-slurm<2.7" in text
