"""The one schema of result files: HDF5 with units, flags and provenance, written atomically.

Schema (every writer and reader goes through this module):
- a dataset is a numpy array; its ``units`` attribute names the unit ("1" dimensionless);
- a value that may be missing is a :class:`Flagged` array: the dataset holds the value where
  its flag is ``ok`` and 0 elsewhere, and a companion uint8 dataset ``<name>_flag`` holds the
  flag of each entry (``ok``, ``not_reached``, ``failed``, ``infinite``, ``not_applicable``; codes in
  :data:`FLAG_CODES`, also stored as its ``codes`` attribute). No magic numbers (-1, 1e30)
  stand for "not reached" or "failed"; NaN and Inf are never written.
- a root attribute without a value (e.g. the calibration target of an uncalibrated stack) is
  left out and named in the ``absent_attributes`` attribute (JSON list);
- text results (JSON, TSV, CSV, Markdown) are written by :func:`write_text`, which refuses
  NaN and Inf in them too; a missing value in JSON is ``null`` with a ``status`` beside it.

Every result file is written to ``<name>.tmp-<pid>`` beside its target, every dataset is
checked for NaN/Inf over its whole extent, and only then is the file renamed into place
(``os.replace`` is atomic on POSIX). A killed or failed run leaves no file a later run
would trust. Provenance attributes on the root group: config hash, Meep and sims
versions, git commit, host, wall time, and the settings as JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import platform
import subprocess
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIMS_VERSION = "0.1.0"


class NonFiniteResult(RuntimeError):
    """A simulation produced NaN or Inf (diverging fields, bad input)."""


class ResultWriteError(OSError):
    """A result file could not be written (directory not writable, disk full, file too large).

    Raised by every writer of this module with the target path and the system's reason; the
    temporary file is removed first, so nothing half-written is left behind.
    """


# ok; not_reached (a threshold or mode the model does not reach); failed (a computation that
# produced no value); infinite (+inf, e.g. the absorption Q of a lossless stack); not_applicable
# (no value exists there, e.g. R of an evanescent incidence)
FLAG_CODES = {"ok": 0, "not_reached": 1, "failed": 2, "infinite": 3, "not_applicable": 4}
FLAG_SUFFIX = "_flag"


@dataclass
class Flagged:
    """Values with a flag per entry (see the module schema).

    ``values`` is meaningful where ``flags == FLAG_CODES["ok"]``; :meth:`as_float` gives the
    in-memory convention of the physics code: +inf where ``infinite`` (e.g. the absorption Q
    of a lossless stack), NaN where ``not_reached`` or ``failed``.
    """

    values: np.ndarray
    flags: np.ndarray
    reason: str = ""

    def __post_init__(self):
        self.values = np.asarray(self.values, dtype=float)
        self.flags = np.broadcast_to(np.asarray(self.flags, dtype=np.uint8), self.values.shape).copy()
        bad = set(np.unique(self.flags).tolist()) - set(FLAG_CODES.values())
        if bad:
            raise ValueError(f"unknown flag codes {sorted(bad)} (known: {FLAG_CODES})")

    @classmethod
    def from_float(cls, x, nan: str = "failed", inf: str = "infinite", reason: str = "") -> "Flagged":
        """Flag the non-finite entries of ``x``: NaN -> ``nan``, +-Inf -> ``inf`` (flag names)."""
        x = np.asarray(x, dtype=float)
        flags = np.where(np.isnan(x), FLAG_CODES[nan], np.where(np.isinf(x), FLAG_CODES[inf], FLAG_CODES["ok"]))
        return cls(np.where(np.isfinite(x), x, 0.0), flags, reason)

    def ok(self) -> np.ndarray:
        return self.flags == FLAG_CODES["ok"]

    def as_float(self) -> np.ndarray:
        out = np.where(self.ok(), self.values, np.nan)
        return np.where(self.flags == FLAG_CODES["infinite"], np.inf, out)

    def status(self) -> str | np.ndarray:
        """Flag names (a str for a scalar)."""
        names = {v: k for k, v in FLAG_CODES.items()}
        out = np.vectorize(names.__getitem__, otypes=[object])(self.flags)
        return str(out.item()) if out.ndim == 0 else out


def json_value(x) -> dict:
    """A scalar for a JSON result: {'value': float or None, 'status': flag name}."""
    if isinstance(x, Flagged):
        f = x.as_float()
        return {"value": float(f) if x.ok().all() else None, "status": x.status()}
    x = float(x)
    if np.isfinite(x):
        return {"value": x, "status": "ok"}
    return {"value": None, "status": "infinite" if np.isinf(x) else "failed"}


def settings_hash(settings: dict) -> str:
    """SHA-256 of the settings in canonical JSON (sorted keys)."""
    blob = json.dumps(settings, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(settings: dict, wall_time_s: float | None = None, **extra) -> dict:
    """Attributes describing how a result was made."""
    try:
        import meep

        meep_version = meep.__version__
    except ImportError:  # pragma: no cover - meep is a hard requirement of the workflow
        meep_version = "not installed"
    attrs = {
        "settings_json": json.dumps(settings, sort_keys=True, default=str),
        "settings_hash": settings_hash(settings),
        "meep_version": meep_version,
        "numpy_version": np.__version__,
        "sims_version": SIMS_VERSION,
        "git_commit": git_commit(),
        "host": platform.node(),
    }
    if wall_time_s is not None:
        attrs["wall_time_s"] = float(wall_time_s)
    attrs.update(extra)
    return attrs


def software_versions() -> dict:
    """Versions of the interpreter and of every package the results depend on."""
    import importlib
    import importlib.metadata as md
    import sys

    out = {"python": sys.version.split()[0], "sims": SIMS_VERSION, "git_commit": git_commit()}
    for pkg in ("meep", "numpy", "scipy", "h5py", "matplotlib", "mpi4py", "tmm", "snakemake", "jsonschema", "pyyaml"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    for pkg, module in (("meep", "meep"), ("h5py", "h5py"), ("pyyaml", "yaml")):
        if out[pkg] is None:  # some Debian packages ship no package metadata
            try:
                out[pkg] = str(importlib.import_module(module).__version__)
            except (ImportError, AttributeError):
                pass
    return out


def check_finite(name: str, value) -> None:
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise NonFiniteResult(f"dataset {name!r} holds {bad} NaN/Inf values of {arr.size}: "
                              "the simulation diverged or its input is invalid; nothing was written")


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it into place on success only."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        if isinstance(exc, ResultWriteError):
            raise
        raise ResultWriteError(exc.errno, f"cannot write result file {path}: {exc.strerror or exc}; "
                               "nothing was written (check that the results directory is writable "
                               "and the disk has space)") from exc
    finally:
        with contextlib.suppress(OSError):
            if tmp.exists():
                tmp.unlink()


_NONFINITE_TOKEN = re.compile(r"(?<![A-Za-z_])[-+]?(nan|inf|infinity)(?![A-Za-z_])", re.IGNORECASE)


def check_finite_text(path: str | Path, text: str) -> None:
    """Refuse NaN/Inf in a text result: JSON must parse without them; TSV/CSV/Markdown cells
    must not be the tokens nan, inf, infinity (any case, signed)."""
    path = Path(path)
    if path.suffix == ".json":
        def _refuse(token):
            raise NonFiniteResult(f"{path.name}: holds {token}; nothing was written")
        json.loads(text, parse_constant=_refuse)
        return
    if path.suffix in (".tsv", ".csv", ".md", ".txt"):
        for cell in re.split(r"[\t,|\n]", text):
            if _NONFINITE_TOKEN.fullmatch(cell.strip()):
                raise NonFiniteResult(f"{path.name}: holds the value {cell.strip()!r}; nothing was written")


def write_text(path: str | Path, text: str) -> Path:
    """Write a text result (JSON, TSV, CSV, Markdown) atomically after :func:`check_finite_text`;
    NonFiniteResult on NaN/Inf, ResultWriteError on failure."""
    check_finite_text(path, text)
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_h5(path: str | Path, datasets: dict, attrs: dict | None = None,
             units: dict | None = None, groups: dict | None = None) -> Path:
    """Write datasets (name -> array) with units and root attributes, atomically.

    Args:
        path: target .h5 file.
        datasets: name -> array-like (nested names "a/b" make groups).
        attrs: root attributes (provenance, scalars).
        units: name -> unit string, stored as the dataset's ``units`` attribute.
        groups: optional name -> dict of attributes for groups.
    Raises:
        NonFiniteResult: any dataset holds NaN or Inf (then no file is written).
        ResultWriteError: the file cannot be written (then no file or temporary is left).
    """
    import h5py

    units = dict(units or {})
    plain = {}
    for name, val in datasets.items():
        if isinstance(val, Flagged):
            plain[name] = val.values * val.ok()
            plain[name + FLAG_SUFFIX] = val.flags
            units.setdefault(name + FLAG_SUFFIX, "flag")
        else:
            plain[name] = val
    flagged = {n for n, v in datasets.items() if isinstance(v, Flagged)}
    datasets = plain
    for name, val in datasets.items():
        check_finite(name, val)
    # The file is built in memory and written with plain file I/O: HDF5's own write path
    # fails on a full disk with a RuntimeError and can crash the interpreter on close.
    buf = io.BytesIO()
    with h5py.File(buf, "w") as fh:
        for name, val in datasets.items():
            arr = np.asarray(val)
            if arr.dtype.kind == "U":
                arr = arr.astype("S")
            ds = fh.create_dataset(name, data=arr)
            if name in units:
                ds.attrs["units"] = units[name]
            if name in flagged:
                ds.attrs["flag_dataset"] = name + FLAG_SUFFIX
            if name.endswith(FLAG_SUFFIX) and name[: -len(FLAG_SUFFIX)] in flagged:
                ds.attrs["codes"] = json.dumps(FLAG_CODES)
        for gname, gattrs in (groups or {}).items():
            grp = fh.require_group(gname)
            for k, v in gattrs.items():
                grp.attrs[k] = v
        absent = []
        for k, v in (attrs or {}).items():
            if isinstance(v, (float, np.floating)) and not np.isfinite(v):
                absent.append(k)  # a missing attribute is absent (listed), never NaN/Inf
                continue
            fh.attrs[k] = v if not isinstance(v, (dict, list)) else json.dumps(v, default=str)
        if absent:
            fh.attrs["absent_attributes"] = json.dumps(sorted(absent))
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.getvalue())
    return Path(path)


def read_h5(path: str | Path) -> tuple[dict, dict]:
    """(datasets, root attributes) of a result file: datasets as numpy arrays, flagged ones as
    :class:`Flagged` (their ``_flag`` companions folded in)."""
    import h5py

    data, attrs, flag_of = {}, {}, {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            data[name] = obj[()]
            if "flag_dataset" in obj.attrs:
                flag_of[name] = str(obj.attrs["flag_dataset"])

    with h5py.File(path, "r") as fh:
        fh.visititems(visit)
        attrs = dict(fh.attrs)
    for name, flag_name in flag_of.items():
        data[name] = Flagged(data[name], data.pop(flag_name))
    return data, attrs


class Timer:
    """Wall-clock timer: ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False


def save_figure(fig, path_png: str | Path) -> None:
    """Save a matplotlib figure as PNG and PDF (same stem), atomically."""
    path_png = Path(path_png)
    for path in (path_png, path_png.with_suffix(".pdf")):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight", format=path.suffix[1:])
