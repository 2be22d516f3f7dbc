"""Hand-crafted EEG features: one module per family, the declarations, and the extractor.

:mod:`~hms_features.features.registry` is the vocabulary (``Feature``, ``Family``, sources);
:mod:`~hms_features.features.families` lists the families and answers every lookup over their
declarations; :mod:`~hms_features.features.extractor` runs them on a window and names the values.
"""
