"""The timeline of a scored recording: one row per window.

Columns (``<stem>_timeline.parquet`` and ``.csv``):

- ``onset``, ``duration``: the scored (labelled) 10 s, seconds from the recording's start;
- ``seizure_vote`` ... ``other_vote``: the six probabilities, named and ordered as in the
  competition's ``sample_submission.csv``;
- ``seizure_burden``: the seizure probability; ``iiic_burden``: the summed probability of
  seizure, LPD, GPD and LRDA (SPaRCNet's definition of ictal-interictal-injury-continuum
  burden; GRDA is left out, as there); averaged over time, each is the fraction of the
  recording the model attributes to them;
- ``predicted``: the most probable class;
- ``missing_fraction``: the share of missing (electrode, sample) cells of the 50-s window over
  the 19 scalp electrodes (NaN, flat runs, saturated samples, |value| > 5,000 uV, time outside
  the recording, and every sample of a bad electrode; :mod:`hms_features.score.quality`);
- ``clipped_fraction``: of the samples, at +/-500 uV after filtering;
- ``bad_channels``: the electrodes judged bad in the window and why (``O1: flat; T4:
  saturated``; empty when none): their chains are missing for the model;
- ``quality``: ``ok``, or ``poor`` when the window is not usable
  (:func:`hms_features.score.quality.usable`: more than half of its cells missing, or a region
  left with fewer than two intact chains); a poor window's probabilities are the model's guess
  from what remains: shown, never merged into an event nor counted in the burdens;
- ``leading_feature`` / ``leading_family``: the feature (and its family) with the largest SHAP
  contribution towards the predicted class (LightGBM's exact TreeSHAP, first fold model);
- ``leading_concept``: the clinical concept group, by its readable label (e.g. ``Periodic
  discharges, left hemisphere``, see :mod:`hms_features.features.concepts`), whose features'
  summed contribution towards the predicted class is largest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, VOTE_COLUMNS
from hms_features.model.errors import FeatureMismatchError
from hms_features.score.quality import POOR_MISSING
from hms_features.score.windows import SEGMENT_SECONDS

#: Classes summed in the IIIC burden (SPaRCNet's: seizure, LPD, GPD, LRDA).
IIIC_CLASSES: tuple[str, ...] = ("Seizure", "LPD", "GPD", "LRDA")
#: Rows of one TreeSHAP call (bounds memory: rows x 6 classes x 1,489 float64).
_SHAP_ROWS: int = 512


def burdens(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seizure and IIIC burden of each window from probabilities (n, 6), CLASSES order."""
    probs = np.asarray(probs, dtype=np.float64)
    iiic = [CLASSES.index(c) for c in IIIC_CLASSES]
    return probs[:, CLASSES.index("Seizure")], probs[:, iiic].sum(axis=1)


def leading_features(model, X: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The feature and the concept group pushing each row most towards its predicted class.

    First fold model's TreeSHAP (:meth:`~hms_features.model.TrainedModel.contributions` with
    ``folds=0``: the fold models agree on the leading feature in the great majority of windows
    and one booster costs a third of three). ``X`` holds the model's features
    (``model.feature_names`` order). Returns an object array (n, 2): feature name, readable
    concept label (``Amplitude, whole head``).
    """
    from hms_features.explain.concepts import concept_membership, label
    from hms_features.explain.shap_values import sum_by_group

    names = list(model.feature_names)
    n_feat = len(names)
    group_list, member = concept_membership(names)
    labels = np.asarray([label(g) for g in group_list], dtype=object)
    name_arr = np.asarray(names, dtype=object)
    out = np.empty((len(X), 2), dtype=object)
    for a in range(0, len(X), _SHAP_ROWS):
        block = X[a : a + _SHAP_ROWS]
        contrib = model.contributions(block, folds=0)[:, :, :n_feat]
        own = contrib[np.arange(len(block)), predicted[a : a + _SHAP_ROWS]]
        out[a : a + len(block), 0] = name_arr[np.argmax(own, axis=1)]
        by_group = sum_by_group(own, member, len(labels))
        out[a : a + len(block), 1] = labels[np.argmax(by_group, axis=1)]
    return out


def model_columns(model, names: tuple[str, ...]) -> np.ndarray:
    """Positions in ``names`` (the extractor's features) of the model's features, in order."""
    where = {n: i for i, n in enumerate(names)}
    missing = [f for f in model.feature_names if f not in where]
    if missing:
        raise FeatureMismatchError(
            f"the model expects {len(missing)} feature(s) this version does not compute, e.g. "
            f"{missing[:5]}; retrain it with this version of hms-features"
        )
    return np.array([where[f] for f in model.feature_names], dtype=np.int64)


def build_timeline(
    onsets: np.ndarray,
    probs: np.ndarray,
    missing: np.ndarray,
    clipped: np.ndarray,
    leading: np.ndarray | None = None,
    bad_channels: np.ndarray | None = None,
    usable: np.ndarray | None = None,
) -> pd.DataFrame:
    """The timeline table (see the module docstring). Without ``usable``, a window is ``poor``
    when more than :data:`~hms_features.score.quality.POOR_MISSING` of it is missing."""
    from hms_features.explain.shap_values import feature_family

    probs = np.asarray(probs, dtype=np.float64)
    frame = pd.DataFrame(
        {"onset": np.asarray(onsets, np.float64), "duration": SEGMENT_SECONDS}, index=None
    )
    for j, col in enumerate(VOTE_COLUMNS):
        frame[col] = probs[:, j]
    frame["seizure_burden"], frame["iiic_burden"] = burdens(probs)
    frame["predicted"] = np.asarray(CLASSES, dtype=object)[np.argmax(probs, axis=1)]
    frame["missing_fraction"] = np.asarray(missing, np.float64)
    frame["clipped_fraction"] = np.asarray(clipped, np.float64)
    frame["bad_channels"] = (
        np.full(len(frame), "", dtype=object)
        if bad_channels is None
        else np.asarray(bad_channels, dtype=object)
    )
    ok = frame["missing_fraction"] <= POOR_MISSING if usable is None else np.asarray(usable)
    frame["quality"] = np.where(ok, "ok", "poor")
    if leading is not None:
        leading = np.asarray(leading, dtype=object).reshape(len(frame), -1)
        frame["leading_feature"] = leading[:, 0]
        frame["leading_family"] = [feature_family(n) for n in leading[:, 0]]
        if leading.shape[1] > 1:
            frame["leading_concept"] = leading[:, 1]
    return frame


def mean_burdens(frame: pd.DataFrame) -> tuple[float, float]:
    """Seizure and IIIC burden of the recording: their mean over the ``ok`` windows (NaN when
    no window is usable)."""
    ok = frame["quality"] == "ok"
    if not ok.any():
        return float("nan"), float("nan")
    return float(frame.loc[ok, "seizure_burden"].mean()), float(frame.loc[ok, "iiic_burden"].mean())


def burden_text(value: float) -> str:
    """A burden as the summary and pages print it: ``12.3%``, or ``n/a`` (no usable window)."""
    return "n/a" if not np.isfinite(value) else f"{value:.1%}"


def unusable_reason(frame: pd.DataFrame) -> str:
    """Why the windows of a timeline are poor, in a few words: the electrodes named most
    often, or the missing share."""
    bad = frame["bad_channels"].astype(str)
    counts: dict[str, int] = {}
    for cell in bad[bad != ""]:
        for item in cell.split("; "):
            counts[item] = counts.get(item, 0) + 1
    if counts:
        top = sorted(counts, key=lambda k: -counts[k])
        shown = ", ".join(top[:6]) + (f" and {len(top) - 6} more" if len(top) > 6 else "")
        return f"bad electrodes ({shown})"
    return f"median {frame['missing_fraction'].median():.0%} of each window missing"


def write_timeline(frame: pd.DataFrame, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """``<stem>_timeline.parquet`` and ``<stem>_timeline.csv`` in ``out_dir``."""
    parquet = out_dir / f"{stem}_timeline.parquet"
    csv = out_dir / f"{stem}_timeline.csv"
    frame.to_parquet(parquet, index=False)
    frame.to_csv(csv, index=False, float_format="%.6g")
    return parquet, csv
