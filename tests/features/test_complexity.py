"""Tests of the complexity family: agreement with AntroPy, closed forms, edge windows, names.

AntroPy compiles its numba kernels eagerly when imported (about 15 s of CPU, more than this
whole file may take), so it is imported here with numba's JIT switched off: its reference
functions then run as the same code in plain Python (slower per call, so the O(n^2) and
per-segment references are compared on a few channels only).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from helpers import assert_finite_with_stable_names
from helpers import edge_windows as shared_edge_windows

from hms_features.constants import EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features import complexity as cx
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import entropy as kent
from hms_features.kernels import fractal as kfrac
from hms_features.kernels import resample as kres
from hms_features.kernels import utils as kutils
from hms_features.signal.montage import BIPOLAR_NAMES, REGIONS


def _import_antropy_uncompiled():
    if "antropy" in sys.modules:  # already imported (compiled) by another test module
        return sys.modules["antropy"]
    previous = numba.config.DISABLE_JIT
    numba.config.DISABLE_JIT = True  # read by numba's decorators when antropy's modules load
    try:
        import antropy
    finally:
        numba.config.DISABLE_JIT = previous
    return antropy


ant = _import_antropy_uncompiled()
#: Channels on which the slow (plain-Python) AntroPy references are run.
FEW = [0, 16]


def pink_alpha_window(seed: int = 0, n: int = WINDOW_SAMPLES) -> np.ndarray:
    """A realistic raw window (n, 20) float32 uV: 1/f^1.5 noise (20 uV SD) plus 10 Hz alpha."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.normal(size=(len(EEG_CHANNELS), n)), axis=1)
    f = np.fft.rfftfreq(n, 1 / FS)
    spec[:, 1:] /= f[1:] ** 0.75
    spec[:, 0] = 0
    x = np.fft.irfft(spec, n, axis=1)
    x *= 20.0 / x.std(axis=1, keepdims=True)
    t = np.arange(n) / FS
    x += 10.0 * np.sin(2 * np.pi * 10.0 * t + rng.uniform(0, 2 * np.pi, (len(EEG_CHANNELS), 1)))
    return x.T.astype(np.float32)


def edge_windows() -> dict[str, np.ndarray]:
    return shared_edge_windows(pink_alpha_window(1), "C3")


@pytest.fixture(scope="module")
def ctx() -> WindowContext:
    return WindowContext.from_raw(pink_alpha_window(0))


@pytest.fixture(scope="module")
def x100(ctx: WindowContext) -> np.ndarray:
    return kres.decimate_by_slicing(ctx.x, ctx.fs)


# ------------------------------------------------------------------ agreement with AntroPy
@pytest.mark.parametrize(("order", "delay"), [(3, 1), (4, 1), (5, 2)])
def test_permutation_entropy_matches_antropy(x100: np.ndarray, order: int, delay: int) -> None:
    mine = kent.permutation_entropy(x100, order, delay)
    ref = [ant.perm_entropy(row, order=order, delay=delay, normalize=True) for row in x100]
    np.testing.assert_allclose(mine, ref, atol=1e-12)


def test_svd_entropy_matches_antropy(x100: np.ndarray) -> None:
    mine = kent.svd_entropy(x100)
    ref = [ant.svd_entropy(row, order=3, delay=1, normalize=True) for row in x100]
    np.testing.assert_allclose(mine, ref, atol=1e-9)


def test_sample_entropy_matches_antropy(ctx: WindowContext) -> None:
    c50 = kres.resample_for_sample_entropy(kres.decimate_by_slicing(ctx.center, ctx.fs), 100.0)
    assert c50.shape == (18, 500)
    mine = kent.sample_entropy(c50)
    ref = [ant.sample_entropy(c50[i], order=2) for i in FEW[:1]]
    np.testing.assert_allclose(mine[FEW[:1]], ref, atol=1e-12)


def test_sample_entropy_matches_antropy_other_order_and_tolerance() -> None:
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(size=(1, 300)), axis=1)
    mine = kent.sample_entropy(x, order=3, tolerance=0.35)
    ref = [ant.sample_entropy(row, order=3, tolerance=0.35 * row.std()) for row in x]
    np.testing.assert_allclose(mine, ref, atol=1e-12)


def test_higuchi_matches_antropy(x100: np.ndarray) -> None:
    mine = kfrac.higuchi_fd(x100)
    ref = [ant.higuchi_fd(x100[i], kmax=10) for i in FEW]
    np.testing.assert_allclose(mine[FEW], ref, atol=1e-6)  # AntroPy adds 1e-9 to its regression


def test_katz_and_petrosian_match_antropy(x100: np.ndarray) -> None:
    np.testing.assert_allclose(kfrac.katz_fd(x100), ant.katz_fd(x100, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(
        kfrac.petrosian_fd(x100), ant.petrosian_fd(x100, axis=-1), rtol=1e-12
    )


def test_dfa_matches_antropy(x100: np.ndarray) -> None:
    mine = kfrac.dfa_exponent(x100)
    ref = [ant.detrended_fluctuation(x100[i]) for i in FEW[:1]]
    np.testing.assert_allclose(mine[FEW[:1]], ref, atol=1e-6)


def test_dfa_scales_match_antropy_log_n() -> None:
    for n in (1000, 5000, 2000):
        np.testing.assert_array_equal(kfrac.dfa_scales(n), ant.utils._log_n(4, 0.1 * n, 1.2))


# ------------------------------------------------------------------ compiled kernels
def bandlimited(n_channels: int, n: int, fs: float, f_max: float, seed: int) -> np.ndarray:
    """Random signals (n_channels, n) with no power above ``f_max`` Hz (zeroed FFT bins)."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.normal(size=(n_channels, n)), axis=1)
    spec[:, np.fft.rfftfreq(n, 1 / fs) > f_max] = 0
    return np.fft.irfft(spec, n, axis=1) * 20


@pytest.mark.parametrize(
    ("n", "step"), [(1000, 2), (999, 2), (1001, 3), (600, 4), (30, 2), (7, 2), (1, 2)]
)
def test_resampler_equals_scipy_resample_poly(n: int, step: int) -> None:
    from scipy.signal import resample_poly

    x = bandlimited(3, n, 100.0, 40.0 / step, seed=n) + 5.0  # offset: the ends are zero-padded
    mine = kres.resample_for_sample_entropy(x, 100.0, 100.0 / step)
    ref = resample_poly(x, 1, step, axis=-1)
    assert mine.shape == ref.shape == (3, -(-n // step))
    assert mine.flags.c_contiguous and mine.dtype == np.float64
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)  # the same sums in the same order
    assert np.array_equal(kres.resample_for_sample_entropy(x, 100.0, 100.0), x)  # step 1: copy


def sample_entropy_counts_brute_force(x: np.ndarray, order: int, r: float) -> tuple[int, int]:
    """(B, A) of the plain O(n^2) definition, for one channel."""
    n_t = x.size - order
    tpl = np.stack([x[k : k + n_t] for k in range(order + 1)], axis=1)
    d_b = np.abs(tpl[:, None, :order] - tpl[None, :, :order]).max(axis=2)
    d_a = np.maximum(d_b, np.abs(tpl[:, None, order] - tpl[None, :, order]))
    upper = np.triu(np.ones((n_t, n_t), dtype=bool), k=1)
    return int(((d_b < r) & upper).sum()), int(((d_a < r) & upper).sum())


@pytest.mark.parametrize(("order", "r"), [(2, 1.0), (2, 0.5), (3, 2.0), (1, 1.0), (2, 1e-3)])
def test_sample_entropy_counts_equal_the_double_loop(order: int, r: float) -> None:
    rng = np.random.default_rng(order)
    smooth = np.cumsum(rng.normal(size=400))
    quantised = np.round(rng.normal(0, 2, 400))  # many ties and distances of exactly r
    spike = np.zeros(400)
    spike[200] = 1e6  # one huge outlier: wide range, few buckets in use
    x = np.stack([smooth, quantised, spike, np.zeros(400)])
    got = kent._sample_entropy_counts(x, order, np.array([r, r, r, 0.0]))
    for c in range(3):
        assert tuple(got[c]) == sample_entropy_counts_brute_force(x[c], order, r)
    assert tuple(got[3]) == (0, 0)  # r = 0: nothing matches


def test_higuchi_lengths_match_the_definition_on_all_channels(x100: np.ndarray) -> None:
    x = x100[:, :997]  # a length that leaves partial blocks for most k
    n = x.shape[1]
    kmax = 7
    ref = np.zeros((x.shape[0], kmax))
    for k in range(1, kmax + 1):
        total = np.zeros(x.shape[0])
        for m in range(k):
            n_m = (n - m - 1) // k
            steps = np.abs(np.diff(x[:, m : m + n_m * k + 1 : k], axis=1)).sum(axis=1)
            total += steps * (n - 1) / (k * k * n_m)
        ref[:, k - 1] = np.log(total / k)
    log_l, path = kfrac._higuchi_log_lengths(kutils.time_major(x), kmax)
    np.testing.assert_allclose(log_l, ref, rtol=1e-13)
    np.testing.assert_allclose(path, np.abs(np.diff(x, axis=1)).sum(axis=1), rtol=1e-13)


@pytest.mark.parametrize(
    ("n", "order", "delay"), [(5000, 3, 1), (300, 5, 2), (5, 3, 1), (7, 3, 2), (9, 4, 2)]
)
def test_lagged_gram_matches_the_embedding(n: int, order: int, delay: int) -> None:
    x = np.random.default_rng(n).normal(size=(4, n))
    n_emb = n - (order - 1) * delay
    emb = np.stack([x[:, i * delay : i * delay + n_emb] for i in range(order)], axis=1)
    ref = np.einsum("cit,cjt->cij", emb, emb)
    got = kent._lagged_gram(kutils.time_major(x), order, delay)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_dfa_matches_box_by_box_fits_on_all_channels(x100: np.ndarray) -> None:
    x = x100[:, :2000]
    n = x.shape[1]
    y = np.cumsum(x - x.mean(axis=1, keepdims=True), axis=1)
    sizes = kfrac.dfa_scales(n)
    fluct = np.zeros((x.shape[0], sizes.size))
    for s, size in enumerate(sizes):
        boxes = y[:, : n // size * size].reshape(x.shape[0], -1, size)
        t = np.arange(size) - (size - 1) / 2
        slope = (boxes * t).sum(axis=2, keepdims=True) / (t @ t)
        resid = boxes - boxes.mean(axis=2, keepdims=True) - slope * t
        fluct[:, s] = np.sqrt((resid**2).mean(axis=(1, 2)))
    got = kfrac._dfa_fluctuations(kutils.time_major(x), sizes)
    np.testing.assert_allclose(got, fluct, rtol=1e-7)
    ref = np.polyfit(np.log(sizes), np.log(fluct).T, 1)[0]
    np.testing.assert_allclose(kfrac.dfa_exponent(x), ref, atol=1e-7)


# ------------------------------------------------------------------ closed forms
def test_closed_forms_on_simple_signals() -> None:
    t = np.arange(5000) / 100.0
    rng = np.random.default_rng(7)
    ramp = t[None, :].copy()
    white = rng.normal(size=(1, 5000))
    sine = np.sin(2 * np.pi * 2.0 * t)[None, :]
    assert kent.permutation_entropy(ramp)[0] == 0.0  # a single (increasing) pattern
    assert kent.permutation_entropy(white)[0] > 0.99  # all six patterns about equally likely
    assert kent.permutation_entropy(sine)[0] < 0.5
    assert kfrac.petrosian_fd(ramp)[0] == 1.0  # no slope sign change
    assert kfrac.katz_fd(ramp)[0] == pytest.approx(1.0)  # a straight line
    assert kfrac.higuchi_fd(ramp)[0] == pytest.approx(1.0, abs=1e-6)
    assert kfrac.higuchi_fd(white)[0] == pytest.approx(2.0, abs=0.05)
    assert kfrac.dfa_exponent(white)[0] == pytest.approx(0.5, abs=0.1)
    assert kent.svd_entropy(white)[0] > 0.95  # three equal singular values
    assert kent.sample_entropy(white[:, :500])[0] > kent.sample_entropy(sine[:, :500])[0]


def test_flat_channels_get_neutral_values() -> None:
    flat = np.zeros((2, 1000))
    assert np.all(kent.permutation_entropy(flat) == 0.0)
    assert np.all(kent.svd_entropy(flat) == kent.FLAT_ENTROPY)
    assert np.all(kent.sample_entropy(flat[:, :500]) == kent.FLAT_ENTROPY)
    assert np.all(kfrac.higuchi_fd(flat) == kfrac.FLAT_FRACTAL_DIMENSION)
    assert np.all(kfrac.katz_fd(flat) == kfrac.FLAT_FRACTAL_DIMENSION)
    assert np.all(kfrac.petrosian_fd(flat) == 1.0)
    assert np.all(kfrac.dfa_exponent(flat) == kfrac.FLAT_DFA)


def test_sample_entropy_without_longer_matches_is_finite() -> None:
    # a sawtooth whose templates of length 2 repeat but never extend: A = 0 -> ln(B)
    x = np.tile([0.0, 1.0, 2.0, 10.0], 50)[None, :] + np.arange(200)[None, :] * 1e-9
    value = kent.sample_entropy(x, tolerance=0.01)
    assert np.isfinite(value).all()


# ------------------------------------------------------------------ the family
def test_family_names_count_order_and_descriptions(ctx: WindowContext) -> None:
    out = family_values(cx.FAMILY, ctx)
    assert len(out) == len(cx.FAMILY.suffixes) * (len(BIPOLAR_NAMES) + len(REGIONS) + 1)
    assert "Fp1-F7__perm_entropy" in out and "LL__perm_entropy" in out
    assert "global__sample_entropy_10s" in out
    for name in out:
        assert describe(name)
    for suffix in {n.split("__", 1)[1] for n in out}:
        assert suffix in cx.FAMILY.suffixes
    # regions are the mean of their four chains
    ll = np.mean([out[f"{BIPOLAR_NAMES[i]}__higuchi_fd"] for i in REGIONS["LL"]])
    assert out["LL__higuchi_fd"] == pytest.approx(ll)


def test_family_values_match_the_building_blocks(ctx: WindowContext) -> None:
    out = family_values(cx.FAMILY, ctx)
    c100 = kres.decimate_by_slicing(ctx.center, ctx.fs)
    ref = ant.perm_entropy(c100, order=3, delay=1, normalize=True)
    got = [out[f"{ch}__perm_entropy_10s"] for ch in BIPOLAR_NAMES]
    np.testing.assert_allclose(got, ref, atol=1e-12)


@pytest.mark.parametrize("center_start", [4000, 4001])  # on / off a kept sample
def test_family_values_equal_the_public_functions(center_start: int) -> None:
    ctx = WindowContext.from_raw(pink_alpha_window(4))
    ctx.center_slice = slice(center_start, center_start + 2000)
    ctx.center = ctx.x[:, ctx.center_slice]
    values = cx.complexity_values(ctx)
    x100 = kres.decimate_by_slicing(ctx.x, ctx.fs)
    c100 = kres.decimate_by_slicing(ctx.center, ctx.fs)
    c50 = kres.resample_for_sample_entropy(c100, cx.COMPLEXITY_FS)
    expected = {
        "perm_entropy": kent.permutation_entropy(x100),
        "perm_entropy_10s": kent.permutation_entropy(c100),
        "svd_entropy": kent.svd_entropy(x100),
        "sample_entropy_10s": kent.sample_entropy(c50),
        "higuchi_fd": kfrac.higuchi_fd(x100),
        "katz_fd": kfrac.katz_fd(x100),
        "petrosian_fd": kfrac.petrosian_fd(x100),
        "dfa_exponent": kfrac.dfa_exponent(x100),
    }
    assert list(values) == list(expected)
    for name, ref in expected.items():
        np.testing.assert_array_equal(values[name], ref, err_msg=name)


def test_edge_windows_are_finite_with_stable_names() -> None:
    assert_finite_with_stable_names(
        lambda raw: family_values(cx.FAMILY, WindowContext.from_raw(raw)), edge_windows()
    )


def test_short_window_is_supported() -> None:
    out = family_values(cx.FAMILY, WindowContext.from_raw(pink_alpha_window(2, n=2000)))
    assert np.isfinite(list(out.values())).all()


def test_genuine_window_is_finite(hms_samples: Path) -> None:
    import pandas as pd

    path = hms_samples / "test_eegs" / "3911565283.parquet"
    eeg = pd.read_parquet(path)[list(EEG_CHANNELS)].to_numpy(np.float32)[:WINDOW_SAMPLES]
    out = family_values(cx.FAMILY, WindowContext.from_raw(eeg))
    assert np.isfinite(list(out.values())).all()
