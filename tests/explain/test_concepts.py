"""SHAP values summed per clinical concept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES
from hms_features.explain import concepts as cv
from hms_features.explain.shap_values import ShapResult
from hms_features.features.families import feature_table


def _result(names: list[str], seed: int = 0, n_rows: int = 4) -> ShapResult:
    rng = np.random.default_rng(seed)
    values = rng.normal(0, 0.05, (n_rows, len(CLASSES), len(names)))
    values[:, :, rng.random(len(names)) < 0.5] = 0.0  # unused features
    base = rng.normal(0, 1, (n_rows, len(CLASSES)))
    raw = base + values.sum(axis=2)
    probs = np.exp(raw) / np.exp(raw).sum(axis=1, keepdims=True)
    data = pd.DataFrame(rng.normal(size=(n_rows, len(names))), columns=names)
    return ShapResult(values, base, raw, probs, data, tuple(CLASSES))


def test_concepts_add_up_to_the_raw_score() -> None:
    names = list(feature_table()["name"])
    result = _result(names)
    cs = cv.concept_shap(result)
    np.testing.assert_allclose(cs.values.sum(axis=2), result.values.sum(axis=2), atol=1e-12)
    assert cs.n_features.sum() == len(names) and "other" not in cs.groups
    for row in range(len(result.raw)):
        for k in range(len(CLASSES)):
            story = cv.explanation(result, row, k, concepts=cs)
            total = story["base_value"] + sum(c["contribution"] for c in story["concepts"])
            assert total == pytest.approx(story["raw_score"], abs=1e-6)
            assert story["class"] == CLASSES[k]
    contrib = [abs(c["contribution"]) for c in cv.explanation(result)["concepts"]]
    assert contrib == sorted(contrib, reverse=True)


def test_a_concept_is_the_sum_of_its_features() -> None:
    table = feature_table()
    names = list(table["name"])
    result = _result(names, seed=1)
    cs = cv.concept_shap(result)
    j = cs.groups.index("delta@right")
    members = table["concept"].to_numpy() == "delta@right"
    np.testing.assert_allclose(cs.values[:, :, j], result.values[:, :, members].sum(axis=2))
    assert cs.n_features[j] == members.sum()
    story = cv.explanation(result, 0, "LRDA", features_per_concept=3)
    entry = next(c for c in story["concepts"] if c["concept"] == "delta@right")
    assert entry["label"] == "Delta activity, right hemisphere"
    listed = [f for f in story["features"] if f["concept"] == "delta@right"]
    assert 0 < len(listed) <= 3 and listed[0]["feature"] == entry["top_feature"]
    assert all(f["description"] and f["family"] for f in listed)


def test_undeclared_model_columns_form_their_own_group() -> None:
    names = ["LL__std", "RL__std", "my__own_feature"]
    result = _result(names, seed=2)
    result.values[:] = 0.1
    cs = cv.concept_shap(result)
    assert cs.groups == ["amplitude@left", "amplitude@right", "other"]
    story = cv.explanation(result, 0)
    assert {c["concept"] for c in story["concepts"]} == set(cs.groups)
    assert cv.label("other").startswith("Other")


def test_lateralization_names_its_side_from_the_leading_signed_index() -> None:
    names = ["LL-RL__delta_asymmetry", "global__bsi", "LP-RP__theta_asymmetry", "LL__std"]
    result = _result(names, seed=4, n_rows=4)
    result.values[:] = 0.0
    result.values[:, :, 0] = 0.5  # the delta asymmetry moves every row most
    result.values[:, :, 2] = 0.1
    result.values[:, :, 1] = 0.9  # unsigned (BSI): says how much, not which side
    result.data.iloc[:, 0] = [-0.4, 0.3, 0.02, 0.2]
    result.data.iloc[:, 2] = [0.9, 0.9, 0.9, 0.9]
    result.raw[:] = result.base_values + result.values.sum(axis=2)
    sides = []
    for row in range(4):
        entry = next(
            c
            for c in cv.explanation(result, row, 0)["concepts"]
            if c["concept"] == "lateralization"
        )
        assert entry["side"]["feature"] == "LL-RL__delta_asymmetry"
        sides.append((entry["side"]["side"], entry["label"]))
    assert sides == [
        ("right", "Lateralization: more on the right"),
        ("left", "Lateralization: more on the left"),
        ("symmetric", "Lateralization: symmetric"),
        ("left", "Lateralization: slightly more on the left"),  # 0.15-0.3
    ]
    result.values[:, :, [0, 2]] = 0.0  # no signed index moved it: no side is claimed
    entry = next(
        c for c in cv.explanation(result, 0)["concepts"] if c["concept"] == "lateralization"
    )
    assert "side" not in entry and entry["label"] == "Lateralization"
