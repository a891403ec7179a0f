"""bench.run_profile: critical path and utilisation from a Snakemake log (synthetic, no timing)."""

from bench.run_profile import critical_path, parse_snakemake_log, run_profile

LOG = """
[Sat Dec  5 10:00:00 2026]
localrule a:
    output: x.h5
    jobid: 1
    benchmark: b/a.tsv
    resources: tmpdir=/tmp

[Sat Dec  5 10:00:00 2026]
localrule b:
    output: y.h5
    jobid: 2
    benchmark: b/b.tsv
    threads: 2

[Sat Dec  5 10:00:10 2026]
Finished jobid: 1 (Rule: a)
[Sat Dec  5 10:00:10 2026]
localrule c:
    input: x.h5, y.h5
    output: z.h5
    jobid: 3
    benchmark: b/c.tsv

[Sat Dec  5 10:00:30 2026]
Finished jobid: 2 (Rule: b)
[Sat Dec  5 10:00:40 2026]
Finished jobid: 3 (Rule: c)
"""


def _bench(tmp_path, name, s, cpu):
    p = tmp_path / "b" / f"{name}.tsv"
    p.parent.mkdir(exist_ok=True)
    p.write_text("s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
                 f"{s}\t0:00:00\t1\t1\t1\t1\t0\t0\t0\t{cpu}\n")


def test_log_parsed_and_critical_path_follows_the_dependencies(tmp_path):
    jobs = parse_snakemake_log(LOG)
    assert {j["rule"] for j in jobs.values()} == {"a", "b", "c"}
    assert jobs[3]["inputs"] == ["x.h5", "y.h5"] and jobs[2]["threads"] == 2
    assert jobs[1]["end"] - jobs[1]["start"] == 10 and jobs[3]["end"] - jobs[3]["start"] == 30
    _bench(tmp_path, "a", 10, 9)
    _bench(tmp_path, "b", 30, 58)
    _bench(tmp_path, "c", 30, 25)
    p = run_profile(LOG, 2, tmp_path)
    # CPU: b (58) -> c (25) = 83 beats a (9) -> c; wide: b 58/2 = 29 + 25 = 54 beats 9 + 25
    assert p["critical_path_cpu_s"] == 83 and p["critical_path_cpu_jobs"][0].startswith("b:")
    assert p["critical_path_wide_s"] == 54
    assert p["wall_s"] == 40 and abs(p["utilisation"] - 92 / 80) < 1e-12
    assert abs(p["occupancy"] - (10 + 2 * 30 + 30) / 80) < 1e-12


def test_cycle_is_an_error():
    jobs = {1: {"inputs": ["b"], "outputs": ["a"]}, 2: {"inputs": ["a"], "outputs": ["b"]}}
    costs = {k: {"cpu_s": 1.0, "threads": 1} for k in jobs}
    try:
        critical_path(jobs, costs)
    except ValueError as err:
        assert "cycle" in str(err)
    else:
        raise AssertionError("no error")
