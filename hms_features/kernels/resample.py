"""Down-sampling of band-limited signals: plain slicing and the anti-aliased FIR of
:func:`scipy.signal.resample_poly`, computed by a compiled kernel with the filter designed once.
"""

from __future__ import annotations

from functools import lru_cache

import numba
import numpy as np
from scipy import signal as sps

from hms_features.kernels.utils import time_major

#: Half-length (in output samples) of the anti-alias FIR, as in :func:`scipy.signal.resample_poly`.
_FIR_HALF_PERIODS: int = 10
#: Kaiser window of that FIR, as in :func:`scipy.signal.resample_poly`.
_FIR_WINDOW: tuple[str, float] = ("kaiser", 5.0)


def decimate_by_slicing(x: np.ndarray, fs: float, target_fs: float = 100.0) -> np.ndarray:
    """Keep every ``round(fs / target_fs)``-th sample (no filter: the input must be low-passed).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Band-limited signals (e.g. the preprocessed 0.5-40 Hz bipolar EEG), microvolts.
    fs, target_fs : float
        Input and wanted sampling rates in Hz.

    Returns
    -------
    ndarray, shape (n_channels, ceil(n_times / step)), C-contiguous float64, microvolts.

    Examples
    --------
    >>> import numpy as np
    >>> decimate_by_slicing(np.arange(8.0)[None, :], 200.0, 100.0)
    array([[0., 2., 4., 6.]])
    """
    step = max(1, int(round(fs / target_fs)))
    return np.ascontiguousarray(x[:, ::step], dtype=np.float64)


@lru_cache(maxsize=8)
def _antialias_filter(step: int) -> np.ndarray:
    """The low-pass FIR that ``scipy.signal.resample_poly(x, 1, step)`` designs (read-only).

    ``20 step + 1`` taps, cutoff at the output Nyquist frequency, Kaiser window (beta 5).
    """
    half_len = _FIR_HALF_PERIODS * step
    h = sps.firwin(2 * half_len + 1, 1.0 / step, window=_FIR_WINDOW)
    h.flags.writeable = False
    return h


@numba.njit(cache=True, nogil=True)
def _fir_decimate(xt: np.ndarray, h: np.ndarray, step: int) -> np.ndarray:
    """Filter the columns of ``xt`` (n_in, n_ch) with the odd-length FIR ``h`` centred on each
    kept sample, keeping every ``step``-th: ``out[m] = sum_i h[m step + half - i] x[i]`` over
    ``0 <= i < n_in`` (zero padding outside), shape (ceil(n_in / step), n_ch).

    Each sum is accumulated in increasing ``i`` from zero, the order of
    :func:`scipy.signal.upfirdn`, so the result equals ``resample_poly(x, 1, step)`` (to the
    last bit, as checked in the tests); the tap loop is outermost so that the additions of
    different outputs and channels are independent.
    """
    n_in, n_ch = xt.shape
    half = (h.size - 1) // 2
    n_out = (n_in + step - 1) // step
    out = np.zeros((n_out, n_ch))
    for j in range(h.size - 1, -1, -1):  # decreasing tap = increasing input sample
        hj = h[j]
        d = j - half  # input sample m * step - d
        m_lo = max(0, -(-d // step))
        m_hi = min(n_out - 1, (n_in - 1 + d) // step)
        for m in range(m_lo, m_hi + 1):
            i = m * step - d
            for c in range(n_ch):
                out[m, c] += xt[i, c] * hj
    return out


def resample_time_major(xt: np.ndarray, fs: float, target_fs: float) -> np.ndarray:
    """:func:`resample_for_sample_entropy` of a time-major ``(n_times, n_channels)`` array
    (:func:`~hms_features.kernels.utils.time_major`), in the same layout.

    Examples
    --------
    >>> import numpy as np
    >>> resample_time_major(np.ones((400, 2)), 200.0, 50.0).shape
    (100, 2)
    """
    step = max(1, int(round(fs / target_fs)))
    if step == 1:
        return np.array(xt, dtype=np.float64, order="C")
    return _fir_decimate(np.ascontiguousarray(xt, dtype=np.float64), _antialias_filter(step), step)


def resample_for_sample_entropy(x: np.ndarray, fs: float, target_fs: float = 50.0) -> np.ndarray:
    """Anti-aliased down-sampling by ``step = round(fs / target_fs)``.

    Equal to ``scipy.signal.resample_poly(x, 1, step, axis=-1)`` (its Kaiser-windowed sinc FIR
    of ``20 step + 1`` taps, zero padding at the ends), computed by a compiled kernel with the
    filter designed once.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Band-limited signals, microvolts.
    fs, target_fs : float
        Input and wanted sampling rates in Hz.

    Returns
    -------
    ndarray, shape (n_channels, ceil(n_times / step)), C-contiguous float64, microvolts.

    References
    ----------
    :func:`scipy.signal.resample_poly` (the same values to the last bit).

    Examples
    --------
    A 2 Hz sine at 100 Hz keeps its amplitude at 50 Hz; a 35 Hz one (above the new Nyquist
    frequency, 25 Hz) is removed instead of aliased:

    >>> import numpy as np
    >>> t = np.arange(1000) / 100.0
    >>> x = np.vstack([np.sin(2 * np.pi * 2.0 * t), np.sin(2 * np.pi * 35.0 * t)])
    >>> y = resample_for_sample_entropy(x, 100.0, 50.0)
    >>> y.shape, np.round(np.abs(y[:, 50:-50]).max(axis=1), 2)
    ((2, 500), array([1., 0.]))
    """
    x = np.asarray(x, dtype=np.float64)
    return np.ascontiguousarray(resample_time_major(time_major(x), fs, target_fs).T)
