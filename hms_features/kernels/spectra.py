"""Quantities of a power spectral density: band powers, relative powers, ratios, peak and edge
frequency, spectral entropy, 1/f slope, and the dominant frequency of short spectra.

The PSD functions take ``freqs`` (Hz, shape ``(n_freqs,)``, evenly spaced) and ``psd``
(uV^2/Hz, shape ``(n_channels, n_freqs)``, e.g. a Welch PSD) and return one value per channel.

Band power is the trapezoidal integral of the PSD between the bins nearest to the band edges
(uV^2). Because the composite trapezoidal rule is additive over adjacent intervals, adjacent
bands add up exactly to the power of their union. Channels with no power (flat or missing) get
neutral values: relative powers 0, ratios 1, peak and edge frequency 0 Hz, entropy 0.

:func:`delta_peak_sharpness` measures how narrow the strongest delta peak is (rhythmic delta).
"""

from __future__ import annotations

from collections.abc import Mapping

import numba
import numpy as np

from hms_features.constants import BANDS
from hms_features.kernels.trend import least_squares_slope
from hms_features.kernels.utils import _pairwise_sum, plogp, safe_divide

#: Below this total power (uV^2) a channel is treated as flat.
FLAT_POWER: float = 1e-12
#: Added to relative powers before a ratio, so that ratios stay finite (and are 1 when both are 0).
RATIO_EPS: float = 1e-6


def _index(freqs: np.ndarray, f: float) -> int:
    """Index of the frequency bin nearest to ``f`` Hz (raises if ``f`` is outside the grid)."""
    df = freqs[1] - freqs[0]
    if not freqs[0] - df / 2 <= f <= freqs[-1] + df / 2:
        raise ValueError(f"frequency {f} Hz is outside the PSD grid {freqs[0]}-{freqs[-1]} Hz")
    return int(np.argmin(np.abs(freqs - f)))


def _cumulative_power(freqs: np.ndarray, psd: np.ndarray) -> np.ndarray:
    """Cumulative trapezoidal integral of ``psd`` over ``freqs``, starting at 0; (n_ch, n_freqs)."""
    steps = 0.5 * (psd[:, 1:] + psd[:, :-1]) * np.diff(freqs)
    cum = np.zeros(psd.shape)
    np.cumsum(steps, axis=-1, out=cum[:, 1:])
    return cum


def band_powers(
    freqs: np.ndarray, psd: np.ndarray, bands: Mapping[str, tuple[float, float]] = BANDS
) -> np.ndarray:
    """Absolute band powers: trapezoidal integral of the PSD over each band.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Evenly spaced frequencies in Hz.
    psd : ndarray, shape (n_channels, n_freqs)
        Power spectral density in uV^2/Hz.
    bands : mapping
        Band name -> (low, high) in Hz; edges are snapped to the nearest bin.

    Returns
    -------
    ndarray, shape (n_channels, n_bands)
        Band power in uV^2, bands in the mapping's order.

    References
    ----------
    mne-features ``compute_pow_freq_bands`` (``normalize=False``; it sums bins instead of
    integrating).

    Examples
    --------
    White noise (1 uV^2/Hz) and a 10 Hz sine, 0-100 Hz in 0.5 Hz bins:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 100.5, 0.5)
    >>> psd = np.vstack([np.ones(freqs.size), np.where(freqs == 10.0, 1.0, 1e-9)])
    >>> np.round(band_powers(freqs, psd, {"alpha": (8.0, 13.0), "beta": (13.0, 20.0)}), 3)
    array([[5. , 7. ],
           [0.5, 0. ]])
    """
    cum = _cumulative_power(freqs, np.asarray(psd, dtype=np.float64))
    lo = [_index(freqs, a) for a, _ in bands.values()]
    hi = [_index(freqs, b) for _, b in bands.values()]
    return cum[:, hi] - cum[:, lo]


def total_power(
    freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float] = (0.5, 40.0)
) -> np.ndarray:
    """Power in ``band`` (default 0.5-40 Hz), uV^2, shape (n_channels,).

    Examples
    --------
    White noise (1 uV^2/Hz) and a 10 Hz sine, 0-100 Hz in 0.5 Hz bins:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 100.5, 0.5)
    >>> psd = np.vstack([np.ones(freqs.size), np.where(freqs == 10.0, 1.0, 1e-9)])
    >>> np.round(total_power(freqs, psd), 3)
    array([39.5,  0.5])
    """
    return band_powers(freqs, psd, {"total": band})[:, 0]


def relative_band_powers(
    freqs: np.ndarray,
    psd: np.ndarray,
    bands: Mapping[str, tuple[float, float]] = BANDS,
    total: tuple[float, float] = (0.5, 40.0),
) -> np.ndarray:
    """Band powers divided by the power in ``total`` (0.5-40 Hz); 0 for a channel without power.

    Returns
    -------
    ndarray, shape (n_channels, n_bands)
        Dimensionless, 0-1; the clinical bands of :data:`~hms_features.constants.BANDS` tile
        0.5-40 Hz, so their relative powers sum to 1.

    References
    ----------
    mne-features ``compute_pow_freq_bands`` (``normalize=True``).

    Examples
    --------
    White noise (1 uV^2/Hz) and a 10 Hz sine, 0-100 Hz in 0.5 Hz bins:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 100.5, 0.5)
    >>> psd = np.vstack([np.ones(freqs.size), np.where(freqs == 10.0, 1.0, 1e-9)])
    >>> np.round(relative_band_powers(freqs, psd), 3)  # delta, theta, alpha, beta, gamma
    array([[0.089, 0.101, 0.127, 0.177, 0.506],
           [0.   , 0.   , 1.   , 0.   , 0.   ]])
    """
    bp = band_powers(freqs, psd, {**bands, "__total__": total})
    return safe_divide(bp[:, :-1], bp[:, -1:], FLAT_POWER)


def band_ratio(
    numerator: np.ndarray, denominator: np.ndarray, eps: float = RATIO_EPS
) -> np.ndarray:
    """Guarded ratio ``(numerator + eps) / (denominator + eps)`` of relative powers.

    With relative powers (0-1) and ``eps = 1e-6`` the ratio is scale invariant, finite
    (at most ~1e6) and exactly 1 when both powers are 0 (a flat channel).

    Examples
    --------
    >>> import numpy as np
    >>> np.round(band_ratio(np.array([0.4, 0.0]), np.array([0.1, 0.0])), 3)
    array([4., 1.])
    """
    return (numerator + eps) / (denominator + eps)


def peak_frequency(
    freqs: np.ndarray, psd: np.ndarray, fmin: float = 0.5, fmax: float = 20.0
) -> np.ndarray:
    """Frequency (Hz) of the largest PSD value in ``[fmin, fmax]``; 0 for a powerless channel.

    Examples
    --------
    White noise (1 uV^2/Hz) and a 10 Hz sine, 0-100 Hz in 0.5 Hz bins:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 100.5, 0.5)
    >>> psd = np.vstack([np.ones(freqs.size), np.where(freqs == 10.0, 1.0, 1e-9)])
    >>> peak_frequency(freqs, psd)  # white: the first bin of the range
    array([ 0.5, 10. ])
    """
    sel = (freqs >= fmin) & (freqs <= fmax)
    f, p = freqs[sel], psd[:, sel]
    peak = f[np.argmax(p, axis=-1)]
    return np.where(p.max(axis=-1) > 0.0, peak, 0.0)


def spectral_edge_frequency(
    freqs: np.ndarray,
    psd: np.ndarray,
    edge: float = 0.9,
    band: tuple[float, float] = (0.5, 40.0),
) -> np.ndarray:
    """Frequency (Hz) below which ``edge`` (default 90%) of the power in ``band`` lies.

    The cumulative trapezoidal power from ``band[0]`` is interpolated linearly between bins.
    0 for a channel without power.

    References
    ----------
    mne-features ``compute_spect_edge_freq``.

    Examples
    --------
    White noise (1 uV^2/Hz) and a 10 Hz sine, 0-100 Hz in 0.5 Hz bins:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 100.5, 0.5)
    >>> psd = np.vstack([np.ones(freqs.size), np.where(freqs == 10.0, 1.0, 1e-9)])
    >>> np.round(spectral_edge_frequency(freqs, psd), 2)
    array([36.05, 10.4 ])
    """
    i0, i1 = _index(freqs, band[0]), _index(freqs, band[1])
    f = freqs[i0 : i1 + 1]
    cum = _cumulative_power(f, np.asarray(psd[:, i0 : i1 + 1], dtype=np.float64))
    tot = cum[:, -1]
    target = edge * tot
    k = np.argmax(cum >= target[:, None], axis=-1)  # first bin reaching the target (>= 1)
    k = np.clip(k, 1, f.size - 1)
    rows = np.arange(cum.shape[0])
    c0, c1 = cum[rows, k - 1], cum[rows, k]
    frac = np.clip((target - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.0, 1.0)
    sef = f[k - 1] + frac * (f[k] - f[k - 1])
    return np.where(tot > FLAT_POWER, sef, 0.0)


def spectral_entropy(
    freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float] = (0.5, 40.0)
) -> np.ndarray:
    """Normalised Shannon entropy of the PSD bins in ``band``: ``-sum p log p / log n``, 0-1.

    ``p`` is the PSD normalised to sum 1 over the ``n`` bins of the band. 1 for a flat (white)
    spectrum, near 0 for a single spectral line; 0 for a channel without power.

    References
    ----------
    Inouye et al. (1991), Quantification of EEG irregularity by use of the entropy of the power
    spectrum, Electroencephalogr. Clin. Neurophysiol. 79: 204-210; AntroPy's
    ``spectral_entropy(normalize=True)`` and mne-features ``compute_spect_entropy``.

    Examples
    --------
    White noise (1 uV^2/Hz) and a 10 Hz sine, 0-100 Hz in 0.5 Hz bins:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 100.5, 0.5)
    >>> psd = np.vstack([np.ones(freqs.size), np.where(freqs == 10.0, 1.0, 1e-9)])
    >>> np.round(spectral_entropy(freqs, psd), 3)
    array([1., 0.])
    """
    sel = (freqs >= band[0]) & (freqs <= band[1])
    p = np.asarray(psd[:, sel], dtype=np.float64)
    s = p.sum(axis=-1, keepdims=True)
    ok = s[:, 0] > 0.0
    p = p / np.where(s > 0.0, s, 1.0)
    h = -plogp(p).sum(axis=-1) / np.log(p.shape[-1])
    return np.where(ok, h, 0.0)


def psd_slope(
    freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float] = (2.0, 30.0)
) -> np.ndarray:
    """Least-squares slope of ``log10 PSD`` against ``log10 f`` over ``band`` (default 2-30 Hz).

    Dimensionless: about -1.5 for typical EEG (1/f^1.5), 0 for white noise and for a channel
    without power (a floor of 1e-12 uV^2/Hz keeps the logarithm finite).

    References
    ----------
    The aperiodic exponent of Donoghue et al. (2020), Parameterizing neural power spectra into
    periodic and aperiodic components, Nat. Neurosci. 23: 1655-1665 (here a plain log-log fit).

    Examples
    --------
    White noise (1 uV^2/Hz) and a 10 Hz sine, 0-100 Hz in 0.5 Hz bins:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 100.5, 0.5)
    >>> psd = np.vstack([np.ones(freqs.size), np.where(freqs == 10.0, 1.0, 1e-9)])
    >>> pink = 1.0 / np.maximum(freqs, 0.5) ** 1.5
    >>> np.round(psd_slope(freqs, np.vstack([psd[0], pink])), 3)
    array([ 0. , -1.5])
    """
    sel = (freqs >= band[0]) & (freqs <= band[1])
    lp = np.log10(np.maximum(psd[:, sel], FLAT_POWER))
    return least_squares_slope(np.log10(freqs[sel]), lp)


def subwindow_power_spectra(sub: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Hann-windowed power spectra of every sub-window with one real FFT.

    Parameters
    ----------
    sub : ndarray, shape (n_channels, n_sub, n)
        Sub-windows in microvolts (mean removed here).
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    freqs : ndarray, shape (n // 2 + 1,)
        Hz.
    power : ndarray, shape (n_channels, n_sub, n // 2 + 1)
        ``|FFT(w * (x - mean))|^2`` in uV^2 (unnormalised: only its shape is used).

    Examples
    --------
    Two 5-s sub-windows of a 10 Hz sine at 100 Hz (0.2 Hz bins):

    >>> import numpy as np
    >>> sub = np.sin(2 * np.pi * 10.0 * np.arange(1000) / 100.0).reshape(1, 2, 500)
    >>> freqs, power = subwindow_power_spectra(sub, 100.0)
    >>> power.shape, freqs[power[0].argmax(axis=-1)]
    ((1, 2, 251), array([10., 10.]))
    """
    n = sub.shape[-1]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)
    spec = np.fft.rfft((sub - sub.mean(axis=-1, keepdims=True)) * window, axis=-1)
    return np.fft.rfftfreq(n, 1.0 / fs), spec.real**2 + spec.imag**2


def dominant_frequency(
    freqs: np.ndarray, power: np.ndarray, f_range: tuple[float, float] = (0.5, 20.0)
) -> np.ndarray:
    """Frequency (Hz) of the spectral peak in ``f_range``, refined by parabolic interpolation.

    The parabola goes through the log power of the peak bin and its two neighbours (exact for
    a Gaussian-shaped peak, within ~0.05 bin for a Hann-windowed sinusoid). A flat (all-zero)
    spectrum gives the lower edge of the range.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Evenly spaced frequencies in Hz.
    power : ndarray, shape (..., n_freqs)
        Power spectra.

    Returns
    -------
    ndarray, shape power.shape[:-1]
        Hz.

    References
    ----------
    Quadratic interpolation of spectral peaks: Smith & Serra (1987), PARSHL, ICMC; Gasior &
    Gonzalez (2004), CERN-AB-2004-023.

    Examples
    --------
    A 7.3 Hz sine over 5 s at 100 Hz: the peak bin is 7.2 Hz, the parabola finds ~7.3 Hz.

    >>> import numpy as np
    >>> sub = np.sin(2 * np.pi * 7.3 * np.arange(500) / 100.0).reshape(1, 1, 500)
    >>> freqs, power = subwindow_power_spectra(sub, 100.0)
    >>> np.round(dominant_frequency(freqs, power), 2)
    array([[7.3]])
    """
    sel = np.flatnonzero((freqs >= f_range[0]) & (freqs <= f_range[1]))
    if sel.size == 0:
        return np.full(power.shape[:-1], f_range[0])
    k = sel[0] + power[..., sel].argmax(axis=-1)
    km = np.clip(k - 1, 0, freqs.size - 1)
    kp = np.clip(k + 1, 0, freqs.size - 1)
    scale = np.maximum(power.max(axis=-1), 1e-300)[..., None] * 1e-12
    logp = np.log(power + scale)
    y0 = np.take_along_axis(logp, km[..., None], axis=-1)[..., 0]
    y1 = np.take_along_axis(logp, k[..., None], axis=-1)[..., 0]
    y2 = np.take_along_axis(logp, kp[..., None], axis=-1)[..., 0]
    curvature = y0 - 2.0 * y1 + y2
    concave = curvature < 0
    shift = np.where(concave, 0.5 * (y0 - y2) / np.where(concave, curvature, -1.0), 0.0)
    df = freqs[1] - freqs[0] if freqs.size > 1 else 0.0
    f = np.clip(freqs[k] + np.clip(shift, -0.5, 0.5) * df, f_range[0], f_range[1])
    return np.where(power.max(axis=-1) > 0, f, f_range[0])


def delta_peak_sharpness(
    freqs: np.ndarray,
    psd: np.ndarray,
    band: tuple[float, float] = BANDS["delta"],
    flank_hz: tuple[float, float] = (1.0, 2.5),
) -> np.ndarray:
    """How far the strongest delta peak stands above its flanks, in dB.

    ``10 log10(P(f*) / mean P(f))`` where ``f*`` is the bin of maximum PSD in ``band`` and the
    mean runs over bins ``f >= band[0]`` with ``flank_hz[0] < |f - f*| <= flank_hz[1]``.
    0 dB for a flat spectrum or an all-zero PSD. A monomorphic rhythmic delta concentrates its
    power in one narrow peak.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz.
    psd : ndarray, shape (n_rows, n_freqs)
        uV^2/Hz.
    band : (float, float)
        The band searched for the peak, Hz (default delta, 0.5-4 Hz).
    flank_hz : (float, float)
        Distances of the flank bins from the peak, Hz (default 1-2.5 Hz).

    Returns
    -------
    ndarray, shape (n_rows,)
        dB.

    Examples
    --------
    A 2 Hz peak 1000 times above a flat 1 uV^2/Hz floor (0.25 Hz bins), the floor alone, and
    an all-zero PSD:

    >>> import numpy as np
    >>> freqs = np.arange(0.0, 20.25, 0.25)
    >>> peak = np.where(freqs == 2.0, 1000.0, 1.0)
    >>> np.round(delta_peak_sharpness(freqs, np.vstack([peak, np.ones(freqs.size), 0 * peak])), 3)
    array([30.,  0.,  0.])
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
