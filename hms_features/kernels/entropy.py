"""Entropies of each channel: permutation, SVD and sample entropy (compiled with numba).

All functions take ``(n_channels, n_times)`` arrays and are vectorised over channels; inside,
the signal is held time-major (:func:`~hms_features.kernels.utils.time_major`) so that the
compiled kernels update all channels at once. Pattern and match counts are accumulated in the
same order as a plain per-channel loop; each function agrees with AntroPy's 1-D function on the
same input. A flat channel (zero variance) gets :data:`FLAT_ENTROPY` (perfectly predictable).
(The spectral entropy of a PSD is in :mod:`~hms_features.kernels.spectra`.)
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from math import factorial

import numba
import numpy as np

from hms_features.kernels.utils import plogp, time_major

#: Entropy of a flat (zero-variance) channel.
FLAT_ENTROPY: float = 0.0


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


def permutation_entropy_tm(xt: np.ndarray, order: int, delay: int) -> np.ndarray:
    """:func:`permutation_entropy` of a time-major array (:func:`~.utils.time_major`), to share one
    copy between several quantities of the same signal.

    >>> x = np.random.default_rng(0).standard_normal((2, 1000))
    >>> y = permutation_entropy_tm(time_major(x), 3, 1)
    >>> bool(np.array_equal(y, permutation_entropy(x, 3, 1)))
    True
    """
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
    terms = plogp(counts / n_emb, np.log2)
    return np.clip(-terms.sum(axis=1) / np.log2(n_perm), 0.0, 1.0)


def permutation_entropy(x: np.ndarray, order: int = 3, delay: int = 1) -> np.ndarray:
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
    References
    ----------
    Bandt & Pompe (2002), Permutation entropy: a natural complexity measure for time series,
    Phys. Rev. Lett. 88: 174102; the same values as AntroPy's ``perm_entropy(normalize=True)``.

    Examples
    --------
    A ramp shows one pattern (0); seeded white noise all six about equally (near 1):

    >>> import numpy as np
    >>> ramp = np.arange(1000.0)
    >>> noise = np.random.default_rng(0).standard_normal(1000)
    >>> np.round(permutation_entropy(np.vstack([ramp, noise])), 3) + 0.0
    array([0.   , 0.999])
    """
    return permutation_entropy_tm(time_major(x), order, delay)


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


def svd_entropy_tm(xt: np.ndarray, order: int, delay: int) -> np.ndarray:
    """:func:`svd_entropy` of a time-major array (:func:`~.utils.time_major`), to share one
    copy between several quantities of the same signal.

    >>> x = np.random.default_rng(0).standard_normal((2, 1000))
    >>> y = svd_entropy_tm(time_major(x), 3, 1)
    >>> bool(np.array_equal(y, svd_entropy(x, 3, 1)))
    True
    """
    n = xt.shape[0]
    if n - (order - 1) * delay <= 0:
        raise ValueError(f"svd_entropy needs more than {(order - 1) * delay} samples; got {n}")
    eig = np.linalg.eigvalsh(_lagged_gram(xt, order, delay))
    s = np.sqrt(np.clip(eig, 0.0, None))
    total = s.sum(axis=1, keepdims=True)
    flat = total[:, 0] <= 0
    terms = plogp(s / np.where(total > 0, total, 1.0), np.log2)
    h = np.clip(-terms.sum(axis=1) / np.log2(order), 0.0, 1.0)
    return np.where(flat, FLAT_ENTROPY, h)


def svd_entropy(x: np.ndarray, order: int = 3, delay: int = 1) -> np.ndarray:
    """Normalised SVD entropy of every channel.

    With ``Y`` the time-delay embedding matrix (rows ``[x_t, ..., x_{t+(order-1) delay}]``) and
    ``s_i`` its singular values normalised to sum 1: ``H = -sum_i s_i log2 s_i / log2(order)``.
    The singular values are the square roots of the eigenvalues of the small Gram matrix
    ``Y^T Y`` (order x order, built from lagged dot products), so no large SVD is needed.

    Returns
    -------
    ndarray, shape (n_channels,)
        0-1; :data:`FLAT_ENTROPY` for a flat channel.
    References
    ----------
    Roberts, Penny & Rezek (1999), Temporal and spatial complexity measures for EEG-based
    brain-computer interfacing, Med. Biol. Eng. Comput. 37: 93-98; the same values as AntroPy's
    ``svd_entropy(normalize=True)``.

    Examples
    --------
    A slow sine (100 samples a cycle) is nearly a straight line over three samples, one
    component (low entropy); seeded white noise needs all three (1):

    >>> import numpy as np
    >>> sine = np.sin(2 * np.pi * np.arange(5000) / 100.0)
    >>> noise = np.random.default_rng(0).standard_normal(5000)
    >>> np.round(svd_entropy(np.vstack([sine, noise])), 3)
    array([0.177, 1.   ])
    """
    return svd_entropy_tm(time_major(x), order, delay)


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


def sample_entropy(x: np.ndarray, order: int = 2, tolerance: float = 0.2) -> np.ndarray:
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
    References
    ----------
    Richman & Moorman (2000), Physiological time-series analysis using approximate entropy and
    sample entropy, Am. J. Physiol. 278: H2039-H2049; AntroPy's ``sample_entropy``.

    Examples
    --------
    A sine is predictable (low), seeded white noise is not (about 2.2 nats for r = 0.2 SD,
    ``-ln`` of the chance that two samples lie within 0.2 SD of each other):

    >>> import numpy as np
    >>> sine = np.sin(2 * np.pi * np.arange(500) / 25.0)
    >>> noise = np.random.default_rng(0).standard_normal(500)
    >>> np.round(sample_entropy(np.vstack([sine, noise])), 2)
    array([0.29, 2.26])
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
