"""Running every registered feature family on a window: :func:`extract_window` and a transformer."""

from __future__ import annotations

import importlib
from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

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
    """Import every family module once; returns the registered family names in output order."""
    for mod in FAMILY_MODULES:
        importlib.import_module(f"hms_features.features.{mod}")
    return tuple(FAMILIES)


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
    out: dict[str, float] = {}
    for name in families or load_families():
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


class FeatureExtractor(TransformerMixin, BaseEstimator):
    """scikit-learn transformer: a stack of raw EEG windows -> the feature matrix.

    Parameters
    ----------
    fs : float
        Sampling rate in Hz.
    families : tuple of str, optional
        Feature families to compute (default: all registered).
    n_jobs : int
        Parallel workers (joblib) over windows.

    Examples
    --------
    >>> X = np.zeros((2, 10000, 20), dtype=np.float32)
    >>> FeatureExtractor().fit_transform(X).shape[0]
    2
    """

    def __init__(self, fs: float = FS, families: tuple[str, ...] | None = None, n_jobs: int = 1):
        self.fs = fs
        self.families = families
        self.n_jobs = n_jobs

    def _validate(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 3 or X.shape[2] != len(EEG_CHANNELS):
            raise ValueError(
                f"FeatureExtractor expects windows (n_windows, n_samples, {len(EEG_CHANNELS)}); "
                f"got shape {X.shape}"
            )
        return X

    def fit(self, X: np.ndarray, y: object = None) -> FeatureExtractor:
        """Validate the input shape and fix the output feature names."""
        X = self._validate(X)
        self.n_samples_in_ = X.shape[1]
        self.feature_names_out_ = np.asarray(
            list(
                extract_window_dict(
                    _reference_window()[: X.shape[1]], self.fs, families=self.families
                ).keys()
            ),
            dtype=object,
        )
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Feature matrix (n_windows, n_features), float64."""
        X = self._validate(X)
        if not hasattr(self, "feature_names_out_"):
            raise RuntimeError("FeatureExtractor is not fitted; call fit() first")
        from joblib import Parallel, delayed

        rows = Parallel(n_jobs=self.n_jobs)(
            delayed(extract_window_dict)(w, self.fs, None, False, self.families) for w in X
        )
        names = list(self.feature_names_out_)
        return np.array([[r[n] for n in names] for r in rows], dtype=np.float64)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """The feature names, ``<source>__<feature>``."""
        if not hasattr(self, "feature_names_out_"):
            raise RuntimeError("FeatureExtractor is not fitted; call fit() first")
        return self.feature_names_out_.copy()
