"""One preprocessed window and the intermediate results the feature families share.

A :class:`WindowContext` is built once per window; spectra and other expensive intermediates are
computed on first use and cached: one 100 Hz copy of the window, and one FFT of its 2-s
segments from which the Welch PSDs of the 50 s and of the labelled 10 s and the coherences
are derived.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np

from hms_features.constants import CENTER_START, CENTER_STOP, FS, WINDOW_SAMPLES
from hms_features.signal.montage import BIPOLAR_NAMES, REGIONS
from hms_features.signal.preprocess import CleanWindow, clean_window
from hms_features.signal.psd import (
    SegmentSpectra,
    psd_from_power,
    segment_power,
    segment_spectra,
    welch_psd,
)

#: Welch parameters shared by all spectral features: 2-s Hann segments, 50% overlap (0.5 Hz bins).
WELCH_SEGMENT_SECONDS: float = 2.0
#: Rate (Hz) of the decimated copy of the window (every second sample at 200 Hz) on which the
#: spectra, coherences, correlations, wavelet energies and the periodicity envelope are
#: computed. The 0.5-40 Hz band-pass leaves nothing of note above its 50 Hz Nyquist frequency
#: (the 4th-order Butterworth, applied forward and backward, is down 28 dB at 60 Hz, where the
#: notch is too), and every spectral feature lies below 40 Hz; it halves their cost.
ANALYSIS_FS: float = 100.0


class WindowContext:
    """A 50-s window after preprocessing, with cached shared intermediates.

    Parameters
    ----------
    clean : CleanWindow
        The preprocessed window (:func:`hms_features.signal.preprocess.clean_window`).
    spectrogram : ndarray, shape (300, 400), optional
        The competition's 10-minute regional spectrogram for this label (linear power, columns
        LL, RL, LP, RP x 100 bins of 0.59-19.92 Hz), NaN where the recording was padded or missing.
    spectrogram_recomputed : bool
        True when ``spectrogram`` was computed from the EEG because the file was missing.

    Attributes
    ----------
    x : ndarray, shape (18, n_samples)
        Bipolar signals in microvolts (the whole 50 s).
    center : ndarray, shape (18, 2000)
        The labelled central 10 s.
    center_slice : slice
        Where ``center`` lies in ``x`` (samples 4000-6000 of a 50-s window, else the central
        fifth of the window).
    channel_names : tuple of str
        The 18 bipolar channel names, e.g. ``'Fp1-F7'``.
    regions : dict
        Region name -> indices of its four bipolar channels in ``x``.
    """

    def __init__(
        self,
        clean: CleanWindow,
        spectrogram: np.ndarray | None = None,
        spectrogram_recomputed: bool = False,
    ) -> None:
        self.clean = clean
        self.fs = clean.fs
        self.x = clean.bipolar
        n = self.x.shape[1]
        # the labelled part: samples 4000-6000 of a 50-s window, else the central fifth
        if n == WINDOW_SAMPLES:
            self.center_slice = slice(CENTER_START, CENTER_STOP)
        else:
            self.center_slice = slice(2 * n // 5, 3 * n // 5)
        self.center = self.x[:, self.center_slice]
        self.channel_names = BIPOLAR_NAMES
        self.regions = REGIONS
        self.spectrogram = spectrogram
        self.spectrogram_recomputed = spectrogram_recomputed
        self._shared: dict[str, Any] = {}
        #: ``(store, offset)`` when the window is a slice of a stretch cleaned once
        #: (:meth:`hms_features.features.span.Span.window`): a dict shared by the stretch's
        #: windows for quantities of whole sub-windows, keyed by their first sample in the
        #: stretch, and the window's first sample in it; None for a window cleaned alone.
        self.stretch: tuple[dict, int] | None = None

    @classmethod
    def from_raw(
        cls,
        eeg: np.ndarray,
        fs: float = FS,
        spectrogram: np.ndarray | None = None,
        spectrogram_recomputed: bool = False,
    ) -> WindowContext:
        """Preprocess a raw window ``(n_samples, 20)`` in microvolts and wrap it."""
        return cls(clean_window(eeg, fs), spectrogram, spectrogram_recomputed)

    def shared(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per window, shared by the families that need it under ``key``."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    def segment(self, which: str) -> np.ndarray:
        """``'full'`` (the 50 s) or ``'center'`` (the labelled 10 s), shape (18, n)."""
        if which == "full":
            return self.x
        if which == "center":
            return self.center
        raise ValueError(f"segment must be 'full' or 'center', got {which!r}")

    @cached_property
    def decimation(self) -> int:
        """Samples of :attr:`x` per sample of :attr:`x_decimated` (2 at 200 Hz)."""
        return max(1, int(round(self.fs / ANALYSIS_FS)))

    @property
    def fs_decimated(self) -> float:
        """Sampling rate (Hz) of :attr:`x_decimated`."""
        return self.fs / self.decimation

    @cached_property
    def x_decimated(self) -> np.ndarray:
        """The 50 s at :data:`ANALYSIS_FS` (every second sample), shape (18, 5000), uV."""
        return np.ascontiguousarray(self.x[:, :: self.decimation])

    @cached_property
    def center_decimated(self) -> np.ndarray:
        """The labelled 10 s at :data:`ANALYSIS_FS`, shape (18, 1000), uV (a view when the
        centre starts on a kept sample)."""
        start, stop = self.center_slice.start, self.center_slice.stop
        if start % self.decimation == 0:
            step = self.decimation
            return self.x_decimated[:, start // step : (stop + step - 1) // step]
        return np.ascontiguousarray(self.center[:, :: self.decimation])

    @cached_property
    def spectra(self) -> SegmentSpectra:
        """FFTs of the 2-s Hann segments (50% overlap) of :attr:`x_decimated`, (18, 49, 101).

        The one segment FFT of the window: the PSDs of the 50 s and of the central 10 s and the
        inter-hemispheric coherences are all reductions of it.
        """
        return segment_spectra(self.x_decimated, self.fs_decimated, WELCH_SEGMENT_SECONDS, 0.5)

    @cached_property
    def segment_power(self) -> np.ndarray:
        """``|FFT|^2`` of each segment of :attr:`spectra`, shape (18, 49, 101), uV^2."""
        return segment_power(self.spectra.spec)

    @cached_property
    def psd_full(self) -> tuple[np.ndarray, np.ndarray]:
        """Welch PSD of the 50 s: (freqs 0-50 Hz in 0.5 Hz steps, psd (18, 101) in uV^2/Hz)."""
        return self.spectra.freqs, psd_from_power(self.segment_power, self.spectra)

    @cached_property
    def psd_center(self) -> tuple[np.ndarray, np.ndarray]:
        """Welch PSD of the central 10 s: (freqs in Hz, psd (18, 101) in uV^2/Hz).

        When the centre starts on a segment boundary (as in every 50-s window) its segments are
        a run of the 50-s segments and their spectra are reused.
        """
        sp, step = self.spectra, self.decimation
        start = self.center_slice.start
        n = self.center_decimated.shape[1]
        if start % (step * sp.step) == 0 and n >= sp.nper:
            first = start // step // sp.step
            n_seg = (n - sp.nper) // sp.step + 1
            return sp.freqs, psd_from_power(self.segment_power, sp, slice(first, first + n_seg))
        return welch_psd(self.center_decimated, self.fs_decimated, WELCH_SEGMENT_SECONDS, 0.5)

    def psd(self, which: str = "full") -> tuple[np.ndarray, np.ndarray]:
        """Welch PSD of ``'full'`` or ``'center'``; see :attr:`psd_full`."""
        return self.psd_full if which == "full" else self.psd_center

    def region_psd(self, which: str = "full") -> dict[str, np.ndarray]:
        """Region -> mean PSD of its four bipolar channels (as in the competition spectrograms)."""
        _, p = self.psd(which)
        return {r: p[list(idx)].mean(axis=0) for r, idx in self.regions.items()}
