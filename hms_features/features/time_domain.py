"""Time-domain amplitude and shape features: std, line length, moments, crossings, energy, spikes.

Every per-channel function takes signals ``x`` of shape ``(n_channels, n_times)`` in microvolts
and returns one value per channel, shape ``(n_channels,)``. A channel whose standard deviation is
below :data:`FLAT_MICROVOLTS` (a flat or entirely missing channel) gets the neutral value 0 for
every shape feature (kurtosis, skewness, crossing rates, spike rate), so that no NaN can appear.

Region values (``LL``, ``RL``, ``LP``, ``RP``) are the mean of the region's four chains.

The zero-crossing rate is taken about the channel's mean (the mean-crossing rate): after the
0.5 Hz high-pass the two are the same quantity, so only one is emitted. The spike rate uses the
amplitude-slope-duration rule documented in :func:`spike_rate`. ``_10s`` variants (the labelled
central 10 s) are emitted for std, line length and kurtosis.
"""

from __future__ import annotations

import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import per_channel, register_family

#: A channel with a standard deviation below this (microvolts) is treated as flat.
FLAT_MICROVOLTS: float = 1e-6
#: Normal-consistent scale of the interquartile range: sigma = IQR / 1.349 for Gaussian data.
IQR_TO_SIGMA: float = 1.3489795

#: Spike / sharp-wave detection rule (see :func:`spike_rate`).
SPIKE_BASE_SIGMA: float = 2.0
SPIKE_PEAK_SIGMA: float = 4.0
SPIKE_SLOPE_SIGMA: float = 3.0
SPIKE_MIN_SECONDS: float = 0.020
SPIKE_MAX_SECONDS: float = 0.200

DESCRIPTIONS = {
    "std": "Amplitude: standard deviation of the signal over the 50 s, uV",
    "std_10s": "Amplitude: standard deviation of the signal over the labelled 10 s, uV",
    "line_length": "Line length: mean absolute change between consecutive samples over the 50 s, "
    "uV per sample (5 ms)",
    "line_length_10s": "Line length: mean absolute change between consecutive samples over the "
    "labelled 10 s, uV per sample (5 ms)",
    "kurtosis": "Peakedness (Fisher excess kurtosis, 0 for Gaussian noise; high with spikes or "
    "bursts) over the 50 s, dimensionless",
    "kurtosis_10s": "Peakedness (Fisher excess kurtosis, 0 for Gaussian noise; high with spikes "
    "or bursts) over the labelled 10 s, dimensionless",
    "skewness": "Asymmetry of the amplitude distribution (positive: sharp upward deflections "
    "dominate) over the 50 s, dimensionless",
    "peak_to_peak": "Robust peak-to-peak amplitude (99th minus 1st percentile) over the 50 s, uV",
    "zero_crossing_rate": "Crossings of the channel's mean level (0 uV after band-pass) per second "
    "over the 50 s, 1/s",
    "nonlinear_energy": "Mean Teager-Kaiser energy x[n]^2 - x[n-1]*x[n+1] (large for fast, "
    "high-amplitude activity) over the 50 s, uV^2",
    "spike_rate": "Spikes and sharp waves per minute over the 50 s (transients 20-200 ms "
    "reaching 4 robust SD with a steep slope), 1/min",
}


def _flat(x: np.ndarray) -> np.ndarray:
    """Boolean mask (n_channels,) of channels whose standard deviation is below the flat limit."""
    return np.std(x, axis=-1) < FLAT_MICROVOLTS


def line_length(x: np.ndarray) -> np.ndarray:
    """Line length: mean absolute first difference, ``mean(|x[n+1] - x[n]|)``.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        Microvolts per sample (divide by the sample period, 5 ms at 200 Hz, for uV/s).
    """
    return np.mean(np.abs(np.diff(x, axis=-1)), axis=-1)


def _standardised_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard deviation, biased skewness m3/m2^1.5 and Fisher kurtosis m4/m2^2 - 3.

    Skewness and kurtosis are 0 for flat channels.
    """
    n = x.shape[-1]
    d = x - x.mean(axis=-1, keepdims=True)
    d2 = d * d
    m2 = d2.sum(axis=-1) / n
    m3 = np.einsum("ij,ij->i", d2, d) / n
    m4 = np.einsum("ij,ij->i", d2, d2) / n
    ok = m2 > FLAT_MICROVOLTS**2
    safe = np.where(ok, m2, 1.0)
    skew = np.where(ok, m3 / safe**1.5, 0.0)
    kurt = np.where(ok, m4 / safe**2 - 3.0, 0.0)
    return np.sqrt(m2), skew, kurt


def kurtosis(x: np.ndarray) -> np.ndarray:
    """Fisher (excess) kurtosis ``m4 / m2**2 - 3`` per channel (biased moments, as scipy's default).

    0 for Gaussian noise, -1.5 for a sine, large for spiky or bursty signals; 0 for a flat channel.
    """
    return _standardised_moments(x)[2]


def skewness(x: np.ndarray) -> np.ndarray:
    """Skewness ``m3 / m2**1.5`` per channel (biased moments); 0 for a flat channel."""
    return _standardised_moments(x)[1]


def sorted_percentiles(sorted_x: np.ndarray, q: list[float]) -> np.ndarray:
    """Percentiles of already sorted rows, with numpy's default linear interpolation.

    Equal to ``np.percentile(x, q, axis=-1)`` for ``sorted_x = np.sort(x, axis=-1)``; one SIMD
    sort serves several percentiles faster than a multi-quantile partition.

    Returns
    -------
    ndarray, shape (len(q), n_channels)
    """
    n = sorted_x.shape[-1]
    pos = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo)[:, None]
    a, b = sorted_x[:, lo].T, sorted_x[:, hi].T
    return a + frac * (b - a)


def robust_peak_to_peak(x: np.ndarray, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    """Robust peak-to-peak amplitude: ``percentile(x, high) - percentile(x, low)``, microvolts.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        Microvolts (about 4.65 standard deviations for Gaussian noise).
    """
    lo, hi = sorted_percentiles(np.sort(x, axis=-1), [low, high])
    return hi - lo


def zero_crossing_rate(x: np.ndarray, fs: float, about_mean: bool = True) -> np.ndarray:
    """Number of sign changes per second.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.
    about_mean : bool
        Count crossings of the channel's mean (the mean-crossing rate) rather than of 0 uV. After
        the 0.5 Hz high-pass both are nearly the same; the mean version ignores any residual offset.

    Returns
    -------
    ndarray, shape (n_channels,)
        Crossings per second (a sine of f Hz gives 2 f); 0 for a flat channel.
    """
    return np.where(_flat(x), 0.0, _crossing_rate(x, fs, about_mean))


def _crossing_rate(x: np.ndarray, fs: float, about_mean: bool = True) -> np.ndarray:
    neg = np.signbit(x - x.mean(axis=-1, keepdims=True) if about_mean else x)
    crossings = np.count_nonzero(neg[:, 1:] != neg[:, :-1], axis=-1)
    return crossings / (x.shape[-1] / fs)


def nonlinear_energy(x: np.ndarray) -> np.ndarray:
    """Mean Teager-Kaiser energy ``mean(x[n]**2 - x[n-1] * x[n+1])``, in uV^2.

    For a sine ``A sin(2 pi f n / fs)`` it equals ``A**2 sin(2 pi f / fs)**2``: it grows with both
    amplitude and frequency.
    """
    return np.mean(x[:, 1:-1] ** 2 - x[:, :-2] * x[:, 2:], axis=-1)


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
    """
    dx = np.diff(x, axis=-1)
    q25, med, q75 = sorted_percentiles(np.sort(x, axis=-1), [25.0, 50.0, 75.0])
    rate = _spike_rate(
        x, dx, med, (q75 - q25) / IQR_TO_SIGMA, line_length(x) * np.sqrt(np.pi / 2), fs,
        base_sigma, peak_sigma, slope_sigma, min_seconds, max_seconds,
    )  # fmt: skip
    return np.where(_flat(x), 0.0, rate)


def _spike_rate(
    x: np.ndarray,
    dx: np.ndarray,
    med: np.ndarray,
    s_x: np.ndarray,
    s_d: np.ndarray,
    fs: float,
    base_sigma: float = SPIKE_BASE_SIGMA,
    peak_sigma: float = SPIKE_PEAK_SIGMA,
    slope_sigma: float = SPIKE_SLOPE_SIGMA,
    min_seconds: float = SPIKE_MIN_SECONDS,
    max_seconds: float = SPIKE_MAX_SECONDS,
) -> np.ndarray:
    """:func:`spike_rate` from precomputed ``diff(x)``, median and robust scales."""
    n_ch, n = x.shape
    s_x = np.maximum(s_x, FLAT_MICROVOLTS)
    s_d = np.maximum(s_d, FLAT_MICROVOLTS)
    # |x - median| in a flat buffer with one trailing 0 (see the reduceat below)
    dev_buf = np.zeros(n_ch * n + 1)
    dev = dev_buf[:-1].reshape(n_ch, n)
    np.subtract(x, med[:, None], out=dev)
    np.abs(dev, out=dev)
    # Pad each channel with 0 on both sides and find run edges on the flattened array:
    # edge +1 at k means a run's first sample is padded column k+1, i.e. sample k - row*(n+2);
    # edge -1 at k means its last sample is padded column k; so its length is stop - start.
    padded = np.zeros((n_ch, n + 2), dtype=np.int8)
    np.greater(dev, (base_sigma * s_x)[:, None], out=padded[:, 1:-1].view(bool))
    edges = np.diff(padded.ravel())
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    if starts.size == 0:
        return np.zeros(n_ch)
    chan = starts // (n + 2)
    first = starts - 2 * chan  # flat index in x of each run's first sample (row*n + column)
    last = first + (stops - starts)  # one past its last sample
    duration = (stops - starts) / fs

    # Max over each run [first, last) by reduceat on interleaved bounds (odd slots discarded);
    # a trailing 0 keeps a bound equal to the array length valid.
    bounds = np.column_stack([first, last]).ravel()
    peak = np.maximum.reduceat(dev_buf, bounds)[::2]
    step = np.zeros(n_ch * n + 1)
    steps = step[:-1].reshape(n_ch, n)
    np.abs(dx, out=steps[:, 1:])  # steps[c, t] = |x[t] - x[t-1]|, the step into sample t
    slope = np.maximum.reduceat(step, bounds)[::2]

    ok = (
        (duration >= min_seconds - 1e-9)
        & (duration <= max_seconds + 1e-9)
        & (peak > peak_sigma * s_x[chan])
        & (slope > slope_sigma * s_d[chan])
    )
    counts = np.bincount(chan[ok], minlength=n_ch).astype(np.float64)
    return counts / (n / fs / 60.0)


@register_family("time", DESCRIPTIONS)
def time_features(ctx: WindowContext) -> dict[str, float]:
    """Amplitude, line length, moments, crossings, nonlinear energy and spike rate per channel."""
    x, c, fs = ctx.x, ctx.center, ctx.fs
    std, skew, kurt = _standardised_moments(x)
    std_c, _, kurt_c = _standardised_moments(c)
    flat = std < FLAT_MICROVOLTS
    dx = np.diff(x, axis=-1)
    ll = np.mean(np.abs(dx), axis=-1)
    # one sort serves the five percentiles of peak-to-peak and the spike thresholds
    p1, q25, med, q75, p99 = sorted_percentiles(np.sort(x, axis=-1), [1, 25, 50, 75, 99])
    spikes = _spike_rate(x, dx, med, (q75 - q25) / IQR_TO_SIGMA, ll * np.sqrt(np.pi / 2), fs)
    out = per_channel("std", std)
    out.update(per_channel("line_length", ll))
    out.update(per_channel("kurtosis", kurt))
    out.update(per_channel("skewness", skew))
    out.update(per_channel("peak_to_peak", p99 - p1))
    out.update(per_channel("zero_crossing_rate", np.where(flat, 0.0, _crossing_rate(x, fs))))
    out.update(per_channel("nonlinear_energy", nonlinear_energy(x)))
    out.update(per_channel("spike_rate", np.where(flat, 0.0, spikes)))
    out.update(per_channel("std_10s", std_c))
    out.update(per_channel("line_length_10s", line_length(c)))
    out.update(per_channel("kurtosis_10s", kurt_c))
    return out
