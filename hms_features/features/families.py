"""The feature families, in output order, and the table of every declared feature.

A new family is one module that declares ``FAMILY = Family(...)`` and one entry in
:data:`FAMILIES`. The declarations are checked when this module is imported: two features
with one suffix, a feature without description or unit, an unknown concept or source all fail
there, before any window is read.
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
from hms_features.features.registry import Family, check_declarations

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
def _table() -> pd.DataFrame:
    rows = [
        {
            "name": f"{src}__{f.suffix}",
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
        for fam in FAMILIES
        for f in fam.features
        for src in f.sources
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
