"""Soft-label softmax objective and KL metric for LightGBM, and the boost-from-average bias.

LightGBM's built-in ``multiclass`` objective trains on one class index per row. The experts'
votes are a distribution, so the soft-label model minimises the cross-entropy of the softmax of
the raw scores ``f_ik`` against the vote fractions ``y_ik`` (rows summing to 1):

    L_i = -sum_k y_ik log p_ik,    p_ik = exp(f_ik) / sum_j exp(f_ij)

whose derivatives are ``dL/df_ik = p_ik - y_ik`` and ``d2L/df_ik^2 = p_ik (1 - p_ik)``. LightGBM's
own multiclass objective (``src/objective/multiclass_objective.hpp``) multiplies that diagonal
hessian by ``K / (K - 1)`` (Friedman's rescaling of the redundant K-class parameterisation), and
row weights ``w_i`` multiply both; :class:`SoftmaxObjective` does exactly the same, so with
one-hot targets it grows the same trees as ``objective="multiclass"``.

Minimising this cross-entropy minimises the competition's KL divergence, which differs from it
only by the targets' entropy (a constant).

``boost_from_average``: the built-in objective starts from ``log(class prior)`` and, once the
first iteration is grown, adds that constant to the leaves of the first tree of each class (so
the saved model predicts it). A custom objective gets no such start, so training sets the same
start as the Dataset's ``init_score`` and :func:`fold_init_score` adds it to the first
iteration's trees afterwards, giving a self-contained model file.

Conventions of lightgbm 4.x relied on: a custom objective is ``params["objective"] = callable``;
it and a ``feval`` receive scores as an (n, K) array (raw margins for a custom objective,
probabilities for the built-in one) and return (n, K) gradients/hessians. Before its first
iteration with a custom objective, the Python package calls ``reset_parameter({"objective":
"none"})``, which re-seeds the column sampler: to reproduce built-in trees exactly with
``feature_fraction < 1`` the built-in booster needs the same reset (see the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # LightGBM is imported where it runs (the parser reads the variants)
    import lightgbm as lgb

#: Predictions are clipped to [EPS, 1 - EPS] before the log, as the competition's scorer does.
EPS: float = 1e-15


def softmax(raw: np.ndarray) -> np.ndarray:
    """Row-wise softmax ``exp(f_k - max f) / sum_j exp(f_j - max f)`` of raw scores (n, K)."""
    z = np.asarray(raw, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def hessian_factor(n_classes: int) -> float:
    """LightGBM's multiclass hessian factor ``K / (K - 1)``."""
    if n_classes < 2:
        raise ValueError(f"need at least 2 classes, got {n_classes}")
    return n_classes / (n_classes - 1.0)


def softmax_grad_hess(
    raw: np.ndarray, targets: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and hessian of the soft-label softmax cross-entropy.

    Parameters
    ----------
    raw : array (n, K)
        Raw scores (margins) ``f_ik``.
    targets : array (n, K)
        Target distribution per row (vote fractions, rows summing to 1).
    weights : array (n,), optional
        Row weights ``w_i``.

    Returns
    -------
    grad, hess : arrays (n, K)
        ``w_i (p_ik - y_ik)`` and ``w_i K/(K-1) p_ik (1 - p_ik)``.
    """
    p = softmax(raw)
    grad = p - targets
    hess = hessian_factor(p.shape[1]) * p * (1.0 - p)
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)[:, None]
        grad = grad * w
        hess = hess * w
    return grad, hess


class SoftmaxObjective:
    """A LightGBM custom objective (``params["objective"] = SoftmaxObjective(targets)``).

    ``targets`` (n_rows, K) must be in the Dataset's row order (a ``Dataset.subset`` sorts its
    indices: build targets from the sorted indices). Row weights are read from the Dataset, as
    LightGBM's built-in objectives do.
    """

    def __init__(self, targets: np.ndarray) -> None:
        t = np.asarray(targets, dtype=np.float64)
        if t.ndim != 2:
            raise ValueError(f"targets must be (n_rows, n_classes), got shape {t.shape}")
        sums = t.sum(axis=1)
        if (t < 0).any() or not np.allclose(sums, 1.0, atol=1e-6):
            raise ValueError("targets must be non-negative distributions (rows summing to 1)")
        self.targets = t

    def __call__(self, preds: np.ndarray, data: lgb.Dataset) -> tuple[np.ndarray, np.ndarray]:
        raw = np.asarray(preds, dtype=np.float64)
        if raw.ndim == 1:  # lightgbm < 4 passed a class-major flat vector
            raw = raw.reshape(self.targets.shape, order="F")
        if raw.shape != self.targets.shape:
            raise ValueError(
                f"objective got raw scores of shape {raw.shape} but holds targets of shape "
                f"{self.targets.shape}; the Dataset and the targets do not match"
            )
        return softmax_grad_hess(raw, self.targets, data.get_weight())


def expand_soft_labels(
    targets: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Soft labels as weighted hard labels: each row once per class it was voted for.

    Row ``i`` with vote fractions ``y_i`` becomes rows labelled ``k`` with weight
    ``w_i * y_ik`` for every ``k`` with ``y_ik > 0``. Under LightGBM's built-in multiclass
    objective their summed gradient is ``w_i * (p_i - y_i)`` (since ``sum_k y_ik = 1``) and their
    summed hessian ``w_i * K/(K-1) * p_i (1 - p_i)`` (it does not depend on the label): exactly
    those of :func:`softmax_grad_hess` (``tests/model/test_model_objective.py`` checks it). The
    trees agree only up to rounding: LightGBM sums float32 gradients, in another order over the
    expanded rows, and a near-tie between two splits can then go the other way (seen within
    10-50 trees), after which the models drift apart.

    Parameters
    ----------
    targets : ndarray (n, K)
        Vote fractions, rows summing to 1.
    weights : ndarray (n,), optional
        Row weights (default 1).

    Returns
    -------
    rows : ndarray (m,) of int64
        The original row of each expanded row (index into ``targets``).
    labels : ndarray (m,) of int64
        Class of each expanded row.
    weights : ndarray (m,) of float64
        ``w_i * y_ik``.
    """
    targets = np.asarray(targets, dtype=np.float64)
    rows, labels = np.nonzero(targets > 0)
    w = targets[rows, labels]
    if weights is not None:
        w = w * np.asarray(weights, dtype=np.float64)[rows]
    return rows.astype(np.int64), labels.astype(np.int64), w


def kl_rows(targets: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Per-row KL divergence ``sum_k y_k log(y_k / clip(p_k))`` in nats (0 log 0 = 0)."""
    y = np.asarray(targets, dtype=np.float64)
    p = np.clip(np.asarray(probs, dtype=np.float64), EPS, 1.0 - EPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / p), 0.0)
    return terms.sum(axis=1)


def weighted_kl(targets: np.ndarray, probs: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Mean (optionally weighted: ``sum w_i KL_i / sum w_i``) of :func:`kl_rows`."""
    rows = kl_rows(targets, probs)
    if weights is None:
        return float(rows.mean())
    w = np.asarray(weights, dtype=np.float64)
    return float((rows * w).sum() / w.sum())


def make_kl_eval(
    targets: np.ndarray, raw_scores: bool
) -> Callable[[np.ndarray, lgb.Dataset], tuple[str, float, bool]]:
    """A LightGBM ``feval`` returning ``("kl", mean KL, False)`` on one validation Dataset.

    Parameters
    ----------
    targets : array (n_valid, K)
        Vote fractions of the validation rows, in the Dataset's row order.
    raw_scores : bool
        True for a custom objective (LightGBM passes raw margins, softmax is applied here);
        False for the built-in ``multiclass`` (it passes probabilities).

    The mean is weighted by the Dataset's weights when it has any.
    """
    y = np.asarray(targets, dtype=np.float64)

    def kl_eval(preds: np.ndarray, data: lgb.Dataset) -> tuple[str, float, bool]:
        p = np.asarray(preds, dtype=np.float64)
        if p.ndim == 1:
            p = p.reshape(y.shape, order="F")
        if p.shape != y.shape:  # the training set, or a Dataset this feval was not made for
            return "kl", float("nan"), False
        probs = softmax(p) if raw_scores else p
        return "kl", weighted_kl(y, probs, data.get_weight()), False

    return kl_eval


def class_prior(targets: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Weighted mean target distribution ``sum_i w_i y_i / sum_i w_i`` (K,), as LightGBM's
    ``class_init_probs`` for one-hot targets."""
    y = np.asarray(targets, dtype=np.float64)
    if weights is None:
        return y.mean(axis=0)
    w = np.asarray(weights, dtype=np.float64)
    return (y * w[:, None]).sum(axis=0) / w.sum()


def prior_init_score(prior: np.ndarray, n_rows: int) -> np.ndarray:
    """``log(max(prior, 1e-15))`` repeated for ``n_rows`` rows: (n_rows, K), the built-in start."""
    start = np.log(np.maximum(np.asarray(prior, dtype=np.float64), 1e-15))
    return np.tile(start, (n_rows, 1))


def _tree_blocks(model_str: str) -> tuple[str, list[str], str]:
    """Split a LightGBM model text into (header, tree blocks, tail)."""
    first = model_str.find("\nTree=0\n")
    end = model_str.find("end of trees")
    if first < 0 or end < 0:
        raise ValueError("not a LightGBM model text with trees")
    header, body, tail = model_str[: first + 1], model_str[first + 1 : end], model_str[end:]
    starts = [i for i in _find_all(body, "Tree=") if i == 0 or body[i - 1] == "\n"]
    blocks = [body[a:b] for a, b in zip(starts, starts[1:] + [len(body)], strict=True)]
    return header, blocks, tail


def _find_all(text: str, sub: str) -> list[int]:
    out, i = [], text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def _shift_line(block: str, key: str, bias: float, fmt: str) -> str:
    lines = block.split("\n")
    for j, line in enumerate(lines):
        if line.startswith(key + "="):
            values = line[len(key) + 1 :].split()
            lines[j] = key + "=" + " ".join(format(float(v) + bias, fmt) for v in values)
    return "\n".join(lines)


def fold_init_score(
    booster: lgb.Booster, init: np.ndarray, num_iteration: int | None = None
) -> lgb.Booster:
    """A copy of ``booster`` whose first iteration's trees include the start scores ``init``.

    This is what LightGBM's built-in ``boost_from_average`` does (``Tree::AddBias``): the
    constant ``init[k]`` is added to every leaf value and internal value of the first tree of
    class ``k``, so that the saved model predicts ``init + trees`` without any init score.

    Parameters
    ----------
    booster : Booster
        Trained with ``init_score`` = ``init`` on its Dataset.
    init : array (K,)
        The start score per class (raw margin).
    num_iteration : int, optional
        Keep only the first ``num_iteration`` iterations (e.g. the early-stopping best).

    Returns
    -------
    Booster
        A new Booster loaded from the edited model text.
    """
    n_iter = -1 if num_iteration is None else int(num_iteration)
    text = booster.model_to_string(num_iteration=n_iter)
    header, blocks, tail = _tree_blocks(text)
    init = np.asarray(init, dtype=np.float64)
    if len(blocks) < len(init):
        raise ValueError(f"model has {len(blocks)} trees, fewer than the {len(init)} classes")
    for k, bias in enumerate(init):
        if bias == 0.0:
            continue
        b = _shift_line(blocks[k], "leaf_value", float(bias), ".17g")
        blocks[k] = _shift_line(b, "internal_value", float(bias), "g")
    sizes = " ".join(str(len(b.encode())) for b in blocks)
    header_lines = [
        f"tree_sizes={sizes}" if line.startswith("tree_sizes=") else line
        for line in header.split("\n")
    ]
    import lightgbm as lgb

    return lgb.Booster(model_str="\n".join(header_lines) + "".join(blocks) + tail)
