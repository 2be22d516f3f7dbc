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
"""

from __future__ import annotations

import base64
import html
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps

from hms_features.errors import HMSWarning
from hms_features.explain import concepts as cv
from hms_features.explain import plots
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


# --------------------------------------------------------------------------- concept figures

#: Concept groups per class in the bar chart and the beeswarm.
CONCEPTS_SHOWN: int = 12


def _base_colours() -> dict[str, tuple]:
    palette = colormaps["tab10"]
    colours = {b: palette(i % 10) for i, b in enumerate(CONCEPTS)}
    colours[cv.OTHER] = (0.55, 0.55, 0.55, 1.0)
    return colours


def _base_of(group: str) -> str:
    return cv.OTHER if group == cv.OTHER else base_concept(group)


def plot_concept_bar(importance: pd.Series, class_name: str, max_display: int = CONCEPTS_SHOWN):
    """Horizontal bars of the mean |summed SHAP| of the leading concept groups of one class.

    ``importance`` is indexed by group key; bars are labelled with :func:`concepts.label
    <hms_features.explain.concepts.label>` and coloured by base concept (the same colour on
    every page).
    """
    top = importance.sort_values(ascending=False, kind="stable").iloc[:max_display][::-1]
    colours = _base_colours()
    bases = [_base_of(g) for g in top.index]
    shown = [b for b in [*CONCEPTS, cv.OTHER] if b in set(bases)]
    return plots.plot_ranked_bars(
        top,
        [cv.label(g) for g in top.index],
        [colours[b] for b in bases],
        f"mean |summed SHAP| on the {class_name} raw score (log-odds)",
        f"{class_name}: most influential clinical concepts",
        {CONCEPTS[b].label if b in CONCEPTS else "other": colours[b] for b in shown},
        pad=1.5,
    )


def plot_concept_beeswarm(
    values: np.ndarray,
    groups: list[str],
    colour_data: pd.DataFrame,
    class_name: str,
    max_display: int = CONCEPTS_SHOWN,
):
    """Beeswarm of the concept groups of one class: one row per group, one dot per EEG window.

    Parameters
    ----------
    values : array (n_rows, n_groups)
        The class's SHAP values summed per group.
    groups : list of str
        Group keys of the columns; rows are the ``max_display`` groups of largest mean |SHAP|.
    colour_data : DataFrame (n_rows, n_groups)
        Per group, the values of its leading feature (columns named by that feature, in the
        order of ``groups``; an all-NaN column for a group without one): a dot's colour is the
        rank of that value in the cohort (blue low, red high, grey missing).
    """
    labels = []
    for group, lead in zip(groups, map(str, colour_data.columns)):
        labels.append(f"{cv.label(group)}\n({plots._short(lead, 40)})" if lead else cv.label(group))
    return plots.plot_beeswarm(
        values,
        colour_data,
        class_name,
        max_display,
        labels=labels,
        what="clinical concept",
        xlabel="summed SHAP of the concept's features",
        colour_label="value of the concept's leading feature (rank in cohort)",
    )


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


# --------------------------------------------------------------------------- page


def _img(fig, alt: str) -> str:
    data = base64.b64encode(plots.figure_png(fig)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px;
       color: #222; max-width: 1500px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 30px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; }
.ok { color: #1e7b34; font-weight: bold; } .fail { color: #b00020; font-weight: bold; }
.row { display: flex; gap: 20px; flex-wrap: wrap; align-items: flex-start; }
img { max-width: 100%; height: auto; } .meta { color: #555; font-size: 13px; }
nav a { margin-right: 12px; } summary { cursor: pointer; margin: 10px 0; }
"""


def _rank_text(rank: float) -> str:
    return "&ndash;" if not np.isfinite(rank) else f"{int(rank)}"


def _story_table(story: pd.DataFrame, top_n: int) -> str:
    has_all = "rank_all_rows" in story.columns
    n_bases = len(CONCEPTS)
    rows = []
    for r in story.to_dict("records"):
        ok = '<span class="ok">yes</span>' if r["passed"] else '<span class="fail">no</span>'
        best_group = cv.label(r["best_group"]) if r["best_group"] else ""
        rows.append(
            f"<tr><td>{html.escape(r['class'])}</td>"
            f"<td>{html.escape(r['concept_label'])}</td><td>{html.escape(r['why'])}</td>"
            f"<td class=num>{_rank_text(r['rank'])} / {n_bases}</td>"
            + (f"<td class=num>{_rank_text(r['rank_all_rows'])}</td>" if has_all else "")
            + f"<td class=num>{r['mean_abs_shap']:.3f}</td>"
            f"<td>{html.escape(best_group)}</td><td><code>{html.escape(r['best_feature'])}"
            f"</code></td><td class=num>{r['n_features']}</td><td>{ok}</td></tr>"
        )
    head = (
        "<tr><th>class</th><th>expected concept</th><th>because</th><th>its rank</th>"
        + ("<th>rank over all windows</th>" if has_all else "")
        + "<th>mean |SHAP|</th><th>where (leading group)</th><th>leading feature</th>"
        f"<th>features</th><th>within top {top_n}?</th></tr>"
    )
    return "<table>" + head + "".join(rows) + "</table>"


def _leading_table(bases: pd.DataFrame, top_n: int) -> str:
    lead = top_concepts(bases, top_n)
    head = "<tr><th>class</th>" + "".join(f"<th>{i + 1}</th>" for i in range(top_n)) + "</tr>"
    body = "".join(
        f"<tr><td>{html.escape(c)}</td>"
        + "".join(
            f"<td>{html.escape(CONCEPTS[b].label)} ({bases.loc[b, c]:.3f})</td>" for b in keys
        )
        + "</tr>"
        for c, keys in lead.items()
    )
    return "<table>" + head + body + "</table>"


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
            "concept": [_base_of(g) for g in table.index],
            "n_features": views.concepts.n_features,
        }
    )
    return pd.concat([front, table.reset_index(drop=True)], axis=1)


def write_cohort(
    model_dir: str | Path,
    features_path: str | Path,
    out_dir: str | Path,
    data_dir: str | Path | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    top_k: int = 20,
    seed: int = 0,
    log=print,
    story_top_n: int = STORY_TOP_N,
) -> Path:
    """Write the cohort pages: ``index.html`` (concepts per class, clinical checks, features),
    ``families.html``.

    Also writes ``concept_importance.csv``, ``base_concept_importance.csv``,
    ``mean_abs_shap.csv`` (and ``mean_abs_shap_by_votes.csv`` with labels),
    ``family_importance.csv`` and ``clinical_story.csv``.

    Parameters
    ----------
    model_dir : path
        The model folder (``oof.parquet`` there makes the explanations out of fold).
    features_path : path
        The training features parquet.
    out_dir : path
        Output folder.
    data_dir : path, optional
        The data folder: with its ``train.csv`` the clinical checks look at the windows the
        experts gave each class, and the page lists the consensus counts.
    max_rows : int, optional
        Explain at most this many rows (seeded sample).
    top_k : int
        Features per beeswarm and bar chart of the feature views.
    story_top_n : int
        Rank limit of the clinical checks, out of the ten base concepts.
    """
    from hms_features.data.paths import input_file, output_dir
    from hms_features.model import load_model

    t0 = time.perf_counter()
    features_path = input_file(features_path, "training features file")
    out_dir = output_dir(out_dir, "out")
    model = load_model(model_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    features = pd.read_parquet(features_path)
    labels = None
    consensus = ""
    if data_dir is not None:
        from hms_features.data import KaggleLayout, read_labels

        labels = read_labels(KaggleLayout(data_dir).labels_csv("train"), "train")
        counts = labels["expert_consensus"].value_counts()
        consensus = "; experts' consensus of the training rows: " + ", ".join(
            f"{c} {int(n)}" for c, n in counts.items()
        )
    views = cohort_views(model, features, model_dir, labels, max_rows, story_top_n, seed)
    result, fam, story, cs = views.result, views.families, views.story, views.concepts
    concept_csv(views).to_csv(out_dir / "concept_importance.csv", index=False)
    views.base_table.rename_axis("concept").to_csv(out_dir / "base_concept_importance.csv")
    views.importance.rename_axis("feature").to_csv(out_dir / "mean_abs_shap.csv")
    if views.importance_votes is not None:
        views.importance_votes.rename_axis("feature").to_csv(out_dir / "mean_abs_shap_by_votes.csv")
    views.family_table.rename_axis("family").to_csv(out_dir / "family_importance.csv")
    story.to_csv(out_dir / "clinical_story.csv", index=False)

    mode = (
        "out of fold (each window explained by the fold model that did not train on it)"
        if result.mode == "out-of-fold"
        else "with the mean of the fold models (no out-of-fold table in the model folder)"
    )
    header = (
        f"<p class=meta>Model <code>{html.escape(str(model_dir))}</code>; "
        f"{len(result.data)} of {len(features)} training windows from "
        f"<code>{html.escape(str(features_path))}</code>, explained {mode}{consensus}. "
        "SHAP values are in log-odds (raw score) units. A clinical concept's contribution is "
        "the sum of the SHAP values of its features (they add up to the raw score).</p>"
    )
    weighting = (
        "over the windows the experts gave that class (each window weighted by its share of "
        "votes for the class); the rank over all windows is shown beside it"
        if views.importance_votes is not None
        else "over all windows (no labels given: --data-dir)"
    )
    n_bases = len(CONCEPTS)
    ranking = (
        f"Each class ranks the {n_bases} clinical concepts by the mean of |the class's SHAP "
        f"values summed over all the concept's features| {weighting}. A check holds when the "
        f"concept its ACNS definition names is within the class's top {story_top_n} of "
        f"{n_bases}: each definition rests on two or three ideas, so the named one should be "
        f"among the model's first few. One check alone passes by chance {story_top_n} times "
        f"in {n_bases}, so read the checks together."
    )
    nav = "<nav>" + "".join(f'<a href="#{c}">{c}</a>' for c in result.classes)
    nav += '<a href="families.html">feature families</a></nav>'
    passed = int(story["passed"].sum())
    bases = views.base_table
    heat = plots.plot_family_heatmap(
        bases.rename(index={b: CONCEPTS[b].label for b in bases.index}),
        title="Clinical concepts: mean |summed SHAP| per class"
        + (" (windows weighted by their votes)" if views.importance_votes is not None else ""),
    )
    sections = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Cohort explanations"
        f"</title><style>{CSS}</style></head><body><h1>What drives each class</h1>",
        header,
        nav,
        f"<h2>Does the model tell the clinical story? ({passed}/{len(story)} checks hold)</h2>",
        f"<p class=meta>{ranking}</p>",
        _story_table(story, story_top_n),
        "<h2>Clinical concepts per class</h2>",
        "<p class=meta>The leading concepts of each class (same ranking as the checks; mean "
        "|summed SHAP| in brackets), and the whole table as a heat map. "
        "<code>base_concept_importance.csv</code> holds it; "
        "<code>concept_importance.csv</code> splits each concept by where it is seen (left, "
        "right hemisphere, whole head), over all windows.</p>",
        _leading_table(bases, min(story_top_n, n_bases)),
        _img(heat, "clinical concepts per class"),
    ]
    bee_caption = (
        "<p class=meta>Left: the concept groups of largest mean |summed SHAP| (bars coloured "
        "by concept). Right: one dot per EEG window and concept group; its position is the sum "
        "of the SHAP values of the group's features (right of 0 pushes towards the class). The "
        "colour is the window's value of the group's leading feature (named under the group: "
        "the feature of largest mean |SHAP| for this class), as a rank in the cohort, so that "
        "'high delta power pushes towards the class' reads as red dots on the right.</p>"
    )
    for k, cls in enumerate(result.classes):
        lead = leading_features(result, cs, k, views.importance)
        colour_data = pd.DataFrame(
            {
                j: (result.data[name].to_numpy(dtype=np.float64) if name
                    else np.full(len(result.data), np.nan))
                for j, name in enumerate(lead)
            }
        )  # fmt: skip
        colour_data.columns = lead
        concept_bar = plot_concept_bar(views.concept_table[cls], cls)
        concept_bee = plot_concept_beeswarm(cs.values[:, k, :], cs.groups, colour_data, cls)
        bee = plots.plot_beeswarm(result.values[:, k, :], result.data, cls, top_k)
        bar = plots.plot_importance_bar(views.importance[cls], cls, top_k, fam)
        sections += [
            f'<h2 id="{cls}">{html.escape(cls)}</h2><div class=row>',
            _img(concept_bar, f"{cls} mean |SHAP| per concept"),
            _img(concept_bee, f"{cls} concept beeswarm"),
            "</div>",
            bee_caption,
            f"<details><summary>The {top_k} features of largest mean |SHAP| for {cls}"
            "</summary><div class=row>",
            _img(bee, f"{cls} beeswarm"),
            _img(bar, f"{cls} mean |SHAP|"),
            "</div></details>",
        ]
    sections.append("</body></html>")
    index = out_dir / "index.html"
    index.write_text("\n".join(sections), encoding="utf-8")

    fam_table = views.family_table
    heat = plots.plot_family_heatmap(fam_table)
    per_family = fam.value_counts()
    fam_rows = "".join(
        f"<tr><td>{html.escape(f)}</td><td class=num>{int(per_family.get(f, 0))}</td>"
        + "".join(f"<td class=num>{fam_table.loc[f, c]:.3f}</td>" for c in fam_table.columns)
        + "</tr>"
        for f in fam_table.index
    )
    fam_page = (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Feature families"
        f"</title><style>{CSS}</style></head><body><h1>Feature families per class</h1>"
        '<p><a href="index.html">back to the classes</a></p>' + header + _img(heat, "families")
        + "<p class=meta>Each cell: the mean over windows of |sum of the SHAP values of the "
        "family's features| for that class (SHAP values add up, so this is the family's joint "
        "effect on the class's raw score).</p><table><tr><th>family</th><th>features</th>"
        + "".join(f"<th>{html.escape(c)}</th>" for c in fam_table.columns)
        + "</tr>" + fam_rows + "</table></body></html>"
    )  # fmt: skip
    (out_dir / "families.html").write_text(fam_page, encoding="utf-8")
    if log:
        log(
            f"cohort: {len(result.data)} windows explained ({result.mode}) in "
            f"{time.perf_counter() - t0:.1f} s; clinical checks {passed}/{len(story)} hold "
            f"-> {index}"
        )
    return index
