"""Calibration of a cavity: one named parameter solved so the analysed mode sits at a target.

The parameter (a layer or mirror-layer thickness, or an index shift of the gain material) is
found by a scan and Brent's method on the transfer-matrix mode nearest the target (table
data, normal incidence); :func:`working_config` gives every step the config it simulates.
Units: thicknesses in nm in the config, wavelengths in um.
"""

from __future__ import annotations

import numpy as np

from sims.cavity_round_trip import CavityError, cavity_modes_tmm, nearest_mode


CALIBRATION_PARAMETERS = ("gain_layer_thickness", "gain_layer_index", "mirror_layer_thickness", "layer_thickness")


def calibration_value(config: dict, stack_name: str, calib: dict) -> float:
    """Current value of the calibrated parameter (nm, or the gain material's n at the target)."""
    spec = config["cavity"]["stacks"][stack_name]
    p = calib["parameter"]
    if p == "gain_layer_thickness":
        return float(config["layers"][spec["gain_group"]]["thickness_nm"])
    if p == "layer_thickness":
        return float(config["layers"][calib["layer"]]["thickness_nm"])
    if p == "gain_layer_index":
        return 0.0  # index shift added to n(lambda) of the gain material
    return float(config["mirrors"][calib.get("mirror", "dbr3")][calib.get("mirror_part", "first")]["thickness_nm"])


def with_parameter(config: dict, stack_name: str, calib: dict, value: float) -> dict:
    """A copy of the config with the calibrated parameter set to ``value``.

    The copy is meant for ``stack_name`` only: a layer or mirror it shares with another stack
    (``ito`` of the standard PeLED) is changed in the copy too, so build other stacks from the
    original config (:func:`stack_for` does).
    """
    import copy

    cfg = copy.deepcopy(config)
    spec = cfg["cavity"]["stacks"][stack_name]
    p = calib["parameter"]
    if p == "gain_layer_thickness":
        cfg["layers"][spec["gain_group"]]["thickness_nm"] = float(value)
    elif p == "layer_thickness":
        cfg["layers"][calib["layer"]]["thickness_nm"] = float(value)
    elif p == "gain_layer_index":
        mat = cfg["materials"][cfg["layers"][spec["gain_group"]]["material"]]
        if mat["model"] == "tabulated":
            mat["n"] = [float(v) + value for v in mat["n"]]
        elif mat["model"] == "constant":
            mat["n"] = float(mat["n"]) + value
        else:
            raise CavityError("gain_layer_index calibration needs a constant or tabulated gain material")
    else:
        cfg["mirrors"][calib.get("mirror", "dbr3")][calib.get("mirror_part", "first")]["thickness_nm"] = float(value)
    return cfg


def calibration_entry(config: dict, stack_name: str) -> dict | None:
    """The ``cavity.calibration.stacks`` entry of a stack when calibration is enabled, else None."""
    cal = config.get("cavity", {}).get("calibration", {})
    if not cal.get("enabled"):
        return None
    if stack_name not in config.get("cavity", {}).get("stacks", {}):
        return None
    return cal.get("stacks", {}).get(stack_name)


def calibration_label(calib: dict | None) -> str:
    """Short name of the calibrated parameter: ``layer_thickness:ito``, ``mirror_layer_thickness:dbr3.first``."""
    if not calib:
        return "none"
    p = calib["parameter"]
    if p == "layer_thickness":
        return f"{p}:{calib['layer']}"
    if p == "mirror_layer_thickness":
        return f"{p}:{calib.get('mirror', 'dbr3')}.{calib.get('mirror_part', 'first')}"
    return p


def working_config(config: dict, stack_name: str) -> dict:
    """The config a step simulates for one stack: calibrated when ``cavity.calibration`` covers it.

    Returns dict ``config`` (the calibrated one, or ``config`` itself), ``mode_choice``
    ("calibrated" | "as-given"), ``target_um`` (the calibration target, else the stack's
    ``target_wavelength_nm``, in um; None for a stack outside ``cavity.stacks``),
    ``calibration`` (the :func:`calibrate` result or None) and ``entry`` (the stack's
    ``cavity.calibration.stacks`` entry or None). A stack without a calibration entry
    (the standard PeLED) gets ``config`` as configured.
    """
    entry = calibration_entry(config, stack_name)
    if entry is not None:
        info = calibrate(config, stack_name, entry)
        return {"config": info["config"], "mode_choice": "calibrated",
                "target_um": entry["target_wavelength_nm"] / 1e3, "calibration": info, "entry": entry}
    spec = config.get("cavity", {}).get("stacks", {}).get(stack_name)
    return {"config": config, "mode_choice": "as-given",
            "target_um": spec["target_wavelength_nm"] / 1e3 if spec else None, "calibration": None, "entry": None}


def stack_for(config: dict, stack_name: str):
    """The built :class:`sims.stack.Stack` a step uses for ``stack_name``: calibrated where
    ``cavity.calibration.stacks`` has an entry for it (and calibration is enabled), else as
    configured. Only that stack gets the calibrated value; another stack sharing the layer
    keeps its configured one."""
    from sims.stack import build_stack

    return build_stack(working_config(config, stack_name)["config"], stack_name)


_CALIBRATIONS: dict = {}


def calibrate(config: dict, stack_name: str, calib: dict, n_scan: int = 41) -> dict:
    """Solve the calibration parameter so the mode nearest the target sits at the target.

    Transfer matrix with the configured (table) optical data; the root nearest the
    configured value is taken. Returns dict value, value_as_given, wavelength_um_as_given,
    wavelength_um (after), units, config (the calibrated config). Results are memoised per
    process on the JSON of the inputs (a fresh deep copy is returned each time).
    """
    import json

    from sims.config import sub_config

    # what the numbers depend on: the stack's materials, layers, mirrors and its cavity entry
    relevant = dict(sub_config(config, stacks=[stack_name], sections=()),
                    spec=config["cavity"]["stacks"][stack_name])
    key = json.dumps([relevant, stack_name, calib, n_scan], sort_keys=True, default=repr)
    if key not in _CALIBRATIONS:
        out = solve_calibration(config, stack_name, calib, n_scan)
        _CALIBRATIONS[key] = {k: v for k, v in out.items() if k != "config"}
    out = dict(_CALIBRATIONS[key])
    out["config"] = with_parameter(config, stack_name, calib, out["value"])
    return out


def solve_calibration(config: dict, stack_name: str, calib: dict, n_scan: int) -> dict:
    """:func:`calibrate` without the memo: scan +-search_fraction, bisect every genuine crossing, keep
    the root nearest the configured value."""
    from scipy.optimize import brentq

    target = calib["target_wavelength_nm"] / 1e3
    v0 = calibration_value(config, stack_name, calib)
    p = calib["parameter"]
    span = calib["search_fraction"] * (v0 if p != "gain_layer_index" else 2.5)

    def err(v):
        modes = cavity_modes_tmm(with_parameter(config, stack_name, calib, v), stack_name, n_points=1500)
        if not modes:
            return np.nan
        return nearest_mode(modes, target).wavelength_um - target

    vals = np.linspace(v0 - span, v0 + span, n_scan)
    if p != "gain_layer_index":
        vals = vals[vals > 1.0]
    errs = np.array([err(v) for v in vals])
    roots = []
    for i in range(len(vals) - 1):
        a, b = errs[i], errs[i + 1]
        # a genuine crossing: the same mode moves through the target (jumps are > 5% apart)
        if np.isfinite(a) and np.isfinite(b) and a * b < 0 and abs(a - b) < 0.05 * target:
            roots.append(brentq(err, vals[i], vals[i + 1], xtol=1e-6))
    if not roots:
        raise CavityError(f"calibration of {p} for {stack_name!r}: no value within +-"
                          f"{calib['search_fraction']:.0%} puts a mode at {target * 1e3:g} nm")
    v = min(roots, key=lambda r: abs(r - v0))
    cfg = with_parameter(config, stack_name, calib, v)
    as_given = nearest_mode(cavity_modes_tmm(config, stack_name), target).wavelength_um
    after = nearest_mode(cavity_modes_tmm(cfg, stack_name), target).wavelength_um
    units = "refractive index shift" if p == "gain_layer_index" else "nm"
    return {"value": float(v), "value_as_given": float(v0), "wavelength_um_as_given": float(as_given),
            "wavelength_um": float(after), "units": units, "config": cfg}


def calibration_variants(config: dict, stack_name: str) -> dict:
    """Alternative calibrations of a calibrated stack, for the sensitivity study (else ``{}``).

    ``as_given``: the stack as configured; ``calibrated_<alt>``: the calibration entry's
    ``alternative_layer`` calibrated (layer_thickness, same target and search fraction) instead.
    Returns name -> dict ``config`` (to build the stack from), ``layer`` (the changed parameter's
    label), ``value``, ``units``, ``changed_layers`` ({layer: thickness_nm} relative to the stack as
    configured), ``mode_tmm_nm`` (TMM mode nearest the target), ``calibration`` (without its config;
    None for as_given).
    """
    entry = calibration_entry(config, stack_name)
    if entry is None:
        return {}
    prod = calibrate(config, stack_name, entry)
    changed = ({entry["layer"]: float(prod["value_as_given"])} if entry.get("parameter") == "layer_thickness"
               else {})
    out = {"as_given": {"config": config, "layer": calibration_label(entry), "value": float(prod["value_as_given"]),
                        "units": prod["units"], "changed_layers": changed,
                        "mode_tmm_nm": 1e3 * float(prod["wavelength_um_as_given"]), "calibration": None}}
    alt = entry.get("alternative_layer")
    if alt:
        alt_entry = {k: v for k, v in entry.items() if k not in ("alternative_layer", "mirror", "mirror_part")}
        alt_entry.update(parameter="layer_thickness", layer=alt)
        info = calibrate(config, stack_name, alt_entry)
        out[f"calibrated_{alt}"] = {"config": info["config"], "layer": calibration_label(alt_entry),
                                    "value": float(info["value"]), "units": info["units"],
                                    "changed_layers": {alt: float(info["value"])},
                                    "mode_tmm_nm": 1e3 * float(info["wavelength_um"]),
                                    "calibration": {k: v for k, v in info.items() if k != "config"}}
    return out
