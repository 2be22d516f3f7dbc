"""The training table: a feature table joined with ``train.csv`` label rows, and pooled rows.

- :func:`load_training_data` joins ``hms features --split train`` output with the label rows
  (streamed into one float32 matrix; label rows without features are an error unless dropped on
  request).
- :func:`pool_overlapping` merges the label rows of one EEG whose labelled 10 s overlap into one
  row: the real training set's 106,800 rows are mostly overlapping windows a few seconds apart
  (the organisers consolidated overlapping samples), nearly the same window with nearly the same
  votes. Training on the pooled rows costs a fraction and, scored on the original rows, loses
  nothing (see ``TrainConfig.pool_seconds``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from hms_features.constants import CLASSES, VOTE_COLUMNS
from hms_features.errors import HMSWarning, InputNotFoundError
from hms_features.model.errors import TrainingDataError
from hms_features.model.files import KEY_COLUMNS

Log = Callable[[str], None]
#: What :func:`load_training_data` does with label rows that have no feature row.
MISSING_FEATURES: tuple[str, ...] = ("error", "drop")
#: Label rows named as examples in messages.
_SHOWN_IDS: int = 5


@dataclass
class TrainingData:
    """The aligned training table: features (float32, C order) and their label rows.

    ``labels`` row ``i`` describes ``X[i]``; it holds eeg_id, eeg_sub_id, patient_id,
    expert_consensus and the six vote columns.
    """

    X: np.ndarray
    feature_names: list[str]
    labels: pd.DataFrame

    def __post_init__(self) -> None:
        if self.X.shape != (len(self.labels), len(self.feature_names)):
            raise ValueError(
                f"X has shape {self.X.shape} but there are {len(self.labels)} label rows and "
                f"{len(self.feature_names)} feature names"
            )

    @property
    def votes(self) -> np.ndarray:
        """Vote counts (n, 6), float64."""
        return self.labels[list(VOTE_COLUMNS)].to_numpy(dtype=np.float64)

    @property
    def targets(self) -> np.ndarray:
        """Vote fractions (n, 6), rows summing to 1."""
        v = self.votes
        return v / v.sum(axis=1, keepdims=True)

    @property
    def total_votes(self) -> np.ndarray:
        """Number of votes per row (n,)."""
        return self.votes.sum(axis=1)

    @property
    def consensus_index(self) -> np.ndarray:
        """Index into CLASSES of each row's expert_consensus (n,)."""
        lookup = {c: i for i, c in enumerate(CLASSES)}
        return self.labels["expert_consensus"].map(lookup).to_numpy(dtype=np.int64)


def _check_columns(columns: list[str], source: str) -> list[str]:
    """The feature columns of a training table, after checking its key columns.

    Raises
    ------
    TrainingDataError
        Test-split features (no ``eeg_sub_id``), no ``eeg_id``, or no feature column.
    """
    present = set(columns)
    if "eeg_sub_id" not in present and ("spectrogram_id" in present or "eeg_id" in present):
        raise TrainingDataError(
            f"{source}: these are test-split features (no eeg_sub_id column); pass the "
            "features of `hms features --split train`"
        )
    missing = [c for c in ("eeg_id", "eeg_sub_id") if c not in present]
    if missing:
        raise TrainingDataError(
            f"{source}: no key column(s) {', '.join(missing)}; pass the features of "
            "`hms features --split train`"
        )
    names = [c for c in columns if c not in KEY_COLUMNS]
    if not names:
        raise TrainingDataError(
            f"{source}: no feature columns besides the keys {', '.join(sorted(KEY_COLUMNS))}"
        )
    return names


def _some_ids(rows: pd.DataFrame) -> str:
    shown = [f"({int(r.eeg_id)}, {int(r.eeg_sub_id)})" for r in rows.head(_SHOWN_IDS).itertuples()]
    return ", ".join(shown) + (" ..." if len(rows) > _SHOWN_IDS else "")


def _align(
    keys: pd.DataFrame, labels: pd.DataFrame, source: str, missing_features: str = "error"
) -> tuple[np.ndarray, pd.DataFrame]:
    """Match feature rows to label rows on (eeg_id, eeg_sub_id).

    Label rows without a feature row are an error (``missing_features="error"``) or left out
    with an :class:`~hms_features.errors.HMSWarning` (``"drop"``); feature rows without a label
    row are ignored with a warning. Returns the feature-row index of each kept label row and
    the kept label rows (in label order).
    """
    on = ["eeg_id", "eeg_sub_id"]
    k = keys[on].astype(np.int64).assign(_frow=np.arange(len(keys)))
    dup = k.duplicated(on)
    if dup.any():
        raise TrainingDataError(
            f"{source}: {int(dup.sum())} duplicated feature row(s) (eeg_id, eeg_sub_id): "
            f"{_some_ids(k[dup])}"
        )
    lab = labels.reset_index(drop=True)
    merged = lab.assign(_lrow=np.arange(len(lab))).merge(
        k, on=on, how="left", sort=False, indicator=True
    )
    found = (merged["_merge"] == "both").to_numpy()
    if not found.any():
        raise TrainingDataError(
            f"{source}: no feature row matches a label row of train.csv on (eeg_id, "
            "eeg_sub_id); is this the feature table of this data folder?"
        )
    n_unlabelled = len(keys) - int(found.sum())
    if n_unlabelled:
        warnings.warn(
            HMSWarning(
                f"{source}: {n_unlabelled} of {len(keys)} feature row(s) have no label row in "
                "train.csv and are ignored"
            ),
            stacklevel=3,
        )
    if not found.all():
        _missing_label_rows(merged[~found], len(lab), source, missing_features)
    merged = merged[found]
    kept = lab.iloc[merged["_lrow"].to_numpy()].reset_index(drop=True)
    return merged["_frow"].to_numpy(dtype=np.int64), kept


def _missing_label_rows(rows: pd.DataFrame, total: int, source: str, how: str) -> None:
    """Raise (``how="error"``) or warn (``"drop"``) about label rows without a feature row."""
    what = (
        f"{len(rows)} of {total} label rows of train.csv ({len(rows) / total:.0%}) have no "
        f"feature row in {source}, e.g. (eeg_id, eeg_sub_id) {_some_ids(rows)}"
    )
    if how == "error":
        raise TrainingDataError(
            f"{what}; extract their features (`hms features --split train`), or pass "
            "--allow-missing-features to train without them"
        )
    warnings.warn(HMSWarning(f"{what}; they are left out of training"), stacklevel=4)


def _check_feature_set_version(schema, path: Path) -> None:
    """A feature parquet stamped with other feature definitions than this package's is an
    error (an unstamped file, not written by the factory, is taken as it is)."""
    from hms_features.features.version import FEATURE_SET_VERSION, FEATURE_SET_VERSION_KEY

    stamp = (schema.metadata or {}).get(FEATURE_SET_VERSION_KEY.encode())
    if stamp is not None and stamp.decode() != str(FEATURE_SET_VERSION):
        raise TrainingDataError(
            f"{path}: features of feature set version {stamp.decode()}, but this hms-features "
            f"computes version {FEATURE_SET_VERSION}: extract them again (hms features --restart)"
        )


def load_training_data(
    features: str | Path | pd.DataFrame,
    labels: pd.DataFrame,
    log: Log | None = None,
    batch_rows: int = 8192,
    missing_features: str = "error",
) -> TrainingData:
    """Join a feature table (parquet path or DataFrame) with ``train.csv`` label rows.

    The schema is checked before any column is read; the parquet is then streamed in row
    batches into one preallocated float32 matrix, so the peak memory is the matrix plus one
    batch (100k rows x 1000 features: 400 MB).

    Parameters
    ----------
    features : path or DataFrame
        The features of ``hms features --split train``.
    labels : DataFrame
        ``train.csv`` as read by :func:`hms_features.data.read_labels`.
    log : callable, optional
        Unused (kept for callers that pass it); anything left out is an
        :class:`~hms_features.errors.HMSWarning`.
    batch_rows : int
        Parquet rows read at a time.
    missing_features : {'error', 'drop'}
        Label rows without a feature row: an error naming them (default) or left out with an
        ``HMSWarning`` (``hms train --allow-missing-features``).

    Raises
    ------
    TrainingDataError
        Test-split features, no overlap, duplicated keys, label rows without features,
        non-numeric feature columns (named).
    InputNotFoundError
        The parquet file does not exist.
    """
    if missing_features not in MISSING_FEATURES:
        raise ValueError(f"missing_features must be one of {MISSING_FEATURES}")
    if isinstance(features, pd.DataFrame):
        source = "feature table"
        names = _check_columns([str(c) for c in features.columns], source)
        bad = [c for c in names if not pd.api.types.is_numeric_dtype(features[c])]
        if bad:
            raise TrainingDataError(f"{source}: non-numeric feature column(s) {bad[:20]}")
        frows, kept = _align(features, labels, source, missing_features)
        X = np.empty((len(frows), len(names)), dtype=np.float32)
        for start in range(0, len(frows), batch_rows):
            rows = frows[start : start + batch_rows]
            X[start : start + len(rows)] = features.iloc[rows][names].to_numpy(dtype=np.float32)
        return TrainingData(X=X, feature_names=names, labels=kept)

    path = Path(features)
    if not path.is_file():
        raise InputNotFoundError(
            f"feature parquet {path} not found (make it with `hms features --split train`)"
        )
    pf = pq.ParquetFile(path)
    schema = pf.schema_arrow
    _check_feature_set_version(schema, path)
    names = _check_columns(list(schema.names), str(path))
    import pyarrow.types as pat

    bad = [
        n
        for n in names
        if not (pat.is_floating(schema.field(n).type) or pat.is_integer(schema.field(n).type))
    ]
    if bad:
        raise TrainingDataError(f"{path}: non-numeric feature column(s) {bad[:20]}")
    keys = pq.read_table(path, columns=["eeg_id", "eeg_sub_id"]).to_pandas()
    frows, kept = _align(keys, labels, str(path), missing_features)
    dest = np.full(len(keys), -1, dtype=np.int64)
    dest[frows] = np.arange(len(frows))
    X = np.empty((len(frows), len(names)), dtype=np.float32)
    start = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=names):
        n = batch.num_rows
        d = dest[start : start + n]
        use = d >= 0
        if use.any():
            block = np.column_stack(
                [
                    np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float32)
                    for col in batch.columns
                ]
            )
            X[d[use]] = block[use]
        start += n
    return TrainingData(X=X, feature_names=names, labels=kept)


@dataclass
class PooledRows:
    """Label rows pooled by :func:`pool_overlapping`.

    Attributes
    ----------
    data : TrainingData
        One row per pool: the mean of its rows' features, votes and label columns of its first
        row (``expert_consensus`` is the argmax of the pooled votes). Its votes are the
        members' mean votes, so that a pool of rows with 3 votes each still has 3 votes
        (high-vote rows stay those whose experts were many, not those seen often).
    group : ndarray (n_original,)
        The pool of each original row.
    size : ndarray (n_pools,)
        Rows per pool.
    """

    data: TrainingData
    group: np.ndarray
    size: np.ndarray


def overlap_groups(eeg_ids: np.ndarray, offsets: np.ndarray, seconds: float) -> np.ndarray:
    """Pool number of each label row: rows of one EEG whose offsets lie within ``seconds`` of
    their pool's first (earliest) row share a pool.

    Parameters
    ----------
    eeg_ids : ndarray (n,)
    offsets : ndarray (n,)
        ``eeg_label_offset_seconds``.
    seconds : float
        Rows closer than this to the pool's first row join it (10 s: their labelled central
        10 s overlap).

    Returns
    -------
    ndarray (n,) of int64
        Pools numbered 0..m-1 in order of (eeg_id, offset).
    """
    eeg_ids = np.asarray(eeg_ids, dtype=np.int64)
    offsets = np.asarray(offsets, dtype=np.float64)
    order = np.lexsort((offsets, eeg_ids))
    e, o = eeg_ids[order], offsets[order]
    new_eeg = np.r_[True, e[1:] != e[:-1]]
    # within an EEG, a row starts a new pool when it is >= seconds after the pool's first row:
    # a greedy scan, done per EEG run with numpy on the (short) runs
    starts = np.flatnonzero(new_eeg)
    bounds = np.r_[starts, len(e)]
    pool_of_sorted = np.empty(len(e), dtype=np.int64)
    next_pool = 0
    for a, b in zip(bounds[:-1], bounds[1:]):
        run = o[a:b]
        if run[-1] - run[0] < seconds:  # the usual case: one pool for the whole run
            pool_of_sorted[a:b] = next_pool
            next_pool += 1
            continue
        first = run[0]
        for i in range(a, b):
            if o[i] - first >= seconds:
                next_pool += 1
                first = o[i]
            pool_of_sorted[i] = next_pool
        next_pool += 1
    out = np.empty(len(e), dtype=np.int64)
    out[order] = pool_of_sorted
    return out


def _group_mean(group: np.ndarray, values: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (n, k) rows per group, float64 (m, k)."""
    out = np.zeros((len(size), values.shape[1]), dtype=np.float64)
    np.add.at(out, group, values)
    return out / size[:, None]


def pool_overlapping(data: TrainingData, seconds: float = 10.0) -> PooledRows:
    """Merge the label rows of one EEG whose labelled 10 s overlap (see :func:`overlap_groups`).

    Features are averaged (float32; NaN where every member is NaN), votes averaged; the label
    columns (eeg_id, patient_id, ...) are those of each pool's first row.
    """
    labels = data.labels
    group = overlap_groups(
        labels["eeg_id"].to_numpy(), labels["eeg_label_offset_seconds"].to_numpy(), seconds
    )
    size = np.bincount(group).astype(np.float64)
    m = len(size)
    X = np.empty((m, data.X.shape[1]), dtype=np.float32)
    finite = np.isfinite(data.X)
    block = 256
    for j in range(0, data.X.shape[1], block):  # in column blocks: memory stays small
        x = np.where(finite[:, j : j + block], data.X[:, j : j + block], 0.0).astype(np.float64)
        n = np.zeros((m, x.shape[1]))
        np.add.at(n, group, finite[:, j : j + block])
        s = np.zeros((m, x.shape[1]))
        np.add.at(s, group, x)
        with np.errstate(invalid="ignore", divide="ignore"):
            X[:, j : j + block] = np.where(n > 0, s / n, np.nan)
    votes = _group_mean(group, data.votes, size)
    first = np.full(m, len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group)))
    pooled = labels.iloc[first].reset_index(drop=True).copy()
    pooled[list(VOTE_COLUMNS)] = votes
    pooled["expert_consensus"] = np.asarray(CLASSES)[np.argmax(votes, axis=1)]
    return PooledRows(
        data=TrainingData(X=X, feature_names=list(data.feature_names), labels=pooled),
        group=group,
        size=size,
    )
