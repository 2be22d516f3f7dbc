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

5. **Saturation.** A sample at the physical minimum or maximum the EDF/BDF header declares is at
   the amplifier's rail (clipped): NaN, flagged :data:`SATURATED`.

:meth:`RecordingReader.read` with ``flags=True`` also says, per 200-Hz sample and scalp
electrode, why a value is missing (:data:`FLAT`, :data:`OUT_OF_RANGE`, :data:`SATURATED`; 0 when
it is not), which :mod:`hms_features.score.quality` turns into named bad channels.

**Header problems** (a file shorter than its header says, as an interrupted copy leaves it; a
warning of MNE-Python's reader) are collected in :attr:`RecordingInfo.notes`, one sentence each
naming the file, for the caller to show. **Units**: :func:`amplitude_survey` measures the median
amplitude of each electrode on a few spans, and :func:`unit_problem` says when it cannot be EEG
(below :data:`LOW_MICROVOLTS` or above :data:`HIGH_MICROVOLTS` on most electrodes), naming the
header's physical unit and the unit that would make it EEG; ``unit=`` (``hms score --unit``)
forces the unit the file's numbers are read in.

A Kaggle EEG parquet (200 Hz, canonical names) is read whole with
:func:`~hms_features.data.eeg.read_eeg` and served through the same interface.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from hms_features.constants import EEG_CHANNELS, FS, MAX_ABS_MICROVOLTS, SCALP_CHANNELS
from hms_features.data.errors import HMSDataError

#: A scalp channel exactly constant for at least this long (seconds) is missing (NaN).
FLAT_SECONDS: float = 1.0
#: Flag codes of :meth:`RecordingReader.read` (``flags=True``), per sample and scalp electrode:
#: exactly constant for :data:`FLAT_SECONDS` or more (disconnected, zero runs) ...
FLAT: int = 1
#: ... beyond +/- 5,000 uV (or the Kaggle 9999 placeholder) ...
OUT_OF_RANGE: int = 2
#: ... at the physical minimum or maximum of the header (clipped by the amplifier) ...
SATURATED: int = 3
#: ... outside the recording (set by callers that pad a read, such as ``hms score``).
OUTSIDE: int = 4
#: Microvolts per unit of each physical dimension a header may declare (``--unit`` takes the
#: first three).
UNIT_MICROVOLTS: dict[str, float] = {"uV": 1.0, "mV": 1e3, "V": 1e6, "nV": 1e-3}
#: A median amplitude below this on most electrodes cannot be EEG, microvolts.
LOW_MICROVOLTS: float = 0.5
#: A median amplitude above this on most electrodes cannot be EEG, microvolts.
HIGH_MICROVOLTS: float = 1000.0
#: Spans read by :func:`amplitude_survey` (evenly spread) and their length, seconds.
SURVEY_SPANS: int = 6
SURVEY_SECONDS: float = 10.0
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
    # along the last axis of the channel-major view: MNE's samples are channel-major in memory,
    # and the filter runs twice as fast along contiguous samples (the same values)
    y = resample_poly(np.asarray(x).T, up, down, axis=1)
    return np.ascontiguousarray(y.T, dtype=np.float32)


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
    #: Physical unit of each canonical channel as the header declares it (``uV``, ``mV``, ...).
    units: dict[str, str] = field(default_factory=dict)
    #: Microvolts per file unit actually applied to each canonical channel.
    scale: dict[str, float] = field(default_factory=dict)
    #: The unit forced with ``unit=`` (``--unit``), or None for the header's.
    forced_unit: str | None = None
    #: Problems of the file's header, one sentence each (truncation, MNE's warnings).
    notes: list[str] = field(default_factory=list)

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
    unit : {"uV", "mV", "V"}, optional
        Read the file's numbers in this unit, whatever the header declares (a file whose
        header says uV but holds volts, say). Default: the header's unit of each channel
        (microvolts for a Kaggle parquet).

    Raises
    ------
    RecordingFileError
        Not found, unreadable, empty, or an electrode is missing.
    """

    def __init__(self, path: str | Path, unit: str | None = None) -> None:
        path = Path(path)
        if unit is not None and unit not in ("uV", "mV", "V"):
            from hms_features.errors import UsageError

            raise UsageError(f"--unit must be uV, mV or V; got {unit!r}")
        if not path.is_file():
            raise RecordingFileError(path, "recording not found" if not path.exists() else
                                     "is a folder, not a recording file")  # fmt: skip
        self._raw = None
        self._eeg: np.ndarray | None = None
        if path.suffix.lower() in PARQUET_SUFFIXES:
            from hms_features.data.eeg import read_eeg

            self._eeg = read_eeg(path)
            factor = UNIT_MICROVOLTS[unit] if unit else 1.0
            if factor != 1.0:
                self._eeg = self._eeg * np.float32(factor)
                scalp = self._eeg[:, :-1]
                scalp[np.abs(scalp) > MAX_ABS_MICROVOLTS] = np.nan
            n = self._eeg.shape[0]
            self.info = RecordingInfo(
                path, FS, n, n, {c: c for c in EEG_CHANNELS}, [], True,
                units={c: "uV" for c in EEG_CHANNELS}, scale={c: factor for c in EEG_CHANNELS},
                forced_unit=unit,
            )  # fmt: skip
            self._picks: list[int] = []
            self._scale = np.full(len(EEG_CHANNELS), factor)
            self._rails = None
            return
        self._raw, notes = _open_mne(path)
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
            forced_unit=unit,
            notes=notes,
        )
        self._picks = [mapping[c] for c in EEG_CHANNELS if c in mapping]
        orig = getattr(self._raw, "_orig_units", None) or {}
        for c, i in mapping.items():
            declared = _unit_name(orig.get(labels[i], ""))
            self.info.units[c] = declared or "?"
            header = UNIT_MICROVOLTS.get(declared, 1.0)
            self.info.scale[c] = UNIT_MICROVOLTS[unit] / header if unit else 1.0
        self._scale = np.array([self.info.scale[c] for c in EEG_CHANNELS if c in mapping])
        rails = _physical_rails(self._raw, self._picks)  # volts
        self._rails = (
            None
            if rails is None
            else rails[:, : len(SCALP_CHANNELS)] * (1e6 * self._scale[: len(SCALP_CHANNELS)])
        )
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

    @property
    def in_memory(self) -> bool:
        """Whether the samples are held in memory (a Kaggle parquet), so that a read is a copy
        rather than a read of the file and a resampling."""
        return self._eeg is not None

    def read(self, start: int = 0, stop: int | None = None, flags: bool = False):
        """Samples ``start:stop`` (200 Hz sample indices) of the recording.

        Returns
        -------
        ndarray, shape (stop - start, 20), float32
            Microvolts in :data:`~hms_features.constants.EEG_CHANNELS` order; NaN for a missing
            EKG, flat runs, saturated samples and |value| > 5,000 uV on the scalp electrodes.
            Indices outside the recording are clipped to it.
        ndarray, shape (stop - start, 19), uint8 (only with ``flags=True``)
            Why each scalp value is missing: :data:`FLAT`, :data:`OUT_OF_RANGE`,
            :data:`SATURATED`, or 0.
        """
        n = self.n_samples
        stop = n if stop is None else min(int(stop), n)
        start = min(max(int(start), 0), stop)
        if self._eeg is not None:
            x = self._eeg[start:stop].copy()
            if not flags:
                return x
            return x, np.where(np.isnan(x[:, :-1]), OUT_OF_RANGE, 0).astype(np.uint8)
        x, codes = self._read_mne(start, stop)
        return (x, codes) if flags else x

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
    def _source(self, lo: int, hi: int) -> np.ndarray:
        """Source samples ``lo:hi`` of the picked channels in microvolts (``unit`` applied),
        nothing marked missing yet; (hi - lo, n_picks) float64."""
        return self._raw.get_data(picks=self._picks, start=lo, stop=hi).T * (1e6 * self._scale)

    def _read_mne(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        fs = self.info.source_fs
        up, down = resampling_ratio(fs)
        # source span of the output samples, widened to whole polyphase blocks plus a margin
        half = 10 * max(up, down) / up + 2  # the filter's half-length in source samples
        margin = int(math.ceil(half / down)) * down
        s0 = (start // up) * down
        s1 = -(-stop // up) * down
        lo, hi = max(s0 - margin, 0), min(s1 + margin, self.info.n_source_samples)
        x = self._source(lo, hi)
        if not self.info.has_ekg:
            x = np.concatenate([x, np.full((x.shape[0], 1), np.nan)], axis=1)
        scalp = x[:, :-1]
        codes = source_flags(scalp, fs, self._rails)
        scalp[codes > 0] = np.nan
        y = _resample_nan_aware(x, fs) if up != down else x.astype(np.float32)
        if up != down:
            src = np.minimum(np.round(np.arange(y.shape[0]) * down / up).astype(np.int64),
                             len(x) - 1)  # fmt: skip
            codes = codes[src]
        first = (lo * up) // down  # output index of y[0] (lo is a multiple of down or 0)
        return y[start - first : stop - first], codes[start - first : stop - first]

    def amplitude_survey(self) -> np.ndarray:
        """Median amplitude of each scalp electrode (19,), microvolts, on :data:`SURVEY_SPANS`
        spans of :data:`SURVEY_SECONDS` spread over the recording, before anything is marked
        missing: the median absolute deviation from the span's median, pooled over spans.
        0 for an electrode that is exactly constant."""
        if self._eeg is not None:
            n_src, fs = self._eeg.shape[0], FS
        else:
            n_src, fs = self.info.n_source_samples, self.info.source_fs
        span = min(int(SURVEY_SECONDS * fs), n_src)
        starts = np.unique(np.linspace(0, n_src - span, SURVEY_SPANS).astype(np.int64))
        devs = []
        for a in starts:
            if self._eeg is not None:
                x = self._eeg[a : a + span, :-1].astype(np.float64)
            else:
                x = self._source(int(a), int(a) + span)[:, : len(SCALP_CHANNELS)]
            with np.errstate(invalid="ignore"):
                devs.append(np.abs(x - np.nanmedian(x, axis=0)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN parquet column
            return np.nan_to_num(np.nanmedian(np.vstack(devs), axis=0), nan=0.0)


def source_flags(scalp: np.ndarray, fs: float, rails: np.ndarray | None = None) -> np.ndarray:
    """Why each scalp sample (n, 19), microvolts at the source rate, is missing: :data:`FLAT`
    (part of a constant run of :data:`FLAT_SECONDS` or more), :data:`OUT_OF_RANGE` (|value| >
    5,000 uV), :data:`SATURATED` (at a header rail, ``rails`` (2, 19) microvolts: minimum and
    maximum), else 0; uint8. Flat wins over the others (a channel stuck at a rail is flat).

    Examples
    --------
    >>> x = np.zeros((600, 2)); x[:, 1] = np.sin(np.arange(600)); x[5, 1] = 9000.0
    >>> codes = source_flags(x, 200.0)
    >>> int(codes[:, 0].min()), np.flatnonzero(codes[:, 1]).tolist()
    (1, [5])
    """
    codes = np.zeros(scalp.shape, dtype=np.uint8)
    if rails is not None:
        tol = 1e-6 * np.maximum(np.abs(rails).max(axis=0), 1.0)
        codes[(scalp <= rails[0] + tol) | (scalp >= rails[1] - tol)] = SATURATED
    with np.errstate(invalid="ignore"):
        codes[~(np.abs(scalp) <= MAX_ABS_MICROVOLTS)] = OUT_OF_RANGE
    flat = np.isnan(flat_runs_to_nan(scalp.copy(), fs)) & ~np.isnan(scalp)
    codes[flat] = FLAT
    return codes


def _physical_rails(raw, picks: list[int]) -> np.ndarray | None:
    """Physical minimum and maximum (2, n_picks) of an EDF/BDF header in the units MNE returns
    (volts), or None for a format without them."""
    extras = getattr(raw, "_raw_extras", None) or [{}]
    lo, hi = extras[0].get("physical_min"), extras[0].get("physical_max")
    sel = extras[0].get("sel")
    cal_units = extras[0].get("units")
    if lo is None or hi is None or cal_units is None:
        return None
    lo, hi, cal_units = (np.asarray(v, dtype=np.float64) for v in (lo, hi, cal_units))
    if sel is not None and len(lo) != len(raw.ch_names):
        sel = np.asarray(sel)
        lo, hi, cal_units = lo[sel], hi[sel], cal_units[sel]
    if len(lo) != len(raw.ch_names):
        return None
    idx = np.asarray(picks)
    return np.vstack([lo[idx] * cal_units[idx], hi[idx] * cal_units[idx]])


def _unit_name(unit: str) -> str:
    """A header's physical dimension in :data:`UNIT_MICROVOLTS` spelling (``µV`` -> ``uV``), or
    the text as found."""
    text = str(unit).strip().replace("\u00b5", "u").replace("\u03bc", "u")
    for name in UNIT_MICROVOLTS:
        if text.lower() == name.lower():
            return name
    return text


def unit_problem(info: RecordingInfo, amplitude: np.ndarray) -> str | None:
    """A sentence when the median amplitudes (19,) microvolts cannot be EEG on most electrodes
    (below :data:`LOW_MICROVOLTS` or above :data:`HIGH_MICROVOLTS`), naming the file, the
    header's physical unit and the likely fix; None when they can.

    Examples
    --------
    >>> info = RecordingInfo(Path("r.edf"), 256.0, 256, 200, {}, units={"Fp1": "uV"})
    >>> print(unit_problem(info, np.full(19, 4e-5)))  # doctest: +NORMALIZE_WHITESPACE
    r.edf: median amplitude 4e-05 uV on 19 of 19 electrodes, below 0.5 uV: not EEG at this
    scale; the header's physical unit is uV; if the numbers are in V, pass --unit V
    >>> unit_problem(info, np.full(19, 30.0)) is None
    True
    """
    amplitude = np.asarray(amplitude, dtype=np.float64)
    half = len(amplitude) / 2
    low, high = amplitude < LOW_MICROVOLTS, amplitude > HIGH_MICROVOLTS
    if low.sum() <= half and high.sum() <= half:
        return None
    which = low if low.sum() > half else high
    med = float(np.median(amplitude[which]))
    units = sorted(set(info.units.values())) or ["uV"]
    header = ", ".join(units)
    what = (
        f"{info.path.name}: median amplitude {med:.3g} uV on {int(which.sum())} of "
        f"{len(amplitude)} electrodes, "
        + (f"below {LOW_MICROVOLTS:g} uV" if which is low else f"above {HIGH_MICROVOLTS:g} uV")
    )
    if med == 0.0:
        return f"{what}: the electrodes are flat (an empty or disconnected recording), not EEG"
    shown = f"--unit {info.forced_unit}" if info.forced_unit else f"the header's unit ({header})"
    # the file's own numbers, and the unit that would put them nearest a typical 30 uV
    raw = med / (UNIT_MICROVOLTS[info.forced_unit] if info.forced_unit else
                 UNIT_MICROVOLTS.get(units[0], 1.0))  # fmt: skip
    fits = {u: raw * UNIT_MICROVOLTS[u] for u in ("uV", "mV", "V")}
    fits = {u: v for u, v in fits.items() if LOW_MICROVOLTS <= v <= HIGH_MICROVOLTS}
    if info.forced_unit:
        fits.pop(info.forced_unit, None)
    text = f"{what}: not EEG at this scale; read in {shown}" if info.forced_unit else (
        f"{what}: not EEG at this scale; the header's physical unit is {header}")  # fmt: skip
    if fits:
        best = min(fits, key=lambda u: abs(math.log10(fits[u] / 30.0)))
        return f"{text}; if the numbers are in {best}, pass --unit {best}"
    return f"{text}; no unit (uV, mV, V) makes it EEG: check the file"


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
    """``mne.io.read_raw`` without preloading (data are read per chunk); MNE's warnings (a
    header that does not match the file size, ...) become sentences naming the file."""
    import mne

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            raw = mne.io.read_raw(path, preload=False, verbose="warning")
        except Exception as exc:  # MNE raises many types for unreadable files
            raise RecordingFileError(
                path, f"not a recording MNE-Python can read ({type(exc).__name__}: {exc})"
            ) from None
    notes = []
    header = edf_header_seconds(path)
    found = raw.n_times / float(raw.info["sfreq"])
    if header is not None and found < header - 1e-6:
        notes.append(
            f"{path.name}: the header says {header:g} s but the file holds {found:g} s of data "
            "(truncated, e.g. an interrupted copy): only the data found are scored"
        )
    for w in caught:
        text = str(w.message).strip()
        if "does not match the file size" in text and notes:
            continue  # said above, with the numbers
        if issubclass(w.category, DeprecationWarning) or not text:
            continue
        notes.append(f"{path.name}: {text}")
    return raw, notes


def edf_header_seconds(path: Path) -> float | None:
    """Duration an EDF/BDF header declares (records x record length), seconds; None for
    another format or a header that does not say (-1 records)."""
    if path.suffix.lower() not in (".edf", ".bdf", ".rec"):
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(256)
        n_records = int(head[236:244].decode("ascii").strip())
        record = float(head[244:252].decode("ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return n_records * record if n_records > 0 and record > 0 else None


def open_recording(path: str | Path, unit: str | None = None) -> RecordingReader:
    """Open a recording for reading (see :class:`RecordingReader`)."""
    return RecordingReader(path, unit)


def read_recording(path: str | Path) -> np.ndarray:
    """The whole recording: float32 (n_samples, 20) microvolts at 200 Hz, canonical order."""
    return RecordingReader(path).read_all()
