"""Autocorrelation of rows (one zero-padded real FFT) and its fundamental peak.

A periodic envelope (discharges every ``T`` s) has autocorrelation peaks at ``T, 2T, ...``;
:func:`acf_peak` picks the fundamental one, refined by parabolic interpolation.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import fft as sp_fft

from hms_features.kernels.utils import _pairwise_sum, _squared_magnitude


def autocorrelation(e: np.ndarray, max_lag: int | None = None) -> np.ndarray:
    """Normalised (biased) autocorrelation of each row, via one zero-padded FFT.

    ``r[k] = sum_t (e[t] - mean)(e[t+k] - mean) / sum_t (e[t] - mean)^2`` for
    ``k = 0..max_lag`` (default: all lags); a constant row gives all zeros. Padding to
    ``n + max_lag + 1`` samples is enough to keep the circular FFT correlation exact.

    Parameters
    ----------
    e : ndarray, shape (n_rows, n)
        Signals (any unit; the result is dimensionless).
    max_lag : int, optional
        Largest lag in samples (at most ``n - 1``, the default).

    Returns
    -------
    ndarray, shape (n_rows, max_lag + 1)
        -1 to 1; ``r[0] = 1`` except for a constant row (all 0).

    References
    ----------
    The biased estimator of Box & Jenkins (1976), *Time Series Analysis*, sec. 2.1.5, as
    ``np.correlate(e - mean, e - mean, "full")`` normalised by its lag-0 value.

    Examples
    --------
    A sine of period 1 s sampled at 50 Hz (10 s): -0.5 at half a period (the biased estimator
    tapers by ``1 - k / n``), 0.9 at one period; a constant row gives zeros.

    >>> import numpy as np
    >>> t = np.arange(500) / 50.0
    >>> acf = autocorrelation(np.vstack([np.sin(2 * np.pi * t), np.ones(500)]), max_lag=50)
    >>> np.round(acf[:, [0, 25, 50]], 3)
    array([[ 1. , -0.95,  0.9 ],
           [ 0. ,  0. ,  0. ]])
    """
    n = e.shape[1]
    max_lag = n - 1 if max_lag is None else min(int(max_lag), n - 1)
    raw, top = _raw_autocorrelation(np.ascontiguousarray(e, dtype=np.float64), max_lag)
    acf = np.empty((e.shape[0], max_lag + 1))
    _normalise_acf(raw, top, n, acf)
    return acf


def _raw_autocorrelation(e: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """``sum_t (e[t] - mean)(e[t+k] - mean)`` of each row at lags ``k = 0..`` (at least
    ``max_lag <= n - 1``; more columns may follow), by a real FFT of a zero-padded length, and
    ``max |e|`` of each row."""
    n = e.shape[1]
    n_fft = sp_fft.next_fast_len(n + max_lag + 1, real=True)
    centred = np.empty((e.shape[0], n_fft))
    top = np.empty(e.shape[0])
    _centre_rows(e, centred, top)
    spec = sp_fft.rfft(centred, axis=1, overwrite_x=True)
    power = np.empty(spec.shape)
    _squared_magnitude(spec, 1.0, power)
    return sp_fft.irfft(power, n=n_fft, axis=1, overwrite_x=True), top


@numba.njit(cache=True, nogil=True)
def _centre_rows(e: np.ndarray, centred: np.ndarray, top: np.ndarray) -> None:
    """``centred[:, :n] = e - mean`` (the mean as ``np.mean``, bit for bit), 0 beyond, and
    ``top = max |e|`` per row."""
    n = e.shape[1]
    for i in range(e.shape[0]):
        row = e[i]
        mean = _pairwise_sum(row) / n
        peak = 0.0
        for t in range(n):
            centred[i, t] = row[t] - mean
            peak = max(peak, abs(row[t]))
        centred[i, n:] = 0.0
        top[i] = peak


@numba.njit(cache=True, nogil=True)
def _normalise_acf(raw: np.ndarray, top: np.ndarray, n: int, out: np.ndarray) -> None:
    """``out = raw[:, :out.shape[1]] / raw[:, :1]``, or 0 for a (numerically) constant row:
    lag-0 sum below ``1e-20 * max|e|^2 * n`` (``top = max|e|``, ``n`` samples)."""
    for i in range(out.shape[0]):
        scale = max(top[i], 1e-300)
        zero = raw[i, 0]
        ok = zero > 1e-20 * scale * scale * n
        denominator = zero if zero > 0 else 1.0
        for k in range(out.shape[1]):
            out[i, k] = raw[i, k] / denominator if ok else 0.0


def acf_peak(
    acf: np.ndarray,
    fs: float,
    lag_range: tuple[float, float] = (0.3, 4.0),
    tolerance: float = 0.9,
) -> tuple[np.ndarray, np.ndarray]:
    """Height and lag (s) of the fundamental autocorrelation peak of each row in ``lag_range``.

    Local maxima (``r[k-1] < r[k] >= r[k+1]``) are refined by a parabola through the three
    points (vertex height and lag). The chosen peak is the one at the shortest lag whose height
    is at least ``tolerance`` times the highest one: a period ``T`` also gives peaks at
    ``2T, 3T, ...``, nearly as high. Rows without a local maximum get height 0 and lag 0.

    Parameters
    ----------
    acf : ndarray, shape (n_rows, n_lags)
        Autocorrelations at lags ``0..n_lags - 1`` samples (:func:`autocorrelation`).
    fs : float
        Sampling rate in Hz (lags ``k / fs`` s).
    lag_range : (float, float)
        Lags searched, in seconds (default 0.3-4 s, the periodicity family's).
    tolerance : float
        Fraction of the highest peak the fundamental must reach (default 0.9).

    Returns
    -------
    height : ndarray, shape (n_rows,)
        Vertex height, -1 to 1 (0 without a peak).
    lag : ndarray, shape (n_rows,)
        Vertex lag in seconds (0 without a peak).

    References
    ----------
    Quadratic interpolation of peaks: Smith & Serra (1987), PARSHL, ICMC.

    Examples
    --------
    A sine of period 1.3 s at 50 Hz (50 s): the fundamental at 1.3 s, not its multiples; a
    monotonic autocorrelation has no peak.

    >>> import numpy as np
    >>> t = np.arange(2500) / 50.0
    >>> acf = autocorrelation(np.sin(2 * np.pi * t / 1.3)[None, :], max_lag=201)
    >>> height, lag = acf_peak(acf, 50.0)
    >>> np.round(height, 3), np.round(lag, 3)
    (array([0.974]), array([1.3]))
    >>> acf_peak(np.linspace(1, 0, 201)[None, :], 50.0)
    (array([0.]), array([0.]))
    """
    n_rows, n = acf.shape
    k0 = max(1, int(np.ceil(lag_range[0] * fs)))
    k1 = min(n - 2, int(np.floor(lag_range[1] * fs)))
    if k1 < k0:
        return np.zeros(n_rows), np.zeros(n_rows)
    return _acf_peaks(np.asarray(acf, dtype=np.float64), k0, k1, float(fs), float(tolerance))


@numba.njit(cache=True, nogil=True)
def _acf_peaks(
    acf: np.ndarray, k0: int, k1: int, fs: float, tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`acf_peak` over the lags ``k0..k1`` (samples, ``1 <= k0 <= k1 <= n - 2``)."""
    n_rows = acf.shape[0]
    n_k = k1 - k0 + 1
    height = np.zeros(n_rows)
    lag = np.zeros(n_rows)
    vertex = np.empty(n_k)
    shift = np.empty(n_k)
    is_peak = np.empty(n_k, dtype=np.bool_)
    for i in range(n_rows):
        best = -np.inf
        has = False
        for j in range(n_k):
            y0 = acf[i, k0 + j - 1]
            y1 = acf[i, k0 + j]
            y2 = acf[i, k0 + j + 1]
            is_peak[j] = y1 > y0 and y1 >= y2
            curvature = y0 - 2.0 * y1 + y2
            if curvature < 0:  # the vertex of the parabola through the three points
                shift[j] = min(max(0.5 * (y0 - y2) / curvature, -0.5), 0.5)
                vertex[j] = y1 - 0.25 * (y0 - y2) * shift[j]
            else:
                shift[j] = 0.0
                vertex[j] = y1
            if is_peak[j]:
                has = True
                best = max(best, vertex[j])
        if not has:
            continue
        # the shortest lag within tolerance of the highest (a period T also peaks at 2T, 3T)
        limit = tolerance * best if best > 0 else best
        for j in range(n_k):
            if is_peak[j] and vertex[j] >= limit:
                height[i] = vertex[j]
                lag[i] = (k0 + j + shift[j]) / fs
                break
    return height, lag
