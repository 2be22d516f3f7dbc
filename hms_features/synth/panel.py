"""A simulated panel of EEG experts who look at a window and vote, and disagree as in life.

A window's true mixture ``pi`` (six class proportions) is first seen as the page looks to any
expert: each pattern is read as one of the classes it is confused with, through the
row-stochastic kernel :data:`READ_AS` (``READ_AS[i, j]``: the share of a class-``i`` pattern
read as class ``j``; a generalized spike-and-wave seizure reads as GPD, rhythmic delta as
Other), giving the perceived mixture ``q = pi @ READ_AS``. Each rater ``r`` then votes for one
class, drawn from

``P(vote = c) = softmax_c( sharpness_r * log(q_c + 0.005) + bias_rc + noise_r * z_c + shared_c )``

- ``sharpness_r``: how decisively the rater follows what they perceive (1 votes in proportion
  to ``q``; reliable raters ~1.0-1.6, less reliable ~0.6-1.0);
- ``bias_rc``: a rater's lasting preference for or against some classes (N(0, 0.2));
- ``z_c``: fresh N(0, 1) per rater, row and class, scaled by the rater's noise (0.1-0.6);
- ``shared_c``: N(0, 0.2) per row and class, shared by the panel (how this window looked).

The disagreement thus has the structure of the IIIC study (HMS.md, "How experts disagree";
:data:`IIIC_PAIRWISE`): it comes from the kernel and from the mixtures themselves
(:mod:`hms_features.synth.states`: LPD shades into LRDA, anything into Other), and only a little
from the rater noise, which spreads votes over all classes alike. :data:`READ_AS` was fitted
once to :data:`IIIC_PAIRWISE` (least squares on the pairwise table predicted from the
generator's mixtures of windows with >= 10 votes, ``rownorm(READ_AS.T E[pi pi^T] READ_AS)``,
corrected a few times by simulation for the rater noise; confusions only between the pairs the
table shows; rounded to 0.01, then the diagonals of LPD and GPD raised a little after the class
priors were re-calibrated), never to the example figures. Measured on windows with >= 10 votes
(``benchmarks/rater_agreement.py``): on the Kaggle structure every cell of
:func:`pairwise_agreement` lies within about 10-13 percentage points of the IIIC table; the
demo structure's few large panels make its table noisier (its LPD and GPD diagonals run 45-60%
against 62-66%); the median majority share is 0.5-0.7 and about 1% of windows are unanimous.

Panel sizes mimic the competition: most windows were seen by a small panel (1-7 raters, median
3), some by a large one (10-28). The chance of a large panel depends on the class: seizures
were mostly reviewed by small panels, which is why Seizure is far more common among low-vote
rows than among high-vote rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES

#: Small panels: size 1..7 and their probabilities (median of all rows ~3).
SMALL_PANEL_SIZES = np.arange(1, 8)
SMALL_PANEL_P = np.array([0.14, 0.20, 0.50, 0.06, 0.05, 0.03, 0.02])
#: Large panels: size 10..28, probability decaying by e every 5 raters.
LARGE_PANEL_SIZES = np.arange(10, 29)
LARGE_PANEL_P = (
    np.exp(-(LARGE_PANEL_SIZES - 10) / 5.0) / np.exp(-(LARGE_PANEL_SIZES - 10) / 5.0).sum()
)
#: Chance that an EEG is reviewed by a large panel, by its primary class (CLASSES order).
P_LARGE_PANEL: np.ndarray = np.array([0.07, 0.49, 0.49, 0.49, 0.49, 0.49])

#: The IIIC study's pairwise table (HMS.md, "How experts disagree"): for a random pair of
#: raters on one segment, P(second says column | first says row), CLASSES order both ways.
#: The target of the rater model below, and of :func:`pairwise_agreement` on its votes.
IIIC_PAIRWISE: np.ndarray = 0.01 * np.array(
    [
        [28.2, 12.8, 43.1, 5.2, 3.2, 7.4],
        [4.6, 62.1, 7.1, 9.5, 2.0, 14.7],
        [12.9, 5.9, 66.1, 0.6, 4.1, 10.3],
        [2.7, 13.4, 1.1, 48.2, 8.2, 26.4],
        [1.7, 3.0, 7.6, 8.8, 47.8, 31.1],
        [2.4, 13.1, 11.0, 16.6, 18.3, 38.6],
    ]
)
#: The IIIC study's median share of the votes held by the majority class, by that class.
IIIC_MAJORITY_SHARE: np.ndarray = np.array([0.55, 0.73, 0.67, 0.58, 0.62, 0.58])

#: How each true pattern is read (rows: true class, columns: class read; rows sum to 1), in
#: CLASSES order. Seizure is read as GPD about a third of the time (generalized spike-and-wave
#: and GPD are a continuum) and GPD as Seizure a tenth; rhythmic delta as Other (LRDA 0.18,
#: GRDA 0.29), LRDA also as LPD or GRDA; Other as LRDA, LPD or GRDA. LPD's confusions with LRDA
#: and Other come mostly from its mixtures (:data:`~hms_features.synth.states.SECONDARY_WEIGHTS`
#: and the Other share of every pattern), so it is read almost as it is.
READ_AS: np.ndarray = np.array(
    [
        [0.64, 0.00, 0.36, 0.00, 0.00, 0.00],
        [0.00, 0.94, 0.00, 0.02, 0.00, 0.04],
        [0.10, 0.00, 0.90, 0.00, 0.00, 0.00],
        [0.00, 0.03, 0.00, 0.74, 0.05, 0.18],
        [0.00, 0.00, 0.00, 0.00, 0.71, 0.29],
        [0.00, 0.06, 0.00, 0.12, 0.02, 0.80],
    ]
)
#: Rater pool: share of reliable raters, and the ranges of sharpness and noise of reliable and
#: less reliable raters; standard deviation of the lasting class biases.
P_RELIABLE: float = 0.6
SHARPNESS_RELIABLE: tuple[float, float] = (1.0, 1.6)
SHARPNESS_OTHERS: tuple[float, float] = (0.6, 1.0)
NOISE_RELIABLE: tuple[float, float] = (0.1, 0.3)
NOISE_OTHERS: tuple[float, float] = (0.3, 0.6)
BIAS_SD: float = 0.2
#: Floor added to the perceived proportions before the log (a class nobody perceives still gets
#: the odd vote), and the standard deviation of the panel's shared per-window perception.
PERCEPTION_FLOOR: float = 0.005
SHARED_NOISE: float = 0.2


@dataclass(frozen=True)
class RaterPool:
    """The experts available to review windows.

    Attributes
    ----------
    sharpness : ndarray, shape (n_raters,)
        Inverse temperature applied to the log proportions.
    noise : ndarray, shape (n_raters,)
        Standard deviation of the rater's per-row perception noise on each class logit.
    bias : ndarray, shape (n_raters, 6)
        Lasting class preferences added to the logits.
    activity : ndarray, shape (n_raters,)
        Relative chance of being on a panel (sums to 1).
    """

    sharpness: np.ndarray
    noise: np.ndarray
    bias: np.ndarray
    activity: np.ndarray

    @property
    def n_raters(self) -> int:
        """Number of experts in the pool."""
        return int(self.sharpness.size)


def draw_rater_pool(rng: np.random.Generator, n_raters: int = 40) -> RaterPool:
    """A pool of raters: ~60% reliable, the rest less so, each with small class biases."""
    reliable = rng.random(n_raters) < P_RELIABLE
    sharpness = np.where(
        reliable,
        rng.uniform(*SHARPNESS_RELIABLE, n_raters),
        rng.uniform(*SHARPNESS_OTHERS, n_raters),
    )
    noise = np.where(
        reliable, rng.uniform(*NOISE_RELIABLE, n_raters), rng.uniform(*NOISE_OTHERS, n_raters)
    )
    bias = rng.normal(0.0, BIAS_SD, (n_raters, len(CLASSES)))
    activity = rng.gamma(2.0, 1.0, n_raters)
    return RaterPool(sharpness, noise, bias, activity / activity.sum())


def draw_panel(
    rng: np.random.Generator,
    pool: RaterPool,
    primary: int,
    p_large: np.ndarray | None = None,
) -> np.ndarray:
    """Indices of the raters who review one EEG (size 1-7 or 10-28, see the module docstring).

    ``p_large`` (6,) replaces :data:`P_LARGE_PANEL`, the chance of a large panel per primary
    class (the Kaggle-size structure calibrates its own, see :mod:`hms_features.synth.kaggle`).
    """
    p_large = P_LARGE_PANEL if p_large is None else p_large
    if rng.random() < p_large[primary]:
        size = int(rng.choice(LARGE_PANEL_SIZES, p=LARGE_PANEL_P))
    else:
        size = int(rng.choice(SMALL_PANEL_SIZES, p=SMALL_PANEL_P))
    size = min(size, pool.n_raters)
    return rng.choice(pool.n_raters, size=size, replace=False, p=pool.activity)


def perceived(mixtures: np.ndarray) -> np.ndarray:
    """How true mixtures look to the panel: ``q = pi @ READ_AS`` (rows still sum to 1).

    Examples
    --------
    >>> perceived(np.eye(6)[[0]]).round(2).tolist()  # a pure seizure window
    [[0.64, 0.0, 0.36, 0.0, 0.0, 0.0]]
    """
    return np.asarray(mixtures, dtype=float) @ READ_AS


def cast_votes(
    rng: np.random.Generator, pool: RaterPool, raters: np.ndarray, mixtures: np.ndarray
) -> np.ndarray:
    """Votes of a panel on several windows.

    Parameters
    ----------
    rng : numpy Generator
    pool : RaterPool
    raters : ndarray of int, shape (n_panel,)
        Panel members (indices into the pool).
    mixtures : ndarray, shape (n_windows, 6)
        True class proportions of each window (perceived through :data:`READ_AS`).

    Returns
    -------
    ndarray of int64, shape (n_windows, 6)
        Vote counts per class; each row sums to ``n_panel``.
    """
    mixtures = np.atleast_2d(mixtures)
    n_rows, n_classes = mixtures.shape
    log_q = np.log(perceived(mixtures) + PERCEPTION_FLOOR)  # (rows, classes)
    shared = rng.normal(0.0, SHARED_NOISE, (n_rows, n_classes))
    sharp = pool.sharpness[raters][:, None, None]
    noise = pool.noise[raters][:, None, None] * rng.standard_normal(
        (raters.size, n_rows, n_classes)
    )
    logits = sharp * log_q[None] + pool.bias[raters][:, None, :] + noise + shared[None]
    gumbel = rng.gumbel(size=logits.shape)
    choice = np.argmax(logits + gumbel, axis=2)  # (raters, rows): Gumbel-max = softmax sample
    votes = np.zeros((n_rows, n_classes), dtype=np.int64)
    np.add.at(votes, (np.broadcast_to(np.arange(n_rows), choice.shape), choice), 1)
    return votes


def consensus(votes: np.ndarray) -> np.ndarray:
    """Index of the class with most votes per row (ties: the first in CLASSES order)."""
    return np.argmax(np.atleast_2d(votes), axis=1)


# ---------------------------------------------------------------------------------------------
# how a panel disagrees, measured as the IIIC study measured it


def pairwise_agreement(votes: np.ndarray) -> pd.DataFrame:
    """P(a second rater says column | a first rater says row), over ordered pairs of raters.

    Every row (one window, ``v_c`` votes for class ``c``, ``n = sum_c v_c >= 2``) contributes
    each ordered pair of two distinct raters once: ``v_i v_j`` pairs to cell ``(i, j)`` for
    ``i != j`` and ``v_i (v_i - 1)`` to the diagonal. The pair counts are summed over rows and
    each row of the 6x6 table is normalised to sum to 1 (the table of HMS.md, "How experts
    disagree", from the IIIC study). Rows with fewer than 2 votes carry no pair.

    Parameters
    ----------
    votes : ndarray of int, shape (n_windows, 6)
        Vote counts in :data:`~hms_features.constants.CLASSES` order.

    Returns
    -------
    DataFrame, 6 x 6
        Index "first says", columns "second says", both CLASSES; a class no pair starts from
        has a row of NaN.

    Examples
    --------
    >>> t = pairwise_agreement(np.array([[2, 0, 1, 0, 0, 0]]))
    >>> t.loc["Seizure", ["Seizure", "GPD"]].tolist(), t.loc["GPD", ["Seizure", "GPD"]].tolist()
    ([0.5, 0.5], [1.0, 0.0])
    """
    v = np.atleast_2d(np.asarray(votes, dtype=float))
    pairs = v.T @ v - np.diag(v.sum(axis=0))  # sum over rows of v v^T - diag(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pairs / pairs.sum(axis=1, keepdims=True)
    return pd.DataFrame(table, index=list(CLASSES), columns=list(CLASSES))


def majority_share(votes: np.ndarray) -> pd.Series:
    """Median share of the votes held by the consensus class, per consensus class.

    ``share = max_c v_c / sum_c v_c`` of each row, grouped by :func:`consensus`; NaN for a
    class that is nobody's consensus.

    Examples
    --------
    >>> majority_share(np.array([[3, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 1]])).iloc[:2].tolist()
    [0.625, nan]
    """
    v = np.atleast_2d(np.asarray(votes, dtype=float))
    share = v.max(axis=1) / v.sum(axis=1)
    return (
        pd.Series(share)
        .groupby(consensus(v))
        .median()
        .reindex(range(len(CLASSES)))
        .set_axis(list(CLASSES))
    )


def unanimous_fraction(votes: np.ndarray) -> float:
    """Fraction of rows whose votes all go to one class."""
    v = np.atleast_2d(np.asarray(votes))
    return float((v.max(axis=1) == v.sum(axis=1)).mean())
