"""Tests of the periodicity family: spike trains, sinusoids, noise, and scipy/numpy references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import assert_finite_with_stable_names, raw_from
from helpers import edge_windows as shared_edge_windows
from scipy import signal

from hms_features.constants import EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features import periodicity as pe
from hms_features.features.context import WindowContext
from hms_features.features.extractor import family_values
from hms_features.features.families import describe
from hms_features.kernels import autocorrelation as kacf
from hms_features.kernels import discharges as kdis
from hms_features.kernels import envelope as kenv
from hms_features.kernels import percentiles as kpct
from hms_features.kernels import spectra as kspec
from hms_features.kernels import utils as kutils
from hms_features.signal.montage import BIPOLAR_NAMES

N = WINDOW_SAMPLES
T = np.arange(N) / FS


def spike_train(period_s: float = 1.0, amp: float = 100.0, width_s: float = 0.04) -> np.ndarray:
    """Sharp Gaussian transients every ``period_s`` seconds (first at 0.5 s)."""
    sig = np.zeros(N)
    for t0 in np.arange(0.5, N / FS, period_s):
        sig += amp * np.exp(-0.5 * ((T - t0) / (width_s / 2)) ** 2)
    return sig


def values(raw: np.ndarray) -> dict[str, np.ndarray]:
    return pe.periodicity_values(WindowContext.from_raw(raw))


@pytest.fixture(scope="module")
def spikes() -> dict[str, np.ndarray]:
    return values(raw_from(spike_train(1.0), noise_uv=2.0))


@pytest.fixture(scope="module")
def sine() -> dict[str, np.ndarray]:
    return values(raw_from(30.0 * np.sin(2 * np.pi * 2.0 * T), noise_uv=2.0))


@pytest.fixture(scope="module")
def noise() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return values(rng.normal(0, 20, (N, len(EEG_CHANNELS))).astype(np.float32))


# ------------------------------------------------------------------ behaviour
def test_spike_train_every_second(spikes: dict[str, np.ndarray]) -> None:
    n = len(BIPOLAR_NAMES)
    np.testing.assert_allclose(spikes["envelope_acf_lag"], 1.0, atol=0.03)
    assert np.all(spikes["envelope_acf_peak"] > 0.8)
    np.testing.assert_allclose(spikes["discharge_rate"][:n], 1.0, atol=0.05)
    np.testing.assert_allclose(spikes["discharge_rate_10s"][:n], 1.0, atol=0.11)
    assert np.all(spikes["discharge_interval_cv"] < 0.1)
    assert np.all(spikes["envelope_peakiness"] > 20)


@pytest.mark.parametrize("period_s", [0.5, 2.0])
def test_spike_train_period_is_the_fundamental(period_s: float) -> None:
    v = values(raw_from(spike_train(period_s), noise_uv=2.0))
    np.testing.assert_allclose(v["envelope_acf_lag"], period_s, atol=0.03)
    np.testing.assert_allclose(v["discharge_rate"][:18], 1.0 / period_s, atol=0.05)


def test_sine_is_sharp_in_frequency_and_flat_in_envelope(
    sine: dict[str, np.ndarray], spikes: dict[str, np.ndarray], noise: dict[str, np.ndarray]
) -> None:
    assert np.all(sine["delta_peak_sharpness"] > 20.0)  # dB above the flanks
    assert np.all(sine["envelope_peakiness"] < 2.0)
    assert np.all(sine["envelope_peakiness"] < noise["envelope_peakiness"])
    assert np.all(sine["discharge_rate"] == 0.0)
    assert np.all(sine["delta_peak_sharpness"] > noise["delta_peak_sharpness"] + 15.0)
    assert np.all(spikes["envelope_peakiness"] > 10 * sine["envelope_peakiness"])


def test_white_noise_has_no_periodicity(noise: dict[str, np.ndarray]) -> None:
    assert np.all(noise["envelope_acf_peak"] < 0.3)
    assert np.median(noise["discharge_rate"]) < 0.2
    assert np.all(np.abs(noise["delta_peak_sharpness"]) < 6.0)


# ------------------------------------------------------------------ building blocks
def test_power_envelope_matches_scipy_hilbert() -> None:
    rng = np.random.default_rng(4)
    fs = 100.0
    x = rng.standard_normal((3, 5000))
    env = kenv.power_envelope(x, fs, env_fs=50.0, cutoff_hz=25.0)
    spec = np.fft.rfft(x, axis=1)
    spec[:, np.fft.rfftfreq(5000, 1 / fs) >= 25.0] = 0  # the same brick-wall low-pass
    low = np.fft.irfft(spec, 5000, axis=1)
    ref = np.abs(signal.hilbert(low, axis=1)[:, ::2]) ** 2
    np.testing.assert_allclose(env, ref, rtol=1e-9, atol=1e-12)


def test_power_envelope_at_the_full_rate_matches_scipy_hilbert() -> None:
    x = np.random.default_rng(9).standard_normal((2, 1000))
    env = kenv.power_envelope(x, 50.0, env_fs=50.0, cutoff_hz=20.0)  # no decimation
    spec = np.fft.rfft(x, axis=1)
    spec[:, np.fft.rfftfreq(1000, 1 / 50.0) >= 20.0] = 0
    low = np.fft.irfft(spec, 1000, axis=1)
    ref = np.abs(signal.hilbert(low, axis=1)) ** 2
    np.testing.assert_allclose(env, ref, rtol=1e-9, atol=1e-12)


def test_power_envelope_at_a_quarter_of_the_rate_matches_scipy_hilbert() -> None:
    x = np.random.default_rng(14).standard_normal((2, 4000))
    env = kenv.power_envelope(x, 200.0, env_fs=50.0, cutoff_hz=25.0)  # every 4th sample
    spec = np.fft.rfft(x, axis=1)
    spec[:, np.fft.rfftfreq(4000, 1 / 200.0) >= 25.0] = 0
    low = np.fft.irfft(spec, 4000, axis=1)
    ref = np.abs(signal.hilbert(low, axis=1)[:, ::4]) ** 2
    np.testing.assert_allclose(env, ref, rtol=1e-9, atol=1e-12)


def test_power_envelope_of_a_sinusoid_is_constant() -> None:
    x = 7.0 * np.sin(2 * np.pi * 3.0 * np.arange(5000) / 100.0)[None, :]
    env = kenv.power_envelope(x, 100.0)
    np.testing.assert_allclose(env, 49.0, rtol=1e-9)


def test_autocorrelation_matches_numpy_correlate() -> None:
    rng = np.random.default_rng(5)
    e = rng.standard_normal((2, 300)) ** 2
    acf = kacf.autocorrelation(e, max_lag=60)
    for row, got in zip(e, acf):
        c = row - row.mean()
        full = np.correlate(c, c, mode="full")[c.size - 1 :]
        np.testing.assert_allclose(got, full[:61] / full[0], atol=1e-12)
    assert np.all(kacf.autocorrelation(np.ones((1, 100)), 10) == 0.0)


def test_autocorrelation_of_strided_rows_and_pairwise_sums() -> None:
    e = np.random.default_rng(15).exponential(size=(3, 1200))[:, ::2]
    np.testing.assert_array_equal(kacf.autocorrelation(e, 50), kacf.autocorrelation(e.copy(), 50))
    # the centring mean is numpy's own sum, bit for bit
    rng = np.random.default_rng(16)
    for n in [1, 7, 8, 9, 127, 128, 129, 200, 257, 1000, 2500, 10_000]:
        a = rng.standard_normal(n) * 10 ** rng.uniform(-3, 3)
        assert kutils._pairwise_sum(a) == np.sum(a)


def _acf_peak_reference(acf: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """acf_peak as first written, vectorised over all lags in numpy."""
    n_rows, n = acf.shape
    k0 = max(1, int(np.ceil(pe.ACF_LAG_RANGE_S[0] * fs)))
    k1 = min(n - 2, int(np.floor(pe.ACF_LAG_RANGE_S[1] * fs)))
    y0, y1, y2 = acf[:, k0 - 1 : k1], acf[:, k0 : k1 + 1], acf[:, k0 + 1 : k1 + 2]
    is_peak = (y1 > y0) & (y1 >= y2)
    curvature = y0 - 2.0 * y1 + y2
    concave = curvature < 0
    safe = np.where(concave, curvature, -1.0)
    shift = np.where(concave, np.clip(0.5 * (y0 - y2) / safe, -0.5, 0.5), 0.0)
    vertex = np.where(concave, y1 - 0.25 * (y0 - y2) * shift, y1)
    heights = np.where(is_peak, vertex, -np.inf)
    best = heights.max(axis=1, keepdims=True)
    good = is_peak & (heights >= np.where(best > 0, pe.ACF_PEAK_TOLERANCE * best, best))
    first = good.argmax(axis=1)
    has = is_peak.any(axis=1)
    rows = np.arange(n_rows)
    lag = (k0 + first + shift[rows, first]) / fs
    return np.where(has, heights[rows, first], 0.0), np.where(has, lag, 0.0)


def test_acf_peak_matches_the_vectorised_rule() -> None:
    rng = np.random.default_rng(17)
    lags = np.arange(202) / 50.0
    period = rng.uniform(0.2, 3.0, (40, 1))
    acf = np.cos(2 * np.pi * lags / period) * np.exp(-lags / rng.uniform(0.5, 20, (40, 1)))
    acf += rng.normal(0, 0.05, acf.shape)  # many small local maxima
    acf[0] = np.linspace(1, 0, 202)  # no local maximum
    acf[1] = 0.0
    acf[2, 40:60] = 0.3  # a plateau
    for got, ref in zip(kacf.acf_peak(acf, 50.0), _acf_peak_reference(acf, 50.0)):
        np.testing.assert_array_equal(got, ref)


def test_acf_peak_picks_the_fundamental_and_interpolates() -> None:
    fs = 50.0
    lags = np.arange(201) / fs
    acf = np.cos(2 * np.pi * lags / 0.73)[None, :] * np.exp(-lags / 50)[None, :]
    height, lag = kacf.acf_peak(acf, fs)
    assert lag[0] == pytest.approx(0.73, abs=0.005)
    assert height[0] == pytest.approx(np.exp(-0.73 / 50), abs=0.01)
    none_h, none_l = kacf.acf_peak(np.linspace(1, 0, 201)[None, :], fs)
    assert none_h[0] == 0.0 and none_l[0] == 0.0


def test_select_percentiles_of_envelopes_match_numpy() -> None:
    e = np.random.default_rng(8).exponential(size=(4, 777))
    q = (25.0, 50.0, 99.0, 100.0, 0.0)
    np.testing.assert_allclose(kpct.select_percentiles(e, list(q)), np.percentile(e, q, axis=1))
    # exactly the order statistics of a sort, interpolated linearly
    s = np.sort(e, axis=1)
    pos = np.array(q) / 100 * 776
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, 776)
    ref = (s[:, lo] + (s[:, hi] - s[:, lo]) * (pos - lo)).T
    np.testing.assert_array_equal(kpct.select_percentiles(e, list(q)), ref)


def test_discharge_statistics_closed_form() -> None:
    mask = np.zeros((3, 500), dtype=bool)
    mask[0, [10, 60, 110, 160]] = True  # regular: intervals 50, 50, 50
    mask[1, [10, 30, 110, 120]] = True  # intervals 20, 80, 10
    mask[2, [10, 60]] = True  # too few for a CV
    rate, cv = kdis.discharge_statistics(mask, fs=50.0)
    np.testing.assert_allclose(rate, [4 / 10, 4 / 10, 2 / 10])
    iv = np.array([20.0, 80.0, 10.0])
    np.testing.assert_allclose(cv, [0.0, iv.std() / iv.mean(), pe.NEUTRAL_CV])


def _detect_discharges_reference(e: np.ndarray, thr: np.ndarray, w: int) -> np.ndarray:
    """detect_discharges as first written: the candidates' neighbourhoods gathered in numpy."""
    n = e.shape[1]
    rows, cols = np.nonzero(e > thr)
    mask = np.zeros(e.shape, dtype=bool)
    idx = cols[:, None] + np.arange(-w, w + 1)[None, :]
    inside = (idx >= 0) & (idx < n)
    neighbours = np.where(inside, e[rows[:, None], np.clip(idx, 0, n - 1)], -np.inf)
    value = e[rows, cols]
    rising = (cols == 0) | (value > e[rows, np.maximum(cols - 1, 0)])
    keep = (value >= neighbours.max(axis=1)) & rising
    mask[rows[keep], cols[keep]] = True
    return mask


def _discharge_statistics_reference(mask: np.ndarray, fs: float) -> tuple[np.ndarray, ...]:
    """discharge_statistics as first written, with bincount."""
    n_rows, n = mask.shape
    rows, pos = np.nonzero(mask)
    same = rows[1:] == rows[:-1]
    iv, iv_rows = np.diff(pos)[same].astype(float), rows[1:][same]
    count = np.bincount(iv_rows, minlength=n_rows)
    s1 = np.bincount(iv_rows, weights=iv, minlength=n_rows)
    s2 = np.bincount(iv_rows, weights=iv * iv, minlength=n_rows)
    ok = count >= 2
    c = np.where(ok, count, 1)
    mean = s1 / c
    var = np.maximum(s2 / c - mean * mean, 0.0)
    cv = np.where(ok & (mean > 0), np.sqrt(var) / np.where(mean > 0, mean, 1.0), pe.NEUTRAL_CV)
    return mask.sum(axis=1) / (n / fs), cv


def test_discharges_match_the_vectorised_rule() -> None:
    rng = np.random.default_rng(18)
    e = rng.exponential(size=(12, 997)) ** 3  # heavy tail: many candidates, near ties
    e[0, :4] = 500.0  # a plateau at the very start
    e[1, -3:] = 400.0  # ... and at the very end
    e[2, 100:108] = 300.0  # a plateau filling one 8-sample block
    e[3] = 0.0
    e[4] = np.round(e[4])  # ties between neighbours
    thr = np.percentile(e, 90, axis=1, keepdims=True)
    for w in (1, 5, 12):
        mask = kdis.detect_discharges(e, 50.0, min_spacing_s=w / 50.0, threshold=thr)
        np.testing.assert_array_equal(mask, _detect_discharges_reference(e, thr, w))
        for got, ref in zip(
            kdis.discharge_statistics(mask, 50.0), _discharge_statistics_reference(mask, 50.0)
        ):
            np.testing.assert_array_equal(got, ref)
    assert mask.sum() > 50
    adaptive = 25.0 * np.percentile(e, 25, axis=1, keepdims=True)  # discharge_threshold
    ref = _detect_discharges_reference(e, adaptive, 12)
    np.testing.assert_array_equal(kdis.detect_discharges(e, 50.0), ref)


def test_supported_discharges_match_the_vectorised_rule() -> None:
    """A peak above the weak threshold counts where the support reaches its level."""
    rng = np.random.default_rng(19)
    e = rng.exponential(size=(18, 997)) ** 3
    support = rng.exponential(size=e.shape) * 8.0
    strong = np.percentile(e, 97, axis=1, keepdims=True)
    weak = np.percentile(e, 85, axis=1, keepdims=True)
    for level in (4.0, 12.0):
        got = kdis.detect_discharges(
            e, 50.0, 0.1, threshold=strong, support=support, weak_threshold=weak,
            support_level=level,
        )  # fmt: skip
        strong_only = _detect_discharges_reference(e, strong, 5)
        weak_ok = _detect_discharges_reference(e, weak, 5) & (support >= level)
        np.testing.assert_array_equal(got, strong_only | weak_ok)
        assert (got & ~strong_only).any()


def test_chain_support_is_the_chain_mean_of_normalised_envelopes() -> None:
    rng = np.random.default_rng(20)
    e = rng.exponential(size=(18, 300))
    base = np.percentile(e, 25, axis=1)
    base[3] = 0.0  # a flat channel adds nothing
    got = kdis.chain_support(e, base, 50.0, pe.SUPPORT_CHAINS, half_width_s=0.04)
    z = np.where(base[:, None] > 0, e / np.where(base > 0, base, 1.0)[:, None], 0.0)
    for chain in pe.SUPPORT_CHAINS:
        mean = z[list(chain)].mean(axis=0)
        padded = np.pad(mean, 2, constant_values=-np.inf)
        expected = np.lib.stride_tricks.sliding_window_view(padded, 5).max(axis=1)
        for k in chain:
            np.testing.assert_allclose(got[k], expected)


def _pure_windows(cls: int, n_windows: int, seed: int):
    """Seeded synthetic 50-s windows of a pure ``cls`` (no secondary class, no drift): yields
    each recording's plan (its true discharges) and its context."""
    from hms_features.synth.dataset import EEG_CLASS_PRIOR
    from hms_features.synth.recording import build_recording, draw_patient
    from hms_features.synth.states import draw_state

    for i in range(n_windows):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(cls, i)))
        rec = build_recording(
            rng, draw_patient(rng, EEG_CLASS_PRIOR), draw_state(rng, cls, 1.0, 0.0),
            0.0, 50.0, 25.0, 25.0,
        )  # fmt: skip
        yield rec, WindowContext.from_raw(rec.render(0, 10000, FS, rng))


def _synthetic_detection(cls: int, n_windows: int, seed: int) -> tuple[int, int, int, float]:
    """Matched, true and detected discharges (within 0.1 s, on the channels of the class's
    field: LPD its hemisphere, GPD all) over seeded synthetic windows of a pure ``cls``, and
    the mean detection rate (Hz) per channel off those channels."""
    from hms_features.signal.montage import ANODES, CATHODES, HEMISPHERES
    from hms_features.synth.scalp import XY
    from hms_features.synth.states import LPD

    hits = n_true = n_det = 0
    off = []
    for rec, ctx in _pure_windows(cls, n_windows, seed):
        mask, env_fs = pe.channel_discharges(ctx)
        truth = {}
        for c, ev in rec.discharge_events(0.5, 49.5).items():
            if c == LPD:
                channels = HEMISPHERES[0 if ev.field @ XY[:, 0] < 0 else 1]
            else:
                channels = range(18)
            for k in channels:
                truth[k] = ev.times + 0.5 * (ev.lags_s[:, ANODES[k]] + ev.lags_s[:, CATHODES[k]])
        for k in range(18):
            det = np.flatnonzero(mask[k]) / env_fs
            det = det[(det >= 0.5) & (det < 49.5)]
            if k not in truth:
                off.append(det.size / 49.0)
                continue
            dist = np.abs(truth[k][:, None] - det[None, :])
            hits += min(int((dist.min(axis=1) <= 0.1).sum()), int((dist.min(axis=0) <= 0.1).sum()))
            n_true += truth[k].size
            n_det += det.size
    return hits, n_true, n_det, float(np.mean(off)) if off else 0.0


@pytest.mark.parametrize("name", ["LPD", "GPD"])
def test_detector_finds_the_synthetic_discharges(name: str) -> None:
    """Calibration against the generator's own discharge times (benchmarks/
    detector_calibration.py on a few windows): precise, and most discharges found."""
    from hms_features.constants import CLASSES

    hits, n_true, n_det, _ = _synthetic_detection(CLASSES.index(name), 6, seed=0)
    assert n_true > 300
    assert hits / n_det >= 0.9  # precision
    # recall (0.36-0.50 before the 1.5-Hz envelope and chain support). Since the generator
    # draws patients' amplitudes log-normally, broad polyphasic complexes and a weak reflection
    # of LPD, more drawn discharges are invisible on some channels: recall of all 0.63-0.76,
    # of those 3x above the channel's background 0.96-0.97 (benchmarks/detector_calibration.py)
    assert hits / n_true >= 0.55


def test_detector_is_quiet_on_synthetic_background() -> None:
    from hms_features.constants import CLASSES

    _, n_true, _, rate = _synthetic_detection(CLASSES.index("Other"), 6, seed=0)
    assert n_true == 0
    assert rate < 0.25  # Hz per channel, against ~1 Hz of periodic discharges


def _bilateral_reference(mask, left, right, fs, k, tol_s):
    """Sample by sample: how many channels of each side have a discharge within +/- tol."""
    h = int(round(tol_s * fs))
    n = mask.shape[1]
    on = np.zeros((2, n), dtype=bool)
    for t in range(n):
        near = mask[:, max(0, t - h) : t + h + 1].any(axis=1)
        on[:, t] = near[list(left)].sum() >= k, near[list(right)].sum() >= k
    bilateral, either = on[0] & on[1], on[0] | on[1]
    first = np.r_[True, np.zeros(n - 1, dtype=bool)]
    return (
        bilateral & (first | ~np.r_[False, bilateral[:-1]]),
        either & (first | ~np.r_[False, either[:-1]]),
    )


@pytest.mark.parametrize("k, tol_s", [(1, 0.0), (2, 0.04), (4, 0.04), (3, 0.1)])
def test_bilateral_discharges_match_the_sample_by_sample_rule(k: int, tol_s: float) -> None:
    rng = np.random.default_rng(k)
    mask = rng.random((18, 600)) < 0.08
    left, right = pe.HEMISPHERES
    got = kdis.bilateral_discharges(mask, left, right, 50.0, k, tol_s)
    want = _bilateral_reference(mask, left, right, 50.0, k, tol_s)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert want[0].sum() > 0 and want[1].sum() > 0  # the case is not empty


def _bilateral_features(cls: int, n_windows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Bilateral discharge rate (Hz) and fraction of synthetic pure windows, and the rate of
    the generator's GPD discharges in each."""
    from hms_features.synth.states import GPD

    out, true_rate = [], []
    for rec, ctx in _pure_windows(cls, n_windows, seed):
        v = pe.periodicity_values(ctx)
        out.append((v["bilateral_discharge_rate"][0], v["bilateral_discharge_fraction"][0]))
        ev = rec.discharge_events(0.0, 50.0).get(GPD)
        true_rate.append(0.0 if ev is None else ev.times.size / 50.0)
    return np.array(out), np.array(true_rate)


def test_bilateral_discharges_tell_generalized_from_lateralized() -> None:
    """On the generator's pure windows: GPD's discharges are counted as bilateral (most of
    them, and most of the events), LPD's are not, and the background makes none."""
    from hms_features.constants import CLASSES

    gpd, true_rate = _bilateral_features(CLASSES.index("GPD"), 8, seed=1)
    # share of events seen on both sides; the generator's GPD have 10-50 ms of timing jitter
    # between the hemispheres and uneven fields, so a weak window loses some
    assert np.median(gpd[:, 1]) >= 0.7 and np.mean(gpd[:, 1] >= 0.3) >= 0.75
    # most GPD discharges counted (some windows are faint: patients' amplitudes vary widely)
    assert np.median(gpd[:, 0] / true_rate) >= 0.6
    assert np.all(gpd[:, 0] <= true_rate * 1.1)  # and not more
    lpd, _ = _bilateral_features(CLASSES.index("LPD"), 8, seed=1)
    # LPD carry a weaker reflection (0.2-0.4) over the other hemisphere, which the detector
    # often sees (pure windows, seed 1: median share 0.62 against GPD's 0.92; the genuine LPD
    # figures measure 0.2, benchmarks/realism.py): their share is lower than GPD's, not zero;
    # their lateralization is the symmetry family's to tell
    assert np.median(lpd[:, 1]) <= np.median(gpd[:, 1]) - 0.2
    other, _ = _bilateral_features(CLASSES.index("Other"), 5, seed=1)
    assert np.median(other[:, 0]) <= 0.02 and np.all(other[:, 0] <= 0.1)  # GPD: 0.5-2 Hz


def _delta_peak_sharpness_reference(freqs, psd, band=(0.5, 4.0), flank_hz=(1.0, 2.5)):
    """delta_peak_sharpness as first written, in numpy."""
    in_band = (freqs >= band[0]) & (freqs < band[1])
    peak_bin = np.flatnonzero(in_band)[psd[:, in_band].argmax(axis=1)]
    dist = np.abs(freqs[None, :] - freqs[peak_bin][:, None])
    flank = (dist > flank_hz[0]) & (dist <= flank_hz[1]) & (freqs[None, :] >= band[0])
    n_flank = flank.sum(axis=1)
    flank_mean = (psd * flank).sum(axis=1) / np.maximum(n_flank, 1)
    peak = psd[np.arange(psd.shape[0]), peak_bin]
    scale = np.maximum(psd.max(axis=1), 1e-300) * 1e-12
    db = 10.0 * np.log10((peak + scale) / (flank_mean + scale))
    return np.where((n_flank > 0) & (peak > 0), db, 0.0)


def test_delta_peak_sharpness_matches_the_vectorised_rule() -> None:
    rng = np.random.default_rng(19)
    for step in (0.5, 0.25, 0.37):
        freqs = np.arange(0, 100.5, step)
        psd = rng.exponential(size=(9, freqs.size)) / (1 + freqs)
        psd[0] = 0.0
        psd[1] = 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = _delta_peak_sharpness_reference(freqs, psd)
        np.testing.assert_array_equal(kspec.delta_peak_sharpness(freqs, psd), ref)


def test_detect_discharges_counts_a_plateau_once() -> None:
    e = np.ones((1, 200))
    e[0, 50:54] = 100.0  # a flat-topped discharge
    e[0, 150] = 80.0
    mask = kdis.detect_discharges(e, fs=50.0)
    assert np.flatnonzero(mask[0]).tolist() == [50, 150]


def test_delta_peak_sharpness_closed_form() -> None:
    freqs = np.arange(0, 20.5, 0.5)
    psd = np.ones((2, freqs.size))
    psd[0, freqs == 2.0] = 100.0
    got = kspec.delta_peak_sharpness(freqs, psd)
    assert got[0] == pytest.approx(20.0, abs=1e-6)  # 100x the flanks
    assert got[1] == pytest.approx(0.0, abs=1e-9)


# ------------------------------------------------------------------ the family
def test_kernel_defaults_are_the_family_constants() -> None:
    """The kernels' defaults are the values the family passes (so examples and tests that rely
    on them describe the features)."""
    import inspect

    def defaults(f):
        return {k: v.default for k, v in inspect.signature(f).parameters.items()}

    env = defaults(kenv.power_envelope)
    assert (env["env_fs"], env["cutoff_hz"]) == (pe.ENVELOPE_FS, pe.ENVELOPE_CUTOFF_HZ)
    assert defaults(kenv.detection_envelope)["low_hz"] == pe.DETECTION_LOW_HZ
    acf = defaults(kacf.acf_peak)
    assert (acf["lag_range"], acf["tolerance"]) == (pe.ACF_LAG_RANGE_S, pe.ACF_PEAK_TOLERANCE)
    thr = defaults(kdis.discharge_threshold)
    assert (thr["ratio"], thr["percentile"]) == (pe.THRESHOLD_RATIO, pe.BASELINE_PERCENTILE)
    det = defaults(kdis.detect_discharges)
    assert (det["min_spacing_s"], det["support_level"]) == (
        pe.MIN_DISCHARGE_SPACING_S,
        pe.SUPPORT_RATIO,
    )
    assert defaults(kdis.chain_support)["half_width_s"] == pe.SUPPORT_S
    assert defaults(kdis.discharge_statistics)["neutral_cv"] == pe.NEUTRAL_CV
    peak = defaults(kdis.peakiness)
    assert (peak["percentile"], peak["max_ratio"]) == (pe.PEAKINESS_PERCENTILE, pe.PEAKINESS_MAX)
    assert defaults(kdis.peakiness_ratio)["max_ratio"] == pe.PEAKINESS_MAX
    assert defaults(kspec.delta_peak_sharpness)["flank_hz"] == pe.SHARPNESS_FLANK_HZ
    bil = defaults(kdis.bilateral_discharges)
    assert (bil["min_channels"], bil["tolerance_s"]) == (
        pe.BILATERAL_CHANNELS,
        pe.BILATERAL_TOLERANCE_S,
    )


def test_family_equals_its_building_blocks() -> None:
    """periodicity_values computes, in fewer passes, exactly what the public functions give."""
    ctx = WindowContext.from_raw(raw_from(spike_train(1.3), noise_uv=15.0, seed=6))
    got = pe.periodicity_values(ctx)
    channel_env = kenv.power_envelope(ctx.x[:, ::2], FS / 2, env_fs=50.0)
    env = pe._with_sources(channel_env)
    height, lag = kacf.acf_peak(kacf.autocorrelation(env, 201), 50.0)
    base, median, high = kpct.select_percentiles(env, [25.0, 50.0, 99.0])
    # discharges: on the 1.5-25 Hz envelope, a weaker peak where its chain shares it
    detect = kenv.power_envelope(ctx.x[:, ::2], FS / 2, env_fs=50.0, low_hz=1.5)
    detect_base = np.percentile(detect, 25.0, axis=1)
    mask = kdis.detect_discharges(
        detect,
        50.0,
        threshold=25.0 * detect_base[:, None],
        support=kdis.chain_support(detect, detect_base, 50.0, pe.SUPPORT_CHAINS),
        weak_threshold=10.0 * detect_base[:, None],
    )
    np.testing.assert_array_equal(mask, pe.channel_discharges(ctx)[0])
    rate, cv = kdis.discharge_statistics(mask, 50.0)
    rate_10s = mask[:, 1000:1500].sum(axis=1) / 10.0  # raw samples 4000-6000
    freqs, psd = ctx.psd("full")
    expected = {
        "envelope_acf_peak": height,
        "envelope_acf_lag": lag,
        "discharge_rate": pe._with_sources(rate),
        "discharge_rate_10s": pe._with_sources(rate_10s),
        "discharge_interval_cv": pe._with_sources(cv),
        "envelope_peakiness": kdis.peakiness_ratio(high, median),
        "delta_peak_sharpness": kspec.delta_peak_sharpness(freqs, pe._with_sources(psd)),
    }
    bilateral, events = kdis.bilateral_discharges(mask, *pe.HEMISPHERES, 50.0)
    expected["bilateral_discharge_rate"] = np.array([bilateral.sum() / 50.0])
    expected["bilateral_discharge_rate_10s"] = np.array([bilateral[1000:1500].sum() / 10.0])
    expected["bilateral_discharge_fraction"] = np.array([bilateral.sum() / max(events.sum(), 1)])
    assert list(got) == list(expected)
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)
    assert rate.max() > 0.5  # the discharges were found


# ------------------------------------------------------------------ edge windows and names
def edge_windows() -> dict[str, np.ndarray]:
    return shared_edge_windows(raw_from(spike_train(1.3), noise_uv=15.0, seed=6), "O2")


def test_edge_windows_are_finite_with_stable_names() -> None:
    assert_finite_with_stable_names(
        lambda raw: family_values(pe.FAMILY, WindowContext.from_raw(raw)), edge_windows()
    )


def test_flat_window_gives_neutral_values() -> None:
    v = values(np.zeros((N, len(EEG_CHANNELS)), dtype=np.float32))
    assert np.all(v["envelope_acf_peak"] == 0) and np.all(v["envelope_acf_lag"] == 0)
    assert np.all(v["discharge_rate"] == 0) and np.all(v["discharge_interval_cv"] == 1)
    assert np.all(v["envelope_peakiness"] == 1) and np.all(v["delta_peak_sharpness"] == 0)
    assert v["bilateral_discharge_rate"][0] == 0 and v["bilateral_discharge_fraction"][0] == 0


def test_every_feature_is_described_and_named_by_source() -> None:
    out = family_values(pe.FAMILY, WindowContext.from_raw(edge_windows()["normal"]))
    assert len(out) == 7 * (18 + 4 + 1) + 3  # 7 features per source, 3 of the whole head
    for name in out:
        assert describe(name)
    assert "Fp1-F7__discharge_rate" in out and "global__envelope_acf_lag" in out


def test_short_window_is_supported() -> None:
    raw = raw_from(spike_train(1.0), noise_uv=2.0)[:2000]
    out = family_values(pe.FAMILY, WindowContext.from_raw(raw))
    assert np.isfinite(list(out.values())).all()


def test_genuine_window_is_finite(hms_samples: Path) -> None:
    import pandas as pd

    path = hms_samples / "train_eegs" / "1000913311.parquet"
    eeg = pd.read_parquet(path)[list(EEG_CHANNELS)].to_numpy(np.float32)[:WINDOW_SAMPLES]
    out = family_values(pe.FAMILY, WindowContext.from_raw(eeg))
    assert np.isfinite(list(out.values())).all()
