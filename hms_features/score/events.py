"""Windows merged into episodes: BIDS ``events.tsv`` and annotations an EEG viewer loads.

Merging rule (hysteresis on the window probabilities, windows in time order):

1. an episode of class ``c`` **opens** at a window of ``ok`` quality whose most probable class
   is ``c`` with probability >= :data:`ON_PROBABILITY` (0.5);
2. it **continues** through the following windows while ``p(c)`` >= :data:`OFF_PROBABILITY`
   (0.3) and no other class leads with probability >= 0.5;
3. it **closes** at the first window that breaks rule 2 or is of ``poor`` quality (that window
   may open the next episode by rule 1);
4. it runs from its first window's onset to its last window's onset + 10 s (cut at the next
   episode's onset when windows overlap, ``--step`` < 10), and is kept when it lasts at least
   :data:`MIN_DURATION` seconds (20: two consecutive 10-s windows at the default step);
5. ``probability`` is the mean ``p(c)`` over its windows.

Every class gets episodes, "Other" included (the background between patterns), so that the
events cover what the model saw. Outputs:

- ``<stem>_events.tsv``: BIDS events (tab-separated; ``onset``, ``duration`` in seconds first,
  then ``trial_type`` = class name, ``probability``, ``n_windows``; ``n/a`` for a missing
  value), with ``<stem>_events.json`` describing the columns (BIDS sidecar);
- ``<stem>_annotations.txt``: the same episodes as MNE-Python annotations
  (:meth:`mne.Annotations.save`: a text file ``# MNE-Annotations`` then ``onset, duration,
  description`` lines, seconds from the recording's start), which ``mne.read_annotations`` loads
  back onto the recording (``raw.set_annotations``) and EDFbrowser imports (File > Import
  annotations > ASCII/CSV, separator comma, 2 header lines skipped, onset column 1, duration
  column 2, description column 3, onset in seconds relative to the start).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES
from hms_features.score.windows import SEGMENT_SECONDS

#: Probability at which the leading class opens an episode.
ON_PROBABILITY: float = 0.5
#: Probability below which an open episode closes.
OFF_PROBABILITY: float = 0.3
#: Shortest episode kept, seconds.
MIN_DURATION: float = 20.0
EVENT_COLUMNS: tuple[str, ...] = ("onset", "duration", "trial_type", "probability", "n_windows")

EVENTS_SIDECAR: dict = {
    "onset": {"Description": "Start of the episode", "Units": "s"},
    "duration": {"Description": "Length of the episode", "Units": "s"},
    "trial_type": {
        "Description": "Class the model assigns to the episode",
        "Levels": {
            "Seizure": "seizure",
            "LPD": "lateralized periodic discharges",
            "GPD": "generalized periodic discharges",
            "LRDA": "lateralized rhythmic delta activity",
            "GRDA": "generalized rhythmic delta activity",
            "Other": "none of the above",
        },
    },
    "probability": {"Description": "Mean model probability of the class over the episode"},
    "n_windows": {"Description": "Scored windows merged into the episode"},
}


def merge_windows(
    onsets: np.ndarray,
    probs: np.ndarray,
    ok: np.ndarray | None = None,
    on: float = ON_PROBABILITY,
    off: float = OFF_PROBABILITY,
    min_duration: float = MIN_DURATION,
    segment: float = SEGMENT_SECONDS,
) -> pd.DataFrame:
    """Episodes of windows (see the module docstring); columns :data:`EVENT_COLUMNS`.

    Examples
    --------
    >>> p = np.array([[.8, 0, 0, 0, 0, .2], [.35, 0, 0, .3, 0, .35], [.1, 0, 0, 0, 0, .9]])
    >>> merge_windows(np.array([0., 10., 20.]), p)[["onset", "duration", "trial_type"]]
       onset  duration trial_type
    0    0.0      20.0    Seizure
    """
    onsets = np.asarray(onsets, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    ok = np.ones(len(onsets), bool) if ok is None else np.asarray(ok, bool)
    lead = np.argmax(probs, axis=1)
    lead_p = probs[np.arange(len(probs)), lead]
    opens = ok & (lead_p >= on)
    runs: list[tuple[int, int, int]] = []  # (class, first window, last window)
    cur, first = -1, 0
    for i in range(len(onsets)):  # one step per window (not per sample)
        if cur >= 0:
            taken = opens[i] and lead[i] != cur
            if ok[i] and probs[i, cur] >= off and not taken:
                continue
            runs.append((cur, first, i - 1))
            cur = -1
        if opens[i]:
            cur, first = int(lead[i]), i
    if cur >= 0:
        runs.append((cur, first, len(onsets) - 1))
    rows = []
    for k, (c, a, b) in enumerate(runs):
        end = onsets[b] + segment
        if k + 1 < len(runs):
            end = min(end, onsets[runs[k + 1][1]])
        duration = end - onsets[a]
        if duration + 1e-9 >= min_duration:
            rows.append((onsets[a], duration, CLASSES[c], probs[a : b + 1, c].mean(), b - a + 1))
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS)).astype(
        {"onset": float, "duration": float, "probability": float, "n_windows": int}
    )


def write_bids_events(events: pd.DataFrame, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """``<stem>_events.tsv`` and its ``<stem>_events.json`` sidecar."""
    tsv = out_dir / f"{stem}_events.tsv"
    events[list(EVENT_COLUMNS)].to_csv(
        tsv, sep="\t", index=False, na_rep="n/a", float_format="%.4g", lineterminator="\n"
    )
    sidecar = out_dir / f"{stem}_events.json"
    sidecar.write_text(json.dumps(EVENTS_SIDECAR, indent=2))
    return tsv, sidecar


def write_annotations(events: pd.DataFrame, out_dir: Path, stem: str) -> Path:
    """``<stem>_annotations.txt``: the events as MNE annotations (see the module docstring)."""
    import mne

    path = out_dir / f"{stem}_annotations.txt"
    notes = mne.Annotations(
        onset=events["onset"].to_numpy(float),
        duration=events["duration"].to_numpy(float),
        description=[str(t) for t in events["trial_type"]],
    )
    notes.save(path, overwrite=True, verbose="error")
    return path
