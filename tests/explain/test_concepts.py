"""SHAP values summed per clinical concept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hms_features.constants import CLASSES
from hms_features.explain import concepts
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
    cs = concepts.concept_shap(result)
    np.testing.assert_allclose(cs.values.sum(axis=2), result.values.sum(axis=2), atol=1e-12)
    assert cs.n_features.sum() == len(names) and "other" not in cs.groups
    for row in range(len(result.raw)):
        for k in range(len(CLASSES)):
            story = concepts.explanation(result, row, k, concepts=cs)
            total = story["base_value"] + sum(c["contribution"] for c in story["concepts"])
            assert total == pytest.approx(story["raw_score"], abs=1e-6)
            assert story["class"] == CLASSES[k]
    contrib = [abs(c["contribution"]) for c in concepts.explanation(result)["concepts"]]
    assert contrib == sorted(contrib, reverse=True)


def test_a_concept_is_the_sum_of_its_features() -> None:
    table = feature_table()
    names = list(table["name"])
    result = _result(names, seed=1)
    cs = concepts.concept_shap(result)
    j = cs.groups.index("delta@right")
    members = table["concept"].to_numpy() == "delta@right"
    np.testing.assert_allclose(cs.values[:, :, j], result.values[:, :, members].sum(axis=2))
    assert cs.n_features[j] == members.sum()
    story = concepts.explanation(result, 0, "LRDA", features_per_concept=3)
    entry = next(c for c in story["concepts"] if c["concept"] == "delta@right")
    assert entry["label"] == "Delta activity, right hemisphere"
    listed = [f for f in story["features"] if f["concept"] == "delta@right"]
    assert 0 < len(listed) <= 3 and listed[0]["feature"] == entry["top_feature"]
    assert all(f["description"] and f["family"] for f in listed)


def test_undeclared_model_columns_form_their_own_group() -> None:
    names = ["LL__std", "RL__std", "my__own_feature"]
    result = _result(names, seed=2)
    result.values[:] = 0.1
    cs = concepts.concept_shap(result)
    assert cs.groups == ["amplitude@left", "amplitude@right", "other"]
    story = concepts.explanation(result, 0)
    assert {c["concept"] for c in story["concepts"]} == set(cs.groups)
    assert concepts.label("other").startswith("Other")


def test_lateralization_names_its_side_and_degree_from_the_indices_it_used() -> None:
    """Size: contribution-weighted mean |index| over the signed and abs indices; side: the
    weighted mean of the signed ones; graded by the published ranges (0.15, 0.3)."""
    names = ["LL-RL__delta_asymmetry", "global__bsi", "LP-RP__theta_asymmetry",
             "LL-RL__theta_abs_asymmetry", "LL__std"]  # fmt: skip
    rows = [  # values of the three indices, and what the label must say
        ((-0.4, -0.5, 0.45), "right", "clear", "Lateralization: more on the right"),
        ((0.3, 0.1, 0.25), "left", "slight", "Lateralization: slightly more on the left"),
        ((0.05, -0.02, 0.03), "symmetric", "none", "Lateralization: symmetric"),
        # a weak signed index alone would say symmetric; the magnitude the model used says
        # clearly lateralized, and the signed ones which side
        ((0.1, 0.2, 0.8), "left", "clear", "Lateralization: more on the left"),
    ]
    result = _result(names, seed=4, n_rows=len(rows))
    result.values[:] = 0.0
    result.values[:, :, 0] = 0.5  # weights 0.5, 0.1, 0.4 for the three indices
    result.values[:, :, 2] = 0.1
    result.values[:, :, 3] = -0.4
    result.values[:, :, 1] = 0.9  # unsigned BSI: another scale, not counted
    for r, (vals, *_) in enumerate(rows):
        result.data.iloc[r, [0, 2, 3]] = vals
    result.raw[:] = result.base_values + result.values.sum(axis=2)
    for r, (vals, side, degree, text) in enumerate(rows):
        entry = next(
            c
            for c in concepts.explanation(result, r, 0)["concepts"]
            if c["concept"] == "lateralization"
        )
        got = entry["side"]
        size = 0.5 * abs(vals[0]) + 0.1 * abs(vals[1]) + 0.4 * vals[2]
        direction = (0.5 * vals[0] + 0.1 * vals[1]) / 0.6
        assert got["size"] == pytest.approx(size) and got["direction"] == pytest.approx(direction)
        assert (got["side"], got["degree"], entry["label"]) == (side, degree, text)
        assert got["feature"] == "LL-RL__delta_asymmetry"  # the index that moved it most
    # only magnitudes moved it: the side comes from the row's signed indices
    result.values[:, :, [0, 2]] = 0.0
    entry = next(
        c for c in concepts.explanation(result, 1)["concepts"] if c["concept"] == "lateralization"
    )
    assert entry["side"]["side"] == "left" and entry["side"]["direction"] == pytest.approx(0.2)
    # no index on the (L-R)/(L+R) scale moved it: no side is claimed
    result.values[:, :, 3] = 0.0
    entry = next(
        c for c in concepts.explanation(result, 0)["concepts"] if c["concept"] == "lateralization"
    )
    assert "side" not in entry and entry["label"] == "Lateralization"
    assert concepts.side_text({"side": "asymmetric", "degree": "slight"}) == ": slightly asymmetric"
