"""The cohort pages: ``hms cohort`` writes ``index.html``, ``families.html`` and the CSV tables.

:func:`write_cohort` loads the model and the training features, computes the cohort's views
(:func:`hms_features.explain.cohort.cohort_views`: SHAP over the windows, concepts, families,
the clinical checks), writes the tables, then the two pages: :func:`cohort_page` and
:func:`families_page` prepare their content (plain data and the figures of
:mod:`hms_features.explain.plots`), the templates ``cohort.html`` and ``families.html`` render
it (:mod:`hms_features.explain.pages`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.explain import concepts as cv
from hms_features.explain import pages, plots
from hms_features.explain.cohort import (
    DEFAULT_MAX_ROWS,
    STORY_TOP_N,
    CohortViews,
    cohort_views,
    concept_csv,
    leading_features,
    top_concepts,
)
from hms_features.features.concepts import CONCEPTS


def write_tables(views: CohortViews, out_dir: Path) -> None:
    """The cohort's CSV files (see :func:`write_cohort`)."""
    concept_csv(views).to_csv(out_dir / "concept_importance.csv", index=False)
    views.base_table.rename_axis("concept").to_csv(out_dir / "base_concept_importance.csv")
    views.importance.rename_axis("feature").to_csv(out_dir / "mean_abs_shap.csv")
    if views.importance_votes is not None:
        views.importance_votes.rename_axis("feature").to_csv(out_dir / "mean_abs_shap_by_votes.csv")
    views.family_table.rename_axis("family").to_csv(out_dir / "family_importance.csv")
    views.story.to_csv(out_dir / "clinical_story.csv", index=False)


# --------------------------------------------------------------------------- pages


@dataclass
class CohortSource:
    """Where the cohort pages' numbers come from (the line under each page's title)."""

    model_dir: str
    features_path: str
    n_explained: int
    n_rows: int
    #: How the windows were explained (out of fold, or with the mean of the fold models).
    mode: str
    #: The experts' consensus counts of the training rows ("LPD 54, Seizure 51, ..."), or "".
    consensus: str = ""


@dataclass
class ClassFigures:
    """One class's figures on the cohort page (``data:`` URIs)."""

    cls: str
    concept_bar: str
    concept_beeswarm: str
    feature_beeswarm: str
    feature_bar: str


@dataclass
class CohortPage:
    """Everything the cohort's ``index.html`` shows, as plain data (``cohort.html``).

    Attributes
    ----------
    story : list of dict
        The clinical checks (:func:`clinical_story`), one per claim: ``cls``,
        ``concept_label``, ``why``, ``rank``, ``rank_all_rows``, ``mean_abs_shap``,
        ``best_group`` (its label), ``best_feature``, ``n_features``, ``passed``.
    leading : dict
        Per class, the ``(label, mean |summed SHAP|)`` of its leading base concepts.
    heat_image : str
        The base concepts x classes heat map.
    classes : list of ClassFigures
    """

    story: list[dict]
    n_passed: int
    has_rank_all: bool
    vote_weighted: bool
    top_n: int
    n_concepts: int
    leading: dict[str, list[tuple[str, float]]]
    leading_n: int
    heat_image: str
    top_k: int
    classes: list[ClassFigures] = field(default_factory=list)


def class_figures(views: CohortViews, k: int, top_k: int) -> ClassFigures:
    """The concept bar and beeswarm, the feature beeswarm and bar of class ``k``."""
    result, cs = views.result, views.concepts
    cls = result.classes[k]
    lead = leading_features(result, cs, k, views.importance)
    colour_data = pd.DataFrame(
        {
            j: (result.data[name].to_numpy(dtype=np.float64) if name
                else np.full(len(result.data), np.nan))
            for j, name in enumerate(lead)
        }
    )  # fmt: skip
    colour_data.columns = lead
    figures = (
        plots.plot_concept_bar(views.concept_table[cls], cls),
        plots.plot_concept_beeswarm(cs.values[:, k, :], cs.groups, colour_data, cls),
        plots.plot_beeswarm(result.values[:, k, :], result.data, cls, top_k),
        plots.plot_importance_bar(views.importance[cls], cls, top_k, views.families),
    )
    return ClassFigures(cls, *(pages.png_data_uri(fig) for fig in figures))


def cohort_page(views: CohortViews, top_k: int = 20) -> CohortPage:
    """The content of the cohort's ``index.html``: checks, leading concepts, figures per class."""
    story = views.story
    has_all = "rank_all_rows" in story.columns
    rows = [
        {
            "cls": r["class"],
            "concept_label": r["concept_label"],
            "why": r["why"],
            "rank": r["rank"],
            "rank_all_rows": r["rank_all_rows"] if has_all else None,
            "mean_abs_shap": r["mean_abs_shap"],
            "best_group": cv.label(r["best_group"]) if r["best_group"] else "",
            "best_feature": r["best_feature"],
            "n_features": r["n_features"],
            "passed": bool(r["passed"]),
        }
        for r in story.to_dict("records")
    ]
    bases = views.base_table
    n_lead = min(views.story_top_n, len(CONCEPTS))
    leading = {
        c: [(CONCEPTS[b].label, float(bases.loc[b, c])) for b in keys]
        for c, keys in top_concepts(bases, n_lead).items()
    }
    heat = plots.plot_family_heatmap(
        bases.rename(index={b: CONCEPTS[b].label for b in bases.index}),
        title="Clinical concepts: mean |summed SHAP| per class"
        + (" (windows weighted by their votes)" if views.importance_votes is not None else ""),
    )
    return CohortPage(
        story=rows,
        n_passed=int(story["passed"].sum()),
        has_rank_all=has_all,
        vote_weighted=views.importance_votes is not None,
        top_n=views.story_top_n,
        n_concepts=len(CONCEPTS),
        leading=leading,
        leading_n=n_lead,
        heat_image=pages.png_data_uri(heat),
        top_k=top_k,
        classes=[class_figures(views, k, top_k) for k in range(len(views.result.classes))],
    )


def families_page(views: CohortViews) -> dict:
    """The content of ``families.html``: the families x classes heat map and table."""
    table = views.family_table
    per_family = views.families.value_counts()
    return {
        "heat_image": pages.png_data_uri(plots.plot_family_heatmap(table)),
        "classes": list(table.columns),
        "rows": [
            {
                "family": f,
                "n_features": int(per_family.get(f, 0)),
                "cells": [float(table.loc[f, c]) for c in table.columns],
            }
            for f in table.index
        ],
    }


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
        consensus = ", ".join(f"{c} {int(n)}" for c, n in counts.items())
    views = cohort_views(model, features, model_dir, labels, max_rows, story_top_n, seed)
    write_tables(views, out_dir)
    source = CohortSource(
        model_dir=str(model_dir),
        features_path=str(features_path),
        n_explained=len(views.result.data),
        n_rows=len(features),
        mode=(
            "out of fold (each window explained by the fold model that did not train on it)"
            if views.result.mode == "out-of-fold"
            else "with the mean of the fold models (no out-of-fold table in the model folder)"
        ),
        consensus=consensus,
    )
    index = out_dir / "index.html"
    page = pages.render("cohort.html", source=source, page=cohort_page(views, top_k))
    index.write_text(page, encoding="utf-8")
    families = pages.render("families.html", source=source, **families_page(views))
    (out_dir / "families.html").write_text(families, encoding="utf-8")
    if log:
        log(
            f"cohort: {source.n_explained} windows explained ({views.result.mode}) in "
            f"{time.perf_counter() - t0:.1f} s; clinical checks "
            f"{int(views.story['passed'].sum())}/{len(views.story)} hold -> {index}"
        )
    return index
