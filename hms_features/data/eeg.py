"""Reading EEG parquet files and slicing label windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hms_features.constants import (
    EEG_CHANNELS,
    FS,
    MAX_ABS_MICROVOLTS,
    PLACEHOLDER_VALUE,
    WINDOW_SAMPLES,
)
from hms_features.data.errors import EEGFileError, WindowOutOfBoundsError
from hms_features.data.parquet import column_array, read_table


def read_eeg(path: str | Path) -> np.ndarray:
    """Read one EEG parquet file into a float32 array in the canonical channel order.

    Columns are selected and reordered by name (a file whose columns come in another order is
    fine). On the 19 scalp electrodes the competition's placeholder 9999.0 and any value with
    |x| > 5,000 uV become NaN; on the EKG (often thousands of microvolts) only the placeholder.

    Parameters
    ----------
    path : str or Path
        ``<split>_eegs/<eeg_id>.parquet``.

    Returns
    -------
    ndarray, shape (n_samples, 20), float32
        Microvolts, columns :data:`~hms_features.constants.EEG_CHANNELS`, sampled at 200 Hz.

    Raises
    ------
    EEGFileError
        The file is missing or unreadable, lacks an electrode (named), has non-numeric data,
        is empty, or is entirely missing.
    """
    table = read_table(path, EEG_CHANNELS, EEGFileError, "EEG", "electrode")
    data = column_array(table, EEG_CHANNELS, EEGFileError, path, "EEG")
    if data.shape[0] == 0:
        raise EEGFileError(path, "EEG file has no rows")
    scalp = data[:, :-1]  # a view: edits land in ``data``
    with np.errstate(invalid="ignore"):
        scalp[np.abs(scalp) > MAX_ABS_MICROVOLTS] = np.nan  # includes the 9999.0 placeholder
    # the EKG is legitimately thousands of microvolts: only the placeholder itself is missing there
    data[data[:, -1] == PLACEHOLDER_VALUE, -1] = np.nan
    if np.isnan(data[:, :-1]).all():
        raise EEGFileError(path, "every scalp EEG sample is missing (NaN or placeholder)")
    return data


def window_start(offset_seconds: float, fs: float = FS) -> int:
    """First sample of a label window: ``offset * fs`` (offsets are whole or half seconds)."""
    return int(round(float(offset_seconds) * fs))


def eeg_window(
    eeg: np.ndarray,
    offset_seconds: float,
    eeg_id: int | str | None = None,
    n_samples: int = WINDOW_SAMPLES,
    fs: float = FS,
) -> np.ndarray:
    """The 50-s label window ``eeg[offset*200 : offset*200 + 10000]``.

    Raises
    ------
    WindowOutOfBoundsError
        If the window does not fit in the recording (never returns a shorter array); the
        message names ``eeg_id``, the offset and the file length.
    """
    if offset_seconds < 0:
        raise WindowOutOfBoundsError(None, f"eeg_id {eeg_id}: negative offset {offset_seconds} s")
    start = window_start(offset_seconds, fs)
    stop = start + n_samples
    if stop > eeg.shape[0]:
        raise WindowOutOfBoundsError(
            None,
            f"eeg_id {eeg_id}: window at offset {offset_seconds:g} s needs samples {start}-{stop} "
            f"but the file has {eeg.shape[0]} samples ({eeg.shape[0] / fs:g} s)",
        )
    return eeg[start:stop]
