"""Helpers shared by the kernels: channel layout and guarded division."""

from __future__ import annotations

import numpy as np


def time_major(x: np.ndarray) -> np.ndarray:
    """``(n_channels, n_times)`` -> C-contiguous float64 ``(n_times, n_channels)`` (a copy).

    The compiled kernels of :mod:`~hms_features.kernels.entropy` and
    :mod:`~hms_features.kernels.fractal` sweep time in the outer loop and update all channels at
    once, so they take this layout.

    Examples
    --------
    >>> import numpy as np
    >>> time_major(np.arange(6.0).reshape(2, 3))
    array([[0., 3.],
           [1., 4.],
           [2., 5.]])
    """
    return np.ascontiguousarray(np.asarray(x, dtype=np.float64).T)


def plogp(p: np.ndarray, log=np.log) -> np.ndarray:
    """``p log(p)`` elementwise, 0 where ``p <= 0`` (the limit at 0): the terms of a Shannon
    entropy ``-sum p log p``, in nats with :func:`numpy.log`, bits with :func:`numpy.log2`.

    Examples
    --------
    >>> import numpy as np
    >>> p = np.array([0.5, 0.5, 0.0])
    >>> print(float(-plogp(p, np.log2).sum()))
    1.0
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0.0, p * log(np.where(p > 0.0, p, 1.0)), 0.0)


def safe_divide(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """``a / b`` where ``b > floor``, else 0 (no warning, no NaN).

    The guard of every normalised quantity (relative powers and energies, asymmetries): a
    channel or region without power takes the neutral value 0.

    Examples
    --------
    >>> import numpy as np
    >>> safe_divide(np.array([1.0, 2.0]), np.array([4.0, 0.0]))
    array([0.25, 0.  ])
    """
    ok = b > floor
    return np.where(ok, a / np.where(ok, b, 1.0), 0.0)
