"""Planning the work: label rows -> unique windows -> chunks of EEG files."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from hms_features.data.labels import read_labels
from hms_features.data.layout import KaggleLayout
from hms_features.errors import UsageError

#: Key columns of the output, per split.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "train": ("eeg_id", "eeg_sub_id"),
    "test": ("eeg_id", "spectrogram_id"),
}


def label_rows(layout: KaggleLayout, split: str, limit: int | None = None) -> pd.DataFrame:
    """The label rows of a split with the window columns the factory needs.

    Test rows get offsets of 0 (test EEGs are exactly 50 s, test spectrograms 10 minutes) and
    ``eeg_sub_id`` 0. ``limit`` keeps the rows of the first ``limit`` EEGs (in file order).
    """
    if limit is not None and int(limit) < 1:
        raise UsageError(f"limit must be at least 1 (the number of EEGs to extract); got {limit}")
    labels = read_labels(layout.labels_csv(split), split)
    if split == "test":
        labels = labels.assign(
            eeg_sub_id=0, eeg_label_offset_seconds=0.0, spectrogram_label_offset_seconds=0.0
        )
    if limit is not None:
        keep = labels["eeg_id"].drop_duplicates().iloc[: int(limit)]
        labels = labels[labels["eeg_id"].isin(keep)]
    cols = [
        "eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id",
        "spectrogram_label_offset_seconds",
    ]  # fmt: skip
    return labels[cols].reset_index(drop=True)


def assign_windows(rows: pd.DataFrame) -> pd.DataFrame:
    """Add ``window`` numbering unique (eeg_id, eeg offset, spectrogram, spectrogram offset).

    Identical windows (the same eeg_id and offset, as when two label rows share a window) get
    the same number and are computed once.
    """
    key = [
        "eeg_id",
        "eeg_label_offset_seconds",
        "spectrogram_id",
        "spectrogram_label_offset_seconds",
    ]
    return rows.assign(window=rows.groupby(key, sort=False).ngroup())


def auto_chunk_size(n_windows: int) -> int:
    """Windows per chunk: about 32 chunks, clipped to 16-256 windows each.

    It depends on the label table only (never on the number of workers), so that a re-run
    with other ``--n-jobs`` finds the same chunks and resumes them. 32 chunks keep a few
    workers busy to the end on a small set; 256 windows keep the part files of the real
    training set (106,800 windows) to about 420.
    """
    return int(np.clip(np.ceil(n_windows / 32), 16, 256))


def plan_chunks(rows: pd.DataFrame, windows_per_chunk: int = 256) -> list[pd.DataFrame]:
    """Split label rows into chunks of whole EEG files, about ``windows_per_chunk`` windows each.

    EEGs are ordered by their (first) spectrogram, then by id, so that the plan depends only on
    the label table (a resumed run finds the same chunks) and EEGs cut from the same recording
    follow each other and share one read of its spectrogram. A chunk never splits one EEG
    file, so each file is read once.
    """
    first_spec = rows.groupby("eeg_id")["spectrogram_id"].transform("min")
    rows = assign_windows(
        rows.assign(_spec=first_spec)
        .sort_values(["_spec", "eeg_id", "eeg_sub_id"], kind="stable")
        .drop(columns="_spec")
    )
    per_eeg = rows.groupby("eeg_id", sort=False)["window"].nunique()
    bounds = np.cumsum(per_eeg.to_numpy()) // max(1, int(windows_per_chunk))
    chunk_of_eeg = pd.Series(bounds, index=per_eeg.index)
    # the first EEG that crosses a boundary starts a new chunk
    chunk_of_eeg = chunk_of_eeg.shift(1, fill_value=0).astype(int)
    rows = rows.assign(chunk=rows["eeg_id"].map(chunk_of_eeg))
    return [
        g.drop(columns="chunk").reset_index(drop=True) for _, g in rows.groupby("chunk", sort=True)
    ]


def chunk_digest(chunk: pd.DataFrame) -> str:
    """A short fingerprint of a chunk's label rows (to check that a resumed part still matches)."""
    cols = ["eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id",
            "spectrogram_label_offset_seconds"]  # fmt: skip
    data = chunk[cols].to_numpy(dtype=np.float64).tobytes()
    return hashlib.sha1(data).hexdigest()[:16]
