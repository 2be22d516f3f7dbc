"""Hjorth parameters: activity (uV^2), mobility (a mean frequency, Hz) and complexity.

With ``d1 = diff(x)`` and ``d2 = diff(x, 2)`` (first and second differences):

- activity ``A = var(x)`` (uV^2);
- mobility ``M = sqrt(var(d1) / var(x))``, in radians per sample; reported here in
  **Hz-equivalent** units, ``M * fs / (2 pi)``. For a sine of frequency ``f`` the discrete closed
  form is ``(fs / pi) * sin(pi f / fs)``, i.e. ``f`` to within 1% below 15 Hz at 200 Hz;
- complexity ``C = M(d1) / M(x) = sqrt(var(d2) var(x)) / var(d1)``, dimensionless: 1 for a pure
  sine, larger for broadband or irregular signals.

A flat channel (variance below ``FLAT_MICROVOLTS**2``) gets mobility 0 and complexity 0.

References
----------
Hjorth (1970), EEG analysis based on time domain properties, Electroencephalogr. Clin.
Neurophysiol. 29: 306-310; mne-features ``compute_hjorth_mobility`` and
``compute_hjorth_complexity`` (which use spectral moments instead of differences).
"""

from __future__ import annotations

import numba
import numpy as np

from hms_features.kernels.amplitude import FLAT_MICROVOLTS


@numba.njit(cache=True, nogil=True)
def _variances_kernel(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    n_ch, n = x.shape
    out = np.zeros((n_ch, 3))
    for c in range(n_ch):
        row = x[c]
        mean = 0.0
        for i in range(n):
            mean += row[i]
        mean /= n
        s0 = s1 = q1 = s2 = q2 = 0.0
        prev_d1 = 0.0
        for i in range(n):
            v = row[i] - mean
            s0 += v * v
            if i >= 1:
                d1 = row[i] - row[i - 1]
                s1 += d1
                q1 += d1 * d1
                if i >= 2:
                    d2 = d1 - prev_d1
                    s2 += d2
                    q2 += d2 * d2
                prev_d1 = d1
        out[c, 0] = s0 / n
        if n > 1:
            m1 = s1 / (n - 1)
            out[c, 1] = max(q1 / (n - 1) - m1 * m1, 0.0)
        if n > 2:
            m2 = s2 / (n - 2)
            out[c, 2] = max(q2 / (n - 2) - m2 * m2, 0.0)
    return out


def _variances(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variances of x, its first and its second difference along the last axis.

    One compiled pass per channel (no difference arrays are materialised), shape (n_channels,)
    each, in uV^2.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    v = _variances_kernel(x.reshape(-1, x.shape[-1]))
    shape = x.shape[:-1]
    return v[:, 0].reshape(shape), v[:, 1].reshape(shape), v[:, 2].reshape(shape)


def hjorth_activity(x: np.ndarray) -> np.ndarray:
    """Hjorth activity: the variance of each channel.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        uV^2.

    Examples
    --------
    A sine of amplitude 10 uV has variance 50 uV^2:

    >>> import numpy as np
    >>> x = 10.0 * np.sin(2 * np.pi * np.arange(10_000) / 40.0)[None, :]
    >>> print(round(float(hjorth_activity(x)[0]), 3))
    50.0
    """
    return np.var(x, axis=-1)


def hjorth_parameters(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Hjorth mobility (Hz) and complexity (dimensionless) from one compiled pass over ``x``.

    See :func:`hjorth_mobility` and :func:`hjorth_complexity`.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    mobility, complexity : ndarray, shape (n_channels,)
        Hz and dimensionless; both 0 for a flat channel.

    Examples
    --------
    A 5 Hz sine at 200 Hz: mobility ``(fs / pi) sin(pi f / fs)`` just under 5 Hz, complexity 1;
    seeded white noise: mobility ``fs / (2 pi) sqrt(2)``, complexity ``sqrt(3 / 2)``.

    >>> import numpy as np
    >>> t = np.arange(10_000) / 200.0
    >>> noise = np.random.default_rng(0).standard_normal(10_000)
    >>> x = np.vstack([np.sin(2 * np.pi * 5.0 * t), noise])
    >>> mobility, complexity = hjorth_parameters(x, 200.0)
    >>> np.round(mobility, 2), np.round(complexity, 2)
    (array([ 4.99, 45.02]), array([1.  , 1.23]))
    """
    v0, v1, v2 = _variances(x)
    ok0 = v0 > FLAT_MICROVOLTS**2
    ok1 = v1 > 0.0
    m0 = np.sqrt(np.where(ok0, v1, 0.0) / np.where(ok0, v0, 1.0))
    m1 = np.sqrt(np.where(ok1, v2, 0.0) / np.where(ok1, v1, 1.0))
    mobility = m0 * fs / (2.0 * np.pi)
    complexity = np.where(ok0 & ok1, m1 / np.where(m0 > 0, m0, 1.0), 0.0)
    return mobility, complexity


def hjorth_mobility(x: np.ndarray, fs: float) -> np.ndarray:
    """Hjorth mobility in Hz-equivalent units: ``sqrt(var(diff x) / var(x)) * fs / (2 pi)``.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray, shape (n_channels,)
        Hz; ``(fs / pi) sin(pi f / fs)`` for a sine of ``f`` Hz; 0 for a flat channel.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(10_000) / 200.0
    >>> print(round(float(hjorth_mobility(np.sin(2 * np.pi * 10.0 * t)[None, :], 200.0)[0]), 3))
    9.958
    """
    return hjorth_parameters(x, fs)[0]


def hjorth_complexity(x: np.ndarray) -> np.ndarray:
    """Hjorth complexity ``M(diff x) / M(x)``, dimensionless (1 for a sine, 0 if flat).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        Dimensionless, >= 1 except for a flat channel (0).

    Examples
    --------
    >>> import numpy as np
    >>> sine = np.sin(2 * np.pi * np.arange(10_000) / 40.0)
    >>> print(round(float(hjorth_complexity(sine[None, :])[0]), 3))
    1.0
    """
    return hjorth_parameters(x, 1.0)[1]
