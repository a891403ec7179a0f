"""Shared fixtures and the one relative-error helper the physics tests compare with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def rel_err(value, reference) -> float:
    """max |value - reference| / |reference| over all elements."""
    value, reference = np.asarray(value, dtype=complex), np.asarray(reference, dtype=complex)
    return float(np.max(np.abs(value - reference) / np.abs(reference)))


@pytest.fixture(scope="session")
def config():
    """The default config.yaml, validated, defaults filled."""
    from sims.config_checks import load_config

    return load_config(REPO / "config.yaml")


@pytest.fixture(scope="session")
def quick_config():
    """config.yaml with presets/quick.yaml merged over it."""
    from sims.config_checks import load_config

    return load_config(REPO / "config.yaml", REPO / "presets" / "quick.yaml")


def clean_env(**extra) -> dict:
    """The environment this interpreter started with, minus MPI runtime variables.

    Importing meep in the test process runs a singleton MPI_Init, which sets Open MPI/PMIx
    variables in the C environment; a child `mpirun` that inherits them fails. Children
    (Snakemake, mpirun) get this copy instead: os.environ is Python's start-up snapshot.
    """
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMIX_", "ORTE_", "OPAL_"))}
    env.update(extra)
    return env
