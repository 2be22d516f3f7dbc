"""Approximate 10-20 electrode positions and smooth spatial fields over the scalp.

Positions are an azimuthal projection of the 10-20 system on the unit disc seen from above:
x from left (-1) to right (+1), y from the back (-1) to the nose (+1), Cz at the origin and the
temporal electrodes T3/T4 on the rim. Distances are in units of the head radius (~9 cm), so
neighbouring electrodes sit ~0.4-0.6 apart.
"""

from __future__ import annotations

import numpy as np

from hms_features.constants import SCALP_CHANNELS

#: (x, y) of each scalp electrode on the unit disc (left negative, front positive).
POSITIONS: dict[str, tuple[float, float]] = {
    "Fp1": (-0.31, 0.95), "F3": (-0.41, 0.52), "C3": (-0.50, 0.0), "P3": (-0.41, -0.52),
    "F7": (-0.81, 0.59), "T3": (-1.0, 0.0), "T5": (-0.81, -0.59), "O1": (-0.31, -0.95),
    "Fz": (0.0, 0.45), "Cz": (0.0, 0.0), "Pz": (0.0, -0.45),
    "Fp2": (0.31, 0.95), "F4": (0.41, 0.52), "C4": (0.50, 0.0), "P4": (0.41, -0.52),
    "F8": (0.81, 0.59), "T4": (1.0, 0.0), "T6": (0.81, -0.59), "O2": (0.31, -0.95),
}  # fmt: skip

#: Positions as an array (19, 2) in the canonical electrode order.
XY: np.ndarray = np.array([POSITIONS[name] for name in SCALP_CHANNELS])
N_SCALP: int = len(SCALP_CHANNELS)

#: Named locations used as centres of pattern fields (x, y); mirrored by negating x.
FOCI: dict[str, tuple[float, float]] = {
    "temporal": (-0.85, 0.05),
    "frontotemporal": (-0.7, 0.55),
    "centroparietal": (-0.5, -0.3),
    "parasagittal": (-0.45, 0.2),
    "posterior": (-0.55, -0.7),
}
#: Electrode index by name.
INDEX: dict[str, int] = {name: i for i, name in enumerate(SCALP_CHANNELS)}


def gaussian_field(center: tuple[float, float] | np.ndarray, width: float) -> np.ndarray:
    """Weight of a source centred at ``center`` on each electrode.

    ``w_e = exp(-|xy_e - center|^2 / (2 width^2))``, a smooth field of peak 1.

    Parameters
    ----------
    center : (x, y)
        Centre on the unit disc (head radii).
    width : float
        Standard deviation of the field in head radii (0.3 = focal, 1.0 = most of the head).

    Returns
    -------
    ndarray, shape (19,)
    """
    d2 = ((XY - np.asarray(center, dtype=float)) ** 2).sum(axis=1)
    return np.exp(-d2 / (2.0 * width**2))


def mixing_matrix(width: float = 0.35) -> np.ndarray:
    """Volume-conduction kernel mapping 19 cortical sources to 19 electrodes.

    ``K[e, j] = exp(-d_ej^2 / (2 width^2))`` with rows normalised to unit Euclidean norm, so an
    electrode's variance equals that of independent unit-variance sources while neighbouring
    electrodes share most of their signal (correlation ~0.5-0.8 at 0.4-0.5 head radii).
    """
    d2 = ((XY[:, None, :] - XY[None, :, :]) ** 2).sum(axis=2)
    k = np.exp(-d2 / (2.0 * width**2))
    return k / np.linalg.norm(k, axis=1, keepdims=True)


def mirror(center: tuple[float, float], side: str) -> tuple[float, float]:
    """A left-hemisphere focus moved to ``side`` ('left' or 'right')."""
    x, y = center
    return (abs(x), y) if side == "right" else (-abs(x), y)
