"""Spectral features from the shared Welch PSD: band powers, ratios, peak/edge frequency, entropy.

Every feature is a quantity of the window's shared Welch PSD (:meth:`WindowContext.psd`, uV^2/Hz)
of each channel.

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
powers they add little; :func:`hms_features.kernels.spectra.band_powers` computes them (uV^2).
The quantities are those of :mod:`hms_features.kernels.spectra`.
All features of this family are invariant to scaling the signals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hms_features.constants import BANDS
from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, declare, per_channel
from hms_features.kernels.spectra import (
    band_ratio,
    peak_frequency,
    psd_slope,
    relative_band_powers,
    spectral_edge_frequency,
    spectral_entropy,
)
from hms_features.signal.montage import REGIONS

#: The range (Hz) over which relative powers, edge frequency and entropy are taken.
TOTAL_BAND: tuple[float, float] = (0.5, 40.0)
#: Range (Hz) searched for the dominant (peak) frequency.
PEAK_BAND: tuple[float, float] = (0.5, 20.0)
#: Range (Hz) of the log-log fit of the 1/f slope.
SLOPE_BAND: tuple[float, float] = (2.0, 30.0)
#: Fraction of the total power below the spectral edge frequency.
EDGE_FRACTION: float = 0.9

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
        rel = relative_band_powers(freqs, p, BANDS, TOTAL_BAND)
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
        _emit(out, f"peak_frequency{sfx}", peak_frequency(freqs, p, *PEAK_BAND), n_ch)
        if sfx == "":
            sef = spectral_edge_frequency(freqs, p, EDGE_FRACTION, TOTAL_BAND)
            _emit(out, "spectral_edge_frequency", sef, n_ch)
            _emit(out, "spectral_entropy", spectral_entropy(freqs, p, TOTAL_BAND), n_ch)
            _emit(out, "psd_slope", psd_slope(freqs, p, SLOPE_BAND), n_ch)
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
