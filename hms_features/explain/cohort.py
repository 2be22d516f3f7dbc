"""Cohort views: which clinical concepts drive each class over many EEGs; do they tell the story.

From the training features (out of fold when the model folder has ``oof.parquet``: each row is
explained by the fold model that did not train on it), per class:

- the mean |SHAP| of each concept group (``delta@right``, ``lateralization``, ...: the SHAP
  values of a group's features summed per window, :mod:`hms_features.explain.concepts`), as a
  bar chart and in ``concept_importance.csv``;
- a beeswarm of the concept groups (one dot per EEG window: the group's summed contribution);
- behind them, the top features (beeswarm and mean |SHAP|) and a heat map of feature families.

:func:`clinical_story` checks that the explanations say what the ACNS definitions say the
patterns are: lateralization among the leading concepts of the lateralized patterns (LPD,
LRDA), periodic discharges for LPD and GPD, delta activity for the rhythmic delta patterns
(LRDA, GRDA) and evolution for seizures. Each claim names one of the ten base concepts of
:data:`hms_features.features.concepts.CONCEPTS` and holds when that concept ranks within the
class's top three of the ten.

The pages and tables that ``hms cohort`` writes from these views are
:mod:`hms_features.explain.cohort_report`'s.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.errors import HMSWarning
from hms_features.explain import concepts as cv
from hms_features.explain.shap_values import (
    ShapResult,
    compute_shap,
    feature_info,
    sum_by_group,
)
from hms_features.features.concepts import CONCEPTS, base_concept

#: Rows explained at most (a seeded sample of the training rows beyond that).
DEFAULT_MAX_ROWS: int = 3000


# --------------------------------------------------------------------------- computing


def oof_folds(model_dir: str | Path, features: pd.DataFrame, n_boosters: int) -> np.ndarray | None:
    """The out-of-fold fold number of each feature row, from ``<model_dir>/oof.parquet``.

    Returns None when the file is absent, lacks a ``fold`` column, does not cover every row
    (matched on ``eeg_id``, ``eeg_sub_id``) or names folds the model has no booster for.
    """
    path = Path(model_dir) / "oof.parquet"
    keys = ["eeg_id", "eeg_sub_id"]
    if not path.is_file() or not set(keys) <= set(features.columns):
        return None
    oof = pd.read_parquet(path)
    if "fold" not in oof.columns or not set(keys) <= set(oof.columns):
        return None
    folds = oof[[*keys, "fold"]].drop_duplicates(keys)
    merged = features[keys].merge(folds, on=keys, how="left")
    if merged["fold"].isna().any():
        return None
    out = merged["fold"].to_numpy(dtype=np.int64)
    if out.min() < 0 or out.max() >= n_boosters:
        return None
    return out


def sample_rows(features: pd.DataFrame, max_rows: int | None, seed: int = 0) -> pd.DataFrame:
    """At most ``max_rows`` rows, a seeded random sample in original order."""
    if max_rows is None or len(features) <= max_rows:
        return features
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(features), size=int(max_rows), replace=False))
    return features.iloc[keep]


def cohort_shap(
    model,
    features: pd.DataFrame,
    model_dir: str | Path | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    seed: int = 0,
) -> ShapResult:
    """SHAP values of every class over (a sample of) the training rows.

    Out-of-fold when ``model_dir`` holds ``oof.parquet`` covering the rows, else the fold mean.
    """
    rows = sample_rows(features, max_rows, seed)
    folds = oof_folds(model_dir, rows, len(model.boosters)) if model_dir is not None else None
    return compute_shap(model, rows, folds=folds)


def mean_abs_shap(result: ShapResult) -> pd.DataFrame:
    """Mean |SHAP| of each feature (rows) for each class (columns), log-odds units."""
    return pd.DataFrame(
        np.abs(result.values).mean(axis=0).T, index=result.feature_names, columns=result.classes
    )


def class_means(values: np.ndarray, votes: np.ndarray | None = None) -> np.ndarray:
    """Mean over rows of ``values`` (n_rows, n_classes, n_items) per class -> (n_classes, n_items).

    With ``votes`` (n_rows, n_classes; counts or fractions) each class's mean is weighted by the
    rows' share of votes for that class, ``sum_i y_ik v_ikj / sum_i y_ik``; a class without any
    vote gets the plain mean.
    """
    v = np.asarray(values, dtype=np.float64)
    plain = v.mean(axis=0)
    if votes is None:
        return plain
    y = np.asarray(votes, dtype=np.float64)
    if y.shape != v.shape[:2]:
        raise ValueError(f"votes must be (n_rows, n_classes) = {v.shape[:2]}; got {y.shape}")
    y = y / np.maximum(y.sum(axis=1, keepdims=True), 1e-12)
    weight = y.sum(axis=0)
    weighted = np.einsum("nk,nkj->kj", y, v) / np.where(weight > 0, weight, 1.0)[:, None]
    return np.where((weight > 0)[:, None], weighted, plain)


def vote_weighted_abs_shap(result: ShapResult, votes: np.ndarray) -> pd.DataFrame:
    """Mean |SHAP| of each feature for each class over the windows the experts gave that class.

    ``I_kf = sum_i y_ik |phi_ikf| / sum_i y_ik`` with ``y_ik`` the share of row i's votes for
    class k: what drives the prediction of LPD on the windows called LPD (rather than over all
    windows, where the features that say "clearly not LPD" dominate). A class without votes gets
    the plain mean.

    Parameters
    ----------
    result : ShapResult
    votes : array (n_rows, n_classes)
        Vote counts or fractions of the explained rows, in the result's row order.
    """
    table = class_means(np.abs(result.values), votes)
    return pd.DataFrame(table.T, index=result.feature_names, columns=result.classes)


def row_votes(features: pd.DataFrame, labels: pd.DataFrame) -> np.ndarray | None:
    """Vote counts (n, 6) of feature rows, matched on ``eeg_id, eeg_sub_id``; None if any is
    missing."""
    from hms_features.constants import VOTE_COLUMNS

    keys = ["eeg_id", "eeg_sub_id"]
    if not set(keys) <= set(features.columns):
        return None
    merged = features[keys].merge(
        labels[[*keys, *VOTE_COLUMNS]].drop_duplicates(keys), on=keys, how="left"
    )
    if merged[list(VOTE_COLUMNS)].isna().any().any():
        return None
    return merged[list(VOTE_COLUMNS)].to_numpy(dtype=np.float64)


def families_of(names: list[str]) -> pd.Series:
    """Feature -> family (declarations), ``'unknown'`` where none is declared."""
    return feature_info(names)["family"]


def family_importance(result: ShapResult, families: pd.Series | None = None) -> pd.DataFrame:
    """Mean over rows of ``|sum of a family's SHAP values|``: families (rows) x classes.

    Sorted by the total over classes, largest first.
    """
    names = result.feature_names
    fam = families if families is not None else families_of(names)
    labels = fam.reindex(names).fillna("unknown").to_numpy()
    uniq, member = np.unique(labels.astype(str), return_inverse=True)  # families, sorted
    grouped = sum_by_group(result.values, member, len(uniq))  # summed SHAP per family
    table = pd.DataFrame(np.abs(grouped).mean(axis=0).T, index=uniq, columns=result.classes)
    return table.loc[table.sum(axis=1).sort_values(ascending=False).index]


# --------------------------------------------------------------------------- concepts


def concept_importance(
    cs: cv.ConceptShap, classes, votes: np.ndarray | None = None
) -> pd.DataFrame:
    """Mean |summed SHAP| per concept group (rows, ``cs.groups`` order) and class (columns).

    Vote-weighted per class with ``votes`` (:func:`class_means`).
    """
    table = class_means(np.abs(cs.values), votes)
    return pd.DataFrame(table.T, index=cs.groups, columns=list(classes))


def base_concept_shap(cs: cv.ConceptShap) -> np.ndarray:
    """SHAP summed per base concept: (n_rows, n_classes, 10), columns in :data:`CONCEPTS` order.

    A base concept's value in a row is the sum of its located groups' (``delta@left`` +
    ``delta@right`` + ``delta@head``), i.e. of all its features'. Undeclared model columns
    (group ``'other'``) belong to no base concept; a concept without a model feature is zero.
    """
    bases = list(CONCEPTS)
    out = np.zeros((*cs.values.shape[:2], len(bases)))
    for j, group in enumerate(cs.groups):
        if group != cv.OTHER:
            out[:, :, bases.index(base_concept(group))] += cs.values[:, :, j]
    return out


def base_concept_importance(
    cs: cv.ConceptShap, classes, votes: np.ndarray | None = None
) -> pd.DataFrame:
    """Mean over rows of ``|sum of a base concept's SHAP values|``: 10 concepts x classes.

    The sum runs over the concept's located groups in each row first, then the absolute value,
    then the (vote-weighted, with ``votes``) mean over rows. Rows in :data:`CONCEPTS` order.
    """
    table = class_means(np.abs(base_concept_shap(cs)), votes)
    return pd.DataFrame(table.T, index=list(CONCEPTS), columns=list(classes))


# --------------------------------------------------------------------------- clinical story


@dataclass(frozen=True)
class StoryClaim:
    """A clinical expectation: a base concept among the leading concepts of a class."""

    cls: str
    concept: str
    why: str


CLAIMS: tuple[StoryClaim, ...] = (
    StoryClaim("LPD", "lateralization", "lateralized: one hemisphere"),
    StoryClaim("LRDA", "lateralization", "lateralized: one hemisphere"),
    StoryClaim("LPD", "periodic_discharges", "discharges repeating every 0.5-3 s"),
    StoryClaim("GPD", "periodic_discharges", "discharges repeating every 0.5-3 s"),
    StoryClaim("LRDA", "delta", "rhythmic 0.5-4 Hz activity"),
    StoryClaim("GRDA", "delta", "rhythmic 0.5-4 Hz activity"),
    StoryClaim("Seizure", "evolution", "evolves in frequency/amplitude/location"),
)

#: Rank limit of the clinical checks, out of the ten base concepts.
STORY_TOP_N: int = 3


def clinical_story(
    result: ShapResult,
    top_n: int = STORY_TOP_N,
    votes: np.ndarray | None = None,
    claims: tuple[StoryClaim, ...] = CLAIMS,
    concepts: cv.ConceptShap | None = None,
) -> pd.DataFrame:
    """Check that each class's leading concepts include the one its definition calls for.

    The ten base concepts (:data:`~hms_features.features.concepts.CONCEPTS`) are ranked per
    class by :func:`base_concept_importance`: the mean over rows of |the class's SHAP values
    summed over all the concept's features|. A claim holds when its concept ranks within the
    top ``top_n``. The default 3 of 10: the ACNS definition of each pattern rests on two or
    three ideas (LPD: lateralized, periodic, sharp; LRDA: lateralized, rhythmic, delta), so the
    concept a definition names should be among the model's first three; a looser limit would
    pass half the vocabulary. One claim alone still holds by chance 3 times in 10 (a random
    ranking), so it is the seven checks together that carry the evidence.

    Parameters
    ----------
    result : ShapResult
    top_n : int
        Rank limit out of the ten base concepts.
    votes : array (n_rows, n_classes), optional
        Votes of the explained rows: the means are then weighted by each row's share of votes
        for the class (what drives LPD on the windows the experts called LPD).
    concepts : ConceptShap, optional
        :func:`hms_features.explain.concepts.concept_shap` of ``result`` if already computed.

    Returns
    -------
    DataFrame
        One row per claim: ``class``; ``group`` (the base concept's key); ``concept_label``;
        ``why``; ``n_features`` (of the concept in the model); ``best_group`` (the concept's
        located group of largest mean |SHAP|); ``best_feature`` (its feature of largest mean
        |SHAP|); ``rank`` (1-10, 1 = the class's leading concept; NaN if the concept has no
        feature or none with any effect); ``mean_abs_shap`` (the ranked value, log-odds);
        ``passed``.
    """
    cs = concepts if concepts is not None else cv.concept_shap(result)
    classes = list(result.classes)
    bases = base_concept_importance(cs, classes, votes)
    groups = concept_importance(cs, classes, votes)
    feats = pd.DataFrame(
        class_means(np.abs(result.values), votes).T, index=result.feature_names, columns=classes
    )
    base_of_group = pd.Series([base_concept(g) for g in cs.groups], index=cs.groups)
    base_of_feature = base_of_group.to_numpy()[cs.membership]
    base_of_feature[np.array(cs.groups)[cs.membership] == cv.OTHER] = cv.OTHER
    rows = []
    for claim in claims:
        if claim.concept not in CONCEPTS:
            raise KeyError(f"claim for {claim.cls}: unknown concept {claim.concept!r}")
        col = bases[claim.cls]
        ranked = col.sort_values(ascending=False, kind="stable")
        rank_of = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index)
        in_group = [g for g in cs.groups if g != cv.OTHER and base_of_group[g] == claim.concept]
        members = feats.index[base_of_feature == claim.concept]
        value = float(col[claim.concept])
        used = len(members) > 0 and value > 0
        best_group = str(groups.loc[in_group, claim.cls].idxmax()) if used else ""
        best_feature = ""
        if used and feats.loc[members, claim.cls].max() > 0:
            best_feature = str(feats.loc[members, claim.cls].idxmax())
        rank = int(rank_of[claim.concept]) if used else np.nan
        rows.append(
            {
                "class": claim.cls,
                "group": claim.concept,
                "concept_label": CONCEPTS[claim.concept].label,
                "why": claim.why,
                "n_features": len(members),
                "best_group": best_group,
                "best_feature": best_feature,
                "rank": rank,
                "mean_abs_shap": value,
                "passed": bool(used) and rank <= top_n,
            }
        )
    return pd.DataFrame(rows)


def top_concepts(table: pd.DataFrame, n: int = STORY_TOP_N) -> dict[str, list[str]]:
    """The ``n`` leading concepts of each class (column) of an importance table."""
    return {
        c: list(table[c].sort_values(ascending=False, kind="stable").index[:n])
        for c in table.columns
    }


# --------------------------------------------------------------------------- views


def leading_features(
    result: ShapResult, cs: cv.ConceptShap, k: int, importance: pd.DataFrame | None = None
) -> list[str]:
    """Per group of ``cs``, the member feature of largest mean |SHAP| for class ``k`` ('' if
    none has any effect)."""
    imp = (
        importance.iloc[:, k].to_numpy()
        if importance is not None
        else np.abs(result.values[:, k, :]).mean(axis=0)
    )
    out = []
    for j in range(len(cs.groups)):
        members = np.flatnonzero(cs.membership == j)
        best = members[np.argmax(imp[members])] if len(members) else None
        out.append(result.feature_names[best] if best is not None and imp[best] > 0 else "")
    return out


@dataclass
class CohortViews:
    """Everything the cohort pages show.

    Attributes
    ----------
    result : ShapResult
        SHAP values of the explained training windows.
    concepts : ConceptShap
        The same summed per concept group.
    concept_table : DataFrame
        Mean |summed SHAP| per concept group (rows, vocabulary order) and class, over all
        explained windows (:func:`concept_importance`).
    base_table : DataFrame
        The ten base concepts x classes, :func:`base_concept_importance`: vote-weighted when
        labels are given (the ranking of the clinical checks), else over all windows.
    importance : DataFrame
        Mean |SHAP| per feature (rows) and class (columns) over all explained windows.
    importance_votes : DataFrame or None
        The same over the windows the experts gave each class (vote-weighted,
        :func:`vote_weighted_abs_shap`); None without labels.
    families : Series
        Feature -> family.
    family_table : DataFrame
        Families x classes, :func:`family_importance`.
    story : DataFrame
        :func:`clinical_story`, vote-weighted when labels are given, with the rank over all
        windows in ``rank_all_rows``.
    story_top_n : int
        Rank limit of the clinical checks (out of the ten base concepts).
    """

    result: ShapResult
    concepts: cv.ConceptShap
    concept_table: pd.DataFrame
    base_table: pd.DataFrame
    importance: pd.DataFrame
    importance_votes: pd.DataFrame | None
    families: pd.Series
    family_table: pd.DataFrame
    story: pd.DataFrame
    story_top_n: int = STORY_TOP_N


def cohort_views(
    model,
    features: pd.DataFrame,
    model_dir: str | Path | None = None,
    labels: pd.DataFrame | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    top_n: int = STORY_TOP_N,
    seed: int = 0,
) -> CohortViews:
    """Explain (a sample of) the training windows and summarise per class, concept and family.

    Parameters
    ----------
    model : TrainedModel
    features : DataFrame
        Training features (``eeg_id``, ``eeg_sub_id`` and the model's features).
    model_dir : path, optional
        The model folder: its ``oof.parquet`` makes the explanations out of fold.
    labels : DataFrame, optional
        ``train.csv`` rows: the clinical checks then rank the concepts by their effect on the
        windows the experts gave each class (vote-weighted means).
    max_rows : int, optional
        Explain at most this many windows (seeded sample).
    top_n : int
        Rank limit of the clinical checks, out of the ten base concepts (see
        :func:`clinical_story`).
    """
    result = cohort_shap(model, features, model_dir, max_rows, seed)
    cs = cv.concept_shap(result)
    fam = families_of(result.feature_names)
    importance = mean_abs_shap(result)
    votes = None
    if labels is not None:
        votes = row_votes(features.loc[result.data.index], labels)
        if votes is None:
            warnings.warn(
                HMSWarning(
                    "some explained windows have no label row in train.csv (matched on eeg_id, "
                    "eeg_sub_id): the clinical checks rank the concepts over all windows"
                ),
                stacklevel=2,
            )
    importance_votes = vote_weighted_abs_shap(result, votes) if votes is not None else None
    story = clinical_story(result, top_n, votes, concepts=cs)
    overall = clinical_story(result, top_n, None, concepts=cs) if votes is not None else story
    story["rank_all_rows"] = overall["rank"].to_numpy()
    return CohortViews(
        result=result,
        concepts=cs,
        concept_table=concept_importance(cs, result.classes),
        base_table=base_concept_importance(cs, result.classes, votes),
        importance=importance,
        importance_votes=importance_votes,
        families=fam,
        family_table=family_importance(result, fam),
        story=story,
        story_top_n=top_n,
    )


def concept_csv(views: CohortViews) -> pd.DataFrame:
    """``concept_importance.csv``: one row per concept group (``group``, ``label``,
    ``concept``, ``n_features``, then the mean |summed SHAP| of each class over all windows)."""
    table = views.concept_table
    front = pd.DataFrame(
        {
            "group": table.index,
            "label": [cv.label(g) for g in table.index],
            "concept": [base_concept(g) for g in table.index],
            "n_features": views.concepts.n_features,
        }
    )
    return pd.concat([front, table.reset_index(drop=True)], axis=1)
