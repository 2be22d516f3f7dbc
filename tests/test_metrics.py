"""The competition metric against an independent computation and its validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import rel_entr

from hms_features.constants import VOTE_COLUMNS
from hms_features.metrics import kl_divergence, kl_divergence_rows


def _random_case(rng: np.random.Generator, n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    votes = rng.integers(0, 6, size=(n, 6))
    votes[votes.sum(axis=1) == 0, 0] = 1
    votes[rng.random(n) < 0.3] *= 0  # many zero targets: one-hot rows
    votes[votes.sum(axis=1) == 0, rng.integers(0, 6)] = 3
    pred = rng.dirichlet(np.ones(6), size=n)
    pred[:5, 2] = 0.0  # zero predictions must be clipped, not crash
    pred[:5] /= pred[:5].sum(axis=1, keepdims=True)
    return votes, pred


def test_matches_scipy_rel_entr(rng):
    votes, pred = _random_case(rng)
    y = votes / votes.sum(axis=1, keepdims=True)
    expected = rel_entr(y, np.clip(pred, 1e-15, 1 - 1e-15)).sum(axis=1).mean()
    assert kl_divergence(votes, pred) == pytest.approx(expected, rel=1e-12)
    assert kl_divergence_rows(votes, pred).shape == (len(votes),)


def test_accepts_dataframes_and_counts_equal_probabilities(rng):
    votes, pred = _random_case(rng, 50)
    probs = votes / votes.sum(axis=1, keepdims=True)
    df_true = pd.DataFrame(votes, columns=list(VOTE_COLUMNS)).assign(eeg_id=np.arange(50))
    df_pred = pd.DataFrame(pred, columns=list(VOTE_COLUMNS))
    assert kl_divergence(df_true, df_pred) == pytest.approx(kl_divergence(probs, pred))


def test_perfect_prediction_scores_zero_and_constant_prior_is_positive():
    votes = np.array([[3, 0, 0, 0, 0, 1], [0, 2, 2, 0, 0, 0]])
    probs = votes / votes.sum(axis=1, keepdims=True)
    assert kl_divergence(votes, probs) == pytest.approx(0.0, abs=1e-12)
    prior = np.tile(probs.mean(axis=0), (2, 1))
    assert kl_divergence(votes, prior) > 0.1


def test_zero_prediction_for_a_voted_class_is_clipped_not_infinite():
    score = kl_divergence([[1, 0, 0, 0, 0, 0]], [[0, 0.2, 0.2, 0.2, 0.2, 0.2]])
    assert score == pytest.approx(-np.log(1e-15))


@pytest.mark.parametrize(
    ("pred", "message"),
    [
        ([[0.5, 0.5, 0.5, 0, 0, 0]], "sum to 1"),
        ([[1.2, -0.2, 0, 0, 0, 0]], r"\[0, 1\]"),
        ([[np.nan, 1, 0, 0, 0, 0]], "non-finite"),
        ([[0.5, 0.5, 0, 0, 0]], "shape"),
    ],
)
def test_prediction_validation(pred, message):
    with pytest.raises(ValueError, match=message):
        kl_divergence([[1, 1, 0, 0, 0, 0]], pred)


@pytest.mark.parametrize(
    ("true", "message"),
    [([[0, 0, 0, 0, 0, 0]], "no votes"), ([[-1, 2, 0, 0, 0, 0]], "negative")],
)
def test_target_validation(true, message):
    with pytest.raises(ValueError, match=message):
        kl_divergence(true, [[0.5, 0.5, 0, 0, 0, 0]])


def test_row_count_mismatch_and_missing_columns():
    with pytest.raises(ValueError, match="rows"):
        kl_divergence([[1, 0, 0, 0, 0, 0]] * 2, [[1, 0, 0, 0, 0, 0]])
    with pytest.raises(ValueError, match="lacks column"):
        kl_divergence(pd.DataFrame({"seizure_vote": [1]}), [[1, 0, 0, 0, 0, 0]])
