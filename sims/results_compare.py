"""Bitwise comparison of two results/ trees (the proof that a refactor changed no number).

Every HDF5 dataset (values, dtype, shape, attributes) and every JSON/TSV/CSV/Markdown file is
compared exactly, ignoring only what differs between identical runs: wall times, host, git
commit, software versions (keys, lines or Markdown columns matching :data:`VOLATILE`).
Figures are compared by presence only.
"""

import json
import re
from pathlib import Path

import h5py
import numpy as np

TIMING = re.compile(r"seconds|wall|mcups", re.I)
VOLATILE = re.compile(r"wall|seconds|time_s|mcups|host|git_commit|software|elapsed|cpu_s|date", re.I)


def attrs_of(obj) -> dict:
    """Attributes minus volatile ones; JSON-valued attributes (e.g. metrics_json) parsed and stripped."""
    out = {}
    for k, v in obj.attrs.items():
        if VOLATILE.search(k):
            continue
        if isinstance(v, (str, bytes)) and str(v if isinstance(v, str) else v.decode()).lstrip().startswith("{"):
            v = strip_json(json.loads(v))
        out[k] = v
    return out


def text_lines(path: Path) -> list[str]:
    """Lines minus volatile ones; in Markdown tables also the cells of volatile columns."""
    out, drop = [], set()
    for line in path.read_text().splitlines():
        if line.startswith("|"):
            cells = line.split("|")
            if not drop and not set(c.strip() for c in cells) <= set("-: "):
                drop = {i for i, c in enumerate(cells) if VOLATILE.search(c)} or {-1}
            line = "|".join(c for i, c in enumerate(cells) if i not in drop)
        else:
            drop = set()
        if not VOLATILE.search(line):
            out.append(line)
    return out


def h5_items(path: Path) -> dict:
    items = {}
    with h5py.File(path, "r") as fh:
        items["@"] = attrs_of(fh)

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and TIMING.search(name.rsplit("/", 1)[-1]):
                return  # wall times measured per run (e.g. meep/seconds_per_run)
            attrs = attrs_of(obj)
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
        la, lb = text_lines(a), text_lines(b)
        return [] if la == lb else [f"differs: {len(set(la) ^ set(lb))} lines"]
    return []


def compare_trees(ra: Path, rb: Path) -> list[str]:
    """Differences between two results trees (empty list: identical)."""
    fa = {p.relative_to(ra) for p in ra.rglob("*") if p.is_file() and ".tmp-" not in p.name}
    fb = {p.relative_to(rb) for p in rb.rglob("*") if p.is_file() and ".tmp-" not in p.name}
    problems = [f"{p}: only in {ra if p in fa else rb}" for p in sorted(fa ^ fb)]
    for rel in sorted(fa & fb):
        problems += [f"{rel}: {d}" for d in diff_file(ra / rel, rb / rel)]
    return problems
