"""Bipolar montages of the 10-20 system: the double banana and its four regional chains."""

from __future__ import annotations

import numpy as np

from hms_features.constants import EEG_CHANNELS

#: The four chains of the double banana and the two midline pairs, as (anode, cathode).
CHAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "LL": (("Fp1", "F7"), ("F7", "T3"), ("T3", "T5"), ("T5", "O1")),
    "RL": (("Fp2", "F8"), ("F8", "T4"), ("T4", "T6"), ("T6", "O2")),
    "LP": (("Fp1", "F3"), ("F3", "C3"), ("C3", "P3"), ("P3", "O1")),
    "RP": (("Fp2", "F4"), ("F4", "C4"), ("C4", "P4"), ("P4", "O2")),
    "Z": (("Fz", "Cz"), ("Cz", "Pz")),
}
#: The 18 bipolar pairs in reading order (LL, RL, LP, RP, midline).
BIPOLAR_PAIRS: tuple[tuple[str, str], ...] = tuple(p for chain in CHAINS.values() for p in chain)
BIPOLAR_NAMES: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in BIPOLAR_PAIRS)
#: The four regions of the competition's spectrograms and the indices of their bipolar channels.
REGIONS: dict[str, tuple[int, ...]] = {
    "LL": (0, 1, 2, 3),
    "RL": (4, 5, 6, 7),
    "LP": (8, 9, 10, 11),
    "RP": (12, 13, 14, 15),
}
#: The bipolar channels of each hemisphere's two chains: (left LL+LP, right RL+RP).
HEMISPHERES: tuple[tuple[int, ...], tuple[int, ...]] = (
    REGIONS["LL"] + REGIONS["LP"],
    REGIONS["RL"] + REGIONS["RP"],
)
#: Left-right region pairs: (left, right).
REGION_PAIRS: tuple[tuple[str, str], ...] = (("LL", "RL"), ("LP", "RP"))
#: For each left bipolar channel, the index of its mirror on the right (and vice versa).
MIRROR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (li, ri) for left, right in REGION_PAIRS for li, ri in zip(REGIONS[left], REGIONS[right])
)

#: (4, 18) averaging matrix: row r is the mean of the four channels of region r (REGIONS order).
REGION_MEAN: np.ndarray = np.zeros((len(REGIONS), len(BIPOLAR_PAIRS)))
for _row, _idx in enumerate(REGIONS.values()):
    REGION_MEAN[_row, list(_idx)] = 1.0 / len(_idx)
#: (5, 18): the rows of :data:`REGION_MEAN`, then the mean of all 18 channels (whole head).
REGION_AND_HEAD_MEAN: np.ndarray = np.vstack(
    [REGION_MEAN, np.full((1, len(BIPOLAR_PAIRS)), 1.0 / len(BIPOLAR_PAIRS))]
)

REGION_DESCRIPTIONS: dict[str, str] = {
    "LL": "left temporal chain (Fp1-F7-T3-T5-O1)",
    "RL": "right temporal chain (Fp2-F8-T4-T6-O2)",
    "LP": "left parasagittal chain (Fp1-F3-C3-P3-O1)",
    "RP": "right parasagittal chain (Fp2-F4-C4-P4-O2)",
}

#: Column indices (in EEG_CHANNELS) of each bipolar pair's anode and cathode.
_INDEX = {name: i for i, name in enumerate(EEG_CHANNELS)}
ANODES = np.array([_INDEX[a] for a, _ in BIPOLAR_PAIRS])
CATHODES = np.array([_INDEX[b] for _, b in BIPOLAR_PAIRS])


def bipolar(eeg: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Double-banana bipolar derivations of a referential recording.

    Parameters
    ----------
    eeg : ndarray, shape (n_samples, 20)
        Referential EEG in microvolts, columns in ``EEG_CHANNELS`` order.
    out : ndarray, shape (18, n_samples), optional
        Where to write the result (e.g. a view into a larger work buffer).

    Returns
    -------
    ndarray, shape (18, n_samples)
        ``anode - cathode`` for each pair of :data:`BIPOLAR_NAMES`, in microvolts (float64).
    """
    eeg = np.asarray(eeg)
    if eeg.ndim != 2 or eeg.shape[1] != len(EEG_CHANNELS):
        raise ValueError(
            f"bipolar() expects an array (n_samples, {len(EEG_CHANNELS)}) in the canonical "
            f"channel order; got shape {eeg.shape}"
        )
    # electrodes as contiguous rows: row-wise differences are far faster than column gathers
    rows = np.ascontiguousarray(eeg.T, dtype=np.float64)
    if out is None:
        out = np.empty((len(ANODES), eeg.shape[0]))
    for i, (a, c) in enumerate(zip(ANODES, CATHODES)):
        np.subtract(rows[a], rows[c], out=out[i])
    return out


def channel_side(name: str) -> str:
    """'left', 'right' or 'midline' for a bipolar channel name such as ``'Fp1-F7'``."""
    digits = [c for c in name if c.isdigit()]
    if not digits:
        return "midline"
    return "left" if int(digits[0]) % 2 == 1 else "right"
