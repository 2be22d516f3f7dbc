"""The feature factory: label windows -> parallel extraction -> one parquet row per label row.

Work is planned in chunks of whole EEG files (:mod:`hms_features.factory.windows`). Each chunk
is extracted by a joblib worker (processes on this machine, or a Dask cluster through joblib's
Dask backend) and written by the parent as a part file below ``<out>.parts/`` together with a
``.done.json`` marker; a re-run skips every chunk whose marker exists, so an interrupted run
resumes without recomputing anything. When all chunks are done, the parts are streamed into the
final parquet (memory stays flat: one chunk at a time), and every failed window is listed in
``<out>.errors.csv`` (eeg_id, eeg_sub_id, offset, file, reason).
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hms_features.constants import FS
from hms_features.data.eeg import eeg_window, read_eeg
from hms_features.data.errors import HMSDataError
from hms_features.data.layout import KaggleLayout
from hms_features.data.spectrogram import read_spectrogram, spectrogram_window
from hms_features.factory.windows import (
    KEY_COLUMNS,
    assign_windows,
    chunk_digest,
    label_rows,
    plan_chunks,
)

ERROR_COLUMNS = ("eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "file", "reason")


@dataclass
class ChunkResult:
    """What one worker returns for one chunk."""

    index: int
    digest: str
    features: pd.DataFrame
    errors: list[dict] = field(default_factory=list)
    n_windows: int = 0
    n_recomputed_spectrograms: int = 0
    seconds: float = 0.0


@dataclass
class ExtractionSummary:
    """Outcome of :func:`run_extraction`."""

    out: Path
    errors_path: Path
    n_label_rows: int
    n_rows_written: int
    n_windows: int
    n_failed_rows: int
    n_recomputed_spectrograms: int
    n_chunks: int
    n_chunks_resumed: int
    seconds: float
    n_features: int

    @property
    def ok(self) -> bool:
        """True when every label window was extracted."""
        return self.n_failed_rows == 0


def _error_rows(rows: pd.DataFrame, file: Path | str, reason: str) -> list[dict]:
    return [
        {
            "eeg_id": int(r.eeg_id),
            "eeg_sub_id": int(r.eeg_sub_id),
            "eeg_label_offset_seconds": float(r.eeg_label_offset_seconds),
            "file": str(file),
            "reason": reason,
        }
        for r in rows.itertuples(index=False)
    ]


def _short(exc: BaseException) -> str:
    if isinstance(exc, HMSDataError):
        return exc.reason
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


#: Spectrograms a worker keeps in memory (the most recently used): EEGs cut from one recording
#: are planned one after another and share them.
SPECTROGRAMS_KEPT: int = 2


def _spectrogram_reader(
    layout: KaggleLayout, split: str
) -> Callable[[int], tuple[np.ndarray, np.ndarray] | None]:
    """spectrogram_id -> its (time, power), or None when the file is unusable; remembers the
    :data:`SPECTROGRAMS_KEPT` last used."""

    @lru_cache(maxsize=SPECTROGRAMS_KEPT)
    def read(sid: int) -> tuple[np.ndarray, np.ndarray] | None:
        try:
            return read_spectrogram(layout.spectrogram_path(split, sid))
        except HMSDataError:
            return None

    return read


def _label_spectrogram(
    read: Callable[[int], tuple[np.ndarray, np.ndarray] | None],
    eeg: np.ndarray,
    window: tuple[float, int, float],
) -> tuple[np.ndarray, bool]:
    """The label's 10-minute spectrogram from its file, or recomputed from the EEG if unusable.

    ``window`` is (eeg offset s, spectrogram_id, spectrogram offset s).
    """
    from hms_features.signal.spectrogram import spectrogram_around

    eeg_offset, sid, spec_offset = window
    loaded = read(sid)
    if loaded is not None:
        try:
            spec = spectrogram_window(*loaded, spec_offset, sid)
            if np.isfinite(spec).any():
                return spec, False
        except HMSDataError:
            pass
    return spectrogram_around(eeg, eeg_offset + 25.0, FS), True


def extract_chunk(
    data_dir: str | Path, split: str, chunk: pd.DataFrame, index: int = 0
) -> ChunkResult:
    """Extract every window of one chunk (whole EEG files); never raises for bad data.

    Each EEG file is read once; identical windows are computed once and copied to every label
    row that shares them. Bad files and windows become error rows with the file and the reason.
    BLAS runs single-threaded inside a worker: parallelism comes from the workers, and
    oversubscribed BLAS threads slow the small matrix products of the features several-fold.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _extract_chunk(data_dir, split, chunk, index)


def _extract_chunk(
    data_dir: str | Path, split: str, chunk: pd.DataFrame, index: int
) -> ChunkResult:
    from hms_features.features.extractor import extract_window_dict, feature_names

    t0 = time.perf_counter()
    layout = KaggleLayout(data_dir)
    names = feature_names()
    keys = KEY_COLUMNS[split]
    errors: list[dict] = []
    out_keys: list[np.ndarray] = []
    out_values: list[np.ndarray] = []
    n_windows = n_recomputed = 0
    # plain arrays: per-window pandas indexing would cost as much as a feature family
    key_values = chunk[list(keys)].to_numpy(np.int64)
    eeg_offsets = chunk["eeg_label_offset_seconds"].to_numpy(np.float64)
    spec_ids = chunk["spectrogram_id"].to_numpy(np.int64)
    spec_offsets = chunk["spectrogram_label_offset_seconds"].to_numpy(np.float64)
    window_rows = chunk.groupby("window", sort=False).indices  # window -> row positions
    windows_of = chunk.groupby("eeg_id", sort=False)["window"].unique()
    # EEGs of one recording come together (plan_chunks): keep its spectrogram across them
    read_spec = _spectrogram_reader(layout, split)
    for eeg_id, eeg_windows in windows_of.items():
        path = layout.eeg_path(split, eeg_id)
        try:
            eeg = read_eeg(path)
        except HMSDataError as exc:
            pos = np.concatenate([window_rows[w] for w in eeg_windows])
            errors += _error_rows(chunk.iloc[pos], path, exc.reason)
            continue
        for w in eeg_windows:
            pos = window_rows[w]
            first = pos[0]
            n_windows += 1
            try:
                window = eeg_window(eeg, eeg_offsets[first], eeg_id)
                label = (float(eeg_offsets[first]), int(spec_ids[first]), spec_offsets[first])
                spec, recomputed = _label_spectrogram(read_spec, eeg, label)
                n_recomputed += int(recomputed)
                feats = extract_window_dict(window, FS, spec, recomputed)
                vec = np.array([feats[n] for n in names], dtype=np.float32)
            except Exception as exc:  # one bad window must not stop the run
                errors += _error_rows(chunk.iloc[pos], path, _short(exc))
                continue
            out_keys.append(key_values[pos])
            out_values.append(np.broadcast_to(vec, (len(pos), vec.size)))
    values = np.vstack(out_values) if out_values else np.empty((0, len(names)), np.float32)
    frame = pd.DataFrame(values, columns=list(names))
    key_array = np.vstack(out_keys) if out_keys else np.empty((0, len(keys)), np.int64)
    key_frame = pd.DataFrame(key_array, columns=list(keys))
    features = pd.concat([key_frame, frame], axis=1)
    return ChunkResult(
        index=index,
        digest=chunk_digest(chunk),
        features=features,
        errors=errors,
        n_windows=n_windows,
        n_recomputed_spectrograms=n_recomputed,
        seconds=time.perf_counter() - t0,
    )


def _parts_dir(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _marker(parts: Path, index: int, digest: str) -> Path:
    return parts / f"part-{index:05d}-{digest}.done.json"


def _write_part(parts: Path, res: ChunkResult) -> None:
    stem = f"part-{res.index:05d}-{res.digest}"
    if len(res.features):
        tmp = parts / f"{stem}.parquet.tmp"
        res.features.to_parquet(tmp, index=False)
        os.replace(tmp, parts / f"{stem}.parquet")
    meta = {
        "index": res.index,
        "digest": res.digest,
        "n_rows": len(res.features),
        "n_windows": res.n_windows,
        "n_recomputed_spectrograms": res.n_recomputed_spectrograms,
        "seconds": res.seconds,
        "errors": res.errors,
    }
    tmp = parts / f"{stem}.done.json.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, _marker(parts, res.index, res.digest))


def _assemble(out: Path, parts: Path, chunks: list[pd.DataFrame], split: str) -> int:
    """Stream the part files, in chunk order, into ``out``; returns the rows written."""
    from hms_features.features.extractor import feature_names

    fields = [pa.field(k, pa.int64()) for k in KEY_COLUMNS[split]]
    fields += [pa.field(n, pa.float32()) for n in feature_names()]
    schema = pa.schema(fields)
    tmp = out.with_name(out.name + ".tmp")
    n = 0
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for i, chunk in enumerate(chunks):
            part = parts / f"part-{i:05d}-{chunk_digest(chunk)}.parquet"
            if part.exists():
                table = pq.read_table(part).select(schema.names).cast(schema)
                writer.write_table(table)
                n += table.num_rows
    os.replace(tmp, out)
    return n


def auto_chunk_size(n_windows: int, n_jobs: int) -> int:
    """Windows per chunk: about eight chunks per worker, clipped to 16-256 windows."""
    from joblib import effective_n_jobs

    workers = max(1, effective_n_jobs(n_jobs))
    return int(np.clip(np.ceil(n_windows / (8 * workers)), 16, 256))


#: glibc malloc settings for worker processes: keep the window-sized temporaries (a few MB each)
#: in the heap instead of fresh mmap'ed pages whose page faults otherwise cost 15-20% of the
#: extraction time. Read by glibc at process start, so they apply to workers spawned after
#: :func:`tune_worker_malloc`; an existing setting in the environment wins.
WORKER_MALLOC_ENV: dict[str, str] = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
    "MALLOC_TRIM_THRESHOLD_": str(64 * 2**20),
    "MALLOC_TOP_PAD_": str(64 * 2**20),
}


def tune_worker_malloc() -> None:
    """Set :data:`WORKER_MALLOC_ENV` for worker processes started from now on."""
    for key, value in WORKER_MALLOC_ENV.items():
        os.environ.setdefault(key, value)


def _run_chunks(
    data_dir: Path, split: str, todo: list[tuple[int, pd.DataFrame]], n_jobs: int
) -> Iterator[ChunkResult]:
    if n_jobs == 1 or len(todo) <= 1:
        for i, chunk in todo:
            yield extract_chunk(data_dir, split, chunk, i)
        return
    from joblib import Parallel, delayed

    tune_worker_malloc()
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    yield from parallel(delayed(extract_chunk)(data_dir, split, chunk, i) for i, chunk in todo)


def run_extraction(
    data_dir: str | Path,
    split: str,
    out: str | Path,
    n_jobs: int = 1,
    limit: int | None = None,
    windows_per_chunk: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> ExtractionSummary:
    """Extract features for every label window of a split and write them to ``out`` (parquet).

    Parameters
    ----------
    data_dir : path
        A Kaggle-layout folder (``train.csv``, ``train_eegs/``, ...).
    split : {'train', 'test'}
        Which label table to extract.
    out : path
        Output parquet: one row per label row, keys (``eeg_id, eeg_sub_id`` for train,
        ``eeg_id, spectrogram_id`` for test) then float32 features.
    n_jobs : int
        Parallel workers (joblib; -1 = all cores). With ``scheduler`` it is the number of
        concurrent Dask tasks (-1 = as many as the cluster has threads).
    limit : int, optional
        Only the first ``limit`` EEGs of the label table.
    windows_per_chunk : int, optional
        About how many windows make one unit of work and one part file. By default about
        eight chunks per worker, between 16 and 256 windows each, so that the last chunks do
        not leave workers idle on a small set and part files stay few on a large one. The plan
        (and so what a resumed run finds done) depends on this value and ``n_jobs``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``): run on that cluster through joblib's
        Dask backend (needs ``pip install hms-features[dask]`` and the data visible to the
        workers at the same path).
    progress : bool
        Show a progress bar (windows done).
    """
    t0 = time.perf_counter()
    data_dir, out = Path(data_dir), Path(out)
    layout = KaggleLayout(data_dir)
    rows = label_rows(layout, split, limit)
    n_windows_total = int(assign_windows(rows)["window"].nunique())
    if windows_per_chunk is None:
        windows_per_chunk = auto_chunk_size(n_windows_total, n_jobs)
    chunks = plan_chunks(rows, windows_per_chunk)
    parts = _parts_dir(out)
    parts.mkdir(parents=True, exist_ok=True)
    todo = [(i, c) for i, c in enumerate(chunks) if not _marker(parts, i, chunk_digest(c)).exists()]
    n_windows_todo = int(sum(c["window"].nunique() for _, c in todo))

    from tqdm.auto import tqdm

    bar = tqdm(
        total=n_windows_total,
        initial=n_windows_total - n_windows_todo,
        unit="win",
        desc=f"features {split}",
        disable=not progress,
    )
    if scheduler:
        results = _run_on_dask(data_dir, split, todo, n_jobs, scheduler)
    else:
        results = _run_chunks(data_dir, split, todo, n_jobs)
    for res in results:
        _write_part(parts, res)
        bar.update(res.n_windows)
    bar.close()

    n_rows = _assemble(out, parts, chunks, split)
    errors: list[dict] = []
    n_windows = n_recomputed = 0
    for i, chunk in enumerate(chunks):
        meta = json.loads(_marker(parts, i, chunk_digest(chunk)).read_text())
        errors += meta["errors"]
        n_windows += meta["n_windows"]
        n_recomputed += meta["n_recomputed_spectrograms"]
    errors_path = out.with_name(out.stem + ".errors.csv")
    pd.DataFrame(errors, columns=list(ERROR_COLUMNS)).to_csv(errors_path, index=False)
    from hms_features.features.extractor import feature_names

    return ExtractionSummary(
        out=out,
        errors_path=errors_path,
        n_label_rows=len(rows),
        n_rows_written=n_rows,
        n_windows=n_windows,
        n_failed_rows=len(errors),
        n_recomputed_spectrograms=n_recomputed,
        n_chunks=len(chunks),
        n_chunks_resumed=len(chunks) - len(todo),
        seconds=time.perf_counter() - t0,
        n_features=len(feature_names()),
    )


def _run_on_dask(
    data_dir: Path, split: str, todo: list[tuple[int, pd.DataFrame]], n_jobs: int, scheduler: str
) -> Iterator[ChunkResult]:
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("--scheduler needs Dask: pip install 'hms-features[dask]'") from exc
    import joblib

    with Client(scheduler), joblib.parallel_config(backend="dask", n_jobs=n_jobs):
        parallel = joblib.Parallel(return_as="generator_unordered")
        yield from parallel(
            joblib.delayed(extract_chunk)(data_dir, split, chunk, i) for i, chunk in todo
        )


def extract_features(
    data_dir: str | Path,
    split: str = "test",
    n_jobs: int = 1,
    limit: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Features of a split as an in-memory DataFrame (for scoring a test set).

    Same rows and columns as the parquet of :func:`run_extraction`. A window that cannot be
    extracted raises :class:`~hms_features.data.errors.HMSDataError` naming the file, since a
    submission needs every row.
    """
    layout = KaggleLayout(data_dir)
    rows = label_rows(layout, split, limit)
    chunks = plan_chunks(rows)
    results = _run_chunks(Path(data_dir), split, list(enumerate(chunks)), n_jobs)
    done = sorted(results, key=lambda r: r.index)
    errors = [e for r in done for e in r.errors]
    if errors:
        first = errors[0]
        raise HMSDataError(
            first["file"],
            f"{len(errors)} window(s) could not be extracted; first: eeg_id {first['eeg_id']}: "
            f"{first['reason']}",
        )
    frame = pd.concat([r.features for r in done], ignore_index=True)
    # back to the label table's order
    keys = list(KEY_COLUMNS[split])
    order = rows[keys].reset_index().merge(frame, on=keys, how="left")
    return order.sort_values("index").drop(columns="index").reset_index(drop=True)
