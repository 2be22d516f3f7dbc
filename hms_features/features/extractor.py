"""Running every declared feature family on a window: :func:`extract_window`.

The families and their declared names live in :mod:`hms_features.features.families`. Each
family computes ``{suffix: values over the feature's declared sources}``; the extractor names
them by zipping them with the declarations (:func:`family_values`), so it returns exactly the
declared columns, in their declared order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hms_features.constants import EEG_CHANNELS, FS
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
    values = family.compute(ctx)
    out: dict[str, float] = {}
    for f in family.features:
        try:
            v = np.asarray(values[f.suffix], dtype=np.float64)
        except KeyError:
            raise RuntimeError(
                f"feature family {family.name!r} did not compute its declared feature {f.suffix!r}"
            ) from None
        if v.shape != (len(f.sources),):
            raise RuntimeError(
                f"feature family {family.name!r} computed values of shape {v.shape} for "
                f"{f.suffix!r}, declared for {len(f.sources)} sources ({', '.join(f.sources)})"
            )
        out.update(zip(f.names, v.tolist()))
    if len(values) != len(family.features):
        extra = sorted(set(values) - set(family.suffixes))[:5]
        raise RuntimeError(f"feature family {family.name!r} computed undeclared features {extra}")
    return out


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
