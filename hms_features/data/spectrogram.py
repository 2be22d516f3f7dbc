"""Reading the competition's spectrogram parquet files and slicing their 10-minute windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hms_features.constants import SPEC_COLUMNS, SPEC_ROW_SECONDS, SPEC_WINDOW_ROWS
from hms_features.data.errors import SpectrogramFileError, WindowOutOfBoundsError
from hms_features.data.parquet import column_array, read_table


def read_spectrogram(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one spectrogram parquet file.

    Parameters
    ----------
    path : str or Path
        ``<split>_spectrograms/<spectrogram_id>.parquet``: ``time`` (int16 or int64 seconds, 2-s
        steps 1, 3, 5, ...) and 400 float32 power columns ``LL_0.59 ... RP_19.92``.

    Returns
    -------
    time : ndarray, shape (n_rows,), int64
        Row centres in seconds.
    power : ndarray, shape (n_rows, 400), float32
        Linear power (uV^2) in :data:`~hms_features.constants.SPEC_COLUMNS` order (selected by
        name). The recording's zero padding (exact zeros) becomes NaN: padding is not signal.
    """
    what = "spectrogram"
    table = read_table(path, ("time", *SPEC_COLUMNS), SpectrogramFileError, what)
    time = column_array(table, ["time"], SpectrogramFileError, path, what, np.int64)[:, 0]
    power = column_array(table, SPEC_COLUMNS, SpectrogramFileError, path, what)
    power[power == 0] = np.nan
    return time, power


def spectrogram_window(
    time: np.ndarray,
    power: np.ndarray,
    offset_seconds: float,
    spectrogram_id: int | str | None = None,
) -> np.ndarray:
    """The 10-minute label window: 300 rows starting at row ``offset // 2``.

    Returns
    -------
    ndarray, shape (300, 400), float32
        NaN where the recording was zero-padded or (for a window reaching past the end of a
        file, which happens in the real data by a row or two) where rows are absent.

    Raises
    ------
    WindowOutOfBoundsError
        If the window starts beyond the end of the file.
    """
    start = int(offset_seconds // SPEC_ROW_SECONDS)
    n = power.shape[0]
    if offset_seconds < 0 or start >= n:
        raise WindowOutOfBoundsError(
            None,
            f"spectrogram_id {spectrogram_id}: window at offset {offset_seconds:g} s starts at row "
            f"{start} but the file has {n} rows",
        )
    out = np.full((SPEC_WINDOW_ROWS, power.shape[1]), np.nan, dtype=np.float32)
    stop = min(start + SPEC_WINDOW_ROWS, n)
    out[: stop - start] = power[start:stop]
    return out
