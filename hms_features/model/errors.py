"""Errors of the model layer that a user can fix (all :class:`~hms_features.errors.HMSError`).

Each also derives from the built-in exception a Python caller would expect, so that
``except ValueError`` keeps working. :class:`~hms_features.model.files.ModelFormatError` (a model
folder that cannot be loaded) lives beside the code that reads model folders.
"""

from __future__ import annotations

from hms_features.errors import HMSError


class TrainingDataError(HMSError, ValueError):
    """A feature table or label table that cannot be trained on: test-split features, no or
    duplicated keys, label rows without features, non-numeric columns, too few patients."""


class FeatureMismatchError(HMSError, ValueError):
    """Features that do not match the model's inputs (missing, extra or non-numeric columns)."""


class OfflineKitError(HMSError, RuntimeError):
    """Building the offline kit failed (``pip wheel`` or ``pip download`` did not succeed)."""
