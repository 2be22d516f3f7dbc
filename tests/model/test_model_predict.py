"""Offline scoring: submission format, order, sums; the genuine test sample end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import FAST_TRAIN, synthetic_training_table, train_small_model

import hms_features.factory
from hms_features.constants import VOTE_COLUMNS
from hms_features.errors import HMSWarning
from hms_features.model import TrainConfig, load_model, train_model
from hms_features.model.predict import predict_submission


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return train_small_model(tmp_path_factory.mktemp("m") / "small", 300, 20, 5, **FAST_TRAIN)


@pytest.fixture
def test_dir(tmp_path, monkeypatch):
    """A data folder with 4 test EEGs; the factory is replaced by a synthetic feature table."""
    features, _ = synthetic_training_table(n_rows=4, n_features=20, seed=9)
    features = features.drop(columns="eeg_sub_id")
    ids = [111, 222, 333, 444]
    features["eeg_id"] = ids
    features.insert(1, "spectrogram_id", [9, 8, 7, 6])
    pd.DataFrame(
        {"spectrogram_id": [9, 8, 7, 6], "eeg_id": ids, "patient_id": [1, 2, 3, 4]}
    ).to_csv(tmp_path / "test.csv", index=False)
    sample = pd.DataFrame({"eeg_id": ids[::-1]})
    for c in VOTE_COLUMNS:
        sample[c] = 1 / 6
    sample.to_csv(tmp_path / "sample_submission.csv", index=False)
    calls = []

    def fake_extract(data_dir, split="test", n_jobs=1, limit=None, progress=True):
        calls.append((str(data_dir), split, n_jobs))
        return features.copy()

    monkeypatch.setattr(hms_features.factory, "extract_features", fake_extract)
    return tmp_path, features, calls


def test_submission_format_order_and_sums(model_dir, test_dir, tmp_path):
    data_dir, features, calls = test_dir
    out = tmp_path / "sub" / "submission.csv"
    sub = predict_submission(data_dir, model_dir, out, n_jobs=2, progress=False, log=lambda m: None)
    assert calls == [(str(data_dir), "test", 2)]
    back = pd.read_csv(out)
    assert list(back.columns) == ["eeg_id", *VOTE_COLUMNS]
    assert back["eeg_id"].tolist() == [444, 333, 222, 111]  # sample_submission's order
    np.testing.assert_allclose(back[list(VOTE_COLUMNS)].sum(axis=1), 1.0, atol=1e-9)
    expected = load_model(model_dir).predict_proba(features)[::-1]
    np.testing.assert_allclose(back[list(VOTE_COLUMNS)].to_numpy(), expected, rtol=1e-10)
    pd.testing.assert_frame_equal(sub.reset_index(drop=True), sub)


def test_without_sample_submission_test_csv_order(model_dir, test_dir, tmp_path):
    data_dir, _, _ = test_dir
    (data_dir / "sample_submission.csv").unlink()
    out = tmp_path / "submission.csv"
    predict_submission(data_dir, model_dir, out, progress=False, log=lambda m: None)
    assert pd.read_csv(out)["eeg_id"].tolist() == [111, 222, 333, 444]


def test_missing_prediction_falls_back_to_the_prior(model_dir, test_dir, tmp_path, monkeypatch):
    data_dir, features, _ = test_dir
    monkeypatch.setattr(hms_features.factory, "extract_features", lambda *a, **k: features.iloc[1:])
    out = tmp_path / "submission.csv"
    with pytest.warns(
        HMSWarning, match=r"1 of 4 test EEG\(s\) have no prediction \(e.g. \[111\]\)"
    ):
        predict_submission(data_dir, model_dir, out, progress=False, log=lambda m: None)
    back = pd.read_csv(out).set_index("eeg_id")
    prior = np.asarray(load_model(model_dir).meta["class_prior"])
    np.testing.assert_allclose(back.loc[111].to_numpy(), prior / prior.sum(), rtol=1e-10)


def test_feature_mismatch_is_an_error(model_dir, test_dir, tmp_path, monkeypatch):
    data_dir, features, _ = test_dir
    monkeypatch.setattr(
        hms_features.factory,
        "extract_features",
        lambda *a, **k: features.drop(columns="syn005__value"),
    )
    with pytest.raises(ValueError, match="syn005__value"):
        predict_submission(
            data_dir, model_dir, tmp_path / "s.csv", progress=False, log=lambda m: None
        )


@pytest.mark.slow
def test_genuine_test_sample_end_to_end(hms_samples, tmp_path):
    """Real files through the real factory: a toy model on the genuine train rows scores the
    genuine test EEG (its spectrogram file present)."""
    from hms_features.data import read_labels
    from hms_features.factory import extract_features

    train_feats = extract_features(hms_samples, split="train", progress=False)
    labels = read_labels(hms_samples / "train.csv")
    # 10 genuine rows are too few to train on: jitter copies of them into 12 fake patients
    rng = np.random.default_rng(0)
    reps = []
    for r in range(12):
        f = train_feats.copy()
        cols = [c for c in f.columns if c not in ("eeg_id", "eeg_sub_id")]
        f[cols] = f[cols] * (1 + 0.05 * rng.normal(size=f[cols].shape)).astype(np.float32)
        f["eeg_id"] = f["eeg_id"] + r
        lab = labels.copy()
        lab["eeg_id"] = lab["eeg_id"] + r
        lab["patient_id"] = 1000 + r
        reps.append((f, lab))
    feats = pd.concat([f for f, _ in reps], ignore_index=True)
    labs = pd.concat([lab for _, lab in reps], ignore_index=True)
    model_dir = tmp_path / "toy"
    cfg = TrainConfig(
        n_folds=3,
        num_boost_round=5,
        early_stopping_rounds=2,
        min_data_in_leaf=5,
        variants=("soft",),
    )
    train_model(feats, labs, model_dir, cfg, log=None)
    out = tmp_path / "submission.csv"
    predict_submission(hms_samples, model_dir, out, progress=False, log=lambda m: None)
    sub = pd.read_csv(out)
    sample = pd.read_csv(hms_samples / "sample_submission.csv")
    assert list(sub.columns) == list(sample.columns)
    assert sub["eeg_id"].tolist() == sample["eeg_id"].tolist()
    assert np.isfinite(sub[list(VOTE_COLUMNS)].to_numpy()).all()
    np.testing.assert_allclose(sub[list(VOTE_COLUMNS)].sum(axis=1), 1.0, atol=1e-6)
