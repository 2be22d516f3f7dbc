"""The recording's regional spectrogram and the features of every scored window.

Two passes, each in chunks, so that memory does not grow with duration; the file is read
(and resampled to 200 Hz) once:

1. :func:`recording_spectrogram`: the competition-style spectrogram of the whole recording
   (:func:`~hms_features.signal.spectrogram.eeg_to_spectrogram`, float32) on one grid of 2-s
   rows starting at :data:`ROW_OFFSET_SECONDS`; 24 hours are 43,200 rows x 400 (69 MB). Chunks
   of :data:`ROWS_PER_CHUNK` rows are read and computed by the worker processes, each opening
   the file itself. With a :class:`SampleStore` the chunks also leave their 200-Hz samples and
   missing-data flags on disk, so that the second pass need not read and resample the file
   again (for 24 hours at 256 Hz that is 12 s of CPU, and the reads' buffers, about 60 MB,
   in this process).
2. :func:`window_features`: blocks of consecutive windows (about :data:`BLOCK_SECONDS` of
   recording each) are read by this process (from the store when there is one) and extracted
   by a pool of worker processes
   (joblib's loky, started like the feature factory's: SIGINT ignored in the workers, killed on
   Ctrl-C, BLAS single-threaded), at most two blocks per worker in flight. A block's windows
   share one pass over the stretch they cover (:mod:`hms_features.features.span`; a window
   with a bad electrode is stood in and extracted alone).

A window's 10-minute spectrogram is the 300 rows of the grid starting at its spectrogram centre
minus 300 s, NaN where they reach outside the recording (as the competition's files are padded
and as :func:`~hms_features.signal.spectrogram.spectrogram_around` computes it). The grid starts
at 1 s so that windows whose segment onset is a whole even second (the default step of 10 s, or
2 s, from 0) get exactly the rows ``spectrogram_around`` would compute; other onsets use the
nearest grid rows (at most 1 s earlier). The spectrogram is computed from the recording and is
complete by construction, so the feature ``global__spectrogram_recomputed`` (which marks a
competition label whose provided file was unusable) is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from hms_features.constants import FS, SPEC_COLUMNS, SPEC_ROW_SECONDS, SPEC_WINDOW_ROWS
from hms_features.constants import WINDOW_SAMPLES as N_WIN
from hms_features.data.recording import OUTSIDE, RecordingReader
from hms_features.score.windows import SPECTROGRAM_CENTER_SECONDS, window_starts

#: Start of the spectrogram grid's first row, seconds.
ROW_OFFSET_SECONDS: float = 1.0
#: Spectrogram rows computed per chunk of the first pass (20 minutes).
ROWS_PER_CHUNK: int = 600
#: Recording time covered by one block of windows sent to a worker, seconds.
BLOCK_SECONDS: float = 600.0

_ROW = int(SPEC_ROW_SECONDS * FS)
_OFFSET = int(ROW_OFFSET_SECONDS * FS)


class SampleStore:
    """The recording at 200 Hz on disk: written once by the spectrogram pass, read by the
    windows pass (read-once).

    Two flat files in ``folder``: the samples, (n_samples, 20) float32 microvolts, and the
    reader's missing-data flags, (n_samples, 19) uint8 (99 bytes per sample: 1.7 GB for 24
    hours). :meth:`read` answers as :meth:`RecordingReader.read
    <hms_features.data.recording.RecordingReader.read>` does, from the files (the samples
    pass through the page cache, never this process's own memory). The object holds only
    paths, so worker processes receive it as it is and write their chunks themselves.

    Parameters
    ----------
    folder : Path
        Created if needed; the caller removes it.
    n_samples : int
        Samples at 200 Hz.
    """

    #: Bytes of one 200-Hz sample in each file: 20 float32 values, 19 uint8 flags.
    SAMPLE_BYTES: int = 20 * 4
    FLAG_BYTES: int = 19
    #: Bytes of disk per 200-Hz sample.
    BYTES_PER_SAMPLE: int = SAMPLE_BYTES + FLAG_BYTES

    def __init__(self, folder: Path, n_samples: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.n_samples = int(n_samples)
        self.samples, self.flags = folder / "samples.f32", folder / "flags.u8"
        for path, _, width in self._files():
            with open(path, "wb") as f:
                f.truncate(self.n_samples * width)

    def _files(self) -> tuple[tuple[Path, type, int], ...]:
        """Each file with its dtype and its bytes per sample."""
        return (
            (self.samples, np.float32, self.SAMPLE_BYTES),
            (self.flags, np.uint8, self.FLAG_BYTES),
        )

    @classmethod
    def fits(cls, folder: Path, n_samples: int) -> bool:
        """Whether ``folder``'s disk has room for the store (and 1 GB to spare)."""
        import shutil

        free = shutil.disk_usage(folder).free
        return free >= n_samples * cls.BYTES_PER_SAMPLE + 2**30

    def write(self, start: int, x: np.ndarray, codes: np.ndarray) -> None:
        """Store samples ``start : start + len(x)`` and their flags.

        Raises
        ------
        OutputPathError
            The folder cannot take them (the disk filled up since :meth:`fits` said yes).
        """
        from hms_features.errors import OutputPathError

        try:
            for (path, dtype, width), a in zip(self._files(), (x, codes), strict=True):
                with open(path, "r+b") as f:
                    f.seek(int(start) * width)
                    np.ascontiguousarray(a, dtype).tofile(f)
        except OSError as exc:
            size = self.n_samples * self.BYTES_PER_SAMPLE / 2**30
            raise OutputPathError(
                f"cannot write the recording's 200-Hz copy ({size:.1f} GB) into "
                f"{self.samples.parent} ({exc.strerror or exc}): free that much disk beside "
                "--out, or give an --out on a disk with room"
            ) from exc

    def read(self, start: int = 0, stop: int | None = None, flags: bool = False):
        """Samples ``start:stop`` (clipped to the recording) as the reader gives them."""
        stop = self.n_samples if stop is None else min(int(stop), self.n_samples)
        start = min(max(int(start), 0), stop)
        n = stop - start
        x = np.fromfile(self.samples, np.float32, n * 20, offset=start * self.SAMPLE_BYTES)
        if not flags:
            return x.reshape(n, 20)
        codes = np.fromfile(self.flags, np.uint8, n * 19, offset=start * self.FLAG_BYTES)
        return x.reshape(n, 20), codes.reshape(n, 19)


def recording_spectrogram(
    reader: RecordingReader, n_jobs: int = 1, store: SampleStore | None = None
) -> np.ndarray:
    """The regional spectrogram of the whole recording, (n_rows, 400) float32 uV^2/Hz.

    Row ``j`` covers seconds ``[1 + 2 j, 3 + 2 j)``; columns
    :data:`~hms_features.constants.SPEC_COLUMNS`; NaN for a row with missing samples. With
    ``n_jobs`` > 1 the chunks are read and computed by worker processes (each opens the file).
    With a ``store``, every sample of the recording is written into it on the way (the first
    chunk from sample 0, the last to the recording's end).
    """
    n_rows = max((reader.n_samples - _OFFSET) // _ROW, 0)
    out = np.full((n_rows, len(SPEC_COLUMNS)), np.nan, dtype=np.float32)
    spans = [(r0, min(r0 + ROWS_PER_CHUNK, n_rows)) for r0 in range(0, n_rows, ROWS_PER_CHUNK)]
    if store is not None:
        # the samples each chunk reads: its rows', from the start of the recording for the
        # first and to its end for the last (one chunk of no rows if the recording has none)
        bounds = [_OFFSET + r0 * _ROW for r0, _ in spans[1:]]
        edges = [0, *bounds, reader.n_samples]
        samples = list(zip(edges[:-1], edges[1:], strict=True))
        spans = spans or [(0, 0)]
    else:
        samples = [(_OFFSET + r0 * _ROW, _OFFSET + r1 * _ROW) for r0, r1 in spans]
    if n_workers_for(n_jobs, len(spans)) <= 1:
        for (r0, r1), (a, b) in zip(spans, samples, strict=True):
            out[r0:r1] = _spectrogram_rows(reader, r0, r1, a, b, store)
        return out
    path, unit = str(reader.info.path), reader.info.forced_unit
    tasks = (
        (_spectrogram_task, (path, unit, r0, r1, a, b, store))
        for (r0, r1), (a, b) in zip(spans, samples, strict=True)
    )
    for r0, rows in _pool(tasks, n_workers_for(n_jobs, len(spans))):
        out[r0 : r0 + len(rows)] = rows
    return out


def _spectrogram_rows(
    reader: RecordingReader, r0: int, r1: int, a: int, b: int, store: SampleStore | None
) -> np.ndarray:
    """Rows ``r0:r1`` of the recording's spectrogram, from samples ``a:b`` (which hold them);
    the samples go into ``store`` if there is one."""
    from hms_features.signal.spectrogram import eeg_to_spectrogram

    if store is None:
        eeg = reader.read(a, b)
    else:
        eeg, codes = reader.read(a, b, True)
        store.write(a, eeg, codes)
    if r1 <= r0:
        return np.empty((0, len(SPEC_COLUMNS)), dtype=np.float32)
    first = _OFFSET + r0 * _ROW - a
    return eeg_to_spectrogram(eeg[first : first + (r1 - r0) * _ROW], FS, dtype="float32")[1]


@lru_cache(maxsize=2)
def _worker_reader(path: str, unit: str | None = None) -> RecordingReader:
    """A worker's reader of the recording (opened once per process), in the caller's unit."""
    return RecordingReader(path, unit)


def _spectrogram_task(
    path: str, unit: str | None, r0: int, r1: int, a: int, b: int, store: SampleStore | None
) -> tuple[int, np.ndarray]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return r0, _spectrogram_rows(_worker_reader(path, unit), r0, r1, a, b, store)


def n_workers_for(n_jobs: int, n_tasks: int) -> int:
    """Worker processes for ``n_tasks`` tasks (joblib's convention for ``n_jobs``)."""
    from hms_features.factory.backends import n_workers

    return min(n_workers(n_jobs), n_tasks)


def first_rows(onsets: np.ndarray) -> np.ndarray:
    """Grid row of the first of each window's 300 spectrogram rows (may be negative)."""
    center = np.asarray(onsets, dtype=np.float64) + SPECTROGRAM_CENTER_SECONDS
    first = center - SPEC_WINDOW_ROWS * SPEC_ROW_SECONDS / 2
    return np.floor((first - ROW_OFFSET_SECONDS) / SPEC_ROW_SECONDS + 1e-6).astype(np.int64)


def padded_slice(x: np.ndarray, start: int, stop: int) -> np.ndarray:
    """``x[start:stop]`` along the first axis, NaN where the range is outside ``x``."""
    out = np.full((stop - start, *x.shape[1:]), np.nan, dtype=np.float32)
    lo, hi = max(start, 0), min(stop, x.shape[0])
    if hi > lo:
        out[lo - start : hi - start] = x[lo:hi]
    return out


def spectrogram_window(spec: np.ndarray, first_row: int) -> np.ndarray:
    """The (300, 400) window of the recording's spectrogram from ``first_row``."""
    return padded_slice(spec, int(first_row), int(first_row) + SPEC_WINDOW_ROWS)


@dataclass
class Block:
    """Windows ``index`` of one block, with the EEG and spectrogram spans they need."""

    index: np.ndarray
    eeg: np.ndarray  # (n, 20) float32 microvolts, NaN outside the recording (with context)
    starts: np.ndarray  # each window's first sample within ``eeg``
    spec: np.ndarray  # (m, 400) float32
    rows: np.ndarray  # each window's first row within ``spec``
    codes: np.ndarray | None = None  # (n, 19) uint8: why a scalp sample is missing


def plan_blocks(n_windows: int, step: float, block_seconds: float | None = None) -> list:
    """Consecutive window indices, about ``block_seconds`` (default :data:`BLOCK_SECONDS`) of
    recording per block."""
    per_block = max(1, int(round((block_seconds or BLOCK_SECONDS) / step)))
    return [np.arange(i, min(i + per_block, n_windows)) for i in range(0, n_windows, per_block)]


def make_block(
    reader: RecordingReader | SampleStore,
    spec: np.ndarray,
    onsets: np.ndarray,
    index: np.ndarray,
) -> Block:
    """Read the EEG span of the windows ``index`` (with :data:`~hms_features.features.span.
    CONTEXT_SECONDS` on each side) from the reader or the store, and slice their spectrogram
    rows."""
    from hms_features.features.span import CONTEXT_SECONDS

    starts = window_starts(onsets[index])
    rows = first_rows(onsets[index])
    # with the context each window is cleaned with (features/span.py), NaN outside the file
    context = int(round(CONTEXT_SECONDS * FS))
    a, b = int(starts.min()) - context, int(starts.max()) + N_WIN + context
    r0, r1 = int(rows.min()), int(rows.max()) + SPEC_WINDOW_ROWS
    eeg, codes = read_padded(reader, a, b, flags=True)
    return Block(index, eeg, starts - a, padded_slice(spec, r0, r1), rows - r0, codes)


def read_padded(reader: RecordingReader | SampleStore, start: int, stop: int, flags: bool = False):
    """Samples ``start:stop`` (200 Hz) of the recording, NaN where outside it; with
    ``flags``, also the reader's flags (n, 19) uint8, :data:`OUTSIDE` where outside it."""
    out = np.full((stop - start, 20), np.nan, dtype=np.float32)
    codes = np.full((stop - start, 19), OUTSIDE, dtype=np.uint8)
    lo, hi = max(start, 0), min(stop, reader.n_samples)
    if hi > lo:
        out[lo - start : hi - start], codes[lo - start : hi - start] = reader.read(lo, hi, True)
    return (out, codes) if flags else out


@dataclass
class BlockQuality:
    """Per window of a block: share of missing cells, bad electrodes, usable or not."""

    missing: np.ndarray  # (n,) float, 0-1
    bad_channels: np.ndarray  # (n,) object: "O1: flat; ..." or ""
    usable: np.ndarray  # (n,) bool


def block_features(block: Block) -> tuple[np.ndarray, np.ndarray, BlockQuality]:
    """Features (n_windows, n_features) float32 of a block, in
    :func:`~hms_features.features.extractor.feature_names` order, with its window indices and
    the quality of each window (:mod:`hms_features.score.quality`: a bad electrode is replaced
    by its neighbours' mean and its chains' features are NaN)."""
    from threadpoolctl import threadpool_limits

    from hms_features.features.extractor import (
        BATCH_WINDOWS,
        contexts_matrix,
        extract_window_dict,
        feature_names,
    )
    from hms_features.features.span import span_windows
    from hms_features.score import quality

    names = feature_names()
    n = len(block.index)
    out = np.empty((n, len(names)), dtype=np.float32)
    q = BlockQuality(np.zeros(n), np.full(n, "", dtype=object), np.ones(n, bool))
    codes = block.codes
    if codes is None:
        codes = np.where(np.isnan(block.eeg[:, :19]), OUTSIDE, 0).astype(np.uint8)
    with threadpool_limits(limits=1, user_api="blas"):
        # quality first: windows with a bad electrode are stood in and extracted alone, the
        # others share one pass over the stretch they cover (features/span.py)
        shared: list[int] = []
        amplitude_ok = quality.amplitude_screen(block.eeg, block.starts, N_WIN)
        for k, s in enumerate(block.starts):
            eeg = block.eeg[s : s + N_WIN]
            reasons = quality.electrode_reasons(eeg, codes[s : s + N_WIN], amplitude_ok[k])
            bad = reasons != ""
            q.missing[k] = quality.missing_cells(eeg, bad)
            q.bad_channels[k] = quality.describe_bad(reasons)
            q.usable[k] = quality.usable(q.missing[k], bad)
            if not bad.any():
                shared.append(k)
                continue
            feats = extract_window_dict(quality.stand_in(eeg, bad), FS, _spec(block, k), False)
            out[k] = [feats[n] for n in names]
            quality.blank_bad_chains(out[k], names, bad)
        starts = np.asarray(block.starts)[shared]
        for members, first, span in span_windows(block.eeg, starts):
            if isinstance(span, Exception):
                raise span
            # the stretch's windows computed together, in batches (the families' batch functions)
            for b in range(0, len(members), BATCH_WINDOWS):
                ks = [shared[i] for i in members[b : b + BATCH_WINDOWS]]
                ctxs = [
                    span.window(int(block.starts[k]) - first, N_WIN, _spec(block, k), False)
                    for k in ks
                ]
                out[ks] = contexts_matrix(ctxs)
            ctxs = span = None  # one stretch in memory at a time (span_windows)
    return block.index, out, q


def _spec(block: Block, k: int) -> np.ndarray:
    """The 10-minute spectrogram of the block's window ``k``, (300, 400)."""
    return block.spec[block.rows[k] : block.rows[k] + SPEC_WINDOW_ROWS]


def window_features(
    reader: RecordingReader,
    spec: np.ndarray,
    onsets: np.ndarray,
    step: float,
    n_jobs: int = 1,
    on_block: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Features of every window (n_windows, n_features) float32, in onset order.

    ``on_block(n)`` is called with the number of windows of each finished block (progress).
    """
    return score_windows(reader, spec, onsets, step, None, n_jobs, on_block).features


@dataclass
class WindowScores:
    """Features and quality of every window and, with a model, its probabilities and leading
    feature."""

    features: np.ndarray  # (n, n_features) float32, extractor order (a read-only memmap of
    #                       the file when score_windows wrote them to one)
    missing: np.ndarray  # (n,) share of missing (electrode, sample) cells
    bad_channels: np.ndarray  # (n,) object
    usable: np.ndarray  # (n,) bool
    clipped: np.ndarray  # (n,) global__clipped_fraction
    probs: np.ndarray | None = None  # (n, 6)
    leading: np.ndarray | None = None  # (n, 2) leading feature name, leading concept label


def score_windows(
    reader: RecordingReader,
    spec: np.ndarray,
    onsets: np.ndarray,
    step: float,
    model_dir: str | None = None,
    n_jobs: int = 1,
    on_block: Callable[[int], None] | None = None,
    loaded: tuple | None = None,
    store: SampleStore | None = None,
    features_file: Path | None = None,
) -> WindowScores:
    """Features and quality of every window and, with ``model_dir``, the model's
    probabilities and each window's leading feature
    (:func:`~hms_features.score.timeline.leading_features`), computed block by block where
    the features are. ``loaded``: the caller's model of ``model_dir`` and its
    :func:`~hms_features.score.timeline.model_columns`, used as they are when the blocks are
    scored in this process; worker processes load the model once each. ``store``: the
    recording's samples as the spectrogram pass left them (read from there, not the file).
    ``features_file``: write the features there as the blocks finish instead of keeping them
    in memory (24 hours every 10 s are 51 MB), and return them as a read-only memory map of it
    (read a few rows at a time: a column would read all of it)."""
    from hms_features.features.extractor import feature_names

    names = feature_names()
    n, n_features = len(onsets), len(names)
    sink = None
    if features_file is not None:
        sink = open(features_file, "w+b")  # noqa: SIM115 (closed below, whatever happens)
        sink.truncate(n * n_features * 4)
    out = WindowScores(
        np.empty((n if sink is None else 0, n_features), dtype=np.float32),
        np.zeros(n),
        np.full(n, "", dtype=object),
        np.ones(n, bool),
        np.zeros(n),
    )
    if model_dir is not None:
        out.probs = np.empty((n, 6))
        out.leading = np.empty((n, 2), dtype=object)
    plan = plan_blocks(n, step)
    source = reader if store is None else store
    blocks = (make_block(source, spec, onsets, idx) for idx in plan)
    workers = min(n_workers_for(n_jobs, len(plan)), max(n // 8, 1))
    if workers <= 1:
        results = (_score_block(b, model_dir, loaded) for b in blocks)
    else:
        results = _pool(((_score_block, (b, model_dir)) for b in blocks), workers)
    clipped = names.index("global__clipped_fraction")
    try:
        for index, feats, q, probs, leading in results:
            if sink is None:
                out.features[index] = feats
            else:  # a block's windows are consecutive
                sink.seek(int(index[0]) * n_features * 4)
                np.ascontiguousarray(feats, dtype=np.float32).tofile(sink)
            out.clipped[index] = feats[:, clipped]
            out.missing[index], out.bad_channels[index], out.usable[index] = (
                q.missing, q.bad_channels, q.usable)  # fmt: skip
            if model_dir is not None:
                out.probs[index], out.leading[index] = probs, leading
            if on_block is not None:
                on_block(len(index))
    finally:
        if sink is not None:
            sink.close()
    if sink is not None:
        out.features = np.memmap(features_file, np.float32, "r", shape=(n, n_features))
    return out


@lru_cache(maxsize=2)
def _worker_model(model_dir: str):
    """The model and the positions of its features among the extractor's (once per process)."""
    from hms_features.features.extractor import feature_names
    from hms_features.model.files import load_model
    from hms_features.score.timeline import model_columns

    model = load_model(model_dir)
    return model, model_columns(model, feature_names())


def _score_block(block: Block, model_dir: str | None, loaded: tuple | None = None):
    """A block's window indices, features, and (with a model) probabilities and leading
    features; the model is ``loaded`` (model, columns), else this process's copy."""
    from threadpoolctl import threadpool_limits

    from hms_features.score.timeline import leading_features

    index, feats, q = block_features(block)
    if model_dir is None:
        return index, feats, q, None, None
    model, cols = loaded or _worker_model(str(model_dir))
    with threadpool_limits(limits=1, user_api="blas"):
        X = feats[:, cols]
        probs = model.predict_proba(X)
        return index, feats, q, probs, leading_features(model, X, np.argmax(probs, axis=1))


def _pool(tasks: Iterator[tuple[Callable, tuple]], workers: int) -> Iterator:
    """Results of ``func(*args)`` for each task, as they finish, on the feature factory's pool
    (:func:`~hms_features.factory.backends.run_pool`), two tasks per worker in flight."""
    from hms_features.factory.backends import run_pool

    return run_pool(tasks, workers, per_worker=2)
