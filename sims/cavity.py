"""The cavity area's public names in one namespace (``from sims import cavity as C``).

Each building block lives in the module named after what it computes; this module only
gathers their public names for the steps and the other areas that use them:

* ``sims.cavity_media``: the media as each simulation sees them (``model`` "table", "meep",
  "meep_lossless"), their indices and Meep media;
* ``sims.cavity_round_trip``: transfer-matrix modes (round-trip phase condition, complex pole,
  characteristic-matrix product), Lorentzian linewidth;
* ``sims.cavity_confinement``: penetration depths, effective length, confinement, mode profile,
  layer absorption;
* ``sims.cavity_calibration``: the calibrated (working) config of a stack;
* ``sims.cavity_checks``: config checks of the cavity section (registered on import);
* Meep side: ``sims.cavity_modes`` (1D/2D Harminv, flux spectra), ``sims.cavity_study`` (one
  cavity end to end), ``sims.cavity_lateral`` (finite crystal width).
"""

from __future__ import annotations

from sims import cavity_checks
from sims.cavity_calibration import (CALIBRATION_PARAMETERS, calibrate, calibration_entry,
                                     calibration_label, calibration_value, calibration_variants,
                                     solve_calibration, stack_for, with_parameter, working_config)
from sims.cavity_confinement import (confinement_from_profile, layer_absorption, penetration_depths,
                                     tmm_mode_profile)
from sims.cavity_media import (MODELS, cavity_medium, lossless_library_epsilon, lossless_meep_medium,
                               material_index, meep_epsilon_analytic, stack_indices)
from sims.cavity_round_trip import (SIMD_SAFE_POINTS, CavityError, TMMMode, cavity_modes_tmm,
                                    characteristic_product, complex_pole, find_modes, group_layer_index,
                                    lorentzian_q, nearest_mode, reflection, round_trip, spectrum_q, stack_rt)

__all__ = [
    "cavity_checks",
    "CALIBRATION_PARAMETERS",
    "calibrate",
    "calibration_entry",
    "calibration_label",
    "calibration_value",
    "calibration_variants",
    "solve_calibration",
    "stack_for",
    "with_parameter",
    "working_config",
    "confinement_from_profile",
    "layer_absorption",
    "penetration_depths",
    "tmm_mode_profile",
    "MODELS",
    "cavity_medium",
    "lossless_library_epsilon",
    "lossless_meep_medium",
    "material_index",
    "meep_epsilon_analytic",
    "stack_indices",
    "SIMD_SAFE_POINTS",
    "CavityError",
    "TMMMode",
    "cavity_modes_tmm",
    "characteristic_product",
    "complex_pole",
    "find_modes",
    "group_layer_index",
    "lorentzian_q",
    "nearest_mode",
    "reflection",
    "round_trip",
    "spectrum_q",
    "stack_rt",
]
