"""Effective cavity length, confinement, mode profile and layer absorption (transfer matrix).

Mirror phase penetration depths L_pen = (1/2) d phi_r / d beta (Babic & Corzine, IEEE JQE 28,
514 (1992)), the effective cavity length, the confinement factors of a mode profile (energy
fraction; standing-wave enhancement Gamma_r of VCSEL threshold formulas, Coldren & Corzine),
the quasi-normal mode profile |E(z)|^2 by 2x2 layer matrices, and the pump power absorbed
per layer (``tmm`` package). Units: um; media: ``sims.cavity_media`` (``model``).
"""

from __future__ import annotations

import numpy as np

from sims.cavity_media import stack_indices
from sims.cavity_round_trip import TMMMode, group_layer_index, reflection, round_trip
from sims.stack import Stack


def penetration_depths(stack: Stack, group: str, wavelength_um: float, model="table", band_um=None,
                       wavelength_ref_um=None, spacer_groups: tuple = ()) -> dict:
    """Phase penetration depths of the two mirrors, seen from the cavity spacer.

    The spacer is ``spacer_groups`` (default: the gain layer alone), contiguous layers
    between the mirrors. L_pen = (1/2) d phi_r / d beta with beta = 2 pi n_s / lambda in
    the spacer layer adjacent to each mirror (Babic & Corzine 1992; their minus sign is
    for the exp(+i omega t) convention, here r ~ exp(+2 i beta L_pen)).

    Returns:
        dict L_pen_down_um, L_pen_up_um, L_spacer_um, L_eff_um.
    """
    groups = [l.group for l in stack.layers]
    spacer = list(spacer_groups) or [group]
    idx = [i for i, g in enumerate(groups) if g in spacer]
    i0, i1 = min(idx), max(idx)
    d = np.array([l.thickness_um for l in stack.layers])
    h = 1e-5 * wavelength_um
    wl = np.array([wavelength_um - h, wavelength_um + h])
    n = stack_indices(stack, wl, model, band_um, wavelength_ref_um)
    n_lo, n_hi = n[i0 + 1], n[i1 + 1]
    r_dn = reflection(n_lo, n[1:i0 + 1][::-1], d[:i0][::-1], n[0], wl)
    r_up = reflection(n_hi, n[i1 + 2:-1], d[i1 + 1:], n[-1], wl)

    def lpen(r, ns):
        beta = 2 * np.pi * ns.real / wl
        return float(0.5 * np.angle(r[1] / r[0]) / (beta[1] - beta[0]))  # r ~ exp(+2 i beta L_pen)

    L_sp = float(d[i0:i1 + 1].sum())
    Ld, Lu = lpen(r_dn, n_lo), lpen(r_up, n_hi)
    return {"L_pen_down_um": Ld, "L_pen_up_um": Lu, "L_spacer_um": L_sp, "L_eff_um": L_sp + Ld + Lu}


def confinement_from_profile(z_um, e2, eps_real, gain_span_um, spacer_span_um, stack_span_um) -> dict:
    """Confinement factors of a mode profile |E(z)|^2 on a grid.

    Definitions (stated in every result file):
      energy fraction  Gamma_E = int_gain eps |E|^2 dz / int_stack eps |E|^2 dz (the stack is
        the finite layers; the leaky tails outside are not counted);
      standing-wave enhancement Gamma_r = (L_sp / d_a) int_gain |E|^2 dz / int_spacer |E|^2 dz
        (Coldren & Corzine; 2 for a thin layer on an antinode, 1 for a layer filling the spacer).
    """
    z, e2, eps = (np.asarray(a, float) for a in (z_um, e2, eps_real))

    def integ(span, w):
        m = (z >= span[0]) & (z <= span[1])
        return float(np.trapz(w[m], z[m]))

    gE = integ(gain_span_um, eps * e2) / integ(stack_span_um, eps * e2)
    d_a = gain_span_um[1] - gain_span_um[0]
    L_sp = spacer_span_um[1] - spacer_span_um[0]
    gr = (L_sp / d_a) * integ(gain_span_um, e2) / integ(spacer_span_um, e2)
    return {"confinement_energy": gE, "standing_wave_enhancement": gr}


def tmm_mode_profile(stack: Stack, group: str, mode: TMMMode, z_um, model="table", band_um=None,
                     wavelength_ref_um=None) -> np.ndarray:
    """|E(z)|^2 of the quasi-normal mode at its resonance wavelength (normal incidence).

    Field of a unit upward wave at the lower face of the gain layer plus its reflection
    r_down-consistent counterpart: inside the stack the field is propagated layer by layer
    with 2x2 matrices from the gain layer, with the up/down amplitudes that satisfy the
    round-trip condition (a = 1 upward at the gain layer's bottom, b = r_down... ); normalised
    to max 1. Evaluated at the real resonance frequency (exact for Q >> 1).
    """
    wl = mode.wavelength_um
    n = stack_indices(stack, np.array([wl]), model, band_um, wavelength_ref_um)[:, 0]
    d = np.array([l.thickness_um for l in stack.layers])
    zi = stack.interfaces_um
    j = group_layer_index(stack, group)
    k0 = 2 * np.pi / wl
    # amplitudes (forward A, backward B) at the bottom of each layer, medium index i (0=below)
    N = len(n)
    A = np.zeros(N, complex)
    B = np.zeros(N, complex)
    rd = round_trip(stack, group, np.array([wl]), model, band_um, wavelength_ref_um)["r_down"][0]
    # at the bottom face of layer j: up-going amplitude 1, down-going 1/rd... use E = A e^{ikz} + B e^{-ikz};
    # at the bottom face the down-going wave reflects into the up-going one: A = rd * B
    A[j + 1], B[j + 1] = rd, 1.0

    def interface(nl, nr, Ar, Br):
        """Fields (A, B) on the left (below) from (A, B) on the right, at the interface (local z=0)."""
        E = Ar + Br
        H = nr * (Ar - Br)
        return 0.5 * (E + H / nl), 0.5 * (E - H / nl)

    def interface_up(nl, nr, Al, Bl):
        E = Al + Bl
        H = nl * (Al - Bl)
        return 0.5 * (E + H / nr), 0.5 * (E - H / nr)

    # downward from layer j
    for i in range(j + 1, 0, -1):
        # medium i has its bottom at z_i-1 (layers) ; fields at bottom of medium i known
        Al, Bl = interface(n[i - 1], n[i], A[i], B[i])
        dl = d[i - 2] if i - 1 >= 1 else 0.0
        # convert amplitudes at top of medium i-1 to its bottom
        ph = np.exp(1j * k0 * n[i - 1] * dl)
        A[i - 1], B[i - 1] = Al / ph, Bl * ph
    # upward from layer j: start from the top face of the gain layer with the reflection of
    # the upper mirror (B = r_up A), so the field decays into both mirrors (propagating the
    # lower solution through the upper mirror would amplify the residual 1 - rho)
    ru = round_trip(stack, group, np.array([wl]), model, band_um, wavelength_ref_um)["r_up"][0]
    for i in range(j + 1, N - 1):
        ph = np.exp(1j * k0 * n[i] * d[i - 1])
        At = A[i] * ph
        Bt = ru * At if i == j + 1 else B[i] / ph
        A[i + 1], B[i + 1] = interface_up(n[i], n[i + 1], At, Bt)
    z = np.atleast_1d(np.asarray(z_um, float))
    out = np.empty(z.size)
    bottoms = np.concatenate([[zi[0]], zi[:-1], [zi[-1]]])  # bottom of medium i (below: z=0 reference)
    for q, zz in enumerate(z):
        i = int(np.searchsorted(zi, zz, side="right"))  # 0 below, 1..L layers, L+1 above
        i = min(i, N - 1)
        loc = zz - (bottoms[i] if i >= 1 else 0.0)
        E = A[i] * np.exp(1j * k0 * n[i] * loc) + B[i] * np.exp(-1j * k0 * n[i] * loc)
        out[q] = abs(E) ** 2
    return out / out.max()


def layer_absorption(stack: Stack, wavelength_um: float, angle_deg: float = 0.0, pol: str = "s",
                     model: str = "table") -> np.ndarray:
    """Fraction of the incident power (from below) absorbed in each finite layer (tmm package,
    through sims.transfer_matrix.coherent)."""
    from sims.transfer_matrix import coherent

    n = list(stack_indices(stack, np.array([wavelength_um]), model)[:, 0])
    d = [np.inf] + [l.thickness_um for l in stack.layers] + [np.inf]
    return coherent(pol, n, d, np.radians(angle_deg), wavelength_um, per_layer=True)["absorbed"][1:-1]
