"""Patient-grouped folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import synthetic_training_table

from hms_features.model.cv import check_grouped, make_folds


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return synthetic_training_table(n_rows=900, n_features=4, seed=11)[1]


def test_folds_never_share_a_patient(labels):
    folds = make_folds(labels, n_folds=5, seed=0)
    assert set(np.unique(folds)) == set(range(5))
    per_patient = pd.Series(folds).groupby(labels["patient_id"].to_numpy()).nunique()
    assert (per_patient == 1).all()
    check_grouped(folds, labels["patient_id"].to_numpy())


def test_folds_are_deterministic_for_a_seed(labels):
    a = make_folds(labels, n_folds=5, seed=7)
    b = make_folds(labels, n_folds=5, seed=7)
    c = make_folds(labels, n_folds=5, seed=8)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


def test_folds_are_stratified_where_possible(labels):
    folds = make_folds(labels, n_folds=3, seed=0)
    share = pd.crosstab(folds, labels["expert_consensus"].to_numpy(), normalize="index")
    overall = labels["expert_consensus"].value_counts(normalize=True)
    assert (share - overall).abs().max().max() < 0.12


def test_too_few_patients_is_a_clear_error(labels):
    few = labels[labels["patient_id"].isin(labels["patient_id"].unique()[:3])]
    with pytest.raises(ValueError, match="at least 5 distinct patient_id"):
        make_folds(few, n_folds=5)


def test_check_grouped_detects_a_shared_patient():
    with pytest.raises(ValueError, match="more than one fold"):
        check_grouped(np.array([0, 1, 1]), np.array([9, 9, 8]))
