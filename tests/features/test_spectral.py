"""Tests of the spectral family against scipy's Welch and integration, closed forms and real EEG."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ctx_from_bipolar
from scipy import integrate, signal, stats

from hms_features.constants import BANDS, EEG_CHANNELS, FS
from hms_features.features import spectral as sp
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import spectra as kspec
from hms_features.signal.montage import BIPOLAR_NAMES, REGIONS

N = 10_000
T = np.arange(N) / FS


def raw_window(seed: int, scale: float = 20.0) -> np.ndarray:
    """1/f noise plus a 10 Hz rhythm with electrode-specific phase, (10000, 20) float32 uV."""
    rng = np.random.default_rng(seed)
    f = np.fft.rfftfreq(N, 1 / FS)
    f[0] = f[1]
    x = np.fft.irfft(np.fft.rfft(rng.standard_normal((len(EEG_CHANNELS), N))) / f**0.75, N)
    x *= scale / x.std(axis=1, keepdims=True)
    x += 5.0 * np.sin(2 * np.pi * 10 * T + rng.uniform(0, 2 * np.pi, (len(EEG_CHANNELS), 1)))
    return x.T.astype(np.float32)


def welch(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scipy's Welch PSD of the window as the context computes it: 2-s segments, 50% overlap,
    of every second sample (100 Hz)."""
    return signal.welch(x[..., ::2], fs=FS / 2, nperseg=200, noverlap=100, axis=-1)


def test_band_powers_match_scipy_trapezoid_on_scipy_welch():
    x = np.random.default_rng(0).standard_normal((18, N)).cumsum(axis=-1)
    freqs, psd = welch(x)
    bp = kspec.band_powers(freqs, psd, BANDS)
    for j, (lo, hi) in enumerate(BANDS.values()):
        sel = (freqs >= lo) & (freqs <= hi)
        np.testing.assert_allclose(bp[:, j], integrate.trapezoid(psd[:, sel], freqs[sel]))
    rel = kspec.relative_band_powers(freqs, psd)
    np.testing.assert_allclose(rel.sum(axis=1), 1.0)  # the five bands tile 0.5-40 Hz
    sel = (freqs >= 0.5) & (freqs <= 40)
    np.testing.assert_allclose(
        kspec.total_power(freqs, psd), integrate.trapezoid(psd[:, sel], freqs[sel])
    )


def test_a_10hz_sine_is_alpha_with_peak_and_edge_at_10hz():
    rng = np.random.default_rng(1)
    x = 40 * np.sin(2 * np.pi * 10 * T + rng.uniform(0, 6, (18, 1))) + rng.normal(0, 1, (18, N))
    out = family_values(sp.FAMILY, ctx_from_bipolar(x))
    for ch in BIPOLAR_NAMES + tuple(REGIONS):
        assert out[f"{ch}__alpha_rel_power"] > 0.9
        assert out[f"{ch}__alpha_rel_power_10s"] > 0.9
        assert out[f"{ch}__peak_frequency"] == 10.0
        assert out[f"{ch}__peak_frequency_10s"] == 10.0
        assert 9.5 < out[f"{ch}__spectral_edge_frequency"] < 11.0
        assert out[f"{ch}__theta_alpha_ratio"] < 0.05
        assert out[f"{ch}__spectral_entropy"] < 0.4


def test_closed_forms_on_synthetic_spectra():
    freqs = np.arange(0, 100.5, 0.5)
    white = np.ones((2, freqs.size))
    # flat spectrum: 90% of 0.5-40 Hz lies below 0.5 + 0.9 * 39.5 Hz; entropy is maximal
    np.testing.assert_allclose(kspec.spectral_edge_frequency(freqs, white), 0.5 + 0.9 * 39.5)
    np.testing.assert_allclose(kspec.spectral_entropy(freqs, white), 1.0)
    power_law = np.vstack([np.maximum(freqs, 0.5) ** -1.7, 3 * np.maximum(freqs, 0.5) ** -0.9])
    np.testing.assert_allclose(kspec.psd_slope(freqs, power_law), [-1.7, -0.9])
    # entropy against scipy.stats.entropy on the 0.5-40 Hz bins
    psd = np.random.default_rng(2).random((3, freqs.size))
    sel = (freqs >= 0.5) & (freqs <= 40)
    expected = stats.entropy(psd[:, sel], axis=1) / np.log(sel.sum())
    np.testing.assert_allclose(kspec.spectral_entropy(freqs, psd), expected)
    assert kspec.band_ratio(np.array([0.5]), np.array([0.25]))[0] == pytest.approx(2.0, rel=1e-5)


def test_scaling_all_channels_leaves_every_spectral_feature_unchanged():
    x = WindowContext.from_raw(raw_window(0)).x
    a = family_values(sp.FAMILY, ctx_from_bipolar(x))
    b = family_values(sp.FAMILY, ctx_from_bipolar(x * 37.0))
    assert list(a) == list(b)
    np.testing.assert_allclose(list(b.values()), list(a.values()), rtol=1e-9, atol=1e-12)


def test_regions_use_the_mean_psd_not_the_mean_of_channel_values():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (18, N)) + 5 * np.sin(2 * np.pi * 2 * T)
    x[0] += 100 * np.sin(2 * np.pi * 10 * T)  # one strong alpha chain in LL
    ctx = ctx_from_bipolar(x)
    out = family_values(sp.FAMILY, ctx)
    freqs, psd = welch(x)
    region_psd = psd[list(REGIONS["LL"])].mean(axis=0, keepdims=True)
    alpha = list(BANDS).index("alpha")
    expected = kspec.relative_band_powers(freqs, region_psd)[0, alpha]
    assert out["LL__alpha_rel_power"] == pytest.approx(expected, rel=1e-9)
    chain_mean = np.mean([out[f"{BIPOLAR_NAMES[i]}__alpha_rel_power"] for i in REGIONS["LL"]])
    assert out["LL__alpha_rel_power"] > chain_mean + 0.3


def test_names_stable_described_and_finite_on_edge_windows():
    ref = list(family_values(sp.FAMILY, WindowContext.from_raw(raw_window(0))))
    assert ref == list(family_values(sp.FAMILY, WindowContext.from_raw(raw_window(1))))
    assert len(ref) == 18 * 22
    for required in ("delta", "theta", "alpha", "beta"):
        assert f"Fp1-F7__{required}_rel_power" in ref and f"RP__{required}_rel_power" in ref
    for key in ref:
        assert describe(key)
    flat = np.zeros((N, 20), dtype=np.float32)
    nan_electrode = raw_window(3)
    nan_electrode[:, EEG_CHANNELS.index("Fp1")] = np.nan
    huge = raw_window(4, scale=4_000.0)
    for name, eeg in {"flat": flat, "nan_electrode": nan_electrode, "huge": huge}.items():
        out = family_values(sp.FAMILY, WindowContext.from_raw(eeg))
        assert list(out) == ref, name
        assert np.all(np.isfinite(list(out.values()))), name
    out = family_values(sp.FAMILY, WindowContext.from_raw(flat))
    assert out["LL__delta_rel_power"] == 0.0 and out["LL__slow_fast_ratio"] == 1.0


def test_real_eeg_resembles_the_published_statistics(hms_samples):
    path = hms_samples / "test_eegs" / "3911565283.parquet"
    from hms_features.data import read_eeg

    eeg = read_eeg(path)[:N]
    out = family_values(sp.FAMILY, WindowContext.from_raw(eeg))
    slope = np.median([out[f"{c}__psd_slope"] for c in BIPOLAR_NAMES])
    delta = np.median([out[f"{c}__delta_rel_power"] for c in BIPOLAR_NAMES])
    assert -2.0 < slope < -1.1  # docs/HMS.md: -1.54 on this file
    assert delta > 0.75  # docs/HMS.md: 0.92 before our 0.5 Hz high-pass


def test_psd_of_the_100hz_copy_equals_the_full_rate_psd_below_40hz():
    """After the 0.5-40 Hz band-pass nothing of note aliases: the context's PSD (of every second
    sample) matches scipy's Welch PSD of the 200 Hz signal over the feature range."""
    for seed in range(3):
        ctx = WindowContext.from_raw(raw_window(seed))
        freqs, psd = ctx.psd("full")
        f_ref, p_ref = signal.welch(ctx.x, fs=FS, nperseg=400, noverlap=200, axis=-1)
        band = (freqs >= 0.5) & (freqs <= 40)
        ref = p_ref[:, np.isin(f_ref, freqs[band])]
        np.testing.assert_allclose(psd[:, band], ref, rtol=5e-3)  # worst bins: 40 Hz edge
        rel = kspec.relative_band_powers(freqs, psd)
        np.testing.assert_allclose(rel, kspec.relative_band_powers(f_ref, p_ref), atol=2e-4)
