"""Parameter sweeps: one config key set to a list of values, each value a point of the chain.

A sweep (config section ``sweeps``) names a numeric key of the config by its dotted path
(``layers.crystal.thickness_nm``, ``threshold.distance_um``, ``mirrors.dbr3.pairs``, ...)
and the values it takes. Each point is the whole config with that one key changed; the
workflow runs, per point, only the steps whose settings the change reaches (the others are
taken from the main run) and gathers the threshold chain into one table and figure.

Every point config is checked (schema and physics) with the main config, before any rule
runs; a problem is reported under ``sweeps.<name>.values[i]`` with the key it set.
"""

from __future__ import annotations

import copy
from typing import Any

from sims.config import register_check, schema_check

def point_name(index: int) -> str:
    """Directory name of a sweep point (results/sweeps/<sweep>/<point>/)."""
    return f"p{index:02d}"


def point_index(name: str) -> int:
    return int(name[1:])


def _split(key: str) -> list[str]:
    return [p for p in key.split(".") if p]


def get_key(config: dict, key: str) -> Any:
    node = config
    for part in _split(key):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(part)
        node = node[part]
    return node


def set_key(config: dict, key: str, value) -> dict:
    """A deep copy of config with the dotted key set to value (the key must exist)."""
    out = copy.deepcopy(config)
    parts = _split(key)
    node = out
    for part in parts[:-1]:
        node = node[part]
    if parts[-1] not in node:
        raise KeyError(parts[-1])
    node[parts[-1]] = value
    return out


def point_config(config: dict, sweep: str, index: int) -> dict:
    """The config of one point: the sweep's key set to its index-th value, no sweeps section."""
    spec = config["sweeps"][sweep]
    out = set_key(config, spec["key"], spec["values"][index])
    out["sweeps"] = {}
    return out


def sweep_points(config: dict) -> list[tuple[str, str]]:
    """(sweep, point name) of every point of every sweep."""
    return [(name, point_name(i)) for name, spec in config.get("sweeps", {}).items()
            for i in range(len(spec["values"]))]


@register_check
def check_sweeps(config: dict):
    """Each sweep names an existing numeric key; every point config passes all checks."""
    from sims.config import registered_problems  # every step's checks (sims.config_checks imported them)

    for name, spec in config.get("sweeps", {}).items():
        key = spec["key"]
        try:
            current = get_key(config, key)
        except KeyError as exc:
            yield f"sweeps.{name}.key", f"{key!r} is not a key of the config (no {exc.args[0]!r})"
            continue
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            yield f"sweeps.{name}.key", f"{key!r} holds {current!r}; only numeric keys can be swept"
            continue
        if len(set(spec["values"])) != len(spec["values"]):
            yield f"sweeps.{name}.values", "values repeat"
        for i, value in enumerate(spec["values"]):
            point = point_config(config, name, i)
            problems = schema_check(point) or registered_problems(point)
            for k, reason in problems:
                yield f"sweeps.{name}.values[{i}]", f"{key} = {value!r} gives {k}: {reason}"
