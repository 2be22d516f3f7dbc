"""Tests of the evolution family: chirps, amplitude ramps, stationary signals, migration, names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import SIGN, assert_finite_with_stable_names, raw_from
from helpers import edge_windows as shared_edge_windows

from hms_features.constants import EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features import evolution as ev
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import spectra as kspec
from hms_features.kernels import trend as ktrend

N = WINDOW_SAMPLES
T = np.arange(N) / FS
SOURCES = ("LL", "RL", "LP", "RP", "global")
LEFT = ("Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1")
RIGHT = ("Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2")


def features(raw: np.ndarray) -> dict[str, float]:
    return family_values(ev.FAMILY, WindowContext.from_raw(raw))


def subwindow_times() -> np.ndarray:
    return (np.arange(ev.N_SUBWINDOWS) + 0.5) * (N / ev.N_SUBWINDOWS) / FS


# ------------------------------------------------------------------ behaviour
def test_chirp_gives_the_analytic_frequency_slope() -> None:
    f0, f1 = 3.0, 8.0
    rate = (f1 - f0) / (N / FS)  # 0.1 Hz/s
    out = features(raw_from(30 * np.sin(2 * np.pi * (f0 * T + 0.5 * rate * T**2)), noise_uv=1.0))
    for source in SOURCES:
        assert out[f"{source}__dominant_freq_slope"] == pytest.approx(rate, abs=0.003)
        # ten sub-windows 5 s apart: range 4.5 Hz, steps of 0.5 Hz
        assert out[f"{source}__dominant_freq_range"] == pytest.approx(4.5, abs=0.15)
        assert out[f"{source}__dominant_freq_max_change"] == pytest.approx(0.5, abs=0.1)
        assert abs(out[f"{source}__log_amplitude_slope"]) < 1e-3


def test_amplitude_ramp_gives_the_closed_form_log_amplitude_slope() -> None:
    amplitude = 10.0 + 60.0 * T / T[-1]
    out = features(raw_from(amplitude * np.sin(2 * np.pi * 5.0 * T), noise_uv=0.1))
    # closed form: RMS of a 5 Hz sine with this envelope over each 5-s sub-window, bipolar x2
    sub = (2 * amplitude).reshape(ev.N_SUBWINDOWS, -1)
    log_rms = np.log10(np.sqrt((sub**2).mean(axis=1) / 2))
    expected = np.polyfit(subwindow_times(), log_rms, 1)[0]
    for source in SOURCES:
        assert out[f"{source}__log_amplitude_slope"] == pytest.approx(expected, rel=0.02)
        assert out[f"{source}__log_line_length_slope"] > 0.5 * expected
        assert abs(out[f"{source}__dominant_freq_slope"]) < 1e-3


def test_stationary_sine_does_not_evolve() -> None:
    out = features(raw_from(30 * np.sin(2 * np.pi * 5.0 * T), noise_uv=1.0))
    for name, value in out.items():
        assert abs(value) < 0.01, name


def test_migration_from_left_to_right_changes_lateralization() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0, 2.0, (N, len(EEG_CHANNELS)))
    rhythm = 50 * np.sin(2 * np.pi * 3.0 * T)
    col = {name: i for i, name in enumerate(EEG_CHANNELS)}
    fade = T / T[-1]
    for name in LEFT:
        x[:, col[name]] += SIGN[name] * rhythm * (1 - fade)
    for name in RIGHT:
        x[:, col[name]] += SIGN[name] * rhythm * fade
    moving = features(x.astype(np.float32))
    still = features(raw_from(rhythm, noise_uv=1.0))
    for pair in ("LL-RL", "LP-RP", "global"):
        assert moving[f"{pair}__lateralization_range"] > 1.0  # over a decade of L/R amplitude
        assert still[f"{pair}__lateralization_range"] < 0.05
    assert moving["LL__log_amplitude_slope"] < 0 < moving["RL__log_amplitude_slope"]


# ------------------------------------------------------------------ building blocks
def test_dominant_frequency_between_bins() -> None:
    fs = 100.0
    t = np.arange(500) / fs
    for f_true in (2.37, 7.33, 11.9):
        sub = np.sin(2 * np.pi * f_true * t)[None, None, :]
        freqs, power = kspec.subwindow_power_spectra(sub, fs)
        assert kspec.dominant_frequency(freqs, power)[0, 0] == pytest.approx(f_true, abs=0.03)


def test_trend_statistics_match_numpy() -> None:
    rng = np.random.default_rng(2)
    v = rng.normal(size=(3, 10))
    times = subwindow_times()
    stats = ktrend.trend_statistics(v, times)
    np.testing.assert_allclose(stats["slope"], [np.polyfit(times, row, 1)[0] for row in v])
    np.testing.assert_allclose(stats["range"], np.ptp(v, axis=1))
    np.testing.assert_allclose(stats["std"], v.std(axis=1))
    np.testing.assert_allclose(stats["max_change"], np.abs(np.diff(v, axis=1)).max(axis=1))


def test_subwindow_spectra_use_one_fft_over_all_subwindows() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 1000))
    sub = ktrend.split_subwindows(x, 4)
    freqs, power = kspec.subwindow_power_spectra(sub, 100.0)
    seg = x[1, 500:750]
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(250) / 250)
    ref = np.abs(np.fft.rfft((seg - seg.mean()) * w)) ** 2
    np.testing.assert_allclose(power[1, 2], ref)
    assert freqs[1] == pytest.approx(100.0 / 250)


# ------------------------------------------------------------------ edge windows and names
def edge_windows() -> dict[str, np.ndarray]:
    return shared_edge_windows(
        raw_from(30 * np.sin(2 * np.pi * 4.0 * T), noise_uv=20.0, seed=4), "F4"
    )


def test_subwindow_variance_and_line_length_match_numpy() -> None:
    rng = np.random.default_rng(3)
    sub = ktrend.split_subwindows(rng.normal(5.0, 20.0, (18, 10_000)))
    var, ll = ktrend.subwindow_variance_line_length(sub)
    np.testing.assert_allclose(var, sub.var(axis=-1), rtol=1e-10)
    np.testing.assert_allclose(ll, np.abs(np.diff(sub, axis=-1)).mean(axis=-1), rtol=1e-12)


def test_edge_windows_are_finite_with_stable_names() -> None:
    assert_finite_with_stable_names(features, edge_windows())


def test_flat_window_gives_zeros() -> None:
    out = features(np.zeros((N, len(EEG_CHANNELS)), dtype=np.float32))
    assert all(v == 0.0 for v in out.values())


def test_every_feature_is_described() -> None:
    out = features(edge_windows()["normal"])
    assert len(out) == 12 * len(SOURCES) + 2 * 3
    for name in out:
        assert describe(name)
        assert name.split("__", 1)[1] in ev.FAMILY.suffixes


def test_short_window_is_supported() -> None:
    out = features(edge_windows()["normal"][:2000])
    assert np.isfinite(list(out.values())).all()


def test_genuine_window_is_finite(hms_samples: Path) -> None:
    import pandas as pd

    path = hms_samples / "train_eegs" / "1628180742.parquet"
    eeg = pd.read_parquet(path)[list(EEG_CHANNELS)].to_numpy(np.float32)[:WINDOW_SAMPLES]
    out = features(eeg)
    assert np.isfinite(list(out.values())).all()
