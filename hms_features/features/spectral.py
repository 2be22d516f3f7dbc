"""Spectral features from the shared Welch PSD: band powers, ratios, peak/edge frequency, entropy.

All functions take ``freqs`` (Hz, shape ``(n_freqs,)``) and ``psd`` (uV^2/Hz, shape
``(n_channels, n_freqs)``), e.g. from :meth:`WindowContext.psd`, and return one value per channel.

Band power is the trapezoidal integral of the PSD between the bins nearest to the band edges
(uV^2). Because the composite trapezoidal rule is additive over adjacent intervals, the five
clinical bands (delta 0.5-4, theta 4-8, alpha 8-13, beta 13-20, gamma 20-40 Hz) add up exactly to
the 0.5-40 Hz total, so their relative powers sum to 1.

Region values (``LL``, ``RL``, ``LP``, ``RP``) are computed from the region's mean PSD
(:meth:`WindowContext.region_psd`, as the competition's regional spectrograms average the four
chains' spectra), not by averaging channel values. Channels with no power (flat or missing)
get neutral values: relative powers 0, ratios 1, peak and edge frequency 0 Hz, entropy 0, slope 0.

Ratios are plain ratios of powers (as clinicians quote a delta/alpha ratio), guarded by a small
epsilon on the relative powers; they are heavy-tailed (up to ~1e6), which a tree model does not
mind. Absolute band powers are not emitted: with the time family's ``std`` and the relative
powers they add little; :func:`band_powers` computes them (uV^2) when needed.
All features of this family are invariant to scaling the signals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hms_features.constants import BANDS
from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, declare, per_channel
from hms_features.signal.montage import REGIONS

#: The range (Hz) over which relative powers, edge frequency and entropy are taken.
TOTAL_BAND: tuple[float, float] = (0.5, 40.0)
#: Range (Hz) searched for the dominant (peak) frequency.
PEAK_BAND: tuple[float, float] = (0.5, 20.0)
#: Range (Hz) of the log-log fit of the 1/f slope.
SLOPE_BAND: tuple[float, float] = (2.0, 30.0)
#: Fraction of the total power below the spectral edge frequency.
EDGE_FRACTION: float = 0.9
#: Below this total power (uV^2) a channel is treated as flat.
FLAT_POWER: float = 1e-12
#: Added to relative powers before a ratio, so that ratios stay finite (and are 1 when both are 0).
RATIO_EPS: float = 1e-6

#: Ratios emitted: name -> (numerator bands, denominator bands).
RATIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "delta_theta_ratio": (("delta",), ("theta",)),
    "theta_alpha_ratio": (("theta",), ("alpha",)),
    "slow_fast_ratio": (("delta", "theta"), ("alpha", "beta")),
}
_RATIO_TEXT = {
    "delta_theta_ratio": "delta (0.5-4 Hz) over theta (4-8 Hz) power",
    "theta_alpha_ratio": "theta (4-8 Hz) over alpha (8-13 Hz) power",
    "slow_fast_ratio": "slow (delta+theta, 0.5-8 Hz) over fast (alpha+beta, 8-20 Hz) power",
}
#: ``_10s`` variants emitted (on the labelled central 10 s).
BANDS_10S: tuple[str, ...] = ("delta", "theta", "alpha", "beta")
RATIOS_10S: tuple[str, ...] = ("slow_fast_ratio",)

_SEGMENT_TEXT = {"": "over the 50 s", "_10s": "over the labelled 10 s"}


def _descriptions() -> dict[str, str]:
    d: dict[str, str] = {}
    for sfx, seg in _SEGMENT_TEXT.items():
        for band in BANDS if sfx == "" else BANDS_10S:
            lo, hi = BANDS[band]
            d[f"{band}_rel_power{sfx}"] = (
                f"Relative {band} power: share of the 0.5-40 Hz power in {lo:g}-{hi:g} Hz, "
                f"{seg}, 0-1"
            )
        for name in RATIOS if sfx == "" else RATIOS_10S:
            d[f"{name}{sfx}"] = f"Power ratio {_RATIO_TEXT[name]}, {seg}, dimensionless"
        d[f"peak_frequency{sfx}"] = (
            f"Dominant frequency: the 0.5-20 Hz frequency of maximum power, {seg}, Hz"
        )
    d["spectral_edge_frequency"] = (
        "Spectral edge frequency: below it lies 90% of the 0.5-40 Hz power, over the 50 s, Hz"
    )
    d["spectral_entropy"] = (
        "Spectral entropy: normalised Shannon entropy of the 0.5-40 Hz spectrum (0 = one "
        "frequency, 1 = flat spectrum), over the 50 s, 0-1"
    )
    d["psd_slope"] = (
        "1/f slope: slope of log10 power against log10 frequency over 2-30 Hz (about -1.5 in "
        "typical EEG; steeper = more slowing), over the 50 s, dimensionless"
    )
    return d


DESCRIPTIONS = _descriptions()


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
    """
    cum = _cumulative_power(freqs, np.asarray(psd, dtype=np.float64))
    lo = [_index(freqs, a) for a, _ in bands.values()]
    hi = [_index(freqs, b) for _, b in bands.values()]
    return cum[:, hi] - cum[:, lo]


def total_power(
    freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float] = TOTAL_BAND
) -> np.ndarray:
    """Power in ``band`` (default 0.5-40 Hz), uV^2, shape (n_channels,)."""
    return band_powers(freqs, psd, {"total": band})[:, 0]


def relative_band_powers(
    freqs: np.ndarray,
    psd: np.ndarray,
    bands: Mapping[str, tuple[float, float]] = BANDS,
    total: tuple[float, float] = TOTAL_BAND,
) -> np.ndarray:
    """Band powers divided by the power in ``total`` (0.5-40 Hz); 0 for a channel without power.

    Returns
    -------
    ndarray, shape (n_channels, n_bands)
        Dimensionless, 0-1.
    """
    bp = band_powers(freqs, psd, {**bands, "__total__": total})
    tot = bp[:, -1:]
    ok = tot > FLAT_POWER
    return np.where(ok, bp[:, :-1] / np.where(ok, tot, 1.0), 0.0)


def band_ratio(
    numerator: np.ndarray, denominator: np.ndarray, eps: float = RATIO_EPS
) -> np.ndarray:
    """Guarded ratio ``(numerator + eps) / (denominator + eps)`` of relative powers.

    With relative powers (0-1) and ``eps = 1e-6`` the ratio is scale invariant, finite
    (at most ~1e6) and exactly 1 when both powers are 0 (a flat channel).
    """
    return (numerator + eps) / (denominator + eps)


def peak_frequency(
    freqs: np.ndarray, psd: np.ndarray, fmin: float = PEAK_BAND[0], fmax: float = PEAK_BAND[1]
) -> np.ndarray:
    """Frequency (Hz) of the largest PSD value in ``[fmin, fmax]``; 0 for a powerless channel."""
    sel = (freqs >= fmin) & (freqs <= fmax)
    f, p = freqs[sel], psd[:, sel]
    peak = f[np.argmax(p, axis=-1)]
    return np.where(p.max(axis=-1) > 0.0, peak, 0.0)


def spectral_edge_frequency(
    freqs: np.ndarray,
    psd: np.ndarray,
    edge: float = EDGE_FRACTION,
    band: tuple[float, float] = TOTAL_BAND,
) -> np.ndarray:
    """Frequency (Hz) below which ``edge`` (default 90%) of the power in ``band`` lies.

    The cumulative trapezoidal power from ``band[0]`` is interpolated linearly between bins.
    0 for a channel without power.
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
    freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float] = TOTAL_BAND
) -> np.ndarray:
    """Normalised Shannon entropy of the PSD bins in ``band``: ``-sum p log p / log n``, 0-1.

    ``p`` is the PSD normalised to sum 1 over the ``n`` bins of the band. 1 for a flat (white)
    spectrum, near 0 for a single spectral line; 0 for a channel without power.
    """
    sel = (freqs >= band[0]) & (freqs <= band[1])
    p = np.asarray(psd[:, sel], dtype=np.float64)
    s = p.sum(axis=-1, keepdims=True)
    ok = s[:, 0] > 0.0
    p = p / np.where(s > 0.0, s, 1.0)
    plogp = np.where(p > 0.0, p * np.log(np.where(p > 0.0, p, 1.0)), 0.0)
    h = -plogp.sum(axis=-1) / np.log(p.shape[-1])
    return np.where(ok, h, 0.0)


def psd_slope(
    freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float] = SLOPE_BAND
) -> np.ndarray:
    """Least-squares slope of ``log10 PSD`` against ``log10 f`` over ``band`` (default 2-30 Hz).

    About -1.5 for typical EEG (1/f^1.5); 0 for a channel without power (a floor of 1e-12 uV^2/Hz
    keeps the logarithm finite).
    """
    sel = (freqs >= band[0]) & (freqs <= band[1])
    lf = np.log10(freqs[sel])
    lp = np.log10(np.maximum(psd[:, sel], FLAT_POWER))
    lf_c = lf - lf.mean()
    slope = (lp - lp.mean(axis=-1, keepdims=True)) @ lf_c / (lf_c @ lf_c)
    return slope


def _with_regions(psd: np.ndarray, region_psd: Mapping[str, np.ndarray]) -> np.ndarray:
    """Stack the 18 channel PSDs and the 4 region PSDs into (22, n_freqs)."""
    return np.vstack([psd, np.stack([region_psd[r] for r in REGIONS])])


def _emit(out: dict[str, float], feature: str, values: np.ndarray, n_channels: int) -> None:
    regions = dict(zip(REGIONS, values[n_channels:]))
    out.update(per_channel(feature, values[:n_channels], region_values=regions))


def spectral_features(ctx: WindowContext) -> dict[str, float]:
    """Relative band powers, band ratios, peak/edge frequency, entropy and 1/f slope per channel.

    Region values come from the region's mean PSD. ``_10s`` variants use the PSD of the labelled
    central 10 s.
    """
    out: dict[str, float] = {}
    names = list(BANDS)
    for which, sfx in (("full", ""), ("center", "_10s")):
        freqs, psd = ctx.psd(which)
        n_ch = psd.shape[0]
        p = _with_regions(psd, ctx.region_psd(which))
        rel = relative_band_powers(freqs, p, BANDS)
        bands = names if sfx == "" else BANDS_10S
        for band in bands:
            _emit(out, f"{band}_rel_power{sfx}", rel[:, names.index(band)], n_ch)
        ratios = RATIOS if sfx == "" else RATIOS_10S
        for ratio in ratios:
            num, den = RATIOS[ratio]
            r = band_ratio(
                rel[:, [names.index(b) for b in num]].sum(axis=-1),
                rel[:, [names.index(b) for b in den]].sum(axis=-1),
            )
            _emit(out, f"{ratio}{sfx}", r, n_ch)
        _emit(out, f"peak_frequency{sfx}", peak_frequency(freqs, p), n_ch)
        if sfx == "":
            _emit(out, "spectral_edge_frequency", spectral_edge_frequency(freqs, p), n_ch)
            _emit(out, "spectral_entropy", spectral_entropy(freqs, p), n_ch)
            _emit(out, "psd_slope", psd_slope(freqs, p), n_ch)
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
def _unit(suffix: str) -> str:
    if "rel_power" in suffix or suffix == "spectral_entropy":
        return "0-1"
    return "Hz" if "frequency" in suffix else "dimensionless"


def _concept(suffix: str) -> str | tuple[str, ...]:
    if suffix.startswith(("delta_", "slow_fast")):
        return ("delta", "frequency") if suffix.startswith("slow_fast") else "delta"
    return "rhythmicity" if suffix == "spectral_entropy" else "frequency"


#: Emission order of the family (the descriptions list the 10-s variants before the others).
_ORDER = [
    *(f"{b}_rel_power" for b in BANDS),
    *RATIOS,
    "peak_frequency",
    "spectral_edge_frequency",
    "spectral_entropy",
    "psd_slope",
    *(f"{b}_rel_power_10s" for b in BANDS_10S),
    *(f"{r}_10s" for r in RATIOS_10S),
    "peak_frequency_10s",
]
FAMILY = Family(
    "spectral",
    spectral_features,
    declare(
        {s: DESCRIPTIONS[s] for s in _ORDER},
        {s: _unit(s) for s in DESCRIPTIONS},
        {s: _concept(s) for s in DESCRIPTIONS},
        CHANNELS_AND_REGIONS,
    ),
)
