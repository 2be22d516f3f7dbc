"""Amplitude and waveform-shape quantities of each channel: line length, moments, robust
peak-to-peak, zero crossings and Teager-Kaiser energy.

Every function takes signals ``x`` of shape ``(n_channels, n_times)`` in microvolts and returns
one value per channel, shape ``(n_channels,)``. A channel whose standard deviation is below
:data:`FLAT_MICROVOLTS` (flat or entirely missing) gets the neutral value 0 for every shape
quantity (kurtosis, skewness, crossing rate), so that no NaN can appear. These are the plain
numpy definitions; :func:`hms_features.kernels.channel_pass.time_values` computes all of them
(and the spike rate) in one compiled visit per channel.
"""

from __future__ import annotations

import numpy as np

from hms_features.kernels.percentiles import select_percentiles

#: A channel with a standard deviation below this (microvolts) is treated as flat.
FLAT_MICROVOLTS: float = 1e-6


def flat_channels(x: np.ndarray) -> np.ndarray:
    """Boolean mask (n_channels,) of channels whose standard deviation is below
    :data:`FLAT_MICROVOLTS`.

    Examples
    --------
    >>> import numpy as np
    >>> flat_channels(np.vstack([np.zeros(100), np.sin(np.arange(100.0))]))
    array([ True, False])
    """
    return np.std(x, axis=-1) < FLAT_MICROVOLTS


def line_length(x: np.ndarray) -> np.ndarray:
    """Line length: mean absolute first difference, ``mean(|x[n+1] - x[n]|)``.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        Microvolts per sample (divide by the sample period, 5 ms at 200 Hz, for uV/s).

    References
    ----------
    Esteller et al. (2001), Line length: an efficient feature for seizure onset detection,
    IEEE EMBS; mne-features ``compute_line_length`` (which sums instead of averaging).

    Examples
    --------
    A 5 Hz sine of amplitude 30 uV at 200 Hz: the mean step is ``(2/pi) 2 A sin(pi f / fs)``.

    >>> import numpy as np
    >>> t = np.arange(10_000) / 200.0
    >>> x = 30.0 * np.sin(2 * np.pi * 5.0 * t)[None, :]
    >>> print(round(float(line_length(x)[0]), 2), round(4 / np.pi * 30.0 * np.sin(np.pi / 40), 2))
    3.0 3.0
    """
    return np.mean(np.abs(np.diff(x, axis=-1)), axis=-1)


def standardised_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard deviation (uV), biased skewness ``m3 / m2**1.5`` and Fisher kurtosis
    ``m4 / m2**2 - 3`` of each channel (central moments ``m_k``, divided by ``n``).

    Skewness and kurtosis are 0 for flat channels.

    Examples
    --------
    >>> import numpy as np
    >>> std, skew, kurt = standardised_moments(np.array([[1.0, -1.0, 1.0, -1.0]]))
    >>> print(float(std[0]), float(skew[0]), float(kurt[0]))
    1.0 0.0 -2.0
    """
    n = x.shape[-1]
    d = x - x.mean(axis=-1, keepdims=True)
    d2 = d * d
    m2 = d2.sum(axis=-1) / n
    m3 = np.einsum("ij,ij->i", d2, d) / n
    m4 = np.einsum("ij,ij->i", d2, d2) / n
    return moments_from_central(m2, m3, m4)


def moments_from_central(
    m2: np.ndarray, m3: np.ndarray, m4: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard deviation, skewness and kurtosis from the 2nd-4th central moments (uV^2, uV^3,
    uV^4); skewness and kurtosis are 0 for flat channels (``m2 <= FLAT_MICROVOLTS**2``).

    Examples
    --------
    Gaussian moments (``m4 = 3 m2**2``) give zero excess kurtosis:

    >>> import numpy as np
    >>> std, skew, kurt = moments_from_central(np.array([4.0]), np.array([0.0]), np.array([48.0]))
    >>> print(float(std[0]), float(skew[0]), float(kurt[0]))
    2.0 0.0 0.0
    """
    ok = m2 > FLAT_MICROVOLTS**2
    safe = np.where(ok, m2, 1.0)
    skew = np.where(ok, m3 / safe**1.5, 0.0)
    kurt = np.where(ok, m4 / safe**2 - 3.0, 0.0)
    return np.sqrt(m2), skew, kurt


def kurtosis(x: np.ndarray) -> np.ndarray:
    """Fisher (excess) kurtosis ``m4 / m2**2 - 3`` per channel (biased moments).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        Dimensionless: 0 for Gaussian noise, -1.5 for a sine, large for spiky or bursty
        signals; 0 for a flat channel.

    References
    ----------
    :func:`scipy.stats.kurtosis` (its defaults ``fisher=True, bias=True``); mne-features
    ``compute_kurtosis``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(10_000) / 200.0
    >>> noise = np.random.default_rng(0).standard_normal(10_000)
    >>> x = np.vstack([np.sin(2 * np.pi * 4.0 * t), noise])
    >>> np.round(kurtosis(x), 1) + 0.0
    array([-1.5,  0. ])
    """
    return standardised_moments(x)[2]


def skewness(x: np.ndarray) -> np.ndarray:
    """Skewness ``m3 / m2**1.5`` per channel (biased moments).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        Dimensionless; positive when sharp upward deflections dominate; 0 for a flat channel.

    References
    ----------
    :func:`scipy.stats.skew` (``bias=True``); mne-features ``compute_skewness``.

    Examples
    --------
    A spike train (a 1 uV spike every 50 samples) is strongly right-skewed; a sine is not:

    >>> import numpy as np
    >>> spikes = (np.arange(10_000) % 50 == 0).astype(float)
    >>> sine = np.sin(2 * np.pi * np.arange(10_000) / 40.0)
    >>> np.round(skewness(np.vstack([spikes, sine])), 3)
    array([6.857, 0.   ])
    """
    return standardised_moments(x)[1]


def robust_peak_to_peak(x: np.ndarray, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    """Robust peak-to-peak amplitude: ``percentile(x, high) - percentile(x, low)``.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    low, high : float
        Percentiles (0-100) of the trough and the peak.

    Returns
    -------
    ndarray, shape (n_channels,)
        Microvolts (about 4.65 standard deviations for Gaussian noise).

    Examples
    --------
    Seeded white noise of 10 uV standard deviation:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(0.0, 10.0, (1, 100_000))
    >>> print(round(float(robust_peak_to_peak(x)[0]), 1))
    46.8
    """
    lo, hi = select_percentiles(x, [low, high])
    return hi - lo


def zero_crossing_rate(x: np.ndarray, fs: float, about_mean: bool = True) -> np.ndarray:
    """Number of sign changes per second.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate in Hz.
    about_mean : bool
        Count crossings of the channel's mean (the mean-crossing rate) rather than of 0 uV. After
        a 0.5 Hz high-pass both are nearly the same; the mean version ignores any residual offset.

    Returns
    -------
    ndarray, shape (n_channels,)
        Crossings per second (1/s; a sine of f Hz gives 2 f); 0 for a flat channel.

    References
    ----------
    mne-features ``compute_zero_crossings`` (a count, not a rate).

    Examples
    --------
    A 7.3 Hz sine with a 3 uV offset, 50 s at 200 Hz:

    >>> import numpy as np
    >>> t = np.arange(10_000) / 200.0
    >>> x = 10.0 * np.sin(2 * np.pi * 7.3 * t + 0.1)[None, :] + 3.0
    >>> print(round(float(zero_crossing_rate(x, 200.0)[0]), 1))
    14.6
    """
    return np.where(flat_channels(x), 0.0, _crossing_rate(x, fs, about_mean))


def _crossing_rate(x: np.ndarray, fs: float, about_mean: bool = True) -> np.ndarray:
    neg = np.signbit(x - x.mean(axis=-1, keepdims=True) if about_mean else x)
    crossings = np.count_nonzero(neg[:, 1:] != neg[:, :-1], axis=-1)
    return crossings / (x.shape[-1] / fs)


def nonlinear_energy(x: np.ndarray) -> np.ndarray:
    """Mean Teager-Kaiser energy ``mean(x[n]**2 - x[n-1] * x[n+1])``.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.

    Returns
    -------
    ndarray, shape (n_channels,)
        uV^2. For a sine ``A sin(2 pi f n / fs)`` it equals ``A**2 sin(2 pi f / fs)**2``: it grows
        with both amplitude and frequency.

    References
    ----------
    Kaiser (1990), On a simple algorithm to calculate the 'energy' of a signal, ICASSP;
    mne-features ``compute_teager_kaiser_energy``.

    Examples
    --------
    >>> import numpy as np
    >>> n = np.arange(10_000)
    >>> x = 20.0 * np.sin(2 * np.pi * 10.0 * n / 200.0)[None, :]
    >>> print(round(float(nonlinear_energy(x)[0]), 3), round(400 * np.sin(np.pi / 10) ** 2, 3))
    38.197 38.197
    """
    return np.mean(x[:, 1:-1] ** 2 - x[:, :-2] * x[:, 2:], axis=-1)
