"""Tests of the symmetry family: left-right swap, one-sided and identical sides, references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import assert_finite_with_stable_names
from helpers import edge_windows as shared_edge_windows
from scipy import signal

from hms_features.constants import BANDS, EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features import symmetry as sy
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import asymmetry as kasym
from hms_features.kernels import spectra as kspec
from hms_features.signal.montage import BIPOLAR_PAIRS, MIRROR_PAIRS

N = WINDOW_SAMPLES
LEFT = ("Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1")
RIGHT = ("Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2")
MIDLINE = ("Fz", "Cz", "Pz")
COL = {name: i for i, name in enumerate(EEG_CHANNELS)}
#: Signed features flip sign under a left-right swap; every other feature is unchanged.
SIGNED = ("_asymmetry", "_asymmetry_10s")


def pink(rng: np.random.Generator, n_channels: int, scale: float = 20.0) -> np.ndarray:
    """(n, n_channels) 1/f^1.5 noise in uV."""
    spec = np.fft.rfft(rng.standard_normal((n_channels, N)), axis=1)
    f = np.fft.rfftfreq(N, 1 / FS)
    spec[:, 1:] /= f[1:] ** 0.75
    spec[:, 0] = 0
    x = np.fft.irfft(spec, N, axis=1)
    return (x * scale / x.std(axis=1, keepdims=True)).T


def lateralized_window(seed: int = 0) -> np.ndarray:
    """Background on every electrode plus a 2 Hz rhythm that is stronger on the left."""
    rng = np.random.default_rng(seed)
    x = np.zeros((N, len(EEG_CHANNELS)))
    x[:, :19] = pink(rng, 19)
    t = np.arange(N) / FS
    rhythm = 60 * np.sin(2 * np.pi * 2.0 * t)
    for k, name in enumerate(LEFT):
        x[:, COL[name]] += rhythm * (1.0 if k % 2 else -0.8)
    for k, name in enumerate(RIGHT):
        x[:, COL[name]] += 0.3 * rhythm * (1.0 if k % 2 else -0.8)
    x[:, -1] = rng.normal(0, 200, N)  # EKG
    return x.astype(np.float32)


def swap_sides(raw: np.ndarray) -> np.ndarray:
    """Exchange every left electrode with its right mirror (Fp1<->Fp2, ..., O1<->O2)."""
    out = raw.copy()
    for left, right in zip(LEFT, RIGHT):
        out[:, [COL[left], COL[right]]] = raw[:, [COL[right], COL[left]]]
    return out


def features(raw: np.ndarray) -> dict[str, float]:
    return family_values(sy.FAMILY, WindowContext.from_raw(raw))


@pytest.fixture(scope="module")
def lateral() -> dict[str, float]:
    return features(lateralized_window())


# ------------------------------------------------------------------ invariances
def test_swapping_sides_flips_signed_and_keeps_unsigned(lateral: dict[str, float]) -> None:
    swapped = features(swap_sides(lateralized_window()))
    assert list(swapped) == list(lateral)
    n_signed = 0
    for name, value in lateral.items():
        feature = name.split("__", 1)[1]
        is_signed = feature.endswith(SIGNED) and "_abs_" not in feature
        expected = -value if is_signed else value
        n_signed += is_signed
        assert swapped[name] == pytest.approx(expected, abs=1e-9), name
    assert n_signed == 2 * 3 * (len(BANDS) + 2) + 2  # bands, line length, amplitude; involvement


def test_lateralized_window_points_left(lateral: dict[str, float]) -> None:
    for pair in ("LL-RL", "LP-RP", "global"):
        assert lateral[f"{pair}__delta_asymmetry"] > 0.5
        assert lateral[f"{pair}__delta_abs_asymmetry"] == pytest.approx(
            lateral[f"{pair}__delta_asymmetry"]
        )
    assert lateral["global__delta_bsi"] > lateral["global__beta_bsi"]


def test_required_names_exist(lateral: dict[str, float]) -> None:
    for pair in ("LL-RL", "LP-RP"):
        for band in ("delta", "theta", "alpha", "beta", "gamma"):
            for suffix in ("", "_10s"):
                assert f"{pair}__{band}_asymmetry{suffix}" in lateral
                assert f"{pair}__{band}_abs_asymmetry{suffix}" in lateral
    assert "global__bsi" in lateral and "global__interhemispheric_corr" in lateral


def test_signal_only_on_the_left_gives_plus_one() -> None:
    rng = np.random.default_rng(1)
    raw = np.zeros((N, len(EEG_CHANNELS)))
    for name in LEFT:
        raw[:, COL[name]] = pink(rng, 1)[:, 0]
    out = features(raw.astype(np.float32))
    for pair in ("LL-RL", "LP-RP", "global"):
        for band in BANDS:
            assert out[f"{pair}__{band}_asymmetry"] == pytest.approx(1.0)
            assert out[f"{pair}__{band}_asymmetry_10s"] == pytest.approx(1.0)
        assert out[f"{pair}__line_length_asymmetry"] == pytest.approx(1.0)
        assert out[f"{pair}__amplitude_asymmetry"] == pytest.approx(1.0)
        assert out[f"{pair}__bsi"] == pytest.approx(1.0)
        assert out[f"{pair}__delta_coherence"] == 0.0  # the right side is flat
        assert out[f"{pair}__interhemispheric_corr"] == 0.0
    assert out["global__delta_involved_asymmetry"] == pytest.approx(1.0)
    assert out["global__delta_involved_fraction"] <= 0.5


def test_identical_sides_give_zero_asymmetry_and_full_coherence() -> None:
    rng = np.random.default_rng(2)
    raw = np.zeros((N, len(EEG_CHANNELS)))
    for left, right in zip(LEFT, RIGHT):
        raw[:, COL[left]] = raw[:, COL[right]] = pink(rng, 1)[:, 0]
    for name in MIDLINE:
        raw[:, COL[name]] = pink(rng, 1)[:, 0]
    out = features(raw.astype(np.float32))
    for name, value in out.items():
        feature = name.split("__", 1)[1]
        if "asymmetry" in feature or feature.endswith(("bsi", "bsi_10s")):
            assert value == pytest.approx(0.0, abs=1e-9), name
        if feature.endswith("coherence"):
            assert value == pytest.approx(1.0, abs=1e-9), name
        if feature.startswith("interhemispheric_corr"):
            assert value == pytest.approx(1.0, abs=1e-9), name


def test_generalized_involves_more_channels_than_lateralized() -> None:
    rng = np.random.default_rng(4)
    both = np.zeros((N, len(EEG_CHANNELS)))
    both[:, :19] = pink(rng, 19)
    one = both.copy()
    one[:, [COL[r] for r in RIGHT]] *= 0.1
    gen = features(both.astype(np.float32))
    lat = features(one.astype(np.float32))
    assert gen["global__delta_involved_fraction"] > 0.8
    assert lat["global__delta_involved_fraction"] < 0.7
    assert lat["global__delta_involved_asymmetry"] > 0.5


# ------------------------------------------------------------------ building blocks
def test_mirror_coherence_matches_scipy() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((18, 5000))
    x[MIRROR_PAIRS[0][1]] += 0.7 * x[MIRROR_PAIRS[0][0]]
    for overlap, noverlap in ((0.0, 0), (0.5, 100)):
        freqs, coh = kasym.mirror_coherence(x, 100.0, overlap=overlap)
        for k, (left, right) in enumerate(MIRROR_PAIRS):
            f_ref, c_ref = signal.coherence(
                x[left], x[right], fs=100.0, nperseg=200, noverlap=noverlap
            )
            np.testing.assert_allclose(freqs, f_ref)
            np.testing.assert_allclose(coh[k], c_ref, atol=1e-9)


def test_family_coherence_is_the_mirror_coherence_of_the_window() -> None:
    rng = np.random.default_rng(7)
    raw = rng.normal(0.0, 20.0, (10_000, 20))
    raw[:, 11:19] += 2.0 * raw[:, 0:8]  # right electrodes (Fp2..O2) follow the left (Fp1..O1)
    ctx = WindowContext.from_raw(raw)
    out = family_values(sy.FAMILY, ctx)
    freqs, coh = kasym.mirror_coherence(ctx.x[:, ::2], ctx.fs / 2)  # on the 100 Hz copy
    expected = (kasym.range_weights(freqs, ((4.0, 8.0, False),)) @ coh.T).mean()
    assert out["global__theta_coherence"] == pytest.approx(expected, rel=1e-9)
    assert expected > 0.1  # the coupling shows (unrelated channels score about 0.03)


def test_bsi_matches_its_definition() -> None:
    rng = np.random.default_rng(6)
    freqs = np.arange(0, 100.5, 0.5)
    psd = rng.uniform(0.1, 10.0, (18, freqs.size))
    sel = (freqs >= 1) & (freqs <= 25)
    terms = [
        abs(psd[left, k] - psd[right, k]) / (psd[left, k] + psd[right, k])
        for left, right in MIRROR_PAIRS
        for k in np.flatnonzero(sel)
    ]
    assert kasym.brain_symmetry_index(freqs, psd) == pytest.approx(np.mean(terms))


def test_family_bsi_equals_the_building_block(lateral: dict[str, float]) -> None:
    ctx = WindowContext.from_raw(lateralized_window())
    for which, suffix in (("full", ""), ("center", "_10s")):
        freqs, psd = ctx.psd(which)
        assert lateral[f"global__bsi{suffix}"] == pytest.approx(
            kasym.brain_symmetry_index(freqs, psd)
        )
        for pair in ("LL-RL", "LP-RP"):
            expected = kasym.brain_symmetry_index(freqs, psd, pairs=sy.PAIR_MIRRORS[pair])
            assert lateral[f"{pair}__bsi{suffix}"] == pytest.approx(expected)
    freqs, psd = ctx.psd("full")
    theta = kasym.brain_symmetry_index(freqs, psd, BANDS["theta"], inclusive=False)
    assert lateral["global__theta_bsi"] == pytest.approx(theta)


def test_correlation_matrix_matches_numpy_and_handles_flat_rows() -> None:
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 1000))
    np.testing.assert_allclose(kasym.correlation_matrix(x), np.corrcoef(x), atol=1e-12)
    x[2] = 3.0
    r = kasym.correlation_matrix(x)
    assert np.isfinite(r).all() and np.all(r[2] == 0) and np.all(r[:, 2] == 0)


def test_asymmetry_feature_uses_absolute_region_band_power(lateral: dict[str, float]) -> None:
    ctx = WindowContext.from_raw(lateralized_window())
    freqs, _ = ctx.psd("full")
    rpsd = ctx.region_psd("full")
    ll, rl = (kspec.band_powers(freqs, rpsd[r][None], BANDS)[0, 0] for r in ("LL", "RL"))
    assert lateral["LL-RL__delta_asymmetry"] == pytest.approx((ll - rl) / (ll + rl))


def test_independent_pairs_share_no_electrode() -> None:
    i, j = np.nonzero(sy.INDEPENDENT_PAIRS)
    assert i.size > 0 and np.all(i < j)
    for a, b in zip(i, j):
        assert not set(BIPOLAR_PAIRS[a]) & set(BIPOLAR_PAIRS[b])
    assert all(sy.INDEPENDENT_PAIRS[left, right] for left, right in MIRROR_PAIRS)


# ------------------------------------------------------------------ edge windows and names
def edge_windows() -> dict[str, np.ndarray]:
    return shared_edge_windows(lateralized_window(3), "T3")


def test_edge_windows_are_finite_with_stable_names() -> None:
    assert_finite_with_stable_names(features, edge_windows())


def test_flat_window_gives_neutral_zeros() -> None:
    out = features(np.zeros((N, len(EEG_CHANNELS)), dtype=np.float32))
    assert all(v == 0.0 for v in out.values())


def test_every_feature_is_described(lateral: dict[str, float]) -> None:
    for name in lateral:
        assert describe(name)
        assert name.split("__", 1)[1] in sy.FAMILY.suffixes
    assert len(lateral) == 134


def test_short_window_is_supported() -> None:
    raw = lateralized_window(8)[:2000]
    out = features(raw)
    assert np.isfinite(list(out.values())).all()


def test_genuine_window_is_finite(hms_samples: Path) -> None:
    import pandas as pd

    path = hms_samples / "test_eegs" / "3911565283.parquet"
    eeg = pd.read_parquet(path)[list(EEG_CHANNELS)].to_numpy(np.float32)[:WINDOW_SAMPLES]
    out = features(eeg)
    assert np.isfinite(list(out.values())).all()
    assert 0.0 <= out["global__bsi"] <= 1.0
