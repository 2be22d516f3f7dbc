"""Reading a whole clinical recording (EDF/EDF+, BDF, anything MNE-Python reads, or a Kaggle
EEG parquet) as 200 Hz microvolts in the canonical channel order, in chunks.

Clinical files differ from the competition's parquets in four ways, each undone here:

1. **Channel names.** :func:`canonical_name` maps a file's channel label onto one of
   :data:`~hms_features.constants.EEG_CHANNELS`:

   - case is ignored (``FP1``, ``fp1`` -> ``Fp1``; ``FZ`` -> ``Fz``);
   - a leading ``EEG`` / ``ECG`` / ``EKG`` type prefix followed by a space or ``-`` is dropped
     (``EEG FP1-REF``, the Temple University corpus's convention);
   - a trailing reference suffix ``-REF``, ``-LE`` (linked ears), ``-AR`` (average reference),
     ``-AVG``, ``-A1``, ``-A2``, ``-M1``, ``-M2`` is dropped (``Fp1-LE``);
   - the 10-10 names of the temporal and parietal electrodes become their 10-20 names
     (``T7`` -> ``T3``, ``P7`` -> ``T5``, ``T8`` -> ``T4``, ``P8`` -> ``T6``);
   - ``ECG``, ``EKG``, ``ECG1``, ``EKG1`` (with any of the affixes above) become ``EKG``.

   Anything else (A1/A2, photic, EMG, a bipolar derivation such as ``FP1-F7``, annotations) is
   an **extra channel** and is ignored. A scalp electrode that no channel maps to is an error
   naming it and every channel found; two channels mapping to one scalp electrode (``T3`` and
   ``T7``) are an error naming both. The EKG is optional (NaN when absent; the first EKG channel
   is used when there are several).
2. **Units.** MNE scales every channel to volts from the physical dimension the file declares
   (uV, mV or V); the reader returns microvolts.
3. **Sampling rate.** 250, 256, 500 Hz, ... are resampled to 200 Hz with a polyphase filter
   (:func:`scipy.signal.resample_poly`, ratio ``200 / fs`` as a reduced fraction). Chunks are
   read with a margin of source samples on each side longer than the filter's half-length and
   trimmed after resampling, so that a chunked read equals resampling the whole recording at
   once (to float32 precision) while memory stays bounded by the chunk length.
4. **Missing data.** EDF has no NaN: a disconnected electrode is a flat line (often exactly 0).
   On the 19 scalp electrodes, a run of at least :data:`FLAT_SECONDS` of exactly constant
   samples (read at the source rate) becomes NaN, like any |value| > 5,000 uV (as
   :func:`~hms_features.data.eeg.read_eeg` does for the Kaggle placeholder); the feature
   pipeline then interpolates it and reports its fraction (``global__missing_fraction``).

A Kaggle EEG parquet (200 Hz, canonical names) is read whole with
:func:`~hms_features.data.eeg.read_eeg` and served through the same interface.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from hms_features.constants import EEG_CHANNELS, FS, MAX_ABS_MICROVOLTS, SCALP_CHANNELS
from hms_features.data.errors import HMSDataError

#: A scalp channel exactly constant for at least this long (seconds) is missing (NaN).
FLAT_SECONDS: float = 1.0
#: Default chunk length of :meth:`RecordingReader.chunks`, seconds.
CHUNK_SECONDS: float = 600.0
#: File suffixes read as Kaggle EEG parquets (everything else goes to MNE).
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")

_PREFIX = re.compile(r"^(EEG|ECG|EKG)[\s\-]+", re.IGNORECASE)
_SUFFIX = re.compile(r"-(REF|LE|AR|AVG|A1|A2|M1|M2)$", re.IGNORECASE)
#: 10-10 names of the four electrodes that the 10-20 system names otherwise.
TEN_TEN_ALIASES: dict[str, str] = {"T7": "T3", "P7": "T5", "T8": "T4", "P8": "T6"}
#: Labels (after prefix and suffix removal, upper case) that mean the EKG channel.
EKG_NAMES: frozenset[str] = frozenset({"ECG", "EKG", "ECG1", "EKG1"})
_UPPER = {c.upper(): c for c in EEG_CHANNELS}


class RecordingFileError(HMSDataError):
    """A recording that cannot be read or lacks an electrode (the message says which)."""


def canonical_name(label: str) -> str | None:
    """The canonical channel a file's channel label stands for, or None for an extra channel.

    Examples
    --------
    >>> [canonical_name(c) for c in ["EEG FP1-REF", "Fp1-LE", "t7", "P8-AR", "EEG EKG1-REF"]]
    ['Fp1', 'Fp1', 'T3', 'T6', 'EKG']
    >>> canonical_name("Photic") is None, canonical_name("FP1-F7") is None
    (True, True)
    """
    name = _SUFFIX.sub("", _PREFIX.sub("", label.strip())).strip().upper()
    if name in EKG_NAMES:
        return "EKG"
    name = TEN_TEN_ALIASES.get(name, name)
    if name == "EKG":
        return "EKG"
    return _UPPER.get(name)


def map_channels(labels: list[str], path: str | Path | None = None) -> dict[str, int]:
    """Position in ``labels`` of each canonical channel found (EKG only if present).

    Raises
    ------
    RecordingFileError
        A scalp electrode is missing (named, with the channels found), or two channels map to
        the same scalp electrode.
    """
    found: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        name = canonical_name(label)
        if name is not None:
            found.setdefault(name, []).append(i)
    doubled = {c: idx for c, idx in found.items() if c != "EKG" and len(idx) > 1}
    if doubled:
        text = "; ".join(f"{c}: {', '.join(labels[i] for i in idx)}" for c, idx in doubled.items())
        raise RecordingFileError(path, f"several channels map to one electrode ({text})")
    missing = [c for c in SCALP_CHANNELS if c not in found]
    if missing:
        raise RecordingFileError(
            path,
            f"electrode(s) {', '.join(missing)} not found; channels in the file: "
            f"{', '.join(labels) or '(none)'}",
        )
    return {c: idx[0] for c, idx in found.items()}


def resampling_ratio(fs: float) -> tuple[int, int]:
    """``(up, down)`` of a polyphase resampling from ``fs`` Hz to 200 Hz.

    >>> resampling_ratio(256.0), resampling_ratio(250.0), resampling_ratio(500.0)
    ((25, 32), (4, 5), (2, 5))
    """
    ratio = Fraction(FS / float(fs)).limit_denominator(10_000)
    return ratio.numerator, ratio.denominator


def resample_to_200(x: np.ndarray, fs: float) -> np.ndarray:
    """Resample ``x`` (n_samples, n_channels) from ``fs`` to 200 Hz along time (polyphase)."""
    from scipy.signal import resample_poly

    up, down = resampling_ratio(fs)
    if up == down:
        return np.asarray(x, dtype=np.float32)
    return resample_poly(x, up, down, axis=0).astype(np.float32)


def flat_runs_to_nan(x: np.ndarray, fs: float, seconds: float = FLAT_SECONDS) -> np.ndarray:
    """Set runs of at least ``seconds`` of exactly constant samples to NaN, all columns at once.

    ``x`` is (n_samples, n_channels); modified in place and returned. A sample belongs to a run
    when it equals its predecessor (the run's first sample is included).
    """
    n_min = max(int(round(seconds * fs)), 2)
    n, n_ch = x.shape
    if n < n_min:
        return x
    # runs of "equal to the previous sample", channel by channel in one flat pass: the edges of
    # the padded mask come in (start, end) pairs, sorted by channel then time
    same = np.zeros((n_ch, n + 2), dtype=np.int8)
    same[:, 2:-1] = (x[1:] == x[:-1]).T
    edges = np.diff(same, axis=1)
    ch_start, start = np.nonzero(edges == 1)
    _, end = np.nonzero(edges == -1)
    long = end - start + 1 >= n_min  # a run of k equal steps spans k + 1 samples
    if not long.any():
        return x
    mark = np.zeros((n_ch, n + 1), dtype=np.int32)
    np.add.at(mark, (ch_start[long], start[long] - 1), 1)  # the run's first sample too
    np.add.at(mark, (ch_start[long], end[long]), -1)
    x[(np.cumsum(mark, axis=1)[:, :n] > 0).T] = np.nan
    return x


@dataclass
class RecordingInfo:
    """What the reader found in a file.

    Attributes
    ----------
    path : Path
    source_fs : float
        Sampling rate of the file, Hz.
    n_source_samples : int
    n_samples : int
        Samples at 200 Hz (``floor(n_source_samples * 200 / source_fs)``).
    channels : dict of str to str
        Canonical channel -> the file's label.
    extra_channels : list of str
        The file's channels that were ignored.
    has_ekg : bool
    """

    path: Path
    source_fs: float
    n_source_samples: int
    n_samples: int
    channels: dict[str, str]
    extra_channels: list[str] = field(default_factory=list)
    has_ekg: bool = True

    @property
    def duration(self) -> float:
        """Seconds of the recording."""
        return self.n_samples / FS


class RecordingReader:
    """A recording opened for reading; :meth:`read` any span, :meth:`chunks` to stream it.

    Parameters
    ----------
    path : str or Path
        EDF/EDF+, BDF, any file :func:`mne.io.read_raw` reads, or a Kaggle EEG parquet.

    Raises
    ------
    RecordingFileError
        Not found, unreadable, empty, or an electrode is missing.
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.is_file():
            raise RecordingFileError(path, "recording not found" if not path.exists() else
                                     "is a folder, not a recording file")  # fmt: skip
        self._raw = None
        self._eeg: np.ndarray | None = None
        if path.suffix.lower() in PARQUET_SUFFIXES:
            from hms_features.data.eeg import read_eeg

            self._eeg = read_eeg(path)
            n = self._eeg.shape[0]
            self.info = RecordingInfo(path, FS, n, n, {c: c for c in EEG_CHANNELS}, [], True)
            self._picks: list[int] = []
            return
        self._raw = _open_mne(path)
        labels = list(self._raw.ch_names)
        mapping = map_channels(labels, path)
        fs = float(self._raw.info["sfreq"])
        n_src = int(self._raw.n_times)
        up, down = resampling_ratio(fs)
        self.info = RecordingInfo(
            path=path,
            source_fs=fs,
            n_source_samples=n_src,
            n_samples=(n_src * up) // down,
            channels={c: labels[i] for c, i in mapping.items()},
            extra_channels=[lab for i, lab in enumerate(labels) if i not in mapping.values()],
            has_ekg="EKG" in mapping,
        )
        self._picks = [mapping[c] for c in EEG_CHANNELS if c in mapping]
        if self.info.n_samples == 0:
            raise RecordingFileError(path, "the recording holds no samples")

    # ------------------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        """Seconds of the recording (at 200 Hz)."""
        return self.info.duration

    @property
    def n_samples(self) -> int:
        """Samples at 200 Hz."""
        return self.info.n_samples

    def read(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Samples ``start:stop`` (200 Hz sample indices) of the recording.

        Returns
        -------
        ndarray, shape (stop - start, 20), float32
            Microvolts in :data:`~hms_features.constants.EEG_CHANNELS` order; NaN for a missing
            EKG, flat runs and |value| > 5,000 uV on the scalp electrodes. Indices outside the
            recording are clipped to it.
        """
        n = self.n_samples
        stop = n if stop is None else min(int(stop), n)
        start = min(max(int(start), 0), stop)
        if self._eeg is not None:
            return self._eeg[start:stop].copy()
        return self._read_mne(start, stop)

    def chunks(self, seconds: float = CHUNK_SECONDS):
        """Yield ``(start_sample, array)`` chunks of about ``seconds`` covering the recording
        (200 Hz sample indices; arrays as :meth:`read`)."""
        up, _ = resampling_ratio(self.info.source_fs)
        step = max(up, int(round(seconds * FS)) // up * up)
        for start in range(0, self.n_samples, step):
            yield start, self.read(start, start + step)

    def read_all(self) -> np.ndarray:
        """The whole recording as :meth:`read` (memory grows with duration: 16 kB per second)."""
        return self.read(0, self.n_samples)

    # ------------------------------------------------------------------------------------
    def _read_mne(self, start: int, stop: int) -> np.ndarray:
        fs = self.info.source_fs
        up, down = resampling_ratio(fs)
        # source span of the output samples, widened to whole polyphase blocks plus a margin
        half = 10 * max(up, down) / up + 2  # the filter's half-length in source samples
        margin = int(math.ceil(half / down)) * down
        s0 = (start // up) * down
        s1 = -(-stop // up) * down
        lo, hi = max(s0 - margin, 0), min(s1 + margin, self.info.n_source_samples)
        x = self._raw.get_data(picks=self._picks, start=lo, stop=hi).T * 1e6  # V -> uV
        if not self.info.has_ekg:
            x = np.concatenate([x, np.full((x.shape[0], 1), np.nan)], axis=1)
        scalp = x[:, :-1]
        flat_runs_to_nan(scalp, fs)
        with np.errstate(invalid="ignore"):
            scalp[np.abs(scalp) > MAX_ABS_MICROVOLTS] = np.nan
        y = _resample_nan_aware(x, fs) if up != down else x.astype(np.float32)
        first = (lo * up) // down  # output index of y[0] (lo is a multiple of down or 0)
        return y[start - first : stop - first]


def _resample_nan_aware(x: np.ndarray, fs: float) -> np.ndarray:
    """Resample with NaN kept as NaN: the filter runs on zero-filled data, and an output sample
    is NaN where the nearest source sample was NaN."""
    up, down = resampling_ratio(fs)
    bad = np.isnan(x)
    if not bad.any():
        return resample_to_200(x, fs)
    y = resample_to_200(np.where(bad, 0.0, x), fs)
    src = np.minimum(np.round(np.arange(y.shape[0]) * down / up).astype(np.int64), len(x) - 1)
    y[bad[src]] = np.nan
    return y


def _open_mne(path: Path):
    """``mne.io.read_raw`` without preloading (data are read per chunk), quietly."""
    import mne

    try:
        return mne.io.read_raw(path, preload=False, verbose="error")
    except Exception as exc:  # MNE raises many types for unreadable files
        raise RecordingFileError(
            path, f"not a recording MNE-Python can read ({type(exc).__name__}: {exc})"
        ) from None


def open_recording(path: str | Path) -> RecordingReader:
    """Open a recording for reading (see :class:`RecordingReader`)."""
    return RecordingReader(path)


def read_recording(path: str | Path) -> np.ndarray:
    """The whole recording: float32 (n_samples, 20) microvolts at 200 Hz, canonical order."""
    return RecordingReader(path).read_all()
