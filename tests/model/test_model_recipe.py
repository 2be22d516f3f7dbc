"""The training recipe's levers: pooled rows, kept features, the variants table, device type."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pytest
from helpers import synthetic_training_table

from hms_features.constants import VOTE_COLUMNS
from hms_features.model import TrainConfig, load_model, load_training_data, train_cv, train_model
from hms_features.model.cv import make_folds, training_rows
from hms_features.model.dataset import overlap_groups, pool_overlapping
from hms_features.model.objective import softmax
from hms_features.model.variants import MODEL_VARIANTS, VARIANTS

FAST = dict(n_folds=3, learning_rate=0.2, num_boost_round=60, early_stopping_rounds=8, seed=1)


@pytest.fixture(scope="module")
def table():
    return synthetic_training_table(n_rows=600, n_features=40, seed=0)


@pytest.fixture(scope="module")
def data(table):
    features, labels = table
    return load_training_data(features, labels)


def test_overlap_groups_pool_rows_within_the_window_of_their_first_row():
    eeg = np.array([7, 7, 7, 7, 7, 9, 9, 7])
    off = np.array([0.0, 4.0, 9.9, 10.0, 30.0, 0.0, 12.0, 14.0])
    g = overlap_groups(eeg, off, 10.0)
    # EEG 7: [0, 4, 9.9] | [10, 14] | [30]; EEG 9: [0] | [12]
    assert g[0] == g[1] == g[2] != g[3]
    assert g[3] == g[7] != g[4]
    assert g[5] != g[6] and len(set(g)) == 5


def test_pooling_conserves_votes_and_never_mixes_eegs_or_folds(data):
    pooled = pool_overlapping(data, 10.0)
    lab = data.labels
    assert len(pooled.size) < len(lab) and pooled.size.sum() == len(lab)
    # the pool's mean votes times its size are the members' summed votes, class by class
    sums = np.zeros((len(pooled.size), len(VOTE_COLUMNS)))
    np.add.at(sums, pooled.group, data.votes)
    np.testing.assert_allclose(pooled.data.votes * pooled.size[:, None], sums)
    # one EEG per pool, members within 10 s of the pool's first row, one fold per pool
    folds = make_folds(lab, 3, 1)
    for column in ("eeg_id", "patient_id"):
        per_pool = lab.groupby(pooled.group)[column].nunique()
        assert (per_pool == 1).all()
    assert (lab.assign(f=folds).groupby(pooled.group)["f"].nunique() == 1).all()
    off = lab["eeg_label_offset_seconds"].to_numpy()
    first = lab.assign(o=off).groupby(pooled.group)["o"].transform("min").to_numpy()
    assert (off - first < 10.0).all()
    # features are the members' means
    j = int(np.argmax(pooled.size))
    np.testing.assert_allclose(
        pooled.data.X[j], data.X[pooled.group == j].mean(axis=0), rtol=1e-5, atol=1e-6
    )


def test_pooled_training_scores_every_original_row(data):
    res = train_cv(data, TrainConfig(**FAST, variants=("soft",), pool_seconds=10.0), log=None)
    assert res.n_train_rows == len(training_rows(data, TrainConfig(pool_seconds=10.0)).size)
    assert res.n_train_rows < len(data.labels)
    oof = res.oof["soft"]
    assert oof.shape == (len(data.labels), 6) and np.allclose(oof.sum(axis=1), 1)
    assert len({round(float(x), 9) for x in oof[:, 0]}) > 20  # a prediction per original row


def test_kept_features_are_saved_loaded_and_used_for_prediction(table, tmp_path):
    features, labels = table
    cfg = TrainConfig(**FAST, variants=("soft",), max_features=7)
    report = train_model(features, labels, tmp_path / "m", cfg, log=None)
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert doc["format_version"].startswith("2.")
    kept = [f["features"] for f in doc["folds"]]
    assert all(len(k) == 7 for k in kept)
    model = load_model(tmp_path / "m")
    assert model.feature_names == doc["feature_names"] and len(model.feature_names) == 40
    X = features[model.feature_names]
    by_hand = np.mean(
        [
            softmax(
                lgb.Booster(model_file=str(tmp_path / "m" / f["file"])).predict(
                    X[k].to_numpy(np.float32), raw_score=True
                )
            )
            for f, k in zip(doc["folds"], kept)
        ],
        axis=0,
    )
    np.testing.assert_allclose(model.predict_proba(features), by_hand, atol=1e-9)
    # the explanations still add up to the raw scores, with 0 for features a fold dropped
    from hms_features.explain.shap_values import compute_shap

    shap = compute_shap(model, features.iloc[:25])
    np.testing.assert_allclose(shap.base_values + shap.values.sum(axis=2), shap.raw, atol=1e-6)
    unused = [i for i, n in enumerate(model.feature_names) if not any(n in k for k in kept)]
    assert unused and np.all(shap.values[:, :, unused] == 0)
    assert report["folds"][0]["n_features"] == 7


def test_a_model_with_every_feature_stays_format_1(table, tmp_path):
    features, labels = table
    train_model(features, labels, tmp_path / "m", TrainConfig(**FAST, variants=("soft",)), log=None)
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert doc["format_version"] == "1.0" and all("features" not in f for f in doc["folds"])


def test_every_variant_of_the_table_trains_and_the_default_recipe_is_small(data):
    cfg = TrainConfig(**FAST, variants=tuple(VARIANTS))
    res = train_cv(data, cfg, log=None, only_folds=[0])
    assert set(res.oof) == set(VARIANTS)
    assert set(res.boosters) == set(MODEL_VARIANTS)
    default = TrainConfig()
    assert default.variants == ("prior", "soft", "two_stage")
    # a variant brings what it needs
    assert TrainConfig(variants=("two_stage",)).variants == ("soft", "two_stage")


def test_device_type_reaches_lightgbm():
    assert TrainConfig(device_type="gpu").booster_params(1000)["device_type"] == "gpu"
    assert TrainConfig().booster_params(1000)["device_type"] == "cpu"
