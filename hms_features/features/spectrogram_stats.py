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

from hms_features.constants import BANDS, SPEC_REGIONS, SPEC_WINDOW_ROWS
from hms_features.features.context import WindowContext
from hms_features.features.registry import SPECTROGRAM_PAIRS, SPECTROGRAM_REGIONS, Family, declare
from hms_features.kernels.asymmetry import asymmetry
from hms_features.kernels.spectrogram import TINY_POWER, spectrogram_summary
from hms_features.signal.montage import REGION_PAIRS

#: Bands summarised (the spectrogram covers 0.59-19.92 Hz).
SPEC_BANDS: tuple[str, ...] = ("delta", "theta", "alpha", "beta")
#: Rows of the 300-row window that cover the labelled central 10 s (147-152 inclusive).
CENTER_ROWS: slice = slice(SPEC_WINDOW_ROWS // 2 - 3, SPEC_WINDOW_ROWS // 2 + 3)
#: Relative floor (fraction of the region's mean 10-min power) inside logarithms and ratios.
LOG_FLOOR: float = 1e-6


def _descriptions() -> dict[str, str]:
    d: dict[str, str] = {}
    spans = {"10min": "over the 10 minutes", "center": "over the labelled 10 s (rows 147-152)"}
    for band in SPEC_BANDS:
        lo, hi = BANDS[band]
        rng = f"{band} ({lo:g}-{min(hi, 20.0):g} Hz)"
        for span, text in spans.items():
            d[f"{band}_mean_{span}"] = (
                f"Mean {rng} band power of the spectrogram {text}, spectrogram units x Hz"
            )
            d[f"{band}_rel_power_{span}"] = (
                f"Relative {rng} power of the spectrogram (share of 0.59-19.92 Hz) {text}, 0-1"
            )
            d[f"{band}_asymmetry_{span}"] = (
                f"Left-right asymmetry of spectrogram {rng} power, (L-R)/(L+R), {text}; "
                "positive = more on the left, -1 to 1"
            )
        d[f"{band}_center_log_ratio"] = (
            f"log10 of {rng} spectrogram power in the labelled 10 s over its 10-minute mean "
            "(positive = the labelled moment is stronger than the background), dimensionless"
        )
    d["total_power_log_std"] = (
        "Variability of the spectrogram over the 10 minutes: standard deviation over time of "
        "log10 total 0.59-19.92 Hz power, log10 units"
    )
    d["valid_fraction"] = (
        "Fraction of the 10 minutes of spectrogram with data (not padded or missing), 0-1"
    )
    return d


DESCRIPTIONS = _descriptions()


def spectrogram_features(ctx: WindowContext) -> dict[str, float]:
    """Band powers, relative powers, centre-vs-background ratios, variability, data coverage and
    left-right asymmetries of the four regional spectrograms."""
    st = spectrogram_summary(ctx.spectrogram, SPEC_BANDS, CENTER_ROWS, LOG_FLOOR)
    out: dict[str, float] = {}
    for r, region in enumerate(SPEC_REGIONS):
        src = f"spec_{region}__"
        for b, band in enumerate(SPEC_BANDS):
            out[f"{src}{band}_mean_10min"] = float(st["mean_10min"][r, b])
            out[f"{src}{band}_mean_center"] = float(st["mean_center"][r, b])
            out[f"{src}{band}_center_log_ratio"] = float(st["log_ratio"][r, b])
            out[f"{src}{band}_rel_power_10min"] = float(st["rel_10min"][r, b])
            out[f"{src}{band}_rel_power_center"] = float(st["rel_center"][r, b])
        out[f"{src}total_power_log_std"] = float(st["log_std"][r])
        out[f"{src}valid_fraction"] = float(st["valid_fraction"][r])
    for left, right in REGION_PAIRS:
        li, ri = SPEC_REGIONS.index(left), SPEC_REGIONS.index(right)
        src = f"spec_{left}-{right}__"
        for span in ("10min", "center"):
            asym = asymmetry(st[f"mean_{span}"][li], st[f"mean_{span}"][ri], TINY_POWER)
            for b, band in enumerate(SPEC_BANDS):
                out[f"{src}{band}_asymmetry_{span}"] = float(asym[b])
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
def _unit(suffix: str) -> str:
    if "_mean_" in suffix:
        return "spectrogram units x Hz"
    if "asymmetry" in suffix:
        return "-1 to 1"
    return "log10 units" if "log" in suffix else "0-1"


def _concept(suffix: str) -> str | tuple[str, ...]:
    if suffix == "valid_fraction":
        return "quality"
    if suffix == "total_power_log_std":
        return ("evolution", "amplitude")
    band = "delta" if suffix.startswith("delta_") else "frequency"
    if "asymmetry" in suffix:
        return ("lateralization", band)
    return (band, "evolution") if "center_log_ratio" in suffix else band


FAMILY = Family(
    "spectrogram",
    spectrogram_features,
    declare(
        DESCRIPTIONS,
        {s: _unit(s) for s in DESCRIPTIONS},
        {s: _concept(s) for s in DESCRIPTIONS},
        {s: SPECTROGRAM_PAIRS if "asymmetry" in s else SPECTROGRAM_REGIONS for s in DESCRIPTIONS},
    ),
)
