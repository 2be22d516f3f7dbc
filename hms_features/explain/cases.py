"""Review cases: one label window with everything a review page shows, read from the data.

Loading is apart from rendering: :func:`load_case` reads a Kaggle-layout folder (the label row,
the 50-s EEG window, the 10-minute spectrogram from its file or recomputed from the EEG) and runs
the feature factory on that one row, the same code path as ``hms features``;
:class:`ReviewCase` is the plain data it returns. ``hms score`` builds its cases from a recording
(:func:`hms_features.score.page.recording_case`); :mod:`hms_features.explain.report` turns
either into a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import VOTE_COLUMNS
from hms_features.errors import HMSError


@dataclass
class ReviewCase:
    """One label window with everything a review page shows.

    Attributes
    ----------
    split : str
        ``'train'`` or ``'test'``.
    eeg_id, eeg_sub_id, spectrogram_id, patient_id : int
        Identifiers (``eeg_sub_id`` is 0 for test rows).
    offset_seconds : float
        Start of the 50-s window in the EEG file, seconds.
    window : ndarray (10000, 20)
        Raw referential EEG, microvolts, NaN = missing.
    spectrogram : ndarray (300, 400)
        The 10-minute spectrogram (uV^2/Hz), NaN where padded or missing.
    spectrogram_recomputed : bool
        True when the spectrogram file was missing or unusable and it was computed from EEG.
    spectrogram_note : str
        Why it was recomputed (empty otherwise).
    features : DataFrame (1 row)
        The factory's features of this label row.
    votes : ndarray (6,) or None
        The experts' vote counts (train only).
    title : str
        What the page calls the window (default ``EEG <eeg_id>``); ``hms score`` names the
        recording and the time of the window.
    spectrogram_origin : str
        Where the spectrogram comes from, said when nothing else limits the window (default:
        the competition file's own).
    """

    split: str
    eeg_id: int
    eeg_sub_id: int
    spectrogram_id: int
    patient_id: int
    offset_seconds: float
    window: np.ndarray
    spectrogram: np.ndarray
    spectrogram_recomputed: bool
    spectrogram_note: str
    features: pd.DataFrame
    votes: np.ndarray | None = None
    title: str = ""
    spectrogram_origin: str = ""


class EEGNotFoundError(HMSError, KeyError):
    """An EEG (or label row) asked for that the split's label table does not have."""

    def __str__(self) -> str:  # KeyError's own formatting quotes the message
        return str(self.args[0]) if self.args else ""


#: The other split, where an EEG missing from one split is looked for (to suggest it).
_OTHER_SPLIT: dict[str, str] = {"test": "train", "train": "test"}


def _split_labels(data_dir: Path, split: str) -> tuple[pd.DataFrame, Path]:
    from hms_features.data import KaggleLayout, read_labels

    path = KaggleLayout(data_dir).labels_csv(split)
    return read_labels(path, split), path


def check_eeg_ids(
    data_dir: str | Path, eeg_ids: Sequence[int], split: str, sub_id: int | None = None
) -> None:
    """Check that every EEG (and the label row ``sub_id``) is in the split, before any work.

    Raises
    ------
    EEGNotFoundError
        Naming the EEGs that are missing; when they are in the other split's label table, the
        message says to pass ``--split`` with it.
    """
    data_dir = Path(data_dir)
    labels, path = _split_labels(data_dir, split)
    known = set(labels["eeg_id"].astype(np.int64).tolist())
    missing = [int(i) for i in eeg_ids if int(i) not in known]
    if missing:
        raise EEGNotFoundError(_not_in_split(data_dir, missing, split, path))
    for eeg_id in eeg_ids:
        _pick_row(labels, int(eeg_id), split, sub_id, path)


def _not_in_split(data_dir: Path, missing: list[int], split: str, path: Path) -> str:
    shown = ", ".join(str(i) for i in missing[:10]) + (" ..." if len(missing) > 10 else "")
    text = f"eeg_id {shown} {'is' if len(missing) == 1 else 'are'} not in {path}"
    other = _OTHER_SPLIT[split]
    try:
        other_labels, other_path = _split_labels(data_dir, other)
    except HMSError:  # no (readable) label table of the other split: nothing to suggest
        return text
    there = set(other_labels["eeg_id"].astype(np.int64).tolist())
    if all(i in there for i in missing):
        text += f"; {'it is' if len(missing) == 1 else 'they are'} in {other_path.name}: "
        text += f"pass --split {other}"
    return text


def _pick_row(
    labels: pd.DataFrame, eeg_id: int, split: str, sub_id: int | None, path: Path
) -> pd.Series:
    rows = labels[labels["eeg_id"] == int(eeg_id)]
    if rows.empty:
        raise EEGNotFoundError(f"eeg_id {eeg_id} is not in {path}")
    if split == "test":
        return rows.iloc[0]
    if sub_id is None:
        return rows.sort_values("eeg_sub_id", kind="stable").iloc[0]
    match = rows[rows["eeg_sub_id"] == int(sub_id)]
    if match.empty:
        subs = ", ".join(str(int(s)) for s in rows["eeg_sub_id"])
        raise EEGNotFoundError(
            f"eeg_id {eeg_id} has no eeg_sub_id {sub_id} (--sub-id) in {path} (it has {subs})"
        )
    return match.iloc[0]


def _label_row(data_dir: Path, split: str, eeg_id: int, sub_id: int | None) -> pd.Series:
    labels, path = _split_labels(data_dir, split)
    return _pick_row(labels, eeg_id, split, sub_id, path)


def label_spectrogram(
    data_dir: str | Path,
    split: str,
    spectrogram_id: int,
    spectrogram_offset: float,
    eeg: np.ndarray,
    eeg_offset: float,
) -> tuple[np.ndarray, bool, str]:
    """The label's 10-minute spectrogram from its file, or recomputed from the EEG.

    Returns
    -------
    spectrogram : ndarray (300, 400)
        Power in uV^2/Hz, NaN where padded or outside the recording.
    recomputed : bool
    note : str
        Why it was recomputed ('' when read from the file).
    """
    from hms_features.data import KaggleLayout
    from hms_features.factory.chunk import label_spectrogram as from_file_or_eeg
    from hms_features.factory.chunk import spectrogram_reader

    layout = KaggleLayout(data_dir)
    spec, why = from_file_or_eeg(
        spectrogram_reader(layout, split), eeg, float(eeg_offset), spectrogram_id,
        spectrogram_offset,
    )  # fmt: skip
    if not why:
        return spec, False, ""
    return spec, True, f"spectrogram {layout.spectrogram_path(split, spectrogram_id).name}: {why}"


def _case_features(data_dir: Path, split: str, row: pd.Series) -> pd.DataFrame:
    """The factory's features of one label row (the same code path as ``hms features``)."""
    from hms_features.data.errors import HMSDataError
    from hms_features.factory import extract_chunk
    from hms_features.factory.chunk import BUG
    from hms_features.factory.windows import assign_windows

    chunk = pd.DataFrame(
        {
            "eeg_id": [int(row["eeg_id"])],
            "eeg_sub_id": [int(row.get("eeg_sub_id", 0))],
            "eeg_label_offset_seconds": [float(row.get("eeg_label_offset_seconds", 0.0))],
            "spectrogram_id": [int(row["spectrogram_id"])],
            "spectrogram_label_offset_seconds": [
                float(row.get("spectrogram_label_offset_seconds", 0.0))
            ],
        }
    )
    res = extract_chunk(data_dir, split, assign_windows(chunk))
    if res.failures:
        failure = res.failures[0]
        if failure.get("kind") == BUG:  # not the data's fault: keep its traceback
            raise RuntimeError(f"{failure['reason']}\n{failure.get('traceback', '')}")
        raise HMSDataError(failure["file"] or None, f"features not extracted: {failure['reason']}")
    if res.features.empty:
        raise HMSDataError(None, f"no features extracted for eeg_id {int(row['eeg_id'])}")
    return res.features


def load_case(
    data_dir: str | Path, eeg_id: int, split: str = "test", sub_id: int | None = None
) -> ReviewCase:
    """Read one label window of a Kaggle-layout folder and extract its features.

    Parameters
    ----------
    data_dir : path
        Kaggle-layout data folder.
    eeg_id : int
    split : {'test', 'train'}
    sub_id : int, optional
        The train label row (``eeg_sub_id``); default the EEG's first label row.
    """
    from hms_features.data import KaggleLayout, eeg_window, read_eeg

    data_dir = Path(data_dir)
    row = _label_row(data_dir, split, eeg_id, sub_id)
    offset = float(row.get("eeg_label_offset_seconds", 0.0)) if split == "train" else 0.0
    spec_offset = (
        float(row.get("spectrogram_label_offset_seconds", 0.0)) if split == "train" else 0.0
    )
    eeg = read_eeg(KaggleLayout(data_dir).eeg_path(split, eeg_id))
    window = eeg_window(eeg, offset, eeg_id)
    spec, recomputed, note = label_spectrogram(
        data_dir, split, int(row["spectrogram_id"]), spec_offset, eeg, offset
    )
    row = row.copy()
    row["eeg_label_offset_seconds"] = offset
    row["spectrogram_label_offset_seconds"] = spec_offset
    features = _case_features(data_dir, split, row)
    votes = None
    if split == "train":
        votes = row[list(VOTE_COLUMNS)].to_numpy(dtype=np.int64)
    return ReviewCase(
        split=split,
        eeg_id=int(row["eeg_id"]),
        eeg_sub_id=int(row.get("eeg_sub_id", 0)) if split == "train" else 0,
        spectrogram_id=int(row["spectrogram_id"]),
        patient_id=int(row["patient_id"]),
        offset_seconds=offset,
        window=window,
        spectrogram=spec,
        spectrogram_recomputed=bool(recomputed),
        spectrogram_note=note,
        features=features,
        votes=votes,
    )


def all_eeg_ids(data_dir: str | Path, split: str) -> list[int]:
    """Every eeg_id of a split's label table, in file order."""
    from hms_features.data import KaggleLayout, read_labels

    labels = read_labels(KaggleLayout(data_dir).labels_csv(split), split)
    return [int(i) for i in labels["eeg_id"].drop_duplicates()]


__all__ = [
    "EEGNotFoundError",
    "ReviewCase",
    "all_eeg_ids",
    "check_eeg_ids",
    "label_spectrogram",
    "load_case",
]
