"""The version of the feature definitions (a module of its own: model files import it alone).

Recorded in the schema metadata of the factory's parquet files and in every model's
``model.json``; a model refuses to load under another version, since its features would no
longer mean what it learnt.

- 1: every 50-s window preprocessed alone.
- 2: each run of overlapping windows of an EEG (or of a scored recording) preprocessed once, as
  one stretch (:mod:`hms_features.features.span`): the filter's edges and the discharge
  envelopes of windows inside a stretch changed; a window alone is computed as in version 1.
"""

#: The version of the features this package computes.
FEATURE_SET_VERSION: int = 2
#: Key of the version in the schema metadata of a feature parquet file.
FEATURE_SET_VERSION_KEY: str = "hms_features.feature_set_version"
