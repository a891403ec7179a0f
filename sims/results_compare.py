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
VOLATILE = re.compile(r"wall|seconds|time_s|sweep_time|mcups|host|git_commit|software|elapsed|cpu_s|date", re.I)


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


def flag_change(old, new) -> str | None:
    """None if ``new`` (dataset value, attrs) is ``old`` re-stored under the Flagged schema: values
    equal bitwise where the flag is ok, the old value a sentinel (-1, 1e30, inf, NaN, 0) elsewhere."""
    (va, _), (vb, attrs_b) = old, new
    flags = attrs_b.get("_flags")
    if flags is None:
        return "not flagged"
    va, vb = np.asarray(va), np.asarray(vb)
    if va.shape != vb.shape:
        return "shape"
    ok = flags == 0
    if va[ok].tobytes() != vb[ok].tobytes():
        return "values differ where the flag is ok"
    old_bad = va[~ok]
    sentinel = ~np.isfinite(old_bad) | np.isin(old_bad, (-1.0, 1e30, 0.0))
    return None if sentinel.all() else "a flagged entry held a value that was not a sentinel"


def json_subset(a, b) -> bool:
    """Every key of ``a`` in ``b`` with the same value (new keys in ``b`` allowed)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in b and json_subset(v, b[k]) for k, v in a.items())
    return a == b


def diff_file(a: Path, b: Path, flag_aware: bool = False) -> list[str]:
    """Differences of one file. ``flag_aware``: a dataset re-stored under the Flagged schema (its
    ``_flag`` companion and unit text new) and JSON keys added beside the old ones are not differences."""
    if a.suffix == ".h5":
        ia, ib = h5_items(a), h5_items(b)
        if flag_aware:
            for name in [n for n in ib if n.endswith("_flag") and n[:-5] in ib and n not in ia]:
                ib[name[:-5]][1]["_flags"] = ib.pop(name)[0]
        out = [f"only in one: {k}" for k in sorted(set(ia) ^ set(ib))]
        for k in sorted(set(ia) & set(ib)):
            if same(ia[k], ib[k]):
                continue
            if flag_aware and k != "@" and flag_change(ia[k], ib[k]) is None:
                continue
            if k == "@" or (ia[k][0] is not None and same(ia[k][0], ib[k][0])):
                aa, ab = (ia[k] if k == "@" else ia[k][1]), (ib[k] if k == "@" else ib[k][1])
                keys = sorted(x for x in set(aa) | set(ab) if x not in aa or x not in ab or not same(aa[x], ab[x]))
                out.append(f"differs: {k} attributes {keys}")
            else:
                out.append(f"differs: {k}" + (f" ({flag_change(ia[k], ib[k])})" if flag_aware else ""))
        return out
    if a.suffix == ".json":
        ja, jb = strip_json(json.loads(a.read_text())), strip_json(json.loads(b.read_text()))
        return [] if ja == jb or (flag_aware and json_subset(ja, jb)) else ["differs"]
    if a.suffix in (".tsv", ".csv", ".md", ".txt"):
        la, lb = text_lines(a), text_lines(b)
        return [] if la == lb else [f"differs: {len(set(la) ^ set(lb))} lines"]
    return []


def compare_trees(ra: Path, rb: Path, flag_aware: bool = False) -> list[str]:
    """Differences between two results trees (empty list: identical); see :func:`diff_file`."""
    fa = {p.relative_to(ra) for p in ra.rglob("*") if p.is_file() and ".tmp-" not in p.name}
    fb = {p.relative_to(rb) for p in rb.rglob("*") if p.is_file() and ".tmp-" not in p.name}
    problems = [f"{p}: only in {ra if p in fa else rb}" for p in sorted(fa ^ fb)]
    for rel in sorted(fa & fb):
        problems += [f"{rel}: {d}" for d in diff_file(ra / rel, rb / rel, flag_aware)]
    return problems
