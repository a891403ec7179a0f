"""Config checks of the cavity section (registered through ``sims.config.CHECK_MODULES``).

Names, the source layer inside the cavity, bands inside the optical data, a transfer-matrix
mode in each band, calibration entries, the lateral study's resolution against the thinnest
mirror layer.
"""

from __future__ import annotations

from sims.cavity_round_trip import cavity_modes_tmm


def _cavity_bands(config):
    for name, spec in config.get("cavity", {}).get("stacks", {}).items():
        yield f"cavity.stacks.{name}", spec["wavelength_min_nm"], spec["wavelength_max_nm"]


def _register():
    from sims import config as cfgmod

    if _cavity_bands not in cfgmod.SIMULATED_BANDS:
        cfgmod.SIMULATED_BANDS.append(_cavity_bands)

    @cfgmod.register_check
    def check_cavity(config: dict):
        """Cavity section: names, source inside the cavity, bands in the data, a mode in each band."""
        cav = config.get("cavity", {})
        stacks = config["stacks"]
        for name, spec in cav.get("stacks", {}).items():
            key = f"cavity.stacks.{name}"
            if name not in stacks:
                yield key, f"{name!r} is not defined under stacks"
                continue
            items = stacks[name]["items"]
            g = spec["gain_group"]
            if g not in items:
                yield f"{key}.gain_group", f"{g!r} is not an item of stack {name!r} ({', '.join(items)})"
                continue
            if items.index(g) in (0, len(items) - 1):
                yield f"{key}.gain_group", (f"the source layer {g!r} sits outside the cavity of {name!r}: it is the "
                                            f"{'first' if items.index(g) == 0 else 'last'} item, not between two mirrors")
                continue
            if g not in config["layers"]:
                yield f"{key}.gain_group", f"{g!r} must be a single layer (it is a mirror)"
                continue
            for s in spec.get("spacer_groups", []):
                if s not in items:
                    yield f"{key}.spacer_groups", f"{s!r} is not an item of stack {name!r}"
            lo, hi = spec["wavelength_min_nm"], spec["wavelength_max_nm"]
            from sims.config import band_inside_data, stack_material_names

            probs = list(band_inside_data(key, stack_material_names(config, name), (lo, hi), config))
            if probs:
                yield from probs
                continue
            if not (lo <= spec["target_wavelength_nm"] <= hi):
                yield f"{key}.target_wavelength_nm", f"{spec['target_wavelength_nm']} nm is outside the band {lo}-{hi} nm"
                continue
            if not cavity_modes_tmm(config, name, n_points=1500):
                yield key, (f"the band {lo:g}-{hi:g} nm holds no cavity mode of {name!r} (transfer-matrix "
                            f"round-trip phase condition with |rho| > 0.5): widen the band or check the mirrors")
        cal = cav.get("calibration", {})
        for s, entry in cal.get("stacks", {}).items():
            key = f"cavity.calibration.stacks.{s}"
            if s not in cav.get("stacks", {}):
                yield key, f"{s!r} is not in cavity.stacks"
                continue
            if s not in stacks:
                continue  # reported above
            items = stacks[s]["items"]
            p = entry.get("parameter")
            if p == "layer_thickness":
                lay = entry.get("layer")
                if lay is None:
                    yield f"{key}.layer", "parameter layer_thickness needs `layer` (a key of layers: that is an item of the stack)"
                elif lay not in config["layers"]:
                    yield f"{key}.layer", f"{lay!r} is not defined under layers"
                elif lay not in items:
                    yield f"{key}.layer", f"{lay!r} is not an item of stack {s!r} ({', '.join(items)})"
            elif "layer" in entry:
                yield f"{key}.layer", f"`layer` is read only with parameter layer_thickness (parameter is {p!r})"
            alt = entry.get("alternative_layer")
            if alt is not None:
                if alt not in config["layers"]:
                    yield f"{key}.alternative_layer", f"{alt!r} is not defined under layers"
                elif alt not in items:
                    yield f"{key}.alternative_layer", f"{alt!r} is not an item of stack {s!r} ({', '.join(items)})"
                elif p == "layer_thickness" and alt == entry.get("layer"):
                    yield f"{key}.alternative_layer", f"{alt!r} is the calibrated layer itself (pick another layer)"
            if p == "mirror_layer_thickness":
                m = entry.get("mirror")
                if m not in config["mirrors"]:
                    yield f"{key}.mirror", f"{m!r} is not defined under mirrors"
                elif m not in items:
                    yield f"{key}.mirror", f"{m!r} is not a mirror of stack {s!r} ({', '.join(items)})"
            if p == "gain_layer_index":
                g = cav["stacks"][s]["gain_group"]
                mname = config["layers"].get(g, {}).get("material")
                model = config["materials"].get(mname, {}).get("model")
                if model not in ("constant", "tabulated"):
                    yield f"{key}.parameter", (f"gain_layer_index needs a constant or tabulated gain material "
                                               f"({mname!r} is {model!r})")
            spec = cav["stacks"][s]
            t = entry.get("target_wavelength_nm")
            if t is not None and not (spec["wavelength_min_nm"] <= t <= spec["wavelength_max_nm"]):
                yield f"{key}.target_wavelength_nm", (f"{t:g} nm is outside the band of cavity.stacks.{s} "
                                                      f"({spec['wavelength_min_nm']:g}-{spec['wavelength_max_nm']:g} nm)")
        lat = cav.get("lateral", {})
        for i, s in enumerate(lat.get("stacks", [])):
            if s not in cav.get("stacks", {}):
                yield f"cavity.lateral.stacks[{i}]", f"{s!r} is not in cavity.stacks"
        if lat.get("stacks") and lat.get("filler") not in config["materials"]:
            yield "cavity.lateral.filler", f"{lat.get('filler')!r} is not defined under materials"
        if lat.get("stacks"):
            thin = min([e["thickness_nm"] for e in config["mirrors"].values() for e in (e["first"], e["second"])])
            keyed = [("cavity.lateral.resolution_px_per_um", lat["resolution_px_per_um"])]
            keyed += [(f"cavity.lateral.convergence_resolutions_px_per_um[{i}]", r)
                      for i, r in enumerate(lat.get("convergence_resolutions_px_per_um", []))]
            for key, res in keyed:
                if thin / 1e3 * res < config["simulation"]["min_pixels_per_layer"]:
                    yield key, (
                        f"{res:g} px/um gives {thin / 1e3 * res:.2f} pixels across the thinnest mirror layer ({thin:g} nm); "
                        f"need >= simulation.min_pixels_per_layer")
        sw = cav.get("thickness_sweep_nm")
        if sw and sw["min"] >= sw["max"]:
            yield "cavity.thickness_sweep_nm.min", "must be below max"


_register()
