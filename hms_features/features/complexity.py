"""Complexity features: entropies and fractal dimensions of each bipolar channel.

Regular, repetitive patterns (rhythmic delta, periodic discharges, the monotonous rhythm of a
seizure) are more predictable than a normal, irregular background, so they score lower on the
entropies and fractal dimensions below.

Which signal each feature sees
------------------------------
- ``perm_entropy``, ``svd_entropy``, ``higuchi_fd``, ``katz_fd``, ``petrosian_fd``,
  ``dfa_exponent``: the whole 50 s, decimated to 100 Hz by keeping every second sample
  (5,000 samples). No extra anti-alias filter is needed: the preprocessing band-pass (0.5-40 Hz,
  4th-order Butterworth applied forwards and backwards) already attenuates 50 Hz by 17 dB and
  70 Hz by 39 dB, and 60 Hz is notched. At 200 Hz an order-3, delay-1 ordinal pattern spans only
  10 ms, much shorter than the EEG waves left by a 40 Hz low-pass, so most patterns would be
  monotonic; 100 Hz doubles the time scale each pattern sees.
- ``perm_entropy_10s``: the labelled central 10 s at 100 Hz (1,000 samples).
- ``sample_entropy_10s``: the labelled central 10 s at 100 Hz, halved again to 50 Hz with the
  anti-alias filter of :func:`scipy.signal.resample_poly` (a 41-tap Kaiser-windowed sinc, zero
  padding at the ends; :func:`~hms_features.kernels.resample.resample_for_sample_entropy`
  applies it directly and gives the same values; 500 samples). Sample entropy costs O(n^2)
  comparisons; 500 samples (and a bucketed sweep, see
  :func:`~hms_features.kernels.entropy.sample_entropy`) keep it to well under a millisecond for
  all 18 channels while covering the 0.5-20 Hz range of the clinical patterns.

The quantities are those of :mod:`hms_features.kernels.entropy`,
:mod:`hms_features.kernels.fractal` and :mod:`hms_features.kernels.resample` (compiled,
vectorised over channels, each agreeing with AntroPy's 1-D function on the same input); the
family converts each signal to the time-major layout once and shares it between them. Region
values are the mean of the region's four channels; ``global`` values the mean of all 18 channels.

Undefined values (flat channel: zero variance) take documented neutral values: entropies 0
(perfectly predictable), fractal dimensions 1 (a straight line), DFA exponent 0.5.
"""

from __future__ import annotations

import numpy as np

from hms_features.features.context import ANALYSIS_FS, WindowContext
from hms_features.features.registry import CHANNELS_REGIONS_HEAD, Family, Feature, with_regions
from hms_features.kernels.entropy import permutation_entropy_tm, sample_entropy, svd_entropy_tm
from hms_features.kernels.fractal import dfa_exponent_tm, higuchi_fd_tm, katz_fd_tm, petrosian_fd_tm
from hms_features.kernels.resample import resample_time_major
from hms_features.kernels.utils import time_major

#: Sampling rate (Hz) of the signal most complexity features see: the window's shared 100 Hz
#: copy (``ctx.x_decimated``, the 50 s decimated by 2).
COMPLEXITY_FS: float = ANALYSIS_FS
#: Sampling rate (Hz) of the central 10 s for sample entropy.
SAMPLE_ENTROPY_FS: float = 50.0
#: Ordinal-pattern order and delay (samples at 100 Hz) of the permutation entropy.
PERM_ORDER: int = 3
PERM_DELAY: int = 1
#: Embedding order and delay of the SVD entropy.
SVD_ORDER: int = 3
SVD_DELAY: int = 1
#: Sample-entropy template length and tolerance (fraction of the channel's standard deviation).
SAMPEN_ORDER: int = 2
SAMPEN_TOLERANCE: float = 0.2
#: Largest interval (samples) of the Higuchi fractal dimension.
HIGUCHI_KMAX: int = 10


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
def complexity_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Feature suffix -> one value per bipolar channel (18,), see the module docstring."""
    # the window's shared 100 Hz copy (as decimate_by_slicing), time-major
    x100 = time_major(ctx.x_decimated)
    c100 = time_major(ctx.center_decimated)
    c50 = np.ascontiguousarray(resample_time_major(c100, ctx.fs_decimated, SAMPLE_ENTROPY_FS).T)
    return {
        "perm_entropy": permutation_entropy_tm(x100, PERM_ORDER, PERM_DELAY),
        "perm_entropy_10s": permutation_entropy_tm(c100, PERM_ORDER, PERM_DELAY),
        "svd_entropy": svd_entropy_tm(x100, SVD_ORDER, SVD_DELAY),
        "sample_entropy_10s": sample_entropy(c50, SAMPEN_ORDER, SAMPEN_TOLERANCE),
        "higuchi_fd": higuchi_fd_tm(x100, HIGUCHI_KMAX),
        "katz_fd": katz_fd_tm(x100),
        "petrosian_fd": petrosian_fd_tm(x100),
        "dfa_exponent": dfa_exponent_tm(x100),
    }


def complexity_family_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Entropies and fractal dimensions per channel, per region (mean of 4) and whole head."""
    values = complexity_values(ctx)
    # a guard (the values are finite by construction), then one row per feature
    table = np.nan_to_num(np.stack(list(values.values())), nan=0.0, posinf=0.0, neginf=0.0)
    whole_head = table.mean(axis=1)
    return {
        suffix: np.append(with_regions(v), head)
        for suffix, v, head in zip(values, table, whole_head)
    }


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
FAMILY = Family(
    "complexity",
    complexity_family_values,
    (
        Feature(
            "perm_entropy",
            "Permutation entropy (order 3, delay 10 ms, 50 s at 100 Hz), normalised 0-1: "
            "diversity of the up/down shapes of 3 consecutive samples; low for regular rhythms",
            "0-1",
            "rhythmicity",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "perm_entropy_10s",
            "Permutation entropy (order 3, delay 10 ms) of the labelled 10 s at 100 Hz, "
            "normalised 0-1; low for regular rhythms",
            "0-1",
            "rhythmicity",
            CHANNELS_REGIONS_HEAD,
            span="10 s",
        ),
        Feature(
            "svd_entropy",
            "SVD entropy (embedding order 3, delay 10 ms, 50 s at 100 Hz), normalised 0-1: how "
            "many independent components the signal's local shape needs; low for smooth, slow "
            "waves",
            "0-1",
            "rhythmicity",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "sample_entropy_10s",
            "Sample entropy (m=2, r=0.2 SD) of the labelled 10 s at 50 Hz, in nats: "
            "unpredictability of the next sample given the last two; low for regular rhythms and "
            "periodic patterns",
            "nats",
            "rhythmicity",
            CHANNELS_REGIONS_HEAD,
            span="10 s",
        ),
        Feature(
            "higuchi_fd",
            "Higuchi fractal dimension (kmax=10, 50 s at 100 Hz), 1 (smooth curve) to 2 (noise): "
            "roughness of the waveform",
            "dimensionless",
            "frequency",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "katz_fd",
            "Katz fractal dimension (50 s at 100 Hz), dimensionless >= 1: total path length "
            "relative to the largest excursion; high for fast, irregular activity",
            "dimensionless",
            "frequency",
            CHANNELS_REGIONS_HEAD,
            also=("sharpness",),
        ),
        Feature(
            "petrosian_fd",
            "Petrosian fractal dimension (50 s at 100 Hz), dimensionless just above 1: grows with"
            " the number of slope sign changes (sharp, fast activity)",
            "dimensionless",
            "frequency",
            CHANNELS_REGIONS_HEAD,
            also=("sharpness",),
        ),
        Feature(
            "dfa_exponent",
            "Detrended fluctuation analysis exponent (50 s at 100 Hz, scales 40 ms to 5 s), "
            "dimensionless: 0.5 uncorrelated, ~1 long-range correlated, >1 smooth slow waves",
            "dimensionless",
            "frequency",
            CHANNELS_REGIONS_HEAD,
            also=("delta",),
        ),
    ),
)
