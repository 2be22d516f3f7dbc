"""Hjorth parameters: mobility (a mean frequency, in Hz) and complexity (bandwidth, dimensionless).

The definitions are those of :mod:`hms_features.kernels.hjorth`: mobility
``sqrt(var(x') / var(x))`` in Hz-equivalent units (``f`` to within 1% for a sine below 15 Hz at
200 Hz), complexity the mobility of the slope over the mobility of the signal (1 for a pure sine,
larger for broadband or irregular signals).

Activity is not emitted as a feature: it is exactly the square of the time family's ``std``
(a monotone transform, which a tree model cannot tell apart), so it would only split the
explanation of amplitude between two names.

A flat channel gets mobility 0 and complexity 0. Region values are the mean of the region's four
chains.
"""

from __future__ import annotations

import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, Feature, with_regions
from hms_features.kernels.hjorth import hjorth_parameters


def hjorth_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Hjorth mobility (Hz) and complexity per channel and region over the 50 s; mobility over
    the 10 s too."""
    mob, comp = hjorth_parameters(ctx.x, ctx.fs)
    mob_c, _ = hjorth_parameters(ctx.center, ctx.fs)
    return {
        "hjorth_mobility": with_regions(mob),
        "hjorth_mobility_10s": with_regions(mob_c),
        "hjorth_complexity": with_regions(comp),
    }


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
FAMILY = Family(
    "hjorth",
    hjorth_values,
    (
        Feature(
            "hjorth_mobility",
            "Hjorth mobility: the signal's mean frequency from the variance of its slope, "
            "sqrt(var(x')/var(x)) x fs/(2 pi), over the 50 s, Hz",
            "Hz",
            "frequency",
            CHANNELS_AND_REGIONS,
        ),
        Feature(
            "hjorth_mobility_10s",
            "Hjorth mobility: the signal's mean frequency from the variance of its slope, "
            "sqrt(var(x')/var(x)) x fs/(2 pi), over the labelled 10 s, Hz",
            "Hz",
            "frequency",
            CHANNELS_AND_REGIONS,
            span="10 s",
        ),
        Feature(
            "hjorth_complexity",
            "Hjorth complexity: mobility of the slope over mobility of the signal (1 for a pure "
            "sine, higher for irregular, broadband activity) over the 50 s, dimensionless",
            "dimensionless",
            "rhythmicity",
            CHANNELS_AND_REGIONS,
        ),
    ),
)
