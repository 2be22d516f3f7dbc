"""Fixtures of the scoring tests: the session example's model."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_dir(example) -> Path:
    """The session example's small trained model (``tests/conftest.py``)."""
    return example.model
