"""The levers part of the benchmark suite: round order, median ratio and the table (no Meep)."""

from bench import levers, roofline


def test_rounds_alternate_order_and_ratio_is_median():
    order = []
    walls = {"A": iter([1.0, 1.0, 1.0]), "B": iter([2.0, 3.0, 10.0])}

    def mk(name):
        def f():
            order.append(name)
            return {"wall_s": next(walls[name])}
        return f

    runs = levers.rounds({"A": mk("A"), "B": mk("B")}, 3, log=lambda *a: None)
    assert order == ["A", "B", "B", "A", "A", "B"]  # A B, B A, A B: drift falls on both sides
    r = levers.ratio(runs, "B", "A")
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
    md = levers.levers_markdown(lv)
    rows = [l for l in md.splitlines() if l.startswith("| ") and not l.startswith("| lever")]
    assert len(rows) == 5 + 2 + 1 + 1  # 4 mirror levers + symmetry, 2 windows, batched, binding
    assert "| resolution | c | 400 px/um | 200 px/um | 0.40 (0.40, 0.40) | RMS dR 0.0026 (passes" in md
    assert "RMS dR 0.0105 (fails the 0.01 bound)" in md
    assert "ringdown 50 um/c" in md and "--bind-to core (100 Mcu/s)" in md


# --- the ceiling model (bytes per cell-update, cache classification); nothing is timed ---
CACHES = {"L2_per_core": 2 ** 20, "LLC": 32 * 2 ** 20, "LLC_level": "L3", "LLC_shared_cpus": 2}


def test_bytes_per_cell_update_2d_tm_by_hand():
    # interior: Bx, By, Dz, Ez carried from step to step (read + written, 16 B each), chi1inv_zz
    # read (8 B); Hx, Hy are the Bx, By arrays (mu = 1). PML (along y): + Hy, W_Hy, U_Dz (16 B each)
    m = roofline.bytes_per_cell_update("2d", 0.0)
    assert m["min_bytes"] == 4 * 16 + 8 == 72
    assert m["working_set_bytes"] == 5 * 8
    assert roofline.bytes_per_cell_update("2d", 1.0)["min_bytes"] == 72 + 3 * 16 == 120
    assert roofline.bytes_per_cell_update("2d", 0.25)["min_bytes"] == 0.75 * 72 + 0.25 * 120
    # per loop as Meep runs it: Bx, By 24 each, Dz 32, Ez 32 (write-allocate on the write-only Ez)
    assert m["as_written_bytes"] == 24 + 24 + 32 + 32


def test_bytes_per_cell_update_3d_cyl_1d_and_complex():
    # 3D: 9 fields x 16 B + 3 chi1inv x 8 B; complex fields double the fields only
    assert roofline.bytes_per_cell_update("3d", 0.0)["min_bytes"] == 9 * 16 + 3 * 8 == 168
    assert roofline.bytes_per_cell_update("3d", 0.0, complex_fields=True)["min_bytes"] == 9 * 32 + 3 * 8
    # PML along z: + U_Bx, U_Dx, Hz, W_Hz, W_Ez
    assert roofline.bytes_per_cell_update("3d", 1.0)["min_bytes"] == 168 + 5 * 16
    # cylindrical m = 0: Meep keeps all six components; the 1/r d(r F)/dr temporary is free in
    # the minimum but part of the working set
    cyl = roofline.bytes_per_cell_update("cyl", 0.0)
    assert cyl["min_bytes"] == 168 and cyl["working_set_bytes"] == (12 + 1) * 8
    assert roofline.bytes_per_cell_update("1d", 0.0)["min_bytes"] == 3 * 16 + 8
    # one Lorentz term in every cell of 1D: P, P_prev (16 B each) and its sigma (8 B)
    assert roofline.bytes_per_cell_update("1d", 0.0, susceptibilities=1)["min_bytes"] == 56 + 40
    for case in roofline.STEP_LOOPS:  # the minimum is a lower bound on the per-loop count
        for f in (0.0, 1.0):
            m = roofline.bytes_per_cell_update(case, f)
            assert m["min_bytes"] <= m["as_written_bytes"]


def test_cache_classification_and_ceiling():
    m = roofline.bytes_per_cell_update("2d", 0.0)  # 40 B working set per cell
    assert roofline.classify(40 * 1e5, CACHES, 1) == "cache-resident"  # 4 MB in a 32 MiB L3
    assert roofline.classify(40 * 1e6, CACHES, 2) == "partly cache-resident"  # 40 MB: just over L3 + 2 L2
    assert roofline.classify(40 * 1e7, CACHES, 2) == "memory-bound"
    bw = {"dram_1": 20.0, "dram_2": 30.0}
    c = roofline.ceiling_mcups(m, 1e5, 1, CACHES, bw)
    assert c["ceiling_mcups"] is None and c["note"] == "cache-resident, DRAM ceiling not applicable"
    c = roofline.ceiling_mcups(m, 1e7, 2, CACHES, bw)  # 2 streams; the caches hold 34 MiB of the 400 MB
    cap = 32 * 2 ** 20 + 2 * 2 ** 20
    assert c["ceiling_level"] == "DRAM"
    assert abs(c["ceiling_mcups"] - 30e9 / (72 * (1 - cap / 4e8)) / 1e6) < 1e-9
    c = roofline.ceiling_mcups(m, 1e5, 2, CACHES, {**bw, "llc_1": 100.0, "llc_2": 150.0})
    assert c["ceiling_level"] == "LLC" and abs(c["ceiling_mcups"] - 150e9 / (72 * (1 - 2 * 2 ** 20 / 4e6)) / 1e6) < 1e-9


def test_triad_counts_write_allocate():
    # a = 3 c: c read, a write-allocate read + write; a += b: a, b read, a written
    assert roofline.TRIAD_BYTES_PER_ELEMENT == 6 * 8


def test_run_above_its_ceiling_is_flagged():
    c = roofline.against_ceiling(150.0, {"ceiling_mcups": 100.0, "ceiling_level": "DRAM"})
    assert c["exceeds_ceiling"] and c["pct_of_ceiling"] == 150.0
    assert not roofline.against_ceiling(99.0, {"ceiling_mcups": 100.0})["exceeds_ceiling"]
    c = roofline.against_ceiling(500.0, {"ceiling_mcups": None})  # cache-resident without an LLC ceiling
    assert c["pct_of_ceiling"] is None and not c["exceeds_ceiling"]


def test_two_rank_ceiling_uses_the_better_of_one_and_two_streams():
    m = roofline.bytes_per_cell_update("2d", 0.0)
    bw = {"dram_1": 40.0, "dram_2": 35.0}  # a loaded second core: 2 ranks can still stream 40
    c1, c2 = (roofline.ceiling_mcups(m, 1e8, n, CACHES, bw)["ceiling_mcups"] for n in (1, 2))
    assert c2 > c1 * 0.99 and abs(roofline.ceiling_mcups(m, 1e8, 2, CACHES, bw)["bandwidth_GBs"] - 40.0) < 1e-12
