"""Synthetic raw windows shared by the feature-family tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hms_features.constants import EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features.context import WindowContext
from hms_features.signal.preprocess import CleanWindow

#: Electrode weights +1/-1 alternating along every chain (the double banana's chains form two
#: even cycles and a path), so every bipolar channel (anode - cathode) carries 2x the signal.
SIGN = {"Fp1": 1, "F7": -1, "T3": 1, "T5": -1, "O1": 1, "P3": -1, "C3": 1, "F3": -1,
         "Fp2": 1, "F8": -1, "T4": 1, "T6": -1, "O2": 1, "P4": -1, "C4": 1, "F4": -1,
         "Fz": 1, "Cz": -1, "Pz": 1}  # fmt: skip
WEIGHTS = np.array([SIGN[name] for name in EEG_CHANNELS[:19]], dtype=float)


def raw_from(sig: np.ndarray, noise_uv: float, seed: int = 0) -> np.ndarray:
    """A raw (10000, 20) window carrying ``sig`` (uV) on every electrode, weighted by
    :data:`WEIGHTS`, plus independent Gaussian noise of ``noise_uv`` microvolts."""
    rng = np.random.default_rng(seed)
    x = np.zeros((WINDOW_SAMPLES, len(EEG_CHANNELS)))
    x[:, :19] = sig[:, None] * WEIGHTS[None, :] + rng.normal(0, noise_uv, (WINDOW_SAMPLES, 19))
    return x.astype(np.float32)


def edge_windows(normal: np.ndarray, dead_electrode: str) -> dict[str, np.ndarray]:
    """The windows a feature family must survive without NaN or inf: ``normal``, the same with
    ``dead_electrode`` entirely missing, a flat one, an all-missing one and a 10^4-times louder one.
    """
    one_nan = normal.copy()
    one_nan[:, EEG_CHANNELS.index(dead_electrode)] = np.nan
    shape = (normal.shape[0], len(EEG_CHANNELS))
    return {
        "normal": normal,
        "flat": np.zeros(shape, dtype=np.float32),
        "one_nan_electrode": one_nan,
        "all_nan": np.full(shape, np.nan, dtype=np.float32),
        "huge": normal * 1e4,
    }


def assert_finite_with_stable_names(
    family: Callable[[np.ndarray], dict[str, float]], windows: dict[str, np.ndarray]
) -> None:
    """Every window gives finite values under the same names, in the same order."""
    names = None
    for label, raw in windows.items():
        out = family(raw)
        assert np.isfinite(list(out.values())).all(), f"non-finite feature for the {label} window"
        names = names or list(out)
        assert list(out) == names, f"feature names changed for the {label} window"


def brown_window(seed: int, scale: float = 20.0) -> np.ndarray:
    """Brown-ish noise plus a 10 Hz rhythm, (10000, 20) float32 microvolts."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW_SAMPLES) / FS
    x = np.cumsum(rng.standard_normal((WINDOW_SAMPLES, len(EEG_CHANNELS))), axis=0)
    x *= scale / x.std(axis=0)
    x += 5.0 * np.sin(2 * np.pi * 10 * t[:, None] + rng.uniform(0, 6, len(EEG_CHANNELS)))
    return x.astype(np.float32)


def ctx_from_bipolar(x: np.ndarray, fs: float = FS) -> WindowContext:
    """A context whose bipolar signals are exactly ``x`` (18, n) (no filtering), for closed-form
    checks."""
    x = np.asarray(x, dtype=np.float64)
    n_ch = x.shape[0]
    clean = CleanWindow(x, np.zeros(x.shape[1]), 0.0, np.zeros(n_ch), np.zeros(n_ch), fs)
    return WindowContext(clean)
