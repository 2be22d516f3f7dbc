"""Tests of the competition-style spectrogram (hms_features.signal.spectrogram)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import samples_dir

from hms_features.constants import EEG_CHANNELS, SPEC_COLUMNS, SPEC_FREQS
from hms_features.signal.spectrogram import (
    eeg_to_spectrogram,
    pair_spectrogram,
    spectrogram_around,
)

FS = 200.0
T3 = EEG_CHANNELS.index("T3")
LL, RL, LP, RP = (slice(100 * i, 100 * (i + 1)) for i in range(4))


def noise_eeg(n: int, seed: int = 0, scale: float = 5.0) -> np.ndarray:
    return (scale * np.random.default_rng(seed).standard_normal((n, 20))).astype(np.float32)


def test_shape_dtype_time_and_columns() -> None:
    eeg = noise_eeg(12_100)  # 60.5 s: the trailing half row is dropped
    time, power = eeg_to_spectrogram(eeg)
    assert power.shape == (30, len(SPEC_COLUMNS)) == (30, 400)
    assert power.dtype == np.float32
    np.testing.assert_array_equal(time, 2.0 * np.arange(30) + 1.0)
    assert np.isfinite(power).all() and (power > 0).all()


def test_sine_in_left_temporal_peaks_at_10hz_in_ll_only() -> None:
    t = np.arange(int(60 * FS)) / FS
    eeg = noise_eeg(t.size, scale=1.0)
    eeg[:, T3] += 50.0 * np.sin(2 * np.pi * 10.0 * t)  # T3 sits in F7-T3 and T3-T5 only
    _, power = eeg_to_spectrogram(eeg)
    mean = power.mean(axis=0)
    k10 = int(np.argmin(np.abs(np.array(SPEC_FREQS) - 10.0)))
    assert abs(int(np.argmax(mean[LL])) - k10) <= 1
    assert mean[LL][k10] > 100 * mean[RL][k10]
    assert mean[LL][k10] > 100 * mean[LP][k10]  # the parasagittal chain has no T3


def test_white_noise_level_is_a_psd_in_uv2_per_hz() -> None:
    # white noise of variance s^2 in T3: two LL pairs carry it, LL = (2 s^2 / 4) / fs
    sigma = 10.0
    eeg = np.zeros((int(600 * FS), 20), dtype=np.float32)
    eeg[:, T3] = sigma * np.random.default_rng(1).standard_normal(eeg.shape[0])
    _, power = eeg_to_spectrogram(eeg)
    expected = 2 * sigma**2 / 4 / FS
    assert power[:, LL].mean() == pytest.approx(expected, rel=0.05)
    assert power[:, RL].max() == 0.0


def test_nan_makes_its_row_nan_only() -> None:
    eeg = noise_eeg(int(20 * FS))
    eeg[int(6.5 * FS), 3] = np.nan  # row 3 covers 6-8 s
    _, power = eeg_to_spectrogram(eeg)
    nan_rows = np.isnan(power).all(axis=1)
    assert nan_rows.tolist() == [i == 3 for i in range(10)]
    assert np.isfinite(power[~nan_rows]).all()


def test_ekg_is_ignored() -> None:
    eeg = noise_eeg(int(10 * FS))
    other = eeg.copy()
    other[:, -1] = np.nan
    np.testing.assert_array_equal(eeg_to_spectrogram(eeg)[1], eeg_to_spectrogram(other)[1])


def test_float32_option_matches_float64() -> None:
    eeg = noise_eeg(int(30 * FS)) + 300.0  # a DC offset must not cost precision
    p64 = eeg_to_spectrogram(eeg)[1]
    p32 = eeg_to_spectrogram(eeg, dtype="float32")[1]
    np.testing.assert_allclose(p32, p64, rtol=1e-3, atol=1e-4)


def test_lower_sampling_rate_gives_the_same_frequency_grid() -> None:
    fs = 50.0
    t = np.arange(int(60 * fs)) / fs
    eeg = noise_eeg(t.size, scale=1.0)
    eeg[:, T3] += 50.0 * np.sin(2 * np.pi * 7.0 * t)
    _, power = eeg_to_spectrogram(eeg, fs=fs)
    k7 = int(np.argmin(np.abs(np.array(SPEC_FREQS) - 7.0)))
    assert abs(int(np.argmax(power.mean(axis=0)[LL])) - k7) <= 1
    with pytest.raises(ValueError, match="multiple of 200/1024"):
        eeg_to_spectrogram(eeg, fs=64.0)


def test_bad_shape_is_rejected_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"\(n_samples, 20\).*got shape \(100, 19\)"):
        eeg_to_spectrogram(np.zeros((100, 19)))
    with pytest.raises(ValueError, match="n_channels, n_samples"):
        pair_spectrogram(np.zeros(100))


def test_spectrogram_around_pads_beyond_the_recording() -> None:
    eeg = noise_eeg(int(50 * FS))
    window = spectrogram_around(eeg, center_seconds=25.0)
    assert window.shape == (300, 400) and window.dtype == np.float32
    finite = np.isfinite(window).all(axis=1)
    # rows start at 25 - 300 = -275 s: row i covers [2i - 275, 2i - 273) s
    assert np.flatnonzero(finite).tolist() == list(range(138, 162))
    assert np.isnan(window[~finite]).all()
    # the valid rows are the EEG's own 2-s rows starting at its second 1
    np.testing.assert_allclose(window[138:162], eeg_to_spectrogram(eeg[int(FS) :])[1][:24])


def test_spectrogram_around_long_recording_and_out_of_range_centre() -> None:
    eeg = noise_eeg(int(700 * FS))
    window = spectrogram_around(eeg, center_seconds=350.0)
    assert np.isfinite(window).all()
    np.testing.assert_allclose(window, eeg_to_spectrogram(eeg[int(50 * FS) :])[1][:300])
    assert np.isnan(spectrogram_around(eeg, center_seconds=5000.0)).all()


def test_matches_the_genuine_competition_spectrogram() -> None:
    root = samples_dir()
    eeg_file = root / "train_eegs/1628180742.parquet"
    spec_file = root / "train_spectrograms/353733.parquet"
    if not (eeg_file.is_file() and spec_file.is_file()):
        pytest.skip(f"genuine HMS sample files not found in {root}")
    from hms_features.data import read_eeg, read_spectrogram

    eeg = read_eeg(eeg_file)
    _, genuine = read_spectrogram(spec_file)
    # train.csv: eeg offset 0 <-> spectrogram offset 0, i.e. the label window is centred
    ours = spectrogram_around(eeg, center_seconds=25.0)
    rows = np.isfinite(ours).all(axis=1) & np.isfinite(genuine[:300]).all(axis=1)
    assert rows.sum() >= 40
    ratio = np.median(genuine[:300][rows] / ours[rows])
    corr = np.corrcoef(np.log(ours[rows]).ravel(), np.log(genuine[:300][rows]).ravel())[0, 1]
    assert 0.8 < ratio < 1.25, f"scale differs from the genuine file: median ratio {ratio:.3f}"
    assert corr > 0.9, f"log-power correlation with the genuine file only {corr:.3f}"
