"""Figures: the EEG page signals and scale, and every plot rendering to PNG."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES, FS, WINDOW_SAMPLES
from hms_features.explain import plots
from hms_features.signal.montage import BIPOLAR_NAMES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _window(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(WINDOW_SAMPLES) / FS
    x = rng.normal(0.0, 10.0, (WINDOW_SAMPLES, 20))
    x[:, :19] += 40.0 * np.sin(2 * np.pi * 2.0 * t)[:, None] * np.linspace(0, 1, 19)
    x[:, 19] = 500.0 * (np.sin(2 * np.pi * 1.2 * t) > 0.99)  # EKG spikes
    return x.astype(np.float32)


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_eeg_page_filters_as_captioned(rng):
    """The page shows 0.5-40 Hz: a 10 Hz rhythm passes, 60 Hz mains and slow drift do not."""
    t = np.arange(WINDOW_SAMPLES) / FS
    x = np.zeros((WINDOW_SAMPLES, 20))
    x[:, 0] = 50 * np.sin(2 * np.pi * 10 * t) + 80 * np.sin(2 * np.pi * 60 * t) + 300 * t / 50
    eeg, ekg, missing = plots.eeg_page_signals(x)
    assert eeg.shape == (18, 2000) and ekg.shape == (2000,) and not missing.any()
    fp1_f7 = eeg[BIPOLAR_NAMES.index("Fp1-F7")]
    spec = np.abs(np.fft.rfft(fp1_f7)) / len(fp1_f7) * 2
    freqs = np.fft.rfftfreq(len(fp1_f7), 1 / FS)
    assert spec[np.argmin(np.abs(freqs - 10))] == pytest.approx(50, rel=0.02)
    assert spec[np.argmin(np.abs(freqs - 60))] < 1.0
    assert abs(fp1_f7.mean()) < 1.0


def test_eeg_page_marks_missing_samples(rng):
    w = _window(rng)
    w[4500:4700, :] = np.nan
    eeg, _, missing = plots.eeg_page_signals(w)
    assert np.isfinite(eeg).all()
    assert missing.sum() == 200 and missing[500:700].all()


def test_choose_spacing_is_a_clinical_step():
    x = np.random.default_rng(0).normal(0, 20.0, (18, 2000))  # 5-95% range ~66 uV
    assert plots.choose_spacing(x) == 70.0
    assert plots.choose_spacing(np.zeros((18, 2000))) == 20.0
    assert plots.choose_spacing(np.full((18, 10), np.nan)) == 100.0


def test_review_figure_renders(rng):
    spec = np.exp(rng.normal(size=(300, 400))).astype(np.float32)
    spec[:40] = np.nan  # padding drawn grey
    w = _window(rng)
    w[100:900] = np.nan
    fig, info = plots.plot_review(w, spec, "EEG 1: test", recomputed=True)
    width, height = _png_size(plots.figure_png(fig))
    assert width > 1200 and height > 600
    assert info["spacing_uv"] in plots.NICE_SPACINGS_UV and info["ekg_bar_uv"] > 0
    caption = plots.eeg_caption(info)
    assert "0.5-40 Hz" in caption and "60 Hz notch" in caption and "\u00b5V" in caption


def test_spectrogram_colour_scale_is_shared():
    spec = np.ones((300, 400))
    spec[:, :100] = 100.0  # LL 100x the power of the others
    lo, hi = plots.spectrogram_colour_limits(spec)
    assert lo == pytest.approx(0.0) and hi == pytest.approx(2.0)
    assert plots.spectrogram_colour_limits(np.full((300, 400), np.nan)) == (-2.0, 2.0)


def test_waterfall_ends_at_the_raw_score():
    c = np.array([0.8, -0.3, 0.0, 0.05, -0.02])
    names = [f"LL__f{i}" for i in range(5)]
    fig = plots.plot_waterfall(c, names, np.arange(5.0), -1.0, "LPD", max_display=3)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "1 other features"  # bottom: the rest (f4; f2 has no effect)
    assert labels[-1].startswith("LL__f0")  # top: the largest |contribution|
    assert "f(x) = -0.47" in ax.get_title()
    assert _png_size(plots.figure_png(fig))[0] > 300
    fams = {"LL__f3": "spectral", "LL__f4": "spectral", "LL__f1": "symmetry"}
    fig = plots.plot_waterfall(c, names, np.arange(5.0), -1.0, "LPD", max_display=1,
                               families=fams)  # fmt: skip
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    # the rest by family, the largest |sum| nearest the top: spectral 0.03, symmetry -0.3
    assert labels == ["2 other spectral features", "1 other symmetry feature", "LL__f0 = 0"]


def test_summary_plots_render(rng):
    n, f = 80, 25
    data = pd.DataFrame(rng.normal(size=(n, f)), columns=[f"LL__f{i}" for i in range(f)])
    sv = rng.normal(size=(n, f)) * np.linspace(1, 0.1, f)
    sv[:5, 3] = np.nan  # robust to a NaN
    data.iloc[:3, 0] = np.nan
    for fig in (
        plots.plot_beeswarm(np.nan_to_num(sv), data, "LPD", max_display=10),
        plots.plot_importance_bar(
            pd.Series(np.abs(np.nan_to_num(sv)).mean(0), index=data.columns),
            "LPD",
            10,
            families=pd.Series(["spectral"] * 10 + ["symmetry"] * 15, index=data.columns),
        ),
        plots.plot_family_heatmap(
            pd.DataFrame(rng.random((4, 6)), index=list("abcd"), columns=CLASSES)
        ),
        plots.plot_probabilities(np.full(6, 1 / 6), CLASSES, votes=np.array([3, 0, 0, 1, 0, 0])),
        plots.plot_probabilities(np.full(6, 1 / 6), CLASSES),
    ):
        width, height = _png_size(plots.figure_png(fig))
        assert width > 300 and height > 150


def test_swarm_offsets_spread_ties():
    from hms_features.explain.plots.explanations import _swarm_offsets

    off = _swarm_offsets(np.zeros(9))
    assert len(set(np.round(off, 9))) == 9 and np.abs(off).max() <= 0.4
