"""Feature values of the genuine samples, bit for bit, against a stored table.

``tests/data/genuine_features.parquet`` holds every feature (float64, as
:func:`~hms_features.features.extractor.extract_window_dict` returns them) of the genuine
sample files' label windows: the test EEG 3911565283 with its spectrogram file, and the ten
label rows of the two train EEGs (one of whose spectrograms is absent, so it is recomputed
from the EEG). The windows and spectrograms are those the factory builds. A change that moves
any value, even in its last bit, or renames, drops, adds or reorders a column fails here; a
change meant to move values regenerates the table on purpose::

    .venv/bin/python tests/features/test_genuine_features.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from hms_features.constants import FS
from hms_features.data.eeg import eeg_window, read_eeg
from hms_features.data.layout import KaggleLayout
from hms_features.factory.chunk import label_spectrogram, spectrogram_reader
from hms_features.factory.windows import label_rows
from hms_features.features.extractor import extract_window_dict

STORED = Path(__file__).resolve().parents[1] / "data" / "genuine_features.parquet"
KEYS = ["split", "eeg_id", "eeg_sub_id"]


def genuine_features(samples: Path) -> pd.DataFrame:
    """:data:`KEYS`, then every feature in column order, one row per label row (test, train)."""
    layout = KaggleLayout(samples)
    rows: list[dict] = []
    with threadpool_limits(limits=1, user_api="blas"):  # as in the factory's workers
        for split in ("test", "train"):
            read = spectrogram_reader(layout, split)
            for r in label_rows(layout, split).itertuples(index=False):
                eeg = read_eeg(layout.eeg_path(split, r.eeg_id))
                offset = float(r.eeg_label_offset_seconds)
                window = eeg_window(eeg, offset, r.eeg_id)
                spec, why = label_spectrogram(
                    read, eeg, offset, int(r.spectrogram_id), r.spectrogram_label_offset_seconds
                )
                keys = {"split": split, "eeg_id": int(r.eeg_id), "eeg_sub_id": int(r.eeg_sub_id)}
                rows.append({**keys, **extract_window_dict(window, FS, spec, bool(why))})
    return pd.DataFrame(rows)


def to_stored(table: pd.DataFrame) -> pd.DataFrame:
    """Stored transposed (a column per window, ``<split>/<eeg_id>/<eeg_sub_id>``, a row per
    feature): parquet's cost grows with the number of columns, not of rows."""
    keys = table[KEYS].astype(str).agg("/".join, axis=1)
    values = table.drop(columns=KEYS).set_axis(keys).T.astype(np.float64)
    return values.rename_axis("feature").reset_index()


def from_stored(stored: pd.DataFrame) -> pd.DataFrame:
    """The table of :func:`genuine_features` back from :func:`to_stored`."""
    values = stored.set_index("feature").T
    keys = values.index.to_series().str.split("/", expand=True).set_axis(KEYS, axis=1)
    keys = keys.astype({"eeg_id": np.int64, "eeg_sub_id": np.int64}).reset_index(drop=True)
    return pd.concat([keys, values.reset_index(drop=True).rename_axis(None, axis=1)], axis=1)


def test_features_of_the_genuine_samples_are_bit_identical_to_the_stored_table(
    hms_samples: Path,
) -> None:
    stored = from_stored(pd.read_parquet(STORED))
    got = genuine_features(hms_samples)
    assert list(got.columns) == list(stored.columns)
    assert got[KEYS].equals(stored[KEYS])
    a = got.drop(columns=KEYS).to_numpy(np.float64)
    b = stored.drop(columns=KEYS).to_numpy(np.float64)
    assert (stored.drop(columns=KEYS).dtypes == np.float64).all()
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    # bit for bit: NaN where NaN, elsewhere the same 64 bits (so the same sign of every zero)
    same = np.where(nan_a | nan_b, nan_a & nan_b, a.view(np.int64) == b.view(np.int64))
    assert same.all(), "features that moved: " + ", ".join(
        got.columns[len(KEYS) :][~same.all(axis=0)][:10]
    )
    assert np.array_equal(a, b, equal_nan=True)


if __name__ == "__main__":  # regenerate the stored table (on purpose only)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from conftest import samples_dir

    STORED.parent.mkdir(exist_ok=True)
    table = genuine_features(samples_dir())
    to_stored(table).to_parquet(STORED, compression="zstd", index=False)
    print(f"{STORED}: {table.shape[0]} windows x {table.shape[1] - len(KEYS)} features")
