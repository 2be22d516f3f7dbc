"""Cohort views and the clinical-story check (on a model trained on synthetic EEG)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES
from hms_features.explain import concepts as cv
from hms_features.explain.cohort import (
    base_concept_importance,
    base_concept_shap,
    clinical_story,
    cohort_views,
    concept_importance,
    family_importance,
    mean_abs_shap,
    oof_folds,
    top_concepts,
    vote_weighted_abs_shap,
)
from hms_features.explain.shap_values import ShapResult, compute_shap
from hms_features.features.concepts import CONCEPTS, base_concept
from hms_features.features.families import feature_table

STORY_COLUMNS = ["class", "group", "concept_label", "why", "n_features", "best_group",
                 "best_feature", "rank", "mean_abs_shap", "passed"]  # fmt: skip


def _result(values: np.ndarray, names: list[str], seed: int = 0) -> ShapResult:
    """A ShapResult around given SHAP values (rows, classes, features)."""
    rng = np.random.default_rng(seed)
    n_rows = values.shape[0]
    base = np.zeros((n_rows, len(CLASSES)))
    raw = base + values.sum(axis=2)
    probs = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
    data = pd.DataFrame(rng.normal(size=(n_rows, len(names))), columns=names)
    return ShapResult(values, base, raw, probs, data, tuple(CLASSES))


@pytest.fixture(scope="module")
def declared():
    """Every declared feature with its base concept and group."""
    table = feature_table()
    return table.assign(base=[base_concept(g) for g in table["concept"]])


def _concentrated(declared, n_rows: int = 30, seed: int = 0) -> ShapResult:
    """Small noise everywhere; each class's SHAP concentrated on one chosen concept."""
    rng = np.random.default_rng(seed)
    names = list(declared["name"])
    base = declared["base"].to_numpy()
    values = rng.normal(0, 0.001, (n_rows, len(CLASSES), len(names)))
    focus = {"LPD": "lateralization", "GPD": "delta", "LRDA": "delta", "GRDA": "delta",
             "Seizure": "evolution", "Other": "quality"}  # fmt: skip
    for k, cls in enumerate(CLASSES):
        members = np.flatnonzero(base == focus[cls])
        values[:, k, members[0]] = rng.normal(0, 1.0, n_rows)  # one strong feature
        values[:, k, members[1:3]] = rng.normal(0, 0.3, (n_rows, 2))
    gpd = CLASSES.index("GPD")  # two more concepts above the noise: periodic discharges ranks >3
    for key in ("rhythmicity", "sharpness"):
        values[:, gpd, np.flatnonzero(base == key)[0]] = rng.normal(0, 0.5, n_rows)
    return _result(values, names, seed)


def test_base_concept_importance_sums_the_concept(declared):
    rng = np.random.default_rng(3)
    names = list(declared["name"])
    result = _result(rng.normal(0, 0.1, (8, len(CLASSES), len(names))), names)
    cs = cv.concept_shap(result)
    per_base = base_concept_shap(cs)
    assert per_base.shape == (8, len(CLASSES), len(CONCEPTS))
    for j, key in enumerate(CONCEPTS):
        members = (declared["base"] == key).to_numpy()
        np.testing.assert_allclose(per_base[:, :, j], result.values[:, :, members].sum(axis=2))
    np.testing.assert_allclose(per_base.sum(axis=2), result.values.sum(axis=2), atol=1e-12)
    table = base_concept_importance(cs, CLASSES)
    assert list(table.index) == list(CONCEPTS) and list(table.columns) == list(CLASSES)
    np.testing.assert_allclose(table.to_numpy(), np.abs(per_base).mean(axis=0).T)
    # summed first, then |.|: not the sum of the located groups' mean |.|
    groups = concept_importance(cs, CLASSES)
    delta = [g for g in cs.groups if g.startswith("delta@")]
    assert (table.loc["delta"] <= groups.loc[delta].sum() + 1e-12).all()
    votes = np.zeros((8, len(CLASSES)))
    votes[:3, 1] = 2.0
    weighted = base_concept_importance(cs, CLASSES, votes)
    np.testing.assert_allclose(weighted["LPD"], np.abs(per_base[:3, 1, :]).mean(axis=0))
    np.testing.assert_allclose(weighted["GPD"], table["GPD"])  # no votes: plain mean


def test_clinical_story_passes_the_concentrated_concept_and_fails_the_others(declared):
    result = _concentrated(declared)
    story = clinical_story(result)
    assert list(story.columns) == STORY_COLUMNS and len(story) == 7
    got = {(r["class"], r["group"]): r for r in story.to_dict("records")}
    lpd = got[("LPD", "lateralization")]
    assert lpd["rank"] == 1 and lpd["passed"] and lpd["concept_label"] == "Lateralization"
    strong = declared[declared["base"] == "lateralization"]["name"].iloc[0]
    assert lpd["best_feature"] == strong and lpd["best_group"] == "lateralization"
    assert lpd["n_features"] == (declared["base"] == "lateralization").sum()
    gpd = got[("GPD", "periodic_discharges")]  # GPD's SHAP sits on delta
    assert gpd["rank"] > 3 and not gpd["passed"]
    grda = got[("GRDA", "delta")]
    assert grda["rank"] == 1 and grda["passed"] and grda["best_group"].startswith("delta@")
    assert got[("Seizure", "evolution")]["passed"]
    assert top_concepts(base_concept_importance(cv.concept_shap(result), CLASSES), 1)["GPD"] == [
        "delta"
    ]
    loose = clinical_story(result, top_n=len(CONCEPTS))  # every concept with an effect passes
    assert loose["passed"].all()


def test_clinical_story_without_effect_has_no_rank(declared):
    result = _concentrated(declared, seed=1)
    evolution = (declared["base"] == "evolution").to_numpy()
    result.values[:, :, evolution] = 0.0
    sz = clinical_story(result).set_index(["class", "group"]).loc[("Seizure", "evolution")]
    assert np.isnan(sz["rank"]) and not sz["passed"] and sz["n_features"] == evolution.sum()
    assert sz["best_feature"] == "" and sz["best_group"] == ""


def test_family_importance_sums_the_family(small_model):
    model, features = small_model
    res = compute_shap(model, features.iloc[:40])
    names = res.feature_names
    fam = pd.Series(["a" if i % 3 else "b" for i in range(len(names))], index=names)
    table = family_importance(res, fam)
    is_b = (fam == "b").to_numpy()
    expected_b = np.abs(res.values[:, :, is_b].sum(axis=2)).mean(axis=0)
    np.testing.assert_allclose(table.loc["b"].to_numpy(), expected_b)
    assert list(table.columns) == list(CLASSES)
    imp = mean_abs_shap(res)
    assert imp.shape == (len(names), len(CLASSES)) and (imp.to_numpy() >= 0).all()


def test_vote_weighted_importance(small_model):
    model, features = small_model
    res = compute_shap(model, features.iloc[:10])
    votes = np.zeros((10, 6))
    votes[:4, 1] = 3  # four rows called LPD
    votes[4:, 5] = 2
    imp = vote_weighted_abs_shap(res, votes)
    np.testing.assert_allclose(imp["LPD"], np.abs(res.values[:4, 1, :]).mean(axis=0))
    np.testing.assert_allclose(imp["GRDA"], np.abs(res.values[:, 4, :]).mean(axis=0))  # no votes


def test_oof_folds_match_rows(tmp_path, small_model):
    model, features = small_model
    rows = features.iloc[:12]
    oof = rows[["eeg_id", "eeg_sub_id"]].assign(fold=np.arange(12) % 3, variant="soft")
    oof.to_parquet(tmp_path / "oof.parquet")
    np.testing.assert_array_equal(oof_folds(tmp_path, rows.iloc[::-1], 3), np.arange(12)[::-1] % 3)
    assert oof_folds(tmp_path, features.iloc[:20], 3) is None  # rows the table does not cover
    assert oof_folds(tmp_path, rows, 2) is None  # a fold without booster
    assert oof_folds(tmp_path / "nowhere", rows, 3) is None


def test_cli_cohort_writes_pages(tmp_path, full_model_dir, capsys):
    from hms_features.cli import main

    model_dir, features_path = full_model_dir
    out = tmp_path / "cohort"
    argv = ["cohort", "--model-dir", str(model_dir), "--features", str(features_path),
            "--out", str(out), "--max-rows", "60", "--top", "8"]  # fmt: skip
    assert main(argv) == 0
    page = (out / "index.html").read_text()
    # concept heat map, then per class: concept bar and beeswarm, feature beeswarm and bar
    assert page.count("data:image/png;base64,") == 1 + 4 * len(CLASSES)
    assert "clinical story" in page and "families.html" in page
    assert "Clinical concepts per class" in page and "concept beeswarm" in page
    assert "Periodic discharges" in page and "within top 3?" in page
    assert "data:image/png;base64," in (out / "families.html").read_text()
    story = pd.read_csv(out / "clinical_story.csv", keep_default_na=False)
    assert list(story.columns) == [*STORY_COLUMNS, "rank_all_rows"]
    assert len(story) == 7 and set(story["class"]) == {"LPD", "LRDA", "GPD", "GRDA", "Seizure"}
    assert set(story["group"]) == {"lateralization", "periodic_discharges", "delta", "evolution"}
    concepts = pd.read_csv(out / "concept_importance.csv")
    assert list(concepts.columns) == ["group", "label", "concept", "n_features", *CLASSES]
    assert concepts["n_features"].sum() == pd.read_csv(out / "mean_abs_shap.csv").shape[0]
    assert "Delta activity, right hemisphere" in set(concepts["label"])
    bases = pd.read_csv(out / "base_concept_importance.csv", index_col=0)
    assert list(bases.index) == list(CONCEPTS)
    assert pd.read_csv(out / "mean_abs_shap.csv").shape[0] > 1000
    capsys.readouterr()
    missing = ["cohort", "--model-dir", str(model_dir), "--features",
               str(tmp_path / "no.parquet"), "--out", str(out)]  # fmt: skip
    assert main(missing) == 2
    assert "error: --features" in capsys.readouterr().err


@pytest.fixture(scope="module")
def synthetic_views(example_dir):
    from hms_features.data import read_labels
    from hms_features.model import load_model

    model = load_model(example_dir.model)
    features = pd.read_parquet(example_dir.features)
    labels = read_labels(example_dir.data / "train.csv", "train")
    views = cohort_views(model, features, example_dir.model, labels, max_rows=None)
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(views.story.drop(columns=["why"]))
    return views


#: Claims checked on the test's example (24 patients, 296 windows, seed 0): each ACNS concept
#: among the class's top 3 of the 10 base concepts (vote-weighted mean |summed SHAP|). On this
#: small set (about 40 periodic-discharge windows, small trees) periodic discharges rank 6 (LPD)
#: and 4 (GPD) of 10 (GPD: 7 before the bilateral discharge features); the demo-size data set,
#: where all seven hold, is checked in test_clinical_story_demo.py. Not strict: they pass
#: quietly once they hold.
_DETECTOR = pytest.mark.xfail(
    reason="periodic discharges rank below 3 of 10 on the 24-patient example",
    strict=False,
)
#: Since the generator's realism work (issue 17), LRDA's delta and Seizure's evolution no longer
#: rank in the top 3 either (seizures are mostly generalized rhythms, stable within a window;
#: rhythmic delta is told by its symmetry and rhythm): test_clinical_story_demo.py says why.
_REALISM = pytest.mark.xfail(reason="no longer holds on the realistic generator", strict=False)
#: Since seizures draw their own gains (log-normal SD 0.45) and wider spikiness, LPD's
#: lateralization ranks 4 of 10 on this 24-patient example (one rank short: the example's
#: seizure windows changed, and with them the trees); on the demo-size data set it holds
#: (test_clinical_story_demo.py).
_SMALL = pytest.mark.xfail(reason="ranks 4 of 10 on the 24-patient example", strict=False)
STORY = [pytest.param("LPD", "lateralization", marks=_SMALL), ("LRDA", "lateralization"),
         pytest.param("LPD", "periodic_discharges", marks=_DETECTOR),
         pytest.param("GPD", "periodic_discharges", marks=_DETECTOR),
         pytest.param("LRDA", "delta", marks=_REALISM), ("GRDA", "delta"),
         pytest.param("Seizure", "evolution", marks=_REALISM)]  # fmt: skip


@pytest.mark.parametrize("cls,group", STORY)
def test_synthetic_explanations_tell_the_clinical_story(synthetic_views, cls, group):
    """Out-of-fold SHAP of a model trained on the synthetic set: the generator's encoding
    (lateralization for lateralized patterns, periodic discharges, delta for rhythmic delta,
    evolution for seizures) is among the top 3 of the 10 concepts of each class."""
    story = synthetic_views.story
    assert synthetic_views.result.mode == "out-of-fold"
    row = story[(story["class"] == cls) & (story["group"] == group)].iloc[0]
    assert row["n_features"] > 0
    assert row["passed"], f"{cls}: {group} ranks {row['rank']} of 10"
