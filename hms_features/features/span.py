"""One pass per EEG: the stretch its windows cover is preprocessed once and its windows share it.

Label windows of one EEG are 50-s windows a few seconds apart, and a recording's timeline steps
10 s with 50-s windows: most of each window was already read, cleaned and transformed for its
neighbour. A :class:`Span` is the raw EEG of a run of overlapping windows; it is cleaned once
(:func:`~hms_features.signal.preprocess.clean_window` on the whole stretch: NaN repair, double
banana, 0.5-40 Hz band-pass and notch, clipping) and decimated to 100 Hz once; the FFTs of its
2-s segments on a 1-s grid and the periodicity family's power envelopes
(:func:`~hms_features.features.periodicity.channel_envelopes`) are taken once. Each window's
:class:`~hms_features.features.context.WindowContext` (:meth:`Span.window`) is then a slice of
those: its signal, its 100 Hz copy, its envelopes and (when it starts on a whole second) its
segment spectra. The families compute from them exactly what they compute on that slice alone,
the envelopes excepted (below). Features that cannot be assembled from shared parts
(percentiles, entropies, fractal dimensions, wavelets, autocorrelations) are computed per
window, on the shared preprocessed signal.

What this changes (feature set version 2, :data:`~hms_features.features.version.
FEATURE_SET_VERSION`): the band-pass filter and the NaN interpolation see the EEG around a
window, not only the window, so the first and last seconds of a window are filtered as its
middle always was (no mirrored edge); and the discharge envelopes (an FFT low-pass, circular
over the window in version 1) are taken over the stretch. A window alone (a 50-s test EEG, or
a window that overlaps no other) is computed exactly as in version 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hms_features.constants import FS, WINDOW_SAMPLES
from hms_features.features.context import WELCH_SEGMENT_SECONDS, WindowContext
from hms_features.features.periodicity import _envelope_grid, channel_envelopes
from hms_features.signal.montage import ANODES, CATHODES
from hms_features.signal.preprocess import CLIP_MICROVOLTS, CleanWindow, clean_window
from hms_features.signal.psd import SegmentSpectra, segment_power, segment_spectra

#: Longest stretch (s) cleaned at once: a longer run of overlapping windows is cut into spans of
#: at most this length (memory stays bounded: about 60 MB of intermediates per 700 s).
MAX_SPAN_SECONDS: float = 700.0


def plan_spans(
    starts: np.ndarray, n_samples: int = WINDOW_SAMPLES, max_samples: int | None = None
) -> list[tuple[int, int, np.ndarray]]:
    """Group windows into spans: ``(first sample, stop sample, positions in starts)`` each.

    Windows are taken in order of their start; a window joins the current span when it
    overlaps it and the span stays within ``max_samples`` (default :data:`MAX_SPAN_SECONDS`),
    else it opens a new one. Windows that overlap nothing get a span of their own (cleaned as
    in version 1).

    >>> [(a, b, list(i)) for a, b, i in plan_spans(np.array([0, 400, 30000]), 1000)]
    [(0, 1400, [0, 1]), (30000, 31000, [2])]
    """
    starts = np.asarray(starts, dtype=np.int64)
    limit = int(max_samples or MAX_SPAN_SECONDS * FS)
    order = np.argsort(starts, kind="stable")
    spans: list[tuple[int, int, np.ndarray]] = []
    members: list[int] = []
    a = b = 0
    for i in order:
        s = int(starts[i])
        if members and s < b and s + n_samples - a <= limit:
            members.append(int(i))
            b = max(b, s + n_samples)
            continue
        if members:
            spans.append((a, b, np.array(members, dtype=np.int64)))
        members, a, b = [int(i)], s, s + n_samples
    if members:
        spans.append((a, b, np.array(members, dtype=np.int64)))
    return spans


@dataclass
class Span:
    """A stretch of raw EEG, cleaned once, and the intermediates its windows share.

    Parameters
    ----------
    raw : ndarray, shape (n_samples, 20)
        Raw referential EEG of the stretch in microvolts, NaN where missing.
    fs : float
        Sampling rate in Hz.
    """

    raw: np.ndarray
    fs: float = FS
    clean: CleanWindow = field(init=False)
    _cache: dict[str, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.clean = clean_window(self.raw, self.fs)

    @property
    def decimation(self) -> int:
        return max(1, int(round(self.fs / 100.0)))

    def _decimated(self) -> np.ndarray:
        if "dec" not in self._cache:
            self._cache["dec"] = np.ascontiguousarray(self.clean.bipolar[:, :: self.decimation])
        return self._cache["dec"]

    def _spectra(self) -> tuple[SegmentSpectra, np.ndarray]:
        """Segment FFTs of the whole 100 Hz copy (2-s Hann segments, 1-s grid) and |FFT|^2."""
        if "spectra" not in self._cache:
            sp = segment_spectra(
                self._decimated(), self.fs / self.decimation, WELCH_SEGMENT_SECONDS, 0.5
            )
            self._cache["spectra"] = (sp, segment_power(sp.spec))
        return self._cache["spectra"]

    def _envelopes(self, env_fs: float) -> tuple[np.ndarray, np.ndarray]:
        """The periodicity family's two envelopes of the whole 100 Hz copy (one FFT)."""
        if "envelopes" not in self._cache:
            self._cache["envelopes"] = channel_envelopes(
                self._decimated(), self.fs / self.decimation, env_fs
            )
        return self._cache["envelopes"]

    def window(
        self,
        start: int,
        n: int = WINDOW_SAMPLES,
        spectrogram: np.ndarray | None = None,
        spectrogram_recomputed: bool = False,
    ) -> WindowContext:
        """The window of ``n`` samples from sample ``start`` of the span, with its shared
        intermediates filled in (each a contiguous copy of the span's)."""
        stop = start + n
        raw = self.raw[start:stop]
        bip = np.ascontiguousarray(self.clean.bipolar[:, start:stop])
        missing = ~np.isfinite(raw)
        if missing.any():
            missing_fraction = float(missing[:, :-1].any(axis=1).mean())
            bip_missing = (missing[:, ANODES] | missing[:, CATHODES]).mean(axis=0)
        else:
            missing_fraction, bip_missing = 0.0, np.zeros(len(ANODES))
        clean = CleanWindow(
            bipolar=bip,
            ekg=self.clean.ekg[start:stop].copy(),
            missing_fraction=missing_fraction,
            channel_missing_fraction=bip_missing,
            # clipped samples sit at exactly +/- the clip level after clipping
            clipped_fraction=(np.abs(bip) >= CLIP_MICROVOLTS).mean(axis=1),
            fs=self.fs,
        )
        ctx = WindowContext(clean, spectrogram, spectrogram_recomputed)
        step = self.decimation
        if start % step == 0:
            d0 = start // step
            dec = self._decimated()
            n_dec = (n + step - 1) // step  # the length of x[:, ::step]
            ctx.__dict__["x_decimated"] = np.ascontiguousarray(dec[:, d0 : d0 + n_dec])
            sp, power = self._spectra()
            if d0 % sp.step == 0 and n_dec >= sp.nper:
                k0 = d0 // sp.step
                n_seg = (n_dec - sp.nper) // sp.step + 1
                seg = slice(k0, k0 + n_seg)
                ctx.__dict__["spectra"] = sp._replace(spec=np.ascontiguousarray(sp.spec[:, seg]))
                ctx.__dict__["segment_power"] = np.ascontiguousarray(power[:, seg])
            block, env_fs = _envelope_grid(ctx)
            if start % block == 0:
                env, detect = self._envelopes(env_fs)
                e0, n_env = start // block, n_dec // (block // step)
                ctx.shared(
                    "envelopes",
                    lambda: (env[:, e0 : e0 + n_env].copy(), detect[:, e0 : e0 + n_env].copy()),
                )
        return ctx


def span_windows(
    eeg: np.ndarray,
    starts: np.ndarray,
    n_samples: int = WINDOW_SAMPLES,
    fs: float = FS,
    max_samples: int | None = None,
) -> Iterator[tuple[np.ndarray, int, Span | Exception]]:
    """The spans of the windows starting at samples ``starts`` of ``eeg`` (n, 20).

    Yields, per span, the positions of its windows in ``starts``, the span's first sample in
    ``eeg`` (window ``i`` is ``span.window(starts[i] - first)``) and the :class:`Span`, or the
    exception that cleaning it raised (the caller records its windows as failed and goes on).
    """
    for a, b, idx in plan_spans(starts, n_samples, max_samples):
        try:
            span: Span | Exception = Span(eeg[a:b], fs)
        except Exception as exc:  # the caller records it (an interrupt is re-raised there)
            span = exc
        yield idx, a, span
