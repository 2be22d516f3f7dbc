"""Scoring a test set offline: features -> fold-averaged probabilities -> submission.csv.

The submission has exactly the columns and row order of ``sample_submission.csv`` when the
data folder has one (else ``eeg_id`` + the six ``*_vote`` columns, one row per test EEG in
``test.csv`` order); probabilities are renormalised and written with 12 significant digits, so
each row sums to 1 within 1e-9 as read back. Nothing here uses the network.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import VOTE_COLUMNS
from hms_features.data.errors import HMSDataError
from hms_features.data.labels import read_labels
from hms_features.data.layout import KaggleLayout
from hms_features.errors import HMSWarning
from hms_features.model.errors import FeatureMismatchError
from hms_features.model.files import TrainedModel, load_model

#: Significant digits of the probabilities in the CSV.
FLOAT_FORMAT: str = "%.12g"


def per_eeg_probabilities(eeg_ids: np.ndarray, probs: np.ndarray) -> pd.DataFrame:
    """Mean probability per ``eeg_id`` (index) over its rows; columns = VOTE_COLUMNS."""
    frame = pd.DataFrame(np.asarray(probs, dtype=np.float64), columns=list(VOTE_COLUMNS))
    frame["eeg_id"] = np.asarray(eeg_ids, dtype=np.int64)
    return frame.groupby("eeg_id", sort=False).mean()


def submission_order(layout: KaggleLayout, test: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Columns and eeg_id order of the submission: sample_submission.csv's, else test.csv's."""
    path = layout.sample_submission
    if path.is_file():
        sample = pd.read_csv(path)
        needed = ["eeg_id", *VOTE_COLUMNS]
        missing = [c for c in needed if c not in sample.columns]
        if missing:
            raise HMSDataError(path, f"missing column(s) {missing}; found {list(sample.columns)}")
        return list(sample.columns), sample["eeg_id"].to_numpy(dtype=np.int64)
    ids = pd.unique(test["eeg_id"].to_numpy(dtype=np.int64))
    return ["eeg_id", *VOTE_COLUMNS], np.asarray(ids)


def build_submission(
    order: np.ndarray,
    columns: list[str],
    per_eeg: pd.DataFrame,
    fallback: np.ndarray,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Submission rows in ``order``; EEGs without a prediction get ``fallback`` (with an
    :class:`~hms_features.errors.HMSWarning` naming them).

    Rows are renormalised to sum to 1. ``log`` is unused (kept for callers that pass it).
    """
    probs = per_eeg.reindex(pd.Index(order, name="eeg_id"))
    lacking = probs.isna().any(axis=1).to_numpy()
    if lacking.any():
        ids = [int(i) for i in np.asarray(order)[lacking][:10]]
        warnings.warn(
            HMSWarning(
                f"{int(lacking.sum())} of {len(order)} test EEG(s) have no prediction (e.g. "
                f"{ids}); writing the training class prior for them"
            ),
            stacklevel=2,
        )
        probs.loc[lacking, list(VOTE_COLUMNS)] = np.asarray(fallback, dtype=np.float64)
    values = probs[list(VOTE_COLUMNS)].to_numpy(dtype=np.float64)
    values = np.clip(values, 0.0, None)
    values = values / values.sum(axis=1, keepdims=True)
    sub = pd.DataFrame({"eeg_id": np.asarray(order, dtype=np.int64)})
    for j, col in enumerate(VOTE_COLUMNS):
        sub[col] = values[:, j]
    return sub[columns]


def write_submission(sub: pd.DataFrame, out: str | Path) -> Path:
    """Write the CSV and check that every row read back sums to 1 within 1e-6."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sub.to_csv(out, index=False, float_format=FLOAT_FORMAT)
    back = pd.read_csv(out)
    sums = back[list(VOTE_COLUMNS)].sum(axis=1).to_numpy()
    if len(sums) and np.abs(sums - 1.0).max() > 1e-6:
        raise RuntimeError(
            f"{out}: a row sums to {sums[np.argmax(np.abs(sums - 1))]!r} after writing"
        )
    return out


def predict_features(model: TrainedModel, features: pd.DataFrame) -> pd.DataFrame:
    """Probabilities per eeg_id (index) of a test feature table (``eeg_id`` + features)."""
    if "eeg_id" not in features.columns:
        raise FeatureMismatchError("feature table lacks the key column 'eeg_id'")
    probs = model.predict_proba(features)
    return per_eeg_probabilities(features["eeg_id"].to_numpy(), probs)


def predict_submission(
    data_dir: str | Path,
    model_dir: str | Path,
    out: str | Path,
    n_jobs: int = 1,
    progress: bool = True,
    log: Callable[[str], None] | None = print,
) -> pd.DataFrame:
    """Score ``data_dir``'s test EEGs with the model in ``model_dir``; write ``out``.

    Features come from :func:`hms_features.factory.extract_features` (the provided
    spectrogram files where present, recomputed from the EEG where missing).

    Parameters
    ----------
    data_dir, model_dir, out : path
    n_jobs : int
        Feature extraction workers.
    progress : bool
        Progress bar of the extraction and one line per stage (False: silent, but for the
        final line and warnings).
    log : callable or None
        Receives the stage lines and the final line (None: silent).

    Returns
    -------
    DataFrame
        The submission written.
    """
    from hms_features.data.paths import output_file
    from hms_features.factory import extract_features

    say = log or (lambda _msg: None)
    step = say if progress else (lambda _msg: None)
    t0 = time.perf_counter()
    output_file(out, "out", example="submission.csv")
    model = load_model(model_dir)
    layout = KaggleLayout(data_dir)
    test = read_labels(layout.labels_csv("test"), split="test")
    columns, order = submission_order(layout, test)
    step(
        f"predict: model {Path(model_dir).name} ({len(model.boosters)} fold models, "
        f"{len(model.feature_names)} features); {len(order)} test EEG(s)"
    )
    step("predict: extracting the test features")
    features = extract_features(data_dir, split="test", n_jobs=n_jobs, progress=progress)
    step(f"predict: scoring {len(features)} window(s) with {len(model.boosters)} fold models")
    per_eeg = predict_features(model, features)
    sub = build_submission(order, columns, per_eeg, model.class_prior)
    write_submission(sub, out)
    say(
        f"submission: {len(sub)} EEG(s) x {len(VOTE_COLUMNS)} classes -> {out} "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return sub
