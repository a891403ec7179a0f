"""Mirror spectra: 1D Meep against the transfer matrix (tmm), conservation, s = p, oblique p.

Every Meep number here comes from a run made in the test; the references are independent
(tmm on the same permittivities, energy conservation, symmetry). Tolerances can fail: a
Meep run at 200 px/um misses the 0.01 RMS bound on a 20-pair DBR (0.021 measured).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from sims.config import ConfigError

from sims.config_checks import validate_config
from sims.materials import Material
from sims.mirror_claims import claims_csv, evaluate_claims
from sims.mirror_spectra import STOP_BAND_LEVEL, mirror_settings, quarter_wave_nm, rms, stop_band_edges_nm, to_angles
from sims.results import FLAG_CODES
from sims.stack import Layer, build_mirror
from sims.stack_rta import stack_rta_meep, stack_rta_tmm


@pytest.fixture(scope="module")
def dbr3_normal(config):
    """The real default DBR3 between its configured media, default numerics, normal incidence."""
    st = mirror_settings(config, "dbr3")
    stack = build_mirror(config, "dbr3", st["below"], st["above"])
    lo, hi = st["band_nm"]
    wl = np.linspace(lo, hi, st["n_wavelengths"])
    f = 1e3 / wl
    meep = stack_rta_meep(stack, f, 0.0, "p", st["resolution_px_per_um"], st["pml_um"], st["decay_threshold"],
                          courant=st["courant"])
    tmm = stack_rta_tmm(stack, f, 0.0, "p")
    return stack, wl, meep, tmm


@pytest.fixture(scope="module")
def short_dbr(config):
    """5 pairs of DBR3 (FAPbI3 | DBR | air): cheap, its band-edge modes decay fully."""
    st = mirror_settings(config, "dbr3")
    full = build_mirror(config, "dbr3", st["below"], st["above"])
    return replace(full, name="dbr3_5pairs", layers=full.layers[:10])


def test_default_dbr3_matches_tmm(dbr3_normal):
    _, wl, meep, tmm = dbr3_normal
    assert rms(meep["R"] - tmm["R"]) <= 0.01
    assert rms(meep["T"] - tmm["T"]) <= 0.01


def test_default_dbr3_stop_band_edges(dbr3_normal):
    stack, wl, meep, tmm = dbr3_normal
    center = quarter_wave_nm(stack)
    e_m = stop_band_edges_nm(wl, meep["R"], STOP_BAND_LEVEL, center)
    e_t = stop_band_edges_nm(wl, tmm["R"], STOP_BAND_LEVEL, center)
    assert all(np.isfinite(e_t)) and e_t[0] < center < e_t[1]
    assert abs(e_m[0] - e_t[0]) <= 2.0
    assert abs(e_m[1] - e_t[1]) <= 2.0


def test_default_dbr3_lossless_energy(dbr3_normal):
    # A = 1 - R - T must vanish for a lossless mirror; the band-edge modes of 20 pairs ring
    # longest (with decay threshold 1e-6 instead of the configured 1e-9, dbr2 gave 0.11)
    _, _, meep, tmm = dbr3_normal
    assert np.max(np.abs(tmm["A"])) < 1e-9
    assert np.max(np.abs(meep["A"])) <= 1e-3


@pytest.fixture(scope="module")
def short_runs(short_dbr):
    wl = np.linspace(0.5, 1.0, 120)
    f = 1.0 / wl
    p = stack_rta_meep(short_dbr, f, 0.0, "p", 200, 1.0, 1e-8)
    s = stack_rta_meep(short_dbr, f, 0.0, "s", 200, 1.0, 1e-8)
    return f, s, p


def test_s_equals_p_at_normal_incidence(short_runs):
    # p runs in Meep's 1D cell (Ex), s in the zero-width 2D cell (Ez): two code paths
    _, s, p = short_runs
    assert np.max(np.abs(s["R"] - p["R"])) <= 1e-3
    assert np.max(np.abs(s["T"] - p["T"])) <= 1e-3


def test_lossless_conservation_short_dbr(short_runs):
    _, s, p = short_runs
    for r in (s, p):
        assert np.max(np.abs(r["R"] + r["T"] + r["A"] - 1.0)) < 1e-12  # A's definition
        assert np.max(np.abs(r["A"])) <= 1e-3                          # the physics: no loss


def test_lossy_layer_absorptance_matches_tmm(short_dbr):
    absorber = Material(name="absorber", model="constant", n=2.2, k=0.08)
    layers = list(short_dbr.layers)
    layers.insert(4, Layer("absorber", "absorber", absorber, 0.05))
    stack = replace(short_dbr, name="lossy", layers=tuple(layers))
    wl = np.linspace(0.5, 1.0, 100)
    f = 1.0 / wl
    meep = stack_rta_meep(stack, f, 0.0, "p", 200, 1.0, 1e-8)
    tmm = stack_rta_tmm(stack, f, 0.0, "p")
    assert np.mean(tmm["A"]) > 0.02                     # the layer really absorbs
    assert np.max(np.abs(meep["A"] - tmm["A"])) <= 0.01
    assert rms(meep["A"] - tmm["A"]) <= 3e-3
    assert np.max(np.abs(meep["R"] + meep["T"] + meep["A"] - 1.0)) < 1e-12


def test_oblique_p_matches_tmm(short_dbr):
    wl = np.linspace(0.5, 1.0, 120)
    f = 1.0 / wl
    n0 = short_dbr.below.n
    kx = n0 * f.min() * math.sin(math.radians(20))  # 20 deg at 1000 nm, 9.8 deg at 500 nm; propagating in air
    meep = stack_rta_meep(short_dbr, f, kx, "p", 400, 1.0, 1e-8)
    tmm = stack_rta_tmm(short_dbr, f, kx, "p")
    assert np.all(np.isfinite(meep["R"])) and np.all(np.isfinite(tmm["R"]))
    assert rms(meep["R"] - tmm["R"]) <= 0.01
    assert np.max(np.abs(meep["A"])) <= 5e-3
    # p differs from normal incidence at this kx, so the comparison is not a rerun of kx = 0
    tmm0 = stack_rta_tmm(short_dbr, f, 0.0, "p")
    assert rms(tmm0["R"] - tmm["R"]) > 0.02


def test_oblique_s_total_internal_reflection(short_dbr):
    # 40 deg at 1000 nm in FAPbI3: beyond the air cutoff for most of the band (R = 1, T = 0),
    # the evanescent tail in air must not reach the PML
    wl = np.linspace(0.5, 1.0, 120)
    f = 1.0 / wl
    kx = short_dbr.below.n * f.min() * math.sin(math.radians(40))
    meep = stack_rta_meep(short_dbr, f, kx, "s", 400, 1.0, 1e-8)
    tmm = stack_rta_tmm(short_dbr, f, kx, "s")
    assert np.sum(tmm["T"] < 1e-12) > 60
    assert rms(meep["R"] - tmm["R"]) <= 0.005
    assert np.max(np.abs(meep["A"])) <= 3e-3
    assert not meep["capped"]
    assert np.all(meep["settle"] <= 2e-3)        # decayed run: nothing reported as unsettled


def test_time_cap_unsettled_frequencies_are_flagged(short_dbr):
    # the same TIR case cut by a time cap of 100 (the decayed run needs ~240): R is then wrong
    # (measured max |dR| 0.06) where energy is still in the stack; the settle diagnostic must
    # flag those frequencies, and the ones it leaves must agree with tmm
    wl = np.linspace(0.5, 1.0, 120)
    f = 1.0 / wl
    kx = short_dbr.below.n * f.min() * math.sin(math.radians(40))
    meep = stack_rta_meep(short_dbr, f, kx, "s", 400, 1.0, 1e-8, max_time_after_sources=100.0)
    tmm = stack_rta_tmm(short_dbr, f, kx, "s")
    d = meep["R"] - tmm["R"]
    flagged = meep["settle"] > 2e-3
    assert meep["capped"]
    assert np.max(np.abs(d)) > 0.03                  # the cap really spoils R somewhere
    assert 0 < flagged.sum() < f.size
    assert np.all(flagged[np.abs(d) > 0.01])         # every bad frequency is flagged
    assert rms(d[~flagged]) <= 0.002


def test_evanescent_frequencies_are_nan(short_dbr):
    f = np.array([0.5, 1.0, 2.0])
    kx = short_dbr.below.n * 1.0  # grazing at f = 1: f = 0.5 and 1.0 evanescent
    tmm = stack_rta_tmm(short_dbr, f, kx, "s")
    assert np.isnan(tmm["R"][0]) and np.isnan(tmm["R"][1]) and np.isfinite(tmm["R"][2])


def test_angle_interpolation_exact_for_linear_data():
    f = np.array([1.0, 2.0])
    kx = np.linspace(0, 1.5, 4)
    n0 = 1.0
    u = kx[:, None] / (n0 * f[None, :])
    R = np.where(u < 1, 0.2 + 0.8 * u, np.nan)  # linear in sin(theta), meets R = 1 at grazing
    sweep = {"R": R, "T": 1 - R, "A": np.zeros_like(R)}
    out = to_angles(sweep, kx, f, n0, [0, 30, 60])
    expect = 0.2 + 0.8 * np.sin(np.radians([0, 30, 60]))
    assert np.allclose(out["R"][:, 0], expect) and np.allclose(out["R"][:, 1], expect)


def test_stop_band_edges_of_a_box():
    wl = np.linspace(600, 900, 301)
    R = np.where((wl > 700.5) & (wl < 800.5), 1.0, 0.0)
    lo, hi = stop_band_edges_nm(wl, R, 0.5, 750)
    assert abs(lo - 700.5) < 0.51 and abs(hi - 800.5) < 0.51


def test_claims_worst_value_margin_and_band():
    wl = np.linspace(600, 800, 201)
    R = np.where((wl >= 650) & (wl <= 750), 0.95, 0.5)
    R[wl == 700] = 0.92
    spectra = {"meep": {"R": R}, "tmm": {"R": R - 0.1}}
    claims = [{"mirror": "m", "quantity": "R", "above": 0.9, "wavelength_min_nm": 660, "wavelength_max_nm": 740},
              {"mirror": "m", "quantity": "R", "above": 0.9, "wavelength_min_nm": 640, "wavelength_max_nm": 740},
              {"mirror": "m", "quantity": "R", "above": 0.9, "wavelength_min_nm": 700, "wavelength_max_nm": 900}]
    inside, edge, outside = evaluate_claims(claims, wl, spectra, (600.0, 800.0))
    assert inside["meep"]["holds"] and inside["meep"]["worst"] == 0.92 and inside["meep"]["worst_at_nm"] == 700
    assert inside["meep"]["margin"] == pytest.approx(0.02) and not inside["tmm"]["holds"]
    assert not edge["meep"]["holds"] and edge["meep"]["worst"] == 0.5
    assert edge["meep"]["fraction_of_band_holding"] == pytest.approx(91 / 101)
    assert not outside["evaluated"] and "leaves the simulated band" in outside["reason"]
    rows = claims_csv([inside, outside]).splitlines()
    assert rows[0].startswith("mirror,quantity,above") and len(rows) == 3
    assert rows[1].split(",")[5:10] == ["True", "0.92000", "700.0", "+0.02000", "True"]
    assert rows[2].endswith(",False,,,,,,,")


def test_claim_outside_band_is_config_error(config):
    bad = {**config, "mirror_spectra": {**config["mirror_spectra"],
                                        "claims": [{"mirror": "dbr1", "quantity": "R", "above": 0.9,
                                                    "wavelength_min_nm": 600, "wavelength_max_nm": 900}]}}
    with pytest.raises(ConfigError) as err:
        validate_config(bad)
    assert "mirror_spectra.claims[0]" in str(err.value)


def test_lossy_incidence_medium_is_config_error(config):
    ms = config["mirror_spectra"]
    bad = {**config, "mirror_spectra": {**ms, "mirrors": {**ms["mirrors"], "dbr2": {"below": "MoOx", "above": "air"}}}}
    with pytest.raises(ConfigError) as err:
        validate_config(bad)
    assert "mirror_spectra.mirrors.dbr2.below" in str(err.value)


# ---------------------------------------------------------------------------------------
# the mirror step: normal incidence only (default run) vs with the oblique sweep (validation)
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def step_outputs(quick_config, tmp_path_factory):
    """The mirror step, through its entry script as the rules run it, on 5 pairs of dbr2 (NOA81 |
    DBR | FAPbI3, with its two claims), quick numerics, written twice: normal incidence only (the
    default rule) and with the kx sweep (the validation rule mirror_oblique). dbr2 rather than
    dbr3: lit from the crystal, dbr3's oblique runs (total internal reflection) outlast the time
    cap of 3x its short normal run (measured: sweep RMS |dR| 0.080 s, 26 frequencies unsettled,
    0.0019 over the settled ones)."""
    import copy
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "workflow" / "scripts" / "mirror_spectra.py"
    spec = importlib.util.spec_from_file_location("mirror_spectra_entry", script)
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)
    cfg = copy.deepcopy(quick_config)
    cfg["mirrors"]["dbr2"]["pairs"] = 5
    ms = cfg["mirror_spectra"]
    ms.update(n_wavelengths=80, angles_deg=[0, 20, 40], n_kx=2, decay_threshold=1e-8, oblique_time_factor=3.0)
    out = {}
    for name, oblique in (("normal", False), ("oblique", True)):
        d = tmp_path_factory.mktemp(name)
        argv = ["--settings", json.dumps(cfg), "--mirror", "dbr2", "--h5", str(d / "spectra.h5"),
                "--fig", str(d / "spectra.png"), "--metrics", str(d / "metrics.json")]
        metrics = entry.main(argv + (["--oblique"] if oblique else []))
        out[name] = (d, metrics)
    return out


def _h5(path):
    import h5py

    data = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, obj: data.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return data


def _json_strict(path):
    import json

    def no_nan(c):
        raise ValueError(f"{c} in {path}")

    return json.loads(path.read_text(), parse_constant=no_nan)


def test_normal_only_step_writes_no_oblique_data_and_no_nan(step_outputs):
    d, metrics = step_outputs["normal"]
    data = _h5(d / "spectra.h5")
    assert not [k for k in data if k.startswith("sweep/") or k == "kx_um_inv"]
    assert sorted(k for k in data if k.startswith("angle/")) == sorted(
        f"angle/{pol}/tmm_exact/{q}" for pol in "sp" for q in "RTA")   # the figure's last row: tmm at the angles
    for k, v in data.items():
        assert np.all(np.isfinite(v)), k
    m = _json_strict(d / "metrics.json")                                # raises on NaN / Infinity
    assert not {"sweep_s", "sweep_p", "n_kx", "oblique_time_cap", "max_abs_dA_all"} & set(m)
    assert m["meep_runs"] == 1 and "normal incidence only" in m["incidence"]
    assert m == json.loads(json.dumps(metrics, default=float))
    assert (d / "spectra.pdf").exists() and (d / "metrics.csv").exists()


def test_oblique_step_sweep_matches_tmm(step_outputs):
    # the validation path: every kx, s and p, against tmm at the same (f, kx) points
    d, metrics = step_outputs["oblique"]
    data = _h5(d / "spectra.h5")
    assert data["kx_um_inv"].size == 2 and data["kx_um_inv"][1] > 0
    for pol in "sp":
        prop = data[f"sweep/{pol}/propagating"]
        assert prop[0].all() and 0 < prop[1].sum()
        dR = (data[f"sweep/{pol}/meep/R"] - data[f"sweep/{pol}/tmm/R"])[prop]
        assert rms(dR) <= 0.01, pol                  # 200 px/um, 5 pairs (measured 0.0034 s, 0.0018 p)
        assert metrics[f"sweep_{pol}"]["n_points"] == int(prop.sum())
        assert metrics[f"sweep_{pol}"]["rms_dR"] == pytest.approx(rms(dR))
        assert data[f"sweep/{pol}/settled"][prop].all()  # measured: nothing unsettled here
        for key in (f"sweep/{pol}/meep/R", f"sweep/{pol}/tmm/T", f"sweep/{pol}/meep/settle"):
            flag = data[key + "_flag"]                   # no fill number: evanescent points are flagged
            assert np.array_equal(flag == FLAG_CODES["ok"], prop) and np.all(data[key][~prop] == 0), key
        assert f"angle/{pol}/meep/R" in data and f"angle/{pol}/tmm_exact/R" in data
    for k, v in data.items():
        assert np.all(np.isfinite(v)), k
    _json_strict(d / "metrics.json")


def test_normal_incidence_identical_with_and_without_sweep(step_outputs):
    # the default run's numbers are the validation run's normal incidence, bit for bit
    (dn, mn), (do, mo) = step_outputs["normal"], step_outputs["oblique"]
    a, b = _h5(dn / "spectra.h5"), _h5(do / "spectra.h5")
    keys = [k for k in a if not k.startswith("angle/")] + [f"angle/{p}/tmm_exact/{q}" for p in "sp" for q in "RTA"]
    for k in keys:
        assert a[k].tobytes() == b[k].tobytes(), k
    assert mn["normal"] == mo["normal"] and mn["claims"] == mo["claims"]
    assert (dn / "metrics.csv").read_text() == (do / "metrics.csv").read_text()
