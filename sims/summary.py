"""Headline numbers of the workflow, each read from the HDF5 file (dataset or attribute) it
came from, with its unit and source, collected into results/summary.json.

A value stored as the sentinel -1 in a dataset whose ``units`` attribute says
"-1: unreachable" becomes ``"value": null`` with a plain statement, never a number.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

UNREACHABLE_STATEMENT = ("threshold not reached: the LED cannot deliver the pump power needed at any current "
                         "density up to the measured maximum (threshold.measured.max_current_density_a_per_cm2)")


@dataclass(frozen=True)
class Entry:
    """One headline number: ``name`` in the summary, ``path`` of the HDF5 file, ``dataset``
    (or ``@attr`` for a root attribute), optional ``index`` into the array, ``unit``, ``description``."""

    name: str
    path: str
    dataset: str
    unit: str
    description: str
    index: tuple | int | None = None


def read_entry(entry: Entry) -> dict:
    """{'value', 'unit', 'source', 'description'} (+ 'statement' when unreachable)."""
    import h5py

    with h5py.File(entry.path, "r") as fh:
        if entry.dataset.startswith("@"):
            raw = fh.attrs[entry.dataset[1:]]
            units = ""
        else:
            obj = fh[entry.dataset]
            raw = obj[()]
            units = str(obj.attrs.get("units", ""))
    arr = np.asarray(raw)
    val = arr[entry.index] if entry.index is not None else arr
    val = val.item() if hasattr(val, "item") else val
    if isinstance(val, bytes):
        val = val.decode()
    src = f"{entry.path}:{entry.dataset}" + (f"[{entry.index}]" if entry.index is not None else "")
    out = {"value": val, "unit": entry.unit, "source": src, "description": entry.description}
    if isinstance(val, float) and "unreachable" in units and val == -1.0:
        out["value"] = None
        out["statement"] = UNREACHABLE_STATEMENT
    elif isinstance(val, float) and not math.isfinite(val):
        out["value"] = None
        out["statement"] = "not a finite number"
    return out


def build_summary(entries: list[Entry]) -> dict:
    """name -> entry dict, in the given order."""
    return {e.name: read_entry(e) for e in entries}


def write_summary(path, summary: dict, extra: dict | None = None) -> None:
    from sims.results import write_text

    doc = {"numbers": summary, **(extra or {})}
    write_text(path, json.dumps(doc, indent=2, sort_keys=False) + "\n")


def format_value(value) -> str:
    """A summary value as the README and report tables show it ("not reached" for None)."""
    if value is None:
        return "not reached"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    return str(value)
