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


def electrode_reasons(
    eeg: np.ndarray, codes: np.ndarray, amplitude_ok: np.ndarray | None = None
) -> np.ndarray:
    """Why each scalp electrode of one window is bad (object array (19,), ``""`` when good).

    Parameters
    ----------
    eeg : ndarray (n, >= 19)
        The window in microvolts, canonical order, NaN where missing (extra columns ignored).
    codes : ndarray (n, 19) uint8
        The reader's flags (:data:`~hms_features.data.recording.FLAT`, ...,
        :data:`~hms_features.data.recording.OUTSIDE`).
    amplitude_ok : ndarray (19,) of bool, optional
        Electrodes whose amplitude is already known to pass (:func:`amplitude_screen`); the
        amplitude rule is computed for the others only.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(0, 20, (2000, 19)); x[:, 3] = np.nan
    >>> codes = np.zeros((2000, 19), np.uint8); codes[:, 3] = 1
    >>> x[:, 5] *= 1e-4
    >>> [(SCALP_CHANNELS[i], r) for i, r in enumerate(electrode_reasons(x, codes)) if r]
    [('P3', 'flat'), ('T3', 'amplitude below 0.5 uV')]
    """
    n_in = np.full(N_SCALP, codes.shape[0])
    share = {c: np.zeros(N_SCALP) for c in (FLAT, OUT_OF_RANGE, SATURATED)}
    if codes.any():  # most windows carry no flag: the counts are skipped
        n_in = n_in - np.count_nonzero(codes == OUTSIDE, axis=0)
        for c in share:
            share[c] = np.count_nonzero(codes == c, axis=0) / np.maximum(n_in, 1)
    low, high = np.zeros(N_SCALP, bool), np.zeros(N_SCALP, bool)
    todo = np.arange(N_SCALP) if amplitude_ok is None else np.flatnonzero(~amplitude_ok)
    if todo.size:
        low[todo], high[todo] = amplitude_out_of_range(eeg[:, todo])
    out = np.full(N_SCALP, "", dtype=object)
    rules = (  # the first that applies names the electrode
        (share[FLAT] > BAD_SHARE, "flat"),
        (share[OUT_OF_RANGE] > BAD_SHARE, "out of range"),
        (share[SATURATED] > SATURATED_SHARE, "saturated"),
        (low, f"amplitude below {LOW_MICROVOLTS:g} uV"),
        (high, f"amplitude above {HIGH_MICROVOLTS:g} uV"),
    )
    for hit, reason in reversed(rules):
        out[hit & (n_in >= MIN_SAMPLES)] = reason
    return out


def median_absolute_deviation(x: np.ndarray) -> np.ndarray:
    """Median absolute deviation from the median of each column of ``x`` (n, k), NaN ignored
    (NaN for a column with fewer than :data:`MIN_SAMPLES` finite samples); units of ``x``.

    The reference definition of :func:`amplitude_out_of_range`, as ``np.nanmedian`` in float64.

    >>> float(median_absolute_deviation(np.array([[1.0], [2.0], [4.0], [np.nan]] * 200))[0])
    1.0
    """
    scalp = np.asarray(x, dtype=np.float64)
    amp = np.full(scalp.shape[1], np.nan)
    enough = np.isfinite(scalp).sum(axis=0) >= MIN_SAMPLES
    if enough.any():
        sub = scalp[:, enough]
        amp[enough] = np.nanmedian(np.abs(sub - np.nanmedian(sub, axis=0)), axis=0)
    return amp


def _median_rows(rows: np.ndarray) -> np.ndarray:
    """Median of each row of ``rows`` (k, n) without NaN, as ``np.median`` gives it in float64:
    the middle value, or the mean of the two middle values (one ``np.partition``, which selects
    exactly in the input's precision)."""
    n = rows.shape[1]
    half = n // 2
    if n % 2:
        return np.partition(rows, half, axis=1)[:, half].astype(np.float64)
    part = np.partition(rows, [half - 1, half], axis=1)
    return (part[:, half - 1].astype(np.float64) + part[:, half]) / 2


def amplitude_out_of_range(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bool (k,) each: the :func:`median_absolute_deviation` of each column of ``x`` (n, k)
    in microvolts is below :data:`~hms_features.data.recording.LOW_MICROVOLTS`, or above
    :data:`~hms_features.data.recording.HIGH_MICROVOLTS` (False for a column with too few
    samples): the same answers, at under half the cost.

    Columns without NaN take one ``np.partition`` for the median; the deviations are then
    only counted against the two limits: when fewer than half of them minus one lie below the
    low limit (above the high one), the median deviation cannot (both middle order statistics
    lie beyond the limit, and so does their mean, exactly, in floating point). The few columns
    where the count leaves it open, or that hold NaN, take the reference computation.

    >>> x = np.random.default_rng(0).normal(0, 20, (2000, 3)); x[:, 1] *= 1e-4; x[:, 2] *= 1e3
    >>> [v.tolist() for v in amplitude_out_of_range(x)]
    [[False, True, False], [False, False, True]]
    """
    n, k = x.shape
    low, high = np.zeros(k, bool), np.zeros(k, bool)
    finite = np.isfinite(x).all(axis=0)
    fast = np.flatnonzero(finite) if n >= MIN_SAMPLES else np.empty(0, np.int64)
    slow = np.flatnonzero(~finite)
    if fast.size:
        rows = np.ascontiguousarray(np.asarray(x).T[fast])
        med = _median_rows(rows)
        dev = np.abs(rows.astype(np.float64) - med[:, None])
        # the median deviation is below LOW only if at least n/2 - 1 deviations are, and above
        # HIGH only if at least n/2 - 1 are: decide the others without it
        open_low = 2 * (dev < LOW_MICROVOLTS).sum(axis=1) >= n - 2
        open_high = 2 * (dev > HIGH_MICROVOLTS).sum(axis=1) >= n - 2
        for j in np.flatnonzero(open_low | open_high):
            mad = np.median(dev[j])
            low[fast[j]], high[fast[j]] = mad < LOW_MICROVOLTS, mad > HIGH_MICROVOLTS
    if slow.size:
        with np.errstate(invalid="ignore"):
            amp = median_absolute_deviation(np.asarray(x)[:, slow])
        low[slow], high[slow] = amp < LOW_MICROVOLTS, amp > HIGH_MICROVOLTS
    return low, high


#: Samples (200 Hz) of the sub-blocks whose statistics :func:`amplitude_screen` shares between
#: overlapping windows (1 s).
SCREEN_SAMPLES: int = 200
#: Sub-blocks whose statistics are computed at once (bounds the screen's memory: ~1 MB).
_SCREEN_CHUNK: int = 64


def amplitude_screen(x: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Which electrodes of each window ``x[s : s + n]`` certainly pass the amplitude rule, bool
    (n_windows, 19): their median absolute deviation is neither below
    :data:`~hms_features.data.recording.LOW_MICROVOLTS` nor above
    :data:`~hms_features.data.recording.HIGH_MICROVOLTS`, decided without a median from
    statistics of 1-s sub-blocks (:data:`SCREEN_SAMPLES`) that overlapping windows share.

    Two sufficient conditions, each exact (False means "not known", and the electrode takes
    :func:`amplitude_out_of_range`):

    - **not above**: every deviation from the median is at most the window's range, so a range
      within the high limit keeps the median deviation within it;
    - **not below**: a median deviation below 0.5 uV puts at least half the window's samples
      in an open interval 1 uV wide (the median +/- 0.5 uV), and then, the window being cut
      into whole sub-blocks, at least half of some sub-block's samples; a sub-block whose
      sorted samples ``s`` keep ``s[i + m/2 - 1] - s[i] >= 1`` uV everywhere has no such
      interval.

    A window off the sub-block grid of the first window, reaching past ``x``, or holding NaN,
    gets all False.

    Parameters
    ----------
    x : ndarray (N, >= 19)
        Microvolts, canonical order (extra columns ignored), NaN where missing.
    starts : ndarray of int
        First sample of each window in ``x``.
    n : int
        Window length in samples.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(0, 20, (14000, 19)).astype(np.float32)
    >>> x[:, 3] = 7.0  # a constant electrode: below the low limit
    >>> ok = amplitude_screen(x, np.array([0, 2000, 4000]), 10000)
    >>> ok.shape, bool(ok[:, 3].any()), bool(np.delete(ok, 3, axis=1).all())
    ((3, 19), False, True)
    """
    from hms_features.data.recording import HIGH_MICROVOLTS, LOW_MICROVOLTS

    starts = np.asarray(starts, dtype=np.int64)
    m = SCREEN_SAMPLES
    out = np.zeros((len(starts), N_SCALP), dtype=bool)
    if not len(starts) or n % m:
        return out
    g0 = int(starts.min())
    on_grid = (starts - g0) % m == 0
    n_sub = max((min(int(starts[on_grid].max()) + n, len(x)) - g0) // m, 0)
    half = -(-m // 2)  # a sub-block holding this many samples in 1 uV could hide a low window
    gap = np.empty((n_sub, N_SCALP))
    lo = np.empty((n_sub, N_SCALP))
    hi = np.empty((n_sub, N_SCALP))
    for c0 in range(0, n_sub, _SCREEN_CHUNK):
        c1 = min(c0 + _SCREEN_CHUNK, n_sub)
        block = np.asarray(x[g0 + c0 * m : g0 + c1 * m, :N_SCALP], dtype=np.float64)
        rows = np.sort(block.reshape(c1 - c0, m, N_SCALP), axis=1)  # NaN sort last
        gap[c0:c1] = (rows[:, half - 1 :] - rows[:, : m - half + 1]).min(axis=1)
        lo[c0:c1], hi[c0:c1] = rows[:, 0], rows[:, -1]
    # a margin far above float64 rounding at these amplitudes keeps both conditions exact
    sparse = gap >= 2 * LOW_MICROVOLTS + 1e-6
    k = n // m
    for w in np.flatnonzero(on_grid & (starts + n <= g0 + n_sub * m)):
        b = (int(starts[w]) - g0) // m
        span = hi[b : b + k].max(axis=0) - lo[b : b + k].min(axis=0)  # NaN with any NaN
        out[w] = sparse[b : b + k].all(axis=0) & (span <= HIGH_MICROVOLTS - 1e-6)
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
