"""One pass per EEG: the stretch its windows cover is preprocessed once and its windows share it.

Label windows of one EEG are 50-s windows a few seconds apart, and a recording's timeline steps
10 s with 50-s windows: most of each window was already read, cleaned and transformed for its
neighbour. A :class:`Span` is the raw EEG of a run of overlapping windows with up to
:data:`CONTEXT_SECONDS` of the EEG on each side; it is cleaned once
(:func:`~hms_features.signal.preprocess.clean_window` on the whole stretch: NaN repair, double
banana, 0.5-40 Hz band-pass and notch, clipping), decimated to 100 Hz once, and the FFTs of its
2-s segments on a 1-s grid are taken once. Each window's
:class:`~hms_features.features.context.WindowContext` (:meth:`Span.window`) is a slice of
those: its cleaned signal, its 100 Hz copy and (when it starts on a whole second) its segment
spectra, from which the families compute exactly what they compute on that cleaned window
alone (the same bits: ``tests/features/test_span.py``). The windows of a stretch also share a
store (:attr:`WindowContext.stretch <hms_features.features.context.WindowContext.stretch>`) for
quantities of whole sub-windows: the evolution family's 5-s sub-windows, computed once when
several windows hold the same one (``hms score``'s windows every 10 s share 8 of 10).
Everything that cannot be assembled from shared parts (percentiles, entropies, fractal
dimensions, wavelets, envelopes and their autocorrelations) is computed per window, on the
shared cleaned signal.

What this changes (feature set version 2, :data:`~hms_features.features.version.
FEATURE_SET_VERSION`): a window is cleaned with up to :data:`CONTEXT_SECONDS` of its EEG on
each side instead of alone, so its first and last seconds are filtered as its middle always was
(with signal on both sides, not a mirror image of the window), and a NaN run at its edge is
interpolated towards the samples beyond it. The context makes a window's values independent,
to about 1e-7, of which other windows share its stretch (the filter's response to a sample
15 s away has decayed by more than 1e7). A window with no EEG around it (a 50-s test EEG) is
computed exactly as in version 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hms_features.constants import FS, WINDOW_SAMPLES
from hms_features.features.context import WELCH_SEGMENT_SECONDS, WindowContext
from hms_features.signal.montage import ANODES, CATHODES
from hms_features.signal.preprocess import CLIP_MICROVOLTS, CleanWindow, clean_window
from hms_features.signal.psd import SegmentSpectra, segment_power, segment_spectra

#: Seconds of EEG on each side of a window (where the EEG has them) cleaned with it.
CONTEXT_SECONDS: float = 15.0
#: Longest run of windows (s, context excluded) cleaned at once: a longer run is cut into
#: several stretches. Memory stays bounded (about 15 MB of intermediates kept per stretch of
#: 150 s, as much again while it is cleaned), and the FFT filter's working set stays small: a
#: 10-minute block of ``hms score`` cleaned as 150-s stretches cost 15% less CPU than as one.
MAX_SPAN_SECONDS: float = 150.0


def plan_spans(
    starts: np.ndarray,
    n_samples: int = WINDOW_SAMPLES,
    max_samples: int | None = None,
    context: int = 0,
) -> list[tuple[int, int, np.ndarray]]:
    """Group windows into runs: ``(first sample, stop sample, positions in starts)`` each.

    Windows are taken in order of their start; a window joins the current run when its
    ``context`` samples before it reach the current run's ``context`` after it (their stretches
    would overlap) and the run stays within ``max_samples`` (default :data:`MAX_SPAN_SECONDS`);
    else it opens a new one. The run's stretch is ``first - context : stop + context``.

    >>> [(a, b, i.tolist()) for a, b, i in plan_spans(np.array([0, 400, 30000]), 1000)]
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
        if members and s - context < b + context and s + n_samples - a <= limit:
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

    def _any_missing(self) -> bool:
        if "any_missing" not in self._cache:
            self._cache["any_missing"] = not np.isfinite(self.raw).all()
        return self._cache["any_missing"]

    def _spectra(self) -> tuple[SegmentSpectra, np.ndarray]:
        """Segment FFTs of the whole 100 Hz copy (2-s Hann segments, 1-s grid) and |FFT|^2."""
        if "spectra" not in self._cache:
            sp = segment_spectra(
                self._decimated(), self.fs / self.decimation, WELCH_SEGMENT_SECONDS, 0.5
            )
            self._cache["spectra"] = (sp, segment_power(sp.spec))
        return self._cache["spectra"]

    def window(
        self,
        start: int,
        n: int = WINDOW_SAMPLES,
        spectrogram: np.ndarray | None = None,
        spectrogram_recomputed: bool = False,
    ) -> WindowContext:
        """The window of ``n`` samples from sample ``start`` of the span, with its shared
        intermediates filled in (a copy of its cleaned signal, views of the segment spectra)."""
        stop = start + n
        bip = np.ascontiguousarray(self.clean.bipolar[:, start:stop])
        missing_fraction, bip_missing = 0.0, np.zeros(len(ANODES))
        if self._any_missing():
            missing = ~np.isfinite(self.raw[start:stop])
            if missing.any():
                missing_fraction = float(missing[:, :-1].any(axis=1).mean())
                bip_missing = (missing[:, ANODES] | missing[:, CATHODES]).mean(axis=0)
        clean = CleanWindow(
            bipolar=bip,
            ekg=self.clean.ekg[start:stop].copy(),
            missing_fraction=missing_fraction,
            channel_missing_fraction=bip_missing,
            # clipped samples sit at exactly +/- the clip level after clipping
            clipped_fraction=np.count_nonzero(np.abs(bip) >= CLIP_MICROVOLTS, axis=1)
            / bip.shape[1],
            fs=self.fs,
        )
        ctx = WindowContext(clean, spectrogram, spectrogram_recomputed)
        ctx.stretch = (self._cache.setdefault("subwindows", {}), start)
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
                # views: the families only reduce over segments, in the same order
                ctx.__dict__["spectra"] = sp._replace(spec=sp.spec[:, seg])
                ctx.__dict__["segment_power"] = power[:, seg]
        return ctx


def span_windows(
    eeg: np.ndarray,
    starts: np.ndarray,
    n_samples: int = WINDOW_SAMPLES,
    fs: float = FS,
    context_seconds: float = CONTEXT_SECONDS,
    max_samples: int | None = None,
) -> Iterator[tuple[np.ndarray, int, Span | Exception]]:
    """The stretches of the windows starting at samples ``starts`` of ``eeg`` (n, 20), each
    with ``context_seconds`` of EEG on both sides where ``eeg`` has them.

    Yields, per stretch, the positions of its windows in ``starts``, the stretch's first sample
    in ``eeg`` (window ``i`` is ``span.window(starts[i] - first)``) and the :class:`Span`, or
    the exception that cleaning it raised (the caller records its windows as failed and goes
    on). A caller that drops its reference (``del span``) before asking for the next stretch
    keeps one stretch in memory at a time (about 20 MB for 150 s) instead of two.
    """
    context = int(round(context_seconds * fs))
    for a, b, idx in plan_spans(starts, n_samples, max_samples, context):
        # from a whole second of the EEG: windows on whole seconds then start on the grid of
        # the stretch's 1-s segment FFTs
        second = max(1, int(round(fs)))
        a, b = max((a - context) // second * second, 0), min(b + context, eeg.shape[0])
        try:
            span: Span | Exception = Span(eeg[a:b], fs)
        except Exception as exc:  # the caller records it (an interrupt is re-raised there)
            span = exc
        yield idx, a, span
        del span  # freed before the next stretch is cleaned (when the caller lets go of it too)
