"""Where things are in a Kaggle-layout data folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "test")


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return split


@dataclass(frozen=True)
class KaggleLayout:
    """Paths of the competition's files below ``data_dir``.

    ``data_dir/{train,test}.csv``, ``data_dir/{split}_eegs/<eeg_id>.parquet``,
    ``data_dir/{split}_spectrograms/<spectrogram_id>.parquet``, ``data_dir/sample_submission.csv``.
    """

    data_dir: Path

    def __init__(self, data_dir: str | Path) -> None:
        object.__setattr__(self, "data_dir", Path(data_dir))

    def labels_csv(self, split: str) -> Path:
        """``train.csv`` or ``test.csv``."""
        return self.data_dir / f"{_check_split(split)}.csv"

    def eeg_dir(self, split: str) -> Path:
        """``train_eegs/`` or ``test_eegs/``."""
        return self.data_dir / f"{_check_split(split)}_eegs"

    def spectrogram_dir(self, split: str) -> Path:
        """``train_spectrograms/`` or ``test_spectrograms/``."""
        return self.data_dir / f"{_check_split(split)}_spectrograms"

    def eeg_path(self, split: str, eeg_id: int) -> Path:
        """The EEG parquet of ``eeg_id``."""
        return self.eeg_dir(split) / f"{int(eeg_id)}.parquet"

    def spectrogram_path(self, split: str, spectrogram_id: int) -> Path:
        """The spectrogram parquet of ``spectrogram_id``."""
        return self.spectrogram_dir(split) / f"{int(spectrogram_id)}.parquet"

    @property
    def sample_submission(self) -> Path:
        """``sample_submission.csv``."""
        return self.data_dir / "sample_submission.csv"
