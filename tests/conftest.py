"""Shared fixtures: the genuine sample files, a seeded generator and the session's example.

The helpers they are built from are in ``tests/helpers.py``. Pytest puts this folder on the
import path (``conftest.py`` outside a package), so every test imports ``helpers`` directly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import ExamplePaths, samples_dir, session_example


@pytest.fixture(scope="session")
def hms_samples() -> Path:
    """Path of the genuine sample files; skips the test where they are absent."""
    path = samples_dir()
    if not (path / "train.csv").is_file():
        pytest.skip(f"genuine HMS sample files not found at {path} (set HMS_SAMPLES_DIR)")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def example(tmp_path_factory) -> ExamplePaths:
    """The synthetic example (data set, features, 3-fold model in the demo's layout), built
    once per session (about a minute) and shared by the explain, score and notebook tests."""
    return session_example(tmp_path_factory.getbasetemp())
