"""Model files: LightGBM native text per fold plus one JSON; nothing pickled.

Layout of a model folder (see ``models/README.md``)::

    models/NAME/
      model.json      format version, classes, feature names, fold files, training
                      configuration, package versions, CV scores
      fold_0.txt ...  one LightGBM Booster per CV fold (``Booster.save_model`` text)
      feature_quantiles.json   percentiles of each feature among the training rows
      cv_report.json, cv_report.md, oof.parquet, feature_importance.csv   (training reports)

Everything that ``predict``, ``explain`` and ``cohort`` need is inside the folder: a copy works
anywhere. :func:`staged_model_dir` writes a folder atomically (a hidden sibling renamed into
place), so that a folder never mixes files of two training runs.

Loading reads JSON with :func:`json.load` and boosters with ``lightgbm.Booster(model_file=...)``:
no code from the folder is ever executed (unlike pickle/joblib files).

Compatibility policy: ``format_version`` is ``"MAJOR.MINOR"``. A reader loads every file of its
own major version, older or newer minor (a minor version only adds optional keys, which an
older reader ignores and a newer reader fills with defaults). Files from before versioning (no
``format_version``, major 0) are upgraded on load. A file of a newer major version is refused
with a message naming both versions. Format 2 adds fold boosters trained on a subset of the
features (``hms train --max-features``; each fold entry lists its ``features``), which a format-1
reader cannot use; a model whose boosters use every feature is still written as format 1.0.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, VOTE_COLUMNS
from hms_features.errors import HMSError, OutputPathError
from hms_features.features.version import FEATURE_SET_VERSION
from hms_features.model.errors import FeatureMismatchError
from hms_features.model.objective import softmax

#: Written into every model.json; see the module docstring for the compatibility policy.
FORMAT_VERSION: str = "2.0"
#: Written when every fold booster uses all the features (readers of format 1 load it).
FULL_FEATURES_FORMAT: str = "1.0"
MODEL_JSON: str = "model.json"
#: Columns of a feature table that identify a row; they are never features.
KEY_COLUMNS: frozenset[str] = frozenset({"eeg_id", "eeg_sub_id", "spectrogram_id", "patient_id"})
_FOLD_FILE = re.compile(r"^fold_(\d+)\.txt$")
#: Rows per TreeSHAP call of :meth:`TrainedModel.contributions` (bounds LightGBM's output:
#: rows x classes x (features + 1) x 8 bytes, 6 MB at 1,491 features).
_CONTRIB_BATCH_ROWS: int = 512
#: Packages whose versions are recorded with a model.
_RECORDED_PACKAGES = ("hms-features", "lightgbm", "numpy", "pandas", "scipy", "scikit-learn")


class ModelFormatError(HMSError, ValueError):
    """A model folder that cannot be loaded (missing file, bad JSON, unknown version)."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


def booster_columns(booster_names: list[str], feature_names: list[str]) -> np.ndarray:
    """Positions in ``feature_names`` of a booster's inputs (a booster trained on kept features
    uses a subset, in the same order).

    Raises
    ------
    ValueError
        A booster input that is not among ``feature_names``, or out of order (LightGBM renames
        features with spaces or special characters).
    """
    pos = {n: i for i, n in enumerate(feature_names)}
    unknown = [n for n in booster_names if n not in pos]
    if unknown:
        raise ValueError(
            f"booster inputs not among the model's feature names: {_describe_list(unknown)} "
            "(LightGBM renames features with spaces or special characters)"
        )
    cols = np.array([pos[n] for n in booster_names], dtype=np.int64)
    if np.any(np.diff(cols) <= 0):
        raise ValueError("booster inputs are not in the order of the model's feature names")
    return cols


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a model depends on."""
    out = {"python": platform.python_version()}
    for name in _RECORDED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _parse_version(value: Any, path: Path) -> tuple[int, int]:
    if value is None:
        return (0, 0)
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", str(value).strip())
    if not match:
        raise ModelFormatError(path, f"format_version {value!r} is not of the form MAJOR.MINOR")
    return int(match.group(1)), int(match.group(2) or 0)


def _describe_list(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" ... ({len(names)} in all)" if len(names) > limit else "")


@dataclass
class TrainedModel:
    """The fold boosters of a trained model and what is needed to use them.

    Attributes
    ----------
    boosters : list of lightgbm.Booster
        One per CV fold; predictions average their probabilities.
    feature_names : list of str
        The feature columns, in the order the boosters expect.
    classes : tuple of str
        Class of each output column (:data:`~hms_features.constants.CLASSES`).
    config : dict
        Training configuration (hyper-parameters, folds, variant).
    meta : dict
        The whole ``model.json`` (versions, CV scores, class prior, ...).
    """

    boosters: list[lgb.Booster]
    feature_names: list[str]
    classes: tuple[str, ...] = CLASSES
    config: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def feature_matrix(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The feature columns of ``X`` as float32 (n, n_features), in model order.

        Key columns (eeg_id, eeg_sub_id, spectrogram_id, patient_id) are ignored; any other
        missing or extra column raises FeatureMismatchError (a ValueError) naming it.
        """
        n_feat = len(self.feature_names)
        if isinstance(X, np.ndarray):
            if X.ndim != 2 or X.shape[1] != n_feat:
                raise FeatureMismatchError(
                    f"expected a feature array of shape (n_rows, {n_feat}), got {X.shape}"
                )
            return np.ascontiguousarray(X, dtype=np.float32)
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame of features, got {type(X).__name__}")
        columns = [str(c) for c in X.columns if c not in KEY_COLUMNS]
        present = set(columns)
        expected = set(self.feature_names)
        missing = [c for c in self.feature_names if c not in present]
        extra = [c for c in columns if c not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)} feature column(s): {_describe_list(missing)}")
            if extra:
                parts.append(f"{len(extra)} unexpected column(s): {_describe_list(extra)}")
            raise FeatureMismatchError(
                f"feature table does not match the model's {n_feat} features: " + "; ".join(parts)
            )
        non_numeric = [c for c in self.feature_names if not pd.api.types.is_numeric_dtype(X[c])]
        if non_numeric:
            raise FeatureMismatchError(
                f"non-numeric feature column(s): {_describe_list(non_numeric)}"
            )
        return np.ascontiguousarray(X[self.feature_names].to_numpy(dtype=np.float32))

    def fold_columns(self, booster: lgb.Booster) -> np.ndarray:
        """Positions among :attr:`feature_names` of one fold booster's inputs (all of them, or
        the columns it kept: ``hms train --max-features``)."""
        return booster_columns(booster.feature_name(), self.feature_names)

    def predict_raw(self, X: pd.DataFrame | np.ndarray) -> list[np.ndarray]:
        """Raw margins (n, 6) of each fold booster (softmax of a fold's margins = its
        probabilities; :meth:`contributions` of a fold sum to its margins)."""
        mat = self.feature_matrix(X)
        out = []
        for booster in self.boosters:
            cols = self.fold_columns(booster)
            inputs = mat if len(cols) == mat.shape[1] else mat[:, cols]
            raw = np.asarray(booster.predict(inputs, raw_score=True), dtype=np.float64)
            out.append(raw.reshape(len(mat), len(self.classes)))
        return out

    def contributions(
        self, X: pd.DataFrame | np.ndarray, folds: int | np.ndarray | None = None
    ) -> np.ndarray:
        """Exact TreeSHAP contributions of every feature to every class's raw score.

        LightGBM computes them (``Booster.predict(pred_contrib=True)``; this is the package's
        only call of it). Units are those of the raw score: the log-odds of the softmax, so
        ``+0.7`` on a class multiplies its odds against every other class by ``exp(0.7)``,
        everything else being equal. A fold booster that kept only some columns is given those
        and contributes exactly 0 for the others. For the fold mean, per class and row

            ``contributions(X).sum(axis=2) == np.mean(predict_raw(X), axis=0)``

        within rounding (SHAP values are linear in the model, so averaging each fold's gives
        the SHAP values of the fold-mean raw score, whose softmax is not the predicted
        probability: :meth:`predict_proba` averages each fold's softmax).

        Parameters
        ----------
        X : DataFrame or ndarray
            Feature rows, as for :meth:`feature_matrix` (read as float32, explained as float64).
        folds : int or array of int (n_rows,), optional
            None (default): every fold booster, averaged (the deployed model). An int: that
            fold booster alone. An array: row i explained by booster ``folds[i]`` (out-of-fold:
            the booster that did not train on it).

        Returns
        -------
        ndarray, shape (n_rows, n_classes, n_features + 1), float64
            Per class the contribution of each feature (:attr:`feature_names` order), then the
            bias last: the expected raw score of the class over the training data (per fold,
            or its mean over folds).

        Raises
        ------
        FeatureMismatchError
            ``X`` lacks some of the model's features (see :meth:`feature_matrix`).
        ValueError
            ``folds`` names a fold with no booster, or has not one entry per row.
        """
        values = self.feature_matrix(X).astype(np.float64)
        n, k, f = len(values), len(self.classes), len(self.feature_names)
        total = np.zeros((n, k, f + 1))
        if folds is None:
            for start in range(0, n, _CONTRIB_BATCH_ROWS):
                block = values[start : start + _CONTRIB_BATCH_ROWS]
                for booster in self.boosters:
                    total[start : start + len(block)] += self._fold_contributions(booster, block)
            return total / len(self.boosters)
        per_row = np.asarray(folds)
        if per_row.ndim == 0:
            per_row = np.full(n, per_row)
            bad = sorted({int(folds)} - set(range(len(self.boosters))))
        elif per_row.shape != (n,):
            raise ValueError(f"folds must have one entry per row ({n}); got {per_row.shape}")
        else:
            bad = sorted(set(per_row.tolist()) - set(range(len(self.boosters))))
        if bad:
            raise ValueError(
                f"fold numbers {bad} have no booster (the model has {len(self.boosters)})"
            )
        for j, booster in enumerate(self.boosters):
            rows = np.flatnonzero(per_row == j)
            if len(rows):
                total[rows] = self._fold_contributions(booster, values[rows])
        return total

    def _fold_contributions(self, booster: lgb.Booster, values: np.ndarray) -> np.ndarray:
        """One fold booster's TreeSHAP (n, K, F + 1) on the model's columns, in batches of
        :data:`_CONTRIB_BATCH_ROWS` rows."""
        cols = self.fold_columns(booster)
        n, k, f = len(values), len(self.classes), len(self.feature_names)
        out = np.zeros((n, k, f + 1))
        for start in range(0, n, _CONTRIB_BATCH_ROWS):
            block = values[start : start + _CONTRIB_BATCH_ROWS]
            block = block if len(cols) == f else block[:, cols]
            c = np.asarray(booster.predict(block, pred_contrib=True), dtype=np.float64)
            if c.shape != (len(block), k * (len(cols) + 1)):
                raise ValueError(
                    f"LightGBM returned contributions of shape {c.shape}; expected "
                    f"({len(block)}, {k} classes x ({len(cols)} features + 1 bias))"
                )
            c = c.reshape(len(block), k, len(cols) + 1)
            out[start : start + len(block), :, cols] = c[:, :, :-1]
            out[start : start + len(block), :, -1] = c[:, :, -1]
        return out

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Class probabilities (n, 6): the mean over folds of each fold's softmax."""
        raws = self.predict_raw(X)
        return np.mean([softmax(r) for r in raws], axis=0)

    @property
    def class_prior(self) -> np.ndarray:
        """Training class prior (mean vote distribution) recorded with the model, or uniform."""
        prior = self.meta.get("class_prior")
        if prior is None:
            return np.full(len(self.classes), 1.0 / len(self.classes))
        return np.asarray(prior, dtype=np.float64)


def save_model(
    model_dir: str | Path,
    boosters: list[lgb.Booster],
    feature_names: list[str],
    config: dict | None = None,
    cv_scores: dict | None = None,
    extra: dict | None = None,
) -> Path:
    """Write ``fold_<k>.txt`` per booster and ``model.json`` into ``model_dir``.

    Parameters
    ----------
    model_dir : path
        Created if absent; existing fold files and model.json are overwritten, stale fold
        files of a previous run with more folds are removed.
    boosters : list of Booster
        One per fold, each already holding exactly the iterations to use.
    feature_names : list of str
        Feature columns in the boosters' order.
    config : dict, optional
        Training configuration (JSON-serialisable).
    cv_scores : dict, optional
        Cross-validation scores to record.
    extra : dict, optional
        More top-level keys for model.json (e.g. ``class_prior``, ``variant``).

    Returns
    -------
    Path
        The model.json written.
    """
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    if not boosters:
        raise ValueError("no boosters to save")
    for booster in boosters:
        booster_columns(booster.feature_name(), feature_names)  # raises when not a subset
    for old in model_dir.glob("fold_*.txt"):
        old.unlink()
    folds = []
    for k, booster in enumerate(boosters):
        name = f"fold_{k}.txt"
        booster.save_model(model_dir / name, num_iteration=-1)
        entry = {"file": name, "num_iterations": booster.current_iteration()}
        if booster.num_feature() != len(feature_names):  # trained on kept features only
            entry["features"] = booster.feature_name()
        folds.append(entry)
    doc = {
        "format_version": (
            FORMAT_VERSION if any("features" in f for f in folds) else FULL_FEATURES_FORMAT
        ),
        "kind": "hms-features LightGBM fold ensemble",
        "prediction": "mean over folds of softmax(raw margins of fold booster)",
        "classes": list(CLASSES),
        "output_columns": list(VOTE_COLUMNS),
        "n_features": len(feature_names),
        "feature_names": list(feature_names),
        "feature_set_version": FEATURE_SET_VERSION,
        "folds": folds,
        "config": config or {},
        "cv_scores": cv_scores or {},
        "versions": package_versions(),
    }
    doc.update(extra or {})
    path = model_dir / MODEL_JSON
    path.write_text(json.dumps(to_jsonable(doc), indent=2) + "\n")
    return path


def check_model_dir(path: str | Path, what: str = "model_dir") -> Path:
    """Check, before any work, that a new model can be written to ``path``.

    The folder is replaced as a whole by :func:`staged_model_dir`, so an existing folder must be
    empty or a model folder (with ``model.json``): a user's unrelated files are never deleted.

    Raises
    ------
    OutputPathError
        ``path`` is a file, a folder holding files but no model.json, or not writable.
    """
    from hms_features.data.paths import output_dir

    path = Path(os.path.abspath(path))
    output_dir(path, what)
    if path.is_dir():
        if any(path.iterdir()) and not (path / MODEL_JSON).is_file():
            raise OutputPathError(
                f"{what} {path} holds files but no {MODEL_JSON}, so it is not a model folder; "
                "hms train replaces the whole folder, so give a new or empty one, "
                f"e.g. {path / 'NAME'}"
            )
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise OutputPathError(
                f"{what} {path}: its parent folder {path.parent} is not writable (the model "
                "folder is replaced by renaming)"
            )
    return path


@contextlib.contextmanager
def staged_model_dir(model_dir: str | Path) -> Iterator[Path]:
    """Write a model folder atomically: yields a hidden sibling folder to write into.

    When the ``with`` block ends normally, the sibling replaces ``model_dir`` (the previous
    folder is renamed aside, the new one renamed into place, the previous one deleted): a
    finished run leaves no file of an earlier run. On any exception (Ctrl-C included) the
    sibling is deleted and the previous model is left untouched.
    """
    target = Path(os.path.abspath(model_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    stage.mkdir()
    try:
        yield stage
        _swap_into_place(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _swap_into_place(stage: Path, target: Path) -> None:
    """Rename ``stage`` to ``target``; a previous ``target`` is renamed aside, then deleted."""
    if not target.exists():
        os.rename(stage, target)
        return
    old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
    os.rename(target, old)
    try:
        os.rename(stage, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def to_jsonable(obj: Any) -> Any:
    """numpy scalars/arrays and tuples -> plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def _upgrade(doc: dict, version: tuple[int, int], model_dir: Path) -> dict:
    """Bring a model.json of an older major version up to the current one."""
    if version[0] == 0:
        # Pre-versioned layout: fold files found by name, classes implicitly CLASSES.
        doc = dict(doc)
        doc.setdefault("classes", list(CLASSES))
        if "folds" not in doc:
            found = sorted(
                (int(m.group(1)), p.name)
                for p in model_dir.iterdir()
                if (m := _FOLD_FILE.match(p.name))
            )
            doc["folds"] = [{"file": name} for _, name in found]
    return doc


def load_model(model_dir: str | Path) -> TrainedModel:
    """Load a model folder written by :func:`save_model` (any compatible format version).

    Raises
    ------
    ModelFormatError
        Missing folder/files, unreadable JSON, a newer major format version, fold files that
        disagree with model.json.
    """
    model_dir = Path(model_dir)
    path = model_dir / MODEL_JSON
    if not path.is_file():
        raise ModelFormatError(
            path, "model.json not found: not a model folder written by hms train"
        )
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelFormatError(path, f"unreadable JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ModelFormatError(path, "expected a JSON object")
    version = _parse_version(doc.get("format_version"), path)
    current = _parse_version(FORMAT_VERSION, path)
    if version[0] > current[0]:
        raise ModelFormatError(
            path,
            f"format_version {doc.get('format_version')} was written by a newer hms-features; "
            f"this version reads format {current[0]}.x (and older): upgrade hms-features",
        )
    features_version = doc.get("feature_set_version", 1)
    if version[0] >= 1 and features_version != FEATURE_SET_VERSION:  # format 0: not recorded
        raise ModelFormatError(
            path,
            f"trained on feature set version {features_version}, but this hms-features computes "
            f"version {FEATURE_SET_VERSION}: train it again (hms features, then hms train)",
        )
    doc = _upgrade(doc, version, model_dir)
    classes = tuple(doc.get("classes", CLASSES))
    if classes != CLASSES:
        raise ModelFormatError(path, f"classes {list(classes)} differ from {list(CLASSES)}")
    folds = doc.get("folds") or []
    if not folds:
        raise ModelFormatError(path, "no fold boosters listed")
    boosters = []
    for entry in folds:
        name = str(entry.get("file", ""))
        if not _FOLD_FILE.match(name):  # never follow a path out of the folder
            raise ModelFormatError(path, f"fold file name {name!r} is not fold_<k>.txt")
        fold_path = model_dir / name
        if not fold_path.is_file():
            raise ModelFormatError(fold_path, "fold model file listed in model.json is missing")
        try:
            boosters.append(lgb.Booster(model_file=str(fold_path)))
        except lgb.basic.LightGBMError as exc:
            raise ModelFormatError(fold_path, f"not a LightGBM model file ({exc})") from exc
    names = list(doc.get("feature_names") or boosters[0].feature_name())
    for entry, booster in zip(folds, boosters, strict=True):
        try:
            booster_columns(booster.feature_name(), names)
        except ValueError as exc:
            raise ModelFormatError(model_dir / entry["file"], str(exc)) from exc
        if booster.num_model_per_iteration() != len(CLASSES):
            raise ModelFormatError(
                model_dir / entry["file"],
                f"{booster.num_model_per_iteration()} trees per iteration, expected {len(CLASSES)}",
            )
    doc["feature_names"] = names
    return TrainedModel(
        boosters=boosters,
        feature_names=names,
        classes=classes,
        config=dict(doc.get("config") or {}),
        meta=doc,
    )
