"""Spike and sharp-wave detection by an amplitude-slope-duration rule (compiled with numba).

The rule (:func:`spike_rate`) uses robust scales, so that the background's own amplitude sets
the thresholds: a transient must stand out of the channel's interquartile range and rise faster
than its typical sample-to-sample step.
"""

from __future__ import annotations

import numba
import numpy as np

from hms_features.kernels.amplitude import FLAT_MICROVOLTS, flat_channels, line_length
from hms_features.kernels.percentiles import select_percentiles

#: Normal-consistent scale of the interquartile range: sigma = IQR / 1.349 for Gaussian data.
IQR_TO_SIGMA: float = 1.3489795

#: The detection rule of :func:`spike_rate`: base and peak (robust SD of the signal), steepest
#: step (robust SD of the steps), duration (seconds).
SPIKE_BASE_SIGMA: float = 2.0
SPIKE_PEAK_SIGMA: float = 4.0
SPIKE_SLOPE_SIGMA: float = 3.0
SPIKE_MIN_SECONDS: float = 0.020
SPIKE_MAX_SECONDS: float = 0.200


def spike_rate(
    x: np.ndarray,
    fs: float,
    base_sigma: float = SPIKE_BASE_SIGMA,
    peak_sigma: float = SPIKE_PEAK_SIGMA,
    slope_sigma: float = SPIKE_SLOPE_SIGMA,
    min_seconds: float = SPIKE_MIN_SECONDS,
    max_seconds: float = SPIKE_MAX_SECONDS,
) -> np.ndarray:
    """Spikes and sharp waves per minute, by a simple amplitude-slope-duration rule.

    The rule, per channel, with robust scales ``s_x = IQR(x) / 1.349`` (the standard deviation a
    Gaussian background with that interquartile range would have) and
    ``s_d = mean(|diff x|) * sqrt(pi / 2)`` (the same for the sample-to-sample steps):

    1. a candidate is a maximal run of samples with ``|x - median(x)| > base_sigma * s_x``
       (the transient's base, default 2 SD);
    2. its duration must be ``min_seconds`` to ``max_seconds`` (20-200 ms: spikes 20-70 ms,
       sharp waves 70-200 ms); longer runs are slow waves or artifacts;
    3. its peak must exceed ``peak_sigma * s_x`` (default 4 SD);
    4. the steepest sample-to-sample step inside the run (including the step into it) must
       exceed ``slope_sigma * s_d`` (default 3 SD): slow delta waves of high amplitude fail here.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray, shape (n_channels,)
        Detected transients per minute (0 for a flat channel).

    References
    ----------
    The clinical definition (IFCN glossary, Kane et al. 2017): a spike lasts 20-70 ms, a sharp
    wave 70-200 ms, both clearly distinguished from the background; the thresholds follow the
    amplitude-and-slope detectors reviewed by Wilson & Emerson (2002), Clin. Neurophysiol.
    113: 1873-1881.

    Examples
    --------
    Seeded white noise (5 uV) with a 35-ms, 100 uV triangular spike every second, 50 s at 200 Hz:
    all 60 spikes per minute are found, and none in the noise alone.

    >>> import numpy as np
    >>> noise = np.random.default_rng(0).normal(0.0, 5.0, 10_000)
    >>> train = noise.copy()
    >>> for start in range(100, 10_000, 200):
    ...     train[start : start + 7] += 100.0 * (1 - np.abs(np.arange(-3, 4)) / 4)
    >>> spike_rate(np.vstack([train, noise]), 200.0)
    array([60.,  0.])
    """
    x = np.asarray(x, dtype=np.float64)
    q25, med, q75 = select_percentiles(x, [25.0, 50.0, 75.0])
    s_x = np.maximum((q75 - q25) / IQR_TO_SIGMA, FLAT_MICROVOLTS)
    s_d = np.maximum(line_length(x) * np.sqrt(np.pi / 2), FLAT_MICROVOLTS)
    counts = _spike_counts(
        x, np.asarray(med, dtype=np.float64), base_sigma * s_x, peak_sigma * s_x,
        slope_sigma * s_d, float(fs), float(min_seconds), float(max_seconds),
    )  # fmt: skip
    rate = counts / (x.shape[-1] / fs / 60.0)
    return np.where(flat_channels(x), 0.0, rate)


@numba.njit(cache=True, nogil=True)
def _count_spikes(
    v: np.ndarray,
    med: float,
    base: float,
    peak: float,
    slope: float,
    fs: float,
    min_seconds: float,
    max_seconds: float,
) -> int:
    """Number of transients in one channel ``v`` (the rule of :func:`spike_rate`, in uV).

    A run is a maximal stretch of samples with ``|v - med| > base``; it counts when its duration
    ``length / fs`` is within ``[min_seconds, max_seconds]`` (1e-9 s tolerance), its largest
    ``|v - med|`` exceeds ``peak`` and its steepest step ``|v[t] - v[t-1]|`` into one of its
    samples (none into sample 0) exceeds ``slope``.
    """
    n = v.size
    # above[t]: sample t exceeds the base; read 8 at a time to skip the quiet stretches
    above = np.zeros((n + 7) // 8 * 8, dtype=np.uint8)
    for t in range(n):
        above[t] = abs(v[t] - med) > base
    words = above.view(np.uint64)
    count = 0
    t = 0
    while t < n:
        if t & 7 == 0 and words[t >> 3] == 0:
            t += 8
            continue
        if not above[t]:
            t += 1
            continue
        start = t
        top = abs(v[t] - med)
        steep = abs(v[t] - v[t - 1]) if t > 0 else 0.0
        t += 1
        while t < n and above[t]:
            top = max(top, abs(v[t] - med))
            steep = max(steep, abs(v[t] - v[t - 1]))
            t += 1
        duration = (t - start) / fs
        if (
            duration >= min_seconds - 1e-9
            and duration <= max_seconds + 1e-9
            and top > peak
            and steep > slope
        ):
            count += 1
    return count


@numba.njit(cache=True, nogil=True)
def _spike_counts(
    x: np.ndarray,
    med: np.ndarray,
    base: np.ndarray,
    peak: np.ndarray,
    slope: np.ndarray,
    fs: float,
    min_seconds: float,
    max_seconds: float,
) -> np.ndarray:
    """:func:`_count_spikes` of every row of ``x`` with its own thresholds, shape (n_rows,)."""
    n_rows, n = x.shape
    out = np.zeros(n_rows)
    v = np.empty(n)
    for i in range(n_rows):
        v[:] = x[i]
        out[i] = _count_spikes(v, med[i], base[i], peak[i], slope[i], fs, min_seconds, max_seconds)
    return out
