"""Review pages on the genuine sample files, the limitations line, the index and the CLI
(loading the cases: test_cases.py)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES
from hms_features.explain.cases import ReviewCase
from hms_features.explain.report import (
    concept_line,
    generate_reports,
    limitations,
    write_index,
)
from hms_features.features.families import feature_names


def _case(features: dict[str, float], spectrogram: np.ndarray | None = None) -> ReviewCase:
    spec = np.ones((300, 400), np.float32) if spectrogram is None else spectrogram
    return ReviewCase(
        split="test",
        eeg_id=1,
        eeg_sub_id=0,
        spectrogram_id=2,
        patient_id=3,
        offset_seconds=0.0,
        window=np.zeros((10000, 20), np.float32),
        spectrogram=spec,
        spectrogram_recomputed=bool(features.get("global__spectrogram_recomputed", 0.0)),
        spectrogram_note="",
        features=pd.DataFrame([features]),
    )


def test_limitations_from_quality_features():
    clean = limitations(
        _case(
            {
                "global__missing_fraction": 0.0,
                "global__clipped_fraction": 0.0,
                "global__spectrogram_recomputed": 0.0,
            }
        )  # fmt: skip
    )
    assert len(clean) == 1 and clean[0].startswith("No missing data")
    spec = np.ones((300, 400), np.float32)
    spec[:200] = np.nan
    lines = limitations(
        _case(
            {
                "global__missing_fraction": 0.3,
                "global__clipped_fraction": 0.02,
                "global__spectrogram_recomputed": 1.0,
            },
            spec,
        )  # fmt: skip
    )
    text = " ".join(lines)
    assert "30% of the 50-s window was missing" in text
    assert "recomputed from the EEG" in text
    assert "2.0% of the EEG samples exceeded" in text
    assert "Only 33% of the 10-minute spectrogram" in text


def test_reports_and_index_on_genuine_samples(hms_samples, full_model_dir, tmp_path):
    model_dir, features_path = full_model_dir
    out = tmp_path / "reports"
    run = generate_reports(
        hms_samples, model_dir, out, [1628180742, 1000913311], split="train",
        features_path=features_path, extra_classes=["LPD", "GPD"], top_k=8, log=None,
    )  # fmt: skip
    generate_reports(hms_samples, model_dir, out, [3911565283], split="test", log=None)
    assert len(run.written) == 2 and not run.failed
    assert (model_dir / "feature_quantiles.json").is_file()  # stored for the next call
    page = (out / "report_train_1000913311_0.html").read_text()
    # self-contained: every image inline, no external resources
    assert re.findall(r'src="(?!data:image/png;base64,)', page) == []
    summary = json.loads((out / "report_train_1000913311_0.json").read_text())
    shown = {summary["predicted"], "LPD", "GPD"}  # the predicted class and those asked for
    assert set(summary["other_explanations"]) == shown - {summary["predicted"]}
    # probs, review, and for each class shown a concept and a feature waterfall
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 2 + 2 * len(shown)
    assert "What the model cannot see" in page and "recomputed from the EEG" in page
    for cls in CLASSES:
        assert cls in page
    assert "Why LPD?" in page and "percentile" in page and "log-odds" in page
    assert "0.5-40 Hz" in page and "60 Hz notch" in page
    assert summary["votes"]["Other"] == 2 and summary["predicted"] in CLASSES
    assert sum(summary["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    # the explanation in concepts: the concepts add up to the raw score
    for story in (summary["explanation"], *summary["other_explanations"].values()):
        assert set(story) >= {"class", "base_value", "raw_score", "concepts", "features"}
        total = story["base_value"] + sum(c["contribution"] for c in story["concepts"])
        assert total == pytest.approx(story["raw_score"], abs=1e-6)
        first = story["concepts"][0]
        assert set(first) >= {"concept", "description", "contribution", "n_features", "top_feature"}
        assert abs(first["contribution"]) == max(abs(c["contribution"]) for c in story["concepts"])
        assert sum(c["n_features"] for c in story["concepts"]) == len(feature_names())
        top = [f for f in story["features"] if f["feature"] == first["top_feature"]]
        assert len(top) == 1 and top[0]["concept"] == first["concept"]
    assert summary["explanation"]["class"] == summary["predicted"]
    line = concept_line(summary)
    assert (
        line.startswith(summary["predicted"])
        and summary["explanation"]["concepts"][0]["label"] in line
    )
    assert "The clinical concepts behind this prediction" in page and "<details>" in page
    assert page.index("concept waterfall for") < page.index("SHAP waterfall for")
    test_page = (out / "report_test_3911565283.html").read_text()
    assert "expert votes" not in test_page  # unknown for test EEGs
    index = (out / "index.html").read_text()
    for name in ("report_train_1628180742_0.html", "report_train_1000913311_0.html",
                 "report_test_3911565283.html"):  # fmt: skip
        assert f'href="{name}"' in index
    assert write_index(out) == out / "index.html"


def test_cli_explain(hms_samples, full_model_dir, tmp_path, capsys):
    from hms_features.cli import main

    model_dir, _ = full_model_dir
    base = ["explain", "--data-dir", str(hms_samples), "--model-dir", str(model_dir)]
    assert main([*base, "--out", str(tmp_path / "a")]) == 2  # neither --eeg-id nor --all
    assert "give --eeg-id ID" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "b"), "--eeg-id", "42"]) == 2
    assert "eeg_id 42 is not in" in capsys.readouterr().err  # said before any page
    assert not (tmp_path / "b").exists()
    assert main([*base, "--out", str(tmp_path / "c"), "--split", "test", "--all", "-q"]) == 0
    assert (tmp_path / "c" / "report_test_3911565283.html").is_file()
    bad = ["explain", "--data-dir", str(hms_samples), "--model-dir", str(tmp_path),
           "--out", str(tmp_path / "d"), "--eeg-id", "3911565283"]  # fmt: skip
    assert main(bad) == 2 and "model.json" in capsys.readouterr().err
