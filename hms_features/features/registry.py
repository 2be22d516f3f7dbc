"""Declared features: what a family computes, named, described and placed in a concept.

A family is one module of :mod:`hms_features.features` that declares a :class:`Family`: a name,
a compute function ``(ctx: WindowContext) -> dict[str, float]`` and its :class:`Feature`
declarations. Each declared feature has a suffix, a one-line description, a unit, a span and
the sources it is computed for; its full names are ``<source>__<suffix>``. Sources are:

- a bipolar channel, ``Fp1-F7``;
- a region (the mean of its four chains' values, or of their PSDs), ``LL``, ``RL``, ``LP``, ``RP``;
- a left-right region pair, ``LL-RL`` or ``LP-RP``;
- a spectrogram region or pair, ``spec_LL`` ... ``spec_LL-RL``;
- ``global`` for whole-head quantities.

Suffix ``_10s`` marks a feature computed on the labelled central 10 s instead of the 50 s.
The declarations, not a trial extraction, define the names and their order; the families are
listed in :data:`hms_features.features.families.FAMILIES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from hms_features.features.concepts import CONCEPTS, concept_group
from hms_features.signal.montage import (
    BIPOLAR_NAMES,
    REGION_DESCRIPTIONS,
    REGION_MEAN,
    REGION_PAIRS,
    REGIONS,
)

ComputeFunc = Callable[..., dict[str, float]]

#: Source sets used by the declarations.
CHANNELS_AND_REGIONS: tuple[str, ...] = (*BIPOLAR_NAMES, *REGIONS)
CHANNELS_REGIONS_HEAD: tuple[str, ...] = (*CHANNELS_AND_REGIONS, "global")
REGIONS_AND_HEAD: tuple[str, ...] = (*REGIONS, "global")
PAIR_NAMES: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in REGION_PAIRS)
PAIRS_AND_HEAD: tuple[str, ...] = (*PAIR_NAMES, "global")
HEAD: tuple[str, ...] = ("global",)
SPECTROGRAM_REGIONS: tuple[str, ...] = tuple(f"spec_{r}" for r in REGIONS)
SPECTROGRAM_PAIRS: tuple[str, ...] = tuple(f"spec_{p}" for p in PAIR_NAMES)

#: What part of the recording a feature looks at.
SPANS: dict[str, str] = {
    "50 s": "the 50-s EEG window",
    "10 s": "the labelled central 10 s",
    "10 min": "the 10-minute spectrogram",
}


class DeclarationError(ValueError):
    """A feature declaration is incomplete or clashes with another (raised at import)."""


@dataclass(frozen=True)
class Feature:
    """One declared feature, computed for each of its sources.

    Parameters
    ----------
    suffix : str
        The part of the name after ``__``, e.g. ``'delta_rel_power'``; unique over all families.
    description : str
        One plain-language line a clinician can read, e.g. ``'Relative delta power: ...'``.
    unit : str
        ``'uV'``, ``'Hz'``, ``'0-1'``, ``'dimensionless'`` ...
    concept : str
        The base clinical concept (a key of :data:`~hms_features.features.concepts.CONCEPTS`)
        whose group the feature's SHAP value is added to.
    sources : tuple of str
        The sources it is computed for, in output order.
    span : str
        A key of :data:`SPANS`; by default ``'10 s'`` for suffixes ending in ``_10s`` or
        ``_center``, ``'10 min'`` for ``_10min``, else ``'50 s'``.
    also : tuple of str
        Further concepts the feature bears on (shown, not used for the sums).
    """

    suffix: str
    description: str
    unit: str
    concept: str
    sources: tuple[str, ...]
    span: str = ""
    also: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.span:
            s = self.suffix
            span = "10 s" if s.endswith(("_10s", "_center")) else "50 s"
            object.__setattr__(self, "span", "10 min" if s.endswith("_10min") else span)

    @property
    def names(self) -> list[str]:
        """Full names, one per source, in output order."""
        return [f"{src}__{self.suffix}" for src in self.sources]

    def describe(self, source: str) -> str:
        """The one-line description of this feature computed for ``source``."""
        return f"{self.description} [{source_description(source)}]"


@dataclass(frozen=True)
class Family:
    """A feature family: a name, its compute function and its declared features."""

    name: str
    compute: ComputeFunc
    features: tuple[Feature, ...] = field(default_factory=tuple)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every full name of the family, in output order (feature by feature)."""
        return tuple(n for f in self.features for n in f.names)

    @property
    def descriptions(self) -> dict[str, str]:
        """Suffix -> description."""
        return {f.suffix: f.description for f in self.features}


def check_declarations(families: tuple[Family, ...]) -> None:
    """Refuse incomplete or clashing declarations.

    Raises
    ------
    DeclarationError
        A family declared twice, a suffix declared by two features (in one family or two), a
        feature without description or unit, with an unknown concept, span or source, or
        without sources.
    """
    seen_family: set[str] = set()
    owner: dict[str, str] = {}
    for fam in families:
        if fam.name in seen_family:
            raise DeclarationError(f"feature family {fam.name!r} is declared twice")
        seen_family.add(fam.name)
        if not fam.features:
            raise DeclarationError(f"feature family {fam.name!r} declares no features")
        for f in fam.features:
            where = f"feature {f.suffix!r} of family {fam.name!r}"
            if f.suffix in owner:
                raise DeclarationError(
                    f"{where} clashes with the feature of the same name in family "
                    f"{owner[f.suffix]!r}: suffixes must be unique"
                )
            owner[f.suffix] = fam.name
            if not f.suffix or "__" in f.suffix:
                raise DeclarationError(f"{where}: a suffix is non-empty and has no '__'")
            if not f.description.strip():
                raise DeclarationError(f"{where} has no description")
            if not f.unit.strip():
                raise DeclarationError(f"{where} has no unit")
            if f.span not in SPANS:
                raise DeclarationError(f"{where}: span {f.span!r} is not one of {list(SPANS)}")
            if not f.sources or len(set(f.sources)) != len(f.sources):
                raise DeclarationError(f"{where}: sources must be non-empty and distinct")
            for c in (f.concept, *f.also):
                if c not in CONCEPTS:
                    raise DeclarationError(f"{where}: unknown concept {c!r}")
            for src in f.sources:
                try:
                    source_description(src)
                    concept_group(f.concept, src)
                except KeyError as err:
                    raise DeclarationError(f"{where}: {err.args[0]}") from None


def declare(
    descriptions: Mapping[str, str],
    units: Mapping[str, str],
    concepts: Mapping[str, str | tuple[str, ...]],
    sources: tuple[str, ...] | Mapping[str, tuple[str, ...]],
) -> tuple[Feature, ...]:
    """Features from per-suffix tables (for families whose features come in regular sets).

    ``concepts`` maps a suffix to its base concept, or to a tuple (base, *also). ``sources``
    is one tuple for all suffixes or a per-suffix mapping. Every table must cover exactly the
    suffixes of ``descriptions``, in whose order the features are declared.
    """
    for table_name, table in (("units", units), ("concepts", concepts)):
        if set(table) != set(descriptions):
            diff = sorted(set(table) ^ set(descriptions))
            raise DeclarationError(f"{table_name} and descriptions differ on {diff}")
    out = []
    for suffix, text in descriptions.items():
        c = concepts[suffix]
        base, *also = (c,) if isinstance(c, str) else c
        src = sources if isinstance(sources, tuple) else sources[suffix]
        out.append(Feature(suffix, text, units[suffix], base, src, also=tuple(also)))
    return tuple(out)


def per_channel(
    feature: str,
    values: np.ndarray,
    region_values: Mapping[str, float] | None = None,
    names: tuple[str, ...] = BIPOLAR_NAMES,
) -> dict[str, float]:
    """Name one value per bipolar channel and add the four regions.

    Parameters
    ----------
    feature : str
        The feature suffix, e.g. ``'line_length'``.
    values : ndarray, shape (18,)
        One value per bipolar channel in :data:`BIPOLAR_NAMES` order.
    region_values : mapping, optional
        Region -> value. By default each region gets the mean of its four chains' values.
    """
    values = np.asarray(values, dtype=np.float64)
    channel_names, region_names = _source_names(feature, names)
    out = dict(zip(channel_names, values.tolist()))
    if region_values is None:
        out.update(zip(region_names, (REGION_MEAN @ values).tolist()))
    else:
        for region, name in zip(REGIONS, region_names):
            out[name] = float(region_values[region])
    return out


@lru_cache(maxsize=4096)
def _source_names(feature: str, names: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Full names of ``feature`` for each channel of ``names`` and each region (built once)."""
    return [f"{ch}__{feature}" for ch in names], [f"{r}__{feature}" for r in REGIONS]


def source_description(source: str) -> str:
    """Plain-language description of a feature source (channel, region, pair, spectrogram)."""
    spec = source.startswith("spec_")
    base = source[5:] if spec else source
    prefix = "competition spectrogram, " if spec else ""
    if base in REGION_DESCRIPTIONS:
        what = REGION_DESCRIPTIONS[base] if spec else f"mean over the {REGION_DESCRIPTIONS[base]}"
        return prefix + what
    if base in ("LL-RL", "LP-RP"):
        left, right = base.split("-")
        return prefix + f"{REGION_DESCRIPTIONS[left]} against {REGION_DESCRIPTIONS[right]}"
    if base in BIPOLAR_NAMES:
        from hms_features.signal.montage import channel_side

        return prefix + f"bipolar channel {base} ({channel_side(base)})"
    if base == "global":
        return prefix + "whole head"
    raise KeyError(f"unknown feature source {source!r}")


def describe(name: str) -> str:
    """One-line description of a full feature name such as ``'LL__delta_rel_power'``."""
    feature, source = _declared(name)
    return feature.describe(source)


def family_of(name: str) -> str:
    """The family name that produces a full feature name."""
    return _by_suffix()[_declared(name)[0].suffix][0]


def _declared(name: str) -> tuple[Feature, str]:
    if "__" not in name:
        raise KeyError(f"feature names look like '<source>__<feature>'; got {name!r}")
    source, suffix = name.split("__", 1)
    try:
        feature = _by_suffix()[suffix][1]
    except KeyError:
        raise KeyError(f"no feature family declares {suffix!r} (from {name!r})") from None
    return feature, source


@lru_cache(maxsize=1)
def _by_suffix() -> dict[str, tuple[str, Feature]]:
    from hms_features.features.families import FAMILIES

    return {f.suffix: (fam.name, f) for fam in FAMILIES for f in fam.features}
