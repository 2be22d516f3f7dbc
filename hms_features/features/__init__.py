"""Hand-crafted EEG features: one module per family, a registry, and the extractor.

Importing :mod:`hms_features.features.extractor` imports every family module, which registers it.
"""
