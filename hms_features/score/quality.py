"""Quality of each scored window, electrode by electrode.

ICU recordings routinely have one electrode disconnected (a flat line, often exactly 0),
clipped at the amplifier's rails, or far outside what EEG can be. Such an electrode must not
void the window (the other 18 still show the brain), nor be read as brain activity. For each
50-s window and each of the 19 scalp electrodes, from the samples inside the recording
(:meth:`~hms_features.data.recording.RecordingReader.read` with ``flags=True``):

- **flat**: more than :data:`BAD_SHARE` of the samples in constant runs of 1 s or more;
- **out of range**: more than :data:`BAD_SHARE` beyond +/- 5,000 uV;
- **saturated**: more than :data:`SATURATED_SHARE` at the header's physical limits (clipped);
- **amplitude below 0.5 uV** / **above 1000 uV**: the median absolute deviation of the
  remaining samples (:data:`~hms_features.data.recording.LOW_MICROVOLTS`,
  :data:`~hms_features.data.recording.HIGH_MICROVOLTS`): a disconnected electrode picking up
  nothing, or drift and mains hum, not EEG.

A bad electrode is missing for the whole window: before the features are computed it is
replaced by the mean of its good neighbours in the double banana (the electrodes it forms a
bipolar chain with, so that region and whole-head values rest on measured signal), and the
features of the bipolar chains it belongs to are set to NaN afterwards (LightGBM's path for a
missing value: the model does not read the stand-in as that chain's activity).

``missing_fraction`` is the share of missing (electrode, sample) cells of the window: NaN
samples, time outside the recording, and every sample of a bad electrode. One disconnected
electrode is 1/19 = 5% of the cells, not the whole window.

A window is **usable** (quality ``ok``) when ``missing_fraction`` <= :data:`POOR_MISSING` and each
of the four regions (LL, RL, LP, RP) keeps at least :data:`MIN_REGION_CHAINS` of its four
chains with both electrodes good: the model's regional features (power, asymmetry, the
regional spectrograms) and every left-right comparison then still rest on at least half of
their measured chains, as in a window where a region loses one electrode of its four (two
chains). Poorer windows are scored and shown but never merged into events, and burdens are
averaged over usable windows only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from hms_features.constants import SCALP_CHANNELS
from hms_features.data.recording import (
    FLAT,
    HIGH_MICROVOLTS,
    LOW_MICROVOLTS,
    OUT_OF_RANGE,
    OUTSIDE,
    SATURATED,
)
from hms_features.signal.montage import ANODES, BIPOLAR_NAMES, CATHODES, REGIONS

#: An electrode flat or out of range on more than this share of its window is bad.
BAD_SHARE: float = 0.5
#: An electrode saturated on more than this share of its window is bad.
SATURATED_SHARE: float = 0.05
#: A window with more than this share of missing (electrode, sample) cells is ``poor``.
POOR_MISSING: float = 0.5
#: Intact chains (both electrodes good) each region needs for a usable window (of 4).
MIN_REGION_CHAINS: int = 2
#: Fewest in-recording samples (200 Hz) an electrode needs for a verdict (2 s).
MIN_SAMPLES: int = 400

N_SCALP = len(SCALP_CHANNELS)


def electrode_reasons(eeg: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Why each scalp electrode of one window is bad (object array (19,), ``""`` when good).

    Parameters
    ----------
    eeg : ndarray (n, >= 19)
        The window in microvolts, canonical order, NaN where missing (extra columns ignored).
    codes : ndarray (n, 19) uint8
        The reader's flags (:data:`~hms_features.data.recording.FLAT`, ...,
        :data:`~hms_features.data.recording.OUTSIDE`).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(0, 20, (2000, 19)); x[:, 3] = np.nan
    >>> codes = np.zeros((2000, 19), np.uint8); codes[:, 3] = 1
    >>> x[:, 5] *= 1e-4
    >>> [(SCALP_CHANNELS[i], r) for i, r in enumerate(electrode_reasons(x, codes)) if r]
    [('P3', 'flat'), ('T3', 'amplitude below 0.5 uV')]
    """
    scalp = np.asarray(eeg[:, :N_SCALP], dtype=np.float64)
    inside = codes != OUTSIDE
    n_in = inside.sum(axis=0)
    share = {c: (codes == c).sum(axis=0) / np.maximum(n_in, 1) for c in (FLAT, OUT_OF_RANGE,
                                                                         SATURATED)}  # fmt: skip
    valid = np.isfinite(scalp)
    with np.errstate(invalid="ignore"):
        x = np.where(valid, scalp, np.nan)
        enough = valid.sum(axis=0) >= MIN_SAMPLES
        amp = np.full(N_SCALP, np.nan)
        if enough.any():
            sub = x[:, enough]
            amp[enough] = np.nanmedian(np.abs(sub - np.nanmedian(sub, axis=0)), axis=0)
    out = np.full(N_SCALP, "", dtype=object)
    rules = (  # the first that applies names the electrode
        (share[FLAT] > BAD_SHARE, "flat"),
        (share[OUT_OF_RANGE] > BAD_SHARE, "out of range"),
        (share[SATURATED] > SATURATED_SHARE, "saturated"),
        (amp < LOW_MICROVOLTS, f"amplitude below {LOW_MICROVOLTS:g} uV"),
        (amp > HIGH_MICROVOLTS, f"amplitude above {HIGH_MICROVOLTS:g} uV"),
    )
    for hit, reason in reversed(rules):
        out[hit & (n_in >= MIN_SAMPLES)] = reason
    return out


def missing_cells(eeg: np.ndarray, bad: np.ndarray) -> float:
    """Share of missing (electrode, sample) cells of a window: NaN samples of the 19 scalp
    electrodes, and every sample of a ``bad`` electrode (bool (19,)); 0-1."""
    cells = ~np.isfinite(eeg[:, :N_SCALP])
    cells[:, np.asarray(bad, bool)] = True
    return float(cells.mean())


def intact_chains(bad: np.ndarray) -> np.ndarray:
    """Bool (18,): bipolar chains of :data:`~hms_features.signal.montage.BIPOLAR_NAMES` whose
    electrodes are both good."""
    bad = np.asarray(bad, bool)
    return ~(bad[ANODES] | bad[CATHODES])


def usable(missing: float, bad: np.ndarray) -> bool:
    """The window's quality is ``ok`` (see the module docstring)."""
    chains = intact_chains(bad)
    regions_ok = all(chains[list(idx)].sum() >= MIN_REGION_CHAINS for idx in REGIONS.values())
    return bool(missing <= POOR_MISSING and regions_ok)


@lru_cache(maxsize=1)
def _neighbours() -> tuple[tuple[int, ...], ...]:
    """Electrodes each scalp electrode forms a bipolar chain with."""
    out: list[set[int]] = [set() for _ in range(N_SCALP)]
    for a, c in zip(ANODES, CATHODES, strict=True):
        out[int(a)].add(int(c))
        out[int(c)].add(int(a))
    return tuple(tuple(sorted(s)) for s in out)


def stand_in(eeg: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """A copy of the window with each bad electrode replaced by the mean of its good
    double-banana neighbours (NaN when it has none); microvolts."""
    out = np.array(eeg, dtype=np.float32, copy=True)
    bad = np.asarray(bad, bool)
    for e in np.flatnonzero(bad):
        good = [n for n in _neighbours()[e] if not bad[n]]
        if good:
            with np.errstate(invalid="ignore"):
                out[:, e] = eeg[:, good].mean(axis=1)
        else:
            out[:, e] = np.nan
    return out


@lru_cache(maxsize=4)
def chain_feature_columns(names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """Positions in ``names`` of the features of each bipolar chain (``<chain>__...``)."""
    return tuple(
        np.array([i for i, n in enumerate(names) if n.startswith(f"{chain}__")], dtype=np.int64)
        for chain in BIPOLAR_NAMES
    )


def blank_bad_chains(features: np.ndarray, names: tuple[str, ...], bad: np.ndarray) -> None:
    """Set the features (one row, in ``names`` order) of every chain with a bad electrode to
    NaN, in place."""
    cols = chain_feature_columns(tuple(names))
    for j in np.flatnonzero(~intact_chains(bad)):
        features[cols[j]] = np.nan


def describe_bad(reasons: np.ndarray) -> str:
    """The ``bad_channels`` cell of a window: ``"O1: flat; T3: saturated"`` ("" when none).

    >>> describe_bad(np.array(["", "flat"] + [""] * 17, dtype=object))
    'F3: flat'
    """
    return "; ".join(f"{SCALP_CHANNELS[i]}: {r}" for i, r in enumerate(reasons) if r)
