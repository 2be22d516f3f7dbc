"""Reading named numeric columns of a parquet file into one array (the EEG and spectrogram files).

Goes through pyarrow directly: building a 400-column pandas frame and selecting columns by name
costs more than decoding the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hms_features.data.errors import HMSDataError


def read_table(
    path: str | Path,
    columns: Sequence[str],
    error: type[HMSDataError],
    what: str,
    column_kind: str = "",
) -> pa.Table:
    """Read a parquet file, checking that it exists, decodes and has the named columns.

    Parameters
    ----------
    path : str or Path
        The parquet file.
    columns : sequence of str
        Column names that must be present (others are allowed).
    error : HMSDataError subclass
        Raised, naming the file and the problem, when the file is missing or unreadable or
        lacks a column (the first few missing are named).
    what : str
        What the file is, for messages (``'EEG'``, ``'spectrogram'``).
    column_kind : str
        What a column is, for messages (``'electrode'``).
    """
    path = Path(path)
    if not path.is_file():
        raise error(path, f"{what} file not found")
    try:
        # one file, one thread: the dataset layer of pq.read_table and its thread pool cost
        # about as much as decoding a 400-column spectrogram (the factory's workers are the
        # parallelism)
        table = pq.ParquetFile(path).read(use_threads=False)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise error(path, f"not a readable parquet file ({type(exc).__name__}: {exc})") from exc
    present = set(table.column_names)
    missing = [c for c in columns if c not in present]
    if missing:
        shown = missing[:5] + (["..."] if len(missing) > 5 else [])
        found = table.column_names if table.num_columns <= 25 else table.column_names[:8] + ["..."]
        kind = f"{column_kind} " if column_kind else ""
        raise error(path, f"missing {kind}column(s) {shown}; found {found}")
    return table


def column_array(
    table: pa.Table,
    columns: Sequence[str],
    error: type[HMSDataError],
    path: str | Path,
    what: str,
    dtype: type = np.float32,
) -> np.ndarray:
    """The named numeric columns of ``table`` as a (n_rows, len(columns)) array of ``dtype``.

    Nulls become NaN (for float ``dtype``). A non-numeric column raises ``error`` naming
    ``path`` and the column.
    """
    out = np.empty((table.num_rows, len(columns)), dtype=dtype)
    try:
        for j, name in enumerate(columns):
            col = table.column(name)
            if not (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)):
                raise TypeError(f"column {name!r} has type {col.type}")
            out[:, j] = col.to_numpy(zero_copy_only=False)
    except (TypeError, ValueError, pa.ArrowException) as exc:
        raise error(path, f"non-numeric {what} values ({exc})") from exc
    return out
