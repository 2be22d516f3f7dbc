"""Tests of the wavelet family against pywt directly, energy conservation and edge windows."""

from __future__ import annotations

import numpy as np
import pytest
import pywt
from helpers import brown_window as raw_window
from helpers import ctx_from_bipolar

from hms_features.constants import EEG_CHANNELS, FS
from hms_features.features import wavelet as wv
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import wavelet as kwav
from hms_features.signal.montage import BIPOLAR_NAMES, REGIONS

N = 10_000
T = np.arange(N) / FS


def test_level_names_and_bands():
    assert kwav.level_names() == ("a6", "d6", "d5", "d4", "d3", "d2", "d1")
    assert kwav.level_band("d1") == (50.0, 100.0)
    assert kwav.level_band("d4") == (6.25, 12.5)
    assert kwav.level_band("a6") == (0.0, 1.5625)


def test_energies_match_pywt_per_channel_and_conserve_energy():
    x = WindowContext.from_raw(raw_window(0)).x  # band-passed, zero-mean EEG-like signals
    e = kwav.dwt_energies(x)
    for i in (0, 7, 17):
        coeffs = pywt.wavedec(x[i], "db4", mode="periodization", level=6)
        np.testing.assert_allclose(e[i], [np.sum(c**2) for c in coeffs], rtol=1e-10)
    # orthogonal wavelet: level energies add up to the signal energy (approximately: N is not
    # a multiple of 2^6, so odd-length levels are extended by a sample)
    np.testing.assert_allclose(e.sum(axis=1), np.sum(x**2, axis=1), rtol=1e-2)
    rel = kwav.dwt_relative_energies(x)
    np.testing.assert_allclose(rel.sum(axis=1), 1.0)
    # float32 transform (used by the family) agrees to ~1e-5
    np.testing.assert_allclose(kwav.dwt_energies(x, dtype=np.float32), e, rtol=1e-4)


@pytest.mark.parametrize(("freq", "level"), [(9.0, "d4"), (4.5, "d5"), (2.3, "d6"), (18.0, "d3")])
def test_a_sine_puts_most_energy_in_its_octave(freq, level):
    x = 30 * np.sin(2 * np.pi * freq * T)[None, :]
    rel = kwav.dwt_relative_energies(x)[0]
    assert kwav.level_names()[int(np.argmax(rel))] == level
    assert rel.max() > 0.7


def test_family_regions_sum_chain_energies_and_scaling_invariance():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (18, N)).cumsum(axis=-1) * 0.3
    x[0] += 80 * np.sin(2 * np.pi * 9 * T)
    out = family_values(wv.FAMILY, ctx_from_bipolar(x))
    # the family transforms the 100 Hz copy with 5 levels: its d3 is the 6.25-12.5 Hz "d4"
    x100, d4 = x[:, ::2], kwav.level_names(5).index("d3")
    e = kwav.dwt_energies(x100[list(REGIONS["LL"])], level=5).sum(axis=0, keepdims=True)
    expected = kwav.relative_energies(e)[0, d4]
    assert out["LL__dwt_d4_rel_energy"] == pytest.approx(expected, rel=1e-4)
    ch = kwav.dwt_relative_energies(x100, level=5)[:, d4]
    np.testing.assert_allclose(
        [out[f"{c}__dwt_d4_rel_energy"] for c in BIPOLAR_NAMES], ch, rtol=1e-4
    )
    scaled = family_values(wv.FAMILY, ctx_from_bipolar(5 * x))
    np.testing.assert_allclose(list(scaled.values()), list(out.values()), rtol=1e-4, atol=1e-9)


def test_family_on_the_100hz_copy_matches_the_full_rate_transform():
    """After the 0.5-40 Hz band-pass, the 5-level DWT of every second sample gives the relative
    energies of the 6-level DWT of the 200 Hz signal (the top octave holds almost nothing)."""
    for seed in range(3):
        ctx = WindowContext.from_raw(raw_window(seed))
        out = family_values(wv.FAMILY, ctx)
        full = kwav.dwt_relative_energies(ctx.x)
        for name in wv.EMITTED_LEVELS:
            got = [out[f"{c}__dwt_{name}_rel_energy"] for c in BIPOLAR_NAMES]
            # measured: at most 0.007 (octave edges fall slightly differently); a misnamed
            # level would be off by ~0.3
            np.testing.assert_allclose(got, full[:, kwav.level_names().index(name)], atol=1e-2)


def test_names_stable_described_and_finite_on_edge_windows():
    ref = list(family_values(wv.FAMILY, WindowContext.from_raw(raw_window(0))))
    assert ref == list(family_values(wv.FAMILY, WindowContext.from_raw(raw_window(1))))
    assert len(ref) == len(wv.EMITTED_LEVELS) * 22
    for key in ref:
        assert describe(key)
    flat = np.zeros((N, 20), dtype=np.float32)
    nan_electrode = raw_window(3)
    nan_electrode[:, EEG_CHANNELS.index("T4")] = np.nan
    huge = raw_window(4, scale=4_000.0)
    for eeg in (flat, nan_electrode, huge):
        out = family_values(wv.FAMILY, WindowContext.from_raw(eeg))
        assert list(out) == ref
        assert np.all(np.isfinite(list(out.values())))
