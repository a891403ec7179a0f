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
    from sims.config import load_config

    return load_config(REPO / "config.yaml")


@pytest.fixture(scope="session")
def quick_config():
    """config.yaml with presets/quick.yaml merged over it."""
    from sims.config import load_config

    return load_config(REPO / "config.yaml", REPO / "presets" / "quick.yaml")
