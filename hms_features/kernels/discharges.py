"""Periodic-discharge detection on power envelopes, and the peakiness of an envelope.

Discharges are local maxima of a channel's power envelope
(:func:`~hms_features.kernels.envelope.detection_envelope`) standing out of its quiet
background: above an adaptive threshold (:func:`discharge_threshold`, a multiple of a low
percentile of the envelope), or above a lower one where the channel's bipolar chain shares the
peak (:func:`chain_support`). :func:`detect_discharges` marks them, :func:`discharge_statistics`
gives their rate and the regularity of their spacing; :func:`peakiness` tells a peaky envelope
(discharges with quiet between) from a flat one (a continuous rhythm).

The defaults are the periodicity family's (:mod:`hms_features.features.periodicity`), which
passes its own constants explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np


def discharge_threshold(e: np.ndarray, ratio: float = 25.0, percentile: float = 25.0) -> np.ndarray:
    """Adaptive discharge threshold per row: ``ratio`` times the ``percentile``-th percentile of
    the envelope (the quiet background between discharges).

    A low percentile stays on the background even when discharges fill half the window. The
    default 25 x the power is 5 x the amplitude of the quieter background; on Gaussian noise
    (power envelope exponentially distributed) it is exceeded 0.07% of the time.

    Parameters
    ----------
    e : ndarray, shape (n_rows, n)
        Power envelopes, uV^2.

    Returns
    -------
    ndarray, shape (n_rows, 1)
        uV^2.

    Examples
    --------
    >>> import numpy as np
    >>> discharge_threshold(np.arange(101.0)[None, :])
    array([[625.]])
    """
    return ratio * np.percentile(e, percentile, axis=1, keepdims=True)


def detect_discharges(
    e: np.ndarray,
    fs: float,
    min_spacing_s: float = 0.25,
    threshold: np.ndarray | None = None,
    support: np.ndarray | None = None,
    weak_threshold: np.ndarray | None = None,
    support_level: float = 12.0,
) -> np.ndarray:
    """Boolean mask (n_rows, n) of discharges: envelope peaks above an adaptive threshold.

    A sample is a discharge when it is the maximum of the surrounding ``+/- min_spacing_s``,
    strictly greater than the sample before it (so a plateau counts once), and either exceeds
    the row's threshold (:func:`discharge_threshold` by default) or, given ``support``
    (n_rows, n; e.g. :func:`chain_support`), exceeds ``weak_threshold`` where ``support``
    reaches ``support_level``.

    Parameters
    ----------
    e : ndarray, shape (n_rows, n)
        Power envelopes (uV^2) sampled at ``fs`` Hz.
    fs : float
        Hz.
    min_spacing_s : float
        Half-width (s) of the neighbourhood a discharge dominates (default 0.25 s).
    threshold, weak_threshold : ndarray, shape (n_rows, 1) or broadcastable, optional
        uV^2; ``weak_threshold`` applies only with ``support``.
    support : ndarray, shape (n_rows, n), optional
        Dimensionless support of each sample (:func:`chain_support`).
    support_level : float
        Support needed for a peak above ``weak_threshold`` only (default 12).

    Returns
    -------
    ndarray of bool, shape (n_rows, n)

    References
    ----------
    The periodic discharges of the ACNS critical-care EEG terminology (Hirsch et al. 2021,
    J. Clin. Neurophysiol. 38: 1-29): waveforms repeating at nearly regular intervals with
    quiet between.

    Examples
    --------
    A background of 1 uV^2 with a peak of 100 every second (50 Hz, 5 s), one of them a
    two-sample plateau, and a smaller peak of 20 uV^2 (below the default threshold, 25 x the
    background) that a chain's support lets through:

    >>> import numpy as np
    >>> e = np.ones((1, 250))
    >>> e[0, [25, 75, 125, 126, 175]] = 100.0
    >>> e[0, 225] = 20.0
    >>> np.flatnonzero(detect_discharges(e, 50.0))
    array([ 25,  75, 125, 175])
    >>> support = np.where(np.arange(250) == 225, 20.0, 0.0)[None, :]
    >>> mask = detect_discharges(e, 50.0, support=support, weak_threshold=np.array([[10.0]]))
    >>> np.flatnonzero(mask)
    array([ 25,  75, 125, 175, 225])
    """
    thr = discharge_threshold(e) if threshold is None else threshold
    w = max(1, int(round(min_spacing_s * fs)))
    e = np.asarray(e, dtype=np.float64)
    thr = np.broadcast_to(np.asarray(thr, dtype=np.float64), (e.shape[0], 1))[:, 0]
    if support is None or weak_threshold is None:
        weak, support, support_level = thr, np.zeros((0, 0)), np.inf
    else:
        weak = np.broadcast_to(np.asarray(weak_threshold, dtype=np.float64), (e.shape[0], 1))
        weak = weak[:, 0]
    mask = np.zeros(e.shape, dtype=np.bool_)
    _discharges(
        e,
        np.ascontiguousarray(thr),
        np.ascontiguousarray(weak),
        np.ascontiguousarray(support, dtype=np.float64),
        float(support_level),
        w,
        0,
        0,
        mask,
    )
    return mask


def chain_support(
    e: np.ndarray,
    base: np.ndarray,
    fs: float,
    chains: Sequence[Sequence[int]],
    half_width_s: float = 0.04,
) -> np.ndarray:
    """How strongly each channel's chain shares a peak, shape (n_channels, n).

    ``s_k(t) = max_{|u - t| <= half_width_s} mean_{j in chain(k)} e_j(u) / base_j`` over the
    chain of channel ``k``, with ``base`` (n_channels,) each channel's quiet baseline (e.g. its
    25th percentile; a channel with baseline 0 adds 0). Discharges are synchronous over a
    field spanning several channels of a chain; background fluctuations much less so.

    Parameters
    ----------
    e : ndarray, shape (n_rows, n)
        Power envelopes (uV^2) at ``fs`` Hz; the first ``len(base)`` rows are the channels.
    base : ndarray, shape (n_channels,)
        uV^2.
    fs : float
        Hz.
    chains : sequence of sequences of int
        Disjoint groups of channel indices (e.g. the bipolar chains); a channel in no chain
        gets support 0.
    half_width_s : float
        Half-width of the running maximum, s (default 40 ms).

    Returns
    -------
    ndarray, shape (n_channels, n)
        Dimensionless (multiples of the baselines).

    Examples
    --------
    Two chains of two channels (baseline 1 uV^2, 50 Hz): a peak of 30 on channel 0 alone
    gives its chain a mean of 15.5, spread over +/- 2 samples; the other chain stays at 1.

    >>> import numpy as np
    >>> e = np.ones((4, 10))
    >>> e[0, 5] = 30.0
    >>> chain_support(e, np.ones(4), 50.0, [(0, 1), (2, 3)])[[0, 2]]
    array([[ 1. ,  1. ,  1. , 15.5, 15.5, 15.5, 15.5, 15.5,  1. ,  1. ],
           [ 1. ,  1. ,  1. ,  1. ,  1. ,  1. ,  1. ,  1. ,  1. ,  1. ]])
    """
    ok = base > 0
    z = e[: base.size] * np.where(ok, 1.0 / np.where(ok, base, 1.0), 0.0)[:, None]
    chain_mean = np.zeros_like(z)
    for chain in chains:
        chain_mean[list(chain)] = z[list(chain)].mean(axis=0)
    return running_max(chain_mean, int(round(half_width_s * fs)))


@numba.njit(cache=True, nogil=True)
def _record_discharge(stats: np.ndarray, t: int, last: int, b0: int, b1: int) -> None:
    """Add a discharge at sample ``t`` (the previous one at ``last``, -1 if none) to a row of
    statistics: the number of discharges, their number in samples ``b0:b1``, and the number,
    sum and sum of squares of the intervals (samples) between consecutive ones."""
    stats[0] += 1
    stats[1] += b0 <= t < b1
    if last >= 0:
        iv = float(t - last)
        stats[2] += 1
        stats[3] += iv
        stats[4] += iv * iv


@numba.njit(cache=True, nogil=True)
def _discharges(
    e: np.ndarray,
    thr: np.ndarray,
    weak: np.ndarray,
    support: np.ndarray,
    support_level: float,
    w: int,
    b0: int,
    b1: int,
    mask: np.ndarray,
) -> np.ndarray:
    """The discharges of :func:`detect_discharges` in the first ``len(thr)`` rows of ``e``
    (threshold ``thr`` per row, or ``weak <= thr`` where ``support`` (same rows, or no rows:
    none) reaches ``support_level``; neighbourhood ``+/- w`` samples), marked in ``mask`` if
    it has those rows, and their statistics (:func:`_record_discharge`), (len(thr), 5)."""
    n_rows = thr.size
    n = e.shape[1]
    marks = mask.shape[0] == n_rows
    supported = support.shape[0] == n_rows
    out = np.zeros((n_rows, 5))
    for i in range(n_rows):
        row = e[i]
        level = min(thr[i], weak[i])
        strong = thr[i]
        last = -1
        t = -1
        while t + 1 < n:
            t += 1
            if t & 7 == 0 and t + 8 <= n:  # few samples pass the (high) threshold: skip 8
                above = False
                for u in range(t, t + 8):
                    above |= row[u] > level
                if not above:
                    t += 7
                    continue
            value = row[t]
            if not value > level:
                continue
            if t > 0 and not value > row[t - 1]:  # a plateau counts once
                continue
            is_max = True
            for u in range(max(0, t - w), min(n, t + w + 1)):
                if row[u] > value:
                    is_max = False
                    break
            if is_max and not value > strong:
                is_max = supported and support[i, t] >= support_level
            if is_max:
                if marks:
                    mask[i, t] = True
                _record_discharge(out[i], t, last, b0, b1)
                last = t
    return out


def discharge_statistics(
    mask: np.ndarray, fs: float, neutral_cv: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Rate (Hz) and interval coefficient of variation of each row's discharges.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_rows, n)
        Discharge positions (:func:`detect_discharges`) on a grid of ``fs`` Hz.
    fs : float
        Hz.
    neutral_cv : float
        The CV of rows with fewer than three discharges (default 1: no regularity).

    Returns
    -------
    rate : ndarray, shape (n_rows,)
        Discharges per second.
    cv : ndarray, shape (n_rows,)
        ``std / mean`` of the intervals between consecutive discharges (population SD):
        ~0 for a metronome-like train, ~1 for random (Poisson) events.

    Examples
    --------
    10 s at 50 Hz: a regular train (intervals 1, 1, 1 s), an irregular one (0.4, 1.6, 0.2 s)
    and two discharges only:

    >>> import numpy as np
    >>> mask = np.zeros((3, 500), dtype=bool)
    >>> mask[0, [10, 60, 110, 160]] = True
    >>> mask[1, [10, 30, 110, 120]] = True
    >>> mask[2, [10, 60]] = True
    >>> rate, cv = discharge_statistics(mask, 50.0)
    >>> rate, np.round(cv, 3)
    (array([0.4, 0.4, 0.2]), array([0.   , 0.843, 1.   ]))
    """
    sums = _interval_sums(np.asarray(mask, dtype=np.bool_), 0, 0)
    rate, _, cv = _rates_and_cv(sums, mask.shape[1] / fs, 1.0, float(neutral_cv))
    return rate, cv


@numba.njit(cache=True, nogil=True)
def _interval_sums(mask: np.ndarray, b0: int, b1: int) -> np.ndarray:
    """The statistics of :func:`_record_discharge` of the discharges marked in each row of
    ``mask``, shape (n_rows, 5)."""
    n_rows, n = mask.shape
    out = np.zeros((n_rows, 5))
    for i in range(n_rows):
        last = -1
        for t in range(n):
            if mask[i, t]:
                _record_discharge(out[i], t, last, b0, b1)
                last = t
    return out


@numba.njit(cache=True, nogil=True)
def _discharge_features(
    env: np.ndarray,
    base: np.ndarray,
    support: np.ndarray,
    w: int,
    b0: int,
    b1: int,
    seconds: float,
    seconds_10s: float,
    threshold_ratio: float,
    supported_ratio: float,
    support_level: float,
    neutral_cv: float,
    mask: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Discharge rate (Hz) over the ``seconds`` of each channel row of ``env`` (the first
    ``len(base)``), over the ``seconds_10s`` of samples ``b0:b1``, and the interval CV, with
    the thresholds ``threshold_ratio * base`` and, where ``support`` reaches
    ``support_level``, ``supported_ratio * base`` (:func:`detect_discharges`,
    :func:`discharge_statistics`, computed as there). The discharges are marked in ``mask``
    (``len(base)`` rows of ``env``'s length, all False on entry; or no rows: not marked)."""
    n_ch = base.size
    thr = np.empty(n_ch)
    weak = np.empty(n_ch)
    for i in range(n_ch):
        thr[i] = threshold_ratio * base[i]
        weak[i] = supported_ratio * base[i]
    sums = _discharges(env, thr, weak, support, support_level, w, b0, b1, mask)
    return _rates_and_cv(sums, seconds, seconds_10s, neutral_cv)


@numba.njit(cache=True, nogil=True)
def _rates_and_cv(
    sums: np.ndarray, seconds: float, seconds_10s: float, neutral_cv: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the statistics of :func:`_record_discharge`: the rates over ``seconds`` and over
    ``seconds_10s`` (Hz), and the interval coefficient of variation (``neutral_cv`` with
    fewer than two intervals)."""
    n_rows = sums.shape[0]
    rate = np.empty(n_rows)
    rate_10s = np.empty(n_rows)
    cv = np.empty(n_rows)
    for i in range(n_rows):
        rate[i] = sums[i, 0] / seconds
        rate_10s[i] = sums[i, 1] / seconds_10s
        count, s1, s2 = sums[i, 2], sums[i, 3], sums[i, 4]
        c = count if count >= 2 else 1.0
        mean = s1 / c
        var = max(s2 / c - mean * mean, 0.0)
        cv[i] = np.sqrt(var) / mean if count >= 2 and mean > 0 else neutral_cv
    return rate, rate_10s, cv


def peakiness_ratio(high: np.ndarray, median: np.ndarray, max_ratio: float = 1000.0) -> np.ndarray:
    """``high / median`` clipped to ``[1, max_ratio]``; 1 where ``high <= 0`` (all-zero row).

    The median is floored at ``high / max_ratio``, so a median of 0 gives ``max_ratio``.

    Parameters
    ----------
    high, median : ndarray, shape (n_rows,)
        A high percentile of each row and its median (same unit).
    max_ratio : float
        Upper bound (default 1000).

    Returns
    -------
    ndarray, shape (n_rows,)
        Dimensionless, 1 to ``max_ratio``.

    Examples
    --------
    >>> import numpy as np
    >>> peakiness_ratio(np.array([50.0, 3.0, 0.0, 5.0]), np.array([2.0, 3.0, 0.0, 0.0]))
    array([  25.,    1.,    1., 1000.])
    """
    ok = high > 0
    ratio = high / np.maximum(median, np.where(ok, high, 1.0) / max_ratio)
    return np.where(ok, np.clip(ratio, 1.0, max_ratio), 1.0)


def peakiness(e: np.ndarray, percentile: float = 99.0, max_ratio: float = 1000.0) -> np.ndarray:
    """``percentile(e) / median(e)`` per row (:func:`peakiness_ratio`), in ``[1, max_ratio]``;
    1 for an all-zero row.

    High for discharges with quiet between them, ~1 for the flat envelope of a continuous
    sinusoidal rhythm.

    Parameters
    ----------
    e : ndarray, shape (n_rows, n)
        Power envelopes (uV^2).
    percentile : float
        The high percentile (default 99).

    Returns
    -------
    ndarray, shape (n_rows,)
        Dimensionless.

    Examples
    --------
    A constant envelope, one of 1 uV^2 with a 100 uV^2 peak every 50 samples (2%), and an
    all-zero one:

    >>> import numpy as np
    >>> spikes = np.ones(1000)
    >>> spikes[::50] = 100.0
    >>> peakiness(np.vstack([np.full(1000, 7.0), spikes, np.zeros(1000)]))
    array([  1., 100.,   1.])
    """
    high, median = np.percentile(e, [percentile, 50.0], axis=1)
    return peakiness_ratio(high, median, max_ratio)


def running_max(x: np.ndarray, half_width: int) -> np.ndarray:
    """Running maximum of each row over ``+/- half_width`` samples (edges: the samples there).

    Examples
    --------
    >>> import numpy as np
    >>> running_max(np.array([[0, 0, 3, 0, 0, 0, 1]]), 1)
    array([[0, 3, 3, 3, 0, 1, 1]])
    """
    out = np.array(x, copy=True)
    for shift in range(1, max(0, int(half_width)) + 1):
        np.maximum(out[:, shift:], x[:, :-shift], out=out[:, shift:])
        np.maximum(out[:, :-shift], x[:, shift:], out=out[:, :-shift])
    return out


def bilateral_discharges(
    mask: np.ndarray,
    left: Sequence[int],
    right: Sequence[int],
    fs: float,
    min_channels: int = 4,
    tolerance_s: float = 0.04,
) -> tuple[np.ndarray, np.ndarray]:
    """Discharge events seen on both hemispheres at once, and all events, on a grid of ``fs`` Hz.

    A channel takes part in an event at time ``t`` when it has a discharge within
    ``+/- tolerance_s``. An **event** starts where at least ``min_channels`` channels of one
    hemisphere (``left`` or ``right`` rows of ``mask``) take part; it is **bilateral** where at
    least ``min_channels`` of each do. Generalized periodic discharges are bilateral and
    synchronous; lateralized ones (and background fluctuations, which are not synchronous over
    several channels) make few bilateral events.

    Parameters
    ----------
    mask : ndarray of bool, shape (n_channels, n)
        Discharges per channel (:func:`detect_discharges`).
    left, right : sequence of int
        Rows of the two hemispheres' channels.
    fs : float
        Rate of the grid, Hz.
    min_channels : int
        Channels of a hemisphere an event needs (default 4: half the 8 channels of the
        double banana's two chains on a side).
    tolerance_s : float
        Half-width of each channel's coincidence window, s (default 40 ms; channels whose
        discharges are up to 80 ms apart overlap: a generalized discharge reaches the back of
        the head up to ~0.1 s after the front).

    Returns
    -------
    bilateral, events : ndarray of bool, shape (n,)
        The first sample of each bilateral event, and of each event (bilateral or not).

    References
    ----------
    ACNS critical-care EEG terminology (Hirsch et al. 2021, J. Clin. Neurophysiol. 38: 1-29):
    "generalized" means bilateral, bisynchronous and symmetric; "lateralized", unilateral or
    bilateral but clearly asymmetric.

    Examples
    --------
    Four channels a side at 50 Hz, events needing 3 of them: a discharge on all eight at
    sample 50 (the right side 40 ms later), one on three left channels only at sample 150, and
    a lone one on one right channel at sample 250:

    >>> import numpy as np
    >>> mask = np.zeros((8, 300), dtype=bool)
    >>> mask[:4, 50] = True
    >>> mask[4:, 52] = True
    >>> mask[:3, 150] = True
    >>> mask[5, 250] = True
    >>> bilateral, events = bilateral_discharges(mask, range(4), range(4, 8), 50.0, 3)
    >>> np.flatnonzero(bilateral), np.flatnonzero(events)
    (array([50]), array([ 48, 148]))
    """
    h = max(0, int(round(tolerance_s * fs)))
    near = running_max(np.asarray(mask, dtype=np.uint8), h)
    n_left = near[list(left)].sum(axis=0)
    n_right = near[list(right)].sum(axis=0)
    on_left, on_right = n_left >= min_channels, n_right >= min_channels

    def starts(x: np.ndarray) -> np.ndarray:
        return x & ~np.concatenate([[False], x[:-1]])

    return starts(on_left & on_right), starts(on_left | on_right)
