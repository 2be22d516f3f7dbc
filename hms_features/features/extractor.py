"""Running every registered feature family on a window: :func:`extract_window` and a transformer."""

from __future__ import annotations

import importlib
from functools import lru_cache

import numpy as np
import pandas as pd

from hms_features.constants import EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features.context import WindowContext
from hms_features.features.registry import FAMILIES, describe

#: The feature-family modules, in output order. Importing one registers its family.
FAMILY_MODULES: tuple[str, ...] = (
    "quality",
    "time_domain",
    "hjorth",
    "spectral",
    "wavelet",
    "complexity",
    "symmetry",
    "periodicity",
    "evolution",
    "spectrogram_stats",
)


@lru_cache(maxsize=1)
def load_families() -> tuple[str, ...]:
    """Import every family module once; returns the registered family names in output order.

    The order is that of :data:`FAMILY_MODULES` (families of other modules after them, in
    registration order), never the order in which modules happened to be imported: a process
    that imported one family module early (an explanation, a test) must name the columns in
    the same order as a fresh worker process.
    """
    for mod in FAMILY_MODULES:
        importlib.import_module(f"hms_features.features.{mod}")
    rank = {f"hms_features.features.{m}": i for i, m in enumerate(FAMILY_MODULES)}
    return tuple(sorted(FAMILIES, key=lambda n: rank.get(FAMILIES[n].func.__module__, len(rank))))


def _check_window(eeg: np.ndarray) -> np.ndarray:
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
    ctx = WindowContext.from_raw(_check_window(eeg), fs, spectrogram, spectrogram_recomputed)
    registered = load_families()  # also when ``families`` is given: a fresh worker process
    out: dict[str, float] = {}
    for name in families or registered:
        if name not in FAMILIES:
            raise KeyError(f"unknown feature family {name!r}; registered: {', '.join(registered)}")
        out.update(FAMILIES[name].func(ctx))
    return out


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
        Sampling rate in Hz.
    spectrogram : ndarray, shape (300, 400), optional
        The label's 10-minute competition spectrogram (NaN where padded); without it the
        spectrogram features take neutral values.
    spectrogram_recomputed : bool
        Whether ``spectrogram`` was recomputed from EEG (recorded as a feature).
    families : tuple of str, optional
        Restrict to these registered families (default: all).

    Returns
    -------
    Series
        Float values indexed by stable feature names ``<source>__<feature>``.
    """
    values = extract_window_dict(eeg, fs, spectrogram, spectrogram_recomputed, families)
    return pd.Series(values, dtype=np.float64, name="value")


def _reference_window(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW_SAMPLES) / FS
    x = rng.normal(0.0, 20.0, (WINDOW_SAMPLES, len(EEG_CHANNELS)))
    x += 15.0 * np.sin(2 * np.pi * 9.0 * t)[:, None]
    return x.astype(np.float32)


@lru_cache(maxsize=1)
def feature_names() -> tuple[str, ...]:
    """All feature names, in output order (stable across windows and releases)."""
    return tuple(extract_window_dict(_reference_window()).keys())


def feature_descriptions() -> dict[str, str]:
    """Feature name -> one-line plain-language description with its unit."""
    return {name: describe(name) for name in feature_names()}
