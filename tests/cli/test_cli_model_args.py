"""``hms train`` / ``hms predict`` / ``hms offline-kit`` argument handling and runs."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest
from helpers import synthetic_training_table

import hms_features.factory
from hms_features.cli import build_parser, main
from hms_features.constants import VOTE_COLUMNS


def _parser() -> argparse.ArgumentParser:
    return build_parser()


def _run(argv: list[str]) -> int:
    return main(argv)  # errors are handled once, in main


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    features, labels = synthetic_training_table(n_rows=400, n_features=15, seed=8)
    labels.to_csv(d / "train.csv", index=False)
    features.to_parquet(d / "features.parquet", index=False)
    first_rows = features.drop_duplicates("eeg_id").iloc[:3]
    test_feats = first_rows.drop(columns="eeg_sub_id").assign(spectrogram_id=[1, 2, 3])
    test_feats.to_parquet(d / "test_features.parquet", index=False)
    pd.DataFrame(
        {"spectrogram_id": [1, 2, 3], "eeg_id": test_feats["eeg_id"], "patient_id": [7, 8, 9]}
    ).to_csv(d / "test.csv", index=False)
    return d


def test_parsers_have_their_options():
    args = _parser().parse_args(
        [
            "train",
            "--data-dir",
            "D",
            "--features",
            "F",
            "--model-dir",
            "M",
            "--low-vote-weight",
            "0.3",
        ]
    )
    assert (args.folds, args.seed, args.n_jobs) == (5, 42, 1)
    assert args.low_vote_weight == 0.3 and not args.two_stage
    args = _parser().parse_args(
        ["predict", "--data-dir", "D", "--model-dir", "M", "--out", "s.csv", "--n-jobs", "3"]
    )
    assert args.n_jobs == 3
    args = _parser().parse_args(
        ["offline-kit", "--model-dir", "M", "--out", "K", "--platform", "a", "--platform", "b"]
    )
    assert args.platform == ["a", "b"]


def test_train_then_predict(data_dir, tmp_path, monkeypatch, capsys):
    model_dir = tmp_path / "models" / "cli"
    argv = [
        "train", "--data-dir", str(data_dir), "--features", str(data_dir / "features.parquet"),
        "--model-dir", str(model_dir), "--folds", "3", "--variants", "prior,soft", "--two-stage",
        "--max-rounds", "20", "--early-stopping", "4", "--learning-rate", "0.3",
    ]  # fmt: skip
    assert _run(argv) == 0
    out = capsys.readouterr().out
    assert "fold 3/3" in out and "shipped:" in out
    report = json.loads((model_dir / "cv_report.json").read_text())
    assert set(report["scores"]) == {"prior", "soft", "two_stage"}

    monkeypatch.setattr(
        hms_features.factory,
        "extract_features",
        lambda *a, **k: pd.read_parquet(data_dir / "test_features.parquet"),
    )
    sub_path = tmp_path / "submission.csv"
    argv = [
        "predict",
        "--data-dir",
        str(data_dir),
        "--model-dir",
        str(model_dir),
        "--out",
        str(sub_path),
    ]
    assert _run(argv) == 0
    sub = pd.read_csv(sub_path)
    assert list(sub.columns) == ["eeg_id", *VOTE_COLUMNS] and len(sub) == 3


def test_errors_exit_2_with_a_message(data_dir, tmp_path, capsys):
    argv = ["train", "--data-dir", str(data_dir), "--features", str(tmp_path / "nope.parquet"),
            "--model-dir", str(tmp_path / "m")]  # fmt: skip
    assert _run(argv) == 2
    assert "nope.parquet" in capsys.readouterr().err
    argv = [
        "predict",
        "--data-dir",
        str(data_dir),
        "--model-dir",
        str(tmp_path / "none"),
        "--out",
        "x.csv",
    ]
    assert _run(argv) == 2
    assert "error: --model-dir" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    argv[4] = str(tmp_path / "empty")
    assert _run(argv) == 2
    assert "model.json not found" in capsys.readouterr().err


def test_the_parser_loads_neither_the_generator_nor_lightgbm():
    """Every ``hms`` command builds the whole parser first. Its presets and training options
    used to import the generator (SciPy's signal module) and LightGBM: 2.5 s before any work,
    as long as ``hms features`` spends on 270 windows of the Kaggle structure."""
    import subprocess
    import sys

    code = (
        "import sys; from hms_features.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('scipy.signal', 'lightgbm', 'hms_features.synth.dataset') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    from hms_features.synth import PRESETS, generate_dataset  # the package's names still there

    assert "kaggle" in PRESETS and callable(generate_dataset)
