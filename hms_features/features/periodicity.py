"""Periodicity features: periodic discharges against rhythmic (sinusoidal) delta.

Periodic discharges (LPD, GPD) are sharp transients repeating every 0.5-3 s with relatively
quiet EEG between them; rhythmic delta (LRDA, GRDA) is a continuous, roughly sinusoidal wave.
Both are "periodic", but in different quantities:

- The **power envelope** (``|analytic signal|^2`` of the 0.5-25 Hz content, uV^2, sampled at 50 Hz;
  :func:`~hms_features.kernels.envelope.power_envelope`) of a sinusoid is constant, while each
  discharge makes it peak, whether the discharge is sharp or blunt (triphasic). So for periodic
  discharges the envelope is peaky and its autocorrelation has a strong peak at the discharge period
  (the shortest-lag peak within 90% of the highest, so that 2T and 3T do not win over T); for
  rhythmic delta the envelope is flat (peakiness near 1). (A Teager-energy envelope was tried first:
  it weights power by frequency squared and missed blunt 250-ms discharges on a pink background.)
- **Discharges** are local maxima (the largest within +/- 0.25 s) of each channel's power envelope
  of the 1.5-25 Hz content (:func:`~hms_features.kernels.envelope.detection_envelope`: without the
  slow delta of an encephalopathic background, which would fill the quiet baseline between
  discharges) above an adaptive threshold: 25 times the envelope's 25th percentile (the quiet
  background; an amplitude 5 times the background's), or 10 times it (3.2 times the amplitude) where
  the channel's bipolar chain shares the peak
  (:func:`~hms_features.kernels.discharges.chain_support`: the chain's mean envelope, each channel
  over its own baseline, reaches 12 within +/- 40 ms; discharges are synchronous over a field
  spanning several channels, background fluctuations are not). Their rate (Hz) and the regularity of
  their spacing (coefficient of variation of inter-discharge intervals: ~0 for a metronome-like
  train, ~1 for random events). Calibrated against the synthetic generator's own discharge times by
  ``benchmarks/detector_calibration.py``.
- **Bilateral discharges** (``global`` only): events where at least half the channels of each
  hemisphere (4 of LL+LP, 4 of RL+RP) have a discharge within +/- 40 ms
  (:func:`~hms_features.kernels.discharges.bilateral_discharges`): the bilateral, synchronous
  discharges of GPD. Their rate, and their share of all events (at least 4 channels of one
  hemisphere): ~1 for generalized discharges, ~0 for lateralized ones. Calibrated on the
  generator's GPD (``benchmarks/detector_calibration.py``, seed 3).
- The raw signal's **delta spectral peak sharpness**: a sinusoidal rhythm concentrates its power
  in one narrow peak, in dB above the flanking bins of the Welch PSD.

Sources: each of the 18 bipolar channels; for the autocorrelation, peakiness and sharpness,
each region and ``global`` use the mean envelope of their channels (4 or all 18; synchronous
discharges reinforce each other there) and the mean PSD (as ctx.region_psd); discharge rates
and interval CVs of regions and ``global`` are the means over their channels. ``_10s`` marks
counts restricted to the labelled central 10 s.

Neutral values (nothing to measure, e.g. a flat channel): autocorrelation peak height 0 and lag
0 s when the autocorrelation has no local maximum at 0.3-4 s; discharge rate 0; interval CV 1
(no regularity) with fewer than three discharges; peakiness 1; sharpness 0 dB.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sp_fft

from hms_features.constants import BANDS
from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_REGIONS_HEAD, HEAD, Family, Feature
from hms_features.kernels.autocorrelation import acf_peak, autocorrelation
from hms_features.kernels.discharges import (
    _discharge_features,
    bilateral_discharges,
    chain_support,
    detect_discharges,
    peakiness_ratio,
)
from hms_features.kernels.envelope import _analytic_spectrum, _bins_below, detection_envelope
from hms_features.kernels.percentiles import select_percentiles
from hms_features.kernels.spectra import delta_peak_sharpness
from hms_features.kernels.utils import _squared_magnitude
from hms_features.signal.montage import (
    BIPOLAR_NAMES,
    HEMISPHERES,
    REGION_AND_HEAD_MEAN,
    REGIONS,
)

#: Envelope sampling rate and low-pass cut-off (Hz).
ENVELOPE_FS: float = 50.0
ENVELOPE_CUTOFF_HZ: float = 25.0
#: The envelope is computed from the window decimated to 100 Hz (ctx.x_decimated: the 0.5-40 Hz
#: preprocessing leaves nothing that would alias below 25 Hz).
#: Lags (s) searched for the autocorrelation peak (periods of 0.25-3.3 Hz discharges/rhythms).
ACF_LAG_RANGE_S: tuple[float, float] = (0.3, 4.0)
#: The fundamental period is the shortest-lag peak at least this fraction of the highest.
ACF_PEAK_TOLERANCE: float = 0.9
#: Minimum spacing (s) of detected discharges.
MIN_DISCHARGE_SPACING_S: float = 0.25
#: Discharge threshold: THRESHOLD_RATIO x the BASELINE_PERCENTILE-th percentile of the envelope.
#: A low percentile stays on the background even when discharges fill half the window.
#: 25 x the power is 5 x the amplitude of the quieter background; on Gaussian noise (power
#: envelope exponentially distributed) it is exceeded 0.07% of the time.
BASELINE_PERCENTILE: float = 25.0
THRESHOLD_RATIO: float = 25.0
#: Discharges are detected on the power envelope of the DETECTION_LOW_HZ-25 Hz content: the
#: slow delta of an encephalopathic background (mostly below 1.5 Hz) would otherwise fill the
#: envelope's quiet baseline and hide discharges that stand out clearly above it, while a
#: discharge's sharp phase keeps most of its power above 1.5 Hz.
DETECTION_LOW_HZ: float = 1.5
#: A weaker peak (above SUPPORTED_RATIO x the baseline, i.e. 3.2 x the background amplitude)
#: counts when its bipolar chain shares it: the chain's mean envelope, each channel over its
#: own baseline, reaches SUPPORT_RATIO within +/- SUPPORT_S. Discharges are synchronous over
#: a field spanning several channels of a chain; background fluctuations much less so.
SUPPORTED_RATIO: float = 10.0
SUPPORT_RATIO: float = 12.0
SUPPORT_S: float = 0.04
#: Bipolar chains (indices into the 18 channels) that lend their support: the four regional
#: chains and the midline pair (Fz-Cz, Cz-Pz).
SUPPORT_CHAINS: tuple[tuple[int, ...], ...] = (*REGIONS.values(), (16, 17))
#: Peakiness: this percentile of the envelope over its median ...
PEAKINESS_PERCENTILE: float = 99.0
#: ... with the median floored at this fraction of that percentile (caps the ratio at 1000).
PEAKINESS_MAX: float = 1000.0
#: Delta peak sharpness: flank bins are those 1-2.5 Hz away from the peak (and >= 0.5 Hz).
SHARPNESS_FLANK_HZ: tuple[float, float] = (1.0, 2.5)
#: Neutral interval CV (fewer than 3 discharges).
NEUTRAL_CV: float = 1.0
#: Bilateral discharges: at least BILATERAL_CHANNELS of each hemisphere's 8 channels (half)
#: with a discharge within +/- BILATERAL_TOLERANCE_S (the chain support's window).
BILATERAL_CHANNELS: int = 4
BILATERAL_TOLERANCE_S: float = 0.04

# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
#: Row sources: 18 channels, 4 regions (mean of their channels' envelopes / PSDs), global.
SOURCES: tuple[str, ...] = (*BIPOLAR_NAMES, *REGIONS, "global")


def _with_sources(per_channel_rows: np.ndarray) -> np.ndarray:
    """Stack channel rows (18, ...) with region and global means -> (23, ...)."""
    return np.concatenate([per_channel_rows, REGION_AND_HEAD_MEAN @ per_channel_rows], axis=0)


def _envelope_grid(ctx: WindowContext) -> tuple[int, float]:
    """Raw samples of ``ctx.x`` per envelope sample, and the envelope's rate (Hz)."""
    block = ctx.decimation * max(1, int(round(ctx.fs_decimated / ENVELOPE_FS)))
    return block, ctx.fs / block


def channel_discharges(ctx: WindowContext) -> tuple[np.ndarray, float]:
    """The discharges the family counts on each of the 18 channels of a window.

    Returns
    -------
    mask : ndarray of bool, shape (18, n_env)
        :func:`~hms_features.kernels.discharges.detect_discharges` on each channel's
        :func:`~hms_features.kernels.envelope.detection_envelope` (as the family computes
        them).
    env_fs : float
        Rate of the envelope grid (Hz): envelope sample ``j`` is at ``j / env_fs`` s.
    """
    _, env_fs = _envelope_grid(ctx)
    e = detection_envelope(
        ctx.x_decimated, ctx.fs_decimated, env_fs, ENVELOPE_CUTOFF_HZ, DETECTION_LOW_HZ
    )
    base = np.percentile(e, BASELINE_PERCENTILE, axis=1)
    mask = detect_discharges(
        e,
        env_fs,
        MIN_DISCHARGE_SPACING_S,
        threshold=THRESHOLD_RATIO * base[:, None],
        support=chain_support(e, base, env_fs, SUPPORT_CHAINS, SUPPORT_S),
        weak_threshold=SUPPORTED_RATIO * base[:, None],
        support_level=SUPPORT_RATIO,
    )
    return mask, env_fs


def periodicity_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Feature suffix -> values for the 23 :data:`SOURCES` (see the module docstring), or for
    ``global`` alone (the bilateral discharges).

    The kernels' quantities, with fewer passes: one FFT for both envelopes (those of
    :func:`~hms_features.kernels.envelope.power_envelope` and
    :func:`~hms_features.kernels.envelope.detection_envelope`), and the discharges counted
    without their mask (as :func:`channel_discharges` and
    :func:`~hms_features.kernels.discharges.discharge_statistics` would).
    """
    in_fs = ctx.fs_decimated
    block, env_fs = _envelope_grid(ctx)  # raw samples per envelope sample, its rate
    # one FFT for both envelopes: 0.5-25 Hz, and DETECTION_LOW_HZ-25 Hz (detection_envelope)
    spec, m, factor = _analytic_spectrum(ctx.x_decimated, in_fs, env_fs, ENVELOPE_CUTOFF_HZ)
    spec_detect = spec.copy()
    spec_detect[:, : _bins_below(DETECTION_LOW_HZ, ctx.x_decimated.shape[1], in_fs, env_fs)] = 0
    b = sp_fft.ifft(spec, n=m, axis=1, overwrite_x=True)
    n_ch, n_env = b.shape
    env = np.empty((len(SOURCES), n_env))  # channels, then region and global means
    channel_env = env[:n_ch]
    _squared_magnitude(b, factor, channel_env)  # power_envelope
    np.matmul(REGION_AND_HEAD_MEAN, channel_env, out=env[n_ch:])
    max_lag = int(np.floor(ACF_LAG_RANGE_S[1] * env_fs)) + 1
    height, lag = acf_peak(
        autocorrelation(env, max_lag), env_fs, ACF_LAG_RANGE_S, ACF_PEAK_TOLERANCE
    )
    median, high = select_percentiles(env, [50.0, PEAKINESS_PERCENTILE])
    # discharges per channel; regions and global average the channels' statistics
    # the labelled 10 s on the envelope grid (envelope sample j is at raw sample j * block)
    start, stop = ctx.center_slice.start, ctx.center_slice.stop
    b0 = min(start // block, n_env - 1)
    b1 = max(b0 + 1, min(n_env, stop // block))
    w = max(1, int(round(MIN_DISCHARGE_SPACING_S * env_fs)))
    detect = np.empty((n_ch, n_env))
    _squared_magnitude(sp_fft.ifft(spec_detect, n=m, axis=1, overwrite_x=True), factor, detect)
    detect_base = select_percentiles(detect, [BASELINE_PERCENTILE])[0]
    mask = np.zeros((n_ch, n_env), dtype=np.bool_)
    rate, rate_10s, cv = _discharge_features(
        detect,
        detect_base,
        chain_support(detect, detect_base, env_fs, SUPPORT_CHAINS, SUPPORT_S),
        w,
        b0,
        b1,
        n_env / env_fs,
        (b1 - b0) / env_fs,
        THRESHOLD_RATIO,
        SUPPORTED_RATIO,
        SUPPORT_RATIO,
        NEUTRAL_CV,
        mask,
    )
    bilateral, events = bilateral_discharges(
        mask, *HEMISPHERES, env_fs, BILATERAL_CHANNELS, BILATERAL_TOLERANCE_S
    )
    n_bilateral = int(bilateral.sum())
    freqs, psd = ctx.psd("full")
    return {
        "envelope_acf_peak": height,
        "envelope_acf_lag": lag,
        "discharge_rate": _with_sources(rate),
        "discharge_rate_10s": _with_sources(rate_10s),
        "discharge_interval_cv": _with_sources(cv),
        "envelope_peakiness": peakiness_ratio(high, median, PEAKINESS_MAX),
        "delta_peak_sharpness": delta_peak_sharpness(
            freqs, _with_sources(psd), BANDS["delta"], SHARPNESS_FLANK_HZ
        ),
        "bilateral_discharge_rate": np.array([n_bilateral * env_fs / n_env]),
        "bilateral_discharge_rate_10s": np.array([bilateral[b0:b1].sum() * env_fs / (b1 - b0)]),
        "bilateral_discharge_fraction": np.array([n_bilateral / max(int(events.sum()), 1)]),
    }


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
FAMILY = Family(
    "periodicity",
    periodicity_values,
    (
        Feature(
            "envelope_acf_peak",
            "Periodicity strength: height of the main autocorrelation peak of the 0.5-25 Hz power"
            " envelope at lags 0.3-4 s, -1 to 1 (0 = none); high for periodic discharges",
            "-1 to 1",
            "periodic_discharges",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "envelope_acf_lag",
            "Period of the discharges: lag of the main (shortest near-highest) autocorrelation "
            "peak of the 0.5-25 Hz power envelope within 0.3-4 s, in seconds (0 = no peak)",
            "s",
            "periodic_discharges",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "discharge_rate",
            "Rate of discharges (peaks of the 1.5-25 Hz power envelope above an adaptive "
            "threshold, or above a lower one where the channel's bipolar chain shares the peak; "
            ">= 0.25 s apart) over the 50 s, Hz",
            "Hz",
            "periodic_discharges",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "discharge_rate_10s",
            "Rate of discharges (peaks of the 1.5-25 Hz power envelope, as for discharge_rate) in"
            " the labelled 10 s, Hz",
            "Hz",
            "periodic_discharges",
            CHANNELS_REGIONS_HEAD,
            span="10 s",
        ),
        Feature(
            "discharge_interval_cv",
            "Irregularity of discharge spacing: coefficient of variation (SD/mean) of intervals "
            "between discharges over the 50 s; ~0 = clock-like periodic, 1 = random or too few",
            "dimensionless",
            "periodic_discharges",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "envelope_peakiness",
            "Peakiness of the 0.5-25 Hz power envelope over the 50 s: 99th percentile / median, "
            "1-1000; high for discharges with quiet between, ~1 for a continuous sinusoidal "
            "rhythm",
            "ratio, 1-1000",
            "periodic_discharges",
            CHANNELS_REGIONS_HEAD,
        ),
        Feature(
            "delta_peak_sharpness",
            "Sharpness of the strongest delta (0.5-4 Hz) spectral peak over the 50 s: its power "
            "above the mean of the bins 1-2.5 Hz away, dB; high for a monomorphic rhythmic delta",
            "dB",
            "rhythmicity",
            CHANNELS_REGIONS_HEAD,
            also=("delta",),
        ),
        Feature(
            "bilateral_discharge_rate",
            "Rate of bilateral synchronous discharges (at least 4 of 8 channels on each "
            "hemisphere within +/- 40 ms) over the 50 s, Hz; high for generalized periodic "
            "discharges",
            "Hz",
            "periodic_discharges",
            HEAD,
            also=("synchrony",),
        ),
        Feature(
            "bilateral_discharge_rate_10s",
            "Rate of bilateral synchronous discharges (as bilateral_discharge_rate) in the "
            "labelled 10 s, Hz",
            "Hz",
            "periodic_discharges",
            HEAD,
            span="10 s",
            also=("synchrony",),
        ),
        Feature(
            "bilateral_discharge_fraction",
            "Share of discharge events (at least 4 of a hemisphere's 8 channels within +/- 40 ms)"
            " seen on both hemispheres at once, 0-1; ~1 generalized, ~0 lateralized (0 = no "
            "events)",
            "fraction, 0-1",
            "periodic_discharges",
            HEAD,
            also=("synchrony",),
        ),
    ),
)
