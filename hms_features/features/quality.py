"""Data-quality features: how much of the window the model could actually see."""

from __future__ import annotations

import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import (
    CHANNELS_REGIONS_HEAD,
    HEAD,
    Family,
    declare,
    per_channel,
)

DESCRIPTIONS = {
    "missing_fraction": "Fraction of the 50 s with missing (NaN or placeholder) data, 0-1",
    "clipped_fraction": (
        "Fraction of samples beyond +/-500 uV (artifact or very high amplitude), 0-1"
    ),
    "spectrogram_recomputed": (
        "1 if the competition spectrogram file was missing and was recomputed from the EEG, else 0"
    ),
}


def quality_features(ctx: WindowContext) -> dict[str, float]:
    """Missing-data and clipping fractions per channel and for the whole head."""
    out = per_channel("missing_fraction", ctx.clean.channel_missing_fraction)
    out.update(per_channel("clipped_fraction", ctx.clean.clipped_fraction))
    out["global__missing_fraction"] = float(ctx.clean.missing_fraction)
    out["global__clipped_fraction"] = float(np.mean(ctx.clean.clipped_fraction))
    out["global__spectrogram_recomputed"] = float(bool(ctx.spectrogram_recomputed))
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
UNITS = {"missing_fraction": "0-1", "clipped_fraction": "0-1", "spectrogram_recomputed": "0 or 1"}
CONCEPTS = dict.fromkeys(DESCRIPTIONS, "quality")
FAMILY = Family(
    "quality",
    quality_features,
    declare(
        DESCRIPTIONS,
        UNITS,
        CONCEPTS,
        {
            "missing_fraction": CHANNELS_REGIONS_HEAD,
            "clipped_fraction": CHANNELS_REGIONS_HEAD,
            "spectrogram_recomputed": HEAD,
        },
    ),
)
