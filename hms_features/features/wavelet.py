"""Discrete wavelet transform features: how the signal energy spreads over octave bands.

A 6-level Daubechies-4 DWT (:func:`pywt.wavedec`, periodization mode, all channels at once)
splits each 200 Hz signal into octave bands:

====== ============ ======================
level  band (Hz)    clinical range
====== ============ ======================
D1     50-100       (removed by the 40 Hz low-pass)
D2     25-50        gamma, muscle
D3     12.5-25      beta
D4     6.25-12.5    alpha and fast theta
D5     3.1-6.25     theta
D6     1.6-3.1      delta
A6     0-1.6        slow delta
====== ============ ======================

The family transforms the window's 100 Hz copy (``ctx.x_decimated``, every second sample)
with one level fewer: its levels are the same octaves (its A5 is the 0-1.6 Hz A6 above, its D1
the 25-50 Hz D2) and keep the names of the table; D1 (50-100 Hz), removed by the low-pass
anyway, is absent from the total. This halves the cost; relative energies move by up to
~0.007 (the octave edges of the two transforms fall slightly differently).

The energies are those of :mod:`hms_features.kernels.wavelet`. The energy of a level is the
sum of its squared coefficients (uV^2 summed over coefficients); with an orthogonal wavelet in
periodization mode the level energies add up (approximately, the signal length not being a power
of two) to the signal's energy ``sum(x**2)``. The relative energy of a level is its share of the
total. Region values are computed from the summed level energies
of the region's four chains (as the spectral family uses the region's mean PSD).
A flat channel gets relative energies of 0.
"""

from __future__ import annotations

import numpy as np

from hms_features.features.context import WindowContext
from hms_features.features.registry import CHANNELS_AND_REGIONS, Family, Feature, with_regions
from hms_features.kernels.wavelet import dwt_energies, level_band, level_names, relative_energies
from hms_features.signal.montage import REGIONS

WAVELET: str = "db4"
LEVEL: int = 6
#: Levels emitted as features (the clinically relevant 0-12.5 Hz), and their features' suffixes.
EMITTED_LEVELS: dict[str, str] = {
    "a6": "dwt_a6_rel_energy",
    "d6": "dwt_d6_rel_energy",
    "d5": "dwt_d5_rel_energy",
    "d4": "dwt_d4_rel_energy",
}


def _description(name: str) -> str:
    lo, hi = level_band(name)
    return (
        f"Relative wavelet energy: share of the signal energy in the db4 DWT level "
        f"{name.upper()} ({lo:.3g}-{hi:.3g} Hz) over the 50 s, 0-1"
    )


def _decimated_levels(ctx: WindowContext) -> tuple[np.ndarray, int, int]:
    """Signal, DWT depth and octave shift: the 100 Hz copy with LEVEL - 1 levels when the
    decimation is a power of two, else the full-rate signal with LEVEL levels."""
    shift = int(np.log2(ctx.decimation))
    if 2**shift == ctx.decimation and LEVEL - shift >= 1:
        return ctx.x_decimated, LEVEL - shift, shift
    return ctx.x, LEVEL, 0


def wavelet_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Relative DWT energies of the 0-12.5 Hz levels per channel and per region."""
    x, level, shift = _decimated_levels(ctx)
    energy = dwt_energies(x, WAVELET, level, dtype=np.float32)
    region_energy = np.stack([energy[list(idx)].sum(axis=0) for idx in REGIONS.values()])
    rel = relative_energies(np.vstack([energy, region_energy]))
    n_ch = energy.shape[0]
    # level j of the decimated signal is level j + shift of the full-rate one
    levels = [f"{n[0]}{int(n[1:]) + shift}" for n in level_names(level)]
    out: dict[str, np.ndarray] = {}
    for level_name, suffix in EMITTED_LEVELS.items():
        v = rel[:, levels.index(level_name)]
        out[suffix] = with_regions(v[:n_ch], v[n_ch:])
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
FAMILY = Family(
    "wavelet",
    wavelet_values,
    (
        Feature("dwt_a6_rel_energy", _description("a6"), "0-1", "delta", CHANNELS_AND_REGIONS),
        Feature("dwt_d6_rel_energy", _description("d6"), "0-1", "delta", CHANNELS_AND_REGIONS),
        Feature("dwt_d5_rel_energy", _description("d5"), "0-1", "frequency", CHANNELS_AND_REGIONS),
        Feature("dwt_d4_rel_energy", _description("d4"), "0-1", "frequency", CHANNELS_AND_REGIONS),
    ),
)
