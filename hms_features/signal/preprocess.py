"""Cleaning a raw EEG window before features: missing data, band-pass, notch, clipping.

The steps, in order (all on microvolt signals sampled at 200 Hz):

1. Missing data: the 9999.0 placeholder and any |value| > 5,000 uV are already NaN when read
   (:func:`hms_features.data.eeg.read_eeg`). The fraction of missing samples is kept (it becomes
   a feature); missing stretches are filled by linear interpolation per electrode, a channel
   that is entirely missing by zeros (and it then contributes flat, zero-power signal).
2. Double-banana bipolar montage (18 channels, :mod:`hms_features.signal.montage`).
3. Zero-phase 4th-order Butterworth band-pass 0.5-40 Hz and a 60 Hz notch (Q=30).
4. Amplitude clipping at +/- 500 uV, so that electrode pops and movement artifacts cannot
   dominate every amplitude feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal as sps

from hms_features.constants import EEG_CHANNELS, FS
from hms_features.signal.montage import ANODES, CATHODES, bipolar

BANDPASS_HZ: tuple[float, float] = (0.5, 40.0)
NOTCH_HZ: float = 60.0
CLIP_MICROVOLTS: float = 500.0


@lru_cache(maxsize=8)
def _filter_sos(fs: float) -> np.ndarray:
    band = sps.butter(4, BANDPASS_HZ, btype="bandpass", fs=fs, output="sos")
    b, a = sps.iirnotch(NOTCH_HZ, Q=30.0, fs=fs)
    notch = sps.tf2sos(b, a)
    return np.vstack([band, notch])


def fill_missing(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaNs by linear interpolation along time, channel by channel.

    Parameters
    ----------
    x : ndarray, shape (n_samples, n_channels)
        Signals in microvolts with NaN for missing samples.

    Returns
    -------
    filled : ndarray, shape (n_samples, n_channels), float64
        No NaN left: gaps interpolated, edges held at the nearest valid value, and channels
        without any valid sample set to zero.
    missing : ndarray of bool, shape (n_samples, n_channels)
        Where the input was missing.
    """
    x = np.asarray(x, dtype=np.float64)
    missing = ~np.isfinite(x)
    if not missing.any():
        return x.copy(), missing
    out = x.copy()
    t = np.arange(x.shape[0])
    for ch in np.flatnonzero(missing.any(axis=0)):  # loop over channels, not samples
        ok = ~missing[:, ch]
        out[:, ch] = np.interp(t, t[ok], x[ok, ch]) if ok.any() else 0.0
    return out, missing


def filter_signals(x: np.ndarray, fs: float = FS) -> np.ndarray:
    """Zero-phase band-pass (0.5-40 Hz) and 60 Hz notch along the last axis; microvolts in, out."""
    return sps.sosfiltfilt(_filter_sos(float(fs)), x, axis=-1)


@dataclass(frozen=True)
class CleanWindow:
    """A preprocessed EEG window, ready for feature extraction.

    Attributes
    ----------
    bipolar : ndarray, shape (18, n_samples)
        Filtered, clipped double-banana signals in microvolts (float64).
    ekg : ndarray, shape (n_samples,)
        The EKG channel, NaN-filled and band-passed, in microvolts.
    missing_fraction : float
        Fraction of samples (0-1) at which at least one scalp electrode was missing.
    channel_missing_fraction : ndarray, shape (18,)
        For each bipolar channel, the fraction of samples where either electrode was missing.
    clipped_fraction : ndarray, shape (18,)
        For each bipolar channel, the fraction of samples clipped at +/- 500 uV.
    fs : float
        Sampling rate in Hz.
    """

    bipolar: np.ndarray
    ekg: np.ndarray
    missing_fraction: float
    channel_missing_fraction: np.ndarray
    clipped_fraction: np.ndarray
    fs: float


def clean_window(eeg: np.ndarray, fs: float = FS) -> CleanWindow:
    """Preprocess one raw EEG window (see the module docstring for the steps).

    Parameters
    ----------
    eeg : ndarray, shape (n_samples, 20)
        Raw referential EEG in microvolts, canonical channel order, NaN for missing data.
    fs : float
        Sampling rate in Hz.
    """
    eeg = np.asarray(eeg)
    if eeg.ndim != 2 or eeg.shape[1] != len(EEG_CHANNELS):
        raise ValueError(
            f"expected an EEG window of shape (n_samples, {len(EEG_CHANNELS)}); got {eeg.shape}"
        )
    filled, missing = fill_missing(eeg)
    scalp_missing = missing[:, :-1]
    bip = bipolar(filled)
    # a bipolar channel is missing where either of its electrodes is
    bip_missing = missing[:, ANODES].T | missing[:, CATHODES].T
    bip = filter_signals(bip, fs)
    clipped = np.abs(bip) > CLIP_MICROVOLTS
    np.clip(bip, -CLIP_MICROVOLTS, CLIP_MICROVOLTS, out=bip)
    ekg = filter_signals(filled[:, -1], fs)
    return CleanWindow(
        bipolar=bip,
        ekg=ekg,
        missing_fraction=float(scalp_missing.any(axis=1).mean()),
        channel_missing_fraction=bip_missing.mean(axis=1),
        clipped_fraction=clipped.mean(axis=1),
        fs=float(fs),
    )
