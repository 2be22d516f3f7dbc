"""Is the synthetic data set learnable, and not trivially so? A band-power baseline.

Generates a synthetic data set (or reads one, ``--data-dir``), computes ~26 simple features per
label row on the 50-s window (Welch on the NaN-filled bipolar montage: relative delta/theta/
alpha/beta power of 0.5-20 Hz per region LL/RL/LP/RP, log total power per region, left-right
asymmetry ``(L - R) / (L + R)`` in absolute value per band for LL-RL and LP-RP) and scores a
multinomial logistic regression trained on the soft vote distributions (each row repeated once
per class with weight = vote fraction) under 5-fold GroupKFold by ``patient_id``, next to the
constant class prior. Prints class balance and vote statistics; the last line is one JSON
object with the numbers.

Usage::

    python benchmarks/synth_baseline.py                       # demo-size set in a temp folder
    python benchmarks/synth_baseline.py --data-dir DIR        # an existing data set
    python benchmarks/synth_baseline.py --patients 300 --n-jobs 2 --out /tmp/synth300
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import signal as sps
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hms_features.constants import CLASSES, FS, HIGH_VOTE_THRESHOLD
from hms_features.data import (
    KaggleLayout,
    eeg_window,
    read_eeg,
    read_labels,
    total_votes,
    vote_probabilities,
)
from hms_features.metrics import kl_divergence
from hms_features.signal.montage import REGION_PAIRS, REGIONS, bipolar
from hms_features.signal.preprocess import fill_missing

BANDS = {"delta": (0.5, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 20.0)}


def window_features(window: np.ndarray) -> dict[str, float]:
    """Band-power features of one 50-s window (10000, 20) in microvolts (NaN allowed)."""
    filled, _ = fill_missing(window)
    b = bipolar(filled)
    b = b - b.mean(axis=1, keepdims=True)
    f, p = sps.welch(b, fs=FS, nperseg=400, noverlap=200, axis=-1)
    band_power = {name: p[:, (f >= lo) & (f < hi)].sum(axis=1) for name, (lo, hi) in BANDS.items()}
    total = sum(band_power.values()) + 1e-12
    out: dict[str, float] = {}
    region_band = {}
    for region, idx in REGIONS.items():
        idx = list(idx)
        tot = float(total[idx].mean())
        out[f"{region}__log_power"] = float(np.log(tot + 1e-12))
        for name, bp in band_power.items():
            region_band[region, name] = float(bp[idx].mean())
            out[f"{region}__{name}_rel"] = float(np.mean(bp[idx] / total[idx]))
    for left, right in REGION_PAIRS:
        for name in BANDS:
            a, c = region_band[left, name], region_band[right, name]
            out[f"{left}-{right}__{name}_asym"] = abs(a - c) / (a + c + 1e-12)
    return out


def build_features(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feature table (one row per train label row) and the label table."""
    layout = KaggleLayout(data_dir)
    labels = read_labels(layout.labels_csv("train"), split="train")
    rows = []
    for eeg_id, group in labels.groupby("eeg_id", sort=False):
        eeg = read_eeg(layout.eeg_path("train", eeg_id))
        for offset in group["eeg_label_offset_seconds"]:
            rows.append(window_features(eeg_window(eeg, offset, eeg_id)))
    # groupby(sort=False) visits rows grouped by eeg; restore the label order
    order = np.concatenate([g.index.to_numpy() for _, g in labels.groupby("eeg_id", sort=False)])
    feats = pd.DataFrame(rows, index=order).sort_index()
    return feats, labels


def soft_fit_predict(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, c: float = 0.03
) -> np.ndarray:
    """Multinomial logistic regression on soft labels (rows expanded per class, weight = share)."""
    n, k = y_train.shape
    rows, cls = np.nonzero(y_train > 0)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    model.fit(x_train[rows], cls, logisticregression__sample_weight=y_train[rows, cls])
    proba = np.zeros((x_test.shape[0], k))
    proba[:, model.classes_] = model.predict_proba(x_test)
    proba = np.clip(proba, 1e-6, None)
    return proba / proba.sum(axis=1, keepdims=True)


def evaluate(feats: pd.DataFrame, labels: pd.DataFrame, n_splits: int = 5) -> dict[str, float]:
    """Out-of-fold KL of the baseline and of the constant prior (all rows, >= 10-vote rows)."""
    x = feats.to_numpy(dtype=np.float64)
    y = vote_probabilities(labels)
    groups = labels["patient_id"].to_numpy()
    pred = np.zeros_like(y)
    prior_pred = np.zeros_like(y)
    for train_idx, test_idx in GroupKFold(n_splits=n_splits).split(x, y, groups):
        pred[test_idx] = soft_fit_predict(x[train_idx], y[train_idx], x[test_idx])
        prior_pred[test_idx] = y[train_idx].mean(axis=0)
    high = total_votes(labels) >= HIGH_VOTE_THRESHOLD
    return {
        "kl_baseline": kl_divergence(y, pred),
        "kl_prior": kl_divergence(y, prior_pred),
        "kl_baseline_high_votes": kl_divergence(y[high], pred[high]),
        "kl_prior_high_votes": kl_divergence(y[high], prior_pred[high]),
        "n_rows": int(len(y)),
        "n_high_vote_rows": int(high.sum()),
    }


def describe(labels: pd.DataFrame) -> dict[str, object]:
    """Class balance (consensus) and vote statistics."""
    totals = total_votes(labels)
    high = totals >= HIGH_VOTE_THRESHOLD
    share = labels["expert_consensus"].value_counts(normalize=True)
    share_high = labels.loc[high, "expert_consensus"].value_counts(normalize=True)
    return {
        "class_share": {c: round(float(share.get(c, 0.0)), 3) for c in CLASSES},
        "class_share_high_votes": {c: round(float(share_high.get(c, 0.0)), 3) for c in CLASSES},
        "votes_median": float(np.median(totals)),
        "votes_max": int(totals.max()),
        "high_vote_fraction": round(float(high.mean()), 3),
        "n_eegs": int(labels["eeg_id"].nunique()),
        "n_patients": int(labels["patient_id"].nunique()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="existing synthetic (or real) data set")
    parser.add_argument("--out", type=Path, help="where to generate (default: a temp folder)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--patients", type=int, default=None, help="default: the demo size")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)

    tmp = None
    result: dict[str, object] = {}
    if args.data_dir is None:
        from hms_features.synth import generate_dataset
        from hms_features.synth.dataset import DEFAULT_PATIENTS

        if args.out is None:
            tmp = tempfile.TemporaryDirectory(prefix="hms_synth_")
            out = Path(tmp.name) / "data"
        else:
            out = args.out
        summary = generate_dataset(
            out,
            seed=args.seed,
            n_patients=args.patients or DEFAULT_PATIENTS,
            n_jobs=args.n_jobs,
        )
        print(summary.format())
        result["generate_seconds"] = round(summary.seconds, 1)
        data_dir = out
    else:
        data_dir = args.data_dir
    t0 = time.perf_counter()
    feats, labels = build_features(data_dir)
    result["feature_seconds"] = round(time.perf_counter() - t0, 1)
    stats = describe(labels)
    print(f"{stats['n_patients']} patients, {stats['n_eegs']} EEGs, {len(labels)} rows")
    print("consensus share (all rows):  ", stats["class_share"])
    print("consensus share (>= 10 votes):", stats["class_share_high_votes"])
    print(
        f"votes per row: median {stats['votes_median']:g}, max {stats['votes_max']}, "
        f">= 10 votes {100 * stats['high_vote_fraction']:.0f}%"
    )
    scores = evaluate(feats, labels)
    print(f"{feats.shape[1]} features; 5-fold GroupKFold by patient_id; KL (lower is better):")
    print(
        f"  all rows ({scores['n_rows']}):       baseline {scores['kl_baseline']:.3f}   "
        f"prior {scores['kl_prior']:.3f}"
    )
    print(
        f"  >= 10 votes ({scores['n_high_vote_rows']}):  baseline "
        f"{scores['kl_baseline_high_votes']:.3f}   prior {scores['kl_prior_high_votes']:.3f}"
    )
    result.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in scores.items()})
    result.update(stats)
    result["n_features"] = int(feats.shape[1])
    if tmp is not None:
        tmp.cleanup()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
