"""The whole configuration check: the schema, then the physics checks of every step.

:mod:`sims.config` holds the schema check, the registry of physics checks and the checks of the
shared sections; each step module registers the checks of its own section when imported. This
module imports them all (it is the only module that does), so :func:`physics_problems` runs every
check; :func:`validate_config` and :func:`load_config` are the entry points. Run as
``python -m sims.config_checks`` it checks a config read from stdin (how the Snakemake process,
which must not import meep, checks the config: :func:`sims.config.physics_problems_subprocess`).
"""

from __future__ import annotations

import copy
from pathlib import Path

# imported in this order, the order their problems are listed in
from sims import cavity, transfer, threshold, mirror_spectra, emission, emission_nearfar, sweeps, transfer_fullwave, laser_output  # noqa: I001,E501
from sims.config import DEFAULT_CONFIG, ConfigError, deep_update, read_yaml, registered_problems, schema_check

# the step modules whose import registers the checks of their config sections (sims.config.register_check)
STEP_MODULES = (cavity, transfer, threshold, mirror_spectra, emission, emission_nearfar, sweeps, transfer_fullwave,
                laser_output)


def physics_problems(config: dict) -> list[tuple[str, str]]:
    """(key, reason) of every physics check of the shared sections and of every step."""
    return registered_problems(config)


def validate_config(config: dict) -> dict:
    """Schema (with defaults) then physics checks; returns the completed config (a copy)."""
    config = copy.deepcopy(config)
    schema_problems = schema_check(config)
    if schema_problems:
        raise ConfigError(schema_problems)
    problems = physics_problems(config)
    if problems:
        raise ConfigError(problems)
    return config


def load_config(*paths: str | Path) -> dict:
    """Read config.yaml (and optional override files, merged in order) and validate."""
    config: dict = {}
    for p in paths or (DEFAULT_CONFIG,):
        config = deep_update(config, read_yaml(p))
    return validate_config(config)


def _main() -> None:
    import json
    import sys

    print("CONFIG_PROBLEMS " + json.dumps(physics_problems(json.load(sys.stdin))), flush=True)


if __name__ == "__main__":
    _main()
