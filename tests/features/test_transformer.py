"""The scikit-learn transformer and the top-level extraction API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import hms_features
from hms_features.constants import EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features.transformer import FeatureExtractor


def windows(n: int, seed: int = 0) -> np.ndarray:
    """``n`` raw windows (n, 10000, 20) float32: noise with a per-window alpha rhythm."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW_SAMPLES) / FS
    x = rng.normal(0.0, 15.0, (n, WINDOW_SAMPLES, len(EEG_CHANNELS)))
    x += 20.0 * np.sin(2 * np.pi * rng.uniform(6, 12, (n, 1, 1)) * t[None, :, None])
    return x.astype(np.float32)


def test_transform_equals_extract_window_row_by_row() -> None:
    X = windows(3)
    ext = FeatureExtractor().fit(X)
    out = ext.transform(X)
    names = ext.get_feature_names_out()
    assert out.shape == (3, len(hms_features.feature_names())) and out.dtype == np.float64
    assert list(names) == list(hms_features.feature_names())
    for i in range(3):
        row = hms_features.extract_window(X[i])
        assert isinstance(row, pd.Series) and list(row.index) == list(names)
        np.testing.assert_array_equal(out[i], row.to_numpy())


def test_parallel_transform_equals_serial() -> None:
    X = windows(5, seed=2)
    serial = FeatureExtractor(families=("time", "spectral")).fit(X).transform(X)
    parallel = FeatureExtractor(families=("time", "spectral"), n_jobs=2).fit(X).transform(X)
    np.testing.assert_array_equal(parallel, serial)


def test_family_subset_and_sklearn_conventions() -> None:
    X = windows(2, seed=1)
    ext = FeatureExtractor(families=("hjorth", "spectral"))
    assert clone(ext).get_params() == {"fs": FS, "families": ("hjorth", "spectral"), "n_jobs": 1}
    out = ext.fit_transform(X)
    names = ext.get_feature_names_out()
    assert out.shape[1] == len(names) < 500
    assert {hms_features.describe_feature(n).split(":")[0] for n in names} >= {"Hjorth mobility"}
    full = FeatureExtractor().fit(X).transform(X)
    all_names = list(hms_features.feature_names())
    np.testing.assert_array_equal(out, full[:, [all_names.index(n) for n in names]])
    # it composes with scikit-learn estimators
    pipe = make_pipeline(FeatureExtractor(families=("hjorth",)), StandardScaler())
    scaled = pipe.fit_transform(X)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-9)


def test_bad_input_and_unfitted_use_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"\(n_windows, n_samples, 20\)"):
        FeatureExtractor().fit(np.zeros((2, 10_000, 19)))
    with pytest.raises(RuntimeError, match="not fitted"):
        FeatureExtractor().transform(windows(1))
    with pytest.raises(RuntimeError, match="not fitted"):
        FeatureExtractor().get_feature_names_out()
    with pytest.raises(KeyError, match="unknown feature family 'nonsense'"):
        FeatureExtractor(families=("nonsense",)).fit(windows(1))
    with pytest.raises(ValueError, match="channel order"):
        hms_features.extract_window(np.zeros((10_000, 18)))
    # the features are declared for 200 Hz windows: another rate is refused, not misread
    with pytest.raises(ValueError, match="resample the EEG to 200 Hz first.*got fs=256"):
        hms_features.extract_window(np.zeros((12_800, 20)), fs=256.0)


def test_feature_order_does_not_depend_on_import_order():
    """A process that imported a family module first (here: the last family, re-registered at
    the front) still names the columns in the canonical order, as a fresh worker does."""
    import subprocess
    import sys

    code = (
        "import hms_features.features.spectrogram_stats, hms_features.features.periodicity\n"
        "from hms_features.features.extractor import feature_names\n"
        "print(feature_names()[0], feature_names()[-1], len(feature_names()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    from hms_features.features.extractor import feature_names

    names = feature_names()
    assert out.stdout.split() == [names[0], names[-1], str(len(names))]
