"""Shared fixtures: the genuine sample files and small synthetic inputs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def samples_dir() -> Path:
    """The genuine HMS files: $HMS_SAMPLES_DIR, else ../shared/data/hms_samples beside the repo."""
    env = os.environ.get("HMS_SAMPLES_DIR")
    return Path(env) if env else ROOT.parent / "shared" / "data" / "hms_samples"


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
