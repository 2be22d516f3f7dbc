"""The feature families, in output order, and the lookups over their declarations.

A new family is one module that declares ``FAMILY = Family(...)`` and one entry in
:data:`FAMILIES`. The declarations are checked when this module is imported: two features
with one suffix, a feature without description or unit, an unknown concept or source all fail
there, before any window is read.

Every question about a feature name is answered here, from the declarations alone: the
table of every feature (:func:`feature_table`), a name's description (:func:`describe`) and
family (:func:`family_of`), and all descriptions at once (:func:`feature_descriptions`).
Explanations index one :func:`feature_table` rather than asking name by name.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from hms_features.features import (
    complexity,
    evolution,
    hjorth,
    periodicity,
    quality,
    spectral,
    spectrogram_stats,
    symmetry,
    time_domain,
    wavelet,
)
from hms_features.features.concepts import concept_group, location
from hms_features.features.registry import Family, Feature, check_declarations

#: Every feature family, in the order of the extracted columns.
FAMILIES: tuple[Family, ...] = (
    quality.FAMILY,
    time_domain.FAMILY,
    hjorth.FAMILY,
    spectral.FAMILY,
    wavelet.FAMILY,
    complexity.FAMILY,
    symmetry.FAMILY,
    periodicity.FAMILY,
    evolution.FAMILY,
    spectrogram_stats.FAMILY,
)
check_declarations(FAMILIES)

FAMILY_BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


@lru_cache(maxsize=1)
def feature_names() -> tuple[str, ...]:
    """All feature names, in output order (stable across windows and releases)."""
    return tuple(n for fam in FAMILIES for n in fam.names)


@lru_cache(maxsize=1)
def _declared() -> dict[str, tuple[Family, Feature, str]]:
    """Full name -> (family, feature, source), in output order."""
    return {
        name: (fam, f, src)
        for fam in FAMILIES
        for f in fam.features
        for name, src in zip(f.names, f.sources)
    }


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    rows = [
        {
            "name": name,
            "family": fam.name,
            "source": src,
            "suffix": f.suffix,
            "description": f.describe(src),
            "unit": f.unit,
            "span": f.span,
            "concept": concept_group(f.concept, src),
            "concepts": [f.concept, *f.also],
            "location": location(src),
        }
        for name, (fam, f, src) in _declared().items()
    ]
    return pd.DataFrame(rows)


def feature_table() -> pd.DataFrame:
    """Every declared feature, one row per column of :func:`extract_window`, in its order.

    Built from the declarations alone (nothing is extracted).

    Returns
    -------
    DataFrame
        ``name`` (``<source>__<suffix>``), ``family``, ``source``, ``suffix``,
        ``description`` (one line, with the source), ``unit``, ``span`` (``'50 s'``, ``'10 s'``
        or ``'10 min'``), ``concept`` (the group its SHAP value is added to, e.g.
        ``'delta@right'``), ``concepts`` (list: the base concept first, then any further
        concepts it bears on) and ``location`` (``'left'``, ``'right'`` or ``'head'``).

    Examples
    --------
    >>> table = feature_table()
    >>> row = table.set_index("name").loc["RL__delta_rel_power"]
    >>> row["family"], row["unit"], row["span"], row["concept"]
    ('spectral', '0-1', '50 s', 'delta@right')
    """
    return _table().copy()


def _lookup(name: str) -> tuple[Family, Feature, str]:
    try:
        return _declared()[name]
    except KeyError:
        raise KeyError(
            f"{name!r} is not a declared feature name (names look like '<source>__<feature>', "
            "e.g. 'LL__delta_rel_power'; feature_table() lists them all)"
        ) from None


def describe(name: str) -> str:
    """One-line description of a full feature name, with its source.

    Raises
    ------
    KeyError
        ``name`` is not declared by any family.

    Examples
    --------
    >>> text, where = describe("LL__std").split(" [")
    >>> text
    'Amplitude: standard deviation of the signal over the 50 s, uV'
    >>> where
    'mean over the left temporal chain (Fp1-F7-T3-T5-O1)]'
    """
    _, feature, source = _lookup(name)
    return feature.describe(source)


def family_of(name: str) -> str:
    """The name of the family that computes a full feature name (KeyError if none does)."""
    return _lookup(name)[0].name


def feature_descriptions() -> dict[str, str]:
    """Feature name -> one-line plain-language description with its unit, in output order."""
    return dict(zip(_table()["name"], _table()["description"]))
