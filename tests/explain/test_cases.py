"""Loading review cases from a Kaggle-layout folder (the genuine sample files): the window, the
spectrogram (recomputed when its file is missing), the factory's features, errors that name the
problem."""

from __future__ import annotations

import numpy as np
import pytest

from hms_features.explain.cases import EEGNotFoundError, check_eeg_ids, load_case


def test_load_case_genuine_train_with_missing_spectrogram(hms_samples):
    case = load_case(hms_samples, 1000913311, "train")
    assert case.window.shape == (10000, 20) and case.spectrogram.shape == (300, 400)
    assert case.spectrogram_recomputed and "175871552" in case.spectrogram_note
    assert case.features["global__spectrogram_recomputed"].iloc[0] == 1.0
    assert case.votes.tolist() == [0, 0, 0, 0, 0, 2]
    # the factory's own features for the same row
    from hms_features.factory import extract_features

    table = extract_features(hms_samples, "train", progress=False)
    row = table[(table.eeg_id == 1000913311) & (table.eeg_sub_id == 0)]
    cols = [c for c in row.columns if c not in ("eeg_id", "eeg_sub_id")]
    np.testing.assert_array_equal(
        case.features[cols].to_numpy(np.float32), row[cols].to_numpy(np.float32)
    )


def test_load_case_errors_name_the_problem(hms_samples):
    with pytest.raises(KeyError, match="eeg_id 42 is not in"):
        load_case(hms_samples, 42, "train")
    with pytest.raises(EEGNotFoundError, match="in train.csv: pass --split train"):
        check_eeg_ids(hms_samples, [1628180742], "test")
    with pytest.raises(KeyError, match="no eeg_sub_id 99"):
        load_case(hms_samples, 1628180742, "train", sub_id=99)
