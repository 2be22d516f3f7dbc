"""Declared features: what a family computes, named, described and placed in a concept.

A family is one module of :mod:`hms_features.features` that declares a :class:`Family`: a name,
a compute function and its :class:`Feature` declarations, one explicit row per feature. Each
declared feature has a suffix, a one-line description, a unit, a clinical concept, the sources it
is computed for and a span; its full names are ``<source>__<suffix>``, built by
:attr:`Feature.names` and nowhere else. The compute function ``(ctx: WindowContext) ->
{suffix: values}`` returns, for each declared suffix, one value per declared source in their
order; :func:`hms_features.features.extractor.family_values` names them. Sources are:

- a bipolar channel, ``Fp1-F7``;
- a region (the mean of its four chains' values, or of their PSDs), ``LL``, ``RL``, ``LP``, ``RP``;
- a left-right region pair, ``LL-RL`` or ``LP-RP``;
- a spectrogram region or pair, ``spec_LL`` ... ``spec_LL-RL``;
- ``global`` for whole-head quantities.

Suffix ``_10s`` marks a feature computed on the labelled central 10 s instead of the 50 s (its
declared span says so). The declarations, not a trial extraction, define the names and their
order; the families are listed in :data:`hms_features.features.families.FAMILIES`, beside the
lookups over them (:func:`~hms_features.features.families.feature_table`,
:func:`~hms_features.features.families.describe`, ...). This module is the vocabulary only: it
imports no family.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from hms_features.features.concepts import CONCEPTS, concept_group
from hms_features.signal.montage import (
    BIPOLAR_NAMES,
    REGION_DESCRIPTIONS,
    REGION_MEAN,
    REGION_PAIRS,
    REGIONS,
    channel_side,
)

#: A family's compute function: ``ctx -> {suffix: values over the feature's declared sources}``.
ComputeFunc = Callable[..., Mapping[str, np.ndarray]]
#: A family's batched compute function: ``ctxs -> {suffix: (n_windows, n_sources) values}``,
#: row ``i`` equal to what the compute function gives for ``ctxs[i]`` (see :class:`Family`).
BatchFunc = Callable[[Sequence], Mapping[str, np.ndarray]]

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
        A key of :data:`SPANS`: ``'50 s'`` (the default), ``'10 s'`` (the labelled central
        10 s) or ``'10 min'`` (the spectrogram).
    also : tuple of str
        Further concepts the feature bears on (shown, not used for the sums).

    Examples
    --------
    >>> f = Feature("std", "Amplitude, uV", "uV", "amplitude", ("LL", "global"))
    >>> f.names
    ('LL__std', 'global__std')
    """

    suffix: str
    description: str
    unit: str
    concept: str
    sources: tuple[str, ...]
    span: str = "50 s"
    also: tuple[str, ...] = ()

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Full names ``<source>__<suffix>``, one per source, in output order (the one place
        where feature names are built)."""
        return tuple(f"{src}__{self.suffix}" for src in self.sources)

    def describe(self, source: str) -> str:
        """The one-line description of this feature computed for ``source``."""
        return f"{self.description} [{source_description(source)}]"


@dataclass(frozen=True)
class Family:
    """A feature family: a name, its compute function and its declared features.

    ``batch``, optional, computes the family for several windows at once (the windows of one
    stretch, :mod:`hms_features.features.span`): one call over stacked arrays instead of one
    per window, so that the per-call cost of its small array operations is paid once. Its rows
    must equal ``compute`` of each window, bit for bit (``tests/features/test_span.py``).
    """

    name: str
    compute: ComputeFunc
    features: tuple[Feature, ...] = field(default_factory=tuple)
    batch: BatchFunc | None = None

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every full name of the family, in output order (feature by feature)."""
        return tuple(n for f in self.features for n in f.names)

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The declared suffixes, in output order."""
        return tuple(f.suffix for f in self.features)


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


def with_regions(channel_values: np.ndarray, region_values: np.ndarray | None = None) -> np.ndarray:
    """Values over :data:`CHANNELS_AND_REGIONS`: the 18 channels, then the four regions.

    Parameters
    ----------
    channel_values : ndarray, shape (18,)
        One value per bipolar channel in :data:`BIPOLAR_NAMES` order.
    region_values : ndarray, shape (4,), optional
        One value per region of :data:`REGIONS`. By default each region gets the mean of its
        four chains' values.

    Returns
    -------
    ndarray, shape (22,), float64

    Examples
    --------
    >>> v = with_regions(np.arange(18.0))
    >>> v.shape, float(v[18])  # LL: the mean of Fp1-F7, F7-T3, T3-T5, T5-O1
    ((22,), 1.5)
    """
    channel_values = np.asarray(channel_values, dtype=np.float64)
    if region_values is None:
        region_values = REGION_MEAN @ channel_values
    return np.concatenate([channel_values, np.asarray(region_values, dtype=np.float64)])


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
        return prefix + f"bipolar channel {base} ({channel_side(base)})"
    if base == "global":
        return prefix + "whole head"
    raise KeyError(f"unknown feature source {source!r}")
