"""The feature factory's orchestration: plan, resume, run, assemble, report.

:func:`run_extraction` plans the label windows in chunks of whole EEG files
(:mod:`~hms_features.factory.windows`), skips what an earlier run finished
(:mod:`~hms_features.factory.parts`), runs the rest on the chosen backend
(:mod:`~hms_features.factory.backends`; each chunk is :func:`~hms_features.factory.chunk.
extract_chunk`), streams the parts into the output parquet and writes the reports:

- ``<out stem>.errors.csv``: one row per label row that failed in this run (every earlier
  failure is retried), with ``kind`` ``data`` (the file and what is wrong with it) or ``bug``
  (an unexpected exception: its type, where, and the traceback). Absent when nothing failed.
- ``<out stem>.warnings.csv``: one row per extracted label row whose spectrogram was
  recomputed from the EEG, naming the spectrogram file and why. Absent when there is none.

After a run in which nothing failed, the parts folder is removed. When the same unexpected
error repeats (:data:`MAX_REPEATED_BUGS` windows), the run stops early with
:class:`RepeatedErrorStop`: it is a defect to fix, not bad data to list.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hms_features.data.errors import HMSDataError
from hms_features.data.layout import KaggleLayout
from hms_features.data.paths import input_dir, output_file
from hms_features.errors import HMSWarning
from hms_features.factory.backends import run_chunks
from hms_features.factory.chunk import BUG, ChunkResult, bug_signature
from hms_features.factory.parts import PartStore, atomic_path
from hms_features.factory.windows import (
    KEY_COLUMNS,
    assign_windows,
    auto_chunk_size,
    chunk_digest,
    label_rows,
    plan_chunks,
)

#: An unexpected error seen in this many different windows stops the run.
MAX_REPEATED_BUGS: int = 3


def report_columns(split: str, kind: str) -> list[str]:
    """Columns of the errors (``kind='errors'``) or warnings report of a split."""
    keys = list(KEY_COLUMNS[split])
    if kind == "errors":
        return [*keys, "eeg_label_offset_seconds", "file", "kind", "reason", "traceback"]
    return [*keys, "eeg_label_offset_seconds", "file", "reason"]


def report_paths(out: Path) -> tuple[Path, Path]:
    """``<stem>.errors.csv`` and ``<stem>.warnings.csv`` beside ``out``."""
    return out.with_name(out.stem + ".errors.csv"), out.with_name(out.stem + ".warnings.csv")


class RepeatedErrorStop(RuntimeError):
    """The same unexpected exception (a bug, not bad data) failed several windows: the run
    stopped. The message holds the worker's traceback."""


@dataclass
class ExtractionSummary:
    """Outcome of :func:`run_extraction`."""

    out: Path
    errors_path: Path
    warnings_path: Path
    n_label_rows: int
    n_rows_written: int
    n_windows: int
    n_windows_computed: int
    n_failed_rows: int
    n_bug_rows: int
    n_notice_rows: int
    n_recomputed_spectrograms: int
    n_chunks: int
    n_chunks_resumed: int
    n_rows_retried: int
    seconds: float
    worker_seconds: float
    n_features: int

    @property
    def ok(self) -> bool:
        """True when every label window was extracted."""
        return self.n_failed_rows == 0


def _write_report(path: Path, records: list[dict], columns: list[str]) -> None:
    """The report as CSV, or no file at all when there is nothing to report."""
    if not records:
        path.unlink(missing_ok=True)
        return
    with atomic_path(path) as tmp:
        pd.DataFrame(records).reindex(columns=columns).to_csv(tmp, index=False)


def _check_layout(layout: KaggleLayout, split: str) -> None:
    input_dir(
        layout.eeg_dir(split),
        "EEG folder",
        f" (expected {split}_eegs/ beside {split}.csv in {layout.data_dir})",
    )
    if not layout.spectrogram_dir(split).is_dir():
        import warnings

        warnings.warn(
            f"{layout.spectrogram_dir(split)} not found: every spectrogram is recomputed from "
            "its EEG",
            HMSWarning,
            stacklevel=3,
        )


def _stop_on_repeated_bug(res: ChunkResult, seen: dict[str, set], limit: int) -> None:
    for f in res.failures:
        if f.get("kind") != BUG:
            continue
        sig = bug_signature(f)
        seen[sig].add((f["eeg_id"], f["eeg_label_offset_seconds"]))
        if len(seen[sig]) >= limit:
            raise RepeatedErrorStop(
                f"the same unexpected error failed {len(seen[sig])} windows, so the run stopped "
                f"(finished chunks are kept; a re-run resumes). This is a bug in hms-features, "
                f"not bad data. Last window: eeg_id {f['eeg_id']} at "
                f"{f['eeg_label_offset_seconds']:g} s ({f['file']}). Its traceback:\n"
                f"{f.get('traceback', '')}"
            )


def run_extraction(
    data_dir: str | Path,
    split: str,
    out: str | Path,
    n_jobs: int = 1,
    limit: int | None = None,
    windows_per_chunk: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    restart: bool = False,
    max_repeated_bugs: int = MAX_REPEATED_BUGS,
) -> ExtractionSummary:
    """Extract features for every label window of a split and write them to ``out`` (parquet).

    Long on purpose: the run's stages in order (check the output, plan the parts, resume,
    dispatch, collect, assemble, summarise), each one call to its own function, so that one
    screen shows what a run does and in which order.

    Parameters
    ----------
    data_dir : path
        A Kaggle-layout folder (``train.csv``, ``train_eegs/``, ...).
    split : {'train', 'test'}
        Which label table to extract.
    out : path
        Output parquet: one row per extracted label row, keys (``eeg_id, eeg_sub_id`` for
        train, ``eeg_id, spectrogram_id`` for test) then float32 features.
    n_jobs : int
        Parallel workers (-1 = all cores). With ``scheduler`` it is the number of concurrent
        Dask tasks (-1 = as many as the cluster has threads).
    limit : int, optional
        Only the first ``limit`` (>= 1) EEGs of the label table.
    windows_per_chunk : int, optional
        About how many windows make one unit of work and one part file; default
        :func:`~hms_features.factory.windows.auto_chunk_size`. The plan depends on the label
        table and this value only, so a re-run resumes whatever ``n_jobs`` it uses.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``): run on that cluster through joblib's
        Dask backend (needs ``pip install hms-features[dask]`` and the data visible to the
        workers at the same path).
    progress : bool
        Show a progress bar (windows done).
    restart : bool
        Discard every part of an earlier run and compute everything.
    max_repeated_bugs : int
        Stop when one unexpected error has failed this many windows.

    Raises
    ------
    HMSError
        Before any work: an unusable output path, label table or EEG folder.
    RepeatedErrorStop
        The same unexpected error (a bug) repeated.
    """
    from tqdm.auto import tqdm

    from hms_features.features.extractor import feature_names

    t0 = time.perf_counter()
    data_dir, out = Path(data_dir), output_file(out, "out", "features.parquet")
    layout = KaggleLayout(data_dir)
    rows = label_rows(layout, split, limit)
    _check_layout(layout, split)
    n_windows = int(assign_windows(rows)["window"].nunique())
    chunks = plan_chunks(rows, windows_per_chunk or auto_chunk_size(n_windows))
    digests = [chunk_digest(c) for c in chunks]
    store = PartStore(out).open(restart)
    errors_path, warnings_path = report_paths(out)
    for path in (errors_path, warnings_path):  # the reports describe this run only
        path.unlink(missing_ok=True)

    metas: dict[int, dict] = {}
    todo: list[tuple[int, pd.DataFrame]] = []
    n_retried = 0
    for i, (chunk, digest) in enumerate(zip(chunks, digests)):
        meta = store.meta(i, digest)
        if meta is None:
            todo.append((i, chunk))
            continue
        metas[i] = meta
        if meta["failures"]:  # retry every failed row (the file may have been fixed)
            failed = sorted({int(f["row"]) for f in meta["failures"]})
            todo.append((i, chunk.iloc[failed]))
            n_retried += len(failed)
    n_resumed = len(chunks) - len(todo)
    n_todo = int(sum(c["window"].nunique() for _, c in todo))

    seen_bugs: dict[str, set] = defaultdict(set)
    n_computed, worker_seconds = 0, 0.0
    with (
        tqdm(
            total=n_windows,
            initial=n_windows - n_todo,
            unit="win",
            desc=f"features {split}",
            disable=not progress,
        ) as bar,
        contextlib.closing(run_chunks(data_dir, split, todo, n_jobs, scheduler)) as results,
    ):
        for res in results:
            res.digest = digests[res.index]
            metas[res.index] = store.write(res, metas.get(res.index))
            n_computed += res.n_windows
            worker_seconds += res.seconds
            bar.update(res.n_windows)
            try:
                _stop_on_repeated_bug(res, seen_bugs, max_repeated_bugs)
            except RepeatedErrorStop:
                _reports(metas, split, errors_path, warnings_path)
                raise

    n_rows = store.assemble(out, chunks, split)
    failures, notices = _reports(metas, split, errors_path, warnings_path)
    if not failures:
        store.clear()
    return ExtractionSummary(
        out=out,
        errors_path=errors_path,
        warnings_path=warnings_path,
        n_label_rows=len(rows),
        n_rows_written=n_rows,
        n_windows=n_windows,
        n_windows_computed=n_computed,
        n_failed_rows=len(failures),
        n_bug_rows=sum(f.get("kind") == BUG for f in failures),
        n_notice_rows=len(notices),
        n_recomputed_spectrograms=sum(m["n_recomputed_spectrograms"] for m in metas.values()),
        n_chunks=len(chunks),
        n_chunks_resumed=n_resumed,
        n_rows_retried=n_retried,
        seconds=time.perf_counter() - t0,
        worker_seconds=worker_seconds,
        n_features=len(feature_names()),
    )


def _reports(
    metas: dict[int, dict], split: str, errors_path: Path, warnings_path: Path
) -> tuple[list[dict], list[dict]]:
    """Write the errors and warnings reports of the chunks recorded so far (in plan order)."""
    order = sorted(metas)
    failures = [f for i in order for f in metas[i]["failures"]]
    notices = [n for i in order for n in metas[i]["notices"]]
    _write_report(errors_path, failures, report_columns(split, "errors"))
    _write_report(warnings_path, notices, report_columns(split, "warnings"))
    return failures, notices


def extract_features(
    data_dir: str | Path,
    split: str = "test",
    n_jobs: int = 1,
    limit: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Features of a split as an in-memory DataFrame (for scoring a test set).

    Same rows and columns as the parquet of :func:`run_extraction`, in the label table's
    order. A submission needs every row, so a window that cannot be extracted raises:
    :class:`~hms_features.data.errors.HMSDataError` naming the file for bad data, or
    :class:`RepeatedErrorStop` (with the traceback) for an unexpected error.
    """
    from tqdm.auto import tqdm

    layout = KaggleLayout(data_dir)
    rows = label_rows(layout, split, limit)
    _check_layout(layout, split)
    chunks = plan_chunks(rows)
    done: list[ChunkResult] = []
    n_windows = int(sum(c["window"].nunique() for c in chunks))
    with (
        tqdm(total=n_windows, unit="win", desc=f"features {split}", disable=not progress) as bar,
        contextlib.closing(
            run_chunks(Path(data_dir), split, list(enumerate(chunks)), n_jobs)
        ) as results,
    ):
        for res in results:
            done.append(res)
            bar.update(res.n_windows)
    done.sort(key=lambda r: r.index)
    failures = [f for r in done for f in r.failures]
    bugs = [f for f in failures if f.get("kind") == BUG]
    if bugs:
        raise RepeatedErrorStop(
            f"{len(bugs)} window(s) failed with an unexpected error (a bug in hms-features); "
            f"the first, eeg_id {bugs[0]['eeg_id']}:\n{bugs[0].get('traceback', '')}"
        )
    if failures:
        first = failures[0]
        raise HMSDataError(
            first["file"],
            f"{len(failures)} window(s) could not be extracted; first: eeg_id "
            f"{first['eeg_id']}: {first['reason']}",
        )
    frame = pd.concat([r.features for r in done], ignore_index=True)
    keys = list(KEY_COLUMNS[split])
    order = rows[keys].reset_index().merge(frame, on=keys, how="left")
    return order.sort_values("index").drop(columns="index").reset_index(drop=True)
