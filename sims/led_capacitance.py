"""Parallel-plate capacitance of the PeLED stack and its RC time constant (issue 20).

Method: the layers between the two electrodes (ITO cathode and Au anode) are dielectrics in
series between parallel plates, so per unit area

    C / A = eps_0 / sum_i (d_i / eps_r,i)

with d_i the layer thicknesses (from the config's stack, ``sims.stack``) and eps_r,i the
STATIC / low-frequency (MHz-GHz) relative permittivities, not the optical n^2 of the config's
materials. Those static permittivities are ASSUMED (``ASSUMED_STATIC_PERMITTIVITY``; the paper
gives none) and must become config keys. Fringe fields, the depletion of the transport layers
under bias and the ionic (slow) polarisation of the perovskite are neglected; the stripe
overlap outside the active area and the substrate/pad coupling are a separate parallel
capacitance (``parasitic_f``).

RC: tau = R_eff C_total with R_eff = R_s || r_d (R_s the series resistance of driver, contacts
and ITO stripe, ASSUMED; r_d the junction's differential resistance, infinite by default, i.e.
the slowest case), and the RC low-pass corner f_RC = 1 / (2 pi tau).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EPS0_F_PER_M = 8.8541878128e-12

# ASSUMED static (low-frequency) relative permittivities: name of the config layer -> (value, source)
ASSUMED_STATIC_PERMITTIVITY = {
    "zno": (8.0, "ASSUMED: ZnO bulk static ~8.5; nanoparticle film slightly lower"),
    "peie": (3.0, "ASSUMED: amine polymer, typical organic ~3"),
    "emitter": (25.0, "ASSUMED: lead-halide perovskite at MHz-GHz (electronic+phonon, no ionic), ~20-30"),
    "tfb": (3.0, "ASSUMED: conjugated polymer, typical organic ~3"),
    "moox": (10.0, "ASSUMED: evaporated MoOx, ~10"),
}
DEFAULT_BETWEEN = ("zno", "moox")  # the config items between the ITO cathode and the Au anode


@dataclass(frozen=True)
class DielectricLayer:
    name: str
    thickness_nm: float
    eps_static: float


def capacitance_per_area_f_per_cm2(layers) -> float:
    """Series parallel-plate capacitance per area, F/cm^2: eps_0 / sum(d_i / eps_i)."""
    s_m = 0.0
    for l in layers:
        if not (l.thickness_nm > 0 and l.eps_static > 0):
            raise ValueError(f"layer {l.name!r}: thickness and permittivity must be > 0")
        s_m += l.thickness_nm * 1e-9 / l.eps_static
    return EPS0_F_PER_M / s_m * 1e-4


def capacitance_f(layers, area_mm2: float, parasitic_f: float = 0.0) -> float:
    """Total capacitance (F) of an active area (mm^2) plus a parallel parasitic/substrate capacitance."""
    if area_mm2 <= 0 or parasitic_f < 0:
        raise ValueError("area must be > 0 and parasitic capacitance >= 0")
    return capacitance_per_area_f_per_cm2(layers) * area_mm2 * 1e-2 + parasitic_f


def rc_time_s(capacitance_f_: float, series_resistance_ohm: float,
              differential_resistance_ohm: float = math.inf) -> float:
    """tau = (R_s || r_d) C, s (r_d = inf: the series resistance alone)."""
    r = series_resistance_ohm if math.isinf(differential_resistance_ohm) else \
        series_resistance_ohm * differential_resistance_ohm / (series_resistance_ohm + differential_resistance_ohm)
    return r * capacitance_f_


def rc_bandwidth_hz(capacitance_f_: float, series_resistance_ohm: float,
                    differential_resistance_ohm: float = math.inf) -> float:
    """First-order RC corner 1 / (2 pi tau), Hz."""
    return 1.0 / (2 * math.pi * rc_time_s(capacitance_f_, series_resistance_ohm, differential_resistance_ohm))


def led_dielectric_layers(config: dict, stack_name: str = "microcavity_I", between=DEFAULT_BETWEEN,
                          permittivity: dict | None = None) -> list[DielectricLayer]:
    """The layers from ``between[0]`` to ``between[1]`` of a config stack with their static eps.

    ``permittivity``: config item -> eps_r (default: the ASSUMED table above); every layer's
    config item (group) must have one.
    """
    from sims.stack import build_stack

    eps = permittivity or {k: v[0] for k, v in ASSUMED_STATIC_PERMITTIVITY.items()}
    st = build_stack(config, stack_name)
    groups = [l.group for l in st.layers]
    i0, i1 = groups.index(between[0]), groups.index(between[1])
    out = []
    for l in st.layers[i0:i1 + 1]:
        if l.group not in eps:
            raise KeyError(f"no static permittivity for layer {l.group!r} of stack {stack_name!r}")
        out.append(DielectricLayer(l.name, l.thickness_um * 1e3, float(eps[l.group])))
    return out
