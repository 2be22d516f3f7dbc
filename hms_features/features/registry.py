"""The registry of feature families and the plain-language description of every feature.

A family is one function ``(ctx: WindowContext) -> dict[str, float]`` returning features named
``<source>__<feature>``; it registers itself with :func:`register_family` together with a
one-line description (with unit) of each ``<feature>`` suffix it produces. Sources are:

- a bipolar channel, ``Fp1-F7``;
- a region (the mean of its four chains' values, or of their PSDs), ``LL``, ``RL``, ``LP``, ``RP``;
- a left-right region pair, ``LL-RL`` or ``LP-RP``;
- a spectrogram region or pair, ``spec_LL`` ... ``spec_LL-RL``;
- ``global`` for whole-head quantities.

Suffix ``_10s`` marks a feature computed on the labelled central 10 s instead of the 50 s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from hms_features.signal.montage import BIPOLAR_NAMES, REGION_DESCRIPTIONS, REGION_MEAN, REGIONS

FamilyFunc = Callable[..., dict[str, float]]


@dataclass
class Family:
    """A registered feature family."""

    name: str
    func: FamilyFunc
    descriptions: dict[str, str] = field(default_factory=dict)


FAMILIES: dict[str, Family] = {}


def register_family(
    name: str, descriptions: Mapping[str, str]
) -> Callable[[FamilyFunc], FamilyFunc]:
    """Decorator: register ``func`` as the feature family ``name``.

    ``descriptions`` maps each feature suffix the family emits (the part after ``__``) to a
    one-line plain-language description with its unit, e.g.
    ``{"line_length": "Line length: mean absolute sample-to-sample change, uV per sample"}``.
    """

    def deco(func: FamilyFunc) -> FamilyFunc:
        if name in FAMILIES and FAMILIES[name].func is not func:
            raise ValueError(f"feature family {name!r} is registered twice")
        FAMILIES[name] = Family(name, func, dict(descriptions))
        return func

    return deco


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
    if "__" not in name:
        raise KeyError(f"feature names look like '<source>__<feature>'; got {name!r}")
    source, feature = name.split("__", 1)
    for fam in FAMILIES.values():
        if feature in fam.descriptions:
            return f"{fam.descriptions[feature]} [{source_description(source)}]"
    raise KeyError(f"no feature family describes {feature!r} (from {name!r})")


def family_of(name: str) -> str:
    """The family name that produces a full feature name."""
    feature = name.split("__", 1)[-1]
    for fam in FAMILIES.values():
        if feature in fam.descriptions:
            return fam.name
    raise KeyError(f"no feature family produces {name!r}")
