"""Loading and checking the workflow configuration, before any simulation runs.

Two stages, both ending in :class:`ConfigError` naming the config key and the reason:

1. the JSON schema (``workflow/schemas/config.schema.yaml``): types, ranges, required and
   unknown keys (with a did-you-mean); defaults are filled in;
2. physics checks (:func:`physics_problems`): names that must exist, tabulated data that
   must be ordered, simulated bands inside every material's data range, PML thickness,
   pixels per thinnest layer and per wavelength.

Modules that add a config section register their own checks with :func:`register_check`.
"""

from __future__ import annotations

import copy
import difflib
import math
from pathlib import Path
from typing import Callable, Iterable

import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = REPO / "config.yaml"


class ConfigError(ValueError):
    """A configuration problem; ``problems`` holds (key, reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = [f"config key {k}: {r}" for k, r in problems]
        super().__init__("invalid configuration:\n  " + "\n  ".join(lines))


_CHECKS: list[Callable[[dict], Iterable[tuple[str, str]]]] = []


def register_check(func: Callable[[dict], Iterable[tuple[str, str]]]):
    """Decorator: add a physics check yielding (key, reason) pairs."""
    _CHECKS.append(func)
    return func


# ---------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------
def deep_update(base: dict, extra: dict) -> dict:
    """Recursive dict update (as Snakemake merges --configfile over configfile)."""
    out = copy.deepcopy(base)
    for key, val in (extra or {}).items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], val)
        else:
            out[key] = copy.deepcopy(val)
    return out


def read_yaml(path: str | Path, key: str = "configfile") -> dict:
    try:
        with open(path) as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ConfigError([(key, f"{path} is not valid YAML: {exc}")]) from None
    except OSError as exc:
        raise ConfigError([(key, f"cannot read {path}: {exc.strerror}")]) from None
    if not isinstance(data, dict):
        raise ConfigError([(key, f"{path} must hold a mapping of keys, got {type(data).__name__}")])
    return data


def load_config(*paths: str | Path) -> dict:
    """Read config.yaml (and optional override files, merged in order) and validate."""
    paths = paths or (DEFAULT_CONFIG,)
    config: dict = {}
    for p in paths:
        config = deep_update(config, read_yaml(p))
    return validate_config(config)


def validate_config(config: dict) -> dict:
    """Schema (with defaults) then physics checks; returns the completed config."""
    config = copy.deepcopy(config)
    schema_problems = schema_check(config)
    if schema_problems:
        raise ConfigError(schema_problems)
    problems = physics_problems(config)
    if problems:
        raise ConfigError(problems)
    return config


# ---------------------------------------------------------------------------------------
# schema
# ---------------------------------------------------------------------------------------
def load_schema() -> dict:
    with open(SCHEMA_PATH) as fh:
        return yaml.safe_load(fh)


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top level>"


def _allowed_properties(schema: dict) -> list[str]:
    props = list(schema.get("properties", {}))
    for sub in schema.get("allOf", []):
        props += list(sub.get("then", {}).get("properties", {}))
    return props


def _non_finite_numbers(obj, path=()):
    """(key, value) of every NaN or infinite number (YAML .nan / .inf) in the config."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _non_finite_numbers(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _non_finite_numbers(v, path + (i,))
    elif isinstance(obj, float) and not math.isfinite(obj):
        yield _key(path), obj


def schema_check(config: dict) -> list[tuple[str, str]]:
    """Validate against the JSON schema, filling defaults; returns (key, reason) pairs."""
    import jsonschema

    non_finite = list(_non_finite_numbers(config))
    if non_finite:
        return [(k, f"{v!r} is not a finite number") for k, v in non_finite]
    schema = load_schema()
    validator_cls = jsonschema.validators.validator_for(schema)

    def set_defaults(validator, properties, instance, sch):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validator_cls.VALIDATORS["properties"](validator, properties, instance, sch)

    filling = jsonschema.validators.extend(validator_cls, {"properties": set_defaults})
    problems = []
    for err in sorted(filling(schema).iter_errors(config), key=lambda e: list(map(str, e.path))):
        key = _key(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = _allowed_properties(err.schema)
            extra = sorted(set(err.instance) - set(allowed))
            for name in extra:
                hint = difflib.get_close_matches(name, allowed, n=1)
                tail = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
                problems.append((f"{key}.{name}" if err.absolute_path else name, f"unknown key{tail}"))
        elif err.validator == "required":
            problems.append((key, err.message.replace("is a required property", "is required but missing")))
        else:
            problems.append((key, _friendly(err)))
    return problems


def _friendly(err) -> str:
    """A short reason for a jsonschema error, with the offending value."""
    v, got = err.validator_value, err.instance
    if err.validator == "exclusiveMinimum":
        return f"must be greater than {v}, got {got!r}"
    if err.validator == "minimum":
        return f"must be at least {v}, got {got!r} (less than the minimum)"
    if err.validator in ("maximum", "exclusiveMaximum"):
        return f"must be {'at most' if err.validator == 'maximum' else 'below'} {v}, got {got!r}"
    if err.validator == "type":
        return f"must be of type {v!r}, got {got!r} (not of type {v!r})"
    if err.validator == "enum":
        return f"must be one of {v}, got {got!r}"
    return err.message


# ---------------------------------------------------------------------------------------
# physics checks
# ---------------------------------------------------------------------------------------
CHECK_MODULES: list[str] = ["sims.cavity", "sims.transfer", "sims.threshold", "sims.mirror_spectra", "sims.emission",
                            "sims.emission_nearfar",
                            "sims.sweeps", "sims.transfer_fullwave", "sims.laser_output"]
"""sims modules that register checks of their own config sections (imported lazily)."""


def physics_problems(config: dict) -> list[tuple[str, str]]:
    import importlib

    for mod in CHECK_MODULES:
        importlib.import_module(mod)
    problems: list[tuple[str, str]] = []
    for check in _CHECKS:
        problems.extend(check(config))
        if problems and getattr(check, "fatal", False):
            break
    return problems


def _fatal(func):
    func.fatal = True
    return func


@register_check
@_fatal
def check_names(config: dict):
    """Every referenced material, layer and mirror exists; tabulated data are consistent."""
    mats = config["materials"]
    layers, mirrors, stacks = config["layers"], config["mirrors"], config["stacks"]

    def need_material(key, name):
        if name not in mats:
            hint = difflib.get_close_matches(name, list(mats), n=1)
            yield key, f"unknown material {name!r}" + (f"; did you mean {hint[0]!r}?" if hint else
                                                      f"; defined: {', '.join(mats)}")

    for name, entry in mats.items():
        if entry["model"] == "tabulated":
            wl, n, k = entry["wavelength_nm"], entry["n"], entry["k"]
            if not (len(wl) == len(n) == len(k)):
                yield f"materials.{name}", f"wavelength_nm, n and k must have equal lengths ({len(wl)}, {len(n)}, {len(k)})"
            elif any(b <= a for a, b in zip(wl, wl[1:])):
                yield f"materials.{name}.wavelength_nm", "must be strictly increasing"
        if entry["model"] == "constant" and entry.get("wavelength_min_nm", 200) >= entry.get("wavelength_max_nm", 5000):
            yield f"materials.{name}.wavelength_min_nm", "must be below wavelength_max_nm"
        if entry["model"] == "meep":
            import meep.materials as mpm

            if not isinstance(getattr(mpm, entry["meep_name"], None), __import__("meep").Medium):
                yield f"materials.{name}.meep_name", f"{entry['meep_name']!r} is not a material in meep.materials"
    for name, entry in layers.items():
        yield from need_material(f"layers.{name}.material", entry["material"])
    for name, entry in mirrors.items():
        for part in ("first", "second"):
            yield from need_material(f"mirrors.{name}.{part}.material", entry[part]["material"])
        if name in layers:
            yield f"mirrors.{name}", f"name {name!r} is used by a layer too"
    for name, entry in stacks.items():
        for side in ("below", "above"):
            yield from need_material(f"stacks.{name}.{side}", entry[side])
        for i, item in enumerate(entry["items"]):
            if item not in layers and item not in mirrors:
                hint = difflib.get_close_matches(item, list(layers) + list(mirrors), n=1)
                yield f"stacks.{name}.items[{i}]", f"{item!r} is neither a layer nor a mirror" + (
                    f"; did you mean {hint[0]!r}?" if hint else "")
    ms = config.get("mirror_spectra", {})
    for name, entry in ms.get("mirrors", {}).items():
        if name not in mirrors:
            yield f"mirror_spectra.mirrors.{name}", f"{name!r} is not defined under mirrors"
        for side in ("below", "above"):
            yield from need_material(f"mirror_spectra.mirrors.{name}.{side}", entry[side])
    for i, claim in enumerate(ms.get("claims", [])):
        if claim["mirror"] not in ms.get("mirrors", {}):
            yield f"mirror_spectra.claims[{i}].mirror", f"{claim['mirror']!r} is not in mirror_spectra.mirrors"
    for i, s in enumerate(config.get("geometry", {}).get("stacks", [])):
        if s not in stacks:
            yield f"geometry.stacks[{i}]", f"{s!r} is not defined under stacks"


def mirror_band_nm(config: dict, mirror: str) -> tuple[float, float]:
    ms = config["mirror_spectra"]
    entry = ms["mirrors"][mirror]
    return (entry.get("wavelength_min_nm", ms["wavelength_min_nm"]),
            entry.get("wavelength_max_nm", ms["wavelength_max_nm"]))


def band_inside_data(key: str, material_names: Iterable[str], band_nm: tuple[float, float],
                     config: dict):
    """Yield a problem for each material whose data range does not cover the band."""
    from sims.materials import material_from_config

    lo, hi = band_nm
    if lo >= hi:
        yield key, f"band {lo}-{hi} nm is empty (minimum must be below maximum)"
        return
    for name in sorted(set(material_names)):
        mat = material_from_config(name, config["materials"][name])
        rmin, rmax = (r * 1e3 for r in mat.range_um)
        if lo < rmin - 1e-9 or hi > rmax + 1e-9:
            yield key, (f"band {lo:g}-{hi:g} nm leaves the data range of material {name!r} "
                        f"({rmin:.0f}-{rmax:.0f} nm, config materials.{name})")


def stack_material_names(config: dict, stack: str) -> set[str]:
    spec = config["stacks"][stack]
    names = {spec["below"], spec["above"]}
    for item in spec["items"]:
        if item in config["layers"]:
            names.add(config["layers"][item]["material"])
        else:
            m = config["mirrors"][item]
            names |= {m["first"]["material"], m["second"]["material"]}
    return names


def mirror_material_names(config: dict, mirror: str) -> set[str]:
    m = config["mirrors"][mirror]
    side = config["mirror_spectra"]["mirrors"][mirror]
    return {m["first"]["material"], m["second"]["material"], side["below"], side["above"]}


SIMULATED_BANDS: list[Callable[[dict], Iterable[tuple[str, float, float]]]] = []
"""Functions yielding (config key, min nm, max nm) of every band some step simulates."""


def mirror_bands(config):
    for name in config["mirror_spectra"]["mirrors"]:
        lo, hi = mirror_band_nm(config, name)
        yield f"mirror_spectra.mirrors.{name}", lo, hi


SIMULATED_BANDS.append(mirror_bands)


@register_check
def check_data_ranges(config: dict):
    """Each simulated band lies inside the data of every material it meets."""
    for name in config["mirror_spectra"]["mirrors"]:
        yield from band_inside_data(f"mirror_spectra.mirrors.{name}", mirror_material_names(config, name),
                                    mirror_band_nm(config, name), config)
    geo = config.get("geometry", {})
    wl = geo.get("wavelength_nm", 680)
    for s in geo.get("stacks", []):
        yield from band_inside_data("geometry.wavelength_nm", stack_material_names(config, s), (wl, wl + 1e-6), config)


@register_check
def check_discretisation(config: dict):
    """PML >= half the longest simulated wavelength; pixels per layer and per wavelength."""
    sim = config["simulation"]
    bands = [b for f in SIMULATED_BANDS for b in f(config)]
    if not bands:
        return
    longest_um = max(hi for _, _, hi in bands) / 1e3
    shortest_um = min(lo for _, lo, _ in bands) / 1e3
    if sim["pml_um"] < 0.5 * longest_um:
        yield "simulation.pml_um", (f"{sim['pml_um']} um is thinner than half the longest simulated "
                                    f"wavelength ({longest_um:.3f} um / 2)")
    res = sim["resolution_1d_px_per_um"]
    thinnest = min([(e["thickness_nm"], f"layers.{k}.thickness_nm") for k, e in config["layers"].items()] +
                   [(e[p]["thickness_nm"], f"mirrors.{k}.{p}.thickness_nm") for k, e in config["mirrors"].items()
                    for p in ("first", "second")])
    px = thinnest[0] / 1e3 * res
    if px < sim["min_pixels_per_layer"]:
        yield "simulation.resolution_1d_px_per_um", (
            f"{res:g} px/um gives {px:.2f} pixels across the thinnest layer ({thinnest[1]} = {thinnest[0]:g} nm); "
            f"need >= simulation.min_pixels_per_layer = {sim['min_pixels_per_layer']:g}")
    n_max = _max_dielectric_index(config, shortest_um)
    ppw = shortest_um / n_max * res
    if ppw < sim["min_pixels_per_wavelength"]:
        yield "simulation.resolution_1d_px_per_um", (
            f"{res:g} px/um gives {ppw:.1f} pixels per wavelength at {shortest_um * 1e3:.0f} nm in n = {n_max:.2f}; "
            f"need >= simulation.min_pixels_per_wavelength = {sim['min_pixels_per_wavelength']:g}")


def _max_dielectric_index(config: dict, wavelength_um: float) -> float:
    """Largest Re(n) of the non-metallic materials (Re eps > 0) at a wavelength."""
    from sims.materials import material_from_config, refractive_index

    best = 1.0
    for name, entry in config["materials"].items():
        mat = material_from_config(name, entry)
        lo, hi = mat.range_um
        wl = min(max(wavelength_um, lo), hi)
        n = complex(refractive_index(mat, wl))
        if (n * n).real > 0 and math.isfinite(n.real):
            best = max(best, n.real)
    return best


# ---------------------------------------------------------------------------------------
# per-step settings: only what a step depends on, so that changing one thickness reruns
# only the steps that use it (Snakemake reruns a rule when its params change)
# ---------------------------------------------------------------------------------------
def sub_config(config: dict, stacks: Iterable[str] = (), mirrors: Iterable[str] = (),
               materials: Iterable[str] = (), sections: Iterable[str] = ("simulation",)) -> dict:
    """A config-shaped dict holding only the named stacks, mirrors, materials, sections.

    Layers, mirrors and materials used by the named stacks are included, so
    :func:`sims.stack.build_stack` works on the result.
    """
    stacks, mirrors, materials = list(stacks), set(mirrors), set(materials)
    layers: set[str] = set()
    for s in stacks:
        spec = config["stacks"][s]
        materials |= {spec["below"], spec["above"]}
        for item in spec["items"]:
            (layers if item in config["layers"] else mirrors).add(item)
    for lay in layers:
        materials.add(config["layers"][lay]["material"])
    for m in mirrors:
        materials |= {config["mirrors"][m]["first"]["material"], config["mirrors"][m]["second"]["material"]}
    out = {
        "materials": {k: config["materials"][k] for k in sorted(materials)},
        "layers": {k: config["layers"][k] for k in sorted(layers)},
        "mirrors": {k: config["mirrors"][k] for k in sorted(mirrors)},
        "stacks": {k: config["stacks"][k] for k in stacks},
    }
    for sec in sections:
        out[sec] = {k: v for k, v in config[sec].items() if (sec, k) not in LAUNCH_ONLY_KEYS}
    return out


# Keys that say how processes are placed, never what is computed: left out of the settings
# handed to the steps, so that changing them reruns nothing.
LAUNCH_ONLY_KEYS = {("simulation", "mpi_bind_to")}


# ---------------------------------------------------------------------------------------
# physics checks in a child process: the Snakemake process must never import meep (its
# MPI_Init would claim the PMIx rank of a SLURM job step, and every Meep child would fail)
# ---------------------------------------------------------------------------------------
def physics_problems_subprocess(config: dict, python: str) -> list[tuple[str, str]]:
    """:func:`physics_problems` run by ``python -m sims.config`` (config on stdin)."""
    import json
    import subprocess

    out = subprocess.run([python, "-m", "sims.config"], input=json.dumps(config), text=True,
                         capture_output=True, cwd=str(REPO), timeout=600)
    lines = [l for l in out.stdout.splitlines() if l.startswith("CONFIG_PROBLEMS ")]
    try:
        return [tuple(p) for p in json.loads(lines[-1].split(" ", 1)[1])]
    except (ValueError, IndexError):
        raise RuntimeError(f"config check process failed (exit {out.returncode}):\n{out.stderr[-3000:]}") from None


def _main() -> None:
    import json
    import sys

    # Run as `python -m sims.config`, this file is __main__; the steps' modules register their
    # checks with the imported `sims.config`, so its physics_problems must be the one called.
    from sims.config import physics_problems as registered_problems

    config = json.load(sys.stdin)
    print("CONFIG_PROBLEMS " + json.dumps(registered_problems(config)), flush=True)


if __name__ == "__main__":
    _main()


@register_check
def check_finite_crystal_2d(config: dict):
    """The finite-crystal 2D check: stack and group exist, crystal fits in the cell, band in data."""
    sec = config.get("finite_crystal_2d")
    if not sec:
        return
    stack = sec.get("stack", "microcavity_II")
    if stack not in config["stacks"]:
        yield "finite_crystal_2d.stack", f"{stack!r} is not defined under stacks"
        return
    if sec.get("crystal_group", "crystal") not in config["stacks"][stack]["items"]:
        yield "finite_crystal_2d.crystal_group", f"{sec.get('crystal_group')!r} is not an item of stacks.{stack}"
    if sec.get("crystal_width_um", 2.0) > sec.get("cell_width_um", 4.0):
        yield "finite_crystal_2d.crystal_width_um", (f"{sec['crystal_width_um']} um crystal is wider than the "
                                                     f"{sec['cell_width_um']} um cell")
    band = (sec.get("wavelength_min_nm", 700), sec.get("wavelength_max_nm", 950))
    yield from band_inside_data("finite_crystal_2d", stack_material_names(config, stack), band, config)


def finite_crystal_band(config):
    sec = config.get("finite_crystal_2d")
    if sec:
        yield "finite_crystal_2d", sec.get("wavelength_min_nm", 700), sec.get("wavelength_max_nm", 950)


SIMULATED_BANDS.append(finite_crystal_band)
