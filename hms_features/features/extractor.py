"""Running every declared feature family on a window: :func:`extract_window`.

The families and their declared names live in :mod:`hms_features.features.families`. Each
family computes ``{suffix: values over the feature's declared sources}``; the extractor names
them by zipping them with the declarations (:func:`family_values`), so it returns exactly the
declared columns, in their declared order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from hms_features.constants import EEG_CHANNELS, FS
from hms_features.errors import is_interrupt
from hms_features.features.context import WindowContext
from hms_features.features.families import (
    FAMILIES,
    FAMILY_BY_NAME,
    feature_descriptions,
    feature_names,
    feature_table,
)
from hms_features.features.registry import Family

__all__ = [
    "context_values",
    "context_vector",
    "contexts_matrix",
    "extract_window",
    "extract_window_dict",
    "family_values",
    "feature_descriptions",
    "feature_names",
    "feature_table",
]


def _check_window(eeg: np.ndarray, fs: float) -> np.ndarray:
    if fs != FS:
        raise ValueError(
            f"the features are defined on {FS:g} Hz windows (their names and descriptions state "
            f"{FS:g}-Hz bands and sample counts); resample the EEG to {FS:g} Hz first "
            f"(hms_features.data.recording does); got fs={fs:g}"
        )
    eeg = np.asarray(eeg)
    if eeg.ndim != 2 or eeg.shape[1] != len(EEG_CHANNELS):
        raise ValueError(
            f"an EEG window must be (n_samples, {len(EEG_CHANNELS)}) in the channel order "
            f"{', '.join(EEG_CHANNELS)}; got shape {eeg.shape}"
        )
    if eeg.shape[0] < 10 * FS:
        raise ValueError(f"an EEG window needs at least 10 s of samples; got {eeg.shape[0]}")
    return eeg


def extract_window_dict(
    eeg: np.ndarray,
    fs: float = FS,
    spectrogram: np.ndarray | None = None,
    spectrogram_recomputed: bool = False,
    families: tuple[str, ...] | None = None,
) -> dict[str, float]:
    """Like :func:`extract_window` but returns a plain dict (the factory's fast path)."""
    ctx = WindowContext.from_raw(_check_window(eeg, fs), fs, spectrogram, spectrogram_recomputed)
    return context_values(ctx, families)


def context_values(ctx: WindowContext, families: tuple[str, ...] | None = None) -> dict[str, float]:
    """Every feature (or those of ``families``) of a prepared window: one made by
    :func:`~hms_features.features.context.WindowContext.from_raw` or a slice of a shared
    stretch (:meth:`hms_features.features.span.Span.window`)."""
    out: dict[str, float] = {}
    for fam in select_families(families):
        out.update(family_values(fam, ctx))
    return out


def context_vector(ctx: WindowContext, out: np.ndarray | None = None) -> np.ndarray:
    """Every feature of a prepared window as one vector in
    :func:`~hms_features.features.families.feature_names` order (float32 unless ``out`` says
    otherwise): the values of :func:`context_values`, without a dict of 1,491 names per window
    (a window computed alone: :func:`contexts_matrix` of one window). Checked as
    :func:`family_values` checks.
    """
    return contexts_matrix([ctx], None if out is None else out[None])[0]


@lru_cache(maxsize=1)
def _n_features() -> int:
    return sum(len(f.names) for f in FAMILIES)


#: Most windows computed in one batch (:func:`contexts_matrix`): each holds a few MB of copies
#: and caches (its cleaned 50 s, its 100 Hz copy, its spectrogram) while the batch runs. With
#: 4, ``hms score`` on 4 hours used the CPU of one-by-one windows less 1-3% and 7 MB more
#: memory; with 16, 17 MB more for no further gain (``bench_score.py --hours 4``).
BATCH_WINDOWS: int = 4


def contexts_matrix(ctxs: Sequence[WindowContext], out: np.ndarray | None = None) -> np.ndarray:
    """:func:`context_vector` of several prepared windows, one row each (float32 unless
    ``out`` says otherwise): a family that declares a ``batch`` function computes them all in
    one call (the same values), the others window by window."""
    if out is None:
        out = np.empty((len(ctxs), _n_features()), dtype=np.float32)
    at = 0
    for fam in FAMILIES:
        block = family_matrix(fam, ctxs)
        out[:, at : at + block.shape[1]] = block
        at += block.shape[1]
    return out


def context_rows(ctxs: Sequence[WindowContext]) -> list[np.ndarray | Exception]:
    """Each window's :func:`context_vector` (float32), or the exception its computation
    raised: the windows are computed together (:func:`contexts_matrix`); when that raises they
    are computed one by one, so that one bad window fails alone."""
    try:
        return list(contexts_matrix(ctxs))
    except Exception as exc:  # which window? each alone
        if is_interrupt(exc):  # a Ctrl-C inside compiled code can surface as a SystemError
            raise
        rows: list[np.ndarray | Exception] = []
        for ctx in ctxs:
            try:
                rows.append(context_vector(ctx))
            except Exception as one:
                if is_interrupt(one):
                    raise
                rows.append(one)
        return rows


def family_vector(family: Family, ctx: WindowContext) -> np.ndarray:
    """One family's features of a window as a float64 vector in the order of its declared
    names (:attr:`Family.names <hms_features.features.registry.Family.names>`); raises as
    :func:`family_values` does."""
    return _declared_columns(family, family.compute(ctx), ())


def family_matrix(family: Family, ctxs: Sequence[WindowContext]) -> np.ndarray:
    """:func:`family_vector` of each window, (n_windows, n_names) float64: one call of the
    family's ``batch`` function where it declares one (and there are several windows)."""
    if family.batch is None or len(ctxs) == 1:
        return np.stack([family_vector(family, ctx) for ctx in ctxs])
    return _declared_columns(family, family.batch(ctxs), (len(ctxs),))


def _declared_columns(family: Family, values: Mapping, lead: tuple[int, ...]) -> np.ndarray:
    """The family's ``{suffix: values}`` (each of shape ``lead + (n_sources,)``) concatenated
    in declared order along the last axis, checked against the declarations."""
    parts = []
    for f in family.features:
        try:
            v = np.asarray(values[f.suffix], dtype=np.float64)
        except KeyError:
            raise RuntimeError(
                f"feature family {family.name!r} did not compute its declared feature {f.suffix!r}"
            ) from None
        if v.shape != (*lead, len(f.sources)):
            raise RuntimeError(
                f"feature family {family.name!r} computed values of shape {v.shape} for "
                f"{f.suffix!r}, declared for {len(f.sources)} sources ({', '.join(f.sources)})"
                + (f" in each of {lead[0]} windows" if lead else "")
            )
        parts.append(v)
    if len(values) != len(family.features):
        extra = sorted(set(values) - set(family.suffixes))[:5]
        raise RuntimeError(f"feature family {family.name!r} computed undeclared features {extra}")
    return np.concatenate(parts, axis=-1)


def family_values(family: Family, ctx: WindowContext) -> dict[str, float]:
    """One family's features of a window, named by its declarations, in their order.

    ``family.compute(ctx)`` returns ``{suffix: values}`` with one value per declared source of
    each declared feature; they are zipped with :attr:`Feature.names
    <hms_features.features.registry.Feature.names>` as float64.

    Raises
    ------
    RuntimeError
        The family computed a feature it does not declare, missed one it declares, or gave a
        feature more or fewer values than it has sources: a bug of the family.
    """
    return dict(zip(family.names, family_vector(family, ctx).tolist()))


def select_families(families: tuple[str, ...] | None) -> tuple[Family, ...]:
    """The declared families named in ``families`` (all when None), in that order."""
    if families is None:
        return FAMILIES
    unknown = [f for f in families if f not in FAMILY_BY_NAME]
    if unknown:
        raise KeyError(
            f"unknown feature family {unknown[0]!r}; declared: {', '.join(FAMILY_BY_NAME)}"
        )
    return tuple(FAMILY_BY_NAME[f] for f in families)


def extract_window(
    eeg: np.ndarray,
    fs: float = FS,
    spectrogram: np.ndarray | None = None,
    spectrogram_recomputed: bool = False,
    families: tuple[str, ...] | None = None,
) -> pd.Series:
    """Every feature of one 50-s label window.

    Parameters
    ----------
    eeg : ndarray, shape (10000, 20)
        Raw referential EEG in microvolts, columns in the canonical order
        (:data:`~hms_features.constants.EEG_CHANNELS`), NaN for missing samples.
    fs : float
        Sampling rate in Hz: must be 200 (:data:`~hms_features.constants.FS`), a precondition
        (else a ValueError): the features are declared for 200-Hz windows.
    spectrogram : ndarray, shape (300, 400), optional
        The label's 10-minute competition spectrogram (NaN where padded); without it the
        spectrogram features take neutral values.
    spectrogram_recomputed : bool
        Whether ``spectrogram`` was recomputed from EEG (recorded as a feature).
    families : tuple of str, optional
        Restrict to these families (default: all), in this order.

    Returns
    -------
    Series
        Float values indexed by stable feature names ``<source>__<feature>``.
    """
    values = extract_window_dict(eeg, fs, spectrogram, spectrogram_recomputed, families)
    return pd.Series(values, dtype=np.float64, name="value")
