"""Label tables: reading ``train.csv`` / ``test.csv`` with schema checks, and vote reductions.

Policy for bad rows: **error, never silent repair.** A missing column, a non-numeric or negative
vote, an all-zero vote row, a non-integer id or a negative offset raises
:class:`~hms_features.data.errors.LabelSchemaError` naming the file, the column and the first
offending row (as the 1-based line number in the CSV, header = line 1). Votes label the data a
model learns from, so a corrupt label file should stop the run before hours of extraction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, HIGH_VOTE_THRESHOLD, VOTE_COLUMNS
from hms_features.data.errors import LabelSchemaError

TRAIN_COLUMNS: tuple[str, ...] = (
    "eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id", "spectrogram_sub_id",
    "spectrogram_label_offset_seconds", "label_id", "patient_id", "expert_consensus", *VOTE_COLUMNS,
)  # fmt: skip
TEST_COLUMNS: tuple[str, ...] = ("spectrogram_id", "eeg_id", "patient_id")
#: Columns that may be absent (``label_id`` is not needed for anything).
OPTIONAL_COLUMNS: frozenset[str] = frozenset({"label_id"})
_INT_COLUMNS = ("eeg_id", "eeg_sub_id", "spectrogram_id", "spectrogram_sub_id", "patient_id")
_OFFSET_COLUMNS = ("eeg_label_offset_seconds", "spectrogram_label_offset_seconds")


def _line(df: pd.DataFrame, mask: np.ndarray) -> int:
    """1-based CSV line number of the first True row of ``mask`` (header is line 1)."""
    return int(np.flatnonzero(mask)[0]) + 2


def _numeric(df: pd.DataFrame, col: str, path: Path, what: str) -> pd.Series:
    values = pd.to_numeric(df[col], errors="coerce")
    bad = values.isna().to_numpy()
    if bad.any():
        line = _line(df, bad)
        raw = df[col].iloc[line - 2]
        raise LabelSchemaError(
            path,
            f"column {col!r}, line {line}: expected {what}, got {raw!r} "
            f"({int(bad.sum())} bad rows)",
        )
    return values


def read_labels(path: str | Path, split: str = "train") -> pd.DataFrame:
    """Read and validate ``train.csv`` or ``test.csv``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    split : {'train', 'test'}
        Which schema to check: train has the 15 competition columns (``label_id`` optional),
        test has ``spectrogram_id, eeg_id, patient_id``.

    Returns
    -------
    DataFrame
        Ids as int64, offsets as float64 seconds, votes as int64, in file order.

    Raises
    ------
    LabelSchemaError
        Naming the file, the column and the first bad line.
    """
    path = Path(path)
    if not path.is_file():
        raise LabelSchemaError(path, f"{split} label file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises several types for malformed CSV
        raise LabelSchemaError(path, f"not a readable CSV file ({exc})") from exc
    expected = TRAIN_COLUMNS if split == "train" else TEST_COLUMNS
    missing = [c for c in expected if c not in df.columns and c not in OPTIONAL_COLUMNS]
    if missing:
        raise LabelSchemaError(path, f"missing column(s) {missing}; found {list(df.columns)}")
    if df.empty:
        raise LabelSchemaError(path, "no label rows (the file holds only its header)")
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        out[col] = df[col]
    for col in (c for c in _INT_COLUMNS if c in expected):
        values = _numeric(df, col, path, "an integer id")
        if (values != np.round(values)).any():
            line = _line(df, (values != np.round(values)).to_numpy())
            raise LabelSchemaError(path, f"column {col!r}, line {line}: id is not an integer")
        out[col] = values.astype(np.int64)
    if split == "train":
        for col in _OFFSET_COLUMNS:
            values = _numeric(df, col, path, "an offset in seconds")
            if (values < 0).any():
                raise LabelSchemaError(
                    path,
                    f"column {col!r}, line {_line(df, (values < 0).to_numpy())}: negative offset",
                )
            out[col] = values.astype(np.float64)
        for col in VOTE_COLUMNS:
            values = _numeric(df, col, path, "a vote count")
            bad = ((values < 0) | (values != np.round(values))).to_numpy()
            if bad.any():
                raw = df[col].iloc[_line(df, bad) - 2]
                raise LabelSchemaError(
                    path,
                    f"column {col!r}, line {_line(df, bad)}: votes must be non-negative integers, "
                    f"got {raw!r}",
                )
            out[col] = values.astype(np.int64)
        zero = (out[list(VOTE_COLUMNS)].sum(axis=1) == 0).to_numpy()
        if zero.any():
            raise LabelSchemaError(
                path,
                f"columns {list(VOTE_COLUMNS)}, line {_line(df, zero)}: a label row with no votes "
                f"({int(zero.sum())} such rows)",
            )
        if "label_id" in out:
            out["label_id"] = pd.to_numeric(
                df["label_id"].replace("", np.nan), errors="coerce"
            ).astype("Int64")
        bad_cls = ~out["expert_consensus"].isin(CLASSES).to_numpy()
        if bad_cls.any():
            raise LabelSchemaError(
                path,
                f"column 'expert_consensus', line {_line(df, bad_cls)}: expected one of {CLASSES}, "
                f"got {df['expert_consensus'].iloc[_line(df, bad_cls) - 2]!r}",
            )
    return out


def vote_counts(labels: pd.DataFrame) -> np.ndarray:
    """The six vote columns as a float64 array (n_rows, 6), in :data:`CLASSES` order."""
    missing = [c for c in VOTE_COLUMNS if c not in labels.columns]
    if missing:
        raise KeyError(f"label table lacks vote column(s) {missing}")
    return labels[list(VOTE_COLUMNS)].to_numpy(dtype=np.float64)


def total_votes(labels: pd.DataFrame) -> np.ndarray:
    """Number of experts who voted on each row, shape (n_rows,)."""
    return vote_counts(labels).sum(axis=1)


def vote_probabilities(labels: pd.DataFrame) -> np.ndarray:
    """Votes normalised to a distribution per row, shape (n_rows, 6), rows summing to 1."""
    votes = vote_counts(labels)
    totals = votes.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError(f"{int((totals <= 0).sum())} row(s) have no votes; cannot normalise")
    return votes / totals


def one_row_per_eeg(labels: pd.DataFrame) -> pd.DataFrame:
    """One row per ``eeg_id`` with votes summed over its label rows (as the public starters do).

    Keeps ``patient_id`` and the first row's ids/offsets; ``n_rows`` counts the merged rows and
    ``expert_consensus`` is recomputed as the argmax of the summed votes.
    """
    votes = labels.groupby("eeg_id", sort=False)[list(VOTE_COLUMNS)].sum()
    first = labels.groupby("eeg_id", sort=False).first()
    keep = [c for c in first.columns if c not in VOTE_COLUMNS and c != "expert_consensus"]
    out = first[keep].join(votes)
    out["n_rows"] = labels.groupby("eeg_id", sort=False).size()
    out["expert_consensus"] = np.asarray(CLASSES)[np.argmax(vote_counts(out), axis=1)]
    return out.reset_index()


def high_vote_rows(labels: pd.DataFrame, threshold: int = HIGH_VOTE_THRESHOLD) -> pd.DataFrame:
    """Rows with at least ``threshold`` votes (a stable expert consensus)."""
    return labels[total_votes(labels) >= threshold]
