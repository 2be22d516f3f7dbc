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
- ``sample_entropy_10s``: the labelled central 10 s at 100 Hz, halved again to 50 Hz with an
  anti-alias polyphase filter (:func:`scipy.signal.resample_poly`; 500 samples). Sample entropy
  costs O(n^2) comparisons; 500 samples (and a sorted sweep, see
  :func:`_sample_entropy_counts`) keep it to a few ms for all 18 channels while covering the
  0.5-20 Hz range of the clinical patterns.

All functions take ``(n_channels, n_times)`` arrays and are vectorised over channels (sample
entropy uses a compiled numba loop over channels and sample pairs). Each agrees with AntroPy's
1-D function on the same input (see ``tests/features/test_complexity.py``). Region values are
the mean of the region's four channels; ``global`` values the mean of all 18 channels.

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

from hms_features.features.context import WindowContext
from hms_features.features.registry import per_channel, register_family

#: Sampling rate (Hz) of the signal most complexity features see (the 50 s decimated by 2).
COMPLEXITY_FS: float = 100.0
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
# decimation
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


def resample_for_sample_entropy(
    x: np.ndarray, fs: float, target_fs: float = SAMPLE_ENTROPY_FS
) -> np.ndarray:
    """Anti-aliased down-sampling (polyphase FIR) to ``target_fs``, shape (n_channels, n')."""
    step = max(1, int(round(fs / target_fs)))
    if step == 1:
        return np.ascontiguousarray(x, dtype=np.float64)
    return np.ascontiguousarray(sps.resample_poly(x, 1, step, axis=-1), dtype=np.float64)


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
    return table


def permutation_entropy(
    x: np.ndarray, order: int = PERM_ORDER, delay: int = PERM_DELAY
) -> np.ndarray:
    """Normalised permutation entropy (Bandt & Pompe 2002) of every channel.

    ``H = -sum_pi p(pi) log2 p(pi) / log2(order!)`` over the ordinal patterns ``pi`` of the
    embedding vectors ``[x_t, x_{t+delay}, ..., x_{t+(order-1) delay}]``.

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
    x = np.asarray(x, dtype=np.float64)
    n_ch, n = x.shape
    n_emb = n - (order - 1) * delay
    if n_emb <= 0:
        raise ValueError(
            f"permutation_entropy needs more than {(order - 1) * delay} samples; got {n}"
        )
    cols = [x[:, i * delay : i * delay + n_emb] for i in range(order)]
    key = np.zeros((n_ch, n_emb), dtype=np.int64)
    for bit, (i, j) in enumerate(itertools.combinations(range(order), 2)):
        key |= (cols[i] <= cols[j]).astype(np.int64) << bit
    n_perm = factorial(order)
    codes = _ordinal_lookup(order)[key] + (np.arange(n_ch, dtype=np.int64) * n_perm)[:, None]
    counts = np.bincount(codes.ravel(), minlength=n_ch * n_perm).reshape(n_ch, n_perm)
    p = counts / n_emb
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return np.clip(-plogp.sum(axis=1) / np.log2(n_perm), 0.0, 1.0)


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
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[1]
    n_emb = n - (order - 1) * delay
    if n_emb <= 0:
        raise ValueError(f"svd_entropy needs more than {(order - 1) * delay} samples; got {n}")
    cols = np.stack([x[:, i * delay : i * delay + n_emb] for i in range(order)], axis=1)
    gram = np.einsum("cit,cjt->cij", cols, cols)
    eig = np.linalg.eigvalsh(gram)
    s = np.sqrt(np.clip(eig, 0.0, None))
    total = s.sum(axis=1, keepdims=True)
    flat = total[:, 0] <= 0
    p = s / np.where(total > 0, total, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    h = np.clip(-plogp.sum(axis=1) / np.log2(order), 0.0, 1.0)
    return np.where(flat, FLAT_ENTROPY, h)


@numba.njit(cache=True, nogil=True)
def _sample_entropy_counts(x: np.ndarray, order: int, r: np.ndarray) -> np.ndarray:
    """Per channel: (B, A) = numbers of template pairs matching for ``order`` and ``order+1``.

    Templates are visited in order of their first sample, so that for each template only the
    few others whose first sample lies within ``r`` are compared (a sorted sweep): the counts
    are those of the plain O(n^2) double loop, for about a tenth of its cost.
    """
    n_ch, n = x.shape
    out = np.zeros((n_ch, 2), dtype=np.int64)
    n_templates = n - order
    for c in range(n_ch):
        tol = r[c]
        first = x[c, :n_templates]
        order_idx = np.argsort(first)
        sorted_first = first[order_idx]
        b = 0
        a = 0
        for p in range(n_templates - 1):
            i = order_idx[p]
            q = p + 1
            while q < n_templates and sorted_first[q] - sorted_first[p] < tol:
                j = order_idx[q]
                match = True
                for k in range(1, order):
                    if abs(x[c, i + k] - x[c, j + k]) >= tol:
                        match = False
                        break
                if match:
                    b += 1
                    if abs(x[c, i + order] - x[c, j + order]) < tol:
                        a += 1
                q += 1
        out[c, 0] = b
        out[c, 1] = a
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
def _higuchi_log_lengths(x: np.ndarray, kmax: int) -> np.ndarray:
    """``ln L(k)`` for k = 1..kmax and every channel (0 where ``L(k) = 0``)."""
    n_ch, n = x.shape
    out = np.zeros((n_ch, kmax))
    for c in range(n_ch):
        for k in range(1, kmax + 1):
            total = 0.0
            for m in range(k):
                n_m = (n - m - 1) // k
                s = 0.0
                for j in range(1, n_m + 1):
                    s += abs(x[c, m + j * k] - x[c, m + (j - 1) * k])
                total += s * (n - 1) / (k * k * n_m)
            lk = total / k
            out[c, k - 1] = np.log(lk) if lk > 0 else 0.0
    return out


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
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[1]
    if n <= 2 * kmax:
        raise ValueError(f"higuchi_fd needs more than {2 * kmax} samples; got {n}")
    log_l = _higuchi_log_lengths(x, int(kmax))
    flat = ~(np.abs(np.diff(x, axis=1)).max(axis=1) > 0)
    fd = _slope(np.log(1.0 / np.arange(1, kmax + 1)), log_l)
    return np.where(flat, FLAT_FRACTAL_DIMENSION, fd)


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
    x = np.asarray(x, dtype=np.float64)
    steps = np.abs(np.diff(x, axis=1))
    total = steps.sum(axis=1)
    a = steps.mean(axis=1)
    d = np.abs(x - x[:, :1]).max(axis=1)
    ok = a > 0
    a_safe = np.where(ok, a, 1.0)
    ratio = np.maximum(d / a_safe, KATZ_MIN_EXCURSION_RATIO)
    fd = np.log10(np.where(ok, total / a_safe, 1.0)) / np.log10(ratio)
    return np.where(ok, fd, FLAT_FRACTAL_DIMENSION)


def petrosian_fd(x: np.ndarray) -> np.ndarray:
    """Petrosian fractal dimension of every channel.

    ``P = log10(N) / (log10(N) + log10(N / (N + 0.4 N_delta)))`` with ``N`` the number of
    samples and ``N_delta`` the number of sign changes of the first difference (a zero
    difference counts as positive). Exactly 1 for a flat or monotonic signal.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[1]
    n_delta = np.count_nonzero(np.diff(np.signbit(np.diff(x, axis=1)), axis=1), axis=1)
    return np.log10(n) / (np.log10(n) + np.log10(n / (n + 0.4 * n_delta)))


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


@numba.njit(cache=True, nogil=True)
def _dfa_fluctuations(x: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``F(n)`` for every channel and box size (see :func:`dfa_exponent`)."""
    n_ch, n = x.shape
    out = np.zeros((n_ch, sizes.size))
    c1 = np.zeros(n + 1)
    c2 = np.zeros(n + 1)
    ct = np.zeros(n + 1)
    for c in range(n_ch):
        mean = 0.0
        for i in range(n):
            mean += x[c, i]
        mean /= n
        y = 0.0
        for i in range(n):  # cumulative sums of the profile y, y^2 and t*y
            y += x[c, i] - mean
            c1[i + 1] = c1[i] + y
            c2[i + 1] = c2[i] + y * y
            ct[i + 1] = ct[i] + i * y
        for s in range(sizes.size):
            size = sizes[s]
            n_box = n // size
            t_mean = (size - 1) / 2.0
            sxx = size * (size * size - 1) / 12.0
            acc = 0.0
            for box in range(n_box):
                b0 = box * size
                b1 = b0 + size
                s1 = c1[b1] - c1[b0]
                syy = c2[b1] - c2[b0] - s1 * s1 / size
                sxy = ct[b1] - ct[b0] - b0 * s1 - t_mean * s1  # sum of (t_local - t_mean) * y
                rss = syy - sxy * sxy / sxx
                if rss > 0:
                    acc += rss / size
            out[c, s] = np.sqrt(acc / n_box)
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
    x = np.ascontiguousarray(x, dtype=np.float64)
    sizes = dfa_scales(x.shape[1])
    fluct = _dfa_fluctuations(x, sizes)
    log_n = np.log(sizes.astype(np.float64))
    valid = fluct > 0
    out = np.full(x.shape[0], FLAT_DFA)
    all_valid = valid.all(axis=1)
    if all_valid.any():
        out[all_valid] = _slope(log_n, np.log(fluct[all_valid]))
    for c in np.flatnonzero(~all_valid & (valid.sum(axis=1) >= 2)):  # rare: some scales flat
        out[c] = _slope(log_n[valid[c]], np.log(fluct[c, valid[c]])[None, :])[0]
    return out


# --------------------------------------------------------------------------------------------
# the family
# --------------------------------------------------------------------------------------------
def complexity_values(ctx: WindowContext) -> dict[str, np.ndarray]:
    """Feature suffix -> one value per bipolar channel (18,), see the module docstring."""
    x100 = decimate_by_slicing(ctx.x, ctx.fs)
    c100 = decimate_by_slicing(ctx.center, ctx.fs)
    c50 = resample_for_sample_entropy(c100, COMPLEXITY_FS)
    return {
        "perm_entropy": permutation_entropy(x100),
        "perm_entropy_10s": permutation_entropy(c100),
        "svd_entropy": svd_entropy(x100),
        "sample_entropy_10s": sample_entropy(c50),
        "higuchi_fd": higuchi_fd(x100),
        "katz_fd": katz_fd(x100),
        "petrosian_fd": petrosian_fd(x100),
        "dfa_exponent": dfa_exponent(x100),
    }


@register_family("complexity", DESCRIPTIONS)
def complexity_features(ctx: WindowContext) -> dict[str, float]:
    """Entropies and fractal dimensions per channel, per region (mean of 4) and whole head."""
    values = complexity_values(ctx)
    out: dict[str, float] = {}
    for name, v in values.items():
        v = np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0)  # guard; finite by construction
        out.update(per_channel(name, v))
        out[f"global__{name}"] = float(v.mean())
    return out
