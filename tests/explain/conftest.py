"""Fixtures of the explanation tests: a tiny fold ensemble on real feature names."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES


def _feature_names() -> list[str]:
    from hms_features.features.extractor import feature_names

    return list(feature_names())


def train_tiny_model(names: list[str], n_rows: int = 300, n_folds: int = 3, seed: int = 0):
    """A :class:`TrainedModel` of ``n_folds`` small multiclass boosters on random features.

    Classes depend on a few features (so that SHAP values are spread over several of them).
    Returns ``(model, features)`` where ``features`` has the key columns and float32 values.
    """
    from hms_features.model import TrainedModel

    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n_rows, len(names))).astype(np.float32), columns=names)
    informative = X.iloc[:, : min(6, len(names))].to_numpy(dtype=np.float64)
    logits = informative @ rng.normal(size=(informative.shape[1], len(CLASSES))) * 1.5
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    boosters = []
    for k in range(n_folds):
        keep = np.arange(n_rows) % n_folds != k
        params = {
            "objective": "multiclass",
            "num_class": len(CLASSES),
            "num_leaves": 7,
            "min_data_in_leaf": 5,
            "learning_rate": 0.2,
            "verbosity": -1,
            "seed": seed + k,
            "deterministic": True,
            "num_threads": 1,
        }
        data = lgb.Dataset(X[keep], y[keep], feature_name=names, free_raw_data=False)
        boosters.append(lgb.train(params, data, num_boost_round=12))
    model = TrainedModel(boosters=boosters, feature_names=names, classes=CLASSES)
    features = X.copy()
    features.insert(0, "eeg_sub_id", np.arange(n_rows, dtype=np.int64) % 4)
    features.insert(0, "eeg_id", 10_000 + np.arange(n_rows, dtype=np.int64) // 4)
    return model, features


@pytest.fixture(scope="session")
def real_names() -> list[str]:
    """Every feature name of the extractor, in output order."""
    return _feature_names()


@pytest.fixture(scope="session")
def small_model():
    """(model, features): 3 folds on 40 real feature names plus the quality features."""
    names = _feature_names()
    quality = ["global__missing_fraction", "global__clipped_fraction"]
    chosen = [n for n in names if n not in quality][:40] + quality
    return train_tiny_model(chosen)


@pytest.fixture(scope="session")
def full_model_dir(tmp_path_factory, real_names):
    """A model folder whose boosters take every extracted feature, and its training features."""
    from hms_features.model import save_model

    model, features = train_tiny_model(real_names, n_rows=240, n_folds=2, seed=1)
    root = tmp_path_factory.mktemp("full_model")
    save_model(root / "model", model.boosters, real_names)
    features.to_parquet(root / "features_train.parquet", index=False)
    return root / "model", root / "features_train.parquet"


@pytest.fixture(scope="session")
def example_dir(example):
    """The session's synthetic example (``tests/conftest.py``), under the cohort tests' name."""
    return example
