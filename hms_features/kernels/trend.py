"""Trends: the least-squares slope, and statistics of a quantity over consecutive sub-windows.

:func:`least_squares_slope` is the one straight-line fit of the package: the 1/f slope of a PSD
(:func:`~hms_features.kernels.spectra.psd_slope`), the Higuchi and DFA exponents
(:mod:`~hms_features.kernels.fractal`) and the evolution slopes (:func:`trend_statistics`).
"""

from __future__ import annotations

import numba
import numpy as np


def least_squares_slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ordinary least-squares slope of each row of ``y`` against ``x``.

    ``slope = sum((x - mean x) (y - mean y)) / sum((x - mean x)^2)``.

    Parameters
    ----------
    x : ndarray, shape (n,)
        The abscissa (e.g. seconds, log10 Hz), not all equal.
    y : ndarray, shape (n_rows, n)
        The ordinates.

    Returns
    -------
    ndarray, shape (n_rows,)
        Units of ``y`` per unit of ``x``.

    References
    ----------
    The normal equations of a straight-line fit; the same value as
    ``np.polyfit(x, y_row, 1)[0]`` and :func:`scipy.stats.linregress`.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(10.0)
    >>> least_squares_slope(t, np.vstack([3.0 * t + 1.0, np.ones(10)]))
    array([3., 0.])
    """
    xc = x - x.mean()
    return (y - y.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)


def split_subwindows(x: np.ndarray, n_sub: int = 10) -> np.ndarray:
    """Reshape (n_channels, n_times) into (n_channels, n_sub, n_times // n_sub).

    Trailing samples that do not fill a sub-window are dropped.

    Examples
    --------
    >>> import numpy as np
    >>> split_subwindows(np.arange(7.0)[None, :], 3)
    array([[[0., 1.],
            [2., 3.],
            [4., 5.]]])
    """
    length = x.shape[1] // n_sub
    if length < 2:
        raise ValueError(f"cannot cut {x.shape[1]} samples into {n_sub} sub-windows")
    return x[:, : n_sub * length].reshape(x.shape[0], n_sub, length)


@numba.njit(cache=True, nogil=True)
def _variance_line_length_kernel(sub: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    n_ch, n_sub, n = sub.shape
    out = np.zeros((2, n_ch, n_sub))
    for c in range(n_ch):
        for w in range(n_sub):
            row = sub[c, w]
            s = row[0]
            q = row[0] * row[0]
            ll = 0.0
            for i in range(1, n):
                v = row[i]
                s += v
                q += v * v
                ll += abs(v - row[i - 1])
            mean = s / n
            out[0, c, w] = max(q / n - mean * mean, 0.0)
            out[1, c, w] = ll / (n - 1)
    return out


def subwindow_variance_line_length(sub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Variance and line length of every sub-window, in one compiled pass.

    Parameters
    ----------
    sub : ndarray, shape (n_channels, n_sub, n)
        Sub-windows (:func:`split_subwindows`) in microvolts, ``n >= 2``.

    Returns
    -------
    variance : ndarray, shape (n_channels, n_sub)
        uV^2 (divided by ``n``).
    line_length : ndarray, shape (n_channels, n_sub)
        Mean ``|sample-to-sample change|``, uV per sample (as
        :func:`~hms_features.kernels.amplitude.line_length`).

    Examples
    --------
    A sine whose amplitude doubles halfway (1 uV, then 2 uV):

    >>> import numpy as np
    >>> sine = np.sin(2 * np.pi * np.arange(2000) / 20.0)
    >>> sub = split_subwindows((sine * np.repeat([1.0, 2.0], 1000))[None, :], 2)
    >>> variance, ll = subwindow_variance_line_length(sub)
    >>> np.round(variance, 3), np.round(ll, 3)
    (array([[0.5, 2. ]]), array([[0.2, 0.4]]))
    """
    out = _variance_line_length_kernel(np.asarray(sub, dtype=np.float64))
    return out[0], out[1]


def trend_statistics(values: np.ndarray, times: np.ndarray) -> dict[str, np.ndarray]:
    """Slope (per second), range, standard deviation and max consecutive change of each row.

    Parameters
    ----------
    values : ndarray, shape (n_rows, n_sub)
        One value per sub-window.
    times : ndarray, shape (n_sub,)
        Sub-window centre times in seconds.

    Returns
    -------
    dict
        ``slope`` (:func:`least_squares_slope` against ``times``: units of ``values`` per
        second), ``range`` (max - min), ``std`` (population standard deviation) and
        ``max_change`` (largest ``|values[k+1] - values[k]|``), each (n_rows,) in the units of
        ``values``.

    Examples
    --------
    A dominant frequency rising from 3 Hz by 0.5 Hz every 5 s (a chirp of 0.1 Hz/s):

    >>> import numpy as np
    >>> times = np.arange(10) * 5.0 + 2.5
    >>> stats = trend_statistics((3.0 + 0.1 * (times - 2.5))[None, :], times)
    >>> {k: round(float(v[0]), 3) for k, v in stats.items()}
    {'slope': 0.1, 'range': 4.5, 'std': 1.436, 'max_change': 0.5}
    """
    return {
        "slope": least_squares_slope(times, values),
        "range": values.max(axis=1) - values.min(axis=1),
        "std": values.std(axis=1),
        "max_change": np.abs(np.diff(values, axis=1)).max(axis=1),
    }
