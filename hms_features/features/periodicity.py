"""Periodicity features: periodic discharges against rhythmic (sinusoidal) delta.

Periodic discharges (LPD, GPD) are sharp transients repeating every 0.5-3 s with relatively
quiet EEG between them; rhythmic delta (LRDA, GRDA) is a continuous, roughly sinusoidal wave.
Both are "periodic", but in different quantities:

- The **power envelope** (``|analytic signal|^2`` of the 0.5-25 Hz content, uV^2, sampled at
  50 Hz; :func:`power_envelope`) of a sinusoid is constant, while each discharge makes it peak,
  whether the discharge is sharp or blunt (triphasic). So for periodic discharges the envelope
  is peaky and its autocorrelation has a strong peak at the discharge period (the shortest-lag
  peak within 90% of the highest, so that 2T and 3T do not win over T); for rhythmic
  delta the envelope is flat (peakiness near 1). (A Teager-energy envelope was tried first: it
  weights power by frequency squared and missed blunt 250-ms discharges on a pink background.)
- **Discharges** are local maxima (the largest within +/- 0.25 s) of each channel's power
  envelope of the 1.5-25 Hz content (:func:`detection_envelope`: without the slow delta of an
  encephalopathic background, which would fill the quiet baseline between discharges) above
  an adaptive threshold: 25 times the envelope's 25th percentile (the quiet background; an
  amplitude 5 times the background's), or 10 times it (3.2 times the amplitude) where the
  channel's bipolar chain shares the peak (:func:`chain_support`: the chain's mean envelope,
  each channel over its own baseline, reaches 12 within +/- 40 ms; discharges are synchronous
  over a field spanning several channels, background fluctuations are not). Their rate (Hz)
  and the regularity of their spacing (coefficient of variation of inter-discharge
  intervals: ~0 for a metronome-like train, ~1 for random events). Calibrated against the
  synthetic generator's own discharge times by ``benchmarks/detector_calibration.py``.
- The raw signal's **delta spectral peak sharpness**: a sinusoidal rhythm concentrates its power
  in one narrow peak, in dB above the flanking bins of the Welch PSD.

Sources: each of the 18 bipolar channels; for the autocorrelation, peakiness and sharpness,
each region and ``global`` use the mean envelope of their channels (4 or all 18; synchronous
discharges reinforce each other there) and the mean PSD (as ctx.region_psd); discharge rates
and interval CVs of regions and ``global`` are the means over their channels. ``_10s`` marks
counts restricted to the labelled central 10 s.

Neutral values (nothing to measure, e.g. a flat channel): autocorrelation peak height 0 and lag
0 s when the autocorrelation has no local maximum at 0.3-4 s; discharge rate 0; interval CV 1
(no regularity) with fewer than three discharges; peakiness 1; sharpness 0 dB.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import fft as sp_fft

from hms_features.constants import BANDS
from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_REGIONS_HEAD, Family, declare
from hms_features.features.time_domain import select_percentiles
from hms_features.signal.montage import BIPOLAR_NAMES, REGION_AND_HEAD_MEAN, REGIONS

#: Envelope sampling rate and low-pass cut-off (Hz).
ENVELOPE_FS: float = 50.0
ENVELOPE_CUTOFF_HZ: float = 25.0
#: The envelope is computed from the window decimated to 100 Hz (ctx.x_decimated: the 0.5-40 Hz
#: preprocessing leaves nothing that would alias below 25 Hz).
#: Lags (s) searched for the autocorrelation peak (periods of 0.25-3.3 Hz discharges/rhythms).
ACF_LAG_RANGE_S: tuple[float, float] = (0.3, 4.0)
#: The fundamental period is the shortest-lag peak at least this fraction of the highest.
ACF_PEAK_TOLERANCE: float = 0.9
#: Minimum spacing (s) of detected discharges.
MIN_DISCHARGE_SPACING_S: float = 0.25
#: Discharge threshold: THRESHOLD_RATIO x the BASELINE_PERCENTILE-th percentile of the envelope.
#: A low percentile stays on the background even when discharges fill half the window.
#: 25 x the power is 5 x the amplitude of the quieter background; on Gaussian noise (power
#: envelope exponentially distributed) it is exceeded 0.07% of the time.
BASELINE_PERCENTILE: float = 25.0
THRESHOLD_RATIO: float = 25.0
#: Discharges are detected on the power envelope of the DETECTION_LOW_HZ-25 Hz content: the
#: slow delta of an encephalopathic background (mostly below 1.5 Hz) would otherwise fill the
#: envelope's quiet baseline and hide discharges that stand out clearly above it, while a
#: discharge's sharp phase keeps most of its power above 1.5 Hz.
DETECTION_LOW_HZ: float = 1.5
#: A weaker peak (above SUPPORTED_RATIO x the baseline, i.e. 3.2 x the background amplitude)
#: counts when its bipolar chain shares it: the chain's mean envelope, each channel over its
#: own baseline, reaches SUPPORT_RATIO within +/- SUPPORT_S. Discharges are synchronous over
#: a field spanning several channels of a chain; background fluctuations much less so.
SUPPORTED_RATIO: float = 10.0
SUPPORT_RATIO: float = 12.0
SUPPORT_S: float = 0.04
#: Bipolar chains (indices into the 18 channels) that lend their support: the four regional
#: chains and the midline pair (Fz-Cz, Cz-Pz).
SUPPORT_CHAINS: tuple[tuple[int, ...], ...] = (*REGIONS.values(), (16, 17))
#: Peakiness: this percentile of the envelope over its median ...
PEAKINESS_PERCENTILE: float = 99.0
#: ... with the median floored at this fraction of that percentile (caps the ratio at 1000).
PEAKINESS_MAX: float = 1000.0
#: Delta peak sharpness: flank bins are those 1-2.5 Hz away from the peak (and >= 0.5 Hz).
SHARPNESS_FLANK_HZ: tuple[float, float] = (1.0, 2.5)
#: Neutral interval CV (fewer than 3 discharges).
NEUTRAL_CV: float = 1.0

DESCRIPTIONS = {
    "envelope_acf_peak": (
        "Periodicity strength: height of the main autocorrelation peak of the 0.5-25 Hz power "
        "envelope at lags 0.3-4 s, -1 to 1 (0 = none); high for periodic discharges"
    ),
    "envelope_acf_lag": (
        "Period of the discharges: lag of the main (shortest near-highest) autocorrelation peak "
        "of the 0.5-25 Hz power envelope within 0.3-4 s, in seconds (0 = no peak)"
    ),
    "discharge_rate": (
        "Rate of discharges (peaks of the 1.5-25 Hz power envelope above an adaptive "
        "threshold, or above a lower one where the channel's bipolar chain shares the peak; "
        ">= 0.25 s apart) over the 50 s, Hz"
    ),
    "discharge_rate_10s": (
        "Rate of discharges (peaks of the 1.5-25 Hz power envelope, as for discharge_rate) in "
        "the labelled 10 s, Hz"
    ),
    "discharge_interval_cv": (
        "Irregularity of discharge spacing: coefficient of variation (SD/mean) of intervals "
        "between discharges over the 50 s; ~0 = clock-like periodic, 1 = random or too few"
    ),
    "envelope_peakiness": (
        "Peakiness of the 0.5-25 Hz power envelope over the 50 s: 99th percentile / median, "
        "1-1000; high for discharges with quiet between, ~1 for a continuous sinusoidal rhythm"
    ),
    "delta_peak_sharpness": (
        "Sharpness of the strongest delta (0.5-4 Hz) spectral peak over the 50 s: its power "
        "above the mean of the bins 1-2.5 Hz away, dB; high for a monomorphic rhythmic delta"
    ),
}


# --------------------------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------------------------
def power_envelope(
    x: np.ndarray,
    fs: float,
    env_fs: float = ENVELOPE_FS,
    cutoff_hz: float = ENVELOPE_CUTOFF_HZ,
    low_hz: float = 0.0,
) -> np.ndarray:
    """Instantaneous power of the ``low_hz``-``cutoff_hz`` Hz content, sampled at ``env_fs``
    (uV^2).

    The analytic signal ``a`` of ``x`` low-passed at ``cutoff_hz`` (a brick-wall cut in the
    Fourier domain), evaluated every ``D = fs / env_fs`` samples; the envelope is ``|a|^2``. It
    is constant for any pure sinusoid and peaks at each transient, whatever its sharpness. With
    ``x`` truncated to ``n = D * m`` samples and ``X`` its real FFT,
    ``a[D j] = (1 / D) * IFFT_m(h X)[j]`` with ``h = 1`` at 0 Hz, 2 below ``cutoff_hz`` and 0
    above, so one real FFT of length ``n`` and one complex inverse FFT of length ``m`` suffice
    (the one-sided band fits the complex sampling rate ``env_fs >= cutoff_hz`` without aliasing).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate of ``x`` in Hz (a multiple of ``env_fs``).
    env_fs, cutoff_hz : float
        Envelope sampling rate and low-pass cut-off in Hz (``cutoff_hz <= env_fs``).
    low_hz : float
        High-pass cut-off in Hz: ``h = 0`` below it too (0: none, the default).

    Returns
    -------
    ndarray, shape (n_channels, n_times // D)
        ``|a|^2`` in uV^2 (sample ``j`` at time ``j / env_fs`` s).
    """
    a, factor = _analytic_lowpass(x, fs, env_fs, cutoff_hz, low_hz)
    e = np.empty(a.shape)
    _squared_magnitude(a, factor, e)
    return e


def _analytic_lowpass(
    x: np.ndarray, fs: float, env_fs: float, cutoff_hz: float, low_hz: float = 0.0
) -> tuple[np.ndarray, float]:
    """``(b, c)`` with :func:`power_envelope` ``= c * |b|^2``: ``b = IFFT_m(X')``, where ``X'``
    is ``h X / 2`` (bin 0 halved instead of the others doubled: scaling by 2 is exact; bins
    below ``low_hz`` zeroed), and ``c = 4 / D^2`` (1 for the usual ``D = 2``)."""
    spec, m, factor = _analytic_spectrum(x, fs, env_fs, cutoff_hz)
    spec[:, : _bins_below(low_hz, x.shape[1], fs, env_fs)] = 0.0
    b = sp_fft.ifft(spec, n=m, axis=1, overwrite_x=True)  # zero-padded to m
    return b, factor


def _analytic_spectrum(
    x: np.ndarray, fs: float, env_fs: float, cutoff_hz: float
) -> tuple[np.ndarray, int, float]:
    """``(X', m, c)`` of :func:`_analytic_lowpass` before any high-pass: the bins of ``h X / 2``
    below ``cutoff_hz`` (a view), the envelope's length ``m`` and the factor ``c``."""
    step = max(1, int(round(fs / env_fs)))
    m = x.shape[1] // step
    n = m * step
    n_keep = min(m, int(np.ceil(cutoff_hz * n / fs)))  # bins k with k * fs / n < cutoff_hz
    spec = sp_fft.rfft(x[:, :n], axis=1)
    spec[:, 0] *= 0.5
    return spec[:, :n_keep], m, 4.0 / (step * step)


def _bins_below(low_hz: float, n_x: int, fs: float, env_fs: float) -> int:
    """Number of bins ``k`` with ``k * fs / n < low_hz`` in :func:`_analytic_spectrum`."""
    step = max(1, int(round(fs / env_fs)))
    n = (n_x // step) * step
    return int(np.ceil(low_hz * n / fs)) if low_hz > 0 else 0


@numba.njit(cache=True, nogil=True)
def _squared_magnitude(z: np.ndarray, factor: float, out: np.ndarray) -> None:
    """``out = |z|^2`` (``re * re + im * im``), times ``factor`` unless it is 1."""
    n_rows, n = z.shape
    for i in range(n_rows):
        for j in range(n):
            re = z[i, j].real
            im = z[i, j].imag
            out[i, j] = re * re + im * im
        if factor != 1.0:
            for j in range(n):
                out[i, j] *= factor


def autocorrelation(e: np.ndarray, max_lag: int | None = None) -> np.ndarray:
    """Normalised (biased) autocorrelation of each row, via one zero-padded FFT.

    ``r[k] = sum_t (e[t] - mean)(e[t+k] - mean) / sum_t (e[t] - mean)^2`` for
    ``k = 0..max_lag`` (default: all lags); a constant row gives all zeros. Padding to
    ``n + max_lag + 1`` samples is enough to keep the circular FFT correlation exact.

    Returns
    -------
    ndarray, shape (n_rows, max_lag + 1)
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
def _pairwise_block(a: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise sum of ``a[start:start + n]`` for ``n <= 128`` (8 accumulators)."""
    if n < 8:
        res = 0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r = a[start : start + 8].copy()
    i = start + 8
    while i < start + n - n % 8:
        for j in range(8):
            r[j] += a[i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < start + n:
        res += a[i]
        i += 1
    return res


@numba.njit(cache=True, nogil=True)
def _pairwise_sum(a: np.ndarray) -> float:
    """``np.sum`` of a 1-D float64 array bit for bit: numpy's pairwise summation (blocks of
    at most 128 summed by :func:`_pairwise_block`, halves split at a multiple of 8), with the
    recursion unrolled on an explicit stack (numba cannot cache recursive functions)."""
    n = a.size
    if n <= 128:
        return _pairwise_block(a, 0, n)
    start = np.empty(64, dtype=np.int64)  # frames: a[start:start + size], the left half's sum
    size = np.empty(64, dtype=np.int64)
    left = np.empty(64)
    left_done = np.zeros(64, dtype=np.bool_)
    top = 0
    start[0] = 0
    size[0] = n
    while True:
        m = size[top]
        if m > 128:  # descend into the left half
            half = m // 2 - (m // 2) % 8
            top += 1
            start[top] = start[top - 1]
            size[top] = half
            left_done[top] = False
            continue
        value = _pairwise_block(a, start[top], m)
        top -= 1
        while top >= 0 and left_done[top]:  # both halves done: combine and go up
            value = left[top] + value
            top -= 1
        if top < 0:
            return value
        left[top] = value  # the left half is done: descend into the right half
        left_done[top] = True
        half = size[top] // 2 - (size[top] // 2) % 8
        top += 1
        start[top] = start[top - 1] + half
        size[top] = size[top - 1] - half
        left_done[top] = False


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
    lag_range: tuple[float, float] = ACF_LAG_RANGE_S,
    tolerance: float = ACF_PEAK_TOLERANCE,
) -> tuple[np.ndarray, np.ndarray]:
    """Height and lag (s) of the fundamental autocorrelation peak of each row in ``lag_range``.

    Local maxima (``r[k-1] < r[k] >= r[k+1]``) are refined by a parabola through the three
    points (vertex height and lag). The chosen peak is the one at the shortest lag whose height
    is at least ``tolerance`` times the highest one: a period ``T`` also gives peaks at
    ``2T, 3T, ...``, nearly as high. Rows without a local maximum get height 0 and lag 0.

    Returns
    -------
    height : ndarray, shape (n_rows,)
    lag : ndarray, shape (n_rows,), seconds
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


def row_percentiles(e: np.ndarray, percentiles: tuple[float, ...]) -> np.ndarray:
    """Percentiles of each row (linear interpolation, as :func:`numpy.percentile`).

    The order statistics of a full sort, found by histogram selection
    (:func:`hms_features.features.time_domain.select_percentiles`, several times faster than a
    sort, itself several times faster than ``np.percentile`` with a list).

    Returns
    -------
    ndarray, shape (len(percentiles), n_rows)
    """
    return select_percentiles(e, list(percentiles))


def discharge_threshold(e: np.ndarray) -> np.ndarray:
    """Adaptive threshold per row: ``THRESHOLD_RATIO`` times the ``BASELINE_PERCENTILE``-th
    percentile of the envelope (the quiet background between discharges), shape (n_rows, 1)."""
    return THRESHOLD_RATIO * np.percentile(e, BASELINE_PERCENTILE, axis=1, keepdims=True)


def detect_discharges(
    e: np.ndarray,
    fs: float,
    min_spacing_s: float = MIN_DISCHARGE_SPACING_S,
    threshold: np.ndarray | None = None,
    support: np.ndarray | None = None,
    weak_threshold: np.ndarray | None = None,
    support_level: float = SUPPORT_RATIO,
) -> np.ndarray:
    """Boolean mask (n_rows, n) of discharges: envelope peaks above an adaptive threshold.

    A sample is a discharge when it is the maximum of the surrounding ``+/- min_spacing_s``,
    strictly greater than the sample before it (so a plateau counts once), and either exceeds
    the row's threshold (:func:`discharge_threshold` by default) or, given ``support``
    (n_rows, n; e.g. :func:`chain_support`), exceeds ``weak_threshold`` where ``support``
    reaches ``support_level``.
    """
    thr = discharge_threshold(e) if threshold is None else threshold
    w = max(1, int(round(min_spacing_s * fs)))
    e = np.asarray(e, dtype=np.float64)
    thr = np.broadcast_to(np.asarray(thr, dtype=np.float64), (e.shape[0], 1))[:, 0]
    if support is None or weak_threshold is None:
        weak, support, support_level = thr, np.zeros((0, 0)), np.inf
    else:
        weak = np.broadcast_to(np.asarray(weak_threshold, dtype=np.float64), (e.shape[0], 1))
        weak = weak[:, 0]
    mask = np.zeros(e.shape, dtype=np.bool_)
    _discharges(
        e,
        np.ascontiguousarray(thr),
        np.ascontiguousarray(weak),
        np.ascontiguousarray(support, dtype=np.float64),
        float(support_level),
        w,
        0,
        0,
        mask,
    )
    return mask


def chain_support(
    e: np.ndarray, base: np.ndarray, fs: float, half_width_s: float = SUPPORT_S
) -> np.ndarray:
    """How strongly each channel's bipolar chain shares a peak, shape (18, n).

    ``s_k(t) = max_{|u - t| <= half_width_s} mean_{j in chain(k)} e_j(u) / base_j`` over the
    chain of channel ``k`` (:data:`SUPPORT_CHAINS`), with ``base`` (18,) each channel's quiet
    baseline (its :data:`BASELINE_PERCENTILE`-th percentile; a channel with baseline 0 adds 0).
    """
    ok = base > 0
    z = e[: base.size] * np.where(ok, 1.0 / np.where(ok, base, 1.0), 0.0)[:, None]
    chain_mean = np.empty_like(z)
    for chain in SUPPORT_CHAINS:
        chain_mean[list(chain)] = z[list(chain)].mean(axis=0)
    h = max(0, int(round(half_width_s * fs)))
    out = chain_mean.copy()
    for shift in range(1, h + 1):  # running maximum over +/- h samples
        np.maximum(out[:, shift:], chain_mean[:, :-shift], out=out[:, shift:])
        np.maximum(out[:, :-shift], chain_mean[:, shift:], out=out[:, :-shift])
    return out


@numba.njit(cache=True, nogil=True)
def _record_discharge(stats: np.ndarray, t: int, last: int, b0: int, b1: int) -> None:
    """Add a discharge at sample ``t`` (the previous one at ``last``, -1 if none) to a row of
    statistics: the number of discharges, their number in samples ``b0:b1``, and the number,
    sum and sum of squares of the intervals (samples) between consecutive ones."""
    stats[0] += 1
    stats[1] += b0 <= t < b1
    if last >= 0:
        iv = float(t - last)
        stats[2] += 1
        stats[3] += iv
        stats[4] += iv * iv


@numba.njit(cache=True, nogil=True)
def _discharges(
    e: np.ndarray,
    thr: np.ndarray,
    weak: np.ndarray,
    support: np.ndarray,
    support_level: float,
    w: int,
    b0: int,
    b1: int,
    mask: np.ndarray,
) -> np.ndarray:
    """The discharges of :func:`detect_discharges` in the first ``len(thr)`` rows of ``e``
    (threshold ``thr`` per row, or ``weak <= thr`` where ``support`` (same rows, or no rows:
    none) reaches ``support_level``; neighbourhood ``+/- w`` samples), marked in ``mask`` if
    it has those rows, and their statistics (:func:`_record_discharge`), (len(thr), 5)."""
    n_rows = thr.size
    n = e.shape[1]
    marks = mask.shape[0] == n_rows
    supported = support.shape[0] == n_rows
    out = np.zeros((n_rows, 5))
    for i in range(n_rows):
        row = e[i]
        level = min(thr[i], weak[i])
        strong = thr[i]
        last = -1
        t = -1
        while t + 1 < n:
            t += 1
            if t & 7 == 0 and t + 8 <= n:  # few samples pass the (high) threshold: skip 8
                above = False
                for u in range(t, t + 8):
                    above |= row[u] > level
                if not above:
                    t += 7
                    continue
            value = row[t]
            if not value > level:
                continue
            if t > 0 and not value > row[t - 1]:  # a plateau counts once
                continue
            is_max = True
            for u in range(max(0, t - w), min(n, t + w + 1)):
                if row[u] > value:
                    is_max = False
                    break
            if is_max and not value > strong:
                is_max = supported and support[i, t] >= support_level
            if is_max:
                if marks:
                    mask[i, t] = True
                _record_discharge(out[i], t, last, b0, b1)
                last = t
    return out


def discharge_statistics(mask: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Rate (Hz) and interval coefficient of variation of each row's discharges.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_rows, n)
        Discharge positions (:func:`detect_discharges`) on a grid of ``fs`` Hz.

    Returns
    -------
    rate : ndarray, shape (n_rows,)
        Discharges per second.
    cv : ndarray, shape (n_rows,)
        ``std / mean`` of the intervals between consecutive discharges; :data:`NEUTRAL_CV` for
        rows with fewer than three discharges.
    """
    sums = _interval_sums(np.asarray(mask, dtype=np.bool_), 0, 0)
    rate, _, cv = _rates_and_cv(sums, mask.shape[1] / fs, 1.0)
    return rate, cv


@numba.njit(cache=True, nogil=True)
def _interval_sums(mask: np.ndarray, b0: int, b1: int) -> np.ndarray:
    """The statistics of :func:`_record_discharge` of the discharges marked in each row of
    ``mask``, shape (n_rows, 5)."""
    n_rows, n = mask.shape
    out = np.zeros((n_rows, 5))
    for i in range(n_rows):
        last = -1
        for t in range(n):
            if mask[i, t]:
                _record_discharge(out[i], t, last, b0, b1)
                last = t
    return out


@numba.njit(cache=True, nogil=True)
def _discharge_features(
    env: np.ndarray,
    base: np.ndarray,
    support: np.ndarray,
    w: int,
    b0: int,
    b1: int,
    seconds: float,
    seconds_10s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Discharge rate (Hz) over the ``seconds`` of each channel row of ``env`` (the first
    ``len(base)``), over the ``seconds_10s`` of samples ``b0:b1``, and the interval CV, with
    the thresholds ``THRESHOLD_RATIO * base`` and, where ``support`` reaches
    ``SUPPORT_RATIO``, ``SUPPORTED_RATIO * base`` (:func:`detect_discharges`,
    :func:`discharge_statistics`, computed as there)."""
    n_ch = base.size
    thr = np.empty(n_ch)
    weak = np.empty(n_ch)
    for i in range(n_ch):
        thr[i] = THRESHOLD_RATIO * base[i]
        weak[i] = SUPPORTED_RATIO * base[i]
    sums = _discharges(
        env, thr, weak, support, SUPPORT_RATIO, w, b0, b1, np.zeros((0, 0), dtype=np.bool_)
    )
    return _rates_and_cv(sums, seconds, seconds_10s)


@numba.njit(cache=True, nogil=True)
def _rates_and_cv(
    sums: np.ndarray, seconds: float, seconds_10s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the statistics of :func:`_record_discharge`: the rates over ``seconds`` and over
    ``seconds_10s`` (Hz), and the interval coefficient of variation (:data:`NEUTRAL_CV` with
    fewer than two intervals)."""
    n_rows = sums.shape[0]
    rate = np.empty(n_rows)
    rate_10s = np.empty(n_rows)
    cv = np.empty(n_rows)
    for i in range(n_rows):
        rate[i] = sums[i, 0] / seconds
        rate_10s[i] = sums[i, 1] / seconds_10s
        count, s1, s2 = sums[i, 2], sums[i, 3], sums[i, 4]
        c = count if count >= 2 else 1.0
        mean = s1 / c
        var = max(s2 / c - mean * mean, 0.0)
        cv[i] = np.sqrt(var) / mean if count >= 2 and mean > 0 else NEUTRAL_CV
    return rate, rate_10s, cv


def peakiness_ratio(high: np.ndarray, median: np.ndarray) -> np.ndarray:
    """``high / median`` clipped to [1, PEAKINESS_MAX]; 1 where ``high <= 0`` (all-zero row)."""
    ok = high > 0
    ratio = high / np.maximum(median, np.where(ok, high, 1.0) / PEAKINESS_MAX)
    return np.where(ok, np.clip(ratio, 1.0, PEAKINESS_MAX), 1.0)


def peakiness(e: np.ndarray, percentile: float = PEAKINESS_PERCENTILE) -> np.ndarray:
    """``percentile(e) / median(e)`` per row, in [1, PEAKINESS_MAX]; 1 for an all-zero row."""
    high, median = np.percentile(e, [percentile, 50.0], axis=1)
    return peakiness_ratio(high, median)


def delta_peak_sharpness(
    freqs: np.ndarray,
    psd: np.ndarray,
    band: tuple[float, float] = BANDS["delta"],
    flank_hz: tuple[float, float] = SHARPNESS_FLANK_HZ,
) -> np.ndarray:
    """How far the strongest delta peak stands above its flanks, in dB.

    ``10 log10(P(f*) / mean P(f))`` where ``f*`` is the bin of maximum PSD in ``band`` and the
    mean runs over bins ``f >= band[0]`` with ``flank_hz[0] < |f - f*| <= flank_hz[1]``.
    0 dB for a flat spectrum or an all-zero PSD.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz.
    psd : ndarray, shape (n_rows, n_freqs)
        uV^2/Hz.
    """
    freqs = np.ascontiguousarray(freqs, dtype=np.float64)
    psd = np.ascontiguousarray(psd, dtype=np.float64)
    if not np.any((freqs >= band[0]) & (freqs < band[1])):
        return np.zeros(psd.shape[0])
    top, bottom, ok = _peak_and_flanks(freqs, psd, *map(float, (*band, *flank_hz)))
    return np.where(ok, 10.0 * np.log10(top / bottom), 0.0)


@numba.njit(cache=True, nogil=True)
def _peak_and_flanks(
    freqs: np.ndarray, psd: np.ndarray, low: float, high: float, near: float, far: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of :func:`delta_peak_sharpness` (band ``[low, high)`` holding at least one bin,
    flanks ``near < |f - f*| <= far``): ``P(f*) + s``, the flanks' mean ``+ s`` (summed as
    ``np.sum`` does, bit for bit) with ``s = 1e-12 max P``, and whether there are flanks and
    ``P(f*) > 0``."""
    n_rows, n = psd.shape
    top = np.empty(n_rows)
    bottom = np.empty(n_rows)
    ok = np.empty(n_rows, dtype=np.bool_)
    weighted = np.empty(n)
    for i in range(n_rows):
        row = psd[i]
        peak_bin = -1
        for k in range(n):  # the first maximum in the band
            if freqs[k] >= low and freqs[k] < high and (peak_bin < 0 or row[k] > row[peak_bin]):
                peak_bin = k
        n_flank = 0
        for k in range(n):
            dist = abs(freqs[k] - freqs[peak_bin])
            flank = dist > near and dist <= far and freqs[k] >= low
            weighted[k] = row[k] * (1.0 if flank else 0.0)
            n_flank += flank
        flank_mean = _pairwise_sum(weighted) / max(n_flank, 1)
        peak = row[peak_bin]
        scale = max(row.max(), 1e-300) * 1e-12
        top[i] = peak + scale
        bottom[i] = flank_mean + scale
        ok[i] = n_flank > 0 and peak > 0
    return top, bottom, ok


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
#: Row sources: 18 channels, 4 regions (mean of their channels' envelopes / PSDs), global.
SOURCES: tuple[str, ...] = (*BIPOLAR_NAMES, *REGIONS, "global")


def _with_sources(per_channel_rows: np.ndarray) -> np.ndarray:
    """Stack channel rows (18, ...) with region and global means -> (23, ...)."""
    return np.concatenate([per_channel_rows, REGION_AND_HEAD_MEAN @ per_channel_rows], axis=0)


def _envelope_grid(ctx: WindowContext) -> tuple[int, float]:
    """Raw samples of ``ctx.x`` per envelope sample, and the envelope's rate (Hz)."""
    block = ctx.decimation * max(1, int(round(ctx.fs_decimated / ENVELOPE_FS)))
    return block, ctx.fs / block


def channel_discharges(ctx: WindowContext) -> tuple[np.ndarray, float]:
    """The discharges the family counts on each of the 18 channels of a window.

    Returns
    -------
    mask : ndarray of bool, shape (18, n_env)
        :func:`detect_discharges` on each channel's :func:`power_envelope` (as the family
        computes them).
    env_fs : float
        Rate of the envelope grid (Hz): envelope sample ``j`` is at ``j / env_fs`` s.
    """
    _, env_fs = _envelope_grid(ctx)
    e = detection_envelope(ctx, env_fs)
    base = np.percentile(e, BASELINE_PERCENTILE, axis=1)
    mask = detect_discharges(
        e,
        env_fs,
        threshold=THRESHOLD_RATIO * base[:, None],
        support=chain_support(e, base, env_fs),
        weak_threshold=SUPPORTED_RATIO * base[:, None],
    )
    return mask, env_fs


def detection_envelope(ctx: WindowContext, env_fs: float) -> np.ndarray:
    """The channels' :func:`power_envelope` of the ``DETECTION_LOW_HZ``-25 Hz content on
    which discharges are detected, (18, n_env)."""
    return power_envelope(
        ctx.x_decimated, ctx.fs_decimated, env_fs, ENVELOPE_CUTOFF_HZ, DETECTION_LOW_HZ
    )


def periodicity_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Feature suffix -> values for the 23 :data:`SOURCES` (see the module docstring)."""
    in_fs = ctx.fs_decimated
    block, env_fs = _envelope_grid(ctx)  # raw samples per envelope sample, its rate
    # one FFT for both envelopes: 0.5-25 Hz, and DETECTION_LOW_HZ-25 Hz (detection_envelope)
    spec, m, factor = _analytic_spectrum(ctx.x_decimated, in_fs, env_fs, ENVELOPE_CUTOFF_HZ)
    spec_detect = spec.copy()
    spec_detect[:, : _bins_below(DETECTION_LOW_HZ, ctx.x_decimated.shape[1], in_fs, env_fs)] = 0
    b = sp_fft.ifft(spec, n=m, axis=1, overwrite_x=True)
    n_ch, n_env = b.shape
    env = np.empty((len(SOURCES), n_env))  # channels, then region and global means
    channel_env = env[:n_ch]
    _squared_magnitude(b, factor, channel_env)  # power_envelope
    np.matmul(REGION_AND_HEAD_MEAN, channel_env, out=env[n_ch:])
    max_lag = int(np.floor(ACF_LAG_RANGE_S[1] * env_fs)) + 1
    height, lag = acf_peak(autocorrelation(env, max_lag), env_fs)
    median, high = row_percentiles(env, (50.0, PEAKINESS_PERCENTILE))
    # discharges per channel; regions and global average the channels' statistics
    # the labelled 10 s on the envelope grid (envelope sample j is at raw sample j * block)
    start, stop = ctx.center_slice.start, ctx.center_slice.stop
    b0 = min(start // block, n_env - 1)
    b1 = max(b0 + 1, min(n_env, stop // block))
    w = max(1, int(round(MIN_DISCHARGE_SPACING_S * env_fs)))
    detect = np.empty((n_ch, n_env))
    _squared_magnitude(sp_fft.ifft(spec_detect, n=m, axis=1, overwrite_x=True), factor, detect)
    detect_base = row_percentiles(detect, (BASELINE_PERCENTILE,))[0]
    rate, rate_10s, cv = _discharge_features(
        detect,
        detect_base,
        chain_support(detect, detect_base, env_fs),
        w,
        b0,
        b1,
        n_env / env_fs,
        (b1 - b0) / env_fs,
    )
    freqs, psd = ctx.psd("full")
    return {
        "envelope_acf_peak": height,
        "envelope_acf_lag": lag,
        "discharge_rate": _with_sources(rate),
        "discharge_rate_10s": _with_sources(rate_10s),
        "discharge_interval_cv": _with_sources(cv),
        "envelope_peakiness": peakiness_ratio(high, median),
        "delta_peak_sharpness": delta_peak_sharpness(freqs, _with_sources(psd)),
    }


#: Feature names, per suffix in the order of :data:`SOURCES`.
_NAMES: dict[str, list[str]] = {
    suffix: [f"{source}__{suffix}" for source in SOURCES] for suffix in DESCRIPTIONS
}


def periodicity_features(ctx: WindowContext) -> dict[str, float]:
    """Envelope autocorrelation, discharge rate and regularity, peakiness and delta sharpness."""
    out: dict[str, float] = {}
    for name, values in periodicity_values(ctx).items():
        out.update(zip(_NAMES[name], values.tolist()))
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
UNITS = {
    "envelope_acf_peak": "-1 to 1",
    "envelope_acf_lag": "s",
    "discharge_rate": "Hz",
    "discharge_rate_10s": "Hz",
    "discharge_interval_cv": "dimensionless",
    "envelope_peakiness": "ratio, 1-1000",
    "delta_peak_sharpness": "dB",
}
CONCEPTS = {
    **dict.fromkeys(DESCRIPTIONS, "periodic_discharges"),
    "delta_peak_sharpness": ("rhythmicity", "delta"),
}
FAMILY = Family(
    "periodicity",
    periodicity_features,
    declare(DESCRIPTIONS, UNITS, CONCEPTS, CHANNELS_REGIONS_HEAD),
)
