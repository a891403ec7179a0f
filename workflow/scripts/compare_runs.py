"""Compare two results/ trees bitwise: every HDF5 dataset (values, dtype, shape, attributes) and
every JSON/TSV/CSV/Markdown file, ignoring only what differs between identical runs (wall times,
host, git commit, software versions). Figures are compared by presence only.

Usage: python workflow/scripts/compare_runs.py RESULTS_A RESULTS_B   (exit 1 on any difference)
"""

import json
import re
import sys
from pathlib import Path

import h5py
import numpy as np

VOLATILE = re.compile(r"wall|seconds|time_s|mcups|host|git_commit|software|elapsed|cpu_s|date", re.I)


def h5_items(path: Path) -> dict:
    items = {}
    with h5py.File(path, "r") as fh:
        items["@"] = {k: v for k, v in fh.attrs.items() if not VOLATILE.search(k)}

        def visit(name, obj):
            attrs = {k: v for k, v in obj.attrs.items() if not VOLATILE.search(k)}
            items[name] = (obj[()] if isinstance(obj, h5py.Dataset) else None, attrs)

        fh.visititems(visit)
    return items


def same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def strip_json(obj):
    if isinstance(obj, dict):
        return {k: strip_json(v) for k, v in obj.items() if not VOLATILE.search(k)}
    if isinstance(obj, list):
        return [strip_json(v) for v in obj]
    return obj


def diff_file(a: Path, b: Path) -> list[str]:
    if a.suffix == ".h5":
        ia, ib = h5_items(a), h5_items(b)
        out = [f"only in one: {k}" for k in sorted(set(ia) ^ set(ib))]
        return out + [f"differs: {k}" for k in sorted(set(ia) & set(ib)) if not same(ia[k], ib[k])]
    if a.suffix == ".json":
        return [] if strip_json(json.loads(a.read_text())) == strip_json(json.loads(b.read_text())) else ["differs"]
    if a.suffix in (".tsv", ".csv", ".md", ".txt"):
        la = [x for x in a.read_text().splitlines() if not VOLATILE.search(x)]
        lb = [x for x in b.read_text().splitlines() if not VOLATILE.search(x)]
        return [] if la == lb else [f"differs: {len(set(la) ^ set(lb))} lines"]
    return []


def main(argv=None) -> int:
    ra, rb = (Path(p) for p in (argv or sys.argv[1:]))
    fa = {p.relative_to(ra) for p in ra.rglob("*") if p.is_file() and ".tmp-" not in p.name}
    fb = {p.relative_to(rb) for p in rb.rglob("*") if p.is_file() and ".tmp-" not in p.name}
    problems = [f"{p}: only in {ra if p in fa else rb}" for p in sorted(fa ^ fb)]
    for rel in sorted(fa & fb):
        problems += [f"{rel}: {d}" for d in diff_file(ra / rel, rb / rel)]
    print("\n".join(problems) if problems else f"identical: {len(fa & fb)} files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
