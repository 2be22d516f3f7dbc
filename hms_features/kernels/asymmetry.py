"""Left-right asymmetry and synchrony: asymmetry index, brain symmetry index, mirror coherence,
correlation, and the spatial extent of a quantity.

The mirror channel pairs are those of :data:`hms_features.signal.montage.MIRROR_PAIRS` (the 8
pairs of the double banana's temporal and parasagittal chains, left against right).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from hms_features.kernels.percentiles import select_percentiles
from hms_features.kernels.utils import safe_divide
from hms_features.signal.montage import MIRROR_PAIRS
from hms_features.signal.psd import coherence_from_spectra, segment_spectra

#: Rows of the left and of the right channel of each mirror pair, in ``MIRROR_PAIRS`` order.
MIRROR_LEFT: np.ndarray = np.array([left for left, _ in MIRROR_PAIRS])
MIRROR_RIGHT: np.ndarray = np.array([right for _, right in MIRROR_PAIRS])


def asymmetry(
    left: np.ndarray | float, right: np.ndarray | float, floor: float = 0.0
) -> np.ndarray:
    """Asymmetry index ``(L - R) / (L + R)`` of non-negative quantities (powers, amplitudes).

    Parameters
    ----------
    left, right : array_like
        Non-negative values of the same unit, broadcastable.
    floor : float
        Where ``L + R <= floor`` (both zero, or negligible) the result is 0.

    Returns
    -------
    ndarray
        Dimensionless, -1 (all on the right) to 1 (all on the left); 0 when symmetric.

    References
    ----------
    The normalised difference used for EEG power asymmetry, e.g. van Putten (2007), The revised
    brain symmetry index, Clin. Neurophysiol. 118: 2362-2367.

    Examples
    --------
    >>> asymmetry([3.0, 1.0, 0.0], [1.0, 1.0, 0.0])
    array([0.5, 0. , 0. ])
    """
    left = np.asarray(left, dtype=np.float64)
    right = np.asarray(right, dtype=np.float64)
    return safe_divide(left - right, left + right, floor)


def brain_symmetry_index(
    freqs: np.ndarray,
    psd: np.ndarray,
    f_range: tuple[float, float] = (1.0, 25.0),
    pairs: np.ndarray | None = None,
    inclusive: bool = True,
) -> float:
    """Pairwise brain symmetry index (van Putten 2007).

    ``BSI = mean over mirror pairs (l, r) and bins f in f_range of
    |(P_l(f) - P_r(f)) / (P_l(f) + P_r(f))|``; a bin where both PSDs are zero counts as 0.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
        Frequencies in Hz.
    psd : ndarray, shape (18, n_freqs)
        Channel PSDs (uV^2/Hz).
    f_range : (float, float)
        Frequency range in Hz.
    pairs : ndarray of int, optional
        Positions (0-7) in :data:`MIRROR_PAIRS` to average over (default: all 8).
    inclusive : bool
        Whether the upper edge is included (``lo <= f <= hi``; else ``lo <= f < hi``).

    Returns
    -------
    float, 0 (perfect symmetry) to 1 (all power on one side).

    References
    ----------
    van Putten (2007), The revised brain symmetry index, Clin. Neurophysiol. 118: 2362-2367.

    Examples
    --------
    Identical PSDs on both sides give 0; all power on the left gives 1:
    >>> import numpy as np
    >>> from hms_features.signal.montage import MIRROR_PAIRS
    >>> freqs = np.arange(0.0, 50.5, 0.5)
    >>> same = np.ones((18, freqs.size))
    >>> one_sided = same.copy()
    >>> one_sided[[right for _, right in MIRROR_PAIRS]] = 0.0
    >>> brain_symmetry_index(freqs, same), brain_symmetry_index(freqs, one_sided)
    (0.0, 1.0)
    """
    lo, hi = f_range
    sel = (freqs >= lo) & ((freqs <= hi) if inclusive else (freqs < hi))
    if not sel.any():
        return 0.0
    k = np.arange(len(MIRROR_PAIRS)) if pairs is None else pairs
    left = psd[MIRROR_LEFT[k]][:, sel]
    right = psd[MIRROR_RIGHT[k]][:, sel]
    return float(np.abs(asymmetry(left, right)).mean())


def mirror_coherence(
    x: np.ndarray,
    fs: float,
    segment_seconds: float = 2.0,
    overlap: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude-squared coherence of the 8 mirror channel pairs.

    Each channel is cut into Hann-windowed segments (mean removed, fractional ``overlap``);
    ``C(f) = |<X_l conj(X_r)>|^2 / (<|X_l|^2> <|X_r|^2>)`` where ``<>`` is the mean over segments
    (Welch, as :func:`scipy.signal.coherence`). A flat channel gives 0. Unrelated signals still
    score about 1/K for K independent segments (about 0.03 for the 49 half-overlapping 2-s
    segments of 50 s). The family computes the same from the window's shared segment spectra.

    Parameters
    ----------
    x : ndarray, shape (18, n_times)
        Bipolar signals in microvolts.
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    freqs : ndarray, shape (n_freqs,)
        Hz.
    coherence : ndarray, shape (8, n_freqs)
        0-1, in :data:`MIRROR_PAIRS` order.

    References
    ----------
    Welch (1967); :func:`scipy.signal.coherence`; Nunez et al. (1997), EEG coherency I,
    Electroencephalogr. Clin. Neurophysiol. 103: 499-515.

    Examples
    --------
    Each left channel a copy of its right mirror (coherence 1), against independent seeded noise
    (about 1/49 for the 49 segments of 50 s):
    >>> import numpy as np
    >>> from hms_features.signal.montage import MIRROR_PAIRS
    >>> noise = np.random.default_rng(0).standard_normal((18, 5000))
    >>> copied = noise.copy()
    >>> copied[[left for left, _ in MIRROR_PAIRS]] = noise[[right for _, right in MIRROR_PAIRS]]
    >>> freqs, coh = mirror_coherence(copied, 100.0)
    >>> _, unrelated = mirror_coherence(noise, 100.0)
    >>> print(round(float(coh.mean()), 3), round(float(unrelated.mean()), 2))
    1.0 0.02
    """
    seconds = min(segment_seconds, x.shape[1] / fs)
    spectra = segment_spectra(x, fs, seconds, overlap)
    return spectra.freqs, mirror_coherence_from_spectra(spectra.spec)


def mirror_coherence_from_spectra(spec: np.ndarray, power: np.ndarray | None = None) -> np.ndarray:
    """:func:`mirror_coherence` from the segment spectra (18, n_segments, n_freqs) of the 18
    channels and, when already computed, their ``|spec|^2``; shape (8, n_freqs), 0-1.

    Examples
    --------
    >>> import numpy as np
    >>> from hms_features.signal.psd import segment_spectra
    >>> x = np.random.default_rng(0).standard_normal((18, 5000))
    >>> spectra = segment_spectra(x, 100.0, 2.0, 0.5)
    >>> coh = mirror_coherence_from_spectra(spectra.spec)
    >>> bool(np.allclose(coh, mirror_coherence(x, 100.0)[1]))
    True
    """
    left, right = (None, None) if power is None else (power[MIRROR_LEFT], power[MIRROR_RIGHT])
    return coherence_from_spectra(spec[MIRROR_LEFT], spec[MIRROR_RIGHT], left, right)


def correlation_matrix(x: np.ndarray) -> np.ndarray:
    """Pearson correlation matrix of the rows of ``x``; 0 for flat rows.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals (any unit).

    Returns
    -------
    ndarray, shape (n_channels, n_channels)
        -1 to 1.

    References
    ----------
    :func:`numpy.corrcoef` (which gives NaN for flat rows); mne-features
    ``compute_correlation_coefficients``.

    Examples
    --------
    >>> import numpy as np
    >>> sine = np.sin(2 * np.pi * np.arange(1000) / 50.0)
    >>> np.round(correlation_matrix(np.vstack([sine, -2.0 * sine, np.zeros(1000)])), 3)
    array([[ 1., -1.,  0.],
           [-1.,  1.,  0.],
           [ 0.,  0.,  0.]])
    """
    xc = x - x.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", xc, xc))
    ok = norm > 0
    xn = xc / np.where(ok, norm, 1.0)[:, None]
    r = xn @ xn.T
    r[~ok, :] = 0.0
    r[:, ~ok] = 0.0
    return np.clip(r, -1.0, 1.0)


def involved(values: np.ndarray, fraction: float = 0.5, percentile: float = 90.0) -> np.ndarray:
    """Which channels are "involved": value at least ``fraction`` of the ``percentile``-th
    percentile of ``values`` (robust to one artefactual channel); none when that reference is 0.

    Parameters
    ----------
    values : ndarray, shape (n_channels,)
        A non-negative per-channel quantity (band power in uV^2, line length in uV per sample).
    fraction, percentile : float
        The threshold, as a fraction (0-1) of the reference percentile (0-100).

    Returns
    -------
    ndarray of bool, shape (n_channels,)

    Examples
    --------
    A focal pattern on 4 of 16 channels against a generalized one on all 16:

    >>> import numpy as np
    >>> focal = np.r_[np.full(4, 10.0), np.full(12, 1.0)]
    >>> int(involved(focal).sum()), int(involved(np.full(16, 5.0)).sum())
    (4, 16)
    """
    ref = select_percentiles(np.asarray(values, dtype=np.float64)[None, :], [percentile])[0, 0]
    if not ref > 0:
        return np.zeros(values.size, dtype=bool)
    return values >= fraction * ref


def range_weights(freqs: np.ndarray, ranges: tuple[tuple[float, float, bool], ...]) -> np.ndarray:
    """Averaging weights (n_ranges, n_freqs): row k is 1/count on the bins of range k.

    Each range is ``(lo, hi, inclusive)`` in Hz (``lo <= f <= hi`` if inclusive else
    ``lo <= f < hi``); an empty range gets all-zero weights (its mean is then 0). A spectrum
    times the transposed weights gives its mean over each range (cached per grid and ranges).

    Examples
    --------
    >>> import numpy as np
    >>> range_weights(np.arange(6.0), ((1.0, 3.0, False), (4.0, 5.0, True), (9.0, 10.0, True)))
    array([[0. , 0.5, 0.5, 0. , 0. , 0. ],
           [0. , 0. , 0. , 0. , 0.5, 0.5],
           [0. , 0. , 0. , 0. , 0. , 0. ]])
    """
    freqs = np.ascontiguousarray(freqs, dtype=np.float64)
    return _range_weights(freqs.tobytes(), tuple(ranges)).copy()


@lru_cache(maxsize=32)
def _range_weights(freqs_bytes: bytes, ranges: tuple) -> np.ndarray:
    freqs = np.frombuffer(freqs_bytes, dtype=np.float64)
    w = np.zeros((len(ranges), freqs.size))
    for k, (lo, hi, inclusive) in enumerate(ranges):
        sel = (freqs >= lo) & ((freqs <= hi) if inclusive else (freqs < hi))
        if sel.any():
            w[k, sel] = 1.0 / sel.sum()
    return w
