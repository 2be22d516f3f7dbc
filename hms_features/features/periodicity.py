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
- **Discharges** are local maxima of each channel's envelope (the largest within +/- 0.25 s)
  above an adaptive threshold, 25 times the envelope's 25th percentile (the quiet background;
  i.e. an amplitude 5 times the background's): their rate (Hz) and the regularity of their
  spacing (coefficient of variation of inter-discharge intervals: ~0 for a metronome-like
  train, ~1 for random events).
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

import numpy as np
from scipy import fft as sp_fft

from hms_features.constants import BANDS
from hms_features.features.context import WindowContext
from hms_features.features.registry import register_family
from hms_features.signal.montage import BIPOLAR_NAMES, REGIONS

#: Envelope sampling rate and low-pass cut-off (Hz).
ENVELOPE_FS: float = 50.0
ENVELOPE_CUTOFF_HZ: float = 25.0
#: The envelope is computed from the signal decimated to this rate (every second sample: the
#: 0.5-40 Hz preprocessing leaves nothing that would alias below 25 Hz).
ENVELOPE_INPUT_FS: float = 100.0
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
        "Rate of discharges (peaks of the 0.5-25 Hz power envelope above an adaptive "
        "threshold, >= 0.25 s apart) over the 50 s, Hz"
    ),
    "discharge_rate_10s": (
        "Rate of discharges (peaks of the 0.5-25 Hz power envelope) in the labelled 10 s, Hz"
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
    x: np.ndarray, fs: float, env_fs: float = ENVELOPE_FS, cutoff_hz: float = ENVELOPE_CUTOFF_HZ
) -> np.ndarray:
    """Instantaneous power of the 0-``cutoff_hz`` Hz content, sampled at ``env_fs`` (uV^2).

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

    Returns
    -------
    ndarray, shape (n_channels, n_times // D)
        ``|a|^2`` in uV^2 (sample ``j`` at time ``j / env_fs`` s).
    """
    step = max(1, int(round(fs / env_fs)))
    m = x.shape[1] // step
    n = m * step
    n_keep = min(m, int(np.ceil(cutoff_hz * n / fs)))  # bins k with k * fs / n < cutoff_hz
    spec = np.fft.rfft(x[:, :n], axis=1)[:, :m]  # bins 0 .. m-1
    if spec.shape[1] < m:  # step 1: the full-rate analytic signal
        spec = np.pad(spec, ((0, 0), (0, m - spec.shape[1])))
    spec[:, n_keep:] = 0.0
    spec[:, 1:n_keep] *= 2.0
    a = np.fft.ifft(spec, axis=1) / step
    return a.real**2 + a.imag**2


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
    n_fft = sp_fft.next_fast_len(n + max_lag + 1, real=True)
    ec = e - e.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(ec, n=n_fft, axis=1)
    acf = np.fft.irfft(spec.real**2 + spec.imag**2, n=n_fft, axis=1)[:, : max_lag + 1]
    zero = acf[:, :1]
    scale = np.maximum(np.abs(e).max(axis=1), 1e-300)
    ok = zero[:, 0] > 1e-20 * scale * scale * n  # a (numerically) constant row has no ACF
    return np.where(ok[:, None], acf / np.where(zero > 0, zero, 1.0), 0.0)


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
    y0 = acf[:, k0 - 1 : k1]
    y1 = acf[:, k0 : k1 + 1]
    y2 = acf[:, k0 + 1 : k1 + 2]
    is_peak = (y1 > y0) & (y1 >= y2)
    curvature = y0 - 2.0 * y1 + y2
    concave = curvature < 0
    safe = np.where(concave, curvature, -1.0)
    shift = np.where(concave, np.clip(0.5 * (y0 - y2) / safe, -0.5, 0.5), 0.0)
    vertex = np.where(concave, y1 - 0.25 * (y0 - y2) * shift, y1)
    heights = np.where(is_peak, vertex, -np.inf)
    best = heights.max(axis=1, keepdims=True)
    good = is_peak & (heights >= np.where(best > 0, tolerance * best, best))
    first = good.argmax(axis=1)
    has = is_peak.any(axis=1)
    rows = np.arange(n_rows)
    lag = (k0 + first + shift[rows, first]) / fs
    return np.where(has, heights[rows, first], 0.0), np.where(has, lag, 0.0)


def row_percentiles(e: np.ndarray, percentiles: tuple[float, ...]) -> np.ndarray:
    """Percentiles of each row (linear interpolation, as :func:`numpy.percentile`).

    One sort per row serves all the percentiles (several times faster than ``np.percentile``
    with a list, which partitions around every interpolation point).

    Returns
    -------
    ndarray, shape (len(percentiles), n_rows)
    """
    s = np.sort(e, axis=1)
    pos = np.asarray(percentiles, dtype=np.float64) / 100.0 * (e.shape[1] - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, e.shape[1] - 1)
    frac = pos - lo
    return (s[:, lo] + (s[:, hi] - s[:, lo]) * frac).T


def discharge_threshold(e: np.ndarray) -> np.ndarray:
    """Adaptive threshold per row: ``THRESHOLD_RATIO`` times the ``BASELINE_PERCENTILE``-th
    percentile of the envelope (the quiet background between discharges), shape (n_rows, 1)."""
    return THRESHOLD_RATIO * np.percentile(e, BASELINE_PERCENTILE, axis=1, keepdims=True)


def detect_discharges(
    e: np.ndarray,
    fs: float,
    min_spacing_s: float = MIN_DISCHARGE_SPACING_S,
    threshold: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean mask (n_rows, n) of discharges: envelope peaks above an adaptive threshold.

    A sample is a discharge when it exceeds the row's threshold (:func:`discharge_threshold`
    by default), is the maximum of the surrounding ``+/- min_spacing_s`` and is strictly greater
    than the sample before it (so a plateau counts once).
    """
    thr = discharge_threshold(e) if threshold is None else threshold
    w = max(1, int(round(min_spacing_s * fs)))
    n = e.shape[1]
    rows, cols = np.nonzero(e > thr)  # candidates: few, as the threshold is high
    mask = np.zeros(e.shape, dtype=bool)
    if rows.size == 0:
        return mask
    offsets = np.arange(-w, w + 1)
    idx = cols[:, None] + offsets[None, :]
    inside = (idx >= 0) & (idx < n)
    neighbours = np.where(inside, e[rows[:, None], np.clip(idx, 0, n - 1)], -np.inf)
    value = e[rows, cols]
    is_max = value >= neighbours.max(axis=1)
    rising = (cols == 0) | (value > e[rows, np.maximum(cols - 1, 0)])
    keep = is_max & rising
    mask[rows[keep], cols[keep]] = True
    return mask


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
    n_rows, n = mask.shape
    rate = mask.sum(axis=1) / (n / fs)
    rows, pos = np.nonzero(mask)  # row-major: sorted by row, then time
    same = rows[1:] == rows[:-1]
    iv = np.diff(pos)[same].astype(np.float64)
    iv_rows = rows[1:][same]
    count = np.bincount(iv_rows, minlength=n_rows)
    s1 = np.bincount(iv_rows, weights=iv, minlength=n_rows)
    s2 = np.bincount(iv_rows, weights=iv * iv, minlength=n_rows)
    ok = count >= 2
    c = np.where(ok, count, 1)
    mean = s1 / c
    var = np.maximum(s2 / c - mean * mean, 0.0)
    cv = np.where(ok & (mean > 0), np.sqrt(var) / np.where(mean > 0, mean, 1.0), NEUTRAL_CV)
    return rate, cv


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
    in_band = (freqs >= band[0]) & (freqs < band[1])
    band_idx = np.flatnonzero(in_band)
    if band_idx.size == 0:
        return np.zeros(psd.shape[0])
    peak_bin = band_idx[psd[:, in_band].argmax(axis=1)]
    dist = np.abs(freqs[None, :] - freqs[peak_bin][:, None])
    flank = (dist > flank_hz[0]) & (dist <= flank_hz[1]) & (freqs[None, :] >= band[0])
    n_flank = flank.sum(axis=1)
    flank_mean = (psd * flank).sum(axis=1) / np.maximum(n_flank, 1)
    peak = psd[np.arange(psd.shape[0]), peak_bin]
    scale = np.maximum(psd.max(axis=1), 1e-300) * 1e-12
    ok = (n_flank > 0) & (peak > 0)
    db = 10.0 * np.log10((peak + scale) / (flank_mean + scale))
    return np.where(ok, db, 0.0)


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
#: Row sources: 18 channels, 4 regions (mean of their channels' envelopes / PSDs), global.
SOURCES: tuple[str, ...] = (*BIPOLAR_NAMES, *REGIONS, "global")
_AVERAGING = np.zeros((len(REGIONS) + 1, len(BIPOLAR_NAMES)))
for _k, _idx in enumerate(REGIONS.values()):
    _AVERAGING[_k, list(_idx)] = 1.0 / len(_idx)
_AVERAGING[-1] = 1.0 / len(BIPOLAR_NAMES)


def _with_sources(per_channel_rows: np.ndarray) -> np.ndarray:
    """Stack channel rows (18, ...) with region and global means -> (23, ...)."""
    return np.concatenate([per_channel_rows, _AVERAGING @ per_channel_rows], axis=0)


def periodicity_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Feature suffix -> values for the 23 :data:`SOURCES` (see the module docstring)."""
    step = max(1, int(round(ctx.fs / ENVELOPE_INPUT_FS)))
    in_fs = ctx.fs / step
    block = step * max(1, int(round(in_fs / ENVELOPE_FS)))  # raw samples per envelope sample
    env_fs = ctx.fs / block
    channel_env = power_envelope(ctx.x[:, ::step], in_fs, env_fs=env_fs)
    env = _with_sources(channel_env)
    max_lag = int(np.floor(ACF_LAG_RANGE_S[1] * env_fs)) + 1
    height, lag = acf_peak(autocorrelation(env, max_lag), env_fs)
    # discharges per channel; regions and global average the channels' statistics
    base, median, high = row_percentiles(env, (BASELINE_PERCENTILE, 50.0, PEAKINESS_PERCENTILE))
    n_ch = channel_env.shape[0]
    threshold = THRESHOLD_RATIO * base[:n_ch, None]
    mask = detect_discharges(channel_env, env_fs, threshold=threshold)
    rate, cv = discharge_statistics(mask, env_fs)
    # the labelled 10 s on the envelope grid (envelope sample j is at raw sample j * block)
    start, stop = ctx.center_slice.start, ctx.center_slice.stop
    b0 = min(start // block, mask.shape[1] - 1)
    b1 = max(b0 + 1, min(mask.shape[1], stop // block))
    rate_10s = mask[:, b0:b1].sum(axis=1) / ((b1 - b0) / env_fs)
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


@register_family("periodicity", DESCRIPTIONS)
def periodicity_features(ctx: WindowContext) -> dict[str, float]:
    """Envelope autocorrelation, discharge rate and regularity, peakiness and delta sharpness."""
    out: dict[str, float] = {}
    for name, values in periodicity_values(ctx).items():
        for source, v in zip(SOURCES, values.tolist()):
            out[f"{source}__{name}"] = v
    return out
