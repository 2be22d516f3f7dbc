"""The soft-label objective: derivatives, equality with built-in multiclass, init-score folding."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from hms_features.metrics import kl_divergence
from hms_features.model.objective import (
    SoftmaxObjective,
    _tree_blocks,
    class_prior,
    fold_init_score,
    hessian_factor,
    make_kl_eval,
    softmax,
    softmax_grad_hess,
)

K = 6


def _data(seed: int = 0, n: int = 600, p: int = 40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)).astype(np.float32)
    logits = 1.5 * X[:, :K]
    probs = softmax(logits)
    y = (probs.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1)
    return X, y, np.eye(K)[y], probs


PARAMS = dict(
    num_class=K,
    learning_rate=0.1,
    num_leaves=7,
    min_data_in_leaf=10,
    feature_fraction=0.5,
    bagging_fraction=0.7,
    bagging_freq=1,
    lambda_l2=1.0,
    verbosity=-1,
    deterministic=True,
    force_col_wise=True,
    num_threads=1,
    seed=3,
    metric="None",
)


def _builtin(X, y, weights=None, rounds=30):
    """Built-in multiclass with boost_from_average (its default), trained by hand.

    The Python package resets the booster's parameters once before the first iteration with a
    custom objective (``reset_parameter({"objective": "none"})``), which re-seeds the column
    sampler; doing the same here makes ``feature_fraction`` draw the same columns.
    """
    booster = lgb.Booster(
        {**PARAMS, "objective": "multiclass"}, lgb.Dataset(X, label=y, weight=weights)
    )
    booster.reset_parameter({"objective": "multiclass", "num_class": K})
    for _ in range(rounds):
        booster.update()
    return booster


def _custom(X, Y, weights=None, rounds=30):
    start = np.log(class_prior(Y, weights))
    ds = lgb.Dataset(
        X, label=Y.argmax(axis=1), weight=weights, init_score=np.tile(start, (len(X), 1))
    )
    booster = lgb.train({**PARAMS, "objective": SoftmaxObjective(Y)}, ds, num_boost_round=rounds)
    return fold_init_score(booster, start)


def test_gradient_and_hessian_match_finite_differences():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(5, K))
    y = softmax(rng.normal(size=(5, K)))

    def loss(z):
        return -(y * np.log(softmax(z))).sum(axis=1)

    grad, hess = softmax_grad_hess(f, y)
    h = 1e-4
    for k in range(K):
        e = np.zeros(K)
        e[k] = h
        num_grad = (loss(f + e) - loss(f - e)) / (2 * h)
        num_hess = (loss(f + e) - 2 * loss(f) + loss(f - e)) / h**2
        np.testing.assert_allclose(grad[:, k], num_grad, atol=1e-8)
        np.testing.assert_allclose(hess[:, k], hessian_factor(K) * num_hess, rtol=1e-5, atol=1e-6)
    assert hessian_factor(K) == pytest.approx(1.2)


@pytest.mark.parametrize("weighted", [False, True])
def test_custom_objective_on_one_hot_equals_builtin_multiclass(weighted):
    X, y, Y, _ = _data()
    w = np.where(np.arange(len(y)) % 3 == 0, 0.25, 1.0) if weighted else None
    builtin = _builtin(X, y, w)
    custom = _custom(X, Y, w)
    np.testing.assert_allclose(
        custom.predict(X, raw_score=True), builtin.predict(X, raw_score=True), atol=1e-6, rtol=0
    )
    # the same trees: identical split features and thresholds, tree by tree
    a, b = builtin.trees_to_dataframe(), custom.trees_to_dataframe()
    assert a["split_feature"].fillna("").tolist() == b["split_feature"].fillna("").tolist()
    np.testing.assert_allclose(a["threshold"].fillna(0), b["threshold"].fillna(0))
    # start scores folded in: no init score needed, contributions add up (SHAP base included)
    contrib = custom.predict(X[:20], pred_contrib=True).reshape(20, K, -1).sum(axis=2)
    np.testing.assert_allclose(contrib, custom.predict(X[:20], raw_score=True), atol=1e-9)


def test_fold_init_score_truncates_and_keeps_tree_sizes_consistent():
    X, y, Y, _ = _data(seed=2)
    start = np.log(class_prior(Y))
    ds = lgb.Dataset(X, label=y, init_score=np.tile(start, (len(X), 1)))
    booster = lgb.train({**PARAMS, "objective": SoftmaxObjective(Y)}, ds, num_boost_round=12)
    folded = fold_init_score(booster, start, num_iteration=5)
    assert folded.current_iteration() == 5
    expected = booster.predict(X, raw_score=True, num_iteration=5) + start
    np.testing.assert_allclose(folded.predict(X, raw_score=True), expected, atol=1e-12)
    header, blocks, _ = _tree_blocks(folded.model_to_string())
    sizes = next(line for line in header.split("\n") if line.startswith("tree_sizes="))
    assert sizes == "tree_sizes=" + " ".join(str(len(b)) for b in blocks)


def test_soft_targets_beat_hard_labels_on_soft_data():
    X, _, _, probs = _data(seed=4, n=1500)
    rng = np.random.default_rng(5)
    # three votes per row drawn from the true distribution: noisy soft labels
    votes = np.stack([rng.multinomial(3, p) for p in probs])
    Y = votes / votes.sum(axis=1, keepdims=True)
    hard = votes.argmax(axis=1)
    tr, te = slice(0, 1000), slice(1000, None)
    params = {**PARAMS, "learning_rate": 0.05}
    start_soft = np.log(class_prior(Y[tr]))
    ds = lgb.Dataset(X[tr], label=hard[tr], init_score=np.tile(start_soft, (1000, 1)))
    soft = fold_init_score(
        lgb.train({**params, "objective": SoftmaxObjective(Y[tr])}, ds, 80), start_soft
    )
    hard_b = lgb.train(
        {**params, "objective": "multiclass"}, lgb.Dataset(X[tr], label=hard[tr]), 80
    )
    kl_soft = kl_divergence(probs[te], softmax(soft.predict(X[te], raw_score=True)))
    kl_hard = kl_divergence(probs[te], hard_b.predict(X[te]))
    assert kl_soft < kl_hard - 0.01


def test_kl_eval_equals_competition_metric():
    _, _, _, probs = _data(seed=6, n=50)
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(50, K))
    votes = np.stack([rng.multinomial(5, p) for p in probs])
    Y = votes / votes.sum(axis=1, keepdims=True)
    ds = lgb.Dataset(np.zeros((50, 1)), params={"verbosity": -1}).construct()
    name, value, higher = make_kl_eval(Y, raw_scores=True)(raw, ds)
    assert (name, higher) == ("kl", False)
    assert value == pytest.approx(kl_divergence(votes, softmax(raw)), rel=1e-12)
    _, value_p, _ = make_kl_eval(Y, raw_scores=False)(softmax(raw), ds)
    assert value_p == pytest.approx(value, rel=1e-12)


def test_objective_rejects_bad_targets():
    with pytest.raises(ValueError, match="distributions"):
        SoftmaxObjective(np.ones((3, K)))


def test_expanded_rows_sum_to_the_soft_objective_gradient_and_hessian():
    """Under LightGBM's multiclass loss, rows expanded into their voted classes (weight
    w * y_k) have summed gradients w (p - y) and hessians w K/(K-1) p (1 - p): those of the
    soft-label objective, row by row."""
    from hms_features.model.objective import expand_soft_labels

    rng = np.random.default_rng(2)
    votes = rng.multinomial(7, softmax(rng.normal(size=(50, K))))
    Y = votes / votes.sum(axis=1, keepdims=True)
    w = rng.uniform(0.2, 1.0, len(Y))
    raw = rng.normal(size=(len(Y), K))
    rows, labels, weights = expand_soft_labels(Y, w)
    p = softmax(raw)[rows]
    g = weights[:, None] * (p - np.eye(K)[labels])  # built-in multiclass, per expanded row
    h = weights[:, None] * hessian_factor(K) * p * (1 - p)
    want_g, want_h = softmax_grad_hess(raw, Y, w)
    np.testing.assert_allclose(
        np.stack([np.bincount(rows, g[:, k]) for k in range(K)], 1), want_g, atol=1e-12
    )
    np.testing.assert_allclose(
        np.stack([np.bincount(rows, h[:, k]) for k in range(K)], 1), want_h, atol=1e-12
    )
