"""The training variants, as one table: adding a variant is one function and one entry here.

Each variant trains on one fold (:class:`FoldData`) and returns its booster (None for a
constant), its number of iterations and its probabilities for the fold's validation rows.
Variants are trained in table order, so a variant may use one trained before it (``two_stage``
continues ``soft``).

- ``prior``: the training rows' mean vote distribution, a constant (the floor to beat).
- ``hard``: LightGBM's built-in ``multiclass`` on ``expert_consensus`` (the public starters').
- ``soft``: softmax cross-entropy on the vote fractions (soft labels), through the custom
  objective (:class:`~hms_features.model.objective.SoftmaxObjective`) or, with
  ``soft_labels="expanded"``, through LightGBM's built-in multiclass on rows expanded into
  their voted classes (:func:`~hms_features.model.objective.expand_soft_labels`): the same
  gradients and hessians, without a Python call per iteration.
- ``weighted``: ``soft`` with weight ``low_vote_weight`` on rows with <= ``low_vote_max`` votes.
- ``two_stage``: ``soft``, then boosting continued (``init_model``) on rows with >=
  ``high_vote_min`` votes only, early-stopped on the validation fold's high-vote rows; stage 1
  is kept when stage 2 does not improve them.

Every booster early-stops on the KL divergence of its validation rows (the original label
rows, also when training on pooled rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # LightGBM is imported where it runs (the parser reads the variants)
    import lightgbm as lgb

from hms_features.constants import CLASSES
from hms_features.model.objective import (
    SoftmaxObjective,
    class_prior,
    expand_soft_labels,
    fold_init_score,
    kl_rows,
    make_kl_eval,
    softmax,
)


class FoldSettings(Protocol):
    """What the variants read of the training configuration.

    :class:`~hms_features.model.config.TrainConfig` is the one implementation; a protocol, so
    that this table does not import the configuration module, which checks its variant names
    against the table.
    """

    num_boost_round: int
    early_stopping_rounds: int
    soft_labels: str
    low_vote_weight: float
    low_vote_max: int
    high_vote_min: int
    stage2_learning_rate: float | None

    def dataset_params(self) -> dict:
        """LightGBM Dataset parameters."""
        ...

    def booster_params(self, n_train: int) -> dict:
        """LightGBM booster parameters for ``n_train`` training rows."""
        ...


@dataclass
class FoldData:
    """Everything a variant needs to train on one fold.

    Training rows may be pooled (:func:`~hms_features.model.dataset.pool_overlapping`);
    validation rows are always the original label rows.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    consensus_train: np.ndarray
    totals_train: np.ndarray
    X_valid: np.ndarray
    Y_valid: np.ndarray
    totals_valid: np.ndarray
    dtrain: lgb.Dataset
    dvalid: lgb.Dataset
    params: dict
    config: FoldSettings
    feature_names: list[str]
    trained: dict[str, lgb.Booster] = field(default_factory=dict)


@dataclass
class Outcome:
    """What a variant gives for one fold."""

    booster: lgb.Booster | None
    iterations: int
    probs: np.ndarray


@dataclass(frozen=True)
class Variant:
    """A training recipe: its report sentence, whether it is a model, what it needs first."""

    description: str
    fit: Callable[[FoldData], Outcome]
    is_model: bool = True
    needs: tuple[str, ...] = ()


def predict_probs(booster: lgb.Booster, X: np.ndarray) -> np.ndarray:
    """Softmax probabilities (n, 6) of a booster."""
    raw = np.asarray(booster.predict(X, raw_score=True), dtype=np.float64)
    return softmax(raw.reshape(len(X), len(CLASSES)))


def train_booster(
    params: dict,
    objective: str | SoftmaxObjective,
    dtrain: lgb.Dataset,
    dvalid: lgb.Dataset,
    valid_targets: np.ndarray,
    config: FoldSettings,
    init_model: lgb.Booster | None = None,
    callbacks: list | None = None,
) -> tuple[lgb.Booster, int]:
    """Train one booster, early-stopped on validation KL; returns (booster, best iteration).

    The booster holds the iterations up to the best one (``lgb.train`` truncates).
    """
    raw = not isinstance(objective, str)
    import lightgbm as lgb

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


def _start_scores(targets: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Log class prior (K,): every booster starts from it (folded into its first trees)."""
    return np.log(np.maximum(class_prior(targets, weights), 1e-15))


def _fit_from(
    fold: FoldData,
    objective: str | SoftmaxObjective,
    dtrain: lgb.Dataset,
    dvalid: lgb.Dataset,
    start: np.ndarray,
) -> Outcome:
    """Train from the start scores ``start`` and fold them into the first trees."""
    dtrain.set_init_score(np.tile(start, (dtrain.num_data(), 1)))
    dvalid.set_init_score(np.tile(start, (dvalid.num_data(), 1)))
    booster, best = train_booster(fold.params, objective, dtrain, dvalid, fold.Y_valid, fold.config)
    booster = fold_init_score(booster, start, num_iteration=best)
    return Outcome(booster, best, predict_probs(booster, fold.X_valid))


def binned_like(
    fold: FoldData,
    X: np.ndarray,
    label: np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> lgb.Dataset:
    """A Dataset of rows ``X`` binned like the fold's training rows (same bin boundaries and
    feature names); ``label`` defaults to zeros (the soft-label objective ignores it)."""
    import lightgbm as lgb

    return lgb.Dataset(
        X,
        label=np.zeros(len(X)) if label is None else np.asarray(label, dtype=np.float64),
        weight=weight,
        reference=fold.dtrain,
        params=fold.config.dataset_params(),
        feature_name=fold.feature_names,
        free_raw_data=False,  # boosting continued from a booster (two_stage) needs the rows
    ).construct()


def fit_prior(fold: FoldData) -> Outcome:
    """The training rows' mean vote distribution, for every validation row."""
    prior = class_prior(fold.Y_train)
    return Outcome(None, 0, np.tile(prior, (len(fold.X_valid), 1)))


def fit_hard(fold: FoldData) -> Outcome:
    """Built-in multiclass on the consensus class."""
    start = _start_scores(np.eye(len(CLASSES))[fold.consensus_train])
    return _fit_from(fold, "multiclass", fold.dtrain, fold.dvalid, start)


def _soft(fold: FoldData, weights: np.ndarray | None) -> Outcome:
    """Soft labels (optionally weighted), by the custom objective or expanded rows."""
    start = _start_scores(fold.Y_train, weights)
    if fold.config.soft_labels == "expanded":
        rows, labels, w = expand_soft_labels(fold.Y_train, weights)
        dtrain = binned_like(fold, fold.X_train[rows], labels, w)
        return _fit_from(fold, "multiclass", dtrain, binned_like(fold, fold.X_valid), start)
    if weights is None:
        return _fit_from(fold, SoftmaxObjective(fold.Y_train), fold.dtrain, fold.dvalid, start)
    # own Datasets: LightGBM cannot remove weights from a Dataset once they are set
    dtrain = binned_like(fold, fold.X_train, weight=weights)
    valid = binned_like(fold, fold.X_valid)
    return _fit_from(fold, SoftmaxObjective(fold.Y_train), dtrain, valid, start)


def fit_soft(fold: FoldData) -> Outcome:
    """Softmax cross-entropy on the vote fractions."""
    return _soft(fold, None)


def fit_weighted(fold: FoldData) -> Outcome:
    """Soft labels with low-vote rows down-weighted."""
    cfg = fold.config
    weights = np.where(fold.totals_train <= cfg.low_vote_max, cfg.low_vote_weight, 1.0)
    return _soft(fold, weights)


def fit_two_stage(fold: FoldData) -> Outcome:
    """Continue ``soft`` on the high-vote rows; keep stage 1 where that does not help."""
    cfg = fold.config
    stage1 = fold.trained["soft"]
    n1 = stage1.current_iteration()
    keep = Outcome(stage1, n1, predict_probs(stage1, fold.X_valid))
    hv_tr = np.flatnonzero(fold.totals_train >= cfg.high_vote_min)
    hv_va = np.flatnonzero(fold.totals_valid >= cfg.high_vote_min)
    params = cfg.booster_params(len(hv_tr))
    if len(hv_tr) < 2 * params["min_data_in_leaf"] or len(hv_va) == 0:
        return keep
    if cfg.stage2_learning_rate is not None:
        params["learning_rate"] = cfg.stage2_learning_rate
    booster, best = train_booster(
        params,
        SoftmaxObjective(fold.Y_train[hv_tr]),
        binned_like(fold, fold.X_train[hv_tr]),
        binned_like(fold, fold.X_valid[hv_va]),
        fold.Y_valid[hv_va],
        cfg,
        init_model=stage1,
    )
    kl1 = float(kl_rows(fold.Y_valid[hv_va], keep.probs[hv_va]).mean())
    if booster.best_score.get("valid", {}).get("kl", np.inf) >= kl1:
        return keep
    import lightgbm as lgb

    booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
    return Outcome(booster, best, predict_probs(booster, fold.X_valid))


#: Every variant, in training order (a variant comes after those it ``needs``).
VARIANTS: dict[str, Variant] = {
    "prior": Variant(
        "constant: the training folds' mean vote distribution", fit_prior, is_model=False
    ),
    "hard": Variant("LightGBM built-in multiclass on expert_consensus (hard labels)", fit_hard),
    "soft": Variant(
        "LightGBM, softmax cross-entropy on the vote distribution (soft labels)", fit_soft
    ),
    "weighted": Variant("soft labels, rows with few votes down-weighted", fit_weighted),
    "two_stage": Variant(
        "soft labels, then boosting continued on high-vote rows only",
        fit_two_stage,
        needs=("soft",),
    ),
}
#: Variants whose boosters can be shipped (not the constant).
MODEL_VARIANTS: tuple[str, ...] = tuple(n for n, v in VARIANTS.items() if v.is_model)
