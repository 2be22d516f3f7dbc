"""Shared set-up of the feature-family tests."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread, as in the factory's workers (small products are slow with contention)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
