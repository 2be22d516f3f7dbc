"""The realism benchmark (hms_features.synth.realism and .window_statistics,
benchmarks/realism.py): the genuine figures' loader, the window statistics on constructed
signals, the C2ST, the page and the benchmark's JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT

from hms_features.constants import CLASSES, FS
from hms_features.explain.realism_page import realism_page
from hms_features.signal.montage import BIPOLAR_NAMES
from hms_features.synth import generate_dataset
from hms_features.synth import realism as rl
from hms_features.synth import window_statistics as ws

#: The digitised figures' channel order, as their README states it.
FIGURE_ORDER = (
    "Fp1-F7 F7-T3 T3-T5 T5-O1 Fp2-F8 F8-T4 T4-T6 T6-O2 Fp1-F3 F3-C3 C3-P3 P3-O1 "
    "Fp2-F4 F4-C4 C4-P4 P4-O2 Fz-Cz Cz-Pz"
).split()
T = np.arange(2000) / FS


@pytest.fixture(scope="module")
def figures() -> rl.FigureWindows:
    try:
        return rl.load_figures()
    except FileNotFoundError as err:
        pytest.skip(str(err))


def test_the_project_montage_is_in_the_figures_order() -> None:
    assert list(BIPOLAR_NAMES) == FIGURE_ORDER


def test_loader_reads_the_20_figures_with_their_votes(figures: rl.FigureWindows) -> None:
    assert figures.eeg.shape == (20, 18, 2000)
    assert figures.ekg.shape == (20, 2000)
    assert figures.names[0] == "sample01" and figures.names[-1] == "sample20"
    assert figures.votes[0].tolist() == [20, 0, 0, 0, 0, 0]  # "20 Seizure"
    assert figures.votes[1].tolist() == [10, 0, 0, 0, 0, 10]  # "10 Seizure, 10 Other"
    classes = figures.classes()
    assert classes[0] == (0,) and classes[1] == (0, 5)  # a tie counts in both classes
    # plausible microvolts (README: median channel SD 6-47 uV, max |value| 40-258 uV)
    assert 5 < np.median(figures.eeg.std(axis=2)) < 50
    assert np.abs(figures.eeg).max() < 300


def test_a_missing_figures_folder_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        rl.load_figures(tmp_path / "nowhere")


def test_statistics_of_a_sinusoid() -> None:
    """10 uV at 10 Hz on all channels: std 10/sqrt(2), peak 10 Hz, all power in alpha, line
    length 4 A f / fs = 2 uV per sample (the peaks fall on samples), symmetric and coherent."""
    s = ws.window_statistics(np.tile(10.0 * np.sin(2 * np.pi * 10.0 * T), (18, 1)))
    assert s["std_uv"] == pytest.approx(10 / np.sqrt(2), rel=1e-6)
    assert s["ptp_uv"] == pytest.approx(20.0, rel=1e-6)
    assert s["peak_freq_hz"] == 10.0
    assert s["rel_alpha"] == pytest.approx(1.0, abs=1e-3)
    assert s["rel_delta"] < 1e-3
    assert s["line_length_uv"] == pytest.approx(2.0, rel=1e-3)  # 1999 steps of 2000
    assert s["kurtosis"] == pytest.approx(-1.5, abs=1e-3)
    assert s["hemi_corr"] == pytest.approx(1.0)
    assert s["delta_asymmetry"] == pytest.approx(0.0, abs=1e-9)
    assert s["line_noise_uv"] == pytest.approx(0.0, abs=1e-9)
    assert list(s) == list(ws.STATISTICS)


def test_statistics_of_noise_with_a_known_std_and_a_1_over_f_spectrum() -> None:
    rng = np.random.default_rng(0)
    white = rng.normal(0.0, 5.0, (18, 2000))
    s = ws.window_statistics(white)
    assert s["std_uv"] == pytest.approx(5.0, rel=0.05)
    assert s["line_length_uv"] == pytest.approx(2 * 5.0 / np.sqrt(np.pi), rel=0.05)
    assert s["psd_slope"] == pytest.approx(0.0, abs=0.15)
    # power ~ 1/f: amplitude spectrum ~ f^-1/2
    f = np.fft.rfftfreq(2000, 1 / FS)
    spec = np.fft.rfft(rng.normal(size=(18, 2000)), axis=1) / np.sqrt(np.maximum(f, f[1]))
    pink = np.fft.irfft(spec, n=2000, axis=1)
    assert ws.window_statistics(pink)["psd_slope"] == pytest.approx(-1.0, abs=0.15)


def test_line_noise_is_read_from_the_raw_window() -> None:
    x = np.tile(np.sin(2 * np.pi * 2.0 * T), (18, 1))
    raw = x + 4.0 * np.sin(2 * np.pi * 60.0 * T)
    assert ws.window_statistics(x, raw=raw)["line_noise_uv"] == pytest.approx(4.0)


def test_c2st_is_half_for_one_distribution_and_one_for_two() -> None:
    """Under the null the cross-validated AUC scatters about 0.5 (+/- ~0.1 at these sizes,
    with a slight downward bias); two samples 3 SD apart are separated."""
    rng = np.random.default_rng(1)
    a = rng.normal(size=(60, 6))
    same = rl.c2st_auc(a, rng.normal(size=(300, 6)), n_repeats=3)
    apart = rl.c2st_auc(a, rng.normal(3.0, 1.0, size=(300, 6)), n_repeats=3)
    assert 0.35 < same < 0.65
    assert apart > 0.97


def test_outside_range_counts_values_beyond_p1_p99() -> None:
    syn = np.arange(1001.0)[:, None]
    out = rl.outside_range(np.array([[5.0], [500.0], [995.0], [-1.0]]), syn)
    assert out[:, 0].tolist() == [True, False, True, True]


def _fake_synthetic(n_per_class: int = 4) -> rl.SyntheticWindows:
    rng = np.random.default_rng(2)
    n = n_per_class * len(CLASSES)
    labels = pd.DataFrame({
        "eeg_id": np.arange(n), "eeg_label_offset_seconds": np.zeros(n),
        "cls": np.repeat(np.arange(len(CLASSES)), n_per_class),
        **{c: np.zeros(n, dtype=int) for c in rl.VOTE_COLUMNS},
    })  # fmt: skip
    for i, c in enumerate(labels["cls"]):
        labels.loc[i, rl.VOTE_COLUMNS[c]] = 10
    eeg = rng.normal(0.0, 15.0, (n, 18, 2000))
    return rl.SyntheticWindows(eeg, rng.normal(size=(n, 2000)), np.ones(n), labels)


def test_page_shows_every_class_and_escapes_text(figures: rl.FigureWindows) -> None:
    syn = _fake_synthetic()
    gen = ws.statistics_table(figures.eeg)
    stats = ws.statistics_table(syn.eeg, line_noise_uv=syn.line_noise_uv)
    result = rl.compare(gen, figures.classes(), stats, syn.labels["cls"].to_numpy(), n_repeats=1)
    assert set(result.table["class"]) == set(CLASSES)
    assert 0.0 <= result.out_of_range_share <= 1.0 and 0.0 <= result.c2st_auc <= 1.0
    page = realism_page(figures, syn, result, examples=1, note="<script>x</script>")
    for name in CLASSES:
        assert f"<h2>{name}:" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    # each figure under each of its (tied) classes, and 1 synthetic window per class
    assert page.count("<img ") == sum(map(len, figures.classes())) + len(CLASSES)


def test_benchmark_json_last_line(tmp_path: Path) -> None:
    data = tmp_path / "synth"
    generate_dataset(data, seed=1, n_patients=5, n_test=0)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "realism.py"), "--data-dir", str(data),
         "--min-votes", "1", "--max-per-class", "6", "--examples", "1", "--c2st-repeats", "1",
         "--n-jobs", "1", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    if "not at" in proc.stderr and "labels.csv" in proc.stderr:
        pytest.skip("digitised figures not found")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("c2st_auc", "out_of_range_share", "per_class", "seconds", "min_votes"):
        assert key in result
    assert set(result["per_class"]) == set(CLASSES)
    first = next(v for v in result["per_class"].values() if v["n_synthetic"])
    assert {"n_genuine", "n_synthetic", "out_of_range_share", "statistics"} <= set(first)
    assert set(first["statistics"]["std_uv"]) >= {
        "genuine_median", "synthetic_median", "synthetic_p5", "synthetic_p95",
    }  # fmt: skip
    assert (tmp_path / "out" / "realism.html").is_file()
