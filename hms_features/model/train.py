"""``hms train``: cross-validate the recipe, then write the model folder (atomically).

The model package, in the order its modules import each other:

- :mod:`~hms_features.model.variants`: the training variants, one table;
- :mod:`~hms_features.model.config`: :class:`TrainConfig` (hyper-parameters and levers);
- :mod:`~hms_features.model.dataset`: the training table and pooled rows;
- :mod:`~hms_features.model.cv`: patient-grouped folds, every variant on every fold;
- :mod:`~hms_features.model.report`: KL by view, confusion, the shipped variant;
- this module: the whole run, and the folder writer.

The variant shipped is the one with the lowest out-of-fold KL on rows with >= 10 votes, where
the experts' consensus is stable.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from hms_features.model.config import TrainConfig, check_device
from hms_features.model.cv import CVResult, train_cv
from hms_features.model.dataset import (
    MISSING_FEATURES,
    Log,
    TrainingData,
    load_training_data,
    pool_overlapping,
)
from hms_features.model.variants import MODEL_VARIANTS, VARIANTS

__all__ = [
    "MISSING_FEATURES",
    "MODEL_VARIANTS",
    "VARIANTS",
    "CVResult",
    "TrainConfig",
    "TrainingData",
    "load_training_data",
    "pool_overlapping",
    "train_cv",
    "train_model",
    "write_model_folder",
]


def _print(msg: str) -> None:
    print(msg, flush=True)


def _quiet(msg: str) -> None:
    return None


def train_model(
    features: str | Path | pd.DataFrame,
    labels: pd.DataFrame,
    model_dir: str | Path,
    config: TrainConfig | None = None,
    log: Log | None = _print,
    missing_features: str = "error",
) -> dict:
    """Cross-validate every variant, then write the model folder (atomically).

    Writes ``fold_<k>.txt`` + ``model.json`` of the shipped variant (lowest out-of-fold KL on
    rows with >= 10 votes), ``feature_quantiles.json`` (percentiles of every feature among the
    training rows), ``cv_report.json``/``.md``, ``oof.parquet`` and ``feature_importance.csv``.
    The folder is built beside ``model_dir`` and renamed into place when complete
    (:func:`~hms_features.model.files.staged_model_dir`): an interrupted or failed run leaves
    the previous model untouched, a finished one leaves no file of an earlier run.

    Parameters
    ----------
    features : path or DataFrame
        Feature table (parquet of ``hms features --split train``).
    labels : DataFrame
        ``train.csv`` as read by :func:`hms_features.data.read_labels`.
    model_dir : path
        Output folder: new, empty, or a model folder (it is replaced as a whole).
    config : TrainConfig
    log : callable or None
        Receives the progress lines (None: silent).
    missing_features : {'error', 'drop'}
        Label rows without a feature row: an error (default) or left out with a warning.

    Returns
    -------
    dict
        The CV report.

    Raises
    ------
    OutputPathError
        ``model_dir`` is a file or a non-empty folder that is not a model folder (checked
        before training).
    TrainingDataError
        See :func:`load_training_data`.
    """
    from hms_features.model.files import check_model_dir, staged_model_dir
    from hms_features.model.report import build_report, write_report

    config = config or TrainConfig()
    check_device(config.device_type)  # before any work: a GPU this LightGBM cannot use
    log = log or _quiet
    model_dir = check_model_dir(model_dir)
    t0 = time.perf_counter()
    data = load_training_data(features, labels, missing_features=missing_features)
    log(
        f"training on {data.X.shape[0]} label rows x {data.X.shape[1]} features, "
        f"{data.labels['patient_id'].nunique()} patients, {config.n_folds} folds, "
        f"variants {', '.join(config.variants)}"
    )
    result = train_cv(data, config, log=log)
    report = build_report(data, result, config)
    source = "feature table" if isinstance(features, pd.DataFrame) else os.path.abspath(features)
    log(f"writing {model_dir}")
    with staged_model_dir(model_dir) as stage:
        write_model_folder(stage, data, result, report, config, source)
        report["seconds"] = round(time.perf_counter() - t0, 2)
        write_report(stage, report)
    return report


def write_model_folder(
    folder: Path,
    data: TrainingData,
    result: CVResult,
    report: dict,
    config: TrainConfig,
    source: str,
) -> None:
    """Write the shipped boosters, model.json, the feature quantiles and the training tables
    (``oof.parquet``, ``feature_importance.csv``) into ``folder``."""
    from hms_features.model.files import save_model
    from hms_features.model.quantiles import feature_quantiles, save_quantiles
    from hms_features.model.report import feature_importance, oof_table

    shipped = report["shipped_variant"]
    save_model(
        folder,
        result.boosters[shipped],
        data.feature_names,
        config={
            **config.to_dict(),
            "variant": shipped,
            "variant_description": VARIANTS[shipped].description,
        },
        cv_scores={
            v: {view: s[view]["overall"] for view in s} for v, s in report["scores"].items()
        },
        extra={
            "variant": shipped,
            "selection_rule": report["selection_rule"],
            "class_prior": result.class_prior.tolist(),
            # information only: nothing reads the features file again after training
            "training_data": {"features": source, **report["data"]},
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    save_quantiles(feature_quantiles(data.X, data.feature_names, source=source), folder)
    oof_table(data, result).to_parquet(folder / "oof.parquet", index=False)
    feature_importance(result.boosters[shipped], data.feature_names).to_csv(
        folder / "feature_importance.csv", index=False
    )
