"""Data access in the Kaggle layout: label tables, EEG and spectrogram files, windows."""

from hms_features.data.eeg import eeg_window, read_eeg, window_start
from hms_features.data.errors import (
    EEGFileError,
    HMSDataError,
    LabelSchemaError,
    SpectrogramFileError,
    WindowOutOfBoundsError,
)
from hms_features.data.labels import (
    high_vote_rows,
    one_row_per_eeg,
    read_labels,
    total_votes,
    vote_counts,
    vote_probabilities,
)
from hms_features.data.layout import KaggleLayout
from hms_features.data.spectrogram import read_spectrogram, spectrogram_window

__all__ = [
    "EEGFileError",
    "HMSDataError",
    "KaggleLayout",
    "LabelSchemaError",
    "SpectrogramFileError",
    "WindowOutOfBoundsError",
    "eeg_window",
    "high_vote_rows",
    "one_row_per_eeg",
    "read_eeg",
    "read_labels",
    "read_spectrogram",
    "spectrogram_window",
    "total_votes",
    "vote_counts",
    "vote_probabilities",
    "window_start",
]
