"""Errors raised for bad input files; each names the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

from hms_features.errors import HMSError


class HMSDataError(HMSError, ValueError):
    """A data file is missing, unreadable or does not match the Kaggle layout.

    Attributes
    ----------
    path : Path or None
        The offending file.
    reason : str
        What is wrong, in one line.
    """

    def __init__(self, path: str | Path | None, reason: str) -> None:
        self.path = Path(path) if path is not None else None
        self.reason = reason
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{reason}")


class LabelSchemaError(HMSDataError):
    """train.csv / test.csv does not have the expected columns or values."""


class EEGFileError(HMSDataError):
    """An EEG parquet file is missing, corrupt, or lacks electrodes."""


class SpectrogramFileError(HMSDataError):
    """A spectrogram parquet file is missing, corrupt, or lacks columns."""


class WindowOutOfBoundsError(HMSDataError):
    """A label offset points past the end of its recording."""
