"""``hms train | predict | offline-kit | explain | cohort`` through the command line (issue 9).

Each test runs ``python -m hms_features`` in a subprocess, as a user would, and checks the exit
status, that no traceback reaches the user, and what the message says. One small model (400
synthetic label rows on the extractor's real feature names, 2 folds, 20 rounds) is trained once
for the module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import hms, no_traceback, synthetic_training_table

from hms_features.features.families import feature_names

FAST = ["--folds", "2", "--max-rounds", "20", "--early-stopping", "5", "--variants", "prior,soft"]
#: An EEG of the genuine samples that is in train.csv only, and one in test.csv.
TRAIN_ONLY_EEG, TEST_EEG = "1628180742", "3911565283"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """train.csv, test.csv and the training features (real feature names, synthetic values)."""
    from hms_features.features.extractor import feature_names

    root = tmp_path_factory.mktemp("cli_model")
    d = root / "data"
    d.mkdir()
    names = list(feature_names())
    features, labels = synthetic_training_table(n_rows=400, n_features=len(names), seed=3)
    features.columns = ["eeg_id", "eeg_sub_id", *names]
    labels.to_csv(d / "train.csv", index=False)
    labels.drop_duplicates("eeg_id").head(3)[["spectrogram_id", "eeg_id", "patient_id"]].to_csv(
        d / "test.csv", index=False
    )
    features.to_parquet(root / "features_train.parquet", index=False)
    features.iloc[150:].to_parquet(root / "features_partial.parquet", index=False)
    test = features.drop_duplicates("eeg_id").head(3).drop(columns="eeg_sub_id")
    test.insert(1, "spectrogram_id", np.arange(3, dtype=np.int64))
    test.to_parquet(root / "features_test.parquet", index=False)
    return root


@pytest.fixture(scope="module")
def model(data: Path) -> Path:
    """A model folder trained through ``hms train`` from ``data`` with a relative --features."""
    proc = hms(
        "train", "--data-dir", "data", "--features", "features_train.parquet",
        "--model-dir", "models/m", "--quiet", *FAST, cwd=data,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return data / "models" / "m"


# --------------------------------------------------------------------------- 3. no traceback


def test_predict_out_naming_a_folder_is_one_error_line(data, model, tmp_path):
    proc = hms("predict", "--data-dir", data / "data", "--model-dir", model, "--out", tmp_path)
    assert proc.returncode == 2
    no_traceback(proc)
    assert proc.stderr == (
        f"error: --out {tmp_path} is a folder; give a file path, e.g. "
        f"{tmp_path / 'submission.csv'}\n"
    )


def test_unknown_variant_and_bad_numbers_use_the_command_line_words(data, tmp_path):
    base = ["train", "--data-dir", data / "data", "--features", data / "features_train.parquet",
            "--model-dir", tmp_path / "m"]  # fmt: skip
    proc = hms(*base, "--variants", "soft,deep")
    assert proc.returncode == 2
    no_traceback(proc)
    assert "error: --variants: unknown variant(s) deep; choose from prior, hard" in proc.stderr
    proc = hms(*base, "--folds", "1")
    assert proc.returncode == 2 and "n_folds" not in proc.stderr
    assert "argument --folds: expected a whole number >= 2, got 1" in proc.stderr
    assert not (tmp_path / "m").exists()


# --------------------------------------------------------------------------- 4. nothing dropped


def test_label_rows_without_features_are_an_error_even_with_quiet(data, tmp_path):
    proc = hms(
        "train", "--data-dir", data / "data", "--features", data / "features_partial.parquet",
        "--model-dir", tmp_path / "m", "--quiet", *FAST,
    )  # fmt: skip
    assert proc.returncode == 2
    no_traceback(proc)
    assert proc.stderr.startswith("error: 150 of 400 label rows of train.csv (38%) have no ")
    assert proc.stderr.count("(") >= 5 and "--allow-missing-features" in proc.stderr
    assert not (tmp_path / "m").exists()


def test_allow_missing_features_warns_on_stderr_even_with_quiet(data, tmp_path):
    proc = hms(
        "train", "--data-dir", data / "data", "--features", data / "features_partial.parquet",
        "--model-dir", tmp_path / "m", "--quiet", "--allow-missing-features", *FAST,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "warning: 150 of 400 label rows of train.csv (38%) have no feature row" in proc.stderr
    assert "left out of training" in proc.stderr
    assert "fold 1/2" not in proc.stdout and "shipped:" in proc.stdout
    assert json.loads((tmp_path / "m" / "feature_quantiles.json").read_text())["n_rows"] == 250


def test_test_split_features_are_named_in_one_line(data, tmp_path):
    features = data / "features_test.parquet"
    proc = hms(
        "train", "--data-dir", data / "data", "--features", features,
        "--model-dir", tmp_path / "m", *FAST,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: {features}: these are test-split features (no eeg_sub_id column); pass the "
        "features of `hms features --split train`\n"
    )


# --------------------------------------------------------------------------- 5. model folder


def test_retraining_leaves_no_file_of_the_earlier_run(data, model, tmp_path):
    target = tmp_path / "m"
    shutil.copytree(model, target)
    stale = json.loads((target / "feature_quantiles.json").read_text())
    stale["n_rows"] = 47
    (target / "feature_quantiles.json").write_text(json.dumps(stale))
    (target / "notes_of_an_earlier_run.txt").write_text("stale")
    proc = hms(
        "train", "--data-dir", data / "data", "--features", data / "features_train.parquet",
        "--model-dir", target, "--quiet", *FAST,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in model.iterdir())
    assert json.loads((target / "feature_quantiles.json").read_text())["n_rows"] == 400
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no staging folder left beside it


def test_a_folder_that_is_not_a_model_folder_is_refused(data, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "README.md").write_text("my notes")
    proc = hms(
        "train", "--data-dir", data / "data", "--features", data / "features_train.parquet",
        "--model-dir", models, *FAST,
    )  # fmt: skip
    assert proc.returncode == 2
    no_traceback(proc)
    assert f"error: --model-dir {models} holds files but no model.json" in proc.stderr
    assert "give a new or empty one" in proc.stderr and "fold" not in proc.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["models"]
    assert [p.name for p in models.iterdir()] == ["README.md"]


def test_a_copied_model_folder_explains_anywhere_with_percentiles(hms_samples, model, tmp_path):
    copied = tmp_path / "elsewhere" / "m"
    shutil.copytree(model, copied)
    cwd = tmp_path / "another_folder"
    cwd.mkdir()
    proc = hms(
        "explain", "--data-dir", hms_samples, "--model-dir", copied, "--eeg-id", TEST_EEG,
        "--out", "reports", cwd=cwd,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    page = (cwd / "reports" / f"report_test_{TEST_EEG}.html").read_text()
    assert "Percentiles place each value among 400 training windows" in page
    assert "not available" not in page


# --------------------------------------------------------------------------- 6. help, messages


def test_explain_of_a_train_only_eeg_suggests_split_train(hms_samples, model, tmp_path):
    proc = hms(
        "explain", "--data-dir", hms_samples, "--model-dir", model, "--eeg-id", TRAIN_ONLY_EEG,
        "--out", tmp_path / "r",
    )  # fmt: skip
    assert proc.returncode == 2
    no_traceback(proc)
    assert proc.stderr == (
        f"error: eeg_id {TRAIN_ONLY_EEG} is not in {hms_samples / 'test.csv'}; it is in "
        "train.csv: pass --split train\n"
    )
    assert not (tmp_path / "r").exists()


def test_predict_shows_progress_unless_quiet(hms_samples, model, tmp_path):
    proc = hms("predict", "--data-dir", hms_samples, "--model-dir", model, "--out",
               tmp_path / "a.csv")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    n = len(feature_names())
    assert f"predict: model m (2 fold models, {n} features); 1 test EEG(s)" in proc.stdout
    assert "predict: extracting the test features" in proc.stdout
    assert "predict: scoring" in proc.stdout and "submission: 1 EEG(s)" in proc.stdout
    quiet = hms("predict", "--data-dir", hms_samples, "--model-dir", model, "--out",
                tmp_path / "b.csv", "--quiet")  # fmt: skip
    assert quiet.returncode == 0, quiet.stderr
    assert "predict:" not in quiet.stdout and quiet.stderr == ""
    assert quiet.stdout.startswith("submission: 1 EEG(s)")


TWO_STAGE = (
    "adds 'two_stage' (soft labels, then boosting continued on rows with >= 10 votes) to "
    "--variants if it is not there (the default list has it)"
)
WEIGHTED = "adds 'weighted' to --variants"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("train", ["--folds FOLDS", "(default: 5)", "(default: 42)", "(default: 0.05)",
                   "(default: 31)", "(default: 2000)", "(default: 50)", TWO_STAGE, WEIGHTED,
                   "--pool-seconds S", "--max-features N", "--device-type"]),
        ("predict", ["(default: 1)"]),
        ("offline-kit", ["--abi ABI"]),
        ("explain", ["(default: test)", "(default: 15)"]),
        ("cohort", ["(default: 3000)", "(default: 20)", "(default: 0)", "--story-top"]),
    ],
)  # fmt: skip
def test_help_has_an_example_every_default_and_one_quiet_flag(command, shown):
    proc = hms(command, "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert f"example: hms {command} " in text or "example: hms features" in text
    for item in shown:
        assert item in text, item
    assert "-q, --quiet, --no-progress" in text


def test_cohort_story_top_default_is_the_cohort_module_s():
    from hms_features.cli import build_parser
    from hms_features.explain.cohort import STORY_TOP_N

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    story = next(a for a in commands["cohort"]._actions if a.dest == "story_top")
    assert story.default == STORY_TOP_N


def test_every_option_has_help_text():
    from hms_features.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in ("train", "predict", "offline-kit", "explain", "cohort"):
        for action in commands[name]._actions:
            assert action.help, f"hms {name} {action.option_strings} has no help"
