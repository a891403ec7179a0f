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

import numpy as np

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


# ---------------------------------------------------------------------------------------
# gathering the points of one sweep
# ---------------------------------------------------------------------------------------
DEVICES = ("dual_cavity", "single_cavity")
READINGS = ("spot", "crystal_mean")
MODE_KEYS = ("lasing_wavelength_nm", "Q_total", "confinement_energy", "gain_layer_thickness_nm")


def _scalar(x) -> float:
    from sims.results import Flagged

    return float(np.real(x.as_float() if isinstance(x, Flagged) else np.asarray(x)))


def gather_points(settings: dict, points: list[dict]) -> tuple[dict, dict]:
    """One table of a sweep from its points' result files.

    Per point: the lasing mode of microcavity II (wavelength, Q_total, energy confinement,
    crystal thickness), the share of the LED pump absorbed in the crystal at normal incidence
    (tmm), the coupling efficiency of the microcavity PeLED at its device distance, and J_th of
    both devices at their own distances (headline anchor, both readings; and the gain-model
    anchor, the one that responds to Q and confinement), Flagged ``not_reached`` where not reached.

    Args:
        settings: the sweep (name, key, values, unit).
        points: per value, the ``read_h5`` datasets of its ``modes``, ``absorption``,
            ``transfer`` and ``threshold`` files and ``threshold_attrs``.
    Returns:
        (datasets, units).
    """
    from sims.results import Flagged

    values = np.asarray(settings["values"], float)
    n = len(values)
    if len(points) != n:
        raise ValueError(f"sweep {settings['name']}: {n} values but {len(points)} points")
    ds = {"value": values, **{k: np.empty(n) for k in MODE_KEYS},
          "pump_absorbed_fraction_normal": np.empty(n), "coupling_efficiency_microcavity": np.empty(n)}
    jth = {f"j_th/{dev}/{rd}_a_per_cm2": np.empty(n) for dev in DEVICES for rd in READINGS}
    jth.update({f"j_th_gain_model/{dev}/spot_a_per_cm2": np.empty(n) for dev in DEVICES})
    for i, p in enumerate(points):
        for k in MODE_KEYS:
            ds[k][i] = _scalar(p["modes"][k])
        ds["pump_absorbed_fraction_normal"][i] = float(p["absorption"]["tmm/A_crystal"][0])
        ds["coupling_efficiency_microcavity"][i] = _scalar(p["transfer"]["device/coupling_efficiency"])
        th, anchor = p["threshold"], str(p["threshold_attrs"]["headline_anchor"])
        for dev in DEVICES:
            for rd in READINGS:
                jth[f"j_th/{dev}/{rd}_a_per_cm2"][i] = _scalar(th[f"jth/{dev}/{anchor}/{rd}/device"])
            jth[f"j_th_gain_model/{dev}/spot_a_per_cm2"][i] = _scalar(th[f"jth/{dev}/gain_model/spot/device"])
    ds.update({k: Flagged.from_float(v, nan="not_reached") for k, v in jth.items()})
    units = {"value": settings.get("unit", ""), "lasing_wavelength_nm": "nm", "Q_total": "1", "confinement_energy": "1",
             "gain_layer_thickness_nm": "nm", "pump_absorbed_fraction_normal": "1",
             "coupling_efficiency_microcavity": "1"}
    units.update({k: "A/cm^2 (flag not_reached: threshold not reached below J_max)" for k in jth})
    return ds, units


def sweep_markdown(settings: dict, ds: dict, files: list[str]) -> str:
    """The sweep table in Markdown ("unreachable" where the threshold is not reached)."""
    j = {k: v.as_float() for k, v in ds.items() if k.startswith("j_th")}
    fmt_j = lambda v: f"{v:.0f}" if v > 0 else "unreachable"
    lines = [f"Sweep `{settings['name']}`: `{settings['key']}` (one job chain per point; steps the change does not "
             "reach are taken from the main run)", "",
             f"| {settings['key']} | mode (nm) | Q_total | Gamma_E | crystal (nm) | pump absorbed | coupling (micro) | "
             "J_th dual, spot (A/cm^2) | J_th single, spot (A/cm^2) | J_th dual, crystal mean | "
             "J_th dual, spot, gain-model N_th | modes file |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for i, v in enumerate(ds["value"]):
        lines.append(f"| {v:g} | {ds['lasing_wavelength_nm'][i]:.2f} | {ds['Q_total'][i]:.0f} | "
                     f"{ds['confinement_energy'][i]:.3f} | {ds['gain_layer_thickness_nm'][i]:.1f} | "
                     f"{ds['pump_absorbed_fraction_normal'][i]:.3f} | {ds['coupling_efficiency_microcavity'][i]:.3f} | "
                     f"{fmt_j(j['j_th/dual_cavity/spot_a_per_cm2'][i])} | "
                     f"{fmt_j(j['j_th/single_cavity/spot_a_per_cm2'][i])} | "
                     f"{fmt_j(j['j_th/dual_cavity/crystal_mean_a_per_cm2'][i])} | "
                     f"{fmt_j(j['j_th_gain_model/dual_cavity/spot_a_per_cm2'][i])} | `{files[i]}` |")
    return "\n".join(lines) + "\n"
