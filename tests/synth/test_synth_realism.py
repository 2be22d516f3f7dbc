"""Each realism gap of the generator (issue 17) pinned on seeded synthetic windows.

The genuine reference (``shared/data/hms_figures_digitised``) is measured against in
``benchmarks/realism.py``; these tests check the generator's own mechanisms, one per gap.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import signal as sps
from scipy.stats import kurtosis

from hms_features.kernels.spikes import spike_rate
from hms_features.signal.montage import HEMISPHERES, bipolar
from hms_features.synth import signals as sg
from hms_features.synth import window_statistics as realism_stats
from hms_features.synth.patient import draw_background, draw_patient
from hms_features.synth.patterns import draw_discharges, draw_rhythm, lateral_field
from hms_features.synth.recording import build_recording
from hms_features.synth.scalp import XY
from hms_features.synth.seizures import SEIZURE_GAMMA, Seizures, draw_seizures
from hms_features.synth.states import GRDA, LRDA, OTHER, SEIZURE, ClassState

FS = 200.0
SOS = sps.butter(4, [0.5, 40.0], btype="bandpass", fs=FS, output="sos")


def _recording(cls: int, seed: int):
    rng = np.random.default_rng(seed)
    patient = draw_patient(rng, np.ones(6))
    state = ClassState(cls, cls, 0.0, 0.0, 0.0 if cls == OTHER else 0.1)
    return build_recording(rng, patient, state, 0.0, 700.0, 300.0, 320.0), rng, patient


def _bipolar_10s(x: np.ndarray) -> np.ndarray:
    """The central 10 s of a 50-s window, double banana, 0.5-40 Hz (as the figures)."""
    return sps.sosfiltfilt(SOS, bipolar(x.astype(np.float64)), axis=-1)[:, 4000:6000]


def _generalized_seizure_windows(n: int) -> list[tuple[np.ndarray, float, float]]:
    """Windows in the middle of the first generalized seizure of seeded seizure recordings:
    (50-s raw window, frequency at its start and end)."""
    out = []
    seed = 0
    while len(out) < n:
        rec, rng, _ = _recording(SEIZURE, 5000 + seed)
        seed += 1
        sz = rec.seizures
        ok = np.flatnonzero(sz.generalized & (sz.duration >= 50.0) & (sz.onset > 0))
        if ok.size == 0:
            continue
        k = int(ok[0])
        t0 = float(sz.onset[k] + sz.duration[k] / 2 - 25.0)
        slope = (sz.f_end[k] - sz.f_start[k]) / sz.duration[k]
        f0 = sz.f_start[k] + slope * (t0 - sz.onset[k])
        out.append((rec.render(t0, int(50 * FS), FS, rng), f0, f0 + slope * 50.0))
    return out


@pytest.fixture(scope="module")
def seizures() -> list[tuple[np.ndarray, float, float]]:
    return _generalized_seizure_windows(8)


def test_generalized_seizures_are_large_bilateral_spike_wave(seizures) -> None:
    top, ratio = [], []
    for x, f0, f1 in seizures:
        b = _bipolar_10s(x)
        ptp = np.ptp(b, axis=1)
        top.append(np.median(np.sort(ptp)[-5:]))
        # bilateral from onset: both hemispheres' chains carry it
        left, right = (np.median(ptp[list(h)]) for h in HEMISPHERES)
        ratio.append(min(left, right) / max(left, right))
        # 2-3.5 Hz, drifting at most ~1 Hz over a 50-s window
        assert 1.5 <= f0 <= 3.6 and abs(f1 - f0) <= 1.0
    assert np.median(ratio) > 0.5 and min(ratio) > 0.2  # uneven, never one-sided
    # the strongest bipolar channels reach 100-500 uV peak to peak (patients vary around it)
    assert 100.0 <= np.median(top) <= 500.0 and min(top) >= 40.0
    # the spike detector fires on spike-and-wave: on some channels of most windows, and at
    # 20 per minute or more on the most active channel of half of them (sharply contoured
    # seizures without a clear spike make no detection)
    rates = np.array([spike_rate(_bipolar_10s(x), FS).max() for x, *_ in seizures])
    assert np.mean(rates > 0) >= 0.75 and np.mean(rates >= 20.0) >= 0.5


def test_focal_evolving_seizures_stay_a_minority() -> None:
    rng = np.random.default_rng(3)
    patient = draw_patient(rng, np.ones(6))
    sz = draw_seizures(rng, patient, np.arange(400) * 100.0, np.full(400, 60.0))
    assert 0.6 <= sz.generalized.mean() <= 0.8
    focal = ~sz.generalized
    assert (sz.f_start[focal] != sz.f_end[focal]).all() and (sz.f_start[focal] >= 3.0).all()
    assert (sz.spike_s[sz.generalized] <= 0.018).all()  # spikes 20-70 ms wide


def test_a_seizure_in_a_mixture_is_drawn_near_full_strength() -> None:
    # a seizure is a discrete event: at a third of the window's mixture it is still drawn at
    # about (1/3)**0.4 = 0.64 of its amplitude at the full share (0.44 with the patterns' 0.75)
    t = 300.0 + np.arange(int(50 * FS)) / FS
    ratios = []
    for seed in range(6):
        sig = []
        for share in (0.9, 0.3):
            rng = np.random.default_rng(7100 + seed)
            patient = draw_patient(rng, np.ones(6))
            state = ClassState(LRDA, SEIZURE, share, share, 0.05)
            rec = build_recording(rng, patient, state, 0.0, 700.0, 300.0, 320.0)
            sig.append(rec.seizures.render(t, FS, rec.seizure_strength))
        ratios.append(np.abs(sig[1]).max() / max(np.abs(sig[0]).max(), 1e-9))
    assert np.allclose(ratios, (0.3 / 0.9) ** SEIZURE_GAMMA, rtol=1e-6)
    assert min(ratios) > 0.6


def test_seizures_carry_fast_activity_on_their_spikes() -> None:
    rng = np.random.default_rng(11)
    patient = draw_patient(rng, np.ones(6))
    sz = draw_seizures(rng, patient, np.arange(200) * 100.0, np.full(200, 60.0))
    fast = sz.fast_level > 0
    assert 0.45 <= fast.mean() <= 0.75 and (sz.fast_hz >= 12.0).all() and (sz.fast_hz <= 25.0).all()
    # 12-30 Hz share of the seizure signal at its strongest electrode, mid-seizure: the same
    # seizures drawn with and without their fast activity
    t = np.arange(int(10 * FS)) / FS
    plain = dataclasses.replace(sz, fast_level=np.zeros_like(sz.fast_level))

    def beta_share(s: Seizures, k: int) -> float:
        x = s.render(sz.onset[k] + 20.0 + t, FS, lambda u: np.ones(u.size))
        x = x[np.argmax(np.abs(x).max(axis=1))]
        f, pxx = sps.welch(x, FS, nperseg=int(2 * FS))
        return pxx[(f >= 12) & (f <= 30)].sum() / pxx[(f >= 0.5) & (f <= 30)].sum()

    ks = np.flatnonzero(sz.fast_level > 0.15)[:8]
    gain = [beta_share(sz, k) / beta_share(plain, k) for k in ks]
    assert np.median(gain) > 1.5 and min(gain) > 1.0


def test_icu_backgrounds_carry_beta() -> None:
    # sedation and lighter records: 13-25 Hz activity in a good share of recordings
    beta = [
        draw_background(
            np.random.default_rng(500 + s),
            draw_patient(np.random.default_rng(s), np.ones(6)),
            False,
        ).beta_level.max()
        for s in range(200)
    ]
    beta = np.array(beta)
    assert 0.5 <= np.mean(beta > 0) <= 0.8
    assert np.percentile(beta[beta > 0], 90) > 4 * np.median(beta[beta > 0])


def test_patient_amplitude_spans_low_and_high_voltage_records() -> None:
    stds = []
    for seed in range(48):
        rec, rng, _ = _recording(seed % 6, 9000 + seed)
        x = rec.render(300.0, int(20 * FS), FS, rng)
        stds.append(np.median(sps.sosfiltfilt(SOS, bipolar(x.astype(float)), axis=-1).std(1)))
    stds = np.array(stds)
    # real records: median bipolar std from under 10 uV to well over 100 uV
    assert np.percentile(stds, 95) / np.percentile(stds, 5) >= 5.0
    assert stds.min() < 10.0 and stds.max() > 40.0


def test_rhythmic_delta_stands_out_with_a_steeper_spectrum() -> None:
    def slope(cls: int, seed: int) -> float:
        rec, rng, _ = _recording(cls, seed)
        return realism_stats.eeg_statistics(rec.render(275.0, int(50 * FS), FS, rng))["psd_slope"]

    rda = np.median([slope(c, 700 + s) for c in (LRDA, GRDA) for s in range(6)])
    other = np.median([slope(OTHER, 700 + s) for s in range(12)])
    assert rda < other - 0.2


def test_rhythmic_delta_is_not_a_sinusoid() -> None:
    cv, kurt, env_cv = [], [], []
    for seed in range(8):
        rng = np.random.default_rng(seed)
        patient = draw_patient(rng, np.ones(6))
        rhythm = draw_rhythm(rng, seed % 2 == 0, patient, 80)
        t = np.arange(int(60 * FS)) / FS
        w = rhythm.wave(0.0, t)
        # cycle-to-cycle jitter of the period (upward zero crossings of the fundamental)
        fund = sps.sosfiltfilt(sps.butter(2, [0.5, 4.5], "bandpass", fs=FS, output="sos"), w)
        up = np.flatnonzero((fund[:-1] < 0) & (fund[1:] >= 0)) / FS
        periods = np.diff(up)
        cv.append(periods.std() / periods.mean())
        kurt.append(kurtosis(w))
        blocks = w[: (w.size // 400) * 400].reshape(-1, 400).std(axis=1)
        env_cv.append(blocks.std() / blocks.mean())
    assert 0.03 <= np.median(cv) <= 0.2  # 5-15% jitter
    assert np.median(kurt) > -1.0  # a pure sinusoid: -1.5
    assert np.median(env_cv) >= 0.15  # waxing and waning over seconds


def test_periodic_discharges_vary_and_gpd_hemispheres_jitter() -> None:
    rng = np.random.default_rng(11)
    patient = draw_patient(rng, np.ones(6))
    gpd = draw_discharges(rng, False, patient, 0.0, 120.0)
    lpd = draw_discharges(rng, True, patient, 0.0, 120.0)
    lag = np.abs(gpd.hemisphere_lag_s)
    assert (lag >= 0.009).all() and (lag <= 0.0501).all() and lag.std() > 0.005
    assert (lpd.hemisphere_lag_s == 0).all()
    for proc in (gpd, lpd):
        assert proc.widening.std() > 0.05 and proc.amplitudes.std() > 0.1  # shapes vary
    # broad complexes: 150-400 ms above 10% of the peak (base template at its narrowest)
    for sharp, slow in ((70.0, 150.0), (250.0, 400.0)):
        tmpl, _ = sg.discharge_template(FS, sharp, 0.5, slow)
        above = np.flatnonzero(np.abs(tmpl) > 0.1)
        assert 0.12 <= (above[-1] - above[0]) / FS <= 0.6


def test_lateralized_fields_have_a_weaker_reflection() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        patient = draw_patient(rng, np.ones(6))
        fld = lateral_field(rng, patient, 0.45)
        own = XY[:, 0] * (1 if patient.side == "right" else -1) > 0.3
        other = XY[:, 0] * (1 if patient.side == "right" else -1) < -0.3
        ratio = fld[other].max() / fld[own].max()
        assert 0.15 <= ratio <= 0.5


def test_other_recordings_carry_icu_artefacts() -> None:
    rng = np.random.default_rng(2)
    bgs = [draw_background(rng, draw_patient(rng, np.ones(6)), True) for _ in range(200)]
    sustained = np.mean([b.muscle_sustained >= 0.3 for b in bgs])
    bad = np.mean([b.bad_electrodes.size > 0 for b in bgs])
    device = np.mean([b.interference is not None for b in bgs])
    beta = np.mean([b.beta_level.max() > 0 for b in bgs])
    assert 0.3 <= sustained <= 0.6 and 0.1 <= bad <= 0.4 and 0.03 <= device <= 0.2
    assert beta >= 0.3
    # a sustained muscle burst: 5-50 s of 20-150 uV peak to peak over a few electrodes
    x = np.zeros((19, int(60 * FS)), dtype=np.float32)
    sg.add_muscle(x, np.random.default_rng(0), 0.0, FS, rate=0.05, sustained=1.0)
    ptp = np.ptp(x[:, int(20 * FS) : int(21 * FS)], axis=1)
    assert 20.0 <= ptp.max() <= 400.0 and (ptp > 0.3 * ptp.max()).sum() <= 10


def test_device_interference_is_perfectly_regular() -> None:
    inter = sg.draw_interference(np.random.default_rng(4))
    t = np.arange(int(20 * FS)) / FS
    x = inter.render(t, FS)
    assert x.shape == (19, t.size) and np.abs(x).max() > 1.0
    a = inter.render(t[:2000], FS)
    np.testing.assert_allclose(a, x[:, :2000])  # closed form: segments agree


def test_line_noise_and_ekg_amplitudes_as_in_the_genuine_files() -> None:
    rng = np.random.default_rng(8)
    patients = [draw_patient(rng, np.ones(6)) for _ in range(500)]
    line = np.array([p.line_noise for p in patients])
    ekg = np.array([p.ekg_std for p in patients])
    assert 0.5 <= np.median(line) <= 5.0 and np.percentile(line, 97) > 10.0  # heavy tail
    assert 100.0 <= np.median(ekg) <= 220.0 and np.percentile(ekg, 95) > 400.0
