"""Left-right symmetry and spatial spread: what separates lateralized from generalized patterns.

Lateralized patterns (LPD, LRDA) carry several-fold more power over one hemisphere; generalized
ones (GPD, GRDA) are bilateral, synchronous and symmetric. The features below measure:

- band-power asymmetry ``(L - R) / (L + R)`` of the absolute band powers (uV^2, integrated as
  in the spectral family: :func:`hms_features.kernels.spectra.band_powers`) of the region
  PSDs (ctx.region_psd: the mean PSD of the four chains of a region, as the competition
  spectrograms), per region pair (``LL-RL``,
  ``LP-RP``) and for the whole hemispheres (``global``: LL+LP against RL+RP), signed and
  absolute (the side does not matter for the class, the magnitude does);
- the pairwise brain symmetry index (BSI, van Putten 2007): the mean over the 8 mirror channel
  pairs and the frequency bins of ``|(L(f) - R(f)) / (L(f) + R(f))|`` of the channel PSDs;
- inter-hemispheric magnitude-squared coherence and Pearson correlation of mirror channels;
- the mean absolute correlation between channels that share no electrode (synchrony across
  the head; bipolar channels sharing an electrode are correlated through it regardless of brain
  activity, so those pairs are left out);
- line-length and amplitude (standard deviation) asymmetry;
- the fraction of the 16 chain channels "involved": whose delta power (or line length) is at
  least half of the 90th percentile over the 16 (robust to one artefactual channel). A
  generalized pattern involves nearly all channels, a lateralized one about half, a focal one
  a few; and the left-right balance of the involved channels.

Signed asymmetries flip sign when the left and right electrodes are swapped; absolute
asymmetries, BSI, coherence, correlations and involvement fractions are unchanged. Ratios whose
denominator is zero (flat signals) take the neutral value 0 (symmetric, uncorrelated).
"""

from __future__ import annotations

import numpy as np

from hms_features.constants import BANDS
from hms_features.features.context import WindowContext
from hms_features.features.registry import HEAD, PAIRS_AND_HEAD, Family, declare
from hms_features.features.time_domain import window_time_values
from hms_features.kernels.asymmetry import (
    MIRROR_LEFT,
    MIRROR_RIGHT,
    asymmetry,
    correlation_matrix,
    involved,
    mirror_coherence_from_spectra,
    range_weights,
)
from hms_features.kernels.spectra import band_powers
from hms_features.signal.montage import (
    BIPOLAR_PAIRS,
    HEMISPHERES,
    MIRROR_PAIRS,
    REGION_MEAN,
    REGION_PAIRS,
    REGIONS,
)

#: Frequency range (Hz) of the brain symmetry index (van Putten: 1-25 Hz).
BSI_RANGE_HZ: tuple[float, float] = (1.0, 25.0)
#: Correlations use the window decimated to 100 Hz (ctx.x_decimated). Coherence uses the
#: window's shared segment spectra (ctx.spectra): 2-s Hann segments with 50% overlap (49 per
#: 50 s, 0.5 Hz bins), as the Welch PSDs.
COHERENCE_SEGMENT_SECONDS: float = 2.0
#: Involvement: a chain channel is involved when its value >= this fraction of the reference ...
INVOLVED_FRACTION_OF_REFERENCE: float = 0.5
#: ... and the reference is this percentile of the 16 chain channels.
INVOLVED_REFERENCE_PERCENTILE: float = 90.0

#: The 16 chain channels (LL, RL, LP, RP) and which of them are on the left.
CHAIN_CHANNELS: np.ndarray = np.array([i for idx in REGIONS.values() for i in idx])
LEFT_CHANNELS: np.ndarray = np.array(HEMISPHERES[0])
RIGHT_CHANNELS: np.ndarray = np.array(REGIONS["RL"] + REGIONS["RP"])
PAIR_NAMES: tuple[str, ...] = tuple(f"{left}-{right}" for left, right in REGION_PAIRS)
#: For each region pair, the positions (0-7) of its mirror channel pairs in MIRROR_PAIRS.
PAIR_MIRRORS: dict[str, np.ndarray] = {
    f"{left}-{right}": np.array(
        [k for k, (li, _) in enumerate(MIRROR_PAIRS) if li in REGIONS[left]]
    )
    for left, right in REGION_PAIRS
}


def _no_shared_electrode_mask() -> np.ndarray:
    """Upper-triangle mask (18, 18) of bipolar channel pairs that share no electrode."""
    n = len(BIPOLAR_PAIRS)
    mask = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            mask[i, j] = not set(BIPOLAR_PAIRS[i]) & set(BIPOLAR_PAIRS[j])
    return mask


INDEPENDENT_PAIRS: np.ndarray = _no_shared_electrode_mask()

_BAND_TEXT = {b: f"{b} ({lo:g}-{hi:g} Hz)" for b, (lo, hi) in BANDS.items()}
_SIDES = (
    "+1 = all on the left, -1 = all on the right, 0 = symmetric "
    "(pair: left region against its mirror; global: left against right hemisphere)"
)

DESCRIPTIONS: dict[str, str] = {}
for _band, _text in _BAND_TEXT.items():
    DESCRIPTIONS[f"{_band}_asymmetry"] = (
        f"Left-right asymmetry of {_text} power over the 50 s, (L-R)/(L+R): {_SIDES}"
    )
    DESCRIPTIONS[f"{_band}_asymmetry_10s"] = (
        f"Left-right asymmetry of {_text} power over the labelled 10 s, (L-R)/(L+R): {_SIDES}"
    )
    DESCRIPTIONS[f"{_band}_abs_asymmetry"] = (
        f"Size of the left-right asymmetry of {_text} power over the 50 s, |L-R|/(L+R): "
        "0 = symmetric, 1 = all on one side"
    )
    DESCRIPTIONS[f"{_band}_abs_asymmetry_10s"] = (
        f"Size of the left-right asymmetry of {_text} power over the labelled 10 s, "
        "|L-R|/(L+R): 0 = symmetric, 1 = all on one side"
    )
    DESCRIPTIONS[f"{_band}_bsi"] = (
        f"Brain symmetry index in the {_text} band over the 50 s: mean over mirror channel pairs "
        "and frequencies of |L-R|/(L+R) of the PSD, 0 = symmetric, 1 = one-sided"
    )
    DESCRIPTIONS[f"{_band}_coherence"] = (
        f"Inter-hemispheric coherence in the {_text} band: magnitude-squared coherence of mirror "
        "channels (2-s half-overlapping segments over the 50 s), 0-1; high when both sides move "
        "in step"
    )
DESCRIPTIONS.update(
    {
        "bsi": (
            "Brain symmetry index (van Putten) over the 50 s: mean over mirror channel pairs and "
            "1-25 Hz of |L-R|/(L+R) of the PSD, 0 = symmetric, 1 = one-sided"
        ),
        "bsi_10s": (
            "Brain symmetry index over the labelled 10 s: mean over mirror channel pairs and "
            "1-25 Hz of |L-R|/(L+R) of the PSD, 0 = symmetric, 1 = one-sided"
        ),
        "interhemispheric_corr": (
            "Mean Pearson correlation of mirror channels (left against right) over the 50 s, "
            "-1 to 1; high for synchronous bilateral (generalized) activity"
        ),
        "interhemispheric_corr_10s": (
            "Mean Pearson correlation of mirror channels over the labelled 10 s, -1 to 1; high "
            "for synchronous bilateral (generalized) activity"
        ),
        "mean_abs_corr": (
            "Mean absolute Pearson correlation over all channel pairs that share no electrode "
            "(50 s), 0-1; high when activity is synchronous across the head"
        ),
        "mean_abs_corr_10s": (
            "Mean absolute Pearson correlation over all channel pairs that share no electrode "
            "(labelled 10 s), 0-1; high when activity is synchronous across the head"
        ),
        "line_length_asymmetry": (
            f"Left-right asymmetry of line length (mean |sample-to-sample change|) over the 50 s, "
            f"(L-R)/(L+R): {_SIDES}"
        ),
        "line_length_asymmetry_10s": (
            f"Left-right asymmetry of line length over the labelled 10 s, (L-R)/(L+R): {_SIDES}"
        ),
        "line_length_abs_asymmetry": (
            "Size of the left-right asymmetry of line length over the 50 s, |L-R|/(L+R), 0-1"
        ),
        "line_length_abs_asymmetry_10s": (
            "Size of the left-right asymmetry of line length over the labelled 10 s, "
            "|L-R|/(L+R), 0-1"
        ),
        "amplitude_asymmetry": (
            f"Left-right asymmetry of amplitude (standard deviation, uV) over the 50 s, "
            f"(L-R)/(L+R): {_SIDES}"
        ),
        "amplitude_asymmetry_10s": (
            f"Left-right asymmetry of amplitude (standard deviation, uV) over the labelled 10 s, "
            f"(L-R)/(L+R): {_SIDES}"
        ),
        "amplitude_abs_asymmetry": (
            "Size of the left-right asymmetry of amplitude (standard deviation) over the 50 s, "
            "|L-R|/(L+R), 0-1"
        ),
        "amplitude_abs_asymmetry_10s": (
            "Size of the left-right asymmetry of amplitude (standard deviation) over the labelled "
            "10 s, |L-R|/(L+R), 0-1"
        ),
        "delta_involved_fraction": (
            "Spatial extent of delta: fraction of the 16 chain channels whose delta (0.5-4 Hz) "
            "power over the 50 s is at least half the 90th percentile across them, 0-1; ~1 "
            "generalized, ~0.5 one hemisphere"
        ),
        "delta_involved_fraction_10s": (
            "Spatial extent of delta in the labelled 10 s: fraction of the 16 chain channels with "
            "delta power at least half the 90th percentile across them, 0-1"
        ),
        "line_length_involved_fraction": (
            "Spatial extent of activity: fraction of the 16 chain channels whose line length over "
            "the 50 s is at least half the 90th percentile across them, 0-1"
        ),
        "line_length_involved_fraction_10s": (
            "Spatial extent of activity in the labelled 10 s: fraction of the 16 chain channels "
            "whose line length is at least half the 90th percentile across them, 0-1"
        ),
        "delta_involved_asymmetry": (
            "Side of the delta-involved channels over the 50 s: (left involved - right involved) "
            "/ 8, +1 = only left channels involved, -1 = only right, 0 = balanced"
        ),
        "delta_involved_asymmetry_10s": (
            "Side of the delta-involved channels in the labelled 10 s: (left involved - right "
            "involved) / 8, +1 = only left, -1 = only right, 0 = balanced"
        ),
    }
)


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
_BAND_NAMES: tuple[str, ...] = tuple(BANDS)
_SOURCES: tuple[str, ...] = (*PAIR_NAMES, "global")
_REGION_POS = {r: k for k, r in enumerate(REGIONS)}
#: Positions of (left, right) region rows for LL-RL, LP-RP (hemispheres are built from both).
_LEFT_ROWS = np.array([_REGION_POS[left] for left, _ in REGION_PAIRS])
_RIGHT_ROWS = np.array([_REGION_POS[right] for _, right in REGION_PAIRS])
_IS_LEFT_CHAIN = np.isin(CHAIN_CHANNELS, LEFT_CHANNELS)


def chain_involved(values: np.ndarray) -> np.ndarray:
    """Which of the 16 chain channels are involved (:func:`hms_features.kernels.asymmetry.involved`
    with the family's threshold), bool (16,), from a per-channel quantity (18,)."""
    return involved(
        values[CHAIN_CHANNELS], INVOLVED_FRACTION_OF_REFERENCE, INVOLVED_REFERENCE_PERCENTILE
    )


def region_asymmetries(region_values: np.ndarray) -> np.ndarray:
    """Asymmetry of per-region values (4, ...) for LL-RL, LP-RP and the hemispheres -> (3, ...)."""
    left = region_values[_LEFT_ROWS]
    right = region_values[_RIGHT_ROWS]
    return np.concatenate(
        [asymmetry(left, right), asymmetry(left.sum(axis=0), right.sum(axis=0))[None]], axis=0
    )


def _emit(out: dict[str, float], base: str, suffix: str, asym: np.ndarray) -> None:
    """Name signed and absolute asymmetries (3,) of :func:`region_asymmetries`."""
    for name, v in zip(_SOURCES, asym.tolist()):
        out[f"{name}__{base}_asymmetry{suffix}"] = v
    for name, v in zip(_SOURCES, asym.tolist()):
        out[f"{name}__{base}_abs_asymmetry{suffix}"] = abs(v)


#: Averaging matrix (3, 8) over mirror pairs: LL-RL's four, LP-RP's four, all eight.
_MIRROR_MEAN = np.zeros((3, len(MIRROR_PAIRS)))
for _k, _pair in enumerate(PAIR_NAMES):
    _MIRROR_MEAN[_k, PAIR_MIRRORS[_pair]] = 1.0 / PAIR_MIRRORS[_pair].size
_MIRROR_MEAN[2] = 1.0 / len(MIRROR_PAIRS)


def _emit_mirror(out: dict[str, float], feature: str, per_mirror: np.ndarray) -> None:
    """Name the means over LL-RL's, LP-RP's and all mirror pairs of a (8,) per-pair value."""
    for name, v in zip(_SOURCES, (_MIRROR_MEAN @ per_mirror).tolist()):
        out[f"{name}__{feature}"] = v


def symmetry_features(ctx: WindowContext) -> dict[str, float]:
    """Asymmetry, BSI, coherence, correlation and spatial-extent features of one window."""
    out: dict[str, float] = {}
    segments = (
        ("full", ctx.x_decimated, ""),
        ("center", ctx.center_decimated, "_10s"),
    )
    band_ranges = tuple((lo, hi, False) for lo, hi in BANDS.values())
    time_values = window_time_values(ctx)
    for which, x_decimated, suffix in segments:
        freqs, psd = ctx.psd(which)
        # band-power asymmetry of the region PSDs (ctx.region_psd: mean PSD of the 4 chains),
        # band powers as the spectral family integrates them (trapezoid, uV^2)
        rpsd = ctx.region_psd(which)
        region_psd = np.stack([rpsd[r] for r in REGIONS])
        power = band_powers(freqs, np.vstack([psd, region_psd]), BANDS)  # (18 + 4, 5 bands)
        region_power = power[len(BIPOLAR_PAIRS) :]
        asym = region_asymmetries(region_power)  # (3 sources, 5 bands)
        for b, band in enumerate(_BAND_NAMES):
            _emit(out, band, suffix, asym[:, b])
        # brain symmetry index: |L-R|/(L+R) per mirror pair and bin, averaged
        ratio = np.abs(asymmetry(psd[MIRROR_LEFT], psd[MIRROR_RIGHT]))  # (8, nf)
        ranges = ((*BSI_RANGE_HZ, True), *(band_ranges if not suffix else ()))
        bsi = ratio @ range_weights(freqs, ranges).T  # (8, n_ranges)
        _emit_mirror(out, f"bsi{suffix}", bsi[:, 0])
        if not suffix:
            for b, band in enumerate(_BAND_NAMES):
                _emit_mirror(out, f"{band}_bsi", bsi[:, 1 + b])
            # inter-hemispheric coherence (50 s only: 10 s gives too few segments)
            cf = ctx.spectra.freqs
            coh = mirror_coherence_from_spectra(ctx.spectra.spec, ctx.segment_power)
            band_coh = coh @ range_weights(cf, band_ranges).T  # (8, 5)
            for b, band in enumerate(_BAND_NAMES):
                _emit_mirror(out, f"{band}_coherence", band_coh[:, b])
        # correlations (on the 100 Hz samples: the same statistic of band-limited signals)
        r = correlation_matrix(x_decimated)
        _emit_mirror(out, f"interhemispheric_corr{suffix}", r[MIRROR_LEFT, MIRROR_RIGHT])
        out[f"global__mean_abs_corr{suffix}"] = float(np.abs(r[INDEPENDENT_PAIRS]).mean())
        # line length and amplitude (SD, uV) asymmetry, from the time family's values
        ll, amp = time_values[f"line_length{suffix}"], time_values[f"std{suffix}"]
        _emit(out, "line_length", suffix, region_asymmetries(REGION_MEAN @ ll))
        _emit(out, "amplitude", suffix, region_asymmetries(REGION_MEAN @ amp))
        # spatial extent
        inv = chain_involved(power[: len(BIPOLAR_PAIRS), _BAND_NAMES.index("delta")])
        out[f"global__delta_involved_fraction{suffix}"] = float(inv.mean())
        out[f"global__delta_involved_asymmetry{suffix}"] = float(
            (inv[_IS_LEFT_CHAIN].sum() - inv[~_IS_LEFT_CHAIN].sum()) / _IS_LEFT_CHAIN.sum()
        )
        out[f"global__line_length_involved_fraction{suffix}"] = float(chain_involved(ll).mean())
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
def _unit(suffix: str) -> str:
    base = suffix.removesuffix("_10s")
    signed = base.endswith(("_asymmetry", "interhemispheric_corr")) and "_abs_" not in base
    return "-1 to 1" if signed else "0-1"


def _concept(suffix: str) -> str | tuple[str, ...]:
    base = suffix.removesuffix("_10s")
    if base.endswith(("coherence", "_corr", "involved_fraction")):
        return "synchrony"
    band = base.split("_", 1)[0]
    if band == "delta":
        return ("lateralization", "delta")
    return ("lateralization", "frequency") if band in BANDS else "lateralization"


def _sources(suffix: str) -> tuple[str, ...]:
    base = suffix.removesuffix("_10s")
    return HEAD if base == "mean_abs_corr" or "_involved_" in base else PAIRS_AND_HEAD


FAMILY = Family(
    "symmetry",
    symmetry_features,
    declare(
        DESCRIPTIONS,
        {s: _unit(s) for s in DESCRIPTIONS},
        {s: _concept(s) for s in DESCRIPTIONS},
        {s: _sources(s) for s in DESCRIPTIONS},
    ),
)
