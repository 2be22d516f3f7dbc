"""Generate a complete synthetic HMS data set in the Kaggle layout.

``generate_dataset(out_dir, seed)`` writes ``train.csv``, ``test.csv``,
``sample_submission.csv``, ``train_eegs/``, ``train_spectrograms/``, ``test_eegs/`` and
``test_spectrograms/`` with the genuine files' columns and dtypes (plus ``test_solution.csv``,
the test votes, which Kaggle keeps hidden). How the data are made:

- Patients (:mod:`hms_features.synth.patient`) have 1-6 EEGs; each EEG has 1-10 label rows at
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
- Data faults at the real rates (:class:`~hms_features.synth.files.FaultRates`): NaN runs
  across all electrodes in ~18% of EEG files, recording gaps giving NaN rows in ~9% of
  spectrograms, occasional flat or saturated electrodes, and the 9999.0 placeholder in every
  column for 10 s in ~0.5% of files.

Determinism: every patient draws from its own ``numpy.random.SeedSequence(seed,
spawn_key=(1, i))`` (test patients ``(2, j)``), split into four independent streams (labels,
signals, faults, missing files; so :func:`simulate_labels` reproduces the labels without
drawing any signal), and ids and the rater pool come from ``(0,)``: the same seed and
arguments give byte-identical files whatever ``n_jobs`` is. Files are written as they are
produced; workers return only the label rows.

Rendering, faults, file writers and the summary are shared with the Kaggle-structured generator
(:mod:`hms_features.synth.files`); its test EEGs are this module's test patients
(:class:`PatientTask`, :func:`simulate_patient`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from hms_features.constants import CLASSES, VOTE_COLUMNS
from hms_features.errors import UsageError
from hms_features.synth import presets
from hms_features.synth.files import (
    DEFAULT_TEST_EEGS,
    SPEC_LEAD_S,
    SPEC_TAIL_S,
    WINDOW_S,
    FaultRates,
    FilePlan,
    SynthSummary,
    patient_streams,
    prepare_output_folder,
    primary_class,
    render_files,
    run_in_order,
    summarise,
    unique_ints,
    write_eeg,
    write_spectrogram,
    write_tables,
)
from hms_features.synth.panel import RaterPool, cast_votes, draw_panel, draw_rater_pool
from hms_features.synth.patient import draw_patient
from hms_features.synth.recording import Recording, build_recording
from hms_features.synth.states import SEIZURE, ClassState, draw_state

#: Target share of label rows per consensus class (the real train set), CLASSES order.
TARGET_CLASS_SHARE: np.ndarray = np.array([0.20, 0.14, 0.16, 0.16, 0.18, 0.17])
#: Chance of each primary class for an EEG, calibrated so that the consensus of the label
#: rows lands near TARGET_CLASS_SHARE (seizure EEGs have more rows; mixtures and raters move
#: some rows to a neighbouring class: seizures to GPD and LPD, GRDA and LRDA to Other, Other to
#: LPD, so those primaries are rarer than their consensus). Re-derive it with
#: ``benchmarks/label_calibration.py --structure demo`` whenever the raters or mixtures change.
EEG_CLASS_PRIOR: np.ndarray = np.array([0.30, 0.07, 0.09, 0.20, 0.26, 0.08])
#: Number of EEGs per patient (1-6) and number of label rows per EEG (1-10).
EEGS_PER_PATIENT_P: np.ndarray = np.array([0.30, 0.25, 0.18, 0.12, 0.09, 0.06])
ROWS_PER_EEG_P: np.ndarray = np.array([0.22, 0.14, 0.12, 0.10, 0.09, 0.08, 0.07, 0.06, 0.06, 0.06])
ROWS_PER_SEIZURE_EEG_P: np.ndarray = np.array(
    [0.08, 0.07, 0.07, 0.08, 0.10, 0.10, 0.10, 0.13, 0.13, 0.14]
)
#: Default size: the demo set (~250 train EEGs, ~1,150 label rows; and 20 test EEGs), from
#: :mod:`~hms_features.synth.presets` (which the command line reads without this module).
DEFAULT_PATIENTS: int = presets.DEFAULT_PATIENTS


# ---------------------------------------------------------------------------------------------
# planning


def plan_train_file(rng: np.random.Generator, n_labels: int, edge_padding: float) -> FilePlan:
    """Lengths and positions of one train EEG, its label offsets and its spectrogram."""
    gaps = 2 * (1 + np.minimum(rng.geometric(0.3, n_labels - 1), 10))
    big = rng.random(n_labels - 1) < 0.05
    gaps = np.where(big, 2 * rng.integers(10, 46, n_labels - 1), gaps)
    first = 0 if rng.random() < 0.6 else 2 * int(rng.integers(0, 21))
    offsets = first + np.concatenate([[0], np.cumsum(gaps)]).astype(np.int64)
    eeg_seconds = int(offsets[-1] + WINDOW_S + 2 * rng.integers(0, 16))
    eeg_start = SPEC_LEAD_S + 2 * int(rng.integers(0, 51))
    file_end = eeg_start + int(offsets[-1]) + SPEC_TAIL_S + 2 * int(rng.integers(0, 31))
    file_end = max(file_end, eeg_start + eeg_seconds + 1)
    file_end += file_end % 2
    return _with_padding(rng, eeg_seconds, offsets, eeg_start, file_end, edge_padding)


def plan_test_file(rng: np.random.Generator, edge_padding: float) -> FilePlan:
    """A test EEG: exactly 50 s, one window at offset 0, centred in a 300-row spectrogram."""
    return _with_padding(
        rng,
        WINDOW_S,
        np.zeros(1, dtype=np.int64),
        SPEC_LEAD_S,
        SPEC_LEAD_S + SPEC_TAIL_S,
        edge_padding,
    )


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
# one patient (the unit of parallel work)


@dataclass(frozen=True)
class PatientTask:
    """One patient of the demo structure, train or test (the unit of parallel work): their
    ids (6 EEGs and spectrograms, 60 label rows at most), the rater pool and where to write."""

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


def _streams(task: PatientTask) -> list[np.random.Generator]:
    """Independent generators of a patient: plan (labels), render, faults, missing files."""
    return patient_streams(task.seed, 1 if task.split == "train" else 2, task.index)


def _plan_patient(task: PatientTask, rng: np.random.Generator) -> list[_EEGPlan]:
    """Draw the patient, their EEGs' layout, class mixtures, recordings and votes."""
    patient = draw_patient(rng, EEG_CLASS_PRIOR)
    n_eegs = 1 if task.split == "test" else 1 + int(rng.choice(6, p=EEGS_PER_PATIENT_P))
    plans = []
    for _ in range(n_eegs):
        primary = primary_class(rng, patient, EEG_CLASS_PRIOR)
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


def _label_rows(task: PatientTask, k: int, eeg: _EEGPlan, extra: dict) -> list[dict]:
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


def simulate_patient(task: PatientTask) -> list[dict]:
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


def patient_labels(task: PatientTask) -> list[dict]:
    """The patient's label rows (as :func:`simulate_patient`'s), without drawing any signal."""
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
) -> tuple[list[PatientTask], np.ndarray]:
    """One task per patient (train first, then test) and the patient ids."""
    plan_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    pool = draw_rater_pool(plan_rng)
    n_all = n_patients + n_test
    patient_ids = unique_ints(plan_rng, n_all, 1_000, 65_536)
    eeg_ids = unique_ints(plan_rng, 6 * n_all, 1_000_000, 4_294_967_296).reshape(n_all, 6)
    spec_ids = unique_ints(plan_rng, 6 * n_all, 1_000, 2_147_483_648).reshape(n_all, 6)
    label_ids = unique_ints(plan_rng, 60 * n_all, 100_000, 4_294_967_296).reshape(n_all, 60)
    tasks = [
        PatientTask(
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
    return pd.DataFrame([row for task in tasks for row in patient_labels(task)])


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
    prepare_output_folder(out, overwrite)
    rates = fault_rates or FaultRates()

    tasks, patient_ids = _make_tasks(out, seed, n_patients, n_test, rates, missing_spectrograms)
    results = _run(tasks, n_jobs, verbose)
    rows = pd.DataFrame([r for res in results for r in res])
    train = rows[rows["patient_id"].isin(patient_ids[:n_patients])]
    test = rows[rows["patient_id"].isin(patient_ids[n_patients:])]
    paths = write_tables(out, train, test)
    return summarise(out, train, test, n_patients, n_test, paths, time.perf_counter() - t_start)


def _run(tasks: Sequence[PatientTask], n_jobs: int, verbose: bool) -> list[list[dict]]:
    """Simulate every patient (in order), in-process or with joblib workers."""
    return run_in_order(simulate_patient, tasks, n_jobs, verbose)
