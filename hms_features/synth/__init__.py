"""A synthetic HMS data set: physiological EEG, class patterns, raters who disagree, real faults.

Use :func:`generate_dataset` (or ``hms synth --out DIR``) to write a complete data set in the
Kaggle layout that the whole pipeline can run on without the competition data. Modules:

- :mod:`~hms_features.synth.scalp`: 10-20 positions and smooth spatial fields;
- :mod:`~hms_features.synth.signals`: background, EKG, artifacts, discharges, rhythms;
- :mod:`~hms_features.synth.recording`: a patient and a recording, renderable at any rate;
- :mod:`~hms_features.synth.states`: class mixtures (ambiguity, drift);
- :mod:`~hms_features.synth.panel`: simulated expert raters and their votes;
- :mod:`~hms_features.synth.files`: what both data-set generators share: file plans, data
  faults, rendering, the Kaggle layout's files and tables, parallel runs, the summary;
- :mod:`~hms_features.synth.dataset`: the demo data set (one spectrogram per EEG);
- :mod:`~hms_features.synth.kaggle`: the real training set's label structure at any size;
- :mod:`~hms_features.synth.presets`: named sizes (``demo``, ``kaggle``, ``kaggle-small``);
- :mod:`~hms_features.synth.window_statistics`: statistics to compare with the genuine EEG;
- :mod:`~hms_features.synth.realism`: the realism benchmark against the 20 genuine example
  figures (its page: :mod:`hms_features.explain.realism_page`).
"""

from hms_features.synth.dataset import generate_dataset, simulate_labels
from hms_features.synth.files import FaultRates, SynthSummary
from hms_features.synth.kaggle import KaggleShape, simulate_kaggle_labels
from hms_features.synth.presets import PRESETS, generate_preset, preset_labels

__all__ = [
    "PRESETS",
    "FaultRates",
    "KaggleShape",
    "SynthSummary",
    "generate_dataset",
    "generate_preset",
    "preset_labels",
    "simulate_kaggle_labels",
    "simulate_labels",
]
