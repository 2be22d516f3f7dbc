"""The worker: extract every window of one chunk (whole EEG files) into a block of rows.

A chunk never raises for bad data. Each label row ends in exactly one of:

- a feature row;
- a **failure** of kind ``data`` (an :class:`~hms_features.data.errors.HMSDataError`: a
  missing, corrupt or short file, a window past the end), with the file and the reason;
- a failure of kind ``bug`` (any other exception: a defect of hms-features, not of the data),
  with the exception type, where it was raised and the whole traceback.

A missing or unusable spectrogram is replaced by one recomputed from the EEG; each such row
gets a **notice** naming the spectrogram file and why it was not used.

Each EEG file is read once; its overlapping windows are cleaned once, as one stretch with up to
15 s of the EEG on each side, and each window's features are assembled from its slice of the
stretch (:mod:`hms_features.features.span`). A stretch that cannot be cleaned fails its
windows only; a window past the end of the file fails alone.

Ctrl-C is never a failure: a KeyboardInterrupt (or a ``SystemError`` that a SIGINT caused
inside compiled code) propagates. In worker processes SIGINT is ignored altogether: the parent
stops the run and ends its workers.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hms_features.constants import FS, WINDOW_CENTER_SECONDS, WINDOW_SAMPLES
from hms_features.data.eeg import eeg_window, read_eeg, window_start
from hms_features.data.errors import HMSDataError
from hms_features.data.layout import KaggleLayout
from hms_features.data.spectrogram import read_spectrogram, spectrogram_window
from hms_features.errors import is_interrupt
from hms_features.factory.windows import KEY_COLUMNS, chunk_digest

if TYPE_CHECKING:
    from hms_features.features.context import WindowContext

#: Kinds of failure.
DATA, BUG = "data", "bug"


@dataclass
class ChunkResult:
    """What one worker returns for one chunk (or for the retried rows of one chunk).

    Attributes
    ----------
    index, digest : int, str
        The chunk's place in the plan and the fingerprint of its label rows.
    features : DataFrame
        The key columns, then float32 features; rows in chunk order.
    rows : ndarray of int
        Position in the planned chunk of each feature row.
    failures : list of dict
        One per label row that failed: row, keys, offset, file, kind, reason, traceback.
    notices : list of dict
        One per extracted label row whose spectrogram was recomputed: row, keys, offset, file,
        reason.
    n_windows : int
        Windows attempted (label rows sharing a window count once).
    n_recomputed_spectrograms : int
        Extracted windows whose spectrogram was recomputed from the EEG.
    seconds : float
        Wall time in the worker.
    """

    index: int
    digest: str
    features: pd.DataFrame
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    failures: list[dict] = field(default_factory=list)
    notices: list[dict] = field(default_factory=list)
    n_windows: int = 0
    n_recomputed_spectrograms: int = 0
    seconds: float = 0.0


def bug_signature(failure: dict) -> str:
    """What makes two unexpected errors 'the same': exception type and where it was raised."""
    return f"{failure.get('error_type', '')} {failure.get('where', '')}"


def _row_records(
    chunk: pd.DataFrame, pos: np.ndarray, split: str, file: Path | str, **fields: str
) -> list[dict]:
    """One record per label row at positions ``pos``: row, keys, offset, file, ``fields``."""
    sub = chunk.iloc[np.asarray(pos)]
    columns = {"row": sub.index.to_numpy(np.int64)}
    columns.update({k: sub[k].to_numpy(np.int64) for k in KEY_COLUMNS[split]})
    offsets = sub["eeg_label_offset_seconds"].to_numpy(np.float64)
    return [
        {
            **{k: int(v[i]) for k, v in columns.items()},
            "eeg_label_offset_seconds": float(offsets[i]),
            "file": str(file),
            **fields,
        }
        for i in range(len(sub))
    ]


def _failure(chunk, pos, split, file, exc: BaseException) -> list[dict]:
    """Failure records of the rows at ``pos``; re-raises an interrupt."""
    if is_interrupt(exc):
        raise KeyboardInterrupt from exc
    if isinstance(exc, HMSDataError):
        return _row_records(chunk, pos, split, file, kind=DATA, reason=exc.reason)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return _row_records(
        chunk,
        pos,
        split,
        file,
        kind=BUG,
        reason=f"unexpected {type(exc).__name__}: {exc} (at {where}; a bug in hms-features)",
        error_type=type(exc).__name__,
        where=where,
        traceback=text,
    )


def spectrogram_reader(
    layout: KaggleLayout, split: str, kept: int = 2
) -> Callable[[int], tuple[tuple[np.ndarray, np.ndarray] | None, str]]:
    """spectrogram_id -> ((time, power) or None, why not); remembers the ``kept`` last used
    (EEGs cut from one recording follow each other in a chunk and share its spectrogram)."""

    @lru_cache(maxsize=kept)
    def read(sid: int) -> tuple[tuple[np.ndarray, np.ndarray] | None, str]:
        try:
            return read_spectrogram(layout.spectrogram_path(split, sid)), ""
        except HMSDataError as exc:
            return None, exc.reason

    return read


def label_spectrogram(
    read: Callable[[int], tuple[tuple[np.ndarray, np.ndarray] | None, str]],
    eeg: np.ndarray,
    eeg_offset: float,
    sid: int,
    spec_offset: float,
) -> tuple[np.ndarray, str]:
    """The label's 10-minute spectrogram from its file, or recomputed from the EEG.

    Returns the (300, 400) window and, when it was recomputed, why the file's was not used
    (empty string otherwise).
    """
    from hms_features.signal.spectrogram import spectrogram_around

    loaded, reason = read(sid)
    if loaded is not None:
        try:
            spec = spectrogram_window(*loaded, spec_offset, sid)
        except HMSDataError as exc:
            reason = exc.reason
        else:
            if np.isfinite(spec).any():
                return spec, ""
            reason = f"its window at offset {spec_offset:g} s holds only padding or NaN"
    return spectrogram_around(eeg, eeg_offset + WINDOW_CENTER_SECONDS, FS), reason


def extract_chunk(
    data_dir: str | Path,
    split: str,
    chunk: pd.DataFrame,
    index: int = 0,
    in_worker: bool = False,
) -> ChunkResult:
    """Extract every window of one chunk; never raises for bad data (see the module docstring).

    ``chunk`` holds label rows of whole EEG files with a ``window`` column (identical windows
    share a number and are computed once); its index is each row's position in the planned
    chunk, so that retried rows keep their place. BLAS runs single-threaded: parallelism comes
    from the workers, and oversubscribed BLAS threads slow the small matrix products of the
    features several-fold. ``in_worker`` (a worker process of the local pool) ignores SIGINT.
    """
    from threadpoolctl import threadpool_limits

    if in_worker and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    with threadpool_limits(limits=1, user_api="blas"):
        return _extract_chunk(Path(data_dir), split, chunk, index)


def _extract_chunk(data_dir: Path, split: str, chunk: pd.DataFrame, index: int) -> ChunkResult:
    from hms_features.features.extractor import BATCH_WINDOWS, context_rows, feature_names
    from hms_features.features.span import span_windows

    t0 = time.perf_counter()
    layout = KaggleLayout(data_dir)
    names = feature_names()
    keys = KEY_COLUMNS[split]
    failures: list[dict] = []
    notices: list[dict] = []
    done_pos: list[np.ndarray] = []
    done_values: list[np.ndarray] = []
    n_windows = n_recomputed = 0
    # plain arrays: per-window pandas indexing would cost as much as a feature family
    eeg_offsets = chunk["eeg_label_offset_seconds"].to_numpy(np.float64)
    spec_ids = chunk["spectrogram_id"].to_numpy(np.int64)
    spec_offsets = chunk["spectrogram_label_offset_seconds"].to_numpy(np.float64)
    window_rows = chunk.groupby("window", sort=False).indices  # window -> row positions
    windows_of = chunk.groupby("eeg_id", sort=False)["window"].unique()
    read_spec = spectrogram_reader(layout, split)
    for eeg_id, eeg_windows in windows_of.items():
        path = layout.eeg_path(split, eeg_id)
        try:
            eeg = read_eeg(path)
        except Exception as exc:
            pos = np.concatenate([window_rows[w] for w in eeg_windows])
            failures += _failure(chunk, pos, split, path, exc)
            continue
        # windows that fit in the file, and where they start; the others fail alone
        inside: list[int] = []
        for w in eeg_windows:
            first = window_rows[w][0]
            try:
                eeg_window(eeg, eeg_offsets[first], eeg_id)  # raises for a window past the end
            except Exception as exc:
                n_windows += 1
                failures += _failure(chunk, window_rows[w], split, path, exc)
                continue
            inside.append(w)
        starts = np.array([window_start(eeg_offsets[window_rows[w][0]]) for w in inside], int)
        # one pass per stretch of overlapping windows: cleaned once, windows are its slices,
        # computed together in batches (the families' batch functions)
        for members, first_sample, span in span_windows(eeg, starts):
            ready: list[tuple[np.ndarray, WindowContext, str, int]] = []
            for i in members:
                w = inside[i]
                pos = window_rows[w]
                first = pos[0]
                n_windows += 1
                try:
                    if isinstance(span, Exception):
                        raise span
                    sid = int(spec_ids[first])
                    spec, why = label_spectrogram(
                        read_spec, eeg, float(eeg_offsets[first]), sid, spec_offsets[first]
                    )
                    at = int(starts[i]) - first_sample
                    ready.append((pos, span.window(at, WINDOW_SAMPLES, spec, bool(why)), why, sid))
                except Exception as exc:  # bad data or a bug: recorded as such, the run goes on
                    failures += _failure(chunk, pos, split, path, exc)
            for b in range(0, len(ready), BATCH_WINDOWS):
                batch = ready[b : b + BATCH_WINDOWS]
                vectors = context_rows([ctx for _, ctx, _, _ in batch])  # float32, names order
                for (pos, _, why, sid), vec in zip(batch, vectors):
                    if isinstance(vec, Exception):
                        failures += _failure(chunk, pos, split, path, vec)
                        continue
                    if why:
                        n_recomputed += 1
                        notices += _row_records(
                            chunk,
                            pos,
                            split,
                            layout.spectrogram_path(split, sid),
                            reason=f"spectrogram recomputed from the EEG: {why}",
                        )
                    done_pos.append(pos)
                    done_values.append(np.broadcast_to(vec, (len(pos), vec.size)))
            ready = batch = vectors = span = None  # one stretch in memory at a time
    rows, features = _feature_block(chunk, keys, names, done_pos, done_values)
    return ChunkResult(
        index=index,
        digest=chunk_digest(chunk),
        features=features,
        rows=rows,
        failures=failures,
        notices=notices,
        n_windows=n_windows,
        n_recomputed_spectrograms=n_recomputed,
        seconds=time.perf_counter() - t0,
    )


def _feature_block(
    chunk: pd.DataFrame,
    keys: tuple[str, ...],
    names: tuple[str, ...] | list[str],
    done_pos: list[np.ndarray],
    done_values: list[np.ndarray],
) -> tuple[np.ndarray, pd.DataFrame]:
    """Positions in the planned chunk, and keys + features, of the extracted rows in chunk
    order."""
    pos = np.concatenate(done_pos) if done_pos else np.empty(0, np.int64)
    values = np.vstack(done_values) if done_values else np.empty((0, len(names)), np.float32)
    order = np.argsort(pos, kind="stable")
    pos, values = pos[order], values[order]
    frame = pd.DataFrame(chunk[list(keys)].to_numpy(np.int64)[pos], columns=list(keys))
    frame = pd.concat([frame, pd.DataFrame(values, columns=list(names))], axis=1)
    return chunk.index.to_numpy(np.int64)[pos], frame
