"""The data layer: label schema checks, EEG and spectrogram files, windows; on genuine files too."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import EEG_CHANNELS, SPEC_COLUMNS
from hms_features.data import (
    EEGFileError,
    KaggleLayout,
    LabelSchemaError,
    SpectrogramFileError,
    WindowOutOfBoundsError,
    eeg_window,
    high_vote_rows,
    one_row_per_eeg,
    read_eeg,
    read_labels,
    read_spectrogram,
    spectrogram_window,
    total_votes,
    vote_probabilities,
)

TRAIN_HEADER = (
    "eeg_id,eeg_sub_id,eeg_label_offset_seconds,spectrogram_id,spectrogram_sub_id,"
    "spectrogram_label_offset_seconds,label_id,patient_id,expert_consensus,seizure_vote,"
    "lpd_vote,gpd_vote,lrda_vote,grda_vote,other_vote"
)
GOOD_ROWS = [
    "1,0,0.0,10,0,0.0,100,7,Seizure,3,0,0,0,0,1",
    "1,1,10.0,10,1,10.0,101,7,LPD,0,4,1,0,0,0",
    "2,0,0.0,11,0,0.0,,8,Other,0,0,0,0,1,11",
]


def _write_csv(tmp_path: Path, rows: list[str], header: str = TRAIN_HEADER) -> Path:
    path = tmp_path / "train.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_read_train_labels_types_and_reductions(tmp_path):
    df = read_labels(_write_csv(tmp_path, GOOD_ROWS))
    assert df["eeg_id"].dtype == np.int64 and df["seizure_vote"].dtype == np.int64
    assert df["eeg_label_offset_seconds"].dtype == np.float64
    assert df["label_id"].isna().sum() == 1
    np.testing.assert_allclose(vote_probabilities(df).sum(axis=1), 1.0)
    np.testing.assert_array_equal(total_votes(df), [4, 5, 12])
    per_eeg = one_row_per_eeg(df)
    assert list(per_eeg["eeg_id"]) == [1, 2]
    assert per_eeg.loc[0, ["seizure_vote", "lpd_vote", "gpd_vote"]].tolist() == [3, 4, 1]
    assert per_eeg.loc[0, "n_rows"] == 2 and per_eeg.loc[0, "expert_consensus"] == "LPD"
    assert list(high_vote_rows(df)["eeg_id"]) == [2]


def test_label_id_is_optional(tmp_path):
    header = TRAIN_HEADER.replace("label_id,", "")
    rows = [",".join(r.split(",")[:6] + r.split(",")[7:]) for r in GOOD_ROWS]
    assert len(read_labels(_write_csv(tmp_path, rows, header))) == 3


@pytest.mark.parametrize(
    ("row", "pattern"),
    [
        ("3,0,0.0,12,0,0.0,1,9,GPD,0,0,x,0,0,0", r"column 'gpd_vote', line 5: expected a vote"),
        ("3,0,0.0,12,0,0.0,1,9,GPD,0,0,-2,0,0,0", r"column 'gpd_vote', line 5: votes must be"),
        ("3,0,0.0,12,0,0.0,1,9,GPD,0,0,0,0,0,0", r"line 5: a label row with no votes"),
        ("3,0,-4,12,0,0.0,1,9,GPD,0,0,1,0,0,0", r"eeg_label_offset_seconds', line 5: negative"),
        ("3,0,0.0,12,0,0.0,1,9,Spike,0,0,1,0,0,0", r"expert_consensus', line 5"),
        ("3.5,0,0.0,12,0,0.0,1,9,GPD,0,0,1,0,0,0", r"'eeg_id', line 5: id is not an integer"),
    ],
)
def test_bad_label_rows_name_file_column_and_line(tmp_path, row, pattern):
    path = _write_csv(tmp_path, [*GOOD_ROWS, row])
    with pytest.raises(LabelSchemaError, match=pattern) as info:
        read_labels(path)
    assert str(path) in str(info.value)


def test_missing_column_is_named(tmp_path):
    header = TRAIN_HEADER.replace(",lrda_vote", "")
    rows = [",".join(r.split(",")[:12] + r.split(",")[13:]) for r in GOOD_ROWS]
    with pytest.raises(LabelSchemaError, match="missing column.*lrda_vote"):
        read_labels(_write_csv(tmp_path, rows, header))


def test_missing_label_file(tmp_path):
    with pytest.raises(LabelSchemaError, match="not found"):
        read_labels(tmp_path / "nope.csv")


def _write_eeg(path: Path, data: np.ndarray, columns=EEG_CHANNELS) -> Path:
    pd.DataFrame(data.astype(np.float32), columns=list(columns)).to_parquet(path)
    return path


def test_read_eeg_reorders_and_marks_placeholders(tmp_path, rng):
    data = rng.normal(0, 20, (10_000, 20)).astype(np.float32)
    data[100:2100, :] = 9999.0
    data[5000, 3] = -6000.0
    data[7000, 19] = 8000.0  # EKG may exceed 5 mV legitimately
    shuffled = list(reversed(EEG_CHANNELS))
    path = _write_eeg(tmp_path / "1.parquet", data[:, ::-1], shuffled)
    eeg = read_eeg(path)
    assert eeg.dtype == np.float32 and eeg.shape == (10_000, 20)
    assert np.isnan(eeg[100:2100]).all()
    assert np.isnan(eeg[5000, 3]) and eeg[7000, 19] == 8000.0
    np.testing.assert_array_equal(eeg[3000], data[3000])


def test_read_eeg_errors_name_the_file(tmp_path, rng):
    data = rng.normal(size=(10_000, 20))
    cols = [c if c != "T4" else "T8" for c in EEG_CHANNELS]
    with pytest.raises(EEGFileError, match=r"2\.parquet: missing electrode column\(s\) \['T4'\]"):
        read_eeg(_write_eeg(tmp_path / "2.parquet", data, cols))
    bad = tmp_path / "3.parquet"
    bad.write_bytes(b"not a parquet file")
    with pytest.raises(EEGFileError, match=r"3\.parquet: not a readable parquet"):
        read_eeg(bad)
    with pytest.raises(EEGFileError, match="not found"):
        read_eeg(tmp_path / "4.parquet")
    with pytest.raises(EEGFileError, match="every scalp EEG sample is missing"):
        read_eeg(_write_eeg(tmp_path / "5.parquet", np.full((10_000, 20), np.nan)))


def test_read_eeg_non_numeric_and_null_values(tmp_path, rng):
    data = rng.normal(0, 20, (200, 20)).astype(np.float32)
    df = pd.DataFrame(data, columns=list(EEG_CHANNELS))
    df["Cz"] = df["Cz"].astype(object)
    df.loc[5, "Cz"] = None  # a parquet null, not a NaN
    df["Cz"] = df["Cz"].astype("float32")
    df.to_parquet(tmp_path / "6.parquet")
    eeg = read_eeg(tmp_path / "6.parquet")
    assert np.isnan(eeg[5, EEG_CHANNELS.index("Cz")]) and np.isfinite(eeg[6]).all()
    df["Cz"] = "x"
    df.to_parquet(tmp_path / "7.parquet")
    with pytest.raises(EEGFileError, match=r"7\.parquet: non-numeric EEG values.*'Cz'"):
        read_eeg(tmp_path / "7.parquet")


def test_eeg_window_bounds():
    eeg = np.arange(18_000 * 20, dtype=np.float32).reshape(18_000, 20)
    w = eeg_window(eeg, 40.0, eeg_id=7)
    assert w.shape == (10_000, 20) and w[0, 0] == eeg[8000, 0]
    with pytest.raises(
        WindowOutOfBoundsError, match=r"eeg_id 7.*offset 42 s.*18000 samples \(90 s\)"
    ):
        eeg_window(eeg, 42.0, eeg_id=7)
    with pytest.raises(WindowOutOfBoundsError, match="negative"):
        eeg_window(eeg, -2.0, eeg_id=7)


def _write_spec(path: Path, n_rows: int, rng, time_dtype=np.int64, pad_rows: int = 0) -> Path:
    power = rng.random((n_rows, 400)).astype(np.float32) + 0.01
    power[:pad_rows] = 0.0
    df = pd.DataFrame(power, columns=list(SPEC_COLUMNS))
    df.insert(0, "time", (np.arange(n_rows) * 2 + 1).astype(time_dtype))
    df.to_parquet(path)
    return path


def test_spectrogram_read_and_window(tmp_path, rng):
    path = _write_spec(tmp_path / "9.parquet", 320, rng, np.int16, pad_rows=10)
    time, power = read_spectrogram(path)
    assert time.dtype == np.int64 and power.shape == (320, 400) and power.dtype == np.float32
    assert np.isnan(power[:10]).all() and np.isfinite(power[10:]).all()
    w = spectrogram_window(time, power, 30.0)  # row 15
    assert w.shape == (300, 400)
    np.testing.assert_array_equal(w[0], power[15])
    tail = spectrogram_window(time, power, 80.0)  # rows 40..339 of 320: 20 absent rows -> NaN
    assert np.isnan(tail[-20:]).all() and np.isfinite(tail[:-20]).all()
    with pytest.raises(WindowOutOfBoundsError, match="spectrogram_id 9"):
        spectrogram_window(time, power, 700.0, spectrogram_id=9)


def test_spectrogram_missing_columns(tmp_path, rng):
    path = _write_spec(tmp_path / "9.parquet", 300, rng)
    pd.read_parquet(path).drop(columns=["RP_19.92"]).to_parquet(path)
    with pytest.raises(SpectrogramFileError, match=r"RP_19\.92"):
        read_spectrogram(path)


# ---------------------------------------------------------------- the genuine competition files


def test_genuine_labels(hms_samples):
    layout = KaggleLayout(hms_samples)
    train = read_labels(layout.labels_csv("train"), "train")
    test = read_labels(layout.labels_csv("test"), "test")
    assert len(train) == 10 and set(train["eeg_id"]) == {1628180742, 1000913311}
    assert list(test.columns) == ["spectrogram_id", "eeg_id", "patient_id"]
    assert list(one_row_per_eeg(train)["n_rows"]) == [9, 1]


def test_genuine_eegs_and_every_label_window(hms_samples):
    layout = KaggleLayout(hms_samples)
    train = read_labels(layout.labels_csv("train"), "train")
    for eeg_id, rows in train.groupby("eeg_id"):
        eeg = read_eeg(layout.eeg_path("train", eeg_id))
        assert eeg.dtype == np.float32 and eeg.shape[1] == 20
        for offset in rows["eeg_label_offset_seconds"]:
            assert eeg_window(eeg, offset, eeg_id).shape == (10_000, 20)
    test_eeg = read_eeg(layout.eeg_path("test", 3911565283))
    assert test_eeg.shape == (10_000, 20)


def test_genuine_spectrograms(hms_samples):
    layout = KaggleLayout(hms_samples)
    for path in sorted(layout.data_dir.glob("*_spectrograms/*.parquet")):
        time, power = read_spectrogram(path)
        assert power.shape[1] == 400 and time[0] == 1 and (np.diff(time) == 2).all()
        assert spectrogram_window(time, power, 0.0).shape == (300, 400)
    _, power = read_spectrogram(layout.spectrogram_path("train", 1000086677))
    assert 0.05 < np.isnan(power).mean() < 0.3  # the known file with missing data
    with pytest.raises(SpectrogramFileError, match="175871552"):  # absent from the samples
        read_spectrogram(layout.spectrogram_path("train", 175871552))


def test_genuine_files_survive_a_copy_with_reordered_columns(hms_samples, tmp_path):
    src = hms_samples / "train_eegs" / "1000913311.parquet"
    shutil.copy(src, tmp_path / "a.parquet")
    df = pd.read_parquet(tmp_path / "a.parquet")
    df[df.columns[::-1]].to_parquet(tmp_path / "b.parquet")
    a, b = read_eeg(tmp_path / "a.parquet"), read_eeg(tmp_path / "b.parquet")
    np.testing.assert_array_equal(a, b)
