"""Statistics of the competition's 10-minute regional spectrograms (the clinician's overview).

Input: ``ctx.spectrogram``, shape (300, 400): 300 rows of 2 s (10 minutes centred on the label),
columns LL, RL, LP, RP x 100 bins at :data:`~hms_features.constants.SPEC_FREQS` (0.59-19.92 Hz,
0.195 Hz apart), linear power; NaN where the recording was zero-padded or missing.

A row counts as *valid* for a region when all 100 of that region's bins are finite; invalid rows
are left out of every average. Band power of a row is the sum of its bins in the band times the
bin width (spectrogram power units x Hz; uV^2 if the spectrogram is a PSD in uV^2/Hz), with the
bands taken half-open, ``lo <= f < hi``: delta 0.59-3.91, theta 4.10-7.81, alpha 8.01-12.89,
beta 13.09-19.92 Hz (the spectrogram stops below 20 Hz, so there is no gamma).

The statistics are computed by :func:`hms_features.kernels.spectrogram.spectrogram_summary`.
Two time spans are summarised:

- ``10min``: all valid rows of the 10 minutes;
- ``center``: rows 147-152 (:data:`CENTER_ROWS`). Row ``i`` covers seconds ``[2i, 2i+2)`` of the
  600-s window (its ``time`` value is ``2i+1``), so these six rows span 294-306 s, which contains
  the labelled 10 s (295-305 s) and as little else as the 2-s grid allows.

Sources are ``spec_LL`` ... ``spec_RP`` and the left-right pairs ``spec_LL-RL``, ``spec_LP-RP``.

Neutral values: when ``ctx.spectrogram`` is None (the factory always passes one, read from the
file or recomputed from the EEG; None only happens in direct use), or a region has no valid row,
every power, relative power, log ratio, asymmetry and log-power std is 0 and ``valid_fraction``
is 0 - the same names are always emitted and never NaN.
"""

from __future__ import annotations

import numpy as np

from hms_features.constants import BANDS, SPEC_REGIONS, SPEC_WINDOW_ROWS
from hms_features.features.context import WindowContext
from hms_features.features.registry import SPECTROGRAM_PAIRS, SPECTROGRAM_REGIONS, Family, Feature
from hms_features.kernels.asymmetry import asymmetry
from hms_features.kernels.spectrogram import TINY_POWER, spectrogram_summary
from hms_features.signal.montage import REGION_PAIRS, REGIONS

#: Bands summarised (the spectrogram covers 0.59-19.92 Hz).
SPEC_BANDS: tuple[str, ...] = ("delta", "theta", "alpha", "beta")
#: Rows of the 300-row window that cover the labelled central 10 s (147-152 inclusive).
CENTER_ROWS: slice = slice(SPEC_WINDOW_ROWS // 2 - 3, SPEC_WINDOW_ROWS // 2 + 3)
#: Relative floor (fraction of the region's mean 10-min power) inside logarithms and ratios.
LOG_FLOOR: float = 1e-6
#: Rows of the summary's regions (SPEC_REGIONS order) in the order of the declared sources.
_REGION_ROWS: list[int] = [SPEC_REGIONS.index(r) for r in REGIONS]


def _pair_asymmetry(mean: np.ndarray) -> np.ndarray:
    """Left-right asymmetry of per-region band powers (4 regions, bands) -> (2 pairs, bands)."""
    return np.stack(
        [
            asymmetry(mean[SPEC_REGIONS.index(left)], mean[SPEC_REGIONS.index(right)], TINY_POWER)
            for left, right in REGION_PAIRS
        ]
    )


def spectrogram_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Band powers, relative powers, centre-vs-background ratios, variability and data coverage
    of the four regional spectrograms (per region), and their left-right asymmetries (per
    pair)."""
    summary = spectrogram_summary(ctx.spectrogram, SPEC_BANDS, CENTER_ROWS, LOG_FLOOR)
    # regions in the order of the declared sources (spec_LL, spec_RL, spec_LP, spec_RP)
    st = {key: v[_REGION_ROWS] for key, v in summary.items()}
    asym_10min = _pair_asymmetry(summary["mean_10min"])
    asym_center = _pair_asymmetry(summary["mean_center"])
    return {
        "delta_mean_10min": st["mean_10min"][:, 0],
        "delta_rel_power_10min": st["rel_10min"][:, 0],
        "delta_asymmetry_10min": asym_10min[:, 0],
        "delta_mean_center": st["mean_center"][:, 0],
        "delta_rel_power_center": st["rel_center"][:, 0],
        "delta_asymmetry_center": asym_center[:, 0],
        "delta_center_log_ratio": st["log_ratio"][:, 0],
        "theta_mean_10min": st["mean_10min"][:, 1],
        "theta_rel_power_10min": st["rel_10min"][:, 1],
        "theta_asymmetry_10min": asym_10min[:, 1],
        "theta_mean_center": st["mean_center"][:, 1],
        "theta_rel_power_center": st["rel_center"][:, 1],
        "theta_asymmetry_center": asym_center[:, 1],
        "theta_center_log_ratio": st["log_ratio"][:, 1],
        "alpha_mean_10min": st["mean_10min"][:, 2],
        "alpha_rel_power_10min": st["rel_10min"][:, 2],
        "alpha_asymmetry_10min": asym_10min[:, 2],
        "alpha_mean_center": st["mean_center"][:, 2],
        "alpha_rel_power_center": st["rel_center"][:, 2],
        "alpha_asymmetry_center": asym_center[:, 2],
        "alpha_center_log_ratio": st["log_ratio"][:, 2],
        "beta_mean_10min": st["mean_10min"][:, 3],
        "beta_rel_power_10min": st["rel_10min"][:, 3],
        "beta_asymmetry_10min": asym_10min[:, 3],
        "beta_mean_center": st["mean_center"][:, 3],
        "beta_rel_power_center": st["rel_center"][:, 3],
        "beta_asymmetry_center": asym_center[:, 3],
        "beta_center_log_ratio": st["log_ratio"][:, 3],
        "total_power_log_std": st["log_std"],
        "valid_fraction": st["valid_fraction"],
    }


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
TEN_MIN, CENTER = "over the 10 minutes", "over the labelled 10 s (rows 147-152)"
SPEC_POWER, LATERAL = "spectrogram units x Hz", "lateralization"
DELTA, FREQUENCY, EVOLUTION = ("delta",), ("frequency",), ("evolution",)
REGIONS_, PAIRS_ = SPECTROGRAM_REGIONS, SPECTROGRAM_PAIRS


def _range(band: str) -> str:
    lo, hi = BANDS[band]
    return f"{band} ({lo:g}-{min(hi, 20.0):g} Hz)"


def _mean(band: str, span: str) -> str:
    return f"Mean {_range(band)} band power of the spectrogram {span}, spectrogram units x Hz"


def _rel(band: str, span: str) -> str:
    return f"Relative {_range(band)} power of the spectrogram (share of 0.59-19.92 Hz) {span}, 0-1"


def _asym(band: str, span: str) -> str:
    return (
        f"Left-right asymmetry of spectrogram {_range(band)} power, (L-R)/(L+R), {span}; "
        "positive = more on the left, -1 to 1"
    )


def _log_ratio(band: str) -> str:
    return (
        f"log10 of {_range(band)} spectrogram power in the labelled 10 s over its 10-minute mean "
        "(positive = the labelled moment is stronger than the background), dimensionless"
    )


FAMILY = Family(
    "spectrogram",
    spectrogram_values,
    (
        Feature(
            "delta_mean_10min", _mean("delta", TEN_MIN), SPEC_POWER, "delta", REGIONS_, "10 min"
        ),
        Feature(
            "delta_rel_power_10min", _rel("delta", TEN_MIN), "0-1", "delta", REGIONS_, "10 min"
        ),
        Feature(
            "delta_asymmetry_10min",
            _asym("delta", TEN_MIN),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 min",
            DELTA,
        ),
        Feature("delta_mean_center", _mean("delta", CENTER), SPEC_POWER, "delta", REGIONS_, "10 s"),
        Feature("delta_rel_power_center", _rel("delta", CENTER), "0-1", "delta", REGIONS_, "10 s"),
        Feature(
            "delta_asymmetry_center",
            _asym("delta", CENTER),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 s",
            DELTA,
        ),
        Feature(
            "delta_center_log_ratio",
            _log_ratio("delta"),
            "log10 units",
            "delta",
            REGIONS_,
            "10 min",
            also=EVOLUTION,
        ),
        Feature(
            "theta_mean_10min", _mean("theta", TEN_MIN), SPEC_POWER, "frequency", REGIONS_, "10 min"
        ),
        Feature(
            "theta_rel_power_10min", _rel("theta", TEN_MIN), "0-1", "frequency", REGIONS_, "10 min"
        ),
        Feature(
            "theta_asymmetry_10min",
            _asym("theta", TEN_MIN),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 min",
            FREQUENCY,
        ),
        Feature(
            "theta_mean_center", _mean("theta", CENTER), SPEC_POWER, "frequency", REGIONS_, "10 s"
        ),
        Feature(
            "theta_rel_power_center", _rel("theta", CENTER), "0-1", "frequency", REGIONS_, "10 s"
        ),
        Feature(
            "theta_asymmetry_center",
            _asym("theta", CENTER),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 s",
            FREQUENCY,
        ),
        Feature(
            "theta_center_log_ratio",
            _log_ratio("theta"),
            "log10 units",
            "frequency",
            REGIONS_,
            "10 min",
            also=EVOLUTION,
        ),
        Feature(
            "alpha_mean_10min", _mean("alpha", TEN_MIN), SPEC_POWER, "frequency", REGIONS_, "10 min"
        ),
        Feature(
            "alpha_rel_power_10min", _rel("alpha", TEN_MIN), "0-1", "frequency", REGIONS_, "10 min"
        ),
        Feature(
            "alpha_asymmetry_10min",
            _asym("alpha", TEN_MIN),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 min",
            FREQUENCY,
        ),
        Feature(
            "alpha_mean_center", _mean("alpha", CENTER), SPEC_POWER, "frequency", REGIONS_, "10 s"
        ),
        Feature(
            "alpha_rel_power_center", _rel("alpha", CENTER), "0-1", "frequency", REGIONS_, "10 s"
        ),
        Feature(
            "alpha_asymmetry_center",
            _asym("alpha", CENTER),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 s",
            FREQUENCY,
        ),
        Feature(
            "alpha_center_log_ratio",
            _log_ratio("alpha"),
            "log10 units",
            "frequency",
            REGIONS_,
            "10 min",
            also=EVOLUTION,
        ),
        Feature(
            "beta_mean_10min", _mean("beta", TEN_MIN), SPEC_POWER, "frequency", REGIONS_, "10 min"
        ),
        Feature(
            "beta_rel_power_10min", _rel("beta", TEN_MIN), "0-1", "frequency", REGIONS_, "10 min"
        ),
        Feature(
            "beta_asymmetry_10min",
            _asym("beta", TEN_MIN),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 min",
            FREQUENCY,
        ),
        Feature(
            "beta_mean_center", _mean("beta", CENTER), SPEC_POWER, "frequency", REGIONS_, "10 s"
        ),
        Feature(
            "beta_rel_power_center", _rel("beta", CENTER), "0-1", "frequency", REGIONS_, "10 s"
        ),
        Feature(
            "beta_asymmetry_center",
            _asym("beta", CENTER),
            "-1 to 1",
            LATERAL,
            PAIRS_,
            "10 s",
            FREQUENCY,
        ),
        Feature(
            "beta_center_log_ratio",
            _log_ratio("beta"),
            "log10 units",
            "frequency",
            REGIONS_,
            "10 min",
            also=EVOLUTION,
        ),
        Feature(
            "total_power_log_std",
            "Variability of the spectrogram over the 10 minutes: standard deviation over time of "
            "log10 total 0.59-19.92 Hz power, log10 units",
            "log10 units",
            "evolution",
            REGIONS_,
            "10 min",
            also=("amplitude",),
        ),
        Feature(
            "valid_fraction",
            "Fraction of the 10 minutes of spectrogram with data (not padded or missing), 0-1",
            "0-1",
            "quality",
            REGIONS_,
            "10 min",
        ),
    ),
)
