"""Discrete wavelet transform energies: how the signal energy spreads over octave bands.

A ``level``-level DWT (:func:`pywt.wavedec`, periodization mode, all channels at once) splits a
signal sampled at ``fs`` into the approximation ``a<level>`` (0 to ``fs / 2**(level+1)`` Hz)
and the details ``d<j>`` (``fs / 2**(j+1)`` to ``fs / 2**j`` Hz). The energy of a level is the
sum of its squared coefficients; with an orthogonal wavelet in periodization mode the level
energies add up (approximately, the signal length not being a power of two) to ``sum(x**2)``.
"""

from __future__ import annotations

import numpy as np
import pywt

from hms_features.constants import FS
from hms_features.kernels.utils import safe_divide

#: Signal extension mode of the transform.
MODE: str = "periodization"
#: Below this total energy (uV^2) a channel is treated as flat.
FLAT_ENERGY: float = 1e-12


def level_names(level: int = 6) -> tuple[str, ...]:
    """Names of the coefficient arrays of :func:`pywt.wavedec`, in its order: a6, d6, ..., d1.

    Examples
    --------
    >>> level_names(3)
    ('a3', 'd3', 'd2', 'd1')
    """
    return (f"a{level}",) + tuple(f"d{j}" for j in range(level, 0, -1))


def level_band(name: str, fs: float = FS) -> tuple[float, float]:
    """Nominal frequency band (Hz) of a DWT level such as ``'d4'`` or ``'a6'``.

    Examples
    --------
    >>> level_band("d4", 200.0), level_band("a6", 200.0)
    ((6.25, 12.5), (0.0, 1.5625))
    """
    j = int(name[1:])
    if name[0] == "a":
        return 0.0, fs / 2 ** (j + 1)
    return fs / 2 ** (j + 1), fs / 2**j


def dwt_energies(
    x: np.ndarray, wavelet: str = "db4", level: int = 6, dtype: type = np.float64
) -> np.ndarray:
    """Energy (sum of squared coefficients) of each DWT level.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Signals in microvolts.
    wavelet, level : str, int
        Wavelet name and decomposition depth for :func:`pywt.wavedec`.
    dtype : numpy dtype
        Precision of the transform; the family uses float32 (about 1.5x faster, relative
        energies accurate to ~1e-5), energies are always summed in float64.

    Returns
    -------
    ndarray, shape (n_channels, level + 1)
        uV^2, levels in :func:`level_names` order (a6, d6, d5, ..., d1).

    References
    ----------
    Mallat (1989), A theory for multiresolution signal decomposition: the wavelet
    representation, IEEE PAMI 11: 674-693; PyWavelets (:func:`pywt.wavedec`); mne-features
    ``compute_energy_freq_bands`` computes band energies the same way from a filter bank.

    Examples
    --------
    A 10 Hz sine at 200 Hz puts its energy (``sum(x**2)``, 5000 uV^2) in d4 (6.25-12.5 Hz):

    >>> import numpy as np
    >>> x = np.sin(2 * np.pi * 10.0 * np.arange(10_000) / 200.0)[None, :]
    >>> e = dwt_energies(x)
    >>> level_names()[int(e.argmax())], round(float(e.sum()))
    ('d4', 5000)
    """
    coeffs = pywt.wavedec(np.asarray(x, dtype=dtype), wavelet, mode=MODE, level=level, axis=-1)
    return np.stack([np.einsum("ij,ij->i", c, c, dtype=np.float64) for c in coeffs], axis=-1)


def relative_energies(energies: np.ndarray) -> np.ndarray:
    """Level energies over their sum, shape unchanged; rows without energy become 0.

    Examples
    --------
    >>> import numpy as np
    >>> relative_energies(np.array([[1.0, 3.0], [0.0, 0.0]]))
    array([[0.25, 0.75],
           [0.  , 0.  ]])
    """
    return safe_divide(energies, energies.sum(axis=-1, keepdims=True), FLAT_ENERGY)


def dwt_relative_energies(x: np.ndarray, wavelet: str = "db4", level: int = 6) -> np.ndarray:
    """Relative energy of each DWT level (a6, d6, ..., d1), shape (n_channels, level + 1), 0-1.

    Examples
    --------
    Seeded white noise spreads its energy as the bandwidths: half in d1 (50-100 Hz at 200 Hz):

    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((1, 10_000))
    >>> np.round(dwt_relative_energies(x), 2)
    array([[0.02, 0.02, 0.03, 0.07, 0.12, 0.24, 0.51]])
    """
    return relative_energies(dwt_energies(x, wavelet, level))
