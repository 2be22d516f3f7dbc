"""Shared fixtures: the genuine sample files, a seeded generator and the session's example.

The helpers they are built from are in ``tests/helpers.py``. Pytest puts this folder on the
import path (``conftest.py`` outside a package), so every test imports ``helpers`` directly.
"""

from __future__ import annotations

import signal
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


def _sigint_state() -> tuple:
    """This process's Ctrl-C: its handler and whether the main thread blocks it."""
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return signal.getsignal(signal.SIGINT), blocked


@pytest.fixture(autouse=True)
def _ctrl_c_left_as_found(request: pytest.FixtureRequest):
    """No test may leave the test process with SIGINT ignored, handled elsewhere or blocked:
    code that does so breaks Ctrl-C for the user, and every child the suite starts later
    inherits it."""
    before = _sigint_state()
    yield
    after = _sigint_state()
    if after != before:
        signal.signal(signal.SIGINT, before[0])
        signal.pthread_sigmask(
            signal.SIG_UNBLOCK if not before[1] else signal.SIG_BLOCK, [signal.SIGINT]
        )
        pytest.fail(f"{request.node.nodeid} left SIGINT as {after} (was {before})")
