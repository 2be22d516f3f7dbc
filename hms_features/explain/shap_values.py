"""SHAP values of the fold ensemble, feature percentiles and the top-feature table of a prediction.

The model is a set of LightGBM multiclass boosters (one per cross-validation fold) whose raw
scores ``f_k(x)`` (one per class k, natural-log units) go through a softmax. The contributions
come from :meth:`hms_features.model.TrainedModel.contributions`, the package's one TreeSHAP
path (LightGBM's exact TreeSHAP, each fold booster given the columns it kept): for K classes
and F features, ``(n, K, F + 1)``, per class F contributions followed by the bias, the expected
raw score of that class over the training data. For one booster

    f_k(x) = phi_k0 + sum_j phi_kj(x)

exactly. SHAP values are linear in the model, so averaging them over the fold models gives the
SHAP values of the fold-mean raw score ``mean_m f_mk(x)``, with base value ``mean_m phi_mk0``.
All contributions here are in those raw-score (log-odds) units: ``+0.7`` on class LPD multiplies
the odds of LPD against every other class by ``exp(0.7) ~ 2``, everything else being equal.

A feature's percentile (0-100) places its value in the training population: it is read from
101 quantiles of every feature (0th, 1st, ... 100th percentile) of the training matrix, which
``hms train`` stores in the model folder as ``feature_quantiles.json``
(:mod:`hms_features.model.quantiles`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES
from hms_features.model.errors import FeatureMismatchError
from hms_features.model.objective import softmax
from hms_features.model.quantiles import (
    QUANTILE_LEVELS,
    QUANTILES_FILE,
    FeatureQuantiles,
    feature_quantiles,
    load_quantiles,
    parquet_quantiles,
    percentile_rank,
    percentile_rank_matrix,
    save_quantiles,
)

#: Percentiles and their file are defined in :mod:`hms_features.model.quantiles` (``hms train``
#: writes them); they are re-exported here with the rest of the explanation API.
__all__ = [
    "QUANTILES_FILE",
    "QUANTILE_LEVELS",
    "FeatureQuantiles",
    "FoldModel",
    "ShapResult",
    "class_names",
    "compute_shap",
    "describe_feature",
    "ensure_quantiles",
    "explain_rows",
    "feature_family",
    "feature_info",
    "feature_quantiles",
    "load_quantiles",
    "model_frame",
    "percentile_rank",
    "percentile_rank_matrix",
    "save_quantiles",
    "top_features",
]


class FoldModel(Protocol):
    """What explanations need from a trained model (:class:`hms_features.model.TrainedModel`)."""

    boosters: list
    feature_names: list[str]
    classes: Sequence[str]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray: ...

    def predict_raw(self, X: pd.DataFrame) -> list[np.ndarray]: ...

    def contributions(
        self, X: pd.DataFrame, folds: int | np.ndarray | None = None
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class ShapResult:
    """SHAP values of a fold ensemble for a set of rows, every class.

    Attributes
    ----------
    values : ndarray, shape (n_rows, n_classes, n_features), float64
        Contribution of each feature to each class's raw score (log-odds units).
    base_values : ndarray, shape (n_rows, n_classes)
        Expected raw score of each class (the bias term of LightGBM's contributions): the same
        for every row of a fold-mean explanation, per fold for an out-of-fold one.
    raw : ndarray, shape (n_rows, n_classes)
        The explained raw scores; ``base_values + values.sum(axis=2) == raw``.
    probs : ndarray, shape (n_rows, n_classes)
        The predicted probabilities (fold-mean: mean over folds of each fold's softmax;
        out-of-fold: the softmax of the row's own fold).
    data : DataFrame, shape (n_rows, n_features)
        The feature values explained, columns in model order.
    classes : tuple of str
        Class names in column order.
    mode : str
        ``'fold-mean'`` (every fold model, averaged) or ``'out-of-fold'`` (each row explained
        by the fold model that did not train on it).
    """

    values: np.ndarray
    base_values: np.ndarray
    raw: np.ndarray
    probs: np.ndarray
    data: pd.DataFrame
    classes: tuple[str, ...]
    mode: str = "fold-mean"

    @property
    def feature_names(self) -> list[str]:
        """Feature names in model order."""
        return list(self.data.columns)

    def class_index(self, cls: str | int) -> int:
        """Column index of a class given by name (case-insensitive) or index."""
        if isinstance(cls, (int, np.integer)):
            if not 0 <= int(cls) < len(self.classes):
                raise IndexError(f"class index {cls} out of range 0-{len(self.classes) - 1}")
            return int(cls)
        lookup = {c.lower(): i for i, c in enumerate(self.classes)}
        if str(cls).lower() not in lookup:
            raise KeyError(f"unknown class {cls!r}; expected one of {', '.join(self.classes)}")
        return lookup[str(cls).lower()]

    def predicted_class(self) -> np.ndarray:
        """Index of the most probable class of each row, shape (n_rows,)."""
        return np.argmax(self.probs, axis=1)

    def for_class(self, cls: str | int) -> pd.DataFrame:
        """SHAP values of one class as a DataFrame (rows x features)."""
        k = self.class_index(cls)
        return pd.DataFrame(self.values[:, k, :], index=self.data.index, columns=self.data.columns)

    def to_shap_explanation(self, cls: str | int):
        """A :class:`shap.Explanation` of one class (for ``shap.plots.beeswarm`` and friends)."""
        import shap

        k = self.class_index(cls)
        return shap.Explanation(
            values=self.values[:, k, :],
            base_values=self.base_values[:, k],
            data=self.data.to_numpy(dtype=np.float64),
            feature_names=self.feature_names,
        )

    def subset(self, rows: np.ndarray | slice) -> ShapResult:
        """The result restricted to some rows (positional)."""
        return ShapResult(
            values=self.values[rows],
            base_values=self.base_values[rows],
            raw=self.raw[rows],
            probs=self.probs[rows],
            data=self.data.iloc[rows],
            classes=self.classes,
            mode=self.mode,
        )


def model_frame(model: FoldModel, features: pd.DataFrame) -> pd.DataFrame:
    """The model's feature columns of ``features``, in model order.

    Values are rounded to float32 (as the model sees them: the factory writes float32 and
    :meth:`TrainedModel.feature_matrix` casts to it) and held as float64.

    Raises
    ------
    FeatureMismatchError
        Naming the missing features when ``features`` lacks some of the model's inputs.
    """
    names = list(model.feature_names)
    missing = [n for n in names if n not in features.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise FeatureMismatchError(
            f"the features lack {len(missing)} of the model's {len(names)} inputs ({shown}); "
            "were they extracted with the same feature version as the model?"
        )
    values = features[names].to_numpy(dtype=np.float32).astype(np.float64)
    return pd.DataFrame(values, index=features.index, columns=names)


def compute_shap(
    model: FoldModel, features: pd.DataFrame, folds: np.ndarray | None = None
) -> ShapResult:
    """SHAP values of every class for every row.

    Parameters
    ----------
    model : TrainedModel
        Fold boosters, feature names and classes (:func:`hms_features.model.load_model`).
    features : DataFrame
        Feature rows (key columns and extra columns are ignored; every model feature must be
        present).
    folds : array of int (n_rows,), optional
        Out-of-fold mode: row i is explained by booster ``folds[i]`` alone (the fold model that
        did not see it in training). Default: every booster, averaged (the deployed model).

    Returns
    -------
    ShapResult
        Contributions in log-odds units with ``base_values + values.sum(-1) == raw``, where
        ``raw`` is the mean raw score over folds (or the own fold's raw score).
    """
    X = model_frame(model, features)
    classes = tuple(model.classes)
    f = X.shape[1]
    if folds is None:
        total = model.contributions(X)
        probs = np.asarray(model.predict_proba(X), dtype=np.float64)
        mode = "fold-mean"
    else:
        total = model.contributions(X, folds=np.asarray(folds))
        probs = None
        mode = "out-of-fold"
    base = total[:, :, -1].copy()
    contrib = total[:, :, :f]
    raw = base + contrib.sum(axis=2)
    if probs is None:
        probs = softmax(raw)
    return ShapResult(
        values=contrib, base_values=base, raw=raw, probs=probs, data=X, classes=classes, mode=mode
    )


# --------------------------------------------------------------------------- percentiles


def ensure_quantiles(
    model_dir: str | Path,
    feature_names: Sequence[str],
    features_path: str | Path | None = None,
) -> FeatureQuantiles | None:
    """The training population's quantiles: stored in the model folder, else built and stored.

    Parameters
    ----------
    model_dir : path
        The model folder (``feature_quantiles.json`` is read from, or written into, it).
    feature_names : sequence of str
        The model's features.
    features_path : path, optional
        The training features parquet; used only when the model folder has no quantiles (a
        folder written before ``hms train`` stored them) or lacks some of the model's features.

    Returns
    -------
    FeatureQuantiles or None
        None when nothing is stored and no features file is given.
    """
    stored = load_quantiles(model_dir)
    if stored is not None and set(feature_names) <= set(stored.table.columns):
        return stored
    if features_path is None:
        return stored
    path = Path(features_path)
    if not path.is_file():
        from hms_features.errors import InputNotFoundError

        raise InputNotFoundError(f"training features file {path} not found")
    quantiles = parquet_quantiles(path, feature_names)
    try:
        save_quantiles(quantiles, model_dir)
    except OSError:  # a read-only model folder: use them without storing
        pass
    return quantiles


# --------------------------------------------------------------------------- descriptions
#: The description of a model column that no feature declaration knows.
NO_DESCRIPTION: str = "(no description registered for this feature)"


def describe_feature(name: str) -> str:
    """Plain-language description of a feature (declarations), or a note that there is none."""
    from hms_features.features.families import describe

    try:
        return describe(name)
    except KeyError:
        return NO_DESCRIPTION


def feature_family(name: str) -> str:
    """Family of a feature (declarations), or ``'unknown'``."""
    from hms_features.features.families import family_of

    try:
        return family_of(name)
    except KeyError:
        return "unknown"


def feature_info(names: Sequence[str]) -> pd.DataFrame:
    """``family`` and ``description`` of many features at once, indexing one
    :func:`~hms_features.features.families.feature_table` (``'unknown'`` and
    :data:`NO_DESCRIPTION` for names no declaration knows); indexed by name, in the given order."""
    from hms_features.features.families import feature_table

    rows = feature_table().set_index("name").rename_axis(None).reindex(list(names))
    return pd.DataFrame(
        {
            "family": rows["family"].fillna("unknown"),
            "description": rows["description"].fillna(NO_DESCRIPTION),
        }
    )


def sum_by_group(values: np.ndarray, membership: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum the last axis (features) of SHAP values by group.

    ``membership[f]`` is the group (0 .. ``n_groups - 1``) of feature ``f``; the result has
    the shape of ``values`` with the last axis replaced by ``n_groups``. SHAP values are
    additive, so the groups still add up to the raw score.
    """
    onehot = np.zeros((len(membership), n_groups))
    onehot[np.arange(len(membership)), membership] = 1.0
    return np.asarray(values, dtype=np.float64) @ onehot


# --------------------------------------------------------------------------- tables

TOP_COLUMNS: tuple[str, ...] = (
    "class",
    "rank",
    "feature",
    "family",
    "description",
    "value",
    "percentile",
    "contribution",
    "direction",
)


def top_features(
    result: ShapResult,
    row: int = 0,
    cls: str | int | None = None,
    k: int = 10,
    quantiles: FeatureQuantiles | None = None,
) -> pd.DataFrame:
    """The features that moved one prediction most, for one class.

    Parameters
    ----------
    result : ShapResult
        From :func:`compute_shap`.
    row : int
        Position of the row in ``result``.
    cls : str or int, optional
        The class to explain (default: the predicted, most probable class).
    k : int
        Number of features, by decreasing absolute contribution (features whose contribution
        is exactly 0 are left out).
    quantiles : FeatureQuantiles, optional
        Training population quantiles (for the percentile column; NaN without them).

    Returns
    -------
    DataFrame
        One row per feature: ``class``, ``rank`` (1 = largest |contribution|), ``feature``,
        ``family``, ``description`` (plain clinical language with unit), ``value``,
        ``percentile`` (0-100 in the training population), ``contribution`` (signed, log-odds
        units; positive pushes towards the class) and ``direction`` (``'for'``/``'against'``).
    """
    kk = int(np.argmax(result.probs[row])) if cls is None else result.class_index(cls)
    contrib = result.values[row, kk, :]
    order = np.argsort(-np.abs(contrib), kind="stable")[: max(0, int(k))]
    order = order[contrib[order] != 0.0]  # a feature no tree used on this row moved nothing
    names = [result.feature_names[i] for i in order]
    values = result.data.iloc[row].to_numpy(dtype=np.float64)[order]
    if quantiles is not None:
        pct = quantiles.percentile(result.data.iloc[[row]][names]).iloc[0].to_numpy()
    else:
        pct = np.full(len(order), np.nan)
    c = contrib[order]
    info = feature_info(names)
    return pd.DataFrame(
        {
            "class": result.classes[kk],
            "rank": np.arange(1, len(order) + 1),
            "feature": names,
            "family": info["family"].to_numpy(),
            "description": info["description"].to_numpy(),
            "value": values,
            "percentile": np.asarray(pct, dtype=np.float64),
            "contribution": c,
            "direction": np.where(c >= 0, "for", "against"),
        },
        columns=list(TOP_COLUMNS),
    )


def explain_rows(
    model: FoldModel,
    features: pd.DataFrame,
    classes: Sequence[str] | None = None,
    k: int = 10,
    quantiles: FeatureQuantiles | None = None,
) -> pd.DataFrame:
    """Top-feature tables of many rows, for the predicted class and any extra ``classes``.

    Returns one DataFrame with the key columns of ``features`` that are present (``eeg_id``,
    ``eeg_sub_id``, ``spectrogram_id``), ``predicted``, ``probability`` (of the explained
    class) and the columns of :func:`top_features`.
    """
    result = compute_shap(model, features)
    keys = [c for c in ("eeg_id", "eeg_sub_id", "spectrogram_id") if c in features.columns]
    parts = []
    for i in range(len(features)):
        pred = int(np.argmax(result.probs[i]))
        wanted = [pred] + [result.class_index(c) for c in (classes or [])]
        for kk in dict.fromkeys(wanted):
            t = top_features(result, i, kk, k, quantiles)
            for key in reversed(keys):
                t.insert(0, key, features[key].iloc[i])
            t.insert(len(keys), "predicted", result.classes[pred])
            t.insert(len(keys) + 1, "probability", result.probs[i, kk])
            parts.append(t)
    if not parts:
        return pd.DataFrame(columns=[*keys, "predicted", "probability", *TOP_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def class_names(model: FoldModel) -> tuple[str, ...]:
    """The model's classes (the competition's six by default)."""
    return tuple(getattr(model, "classes", CLASSES))
