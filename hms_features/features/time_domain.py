"""Time-domain amplitude and shape features: std, line length, moments, crossings, energy, spikes.

One value per bipolar channel, from the quantities of :mod:`hms_features.kernels.amplitude`
(line length, moments, robust peak-to-peak, mean-crossing rate, Teager energy) and
:mod:`hms_features.kernels.spikes` (the amplitude-slope-duration spike rule), all computed in one
compiled visit of each channel (:func:`hms_features.kernels.channel_pass.time_values`). A flat or
entirely missing channel gets the neutral value 0 for every shape feature (kurtosis, skewness,
crossing rates, spike rate), so that no NaN can appear.

Region values (``LL``, ``RL``, ``LP``, ``RP``) are the mean of the region's four chains.

The zero-crossing rate is taken about the channel's mean (the mean-crossing rate): after the
0.5 Hz high-pass the two are the same quantity, so only one is emitted. ``_10s`` variants (the
labelled central 10 s) are emitted for std, line length and kurtosis.
"""

from __future__ import annotations

import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, declare, per_channel
from hms_features.kernels.channel_pass import time_values

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
