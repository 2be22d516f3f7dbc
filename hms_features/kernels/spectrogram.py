"""Band statistics of the competition's regional spectrograms (10 minutes of 2-s rows).

Input: shape (n_rows, 400): rows of 2 s, columns LL, RL, LP, RP x 100 bins at
:data:`~hms_features.constants.SPEC_FREQS` (0.59-19.92 Hz, 0.195 Hz apart), linear power; NaN
where the recording was zero-padded or missing. A row counts as *valid* for a region when all
100 of that region's bins are finite; invalid rows are left out of every average. Band power of
a row is the sum of its bins in the band times the bin width (spectrogram power units x Hz),
with the bands taken half-open, ``lo <= f < hi``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from hms_features.constants import BANDS, FS, SPEC_FREQS, SPEC_REGIONS, SPEC_WINDOW_ROWS
from hms_features.kernels.utils import safe_divide

#: Bin width of the spectrogram, Hz (200/1024).
SPEC_BIN_HZ: float = FS / 1024
#: Below this power (spectrogram units) a sum counts as zero (ratios and asymmetries give 0).
TINY_POWER: float = 1e-30

_N_BINS = len(SPEC_FREQS)
_N_REGIONS = len(SPEC_REGIONS)


@lru_cache(maxsize=8)
def band_matrix(bands: tuple[str, ...] = ("delta", "theta", "alpha", "beta")) -> np.ndarray:
    """(100 bins, n_bands) matrix of the spectrogram bins: bin width (Hz) where
    ``lo <= f < hi`` of the band (:data:`~hms_features.constants.BANDS`), else 0 (read-only).

    Examples
    --------
    >>> m = band_matrix(("delta", "alpha"))
    >>> m.shape, [int((m[:, b] > 0).sum()) for b in range(2)]
    ((100, 2), [18, 26])
    """
    f = np.asarray(SPEC_FREQS)
    cols = [((f >= BANDS[b][0]) & (f < BANDS[b][1])) * SPEC_BIN_HZ for b in bands]
    out = np.stack(cols, axis=-1).astype(np.float64)
    out.flags.writeable = False
    return out


def spectrogram_band_powers(
    spectrogram: np.ndarray, bands: tuple[str, ...] = ("delta", "theta", "alpha", "beta")
) -> tuple[np.ndarray, np.ndarray]:
    """Band power per row and region, and which rows are valid.

    Parameters
    ----------
    spectrogram : ndarray, shape (n_rows, 400)
        Linear power, columns region-major (LL, RL, LP, RP) x 100 bins; NaN = padding/missing.
    bands : tuple of str
        Band names of :data:`~hms_features.constants.BANDS`.

    Returns
    -------
    band_power : ndarray, shape (n_rows, 4 regions, n_bands)
        Power summed over the band's bins times the bin width (spectrogram units x Hz); 0 on
        invalid rows.
    valid : ndarray of bool, shape (n_rows, 4 regions)
        True where all 100 bins of that region are finite.

    Examples
    --------
    A flat spectrogram of 1 unit per bin, with the first row of LL missing:

    >>> import numpy as np
    >>> s = np.ones((3, 400))
    >>> s[0, :100] = np.nan
    >>> power, valid = spectrogram_band_powers(s, ("delta",))
    >>> np.round(power[:, 0, 0], 3), valid[:, 0]
    (array([0.   , 3.516, 3.516]), array([False,  True,  True]))
    """
    s = np.asarray(spectrogram, dtype=np.float64)
    if s.ndim != 2 or s.shape[1] != _N_REGIONS * _N_BINS:
        raise ValueError(
            f"expected a spectrogram of shape (n_rows, {_N_REGIONS * _N_BINS}) with columns "
            f"LL, RL, LP, RP x {_N_BINS} bins; got shape {s.shape}"
        )
    s = s.reshape(s.shape[0], _N_REGIONS, _N_BINS)
    finite = np.isfinite(s)
    valid = finite.all(axis=-1)
    s = np.where(finite & valid[..., None], np.maximum(s, 0.0), 0.0)
    return s @ band_matrix(tuple(bands)), valid


def _masked_mean(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Mean over axis 0 of ``values`` (rows, regions, ...) restricted to valid rows; 0 if none."""
    w = valid.astype(np.float64)
    n = w.sum(axis=0)
    shape = w.shape + (1,) * (values.ndim - w.ndim)
    total = (values * w.reshape(shape)).sum(axis=0)
    return total / np.maximum(n, 1.0).reshape(n.shape + (1,) * (values.ndim - w.ndim))


def spectrogram_summary(
    spectrogram: np.ndarray | None,
    bands: tuple[str, ...] = ("delta", "theta", "alpha", "beta"),
    center_rows: slice = slice(SPEC_WINDOW_ROWS // 2 - 3, SPEC_WINDOW_ROWS // 2 + 3),
    log_floor: float = 1e-6,
) -> dict[str, np.ndarray]:
    """All per-region band statistics of one spectrogram window.

    Parameters
    ----------
    spectrogram : ndarray, shape (n_rows, 400), or None
        See :func:`spectrogram_band_powers`; None gives zeros everywhere.
    bands : tuple of str
        Band names of :data:`~hms_features.constants.BANDS`.
    center_rows : slice
        The rows of the labelled moment (default 147-152 of 300: seconds 294-306).
    log_floor : float
        Relative floor (fraction of the region's mean power) inside logarithms and ratios.

    Returns
    -------
    dict
        ``mean_10min``, ``mean_center`` (mean band power over all valid rows and over the centre
        rows), ``rel_10min``, ``rel_center`` (their shares of the summed bands, 0-1),
        ``log_ratio`` (log10 centre over all): arrays (4 regions, n_bands); ``log_std`` (standard
        deviation over the valid rows of log10 total power), ``valid_fraction``: arrays
        (4 regions,). 0 where a region has no valid row.

    Examples
    --------
    Ten minutes of a flat spectrogram whose power doubles in the centre rows:

    >>> import numpy as np
    >>> s = np.ones((300, 400))
    >>> s[147:153] = 2.0
    >>> st = spectrogram_summary(s)
    >>> np.round(st["log_ratio"][0], 3), np.round(st["rel_10min"][0], 3)
    (array([0.292, 0.292, 0.292, 0.292]), array([0.18, 0.2 , 0.26, 0.36]))
    """
    zeros = np.zeros((_N_REGIONS, len(bands)))
    if spectrogram is None:
        return {
            "mean_10min": zeros, "mean_center": zeros, "rel_10min": zeros, "rel_center": zeros,
            "log_ratio": zeros, "log_std": zeros[:, 0], "valid_fraction": zeros[:, 0],
        }  # fmt: skip
    bp, valid = spectrogram_band_powers(spectrogram, bands)
    mean_all = _masked_mean(bp, valid)
    mean_c = _masked_mean(bp[center_rows], valid[center_rows])
    tot_all = mean_all.sum(axis=-1, keepdims=True)
    tot_c = mean_c.sum(axis=-1, keepdims=True)
    floor = log_floor * tot_all + TINY_POWER  # per region, scales with the power
    log_ratio = np.log10((mean_c + floor) / (mean_all + floor))
    has_center = valid[center_rows].any(axis=0)[:, None]
    log_ratio = np.where(has_center, log_ratio, 0.0)

    row_total = bp.sum(axis=-1)  # (rows, regions)
    log_tot = np.log10(np.maximum(row_total, floor[:, 0]))
    mu = _masked_mean(log_tot, valid)
    var = _masked_mean((log_tot - mu) ** 2, valid)
    n_valid = valid.sum(axis=0)
    log_std = np.where(n_valid >= 2, np.sqrt(var), 0.0)
    return {
        "mean_10min": mean_all,
        "mean_center": mean_c,
        "rel_10min": safe_divide(mean_all, tot_all, TINY_POWER),
        "rel_center": safe_divide(mean_c, tot_c, TINY_POWER),
        "log_ratio": log_ratio,
        "log_std": log_std,
        "valid_fraction": n_valid / valid.shape[0],
    }
