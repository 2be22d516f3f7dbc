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
from hms_features.features.registry import HEAD, PAIR_NAMES, PAIRS_AND_HEAD, Family, Feature
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
#: For each region pair, the positions (0-7) of its mirror channel pairs in MIRROR_PAIRS.
PAIR_MIRRORS: dict[str, np.ndarray] = {
    pair: np.array([k for k, (li, _) in enumerate(MIRROR_PAIRS) if li in REGIONS[left]])
    for pair, (left, _) in zip(PAIR_NAMES, REGION_PAIRS)
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

_REGION_POS = {r: k for k, r in enumerate(REGIONS)}
#: Positions of (left, right) region rows for LL-RL, LP-RP (hemispheres are built from both).
_LEFT_ROWS = np.array([_REGION_POS[left] for left, _ in REGION_PAIRS])
_RIGHT_ROWS = np.array([_REGION_POS[right] for _, right in REGION_PAIRS])
_IS_LEFT_CHAIN = np.isin(CHAIN_CHANNELS, LEFT_CHANNELS)
#: Averaging matrix (3, 8) over mirror pairs: LL-RL's four, LP-RP's four, all eight.
_MIRROR_MEAN = np.zeros((3, len(MIRROR_PAIRS)))
for _k, _pair in enumerate(PAIR_NAMES):
    _MIRROR_MEAN[_k, PAIR_MIRRORS[_pair]] = 1.0 / PAIR_MIRRORS[_pair].size
_MIRROR_MEAN[2] = 1.0 / len(MIRROR_PAIRS)
_BAND_RANGES = tuple((lo, hi, False) for lo, hi in BANDS.values())


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
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


def mirror_means(per_mirror: np.ndarray) -> np.ndarray:
    """Means of a (8,) per-mirror-pair value over LL-RL's, LP-RP's and all mirror pairs, (3,)."""
    return _MIRROR_MEAN @ per_mirror


def span_values(ctx: WindowContext, which: str) -> dict[str, np.ndarray]:
    """The family's quantities over the 50 s (``which='full'``) or the labelled 10 s
    (``'center'``), for LL-RL, LP-RP and the hemispheres (3,) unless said otherwise.

    Keys: ``band_asymmetry`` (3, 5 bands), ``bsi``, ``interhemispheric_corr``,
    ``line_length_asymmetry``, ``amplitude_asymmetry``, and the whole-head scalars (1,)
    ``mean_abs_corr``, ``delta_involved_fraction``, ``delta_involved_asymmetry``,
    ``line_length_involved_fraction``; over the 50 s also ``band_bsi`` and ``band_coherence``
    (3, 5 bands).
    """
    full = which == "full"
    freqs, psd = ctx.psd(which)
    # band-power asymmetry of the region PSDs (ctx.region_psd: mean PSD of the 4 chains),
    # band powers as the spectral family integrates them (trapezoid, uV^2)
    rpsd = ctx.region_psd(which)
    region_psd = np.stack([rpsd[r] for r in REGIONS])
    power = band_powers(freqs, np.vstack([psd, region_psd]), BANDS)  # (18 + 4, 5 bands)
    out = {"band_asymmetry": region_asymmetries(power[len(BIPOLAR_PAIRS) :])}
    # brain symmetry index: |L-R|/(L+R) per mirror pair and bin, averaged
    ratio = np.abs(asymmetry(psd[MIRROR_LEFT], psd[MIRROR_RIGHT]))  # (8, nf)
    ranges = ((*BSI_RANGE_HZ, True), *(_BAND_RANGES if full else ()))
    bsi = ratio @ range_weights(freqs, ranges).T  # (8, n_ranges)
    out["bsi"] = mirror_means(bsi[:, 0])
    if full:
        out["band_bsi"] = np.stack([mirror_means(bsi[:, 1 + b]) for b in range(len(BANDS))], 1)
        # inter-hemispheric coherence (50 s only: 10 s gives too few segments)
        coh = mirror_coherence_from_spectra(ctx.spectra.spec, ctx.segment_power)
        band_coh = coh @ range_weights(ctx.spectra.freqs, _BAND_RANGES).T  # (8, 5)
        out["band_coherence"] = np.stack(
            [mirror_means(band_coh[:, b]) for b in range(len(BANDS))], 1
        )
    # correlations (on the 100 Hz samples: the same statistic of band-limited signals)
    r = correlation_matrix(ctx.x_decimated if full else ctx.center_decimated)
    out["interhemispheric_corr"] = mirror_means(r[MIRROR_LEFT, MIRROR_RIGHT])
    out["mean_abs_corr"] = np.array([np.abs(r[INDEPENDENT_PAIRS]).mean()])
    # line length and amplitude (SD, uV) asymmetry, from the time family's values
    time_values = window_time_values(ctx)
    ll = time_values["line_length" if full else "line_length_10s"]
    amp = time_values["std" if full else "std_10s"]
    out["line_length_asymmetry"] = region_asymmetries(REGION_MEAN @ ll)
    out["amplitude_asymmetry"] = region_asymmetries(REGION_MEAN @ amp)
    # spatial extent
    inv = chain_involved(power[: len(BIPOLAR_PAIRS), list(BANDS).index("delta")])
    left_minus_right = inv[_IS_LEFT_CHAIN].sum() - inv[~_IS_LEFT_CHAIN].sum()
    out["delta_involved_fraction"] = np.array([inv.mean()])
    out["delta_involved_asymmetry"] = np.array([left_minus_right / _IS_LEFT_CHAIN.sum()])
    out["line_length_involved_fraction"] = np.array([chain_involved(ll).mean()])
    return out


def symmetry_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Asymmetry, BSI, coherence, correlation and spatial-extent features of one window."""
    s, c = span_values(ctx, "full"), span_values(ctx, "center")
    a, a10 = s["band_asymmetry"], c["band_asymmetry"]  # bands: delta, theta, alpha, beta, gamma
    bsi, coh = s["band_bsi"], s["band_coherence"]
    return {
        "delta_asymmetry": a[:, 0],
        "delta_asymmetry_10s": a10[:, 0],
        "delta_abs_asymmetry": np.abs(a[:, 0]),
        "delta_abs_asymmetry_10s": np.abs(a10[:, 0]),
        "delta_bsi": bsi[:, 0],
        "delta_coherence": coh[:, 0],
        "theta_asymmetry": a[:, 1],
        "theta_asymmetry_10s": a10[:, 1],
        "theta_abs_asymmetry": np.abs(a[:, 1]),
        "theta_abs_asymmetry_10s": np.abs(a10[:, 1]),
        "theta_bsi": bsi[:, 1],
        "theta_coherence": coh[:, 1],
        "alpha_asymmetry": a[:, 2],
        "alpha_asymmetry_10s": a10[:, 2],
        "alpha_abs_asymmetry": np.abs(a[:, 2]),
        "alpha_abs_asymmetry_10s": np.abs(a10[:, 2]),
        "alpha_bsi": bsi[:, 2],
        "alpha_coherence": coh[:, 2],
        "beta_asymmetry": a[:, 3],
        "beta_asymmetry_10s": a10[:, 3],
        "beta_abs_asymmetry": np.abs(a[:, 3]),
        "beta_abs_asymmetry_10s": np.abs(a10[:, 3]),
        "beta_bsi": bsi[:, 3],
        "beta_coherence": coh[:, 3],
        "gamma_asymmetry": a[:, 4],
        "gamma_asymmetry_10s": a10[:, 4],
        "gamma_abs_asymmetry": np.abs(a[:, 4]),
        "gamma_abs_asymmetry_10s": np.abs(a10[:, 4]),
        "gamma_bsi": bsi[:, 4],
        "gamma_coherence": coh[:, 4],
        "bsi": s["bsi"],
        "bsi_10s": c["bsi"],
        "interhemispheric_corr": s["interhemispheric_corr"],
        "interhemispheric_corr_10s": c["interhemispheric_corr"],
        "mean_abs_corr": s["mean_abs_corr"],
        "mean_abs_corr_10s": c["mean_abs_corr"],
        "line_length_asymmetry": s["line_length_asymmetry"],
        "line_length_asymmetry_10s": c["line_length_asymmetry"],
        "line_length_abs_asymmetry": np.abs(s["line_length_asymmetry"]),
        "line_length_abs_asymmetry_10s": np.abs(c["line_length_asymmetry"]),
        "amplitude_asymmetry": s["amplitude_asymmetry"],
        "amplitude_asymmetry_10s": c["amplitude_asymmetry"],
        "amplitude_abs_asymmetry": np.abs(s["amplitude_asymmetry"]),
        "amplitude_abs_asymmetry_10s": np.abs(c["amplitude_asymmetry"]),
        "delta_involved_fraction": s["delta_involved_fraction"],
        "delta_involved_fraction_10s": c["delta_involved_fraction"],
        "line_length_involved_fraction": s["line_length_involved_fraction"],
        "line_length_involved_fraction_10s": c["line_length_involved_fraction"],
        "delta_involved_asymmetry": s["delta_involved_asymmetry"],
        "delta_involved_asymmetry_10s": c["delta_involved_asymmetry"],
    }


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
_SIDES = (
    "+1 = all on the left, -1 = all on the right, 0 = symmetric "
    "(pair: left region against its mirror; global: left against right hemisphere)"
)
#: Descriptions of the per-band features: ``{band}`` is the band and its range, ``{span}``
#: the 50 s or the labelled 10 s.
ASYMMETRY = "Left-right asymmetry of {band} power over {span}, (L-R)/(L+R): " + _SIDES
ABS_ASYMMETRY = (
    "Size of the left-right asymmetry of {band} power over {span}, |L-R|/(L+R): "
    "0 = symmetric, 1 = all on one side"
)
BAND_BSI = (
    "Brain symmetry index in the {band} band over {span}: mean over mirror channel pairs "
    "and frequencies of |L-R|/(L+R) of the PSD, 0 = symmetric, 1 = one-sided"
)
COHERENCE = (
    "Inter-hemispheric coherence in the {band} band: magnitude-squared coherence of mirror "
    "channels (2-s half-overlapping segments over {span}), 0-1; high when both sides move "
    "in step"
)
SPAN_TEXT = {"50 s": "the 50 s", "10 s": "the labelled 10 s"}
SIGNED, LATERAL, DELTA = "-1 to 1", "lateralization", ("delta",)


def _band(template: str, band: str, span: str = "50 s") -> str:
    lo, hi = BANDS[band]
    return template.format(band=f"{band} ({lo:g}-{hi:g} Hz)", span=SPAN_TEXT[span])


def _lateral(suffix: str, template: str, band: str, unit: str, span: str = "50 s") -> Feature:
    """A left-right comparison of one band (LL-RL, LP-RP, hemispheres), in the lateralization
    group; it also bears on delta, or on the background frequency for the faster bands."""
    also = DELTA if band == "delta" else ("frequency",)
    return Feature(suffix, _band(template, band, span), unit, LATERAL, PAIRS_AND_HEAD, span, also)


FAMILY = Family(
    "symmetry",
    symmetry_values,
    (
        _lateral("delta_asymmetry", ASYMMETRY, "delta", SIGNED),
        _lateral("delta_asymmetry_10s", ASYMMETRY, "delta", SIGNED, "10 s"),
        _lateral("delta_abs_asymmetry", ABS_ASYMMETRY, "delta", "0-1"),
        _lateral("delta_abs_asymmetry_10s", ABS_ASYMMETRY, "delta", "0-1", "10 s"),
        _lateral("delta_bsi", BAND_BSI, "delta", "0-1"),
        Feature("delta_coherence", _band(COHERENCE, "delta"), "0-1", "synchrony", PAIRS_AND_HEAD),
        _lateral("theta_asymmetry", ASYMMETRY, "theta", SIGNED),
        _lateral("theta_asymmetry_10s", ASYMMETRY, "theta", SIGNED, "10 s"),
        _lateral("theta_abs_asymmetry", ABS_ASYMMETRY, "theta", "0-1"),
        _lateral("theta_abs_asymmetry_10s", ABS_ASYMMETRY, "theta", "0-1", "10 s"),
        _lateral("theta_bsi", BAND_BSI, "theta", "0-1"),
        Feature("theta_coherence", _band(COHERENCE, "theta"), "0-1", "synchrony", PAIRS_AND_HEAD),
        _lateral("alpha_asymmetry", ASYMMETRY, "alpha", SIGNED),
        _lateral("alpha_asymmetry_10s", ASYMMETRY, "alpha", SIGNED, "10 s"),
        _lateral("alpha_abs_asymmetry", ABS_ASYMMETRY, "alpha", "0-1"),
        _lateral("alpha_abs_asymmetry_10s", ABS_ASYMMETRY, "alpha", "0-1", "10 s"),
        _lateral("alpha_bsi", BAND_BSI, "alpha", "0-1"),
        Feature("alpha_coherence", _band(COHERENCE, "alpha"), "0-1", "synchrony", PAIRS_AND_HEAD),
        _lateral("beta_asymmetry", ASYMMETRY, "beta", SIGNED),
        _lateral("beta_asymmetry_10s", ASYMMETRY, "beta", SIGNED, "10 s"),
        _lateral("beta_abs_asymmetry", ABS_ASYMMETRY, "beta", "0-1"),
        _lateral("beta_abs_asymmetry_10s", ABS_ASYMMETRY, "beta", "0-1", "10 s"),
        _lateral("beta_bsi", BAND_BSI, "beta", "0-1"),
        Feature("beta_coherence", _band(COHERENCE, "beta"), "0-1", "synchrony", PAIRS_AND_HEAD),
        _lateral("gamma_asymmetry", ASYMMETRY, "gamma", SIGNED),
        _lateral("gamma_asymmetry_10s", ASYMMETRY, "gamma", SIGNED, "10 s"),
        _lateral("gamma_abs_asymmetry", ABS_ASYMMETRY, "gamma", "0-1"),
        _lateral("gamma_abs_asymmetry_10s", ABS_ASYMMETRY, "gamma", "0-1", "10 s"),
        _lateral("gamma_bsi", BAND_BSI, "gamma", "0-1"),
        Feature("gamma_coherence", _band(COHERENCE, "gamma"), "0-1", "synchrony", PAIRS_AND_HEAD),
        Feature(
            "bsi",
            "Brain symmetry index (van Putten) over the 50 s: mean over mirror channel pairs and "
            "1-25 Hz of |L-R|/(L+R) of the PSD, 0 = symmetric, 1 = one-sided",
            "0-1",
            LATERAL,
            PAIRS_AND_HEAD,
        ),
        Feature(
            "bsi_10s",
            "Brain symmetry index over the labelled 10 s: mean over mirror channel pairs and "
            "1-25 Hz of |L-R|/(L+R) of the PSD, 0 = symmetric, 1 = one-sided",
            "0-1",
            LATERAL,
            PAIRS_AND_HEAD,
            span="10 s",
        ),
        Feature(
            "interhemispheric_corr",
            "Mean Pearson correlation of mirror channels (left against right) over the 50 s, "
            "-1 to 1; high for synchronous bilateral (generalized) activity",
            SIGNED,
            "synchrony",
            PAIRS_AND_HEAD,
        ),
        Feature(
            "interhemispheric_corr_10s",
            "Mean Pearson correlation of mirror channels over the labelled 10 s, -1 to 1; high "
            "for synchronous bilateral (generalized) activity",
            SIGNED,
            "synchrony",
            PAIRS_AND_HEAD,
            span="10 s",
        ),
        Feature(
            "mean_abs_corr",
            "Mean absolute Pearson correlation over all channel pairs that share no electrode "
            "(50 s), 0-1; high when activity is synchronous across the head",
            "0-1",
            "synchrony",
            HEAD,
        ),
        Feature(
            "mean_abs_corr_10s",
            "Mean absolute Pearson correlation over all channel pairs that share no electrode "
            "(labelled 10 s), 0-1; high when activity is synchronous across the head",
            "0-1",
            "synchrony",
            HEAD,
            span="10 s",
        ),
        Feature(
            "line_length_asymmetry",
            "Left-right asymmetry of line length (mean |sample-to-sample change|) over the 50 s, "
            "(L-R)/(L+R): " + _SIDES,
            SIGNED,
            LATERAL,
            PAIRS_AND_HEAD,
        ),
        Feature(
            "line_length_asymmetry_10s",
            "Left-right asymmetry of line length over the labelled 10 s, (L-R)/(L+R): " + _SIDES,
            SIGNED,
            LATERAL,
            PAIRS_AND_HEAD,
            span="10 s",
        ),
        Feature(
            "line_length_abs_asymmetry",
            "Size of the left-right asymmetry of line length over the 50 s, |L-R|/(L+R), 0-1",
            "0-1",
            LATERAL,
            PAIRS_AND_HEAD,
        ),
        Feature(
            "line_length_abs_asymmetry_10s",
            "Size of the left-right asymmetry of line length over the labelled 10 s, "
            "|L-R|/(L+R), 0-1",
            "0-1",
            LATERAL,
            PAIRS_AND_HEAD,
            span="10 s",
        ),
        Feature(
            "amplitude_asymmetry",
            "Left-right asymmetry of amplitude (standard deviation, uV) over the 50 s, "
            "(L-R)/(L+R): " + _SIDES,
            SIGNED,
            LATERAL,
            PAIRS_AND_HEAD,
        ),
        Feature(
            "amplitude_asymmetry_10s",
            "Left-right asymmetry of amplitude (standard deviation, uV) over the labelled 10 s, "
            "(L-R)/(L+R): " + _SIDES,
            SIGNED,
            LATERAL,
            PAIRS_AND_HEAD,
            span="10 s",
        ),
        Feature(
            "amplitude_abs_asymmetry",
            "Size of the left-right asymmetry of amplitude (standard deviation) over the 50 s, "
            "|L-R|/(L+R), 0-1",
            "0-1",
            LATERAL,
            PAIRS_AND_HEAD,
        ),
        Feature(
            "amplitude_abs_asymmetry_10s",
            "Size of the left-right asymmetry of amplitude (standard deviation) over the labelled "
            "10 s, |L-R|/(L+R), 0-1",
            "0-1",
            LATERAL,
            PAIRS_AND_HEAD,
            span="10 s",
        ),
        Feature(
            "delta_involved_fraction",
            "Spatial extent of delta: fraction of the 16 chain channels whose delta (0.5-4 Hz) "
            "power over the 50 s is at least half the 90th percentile across them, 0-1; ~1 "
            "generalized, ~0.5 one hemisphere",
            "0-1",
            "synchrony",
            HEAD,
        ),
        Feature(
            "delta_involved_fraction_10s",
            "Spatial extent of delta in the labelled 10 s: fraction of the 16 chain channels with "
            "delta power at least half the 90th percentile across them, 0-1",
            "0-1",
            "synchrony",
            HEAD,
            span="10 s",
        ),
        Feature(
            "line_length_involved_fraction",
            "Spatial extent of activity: fraction of the 16 chain channels whose line length over "
            "the 50 s is at least half the 90th percentile across them, 0-1",
            "0-1",
            "synchrony",
            HEAD,
        ),
        Feature(
            "line_length_involved_fraction_10s",
            "Spatial extent of activity in the labelled 10 s: fraction of the 16 chain channels "
            "whose line length is at least half the 90th percentile across them, 0-1",
            "0-1",
            "synchrony",
            HEAD,
            span="10 s",
        ),
        Feature(
            "delta_involved_asymmetry",
            "Side of the delta-involved channels over the 50 s: (left involved - right involved) "
            "/ 8, +1 = only left channels involved, -1 = only right, 0 = balanced",
            SIGNED,
            LATERAL,
            HEAD,
            also=DELTA,
        ),
        Feature(
            "delta_involved_asymmetry_10s",
            "Side of the delta-involved channels in the labelled 10 s: (left involved - right "
            "involved) / 8, +1 = only left, -1 = only right, 0 = balanced",
            SIGNED,
            LATERAL,
            HEAD,
            span="10 s",
            also=DELTA,
        ),
    ),
)
