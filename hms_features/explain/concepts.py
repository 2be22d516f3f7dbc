"""SHAP values summed per clinical concept: explanations a neurologist can read.

Every feature belongs to one concept group (:mod:`hms_features.features.concepts`, e.g.
``'delta@right'``, ``'lateralization'``). SHAP values are additive, so a group's contribution
is the sum of its features' contributions, and the groups add up to the raw score exactly as
the features do: ``base_value + sum(concept contributions) == raw_score``. A model column that
no declaration knows (a model trained on an older feature set) goes to the group ``'other'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hms_features.explain.shap_values import (
    FeatureQuantiles,
    ShapResult,
    feature_info,
    sum_by_group,
)
from hms_features.features.concepts import concept_description, concept_groups, concept_label

#: Group of the model columns that no feature declaration knows.
OTHER: str = "other"
#: Left-right asymmetry, |L-R|/(L+R), from which a side is named: generalized patterns stay
#: under 0.15 in published IIIC examples (HMS.md) ...
SIDE_THRESHOLD: float = 0.15
#: ... and from this size on it is a clear lateralization (LPD and LRDA: about 0.3-0.5);
#: between the two the side is named as slight.
CLEAR_SIDE_THRESHOLD: float = 0.3


@lru_cache(maxsize=1)
def _declared_groups() -> dict[str, str]:
    from hms_features.features.families import feature_table

    table = feature_table()
    return dict(zip(table["name"], table["concept"]))


@lru_cache(maxsize=1)
def _asymmetry_indices() -> tuple[frozenset[str], frozenset[str]]:
    """The lateralization features on the (L-R)/(L+R) scale: the signed indices (-1 to 1,
    positive = more on the left) and their magnitudes (``abs_asymmetry``, 0 to 1)."""
    from hms_features.features.families import feature_table

    table = feature_table()
    lateral = table["concept"] == "lateralization"
    signed = lateral & (table["unit"] == "-1 to 1")
    magnitude = lateral & table["suffix"].str.contains("abs_asymmetry")
    return frozenset(table.loc[signed, "name"]), frozenset(table.loc[magnitude, "name"])


def lateral_side(names: Sequence[str], values: np.ndarray, contrib: np.ndarray) -> dict | None:
    """How lateralized a row is, and to which side, in the asymmetry indices the model used.

    Over the left-right indices on the (L-R)/(L+R) scale that moved the prediction (signed
    ones and their magnitudes, ``abs_asymmetry``), each weighted by the size of its
    contribution: the mean magnitude ``size`` says how asymmetric the EEG is (``'symmetric'``
    under :data:`SIDE_THRESHOLD`; ``degree`` ``'slight'`` below :data:`CLEAR_SIDE_THRESHOLD`,
    ``'clear'`` from it on) and the mean of the signed ones, ``direction``, the side
    (positive = ``'left'``). When no signed index moved the prediction the side is read from
    the plain mean of the row's signed indices; with none at all it is ``'asymmetric'``.

    Returns ``{'side', 'degree', 'size', 'direction', 'feature', 'value'}`` (``feature`` and
    ``value``: the index that moved the prediction most), or None when none of these indices
    moved it.
    """
    signed, magnitude = _asymmetry_indices()
    values = np.asarray(values, dtype=np.float64)
    contrib = np.asarray(contrib, dtype=np.float64)
    ok = np.isfinite(values)
    is_signed = np.array([n in signed for n in names]) & ok
    is_index = (is_signed | np.array([n in magnitude for n in names])) & ok
    used = is_index & (contrib != 0.0)
    if not used.any():
        return None
    weight = np.abs(contrib) * used
    size = float((weight * np.abs(values)).sum() / weight.sum())
    w_signed = weight * is_signed
    if w_signed.sum() > 0:
        direction = float((w_signed * values).sum() / w_signed.sum())
    elif is_signed.any():
        direction = float(values[is_signed].mean())
    else:
        direction = float("nan")
    if size < SIDE_THRESHOLD:
        side, degree = "symmetric", "none"
    else:
        degree = "clear" if size >= CLEAR_SIDE_THRESHOLD else "slight"
        side = (
            "asymmetric"
            if not np.isfinite(direction) or direction == 0
            else ("left" if direction > 0 else "right")
        )
    top = int(np.argmax(weight))
    return {
        "side": side,
        "degree": degree,
        "size": size,
        "direction": direction,
        "feature": names[top],
        "value": float(values[top]),
    }


def side_text(side: dict) -> str:
    """The label's tail for :func:`lateral_side`: ``': symmetric'``, ``': slightly more on the
    left'``, ``': more on the right'``, or ``': (slightly) asymmetric'`` when the side is
    unknown."""
    if side["side"] == "symmetric":
        return ": symmetric"
    slight = "slightly " if side["degree"] == "slight" else ""
    if side["side"] == "asymmetric":
        return f": {slight}asymmetric"
    return f": {slight}more on the {side['side']}"


def concept_of(names: Sequence[str]) -> list[str]:
    """The concept group of each feature name (``'other'`` for an undeclared name)."""
    groups = _declared_groups()
    return [groups.get(n, OTHER) for n in names]


def label(group: str) -> str:
    """Readable label of a group, e.g. ``'Delta activity, right hemisphere'``."""
    return "Other (undeclared) features" if group == OTHER else concept_label(group)


def description(group: str) -> str:
    """Plain-language line of a group."""
    if group == OTHER:
        return "Model inputs that the current feature declarations do not describe"
    return concept_description(group)


@dataclass
class ConceptShap:
    """SHAP values of a :class:`ShapResult` summed per concept group.

    Attributes
    ----------
    values : ndarray, shape (n_rows, n_classes, n_groups)
        Summed contributions (log-odds units).
    groups : list of str
        Group keys in column order (vocabulary order; only groups with a model feature).
    membership : ndarray of int, shape (n_features,)
        Column of ``groups`` each model feature is added to.
    n_features : ndarray of int, shape (n_groups,)
        Model features per group.
    """

    values: np.ndarray
    groups: list[str]
    membership: np.ndarray
    n_features: np.ndarray


def concept_membership(names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The concept groups among ``names`` (vocabulary order, ``'other'`` last) and the index
    in that list of each name's group."""
    per_feature = concept_of(names)
    present = set(per_feature)
    groups = [g for g in [*concept_groups(), OTHER] if g in present]
    pos = {g: i for i, g in enumerate(groups)}
    return groups, np.array([pos[g] for g in per_feature], dtype=np.int64)


def concept_shap(result: ShapResult) -> ConceptShap:
    """Sum a result's SHAP values per concept group."""
    groups, membership = concept_membership(result.feature_names)
    values = sum_by_group(result.values, membership, len(groups))
    counts = np.bincount(membership, minlength=len(groups))
    return ConceptShap(values=values, groups=groups, membership=membership, n_features=counts)


def explanation(
    result: ShapResult,
    row: int = 0,
    cls: str | int | None = None,
    quantiles: FeatureQuantiles | None = None,
    features_per_concept: int = 5,
    concepts: ConceptShap | None = None,
) -> dict:
    """One prediction told in concepts: the per-EEG JSON's ``explanation`` object.

    Parameters
    ----------
    result : ShapResult
    row : int
        Position of the row in ``result``.
    cls : str or int, optional
        Class explained (default: the predicted one).
    quantiles : FeatureQuantiles, optional
        Training population quantiles (feature percentiles; None without them).
    features_per_concept : int
        Features listed under each concept, by decreasing |contribution|.
    concepts : ConceptShap, optional
        :func:`concept_shap` of ``result`` if already computed.

    Returns
    -------
    dict
        ``class``, ``base_value``, ``raw_score``, ``concepts``: one entry per group by
        decreasing |contribution| with ``concept``, ``label``, ``description``,
        ``contribution``, ``n_features``, ``top_feature`` (lateralization also ``side``, from
        :func:`lateral_side`, named in its label); and ``features``: for each concept
        (same order) its top features with ``feature``, ``concept``, ``description``,
        ``value``, ``percentile``, ``contribution``. ``base_value`` plus the sum of the
        concept contributions equals ``raw_score`` (to float rounding).
    """
    cs = concepts if concepts is not None else concept_shap(result)
    k = int(np.argmax(result.probs[row])) if cls is None else result.class_index(cls)
    contrib = result.values[row, k, :]
    per_group = cs.values[row, k, :]
    values = result.data.iloc[row].to_numpy(dtype=np.float64)
    pct = (
        quantiles.percentile(result.data.iloc[[row]]).iloc[0].to_numpy(dtype=np.float64)
        if quantiles is not None
        else np.full(len(contrib), np.nan)
    )
    names = result.feature_names
    info = feature_info(names)
    families, texts = info["family"].to_numpy(), info["description"].to_numpy()
    entries, features = [], []
    for j in np.argsort(-np.abs(per_group), kind="stable"):
        members = np.flatnonzero(cs.membership == j)
        members = members[np.argsort(-np.abs(contrib[members]), kind="stable")]
        used = members[contrib[members] != 0.0]
        group = cs.groups[j]
        entry = {
            "concept": group,
            "label": label(group),
            "description": description(group),
            "contribution": float(per_group[j]),
            "n_features": int(cs.n_features[j]),
            "top_feature": names[used[0]] if len(used) else None,
        }
        if group == "lateralization":
            side = lateral_side(names, values, contrib)
            if side is not None:
                entry["side"] = side
                entry["label"] += side_text(side)
        entries.append(entry)
        for i in used[: max(0, int(features_per_concept))]:
            features.append(
                {
                    "feature": names[i],
                    "concept": group,
                    "family": families[i],
                    "description": texts[i],
                    "value": _finite(values[i]),
                    "percentile": _finite(pct[i]),
                    "contribution": float(contrib[i]),
                }
            )
    return {
        "class": result.classes[k],
        "probability": float(result.probs[row, k]),
        "base_value": float(result.base_values[row, k]),
        "raw_score": float(result.raw[row, k]),
        "concepts": entries,
        "features": features,
    }


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None
