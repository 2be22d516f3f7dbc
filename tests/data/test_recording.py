"""Reading clinical recordings (EDF/BDF through MNE) and the continuous synthetic recording."""

from __future__ import annotations

import edfio
import numpy as np
import pandas as pd
import pytest
from scipy.signal import resample_poly

from hms_features.cli import main
from hms_features.constants import EEG_CHANNELS, SCALP_CHANNELS
from hms_features.data.recording import (
    RecordingFileError,
    RecordingReader,
    canonical_name,
    flat_runs_to_nan,
    map_channels,
    read_recording,
)
from hms_features.synth.continuous import (
    episode_mixture,
    plan_episodes,
    synth_recording,
)

SECONDS = 60
TEN_TEN = {"T3": "T7", "T5": "P7", "T4": "T8", "T6": "P8"}


@pytest.fixture(scope="module")
def signal_200() -> np.ndarray:
    """A smooth (band-limited) microvolt signal, (60 s x 200 Hz, 20), the reference array."""
    rng = np.random.default_rng(3)
    t = np.arange(SECONDS * 200) / 200
    freqs = rng.uniform(0.5, 20.0, (20, 3))
    amps = rng.uniform(5.0, 40.0, (20, 3))
    x = (amps[:, :, None] * np.sin(2 * np.pi * freqs[:, :, None] * t)).sum(axis=1).T
    x[:, -1] *= 10.0  # an EKG of several hundred microvolts
    return x.astype(np.float32)


def _at(signal_200: np.ndarray, fs: int) -> np.ndarray:
    """The reference signal at ``fs`` Hz (polyphase from 200 Hz)."""
    return resample_poly(signal_200.astype(np.float64), fs, 200, axis=0)


def _write(path, data_uv, fs, labels, unit="uV", bdf=False, extra=()):
    """Write channels (n, k) of microvolts as EDF or BDF with edfio, in ``unit``."""
    scale = {"uV": 1.0, "mV": 1e-3, "V": 1e-6}[unit]
    cls = edfio.BdfSignal if bdf else edfio.EdfSignal
    rng = (-6000 * scale, 6000 * scale)
    sigs = [
        cls(data_uv[:, i] * scale, fs, label=lab, physical_dimension=unit, physical_range=rng)
        for i, lab in enumerate(labels)
    ]
    for lab in extra:
        sigs.append(cls(np.zeros(data_uv.shape[0]), fs, label=lab, physical_range=(-1, 1)))
    (edfio.Bdf if bdf else edfio.Edf)(sigs).write(path)
    return path


@pytest.mark.parametrize(
    ("case", "fs", "bdf", "unit"),
    [
        ("tuh", 256, False, "uV"),
        ("ten_ten", 250, False, "V"),
        ("shuffled_extra", 500, True, "uV"),
        ("plain_no_ekg", 200, True, "mV"),
        ("linked_ears", 256, False, "uV"),
    ],
)
def test_conventions_read_to_the_same_microvolts(tmp_path, signal_200, case, fs, bdf, unit):
    src = _at(signal_200, fs)
    names = list(EEG_CHANNELS)
    if case == "tuh":
        labels = [f"EEG {c.upper()}-REF" for c in names[:-1]] + ["EEG EKG1-REF"]
    elif case == "ten_ten":
        labels = [TEN_TEN.get(c, c) for c in names[:-1]] + ["ECG"]
    elif case == "linked_ears":
        labels = [f"{c}-LE" for c in names[:-1]] + ["EKG"]
    else:
        labels = [c.lower() if i % 2 else c for i, c in enumerate(names)]
    order = np.arange(20)
    if case == "shuffled_extra":
        order = np.random.default_rng(0).permutation(20)
    if case == "plain_no_ekg":
        order = order[:-1]
    path = tmp_path / f"{case}.{'bdf' if bdf else 'edf'}"
    extra = ("A1", "Photic", "EMG") if case == "shuffled_extra" else ()
    _write(path, src[:, order], fs, [labels[i] for i in order], unit, bdf, extra)

    reader = RecordingReader(path)
    got = reader.read_all()
    assert got.shape == (SECONDS * 200, 20) and got.dtype == np.float32
    n_check = 19 if case == "plain_no_ekg" else 20
    # edges aside (resampling at a recording's ends), the file's data equal the reference
    inner = slice(200, -200)
    # 16-bit quantisation over +/-6,000 uV (0.18 uV) and the resampling filters' ripple (0.1-0.3%)
    ref = signal_200[inner, :n_check]
    tol = 0.2 + 3e-3 * np.abs(ref).max(axis=0)
    assert (np.abs(got[inner, :n_check] - ref).max(axis=0) < tol).all()
    if case == "plain_no_ekg":
        assert np.isnan(got[:, -1]).all() and not reader.info.has_ekg
    if case == "shuffled_extra":
        assert reader.info.extra_channels == ["A1", "Photic", "EMG"]


def test_chunked_read_equals_whole_read(tmp_path, signal_200):
    path = _write(tmp_path / "r.edf", _at(signal_200, 256), 256, list(EEG_CHANNELS))
    reader = RecordingReader(path)
    whole = reader.read_all()
    chunks = list(reader.chunks(seconds=7.0))
    assert [s for s, _ in chunks][:3] == [0, 1400, 2800]
    np.testing.assert_allclose(np.concatenate([c for _, c in chunks]), whole, atol=1e-3)
    np.testing.assert_allclose(reader.read(3001, 4567), whole[3001:4567], atol=1e-3)


def test_missing_electrode_is_named(tmp_path, signal_200):
    labels = [c for c in EEG_CHANNELS if c != "O2"]
    data = _at(signal_200, 256)[:, [EEG_CHANNELS.index(c) for c in labels]]
    path = _write(tmp_path / "no_o2.edf", data, 256, labels)
    with pytest.raises(RecordingFileError, match=r"electrode\(s\) O2 not found.*Fp1, F3"):
        read_recording(path)
    assert main(["score", str(path), "--model-dir", str(tmp_path), "--out", str(tmp_path)]) == 2


def test_channel_names():
    assert canonical_name("EEG FP1-REF") == "Fp1"
    assert canonical_name("EEG T7-LE") == "T3" and canonical_name("p8") == "T6"
    assert canonical_name("ECG EKG-REF") == "EKG" and canonical_name("EKG1") == "EKG"
    assert canonical_name("Fz-AR") == "Fz"
    for extra in ("A1", "EEG A2-REF", "PHOTIC-REF", "EMG", "FP1-F7", "EDF Annotations"):
        assert canonical_name(extra) is None
    with pytest.raises(RecordingFileError, match="T3: T3, T7"):
        map_channels([*SCALP_CHANNELS, "T7"])


def test_flat_runs_become_nan():
    x = np.random.default_rng(0).normal(0, 10, (1000, 3))
    x[100:400, 1] = 0.0  # 1.5 s flat at 200 Hz
    x[500:550, 2] = 7.0  # 0.25 s: kept
    x[:300, 0], x[700:, 0] = 1.0, 2.0  # runs at both ends
    flat_runs_to_nan(x, 200.0)
    assert np.isnan(x[100:400, 1]).all() and np.isnan(x[:, 1]).sum() == 300
    assert not np.isnan(x[:, 2]).any()
    assert np.isnan(x[:, 0]).sum() == 600 and not np.isnan(x[300:700, 0]).any()


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(RecordingFileError, match="not found"):
        RecordingReader(tmp_path / "nope.edf")
    bad = tmp_path / "bad.edf"
    bad.write_bytes(b"0       not an edf header")
    with pytest.raises(RecordingFileError, match="MNE-Python can read"):
        RecordingReader(bad)


def test_episodes_and_mixture():
    rng = np.random.default_rng(0)
    eps = plan_episodes(rng, 3600.0)
    assert {e.trial_type for e in eps} == {"Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other"}
    ends = [e.onset + e.duration for e in eps]
    assert all(b.onset > a_end for a_end, b in zip(ends, eps[1:], strict=False))
    assert ends[-1] <= 3600.0
    grid = np.arange(0.0, 3600.0)
    mix = episode_mixture(grid, eps)
    np.testing.assert_allclose(mix.sum(axis=1), 1.0)
    mid = eps[0].onset + eps[0].duration / 2
    assert mix[int(mid), eps[0].cls] == pytest.approx(0.9)


def test_synth_recording_cli(tmp_path, capsys):
    out = tmp_path / "rec.edf"
    assert main(["synth-recording", "--out", str(out), "--minutes", "5", "--seed", "3"]) == 0
    assert "rec_events.tsv" in capsys.readouterr().out
    events = pd.read_csv(tmp_path / "rec_events.tsv", sep="\t")
    assert list(events.columns) == ["onset", "duration", "trial_type"] and len(events) >= 1
    reader = RecordingReader(out)
    assert reader.info.source_fs == 256 and reader.duration == 300
    x = reader.read_all()
    assert not np.isnan(x).any()
    assert 5 < np.median(np.std(x[:, :-1], axis=0)) < 200
    # same seed, same file
    again = tmp_path / "again.edf"
    synth_recording(again, 5, seed=3)
    assert again.read_bytes() == out.read_bytes()


def test_kaggle_parquet_reads_as_a_recording(tmp_path, signal_200):
    path = tmp_path / "123.parquet"
    frame = pd.DataFrame(signal_200, columns=list(EEG_CHANNELS))
    frame[list(reversed(EEG_CHANNELS))].to_parquet(path)  # column order does not matter
    reader = RecordingReader(path)
    assert reader.info.source_fs == 200 and reader.duration == SECONDS
    np.testing.assert_array_equal(reader.read(100, 300), signal_200[100:300])
