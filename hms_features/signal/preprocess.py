"""Cleaning a raw EEG window before features: missing data, band-pass, notch, clipping.

The steps, in order (all on microvolt signals sampled at 200 Hz):

1. Missing data: the 9999.0 placeholder and any |value| > 5,000 uV are already NaN when read
   (:func:`hms_features.data.eeg.read_eeg`). The fraction of missing samples is kept (it becomes
   a feature); missing stretches are filled by linear interpolation per electrode, a channel
   that is entirely missing by zeros (and it then contributes flat, zero-power signal).
2. Double-banana bipolar montage (18 channels, :mod:`hms_features.signal.montage`).
3. Zero-phase 4th-order Butterworth band-pass 0.5-40 Hz and a 60 Hz notch (Q=30), applied
   in the frequency domain (:func:`filter_signals`).
4. Amplitude clipping at +/- 500 uV, so that electrode pops and movement artifacts cannot
   dominate every amplitude feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import fft as sp_fft
from scipy import signal as sps

from hms_features.constants import EEG_CHANNELS, FS
from hms_features.signal.montage import ANODES, CATHODES, bipolar

BANDPASS_HZ: tuple[float, float] = (0.5, 40.0)
NOTCH_HZ: float = 60.0
CLIP_MICROVOLTS: float = 500.0


#: Seconds of mirrored signal added at each end before FFT filtering (against wrap-around).
PAD_SECONDS: float = 2.0


@lru_cache(maxsize=128)
def _zero_phase_gain(n: int, fs: float) -> np.ndarray:
    """|H(f)|^2 of the band-pass and notch at the rfft frequencies of an n-sample signal.

    Cached per FFT length: stretches of overlapping windows (``features/span.py``) come in many
    lengths, and a gain costs about 15 ms, as much as cleaning a stretch (128 gains of 180-s
    stretches hold about 18 MB).

    Applying |H|^2 in the frequency domain is zero-phase filtering with the same magnitude
    response as running the IIR filter forward and backward (``sosfiltfilt``).
    """
    band = sps.butter(4, BANDPASS_HZ, btype="bandpass", fs=fs, output="sos")
    b, a = sps.iirnotch(NOTCH_HZ, Q=30.0, fs=fs)
    sos = np.vstack([band, sps.tf2sos(b, a)])
    _, h = sps.sosfreqz(sos, worN=np.fft.rfftfreq(n, 1.0 / fs), fs=fs)
    return np.abs(h) ** 2


def _interpolate_gaps(x: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """Linear interpolation over the samples where ``gap`` (n,) is True, for every column of x."""
    n = x.shape[0]
    if gap.all():
        return np.zeros_like(x)
    t = np.arange(n)
    prev = np.maximum.accumulate(np.where(gap, -1, t))
    nxt = np.minimum.accumulate(np.where(gap, n, t)[::-1])[::-1]
    prev = np.where(prev < 0, nxt, prev)  # leading gap: hold the first valid value
    nxt = np.where(nxt >= n, prev, nxt)  # trailing gap: hold the last valid value
    frac = ((t - prev) / np.maximum(nxt - prev, 1))[:, None]
    return np.where(gap[:, None], x[prev] * (1.0 - frac) + x[nxt] * frac, x)


def fill_missing(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaNs by linear interpolation along time, all channels at once.

    Parameters
    ----------
    x : ndarray, shape (n_samples, n_channels)
        Signals in microvolts with NaN for missing samples.

    Returns
    -------
    filled : ndarray, shape (n_samples, n_channels), float64
        No NaN left: gaps interpolated between the nearest valid samples, edges held at the
        nearest valid value, and channels without any valid sample set to zero.
    missing : ndarray of bool, shape (n_samples, n_channels)
        Where the input was missing.
    """
    x = np.asarray(x, dtype=np.float64)
    missing = ~np.isfinite(x)
    if not missing.any():
        return x.copy(), missing
    filled = x.copy()
    rows_missing = missing.any(axis=1)
    if (missing == rows_missing[:, None]).all():
        # the usual case: a run missing on every channel at once: one index computation
        filled[:] = _interpolate_gaps(x, rows_missing)
    else:
        for ch in np.flatnonzero(missing.any(axis=0)):  # loop over channels, not samples
            filled[:, ch] = _interpolate_gaps(x[:, ch : ch + 1], missing[:, ch])[:, 0]
    return filled, missing


def _padded_length(n: int, fs: float) -> tuple[int, int]:
    """Mirror padding (samples) at each end and the fast FFT length for an n-sample signal."""
    pad = min(int(PAD_SECONDS * fs), n - 1)
    return pad, sp_fft.next_fast_len(n + 2 * pad, real=True)


def _filter_padded(buf: np.ndarray, pad: int, n: int, fs: float) -> np.ndarray:
    """Filter signals held in ``buf[..., pad:pad + n]`` of an (..., nfft) work buffer.

    The buffer's edges are overwritten with the mirror image of the signal (and zeros up to
    nfft) and the buffer itself is consumed by the FFT. Returns the filtered (..., n) signals.
    """
    nfft = buf.shape[-1]
    buf[..., :pad] = buf[..., 2 * pad : pad : -1]
    buf[..., pad + n : 2 * pad + n] = buf[..., pad + n - 2 : n - 2 : -1]
    buf[..., 2 * pad + n :] = 0.0
    spec = sp_fft.rfft(buf, axis=-1, overwrite_x=True)
    spec *= _zero_phase_gain(nfft, float(fs))
    return sp_fft.irfft(spec, n=nfft, axis=-1, overwrite_x=True)[..., pad : pad + n]


def filter_signals(x: np.ndarray, fs: float = FS) -> np.ndarray:
    """Zero-phase band-pass (0.5-40 Hz, Butterworth order 4) and 60 Hz notch along the last axis.

    Implemented as one FFT per channel: the signal is extended by 2 s of mirror image at each
    end, multiplied by the squared magnitude response of the IIR filters (forward-backward
    filtering, as ``scipy.signal.sosfiltfilt``), and transformed back. Microvolts in and out.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    pad, nfft = _padded_length(n, fs)
    buf = np.empty((*x.shape[:-1], nfft))
    buf[..., pad : pad + n] = x
    return _filter_padded(buf, pad, n, fs)


@dataclass(frozen=True)
class CleanWindow:
    """A preprocessed EEG window, ready for feature extraction.

    Attributes
    ----------
    bipolar : ndarray, shape (18, n_samples)
        Filtered, clipped double-banana signals in microvolts (float64).
    ekg : ndarray, shape (n_samples,)
        The EKG channel, NaN-filled but not filtered (no feature uses it; filter it with
        :func:`filter_signals` to display it), in microvolts.
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
    n = eeg.shape[0]
    if np.isfinite(eeg).all():  # the usual case: nothing to fill
        filled = np.asarray(eeg, dtype=np.float64)
        missing_fraction = 0.0
        bip_missing = np.zeros(len(ANODES))
    else:
        filled, missing = fill_missing(eeg)
        missing_fraction = float(missing[:, :-1].any(axis=1).mean())
        # a bipolar channel is missing where either of its electrodes is
        bip_missing = (missing[:, ANODES] | missing[:, CATHODES]).mean(axis=0)
    # the montage is written straight into the filter's padded work buffer
    pad, nfft = _padded_length(n, fs)
    buf = np.empty((len(ANODES), nfft))
    bipolar(filled, out=buf[:, pad : pad + n])
    filtered = _filter_padded(buf, pad, n, fs)  # a view into the FFT buffer
    clipped = np.abs(filtered) > CLIP_MICROVOLTS
    bip = np.clip(filtered, -CLIP_MICROVOLTS, CLIP_MICROVOLTS)  # contiguous rows
    return CleanWindow(
        bipolar=bip,
        ekg=filled[:, -1].copy(),
        missing_fraction=missing_fraction,
        channel_missing_fraction=bip_missing,
        clipped_fraction=clipped.mean(axis=1),
        fs=float(fs),
    )
