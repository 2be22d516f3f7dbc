"""Part files: what a run has finished, so that a re-run resumes instead of recomputing.

``<out>.parts/`` holds, per planned chunk, ``part-<index>-<digest>.parquet`` (the rows that
were extracted, with each row's position in the chunk) and ``part-<index>-<digest>.done.json``
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

#: Column of a part file holding each row's position in its chunk (not in the output).
ROW_COLUMN = "_row"
#: Rows gathered from the parts before one row group of the output is written.
ROW_GROUP_ROWS: int = 2048


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
        return self.folder / f"{self._stem(index, digest)}.parquet"

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
        return meta

    def write(self, res: ChunkResult, previous: dict | None = None) -> dict:
        """Record a chunk's result, merged with ``previous`` (the meta of the earlier attempt
        whose failed rows ``res`` retried); returns the new meta."""
        rows = res.features.assign(**{ROW_COLUMN: res.rows})
        part = self.part(res.index, res.digest)
        if previous is not None and part.exists():
            old = pd.read_parquet(part)
            rows = pd.concat([old, rows[old.columns]], ignore_index=True)
            # a retried row already in the part (an interrupt between the part and its marker)
            # keeps its newest values
            rows = rows.drop_duplicates(ROW_COLUMN, keep="last")
            rows = rows.sort_values(ROW_COLUMN, kind="stable").reset_index(drop=True)
        if len(rows):
            with atomic_path(part) as tmp:
                # a scratch file read once by assemble: no compression, statistics or
                # dictionaries (pandas' to_parquet of 1,500 columns cost ~4x more CPU)
                pq.write_table(
                    _arrow_table(rows),
                    tmp,
                    compression="none",
                    write_statistics=False,
                    use_dictionary=False,
                )
        prev = previous or {}
        meta = {
            "index": res.index,
            "digest": res.digest,
            "n_rows": len(rows),
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
        pending: list[pa.Table] = []
        with atomic_path(out) as tmp:
            with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                for i, chunk in enumerate(chunks):
                    part = self.part(i, chunk_digest(chunk))
                    if part.exists():
                        table = pq.ParquetFile(part).read(use_threads=False)
                        pending.append(table.select(schema.names).cast(schema))
                        n += table.num_rows
                    # row groups of >= ROW_GROUP_ROWS rows: a row group of 1,500 columns
                    # costs about as much to write whatever its rows
                    if pending and sum(t.num_rows for t in pending) >= ROW_GROUP_ROWS:
                        writer.write_table(pa.concat_tables(pending))
                        pending = []
                if pending:
                    writer.write_table(pa.concat_tables(pending))
        return n


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table, built column by column from its numpy blocks."""
    names = [str(c) for c in frame.columns]
    arrays: list[pa.Array | None] = [None] * len(names)
    for dtype in frame.dtypes.unique():
        pos = np.flatnonzero((frame.dtypes == dtype).to_numpy())
        block = frame.iloc[:, pos].to_numpy(dtype=dtype)
        for k, j in enumerate(pos):
            arrays[j] = pa.array(block[:, k])
    return pa.Table.from_arrays(arrays, names=names)
