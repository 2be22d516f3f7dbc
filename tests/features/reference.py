"""Plain numpy reference implementations that the fast kernels are checked against."""

from __future__ import annotations

import numpy as np


def sorted_percentiles(sorted_x: np.ndarray, q: list[float]) -> np.ndarray:
    """Percentiles of already sorted rows, with numpy's default linear interpolation.

    Equal to ``np.percentile(x, q, axis=-1)`` for ``sorted_x = np.sort(x, axis=-1)``: the
    definition that :func:`hms_features.kernels.percentiles.select_percentiles` must reproduce
    exactly (the same order statistics and the same interpolation ``a + frac * (b - a)``).

    Returns
    -------
    ndarray, shape (len(q), n_channels)
    """
    n = sorted_x.shape[-1]
    pos = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    if n < 1 or not np.all((pos >= 0) & (pos <= n - 1)):  # also rejects NaN
        raise ValueError(f"percentiles must be in [0, 100] of a non-empty row; got {q} of {n}")
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo)[:, None]
    a, b = sorted_x[:, lo].T, sorted_x[:, hi].T
    return a + frac * (b - a)
