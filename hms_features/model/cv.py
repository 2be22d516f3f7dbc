"""Cross-validation folds grouped by patient.

One patient's windows are strongly alike (the same brain, the same electrodes, often the same
pattern for hours), so a fold split by row would score a model on patients it has already seen.
Folds are drawn over patients with :class:`~sklearn.model_selection.StratifiedGroupKFold`
(balancing the expert consensus across folds as far as whole patients allow), falling back to
:class:`~sklearn.model_selection.GroupKFold` when stratification is impossible.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from hms_features.model.errors import TrainingDataError


def make_folds(
    labels: pd.DataFrame,
    n_folds: int = 5,
    seed: int = 0,
    group_column: str = "patient_id",
    stratify_column: str | None = "expert_consensus",
) -> np.ndarray:
    """Assign each label row to a validation fold, never splitting a patient.

    Parameters
    ----------
    labels : DataFrame
        One row per label row with ``group_column`` (and ``stratify_column`` if given).
    n_folds : int
        Number of folds (>= 2).
    seed : int
        Seed of the shuffling of patients; the same seed and table give the same folds.
    group_column : str
        Rows sharing this value are kept in one fold.
    stratify_column : str or None
        Class label balanced across folds where possible (None: plain grouped folds).

    Returns
    -------
    ndarray (n_rows,) of int
        Fold index 0..n_folds-1 of each row (the fold where the row is validation).

    Raises
    ------
    TrainingDataError
        Fewer groups than folds, a missing column, or a fold left empty (a ValueError).
    """
    if n_folds < 2:
        raise TrainingDataError(f"folds (--folds) must be at least 2, got {n_folds}")
    for col in (group_column, stratify_column):
        if col is not None and col not in labels.columns:
            raise TrainingDataError(f"label table lacks column {col!r} needed for the folds")
    groups = labels[group_column].to_numpy()
    n_groups = len(pd.unique(groups))
    if n_groups < n_folds:
        raise TrainingDataError(
            f"{n_folds} folds need at least {n_folds} distinct {group_column} values; "
            f"the table has {n_groups}: use fewer --folds"
        )
    folds = np.full(len(labels), -1, dtype=np.int64)
    dummy = np.zeros(len(labels))
    splits = None
    if stratify_column is not None:
        y = labels[stratify_column].astype(str).to_numpy()
        try:
            with warnings.catch_warnings():
                # "The least populated class in y has only k members": fine, we stratify as
                # far as whole patients allow.
                warnings.simplefilter("ignore", UserWarning)
                splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
                splits = list(splitter.split(dummy, y, groups))
        except ValueError:
            splits = None
    if splits is None:
        splitter = GroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        splits = list(splitter.split(dummy, None, groups))
    for k, (_, valid) in enumerate(splits):
        folds[valid] = k
    empty = [k for k in range(n_folds) if not (folds == k).any()]
    if empty or (folds < 0).any():
        raise TrainingDataError(f"fold(s) {empty} received no rows; use fewer --folds")
    return folds


def check_grouped(folds: np.ndarray, groups: np.ndarray) -> None:
    """Raise ValueError if any group appears in more than one fold."""
    table = pd.DataFrame({"fold": folds, "group": groups})
    n_folds_per_group = table.groupby("group")["fold"].nunique()
    shared = n_folds_per_group[n_folds_per_group > 1]
    if len(shared):
        raise ValueError(f"groups {shared.index.tolist()[:10]} appear in more than one fold")
