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
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, Feature, with_regions
from hms_features.kernels.channel_pass import time_values


def window_time_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """:func:`time_values` of a window, computed once and shared (the symmetry family uses the
    line lengths and standard deviations)."""
    return ctx.shared("time_values", lambda: time_values(ctx.x, ctx.fs, ctx.center_slice))


def time_family_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Amplitude, line length, moments, crossings, nonlinear energy and spike rate per channel
    and region (keyed by suffix, as :func:`time_values` names them)."""
    return {suffix: with_regions(v) for suffix, v in window_time_values(ctx).items()}


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
FAMILY = Family(
    "time",
    time_family_values,
    (
        Feature(
            "std",
            "Amplitude: standard deviation of the signal over the 50 s, uV",
            "uV",
            "amplitude",
            CHANNELS_AND_REGIONS,
        ),
        Feature(
            "std_10s",
            "Amplitude: standard deviation of the signal over the labelled 10 s, uV",
            "uV",
            "amplitude",
            CHANNELS_AND_REGIONS,
            span="10 s",
        ),
        Feature(
            "line_length",
            "Line length: mean absolute change between consecutive samples over the 50 s, uV per "
            "sample (5 ms)",
            "uV per sample",
            "amplitude",
            CHANNELS_AND_REGIONS,
            also=("frequency",),
        ),
        Feature(
            "line_length_10s",
            "Line length: mean absolute change between consecutive samples over the labelled 10 "
            "s, uV per sample (5 ms)",
            "uV per sample",
            "amplitude",
            CHANNELS_AND_REGIONS,
            span="10 s",
            also=("frequency",),
        ),
        Feature(
            "kurtosis",
            "Peakedness (Fisher excess kurtosis, 0 for Gaussian noise; high with spikes or "
            "bursts) over the 50 s, dimensionless",
            "dimensionless",
            "sharpness",
            CHANNELS_AND_REGIONS,
        ),
        Feature(
            "kurtosis_10s",
            "Peakedness (Fisher excess kurtosis, 0 for Gaussian noise; high with spikes or "
            "bursts) over the labelled 10 s, dimensionless",
            "dimensionless",
            "sharpness",
            CHANNELS_AND_REGIONS,
            span="10 s",
        ),
        Feature(
            "skewness",
            "Asymmetry of the amplitude distribution (positive: sharp upward deflections "
            "dominate) over the 50 s, dimensionless",
            "dimensionless",
            "sharpness",
            CHANNELS_AND_REGIONS,
        ),
        Feature(
            "peak_to_peak",
            "Robust peak-to-peak amplitude (99th minus 1st percentile) over the 50 s, uV",
            "uV",
            "amplitude",
            CHANNELS_AND_REGIONS,
        ),
        Feature(
            "zero_crossing_rate",
            "Crossings of the channel's mean level (0 uV after band-pass) per second over the 50 "
            "s, 1/s",
            "1/s",
            "frequency",
            CHANNELS_AND_REGIONS,
        ),
        Feature(
            "nonlinear_energy",
            "Mean Teager-Kaiser energy x[n]^2 - x[n-1]*x[n+1] (large for fast, high-amplitude "
            "activity) over the 50 s, uV^2",
            "uV^2",
            "sharpness",
            CHANNELS_AND_REGIONS,
            also=("amplitude",),
        ),
        Feature(
            "spike_rate",
            "Spikes and sharp waves per minute over the 50 s (transients 20-200 ms reaching 4 "
            "robust SD with a steep slope), 1/min",
            "1/min",
            "sharpness",
            CHANNELS_AND_REGIONS,
        ),
    ),
)
