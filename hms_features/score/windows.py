"""Where the scored windows of a recording are.

A window is scored for its labelled 10 s, as the competition's labels are: the segment
``[onset, onset + 10)`` s is the centre of the 50-s EEG window ``[onset - 20, onset + 30)`` s,
and the centre of its 10-minute spectrogram is the centre of the 50 s, ``onset + 5`` s (a
label's spectrogram window is centred on its EEG window). Onsets are ``start + k * step`` for
every ``k >= 0`` whose segment ends by ``end``; with the default step of 10 s the scored
segments tile the recording (a tail shorter than ``step`` after the last segment is not scored).

At the recording's edges (the first 20 s, the last 30 s, and every window of a recording
shorter than 50 s) the window reaches outside the recording: those samples are NaN, the feature
pipeline fills them as it does any missing data (held edges) and the window's
``missing_fraction`` says how much of it there was. A recording shorter than
:data:`MIN_SECONDS` (one labelled segment) cannot be scored: :class:`RecordingTooShortError`.
"""

from __future__ import annotations

import numpy as np

from hms_features.constants import FS, LABEL_LEAD_SECONDS, LABEL_SECONDS, WINDOW_CENTER_SECONDS
from hms_features.errors import HMSError, UsageError

#: Length of the scored (labelled) segment of a window, seconds.
SEGMENT_SECONDS: float = LABEL_SECONDS
#: Start of the 50-s window relative to the segment onset, seconds.
WINDOW_LEAD_SECONDS: float = LABEL_LEAD_SECONDS
#: Centre of the window's 10-minute spectrogram relative to the segment onset, seconds.
SPECTROGRAM_CENTER_SECONDS: float = WINDOW_CENTER_SECONDS - WINDOW_LEAD_SECONDS
#: The shortest recording that can be scored: one labelled segment, seconds.
MIN_SECONDS: float = SEGMENT_SECONDS


def check_step(step: float) -> float:
    """The step between scored segments, seconds: a finite number from one sample (1/200 s) to
    :data:`SEGMENT_SECONDS`. A longer step leaves gaps between the scored 10-s segments (60 s
    would score a sixth of the recording), so it is refused.

    >>> check_step(2.0)
    2.0
    >>> check_step(60.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hms_features.errors.UsageError: --step 60 s would leave 50 s of every 60 s unscored: ...
    """
    step = float(step)
    if not (np.isfinite(step) and step > 0):
        raise UsageError(f"--step must be a number of seconds > 0; got {step:g}")
    if step < 1.0 / FS:
        raise UsageError(f"--step {step:g} s is shorter than one sample (1/{FS} s)")
    if step > SEGMENT_SECONDS + 1e-9:
        raise UsageError(
            f"--step {step:g} s would leave {step - SEGMENT_SECONDS:g} s of every {step:g} s "
            f"unscored: give a step of at most {SEGMENT_SECONDS:g} s (10 tiles the recording; "
            "2 as SPaRCNet)"
        )
    return step


class RecordingTooShortError(HMSError, ValueError):
    """A recording (or the --start/--end span) shorter than one labelled segment."""


def segment_onsets(
    duration: float, step: float = 10.0, start: float | None = None, end: float | None = None
) -> np.ndarray:
    """Onsets (seconds) of the scored 10-s segments of a recording of ``duration`` seconds.

    Examples
    --------
    >>> segment_onsets(45.0).tolist()
    [0.0, 10.0, 20.0, 30.0]
    >>> segment_onsets(40.0, step=5.0, start=5.0).tolist()
    [5.0, 10.0, 15.0, 20.0, 25.0, 30.0]

    Raises
    ------
    UsageError
        A bad step or span (``start`` at or after ``end``, outside the recording).
    RecordingTooShortError
        The span holds no whole segment.
    """
    step = check_step(step)
    start = 0.0 if start is None else float(start)
    end = float(duration) if end is None else min(float(end), float(duration))
    if start < 0 or start >= duration:
        raise UsageError(f"--start {start:g} s is outside the recording (0-{duration:g} s)")
    if end <= start:
        raise UsageError(f"--end {end:g} s must be after --start {start:g} s")
    if end - start < MIN_SECONDS:
        what = "recording" if (start, end) == (0.0, float(duration)) else "span to score"
        raise RecordingTooShortError(
            f"the {what} lasts {end - start:g} s; scoring needs at least {MIN_SECONDS:g} s "
            f"(one labelled {SEGMENT_SECONDS:g}-s segment)"
        )
    n = int(np.floor((end - start - SEGMENT_SECONDS) / step + 1e-9)) + 1
    return start + step * np.arange(n)


def window_starts(onsets: np.ndarray, fs: float = FS) -> np.ndarray:
    """First sample (at ``fs``, may be negative) of each 50-s window."""
    return np.round((np.asarray(onsets) - WINDOW_LEAD_SECONDS) * fs).astype(np.int64)
