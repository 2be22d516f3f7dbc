"""Data-quality features: how much of the window the model could actually see."""

from __future__ import annotations

import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import (
    CHANNELS_REGIONS_HEAD,
    HEAD,
    Family,
    Feature,
    with_regions,
)


def quality_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Missing-data and clipping fractions per channel, region and whole head; whether the
    spectrogram was recomputed."""
    clean = ctx.clean
    return {
        "missing_fraction": np.append(
            with_regions(clean.channel_missing_fraction), float(clean.missing_fraction)
        ),
        "clipped_fraction": np.append(
            with_regions(clean.clipped_fraction), float(np.mean(clean.clipped_fraction))
        ),
        "spectrogram_recomputed": np.array([float(bool(ctx.spectrogram_recomputed))]),
    }


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
FAMILY = Family(
    "quality",
    quality_values,
    (
        Feature(
            "missing_fraction",
            "Fraction of the 50 s with missing (NaN or placeholder) data, 0-1",
            "0-1",
            "quality",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "clipped_fraction",
            "Fraction of samples beyond +/-500 uV (artifact or very high amplitude), 0-1",
            "0-1",
            "quality",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "spectrogram_recomputed",
            "1 if the competition spectrogram file was missing and was recomputed from the EEG, "
            "else 0",
            "0 or 1",
            "quality",
            HEAD,
        ),
    ),
)
