"""Small Kaggle-layout folders for the factory and command-line tests (seeded, on real shapes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import EEG_CHANNELS, SPEC_COLUMNS, VOTE_COLUMNS

FS = 200
LABEL_COLUMNS = ["eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id",
                 "spectrogram_label_offset_seconds", "patient_id"]  # fmt: skip


def eeg_frame(rng: np.random.Generator, seconds: float) -> pd.DataFrame:
    """A raw EEG parquet's table: noise plus one rhythm, microvolts, 200 Hz."""
    n = int(seconds * FS)
    t = np.arange(n) / FS
    x = rng.normal(0, 15, (n, 20)) + 25 * np.sin(2 * np.pi * rng.uniform(1, 12) * t)[:, None]
    return pd.DataFrame(x.astype(np.float32), columns=list(EEG_CHANNELS))


def spec_frame(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    """A spectrogram parquet's table: ``time`` then 400 positive power columns."""
    df = pd.DataFrame(rng.random((rows, 400)).astype(np.float32) + 0.01, columns=list(SPEC_COLUMNS))
    df.insert(0, "time", np.arange(1, 2 * rows, 2, dtype=np.int64))
    return df


def write_train_csv(d: Path, rows: Sequence[tuple]) -> pd.DataFrame:
    """``train.csv`` from (eeg_id, sub, offset, spectrogram_id, spec offset, patient) tuples,
    every row voted 'Other' by three experts."""
    df = pd.DataFrame(list(rows), columns=LABEL_COLUMNS)
    df.insert(4, "spectrogram_sub_id", df["eeg_sub_id"])
    df.insert(6, "label_id", np.arange(len(df)))
    df.insert(8, "expert_consensus", "Other")
    for c in VOTE_COLUMNS:
        df[c] = 0
    df["other_vote"] = 3
    df.to_csv(d / "train.csv", index=False)
    return df


def make_dirs(d: Path) -> Path:
    for sub in ("train_eegs", "train_spectrograms", "test_eegs", "test_spectrograms"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    return d


def faulty_layout(d: Path, seed: int = 7) -> Path:
    """A small Kaggle layout with the faults the factory must survive.

    EEG 1: 70 s, 3 label rows, two of them the same window (offset 10).
    EEG 2: 50 s, 1 row; its spectrogram file is missing (recomputed from EEG).
    EEG 3: 50 s, but a label at offset 20 s (past the end) next to a good one.
    EEG 4: a corrupt parquet file.  EEG 5: missing file.  EEG 6: lacks electrode T4.
    Test split: EEG 9 (50 s) with spectrogram 19.
    """
    rng = np.random.default_rng(seed)
    make_dirs(d)
    eeg_frame(rng, 70).to_parquet(d / "train_eegs/1.parquet")
    eeg_frame(rng, 50).to_parquet(d / "train_eegs/2.parquet")
    eeg_frame(rng, 50).to_parquet(d / "train_eegs/3.parquet")
    (d / "train_eegs/4.parquet").write_bytes(b"garbage")
    eeg_frame(rng, 50).drop(columns="T4").to_parquet(d / "train_eegs/6.parquet")
    for sid in (11, 13, 14, 15, 16):
        spec_frame(rng, 320).to_parquet(d / f"train_spectrograms/{sid}.parquet")
    write_train_csv(d, [
        (1, 0, 0.0, 11, 0.0, 100), (1, 1, 10.0, 11, 10.0, 100), (1, 2, 10.0, 11, 10.0, 100),
        (2, 0, 0.0, 12, 0.0, 101), (3, 0, 0.0, 13, 0.0, 102), (3, 1, 20.0, 13, 20.0, 102),
        (4, 0, 0.0, 14, 0.0, 103), (5, 0, 0.0, 15, 0.0, 104), (6, 0, 0.0, 16, 0.0, 105),
    ])  # fmt: skip
    eeg_frame(rng, 50).to_parquet(d / "test_eegs/9.parquet")
    spec_frame(rng, 300).astype({"time": np.int16}).to_parquet(d / "test_spectrograms/19.parquet")
    pd.DataFrame({"spectrogram_id": [19], "eeg_id": [9], "patient_id": [200]}).to_csv(
        d / "test.csv", index=False
    )
    return d


def clean_layout(d: Path, n_eegs: int = 3, seconds: float = 60.0, step: float = 5.0,
                 seed: int = 11) -> Path:  # fmt: skip
    """``n_eegs`` good EEGs of ``seconds`` s, each labelled every ``step`` s, with their
    spectrograms: nothing fails, nothing is recomputed."""
    rng = np.random.default_rng(seed)
    make_dirs(d)
    rows = []
    for k in range(n_eegs):
        eeg_id, sid = k + 1, 100 + k
        eeg_frame(rng, seconds).to_parquet(d / f"train_eegs/{eeg_id}.parquet")
        spec_frame(rng, 300 + int(seconds // 2)).to_parquet(d / f"train_spectrograms/{sid}.parquet")
        for j, off in enumerate(np.arange(0.0, seconds - 50.0 + 1e-9, step)):
            rows.append((eeg_id, j, float(off), sid, float(off), 500 + k))
    write_train_csv(d, rows)
    return d
