"""The clinical concepts that explanations are told in.

A neurologist reads an EEG in a handful of ideas (ACNS terminology): is the activity
lateralized, is it slow (delta), rhythmic, made of periodic discharges, sharp, evolving,
generalized and synchronous, what is the background frequency and amplitude, and can the
recording be trusted. Every feature declares one *base concept* from :data:`CONCEPTS` (and
optionally further ones it bears on). Most base concepts are crossed with where the feature
looks, :func:`location` of its source (left hemisphere, right hemisphere, or whole head for
midline channels, left-right pairs and global values), giving the *concept groups* over which
SHAP values are summed: each feature belongs to exactly one group, so the groups'
contributions add up to the model's raw score exactly as the features' do.

Lateralization, generalized synchrony and recording quality are comparisons of the two sides
or properties of the whole recording; they are not crossed with a side.

Examples
--------
>>> concept_group("delta", "RL")
'delta@right'
>>> concept_label("delta@right")
'Delta activity, right hemisphere'
>>> concept_group("lateralization", "LL-RL")
'lateralization'
"""

from __future__ import annotations

from dataclasses import dataclass

from hms_features.signal.montage import BIPOLAR_NAMES, channel_side


@dataclass(frozen=True)
class Concept:
    """A clinical concept: a key, a short label and one plain-language line."""

    key: str
    label: str
    description: str
    located: bool = True


#: The vocabulary, in the order a reader meets it in a report.
CONCEPTS: dict[str, Concept] = {
    c.key: c
    for c in (
        Concept(
            "lateralization",
            "Lateralization",
            "More activity (power, amplitude or line length) over one hemisphere than the "
            "other; LPD and LRDA are confined to one side",
            located=False,
        ),
        Concept(
            "periodic_discharges",
            "Periodic discharges",
            "Discrete discharges repeating at a nearly regular interval (every 0.3-4 s) with "
            "quieter background between them (LPD, GPD)",
        ),
        Concept(
            "delta",
            "Delta activity",
            "Slow waves at 0.5-4 Hz: their share of the power (rhythmic delta, LRDA and GRDA, "
            "raises it)",
        ),
        Concept(
            "rhythmicity",
            "Rhythmicity",
            "A regular, repeating waveform: a sharp spectral peak, low entropy, a sine-like shape",
        ),
        Concept(
            "sharpness",
            "Sharp waves and spikes",
            "Sharply contoured transients of 20-200 ms: spikes, sharp waves, a peaked amplitude "
            "distribution",
        ),
        Concept(
            "evolution",
            "Evolution",
            "Change in frequency, amplitude or location across the 50 s (or the 10 minutes), "
            "the hallmark of an electrographic seizure",
        ),
        Concept(
            "synchrony",
            "Generalized synchrony",
            "The same activity at the same time on both sides and across the head (coherence, "
            "correlation, spatial extent), as in GPD and GRDA",
            located=False,
        ),
        Concept(
            "frequency",
            "Background frequency",
            "Where the power lies above delta: theta, alpha, beta and faster activity, the "
            "dominant and mean frequency, the spectral slope and the roughness that tracks it",
        ),
        Concept(
            "amplitude",
            "Amplitude",
            "How large the signal is: standard deviation, peak-to-peak, line length, power",
        ),
        Concept(
            "quality",
            "Recording quality",
            "Missing data, clipped samples, padding and a recomputed spectrogram: how much of "
            "the window the model could see",
            located=False,
        ),
    )
}

#: Where a located concept is seen.
LOCATIONS: dict[str, str] = {
    "left": "left hemisphere",
    "right": "right hemisphere",
    "head": "whole head",
}

_REGION_SIDE = {"LL": "left", "LP": "left", "RL": "right", "RP": "right"}


def location(source: str) -> str:
    """The side a feature source looks at: ``'left'``, ``'right'`` or ``'head'``.

    Channels and regions of one hemisphere (and their spectrogram regions) are that side;
    midline channels, left-right pairs and ``global`` are ``'head'``.

    Examples
    --------
    >>> location("Fp1-F7"), location("spec_RP"), location("Cz-Pz"), location("LL-RL")
    ('left', 'right', 'head', 'head')
    """
    base = source.removeprefix("spec_")
    if base in _REGION_SIDE:
        return _REGION_SIDE[base]
    if base in BIPOLAR_NAMES:
        side = channel_side(base)
        return side if side in ("left", "right") else "head"
    if base in ("LL-RL", "LP-RP", "global"):
        return "head"
    raise KeyError(f"unknown feature source {source!r}")


def concept_group(concept: str, source: str) -> str:
    """The additive group of a feature: its base concept, crossed with its side if located."""
    if concept not in CONCEPTS:
        raise KeyError(f"unknown concept {concept!r}; known: {', '.join(CONCEPTS)}")
    return f"{concept}@{location(source)}" if CONCEPTS[concept].located else concept


def base_concept(group: str) -> str:
    """The base concept of a group, ``'delta@right'`` -> ``'delta'``."""
    return group.split("@", 1)[0]


def concept_label(group: str) -> str:
    """Short label of a concept group, e.g. ``'Delta activity, right hemisphere'``."""
    base, _, side = group.partition("@")
    label = CONCEPTS[base].label
    return f"{label}, {LOCATIONS[side]}" if side else label


def concept_description(group: str) -> str:
    """The plain-language line of a group's base concept, with where it is seen."""
    base, _, side = group.partition("@")
    text = CONCEPTS[base].description
    return f"{text}; seen over the {LOCATIONS[side]}" if side else text


def concept_groups() -> list[str]:
    """Every possible group in vocabulary order (located concepts: left, right, whole head)."""
    out: list[str] = []
    for c in CONCEPTS.values():
        out.extend(f"{c.key}@{side}" for side in LOCATIONS) if c.located else out.append(c.key)
    return out
