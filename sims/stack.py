"""Planar layer stacks: ordered layers with z positions, built from the config.

A stack is read bottom to top: a semi-infinite medium ``below``, finite layers, a
semi-infinite medium ``above``. Items of ``config['stacks'][name]['items']`` name either a
layer (``config['layers']``) or a DBR (``config['mirrors']``), which expands into
``pairs`` x (first, second) layers. z = 0 is the bottom of the first layer; z grows
upward; lengths are in um (Meep's unit).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from sims.materials import Material, materials_from_config, refractive_index


@dataclass(frozen=True)
class Layer:
    """One finite layer.

    Attributes:
        name: unique within the stack, e.g. "crystal" or "dbr2.07.SiO2".
        group: the config item it came from ("crystal", "dbr2").
        material: its Material.
        thickness_um: thickness in um.
    """

    name: str
    group: str
    material: Material
    thickness_um: float


@dataclass(frozen=True)
class Stack:
    """A planar stack between two semi-infinite media (bottom to top)."""

    name: str
    below: Material
    above: Material
    layers: tuple

    @property
    def thickness_um(self) -> float:
        return float(sum(l.thickness_um for l in self.layers))

    @property
    def interfaces_um(self) -> np.ndarray:
        """z of every interface, from 0 (bottom of the first layer) to the top."""
        return np.concatenate([[0.0], np.cumsum([l.thickness_um for l in self.layers])])

    def group_span_um(self, group: str) -> tuple[float, float]:
        """(z_bottom, z_top) of all layers from one config item."""
        z = self.interfaces_um
        idx = [i for i, l in enumerate(self.layers) if l.group == group]
        if not idx:
            raise KeyError(f"stack {self.name!r} has no item {group!r}")
        return float(z[idx[0]]), float(z[idx[-1] + 1])

    def materials(self) -> dict[str, Material]:
        out = {self.below.name: self.below, self.above.name: self.above}
        out.update({l.material.name: l.material for l in self.layers})
        return out

    def index_profile(self, wavelength_um: float) -> list[complex]:
        """Complex n of [below, layers..., above] at one wavelength."""
        mats = [self.below, *[l.material for l in self.layers], self.above]
        return [complex(refractive_index(m, wavelength_um)) for m in mats]

    def with_thickness(self, group: str, thickness_um: float) -> "Stack":
        """Copy with every layer of a (single-layer) group set to a new thickness."""
        layers = tuple(replace(l, thickness_um=thickness_um) if l.group == group else l
                       for l in self.layers)
        return replace(self, layers=layers)

    def sub_stack(self, first_group: str, last_group: str, below: Material, above: Material,
                  name: str | None = None) -> "Stack":
        """The layers from ``first_group`` to ``last_group`` (inclusive) between new media."""
        groups = [l.group for l in self.layers]
        i0 = groups.index(first_group)
        i1 = len(groups) - 1 - groups[::-1].index(last_group)
        return Stack(name or f"{self.name}[{first_group}:{last_group}]", below, above,
                     self.layers[i0:i1 + 1])


def mirror_layers(name: str, entry: dict, materials: dict[str, Material]) -> list[Layer]:
    """Expand a DBR entry of the config into its layers, bottom to top."""
    out = []
    width = len(str(entry["pairs"]))
    for p in range(int(entry["pairs"])):
        for part in ("first", "second"):
            spec = entry[part]
            out.append(Layer(name=f"{name}.{p + 1:0{width}d}.{spec['material']}", group=name,
                             material=materials[spec["material"]],
                             thickness_um=spec["thickness_nm"] / 1e3))
    return out


def build_stack(config: dict, name: str, materials: dict[str, Material] | None = None) -> Stack:
    """Build ``config['stacks'][name]`` (the config must have passed validation)."""
    materials = materials or materials_from_config(config)
    spec = config["stacks"][name]
    layers: list[Layer] = []
    for item in spec["items"]:
        if item in config.get("layers", {}):
            entry = config["layers"][item]
            layers.append(Layer(item, item, materials[entry["material"]], entry["thickness_nm"] / 1e3))
        else:
            layers.extend(mirror_layers(item, config["mirrors"][item], materials))
    return Stack(name, materials[spec["below"]], materials[spec["above"]], tuple(layers))


def build_mirror(config: dict, mirror: str, below: str, above: str,
                 materials: dict[str, Material] | None = None) -> Stack:
    """A single DBR between two named media (for mirror spectra)."""
    materials = materials or materials_from_config(config)
    layers = mirror_layers(mirror, config["mirrors"][mirror], materials)
    return Stack(mirror, materials[below], materials[above], tuple(layers))
