"""Cohort views: which features drive each class over many EEGs; do they tell the clinical story.

From the training features (out of fold when the model folder has ``oof.parquet``: each row is
explained by the fold model that did not train on it), per class:

- a beeswarm of the top features (one dot per EEG window: its SHAP value, coloured by the
  feature's value);
- a bar chart of the mean |SHAP| of the top features;
- a heat map of feature families x classes: the mean over windows of ``|sum of the family's
  SHAP values|`` (SHAP values add up, so a family's summed contribution is its joint effect).

:func:`clinical_story` checks that the explanations say what the ACNS definitions say the
patterns are: left-right asymmetry among the top drivers of the lateralized patterns (LPD,
LRDA), periodicity for the periodic discharges (LPD, GPD), delta power for the rhythmic delta
patterns (LRDA, GRDA) and evolution over the window for seizures.
"""

from __future__ import annotations

import base64
import html
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import BANDS
from hms_features.errors import HMSWarning
from hms_features.explain import plots
from hms_features.explain.shap_values import ShapResult, compute_shap, feature_family
from hms_features.features.wavelet import level_band

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
    y = np.asarray(votes, dtype=np.float64)
    if y.shape != result.probs.shape:
        raise ValueError(f"votes must be (n_rows, n_classes) = {result.probs.shape}; got {y.shape}")
    y = y / np.maximum(y.sum(axis=1, keepdims=True), 1e-12)
    weight = y.sum(axis=0)
    a = np.abs(result.values)
    weighted = np.einsum("nk,nkf->kf", y, a) / np.where(weight > 0, weight, 1.0)[:, None]
    plain = a.mean(axis=0)
    table = np.where((weight > 0)[:, None], weighted, plain)
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
    """Feature -> family (registry), ``'unknown'`` where none is registered."""
    return pd.Series([feature_family(n) for n in names], index=names, name="family")


def family_importance(result: ShapResult, families: pd.Series | None = None) -> pd.DataFrame:
    """Mean over rows of ``|sum of a family's SHAP values|``: families (rows) x classes.

    Sorted by the total over classes, largest first.
    """
    names = result.feature_names
    fam = families if families is not None else families_of(names)
    labels = fam.reindex(names).fillna("unknown").to_numpy()
    uniq = sorted(set(labels))
    member = np.stack([labels == f for f in uniq], axis=1).astype(np.float64)  # (F, G)
    grouped = np.einsum("nkf,fg->nkg", result.values, member)  # summed SHAP per family
    table = pd.DataFrame(np.abs(grouped).mean(axis=0).T, index=uniq, columns=result.classes)
    return table.loc[table.sum(axis=1).sort_values(ascending=False).index]


# --------------------------------------------------------------------------- clinical story


def _suffix(name: str) -> str:
    return name.split("__", 1)[-1]


def is_symmetry(name: str, family: str) -> bool:
    """A left-right comparison: the symmetry family, or any (spectrogram) asymmetry feature."""
    return family == "symmetry" or "asymmetr" in _suffix(name) or "bsi" in _suffix(name)


def is_periodicity(name: str, family: str) -> bool:
    """Periodic-discharge features: the periodicity family."""
    return family == "periodicity"


def is_delta_power(name: str, family: str) -> bool:
    """Delta power (absolute, relative or ratios), from the EEG or the spectrogram, and the
    energy of the wavelet levels that lie within delta (A6 0-1.6 Hz, D6 1.6-3.1 Hz)."""
    s = _suffix(name)
    if family == "wavelet":
        level = s.removeprefix("dwt_").split("_", 1)[0]
        return level_band(level)[1] <= BANDS["delta"][1]
    return family in ("spectral", "spectrogram") and s.startswith("delta") and "asymmetr" not in s


def is_evolution(name: str, family: str) -> bool:
    """Change over the window (frequency, amplitude, location): the evolution family."""
    return family == "evolution"


@dataclass(frozen=True)
class StoryClaim:
    """A clinical expectation: a group of features among the top drivers of a class."""

    cls: str
    group: str
    predicate: Callable[[str, str], bool]
    why: str


CLAIMS: tuple[StoryClaim, ...] = (
    StoryClaim("LPD", "asymmetry", is_symmetry, "lateralized: one hemisphere"),
    StoryClaim("LRDA", "asymmetry", is_symmetry, "lateralized: one hemisphere"),
    StoryClaim("LPD", "periodicity", is_periodicity, "discharges repeating every 0.5-3 s"),
    StoryClaim("GPD", "periodicity", is_periodicity, "discharges repeating every 0.5-3 s"),
    StoryClaim("LRDA", "delta power", is_delta_power, "rhythmic 0.5-4 Hz activity"),
    StoryClaim("GRDA", "delta power", is_delta_power, "rhythmic 0.5-4 Hz activity"),
    StoryClaim("Seizure", "evolution", is_evolution, "evolves in frequency/amplitude/location"),
)


def clinical_story(
    importance: pd.DataFrame,
    top_n: int = 20,
    families: pd.Series | None = None,
    claims: tuple[StoryClaim, ...] = CLAIMS,
) -> pd.DataFrame:
    """Check that each class's top drivers include the features its definition calls for.

    Parameters
    ----------
    importance : DataFrame
        Mean |SHAP| per feature (rows) and class (columns), from :func:`mean_abs_shap`.
    top_n : int
        A claim holds when the group's best feature ranks within the class's top ``top_n``.
    families : Series, optional
        Feature -> family (default: the registry).

    Returns
    -------
    DataFrame
        One row per claim: ``class``, ``group``, ``why``, ``n_features`` (of the group in the
        model), ``best_feature``, ``rank`` (1 = the class's most important feature; NaN if the
        group has no feature or none with any effect), ``mean_abs_shap``, ``passed``.
    """
    names = list(importance.index)
    fam = families if families is not None else families_of(names)
    rows = []
    for claim in claims:
        col = importance[claim.cls]
        ranked = col.sort_values(ascending=False, kind="stable")
        rank_of = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index)
        members = [n for n in names if claim.predicate(n, str(fam.get(n, "unknown")))]
        used = [n for n in members if col[n] > 0]
        if used:
            best = min(used, key=lambda n: rank_of[n])
            rank, value = int(rank_of[best]), float(col[best])
        else:
            best, rank, value = "", np.nan, 0.0
        rows.append(
            {
                "class": claim.cls,
                "group": claim.group,
                "why": claim.why,
                "n_features": len(members),
                "best_feature": best,
                "rank": rank,
                "mean_abs_shap": value,
                "passed": bool(used) and rank <= top_n,
            }
        )
    return pd.DataFrame(rows)


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
nav a { margin-right: 12px; }
"""


def _rank_text(rank: float) -> str:
    return "&ndash;" if not np.isfinite(rank) else f"{int(rank)}"


def _story_table(story: pd.DataFrame, top_n: int) -> str:
    has_all = "rank_all_rows" in story.columns
    rows = []
    for r in story.to_dict("records"):
        ok = '<span class="ok">yes</span>' if r["passed"] else '<span class="fail">no</span>'
        rows.append(
            f"<tr><td>{html.escape(r['class'])}</td><td>{html.escape(r['group'])}</td>"
            f"<td>{html.escape(r['why'])}</td><td><code>{html.escape(r['best_feature'])}</code>"
            f"</td><td class=num>{_rank_text(r['rank'])}</td>"
            + (f"<td class=num>{_rank_text(r['rank_all_rows'])}</td>" if has_all else "")
            + f"<td class=num>{r['n_features']}</td><td>{ok}</td></tr>"
        )
    head = (
        "<tr><th>class</th><th>expected driver</th><th>because</th><th>best feature of the "
        "group</th><th>its rank</th>"
        + ("<th>rank over all windows</th>" if has_all else "")
        + f"<th>features in group</th><th>within top {top_n}?</th></tr>"
    )
    return "<table>" + head + "".join(rows) + "</table>"


@dataclass
class CohortViews:
    """Everything the cohort pages show.

    Attributes
    ----------
    result : ShapResult
        SHAP values of the explained training windows.
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
        :func:`clinical_story` on ``importance_votes`` when available (else ``importance``),
        with the rank over all windows in ``rank_all_rows``.
    """

    result: ShapResult
    importance: pd.DataFrame
    importance_votes: pd.DataFrame | None
    families: pd.Series
    family_table: pd.DataFrame
    story: pd.DataFrame


def cohort_views(
    model,
    features: pd.DataFrame,
    model_dir: str | Path | None = None,
    labels: pd.DataFrame | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    top_n: int = 20,
    seed: int = 0,
) -> CohortViews:
    """Explain (a sample of) the training windows and summarise per class and family.

    Parameters
    ----------
    model : TrainedModel
    features : DataFrame
        Training features (``eeg_id``, ``eeg_sub_id`` and the model's features).
    model_dir : path, optional
        The model folder: its ``oof.parquet`` makes the explanations out of fold.
    labels : DataFrame, optional
        ``train.csv`` rows: the clinical checks then rank features by their effect on the
        windows the experts gave each class (vote-weighted mean |SHAP|).
    max_rows : int, optional
        Explain at most this many windows (seeded sample).
    top_n : int
        Rank limit of the clinical checks.
    """
    result = cohort_shap(model, features, model_dir, max_rows, seed)
    fam = families_of(result.feature_names)
    importance = mean_abs_shap(result)
    votes = None
    if labels is not None:
        votes = row_votes(features.loc[result.data.index], labels)
        if votes is None:
            warnings.warn(
                HMSWarning(
                    "some explained windows have no label row in train.csv (matched on eeg_id, "
                    "eeg_sub_id): the clinical checks rank the features over all windows"
                ),
                stacklevel=2,
            )
    importance_votes = vote_weighted_abs_shap(result, votes) if votes is not None else None
    story = clinical_story(importance_votes if votes is not None else importance, top_n, fam)
    overall = clinical_story(importance, top_n, fam)
    story["rank_all_rows"] = overall["rank"].to_numpy()
    return CohortViews(
        result=result,
        importance=importance,
        importance_votes=importance_votes,
        families=fam,
        family_table=family_importance(result, fam),
        story=story,
    )


def write_cohort(
    model_dir: str | Path,
    features_path: str | Path,
    out_dir: str | Path,
    data_dir: str | Path | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    top_k: int = 20,
    seed: int = 0,
    log=print,
) -> Path:
    """Write the cohort pages: ``index.html`` (per class beeswarm + bar), ``families.html``.

    Also writes ``mean_abs_shap.csv`` (and ``mean_abs_shap_by_votes.csv`` with labels),
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
        Features per beeswarm and bar chart; also the rank limit of the clinical checks.
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
    views = cohort_views(model, features, model_dir, labels, max_rows, top_k, seed)
    result, fam, story = views.result, views.families, views.story
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
        "SHAP values are in log-odds (raw score) units.</p>"
    )
    ranking = (
        "Ranks are by the mean |SHAP| of each class over the windows the experts gave that "
        "class (vote-weighted); the rank over all windows is shown beside it."
        if views.importance_votes is not None
        else "Ranks are by the mean |SHAP| over all windows (no labels given: --data-dir)."
    )
    nav = "<nav>" + "".join(f'<a href="#{c}">{c}</a>' for c in result.classes)
    nav += '<a href="families.html">feature families</a></nav>'
    passed = int(story["passed"].sum())
    sections = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Cohort explanations"
        f"</title><style>{CSS}</style></head><body><h1>What drives each class</h1>",
        header,
        nav,
        f"<h2>Does the model tell the clinical story? ({passed}/{len(story)} checks hold)</h2>",
        f"<p class=meta>{ranking}</p>",
        _story_table(story, top_k),
    ]
    for k, cls in enumerate(result.classes):
        bee = plots.plot_beeswarm(result.values[:, k, :], result.data, cls, top_k)
        bar = plots.plot_importance_bar(views.importance[cls], cls, top_k, fam)
        sections += [
            f'<h2 id="{cls}">{html.escape(cls)}</h2><div class=row>',
            _img(bee, f"{cls} beeswarm"),
            _img(bar, f"{cls} mean |SHAP|"),
            "</div>",
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
