"""Tests of the simulated raters (hms_features.synth.panel): how they disagree, beside the IIIC
study's published table (HMS.md, "How experts disagree")."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES, VOTE_COLUMNS
from hms_features.synth import simulate_kaggle_labels, simulate_labels
from hms_features.synth.panel import (
    IIIC_MAJORITY_SHARE,
    IIIC_PAIRWISE,
    READ_AS,
    majority_share,
    pairwise_agreement,
    perceived,
    unanimous_fraction,
)
from hms_features.synth.states import GPD, GRDA, LPD, LRDA, OTHER, SEIZURE


def high_vote_rows(labels: pd.DataFrame, min_votes: int = 10) -> np.ndarray:
    votes = labels[list(VOTE_COLUMNS)].to_numpy()
    return votes[votes.sum(axis=1) >= min_votes]


@pytest.fixture(scope="module")
def kaggle_votes() -> np.ndarray:
    """Votes of the rows with >= 10 votes, Kaggle structure at 1/10 size (~4,000 rows)."""
    return high_vote_rows(simulate_kaggle_labels(seed=0, n_patients=195))


@pytest.fixture(scope="module")
def demo_votes() -> np.ndarray:
    """Votes of the rows with >= 10 votes, demo structure (~1,700 rows)."""
    return high_vote_rows(simulate_labels(seed=7, n_patients=400))


# ---------------------------------------------------------------------------------------------
# the measures, on hand-made votes


def test_pairwise_agreement_counts_ordered_pairs_of_distinct_raters() -> None:
    votes = np.array(
        [
            [2, 0, 1, 0, 0, 0],  # raters: S S G
            [0, 3, 0, 0, 0, 1],  # L L L O
            [0, 0, 0, 0, 0, 1],  # one rater: no pair
            [1, 0, 0, 0, 1, 1],  # S D O
        ]
    )
    pairs = np.zeros((6, 6))
    for row in votes:
        raters = np.repeat(np.arange(6), row)
        for a, b in itertools.permutations(range(raters.size), 2):
            pairs[raters[a], raters[b]] += 1
    with np.errstate(invalid="ignore"):
        expected = pairs / pairs.sum(axis=1, keepdims=True)
    table = pairwise_agreement(votes)
    assert list(table.index) == list(CLASSES) and list(table.columns) == list(CLASSES)
    np.testing.assert_allclose(table.to_numpy()[[0, 1, 2, 4, 5]], expected[[0, 1, 2, 4, 5]])
    assert table.loc["LRDA"].isna().all()  # nobody said LRDA
    # Seizure: pairs S-S 2, S-G 2, S-D 1, S-O 1
    np.testing.assert_allclose(table.loc["Seizure"], [2 / 6, 0, 2 / 6, 0, 1 / 6, 1 / 6])


def test_majority_share_and_unanimous_fraction() -> None:
    votes = np.array(
        [[3, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 4], [1, 0, 0, 0, 0, 1], [0, 0, 1, 0, 0, 0]]
    )
    share = majority_share(votes)
    assert share["Seizure"] == pytest.approx((0.75 + 0.5) / 2)  # a tie goes to the first class
    assert share["Other"] == 1.0 and share["GPD"] == 1.0 and np.isnan(share["LPD"])
    assert unanimous_fraction(votes) == 0.5


def test_read_as_is_a_kernel_and_keeps_mixtures_normalised() -> None:
    np.testing.assert_allclose(READ_AS.sum(axis=1), 1.0)
    assert (READ_AS >= 0).all()
    pi = np.random.default_rng(0).dirichlet(np.ones(6), 10)
    np.testing.assert_allclose(perceived(pi).sum(axis=1), 1.0)


# ---------------------------------------------------------------------------------------------
# the generator's raters disagree as the IIIC raters did


def test_pairwise_table_has_the_iiic_structure(kaggle_votes: np.ndarray) -> None:
    table = pairwise_agreement(kaggle_votes).to_numpy()
    off = table - np.diag(np.diag(table))

    def top_confusions(cls: int, k: int) -> set[int]:
        return set(np.argsort(off[cls])[::-1][:k].tolist())

    # a seizure call's partner says GPD more often than seizure
    assert table[SEIZURE, GPD] > table[SEIZURE, SEIZURE]
    # rhythmic delta is confused mostly with Other; LPD with Other and LRDA; GPD with seizure
    # and Other; Other is read as LRDA and GRDA
    assert top_confusions(LRDA, 1) == {OTHER} and top_confusions(GRDA, 1) == {OTHER}
    assert top_confusions(LPD, 2) == {OTHER, LRDA}
    assert top_confusions(GPD, 2) <= {SEIZURE, OTHER, GRDA}
    assert top_confusions(OTHER, 2) == {LRDA, GRDA}
    # real raters disagree a lot: no class keeps more than ~2/3 of its partners
    assert (np.diag(table) < 0.7).all() and (np.diag(table) > 0.15).all()
    # every cell within 17 percentage points of the published table (13 when READ_AS was
    # fitted; since the seizures' schedule changed, more LPD windows are seizure-free stretches
    # of seizure recordings, and LPD's agreement with itself is 46% against the IIIC's 62%)
    assert np.abs(table - IIIC_PAIRWISE).max() < 0.17, (100 * (table - IIIC_PAIRWISE)).round(1)


@pytest.mark.parametrize("structure", ["kaggle", "demo"])
def test_majority_shares_and_unanimity_follow_the_iiic_study(
    structure: str, kaggle_votes: np.ndarray, demo_votes: np.ndarray
) -> None:
    votes = kaggle_votes if structure == "kaggle" else demo_votes
    share = majority_share(votes).to_numpy()
    # IIIC: 0.55 (seizure) to 0.73 (LPD)
    np.testing.assert_array_less(np.abs(share - IIIC_MAJORITY_SHARE), 0.1)
    # IIIC: unanimous segments are rare (0-13%)
    assert unanimous_fraction(votes) < 0.1
