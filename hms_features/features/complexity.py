"""Complexity features: entropies and fractal dimensions of each bipolar channel.

Regular, repetitive patterns (rhythmic delta, periodic discharges, the monotonous rhythm of a
seizure) are more predictable than a normal, irregular background, so they score lower on the
entropies and fractal dimensions below.

Which signal each feature sees
------------------------------
- ``perm_entropy``, ``svd_entropy``, ``higuchi_fd``, ``katz_fd``, ``petrosian_fd``,
  ``dfa_exponent``: the whole 50 s, decimated to 100 Hz by keeping every second sample
  (5,000 samples). No extra anti-alias filter is needed: the preprocessing band-pass (0.5-40 Hz,
  4th-order Butterworth applied forwards and backwards) already attenuates 50 Hz by 17 dB and
  70 Hz by 39 dB, and 60 Hz is notched. At 200 Hz an order-3, delay-1 ordinal pattern spans only
  10 ms, much shorter than the EEG waves left by a 40 Hz low-pass, so most patterns would be
  monotonic; 100 Hz doubles the time scale each pattern sees.
- ``perm_entropy_10s``: the labelled central 10 s at 100 Hz (1,000 samples).
- ``sample_entropy_10s``: the labelled central 10 s at 100 Hz, halved again to 50 Hz with the
  anti-alias filter of :func:`scipy.signal.resample_poly` (a 41-tap Kaiser-windowed sinc, zero
  padding at the ends; :func:`resample_for_sample_entropy` applies it directly and gives the
  same values; 500 samples). Sample entropy costs O(n^2) comparisons; 500 samples (and a
  bucketed sweep, see :func:`_sample_entropy_counts`) keep it to well under a millisecond for
  all 18 channels while covering the 0.5-20 Hz range of the clinical patterns.

All functions take ``(n_channels, n_times)`` arrays and are vectorised over channels. Internally
the signal is held time-major, ``(n_times, n_channels)``, so that the compiled numba kernels
(the ``_*`` functions below) update all channels at once. The pattern, match and sign-change
counts, the 50-Hz signal and the Higuchi and DFA sums are accumulated in the same order as a
plain per-channel loop (the same values to the last bit); the SVD Gram matrix and the Katz path
length are summed in another order (relative differences ~1e-13). Each function agrees with
AntroPy's 1-D function on the same input (see ``tests/features/test_complexity.py``). Region
values are the mean of the region's four channels; ``global`` values the mean of all 18 channels.

Undefined values (flat channel: zero variance) take documented neutral values: entropies 0
(perfectly predictable), fractal dimensions 1 (a straight line), DFA exponent 0.5.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from math import factorial, floor, log

import numba
import numpy as np
from scipy import signal as sps

from hms_features.features.context import ANALYSIS_FS, WindowContext
from hms_features.features.registry import CHANNELS_REGIONS_HEAD, Family, declare, per_channel

#: Sampling rate (Hz) of the signal most complexity features see: the window's shared 100 Hz
#: copy (``ctx.x_decimated``, the 50 s decimated by 2).
COMPLEXITY_FS: float = ANALYSIS_FS
#: Sampling rate (Hz) of the central 10 s for sample entropy.
SAMPLE_ENTROPY_FS: float = 50.0
#: Ordinal-pattern order and delay (samples at 100 Hz) of the permutation entropy.
PERM_ORDER: int = 3
PERM_DELAY: int = 1
#: Embedding order and delay of the SVD entropy.
SVD_ORDER: int = 3
SVD_DELAY: int = 1
#: Sample-entropy template length and tolerance (fraction of the channel's standard deviation).
SAMPEN_ORDER: int = 2
SAMPEN_TOLERANCE: float = 0.2
#: Largest interval (samples) of the Higuchi fractal dimension.
HIGUCHI_KMAX: int = 10
#: Katz: the ratio d/a (farthest excursion over mean step) is floored at this value, so that
#: a pathological signal that never leaves its start stays finite (FD <= log10(n)/log10(1.5)).
KATZ_MIN_EXCURSION_RATIO: float = 1.5
#: Neutral values for a flat (zero-variance) channel.
FLAT_ENTROPY: float = 0.0
FLAT_FRACTAL_DIMENSION: float = 1.0
FLAT_DFA: float = 0.5
#: Half-length (in output samples) of the anti-alias FIR, as in :func:`scipy.signal.resample_poly`.
_FIR_HALF_PERIODS: int = 10
#: Kaiser window of that FIR, as in :func:`scipy.signal.resample_poly`.
_FIR_WINDOW: tuple[str, float] = ("kaiser", 5.0)

DESCRIPTIONS = {
    "perm_entropy": (
        "Permutation entropy (order 3, delay 10 ms, 50 s at 100 Hz), normalised 0-1: "
        "diversity of the up/down shapes of 3 consecutive samples; low for regular rhythms"
    ),
    "perm_entropy_10s": (
        "Permutation entropy (order 3, delay 10 ms) of the labelled 10 s at 100 Hz, normalised "
        "0-1; low for regular rhythms"
    ),
    "svd_entropy": (
        "SVD entropy (embedding order 3, delay 10 ms, 50 s at 100 Hz), normalised 0-1: how many "
        "independent components the signal's local shape needs; low for smooth, slow waves"
    ),
    "sample_entropy_10s": (
        "Sample entropy (m=2, r=0.2 SD) of the labelled 10 s at 50 Hz, in nats: unpredictability "
        "of the next sample given the last two; low for regular rhythms and periodic patterns"
    ),
    "higuchi_fd": (
        "Higuchi fractal dimension (kmax=10, 50 s at 100 Hz), 1 (smooth curve) to 2 (noise): "
        "roughness of the waveform"
    ),
    "katz_fd": (
        "Katz fractal dimension (50 s at 100 Hz), dimensionless >= 1: total path length relative "
        "to the largest excursion; high for fast, irregular activity"
    ),
    "petrosian_fd": (
        "Petrosian fractal dimension (50 s at 100 Hz), dimensionless just above 1: grows with "
        "the number of slope sign changes (sharp, fast activity)"
    ),
    "dfa_exponent": (
        "Detrended fluctuation analysis exponent (50 s at 100 Hz, scales 40 ms to 5 s), "
        "dimensionless: 0.5 uncorrelated, ~1 long-range correlated, >1 smooth slow waves"
    ),
}


# --------------------------------------------------------------------------------------------
# decimation and layout
# --------------------------------------------------------------------------------------------
def decimate_by_slicing(x: np.ndarray, fs: float, target_fs: float = COMPLEXITY_FS) -> np.ndarray:
    """Keep every ``round(fs / target_fs)``-th sample (no filter: the input must be low-passed).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Band-limited signals (the preprocessed 0.5-40 Hz bipolar EEG), microvolts.
    fs, target_fs : float
        Input and wanted sampling rates in Hz.

    Returns
    -------
    ndarray, shape (n_channels, ceil(n_times / step)), C-contiguous float64.
    """
    step = max(1, int(round(fs / target_fs)))
    return np.ascontiguousarray(x[:, ::step], dtype=np.float64)


def _time_major(x: np.ndarray) -> np.ndarray:
    """``(n_channels, n_times)`` -> C-contiguous float64 ``(n_times, n_channels)`` (a copy)."""
    return np.ascontiguousarray(np.asarray(x, dtype=np.float64).T)


@lru_cache(maxsize=8)
def _antialias_filter(step: int) -> np.ndarray:
    """The low-pass FIR that ``scipy.signal.resample_poly(x, 1, step)`` designs (read-only).

    ``20 step + 1`` taps, cutoff at the output Nyquist frequency, Kaiser window (beta 5).
    """
    half_len = _FIR_HALF_PERIODS * step
    h = sps.firwin(2 * half_len + 1, 1.0 / step, window=_FIR_WINDOW)
    h.flags.writeable = False
    return h


@numba.njit(cache=True, nogil=True)
def _fir_decimate(xt: np.ndarray, h: np.ndarray, step: int) -> np.ndarray:
    """Filter the columns of ``xt`` (n_in, n_ch) with the odd-length FIR ``h`` centred on each
    kept sample, keeping every ``step``-th: ``out[m] = sum_i h[m step + half - i] x[i]`` over
    ``0 <= i < n_in`` (zero padding outside), shape (ceil(n_in / step), n_ch).

    Each sum is accumulated in increasing ``i`` from zero, the order of
    :func:`scipy.signal.upfirdn`, so the result equals ``resample_poly(x, 1, step)`` (to the
    last bit, as checked in the tests); the tap loop is outermost so that the additions of
    different outputs and channels are independent.
    """
    n_in, n_ch = xt.shape
    half = (h.size - 1) // 2
    n_out = (n_in + step - 1) // step
    out = np.zeros((n_out, n_ch))
    for j in range(h.size - 1, -1, -1):  # decreasing tap = increasing input sample
        hj = h[j]
        d = j - half  # input sample m * step - d
        m_lo = max(0, -(-d // step))
        m_hi = min(n_out - 1, (n_in - 1 + d) // step)
        for m in range(m_lo, m_hi + 1):
            i = m * step - d
            for c in range(n_ch):
                out[m, c] += xt[i, c] * hj
    return out


def _resample_tm(xt: np.ndarray, fs: float, target_fs: float) -> np.ndarray:
    """:func:`resample_for_sample_entropy` of a time-major ``(n_times, n_channels)`` array."""
    step = max(1, int(round(fs / target_fs)))
    if step == 1:
        return np.array(xt, dtype=np.float64, order="C")
    return _fir_decimate(np.ascontiguousarray(xt, dtype=np.float64), _antialias_filter(step), step)


def resample_for_sample_entropy(
    x: np.ndarray, fs: float, target_fs: float = SAMPLE_ENTROPY_FS
) -> np.ndarray:
    """Anti-aliased down-sampling by ``step = round(fs / target_fs)``.

    Equal to ``scipy.signal.resample_poly(x, 1, step, axis=-1)`` (its Kaiser-windowed sinc FIR
    of ``20 step + 1`` taps, zero padding at the ends), computed by a compiled kernel with the
    filter designed once.

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
        Band-limited signals, microvolts.
    fs, target_fs : float
        Input and wanted sampling rates in Hz.

    Returns
    -------
    ndarray, shape (n_channels, ceil(n_times / step)), C-contiguous float64, microvolts.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.ascontiguousarray(_resample_tm(_time_major(x), fs, target_fs).T)


# --------------------------------------------------------------------------------------------
# entropies
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _ordinal_lookup(order: int) -> np.ndarray:
    """Table: comparison bit-key -> ordinal pattern index (-1 for impossible keys).

    Bit ``b`` of a key is ``x[i] <= x[j]`` for the ``b``-th pair ``(i, j), i < j`` of the
    embedding vector (ties broken by position, as a stable argsort would).
    """
    pairs = list(itertools.combinations(range(order), 2))
    table = np.full(2 ** len(pairs), -1, dtype=np.int64)
    for index, ranks in enumerate(itertools.permutations(range(order))):
        key = 0
        for bit, (i, j) in enumerate(pairs):
            key |= int(ranks[i] < ranks[j]) << bit
        table[key] = index
    table.flags.writeable = False
    return table


@lru_cache(maxsize=8)
def _ordinal_pairs(order: int) -> np.ndarray:
    """The pairs ``(i, j), i < j`` of embedding positions, in bit order of the keys, (n, 2)."""
    pairs = np.array(list(itertools.combinations(range(order), 2)), dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    pairs.flags.writeable = False
    return pairs


@numba.njit(cache=True, nogil=True)
def _ordinal_counts(
    xt: np.ndarray, n_emb: int, delay: int, pairs: np.ndarray, table: np.ndarray, n_perm: int
) -> np.ndarray:
    """Per channel, how many of the ``n_emb`` embedding vectors of ``xt`` (n_times, n_ch) show
    each ordinal pattern: (n_ch, n_perm) counts; see :func:`_ordinal_lookup` for the keys."""
    n_ch = xt.shape[1]
    n_keys = table.size
    key_counts = np.zeros((n_ch, n_keys), dtype=np.int64)
    key = np.zeros(n_ch, dtype=np.int64)
    for t in range(n_emb):
        key[:] = 0
        for b in range(pairs.shape[0]):
            ia = t + pairs[b, 0] * delay
            ib = t + pairs[b, 1] * delay
            for c in range(n_ch):
                key[c] |= np.int64(xt[ia, c] <= xt[ib, c]) << b
        for c in range(n_ch):
            key_counts[c, key[c]] += 1
    counts = np.zeros((n_ch, n_perm), dtype=np.int64)
    for k in range(n_keys):
        if table[k] >= 0:  # impossible keys are never counted
            for c in range(n_ch):
                counts[c, table[k]] += key_counts[c, k]
    return counts


def _plogp_bits(p: np.ndarray) -> np.ndarray:
    """``p log2 p`` elementwise, 0 where ``p = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)


def _permutation_entropy_tm(xt: np.ndarray, order: int, delay: int) -> np.ndarray:
    """:func:`permutation_entropy` of a time-major ``(n_times, n_channels)`` array."""
    n = xt.shape[0]
    n_emb = n - (order - 1) * delay
    if n_emb <= 0:
        raise ValueError(
            f"permutation_entropy needs more than {(order - 1) * delay} samples; got {n}"
        )
    n_perm = factorial(order)
    counts = _ordinal_counts(
        xt, n_emb, delay, _ordinal_pairs(order), _ordinal_lookup(order), n_perm
    )
    plogp = _plogp_bits(counts / n_emb)
    return np.clip(-plogp.sum(axis=1) / np.log2(n_perm), 0.0, 1.0)


def permutation_entropy(
    x: np.ndarray, order: int = PERM_ORDER, delay: int = PERM_DELAY
) -> np.ndarray:
    """Normalised permutation entropy (Bandt & Pompe 2002) of every channel.

    ``H = -sum_pi p(pi) log2 p(pi) / log2(order!)`` over the ordinal patterns ``pi`` of the
    embedding vectors ``[x_t, x_{t+delay}, ..., x_{t+(order-1) delay}]`` (ties broken by
    position, as a stable argsort would).

    Parameters
    ----------
    x : ndarray, shape (n_channels, n_times)
    order, delay : int
        Embedding dimension and lag (samples).

    Returns
    -------
    ndarray, shape (n_channels,)
        0 (a single pattern, e.g. a monotonic or flat signal) to 1 (all patterns equally likely).
    """
    return _permutation_entropy_tm(_time_major(x), order, delay)


@numba.njit(cache=True, nogil=True)
def _lagged_gram(xt: np.ndarray, order: int, delay: int) -> np.ndarray:
    """Per channel, the Gram matrix ``Y^T Y`` of the time-delay embedding (see
    :func:`svd_entropy`): ``G[a, b] = sum_t x[t + a delay] x[t + b delay]``, (n_ch, order, order).

    ``G[a, a + k]`` sums the lag-``k delay`` products ``x[u] x[u + k delay]`` over
    ``a delay <= u < a delay + n_emb``; the products over the part of that range common to all
    ``a`` are summed once per lag, and the few at its ends are added for each ``a``.
    """
    n, n_ch = xt.shape
    n_emb = n - (order - 1) * delay
    span = (order - 1) * delay  # the common range is span <= u < n_emb (maybe empty)
    core = np.zeros((order, n_ch))
    for u in range(span, n_emb):
        for k in range(order):
            v = u + k * delay
            for c in range(n_ch):
                core[k, c] += xt[u, c] * xt[v, c]
    out = np.empty((n_ch, order, order))
    ends = np.empty(n_ch)
    for k in range(order):
        lag = k * delay
        for a in range(order - k):
            ends[:] = 0.0
            for u in range(a * delay, min(span, a * delay + n_emb)):  # before the common range
                for c in range(n_ch):
                    ends[c] += xt[u, c] * xt[u + lag, c]
            for u in range(max(n_emb, span), a * delay + n_emb):  # after it
                for c in range(n_ch):
                    ends[c] += xt[u, c] * xt[u + lag, c]
            for c in range(n_ch):
                out[c, a, a + k] = core[k, c] + ends[c]
                out[c, a + k, a] = out[c, a, a + k]
    return out


def _svd_entropy_tm(xt: np.ndarray, order: int, delay: int) -> np.ndarray:
    """:func:`svd_entropy` of a time-major ``(n_times, n_channels)`` array."""
    n = xt.shape[0]
    if n - (order - 1) * delay <= 0:
        raise ValueError(f"svd_entropy needs more than {(order - 1) * delay} samples; got {n}")
    eig = np.linalg.eigvalsh(_lagged_gram(xt, order, delay))
    s = np.sqrt(np.clip(eig, 0.0, None))
    total = s.sum(axis=1, keepdims=True)
    flat = total[:, 0] <= 0
    plogp = _plogp_bits(s / np.where(total > 0, total, 1.0))
    h = np.clip(-plogp.sum(axis=1) / np.log2(order), 0.0, 1.0)
    return np.where(flat, FLAT_ENTROPY, h)


def svd_entropy(x: np.ndarray, order: int = SVD_ORDER, delay: int = SVD_DELAY) -> np.ndarray:
    """Normalised SVD entropy of every channel.

    With ``Y`` the time-delay embedding matrix (rows ``[x_t, ..., x_{t+(order-1) delay}]``) and
    ``s_i`` its singular values normalised to sum 1: ``H = -sum_i s_i log2 s_i / log2(order)``.
    The singular values are the square roots of the eigenvalues of the small Gram matrix
    ``Y^T Y`` (order x order, built from lagged dot products), so no large SVD is needed.

    Returns
    -------
    ndarray, shape (n_channels,)
        0-1; :data:`FLAT_ENTROPY` for a flat channel.
    """
    return _svd_entropy_tm(_time_major(x), order, delay)


#: Sample entropy sorts the templates into buckets by their first sample, this many buckets
#: per tolerance, and compares each template only with those of its own and the next
#: ``_BUCKETS_PER_TOLERANCE`` buckets.
_BUCKETS_PER_TOLERANCE: int = 4
#: The buckets are this much (relative) wider than ``tolerance / _BUCKETS_PER_TOLERANCE``, far
#: more than the rounding error of a bucket index: templates whose first samples differ by less
#: than the tolerance are then never more than that many buckets apart, and templates further
#: apart never match.
_BUCKET_MARGIN: float = 1e-6


@numba.njit(cache=True, nogil=True)
def _bucket_templates(
    row: np.ndarray,
    order: int,
    tol: float,
    tpl: np.ndarray,
    bins: np.ndarray,
    ends: np.ndarray,
) -> int:
    """Counting-sort the ``n - order`` templates of ``row`` by their first sample into buckets
    at least ``tol / _BUCKETS_PER_TOLERANCE`` wide.

    Fills ``tpl[k, p] = row[i + k]`` (k = 0..order) for the template ``i`` at position ``p``
    and ``ends[b]`` = end position of bucket ``b``; returns the number of buckets (at most
    ``n - order + 1``). ``bins`` is scratch space.
    """
    n_t = row.size - order
    lo = row[0]
    hi = row[0]
    for i in range(n_t):
        lo = min(lo, row[i])
        hi = max(hi, row[i])
    span = hi - lo
    inv = 0.0  # buckets per unit of amplitude
    if span > 0:
        inv = min(_BUCKETS_PER_TOLERANCE * (1.0 - _BUCKET_MARGIN) / tol, n_t / span)
    n_bins = int(span * inv) + 1
    ends[: n_bins + 1] = 0
    for i in range(n_t):
        b = int((row[i] - lo) * inv)
        bins[i] = b
        ends[b + 1] += 1
    for b in range(1, n_bins + 1):
        ends[b] += ends[b - 1]  # ends[b] = start of bucket b
    for i in range(n_t):
        b = bins[i]
        p = ends[b]
        ends[b] = p + 1  # finally the end of bucket b
        for k in range(order + 1):
            tpl[k, p] = row[i + k]
    return n_bins


@numba.njit(cache=True, nogil=True)
def _sample_entropy_counts(x: np.ndarray, order: int, r: np.ndarray) -> np.ndarray:
    """Per channel: (B, A) = numbers of template pairs matching for ``order`` and ``order+1``.

    The templates are bucketed by their first sample (:func:`_bucket_templates`, about
    ``r / 4`` wide), so that each template is compared only with the later ones of its own
    bucket and those of the next four, contiguous in memory (a linear-time sort and a sweep):
    the counts are those of the plain O(n^2) double loop, for a small fraction of its cost.
    """
    n_ch, n = x.shape
    out = np.zeros((n_ch, 2), dtype=np.int64)
    n_t = n - order
    tpl = np.empty((order + 1, n_t))
    dist = np.empty(n_t)
    bins = np.empty(n_t, dtype=np.int64)
    ends = np.empty(n_t + 2, dtype=np.int64)
    for c in range(n_ch):
        tol = r[c]
        if not tol > 0:
            continue
        n_bins = _bucket_templates(x[c], order, tol, tpl, bins, ends)
        b_count = 0
        a_count = 0
        p = 0
        for b in range(n_bins):
            hi = ends[min(b + _BUCKETS_PER_TOLERANCE, n_bins - 1)]  # end of the candidates
            while p < ends[b]:
                lo = p + 1
                if order == 2:  # the default, fused into one pass
                    v0 = tpl[0, p]
                    v1 = tpl[1, p]
                    v2 = tpl[2, p]
                    for q in range(lo, hi):
                        d = max(abs(tpl[0, q] - v0), abs(tpl[1, q] - v1))
                        b_count += d < tol
                        a_count += max(d, abs(tpl[2, q] - v2)) < tol
                else:  # Chebyshev distance over the first `order` samples, then one more
                    v = tpl[0, p]
                    for q in range(lo, hi):
                        dist[q] = abs(tpl[0, q] - v)
                    for k in range(1, order):
                        v = tpl[k, p]
                        for q in range(lo, hi):
                            dist[q] = max(dist[q], abs(tpl[k, q] - v))
                    v = tpl[order, p]
                    for q in range(lo, hi):
                        b_count += dist[q] < tol
                        a_count += max(dist[q], abs(tpl[order, q] - v)) < tol
                p += 1
        out[c, 0] = b_count
        out[c, 1] = a_count
    return out


def sample_entropy(
    x: np.ndarray, order: int = SAMPEN_ORDER, tolerance: float = SAMPEN_TOLERANCE
) -> np.ndarray:
    """Sample entropy (Richman & Moorman 2000) of every channel, in nats.

    ``SampEn = -ln(A / B)``: among the ``n - order`` templates of length ``order``, ``B`` pairs
    (i < j) match within ``r = tolerance * std(x)`` (Chebyshev distance, strict ``<``) and ``A``
    of them still match when extended by one sample. The same definition as AntroPy's
    ``sample_entropy``; cost O(n^2) per channel, so feed it a few hundred samples.

    Returns
    -------
    ndarray, shape (n_channels,)
        :data:`FLAT_ENTROPY` for a flat channel (r = 0); when no pair matches at length
        ``order + 1`` (A = 0) the count is taken as 1, giving the finite upper bound ``ln B``;
        when no pair matches at all (B = 0), ``ln`` of the number of template pairs.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    n_ch, n = x.shape
    if n <= order + 1:
        raise ValueError(f"sample_entropy needs more than {order + 1} samples; got {n}")
    r = tolerance * x.std(axis=1)
    counts = _sample_entropy_counts(x, order, r).astype(np.float64)
    b, a = counts[:, 0], counts[:, 1]
    n_pairs = (n - order) * (n - order - 1) / 2.0
    b_safe = np.where(b > 0, b, n_pairs)
    a_safe = np.maximum(a, 1.0)
    out = np.log(b_safe / a_safe)
    return np.where(r > 0, out, FLAT_ENTROPY)


# --------------------------------------------------------------------------------------------
# fractal dimensions and DFA
# --------------------------------------------------------------------------------------------
def _slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slope of ``y`` (n_channels, n) against ``x`` (n,)."""
    xc = x - x.mean()
    return (y - y.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)


@numba.njit(cache=True, nogil=True)
def _higuchi_log_lengths(xt: np.ndarray, kmax: int) -> tuple[np.ndarray, np.ndarray]:
    """``ln L(k)`` for k = 1..kmax, (n_ch, kmax) (0 where ``L(k) = 0``), and the path length
    ``sum |x[i+1] - x[i]|`` (n_ch,), of every column of ``xt`` (n_times, n_ch).

    For interval ``k`` the time-major samples are taken in blocks of ``k`` rows: block ``j``
    holds ``x[jk + m]`` for every offset ``m`` and channel, so one flat loop adds
    ``|x[(j+1)k + m] - x[jk + m]|`` to the partial sums of all offsets and channels at once,
    each still accumulated in increasing ``j`` as in the definition.
    """
    n, n_ch = xt.shape
    flat = xt.ravel()
    out = np.zeros((n_ch, kmax))
    path = np.zeros(n_ch)
    acc = np.empty(kmax * n_ch)  # [m * n_ch + channel]
    for k in range(1, kmax + 1):
        width = k * n_ch
        n_diff = n - k  # differences x[i + k] - x[i], i < n_diff
        n_blocks = n_diff // k
        acc[:width] = 0.0
        for j in range(n_blocks):
            base = j * width
            for e in range(width):
                acc[e] += abs(flat[base + width + e] - flat[base + e])
        base = n_blocks * width
        for e in range((n_diff - n_blocks * k) * n_ch):  # the offsets with one more step
            acc[e] += abs(flat[base + width + e] - flat[base + e])
        if k == 1:
            path[:] = acc[:n_ch]
        for c in range(n_ch):
            total = 0.0
            for m in range(k):
                n_m = (n - m - 1) // k
                total += acc[m * n_ch + c] * (n - 1) / (k * k * n_m)
            lk = total / k
            out[c, k - 1] = np.log(lk) if lk > 0 else 0.0
    return out, path


def _higuchi_fd_tm(xt: np.ndarray, kmax: int) -> np.ndarray:
    """:func:`higuchi_fd` of a time-major ``(n_times, n_channels)`` array."""
    n = xt.shape[0]
    if n <= 2 * kmax:
        raise ValueError(f"higuchi_fd needs more than {2 * kmax} samples; got {n}")
    log_l, path = _higuchi_log_lengths(xt, int(kmax))
    flat = ~(path > 0)  # no step differs from zero
    fd = _slope(np.log(1.0 / np.arange(1, kmax + 1)), log_l)
    return np.where(flat, FLAT_FRACTAL_DIMENSION, fd)


def higuchi_fd(x: np.ndarray, kmax: int = HIGUCHI_KMAX) -> np.ndarray:
    """Higuchi fractal dimension (Higuchi 1988) of every channel.

    For each interval ``k = 1..kmax`` and offset ``m = 0..k-1``:
    ``L_m(k) = (N - 1) / (k^2 N_m) * sum_{j=1}^{N_m} |x[m + jk] - x[m + (j-1)k]|`` with
    ``N_m = floor((N - m - 1) / k)``; ``L(k)`` is the mean over ``m``, and the dimension is the
    slope of ``ln L(k)`` against ``ln(1/k)``.

    Returns
    -------
    ndarray, shape (n_channels,)
        ~1 for a smooth curve, ~2 for white noise; :data:`FLAT_FRACTAL_DIMENSION` if flat.
    """
    return _higuchi_fd_tm(_time_major(x), kmax)


@numba.njit(cache=True, nogil=True)
def _path_stats(xt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column of ``xt`` (n_times, n_ch), in one sweep: the path length
    ``sum |x[i+1] - x[i]|``, the farthest excursion ``max |x[i] - x[0]|`` and the number of sign
    changes of the first difference (``np.signbit``: a zero difference counts as positive)."""
    n, n_ch = xt.shape
    length = np.zeros(n_ch)
    excursion = np.zeros(n_ch)
    n_delta = np.zeros(n_ch, dtype=np.int64)
    sign = np.zeros(n_ch, dtype=np.bool_)
    if n >= 2:
        for c in range(n_ch):
            sign[c] = np.signbit(xt[1, c] - xt[0, c])
    for i in range(n - 1):
        for c in range(n_ch):
            d = xt[i + 1, c] - xt[i, c]
            length[c] += abs(d)
            excursion[c] = max(excursion[c], abs(xt[i + 1, c] - xt[0, c]))
            s = np.signbit(d)
            n_delta[c] += s != sign[c]
            sign[c] = s
    return length, excursion, n_delta


def _katz_from_stats(length: np.ndarray, excursion: np.ndarray, n: int) -> np.ndarray:
    """Katz FD from the path length and farthest excursion of ``n`` samples."""
    a = length / (n - 1)  # mean step
    ok = a > 0
    a_safe = np.where(ok, a, 1.0)
    ratio = np.maximum(excursion / a_safe, KATZ_MIN_EXCURSION_RATIO)
    fd = np.log10(np.where(ok, length / a_safe, 1.0)) / np.log10(ratio)
    return np.where(ok, fd, FLAT_FRACTAL_DIMENSION)


def _petrosian_from_count(n_delta: np.ndarray, n: int) -> np.ndarray:
    """Petrosian FD from the number of slope sign changes of ``n`` samples."""
    return np.log10(n) / (np.log10(n) + np.log10(n / (n + 0.4 * n_delta)))


def katz_fd(x: np.ndarray) -> np.ndarray:
    """Katz fractal dimension of every channel.

    ``D = log10(L / a) / log10(d / a)`` with ``L`` the total curve length (sum of
    ``|x[i+1] - x[i]|``), ``a`` the mean step and ``d`` the largest distance from the first
    sample. ``d / a`` is floored at :data:`KATZ_MIN_EXCURSION_RATIO` (never reached by EEG).

    Returns
    -------
    ndarray, shape (n_channels,)
        :data:`FLAT_FRACTAL_DIMENSION` for a flat channel.
    """
    xt = _time_major(x)
    length, excursion, _ = _path_stats(xt)
    return _katz_from_stats(length, excursion, xt.shape[0])


def petrosian_fd(x: np.ndarray) -> np.ndarray:
    """Petrosian fractal dimension of every channel.

    ``P = log10(N) / (log10(N) + log10(N / (N + 0.4 N_delta)))`` with ``N`` the number of
    samples and ``N_delta`` the number of sign changes of the first difference (a zero
    difference counts as positive). Exactly 1 for a flat or monotonic signal.
    """
    xt = _time_major(x)
    return _petrosian_from_count(_path_stats(xt)[2], xt.shape[0])


def dfa_scales(
    n: int, min_n: int = 4, max_fraction: float = 0.1, factor: float = 1.2
) -> np.ndarray:
    """Box sizes (samples) of the DFA: ``min_n * factor^i`` floored, unique, up to ``0.1 n``."""
    max_n = max_fraction * n
    if max_n <= min_n:
        return np.array([min_n], dtype=np.int64)
    max_i = int(floor(log(max_n / min_n) / log(factor)))
    sizes = [min_n]
    for i in range(max_i + 1):
        s = int(floor(min_n * factor**i))
        if s > sizes[-1]:
            sizes.append(s)
    return np.array(sizes, dtype=np.int64)


@lru_cache(maxsize=8)
def _dfa_scales_cached(n: int) -> np.ndarray:
    """:func:`dfa_scales` with its defaults, computed once per length (read-only)."""
    sizes = dfa_scales(n)
    sizes.flags.writeable = False
    return sizes


@numba.njit(cache=True, nogil=True)
def _dfa_fluctuations(xt: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``F(n)`` for every column of ``xt`` (n_times, n_ch) and box size, (n_ch, n_sizes); see
    :func:`dfa_exponent`."""
    n, n_ch = xt.shape
    mean = np.zeros(n_ch)
    for i in range(n):
        for c in range(n_ch):
            mean[c] += xt[i, c]
    for c in range(n_ch):
        mean[c] /= n
    # cumulative sums of the profile y, y^2 and t*y: cum[i] sums samples 0..i-1
    cum = np.empty((n + 1, 3, n_ch))
    cum[0] = 0.0
    y = np.zeros(n_ch)
    for i in range(n):
        for c in range(n_ch):
            yc = y[c] + (xt[i, c] - mean[c])
            y[c] = yc
            cum[i + 1, 0, c] = cum[i, 0, c] + yc
            cum[i + 1, 1, c] = cum[i, 1, c] + yc * yc
            cum[i + 1, 2, c] = cum[i, 2, c] + i * yc
    out = np.zeros((n_ch, sizes.size))
    acc = np.zeros(n_ch)
    for s in range(sizes.size):
        size = sizes[s]
        n_box = n // size
        t_mean = (size - 1) / 2.0
        sxx = size * (size * size - 1) / 12.0
        acc[:] = 0.0
        for box in range(n_box):
            b0 = box * size
            b1 = b0 + size
            for c in range(n_ch):
                s1 = cum[b1, 0, c] - cum[b0, 0, c]
                syy = cum[b1, 1, c] - cum[b0, 1, c] - s1 * s1 / size
                # sum of (t_local - t_mean) * y over the box
                sxy = cum[b1, 2, c] - cum[b0, 2, c] - b0 * s1 - t_mean * s1
                rss = syy - sxy * sxy / sxx
                acc[c] += rss / size if rss > 0 else 0.0
        for c in range(n_ch):
            out[c, s] = np.sqrt(acc[c] / n_box)
    return out


def _dfa_exponent_tm(xt: np.ndarray) -> np.ndarray:
    """:func:`dfa_exponent` of a time-major ``(n_times, n_channels)`` array."""
    sizes = _dfa_scales_cached(xt.shape[0])
    fluct = _dfa_fluctuations(xt, sizes)
    log_n = np.log(sizes.astype(np.float64))
    valid = fluct > 0
    out = np.full(xt.shape[1], FLAT_DFA)
    all_valid = valid.all(axis=1)
    if all_valid.any():
        out[all_valid] = _slope(log_n, np.log(fluct[all_valid]))
    for c in np.flatnonzero(~all_valid & (valid.sum(axis=1) >= 2)):  # rare: some scales flat
        out[c] = _slope(log_n[valid[c]], np.log(fluct[c, valid[c]])[None, :])[0]
    return out


def dfa_exponent(x: np.ndarray) -> np.ndarray:
    """Detrended fluctuation analysis exponent (Peng et al. 1994) of every channel.

    The profile ``y = cumsum(x - mean(x))`` is cut into non-overlapping boxes of ``n`` samples
    (:func:`dfa_scales`); in each box a straight line is fitted by least squares and
    ``F(n) = sqrt(mean over boxes of the mean squared residual)``. The exponent is the slope of
    ``ln F(n)`` against ``ln n`` (over the scales where ``F(n) > 0``). Box sums come from
    cumulative sums of ``y``, ``y^2`` and ``t y``, so each scale costs O(number of boxes).

    Returns
    -------
    ndarray, shape (n_channels,)
        :data:`FLAT_DFA` for a flat channel.
    """
    return _dfa_exponent_tm(_time_major(x))


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
def complexity_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Feature suffix -> one value per bipolar channel (18,), see the module docstring."""
    # the window's shared 100 Hz copy (as decimate_by_slicing), time-major
    x100 = _time_major(ctx.x_decimated)
    c100 = _time_major(ctx.center_decimated)
    c50 = np.ascontiguousarray(_resample_tm(c100, ctx.fs_decimated, SAMPLE_ENTROPY_FS).T)
    n = x100.shape[0]
    length, excursion, n_delta = _path_stats(x100)
    return {
        "perm_entropy": _permutation_entropy_tm(x100, PERM_ORDER, PERM_DELAY),
        "perm_entropy_10s": _permutation_entropy_tm(c100, PERM_ORDER, PERM_DELAY),
        "svd_entropy": _svd_entropy_tm(x100, SVD_ORDER, SVD_DELAY),
        "sample_entropy_10s": sample_entropy(c50),
        "higuchi_fd": _higuchi_fd_tm(x100, HIGUCHI_KMAX),
        "katz_fd": _katz_from_stats(length, excursion, n),
        "petrosian_fd": _petrosian_from_count(n_delta, n),
        "dfa_exponent": _dfa_exponent_tm(x100),
    }


def complexity_features(ctx: WindowContext) -> dict[str, float]:
    """Entropies and fractal dimensions per channel, per region (mean of 4) and whole head."""
    values = complexity_values(ctx)
    # a guard (the values are finite by construction), then one row per feature
    table = np.nan_to_num(np.stack(list(values.values())), nan=0.0, posinf=0.0, neginf=0.0)
    whole_head = table.mean(axis=1).tolist()
    out: dict[str, float] = {}
    for name, v, mean in zip(values, table, whole_head):
        out.update(per_channel(name, v))
        out[f"global__{name}"] = mean
    return out


# --------------------------------------------------------------------------------------------
# the declarations
# --------------------------------------------------------------------------------------------
UNITS = {
    "perm_entropy": "0-1",
    "perm_entropy_10s": "0-1",
    "svd_entropy": "0-1",
    "sample_entropy_10s": "nats",
    "higuchi_fd": "dimensionless",
    "katz_fd": "dimensionless",
    "petrosian_fd": "dimensionless",
    "dfa_exponent": "dimensionless",
}
CONCEPTS = {
    "perm_entropy": "rhythmicity",
    "perm_entropy_10s": "rhythmicity",
    "svd_entropy": "rhythmicity",
    "sample_entropy_10s": "rhythmicity",
    "higuchi_fd": "frequency",
    "katz_fd": ("frequency", "sharpness"),
    "petrosian_fd": ("frequency", "sharpness"),
    "dfa_exponent": ("frequency", "delta"),
}
FAMILY = Family(
    "complexity",
    complexity_features,
    declare(DESCRIPTIONS, UNITS, CONCEPTS, CHANNELS_REGIONS_HEAD),
)
