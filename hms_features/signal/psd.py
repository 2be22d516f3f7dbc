"""Power spectral density and coherence of many channels at once (Welch's method, vectorised).

The expensive step, the FFT of every Hann-windowed segment of every channel, is done once by
:func:`segment_spectra`; PSDs of the whole signal or of any run of its segments
(:func:`psd_from_power` of :func:`segment_power`) and coherences between channels
(:func:`coherence_from_spectra`) are cheap reductions of those spectra. :func:`welch_psd`
chains them for a one-off PSD.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sp_fft


@lru_cache(maxsize=8)
def hann_window(n: int) -> np.ndarray:
    """Periodic Hann window of ``n`` samples (``scipy.signal.get_window('hann', n)``); cached."""
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    win.flags.writeable = False
    return win


@lru_cache(maxsize=8)
def _window_spectrum(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bins where the Hann window's own spectrum is not zero (0 and 1), and its values there.

    Removing a segment's mean ``m`` before windowing equals subtracting ``m * FFT(window)`` from
    the windowed segment's spectrum; for a periodic Hann window that touches only two bins.
    """
    w = sp_fft.rfft(hann_window(n))
    nz = np.flatnonzero(np.abs(w) > 1e-9 * np.abs(w).max())
    return nz, w[nz]


class SegmentSpectra(NamedTuple):
    """FFTs of the Hann-windowed, mean-removed segments of a set of signals.

    Attributes
    ----------
    freqs : ndarray, shape (n_freqs,)
        Hz, 0 to fs/2 in steps of 1/segment_seconds.
    spec : ndarray, shape (..., n_segments, n_freqs), complex
        Unnormalised FFT of each segment, in microvolts.
    fs : float
        Sampling rate in Hz.
    nper : int
        Samples per segment.
    step : int
        Samples between segment starts.
    """

    freqs: np.ndarray
    spec: np.ndarray
    fs: float
    nper: int
    step: int


def segment_spectra(
    x: np.ndarray, fs: float, segment_seconds: float = 2.0, overlap: float = 0.5
) -> SegmentSpectra:
    """Spectra of Hann-windowed segments of ``segment_seconds`` with fractional ``overlap``.

    Each segment's mean is removed (``detrend='constant'`` in scipy), computed from block means
    and applied to the two spectral bins it affects, so the segments are windowed and
    transformed in a single pass.

    Parameters
    ----------
    x : ndarray, shape (..., n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.
    segment_seconds : float
        Segment length in seconds.
    overlap : float
        Fraction of a segment shared with the next one, 0 <= overlap < 1.
    """
    nper = int(round(segment_seconds * fs))
    if x.shape[-1] < nper:
        raise ValueError(
            f"a {segment_seconds:g}-s spectrum needs {nper} samples; got {x.shape[-1]}"
        )
    step = max(1, int(round(nper * (1.0 - overlap))))
    x = np.asarray(x, dtype=np.float64)
    seg = sliding_window_view(x, nper, axis=-1)[..., ::step, :]
    spec = sp_fft.rfft(seg * hann_window(nper), axis=-1)
    means = _segment_means(x, nper, step, seg.shape[-2])
    bins, w = _window_spectrum(nper)
    spec[..., bins] -= means[..., None] * w
    return SegmentSpectra(np.fft.rfftfreq(nper, 1.0 / fs), spec, float(fs), nper, step)


def _segment_means(x: np.ndarray, nper: int, step: int, n_seg: int) -> np.ndarray:
    """Mean of each segment, from the means of step-long blocks when segments tile them."""
    if nper % step == 0:
        per = nper // step
        blocks = x[..., : (n_seg + per - 1) * step].reshape(*x.shape[:-1], -1, step).mean(axis=-1)
        return sliding_window_view(blocks, per, axis=-1).mean(axis=-1)
    return sliding_window_view(x, nper, axis=-1)[..., ::step, :].mean(axis=-1)


def segment_power(spec: np.ndarray) -> np.ndarray:
    """``|spec|^2`` of every segment (``SegmentSpectra.spec``), shape (..., n_segments, n_freqs),
    uV^2 (unnormalised)."""
    power = np.square(spec.real)
    power += np.square(spec.imag)
    return power


def psd_from_power(
    power: np.ndarray, spectra: SegmentSpectra, segments: slice = slice(None)
) -> np.ndarray:
    """One-sided density PSD (uV^2/Hz) averaged over ``segments`` of :func:`segment_power`."""
    win = hann_window(spectra.nper)
    psd = power[..., segments, :].mean(axis=-2)
    psd /= spectra.fs * (win @ win)
    if spectra.nper % 2 == 0:
        psd[..., 1:-1] *= 2.0
    else:
        psd[..., 1:] *= 2.0
    return psd


def coherence_from_spectra(
    a: np.ndarray,
    b: np.ndarray,
    power_a: np.ndarray | None = None,
    power_b: np.ndarray | None = None,
) -> np.ndarray:
    """Magnitude-squared coherence of paired rows of two segment-spectra arrays.

    ``C(f) = |<A conj(B)>|^2 / (<|A|^2> <|B|^2>)`` with ``<>`` the mean over segments (axis -2),
    as :func:`scipy.signal.coherence`. 0 where either signal is flat; in [0, 1].

    Parameters
    ----------
    a, b : ndarray, shape (..., n_segments, n_freqs), complex
        Segment spectra (``SegmentSpectra.spec``) of the two signals of each pair.
    power_a, power_b : ndarray, shape (..., n_segments, n_freqs), optional
        ``|a|^2`` and ``|b|^2`` when already computed (:func:`segment_power`).
    """
    # Re and Im of <A conj(B)> without a complex temporary
    ar, ai, br, bi = a.real, a.imag, b.real, b.imag
    n_seg = a.shape[-2]
    re = (np.einsum("...sf,...sf->...f", ar, br) + np.einsum("...sf,...sf->...f", ai, bi)) / n_seg
    im = (np.einsum("...sf,...sf->...f", ai, br) - np.einsum("...sf,...sf->...f", ar, bi)) / n_seg
    pa = segment_power(a) if power_a is None else power_a
    pb = segment_power(b) if power_b is None else power_b
    denom = pa.mean(axis=-2) * pb.mean(axis=-2)
    ok = denom > 0
    coh = np.where(ok, (re * re + im * im) / np.where(ok, denom, 1.0), 0.0)
    return np.clip(coh, 0.0, 1.0)


def welch_psd(
    x: np.ndarray, fs: float, segment_seconds: float = 2.0, overlap: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided Welch PSD along the last axis, all channels in one FFT.

    Hann-windowed segments of ``segment_seconds`` with fractional ``overlap``, each segment's
    mean removed, periodograms averaged; density scaling, so that integrating the PSD over
    frequency gives the signal's variance. Equals ``scipy.signal.welch(x, fs, nperseg=...,
    noverlap=...)`` (mean averaging) to floating-point precision, several times faster.

    Parameters
    ----------
    x : ndarray, shape (..., n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    freqs : ndarray, shape (n_freqs,)
        Hz, from 0 to fs/2 in steps of 1/segment_seconds.
    psd : ndarray, shape (..., n_freqs)
        uV^2/Hz.
    """
    spectra = segment_spectra(x, fs, segment_seconds, overlap)
    return spectra.freqs, psd_from_power(segment_power(spectra.spec), spectra)
