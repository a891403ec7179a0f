"""Levers: each cost setting of the project's own runs against its alternative, as a time ratio
and the accuracy it costs, in one run. The variants of one lever run in rounds of alternating
order (A B, B A, ...), and the ratio reported is the median over the rounds of the per-round
ratio, so that load drifting on a shared machine falls on both sides.
"""

from __future__ import annotations

import json
import time

import numpy as np

from bench.fdtd import one_d_overheads

MIRROR_RMS_BOUND = 0.01  # RMS |R_Meep - R_tmm| a converged 1D DBR spectrum must reach (tests/test_mirror_spectra.py)


def rounds(variants: dict, repeats: int, log=print) -> dict:
    """Run each callable of ``variants`` ``repeats`` times, in rounds of alternating order.

    Returns {name: [result of each round]}; every result is a dict with ``wall_s``.
    """
    names = list(variants)
    out = {n: [] for n in names}
    for r in range(repeats):
        for n in (names if r % 2 == 0 else names[::-1]):
            t = time.perf_counter()
            res = dict(variants[n]())
            res.setdefault("wall_s", time.perf_counter() - t)
            out[n].append(res)
            log(f"lever round {r}: {n} {res['wall_s']:.2f} s")
    return out


def ratio(runs: dict, a: str, b: str) -> dict:
    """Median over rounds of wall(a) / wall(b), with the per-round ratios and median walls."""
    ratios = [x["wall_s"] / y["wall_s"] for x, y in zip(runs[a], runs[b])]
    return {"ratio": float(np.median(ratios)), "ratios": [float(v) for v in ratios],
            "wall_s": {a: float(np.median([x["wall_s"] for x in runs[a]])),
                       b: float(np.median([x["wall_s"] for x in runs[b]]))}}


def _mirror_case(config: dict, mirror: str):
    """(runner, settings) for 1D Meep spectra of ``mirror`` at normal incidence against tmm.

    runner(resolution=, courant=, decay=, run_time=) returns wall time, RMS |R - R_tmm|,
    max |1 - R - T| and the simulated time of the stack run.
    """
    from sims.mirror_spectra import mirror_band, rms, stack_rta_meep, stack_rta_tmm

    st, stack, wavelength_nm, f, band_um, wl_ref = mirror_band(config, mirror)
    ref = stack_rta_tmm(stack, f, 0.0, "p", wavelength_ref_um=wl_ref, band_um=band_um)

    def run(resolution=st["resolution_px_per_um"], courant=st["courant"], decay=st["decay_threshold"],
            run_time=None):
        t = time.perf_counter()
        r = stack_rta_meep(stack, f, 0.0, "p", float(resolution), st["pml_um"], float(decay), courant=float(courant),
                           wavelength_ref_um=wl_ref, band_um=band_um, run_time_after_sources=run_time)
        return {"wall_s": time.perf_counter() - t, "rms_dR": rms(r["R"] - ref["R"]),
                "max_abs_1_R_T": float(np.max(np.abs(r["A"]))), "meep_time": r["meep_time"]}

    return run, st


def _cavity_case(config: dict, stack_name: str = "microcavity_II"):
    """Stack, gain group, Harminv band and mode (transfer matrix, table data) of a configured cavity."""
    from sims.cavity_study import target_mode

    target_um = config["cavity"]["stacks"][stack_name]["target_wavelength_nm"] / 1e3
    st, group, m, band = target_mode(config, stack_name, target_um)
    return st, group, band, m


def _mode(h, f_ref: float, wall_s: float) -> dict:
    """Wavelength and Q of the strongest Harminv mode within 3 % of f_ref (NaN if none)."""
    ok = np.abs(h.freq - f_ref) < 0.03 * f_ref
    if not np.any(ok):
        return {"wall_s": wall_s, "wavelength_nm": float("nan"), "Q": float("nan")}
    j = np.flatnonzero(ok)[np.argmax(h.amp[ok])]
    return {"wall_s": wall_s, "wavelength_nm": float(1e3 / h.freq[j]), "Q": float(h.Q[j])}


def levers(config: dict, *, quick: bool = True, one_d: dict | None = None, mpi_child=None,
           log=print) -> dict:
    """Measured effect of each cost lever on the project's own simulations (see module doc).

    Args:
        config: the validated default config (the settings the workflow runs with).
        quick: 2 rounds per lever (3 otherwise; 4 for the binding lever, whose runs are short),
            shorter ringdown in the symmetry lever, three Harminv windows instead of four.
        one_d: a :func:`one_d_overheads` result (the batched-1D lever); measured here if None.
        mpi_child: callable(dims, cells, steps, ranks, bind) -> fdtd_throughput dict run under
            ``mpirun --bind-to <bind>`` (the process-binding lever); skipped if None.
    Returns:
        dict lever -> {baseline, alternative, ratio (alternative / baseline wall time, median
        over rounds), ratios, wall_s, accuracy fields, settings}.
    """
    from sims.cavity_modes import harminv_finite_width, harminv_modes
    from sims.materials import materials_from_config

    repeats = 2 if quick else 3
    sim = config["simulation"]
    out = {"repeats": repeats}

    # 1. 1D mirror spectrum (the mirror_spectra step at normal incidence): resolution,
    #    Courant number, decay threshold, decay-based stop vs a fixed run time
    mirror = config["mirror_spectra"]["convergence_mirror"]
    run, st = _mirror_case(config, mirror)
    res0, c0, d0 = st["resolution_px_per_um"], st["courant"], st["decay_threshold"]
    fixed = {}

    def run_fixed():
        # a fixed run time instead of the decay check: 2x (rounded up to 100) the simulated time of
        # the first decay-stopped run, which always comes before it (first in round 0)
        if not fixed:
            fixed["t"] = float(np.ceil(2 * runs_conf[0]["meep_time"] / 100) * 100)
        return run(run_time=fixed["t"])

    runs_conf = []

    def run_conf():
        r = run()
        runs_conf.append(r)
        return r

    runs = rounds({
        "configured": run_conf,
        "half_resolution": lambda: run(resolution=res0 / 2),
        "courant_0.5": lambda: run(courant=0.5),
        "decay_1e-6": lambda: run(decay=1e-6),
        "fixed_time": run_fixed,
    }, repeats, log)
    t_fixed = fixed["t"]
    med = {k: {q: float(np.median([r[q] for r in v])) for q in ("rms_dR", "max_abs_1_R_T", "meep_time")}
           for k, v in runs.items()}
    case = (f"1D Meep spectrum of {mirror}, normal incidence, {st['n_wavelengths']} wavelengths "
            f"{st['band_nm'][0]:g}-{st['band_nm'][1]:g} nm, against tmm")
    conf = f"{res0:g} px/um, Courant {c0:g}, decay {d0:g}"

    def mirror_lever(alt, baseline_label, alt_label):
        r = ratio(runs, alt, "configured")
        return {"case": case, "configured": conf, "baseline": baseline_label, "alternative": alt_label, **r,
                "accuracy": {"configured": med["configured"], "alternative": med[alt]}}

    out["resolution"] = mirror_lever("half_resolution", f"{res0:g} px/um", f"{res0 / 2:g} px/um")
    out["courant"] = mirror_lever("courant_0.5", f"Courant {c0:g}", "Courant 0.5 (Meep default)")
    out["decay_threshold"] = mirror_lever("decay_1e-6", f"decay {d0:g}", "decay 1e-6")
    out["decay_stop"] = mirror_lever("fixed_time", f"stop at decay {d0:g}",
                                     f"fixed {t_fixed:g} um/c after the source "
                                     f"(~2x the {runs_conf[0]['meep_time']:.0f} "
                                     "um/c the decay-stopped run lasted)")
    out["decay_stop"]["fixed_run_time"] = t_fixed
    log(json.dumps({k: out[k]["ratio"] for k in ("resolution", "courant", "decay_threshold", "decay_stop")}))

    # 2. Harminv window of the cavity_modes step (microcavity II, absorption on, 1D)
    cav = config["cavity"]
    stack, group, fb, m = _cavity_case(config)
    ring0 = float(cav["ringdown_time"])

    def harm(ringdown):
        h = harminv_modes(stack, group, fb, resolution=sim["resolution_1d_px_per_um"], pml_um=sim["pml_um"],
                          model="meep", wavelength_ref_um=m.wavelength_um, fit_band_um=fb, ringdown=ringdown)
        return _mode(h, 1.0 / m.wavelength_um, h.wall_s)

    windows = [ring0 / 4, ring0, ring0 * 2] if quick else [ring0 / 4, ring0 / 2, ring0, ring0 * 2]
    hr = rounds({f"ringdown_{w:g}": (lambda w=w: harm(w)) for w in windows}, repeats, log)
    rows = []
    ref = hr[f"ringdown_{windows[-1]:g}"][0]
    for w in windows:
        k = f"ringdown_{w:g}"
        r = ratio(hr, k, f"ringdown_{ring0:g}")
        rows.append({"ringdown": w, **r, "wavelength_nm": hr[k][0]["wavelength_nm"], "Q": hr[k][0]["Q"],
                     "dQ_rel_vs_longest": hr[k][0]["Q"] / ref["Q"] - 1,
                     "dwavelength_nm_vs_longest": hr[k][0]["wavelength_nm"] - ref["wavelength_nm"]})
    out["harminv_window"] = {"case": f"Harminv ringdown of {stack.name} (1D, absorption on, "
                                     f"{sim['resolution_1d_px_per_um']:g} px/um, "
                                     f"mode near {m.wavelength_um * 1e3:.1f} nm)",
                             "configured_ringdown": ring0, "rows": rows}
    log(json.dumps(rows))

    # 3. mirror symmetry of the finite-width 2D run (cavity_lateral step): its smallest width,
    #    a quarter of the configured ringdown in the quick suite (the window lever above shows
    #    what that costs in Q; the time ratio of the two runs is what is measured here)
    lat = cav["lateral"]
    ring_fw = ring0 / 4 if quick else ring0
    width = float(min(lat["widths_um"]))
    filler = materials_from_config(config)[lat["filler"]]

    def fw(symmetry):
        h = harminv_finite_width(stack, group, fb, width, filler, resolution=lat["resolution_px_per_um"],
                                 pml_um=sim["pml_um"], lateral_margin_um=lat["margin_um"], model="meep",
                                 wavelength_ref_um=m.wavelength_um, fit_band_um=fb, ringdown=ring_fw,
                                 symmetry=symmetry)
        return _mode(h, 1.0 / m.wavelength_um, h.wall_s)

    sr = rounds({"mirror_x": lambda: fw(True), "no_symmetry": lambda: fw(False)}, repeats, log)
    a, b = sr["mirror_x"][0], sr["no_symmetry"][0]
    out["mirror_symmetry"] = {"case": f"finite-width 2D Harminv of {stack.name}, crystal {width:g} um, "
                                      f"{lat['resolution_px_per_um']:g} px/um, ringdown {ring_fw:g} um/c, 1 process",
                              "configured": "Mirror(X, +1)", "baseline": "Mirror(X, +1)",
                              "alternative": "no symmetry", **ratio(sr, "no_symmetry", "mirror_x"),
                              "accuracy": {"configured": a, "alternative": b,
                                           "dQ_rel": b["Q"] / a["Q"] - 1,
                                           "dwavelength_nm": b["wavelength_nm"] - a["wavelength_nm"]}}
    log(json.dumps(out["mirror_symmetry"]))

    # 4. batched 1D runs (one long-lived process vs one process per spectrum)
    o = one_d if one_d is not None else one_d_overheads(config, 2)
    out["batched_1d"] = {"case": f"{o['n_spectra']} 1D DBR spectra", "configured": "one process",
                         "baseline": "one process", "alternative": "one process per spectrum",
                         "ratio": o["process_each_over_one_process"],
                         "wall_s": {"one_process": o["one_process_s"], "process_each": o["process_each_s"]}}

    # 5. process binding of a 2-rank 2D run the size of the cavity_lateral cells (~1.3e5 cells)
    if mpi_child is not None:
        cells, steps = 1.3e5, 3000
        br = rounds({b: (lambda b=b: mpi_child("2d", cells, steps, 2, b)) for b in ("none", "core")}, 4, log)
        out["binding"] = {"case": f"2D FDTD throughput run, ~{cells:.0e} cells, {steps} steps, 2 ranks (mpirun)",
                          "baseline": "--bind-to none", "alternative": "--bind-to core",
                          **ratio(br, "core", "none"),
                          "mcups": {b: float(np.median([r["mcups"] for r in br[b]])) for b in br}}
    return out


def _acc(a: dict) -> str:
    """Accuracy cell of the levers table."""
    if "rms_dR" in a:
        ok = "passes" if a["rms_dR"] <= MIRROR_RMS_BOUND else "fails"
        return (f"RMS dR {a['rms_dR']:.4f} ({ok} the {MIRROR_RMS_BOUND:g} bound), "
                f"max abs(1-R-T) {a['max_abs_1_R_T']:.4f}")
    if "Q" in a:
        return f"{a['wavelength_nm']:.3f} nm, Q {a['Q']:.1f}"
    return "-"


def levers_markdown(lv: dict) -> str:
    """The levers table (Markdown) of a :func:`levers` result."""
    n = lv["repeats"]
    md = [f"Levers: time of B over time of A, median of the per-round ratios (in brackets; {n} rounds, "
          "binding 4, in alternating order A B, B A, ...); accuracy of each. RMS dR: against tmm, "
          f"bound {MIRROR_RMS_BOUND:g} as in tests/test_mirror_spectra.py; batched and binding runs "
          "compute the same thing either way.", "",
          "| lever | run | A (as configured) | B | t_B / t_A | accuracy A | accuracy B |",
          "|---|---|---|---|---|---|---|"]

    def rr(x):
        return f"{x['ratio']:.2f} ({', '.join(f'{v:.2f}' for v in x.get('ratios', []))})"

    for key, label in (("mirror_symmetry", "mirror symmetry"), ("resolution", "resolution"),
                       ("courant", "Courant number"), ("decay_threshold", "decay threshold"),
                       ("decay_stop", "decay-based stop")):
        if key in lv:
            x = lv[key]
            a = x["accuracy"]
            extra = f" (dQ/Q {a['dQ_rel']:+.1e}, dlambda {a['dwavelength_nm']:+.1e} nm)" if "dQ_rel" in a else ""
            md.append(f"| {label} | {x['case']} | {x['baseline']} | {x['alternative']} | {rr(x)} | "
                      f"{_acc(a['configured'])} | {_acc(a['alternative'])}{extra} |")
    if "harminv_window" in lv:
        x = lv["harminv_window"]
        base = next(r for r in x["rows"] if r["ringdown"] == x["configured_ringdown"])
        for r in x["rows"]:
            if r is base:
                continue
            md.append(f"| Harminv window | {x['case']} | ringdown {base['ringdown']:g} um/c | "
                      f"ringdown {r['ringdown']:g} um/c | {rr(r)} | {_acc(base)} | "
                      f"{_acc(r)} (dQ/Q {r['dQ_rel_vs_longest']:+.1e} vs the longest window) |")
    if "batched_1d" in lv:
        x = lv["batched_1d"]
        md.append(f"| batched 1D runs | {x['case']} | {x['baseline']} | {x['alternative']} | "
                  f"{x['ratio']:.2f} | - | - |")
    if "binding" in lv:
        x = lv["binding"]
        m = x["mcups"]
        md.append(f"| process binding | {x['case']} | {x['baseline']} ({m['none']:.0f} Mcu/s) | "
                  f"{x['alternative']} ({m['core']:.0f} Mcu/s) | {rr(x)} | - | - |")
    return "\n".join(md) + "\n"

