"""Montage, preprocessing and PSD against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from hms_features.constants import EEG_CHANNELS
from hms_features.signal.montage import BIPOLAR_NAMES, MIRROR_PAIRS, REGIONS, bipolar
from hms_features.signal.preprocess import (
    CLIP_MICROVOLTS,
    clean_window,
    fill_missing,
    filter_signals,
)
from hms_features.signal.psd import welch_psd

FS = 200.0


def test_bipolar_pairs_and_mirrors(rng):
    eeg = rng.normal(size=(1000, 20))
    bip = bipolar(eeg)
    assert bip.shape == (18, 1000) and len(BIPOLAR_NAMES) == 18
    i = BIPOLAR_NAMES.index("T3-T5")
    np.testing.assert_allclose(
        bip[i], eeg[:, EEG_CHANNELS.index("T3")] - eeg[:, EEG_CHANNELS.index("T5")]
    )
    # the four pairs of a chain telescope to its end electrodes
    ll = bip[list(REGIONS["LL"])].sum(axis=0)
    np.testing.assert_allclose(
        ll, eeg[:, EEG_CHANNELS.index("Fp1")] - eeg[:, EEG_CHANNELS.index("O1")]
    )
    for left, right in MIRROR_PAIRS:
        assert (
            BIPOLAR_NAMES[left]
            .replace("1", "2")
            .replace("3", "4")
            .replace("5", "6")
            .replace("7", "8")
            == BIPOLAR_NAMES[right]
        )
    with pytest.raises(ValueError, match="canonical channel order"):
        bipolar(eeg[:, :19])


def test_fill_missing_matches_np_interp(rng):
    x = rng.normal(size=(2000, 20))
    x[100:250] = np.nan  # a run across every electrode
    x[:7, 2] = np.nan  # leading gap on one channel
    x[1990:, 5] = np.nan  # trailing gap
    x[:, 9] = np.nan  # a dead channel
    filled, missing = fill_missing(x)
    t = np.arange(2000)
    for ch in range(20):
        ok = ~np.isnan(x[:, ch])
        expected = np.interp(t, t[ok], x[ok, ch]) if ok.any() else np.zeros(2000)
        np.testing.assert_allclose(filled[:, ch], expected, atol=1e-12)
    assert missing.sum() == np.isnan(x).sum()


def test_filter_matches_sosfiltfilt_away_from_edges(rng):
    t = np.arange(10_000) / FS
    x = (
        rng.normal(0, 10, (3, t.size))
        + 40 * np.sin(2 * np.pi * 7 * t)
        + 20 * np.sin(2 * np.pi * 60 * t)
    )
    band = sps.butter(4, (0.5, 40), btype="bandpass", fs=FS, output="sos")
    b, a = sps.iirnotch(60.0, 30.0, fs=FS)
    ref = sps.sosfiltfilt(np.vstack([band, sps.tf2sos(b, a)]), x, axis=-1)
    y = filter_signals(x, FS)
    inner = slice(1000, -1000)
    assert np.abs(y - ref)[:, inner].max() < 0.01 * np.abs(ref).max()
    # the 60 Hz line is gone, 7 Hz passes
    f, p = welch_psd(y, FS)
    assert p[:, f == 60].max() < 1e-3 * p[:, f == 7].min()


def test_clean_window_outputs(rng):
    eeg = rng.normal(0, 20, (10_000, 20)).astype(np.float32)
    eeg[1000:1400] = np.nan
    eeg[5000:5010, EEG_CHANNELS.index("C3")] = 4000.0  # an electrode pop
    cw = clean_window(eeg)
    assert cw.bipolar.shape == (18, 10_000) and np.isfinite(cw.bipolar).all()
    assert cw.missing_fraction == pytest.approx(0.04)
    np.testing.assert_allclose(cw.channel_missing_fraction, 0.04)
    assert np.abs(cw.bipolar).max() <= CLIP_MICROVOLTS
    involved = [i for i, n in enumerate(BIPOLAR_NAMES) if "C3" in n.split("-")]
    assert (cw.clipped_fraction[involved] > 0).all()


def test_welch_psd_equals_scipy(rng):
    x = rng.normal(size=(18, 2000))
    f, p = welch_psd(x, FS)
    f2, p2 = sps.welch(x, fs=FS, nperseg=400, noverlap=200)
    np.testing.assert_allclose(f, f2)
    np.testing.assert_allclose(p, p2, rtol=1e-10, atol=1e-14)
    # Parseval: integral of the PSD is the variance
    assert np.trapezoid(p, f, axis=-1) == pytest.approx(x.var(axis=-1), rel=0.1)
