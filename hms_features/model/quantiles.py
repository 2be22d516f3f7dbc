"""Percentiles of each feature in the training population, stored inside the model folder.

``hms train`` takes 101 quantiles (0th, 1st, ... 100th percentile) of every feature of the
training matrix and writes them as ``feature_quantiles.json`` into the model folder, so that a
review page can say where a value lies among the training windows with nothing but the model
folder (copied anywhere). The quantiles are computed a block of columns at a time: the memory
beyond the training matrix stays small whatever the number of features.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.model.files import ModelFormatError

#: File name, inside a model folder, of the training population's feature quantiles.
QUANTILES_FILE: str = "feature_quantiles.json"
#: Percentile levels stored per feature: 0, 1, ..., 100.
QUANTILE_LEVELS: np.ndarray = np.linspace(0.0, 100.0, 101)
#: Feature columns per block when computing quantiles (bounds the memory).
BLOCK_COLUMNS: int = 64


@dataclass(frozen=True)
class FeatureQuantiles:
    """Quantiles of each feature in the training population.

    Attributes
    ----------
    table : DataFrame, shape (101, n_features)
        Row i holds the i-th percentile of each feature (NaN for a feature with no finite value).
    n_rows : int
        Number of training rows the quantiles were taken over.
    source : str
        Where they came from (the training features file).
    """

    table: pd.DataFrame
    n_rows: int
    source: str = ""

    def percentile(self, features: pd.DataFrame) -> pd.DataFrame:
        """Percentile (0-100) of each value in the training population (NaN if unknown).

        Linear interpolation between the stored percentiles; a value equal to several stored
        quantiles (a feature that is often exactly 0) gets the middle of their levels.
        """
        columns = list(features.columns)
        out = np.full((len(features), len(columns)), np.nan)
        stored = set(self.table.columns)
        known = [j for j, name in enumerate(columns) if name in stored]
        if known:
            names = [columns[j] for j in known]
            out[:, known] = percentile_rank_matrix(
                features[names].to_numpy(dtype=np.float64), self.table[names].to_numpy()
            )
        return pd.DataFrame(out, index=features.index, columns=columns)

    def to_json(self) -> dict:
        """A JSON-able dict (NaN written as null)."""
        feats = {
            name: [None if not np.isfinite(v) else float(f"{v:.7g}") for v in self.table[name]]
            for name in self.table.columns
        }
        return {
            "levels": QUANTILE_LEVELS.tolist(),
            "n_rows": int(self.n_rows),
            "source": self.source,
            "features": feats,
        }

    @classmethod
    def from_json(cls, obj: dict) -> FeatureQuantiles:
        """Inverse of :meth:`to_json`."""
        feats = obj["features"]
        table = pd.DataFrame(
            {
                name: np.array([np.nan if v is None else v for v in q], dtype=np.float64)
                for name, q in feats.items()
            }
        )
        n_rows = int(obj.get("n_rows", 0))
        return cls(table=table, n_rows=n_rows, source=str(obj.get("source", "")))


def percentile_rank(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Percentile (0-100) of ``values`` given a feature's stored quantiles (Q levels 0-100).

    For a value between the stored quantiles ``q_i <= v < q_{i+1}`` (at levels ``l_i``),
    ``p = l_i + (l_{i+1} - l_i) (v - q_i) / (q_{i+1} - q_i)``; for a value equal to stored
    quantiles ``q_a = ... = q_b``, ``p = (l_a + l_b) / 2``; below the minimum 0, above the
    maximum 100. NaN values, or a feature without finite quantiles, give NaN.
    """
    v = np.asarray(values, dtype=np.float64)
    q = np.asarray(quantiles, dtype=np.float64)
    return percentile_rank_matrix(v.reshape(-1, 1), q.reshape(-1, 1)).reshape(v.shape)


def percentile_rank_matrix(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """:func:`percentile_rank` of many features at once.

    Parameters
    ----------
    values : array (n_rows, n_features)
    quantiles : array (n_levels, n_features)
        Each column non-decreasing, levels evenly spaced over 0-100.

    Returns
    -------
    array (n_rows, n_features) of percentiles 0-100 (NaN where undefined).
    """
    v = np.asarray(values, dtype=np.float64)
    q = np.asarray(quantiles, dtype=np.float64)
    n_levels = q.shape[0]
    levels = np.linspace(0.0, 100.0, n_levels)
    with np.errstate(invalid="ignore"):
        lo = (q[None, :, :] < v[:, None, :]).sum(axis=1)  # quantiles below v
        hi = (q[None, :, :] <= v[:, None, :]).sum(axis=1)  # quantiles at or below v
    cols = np.broadcast_to(np.arange(q.shape[1]), v.shape)
    below = np.clip(lo - 1, 0, n_levels - 1)
    above = np.clip(lo, 0, n_levels - 1)
    q_below, q_above = q[below, cols], q[above, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (v - q_below) / (q_above - q_below)
        between = levels[below] + (levels[above] - levels[below]) * frac
    out = np.where(
        hi > lo,
        0.5 * (levels[np.clip(lo, 0, n_levels - 1)] + levels[np.clip(hi - 1, 0, n_levels - 1)]),
        between,
    )
    out = np.where(lo == 0, np.where(hi > 0, out, 0.0), out)
    out = np.where(lo == n_levels, 100.0, out)
    bad = ~np.isfinite(v) | ~np.isfinite(q).all(axis=0)[None, :]
    return np.where(bad, np.nan, out)


def matrix_quantiles(values: np.ndarray, block_columns: int = BLOCK_COLUMNS) -> np.ndarray:
    """The 101 percentiles (0, 1, ..., 100) of each column of ``values``, ignoring NaN and
    infinite values (NaN for a column without a finite value).

    Works on ``block_columns`` columns at a time, so that the memory beyond ``values`` is one
    float64 block (106,800 rows x 64 columns: 55 MB), whatever the number of features.

    Returns
    -------
    ndarray (101, n_columns) of float64
    """
    n_cols = values.shape[1]
    out = np.empty((len(QUANTILE_LEVELS), n_cols), dtype=np.float64)
    for start in range(0, n_cols, block_columns):
        block = np.array(values[:, start : start + block_columns], dtype=np.float64)
        out[:, start : start + block.shape[1]] = _block_quantiles(block)
    return out


def _block_quantiles(block: np.ndarray) -> np.ndarray:
    block[~np.isfinite(block)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN quantiles
        return np.nanpercentile(block, QUANTILE_LEVELS, axis=0)


def feature_quantiles(
    features: pd.DataFrame | np.ndarray,
    names: Sequence[str] | None = None,
    source: str = "",
    block_columns: int = BLOCK_COLUMNS,
) -> FeatureQuantiles:
    """The 101 percentiles (0, 1, ..., 100) of each feature, ignoring NaN values.

    Parameters
    ----------
    features : DataFrame or ndarray (n_rows, n_features)
        The training population (a matrix needs ``names``).
    names : sequence of str, optional
        Features to describe (default: the DataFrame's float columns); for a matrix, the name
        of each column.
    source : str
        Where the rows came from (recorded in the file).
    block_columns : int
        Columns per block (bounds the memory).
    """
    if isinstance(features, np.ndarray):
        if names is None or len(names) != features.shape[1]:
            raise ValueError("a feature matrix needs one name per column")
        names, values = list(names), features
    else:
        names = (
            list(names)
            if names is not None
            else [c for c in features.columns if pd.api.types.is_float_dtype(features[c])]
        )
        values = features[names].to_numpy()
    q = matrix_quantiles(values, block_columns)
    return FeatureQuantiles(pd.DataFrame(q, columns=names), n_rows=len(features), source=source)


def parquet_quantiles(
    path: str | Path, names: Sequence[str], block_columns: int = BLOCK_COLUMNS
) -> FeatureQuantiles:
    """:func:`feature_quantiles` of a parquet file's columns, read ``block_columns`` at a time
    (memory: one block of columns, never the whole table). Absent columns are left out."""
    import pyarrow.parquet as pq

    path = Path(path)
    available = set(pq.read_schema(path).names)
    cols = [n for n in names if n in available]
    parts = []
    n_rows = pq.ParquetFile(path).metadata.num_rows
    for start in range(0, len(cols), block_columns):
        chunk = cols[start : start + block_columns]
        table = pq.read_table(path, columns=chunk)
        block = np.column_stack(
            [np.asarray(table.column(c).to_numpy(), dtype=np.float64) for c in chunk]
        )
        parts.append(_block_quantiles(block))
    q = np.hstack(parts) if parts else np.empty((len(QUANTILE_LEVELS), 0))
    return FeatureQuantiles(pd.DataFrame(q, columns=cols), n_rows=n_rows, source=str(path))


def load_quantiles(model_dir: str | Path) -> FeatureQuantiles | None:
    """The stored quantiles of a model folder, or None when it has none."""
    path = Path(model_dir) / QUANTILES_FILE
    if not path.is_file():
        return None
    try:
        return FeatureQuantiles.from_json(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelFormatError(path, f"not a valid feature-quantiles file ({exc})") from exc


def save_quantiles(quantiles: FeatureQuantiles, model_dir: str | Path) -> Path:
    """Write ``feature_quantiles.json`` into a model folder (atomically)."""
    path = Path(model_dir) / QUANTILES_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(quantiles.to_json()))
    os.replace(tmp, path)
    return path
