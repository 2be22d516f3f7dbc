"""Cross-validated training: variants, early stopping on KL, determinism, report files."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from helpers import synthetic_training_table

from hms_features.constants import VOTE_COLUMNS
from hms_features.errors import HMSWarning, OutputPathError
from hms_features.model import TrainConfig, load_training_data, train_cv, train_model
from hms_features.model.errors import TrainingDataError
from hms_features.model.objective import SoftmaxObjective, kl_rows, softmax
from hms_features.model.quantiles import load_quantiles
from hms_features.model.variants import train_booster as _train_one

ALL_VARIANTS = ("prior", "hard", "soft", "weighted", "two_stage")
FAST = dict(
    n_folds=3, learning_rate=0.2, num_boost_round=60, early_stopping_rounds=8, seed=1,
    variants=ALL_VARIANTS, pool_seconds=None,
)  # fmt: skip


@pytest.fixture(scope="module")
def table():
    return synthetic_training_table(n_rows=600, n_features=40, seed=0)


@pytest.fixture(scope="module")
def trained(table, tmp_path_factory):
    features, labels = table
    model_dir = tmp_path_factory.mktemp("model")
    report = train_model(features, labels, model_dir, TrainConfig(**FAST), log=None)
    return model_dir, report


def test_report_files_and_keys(trained):
    model_dir, report = trained
    names = {p.name for p in model_dir.iterdir()}
    assert {
        "model.json",
        "cv_report.json",
        "cv_report.md",
        "oof.parquet",
        "feature_importance.csv",
    } <= names
    assert {"fold_0.txt", "fold_1.txt", "fold_2.txt"} <= names
    saved = json.loads((model_dir / "cv_report.json").read_text())
    assert saved["shipped_variant"] == report["shipped_variant"]
    for key in ("selection_rule", "variants", "scores", "confusion", "data", "folds", "config"):
        assert key in saved
    assert set(saved["scores"]) == {"prior", "hard", "soft", "weighted", "two_stage"}
    for view in ("eeg", "high_vote", "all_rows"):
        s = saved["scores"]["soft"][view]
        assert len(s["folds"]) == 3 and s["overall"] > 0
    conf = np.array(saved["confusion"]["all_rows"]["soft"])
    assert conf.shape == (6, 6) and conf.sum() == saved["data"]["n_rows"] == 600
    md = (model_dir / "cv_report.md").read_text()
    assert "Shipped variant" in md and "| two_stage |" in md
    model = json.loads((model_dir / "model.json").read_text())
    assert model["variant"] == report["shipped_variant"]
    assert model["config"]["variant"] == report["shipped_variant"]
    assert {"lightgbm", "numpy", "hms-features"} <= set(model["versions"])
    assert set(model["cv_scores"]) == set(saved["scores"])


def test_shipped_variant_is_best_on_high_vote_rows(trained):
    _, report = trained
    hv = {v: s["high_vote"]["overall"] for v, s in report["scores"].items() if v != "prior"}
    assert report["shipped_variant"] == min(hv, key=hv.get)


def test_models_beat_the_prior_and_soft_beats_hard(trained):
    _, report = trained
    s = report["scores"]
    for view in ("eeg", "high_vote"):
        assert s["soft"][view]["overall"] < s["hard"][view]["overall"] < s["prior"][view]["overall"]


def test_oof_table(trained, table):
    model_dir, _ = trained
    oof = pd.read_parquet(model_dir / "oof.parquet")
    assert list(oof.columns[:5]) == ["eeg_id", "eeg_sub_id", "patient_id", "fold", "variant"]
    assert list(oof.columns[5:]) == list(VOTE_COLUMNS)
    assert len(oof) == 5 * 600
    np.testing.assert_allclose(oof[list(VOTE_COLUMNS)].sum(axis=1), 1.0, atol=1e-9)
    # every patient sits in one fold
    assert (oof.groupby("patient_id")["fold"].nunique() == 1).all()


def test_training_is_deterministic_for_a_seed(table):
    features, labels = table
    data = load_training_data(features, labels, log=lambda m: None)
    cfg = TrainConfig(**{**FAST, "n_folds": 2, "variants": ("soft",)})
    a = train_cv(data, cfg, log=None)
    b = train_cv(data, cfg, log=None)
    np.testing.assert_array_equal(a.folds, b.folds)
    np.testing.assert_array_equal(a.oof["soft"], b.oof["soft"])
    assert a.boosters["soft"][0].model_to_string() == b.boosters["soft"][0].model_to_string()


def test_early_stopping_keeps_the_iteration_of_lowest_validation_kl(table):
    features, labels = table
    data = load_training_data(features, labels, log=lambda m: None)
    Y = data.targets
    cfg = TrainConfig(
        **{**FAST, "num_boost_round": 300, "early_stopping_rounds": 10, "learning_rate": 0.3}
    )
    params = cfg.booster_params(400)
    full = lgb.Dataset(
        data.X, label=data.consensus_index, params=cfg.dataset_params(), free_raw_data=False
    )
    tr, va = np.arange(400), np.arange(400, 600)
    history: dict = {}
    booster, best = _train_one(
        params,
        SoftmaxObjective(Y[tr]),
        full.subset(tr),
        full.subset(va),
        Y[va],
        cfg,
        callbacks=[lgb.record_evaluation(history)],
    )
    curve = history["valid"]["kl"]
    assert len(curve) == best + 10 < 300  # stopped 10 rounds after the best
    assert int(np.argmin(curve)) + 1 == best == booster.current_iteration()
    # the recorded metric is the KL of the booster's own predictions (no init score here)
    kl = kl_rows(Y[va], softmax(booster.predict(data.X[va], raw_score=True))).mean()
    assert kl == pytest.approx(min(curve), rel=1e-9)


def test_parquet_input_equals_dataframe_input(table, tmp_path):
    features, labels = table
    path = tmp_path / "features.parquet"
    features.iloc[::-1].to_parquet(path, index=False)  # another row order
    a = load_training_data(features, labels, log=lambda m: None)
    b = load_training_data(path, labels, log=lambda m: None, batch_rows=97)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.feature_names == b.feature_names
    pd.testing.assert_frame_equal(a.labels, b.labels)


def test_label_rows_without_features_are_an_error_unless_dropped(table):
    features, labels = table
    with pytest.raises(TrainingDataError, match=r"10 of 600 label rows .* have no feature row"):
        load_training_data(features.iloc[10:], labels)
    with pytest.warns(HMSWarning, match="10 of 600 label rows"):
        data = load_training_data(features.iloc[10:], labels, missing_features="drop")
    assert data.X.shape == (590, 40)
    with pytest.warns(HMSWarning, match="5 of 600 feature row"):
        load_training_data(features, labels.iloc[5:])
    with pytest.raises(ValueError, match="duplicated feature row"):
        load_training_data(pd.concat([features, features.iloc[:1]]), labels)
    with pytest.raises(ValueError, match="no feature row matches"):
        load_training_data(features.assign(eeg_id=features["eeg_id"] + 1), labels)
    with pytest.raises(TrainingDataError, match="test-split features"):
        load_training_data(features.drop(columns="eeg_sub_id"), labels)


def test_model_folder_is_replaced_whole_and_keeps_its_percentiles(table, tmp_path):
    features, labels = table
    model_dir = tmp_path / "m"
    model_dir.mkdir()
    (model_dir / "model.json").write_text("{}")
    (model_dir / "fold_7.txt").write_text("stale")
    cfg = TrainConfig(**{**FAST, "n_folds": 2, "num_boost_round": 5, "variants": ("soft",)})
    train_model(features, labels, model_dir, cfg, log=None)
    assert not (model_dir / "fold_7.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no staging folder left
    q = load_quantiles(model_dir)
    assert q.n_rows == 600 and list(q.table.columns) == list(features.columns[2:])
    np.testing.assert_allclose(
        q.table.iloc[50], features.iloc[:, 2:].median().to_numpy(), rtol=1e-5
    )
    other = tmp_path / "other"
    other.mkdir()
    (other / "README.md").write_text("mine")
    with pytest.raises(OutputPathError, match="not a model folder"):
        train_model(features, labels, other, cfg, log=None)
    assert [p.name for p in other.iterdir()] == ["README.md"]


def test_a_failed_run_leaves_the_previous_model(table, tmp_path, monkeypatch):
    import hms_features.model.report as report

    features, labels = table
    model_dir = tmp_path / "m"
    cfg = TrainConfig(**{**FAST, "n_folds": 2, "num_boost_round": 5, "variants": ("soft",)})
    train_model(features, labels, model_dir, cfg, log=None)
    before = sorted((p.name, p.read_bytes()) for p in model_dir.iterdir())

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "feature_importance", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_model(features, labels, model_dir, cfg, log=None)
    assert sorted((p.name, p.read_bytes()) for p in model_dir.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]


def test_unknown_variant_is_rejected():
    with pytest.raises(ValueError, match="unknown variant"):
        TrainConfig(variants=("soft", "deep"))
    assert "soft" in TrainConfig(variants=("two_stage",)).variants
