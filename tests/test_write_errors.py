"""Write errors: an unwritable or full results directory gives a clear error and no partial file.

A full disk is imitated with RLIMIT_FSIZE (writes past the limit fail with EFBIG, as they
fail with ENOSPC on a full disk: the same code path). An unwritable directory needs a user
that permissions apply to: the tests run as root, so the writer runs as `nobody`.
"""

import os
import resource
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO, clean_env
from test_workflow import copy_repo

WRITERS = textwrap.dedent("""
    import sys
    import numpy as np
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sims.results import ResultWriteError, save_figure, write_h5, write_text
    out = sys.argv[1]
    big = np.random.default_rng(0).random(200000)
    fig = plt.figure()
    plt.imshow(big.reshape(400, 500))
    for name, write in (("h5", lambda: write_h5(out + "/sub/a.h5", {"x": big}, units={"x": "1"})),
                        ("text", lambda: write_text(out + "/sub/a.json", '"' + "x" * 200000 + '"')),
                        ("figure", lambda: save_figure(fig, out + "/sub/a.png"))):
        try:
            write()
        except ResultWriteError as exc:
            print(name, "ResultWriteError", exc)
        else:
            print(name, "written")
""")


def _limit_file_size(limit_bytes):
    def set_limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return set_limit


def _files_under(path):
    return sorted(os.path.relpath(os.path.join(d, f), path) for d, _, fs in os.walk(path) for f in fs)


def test_full_disk_gives_clear_error_and_no_file(tmp_path):
    out = subprocess.run([sys.executable, "-c", WRITERS, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                         timeout=120, preexec_fn=_limit_file_size(50_000), env=clean_env())
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 3, out.stdout + out.stderr
    for line in lines:
        assert "ResultWriteError" in line and "cannot write result file" in line and "File too large" in line, line
    assert _files_under(tmp_path) == [], "a failed write left a file behind"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the writer as an unprivileged user")
def test_unwritable_results_directory_gives_clear_error_and_no_file(tmp_path):
    tmp_path.chmod(0o755)  # owned by root: `nobody` may read it but not write it
    out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                          WRITERS, str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env=clean_env(HOME=str(tmp_path), MPLCONFIGDIR="/tmp"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 3, out.stdout + out.stderr
    for line in lines:
        assert "ResultWriteError" in line and "Permission denied" in line and str(tmp_path) in line, line
    assert _files_under(tmp_path) == []


def _mount_tmpfs(path, size):
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True).returncode == 0


def test_workflow_rule_on_full_disk_fails_cleanly_then_reruns(tmp_path):
    """results/ on a 64 KiB file system (a real ENOSPC): Snakemake reports the failed rule, its
    log names the file and the reason, nothing (final or temporary) is left in results/, and
    a run with space writes the outputs."""
    repo = copy_repo(tmp_path)
    results = repo / "results"
    if os.geteuid() != 0 or not _mount_tmpfs(results, "64k"):
        pytest.skip("needs root and mount(8) to put results/ on a tiny tmpfs")
    target = "results/materials/optical_constants.h5"
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", target, "--configfile", "presets/quick.yaml"]
    try:
        full = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=300, env=clean_env())
        assert full.returncode != 0, "a rule that could not write its outputs must fail"
        assert "Error in rule optical_constants" in full.stderr, full.stderr[-3000:]
        assert "No space left on device" in full.stderr, "the failed log is shown (show-failed-logs)"
        log = (repo / "logs" / "materials" / "optical_constants.log").read_text()
        assert "cannot write result file" in log and "No space left on device" in log, log[-2000:]
        assert _files_under(results) == [], "a failed rule left files in results/"
    finally:
        subprocess.run(["umount", str(results)], check=True)
    ok = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=300, env=clean_env())
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert (repo / target).stat().st_size > 0
    assert not [f for f in _files_under(results) if ".tmp-" in f]
