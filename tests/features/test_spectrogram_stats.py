"""Tests of the spectrogram family: constructed spectrograms, padding, neutral values, real data."""

from __future__ import annotations

import numpy as np
import pytest

from hms_features.constants import FS, SPEC_FREQS
from hms_features.features import spectrogram_stats as ss
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import spectrogram as kspg

N = 10_000
F = np.asarray(SPEC_FREQS)
DF = FS / 1024
BANDS4 = {"delta": (0.5, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 20.0)}


def eeg_window(seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal((N, 20)) * 20).astype(np.float32)


def spectrogram(seed: int = 0) -> np.ndarray:
    """(300, 400) positive random power, 1/f-shaped, float32."""
    rng = np.random.default_rng(seed)
    return (rng.gamma(2.0, 1.0, (300, 4, 100)) * 50 / F).reshape(300, 400).astype(np.float32)


def features(spec: np.ndarray | None) -> dict[str, float]:
    return family_values(ss.FAMILY, WindowContext.from_raw(eeg_window(), spectrogram=spec))


def test_band_means_against_a_direct_nan_aware_computation():
    spec = spectrogram(1)
    spec[:40] = np.nan  # zero-padded start of the recording
    spec[200, 150] = np.nan  # one missing RL bin: the whole RL row is invalid
    out = features(spec)
    s = spec.reshape(300, 4, 100).astype(np.float64)
    for r, region in enumerate(("LL", "RL", "LP", "RP")):
        rows = s[:, r]
        valid = np.isfinite(rows).all(axis=1)
        assert out[f"spec_{region}__valid_fraction"] == pytest.approx(valid.mean())
        per_band = {}
        for band, (lo, hi) in BANDS4.items():
            sel = (F >= lo) & (F < hi)
            bp = rows[:, sel].sum(axis=1) * DF
            per_band[band] = (np.mean(bp[valid]), np.mean(bp[147:153][valid[147:153]]))
            assert out[f"spec_{region}__{band}_mean_10min"] == pytest.approx(per_band[band][0])
            assert out[f"spec_{region}__{band}_mean_center"] == pytest.approx(per_band[band][1])
            ratio = np.log10(per_band[band][1] / per_band[band][0])
            assert out[f"spec_{region}__{band}_center_log_ratio"] == pytest.approx(ratio, abs=1e-5)
        tot = sum(v[0] for v in per_band.values())
        assert out[f"spec_{region}__delta_rel_power_10min"] == pytest.approx(
            per_band["delta"][0] / tot
        )
        log_tot = np.log10(rows[valid].sum(axis=1) * DF)
        assert out[f"spec_{region}__total_power_log_std"] == pytest.approx(log_tot.std(), rel=1e-6)
    rel = [out[f"spec_LP__{b}_rel_power_center"] for b in BANDS4]
    assert sum(rel) == pytest.approx(1.0)


def test_center_rows_asymmetry_and_scale_invariance():
    spec = np.ones((300, 400), dtype=np.float32)
    spec[ss.CENTER_ROWS, :100] *= 10.0  # LL louder only in the labelled 10 s
    spec[:, 200:300] *= 3.0  # LP three times RP throughout
    out = features(spec)
    assert ss.CENTER_ROWS == slice(147, 153)
    assert out["spec_LL__delta_center_log_ratio"] == pytest.approx(
        np.log10(10 / (354 / 300)), abs=1e-5
    )
    assert out["spec_RL__delta_center_log_ratio"] == pytest.approx(0.0, abs=1e-12)
    assert out["spec_LL-RL__alpha_asymmetry_center"] == pytest.approx(9 / 11)
    assert out["spec_LP-RP__beta_asymmetry_10min"] == pytest.approx(0.5)
    assert out["spec_LP-RP__beta_asymmetry_center"] == pytest.approx(0.5)
    assert out["spec_RP__total_power_log_std"] == pytest.approx(0.0, abs=1e-12)
    scaled = features(spec * 1000)
    for key, value in out.items():
        if "_mean_" not in key:
            assert scaled[key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
        else:
            assert scaled[key] == pytest.approx(1000 * value, rel=1e-6), key


def test_neutral_values_without_spectrogram_or_data_and_stable_names():
    ref = features(spectrogram(0))
    names = list(ref)
    assert 100 <= len(names) <= 150
    assert names == list(features(spectrogram(5)))
    for key in names:
        assert describe(key)
    for spec in (None, np.full((300, 400), np.nan, dtype=np.float32)):
        out = features(spec)
        assert list(out) == names
        assert all(v == 0.0 for v in out.values())
    # all center rows missing: center features neutral, 10-min ones still computed
    spec = spectrogram(2)
    spec[140:160] = np.nan
    out = features(spec)
    assert out["spec_LL__delta_mean_center"] == 0.0
    assert out["spec_LL__delta_center_log_ratio"] == 0.0
    assert out["spec_LL__delta_mean_10min"] > 0.0
    huge = spectrogram(3) * np.float32(1e30)
    zeros = np.zeros((300, 400), dtype=np.float32)
    for spec in (huge, zeros):
        assert np.all(np.isfinite(list(features(spec).values())))


def test_wrong_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(n_rows, 400\).*got shape \(300, 399\)"):
        kspg.spectrogram_summary(np.ones((300, 399)))


def test_real_spectrogram_file(hms_samples):
    path = hms_samples / "test_spectrograms" / "853520.parquet"
    from hms_features.data import read_spectrogram, spectrogram_window

    time, power = read_spectrogram(path)
    out = features(spectrogram_window(time, power, 0))
    assert np.all(np.isfinite(list(out.values())))
    assert out["spec_LL__valid_fraction"] == 1.0
    assert out["spec_RL__delta_rel_power_10min"] > 0.5  # critically ill EEG: delta dominates
