"""Fractal dimensions and detrended fluctuation analysis of each channel (compiled with numba).

Higuchi, Katz and Petrosian fractal dimensions and the DFA exponent; vectorised over channels
(time-major inside, :func:`~hms_features.kernels.utils.time_major`). The Higuchi and DFA sums
and the sign-change counts are accumulated in the order of a plain per-channel loop; the Katz
path length in another order (relative differences ~1e-13). Each function agrees with AntroPy's
1-D function on the same input. Undefined values (flat channel) take neutral values: fractal
dimensions :data:`FLAT_FRACTAL_DIMENSION` (a straight line), DFA exponent :data:`FLAT_DFA`.
"""

from __future__ import annotations

from functools import lru_cache
from math import floor, log

import numba
import numpy as np

from hms_features.kernels.trend import least_squares_slope
from hms_features.kernels.utils import time_major

#: Katz: the ratio d/a (farthest excursion over mean step) is floored at this value, so that
#: a pathological signal that never leaves its start stays finite (FD <= log10(n)/log10(1.5)).
KATZ_MIN_EXCURSION_RATIO: float = 1.5
#: Neutral values for a flat (zero-variance) channel.
FLAT_FRACTAL_DIMENSION: float = 1.0
FLAT_DFA: float = 0.5


@numba.njit(cache=True, nogil=True)
def _higuchi_log_lengths(xt: np.ndarray, kmax: int) -> tuple[np.ndarray, np.ndarray]:
    """``ln L(k)`` for k = 1..kmax, (n_ch, kmax) (0 where ``L(k) = 0``), and the path length
    ``sum |x[i+1] - x[i]|`` (n_ch,), of every column of ``xt`` (n_times, n_ch).

    For interval ``k`` the time-major samples are taken in blocks of ``k`` rows: block ``j``
    holds ``x[jk + m]`` for every offset ``m`` and channel, so one flat loop adds
    ``|x[(j+1)k + m] - x[jk + m]|`` to the partial sums of all offsets and channels at once,
    each still accumulated in increasing ``j`` as in the definition.
    """
    n, n_ch = xt.shape
    flat = xt.ravel()
    out = np.zeros((n_ch, kmax))
    path = np.zeros(n_ch)
    acc = np.empty(kmax * n_ch)  # [m * n_ch + channel]
    for k in range(1, kmax + 1):
        width = k * n_ch
        n_diff = n - k  # differences x[i + k] - x[i], i < n_diff
        n_blocks = n_diff // k
        acc[:width] = 0.0
        for j in range(n_blocks):
            base = j * width
            for e in range(width):
                acc[e] += abs(flat[base + width + e] - flat[base + e])
        base = n_blocks * width
        for e in range((n_diff - n_blocks * k) * n_ch):  # the offsets with one more step
            acc[e] += abs(flat[base + width + e] - flat[base + e])
        if k == 1:
            path[:] = acc[:n_ch]
        for c in range(n_ch):
            total = 0.0
            for m in range(k):
                n_m = (n - m - 1) // k
                total += acc[m * n_ch + c] * (n - 1) / (k * k * n_m)
            lk = total / k
            out[c, k - 1] = np.log(lk) if lk > 0 else 0.0
    return out, path


def higuchi_fd_tm(xt: np.ndarray, kmax: int) -> np.ndarray:
    """:func:`higuchi_fd` of a time-major array (:func:`~.utils.time_major`), to share one
    copy between several quantities of the same signal.

    >>> x = np.random.default_rng(0).standard_normal((2, 1000))
    >>> y = higuchi_fd_tm(time_major(x), 10)
    >>> bool(np.array_equal(y, higuchi_fd(x, 10)))
    True
    """
    n = xt.shape[0]
    if n <= 2 * kmax:
        raise ValueError(f"higuchi_fd needs more than {2 * kmax} samples; got {n}")
    log_l, path = _higuchi_log_lengths(xt, int(kmax))
    flat = ~(path > 0)  # no step differs from zero
    fd = least_squares_slope(np.log(1.0 / np.arange(1, kmax + 1)), log_l)
    return np.where(flat, FLAT_FRACTAL_DIMENSION, fd)


def higuchi_fd(x: np.ndarray, kmax: int = 10) -> np.ndarray:
    """Higuchi fractal dimension (Higuchi 1988) of every channel.

    For each interval ``k = 1..kmax`` and offset ``m = 0..k-1``:
    ``L_m(k) = (N - 1) / (k^2 N_m) * sum_{j=1}^{N_m} |x[m + jk] - x[m + (j-1)k]|`` with
    ``N_m = floor((N - m - 1) / k)``; ``L(k)`` is the mean over ``m``, and the dimension is the
    slope of ``ln L(k)`` against ``ln(1/k)``.

    Returns
    -------
    ndarray, shape (n_channels,)
        ~1 for a smooth curve, ~2 for white noise; :data:`FLAT_FRACTAL_DIMENSION` if flat.
    References
    ----------
    Higuchi (1988), Approach to an irregular time series on the basis of the fractal theory,
    Physica D 31: 277-283; the same values as AntroPy's ``higuchi_fd``.

    Examples
    --------
    A slow sine is a smooth curve (1), seeded white noise fills the plane (2):

    >>> import numpy as np
    >>> sine = np.sin(2 * np.pi * np.arange(5000) / 100.0)
    >>> noise = np.random.default_rng(0).standard_normal(5000)
    >>> np.round(higuchi_fd(np.vstack([sine, noise])), 2)
    array([1.01, 2.  ])
    """
    return higuchi_fd_tm(time_major(x), kmax)


@numba.njit(cache=True, nogil=True)
def _path_stats(xt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``xt`` (n_times, n_ch), in one sweep: the path length
    ``sum |x[i+1] - x[i]|``, the farthest excursion ``max |x[i] - x[0]|`` and the number of sign
    changes of the first difference (``np.signbit``: a zero difference counts as positive)."""
    n, n_ch = xt.shape
    length = np.zeros(n_ch)
    excursion = np.zeros(n_ch)
    n_delta = np.zeros(n_ch, dtype=np.int64)
    sign = np.zeros(n_ch, dtype=np.bool_)
    if n >= 2:
        for c in range(n_ch):
            sign[c] = np.signbit(xt[1, c] - xt[0, c])
    for i in range(n - 1):
        for c in range(n_ch):
            d = xt[i + 1, c] - xt[i, c]
            length[c] += abs(d)
            excursion[c] = max(excursion[c], abs(xt[i + 1, c] - xt[0, c]))
            s = np.signbit(d)
            n_delta[c] += s != sign[c]
            sign[c] = s
    return length, excursion, n_delta


def _katz_from_stats(length: np.ndarray, excursion: np.ndarray, n: int) -> np.ndarray:
    """Katz FD from the path length and farthest excursion of ``n`` samples."""
    a = length / (n - 1)  # mean step
    ok = a > 0
    a_safe = np.where(ok, a, 1.0)
    ratio = np.maximum(excursion / a_safe, KATZ_MIN_EXCURSION_RATIO)
    fd = np.log10(np.where(ok, length / a_safe, 1.0)) / np.log10(ratio)
    return np.where(ok, fd, FLAT_FRACTAL_DIMENSION)


def _petrosian_from_count(n_delta: np.ndarray, n: int) -> np.ndarray:
    """Petrosian FD from the number of slope sign changes of ``n`` samples."""
    return np.log10(n) / (np.log10(n) + np.log10(n / (n + 0.4 * n_delta)))


def katz_fd_tm(xt: np.ndarray) -> np.ndarray:
    """:func:`katz_fd` of a time-major array (:func:`~.utils.time_major`), to share one
    copy between several quantities of the same signal.

    >>> x = np.random.default_rng(0).standard_normal((2, 1000))
    >>> y = katz_fd_tm(time_major(x))
    >>> bool(np.array_equal(y, katz_fd(x)))
    True
    """
    length, excursion, _ = _path_stats(xt)
    return _katz_from_stats(length, excursion, xt.shape[0])


def petrosian_fd_tm(xt: np.ndarray) -> np.ndarray:
    """:func:`petrosian_fd` of a time-major array (:func:`~.utils.time_major`), to share one
    copy between several quantities of the same signal.

    >>> x = np.random.default_rng(0).standard_normal((2, 1000))
    >>> y = petrosian_fd_tm(time_major(x))
    >>> bool(np.array_equal(y, petrosian_fd(x)))
    True
    """
    return _petrosian_from_count(_path_stats(xt)[2], xt.shape[0])


def katz_fd(x: np.ndarray) -> np.ndarray:
    """Katz fractal dimension of every channel.

    ``D = log10(L / a) / log10(d / a)`` with ``L`` the total curve length (sum of
    ``|x[i+1] - x[i]|``), ``a`` the mean step and ``d`` the largest distance from the first
    sample. ``d / a`` is floored at :data:`KATZ_MIN_EXCURSION_RATIO` (never reached by EEG).

    Returns
    -------
    ndarray, shape (n_channels,)
        :data:`FLAT_FRACTAL_DIMENSION` for a flat channel.
    References
    ----------
    Katz (1988), Fractals and the analysis of waveforms, Comput. Biol. Med. 18: 145-156; the
    same values as AntroPy's ``katz_fd``.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.arange(1000.0)
    >>> noise = np.random.default_rng(0).standard_normal(1000)
    >>> np.round(katz_fd(np.vstack([ramp, noise])), 3)
    array([1.   , 5.334])
    """
    return katz_fd_tm(time_major(x))


def petrosian_fd(x: np.ndarray) -> np.ndarray:
    """Petrosian fractal dimension of every channel.

    ``P = log10(N) / (log10(N) + log10(N / (N + 0.4 N_delta)))`` with ``N`` the number of
    samples and ``N_delta`` the number of sign changes of the first difference (a zero
    difference counts as positive). Exactly 1 for a flat or monotonic signal.
    Dimensionless, just above 1 for irregular signals.

    References
    ----------
    Petrosian (1995), Kolmogorov complexity of finite sequences and recognition of different
    preictal EEG patterns, IEEE CBMS; the same values as AntroPy's ``petrosian_fd``.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.arange(1000.0)
    >>> noise = np.random.default_rng(0).standard_normal(1000)
    >>> np.round(petrosian_fd(np.vstack([ramp, noise])), 3)
    array([1.   , 1.036])
    """
    return petrosian_fd_tm(time_major(x))


def dfa_scales(
    n: int, min_n: int = 4, max_fraction: float = 0.1, factor: float = 1.2
) -> np.ndarray:
    """Box sizes (samples) of the DFA: ``min_n * factor^i`` floored, unique, up to ``0.1 n``.
    Examples
    --------
    >>> dfa_scales(100)
    array([4, 5, 6, 8, 9])
    """
    max_n = max_fraction * n
    if max_n <= min_n:
        return np.array([min_n], dtype=np.int64)
    max_i = int(floor(log(max_n / min_n) / log(factor)))
    sizes = [min_n]
    for i in range(max_i + 1):
        s = int(floor(min_n * factor**i))
        if s > sizes[-1]:
            sizes.append(s)
    return np.array(sizes, dtype=np.int64)


@lru_cache(maxsize=8)
def _dfa_scales_cached(n: int) -> np.ndarray:
    """:func:`dfa_scales` with its defaults, computed once per length (read-only)."""
    sizes = dfa_scales(n)
    sizes.flags.writeable = False
    return sizes


@numba.njit(cache=True, nogil=True)
def _dfa_fluctuations(xt: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``F(n)`` for every column of ``xt`` (n_times, n_ch) and box size, (n_ch, n_sizes); see
    :func:`dfa_exponent`."""
    n, n_ch = xt.shape
    mean = np.zeros(n_ch)
    for i in range(n):
        for c in range(n_ch):
            mean[c] += xt[i, c]
    for c in range(n_ch):
        mean[c] /= n
    # cumulative sums of the profile y, y^2 and t*y: cum[i] sums samples 0..i-1
    cum = np.empty((n + 1, 3, n_ch))
    cum[0] = 0.0
    y = np.zeros(n_ch)
    for i in range(n):
        for c in range(n_ch):
            yc = y[c] + (xt[i, c] - mean[c])
            y[c] = yc
            cum[i + 1, 0, c] = cum[i, 0, c] + yc
            cum[i + 1, 1, c] = cum[i, 1, c] + yc * yc
            cum[i + 1, 2, c] = cum[i, 2, c] + i * yc
    out = np.zeros((n_ch, sizes.size))
    acc = np.zeros(n_ch)
    for s in range(sizes.size):
        size = sizes[s]
        n_box = n // size
        t_mean = (size - 1) / 2.0
        sxx = size * (size * size - 1) / 12.0
        acc[:] = 0.0
        for box in range(n_box):
            b0 = box * size
            b1 = b0 + size
            for c in range(n_ch):
                s1 = cum[b1, 0, c] - cum[b0, 0, c]
                syy = cum[b1, 1, c] - cum[b0, 1, c] - s1 * s1 / size
                # sum of (t_local - t_mean) * y over the box
                sxy = cum[b1, 2, c] - cum[b0, 2, c] - b0 * s1 - t_mean * s1
                rss = syy - sxy * sxy / sxx
                acc[c] += rss / size if rss > 0 else 0.0
        for c in range(n_ch):
            out[c, s] = np.sqrt(acc[c] / n_box)
    return out


def dfa_exponent_tm(xt: np.ndarray) -> np.ndarray:
    """:func:`dfa_exponent` of a time-major array (:func:`~.utils.time_major`), to share one
    copy between several quantities of the same signal.

    >>> x = np.random.default_rng(0).standard_normal((2, 1000))
    >>> y = dfa_exponent_tm(time_major(x))
    >>> bool(np.array_equal(y, dfa_exponent(x)))
    True
    """
    sizes = _dfa_scales_cached(xt.shape[0])
    fluct = _dfa_fluctuations(xt, sizes)
    log_n = np.log(sizes.astype(np.float64))
    valid = fluct > 0
    out = np.full(xt.shape[1], FLAT_DFA)
    all_valid = valid.all(axis=1)
    if all_valid.any():
        out[all_valid] = least_squares_slope(log_n, np.log(fluct[all_valid]))
    for c in np.flatnonzero(~all_valid & (valid.sum(axis=1) >= 2)):  # rare: some scales flat
        out[c] = least_squares_slope(log_n[valid[c]], np.log(fluct[c, valid[c]])[None, :])[0]
    return out


def dfa_exponent(x: np.ndarray) -> np.ndarray:
    """Detrended fluctuation analysis exponent (Peng et al. 1994) of every channel.

    The profile ``y = cumsum(x - mean(x))`` is cut into non-overlapping boxes of ``n`` samples
    (:func:`dfa_scales`); in each box a straight line is fitted by least squares and
    ``F(n) = sqrt(mean over boxes of the mean squared residual)``. The exponent is the slope of
    ``ln F(n)`` against ``ln n`` (over the scales where ``F(n) > 0``). Box sums come from
    cumulative sums of ``y``, ``y^2`` and ``t y``, so each scale costs O(number of boxes).

    Returns
    -------
    ndarray, shape (n_channels,)
        :data:`FLAT_DFA` for a flat channel.
    References
    ----------
    Peng et al. (1994), Mosaic organization of DNA nucleotides, Phys. Rev. E 49: 1685-1689;
    the same values as AntroPy's ``detrended_fluctuation``.

    Examples
    --------
    Seeded white noise is uncorrelated (0.5); its cumulative sum, a random walk, gives 1.5:

    >>> import numpy as np
    >>> noise = np.random.default_rng(0).standard_normal(5000)
    >>> np.round(dfa_exponent(np.vstack([noise, np.cumsum(noise)])), 1)
    array([0.5, 1.5])
    """
    return dfa_exponent_tm(time_major(x))
