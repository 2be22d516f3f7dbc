"""Training configuration: hyper-parameters, the recipe's levers and the variants to train."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from hms_features.constants import CLASSES, HIGH_VOTE_THRESHOLD
from hms_features.errors import UsageError
from hms_features.model.variants import MODEL_VARIANTS, VARIANTS

#: How soft labels reach LightGBM (see :mod:`hms_features.model.variants`).
SOFT_LABELS: tuple[str, ...] = ("objective", "expanded")


#: LightGBM's device types (``gpu``: OpenCL; ``cuda``: NVIDIA CUDA; each needs such a build).
DEVICE_TYPES: tuple[str, ...] = ("cpu", "gpu", "cuda")


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 pointed at /dev/null meanwhile (output of compiled code)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def check_device(device_type: str) -> None:
    """Refuse, before any work, a ``device_type`` this LightGBM cannot train on: a build
    without GPU/CUDA support or a machine without such a device (a one-row trial booster).

    Raises
    ------
    UsageError
        With LightGBM's own reason and what to do instead.
    """
    if device_type not in DEVICE_TYPES:
        raise UsageError(
            f"--device-type must be one of {', '.join(DEVICE_TYPES)}, got {device_type!r}"
        )
    if device_type == "cpu":
        return
    import lightgbm as lgb
    import numpy as np

    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    params = {"device_type": device_type, "objective": "regression", "verbose": -1}
    try:
        with _native_stderr_silenced():  # LightGBM's C++ prints its fatal message itself
            lgb.train(params, lgb.Dataset(x, x[:, 0], params={"verbose": -1}), num_boost_round=1)
    except lgb.basic.LightGBMError as exc:
        reason = " ".join(str(exc).replace("[LightGBM] [Fatal]", "").split())
        raise UsageError(
            f"--device-type {device_type}: LightGBM cannot train on this device here "
            f"({reason}); use --device-type cpu, or install a LightGBM built with "
            f"{'OpenCL GPU' if device_type == 'gpu' else 'CUDA'} support on a machine with "
            "such a device"
        ) from None


@dataclass
class TrainConfig:
    """Hyper-parameters, CV settings and levers of the training recipe.

    The defaults are the recipe ``hms train`` runs; they were chosen by measurement (README,
    "Training at Kaggle scale"). ``min_data_in_leaf=None`` scales with the training fold:
    ``clip(n_train // 500, 10, 100)``.

    Attributes
    ----------
    variants : tuple of str
        Variants trained side by side (:data:`~hms_features.model.variants.VARIANTS`); a variant
        that needs another (``two_stage`` needs ``soft``) brings it along.
    pool_seconds : float or None
        Train on pooled rows: label rows of one EEG whose offsets lie within this many seconds
        of their pool's first row become one row
        (:func:`~hms_features.model.dataset.pool_overlapping`). Validation, early stopping and
        every score use the original rows. None trains on the original rows.
    soft_labels : {'objective', 'expanded'}
        How soft labels reach LightGBM: the custom softmax objective, or built-in multiclass
        on rows expanded into their voted classes (the same trees; see
        :func:`~hms_features.model.objective.expand_soft_labels`).
    max_features : int or None
        Feature pruning inside each training fold: a quick booster (``prune_rounds`` rounds at
        learning rate 0.1) ranks the features by gain on the fold's training rows and the
        variants train on the ``max_features`` best; each fold booster keeps its own list (in
        ``model.json``), and prediction passes each booster only its features. None keeps all.
    device_type : str
        LightGBM's ``device_type`` (``cpu``; ``gpu`` or ``cuda`` with a GPU build of LightGBM).
    """

    n_folds: int = 5
    seed: int = 42
    n_jobs: int = 1
    variants: tuple[str, ...] = ("prior", "soft", "two_stage")
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int | None = None
    feature_fraction: float = 0.5
    bagging_fraction: float = 0.8
    bagging_freq: int = 1
    lambda_l2: float = 1.0
    max_bin: int = 63
    num_boost_round: int = 2000
    early_stopping_rounds: int = 50
    low_vote_weight: float = 0.25
    low_vote_max: int = 7
    high_vote_min: int = HIGH_VOTE_THRESHOLD
    stage2_learning_rate: float | None = None
    pool_seconds: float | None = 10.0
    soft_labels: str = "objective"
    max_features: int | None = None
    prune_rounds: int = 60
    device_type: str = "cpu"

    def __post_init__(self) -> None:
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown:
            raise UsageError(
                f"--variants: unknown variant(s) {', '.join(unknown)}; choose from "
                + ", ".join(VARIANTS)
            )
        wanted = set(self.variants)
        for name in self.variants:  # what a variant needs is trained too (it costs nothing)
            wanted.update(VARIANTS[name].needs)
        self.variants = tuple(v for v in VARIANTS if v in wanted)  # the table's order
        if not any(v in MODEL_VARIANTS for v in self.variants):
            raise UsageError(
                f"--variants {','.join(self.variants)} includes no model; add one of "
                + ", ".join(MODEL_VARIANTS)
            )
        if not 0.0 < self.low_vote_weight <= 1.0:
            raise UsageError(
                f"--low-vote-weight must be above 0 and at most 1, got {self.low_vote_weight}"
            )
        if self.n_folds < 2:
            raise UsageError(f"--folds must be at least 2, got {self.n_folds}")
        if self.soft_labels not in SOFT_LABELS:
            raise UsageError(
                f"--soft-labels must be one of {', '.join(SOFT_LABELS)}, got {self.soft_labels}"
            )
        if self.max_features is not None and self.max_features < 1:
            raise UsageError(f"--max-features must be at least 1, got {self.max_features}")
        if self.pool_seconds is not None and self.pool_seconds <= 0:
            raise UsageError(f"--pool-seconds must be above 0, got {self.pool_seconds}")
        if self.device_type not in DEVICE_TYPES:
            raise UsageError(
                f"--device-type must be one of {', '.join(DEVICE_TYPES)}, got {self.device_type!r}"
            )

    def to_dict(self) -> dict:
        """JSON-ready dict of the configuration."""
        out = asdict(self)
        out["variants"] = list(self.variants)
        return out

    def dataset_params(self) -> dict:
        """Parameters fixed when a Dataset is binned (the same for every booster on it)."""
        return {
            "max_bin": self.max_bin,
            "feature_pre_filter": False,
            "verbosity": -1,
            "seed": self.seed,
            "num_threads": _num_threads(self.n_jobs),
        }

    def booster_params(self, n_train: int) -> dict:
        """LightGBM parameters of one booster trained on ``n_train`` rows (objective unset)."""
        min_leaf = self.min_data_in_leaf
        if min_leaf is None:
            min_leaf = int(np.clip(n_train // 500, 10, 100))
        return {
            **self.dataset_params(),
            "num_class": len(CLASSES),
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": min_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": self.bagging_freq,
            "lambda_l2": self.lambda_l2,
            "metric": "None",
            "device_type": self.device_type,
            "deterministic": True,
            "force_col_wise": True,
        }


def _num_threads(n_jobs: int) -> int:
    return 0 if n_jobs is None or n_jobs < 1 else int(n_jobs)
