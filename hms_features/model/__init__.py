"""The booster: LightGBM on expert vote distributions, patient-grouped CV, safe model files.

Modules in the order they import each other (nothing imports back):

- :mod:`~hms_features.model.objective`: soft-label softmax objective, KL metric, init scores.
- :mod:`~hms_features.model.variants`: the training variants, one table.
- :mod:`~hms_features.model.config`: :class:`TrainConfig`, the recipe's hyper-parameters and
  levers (pooled rows, kept features, soft-label route, device).
- :mod:`~hms_features.model.dataset`: the training table; pooling overlapping label rows.
- :mod:`~hms_features.model.cv`: folds grouped by patient; every variant on every fold.
- :mod:`~hms_features.model.report`: CV report (KL by fold and view, confusion, shipped variant).
- :mod:`~hms_features.model.train`: ``hms train`` (the run and the model folder).
- :mod:`~hms_features.model.files`: model folder (LightGBM text + JSON) save/load;
  :class:`TrainedModel`, the fold ensemble (``predict_raw``, ``predict_proba``, and
  ``contributions``, the package's one TreeSHAP path).
- :mod:`~hms_features.model.predict`: scoring a test set into a submission.
- :mod:`~hms_features.model.offline_kit`: wheels + model for an offline (Kaggle) notebook.
"""

from __future__ import annotations

from hms_features._lazy import lazy_exports

__all__ = [
    "FORMAT_VERSION",
    "ModelFormatError",
    "TrainConfig",
    "TrainedModel",
    "load_model",
    "load_training_data",
    "predict_submission",
    "save_model",
    "train_cv",
    "train_model",
]


#: Where each public name lives: imported when first asked for (PEP 562), so that importing a
#: light module of the package (``model.config`` for the command line's parser) does not load
#: LightGBM and the feature factory.
_EXPORTS: dict[str, str] = {
    "FORMAT_VERSION": "files",
    "ModelFormatError": "files",
    "TrainedModel": "files",
    "load_model": "files",
    "save_model": "files",
    "TrainConfig": "train",
    "load_training_data": "train",
    "train_cv": "train",
    "train_model": "train",
    "predict_submission": "predict",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
