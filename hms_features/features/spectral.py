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

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from hms_features.constants import BANDS
from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, Feature
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

#: Band ratios: suffix -> (numerator bands, denominator bands), over the 50 s ...
RATIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "delta_theta_ratio": (("delta",), ("theta",)),
    "theta_alpha_ratio": (("theta",), ("alpha",)),
    "slow_fast_ratio": (("delta", "theta"), ("alpha", "beta")),
}
#: ... and over the labelled central 10 s.
RATIOS_10S: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "slow_fast_ratio_10s": (("delta", "theta"), ("alpha", "beta")),
}
#: Relative band powers: band -> suffix, over the 50 s and over the labelled 10 s.
REL_POWERS: dict[str, str] = {
    "delta": "delta_rel_power",
    "theta": "theta_rel_power",
    "alpha": "alpha_rel_power",
    "beta": "beta_rel_power",
    "gamma": "gamma_rel_power",
}
REL_POWERS_10S: dict[str, str] = {
    "delta": "delta_rel_power_10s",
    "theta": "theta_rel_power_10s",
    "alpha": "alpha_rel_power_10s",
    "beta": "beta_rel_power_10s",
}


def _with_regions(psd: np.ndarray, region_psd: Mapping[str, np.ndarray]) -> np.ndarray:
    """Stack the 18 channel PSDs and the 4 region PSDs into (22, n_freqs)."""
    return np.vstack([psd, np.stack([region_psd[r] for r in REGIONS])])


def spectral_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Relative band powers, band ratios, peak/edge frequency, entropy and 1/f slope per channel
    and region (22,).

    Region values come from the region's mean PSD. ``_10s`` variants use the PSD of the labelled
    central 10 s.
    """
    return _spectral_rows(lambda which: (ctx.psd(which)[0], _window_rows(ctx, which)))


def spectral_batch(ctxs: Sequence[WindowContext]) -> dict[str, np.ndarray]:
    """:func:`spectral_values` of several windows, (n_windows, 22) each: their 22 PSDs each
    stacked into one (22 n_windows, n_freqs) array that each quantity visits once (every
    quantity is computed row by row, so the values are the same)."""

    def stacked(which: str) -> tuple[np.ndarray, np.ndarray]:
        return ctxs[0].psd(which)[0], np.concatenate([_window_rows(c, which) for c in ctxs])

    return {k: v.reshape(len(ctxs), -1) for k, v in _spectral_rows(stacked).items()}


def _window_rows(ctx: WindowContext, which: str) -> np.ndarray:
    """The window's 18 channel PSDs and 4 region PSDs of ``which``, (22, n_freqs)."""
    return _with_regions(ctx.psd(which)[1], ctx.region_psd(which))


def _spectral_rows(
    psd_of: Callable[[str], tuple[np.ndarray, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Every feature of the family, one value per row of ``psd_of(which)``'s PSD rows
    (``which`` in 'full', 'center')."""
    out: dict[str, np.ndarray] = {}
    names = list(BANDS)
    spans = (
        ("full", REL_POWERS, RATIOS, "peak_frequency"),
        ("center", REL_POWERS_10S, RATIOS_10S, "peak_frequency_10s"),
    )
    for which, rel_powers, ratios, peak in spans:
        freqs, p = psd_of(which)
        rel = relative_band_powers(freqs, p, BANDS, TOTAL_BAND)
        for band, suffix in rel_powers.items():
            out[suffix] = rel[:, names.index(band)]
        for suffix, (num, den) in ratios.items():
            out[suffix] = band_ratio(
                rel[:, [names.index(b) for b in num]].sum(axis=-1),
                rel[:, [names.index(b) for b in den]].sum(axis=-1),
            )
        out[peak] = peak_frequency(freqs, p, *PEAK_BAND)
        if which == "full":
            out["spectral_edge_frequency"] = spectral_edge_frequency(
                freqs, p, EDGE_FRACTION, TOTAL_BAND
            )
            out["spectral_entropy"] = spectral_entropy(freqs, p, TOTAL_BAND)
            out["psd_slope"] = psd_slope(freqs, p, SLOPE_BAND)
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
RATIO_TEXT = {
    "delta_theta_ratio": "delta (0.5-4 Hz) over theta (4-8 Hz) power",
    "theta_alpha_ratio": "theta (4-8 Hz) over alpha (8-13 Hz) power",
    "slow_fast_ratio": "slow (delta+theta, 0.5-8 Hz) over fast (alpha+beta, 8-20 Hz) power",
}
FIFTY_S, TEN_S = "over the 50 s", "over the labelled 10 s"


def _rel(band: str, span: str = FIFTY_S) -> str:
    lo, hi = BANDS[band]
    return f"Relative {band} power: share of the 0.5-40 Hz power in {lo:g}-{hi:g} Hz, {span}, 0-1"


def _ratio(ratio: str, span: str = FIFTY_S) -> str:
    return f"Power ratio {RATIO_TEXT[ratio]}, {span}, dimensionless"


def _peak(span: str) -> str:
    return f"Dominant frequency: the 0.5-20 Hz frequency of maximum power, {span}, Hz"


_SOURCES = CHANNELS_AND_REGIONS
FAMILY = Family(
    "spectral",
    spectral_values,
    batch=spectral_batch,
    features=(
        Feature("delta_rel_power", _rel("delta"), "0-1", "delta", _SOURCES),
        Feature("theta_rel_power", _rel("theta"), "0-1", "frequency", _SOURCES),
        Feature("alpha_rel_power", _rel("alpha"), "0-1", "frequency", _SOURCES),
        Feature("beta_rel_power", _rel("beta"), "0-1", "frequency", _SOURCES),
        Feature("gamma_rel_power", _rel("gamma"), "0-1", "frequency", _SOURCES),
        Feature(
            "delta_theta_ratio", _ratio("delta_theta_ratio"), "dimensionless", "delta", _SOURCES
        ),
        Feature(
            "theta_alpha_ratio",
            _ratio("theta_alpha_ratio"),
            "dimensionless",
            "frequency",
            _SOURCES,
        ),
        Feature(
            "slow_fast_ratio",
            _ratio("slow_fast_ratio"),
            "dimensionless",
            "delta",
            _SOURCES,
            also=("frequency",),
        ),
        Feature("peak_frequency", _peak(FIFTY_S), "Hz", "frequency", _SOURCES),
        Feature(
            "spectral_edge_frequency",
            "Spectral edge frequency: below it lies 90% of the 0.5-40 Hz power, over the 50 s, Hz",
            "Hz",
            "frequency",
            _SOURCES,
        ),
        Feature(
            "spectral_entropy",
            "Spectral entropy: normalised Shannon entropy of the 0.5-40 Hz spectrum (0 = one "
            "frequency, 1 = flat spectrum), over the 50 s, 0-1",
            "0-1",
            "rhythmicity",
            _SOURCES,
        ),
        Feature(
            "psd_slope",
            "1/f slope: slope of log10 power against log10 frequency over 2-30 Hz (about -1.5 in "
            "typical EEG; steeper = more slowing), over the 50 s, dimensionless",
            "dimensionless",
            "frequency",
            _SOURCES,
        ),
        Feature("delta_rel_power_10s", _rel("delta", TEN_S), "0-1", "delta", _SOURCES, "10 s"),
        Feature("theta_rel_power_10s", _rel("theta", TEN_S), "0-1", "frequency", _SOURCES, "10 s"),
        Feature("alpha_rel_power_10s", _rel("alpha", TEN_S), "0-1", "frequency", _SOURCES, "10 s"),
        Feature("beta_rel_power_10s", _rel("beta", TEN_S), "0-1", "frequency", _SOURCES, "10 s"),
        Feature(
            "slow_fast_ratio_10s",
            _ratio("slow_fast_ratio", TEN_S),
            "dimensionless",
            "delta",
            _SOURCES,
            "10 s",
            also=("frequency",),
        ),
        Feature("peak_frequency_10s", _peak(TEN_S), "Hz", "frequency", _SOURCES, "10 s"),
    ),
)
