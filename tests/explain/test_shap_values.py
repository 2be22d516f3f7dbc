"""SHAP values of the fold ensemble, percentiles and top-feature tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES
from hms_features.explain.shap_values import (
    QUANTILES_FILE,
    FeatureQuantiles,
    compute_shap,
    describe_feature,
    ensure_quantiles,
    explain_rows,
    feature_quantiles,
    load_quantiles,
    percentile_rank,
    top_features,
)


def test_additivity_every_class_mean_over_folds(small_model):
    model, features = small_model
    res = compute_shap(model, features.iloc[:50])
    raw_folds = model.predict_raw(features.iloc[:50])
    mean_raw = np.mean(raw_folds, axis=0)
    assert res.values.shape == (50, len(CLASSES), len(model.feature_names))
    total = res.base_values + res.values.sum(axis=2)
    np.testing.assert_allclose(total, mean_raw, atol=1e-6, rtol=0)
    np.testing.assert_allclose(res.raw, mean_raw, atol=1e-6, rtol=0)
    # the expected value is one constant per class, and the probabilities are the model's own
    np.testing.assert_allclose(res.base_values, res.base_values[:1].repeat(50, axis=0))
    np.testing.assert_allclose(res.probs, model.predict_proba(features.iloc[:50]))


def test_matches_shap_tree_explainer_on_one_fold(small_model):
    """LightGBM's own TreeSHAP agrees with the shap package's independent implementation."""
    shap = pytest.importorskip("shap")
    model, features = small_model
    X = features[model.feature_names].iloc[:20].astype(np.float64)
    res = compute_shap(model, X, folds=np.zeros(20, dtype=int))
    expl = shap.TreeExplainer(model.boosters[0])
    sv = np.asarray(expl.shap_values(X.to_numpy()))  # (n, F, K) in shap >= 0.45
    if sv.shape[0] == len(CLASSES):
        sv = np.moveaxis(sv, 0, -1)
    np.testing.assert_allclose(res.values, np.moveaxis(sv, -1, 1), atol=1e-6)
    np.testing.assert_allclose(res.base_values[0], np.ravel(expl.expected_value), atol=1e-6)


def test_out_of_fold_rows_use_their_own_fold(small_model):
    model, features = small_model
    rows = features.iloc[:30]
    folds = np.arange(30) % len(model.boosters)
    res = compute_shap(model, rows, folds=folds)
    raws = model.predict_raw(rows)
    expected = np.stack([raws[f][i] for i, f in enumerate(folds)])
    np.testing.assert_allclose(res.base_values + res.values.sum(axis=2), expected, atol=1e-6)
    assert res.mode == "out-of-fold"
    with pytest.raises(ValueError, match="no booster"):
        compute_shap(model, rows, folds=np.full(30, 7))


def test_missing_model_features_are_named(small_model):
    model, features = small_model
    broken = features.drop(columns=[model.feature_names[3]])
    with pytest.raises(ValueError, match=model.feature_names[3]):
        compute_shap(model, broken)


def test_percentile_rank_closed_form():
    q = np.linspace(0.0, 100.0, 101)  # feature uniform on 0-100: percentile == value
    v = np.array([0.0, 12.5, 50.0, 99.9, -5.0, 150.0, np.nan])
    np.testing.assert_allclose(
        percentile_rank(v, q), [0.0, 12.5, 50.0, 99.9, 0.0, 100.0, np.nan], atol=1e-9
    )
    # a feature that is 0 for 40% of the population: a 0 sits in the middle of the tie
    tied = np.r_[np.zeros(41), np.linspace(0.1, 6.0, 60)]
    assert percentile_rank(np.array([0.0]), tied)[0] == pytest.approx(20.0)
    assert np.isnan(percentile_rank(np.array([1.0]), np.full(101, np.nan))[0])


def test_feature_quantiles_roundtrip_and_store(tmp_path, small_model):
    model, features = small_model
    path = tmp_path / "train.parquet"
    features.to_parquet(path, index=False)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    q = ensure_quantiles(model_dir, model.feature_names, path)
    assert (model_dir / QUANTILES_FILE).is_file()
    assert q.n_rows == len(features)
    stored = load_quantiles(model_dir)
    np.testing.assert_allclose(stored.table.to_numpy(), q.table.to_numpy(), rtol=1e-6)
    # against numpy's own percentile of the feature: the median row has percentile ~50
    name = model.feature_names[0]
    col = features[name].to_numpy(dtype=np.float64)
    median = np.median(col)
    pct = q.percentile(pd.DataFrame({name: [median]}))[name].iloc[0]
    assert pct == pytest.approx(50.0, abs=1.0)
    # found in the model folder the next time, without the features file
    assert ensure_quantiles(model_dir, model.feature_names, None) is not None
    doc = json.loads((model_dir / QUANTILES_FILE).read_text())
    assert len(doc["levels"]) == 101 and set(model.feature_names) <= set(doc["features"])


def test_quantiles_json_keeps_nan_columns():
    frame = pd.DataFrame({"a__x": [np.nan, np.nan], "b__y": [1.0, 2.0]})
    q = feature_quantiles(frame)
    back = FeatureQuantiles.from_json(json.loads(json.dumps(q.to_json())))
    assert back.table["a__x"].isna().all()
    assert back.table["b__y"].iloc[0] == 1.0 and back.table["b__y"].iloc[-1] == 2.0


def test_top_features_table(small_model):
    model, features = small_model
    res = compute_shap(model, features.iloc[:5])
    q = feature_quantiles(features, model.feature_names)
    t = top_features(res, row=2, k=8, quantiles=q)
    pred = CLASSES[int(np.argmax(res.probs[2]))]
    assert list(t.columns) == [
        "class", "rank", "feature", "family", "description", "value", "percentile",
        "contribution", "direction",
    ]  # fmt: skip
    assert (t["class"] == pred).all() and 0 < len(t) <= 8
    c = t["contribution"].to_numpy()
    assert np.all(np.diff(np.abs(c)) <= 1e-12)  # by decreasing |contribution|
    k = CLASSES.index(pred)
    for r in t.itertuples(index=False):
        j = model.feature_names.index(r.feature)
        assert r.contribution == pytest.approx(res.values[2, k, j])
        assert r.value == pytest.approx(float(features[r.feature].iloc[2]))
        assert r.description == describe_feature(r.feature) and "[" in r.description
        assert 0.0 <= r.percentile <= 100.0
        assert r.direction == ("for" if r.contribution >= 0 else "against")
    other = top_features(res, row=2, cls="GRDA", k=3)
    assert (other["class"] == "GRDA").all() and other["percentile"].isna().all()


def test_explain_rows_predicted_and_asked_classes(small_model):
    model, features = small_model
    table = explain_rows(model, features.iloc[:4], classes=["LPD"], k=5)
    assert {"eeg_id", "eeg_sub_id", "predicted", "probability", "feature"} <= set(table.columns)
    for _, g in table.groupby(["eeg_id", "eeg_sub_id"]):
        explained = set(g["class"])
        assert "LPD" in explained and g["predicted"].iloc[0] in explained


def test_shap_explanation_for_shap_plots(small_model):
    model, features = small_model
    res = compute_shap(model, features.iloc[:10])
    e = res.to_shap_explanation("LPD")
    assert e.values.shape == (10, len(model.feature_names))
    np.testing.assert_allclose(e.base_values + e.values.sum(axis=1), res.raw[:, 1], atol=1e-9)
