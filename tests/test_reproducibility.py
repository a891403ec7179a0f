"""The whole quick preset, twice, from two fresh copies of the repository: it ends in the
summary and the HTML report, every HDF5 carries provenance, the summary records the software
versions, and the two runs give the same numbers (issue 10, item 4).

Tolerance: 1e-12 relative (plus 1e-300 absolute for exact zeros). Meep's runs are
deterministic for a fixed rank count; the MPI rules use the same ranks in both runs.
"""

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import clean_env
from test_workflow import copy_repo

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3000)]  # two quick runs in the first test's fixture

PROVENANCE = ("settings_json", "settings_hash", "meep_version", "numpy_version", "sims_version", "git_commit")


def _run_quick(repo: Path):
    out = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "presets/quick.yaml"],
                         cwd=repo, capture_output=True, text=True, timeout=1800, env=clean_env())
    assert out.returncode == 0, out.stderr[-4000:]
    return out


def _datasets(path: Path) -> dict:
    data = {}
    with h5py.File(path, "r") as fh:
        fh.visititems(lambda name, obj: data.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return data


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    a = copy_repo(tmp_path_factory.mktemp("run_a"))
    b = copy_repo(tmp_path_factory.mktemp("run_b"))
    _run_quick(a)
    _run_quick(b)
    return a, b


def test_quick_preset_ends_in_summary_and_report(two_runs):
    a, _ = two_runs
    summary = json.loads((a / "results" / "summary.json").read_text())
    assert summary["numbers"], "empty summary"
    for dev in ("dual_cavity", "single_cavity"):
        assert dev in summary["headline"]
    software = summary["software"]
    for pkg in ("python", "meep", "numpy", "h5py", "tmm", "snakemake", "git_commit"):
        assert software.get(pkg), f"summary.json lacks the version of {pkg}"
    report = subprocess.run([sys.executable, "-m", "snakemake", "--configfile", "presets/quick.yaml", "--report",
                             "results/report.html"], cwd=a, capture_output=True, text=True, timeout=600,
                            env=clean_env())
    assert report.returncode == 0, report.stderr[-3000:]
    html = (a / "results" / "report.html").read_text(errors="replace")
    assert len(html) > 100_000 and "threshold" in html.lower()


def test_every_hdf5_carries_provenance(two_runs):
    a, _ = two_runs
    files = sorted((a / "results").rglob("*.h5"))
    assert len(files) >= 15, files
    for path in files:
        with h5py.File(path, "r") as fh:
            missing = [k for k in PROVENANCE if k not in fh.attrs]
        assert not missing, f"{path.relative_to(a)} lacks provenance attributes {missing}"


def test_two_runs_give_identical_datasets(two_runs):
    a, b = two_runs
    files = sorted(p.relative_to(a) for p in (a / "results").rglob("*.h5"))
    assert files == sorted(p.relative_to(b) for p in (b / "results").rglob("*.h5"))
    compared, wall_time_like = 0, ("seconds", "wall", "mcups", "time_s")
    for rel in files:
        da, db = _datasets(a / rel), _datasets(b / rel)
        assert sorted(da) == sorted(db), rel
        for name in da:
            if any(w in name.lower() for w in wall_time_like):
                continue  # timings, not results
            x, y = np.asarray(da[name]), np.asarray(db[name])
            if x.dtype.kind in "fc":
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-300, err_msg=f"{rel}:{name}")
            else:
                assert np.array_equal(x, y), f"{rel}:{name}"
            compared += 1
    assert compared > 100


def test_validation_target_on_the_quick_preset(two_runs):
    """`snakemake validation` (issue 18) on the quick preset, after the default run: every
    cross-check runs, writes finite results with provenance, and the default outputs are not
    rerun (the validation rules only read them)."""
    a, _ = two_runs
    before = {p: p.stat().st_mtime_ns for p in (a / "results").rglob("*.h5")}
    out = subprocess.run([sys.executable, "-m", "snakemake", "validation", "--cores", "2", "--configfile",
                          "presets/quick.yaml"], cwd=a, capture_output=True, text=True, timeout=1800,
                         env=clean_env())
    assert out.returncode == 0, out.stderr[-4000:]
    assert all(p.stat().st_mtime_ns == t for p, t in before.items()), "the validation target reran a default step"
    new = sorted(set((a / "results").rglob("*.h5")) - set(before))
    assert any("validation" in str(p) for p in new), new
    for path in new:
        for name, val in _datasets(path).items():
            if np.asarray(val).dtype.kind in "fc":
                assert np.all(np.isfinite(val)), f"{path.relative_to(a)}:{name}"
        with h5py.File(path, "r") as fh:
            assert all(k in fh.attrs for k in PROVENANCE), path
    # the Meep points of the pump-absorption table (none in the quick preset): one angle, and the
    # default run's table (transfer matrix) is not rerun by asking for them
    (a / "meep_angle.yaml").write_text("transfer:\n  absorption_meep_angles_deg: [0]\n")
    out = subprocess.run([sys.executable, "-m", "snakemake", "validation", "--cores", "2", "--configfile",
                          "presets/quick.yaml", "meep_angle.yaml"], cwd=a, capture_output=True, text=True,
                         timeout=900, env=clean_env())
    assert out.returncode == 0, out.stderr[-4000:]
    assert all(p.stat().st_mtime_ns == t for p, t in before.items()), "the Meep pump points reran a default step"
    m = _datasets(a / "results" / "validation" / "transfer" / "pump_absorption_meep.h5")
    assert abs(float(m["meep/A"][0]) - float(m["meep/tmm_meep_eps_A"][0])) < 0.03, m


# ---------------------------------------------------------------------------------------
# Physics asserted on the outputs of the quick-preset run (issue 19, item 6). Tolerances are
# the quick preset's (coarse grids, few kx): looser than docs/validation.md's default-config
# numbers, but each fails if the step's physics or its bookkeeping breaks.
# ---------------------------------------------------------------------------------------
def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def test_every_output_is_finite_in_every_format(two_runs):
    """No NaN/Inf in any HDF5 dataset, JSON, TSV, CSV or Markdown result (missing values are flags)."""
    from sims.results import check_finite_text

    a, _ = two_runs
    checked = 0
    for path in sorted((a / "results").rglob("*")):
        if path.suffix == ".h5":
            for name, val in _datasets(path).items():
                if np.asarray(val).dtype.kind in "fc":
                    assert np.all(np.isfinite(val)), f"{path.relative_to(a)}:{name}"
        elif path.suffix in (".json", ".tsv", ".csv", ".md"):
            check_finite_text(path, path.read_text())
        else:
            continue
        checked += 1
    assert checked >= 30, checked


def test_mirror_spectra_agree_with_the_transfer_matrix(two_runs):
    """1D Meep R(lambda) of every DBR vs tmm: RMS |dR| < 0.05 and stop-band edges within 2 nm."""
    a, _ = two_runs
    mirrors = sorted((a / "results" / "mirrors").glob("*/metrics.json"))
    assert len(mirrors) >= 4, mirrors
    for path in mirrors:
        normal = _json(path)["normal"]
        assert normal["rms_dR"] < 0.05, (path.parent.name, normal["rms_dR"])
        assert max(abs(e) for e in normal["edge_errors_nm"]) < 2.0, (path.parent.name, normal["edge_errors_nm"])


def test_cavity_mode_is_the_transfer_matrix_pole(two_runs):
    """Harminv mode of microcavity II (Meep) vs the transfer-matrix pole of the same (Meep-fitted)
    media: wavelength within 1 nm, Q within 10 %."""
    a, _ = two_runs
    m = _datasets(a / "results" / "cavity" / "microcavity_II" / "modes.h5")
    lam, lam_tmm = float(m["lasing_wavelength_nm"]), float(m["tmm/pole_wavelength_meep_media_nm"])
    q, q_tmm = float(m["Q_total"]), float(m["tmm/pole_Q_total_meep_media"])
    assert abs(lam - lam_tmm) < 1.0, (lam, lam_tmm)
    assert abs(q / q_tmm - 1) < 0.10, (q, q_tmm)


def test_emission_agrees_with_the_transfer_matrix(two_runs):
    """Meep dipole-sheet emission of both LEDs vs the planar Green's function (transfer matrix):
    angular FWHM within 10 %, 30-degree cone fraction within 0.1, extraction within a factor 1.7
    (the quick preset samples 1 dipole position and 6 radiative kx; default config: docs/validation.md)."""
    a, _ = two_runs
    rows = [l.split("\t") for l in (a / "results" / "emission" / "summary.tsv").read_text().splitlines()]
    head, rows = rows[0], rows[1:]
    col = {k: i for i, k in enumerate(head)}
    got = {(r[col["led"]], r[col["quantity"]]): (float(r[col["value"]]), float(r[col["transfer_matrix"]]))
           for r in rows}
    for led in ("microcavity", "standard"):
        meep, ref = got[(led, "fwhm_deg")]
        assert abs(meep / ref - 1) < 0.10, (led, meep, ref)
        meep, ref = got[(led, "cone_fraction_30deg")]
        assert abs(meep - ref) < 0.1, (led, meep, ref)
        meep, ref = got[(led, "extraction_fraction")]
        assert 1 / 1.7 < meep / ref < 1.7, (led, meep, ref)


def test_transfer_conserves_energy(two_runs):
    """Pump absorption: R + T + A_crystal + A_other = 1 (transfer matrix); LED-to-crystal transfer:
    power landing on the crystal plus power missing it = power leaving the LED (each distance)."""
    a, _ = two_runs
    p = _datasets(a / "results" / "transfer" / "pump_absorption.h5")
    total = p["tmm/R"] + p["tmm/T"] + p["tmm/A_crystal"] + p["tmm/A_other"]
    assert np.max(np.abs(total - 1)) < 1e-9
    for led in ("microcavity", "standard"):
        eb = _datasets(a / "results" / "transfer" / led / "transfer.h5")["energy_balance"]
        np.testing.assert_allclose(eb[:, 0] + eb[:, 1], eb[:, 2], atol=1e-3, err_msg=led)


def test_threshold_is_its_formula_on_the_summarys_own_inputs(two_runs):
    """The dual-cavity J_th of the summary solves P(J) = exitance needed, with P(J) = EQE(J) J h nu / e
    (EQE0, J0 of the summary, m and the EL wavelength of the config), and the exitance needed is the
    absorbed photon flux x its photon energy / (absorbed ratio x exit-to-air ratio) (transfer file)."""
    import yaml

    from sims.results import read_h5

    a, _ = two_runs
    s = _json(a / "results" / "summary.json")["numbers"]
    cfg = yaml.safe_load((a / "config.yaml").read_text())["threshold"]
    m = cfg["assumed"]["eqe_rolloff_exponent"]["value"]
    hv_led = 1239.841984 / cfg["measured"]["led_wavelength_nm"]["value"]
    j = s["j_th_optical_spot_dual_cavity"]["value"]
    need = s["exitance_needed_dual_cavity"]["value"]
    eqe0, j0 = s["eqe0"]["value"], s["eqe_j0"]["value"]
    assert j is not None and need is not None
    p_of_j = eqe0 / (1 + (j / j0) ** m) * j * hv_led
    assert abs(p_of_j / need - 1) < 1e-6, (p_of_j, need)
    t, _ = read_h5(a / "results" / "transfer" / "microcavity" / "transfer.h5")
    e2a = t["exit_to_air_power_ratio"]
    e2a = float(e2a.as_float() if hasattr(e2a, "as_float") else e2a)
    absorbed_w_per_cm2 = (s["absorbed_photon_flux_threshold_optical"]["value"]
                          * float(t["device/absorbed_photon_energy_ev"]) * 1.602176634e-19)
    expected = absorbed_w_per_cm2 / s["absorbed_ratio_spot_microcavity"]["value"] / e2a
    assert abs(expected / need - 1) < 0.02, (expected, need)
