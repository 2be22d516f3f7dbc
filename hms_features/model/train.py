"""Cross-validated LightGBM training on vote distributions, with patient-grouped folds.

Variants trained side by side on the same folds (each fold builds one binned LightGBM Dataset
of the whole table and takes cheap subsets of it: *Dataset once, many boosters*):

- ``prior``: the training folds' mean vote distribution, a constant (the floor to beat).
- ``hard``: LightGBM's built-in ``multiclass`` on ``expert_consensus`` (the public starters').
- ``soft``: the soft-label softmax objective on the vote fractions.
- ``weighted``: ``soft`` with weight ``low_vote_weight`` on rows with <= ``low_vote_max`` votes.
- ``two_stage``: ``soft``, then boosting continued (``init_model``) on rows with >=
  ``high_vote_min`` votes only, early-stopped on the validation fold's high-vote rows.

Every booster early-stops on the KL divergence of its validation fold (for ``weighted``, the
same weights as in training). The variant shipped is the one with the lowest out-of-fold KL on
rows with >= 10 votes, where the experts' consensus is stable.
"""

from __future__ import annotations

import gc
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from hms_features.constants import CLASSES, HIGH_VOTE_THRESHOLD, VOTE_COLUMNS
from hms_features.errors import HMSWarning, InputNotFoundError, UsageError
from hms_features.model.cv import make_folds
from hms_features.model.errors import TrainingDataError
from hms_features.model.files import KEY_COLUMNS
from hms_features.model.objective import (
    SoftmaxObjective,
    class_prior,
    fold_init_score,
    kl_rows,
    make_kl_eval,
    softmax,
)

#: Every variant :func:`train_cv` knows, with the sentence the report shows.
VARIANTS: dict[str, str] = {
    "prior": "constant: the training folds' mean vote distribution",
    "hard": "LightGBM built-in multiclass on expert_consensus (hard labels)",
    "soft": "LightGBM, softmax cross-entropy on the vote distribution (soft labels)",
    "weighted": "soft labels, rows with few votes down-weighted",
    "two_stage": "soft labels, then boosting continued on high-vote rows only",
}
#: Variants whose boosters can be shipped (not the constant).
MODEL_VARIANTS: tuple[str, ...] = ("hard", "soft", "weighted", "two_stage")

Log = Callable[[str], None]
#: What :func:`load_training_data` does with label rows that have no feature row.
MISSING_FEATURES: tuple[str, ...] = ("error", "drop")
#: Label rows named as examples in messages.
_SHOWN_IDS: int = 5


def _print(msg: str) -> None:
    print(msg, flush=True)


def _quiet(msg: str) -> None:
    return None


@dataclass
class TrainConfig:
    """Hyper-parameters and CV settings (defaults fit both ~1-2k demo rows and 100k real rows).

    ``min_data_in_leaf=None`` scales with the training fold: ``clip(n_train // 500, 10, 100)``.
    """

    n_folds: int = 5
    seed: int = 42
    n_jobs: int = 1
    variants: tuple[str, ...] = ("prior", "hard", "soft", "weighted", "two_stage")
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int | None = None
    feature_fraction: float = 0.5
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    max_bin: int = 63
    num_boost_round: int = 2000
    early_stopping_rounds: int = 50
    low_vote_weight: float = 0.25
    low_vote_max: int = 7
    high_vote_min: int = HIGH_VOTE_THRESHOLD
    stage2_learning_rate: float | None = None

    def __post_init__(self) -> None:
        self.variants = tuple(dict.fromkeys(self.variants))
        if "two_stage" in self.variants and "soft" not in self.variants:
            # the first stage of two_stage is the soft model: report it too (it costs nothing)
            self.variants = (*self.variants, "soft")
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown:
            raise UsageError(
                f"--variants: unknown variant(s) {', '.join(unknown)}; choose from "
                + ", ".join(VARIANTS)
            )
        if not any(v in MODEL_VARIANTS for v in self.variants):
            raise UsageError(
                f"--variants {','.join(self.variants)} includes no model; add one of "
                + ", ".join(MODEL_VARIANTS)
            )
        if not 0.0 < self.low_vote_weight <= 1.0:
            raise UsageError(
                f"--low-vote-weight must be above 0 and at most 1, got {self.low_vote_weight}"
            )
        if self.n_folds < 2:
            raise UsageError(f"--folds must be at least 2, got {self.n_folds}")

    def to_dict(self) -> dict:
        """JSON-ready dict of the configuration."""
        out = asdict(self)
        out["variants"] = list(self.variants)
        return out

    def dataset_params(self) -> dict:
        """Parameters fixed when a Dataset is binned (the same for every booster on it)."""
        return {
            "max_bin": self.max_bin,
            "feature_pre_filter": False,
            "verbosity": -1,
            "seed": self.seed,
            "num_threads": _num_threads(self.n_jobs),
        }

    def booster_params(self, n_train: int) -> dict:
        """LightGBM parameters of one booster trained on ``n_train`` rows (objective unset)."""
        min_leaf = self.min_data_in_leaf
        if min_leaf is None:
            min_leaf = int(np.clip(n_train // 500, 10, 100))
        return {
            **self.dataset_params(),
            "num_class": len(CLASSES),
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": min_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq,
            "lambda_l2": self.lambda_l2,
            "metric": "None",
            "deterministic": True,
            "force_col_wise": True,
        }


def _num_threads(n_jobs: int) -> int:
    return 0 if n_jobs is None or n_jobs < 1 else int(n_jobs)


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
class CVResult:
    """What :func:`train_cv` produces.

    Attributes
    ----------
    folds : ndarray (n,)
        Validation fold of each row.
    oof : dict variant -> ndarray (n, 6)
        Out-of-fold probabilities.
    boosters : dict variant -> list of Booster
        One booster per fold (model variants only), each holding exactly its best iterations.
    fold_info : list of dict
        Per fold: rows, patients, and per variant the best iteration and seconds.
    class_prior : ndarray (6,)
        Mean vote distribution over all rows.
    """

    folds: np.ndarray
    oof: dict[str, np.ndarray]
    boosters: dict[str, list[lgb.Booster]]
    fold_info: list[dict] = field(default_factory=list)
    class_prior: np.ndarray | None = None


def _train_one(
    params: dict,
    objective: str | SoftmaxObjective,
    dtrain: lgb.Dataset,
    dvalid: lgb.Dataset,
    valid_targets: np.ndarray,
    config: TrainConfig,
    init_model: lgb.Booster | None = None,
    callbacks: list | None = None,
) -> tuple[lgb.Booster, int]:
    """Train one booster with early stopping on validation KL; returns (booster, best iteration).

    The booster returned holds the iterations up to the best one (``lgb.train`` truncates).
    """
    raw = not isinstance(objective, str)
    booster = lgb.train(
        {**params, "objective": objective},
        dtrain,
        num_boost_round=config.num_boost_round,
        valid_sets=[dvalid],
        valid_names=["valid"],
        feval=make_kl_eval(valid_targets, raw_scores=raw),
        init_model=init_model,
        callbacks=[
            lgb.early_stopping(config.early_stopping_rounds, first_metric_only=True, verbose=False),
            *(callbacks or []),
        ],
    )
    best = booster.best_iteration if booster.best_iteration > 0 else booster.current_iteration()
    return booster, int(best)


def _fit_with_start(
    params: dict,
    objective: str | SoftmaxObjective,
    dtrain: lgb.Dataset,
    dvalid: lgb.Dataset,
    start: np.ndarray,
    valid_targets: np.ndarray,
    config: TrainConfig,
) -> tuple[lgb.Booster, int]:
    """Train from the start scores ``start`` (K,) and fold them into the first trees."""
    dtrain.set_init_score(np.tile(start, (dtrain.num_data(), 1)))
    dvalid.set_init_score(np.tile(start, (dvalid.num_data(), 1)))
    booster, best = _train_one(params, objective, dtrain, dvalid, valid_targets, config)
    return fold_init_score(booster, start, num_iteration=best), best


def _predict(booster: lgb.Booster, X: np.ndarray) -> np.ndarray:
    raw = np.asarray(booster.predict(X, raw_score=True), dtype=np.float64)
    return softmax(raw.reshape(len(X), len(CLASSES)))


def _train_fold(
    k: int, folds: np.ndarray, data: TrainingData, full: lgb.Dataset, config: TrainConfig
) -> tuple[dict, dict[str, lgb.Booster], dict[str, np.ndarray]]:
    """Train every variant on fold ``k``: (info, boosters, validation probabilities)."""
    t_fold = time.perf_counter()
    variants = config.variants
    Y, totals, cons = data.targets, data.total_votes, data.consensus_index
    tr = np.flatnonzero(folds != k)
    va = np.flatnonzero(folds == k)
    params = config.booster_params(len(tr))
    info: dict = {
        "fold": k,
        "n_train": len(tr),
        "n_valid": len(va),
        "n_valid_patients": int(data.labels["patient_id"].iloc[va].nunique()),
        "variants": {},
    }
    X_va = data.X[va]
    trained: dict[str, lgb.Booster] = {}
    preds: dict[str, np.ndarray] = {}

    def record(name: str, booster: lgb.Booster | None, best: int, t0: float) -> None:
        if booster is not None:
            trained[name] = booster
            preds[name] = _predict(booster, X_va)
        info["variants"][name] = {
            "best_iteration": best,
            "seconds": round(time.perf_counter() - t0, 3),
        }

    def start_of(targets: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.log(np.maximum(class_prior(targets, weights), 1e-15))

    if "prior" in variants:
        t0 = time.perf_counter()
        preds["prior"] = np.tile(class_prior(Y[tr]), (len(va), 1))
        record("prior", None, 0, t0)
    dtrain, dvalid = full.subset(tr).construct(), full.subset(va).construct()
    if "hard" in variants:
        t0 = time.perf_counter()
        start = start_of(np.eye(len(CLASSES))[cons[tr]])
        b, best = _fit_with_start(params, "multiclass", dtrain, dvalid, start, Y[va], config)
        record("hard", b, best, t0)
    if "soft" in variants:
        t0 = time.perf_counter()
        obj = SoftmaxObjective(Y[tr])
        b, best = _fit_with_start(params, obj, dtrain, dvalid, start_of(Y[tr]), Y[va], config)
        record("soft", b, best, t0)
    if "two_stage" in variants:
        t0 = time.perf_counter()
        b, best = _second_stage(trained["soft"], data, tr, va, totals, Y, cons, full, config)
        record("two_stage", b, best, t0)
    del dtrain, dvalid
    if "weighted" in variants:
        # Own subsets: LightGBM cannot remove weights from a Dataset once they are set.
        t0 = time.perf_counter()
        weights = np.where(totals <= config.low_vote_max, config.low_vote_weight, 1.0)
        w_tr, w_va = full.subset(tr).construct(), full.subset(va).construct()
        w_tr.set_weight(weights[tr])
        w_va.set_weight(weights[va])
        obj = SoftmaxObjective(Y[tr])
        start = start_of(Y[tr], weights[tr])
        b, best = _fit_with_start(params, obj, w_tr, w_va, start, Y[va], config)
        record("weighted", b, best, t0)
    info["seconds"] = round(time.perf_counter() - t_fold, 3)
    return info, trained, preds


def train_cv(
    data: TrainingData,
    config: TrainConfig | None = None,
    log: Log | None = _print,
    only_folds: list[int] | None = None,
) -> CVResult:
    """Train every variant of ``config`` on every fold; out-of-fold predictions and boosters.

    Parameters
    ----------
    data : TrainingData
        Features and aligned label rows.
    config : TrainConfig
        Hyper-parameters, folds, seed, variants.
    log : callable or None
        Receives one progress line per fold (None: silent).
    only_folds : list of int, optional
        Train only these folds (benchmarks); the other rows' out-of-fold predictions stay 0.

    Returns
    -------
    CVResult
    """
    config = config or TrainConfig()
    log = log or _quiet
    labels = data.labels
    folds = make_folds(labels, config.n_folds, config.seed)
    Y = data.targets
    cons = data.consensus_index
    variants = list(config.variants)
    oof = {v: np.zeros((len(labels), len(CLASSES))) for v in variants}
    boosters: dict[str, list[lgb.Booster]] = {v: [] for v in variants if v in MODEL_VARIANTS}
    fold_info: list[dict] = []

    # Dataset once: bin the whole table one time; every fold and variant takes subsets of it.
    full = lgb.Dataset(
        data.X,
        label=cons.astype(np.float64),
        feature_name=list(data.feature_names),
        params=config.dataset_params(),
        free_raw_data=False,
    ).construct()

    for k in range(config.n_folds) if only_folds is None else only_folds:
        info, trained, preds = _train_fold(k, folds, data, full, config)
        va = folds == k
        for name, p in preds.items():
            oof[name][va] = p
        for name, booster in trained.items():
            if name in boosters:
                boosters[name].append(booster)
        fold_info.append(info)
        parts = []
        for name in variants:
            kl = float(kl_rows(Y[va], preds[name]).mean())
            best = info["variants"][name]["best_iteration"]
            parts.append(f"{name} {kl:.3f}" + (f" ({best} it)" if name in MODEL_VARIANTS else ""))
        log(
            f"fold {k + 1}/{config.n_folds}: {info['n_train']} train / {info['n_valid']} valid "
            f"rows, valid KL " + ", ".join(parts) + f"; {info['seconds']:.1f} s"
        )
        gc.collect()
    return CVResult(
        folds=folds, oof=oof, boosters=boosters, fold_info=fold_info, class_prior=class_prior(Y)
    )


def _second_stage(
    stage1: lgb.Booster,
    data: TrainingData,
    tr: np.ndarray,
    va: np.ndarray,
    totals: np.ndarray,
    Y: np.ndarray,
    cons: np.ndarray,
    full: lgb.Dataset,
    config: TrainConfig,
) -> tuple[lgb.Booster, int]:
    """Continue boosting ``stage1`` on the high-vote rows; keep stage 1 if that does not help.

    Returns the booster and its number of iterations (stage 1 + stage 2).
    """
    hv_tr = tr[totals[tr] >= config.high_vote_min]
    hv_va = va[totals[va] >= config.high_vote_min]
    n1 = stage1.current_iteration()
    params = config.booster_params(len(hv_tr))
    if len(hv_tr) < 2 * params["min_data_in_leaf"] or len(hv_va) == 0:
        return stage1, n1
    if config.stage2_learning_rate is not None:
        params["learning_rate"] = config.stage2_learning_rate
    ds = config.dataset_params()
    d_tr = lgb.Dataset(
        data.X[hv_tr], label=cons[hv_tr].astype(np.float64), reference=full, params=ds
    )
    d_va = lgb.Dataset(
        data.X[hv_va], label=cons[hv_va].astype(np.float64), reference=full, params=ds
    )
    booster, best = _train_one(
        params, SoftmaxObjective(Y[hv_tr]), d_tr, d_va, Y[hv_va], config, init_model=stage1
    )
    kl1 = float(kl_rows(Y[hv_va], _predict(stage1, data.X[hv_va])).mean())
    if booster.best_score.get("valid", {}).get("kl", np.inf) >= kl1:
        return stage1, n1
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=best)), best


def train_model(
    features: str | Path | pd.DataFrame,
    labels: pd.DataFrame,
    model_dir: str | Path,
    config: TrainConfig | None = None,
    log: Log | None = _print,
    missing_features: str = "error",
) -> dict:
    """Cross-validate every variant, then write the model folder (atomically).

    Writes ``fold_<k>.txt`` + ``model.json`` of the shipped variant (lowest out-of-fold KL on
    rows with >= 10 votes), ``feature_quantiles.json`` (percentiles of every feature among the
    training rows), ``cv_report.json``/``.md``, ``oof.parquet`` and ``feature_importance.csv``.
    The folder is built beside ``model_dir`` and renamed into place when complete
    (:func:`~hms_features.model.files.staged_model_dir`): an interrupted or failed run leaves
    the previous model untouched, a finished one leaves no file of an earlier run.

    Parameters
    ----------
    features : path or DataFrame
        Feature table (parquet of ``hms features --split train``).
    labels : DataFrame
        ``train.csv`` as read by :func:`hms_features.data.read_labels`.
    model_dir : path
        Output folder: new, empty, or a model folder (it is replaced as a whole).
    config : TrainConfig
    log : callable or None
        Receives the progress lines (None: silent).
    missing_features : {'error', 'drop'}
        Label rows without a feature row: an error (default) or left out with a warning.

    Returns
    -------
    dict
        The CV report.

    Raises
    ------
    OutputPathError
        ``model_dir`` is a file or a non-empty folder that is not a model folder (checked
        before training).
    TrainingDataError
        See :func:`load_training_data`.
    """
    from hms_features.model.files import check_model_dir, staged_model_dir
    from hms_features.model.report import build_report, write_report

    config = config or TrainConfig()
    log = log or _quiet
    model_dir = check_model_dir(model_dir)
    t0 = time.perf_counter()
    data = load_training_data(features, labels, missing_features=missing_features)
    log(
        f"training on {data.X.shape[0]} label rows x {data.X.shape[1]} features, "
        f"{data.labels['patient_id'].nunique()} patients, {config.n_folds} folds, "
        f"variants {', '.join(config.variants)}"
    )
    result = train_cv(data, config, log=log)
    report = build_report(data, result, config)
    source = "feature table" if isinstance(features, pd.DataFrame) else os.path.abspath(features)
    log(f"writing {model_dir}")
    with staged_model_dir(model_dir) as stage:
        write_model_folder(stage, data, result, report, config, source)
        report["seconds"] = round(time.perf_counter() - t0, 2)
        write_report(stage, report)
    return report


def write_model_folder(
    folder: Path,
    data: TrainingData,
    result: CVResult,
    report: dict,
    config: TrainConfig,
    source: str,
) -> None:
    """Write the shipped boosters, model.json, the feature quantiles and the training tables
    (``oof.parquet``, ``feature_importance.csv``) into ``folder``."""
    from hms_features.model.files import save_model
    from hms_features.model.quantiles import feature_quantiles, save_quantiles
    from hms_features.model.report import feature_importance, oof_table

    shipped = report["shipped_variant"]
    save_model(
        folder,
        result.boosters[shipped],
        data.feature_names,
        config={**config.to_dict(), "variant": shipped, "variant_description": VARIANTS[shipped]},
        cv_scores={
            v: {view: s[view]["overall"] for view in s} for v, s in report["scores"].items()
        },
        extra={
            "variant": shipped,
            "selection_rule": report["selection_rule"],
            "class_prior": result.class_prior.tolist(),
            # information only: nothing reads the features file again after training
            "training_data": {"features": source, **report["data"]},
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    save_quantiles(feature_quantiles(data.X, data.feature_names, source=source), folder)
    oof_table(data, result).to_parquet(folder / "oof.parquet", index=False)
    feature_importance(result.boosters[shipped], data.feature_names).to_csv(
        folder / "feature_importance.csv", index=False
    )
