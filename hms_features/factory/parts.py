"""Part files: what a run has finished, so that a re-run resumes instead of recomputing.

``<out>.parts/`` holds, per planned chunk, ``part-<index>-<digest>.npz`` (the rows that were
extracted: each row's position in the chunk, its key columns and its float32 features, as
plain arrays) and ``part-<index>-<digest>.done.json``
(written last: failures, notices and counts). The digest fingerprints the chunk's label rows,
so a changed label table never reuses a part. A re-run skips every chunk that finished without
failures and retries only the failed rows of the others; their new rows are merged into the
part in chunk order, so a resumed run writes exactly what a fresh one would. Every file is
written to a temporary name and renamed into place: an interrupt never leaves a half part.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hms_features.factory.chunk import ChunkResult
from hms_features.factory.windows import KEY_COLUMNS, chunk_digest
from hms_features.features.version import FEATURE_SET_VERSION, FEATURE_SET_VERSION_KEY

#: Rows gathered from the parts before one row group of the output is written: a row group of
#: 1,500 columns costs about as much to write whatever its rows (16,384 rows are 98 MB).
ROW_GROUP_ROWS: int = 16384


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary sibling of ``path``; renamed onto ``path`` if the block succeeds,
    removed if it raises (or is interrupted)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class PartStore:
    """The parts folder of one output file (see the module docstring)."""

    def __init__(self, out: Path) -> None:
        self.folder = out.with_name(out.name + ".parts")

    def open(self, restart: bool = False) -> PartStore:
        """Create the folder; ``restart`` first discards every part of an earlier run."""
        if restart:
            self.clear()
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def clear(self) -> None:
        """Remove the folder and everything in it."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _stem(self, index: int, digest: str) -> str:
        return f"part-{index:05d}-{digest}"

    def part(self, index: int, digest: str) -> Path:
        """The rows file of a chunk."""
        return self.folder / f"{self._stem(index, digest)}.npz"

    def marker(self, index: int, digest: str) -> Path:
        """The ``.done.json`` of a chunk."""
        return self.folder / f"{self._stem(index, digest)}.done.json"

    def meta(self, index: int, digest: str) -> dict | None:
        """What a finished chunk recorded, or None when it has not finished (or its marker is
        unreadable, in which case the chunk is simply computed again)."""
        path = self.marker(index, digest)
        try:
            meta = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("digest") != digest:
            return None
        if not all(k in meta for k in ("failures", "notices", "n_recomputed_spectrograms")):
            return None  # written by an older version: compute the chunk again
        if meta.get("feature_set_version", 1) != FEATURE_SET_VERSION:
            return None  # features of other definitions: compute the chunk again
        if meta.get("n_rows", 0) and not self.part(index, digest).exists():
            return None  # its rows are gone (or in a parquet part of an older version)
        return meta

    def write(self, res: ChunkResult, previous: dict | None = None) -> dict:
        """Record a chunk's result, merged with ``previous`` (the meta of the earlier attempt
        whose failed rows ``res`` retried); returns the new meta."""
        from hms_features.features.extractor import feature_names

        part = self.part(res.index, res.digest)
        n_keys = len(res.features.columns) - len(feature_names())
        row = np.asarray(res.rows, dtype=np.int64)
        keys = res.features.iloc[:, :n_keys].to_numpy(np.int64)
        values = res.features.iloc[:, n_keys:].to_numpy(np.float32)
        if previous is not None and part.exists():
            old = read_part(part)
            row = np.concatenate([old["row"], row])
            keys = np.concatenate([old["keys"], keys])
            values = np.concatenate([old["values"], values])
            # a retried row already in the part (an interrupt between the part and its marker)
            # keeps its newest values; rows in chunk order
            last = len(row) - 1 - np.unique(row[::-1], return_index=True)[1]
            row, keys, values = row[last], keys[last], values[last]
        if len(row):
            with atomic_path(part) as tmp, open(tmp, "wb") as fh:
                # plain arrays: a parquet file of 1,500 columns cost ~40 ms per part to write
                # (per-column overhead), these ~1 ms
                np.savez(fh, row=row, keys=keys, values=values)
        prev = previous or {}
        meta = {
            "index": res.index,
            "digest": res.digest,
            "n_rows": len(row),
            "n_recomputed_spectrograms": prev.get("n_recomputed_spectrograms", 0)
            + res.n_recomputed_spectrograms,
            "seconds": prev.get("seconds", 0.0) + res.seconds,
            "failures": res.failures,
            "notices": prev.get("notices", []) + res.notices,
            "feature_set_version": FEATURE_SET_VERSION,
        }
        with atomic_path(self.marker(res.index, res.digest)) as tmp:
            tmp.write_text(json.dumps(meta))
        return meta

    def assemble(self, out: Path, chunks: list[pd.DataFrame], split: str) -> int:
        """Stream the parts, in chunk order, into ``out`` (parquet, zstd); returns the rows
        written. Memory stays flat: one part at a time."""
        from hms_features.features.extractor import feature_names

        fields = [pa.field(k, pa.int64()) for k in KEY_COLUMNS[split]]
        fields += [pa.field(n, pa.float32()) for n in feature_names()]
        schema = pa.schema(fields, metadata={FEATURE_SET_VERSION_KEY: str(FEATURE_SET_VERSION)})
        n = 0
        pending: list[np.ndarray] = []
        pending_keys: list[np.ndarray] = []
        with atomic_path(out) as tmp:
            # float columns: no dictionaries (they cost 2.5x the CPU and grow the file)
            with pq.ParquetWriter(tmp, schema, compression="zstd", use_dictionary=False) as w:
                for i, chunk in enumerate(chunks):
                    part = self.part(i, chunk_digest(chunk))
                    if part.exists():
                        arrays = read_part(part)
                        pending.append(arrays["values"])
                        pending_keys.append(arrays["keys"])
                        n += len(arrays["row"])
                    if pending and sum(len(v) for v in pending) >= ROW_GROUP_ROWS:
                        w.write_table(_arrow_table(schema, pending_keys, pending))
                        pending, pending_keys = [], []
                if pending:
                    w.write_table(_arrow_table(schema, pending_keys, pending))
        return n


def read_part(path: Path) -> dict[str, np.ndarray]:
    """A part's arrays: ``row`` (n,), ``keys`` (n, n_keys) int64, ``values`` (n, n_features)
    float32."""
    with np.load(path) as z:
        return {k: z[k] for k in ("row", "keys", "values")}


def _arrow_table(schema: pa.Schema, keys: list[np.ndarray], values: list[np.ndarray]) -> pa.Table:
    """Parts' key and feature arrays as one Arrow table of ``schema`` (columns in its order)."""
    k = np.ascontiguousarray(np.concatenate(keys).T)
    v = np.ascontiguousarray(np.concatenate(values).T)  # one contiguous run per column
    arrays = [pa.array(col) for col in k] + [pa.array(col) for col in v]
    return pa.Table.from_arrays(arrays, schema=schema)
