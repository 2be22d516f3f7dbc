"""What the two data-set generators share: file plans, data faults, rendering, files, summary.

Both :mod:`hms_features.synth.dataset` (the demo structure: one spectrogram per EEG) and
:mod:`hms_features.synth.kaggle` (the real training set's structure: several EEGs per
spectrogram) place EEG files and their label windows in spectrogram files
(:class:`FilePlan`), draw the real files' faults at their rates (:class:`FaultRates`), render an
EEG span at 200 Hz and the rest of its recording at :data:`FAR_FS` only for the spectrogram
(:func:`render_files`, :func:`render_recording_files`), write the Kaggle layout's parquet files
and tables with the genuine dtypes, run patients in order on joblib workers
(:func:`run_in_order`) and summarise what was written (:class:`SynthSummary`).

Geometry (whole seconds of a spectrogram file): a label's EEG window starts
:data:`SPEC_LEAD_S` (275) seconds after its spectrogram window, whose end is
:data:`SPEC_TAIL_S` (325) seconds after the EEG window's start (both from
:mod:`hms_features.constants`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hms_features.constants import (
    CLASSES,
    EEG_CHANNELS,
    FS,
    HIGH_VOTE_THRESHOLD,
    PLACEHOLDER_VALUE,
    SPEC_COLUMNS,
    SPEC_LEAD_SECONDS,
    SPEC_WINDOW_SECONDS,
    VOTE_COLUMNS,
    WINDOW_CENTER_SECONDS,
    WINDOW_SECONDS,
)
from hms_features.data.paths import output_dir
from hms_features.errors import OutputPathError
from hms_features.signal.spectrogram import eeg_to_spectrogram
from hms_features.synth import presets
from hms_features.synth.patient import PatientTraits
from hms_features.synth.recording import Recording

#: Rate (Hz) at which the parts of a recording outside the EEG file are rendered.
FAR_FS: float = 50.0
#: Seconds from a label's spectrogram window start to its EEG window start (275; the
#: spectrogram window is centred on the EEG window), as a whole number of seconds.
SPEC_LEAD_S: int = round(SPEC_LEAD_SECONDS)
#: Seconds from a label's EEG window start to its spectrogram window's end (325).
SPEC_TAIL_S: int = round(SPEC_WINDOW_SECONDS) - SPEC_LEAD_S
#: Seconds of a label's EEG window (50).
WINDOW_S: int = round(WINDOW_SECONDS)
#: Chance that an EEG's primary class is its patient's favourite.
P_FAVOURITE: float = 0.6
#: Default number of test EEGs (each exactly 50 s, from its own patient), from
#: :mod:`~hms_features.synth.presets`.
DEFAULT_TEST_EEGS: int = presets.DEFAULT_TEST_EEGS

_EEG_COLUMNS = list(EEG_CHANNELS)
_SPEC_COLUMNS = list(SPEC_COLUMNS)
#: The columns of ``train.csv``, in the genuine file's order.
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
        return self.eeg_start + self.offsets - SPEC_LEAD_S

    @property
    def centers(self) -> np.ndarray:
        """Centre of each label window in spectrogram-file seconds."""
        return self.eeg_start + self.offsets + WINDOW_CENTER_SECONDS


@dataclass(frozen=True)
class SynthSummary:
    """What a generator wrote (:func:`~hms_features.synth.dataset.generate_dataset`,
    :func:`~hms_features.synth.kaggle.generate_kaggle_dataset`).

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
# ids, classes and random streams of patients


def unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct integers in ``[low, high)``, in random order."""
    out = np.empty(0, dtype=np.int64)
    while out.size < n:
        draw = rng.integers(low, high, size=int(1.2 * (n - out.size)) + 16, dtype=np.int64)
        merged = np.concatenate([out, draw])
        _, first = np.unique(merged, return_index=True)
        out = merged[np.sort(first)]
    return out[:n]


def primary_class(rng: np.random.Generator, patient: PatientTraits, prior: np.ndarray) -> int:
    """An EEG's primary class: the patient's favourite with :data:`P_FAVOURITE`, else drawn
    from ``prior`` (chances per class, CLASSES order)."""
    if rng.random() < P_FAVOURITE:
        return patient.favourite
    return int(rng.choice(len(CLASSES), p=prior / prior.sum()))


def patient_streams(seed: int, key: int, index: int) -> list[np.random.Generator]:
    """The four independent generators of a patient: plan (labels), render, faults, missing
    files; from ``SeedSequence(seed, spawn_key=(key, index))``."""
    children = np.random.SeedSequence(seed, spawn_key=(key, index)).spawn(4)
    return [np.random.default_rng(c) for c in children]


# ---------------------------------------------------------------------------------------------
# rendering EEG files and their spectrogram, with the data faults


def round_power(power: np.ndarray) -> np.ndarray:
    """Round to 0.01 with a floor of 0.01 (exact zeros are reserved for padding), keep NaN."""
    out = np.round(power, 2)
    np.maximum(out, 0.01, out=out, where=np.isfinite(out))
    return out.astype(np.float32)


def recording_gap(
    rng: np.random.Generator, plan: FilePlan, rates: FaultRates
) -> tuple[float, float] | None:
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


def blank(x: np.ndarray, t0: float, fs: float, span: tuple[float, float] | None) -> None:
    """NaN, in place, over ``span`` (seconds) of ``x`` (samples at ``fs`` from ``t0`` s)."""
    if span is None:
        return
    i0 = max(int(np.floor((span[0] - t0) * fs)), 0)
    i1 = min(int(np.ceil((span[1] - t0) * fs)), x.shape[0])
    if i1 > i0:
        x[i0:i1] = np.nan


def recording_faults(rng: np.random.Generator, x: np.ndarray, rates: FaultRates) -> None:
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


def export_faults(rng: np.random.Generator, eeg: np.ndarray, rates: FaultRates) -> bool:
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
    """Render an EEG file and its own spectrogram file (the demo structure).

    A recording gap (NaN rows, chance ``rates.spectrogram_nan``) falls outside the EEG.

    Returns
    -------
    eeg : ndarray, shape (eeg_seconds * 200, 20), float32
        Microvolts, canonical columns, with export faults.
    power : ndarray, shape (spec_rows, 400), float32
        Spectrogram file values (0 = padding, NaN = gap, rounded to 0.01).
    faults : dict
        Which faults the files carry: ``eeg_nan``, ``spectrogram_nan``, ``placeholder``.
    """
    gap = recording_gap(fault_rng, plan, rates)
    eegs, power, faults = _render([(rec, plan)], gap, rng, fault_rng, rates)
    return eegs[0], power, faults[0]


def render_recording_files(
    eegs: Sequence[tuple[Recording, FilePlan]],
    rng: np.random.Generator,
    fault_rng: np.random.Generator,
    rates: FaultRates,
) -> tuple[list[np.ndarray], np.ndarray, list[dict[str, bool]]]:
    """Render the EEG files of one recording and the spectrogram file they share (the Kaggle
    structure).

    A recording gap (NaN rows, chance ``rates.spectrogram_nan`` per file) falls in one EEG's
    segment, outside that EEG.

    Returns
    -------
    eegs : list of ndarray, (eeg_seconds * 200, 20) float32
        Microvolts, canonical columns, with export faults.
    power : ndarray, (spec_rows, 400) float32
        Spectrogram values (0 = padding, NaN = gap, rounded to 0.01).
    faults : list of dict
        Per EEG: ``eeg_nan``, ``spectrogram_nan`` (of the shared file), ``placeholder``.
    """
    plans = [plan for _, plan in eegs]
    gap = None
    if fault_rng.random() < rates.spectrogram_nan:
        k = int(fault_rng.integers(len(plans)))
        gap = recording_gap(fault_rng, plans[k], dataclasses.replace(rates, spectrogram_nan=1.0))
    return _render(eegs, gap, rng, fault_rng, rates)


def _render(
    eegs: Sequence[tuple[Recording, FilePlan]],
    gap: tuple[float, float] | None,
    rng: np.random.Generator,
    fault_rng: np.random.Generator,
    rates: FaultRates,
) -> tuple[list[np.ndarray], np.ndarray, list[dict[str, bool]]]:
    """EEG files and their shared spectrogram, ``gap`` blanked (see :func:`render_files`).

    Each EEG's span is rendered at 200 Hz from its own recording, on whole 2-s rows around
    the file, and written as its file; the rest of its segment (``rec_start``-``rec_stop``) at
    :data:`FAR_FS`, band-limited, only for the spectrogram.
    """
    plans = [plan for _, plan in eegs]
    power = np.zeros((plans[0].spec_rows, len(SPEC_COLUMNS)), dtype=np.float32)
    files, placeholders = [], []
    for rec, plan in eegs:
        span0, span1 = plan.eeg_start - 1, plan.eeg_start + plan.eeg_seconds + 1
        x = rec.render(float(span0), (span1 - span0) * int(FS), FS, rng)
        recording_faults(fault_rng, x, rates)
        blank(x, span0, FS, gap)
        power[span0 // 2 : span1 // 2] = eeg_to_spectrogram(x, FS, dtype="float32")[1]
        for a, b in ((plan.rec_start, span0), (span1, plan.rec_stop)):
            if b - a < 2:
                continue
            far = rec.render(float(a), (b - a) * int(FAR_FS), FAR_FS, rng)
            blank(far, a, FAR_FS, gap)
            power[a // 2 : b // 2] = eeg_to_spectrogram(far, FAR_FS, dtype="float32")[1]
        eeg = x[int(FS) : int(FS) * (1 + plan.eeg_seconds)].astype(np.float32)
        placeholders.append(export_faults(fault_rng, eeg, rates))
        files.append(eeg)
    lo, hi = plans[0].rec_start // 2, plans[-1].rec_stop // 2
    power[lo:hi] = round_power(power[lo:hi])
    spec_nan = bool(np.isnan(power).any())
    faults = [
        {"eeg_nan": bool(np.isnan(e).any()), "spectrogram_nan": spec_nan, "placeholder": p}
        for e, p in zip(files, placeholders, strict=True)
    ]
    return files, power, faults


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
# output folder, parallel runs, tables and summary


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


def prepare_output_folder(out: Path, overwrite: bool) -> None:
    """Check the output folder (:func:`check_output_folder`) and make its four file folders."""
    check_output_folder(out, overwrite)
    for sub in ("train_eegs", "train_spectrograms", "test_eegs", "test_spectrograms"):
        (out / sub).mkdir(parents=True, exist_ok=True)


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


def write_tables(out: Path, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, Path]:
    """Write ``train.csv``, ``test.csv``, ``sample_submission.csv`` (uniform) and
    ``test_solution.csv`` (the test votes) from the label rows; their paths by name."""
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


def summarise(
    out: Path,
    train: pd.DataFrame,
    test: pd.DataFrame,
    n_patients: int,
    n_test: int,
    paths: dict[str, Path],
    seconds: float,
) -> SynthSummary:
    """What was written: counts, class balance, votes and faults of the label rows."""
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
