"""The workflow as a user runs it: rejected configs write nothing, reruns are minimal.

Each test runs Snakemake in a fresh copy of the repository (tracked and untracked,
non-ignored files), as a new clone would be.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, clean_env

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def copy_repo(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def snakemake(cwd: Path, *args, timeout=600):
    return subprocess.run(SNAKEMAKE + ["--cores", "2", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=clean_env())


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("clone"))


def test_dry_run_plans_the_default_workflow(repo_copy):
    out = snakemake(repo_copy, "-n", "-p")
    assert out.returncode == 0, out.stderr + out.stdout
    text = out.stdout + out.stderr
    for rule in ("optical_constants", "permittivity_map"):
        assert rule in text
    # simulation.mpi_bind_to: auto binds the ranks to cores when no second MPI job fits
    # beside this one (--cores 2 < 2 x 2 ranks)
    assert "mpirun --allow-run-as-root --oversubscribe --bind-to core -n 2" in text


@pytest.mark.parametrize("override, key", [
    ({"layers": {"ito": {"material": "ITO", "thickness_nm": -3}}}, "layers.ito.thickness_nm"),
    ({"layers": {"crystal": {"material": "Perovskite", "thickness_nm": 180}}}, "layers.crystal.material"),
    ({"simulation": {"resolution_1d_px_per_um": 50}}, "simulation.resolution_1d_px_per_um"),
    ({"mirror_spectra": {"wavelength_min_nm": 150}}, "mirror_spectra.mirrors.dbr2"),
    # checks registered by the steps' modules (sims.emission, sims.threshold, sims.cavity) run too
    ({"emission": {"orientation": {"in_plane": 0.5, "vertical": 0.3}}}, "emission.orientation"),
    ({"threshold": {"distance_um": 120}}, "threshold.distance_um"),
    ({"cavity": {"stacks": {"microcavity_II": {"gain_group": "dbr2"}}}}, "cavity.stacks.microcavity_II.gain_group"),
])
def test_rejected_config_names_key_and_writes_nothing(tmp_path, override, key):
    repo = copy_repo(tmp_path)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(override))
    out = snakemake(repo, "--configfile", "bad.yaml")
    assert out.returncode != 0
    assert f"config key {key}" in out.stderr
    assert not (repo / "results").exists()


def test_malformed_yaml_is_rejected(tmp_path):
    repo = copy_repo(tmp_path)
    (tmp_path / "bad.yaml").write_text("simulation: {pml_um: [1,\n")
    out = snakemake(repo, "--configfile", "bad.yaml")
    assert out.returncode != 0
    assert not (repo / "results").exists()


def jobs_planned(cwd: Path, targets, *args) -> list[str]:
    out = snakemake(cwd, *targets, "-n", "--quiet", "rules", *args)
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    if "Nothing to be done" in text:
        return []
    rules = []
    table = text.split("Job stats:", 1)[1].split("total", 1)[0]  # the first job table only
    for line in table.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            rules += [parts[0]] * int(parts[1])
    return sorted(rules)


def test_rerun_is_noop_and_thickness_change_reruns_only_dependents(repo_copy):
    targets = ["results/materials/optical_constants.h5", "results/geometry/microcavity_II/permittivity.h5",
               "results/geometry/standard_peled/permittivity.h5"]
    quick = ["--configfile", "presets/quick.yaml"]
    run = snakemake(repo_copy, *targets, *quick)
    assert run.returncode == 0, run.stderr[-3000:]
    assert jobs_planned(repo_copy, targets, *quick) == []
    cfg = yaml.safe_load((repo_copy / "presets" / "quick.yaml").read_text())
    cfg.setdefault("layers", {})["crystal"] = {"material": "FAPbI3", "thickness_nm": 200, "source": "test"}
    (repo_copy / "changed.yaml").write_text(yaml.safe_dump(cfg))
    planned = jobs_planned(repo_copy, targets, "--configfile", "changed.yaml")
    # only the stack that holds the crystal is redone, not the materials or the standard PeLED
    assert planned == ["permittivity_map"], planned


def test_one_core_runs_the_mpi_rules_on_one_rank(tmp_path):
    """--cores 1 (issue 19 item 7): an MPI rule starts as many ranks as it gets threads (1 here, not
    simulation.mpi_ranks = 2), says so once, and runs."""
    repo = copy_repo(tmp_path)
    target = "results/finite_crystal_2d/microcavity_II/transmission.h5"
    plan = subprocess.run(SNAKEMAKE + ["--cores", "1", target, "-n", "-p", "--configfile", "presets/quick.yaml"],
                          cwd=repo, capture_output=True, text=True, timeout=300, env=clean_env())
    assert plan.returncode == 0, plan.stderr[-2000:]
    assert " -n 1 " in plan.stdout + plan.stderr
    out = subprocess.run(SNAKEMAKE + ["--cores", "1", target, "--configfile", "presets/quick.yaml"], cwd=repo,
                         capture_output=True, text=True, timeout=600, env=clean_env())
    assert out.returncode == 0, out.stderr[-3000:]
    assert "run on 1 rank(s)" in out.stderr
    assert (repo / target).exists()


def test_step_settings_carry_only_their_stacks_calibration(tmp_path):
    """emission_led of the microcavity PeLED carries microcavity I's calibration entry (changing it
    reruns the emission), the standard PeLED none; cavity_modes of microcavity II only its own entry."""
    import json
    import shlex

    repo = copy_repo(tmp_path)
    targets = ["results/emission/microcavity/emission.h5", "results/emission/standard/emission.h5",
               "results/cavity/microcavity_II/modes.h5"]
    out = snakemake(repo, *targets, "-n", "-p")
    assert out.returncode == 0, out.stderr
    settings = {}
    for line in (out.stdout + out.stderr).splitlines():
        if "--settings" in line and ("emission.py" in line or "cavity_modes.py" in line):
            toks = shlex.split(line)
            key = toks[toks.index("--led") + 1] if "--led" in toks else toks[toks.index("--stack") + 1]
            settings[key] = json.loads(toks[toks.index("--settings") + 1])
    cal = settings["microcavity"]["cavity"]["calibration"]
    assert cal["enabled"] and list(cal["stacks"]) == ["microcavity_I"]
    assert cal["stacks"]["microcavity_I"]["parameter"] == "layer_thickness"
    assert cal["stacks"]["microcavity_I"]["layer"] == "ito"
    assert cal["stacks"]["microcavity_I"]["alternative_layer"] == "emitter"  # the emission's variants/ read it
    assert list(settings["microcavity"]["cavity"]["stacks"]) == ["microcavity_I"]
    assert "cavity" not in settings["standard"]
    assert list(settings["microcavity_II"]["cavity"]["calibration"]["stacks"]) == ["microcavity_II"]


def test_mirror_step_settings_leave_the_oblique_sweep_to_validation(tmp_path):
    """The default mirror rule (normal incidence) carries none of the oblique sweep's keys, so
    changing them reruns only the validation rule mirror_oblique, which carries them."""
    import json
    import shlex

    repo = copy_repo(tmp_path)
    targets = ["results/mirrors/dbr2/spectra.h5", "results/validation/mirrors/dbr2/spectra.h5"]
    out = snakemake(repo, *targets, "-n", "-p")
    assert out.returncode == 0, out.stderr
    settings = {}
    for line in (out.stdout + out.stderr).splitlines():
        if "mirror_spectra.py" in line and "--settings" in line:
            toks = shlex.split(line)
            settings["--oblique" in toks] = json.loads(toks[toks.index("--settings") + 1])["mirror_spectra"]
    normal, oblique = settings[False], settings[True]
    oblique_only = {"n_kx", "oblique_time_factor", "settle_tolerance"}
    assert not oblique_only & set(normal)
    assert oblique_only <= set(oblique)
    assert {k: v for k, v in oblique.items() if k not in oblique_only} == normal  # the rest is shared
    assert {"angles_deg", "decay_threshold", "courant", "n_wavelengths"} <= set(normal)
    planned = jobs_planned(repo, ["validation"])
    assert planned.count("mirror_oblique") == 4 and "mirror_spectra" not in planned


def test_cavity_validation_keys_rerun_only_cavity_validation(tmp_path):
    """cavity_modes' settings hold none of the validation-only keys (sims.cavity_study.VALIDATION_KEYS),
    cavity_validation's hold them: changing them changes only cavity_validation's settings (what
    Snakemake reruns on), and cavity_modes' settings stay the same string."""
    import shlex

    from sims.cavity_study import VALIDATION_KEYS

    repo = copy_repo(tmp_path)
    targets = ["results/cavity/microcavity_II/modes.h5", "results/validation/cavity/microcavity_II/validation.h5"]

    def settings(*args):
        out = snakemake(repo, *targets, "-n", "-p", *args)
        assert out.returncode == 0, out.stderr
        found = {}
        for line in (out.stdout + out.stderr).splitlines():
            for script in ("cavity_modes.py", "cavity_validation.py"):
                if "--settings" in line and script in line:
                    toks = shlex.split(line)
                    found[script] = toks[toks.index("--settings") + 1]
        assert set(found) == {"cavity_modes.py", "cavity_validation.py"}, found
        return found

    base = settings()
    assert not set(VALIDATION_KEYS) & set(json.loads(base["cavity_modes.py"])["cavity"])
    assert set(VALIDATION_KEYS) <= set(json.loads(base["cavity_validation.py"])["cavity"])
    (tmp_path / "changed.yaml").write_text(yaml.safe_dump({"cavity": {
        "dispersion_meep_angles_deg": [45], "thickness_sweep_meep_points": 3,
        "convergence_resolutions_px_per_um": [100, 300], "convergence_pml_um": [1.5]}}))
    changed = settings("--configfile", "changed.yaml")
    assert changed["cavity_modes.py"] == base["cavity_modes.py"]
    assert changed["cavity_validation.py"] != base["cavity_validation.py"]


def test_every_rule_has_a_log_and_a_benchmark():
    """Each rule (but the targets all and validation) writes a log and a Snakemake benchmark."""
    import re

    missing = []
    for path in sorted((REPO / "workflow" / "rules").glob("*.smk")) + [REPO / "Snakefile"]:
        text = path.read_text()
        for m in re.finditer(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", text, re.S | re.M):
            if m.group(1) in ("all", "validation"):
                continue
            missing += [f"{m.group(1)} ({k})" for k in ("log:", "benchmark:") if k not in m.group(2)]
    assert not missing, missing


def test_snakefmt_and_lint():
    """`snakefmt --check .` passes (settings in pyproject.toml) and `snakemake --lint` is clean."""
    fmt = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "."], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    lint = snakemake(REPO, "--lint", "--configfile", "presets/quick.yaml", timeout=300)
    text = lint.stdout + lint.stderr
    assert lint.returncode == 0 and "Congratulations, your workflow is in a good condition" in text, text[-3000:]
