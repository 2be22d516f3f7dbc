"""Tests of the Hjorth family: closed forms on sines and white noise, invariances, edge windows."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import brown_window as raw_window

from hms_features.constants import EEG_CHANNELS, FS
from hms_features.features import hjorth
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import hjorth as khj
from hms_features.signal.montage import BIPOLAR_NAMES, REGIONS

N = 10_000
T = np.arange(N) / FS


def test_mobility_of_a_sine_matches_the_discrete_closed_form():
    freqs = np.array([0.7, 2.0, 6.5, 10.0, 17.0])
    x = 25.0 * np.sin(2 * np.pi * freqs[:, None] * T + 0.4)
    mob = khj.hjorth_mobility(x, FS)
    # var(diff) / var = 4 sin^2(pi f / fs) for a sine, so mobility = (fs / pi) sin(pi f / fs)
    np.testing.assert_allclose(mob, FS / np.pi * np.sin(np.pi * freqs / FS), rtol=2e-3)
    np.testing.assert_allclose(mob[:4], freqs[:4], rtol=0.01)  # ~f (within 1%) below 15 Hz
    np.testing.assert_allclose(khj.hjorth_complexity(x), 1.0, atol=5e-3)


def test_white_noise_closed_forms():
    # white noise: var(d1) = 2 s^2, var(d2) = 6 s^2 -> M = sqrt(2), C = sqrt(3)/sqrt(2)
    x = np.random.default_rng(0).standard_normal((18, 200_000))
    np.testing.assert_allclose(khj.hjorth_mobility(x, FS), np.sqrt(2) * FS / (2 * np.pi), rtol=1e-2)
    np.testing.assert_allclose(khj.hjorth_complexity(x), np.sqrt(1.5), rtol=1e-2)


def test_against_a_direct_standard_deviation_implementation():
    x = np.random.default_rng(1).standard_normal((18, N)).cumsum(axis=-1)
    d1, d2 = np.diff(x, axis=-1), np.diff(x, n=2, axis=-1)
    m = d1.std(axis=-1) / x.std(axis=-1)
    c = (d2.std(axis=-1) / d1.std(axis=-1)) / m
    np.testing.assert_allclose(khj.hjorth_mobility(x, FS), m * FS / (2 * np.pi))
    np.testing.assert_allclose(khj.hjorth_complexity(x), c)
    np.testing.assert_allclose(khj.hjorth_activity(x), x.var(axis=-1))


def test_scale_invariance_and_flat_channels():
    x = np.random.default_rng(2).standard_normal((18, N)).cumsum(axis=-1)
    np.testing.assert_allclose(khj.hjorth_mobility(7 * x, FS), khj.hjorth_mobility(x, FS))
    np.testing.assert_allclose(khj.hjorth_complexity(7 * x), khj.hjorth_complexity(x))
    x[3] = 0.0
    assert khj.hjorth_mobility(x, FS)[3] == 0.0
    assert khj.hjorth_complexity(x)[3] == 0.0


def test_family_names_values_and_edge_windows():
    ctx = WindowContext.from_raw(raw_window(0))
    out = family_values(hjorth.FAMILY, ctx)
    mob_c = khj.hjorth_mobility(ctx.center, FS)
    np.testing.assert_allclose([out[f"{c}__hjorth_mobility_10s"] for c in BIPOLAR_NAMES], mob_c)
    for region, idx in REGIONS.items():
        assert out[f"{region}__hjorth_mobility_10s"] == pytest.approx(mob_c[list(idx)].mean())
    assert list(out) == list(family_values(hjorth.FAMILY, WindowContext.from_raw(raw_window(1))))
    assert len(out) == 3 * 22
    for key in out:
        assert describe(key)

    flat = np.zeros((N, 20), dtype=np.float32)
    nan_electrode = raw_window(3)
    nan_electrode[:, EEG_CHANNELS.index("O2")] = np.nan
    huge = raw_window(4, scale=4_000.0)
    for eeg in (flat, nan_electrode, huge):
        res = family_values(hjorth.FAMILY, WindowContext.from_raw(eeg))
        assert list(res) == list(out)
        assert np.all(np.isfinite(list(res.values())))
