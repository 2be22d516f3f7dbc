"""The true state of a synthetic EEG: a mixture over the six classes that may drift over time.

A window is rarely a pure textbook pattern. Each EEG gets a primary class, often a secondary,
neighbouring class (LPD shading into LRDA, GPD into GRDA, seizure into periodic discharges,
anything into Other) and a little "Other" background; the mixture proportions ``pi`` (six
numbers summing to 1, in :data:`~hms_features.constants.CLASSES` order) drive both how strongly
each pattern is drawn into the signal and how the simulated raters vote. In some EEGs the share
of the secondary class drifts linearly from the first to the last label window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hms_features.constants import CLASSES

SEIZURE, LPD, GPD, LRDA, GRDA, OTHER = range(6)

#: For each primary class, the relative chance of each secondary class (neighbours in the
#: ACNS terminology, and Other for every class).
SECONDARY_WEIGHTS: dict[int, dict[int, float]] = {
    SEIZURE: {LPD: 3.0, GPD: 2.0, LRDA: 1.0, GRDA: 1.0, OTHER: 2.0},
    LPD: {LRDA: 3.0, GPD: 2.0, SEIZURE: 2.0, OTHER: 3.0},
    GPD: {GRDA: 3.0, LPD: 2.0, SEIZURE: 1.0, OTHER: 3.0},
    LRDA: {LPD: 3.0, GRDA: 2.0, SEIZURE: 1.0, OTHER: 3.0},
    GRDA: {GPD: 3.0, LRDA: 2.0, SEIZURE: 1.0, OTHER: 3.0},
    OTHER: {GRDA: 2.0, LRDA: 2.0, LPD: 1.0, GPD: 1.0, SEIZURE: 1.0},
}


@dataclass(frozen=True)
class ClassState:
    """Mixture proportions of one EEG, possibly drifting between its first and last window.

    ``pi(s) = (1 - u(s) - o) e_primary + u(s) e_secondary + o e_Other`` with
    ``u(s) = share_start + s (share_end - share_start)`` at relative position ``s`` in [0, 1]
    between the EEG's first and last labelled window.

    Attributes
    ----------
    primary, secondary : int
        Class indices (0-5, :data:`~hms_features.constants.CLASSES` order).
    share_start, share_end : float
        Share of the secondary class at the start and end of the EEG (equal when no drift).
    other : float
        Share of unremarkable background ("Other") mixed into a pattern class.
    """

    primary: int
    secondary: int
    share_start: float
    share_end: float
    other: float

    def mixture(self, s: float | np.ndarray) -> np.ndarray:
        """Proportions at relative position(s) ``s`` in [0, 1]: shape (6,) or (len(s), 6)."""
        s = np.clip(np.asarray(s, dtype=float), 0.0, 1.0)
        u = self.share_start + s * (self.share_end - self.share_start)
        pi = np.zeros(s.shape + (len(CLASSES),))
        pi[..., OTHER] += self.other
        pi[..., self.primary] += 1.0 - u - self.other
        pi[..., self.secondary] += u
        return pi

    @property
    def label(self) -> str:
        """Short description, e.g. ``'LPD>LRDA 0.30->0.55'``."""
        a, b = CLASSES[self.primary], CLASSES[self.secondary]
        if self.share_start == self.share_end:
            return f"{a}>{b} {self.share_start:.2f}"
        return f"{a}>{b} {self.share_start:.2f}->{self.share_end:.2f}"


def draw_state(
    rng: np.random.Generator,
    primary: int,
    p_pure: float = 0.5,
    p_drift: float = 0.2,
) -> ClassState:
    """Draw the mixture of one EEG whose primary class is given.

    - With probability ``p_pure`` the secondary share is 0 (a clear pattern), otherwise it is
      ~U(0.1, 0.5) (an edge case between two classes).
    - With probability ``p_drift`` the share drifts to a new value ~U(0, 0.75) by the last
      window (the pattern evolves; the consensus can flip).
    - A pattern class carries an Other share ~U(0, 0.12) (background between discharges,
      stretches without the pattern).
    """
    weights = SECONDARY_WEIGHTS[primary]
    classes = np.array(list(weights))
    p = np.array(list(weights.values()))
    secondary = int(classes[rng.choice(classes.size, p=p / p.sum())])
    other = 0.0 if primary == OTHER else float(rng.uniform(0.0, 0.12))
    start = 0.0 if rng.random() < p_pure else float(rng.uniform(0.1, 0.5))
    end = float(rng.uniform(0.0, 0.75)) if rng.random() < p_drift else start
    room = 1.0 - other
    return ClassState(primary, secondary, min(start, room), min(end, room), other)
