"""Cross-validation: folds grouped by patient, and every variant trained on every fold.

One patient's windows are strongly alike (the same brain, the same electrodes, often the same
pattern for hours), so a fold split by row would score a model on patients it has already seen.
Folds are drawn over patients with :class:`~sklearn.model_selection.StratifiedGroupKFold`
(balancing the expert consensus across folds as far as whole patients allow), falling back to
:class:`~sklearn.model_selection.GroupKFold` when stratification is impossible.

Training runs on the original label rows or on pooled rows (``TrainConfig.pool_seconds``);
validation, early stopping and the out-of-fold predictions always use the original rows, so
every recipe is scored on the same rows. Each fold bins its training rows once (one LightGBM
Dataset) and every variant trains on it: *Dataset once, many boosters*.
"""

from __future__ import annotations

import gc
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from hms_features.constants import CLASSES
from hms_features.model.config import TrainConfig
from hms_features.model.dataset import PooledRows, TrainingData, pool_overlapping
from hms_features.model.errors import TrainingDataError
from hms_features.model.objective import SoftmaxObjective, class_prior, kl_rows
from hms_features.model.variants import VARIANTS, FoldData

Log = Callable[[str], None]


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


@dataclass
class CVResult:
    """What :func:`train_cv` produces.

    Attributes
    ----------
    folds : ndarray (n,)
        Validation fold of each (original) label row.
    oof : dict variant -> ndarray (n, 6)
        Out-of-fold probabilities of every label row.
    boosters : dict variant -> list of Booster
        One booster per fold (model variants only), each holding exactly its best iterations.
    fold_info : list of dict
        Per fold: rows, patients, and per variant the best iteration and seconds.
    class_prior : ndarray (6,)
        Mean vote distribution over all rows.
    n_train_rows : int
        Rows the boosters were trained on over the whole table (pooled or not).
    """

    folds: np.ndarray
    oof: dict[str, np.ndarray]
    boosters: dict[str, list[lgb.Booster]]
    fold_info: list[dict] = field(default_factory=list)
    class_prior: np.ndarray | None = None
    n_train_rows: int = 0


def training_rows(data: TrainingData, config: TrainConfig) -> PooledRows:
    """The rows boosters train on: pooled (``config.pool_seconds``) or the label rows."""
    if config.pool_seconds is not None:
        return pool_overlapping(data, config.pool_seconds)
    n = len(data.labels)
    return PooledRows(data=data, group=np.arange(n), size=np.ones(n))


def rank_features(X: np.ndarray, Y: np.ndarray, config: TrainConfig, keep: int) -> np.ndarray:
    """Columns of the ``keep`` features of highest gain in a quick soft-label booster trained
    on ``(X, Y)`` (``config.prune_rounds`` rounds at learning rate 0.1), in column order."""
    if keep >= X.shape[1]:
        return np.arange(X.shape[1])
    ds = lgb.Dataset(X, np.zeros(len(X)), params=config.dataset_params()).construct()
    start = np.log(np.maximum(class_prior(Y), 1e-15))
    ds.set_init_score(np.tile(start, (len(X), 1)))
    params = {
        **config.booster_params(len(X)),
        "objective": SoftmaxObjective(Y),
        "learning_rate": 0.1,
    }
    booster = lgb.train(params, ds, num_boost_round=config.prune_rounds)
    gain = booster.feature_importance(importance_type="gain")
    return np.sort(np.argsort(-gain, kind="stable")[:keep])


def _fold_data(
    k: int,
    folds: np.ndarray,
    data: TrainingData,
    rows: PooledRows,
    config: TrainConfig,
) -> tuple[FoldData, np.ndarray]:
    """The training (pooled) and validation (original) rows of fold ``k``, on the features kept
    for the fold, binned once."""
    pool_fold = np.empty(len(rows.size), dtype=np.int64)
    pool_fold[rows.group] = folds  # a pool never straddles folds: one EEG, one patient
    tr = np.flatnonzero(pool_fold != k)
    va = np.flatnonzero(folds == k)
    train = rows.data
    X_tr, Y_tr = train.X[tr], train.targets[tr]
    cols = np.arange(X_tr.shape[1])
    if config.max_features is not None:
        cols = rank_features(X_tr, Y_tr, config, config.max_features)
        X_tr = np.ascontiguousarray(X_tr[:, cols])
    X_va = np.ascontiguousarray(data.X[va][:, cols])
    names = [data.feature_names[c] for c in cols]
    ds = config.dataset_params()
    cons = train.consensus_index[tr]
    dtrain = lgb.Dataset(
        X_tr, cons.astype(np.float64), params=ds, feature_name=names, free_raw_data=False
    ).construct()
    dvalid = lgb.Dataset(
        X_va, data.consensus_index[va].astype(np.float64), reference=dtrain, params=ds,
        feature_name=names,
    ).construct()  # fmt: skip
    fold = FoldData(
        X_train=X_tr,
        Y_train=Y_tr,
        consensus_train=cons,
        totals_train=train.total_votes[tr],
        X_valid=X_va,
        Y_valid=data.targets[va],
        totals_valid=data.total_votes[va],
        dtrain=dtrain,
        dvalid=dvalid,
        params=config.booster_params(len(tr)),
        config=config,
        feature_names=names,
    )
    return fold, va


def train_cv(
    data: TrainingData,
    config: TrainConfig | None = None,
    log: Log | None = print,
    only_folds: list[int] | None = None,
) -> CVResult:
    """Train every variant of ``config`` on every fold; out-of-fold predictions and boosters.

    Parameters
    ----------
    data : TrainingData
        Features and aligned label rows.
    config : TrainConfig
        Hyper-parameters, folds, seed, variants, pooling.
    log : callable or None
        Receives one progress line per fold (None: silent).
    only_folds : list of int, optional
        Train only these folds (benchmarks); the other rows' out-of-fold predictions stay 0.

    Returns
    -------
    CVResult
    """
    config = config or TrainConfig()
    log = log or (lambda msg: None)
    folds = make_folds(data.labels, config.n_folds, config.seed)
    rows = training_rows(data, config)
    Y = data.targets
    names = list(config.variants)
    oof = {v: np.zeros((len(Y), len(CLASSES))) for v in names}
    boosters: dict[str, list[lgb.Booster]] = {v: [] for v in names if VARIANTS[v].is_model}
    fold_info: list[dict] = []
    for k in range(config.n_folds) if only_folds is None else only_folds:
        t_fold = time.perf_counter()
        fold, va = _fold_data(k, folds, data, rows, config)
        info: dict = {
            "fold": k,
            "n_train": len(fold.X_train),
            "n_valid": len(va),
            "n_valid_patients": int(data.labels["patient_id"].iloc[va].nunique()),
            "n_features": len(fold.feature_names),
            "variants": {},
        }
        parts = []
        for name in names:
            t0 = time.perf_counter()
            out = VARIANTS[name].fit(fold)
            if out.booster is not None:
                fold.trained[name] = out.booster
                boosters[name].append(out.booster)
            oof[name][va] = out.probs
            info["variants"][name] = {
                "best_iteration": out.iterations,
                "seconds": round(time.perf_counter() - t0, 3),
            }
            kl = float(kl_rows(Y[va], out.probs).mean())
            its = f" ({out.iterations} it)" if VARIANTS[name].is_model else ""
            parts.append(f"{name} {kl:.3f}{its}")
        info["seconds"] = round(time.perf_counter() - t_fold, 3)
        fold_info.append(info)
        log(
            f"fold {k + 1}/{config.n_folds}: {info['n_train']} train / {info['n_valid']} valid "
            "rows, valid KL " + ", ".join(parts) + f"; {info['seconds']:.1f} s"
        )
        del fold
        gc.collect()
    return CVResult(
        folds=folds,
        oof=oof,
        boosters=boosters,
        fold_info=fold_info,
        class_prior=class_prior(Y),
        n_train_rows=len(rows.size),
    )
