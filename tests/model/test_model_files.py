"""Model files: round trip, no pickle, column checks, format versions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import FAST_TRAIN, synthetic_training_table, train_small_model

from hms_features.constants import CLASSES
from hms_features.model import (
    FORMAT_VERSION,
    ModelFormatError,
    load_model,
)
from hms_features.model.objective import softmax


@pytest.fixture(scope="module")
def table():
    return synthetic_training_table(n_rows=300, n_features=20, seed=3)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A model trained on :func:`table`."""
    return train_small_model(tmp_path_factory.mktemp("m") / "small", 300, 20, 3, **FAST_TRAIN)


@pytest.fixture
def copy_dir(model_dir, tmp_path):
    """A private copy of the model folder that a test may edit."""
    import shutil

    return shutil.copytree(model_dir, tmp_path / "copy")


def test_round_trip_predictions_identical(model_dir, table, tmp_path):
    from hms_features.model import save_model

    features, _ = table
    model = load_model(model_dir)
    assert model.classes == CLASSES
    assert model.feature_names == [c for c in features.columns if "__" in c]
    assert len(model.boosters) == 2
    probs = model.predict_proba(features)
    assert probs.shape == (300, 6)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    raws = model.predict_raw(features)
    np.testing.assert_allclose(np.mean([softmax(r) for r in raws], axis=0), probs, atol=1e-15)
    # save what was loaded, load again: identical
    save_model(tmp_path / "again", model.boosters, model.feature_names, config=model.config)
    again = load_model(tmp_path / "again")
    np.testing.assert_array_equal(again.predict_proba(features), probs)


def test_no_pickle_anywhere_in_the_model_folder(model_dir):
    allowed = {".txt", ".json", ".md", ".parquet", ".csv"}
    for path in model_dir.iterdir():
        assert path.suffix in allowed, path
        head = path.read_bytes()[:2]
        assert not head.startswith(b"\x80"), f"{path} looks like a pickle"
    for fold in model_dir.glob("fold_*.txt"):
        assert fold.read_text().startswith("tree\n")
    json.loads((model_dir / "model.json").read_text())  # plain JSON


def test_column_mismatch_names_the_columns(model_dir, table):
    features, _ = table
    model = load_model(model_dir)
    # key columns are ignored, column order does not matter
    shuffled = features[list(reversed(features.columns))].assign(spectrogram_id=1, patient_id=2)
    np.testing.assert_array_equal(model.predict_proba(shuffled), model.predict_proba(features))
    bad = features.drop(columns=["syn003__value"]).assign(LL__surprise=0.0)
    with pytest.raises(ValueError, match="syn003__value") as err:
        model.predict_proba(bad)
    assert "LL__surprise" in str(err.value)
    assert "missing 1 feature column" in str(err.value)
    with pytest.raises(ValueError, match=r"shape \(n_rows, 20\)"):
        model.predict_proba(np.zeros((2, 3)))


def test_older_and_newer_minor_versions_load(copy_dir, table):
    features, _ = table
    expected = load_model(copy_dir).predict_proba(features)
    path = copy_dir / "model.json"
    doc = json.loads(path.read_text())
    # a pre-versioned file (major 0) with only the essentials: upgraded on load
    legacy = {"feature_names": doc["feature_names"]}
    path.write_text(json.dumps(legacy))
    np.testing.assert_array_equal(load_model(copy_dir).predict_proba(features), expected)
    # a newer minor version with a key this reader does not know: loads
    major = FORMAT_VERSION.split(".")[0]
    path.write_text(json.dumps({**doc, "format_version": f"{major}.9", "new_key": [1, 2]}))
    np.testing.assert_array_equal(load_model(copy_dir).predict_proba(features), expected)


def test_newer_major_version_is_a_clear_error(copy_dir):
    path = copy_dir / "model.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "format_version": "99.0"}))
    with pytest.raises(ModelFormatError, match="newer hms-features"):
        load_model(copy_dir)


def test_broken_folders_are_clear_errors(copy_dir, tmp_path):
    with pytest.raises(ModelFormatError, match="model.json not found"):
        load_model(tmp_path / "nothing")
    path = copy_dir / "model.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "folds": [{"file": "../evil.txt"}]}))
    with pytest.raises(ModelFormatError, match="not fold_<k>.txt"):
        load_model(copy_dir)
    path.write_text(json.dumps(doc))
    (copy_dir / "fold_1.txt").unlink()
    with pytest.raises(ModelFormatError, match="fold_1.txt"):
        load_model(copy_dir)
