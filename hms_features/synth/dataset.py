"""Generate a complete synthetic HMS data set in the Kaggle layout.

``generate_dataset(out_dir, seed)`` writes ``train.csv``, ``test.csv``,
``sample_submission.csv``, ``train_eegs/``, ``train_spectrograms/``, ``test_eegs/`` and
``test_spectrograms/`` with the genuine files' columns and dtypes (plus ``test_solution.csv``,
the test votes, which Kaggle keeps hidden). How the data are made:

- Patients (:mod:`hms_features.synth.recording`) have 1-6 EEGs; each EEG has 1-10 label rows at
  distinct even offsets; its class mixture (:mod:`hms_features.synth.states`) is mostly
  constant with occasional drift, and panels of simulated raters vote on every window
  (:mod:`hms_features.synth.panel`).
- Each EEG is an excerpt of a longer recording covered by its spectrogram file. The EEG span is
  rendered at 200 Hz and written as the EEG file; the rest of the recording is rendered at
  50 Hz (the same process band-limited to 25 Hz) only to fill the spectrogram's other rows.
  Both go through :func:`hms_features.signal.spectrogram.eeg_to_spectrogram`, so the
  spectrogram agrees with the EEG. Label windows are centred: the EEG's first sample is at an
  odd second ``e0`` of the spectrogram file and ``spectrogram_label_offset = e0 + offset - 275``.
- Rows outside the recorded span are exact zeros (padding); values are rounded to 0.01 with a
  floor of 0.01, as in the genuine files, so an exact zero always means padding.
- Data faults at the real rates (:class:`FaultRates`): NaN runs across all electrodes in ~18%
  of EEG files, recording gaps giving NaN rows in ~9% of spectrograms, occasional flat or
  saturated electrodes, and the 9999.0 placeholder in every column for 10 s in ~0.5% of files.

Determinism: every patient draws from its own ``numpy.random.SeedSequence(seed,
spawn_key=(1, i))`` (test patients ``(2, j)``), split into four independent streams (labels,
signals, faults, missing files; so :func:`simulate_labels` reproduces the labels without
drawing any signal), and ids and the rater pool come from ``(0,)``: the same seed and
arguments give byte-identical files whatever ``n_jobs`` is. Files are written as they are
produced; workers return only the label rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from threadpoolctl import threadpool_limits

from hms_features.constants import (
    CLASSES,
    EEG_CHANNELS,
    FS,
    HIGH_VOTE_THRESHOLD,
    PLACEHOLDER_VALUE,
    SPEC_COLUMNS,
    VOTE_COLUMNS,
)
from hms_features.data.paths import output_dir
from hms_features.errors import OutputPathError, UsageError
from hms_features.signal.spectrogram import eeg_to_spectrogram
from hms_features.synth.panel import RaterPool, cast_votes, draw_panel, draw_rater_pool
from hms_features.synth.recording import PatientTraits, Recording, build_recording, draw_patient
from hms_features.synth.states import SEIZURE, ClassState, draw_state

#: Rate (Hz) at which the parts of a recording outside the EEG file are rendered.
FAR_FS: float = 50.0
#: Seconds between a label's EEG window start and its spectrogram window start (centring).
CENTER_SHIFT_S: int = 275
#: Target share of label rows per consensus class (the real train set), CLASSES order.
TARGET_CLASS_SHARE: np.ndarray = np.array([0.20, 0.14, 0.16, 0.16, 0.18, 0.17])
#: Chance of each primary class for an EEG, calibrated so that the consensus of the label
#: rows lands near TARGET_CLASS_SHARE (seizure EEGs have more rows; mixtures and raters move
#: some rows to a neighbouring class: seizures to GPD and LPD, GRDA and LRDA to Other, Other to
#: LPD, so those primaries are rarer than their consensus). Re-derive it with
#: ``benchmarks/label_calibration.py --structure demo`` whenever the raters or mixtures change.
EEG_CLASS_PRIOR: np.ndarray = np.array([0.30, 0.07, 0.09, 0.20, 0.26, 0.08])
#: Chance that an EEG's primary class is its patient's favourite.
P_FAVOURITE: float = 0.6
#: Number of EEGs per patient (1-6) and number of label rows per EEG (1-10).
EEGS_PER_PATIENT_P: np.ndarray = np.array([0.30, 0.25, 0.18, 0.12, 0.09, 0.06])
ROWS_PER_EEG_P: np.ndarray = np.array([0.22, 0.14, 0.12, 0.10, 0.09, 0.08, 0.07, 0.06, 0.06, 0.06])
ROWS_PER_SEIZURE_EEG_P: np.ndarray = np.array(
    [0.08, 0.07, 0.07, 0.08, 0.10, 0.10, 0.10, 0.13, 0.13, 0.14]
)
#: Default sizes: the demo set (~250 train EEGs, ~1,150 label rows, 20 test EEGs).
DEFAULT_PATIENTS: int = 100
DEFAULT_TEST_EEGS: int = 20

_EEG_COLUMNS = list(EEG_CHANNELS)
_SPEC_COLUMNS = list(SPEC_COLUMNS)
TRAIN_CSV_COLUMNS: tuple[str, ...] = (
    "eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id", "spectrogram_sub_id",
    "spectrogram_label_offset_seconds", "label_id", "patient_id", "expert_consensus", *VOTE_COLUMNS,
)  # fmt: skip


@dataclass(frozen=True)
class FaultRates:
    """Per-file probabilities of the data faults of the real files.

    Attributes
    ----------
    eeg_nan : float
        EEG file with 1-3 NaN runs (0.5-10 s) across all 20 columns (real: ~18%).
    spectrogram_nan : float
        Recording gap of 10-120 s outside the EEG file's span: NaN rows in the spectrogram
        (real: ~9% of files).
    flat_channel : float
        One electrode stuck at a constant for 10 s to the whole file.
    saturated_channel : float
        One electrode drifting into the amplifier rail (clipped at 1,000-3,000 uV).
    placeholder : float
        The 9999.0 placeholder in every column for 10 s (real: one known file, ~0.5% here).
    edge_padding : float
        Chance, at each end, that the recording starts/ends inside the spectrogram's span
        (exact-zero rows there).
    """

    eeg_nan: float = 0.18
    spectrogram_nan: float = 0.09
    flat_channel: float = 0.02
    saturated_channel: float = 0.01
    placeholder: float = 0.005
    edge_padding: float = 0.25


@dataclass(frozen=True)
class FilePlan:
    """Where an EEG file and its label windows sit in its spectrogram file (seconds).

    Attributes
    ----------
    eeg_seconds : int
        Length of the EEG file (>= 50, even).
    offsets : ndarray of int
        ``eeg_label_offset_seconds`` of the label rows (even, distinct, increasing).
    eeg_start : int
        Spectrogram-file second of the EEG's first sample (odd, >= 275).
    spec_rows : int
        Rows of the spectrogram file (2 s each).
    rec_start, rec_stop : int
        Recorded span (even seconds); rows outside it are zero padding.
    """

    eeg_seconds: int
    offsets: np.ndarray
    eeg_start: int
    spec_rows: int
    rec_start: int
    rec_stop: int

    @property
    def spec_offsets(self) -> np.ndarray:
        """``spectrogram_label_offset_seconds`` of each label row (even)."""
        return self.eeg_start + self.offsets - CENTER_SHIFT_S

    @property
    def centers(self) -> np.ndarray:
        """Centre of each label window in spectrogram-file seconds."""
        return self.eeg_start + self.offsets + 25.0


@dataclass(frozen=True)
class SynthSummary:
    """What :func:`generate_dataset` wrote.

    Attributes
    ----------
    out_dir : Path
    n_patients, n_test_patients : int
    n_train_eegs, n_train_rows, n_test_eegs : int
    n_train_spectrograms : int
        Spectrogram files written for train (EEGs minus missing ones).
    class_rows : dict
        Label rows per consensus class.
    class_rows_high_votes : dict
        The same on rows with >= 10 votes.
    vote_median, vote_max : int
        Median and maximum votes per row.
    high_vote_fraction : float
        Fraction of rows with >= 10 votes.
    eeg_files_with_nan, spectrograms_with_nan, placeholder_files : int
        Train+test files carrying each data fault.
    seconds : float
        Wall-clock time of the generation.
    paths : dict
        'train_csv', 'test_csv', 'sample_submission', 'test_solution'.
    """

    out_dir: Path
    n_patients: int
    n_test_patients: int
    n_train_eegs: int
    n_train_rows: int
    n_test_eegs: int
    n_train_spectrograms: int
    class_rows: dict[str, int]
    class_rows_high_votes: dict[str, int]
    vote_median: float
    vote_max: int
    high_vote_fraction: float
    eeg_files_with_nan: int
    spectrograms_with_nan: int
    placeholder_files: int
    seconds: float
    paths: dict[str, Path] = field(default_factory=dict)

    def format(self) -> str:
        """A short human-readable report."""
        n = max(self.n_train_rows, 1)
        balance = ", ".join(f"{c} {100 * k / n:.0f}%" for c, k in self.class_rows.items())
        n_high = max(sum(self.class_rows_high_votes.values()), 1)
        balance_high = ", ".join(
            f"{c} {100 * k / n_high:.0f}%" for c, k in self.class_rows_high_votes.items()
        )
        n_files = self.n_train_eegs + self.n_test_eegs
        return "\n".join(
            [
                f"synthetic HMS data set in {self.out_dir} ({self.seconds:.1f} s)",
                f"  train: {self.n_patients} patients, {self.n_train_eegs} EEGs, "
                f"{self.n_train_rows} label rows, {self.n_train_spectrograms} spectrograms",
                f"  test:  {self.n_test_eegs} EEGs of {self.n_test_patients} other patients",
                f"  consensus (all rows): {balance}",
                f"  consensus (>= {HIGH_VOTE_THRESHOLD} votes): {balance_high}",
                f"  votes per row: median {self.vote_median:g}, max {self.vote_max}, "
                f">= {HIGH_VOTE_THRESHOLD} votes {100 * self.high_vote_fraction:.0f}%",
                f"  faults: NaN in {self.eeg_files_with_nan}/{n_files} EEG files, "
                f"{self.spectrograms_with_nan} spectrograms with NaN rows, "
                f"{self.placeholder_files} files with the {PLACEHOLDER_VALUE:g} placeholder",
                f"  files: {self.paths.get('train_csv')}, {self.paths.get('test_csv')}, "
                f"{self.paths.get('sample_submission')}",
            ]
        )


# ---------------------------------------------------------------------------------------------
# planning


def _unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct integers in ``[low, high)``, in random order."""
    out = np.empty(0, dtype=np.int64)
    while out.size < n:
        draw = rng.integers(low, high, size=int(1.2 * (n - out.size)) + 16, dtype=np.int64)
        merged = np.concatenate([out, draw])
        _, first = np.unique(merged, return_index=True)
        out = merged[np.sort(first)]
    return out[:n]


def plan_train_file(rng: np.random.Generator, n_labels: int, edge_padding: float) -> FilePlan:
    """Lengths and positions of one train EEG, its label offsets and its spectrogram."""
    gaps = 2 * (1 + np.minimum(rng.geometric(0.3, n_labels - 1), 10))
    big = rng.random(n_labels - 1) < 0.05
    gaps = np.where(big, 2 * rng.integers(10, 46, n_labels - 1), gaps)
    first = 0 if rng.random() < 0.6 else 2 * int(rng.integers(0, 21))
    offsets = first + np.concatenate([[0], np.cumsum(gaps)]).astype(np.int64)
    eeg_seconds = int(offsets[-1] + 50 + 2 * rng.integers(0, 16))
    eeg_start = CENTER_SHIFT_S + 2 * int(rng.integers(0, 51))
    file_end = eeg_start + int(offsets[-1]) + 325 + 2 * int(rng.integers(0, 31))
    file_end = max(file_end, eeg_start + eeg_seconds + 1)
    file_end += file_end % 2
    return _with_padding(rng, eeg_seconds, offsets, eeg_start, file_end, edge_padding)


def plan_test_file(rng: np.random.Generator, edge_padding: float) -> FilePlan:
    """A test EEG: exactly 50 s, one window at offset 0, centred in a 300-row spectrogram."""
    return _with_padding(rng, 50, np.zeros(1, dtype=np.int64), CENTER_SHIFT_S, 600, edge_padding)


def _with_padding(
    rng: np.random.Generator,
    eeg_seconds: int,
    offsets: np.ndarray,
    eeg_start: int,
    file_end: int,
    edge_padding: float,
) -> FilePlan:
    rec_start, rec_stop = 0, file_end
    if rng.random() < edge_padding:  # the recording began after the file's first row
        rec_start = 2 * int(rng.integers(1, (eeg_start - 1) // 2 + 1))
    if rng.random() < edge_padding:  # ... or ended before its last
        lo = (eeg_start + eeg_seconds + 1) // 2
        rec_stop = 2 * int(rng.integers(lo, file_end // 2 + 1))
    return FilePlan(eeg_seconds, offsets, eeg_start, file_end // 2, rec_start, rec_stop)


# ---------------------------------------------------------------------------------------------
# rendering one EEG and its spectrogram


def _round_power(power: np.ndarray) -> np.ndarray:
    """Round to 0.01 with a floor of 0.01 (exact zeros are reserved for padding), keep NaN."""
    out = np.round(power, 2)
    np.maximum(out, 0.01, out=out, where=np.isfinite(out))
    return out.astype(np.float32)


def _gap(rng: np.random.Generator, plan: FilePlan, rates: FaultRates) -> tuple[float, float] | None:
    """A 10-120 s recording gap (NaN) outside the EEG file's span, or None.

    Gaps fall before or after the EEG (which the organisers exported from valid stretches),
    so they show as NaN rows of the spectrogram only.
    """
    if rng.random() >= rates.spectrogram_nan:
        return None
    before = (plan.rec_start, plan.eeg_start - 1)
    after = (plan.eeg_start + plan.eeg_seconds + 1, plan.rec_stop)
    room = [span for span in (before, after) if span[1] - span[0] >= 4]
    if not room:
        return None
    lo, hi = room[int(rng.integers(len(room)))]
    length = min(rng.uniform(10.0, 120.0), hi - lo)
    start = rng.uniform(lo, hi - length)
    return (start, start + length)


def _blank(x: np.ndarray, t0: float, fs: float, span: tuple[float, float] | None) -> None:
    if span is None:
        return
    i0 = max(int(np.floor((span[0] - t0) * fs)), 0)
    i1 = min(int(np.ceil((span[1] - t0) * fs)), x.shape[0])
    if i1 > i0:
        x[i0:i1] = np.nan


def _recording_faults(rng: np.random.Generator, x: np.ndarray, rates: FaultRates) -> None:
    """Flat or saturated electrodes, in place on an EEG span (n, 20)."""
    n = x.shape[0]
    if rng.random() < rates.flat_channel:
        e = int(rng.integers(len(EEG_CHANNELS) - 1))
        length = n if rng.random() < 0.5 else int(rng.uniform(10.0, n / FS) * FS)
        i0 = int(rng.integers(0, n - length + 1))
        x[i0 : i0 + length, e] = float(np.round(rng.normal(0.0, 20.0), 1))
    if rng.random() < rates.saturated_channel:
        e = int(rng.integers(len(EEG_CHANNELS) - 1))
        rail = float(rng.uniform(1000.0, 3000.0))
        ramp = np.linspace(0.0, rng.uniform(1.5, 3.0) * rail * rng.choice([-1.0, 1.0]), n)
        x[:, e] = np.clip(x[:, e] + ramp, -rail, rail)


def _export_faults(rng: np.random.Generator, eeg: np.ndarray, rates: FaultRates) -> bool:
    """NaN runs and the 9999 placeholder, in place on the EEG file; True if a placeholder."""
    n = eeg.shape[0]
    if rng.random() < rates.eeg_nan:
        for _ in range(int(rng.integers(1, 4))):
            length = int(rng.uniform(0.5, 10.0) * FS)
            i0 = int(rng.integers(0, max(n - length, 1)))
            eeg[i0 : i0 + length] = np.nan
    if rng.random() < rates.placeholder:
        length = int(10 * FS)
        i0 = int(rng.integers(0, max(n - length, 1)))
        eeg[i0 : i0 + length] = PLACEHOLDER_VALUE
        return True
    return False


def render_files(
    rec: Recording,
    plan: FilePlan,
    rng: np.random.Generator,
    fault_rng: np.random.Generator,
    rates: FaultRates,
) -> tuple[np.ndarray, np.ndarray, dict[str, bool]]:
    """Render the EEG file and its spectrogram.

    Returns
    -------
    eeg : ndarray, shape (eeg_seconds * 200, 20), float32
        Microvolts, canonical columns, with export faults.
    power : ndarray, shape (spec_rows, 400), float32
        Spectrogram file values (0 = padding, NaN = gap, rounded to 0.01).
    faults : dict
        Which faults the files carry.
    """
    gap = _gap(fault_rng, plan, rates)
    power = np.zeros((plan.spec_rows, len(SPEC_COLUMNS)), dtype=np.float32)
    # the EEG span, at 200 Hz, on whole 2-s rows around the file
    span0, span1 = plan.eeg_start - 1, plan.eeg_start + plan.eeg_seconds + 1
    x = rec.render(float(span0), (span1 - span0) * int(FS), FS, rng)
    _recording_faults(fault_rng, x, rates)
    _blank(x, span0, FS, gap)
    power[span0 // 2 : span1 // 2] = eeg_to_spectrogram(x, FS, dtype="float32")[1]
    # the rest of the recording, band-limited at FAR_FS, only for the spectrogram
    for a, b in ((plan.rec_start, span0), (span1, plan.rec_stop)):
        if b - a < 2:
            continue
        far = rec.render(float(a), (b - a) * int(FAR_FS), FAR_FS, rng)
        _blank(far, a, FAR_FS, gap)
        power[a // 2 : b // 2] = eeg_to_spectrogram(far, FAR_FS, dtype="float32")[1]
    power[plan.rec_start // 2 : plan.rec_stop // 2] = _round_power(
        power[plan.rec_start // 2 : plan.rec_stop // 2]
    )
    eeg = x[int(FS) : int(FS) * (1 + plan.eeg_seconds)].astype(np.float32)
    placeholder = _export_faults(fault_rng, eeg, rates)
    faults = {
        "eeg_nan": bool(np.isnan(eeg).any()),
        "spectrogram_nan": bool(np.isnan(power).any()),
        "placeholder": placeholder,
    }
    return eeg, power, faults


@lru_cache(maxsize=4)
def _schema(kind: str) -> pa.Schema:
    """Arrow schema with pandas metadata, as ``DataFrame.to_parquet(index=False)`` writes it."""
    if kind == "eeg":
        empty = pd.DataFrame({c: np.zeros(0, np.float32) for c in _EEG_COLUMNS})
    else:
        time_dtype = np.int64 if kind == "train" else np.int16
        empty = pd.DataFrame({"time": np.zeros(0, time_dtype)})
        empty = pd.concat(
            [
                empty,
                pd.DataFrame(np.zeros((0, len(_SPEC_COLUMNS)), np.float32), columns=_SPEC_COLUMNS),
            ],
            axis=1,
        )
    return pa.Schema.from_pandas(empty, preserve_index=False)


def _write_table(path: Path, arrays: list[np.ndarray], schema: pa.Schema) -> None:
    table = pa.Table.from_arrays([pa.array(a) for a in arrays], schema=schema)
    pq.write_table(table, path, compression="snappy", use_dictionary=False)


def write_eeg(path: Path, eeg: np.ndarray) -> None:
    """Write an EEG parquet file: 20 float32 columns in the canonical order, no index."""
    eeg = np.asarray(eeg, dtype=np.float32)
    _write_table(
        path, [np.ascontiguousarray(eeg[:, i]) for i in range(eeg.shape[1])], _schema("eeg")
    )


def write_spectrogram(path: Path, power: np.ndarray, split: str) -> None:
    """Write a spectrogram parquet: ``time`` (1, 3, 5, ...; int64 for train, int16 for test)
    then the 400 float32 columns of :data:`~hms_features.constants.SPEC_COLUMNS`."""
    schema = _schema(split)
    time_col = (2 * np.arange(power.shape[0]) + 1).astype(
        schema.field("time").type.to_pandas_dtype()
    )
    power = np.asarray(power, dtype=np.float32)
    columns = [np.ascontiguousarray(power[:, i]) for i in range(power.shape[1])]
    _write_table(path, [time_col, *columns], schema)


# ---------------------------------------------------------------------------------------------
# one patient (the unit of parallel work)


@dataclass(frozen=True)
class _PatientTask:
    split: str
    index: int
    seed: int
    patient_id: int
    eeg_ids: np.ndarray
    spectrogram_ids: np.ndarray
    label_ids: np.ndarray
    pool: RaterPool
    out_dir: Path
    rates: FaultRates
    missing_spectrograms: float


@dataclass
class _EEGPlan:
    """Everything about one EEG that is decided before its signals are drawn."""

    primary: int
    state: ClassState
    plan: FilePlan
    recording: Recording
    votes: np.ndarray


def _primary_class(rng: np.random.Generator, patient: PatientTraits) -> int:
    if rng.random() < P_FAVOURITE:
        return patient.favourite
    return int(rng.choice(len(CLASSES), p=EEG_CLASS_PRIOR / EEG_CLASS_PRIOR.sum()))


def _streams(task: _PatientTask) -> list[np.random.Generator]:
    """Independent generators of a patient: plan (labels), render, faults, missing files."""
    key = 1 if task.split == "train" else 2
    children = np.random.SeedSequence(task.seed, spawn_key=(key, task.index)).spawn(4)
    return [np.random.default_rng(c) for c in children]


def _plan_patient(task: _PatientTask, rng: np.random.Generator) -> list[_EEGPlan]:
    """Draw the patient, their EEGs' layout, class mixtures, recordings and votes."""
    patient = draw_patient(rng, EEG_CLASS_PRIOR)
    n_eegs = 1 if task.split == "test" else 1 + int(rng.choice(6, p=EEGS_PER_PATIENT_P))
    plans = []
    for _ in range(n_eegs):
        primary = _primary_class(rng, patient)
        if task.split == "train":
            p_rows = ROWS_PER_SEIZURE_EEG_P if primary == SEIZURE else ROWS_PER_EEG_P
            n_labels = 1 + int(rng.choice(10, p=p_rows))
            plan = plan_train_file(rng, n_labels, task.rates.edge_padding)
        else:
            plan = plan_test_file(rng, task.rates.edge_padding)
        state = draw_state(rng, primary)
        centers = plan.centers
        rec = build_recording(
            rng, patient, state, plan.rec_start, plan.rec_stop, centers[0], centers[-1]
        )
        mixtures = np.stack([rec.window_mixture(c) for c in centers])
        panel = draw_panel(rng, task.pool, primary)
        votes = cast_votes(rng, task.pool, panel, mixtures)
        plans.append(_EEGPlan(primary, state, plan, rec, votes))
    return plans


def _label_rows(task: _PatientTask, k: int, eeg: _EEGPlan, extra: dict) -> list[dict]:
    """The label rows of the patient's ``k``-th EEG (train.csv columns + private ``_`` ones)."""
    rows = []
    plan, votes = eeg.plan, eeg.votes
    for j, (off, soff) in enumerate(zip(plan.offsets, plan.spec_offsets, strict=True)):
        pi = eeg.recording.window_mixture(plan.centers[j])
        rows.append(
            {
                "eeg_id": int(task.eeg_ids[k]),
                "eeg_sub_id": j,
                "eeg_label_offset_seconds": float(off),
                "spectrogram_id": int(task.spectrogram_ids[k]),
                "spectrogram_sub_id": j,
                "spectrogram_label_offset_seconds": float(soff),
                "label_id": int(task.label_ids[10 * k + j]),
                "patient_id": task.patient_id,
                "expert_consensus": CLASSES[int(np.argmax(votes[j]))],
                **{c: int(v) for c, v in zip(VOTE_COLUMNS, votes[j], strict=True)},
                "_primary": CLASSES[eeg.primary],
                "_state": eeg.state.label,
                **{f"_true_{c.lower()}": float(v) for c, v in zip(CLASSES, pi, strict=True)},
                **extra,
            }
        )
    return rows


def _simulate_patient(task: _PatientTask) -> list[dict]:
    """Plan, render and write one patient's files; return their label rows."""
    # one BLAS thread per worker: the work is parallel over patients already
    with threadpool_limits(limits=1):
        plan_rng, render_rng, fault_rng, missing_rng = _streams(task)
        rows: list[dict] = []
        for k, eeg_plan in enumerate(_plan_patient(task, plan_rng)):
            eeg, power, faults = render_files(
                eeg_plan.recording, eeg_plan.plan, render_rng, fault_rng, task.rates
            )
            eeg_id, spec_id = int(task.eeg_ids[k]), int(task.spectrogram_ids[k])
            write_eeg(task.out_dir / f"{task.split}_eegs" / f"{eeg_id}.parquet", eeg)
            missing = task.split == "train" and missing_rng.random() < task.missing_spectrograms
            if not missing:
                path = task.out_dir / f"{task.split}_spectrograms" / f"{spec_id}.parquet"
                write_spectrogram(path, power, task.split)
            extra = {"_spectrogram_missing": missing, **{f"_{n}": f for n, f in faults.items()}}
            rows.extend(_label_rows(task, k, eeg_plan, extra))
        return rows


def _labels_only(task: _PatientTask) -> list[dict]:
    plan_rng = _streams(task)[0]
    return [
        row
        for k, eeg_plan in enumerate(_plan_patient(task, plan_rng))
        for row in _label_rows(task, k, eeg_plan, {})
    ]


def _make_tasks(
    out: Path,
    seed: int,
    n_patients: int,
    n_test: int,
    rates: FaultRates,
    missing_spectrograms: float,
) -> tuple[list[_PatientTask], np.ndarray]:
    """One task per patient (train first, then test) and the patient ids."""
    plan_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    pool = draw_rater_pool(plan_rng)
    n_all = n_patients + n_test
    patient_ids = _unique_ints(plan_rng, n_all, 1_000, 65_536)
    eeg_ids = _unique_ints(plan_rng, 6 * n_all, 1_000_000, 4_294_967_296).reshape(n_all, 6)
    spec_ids = _unique_ints(plan_rng, 6 * n_all, 1_000, 2_147_483_648).reshape(n_all, 6)
    label_ids = _unique_ints(plan_rng, 60 * n_all, 100_000, 4_294_967_296).reshape(n_all, 60)
    tasks = [
        _PatientTask(
            split="train" if i < n_patients else "test",
            index=i if i < n_patients else i - n_patients,
            seed=int(seed),
            patient_id=int(patient_ids[i]),
            eeg_ids=eeg_ids[i],
            spectrogram_ids=spec_ids[i],
            label_ids=label_ids[i],
            pool=pool,
            out_dir=out,
            rates=rates,
            missing_spectrograms=float(missing_spectrograms),
        )
        for i in range(n_all)
    ]
    return tasks, patient_ids


def simulate_labels(
    seed: int = 0, n_patients: int = DEFAULT_PATIENTS, n_test: int = 0
) -> pd.DataFrame:
    """The label rows :func:`generate_dataset` would write, without drawing any signal (fast).

    Same seed and sizes give exactly the rows of the generated ``train.csv`` (test patients
    follow with ``n_test``), plus private columns: ``_primary`` (the EEG's primary class),
    ``_state`` (its mixture, e.g. ``'LPD>LRDA 0.30'``) and ``_true_<class>`` (the true
    proportions of the window's central 10 s). Useful to study the label distribution.
    """
    tasks, _ = _make_tasks(Path("."), seed, n_patients, n_test, FaultRates(), 0.0)
    return pd.DataFrame([row for task in tasks for row in _labels_only(task)])


# ---------------------------------------------------------------------------------------------
# the whole data set


def generate_dataset(
    out_dir: str | Path,
    seed: int = 0,
    n_patients: int = DEFAULT_PATIENTS,
    n_test: int = DEFAULT_TEST_EEGS,
    n_jobs: int = 1,
    missing_spectrograms: float = 0.0,
    fault_rates: FaultRates | None = None,
    overwrite: bool = False,
    verbose: bool = False,
) -> SynthSummary:
    """Write a synthetic HMS data set in the Kaggle layout.

    Parameters
    ----------
    out_dir : str or Path
        Folder to create (``train.csv``, ``train_eegs/`` ... below it).
    seed : int
        Seed of everything; same seed and arguments give byte-identical files.
    n_patients : int
        Train patients (1-6 EEGs each; the default gives the demo set: ~250 EEGs, ~1,150 rows).
    n_test : int
        Test EEGs, each from its own patient (not in train), exactly 50 s with a 300-row
        spectrogram.
    n_jobs : int
        Parallel worker processes (joblib, one patient per task); -1 = all cores.
    missing_spectrograms : float
        Fraction (0-1) of train spectrogram files not written (the features must recompute).
    fault_rates : FaultRates, optional
        Data-fault probabilities; default :class:`FaultRates()` (the real rates).
    overwrite : bool
        Allow writing into a non-empty folder (files of the same names are replaced; other
        files are left alone).
    verbose : bool
        Show a progress bar.

    Returns
    -------
    SynthSummary
    """
    t_start = time.perf_counter()
    out = Path(out_dir)
    if n_patients < 1 or n_test < 0:
        raise UsageError(f"need n_patients >= 1 and n_test >= 0; got {n_patients} and {n_test}")
    if not 0.0 <= missing_spectrograms <= 1.0:
        raise UsageError(f"missing_spectrograms must be in [0, 1]; got {missing_spectrograms}")
    check_output_folder(out, overwrite)
    rates = fault_rates or FaultRates()
    for sub in ("train_eegs", "train_spectrograms", "test_eegs", "test_spectrograms"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    tasks, patient_ids = _make_tasks(out, seed, n_patients, n_test, rates, missing_spectrograms)
    results = _run(tasks, n_jobs, verbose)
    rows = pd.DataFrame([r for res in results for r in res])
    train = rows[rows["patient_id"].isin(patient_ids[:n_patients])]
    test = rows[rows["patient_id"].isin(patient_ids[n_patients:])]
    paths = _write_tables(out, train, test)
    return _summarise(out, train, test, n_patients, n_test, paths, time.perf_counter() - t_start)


def check_output_folder(
    out: str | Path, overwrite: bool, what: str = "output folder", flag: str = "overwrite=True"
) -> Path:
    """The data set's folder: new, empty, or ``overwrite`` given (``what`` and ``flag`` name
    the folder and the permission in the caller's words)."""
    out = output_dir(out, what)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputPathError(
            f"{what} {out} exists and is not empty; choose a new folder or pass {flag}"
        )
    return out


def _run(tasks: Sequence[_PatientTask], n_jobs: int, verbose: bool) -> list[list[dict]]:
    """Simulate every patient (in order), in-process or with joblib workers."""
    return run_in_order(_simulate_patient, tasks, n_jobs, verbose)


def run_in_order(
    func: Callable, tasks: Sequence, n_jobs: int, verbose: bool, batch_size: int | str = "auto"
) -> list:
    """``func(task)`` for every task, results in task order: in-process (``n_jobs`` 1) or on
    joblib workers, with a progress bar of patients when ``verbose``."""
    if n_jobs == 1:
        results = (func(t) for t in tasks)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=batch_size)(
            delayed(func)(t) for t in tasks
        )
    if verbose:
        from tqdm import tqdm

        results = tqdm(results, total=len(tasks), desc="patients", unit="patient")
    return list(results)


def _write_tables(out: Path, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Path]:
    paths = {
        "train_csv": out / "train.csv",
        "test_csv": out / "test.csv",
        "sample_submission": out / "sample_submission.csv",
        "test_solution": out / "test_solution.csv",
    }
    train[list(TRAIN_CSV_COLUMNS)].to_csv(paths["train_csv"], index=False)
    test[["spectrogram_id", "eeg_id", "patient_id"]].to_csv(paths["test_csv"], index=False)
    sub = pd.DataFrame({"eeg_id": test["eeg_id"].to_numpy()})
    for c in VOTE_COLUMNS:
        sub[c] = 1.0 / len(VOTE_COLUMNS)
    sub.to_csv(paths["sample_submission"], index=False)
    test[["eeg_id", *VOTE_COLUMNS]].to_csv(paths["test_solution"], index=False)
    return paths


def _summarise(
    out: Path,
    train: pd.DataFrame,
    test: pd.DataFrame,
    n_patients: int,
    n_test: int,
    paths: dict[str, Path],
    seconds: float,
) -> SynthSummary:
    totals = train[list(VOTE_COLUMNS)].sum(axis=1).to_numpy()
    high = totals >= HIGH_VOTE_THRESHOLD
    counts = train["expert_consensus"].value_counts()
    counts_high = train.loc[high, "expert_consensus"].value_counts()
    files = pd.concat([train, test]).drop_duplicates("eeg_id")
    return SynthSummary(
        out_dir=out,
        n_patients=n_patients,
        n_test_patients=n_test,
        n_train_eegs=int(train["eeg_id"].nunique()),
        n_train_rows=len(train),
        n_test_eegs=int(test["eeg_id"].nunique()),
        n_train_spectrograms=int(
            train.drop_duplicates("eeg_id")["_spectrogram_missing"].eq(False).sum()
        ),
        class_rows={c: int(counts.get(c, 0)) for c in CLASSES},
        class_rows_high_votes={c: int(counts_high.get(c, 0)) for c in CLASSES},
        vote_median=float(np.median(totals)) if totals.size else 0.0,
        vote_max=int(totals.max()) if totals.size else 0,
        high_vote_fraction=float(high.mean()) if totals.size else 0.0,
        eeg_files_with_nan=int(files["_eeg_nan"].sum()),
        spectrograms_with_nan=int(files["_spectrogram_nan"].sum()),
        placeholder_files=int(files["_placeholder"].sum()),
        seconds=seconds,
        paths=paths,
    )
