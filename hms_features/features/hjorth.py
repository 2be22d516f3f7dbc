"""Hjorth parameters: mobility (a mean frequency, in Hz) and complexity (bandwidth, dimensionless).

With ``d1 = diff(x)`` and ``d2 = diff(x, 2)`` (first and second differences):

- activity ``A = var(x)`` (uV^2);
- mobility ``M = sqrt(var(d1) / var(x))``, in radians per sample; this module reports it in
  **Hz-equivalent** units, ``M * fs / (2 pi)``. For a sine of frequency ``f`` the discrete closed
  form is ``(fs / pi) * sin(pi f / fs)``, i.e. ``f`` to within 1% below 15 Hz at 200 Hz;
- complexity ``C = M(d1) / M(x) = sqrt(var(d2) var(x)) / var(d1)``, dimensionless: 1 for a pure
  sine, larger for broadband or irregular signals.

Activity is not emitted as a feature: it is exactly the square of the time family's ``std``
(a monotone transform, which a tree model cannot tell apart), so it would only split the
explanation of amplitude between two names. :func:`hjorth_activity` is kept for completeness.

A flat channel (variance below ``FLAT_MICROVOLTS**2``) gets mobility 0 and complexity 0.
Region values are the mean of the region's four chains.
"""

from __future__ import annotations

import numba
import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, declare, per_channel

#: A channel with a standard deviation below this (microvolts) is treated as flat.
FLAT_MICROVOLTS: float = 1e-6

DESCRIPTIONS = {
    "hjorth_mobility": "Hjorth mobility: the signal's mean frequency from the variance of its "
    "slope, sqrt(var(x')/var(x)) x fs/(2 pi), over the 50 s, Hz",
    "hjorth_mobility_10s": "Hjorth mobility: the signal's mean frequency from the variance of its "
    "slope, sqrt(var(x')/var(x)) x fs/(2 pi), over the labelled 10 s, Hz",
    "hjorth_complexity": "Hjorth complexity: mobility of the slope over mobility of the signal "
    "(1 for a pure sine, higher for irregular, broadband activity) over the 50 s, dimensionless",
}


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
    """Hjorth activity: the variance of each channel, uV^2. Shape (n_channels,)."""
    return np.var(x, axis=-1)


def hjorth_parameters(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Hjorth mobility (Hz) and complexity (dimensionless) from one pass over ``x``.

    See :func:`hjorth_mobility` and :func:`hjorth_complexity`; each is (n_channels,).
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
    """
    return hjorth_parameters(x, 1.0)[1]


def hjorth_features(ctx: WindowContext) -> dict[str, float]:
    """Hjorth mobility (Hz) and complexity per channel over the 50 s; mobility over the 10 s too."""
    mob, comp = hjorth_parameters(ctx.x, ctx.fs)
    mob_c, _ = hjorth_parameters(ctx.center, ctx.fs)
    out = per_channel("hjorth_mobility", mob)
    out.update(per_channel("hjorth_complexity", comp))
    out.update(per_channel("hjorth_mobility_10s", mob_c))
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
UNITS = {"hjorth_mobility": "Hz", "hjorth_mobility_10s": "Hz", "hjorth_complexity": "dimensionless"}
CONCEPTS = {
    "hjorth_mobility": "frequency",
    "hjorth_mobility_10s": "frequency",
    "hjorth_complexity": "rhythmicity",
}
FAMILY = Family(
    "hjorth", hjorth_features, declare(DESCRIPTIONS, UNITS, CONCEPTS, CHANNELS_AND_REGIONS)
)
