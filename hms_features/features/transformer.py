"""The scikit-learn face of the extractor: a transformer from stacked raw windows to features.

Kept apart from :mod:`hms_features.features.extractor` so that the factory's workers, which only
need :func:`~hms_features.features.extractor.extract_window_dict`, do not import scikit-learn
(about 1.6 s of start-up per worker).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from hms_features.constants import EEG_CHANNELS, FS
from hms_features.features.extractor import extract_window_dict, select_families


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
        families = select_families(self.families)
        self.feature_names_out_ = np.asarray(
            [n for fam in families for n in fam.names], dtype=object
        )
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Feature matrix (n_windows, n_features), float64."""
        X = self._validate(X)
        if not hasattr(self, "feature_names_out_"):
            raise RuntimeError("FeatureExtractor is not fitted; call fit() first")
        from joblib import Parallel, delayed, effective_n_jobs

        names = tuple(self.feature_names_out_)
        if self.n_jobs == 1 or len(X) <= 1:
            return _feature_rows(X, self.fs, self.families, names)
        # a few batches per worker: one task per window would pickle more than it computes
        batches = np.array_split(X, min(len(X), 4 * effective_n_jobs(self.n_jobs)))
        parts = Parallel(n_jobs=self.n_jobs)(
            delayed(_feature_rows)(b, self.fs, self.families, names) for b in batches
        )
        return np.vstack(parts)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """The feature names, ``<source>__<feature>``."""
        if not hasattr(self, "feature_names_out_"):
            raise RuntimeError("FeatureExtractor is not fitted; call fit() first")
        return self.feature_names_out_.copy()


def _feature_rows(
    windows: np.ndarray, fs: float, families: tuple[str, ...] | None, names: tuple[str, ...]
) -> np.ndarray:
    """Features of a stack of windows as rows in ``names`` order, with BLAS on one thread (as in
    the factory's workers: parallelism comes from the workers)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        out = np.empty((len(windows), len(names)))
        for i, w in enumerate(windows):
            feats = extract_window_dict(w, fs, None, False, families)
            out[i] = [feats[n] for n in names]
    return out
