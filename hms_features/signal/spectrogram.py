"""Competition-style regional spectrograms computed from any EEG.

The organisers' spectrograms (``train_spectrograms/*.parquet``) are regional averages of
multitaper spectra of the double-banana chains. This module recomputes them from raw EEG, so
that a label whose spectrogram file is missing, or a synthetic recording, gets the same view:

1. bipolar derivations of the 16 chain pairs (:data:`~hms_features.signal.montage.REGIONS`,
   channels 0-15 of :func:`~hms_features.signal.montage.bipolar`), microvolts;
2. consecutive, non-overlapping 2-s rows (400 samples at 200 Hz), each linearly detrended;
3. a multitaper spectrum per row: the three DPSS tapers of time-half-bandwidth NW = 2
   (:func:`scipy.signal.windows.dpss`, unit energy), ``P(f) = mean_k |sum_n w_k[n] x[n]
   exp(-2 pi i f n / fs)|^2 / fs``, evaluated at the 100 frequencies
   :data:`~hms_features.constants.SPEC_FREQS` (``f = k * 200 / 1024`` Hz, k = 3..102, i.e. the
   bins of a 1024-point FFT at 200 Hz);
4. each region (LL, RL, LP, RP) is the mean of its four pair spectra.

Scale: ``P`` is a power spectral density in uV^2/Hz. Recomputed from the genuine EEG
1628180742, it matches the genuine spectrogram file 353733 row by row (median ratio file /
recomputed = 1.0, correlation of log power 0.96, the EEG's first sample sitting at the file's
275 s), so no extra calibration factor is applied. Typical values: a few to a few hundred at
0.6-4 Hz, 0.01-1 near 20 Hz (the files round to 0.01).

The spectra are computed as one matrix product: detrending, tapering and the discrete Fourier
transform at the 100 wanted frequencies are all linear, so they fold into one real matrix of
shape (row samples, 3 tapers x 100 frequencies x (cos, sin)) applied to every row of every
channel at once (faster than a zero-padded FFT that computes 513 bins to keep 100).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal.windows import dpss

from hms_features.constants import (
    EEG_CHANNELS,
    FS,
    SPEC_COLUMNS,
    SPEC_REGIONS,
    SPEC_ROW_SECONDS,
    SPEC_WINDOW_ROWS,
)
from hms_features.signal.montage import REGIONS, bipolar

#: Multitaper parameters of the organisers' tool: time-half-bandwidth product and taper count.
TAPER_NW: float = 2.0
N_TAPERS: int = 3
#: FFT length at 200 Hz whose bins k = 3..102 are the files' 100 frequencies.
NFFT_AT_200HZ: int = 1024
FIRST_BIN: int = 3
N_BINS: int = 100
#: Rows processed per matrix product (bounds memory on hour-long recordings).
_ROWS_PER_CHUNK: int = 4096

_PAIR_INDEX = np.array([i for r in SPEC_REGIONS for i in REGIONS[r]])


@lru_cache(maxsize=8)
def _spectral_matrix(fs: float, dtype: str = "float64") -> np.ndarray:
    """Real matrix (row_samples, 2 * N_TAPERS * N_BINS): detrend, taper, DFT at the bins."""
    n_row = int(round(SPEC_ROW_SECONDS * fs))
    nfft = NFFT_AT_200HZ * fs / FS
    if abs(nfft - round(nfft)) > 1e-9 or round(nfft) // 2 < FIRST_BIN + N_BINS - 1:
        raise ValueError(
            f"fs must be a multiple of 200/1024 Hz and at least 40 Hz so that the spectrogram "
            f"frequencies are FFT bins; got fs={fs}"
        )
    nfft = int(round(nfft))
    n = np.arange(n_row)
    # linear detrend as a projection: I - Q Q^T, Q an orthonormal basis of {1, n}
    q, _ = np.linalg.qr(np.stack([np.ones(n_row), n - n.mean()], axis=1))
    detrend = np.eye(n_row) - q @ q.T
    tapers = dpss(n_row, TAPER_NW, N_TAPERS)  # (3, n_row), unit energy
    bins = np.arange(FIRST_BIN, FIRST_BIN + N_BINS)
    phase = 2.0 * np.pi * np.outer(n, bins) / nfft  # (n_row, 100)
    cos_sin = np.concatenate([np.cos(phase), -np.sin(phase)], axis=1)  # (n_row, 200)
    tapered = tapers[:, :, None] * cos_sin[None]  # (3, n_row, 200)
    mat = (detrend @ tapered.transpose(1, 0, 2).reshape(n_row, -1)).astype(dtype)  # (n_row, 600)
    mat.setflags(write=False)
    return mat


def pair_spectrogram(signals: np.ndarray, fs: float = FS, *, dtype: str = "float64") -> np.ndarray:
    """Multitaper spectrogram of each signal on consecutive 2-s rows.

    Parameters
    ----------
    signals : ndarray, shape (n_channels, n_samples)
        Signals in microvolts; trailing samples that do not fill a 2-s row are ignored.
    fs : float
        Sampling rate in Hz (200 for HMS; any multiple of 200/1024 Hz >= 40 Hz works).
    dtype : {'float64', 'float32'}
        Arithmetic precision; float32 is ~2x faster and accurate to ~1e-6 relative, plenty
        for files rounded to 0.01 (the synthetic data generator uses it).

    Returns
    -------
    ndarray, shape (n_channels, n_rows, 100), float64
        Power spectral density in uV^2/Hz at :data:`~hms_features.constants.SPEC_FREQS`;
        NaN for a row that contains any NaN sample.
    """
    x = np.asarray(signals, dtype=dtype)
    if x.ndim != 2:
        raise ValueError(f"expected signals of shape (n_channels, n_samples); got {x.shape}")
    mat = _spectral_matrix(float(fs), str(np.dtype(dtype)))
    n_row = mat.shape[0]
    n_rows = x.shape[1] // n_row
    rows = x[:, : n_rows * n_row].reshape(-1, n_row)
    bad = ~np.isfinite(rows).all(axis=1)
    if bad.any():
        rows = np.where(np.isfinite(rows), rows, 0.0)
    out = np.empty((rows.shape[0], N_BINS), dtype=np.float64)
    for start in range(0, rows.shape[0], _ROWS_PER_CHUNK):
        y = rows[start : start + _ROWS_PER_CHUNK] @ mat  # (chunk, 3 * 2 * 100)
        y = (y * y).reshape(y.shape[0], N_TAPERS, 2 * N_BINS)
        power = y.sum(axis=1)  # sum over tapers
        out[start : start + _ROWS_PER_CHUNK] = power[:, :N_BINS] + power[:, N_BINS:]
    out /= N_TAPERS * fs
    out[bad] = np.nan
    return out.reshape(x.shape[0], n_rows, N_BINS)


def eeg_to_spectrogram(
    eeg: np.ndarray, fs: float = FS, *, dtype: str = "float64"
) -> tuple[np.ndarray, np.ndarray]:
    """Competition-style regional spectrogram of a referential EEG recording.

    Parameters
    ----------
    eeg : ndarray, shape (n_samples, 20)
        Referential EEG in microvolts, columns in
        :data:`~hms_features.constants.EEG_CHANNELS` order (EKG last, unused); NaN = missing.
    fs : float
        Sampling rate in Hz.
    dtype : {'float64', 'float32'}
        Arithmetic precision of the spectra (see :func:`pair_spectrogram`).

    Returns
    -------
    time : ndarray, shape (n_rows,), float64
        Row centres in seconds from the first sample: 1, 3, 5, ... (rows are consecutive 2-s
        stretches; a trailing partial row is dropped).
    power : ndarray, shape (n_rows, 400), float32
        Power spectral density in uV^2/Hz (the genuine files' scale, see the module docstring),
        columns in :data:`~hms_features.constants.SPEC_COLUMNS` order: for each region
        LL, RL, LP, RP, the mean over its four chain pairs of the 3-taper multitaper spectrum
        at 0.59-19.92 Hz. A 2-s row in which any of the 16 chains has a NaN is NaN.

    Examples
    --------
    >>> eeg = np.zeros((12_000, 20), dtype=np.float32)  # 60 s
    >>> time, power = eeg_to_spectrogram(eeg)
    >>> time[:3], power.shape
    (array([1., 3., 5.]), (30, 400))
    """
    eeg = np.asarray(eeg)
    if eeg.ndim != 2 or eeg.shape[1] != len(EEG_CHANNELS):
        raise ValueError(
            f"eeg_to_spectrogram expects an EEG array (n_samples, {len(EEG_CHANNELS)}) in the "
            f"canonical channel order; got shape {eeg.shape}"
        )
    pairs = bipolar(eeg.astype(dtype, copy=False))[_PAIR_INDEX]  # (16, n), region order
    spec = pair_spectrogram(pairs, fs, dtype=dtype)  # (16, n_rows, 100)
    n_rows = spec.shape[1]
    # region = mean of its 4 pairs; NaN in any pair makes the region's row NaN, and a row with
    # NaN anywhere is NaN in every region (the whole 2-s stretch is unusable)
    regions = spec.reshape(len(SPEC_REGIONS), 4, n_rows, N_BINS).mean(axis=1)
    regions[:, np.isnan(regions).any(axis=(0, 2))] = np.nan
    power = regions.transpose(1, 0, 2).reshape(n_rows, len(SPEC_COLUMNS)).astype(np.float32)
    time = SPEC_ROW_SECONDS * np.arange(n_rows) + SPEC_ROW_SECONDS / 2
    return time, power


def spectrogram_around(eeg: np.ndarray, center_seconds: float, fs: float = FS) -> np.ndarray:
    """The 10-minute spectrogram window centred on a time of the recording.

    Rows are the 300 consecutive 2-s stretches starting at ``center_seconds - 300`` s, as a
    label's window in a competition file is centred on its EEG window (for a label,
    ``center_seconds = eeg_label_offset_seconds + 25``). A row is computed when the EEG covers
    it entirely and is NaN where it reaches before the first or past the last sample.

    Parameters
    ----------
    eeg : ndarray, shape (n_samples, 20)
        Referential EEG in microvolts, canonical channel order.
    center_seconds : float
        Centre of the window, seconds from the first sample.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray, shape (300, 400), float32
        Power in uV^2/Hz, :data:`~hms_features.constants.SPEC_COLUMNS` order (see
        :func:`eeg_to_spectrogram`), NaN outside the recording.
    """
    eeg = np.asarray(eeg)
    if eeg.ndim != 2 or eeg.shape[1] != len(EEG_CHANNELS):
        raise ValueError(
            f"spectrogram_around expects an EEG array (n_samples, {len(EEG_CHANNELS)}); "
            f"got shape {eeg.shape}"
        )
    n_row = int(round(SPEC_ROW_SECONDS * fs))
    out = np.full((SPEC_WINDOW_ROWS, len(SPEC_COLUMNS)), np.nan, dtype=np.float32)
    start = int(round((center_seconds - SPEC_WINDOW_ROWS * SPEC_ROW_SECONDS / 2) * fs))
    row_starts = start + n_row * np.arange(SPEC_WINDOW_ROWS)
    inside = np.flatnonzero((row_starts >= 0) & (row_starts + n_row <= eeg.shape[0]))
    if inside.size == 0:
        return out
    first, last = inside[0], inside[-1]
    segment = eeg[row_starts[first] : row_starts[last] + n_row]
    _, power = eeg_to_spectrogram(segment, fs)
    out[first : last + 1] = power
    return out
