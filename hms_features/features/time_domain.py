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

The family reads each channel once (:func:`_family_rows`, compiled): a few linear passes give
the moments, line length, Teager energy, crossings and spikes, and histogram selection gives
the percentiles without sorting (:func:`select_percentiles`: the same order statistics as a
full sort, so the same values). The plain numpy functions below (:func:`line_length`,
:func:`kurtosis`, ...) define each quantity; the family agrees with them exactly for
peak-to-peak and to rounding otherwise (its sums run in another order: differences of about
1e-15 of each quantity's scale, which could change a crossing or spike count only at an exact
tie).
"""

from __future__ import annotations

import functools

import numba
import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, declare, per_channel

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
    return _moments(m2, m3, m4)


def _moments(
    m2: np.ndarray, m3: np.ndarray, m4: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard deviation, skewness and kurtosis from the 2nd-4th central moments; skewness and
    kurtosis are 0 for flat channels."""
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
    if n < 1 or not np.all((pos >= 0) & (pos <= n - 1)):  # also rejects NaN
        raise ValueError(f"percentiles must be in [0, 100] of a non-empty row; got {q} of {n}")
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
    lo, hi = select_percentiles(x, [low, high])
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
    x = np.asarray(x, dtype=np.float64)
    q25, med, q75 = select_percentiles(x, [25.0, 50.0, 75.0])
    rate = _spike_rate(
        x, med, (q75 - q25) / IQR_TO_SIGMA, line_length(x) * np.sqrt(np.pi / 2), fs,
        base_sigma, peak_sigma, slope_sigma, min_seconds, max_seconds,
    )  # fmt: skip
    return np.where(_flat(x), 0.0, rate)


def _spike_rate(
    x: np.ndarray,
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
    """:func:`spike_rate` (per minute, flat channels not yet zeroed) from each channel's median
    and robust scales ``s_x`` and ``s_d`` (uV)."""
    s_x = np.maximum(s_x, FLAT_MICROVOLTS)
    s_d = np.maximum(s_d, FLAT_MICROVOLTS)
    counts = _spike_counts(
        x, np.asarray(med, dtype=np.float64), base_sigma * s_x, peak_sigma * s_x,
        slope_sigma * s_d, float(fs), float(min_seconds), float(max_seconds),
    )  # fmt: skip
    return counts / (x.shape[-1] / fs / 60.0)


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


# --------------------------------------------------------------------------------------------
# exact percentiles by histogram selection
# --------------------------------------------------------------------------------------------
#: Selection: bins holding up to this many of the wanted elements are sorted; larger ones are
#: histogrammed once more (then sorted whatever their size).
_SORT_BELOW: int = 64
#: Selection: at most this many histogram bins (n / 4 for n values).
_MAX_BINS: int = 4096


@numba.njit(cache=True, nogil=True)
def _sort_select(v: np.ndarray, ranks: np.ndarray, out: np.ndarray) -> None:
    """``out[j] = np.sort(v)[ranks[j]]``."""
    s = np.sort(v)
    for j in range(ranks.size):
        out[j] = s[ranks[j]]


@numba.njit(cache=True, nogil=True)
def _histogram_segments(
    v: np.ndarray, ranks: np.ndarray, lo: float, hi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One histogram pass of selection: the elements of ``v`` in the bins holding ``ranks``.

    The values are counted into ``n / 4`` equal bins of ``[lo, hi]`` (``lo < hi``, the extremes
    of ``v``, see :func:`_usable_range`; the map to a bin is monotone, so bin order is value
    order), and the elements of each distinct bin holding a wanted rank are gathered.

    Returns
    -------
    buf : ndarray
        The gathered elements, bin after bin.
    start : ndarray of int
        Segment ``k`` (one bin) is ``buf[start[k]:start[k + 1]]``.
    seg : ndarray of int, shape (len(ranks),)
        The segment holding each wanted rank (non-decreasing) ...
    local : ndarray of int, shape (len(ranks),)
        ... and the rank within it.
    """
    n = v.size
    n_r = ranks.size
    n_bins = min(_MAX_BINS, max(16, n // 4))
    top = float(n_bins - 1)
    scale = n_bins / (hi - lo)
    counts = np.zeros(n_bins, dtype=np.int64)
    bins = np.empty(n, dtype=np.int32)
    for t in range(n):  # (v - lo) * scale >= 0 as v >= lo; the clip makes any bin valid
        bins[t] = int(max(0.0, min((v[t] - lo) * scale, top)))
    for t in range(n):
        counts[bins[t]] += 1
    slot = np.full(n_bins, -1, dtype=np.int64)
    start = np.zeros(n_r + 1, dtype=np.int64)
    seg = np.empty(n_r, dtype=np.int64)
    local = np.empty(n_r, dtype=np.int64)
    n_seg = 0
    cum = 0
    j = 0
    for b in range(n_bins):
        cnt = counts[b]
        while j < n_r and ranks[j] < cum + cnt:
            if slot[b] < 0:
                slot[b] = n_seg
                start[n_seg + 1] = start[n_seg] + cnt
                n_seg += 1
            seg[j] = slot[b]
            local[j] = ranks[j] - cum
            j += 1
        cum += cnt
    buf = np.empty(start[n_seg], dtype=v.dtype)
    fill = start[:n_seg].copy()
    for t in range(n):
        k = slot[bins[t]]
        if k >= 0:
            buf[fill[k]] = v[t]
            fill[k] += 1
    return buf, start[: n_seg + 1], seg, local


@numba.njit(cache=True, nogil=True)
def _usable_range(lo: float, hi: float) -> bool:
    """Whether ``[lo, hi]`` can be binned: finite and non-empty, with a finite width and a
    finite number of bins per unit (not for a subnormal width)."""
    if not (lo < hi and np.isfinite(lo) and np.isfinite(hi)):
        return False
    return np.isfinite(hi - lo) and np.isfinite(_MAX_BINS / (hi - lo))


@numba.njit(cache=True, nogil=True)
def _select(v: np.ndarray, ranks: np.ndarray, out: np.ndarray, lo: float, hi: float) -> None:
    """``out[j]`` = the ``ranks[j]``-th smallest element of ``v`` (0-based, ``ranks`` ascending).

    ``lo`` and ``hi`` are the minimum and maximum of ``v`` (pass NaN for ``lo`` if ``v`` has NaN
    or infinite values: then ``v`` is sorted, NaN last as in numpy). Histogram selection
    (:func:`_histogram_segments`), a second histogram of any large segment (heavy-tailed data
    crowd the lowest bins), then a sort of the small segments: exactly the result of a full
    sort, in about two linear passes. (Not recursive: numba cannot cache recursive functions.)
    """
    if lo == hi:
        out[:] = lo
        return
    if v.size <= _SORT_BELOW or not _usable_range(lo, hi):
        _sort_select(v, ranks, out)
        return
    buf, start, seg, local = _histogram_segments(v, ranks, lo, hi)
    j = 0
    while j < ranks.size:
        k = j
        while k < ranks.size and seg[k] == seg[j]:
            k += 1
        part = buf[start[seg[j]] : start[seg[j] + 1]]
        part_lo = part.min()
        part_hi = part.max()
        if part_lo == part_hi:
            out[j:k] = part_lo
        elif part.size <= _SORT_BELOW or not _usable_range(part_lo, part_hi):
            _sort_select(part, local[j:k], out[j:k])
        else:  # one more histogram, then sort
            buf2, start2, seg2, local2 = _histogram_segments(part, local[j:k], part_lo, part_hi)
            a = 0
            while a < k - j:
                b = a
                while b < k - j and seg2[b] == seg2[a]:
                    b += 1
                part2 = buf2[start2[seg2[a]] : start2[seg2[a] + 1]]
                _sort_select(part2, local2[a:b], out[j + a : j + b])
                a = b
        j = k


@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def _row_total(v: np.ndarray) -> float:
    """Sum of ``v`` (vectorised, in any order); NaN if ``v`` has NaN."""
    total = 0.0
    for t in range(v.size):
        total += v[t]
    return total


@numba.njit(cache=True, nogil=True, fastmath={"nnan"})
def _row_extremes(v: np.ndarray) -> tuple[float, float]:
    """Minimum and maximum of ``v`` (vectorised; ``v`` must be free of NaN)."""
    lo = np.inf
    hi = -np.inf
    for t in range(v.size):
        lo = min(lo, v[t])
        hi = max(hi, v[t])
    return lo, hi


@numba.njit(cache=True, nogil=True)
def _row_range(v: np.ndarray) -> tuple[float, float, float]:
    """``(min, max, sum)`` of ``v``; the minimum is NaN unless the sum is finite (no NaN or
    infinite values, no overflow), which makes :func:`_select` sort."""
    total = _row_total(v)
    if not np.isfinite(total):
        return np.nan, np.nan, total
    lo, hi = _row_extremes(v)
    return lo, hi, total


@numba.njit(cache=True, nogil=True)
def _row_percentiles(
    x: np.ndarray, ranks: np.ndarray, where: np.ndarray, frac: np.ndarray
) -> np.ndarray:
    """Percentiles of each row from the order statistics ``ranks`` (:func:`_percentile_ranks`),
    interpolated as :func:`sorted_percentiles`, shape (len(frac), n_rows)."""
    n_rows = x.shape[0]
    out = np.empty((frac.size, n_rows))
    stats = np.empty(ranks.size)
    for i in range(n_rows):
        lo, hi, _ = _row_range(x[i])
        _select(x[i], ranks, stats, lo, hi)
        for j in range(frac.size):
            a = stats[where[0, j]]
            out[j, i] = a + frac[j] * (stats[where[1, j]] - a)
    return out


@functools.lru_cache(maxsize=64)
def _percentile_ranks(n: int, q: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order statistics a full sort would read for percentiles ``q`` of ``n`` values:
    (distinct ranks, index in them of each percentile's lower and upper neighbour, shape
    (2, len(q)), interpolation fractions), as read-only arrays (cached)."""
    pos = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    if n < 1 or not np.all((pos >= 0) & (pos <= n - 1)):  # also rejects NaN
        raise ValueError(f"percentiles must be in [0, 100] of a non-empty row; got {q} of {n}")
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    ranks, where = np.unique(np.concatenate([lo, hi]), return_inverse=True)
    out = (ranks, where.reshape(2, -1), pos - lo)
    for a in out:
        a.flags.writeable = False
    return out


def select_percentiles(x: np.ndarray, q: list[float]) -> np.ndarray:
    """Percentiles of each row with numpy's default linear interpolation, without a full sort.

    Equal to :func:`sorted_percentiles` of ``np.sort(x, axis=-1)``: the same order statistics,
    found by histogram selection in about two linear passes, and the same interpolation
    ``a + frac * (b - a)``. Several times faster than the sort for a few percentiles.

    Parameters
    ----------
    x : ndarray, shape (n_rows, n)
        Values, e.g. signals in microvolts.
    q : list of float
        Percentiles in [0, 100].

    Returns
    -------
    ndarray, shape (len(q), n_rows)
        In the unit of ``x``.

    Raises
    ------
    ValueError
        For a percentile outside [0, 100] or rows without values.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    return _row_percentiles(x, *_percentile_ranks(x.shape[-1], tuple(map(float, q))))


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
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
        The percentiles :data:`_FAMILY_PERCENTILES`, as :func:`select_percentiles`.
    spikes : ndarray, shape (n_channels,)
        :func:`_count_spikes` with the thresholds of :func:`spike_rate` (flat channels not
        zeroed), computed as :func:`_spike_rate` does.
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
    """Standard deviation, skewness and kurtosis as :func:`_standardised_moments`."""
    return _moments(sums[:, _SUM_M2] / n, sums[:, _SUM_M3] / n, sums[:, _SUM_M4] / n)


def time_values(x: np.ndarray, fs: float, center: slice | None = None) -> dict[str, np.ndarray]:
    """Every time-domain feature of each channel, from one compiled pass per channel.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.
    center : slice, optional
        The samples of the ``_10s`` features (default: the central fifth).

    Returns
    -------
    dict
        Feature suffix (``'std'``, ``'line_length'``, ..., ``'kurtosis_10s'``, see
        :data:`DESCRIPTIONS`) -> values, shape (n_channels,).
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


def window_time_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """:func:`time_values` of a window, computed once and shared (the symmetry family uses the
    line lengths and standard deviations)."""
    return ctx.shared("time_values", lambda: time_values(ctx.x, ctx.fs, ctx.center_slice))


def time_features(ctx: WindowContext) -> dict[str, float]:
    """Amplitude, line length, moments, crossings, nonlinear energy and spike rate per channel."""
    out: dict[str, float] = {}
    for feature, values in window_time_values(ctx).items():
        out.update(per_channel(feature, values))
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
UNITS = {
    "std": "uV",
    "std_10s": "uV",
    "line_length": "uV per sample",
    "line_length_10s": "uV per sample",
    "kurtosis": "dimensionless",
    "kurtosis_10s": "dimensionless",
    "skewness": "dimensionless",
    "peak_to_peak": "uV",
    "zero_crossing_rate": "1/s",
    "nonlinear_energy": "uV^2",
    "spike_rate": "1/min",
}
CONCEPTS = {
    "std": "amplitude",
    "std_10s": "amplitude",
    "line_length": ("amplitude", "frequency"),
    "line_length_10s": ("amplitude", "frequency"),
    "kurtosis": "sharpness",
    "kurtosis_10s": "sharpness",
    "skewness": "sharpness",
    "peak_to_peak": "amplitude",
    "zero_crossing_rate": "frequency",
    "nonlinear_energy": ("sharpness", "amplitude"),
    "spike_rate": "sharpness",
}
FAMILY = Family("time", time_features, declare(DESCRIPTIONS, UNITS, CONCEPTS, CHANNELS_AND_REGIONS))
