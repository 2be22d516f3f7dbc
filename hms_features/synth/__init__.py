"""A synthetic HMS data set: physiological EEG, class patterns, raters who disagree, real faults.

Use :func:`generate_dataset` (or ``hms synth --out DIR``) to write a complete data set in the
Kaggle layout that the whole pipeline can run on without the competition data. Modules:

- :mod:`~hms_features.synth.scalp`: 10-20 positions and smooth spatial fields;
- :mod:`~hms_features.synth.signals`: background, EKG, artifacts, discharges, rhythms;
- :mod:`~hms_features.synth.patient`: a patient's traits and a recording's background;
- :mod:`~hms_features.synth.patterns`: periodic discharges, rhythmic delta and their fields;
- :mod:`~hms_features.synth.seizures`: seizure schedules, phenotypes and their signal;
- :mod:`~hms_features.synth.recording`: one recording of a patient, renderable at any rate;
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

from hms_features._lazy import lazy_exports

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

#: Where each public name lives: imported when first asked for (PEP 562), so that the command
#: line's parser can read the presets without loading the generator (and SciPy's signal
#: module, 1.5 s at every ``hms`` command's start).
_EXPORTS: dict[str, str] = {
    "PRESETS": "presets",
    "generate_preset": "presets",
    "preset_labels": "presets",
    "FaultRates": "files",
    "SynthSummary": "files",
    "KaggleShape": "kaggle",
    "simulate_kaggle_labels": "kaggle",
    "generate_dataset": "dataset",
    "simulate_labels": "dataset",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
