"""Evolution features: how frequency, amplitude and line length change across the 50 s.

An electrographic seizure evolves: its frequency, amplitude or location changes over seconds,
whereas periodic discharges and rhythmic delta stay stationary. The 50 s are cut into ten
5-s sub-windows; in each, per region (mean over its four chains) and for the whole head:

- dominant frequency (Hz): the peak of the mean Hann-windowed power spectrum in 0.5-20 Hz
  (0.2 Hz bins, refined by a parabola through the log power of the peak and its neighbours);
- log amplitude: ``log10`` of the RMS over the channels of their standard deviation (uV),
  floored at 0.1 uV;
- log line length: ``log10`` of the mean absolute sample-to-sample change (uV per sample at
  200 Hz), floored at 0.01 uV per sample.

Each sequence of ten values is summarised by its least-squares slope against the sub-window
centre time (per second), its range (max - min), standard deviation and the largest absolute
change between consecutive sub-windows. A stationary signal scores ~0 on all; a chirp from
3 to 8 Hz over 50 s has a frequency slope of 0.1 Hz/s.

Location: the left-right balance of log amplitude in each sub-window (left minus right region,
or hemisphere for ``global``) is summarised by its range and standard deviation; a discharge
that spreads or migrates across hemispheres changes it.

All sub-window spectra come from one FFT over the reshaped (channels, sub-windows, samples)
array (:mod:`hms_features.kernels.spectra`); the statistics are those of
:func:`hms_features.kernels.trend.trend_statistics`. A flat window gives 0 for every feature.
"""

from __future__ import annotations

import numpy as np

from hms_features.features.context import ANALYSIS_FS, WindowContext
from hms_features.features.registry import PAIRS_AND_HEAD, REGIONS_AND_HEAD, Family, Feature
from hms_features.kernels.spectra import dominant_frequency, subwindow_power_spectra
from hms_features.kernels.trend import (
    split_subwindows,
    subwindow_variance_line_length,
    trend_statistics,
)
from hms_features.signal.montage import REGION_AND_HEAD_MEAN, REGION_PAIRS, REGIONS

#: Number of sub-windows the window is cut into (ten 5-s sub-windows of the 50 s).
N_SUBWINDOWS: int = 10
#: Dominant-frequency search range (Hz): the range of the competition spectrograms.
DOMINANT_RANGE_HZ: tuple[float, float] = (0.5, 20.0)
#: Sub-window spectra are computed at the window's analysis rate, 100 Hz (every second sample:
#: the 0.5-40 Hz preprocessing leaves nothing that would alias into 0.5-20 Hz).
SPECTRUM_FS: float = ANALYSIS_FS
#: Floors before the logarithms: 0.1 uV RMS and 0.01 uV per sample line length.
AMPLITUDE_FLOOR_UV: float = 0.1
LINE_LENGTH_FLOOR_UV: float = 0.01

QUANTITIES: dict[str, str] = {
    "dominant_freq": "dominant frequency (Hz, peak of the 0.5-20 Hz spectrum)",
    "log_amplitude": "log10 RMS amplitude (log10 uV)",
    "log_line_length": "log10 line length (log10 uV per sample)",
}
STATISTICS: dict[str, str] = {
    "slope": "least-squares slope over the ten 5-s sub-windows of the 50 s, per second "
    "(units of the quantity per s; >0 rising, <0 falling, ~0 stationary)",
    "range": "range (max - min) over the ten 5-s sub-windows of the 50 s, in units of the "
    "quantity; large when the pattern evolves",
    "std": "standard deviation over the ten 5-s sub-windows of the 50 s, in units of the quantity",
    "max_change": "largest absolute change between consecutive 5-s sub-windows of the 50 s, in "
    "units of the quantity; large for abrupt onset or offset",
}


def _text(quantity: str, statistic: str) -> str:
    """The description of a statistic of a quantity's sequence (of QUANTITIES, STATISTICS)."""
    return f"Evolution of the {QUANTITIES[quantity]}: {STATISTICS[statistic]}"


_REGION_POS = {r: k for k, r in enumerate(REGIONS)}


def _subwindow_parts(
    x: np.ndarray, fs: float, n_sub: int, shared: tuple[dict, int] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Frequencies (Hz), power spectra (18, n_sub, n_freqs), variances and line lengths
    (18, n_sub) of the ``n_sub`` sub-windows of ``x`` (see :func:`subwindow_quantities`).

    With ``shared = (store, offset)`` (``x`` starts at sample ``offset`` of a stretch whose
    windows share ``store``), a sub-window already computed for another window of the stretch
    (the same samples: windows 5, 10, ... s apart, as ``hms score``'s every 10 s) is taken
    from ``store``; the others are computed, as one batch, and kept there. Each sub-window's
    numbers are computed exactly as in one batch of the whole window.
    """
    length = split_subwindows(x, n_sub).shape[-1]
    step = max(1, int(round(fs / SPECTRUM_FS)))
    freqs = np.fft.rfftfreq(len(range(0, length, step)), 1.0 / (fs / step))  # as computed there
    if shared is None:
        sub = split_subwindows(x, n_sub)
        _, power = subwindow_power_spectra(sub[..., ::step], fs / step)
        variance, ll = subwindow_variance_line_length(sub)
        return freqs, power, variance, ll
    store, offset = shared
    keys = [("evolution", offset + k * length, length, step) for k in range(n_sub)]
    todo = [k for k in range(n_sub) if keys[k] not in store]
    if todo:
        sub = np.stack([x[:, k * length : (k + 1) * length] for k in todo], axis=1)
        _, power = subwindow_power_spectra(sub[..., ::step], fs / step)
        variance, ll = subwindow_variance_line_length(sub)
        for j, k in enumerate(todo):
            store[keys[k]] = (power[:, j], variance[:, j], ll[:, j])
    parts = [store[key] for key in keys]
    return (
        freqs,
        np.stack([p[0] for p in parts], axis=1),
        np.stack([p[1] for p in parts], axis=1),
        np.stack([p[2] for p in parts], axis=1),
    )


def subwindow_quantities(
    x: np.ndarray, fs: float, n_sub: int = N_SUBWINDOWS, shared: tuple[dict, int] | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Per-source sub-window series of the three quantities.

    Parameters
    ----------
    x : ndarray, shape (18, n_times)
        Bipolar signals in microvolts.
    fs : float
        Sampling rate of ``x``, Hz.
    n_sub : int
        Number of sub-windows.
    shared : (dict, int), optional
        A stretch's store of sub-window quantities and the first sample of ``x`` in the
        stretch (:attr:`WindowContext.stretch <hms_features.features.context.WindowContext.
        stretch>`): sub-windows that other windows of the stretch share are computed once.

    Returns
    -------
    series : dict
        Quantity name -> ndarray (5 sources: LL, RL, LP, RP, global; n_sub).
    times : ndarray, shape (n_sub,)
        Sub-window centre times in seconds.
    mean_square : ndarray, shape (5, n_sub)
        Mean power (uV^2) per source and sub-window (for the lateralization features).
    """
    n = split_subwindows(x, n_sub).shape[-1]
    freqs, power, variance, ll = _subwindow_parts(x, fs, n_sub, shared)
    source_power = np.einsum("sc,cwf->swf", REGION_AND_HEAD_MEAN, power)
    mean_square = REGION_AND_HEAD_MEAN @ variance  # (5 sources, n_sub), uV^2
    line_length = REGION_AND_HEAD_MEAN @ ll
    series = {
        "dominant_freq": dominant_frequency(freqs, source_power, DOMINANT_RANGE_HZ),
        "log_amplitude": np.log10(np.maximum(np.sqrt(mean_square), AMPLITUDE_FLOOR_UV)),
        "log_line_length": np.log10(np.maximum(line_length, LINE_LENGTH_FLOOR_UV)),
    }
    times = (np.arange(n_sub) + 0.5) * n / fs
    return series, times, mean_square


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
def evolution_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Slope, range, SD and max step of frequency, amplitude and line length over sub-windows
    (per region and whole head); range and SD of the left-right balance (per pair and
    hemispheres)."""
    series, times, mean_square = subwindow_quantities(ctx.x, ctx.fs, shared=ctx.stretch)
    freq = trend_statistics(series["dominant_freq"], times)
    amplitude = trend_statistics(series["log_amplitude"], times)
    line_length = trend_statistics(series["log_line_length"], times)
    # location: left-right balance of log amplitude per sub-window
    amp = np.maximum(np.sqrt(mean_square), AMPLITUDE_FLOOR_UV)
    left = [amp[_REGION_POS[a]] for a, _ in REGION_PAIRS]
    right = [amp[_REGION_POS[b]] for _, b in REGION_PAIRS]
    hemi_left = np.sqrt(np.mean([m * m for m in left], axis=0))
    hemi_right = np.sqrt(np.mean([m * m for m in right], axis=0))
    balance = np.log10(np.stack([*left, hemi_left])) - np.log10(np.stack([*right, hemi_right]))
    return {
        "dominant_freq_slope": freq["slope"],
        "dominant_freq_range": freq["range"],
        "dominant_freq_std": freq["std"],
        "dominant_freq_max_change": freq["max_change"],
        "log_amplitude_slope": amplitude["slope"],
        "log_amplitude_range": amplitude["range"],
        "log_amplitude_std": amplitude["std"],
        "log_amplitude_max_change": amplitude["max_change"],
        "log_line_length_slope": line_length["slope"],
        "log_line_length_range": line_length["range"],
        "log_line_length_std": line_length["std"],
        "log_line_length_max_change": line_length["max_change"],
        "lateralization_range": balance.max(axis=1) - balance.min(axis=1),
        "lateralization_std": balance.std(axis=1),
    }


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
FAMILY = Family(
    "evolution",
    evolution_values,
    (
        Feature(
            "dominant_freq_slope",
            _text("dominant_freq", "slope"),
            "Hz per s",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "dominant_freq_range",
            _text("dominant_freq", "range"),
            "Hz",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "dominant_freq_std", _text("dominant_freq", "std"), "Hz", "evolution", REGIONS_AND_HEAD
        ),
        Feature(
            "dominant_freq_max_change",
            _text("dominant_freq", "max_change"),
            "Hz",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_amplitude_slope",
            _text("log_amplitude", "slope"),
            "log10 uV per s",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_amplitude_range",
            _text("log_amplitude", "range"),
            "log10 uV",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_amplitude_std",
            _text("log_amplitude", "std"),
            "log10 uV",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_amplitude_max_change",
            _text("log_amplitude", "max_change"),
            "log10 uV",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_line_length_slope",
            _text("log_line_length", "slope"),
            "log10 uV per sample per s",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_line_length_range",
            _text("log_line_length", "range"),
            "log10 uV per sample",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_line_length_std",
            _text("log_line_length", "std"),
            "log10 uV per sample",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "log_line_length_max_change",
            _text("log_line_length", "max_change"),
            "log10 uV per sample",
            "evolution",
            REGIONS_AND_HEAD,
        ),
        Feature(
            "lateralization_range",
            "Evolution in location: range over the ten 5-s sub-windows of the left-minus-right "
            "difference of log10 RMS amplitude (log10 units); large when activity shifts side",
            "log10 units",
            "evolution",
            PAIRS_AND_HEAD,
            also=("lateralization",),
        ),
        Feature(
            "lateralization_std",
            "Evolution in location: standard deviation over the ten 5-s sub-windows of the "
            "left-minus-right difference of log10 RMS amplitude (log10 units)",
            "log10 units",
            "evolution",
            PAIRS_AND_HEAD,
            also=("lateralization",),
        ),
    ),
)
