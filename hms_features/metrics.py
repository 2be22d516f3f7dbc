"""The competition metric: Kullback-Leibler divergence of predictions from the experts' votes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hms_features.constants import VOTE_COLUMNS

#: Predictions are clipped to [EPS, 1 - EPS] before the log, as Kaggle's scorer does.
EPS: float = 1e-15
#: Tolerance for "rows sum to 1".
SUM_TOLERANCE: float = 1e-6


def _as_matrix(values: np.ndarray | pd.DataFrame, name: str) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        missing = [c for c in VOTE_COLUMNS if c not in values.columns]
        if missing:
            raise ValueError(f"{name}: DataFrame lacks column(s) {missing}")
        values = values[list(VOTE_COLUMNS)].to_numpy()
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != len(VOTE_COLUMNS):
        raise ValueError(f"{name}: expected shape (n_rows, {len(VOTE_COLUMNS)}), got {arr.shape}")
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise ValueError(f"{name}: non-finite value in row {bad}")
    return arr


def normalize_votes(votes: np.ndarray | pd.DataFrame) -> np.ndarray:
    """Vote counts (or probabilities) -> probabilities per row; errors on bad rows."""
    y = _as_matrix(votes, "y_true")
    if (y < 0).any():
        raise ValueError(
            f"y_true: negative value in row {int(np.flatnonzero((y < 0).any(axis=1))[0])}"
        )
    totals = y.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError(f"y_true: row {int(np.flatnonzero(totals[:, 0] <= 0)[0])} has no votes")
    return y / totals


def kl_divergence_rows(
    y_true: np.ndarray | pd.DataFrame, y_pred: np.ndarray | pd.DataFrame
) -> np.ndarray:
    """Per-row KL divergence ``sum_k y_k log(y_k / p_k)`` in nats; see :func:`kl_divergence`."""
    y = normalize_votes(y_true)
    p = _as_matrix(y_pred, "y_pred")
    if p.shape[0] != y.shape[0]:
        raise ValueError(f"y_true has {y.shape[0]} rows but y_pred has {p.shape[0]}")
    if ((p < 0) | (p > 1)).any():
        row = int(np.flatnonzero(((p < 0) | (p > 1)).any(axis=1))[0])
        raise ValueError(
            f"y_pred: probabilities must lie in [0, 1]; row {row} is {p[row].tolist()}"
        )
    sums = p.sum(axis=1)
    if (np.abs(sums - 1.0) > SUM_TOLERANCE).any():
        row = int(np.flatnonzero(np.abs(sums - 1.0) > SUM_TOLERANCE)[0])
        raise ValueError(f"y_pred: rows must sum to 1; row {row} sums to {sums[row]:.9g}")
    p = np.clip(p, EPS, 1.0 - EPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / p), 0.0)
    return terms.sum(axis=1)


def kl_divergence(y_true: np.ndarray | pd.DataFrame, y_pred: np.ndarray | pd.DataFrame) -> float:
    """The competition score: mean over rows of KL(y_true || y_pred), in nats; lower is better.

    Parameters
    ----------
    y_true : array (n_rows, 6) or DataFrame with the six ``*_vote`` columns
        Vote counts or probabilities; each row is normalised to sum to 1.
    y_pred : array (n_rows, 6) or DataFrame with the six ``*_vote`` columns
        Predicted probabilities, each in [0, 1], each row summing to 1 (within 1e-6); they are
        clipped to [1e-15, 1 - 1e-15] and *not* renormalised.

    Returns
    -------
    float
        ``mean_i sum_k y_ik log(y_ik / p_ik)`` over classes with ``y_ik > 0`` (``rel_entr``
        convention: 0 log 0 = 0).

    Raises
    ------
    ValueError
        Wrong shape or columns, non-finite values, negative votes, rows without votes,
        predictions outside [0, 1] or not summing to 1.

    Examples
    --------
    >>> kl_divergence([[3, 0, 0, 0, 0, 1]], [[0.75, 0, 0, 0, 0, 0.25]])
    0.0
    """
    return float(np.mean(kl_divergence_rows(y_true, y_pred)))
