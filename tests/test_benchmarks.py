"""The levers part of the benchmark suite: round order, median ratio and the table (no Meep)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sims import benchmarks as B  # noqa: E402


def test_rounds_alternate_order_and_ratio_is_median():
    order = []
    walls = {"A": iter([1.0, 1.0, 1.0]), "B": iter([2.0, 3.0, 10.0])}

    def mk(name):
        def f():
            order.append(name)
            return {"wall_s": next(walls[name])}
        return f

    runs = B._rounds({"A": mk("A"), "B": mk("B")}, 3, log=lambda *a: None)
    assert order == ["A", "B", "B", "A", "A", "B"]  # A B, B A, A B: drift falls on both sides
    r = B._ratio(runs, "B", "A")
    assert r["ratios"] == [2.0, 3.0, 10.0]
    assert r["ratio"] == 3.0  # the median, not the mean (5.0): one disturbed round does not move it


def test_levers_markdown_has_a_row_per_lever():
    acc1 = {"rms_dR": 0.0026, "max_abs_1_R_T": 0.0027, "meep_time": 720.0}
    acc2 = {"rms_dR": 0.0105, "max_abs_1_R_T": 0.0019, "meep_time": 720.0}
    mode = {"wall_s": 1.0, "wavelength_nm": 841.0, "Q": 2504.0}
    one = {"case": "c", "baseline": "400 px/um", "alternative": "200 px/um", "ratio": 0.4, "ratios": [0.4, 0.4],
           "accuracy": {"configured": acc1, "alternative": acc2}}
    lv = {"repeats": 2, "resolution": one, "courant": one, "decay_threshold": one, "decay_stop": one,
          "mirror_symmetry": {**one, "accuracy": {"configured": mode, "alternative": mode, "dQ_rel": 0.0,
                                                  "dwavelength_nm": 0.0}},
          "harminv_window": {"case": "h", "configured_ringdown": 200.0,
                             "rows": [{"ringdown": w, "ratio": w / 200, "ratios": [w / 200] * 2, **mode,
                                       "dQ_rel_vs_longest": 0.0} for w in (50.0, 200.0, 400.0)]},
          "batched_1d": {"case": "b", "baseline": "one process", "alternative": "one each", "ratio": 1.2},
          "binding": {"case": "m", "baseline": "--bind-to none", "alternative": "--bind-to core", "ratio": 1.0,
                      "ratios": [1.0, 1.0], "mcups": {"none": 100.0, "core": 100.0}}}
    md = B.levers_markdown(lv)
    rows = [l for l in md.splitlines() if l.startswith("| ") and not l.startswith("| lever")]
    assert len(rows) == 5 + 2 + 1 + 1  # 4 mirror levers + symmetry, 2 windows, batched, binding
    assert "| resolution | c | 400 px/um | 200 px/um | 0.40 (0.40, 0.40) | RMS dR 0.0026 (passes" in md
    assert "RMS dR 0.0105 (fails the 0.01 bound)" in md
    assert "ringdown 50 um/c" in md and "--bind-to core (100 Mcu/s)" in md
