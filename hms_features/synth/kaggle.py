"""The real training set's label structure at any size (presets ``kaggle`` and ``kaggle-small``).

The demo set (:mod:`hms_features.synth.dataset`) gives every EEG its own spectrogram and 1-10
label rows. The real ``train.csv`` (HMS.md, "Scale") is shaped differently, and this module
reproduces that shape at full size (1,950 patients, 11,138 spectrograms, 17,089 EEGs, 106,800
label rows) or scaled down (:class:`KaggleShape`):

- **Counts.** A patient has 1 or more recordings, each one spectrogram file (geometric, mean
  5.71); several EEGs are cut from one recording and share its spectrogram (geometric, mean
  1.53); an EEG has 1 or more label rows (:data:`P_SINGLE_ROW` of EEGs have one, the rest
  ``2 + floor(lognormal)``, up to :data:`MAX_ROWS_PER_EEG`; mean 6.25). The totals are the
  shape's exactly (a few units moved between draws, :func:`fix_total`).
- **Offsets.** An EEG's rows are overlapping 50-s windows: offset 0, then steps of
  ``2 * geometric(0.45)`` s (mean 4.4 s) with an occasional jump of 20-90 s; the EEG file is
  exactly as long as its windows need (last offset + 50 s).
- **One spectrogram, several EEGs.** The EEGs of a recording follow one another in its file,
  10-600 s apart; ``spectrogram_sub_id`` counts the file's label rows; a row's spectrogram
  window is centred on its EEG window (``spectrogram offset = EEG start + offset - 275``).
- **Votes.** One panel of simulated raters per EEG; the chance of a large panel (10-28 raters)
  depends on the EEG's class (:data:`P_LARGE_PANEL`), calibrated with :data:`EEG_CLASS_PRIOR`
  so that rows have vote totals 1-28 with median 3, ~37% of rows >= 10 votes, and Seizure is
  ~19% of low-vote rows but ~2% of high-vote rows (HMS.md). Consecutive rows of an EEG come in
  annotation runs (mean :data:`MEAN_RUN_ROWS` rows) that share one vote, as the consolidated
  overlapping samples of the real file do.
- **Signals.** Each EEG has its own class state and :class:`~hms_features.synth.recording.Recording`
  over its segment of the file (segments meet halfway between EEGs); the EEG span is rendered
  at 200 Hz and written, the rest of the segment at 50 Hz only for the spectrogram, as the
  demo set renders one EEG (:func:`~hms_features.synth.files.render_recording_files`).

Determinism: the structure, the ids and the rater pool come from ``SeedSequence(seed,
spawn_key=(3,))``, train patient ``i`` from ``(4, i)`` split into the demo's four streams (plan,
render, faults, missing files), test EEGs are the demo set's test patients ``(2, j)``. Same seed
and shape give the same bytes whatever ``n_jobs``; :func:`simulate_kaggle_labels` gives the
label rows without drawing any signal.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from hms_features.constants import CLASSES, VOTE_COLUMNS
from hms_features.errors import UsageError
from hms_features.synth.dataset import PatientTask, patient_labels, simulate_patient
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
    render_recording_files,
    run_in_order,
    summarise,
    unique_ints,
    write_eeg,
    write_spectrogram,
    write_tables,
)
from hms_features.synth.panel import RaterPool, cast_votes, draw_panel, draw_rater_pool
from hms_features.synth.patient import draw_patient
from hms_features.synth.presets import KAGGLE_PATIENTS
from hms_features.synth.recording import Recording, build_recording
from hms_features.synth.states import draw_state

#: Chance of each primary class for an EEG (CLASSES order), calibrated with P_LARGE_PANEL
#: (``benchmarks/label_calibration.py --structure kaggle``, whenever the raters or mixtures
#: change): low-vote rows Seizure 19%, the other classes as TARGET_CLASS_SHARE.
EEG_CLASS_PRIOR: np.ndarray = np.array([0.22, 0.08, 0.13, 0.20, 0.28, 0.09])
#: Chance of a large panel (10-28 raters) by the EEG's primary class (CLASSES order): 37% of
#: rows with >= 10 votes, Seizure ~2% of them.
P_LARGE_PANEL: np.ndarray = np.array([0.05, 0.46, 0.46, 0.46, 0.46, 0.46])
#: Share of EEGs with a single label row; the others have ``2 + floor(exp(N(mu, sd)))``.
P_SINGLE_ROW: float = 0.4
ROWS_LOG_MEAN: float = 1.6
ROWS_LOG_SD: float = 1.0
MAX_ROWS_PER_EEG: int = 300
#: Steps between an EEG's offsets: 2 s * geometric(P_STEP); a jump of 20-90 s with P_JUMP.
P_STEP: float = 0.45
P_JUMP: float = 0.03
#: Mean number of consecutive rows of an EEG that share one vote (an annotation run).
MEAN_RUN_ROWS: float = 3.0
#: Seconds between consecutive EEGs of one recording (even, 10-600).
EEG_GAP_RANGE_S: tuple[int, int] = (10, 600)


@dataclass(frozen=True)
class KaggleShape:
    """Counts of a training set with the real structure.

    Attributes
    ----------
    n_patients, n_spectrograms, n_eegs, n_rows : int
        Train patients, spectrogram files (recordings), EEG files and label rows.
    """

    n_patients: int
    n_spectrograms: int
    n_eegs: int
    n_rows: int

    @classmethod
    def scaled(cls, n_patients: int | None = None, n_rows: int | None = None) -> KaggleShape:
        """The real shape (:data:`KAGGLE_SHAPE`) scaled to ``n_patients`` or to ``n_rows``.

        Spectrograms and EEGs scale with the patients; ``n_rows`` (if given) is kept exactly
        and, without ``n_patients``, sets the patients (``n_rows / 54.8``).
        """
        real = KAGGLE_SHAPE
        if n_patients is None:
            n_patients = (
                real.n_patients if n_rows is None else round(n_rows / real.rows_per_patient)
            )
        n_patients = max(int(n_patients), 1)
        ratio = n_patients / real.n_patients
        n_spec = max(n_patients, round(real.n_spectrograms * ratio))
        n_eegs = max(n_spec, round(real.n_eegs * ratio))
        rows = round(real.n_rows * ratio) if n_rows is None else int(n_rows)
        if rows < n_eegs:
            raise UsageError(
                f"{rows} label rows cannot cover {n_eegs} EEGs of {n_patients} patients; "
                "ask for more rows or fewer patients"
            )
        return cls(n_patients, n_spec, n_eegs, rows)

    @property
    def rows_per_patient(self) -> float:
        """Label rows per patient."""
        return self.n_rows / self.n_patients


#: The real training set (HMS.md): 1,950 patients, 11,138 spectrograms, 17,089 EEGs, 106,800 rows.
KAGGLE_SHAPE = KaggleShape(KAGGLE_PATIENTS, 11_138, 17_089, 106_800)


# ---------------------------------------------------------------------------------------------
# structure (counts and ids), drawn once for the whole set


def fix_total(rng: np.random.Generator, counts: np.ndarray, total: int) -> np.ndarray:
    """Counts (each >= 1) moved by single units until they sum to ``total``.

    Units are added with probability proportional to the count, and removed from counts above
    1 with probability proportional to ``count - 1``, so the shape of the distribution stays.
    """
    counts = np.asarray(counts, dtype=np.int64).copy()
    if total < counts.size:
        raise UsageError(f"cannot spread {total} over {counts.size} groups of at least 1")
    while (diff := int(total - counts.sum())) != 0:
        if diff > 0:
            idx = rng.choice(counts.size, size=diff, p=counts / counts.sum())
            np.add.at(counts, idx, 1)
        else:
            eligible = np.flatnonzero(counts > 1)
            w = (counts[eligible] - 1).astype(float)
            idx = rng.choice(eligible, size=min(-diff, eligible.size), replace=False, p=w / w.sum())
            counts[idx] -= 1
    return counts


def draw_rows_per_eeg(rng: np.random.Generator, n: int) -> np.ndarray:
    """Label rows of ``n`` EEGs: 1 with :data:`P_SINGLE_ROW`, else ``2 + floor(lognormal)``."""
    single = rng.random(n) < P_SINGLE_ROW
    multi = 2 + np.floor(np.exp(rng.normal(ROWS_LOG_MEAN, ROWS_LOG_SD, n)))
    return np.where(single, 1, np.minimum(multi, MAX_ROWS_PER_EEG)).astype(np.int64)


def _geometric_counts(rng: np.random.Generator, n: int, total: int) -> np.ndarray:
    """``n`` counts >= 1, geometric with the mean ``total / n``, summing to ``total``."""
    return fix_total(rng, rng.geometric(min(n / total, 1.0), n), total)


@dataclass(frozen=True)
class KaggleStructure:
    """Counts and ids of a Kaggle-structured set (train patients, then test).

    Attributes
    ----------
    shape : KaggleShape
    spectrograms_per_patient : ndarray, (n_patients,)
    eegs_per_spectrogram : ndarray, (n_spectrograms,)
    rows_per_eeg : ndarray, (n_eegs,)
    patient_ids : ndarray, (n_patients + n_test,)
    eeg_ids, spectrogram_ids : ndarray, (n_eegs + n_test,)
        Train EEGs in patient order, then one per test patient.
    label_ids : ndarray, (n_rows + n_test,)
    pool : RaterPool
    """

    shape: KaggleShape
    spectrograms_per_patient: np.ndarray
    eegs_per_spectrogram: np.ndarray
    rows_per_eeg: np.ndarray
    patient_ids: np.ndarray
    eeg_ids: np.ndarray
    spectrogram_ids: np.ndarray
    label_ids: np.ndarray
    pool: RaterPool


def draw_structure(seed: int, shape: KaggleShape, n_test: int = 0) -> KaggleStructure:
    """Counts per patient, recording and EEG (exactly the shape's totals) and unique ids."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3,)))
    pool = draw_rater_pool(rng)
    n_all = shape.n_patients + n_test
    specs = _geometric_counts(rng, shape.n_patients, shape.n_spectrograms)
    eegs = _geometric_counts(rng, shape.n_spectrograms, shape.n_eegs)
    rows = fix_total(rng, draw_rows_per_eeg(rng, shape.n_eegs), shape.n_rows)
    return KaggleStructure(
        shape=shape,
        spectrograms_per_patient=specs,
        eegs_per_spectrogram=eegs,
        rows_per_eeg=rows,
        patient_ids=unique_ints(rng, n_all, 1_000, 65_536),
        eeg_ids=unique_ints(rng, shape.n_eegs + n_test, 1_000_000, 4_294_967_296),
        spectrogram_ids=unique_ints(rng, shape.n_spectrograms + n_test, 1_000, 2_147_483_648),
        label_ids=unique_ints(rng, shape.n_rows + n_test, 100_000, 4_294_967_296),
        pool=pool,
    )


# ---------------------------------------------------------------------------------------------
# one patient: layout of their recordings, class states, votes


@dataclass(frozen=True)
class _Task:
    """One train patient: their slice of the structure."""

    index: int
    seed: int
    patient_id: int
    eegs_per_spectrogram: np.ndarray
    rows_per_eeg: np.ndarray
    eeg_ids: np.ndarray
    spectrogram_ids: np.ndarray
    label_ids: np.ndarray
    pool: RaterPool
    out_dir: Path
    rates: FaultRates
    missing_spectrograms: float


@dataclass
class _EEG:
    """One EEG's plan: its place in the file, class state, recording and votes."""

    primary: int
    state_label: str
    plan: FilePlan
    recording: Recording
    mixtures: np.ndarray
    votes: np.ndarray


def eeg_offsets(rng: np.random.Generator, n_rows: int) -> np.ndarray:
    """``eeg_label_offset_seconds`` of an EEG's rows: 0, then even steps a few seconds apart."""
    steps = 2 * rng.geometric(P_STEP, n_rows - 1)
    jump = rng.random(n_rows - 1) < P_JUMP
    steps = np.where(jump, 2 * rng.integers(10, 46, n_rows - 1), steps)
    return np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)


def plan_recording(
    rng: np.random.Generator, rows: Sequence[int], edge_padding: float
) -> list[FilePlan]:
    """Where the EEGs of one recording sit in its spectrogram file (seconds).

    EEG ``k`` (``rows[k]`` label rows) starts at an odd second, 10-600 s after EEG ``k - 1``
    ends; the file reaches 325-385 s past the last window's start. Each returned plan's
    ``rec_start, rec_stop`` is the EEG's segment of the file (segments meet at even seconds
    halfway between EEGs; the file's own padding at either end, as in the demo set).
    """
    offsets = [eeg_offsets(rng, int(n)) for n in rows]
    lengths = np.array([int(o[-1]) + WINDOW_S for o in offsets])
    gaps = 2 * rng.integers(EEG_GAP_RANGE_S[0] // 2, EEG_GAP_RANGE_S[1] // 2 + 1, len(rows))
    first = SPEC_LEAD_S + 2 * int(rng.integers(0, 51))
    starts = first + np.concatenate([[0], np.cumsum(lengths[:-1] + gaps[1:])]).astype(np.int64)
    end_last = int(starts[-1] + lengths[-1])
    file_end = int(starts[-1] + offsets[-1][-1] + SPEC_TAIL_S + 2 * int(rng.integers(0, 31)))
    file_end = max(file_end, end_last + 1)
    file_end += file_end % 2
    rec_start, rec_stop = 0, file_end
    if rng.random() < edge_padding:
        rec_start = 2 * int(rng.integers(1, (int(starts[0]) - 1) // 2 + 1))
    if rng.random() < edge_padding:
        rec_stop = 2 * int(rng.integers((end_last + 1) // 2, file_end // 2 + 1))
    mids = (starts[:-1] + lengths[:-1] + starts[1:]) // 2
    bounds = np.concatenate([[rec_start], mids - mids % 2, [rec_stop]])
    return [
        FilePlan(
            int(lengths[k]), offsets[k], int(starts[k]), file_end // 2, *map(int, bounds[k : k + 2])
        )
        for k in range(len(rows))
    ]


def window_mixtures(rec: Recording, centers: np.ndarray, half_width: float = 5.0) -> np.ndarray:
    """Mean true proportions over ``[c - 5, c + 5]`` s of each centre, (n, 6), rows sum to 1."""
    cum = np.vstack([np.zeros((1, rec.mixture.shape[1])), np.cumsum(rec.mixture, axis=0)])
    i0 = np.searchsorted(rec.grid, centers - half_width, side="left")
    i1 = np.maximum(np.searchsorted(rec.grid, centers + half_width, side="right"), i0 + 1)
    pi = (cum[i1] - cum[i0]) / (i1 - i0)[:, None]
    return pi / pi.sum(axis=1, keepdims=True)


def annotation_runs(rng: np.random.Generator, n_rows: int) -> np.ndarray:
    """Run index of each of an EEG's rows: runs of consecutive rows (mean 3) share one vote."""
    starts = rng.random(n_rows) < 1.0 / MEAN_RUN_ROWS
    starts[0] = True
    return np.cumsum(starts) - 1


def _plan_patient(task: _Task, rng: np.random.Generator) -> list[list[_EEG]]:
    """The patient's recordings, each a list of its EEGs' plans."""
    patient = draw_patient(rng, EEG_CLASS_PRIOR)
    files: list[list[_EEG]] = []
    first_eeg = 0
    for n_eegs in task.eegs_per_spectrogram:
        rows = task.rows_per_eeg[first_eeg : first_eeg + n_eegs]
        first_eeg += int(n_eegs)
        eegs = []
        for plan in plan_recording(rng, rows, task.rates.edge_padding):
            primary = primary_class(rng, patient, EEG_CLASS_PRIOR)
            state = draw_state(rng, primary)
            centers = plan.centers
            rec = build_recording(
                rng, patient, state, plan.rec_start, plan.rec_stop, centers[0], centers[-1]
            )
            mixtures = window_mixtures(rec, centers)
            panel = draw_panel(rng, task.pool, primary, p_large=P_LARGE_PANEL)
            runs = annotation_runs(rng, centers.size)
            run_mix = np.zeros((runs[-1] + 1, len(CLASSES)))
            np.add.at(run_mix, runs, mixtures)
            votes = cast_votes(rng, task.pool, panel, run_mix / run_mix.sum(1, keepdims=True))
            eegs.append(_EEG(primary, state.label, plan, rec, mixtures, votes[runs]))
        files.append(eegs)
    return files


def _label_rows(
    task: _Task, files: list[list[_EEG]], faults: list[list[dict]] | None
) -> dict[str, np.ndarray]:
    """The patient's label rows as columns (train.csv's, then private ``_`` ones)."""
    parts: dict[str, list[np.ndarray]] = {}
    k_eeg = 0
    for f, eegs in enumerate(files):
        spec_sub = 0
        for j, eeg in enumerate(eegs):
            plan, n = eeg.plan, eeg.plan.offsets.size
            row0 = int(task.rows_per_eeg[:k_eeg].sum())
            cols = {
                "eeg_id": np.full(n, task.eeg_ids[k_eeg], np.int64),
                "eeg_sub_id": np.arange(n),
                "eeg_label_offset_seconds": plan.offsets.astype(float),
                "spectrogram_id": np.full(n, task.spectrogram_ids[f], np.int64),
                "spectrogram_sub_id": spec_sub + np.arange(n),
                "spectrogram_label_offset_seconds": plan.spec_offsets.astype(float),
                "label_id": task.label_ids[row0 : row0 + n],
                "patient_id": np.full(n, task.patient_id, np.int64),
                "expert_consensus": np.asarray(CLASSES, dtype=object)[eeg.votes.argmax(axis=1)],
                **{c: eeg.votes[:, i] for i, c in enumerate(VOTE_COLUMNS)},
                "_primary": np.full(n, CLASSES[eeg.primary], dtype=object),
                "_state": np.full(n, eeg.state_label, dtype=object),
                **{f"_true_{c.lower()}": eeg.mixtures[:, i] for i, c in enumerate(CLASSES)},
            }
            if faults is not None:
                cols.update({f"_{name}": np.full(n, v) for name, v in faults[f][j].items()})
            for name, values in cols.items():
                parts.setdefault(name, []).append(values)
            spec_sub += n
            k_eeg += 1
    return {name: np.concatenate(v) for name, v in parts.items()}


def _streams(task: _Task) -> list[np.random.Generator]:
    return patient_streams(task.seed, 4, task.index)


def _labels_only(task: _Task) -> dict[str, np.ndarray]:
    return _label_rows(task, _plan_patient(task, _streams(task)[0]), None)


# ---------------------------------------------------------------------------------------------
# one patient's files


def _simulate_patient(task: _Task) -> dict[str, np.ndarray]:
    """Plan, render and write one patient's files; return their label rows."""
    with threadpool_limits(limits=1):
        plan_rng, render_rng, fault_rng, missing_rng = _streams(task)
        files = _plan_patient(task, plan_rng)
        all_faults = []
        k_eeg = 0
        for f, eegs in enumerate(files):
            arrays, power, faults = render_recording_files(
                [(e.recording, e.plan) for e in eegs], render_rng, fault_rng, task.rates
            )
            for eeg in arrays:
                write_eeg(task.out_dir / "train_eegs" / f"{int(task.eeg_ids[k_eeg])}.parquet", eeg)
                k_eeg += 1
            missing = bool(missing_rng.random() < task.missing_spectrograms)
            if not missing:
                path = (
                    task.out_dir / "train_spectrograms" / f"{int(task.spectrogram_ids[f])}.parquet"
                )
                write_spectrogram(path, power, "train")
            all_faults.append([{**fl, "spectrogram_missing": missing} for fl in faults])
        return _label_rows(task, files, all_faults)


# ---------------------------------------------------------------------------------------------
# tasks, labels only, the whole data set


def _tasks(
    structure: KaggleStructure,
    seed: int,
    out: Path,
    rates: FaultRates,
    missing_spectrograms: float,
) -> list[_Task]:
    shape = structure.shape
    spec_end = np.cumsum(structure.spectrograms_per_patient)
    eeg_end = np.concatenate([[0], np.cumsum(structure.eegs_per_spectrogram)])[spec_end]
    row_end = np.concatenate([[0], np.cumsum(structure.rows_per_eeg)])[eeg_end]
    bounds = [np.concatenate([[0], e]) for e in (spec_end, eeg_end, row_end)]
    (s0, e0, r0) = (b[:-1] for b in bounds)
    (s1, e1, r1) = (b[1:] for b in bounds)
    return [
        _Task(
            index=i,
            seed=int(seed),
            patient_id=int(structure.patient_ids[i]),
            eegs_per_spectrogram=structure.eegs_per_spectrogram[s0[i] : s1[i]],
            rows_per_eeg=structure.rows_per_eeg[e0[i] : e1[i]],
            eeg_ids=structure.eeg_ids[e0[i] : e1[i]],
            spectrogram_ids=structure.spectrogram_ids[s0[i] : s1[i]],
            label_ids=structure.label_ids[r0[i] : r1[i]],
            pool=structure.pool,
            out_dir=out,
            rates=rates,
            missing_spectrograms=float(missing_spectrograms),
        )
        for i in range(shape.n_patients)
    ]


def _test_tasks(
    structure: KaggleStructure, seed: int, n_test: int, out: Path, rates: FaultRates
) -> list[PatientTask]:
    """The test EEGs: the demo set's test patients (exactly 50 s, 300-row spectrogram)."""
    n_p, n_e, n_s, n_r = (
        structure.shape.n_patients,
        structure.shape.n_eegs,
        structure.shape.n_spectrograms,
        structure.shape.n_rows,
    )
    return [
        PatientTask(
            split="test",
            index=j,
            seed=int(seed),
            patient_id=int(structure.patient_ids[n_p + j]),
            eeg_ids=np.full(6, structure.eeg_ids[n_e + j]),
            spectrogram_ids=np.full(6, structure.spectrogram_ids[n_s + j]),
            label_ids=np.full(60, structure.label_ids[n_r + j]),
            pool=structure.pool,
            out_dir=out,
            rates=rates,
            missing_spectrograms=0.0,
        )
        for j in range(n_test)
    ]


def _run_task(task: _Task | PatientTask, labels_only: bool) -> dict[str, np.ndarray]:
    if isinstance(task, PatientTask):
        rows = patient_labels(task) if labels_only else simulate_patient(task)
        return {name: np.array([r[name] for r in rows]) for name in rows[0]}
    return _labels_only(task) if labels_only else _simulate_patient(task)


def _run(
    tasks: Sequence[_Task | PatientTask], n_jobs: int, labels_only: bool, verbose: bool
) -> pd.DataFrame:
    """Every task in order, in-process or on joblib workers (files are written as they go);
    the label rows of all of them, in task order."""
    func = partial(_run_task, labels_only=labels_only)
    parts = run_in_order(func, tasks, n_jobs, verbose, "auto" if labels_only else 1)
    return pd.DataFrame({name: np.concatenate([p[name] for p in parts]) for name in parts[0]})


def simulate_kaggle_labels(
    seed: int = 0,
    n_patients: int | None = None,
    n_rows: int | None = None,
    n_test: int = 0,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """The label rows of a Kaggle-structured set, without drawing any signal (seconds).

    Same seed and sizes give exactly the rows :func:`generate_kaggle_dataset` writes to
    ``train.csv`` (test patients follow with ``n_test``), plus private columns ``_primary``,
    ``_state`` and ``_true_<class>`` (see :func:`hms_features.synth.simulate_labels`).

    Parameters
    ----------
    seed : int
    n_patients, n_rows : int, optional
        Size (:meth:`KaggleShape.scaled`); neither: the real size (1,950 patients, 106,800 rows).
    n_test : int
    n_jobs : int
        Worker processes (-1: every core).
    """
    structure = draw_structure(seed, KaggleShape.scaled(n_patients, n_rows), n_test)
    tasks: list = _tasks(structure, seed, Path("."), FaultRates(), 0.0)
    tasks += _test_tasks(structure, seed, n_test, Path("."), FaultRates())
    return _run(tasks, n_jobs, True, False)


def generate_kaggle_dataset(
    out_dir: str | Path,
    seed: int = 0,
    n_patients: int | None = None,
    n_rows: int | None = None,
    n_test: int = DEFAULT_TEST_EEGS,
    n_jobs: int = 1,
    missing_spectrograms: float = 0.0,
    fault_rates: FaultRates | None = None,
    overwrite: bool = False,
    verbose: bool = False,
) -> SynthSummary:
    """Write a Kaggle-structured synthetic data set (see the module docstring).

    Parameters are those of :func:`hms_features.synth.generate_dataset`, plus ``n_rows``; the
    size is :meth:`KaggleShape.scaled` of ``n_patients``/``n_rows`` (neither: the real size,
    ~30 GB). Workers write each patient's files as they are made and return only label rows,
    so memory stays flat whatever the size.
    """
    t_start = time.perf_counter()
    out = Path(out_dir)
    if n_test < 0:
        raise UsageError(f"need n_test >= 0; got {n_test}")
    if not 0.0 <= missing_spectrograms <= 1.0:
        raise UsageError(f"missing_spectrograms must be in [0, 1]; got {missing_spectrograms}")
    shape = KaggleShape.scaled(n_patients, n_rows)
    prepare_output_folder(out, overwrite)
    rates = fault_rates or FaultRates()
    structure = draw_structure(seed, shape, n_test)
    tasks: list = _tasks(structure, seed, out, rates, missing_spectrograms)
    tasks += _test_tasks(structure, seed, n_test, out, rates)
    rows = _run(tasks, n_jobs, False, verbose)
    is_train = rows["patient_id"].isin(structure.patient_ids[: shape.n_patients])
    train, test = rows[is_train], rows[~is_train]
    paths = write_tables(out, train, test)
    summary = summarise(
        out, train, test, shape.n_patients, n_test, paths, time.perf_counter() - t_start
    )
    files = train.drop_duplicates("spectrogram_id")
    return dataclasses.replace(
        summary,
        n_train_spectrograms=int((~files["_spectrogram_missing"].astype(bool)).sum()),
        spectrograms_with_nan=int(files["_spectrogram_nan"].sum())
        + int(test.drop_duplicates("eeg_id")["_spectrogram_nan"].sum()),
    )
