"""Power envelope: the instantaneous power ``|analytic signal|^2`` of a band, down-sampled.

The envelope of a pure sinusoid is constant; each transient (a periodic discharge, sharp or
blunt) makes it peak. :func:`power_envelope` computes it for a band ``low_hz``-``cutoff_hz``
with one real FFT and one short complex inverse FFT per channel; :func:`detection_envelope` is
the same without the slow delta (below 1.5 Hz), on which the discharges of
:mod:`~hms_features.kernels.discharges` are detected.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as sp_fft

from hms_features.kernels.utils import _squared_magnitude


def power_envelope(
    x: np.ndarray,
    fs: float,
    env_fs: float = 50.0,
    cutoff_hz: float = 25.0,
    low_hz: float = 0.0,
) -> np.ndarray:
    """Instantaneous power of the ``low_hz``-``cutoff_hz`` Hz content, sampled at ``env_fs``
    (uV^2).

    The analytic signal ``a`` of ``x`` low-passed at ``cutoff_hz`` (a brick-wall cut in the
    Fourier domain), evaluated every ``D = fs / env_fs`` samples; the envelope is ``|a|^2``. It
    is constant for any pure sinusoid and peaks at each transient, whatever its sharpness. With
    ``x`` truncated to ``n = D * m`` samples and ``X`` its real FFT,
    ``a[D j] = (1 / D) * IFFT_m(h X)[j]`` with ``h = 1`` at 0 Hz, 2 below ``cutoff_hz`` and 0
    above, so one real FFT of length ``n`` and one complex inverse FFT of length ``m`` suffice
    (the one-sided band fits the complex sampling rate ``env_fs >= cutoff_hz`` without aliasing).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs : float
        Sampling rate of ``x`` in Hz (a multiple of ``env_fs``).
    env_fs, cutoff_hz : float
        Envelope sampling rate and low-pass cut-off in Hz (``cutoff_hz <= env_fs``; defaults
        50 and 25 Hz, the periodicity family's).
    low_hz : float
        High-pass cut-off in Hz: ``h = 0`` below it too (0: none, the default).

    Returns
    -------
    ndarray, shape (n_channels, n_times // D)
        ``|a|^2`` in uV^2 (sample ``j`` at time ``j / env_fs`` s).

    References
    ----------
    The analytic signal by the one-sided spectrum: Marple (1999), "Computing the discrete-time
    analytic signal via FFT", IEEE Trans. Signal Process. 47: 2600-2603 (as
    :func:`scipy.signal.hilbert`).

    Examples
    --------
    A 5 Hz sine of amplitude 10 uV (10 s at 100 Hz) has the constant envelope 10^2 = 100 uV^2;
    a 40-ms Gaussian transient of 100 uV at 5 s (on a zero background) makes it peak there.

    >>> import numpy as np
    >>> t = np.arange(1000) / 100.0
    >>> x = np.vstack([10 * np.sin(2 * np.pi * 5 * t), 100 * np.exp(-0.5 * ((t - 5) / 0.02) ** 2)])
    >>> e = power_envelope(x, 100.0)
    >>> e.shape
    (2, 500)
    >>> np.round(e[0, ::100], 6)
    array([100., 100., 100., 100., 100.])
    >>> int(e[1].argmax()) / 50.0  # seconds
    5.0
    """
    a, factor = _analytic_lowpass(x, fs, env_fs, cutoff_hz, low_hz)
    e = np.empty(a.shape)
    _squared_magnitude(a, factor, e)
    return e


def detection_envelope(
    x: np.ndarray,
    fs: float,
    env_fs: float = 50.0,
    cutoff_hz: float = 25.0,
    low_hz: float = 1.5,
) -> np.ndarray:
    """:func:`power_envelope` of the ``low_hz``-``cutoff_hz`` Hz content (default 1.5-25 Hz),
    on which periodic discharges are detected (uV^2).

    Without the slow delta of an encephalopathic background (mostly below 1.5 Hz), which
    would fill the envelope's quiet baseline between discharges; a discharge's sharp phase
    keeps most of its power above 1.5 Hz.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    fs, env_fs, cutoff_hz, low_hz : float
        As for :func:`power_envelope` (Hz).

    Returns
    -------
    ndarray, shape (n_channels, n_times // D)
        uV^2, sample ``j`` at time ``j / env_fs`` s.

    Examples
    --------
    A 0.5 Hz slow wave of 50 uV under a 5 Hz sine of 10 uV (10 s at 100 Hz): the detection
    envelope keeps only the sine's constant 100 uV^2; the full envelope swings with the
    slow wave.

    >>> import numpy as np
    >>> t = np.arange(1000) / 100.0
    >>> x = (50 * np.sin(2 * np.pi * 0.5 * t) + 10 * np.sin(2 * np.pi * 5 * t))[None, :]
    >>> np.round(detection_envelope(x, 100.0)[0, ::100], 6)
    array([100., 100., 100., 100., 100.])
    >>> bool(np.ptp(power_envelope(x, 100.0)) > 1000)
    True
    """
    return power_envelope(x, fs, env_fs, cutoff_hz, low_hz)


def _analytic_lowpass(
    x: np.ndarray, fs: float, env_fs: float, cutoff_hz: float, low_hz: float = 0.0
) -> tuple[np.ndarray, float]:
    """``(b, c)`` with :func:`power_envelope` ``= c * |b|^2``: ``b = IFFT_m(X')``, where ``X'``
    is ``h X / 2`` (bin 0 halved instead of the others doubled: scaling by 2 is exact; bins
    below ``low_hz`` zeroed), and ``c = 4 / D^2`` (1 for the usual ``D = 2``)."""
    spec, m, factor = _analytic_spectrum(x, fs, env_fs, cutoff_hz)
    spec[:, : _bins_below(low_hz, x.shape[1], fs, env_fs)] = 0.0
    b = sp_fft.ifft(spec, n=m, axis=1, overwrite_x=True)  # zero-padded to m
    return b, factor


def _analytic_spectrum(
    x: np.ndarray, fs: float, env_fs: float, cutoff_hz: float
) -> tuple[np.ndarray, int, float]:
    """``(X', m, c)`` of :func:`_analytic_lowpass` before any high-pass: the bins of ``h X / 2``
    below ``cutoff_hz`` (a view), the envelope's length ``m`` and the factor ``c``."""
    step = max(1, int(round(fs / env_fs)))
    m = x.shape[1] // step
    n = m * step
    n_keep = min(m, int(np.ceil(cutoff_hz * n / fs)))  # bins k with k * fs / n < cutoff_hz
    spec = sp_fft.rfft(x[:, :n], axis=1)
    spec[:, 0] *= 0.5
    return spec[:, :n_keep], m, 4.0 / (step * step)


def _bins_below(low_hz: float, n_x: int, fs: float, env_fs: float) -> int:
    """Number of bins ``k`` with ``k * fs / n < low_hz`` in :func:`_analytic_spectrum`."""
    step = max(1, int(round(fs / env_fs)))
    n = (n_x // step) * step
    return int(np.ceil(low_hz * n / fs)) if low_hz > 0 else 0
