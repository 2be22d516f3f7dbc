"""The time-domain quantities of every channel in one compiled visit of the channel.

:func:`time_values` reads each channel once: a few linear passes give the moments, line length,
Teager energy and mean crossings (:mod:`~hms_features.kernels.amplitude`), histogram selection
gives the percentiles without sorting (:mod:`~hms_features.kernels.percentiles`) and the spike
rule of :mod:`~hms_features.kernels.spikes` runs on the same copy. It agrees with the plain numpy
functions exactly for peak-to-peak and to rounding otherwise (its sums run in another order:
differences of about 1e-15 of each quantity's scale, which could change a crossing or spike
count only at an exact tie).
"""

from __future__ import annotations

import numba
import numpy as np

from hms_features.kernels.amplitude import FLAT_MICROVOLTS, moments_from_central
from hms_features.kernels.percentiles import _percentile_ranks, _row_range, _row_total, _select
from hms_features.kernels.spikes import (
    IQR_TO_SIGMA,
    SPIKE_BASE_SIGMA,
    SPIKE_MAX_SECONDS,
    SPIKE_MIN_SECONDS,
    SPIKE_PEAK_SIGMA,
    SPIKE_SLOPE_SIGMA,
    _count_spikes,
)

#: Columns of the sums of :func:`_row_sums`.
_SUM_M2, _SUM_M3, _SUM_M4, _SUM_ABS_DIFF, _SUM_TEAGER, _CROSSINGS = range(6)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def _row_sums(v: np.ndarray, mean: float, out: np.ndarray) -> None:
    """Sums over one row ``v`` (vectorised, in any order) into ``out`` (columns ``_SUM_*``):
    ``d**2, d**3, d**4`` with ``d = v - mean``, ``|v[t] - v[t-1]|``,
    ``v[t]**2 - v[t-1] * v[t+1]`` and the number of sign changes of ``d``."""
    n = v.size
    d = v[0] - mean
    d2 = d * d
    m2 = d2
    m3 = d2 * d
    m4 = d2 * d2
    ll = 0.0
    teager = 0.0
    crossings = 0
    for t in range(1, n):
        a = v[t]
        p = v[t - 1]
        d = a - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
        ll += abs(a - p)
        crossings += np.signbit(d) != np.signbit(p - mean)
    for t in range(1, n - 1):
        teager += v[t] * v[t] - v[t - 1] * v[t + 1]
    out[_SUM_M2] = m2
    out[_SUM_M3] = m3
    out[_SUM_M4] = m4
    out[_SUM_ABS_DIFF] = ll
    out[_SUM_TEAGER] = teager
    out[_CROSSINGS] = crossings


#: The family's percentiles: peak-to-peak from the 1st and 99th, the spike rule's median and
#: robust scale from the 25th, 50th and 75th (columns _P1 ... _P99 of :func:`_family_rows`).
_FAMILY_PERCENTILES: tuple[float, ...] = (1.0, 25.0, 50.0, 75.0, 99.0)
_P1, _P25, _P50, _P75, _P99 = range(5)


@numba.njit(cache=True, nogil=True)
def _family_rows(
    x: np.ndarray,
    c0: int,
    c1: int,
    ranks: np.ndarray,
    where: np.ndarray,
    frac: np.ndarray,
    fs: float,
    step_to_sigma: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Everything the family needs from each channel, in one visit of the channel.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n)
        Signals in microvolts.
    c0, c1 : int
        The labelled part is ``x[:, c0:c1]``.
    ranks, where, frac : ndarray
        :func:`_percentile_ranks` of ``n`` for :data:`_FAMILY_PERCENTILES`.
    fs : float
        Sampling rate in Hz.
    step_to_sigma : float
        ``sqrt(pi / 2)``: the standard deviation of Gaussian steps over their mean magnitude.

    Returns
    -------
    sums, sums_10s : ndarray, shape (n_channels, 6)
        :func:`_row_sums` of ``x`` and of ``x[:, c0:c1]``, each about its own mean.
    pct : ndarray, shape (n_channels, 5)
        The percentiles :data:`_FAMILY_PERCENTILES`, as :func:`~.percentiles.select_percentiles`.
    spikes : ndarray, shape (n_channels,)
        :func:`_count_spikes` with the thresholds of :func:`~.spikes.spike_rate`
        (flat channels not zeroed), computed as there.
    """
    n_rows, n = x.shape
    sums = np.zeros((n_rows, 6))
    sums_10s = np.zeros((n_rows, 6))
    pct = np.empty((n_rows, frac.size))
    spikes = np.zeros(n_rows)
    stats = np.empty(ranks.size)
    v = np.empty(n)
    for i in range(n_rows):
        v[:] = x[i]
        lo, hi, total = _row_range(v)
        _row_sums(v, total / n, sums[i])
        c = v[c0:c1]
        if c.size:
            _row_sums(c, _row_total(c) / c.size, sums_10s[i])
        _select(v, ranks, stats, lo, hi)
        for j in range(frac.size):
            a = stats[where[0, j]]
            pct[i, j] = a + frac[j] * (stats[where[1, j]] - a)
        # the thresholds of spike_rate, computed as there
        s_x = max((pct[i, _P75] - pct[i, _P25]) / IQR_TO_SIGMA, FLAT_MICROVOLTS)
        s_d = max(sums[i, _SUM_ABS_DIFF] / (n - 1) * step_to_sigma, FLAT_MICROVOLTS)
        spikes[i] = _count_spikes(
            v, pct[i, _P50], SPIKE_BASE_SIGMA * s_x, SPIKE_PEAK_SIGMA * s_x,
            SPIKE_SLOPE_SIGMA * s_d, fs, SPIKE_MIN_SECONDS, SPIKE_MAX_SECONDS,
        )  # fmt: skip
    return sums, sums_10s, pct, spikes


def _moments_from_sums(sums: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard deviation, skewness and kurtosis as
    :func:`~hms_features.kernels.amplitude.standardised_moments`."""
    return moments_from_central(sums[:, _SUM_M2] / n, sums[:, _SUM_M3] / n, sums[:, _SUM_M4] / n)


def time_values(x: np.ndarray, fs: float, center: slice | None = None) -> dict[str, np.ndarray]:
    """Every time-domain quantity of each channel, from one compiled pass per channel.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.
    center : slice, optional
        The samples of the ``_10s`` values (default: the central fifth).

    Returns
    -------
    dict
        Name -> values, shape (n_channels,): ``std`` (uV), ``line_length`` (uV per sample),
        ``kurtosis``, ``skewness`` (dimensionless), ``peak_to_peak`` (1st to 99th percentile,
        uV), ``zero_crossing_rate`` (mean crossings per second), ``nonlinear_energy`` (uV^2),
        ``spike_rate`` (per minute), and ``std_10s``, ``line_length_10s``, ``kurtosis_10s`` of
        ``x[:, center]``; flat channels get 0 for the crossing and spike rates.

    References
    ----------
    The definitions of :mod:`~hms_features.kernels.amplitude` and
    :func:`~hms_features.kernels.spikes.spike_rate`.

    Examples
    --------
    A 10 Hz sine of amplitude 20 uV, 50 s at 200 Hz:

    >>> import numpy as np
    >>> t = np.arange(10_000) / 200.0
    >>> v = time_values(20.0 * np.sin(2 * np.pi * 10.0 * t)[None, :], 200.0)
    >>> names = ("std", "kurtosis", "zero_crossing_rate")
    >>> {k: round(float(v[k][0]), 3) for k in names}
    {'std': 14.142, 'kurtosis': -1.5, 'zero_crossing_rate': 19.98}
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[-1]
    c0, c1, _ = (center or slice(2 * n // 5, 3 * n // 5)).indices(n)
    ranks, where, frac = _percentile_ranks(n, _FAMILY_PERCENTILES)
    sums, sums_c, pct, spikes = _family_rows(
        x, c0, c1, ranks, where, frac, float(fs), float(np.sqrt(np.pi / 2))
    )
    std, skew, kurt = _moments_from_sums(sums, n)
    std_c, _, kurt_c = _moments_from_sums(sums_c, c1 - c0)
    flat = std < FLAT_MICROVOLTS
    return {
        "std": std,
        "line_length": sums[:, _SUM_ABS_DIFF] / (n - 1),
        "kurtosis": kurt,
        "skewness": skew,
        "peak_to_peak": pct[:, _P99] - pct[:, _P1],
        "zero_crossing_rate": np.where(flat, 0.0, sums[:, _CROSSINGS] / (n / fs)),
        "nonlinear_energy": sums[:, _SUM_TEAGER] / (n - 2),
        "spike_rate": np.where(flat, 0.0, spikes / (n / fs / 60.0)),
        "std_10s": std_c,
        "line_length_10s": sums_c[:, _SUM_ABS_DIFF] / (c1 - c0 - 1),
        "kurtosis_10s": kurt_c,
    }
