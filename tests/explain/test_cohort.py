"""Cohort views and the clinical-story check (on a model trained on synthetic EEG)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES
from hms_features.explain.cohort import (
    clinical_story,
    cohort_views,
    family_importance,
    mean_abs_shap,
    oof_folds,
    vote_weighted_abs_shap,
)
from hms_features.explain.shap_values import compute_shap


def test_clinical_story_ranks_groups():
    names = ["LP-RP__delta_bsi", "LP__discharge_rate", "LL__delta_rel_power", "LL__std",
             "global__dominant_freq_std"]  # fmt: skip
    fam = pd.Series(["symmetry", "periodicity", "spectral", "time", "evolution"], index=names)
    imp = pd.DataFrame(0.0, index=names, columns=CLASSES)
    imp.loc[:, :] = np.array([5.0, 4.0, 3.0, 2.0, 0.0])[:, None]  # evolution: never used
    story = clinical_story(imp, top_n=2, families=fam)
    got = {(r["class"], r["group"]): r for r in story.to_dict("records")}
    assert got[("LPD", "asymmetry")]["rank"] == 1 and got[("LPD", "asymmetry")]["passed"]
    assert got[("GPD", "periodicity")]["rank"] == 2 and got[("GPD", "periodicity")]["passed"]
    assert got[("GRDA", "delta power")]["rank"] == 3 and not got[("GRDA", "delta power")]["passed"]
    sz = got[("Seizure", "evolution")]
    assert np.isnan(sz["rank"]) and not sz["passed"] and sz["n_features"] == 1


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
    assert page.count("data:image/png;base64,") == 2 * len(CLASSES)
    assert "clinical story" in page and "families.html" in page
    assert "data:image/png;base64," in (out / "families.html").read_text()
    story = pd.read_csv(out / "clinical_story.csv")
    assert len(story) == 7 and set(story["class"]) == {"LPD", "LRDA", "GPD", "GRDA", "Seizure"}
    assert pd.read_csv(out / "mean_abs_shap.csv").shape[0] > 1000
    capsys.readouterr()
    missing = ["cohort", "--model-dir", str(model_dir), "--features",
               str(tmp_path / "no.parquet"), "--out", str(out)]  # fmt: skip
    assert main(missing) == 2
    assert "error: --features" in capsys.readouterr().err


def test_delta_power_group_covers_band_powers_spectrograms_and_delta_wavelet_levels():
    from hms_features.explain.cohort import is_delta_power

    assert is_delta_power("LL__delta_rel_power", "spectral")
    assert is_delta_power("spec_LL__delta_mean_10min", "spectrogram")
    assert is_delta_power("T5-O1__dwt_d6_rel_energy", "wavelet")  # 1.6-3.1 Hz
    assert is_delta_power("LL__dwt_a6_rel_energy", "wavelet")  # 0-1.6 Hz
    assert not is_delta_power("LL__dwt_d5_rel_energy", "wavelet")  # 3.1-6.25 Hz
    assert not is_delta_power("LL-RL__delta_asymmetry", "symmetry")
    assert not is_delta_power("LL__theta_rel_power", "spectral")


@pytest.fixture(scope="module")
def synthetic_views(example_dir):
    from hms_features.data import read_labels
    from hms_features.model import load_model

    model = load_model(example_dir.model)
    features = pd.read_parquet(example_dir.features)
    labels = read_labels(example_dir.data / "train.csv", "train")
    views = cohort_views(model, features, example_dir.model, labels, max_rows=None, top_n=20)
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(views.story.drop(columns=["why"]))
    return views


#: Claims that must hold on the test's example (24 patients, seed 0). On seeds 0/1/2 the
#: best-feature ranks (vote-weighted mean |SHAP|) were: LPD periodicity 12/8/10, GPD periodicity
#: 5/1/23, LRDA delta 10/12/6, GRDA delta 1/6/1, Seizure evolution 1/8/4, asymmetry for LPD and
#: LRDA within the top 5: small data sets make the ranks of the weaker links vary with the seed.
STORY = [("LPD", "asymmetry"), ("LRDA", "asymmetry"), ("LPD", "periodicity"),
         ("GPD", "periodicity"), ("LRDA", "delta power"), ("GRDA", "delta power"),
         ("Seizure", "evolution")]  # fmt: skip


@pytest.mark.parametrize("cls,group", STORY)
def test_synthetic_explanations_tell_the_clinical_story(synthetic_views, cls, group):
    """Out-of-fold SHAP of a model trained on the synthetic set: the generator's encoding
    (asymmetry for lateralized patterns, periodicity for discharges, delta for rhythmic delta,
    evolution for seizures) is among the top 20 drivers of each class."""
    story = synthetic_views.story
    assert synthetic_views.result.mode == "out-of-fold"
    row = story[(story["class"] == cls) & (story["group"] == group)].iloc[0]
    assert row["n_features"] > 0
    assert row["passed"], f"{cls}: best {group} feature {row['best_feature']} ranks {row['rank']}"
