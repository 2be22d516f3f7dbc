"""Tests of the time-domain family: closed forms, scipy references, invariances, edge windows."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ctx_from_bipolar
from reference import sorted_percentiles
from scipy import stats

from hms_features.constants import EEG_CHANNELS, FS
from hms_features.features import time_domain as td
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import amplitude as kamp
from hms_features.kernels import percentiles as kpct
from hms_features.kernels import spikes as kspikes
from hms_features.signal.montage import BIPOLAR_NAMES, REGIONS

N = 10_000
T = np.arange(N) / FS


def pink(rng: np.random.Generator, n_channels: int, std: float) -> np.ndarray:
    """1/f^1.5 noise like EEG background, shape (n_channels, 10000), standard deviation ``std``."""
    f = np.fft.rfftfreq(N, 1 / FS)
    f[0] = f[1]
    x = np.fft.irfft(np.fft.rfft(rng.standard_normal((n_channels, N))) / f**0.75, N)
    return x * (std / x.std(axis=1, keepdims=True))


def raw_window(seed: int, scale: float = 20.0) -> np.ndarray:
    """Pink noise plus a 10 Hz rhythm with electrode-specific phase, (10000, 20) float32 uV."""
    rng = np.random.default_rng(seed)
    x = pink(rng, len(EEG_CHANNELS), scale)
    x += 5.0 * np.sin(2 * np.pi * 10 * T + rng.uniform(0, 2 * np.pi, (len(EEG_CHANNELS), 1)))
    return x.T.astype(np.float32)


def edge_windows() -> dict[str, np.ndarray]:
    flat = np.zeros((N, 20), dtype=np.float32)
    nan_electrode = raw_window(3)
    nan_electrode[:, EEG_CHANNELS.index("C3")] = np.nan
    huge = raw_window(4, scale=4_000.0)
    all_nan = np.full((N, 20), np.nan, dtype=np.float32)
    return {"flat": flat, "nan_electrode": nan_electrode, "huge": huge, "all_nan": all_nan}


# --------------------------------------------------------------------------- per-channel functions


def test_line_length_closed_form_for_a_sine():
    f, a = 5.0, 30.0
    x = a * np.sin(2 * np.pi * f * T)[None, :]
    # |x[n+1]-x[n]| = 2a sin(pi f/fs) |cos(...)|, whose mean over many cycles is 2/pi of its peak
    expected = 2 * a * np.sin(np.pi * f / FS) * 2 / np.pi
    assert kamp.line_length(x)[0] == pytest.approx(expected, rel=1e-3)


def test_moments_match_scipy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((18, N)) ** 3  # skewed, heavy-tailed
    np.testing.assert_allclose(kamp.kurtosis(x), stats.kurtosis(x, axis=-1), rtol=1e-9)
    np.testing.assert_allclose(kamp.skewness(x), stats.skew(x, axis=-1), rtol=1e-9)
    sine = np.sin(2 * np.pi * 4 * T)[None, :]
    assert kamp.kurtosis(sine)[0] == pytest.approx(-1.5, abs=1e-3)


def test_peak_to_peak_matches_numpy_percentile():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((18, N)) * 25
    lo, hi = np.percentile(x, [1, 99], axis=-1)
    np.testing.assert_allclose(kamp.robust_peak_to_peak(x), hi - lo, rtol=1e-12)
    s = np.sort(x, axis=-1)
    q = [0, 12.5, 50, 99.9, 100]
    np.testing.assert_allclose(sorted_percentiles(s, q), np.percentile(x, q, axis=-1))


def test_zero_crossing_rate_of_a_sine_is_twice_its_frequency():
    x = 10 * np.sin(2 * np.pi * 7.3 * T + 0.1)[None, :] + 3.0  # offset: mean crossings
    assert kamp.zero_crossing_rate(x, FS)[0] == pytest.approx(2 * 7.3, abs=0.05)


def test_nonlinear_energy_closed_form():
    f, a = 12.0, 40.0
    x = a * np.sin(2 * np.pi * f * T + 0.3)[None, :]
    # Teager-Kaiser of A sin(w n + p) is exactly A^2 sin(w)^2 at every sample
    assert kamp.nonlinear_energy(x)[0] == pytest.approx(a**2 * np.sin(2 * np.pi * f / FS) ** 2)


def _spike_train(n_spikes: int, period: int, width: int, start: int = 150) -> np.ndarray:
    half = width // 2
    tri = np.concatenate([np.linspace(0, 1, half + 1), np.linspace(1, 0, half + 1)[1:]])
    out = np.zeros(N)
    for k in range(n_spikes):
        i = start + k * period
        out[i : i + tri.size] += tri
    return out


def test_spike_rate_counts_injected_spikes_and_ignores_noise_and_delta():
    noise = pink(np.random.default_rng(2), 4, 10.0)
    delta = 80 * np.sin(2 * np.pi * 1.5 * T)  # high-amplitude slow wave: not a spike
    spikes = _spike_train(50, 200, 12) * 100  # 60 ms spikes, 10 SD, once a second
    sharp = _spike_train(25, 400, 30) * 100  # 150 ms sharp waves, every 2 s
    x = np.vstack([noise[0], noise[1] + delta, noise[2] + spikes, noise[3] + sharp])
    rate = kspikes.spike_rate(x, FS)
    minutes = N / FS / 60
    assert rate[0] == 0.0
    assert rate[1] == 0.0
    assert rate[2] == pytest.approx(50 / minutes)
    assert rate[3] == pytest.approx(25 / minutes)
    # too long (400 ms) transients are not spikes
    slow_bump = noise[0] + _spike_train(25, 400, 80) * 100
    assert kspikes.spike_rate(slow_bump[None, :], FS)[0] == 0.0


def _spike_rate_reference(x: np.ndarray, fs: float) -> np.ndarray:
    """The rule of kspikes.spike_rate written out run by run (numpy percentiles, plain loops)."""
    out = []
    for v in x:
        q25, med, q75 = np.percentile(v, [25, 50, 75])
        s_x = max((q75 - q25) / kspikes.IQR_TO_SIGMA, kamp.FLAT_MICROVOLTS)
        s_d = max(np.mean(np.abs(np.diff(v))) * np.sqrt(np.pi / 2), kamp.FLAT_MICROVOLTS)
        dev = np.abs(v - med)
        above = np.concatenate([[False], dev > kspikes.SPIKE_BASE_SIGMA * s_x, [False]])
        edges = np.diff(above.astype(int))
        count = 0
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            steps = np.abs(np.diff(v[max(a - 1, 0) : b]))  # the steps into samples a .. b-1
            duration = (b - a) / fs
            count += (
                kspikes.SPIKE_MIN_SECONDS - 1e-9 <= duration <= kspikes.SPIKE_MAX_SECONDS + 1e-9
                and dev[a:b].max() > kspikes.SPIKE_PEAK_SIGMA * s_x
                and (steps.max() if steps.size else 0.0) > kspikes.SPIKE_SLOPE_SIGMA * s_d
            )
        out.append(count / (v.size / fs / 60))
    return np.array(out)


def test_spike_rate_matches_the_rule_written_out():
    rng = np.random.default_rng(11)
    x = pink(rng, 6, 10.0)
    # transients of 3-45 samples at random places, some at the very start and end, some
    # straddling the 8-sample blocks the detector skips through
    for row in range(6):
        for start in [0, N - 5, *rng.integers(0, N - 60, 40)]:
            width = int(rng.integers(3, 46))
            x[row, start : start + width] += rng.choice([-1, 1]) * rng.uniform(20, 150)
    np.testing.assert_array_equal(kspikes.spike_rate(x, FS), _spike_rate_reference(x, FS))
    assert np.all(kspikes.spike_rate(x, FS) > 0)


@pytest.mark.parametrize(
    "case",
    ["gaussian", "heavy_tail", "ties", "constant", "outlier", "nan", "inf", "subnormal", "short"],
)
def test_select_percentiles_equal_a_full_sort(case: str):
    rng = np.random.default_rng(12)
    x = {
        "gaussian": rng.standard_normal((4, 10_000)),
        "heavy_tail": rng.exponential(size=(4, 2500)) ** 8,  # crowds the lowest bins
        "ties": np.round(rng.standard_normal((4, 3000)) * 2),
        "constant": np.full((2, 500), 7.5),
        "outlier": np.concatenate([rng.standard_normal((2, 4999)), [[1e12], [-1e12]]], axis=1),
        "nan": np.where(rng.random((3, 1000)) < 0.01, np.nan, rng.standard_normal((3, 1000))),
        "inf": np.concatenate([rng.standard_normal((1, 998)), [[np.inf, -np.inf]]], axis=1),
        "subnormal": np.concatenate([np.zeros((1, 999)), [[5e-324]]], axis=1),
        "short": rng.standard_normal((3, 3)),
    }[case]
    q = [0.0, 1.0, 12.5, 25.0, 50.0, 75.0, 99.0, 99.9, 100.0]
    with np.errstate(invalid="ignore"):  # inf - inf in the interpolation, as with a sort
        got = kpct.select_percentiles(x, q)
        np.testing.assert_array_equal(got, sorted_percentiles(np.sort(x, axis=-1), q))
    if np.isfinite(x).all():  # (np.percentile gives NaN for a row with NaN; a sort puts it last)
        np.testing.assert_allclose(got, np.percentile(x, q, axis=-1), rtol=1e-12, atol=1e-300)


def test_select_percentiles_of_strided_rows_and_bad_percentiles():
    x = np.random.default_rng(13).standard_normal((5, 4000))[:, ::2]
    np.testing.assert_array_equal(
        kpct.select_percentiles(x, [5, 95]), sorted_percentiles(np.sort(x), [5, 95])
    )
    with pytest.raises(ValueError, match="percentiles"):
        kpct.select_percentiles(x, [101.0])
    with pytest.raises(ValueError, match="percentiles"):
        kpct.select_percentiles(x[:, :0], [50.0])


def test_flat_channels_get_neutral_zeros():
    x = np.zeros((18, N))
    for fn in (kamp.kurtosis, kamp.skewness, kamp.line_length, kamp.nonlinear_energy):
        np.testing.assert_array_equal(fn(x), 0.0)
    np.testing.assert_array_equal(kamp.zero_crossing_rate(x, FS), 0.0)
    np.testing.assert_array_equal(kspikes.spike_rate(x, FS), 0.0)


# ---------------------------------------------------------------------------------- the family


def test_family_values_match_the_functions_and_regions_average_chains():
    ctx = WindowContext.from_raw(raw_window(0))
    out = family_values(td.FAMILY, ctx)
    ch = np.array([out[f"{c}__line_length"] for c in BIPOLAR_NAMES])
    np.testing.assert_allclose(ch, kamp.line_length(ctx.x))
    np.testing.assert_allclose(
        [out[f"{c}__kurtosis_10s"] for c in BIPOLAR_NAMES], stats.kurtosis(ctx.center, axis=-1)
    )
    np.testing.assert_allclose(
        [out[f"{c}__spike_rate"] for c in BIPOLAR_NAMES], kspikes.spike_rate(ctx.x, FS)
    )
    np.testing.assert_allclose(
        [out[f"{c}__std_10s"] for c in BIPOLAR_NAMES], ctx.center.std(axis=-1)
    )
    for region, idx in REGIONS.items():
        assert out[f"{region}__line_length"] == pytest.approx(ch[list(idx)].mean())


def test_family_equals_the_numpy_definitions():
    """One compiled visit per channel gives the plain numpy functions' values (to rounding;
    exactly for the order statistics, crossings and spike counts)."""
    ctx = WindowContext.from_raw(raw_window(7))
    out = family_values(td.FAMILY, ctx)
    x, c = ctx.x, ctx.center

    def get(feature: str) -> np.ndarray:
        return np.array([out[f"{ch}__{feature}"] for ch in BIPOLAR_NAMES])

    std, skew, kurt = kamp.standardised_moments(x)
    np.testing.assert_allclose(get("std"), std, rtol=1e-13)
    np.testing.assert_allclose(get("skewness"), skew, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(get("kurtosis"), kurt, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(get("line_length"), kamp.line_length(x), rtol=1e-13)
    np.testing.assert_allclose(get("nonlinear_energy"), kamp.nonlinear_energy(x), rtol=1e-12)
    np.testing.assert_allclose(get("std_10s"), c.std(axis=-1), rtol=1e-13)
    np.testing.assert_allclose(get("line_length_10s"), kamp.line_length(c), rtol=1e-13)
    np.testing.assert_allclose(get("kurtosis_10s"), kamp.kurtosis(c), rtol=1e-9, atol=1e-13)
    lo, hi = np.percentile(x, [1, 99], axis=-1)
    np.testing.assert_array_equal(get("peak_to_peak"), kamp.robust_peak_to_peak(x))
    np.testing.assert_allclose(get("peak_to_peak"), hi - lo, rtol=1e-12)
    np.testing.assert_array_equal(get("zero_crossing_rate"), kamp.zero_crossing_rate(x, FS))
    np.testing.assert_array_equal(get("spike_rate"), kspikes.spike_rate(x, FS))


def test_scaling_changes_amplitudes_only():
    x = pink(np.random.default_rng(5), 18, 15.0) + _spike_train(40, 240, 12) * 150
    a = family_values(td.FAMILY, ctx_from_bipolar(x))
    b = family_values(td.FAMILY, ctx_from_bipolar(3 * x))
    for key, va in a.items():
        feat = key.split("__")[1]
        if feat.startswith(("std", "line_length", "peak_to_peak")):
            assert b[key] == pytest.approx(3 * va, rel=1e-9, abs=1e-12)
        elif feat == "nonlinear_energy":
            assert b[key] == pytest.approx(9 * va, rel=1e-9)
        else:  # shape features: kurtosis, skewness, crossings, spike rate
            assert b[key] == pytest.approx(va, rel=1e-9, abs=1e-9)


def test_names_stable_described_and_finite_on_edge_windows():
    ref = list(family_values(td.FAMILY, WindowContext.from_raw(raw_window(0))))
    assert ref == list(family_values(td.FAMILY, WindowContext.from_raw(raw_window(1))))
    assert len(ref) == 11 * 22
    for key in ref:
        assert describe(key)
    for name, eeg in edge_windows().items():
        out = family_values(td.FAMILY, WindowContext.from_raw(eeg))
        assert list(out) == ref, name
        assert np.all(np.isfinite(list(out.values()))), name
