"""Helpers shared by the kernels: channel layout, guarded division, and ``np.sum``'s pairwise
summation in compiled code."""

from __future__ import annotations

import numba
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


@numba.njit(cache=True, nogil=True)
def _pairwise_block(a: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise sum of ``a[start:start + n]`` for ``n <= 128`` (8 accumulators)."""
    if n < 8:
        res = 0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r = a[start : start + 8].copy()
    i = start + 8
    while i < start + n - n % 8:
        for j in range(8):
            r[j] += a[i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < start + n:
        res += a[i]
        i += 1
    return res


@numba.njit(cache=True, nogil=True)
def _pairwise_sum(a: np.ndarray) -> float:
    """``np.sum`` of a 1-D float64 array bit for bit: numpy's pairwise summation (blocks of
    at most 128 summed by :func:`_pairwise_block`, halves split at a multiple of 8), with the
    recursion unrolled on an explicit stack (numba cannot cache recursive functions)."""
    n = a.size
    if n <= 128:
        return _pairwise_block(a, 0, n)
    start = np.empty(64, dtype=np.int64)  # frames: a[start:start + size], the left half's sum
    size = np.empty(64, dtype=np.int64)
    left = np.empty(64)
    left_done = np.zeros(64, dtype=np.bool_)
    top = 0
    start[0] = 0
    size[0] = n
    while True:
        m = size[top]
        if m > 128:  # descend into the left half
            half = m // 2 - (m // 2) % 8
            top += 1
            start[top] = start[top - 1]
            size[top] = half
            left_done[top] = False
            continue
        value = _pairwise_block(a, start[top], m)
        top -= 1
        while top >= 0 and left_done[top]:  # both halves done: combine and go up
            value = left[top] + value
            top -= 1
        if top < 0:
            return value
        left[top] = value  # the left half is done: descend into the right half
        left_done[top] = True
        half = size[top] // 2 - (size[top] // 2) % 8
        top += 1
        start[top] = start[top - 1] + half
        size[top] = size[top - 1] - half
        left_done[top] = False


@numba.njit(cache=True, nogil=True)
def _squared_magnitude(z: np.ndarray, factor: float, out: np.ndarray) -> None:
    """``out = |z|^2`` (``re * re + im * im``) of a 2-D complex array, times ``factor`` unless
    it is 1."""
    n_rows, n = z.shape
    for i in range(n_rows):
        for j in range(n):
            re = z[i, j].real
            im = z[i, j].imag
            out[i, j] = re * re + im * im
        if factor != 1.0:
            for j in range(n):
                out[i, j] *= factor
