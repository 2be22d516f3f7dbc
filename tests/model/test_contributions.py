"""``TrainedModel.contributions``: the one TreeSHAP path of the package (issue 19, item 2).

Two stored models (saved, then loaded from their folder): one whose fold boosters use every
feature, one trained with ``max_features`` (each fold booster keeps its own columns). Checked:

- contributions plus bias add up to ``predict_raw`` per class, for the fold mean, one fold and
  out-of-fold rows;
- the explanations (``compute_shap``) and the leading features of ``hms score``'s timeline are
  identical, to the bit, to the code before this path existed (:func:`old_fold_contributions`
  below is that code, kept as the reference).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import synthetic_training_table

from hms_features.errors import HMSWarning
from hms_features.model import TrainConfig, load_model, train_model
from hms_features.model.files import booster_columns


def old_fold_contributions(booster, values: np.ndarray, names: list[str], k: int) -> np.ndarray:
    """The TreeSHAP of one fold booster as ``explain.shap_values.fold_contributions`` computed it
    before ``TrainedModel.contributions`` (n, K, F + 1; a kept-features booster gets 0 for the
    columns it does not use)."""
    cols = booster_columns(booster.feature_name(), names)
    c = np.asarray(booster.predict(values[:, cols], pred_contrib=True), dtype=np.float64)
    c = c.reshape(len(values), k, len(cols) + 1)
    out = np.zeros((len(values), k, len(names) + 1))
    out[:, :, cols] = c[:, :, :-1]
    out[:, :, -1] = c[:, :, -1]
    return out


def old_compute_shap(model, values: np.ndarray, folds=None) -> np.ndarray:
    """(n, K, F + 1) of the old ``compute_shap``: summed over folds in order, then divided."""
    names, k = list(model.feature_names), len(model.classes)
    if folds is None:
        total = np.zeros((len(values), k, len(names) + 1))
        for booster in model.boosters:
            total += old_fold_contributions(booster, values, names, k)
        return total / len(model.boosters)
    total = np.zeros((len(values), k, len(names) + 1))
    for j, booster in enumerate(model.boosters):
        rows = np.flatnonzero(folds == j)
        if len(rows):
            total[rows] = old_fold_contributions(booster, values[rows], names, k)
    return total


def _train(tmp_path_factory, name: str, max_features: int | None):
    features, labels = synthetic_training_table(n_rows=360, n_features=30, seed=3)
    out = tmp_path_factory.mktemp(name) / "m"
    cfg = TrainConfig(n_folds=3, seed=0, n_jobs=1, variants=("soft",), learning_rate=0.3,
                      num_boost_round=12, early_stopping_rounds=4,
                      max_features=max_features)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HMSWarning)
        train_model(features, labels, out, cfg, log=None)
    return load_model(out), features


@pytest.fixture(scope="module", params=["all-features", "kept-features"])
def stored(request, tmp_path_factory):
    """(model, features) of a stored model, every feature or ``max_features=8``."""
    model, features = _train(
        tmp_path_factory, request.param, None if request.param == "all-features" else 8
    )
    kept = [len(b.feature_name()) for b in model.boosters]
    if request.param == "kept-features":
        assert kept == [8] * len(model.boosters)
    else:
        assert kept == [len(model.feature_names)] * len(model.boosters)
    return model, features


def _values(model, features) -> np.ndarray:
    """The model's columns as it sees them (float32) held as float64."""
    return features[model.feature_names].to_numpy(dtype=np.float32).astype(np.float64)


def test_compute_shap_equals_the_old_path(stored):
    from hms_features.explain.shap_values import compute_shap

    model, features = stored
    rows = features.iloc[:70]
    values = _values(model, rows)
    f = len(model.feature_names)
    old = old_compute_shap(model, values)
    res = compute_shap(model, rows)
    np.testing.assert_array_equal(res.values, old[:, :, :f])
    np.testing.assert_array_equal(res.base_values, old[:, :, -1])
    np.testing.assert_array_equal(res.raw, old[:, :, -1] + old[:, :, :f].sum(axis=2))
    np.testing.assert_array_equal(res.probs, model.predict_proba(rows))
    folds = np.arange(len(rows)) % len(model.boosters)
    old = old_compute_shap(model, values, folds)
    res = compute_shap(model, rows, folds=folds)
    np.testing.assert_array_equal(res.values, old[:, :, :f])
    np.testing.assert_array_equal(res.base_values, old[:, :, -1])


def test_timeline_leading_features_equal_the_old_path(stored):
    from hms_features.explain.concepts import concept_membership, label
    from hms_features.explain.shap_values import sum_by_group
    from hms_features.score.timeline import leading_features

    model, features = stored
    X = features[model.feature_names].to_numpy(dtype=np.float32)[:50]
    predicted = np.argmax(model.predict_proba(X), axis=1)
    names = list(model.feature_names)
    groups, member = concept_membership(names)
    own = old_fold_contributions(model.boosters[0], X.astype(np.float64), names, 6)
    own = own[np.arange(len(X)), predicted, : len(names)]
    expected_feature = np.asarray(names, dtype=object)[np.argmax(own, axis=1)]
    by_group = sum_by_group(own, member, len(groups))
    expected_concept = np.asarray([label(g) for g in groups], dtype=object)[
        np.argmax(by_group, axis=1)
    ]
    got = leading_features(model, X, predicted)
    assert got[:, 0].tolist() == expected_feature.tolist()
    assert got[:, 1].tolist() == expected_concept.tolist()


def test_contributions_add_up_to_predict_raw(stored):
    model, features = stored
    rows = features.iloc[:60]
    n, k, f = len(rows), len(model.classes), len(model.feature_names)
    raws = model.predict_raw(rows)
    c = model.contributions(rows)
    assert c.shape == (n, k, f + 1) and c.dtype == np.float64
    np.testing.assert_allclose(c.sum(axis=2), np.mean(raws, axis=0), atol=1e-6, rtol=0)
    np.testing.assert_array_equal(c, old_compute_shap(model, _values(model, rows)))
    for j, booster in enumerate(model.boosters):
        one = model.contributions(rows, folds=j)
        np.testing.assert_allclose(one.sum(axis=2), raws[j], atol=1e-6, rtol=0)
        unused = np.setdiff1d(np.arange(f), model.fold_columns(booster))
        assert not one[:, :, unused].any()  # a column the fold does not keep moves nothing
    folds = (np.arange(n) * 7) % len(model.boosters)
    oof = model.contributions(rows, folds=folds)
    expected = np.stack([raws[j][i] for i, j in enumerate(folds)])
    np.testing.assert_allclose(oof.sum(axis=2), expected, atol=1e-6, rtol=0)


def test_contributions_take_arrays_and_refuse_bad_input(stored):
    from hms_features.model.errors import FeatureMismatchError

    model, features = stored
    rows = features.iloc[:10]
    as_array = rows[model.feature_names].to_numpy(dtype=np.float32)
    np.testing.assert_array_equal(model.contributions(as_array), model.contributions(rows))
    assert model.contributions(rows.iloc[:0]).shape == (0, 6, len(model.feature_names) + 1)
    with pytest.raises(FeatureMismatchError, match=model.feature_names[2]):
        model.contributions(rows.drop(columns=[model.feature_names[2]]))
    with pytest.raises(ValueError, match="no booster"):
        model.contributions(rows, folds=np.full(10, 9))
    with pytest.raises(ValueError, match="one entry per row"):
        model.contributions(rows, folds=np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="no booster"):
        model.contributions(rows, folds=len(model.boosters))
