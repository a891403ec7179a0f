"""The workflow's two targets as lists of result paths, built from the config in one place.

``all`` (default): the paper's figure data, the threshold, the laser output and the headline summary, and the
gathered table of every configured sweep. ``validation``: the cross-checks (convergence tables,
oblique mirror sweeps, Meep points of the dispersion and thickness studies, finite-width
convergence, near-to-far and full-wave checks). Pure functions of the validated config.
"""

from __future__ import annotations


def final_outputs(cfg: dict) -> list[str]:
    """Result paths of the default target ``all``."""
    mirrors = list(cfg["mirror_spectra"]["mirrors"])
    cavity = cfg.get("cavity", {})
    leds = list(cfg.get("emission", {}).get("leds", {}))
    return [
        "results/materials/optical_constants.h5",
        *(f"results/geometry/{s}/permittivity.h5" for s in cfg["geometry"]["stacks"]),
        *(f"results/mirrors/{m}/{f}" for m in mirrors for f in ("spectra.h5", "spectra.png", "metrics.json")),
        f"results/finite_crystal_2d/{cfg['finite_crystal_2d']['stack']}/transmission.h5",
        *(f"results/cavity/{s}/modes.h5" for s in cavity.get("stacks", {})),
        *(f"results/cavity/{s}/lateral.h5" for s in cavity.get("lateral", {}).get("stacks", [])),
        "results/emission/polar.png",
        "results/emission/summary.tsv",
        *(f"results/emission/{led}/emission.h5" for led in leds),
        "results/transfer/comparison.h5",
        *(f"results/transfer/{led}/transfer.h5" for led in cfg["transfer"]["leds"]),
        "results/threshold/threshold.h5",
        "results/summary.json",
        *(("results/laser/laser_output.h5", "results/laser/far_field_meep.h5", "results/laser/gain_region_meep.h5")
          if "laser_output" in cfg else ()),
        *(f"results/sweeps/{name}/sweep.h5" for name in cfg.get("sweeps", {})),
    ]


def validation_outputs(cfg: dict) -> list[str]:
    """Result paths of the target ``validation``."""
    mirrors = list(cfg["mirror_spectra"]["mirrors"])
    cavity = cfg.get("cavity", {})
    emission = cfg.get("emission", {})
    transfer = cfg["transfer"]
    out = [
        "results/mirrors/convergence.md",
        *(f"results/validation/mirrors/{m}/{f}" for m in mirrors for f in ("spectra.h5", "spectra.png", "metrics.json")),
        *(f"results/validation/cavity/{s}/validation.h5" for s in cavity.get("stacks", {})),
        *(f"results/cavity/{s}/lateral_convergence.md" for s in cavity.get("lateral", {}).get("stacks", [])),
    ]
    if emission["engine"] == "meep":
        out += [f"results/validation/emission/{led}/convergence.h5" for led in emission.get("leds", {})]
    out += [f"results/emission/{led}/nearfar.h5" for led in emission.get("nearfar", {}).get("leds", [])]
    if transfer["absorption_method"] == "tmm" and transfer["absorption_meep_angles_deg"]:
        out.append("results/validation/transfer/pump_absorption_meep.h5")
    out.append("results/transfer/fullwave.h5")
    return out
