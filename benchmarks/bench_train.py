"""Benchmark: training seconds per fold and prediction milliseconds per EEG.

Synthetic feature matrix (``--rows`` x ``--features``, default 20000 x 1000) with HMS-like vote
structure; trains the ``--variants`` (default: soft) with the project's default
hyper-parameters and early stopping (``--max-rounds`` caps the rounds). Prediction time per
EEG is model-only unless ``--data-dir`` is given, in which case ``extract_features`` is timed
on a few test EEGs of that folder and added. The last line printed is one JSON object.

    python benchmarks/bench_train.py --rows 20000 --features 1000 --n-jobs 2
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--features", type=int, default=1000)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument(
        "--max-folds", type=int, default=2, help="train only this many folds (time per fold)"
    )
    p.add_argument("--variants", default="soft")
    p.add_argument("--max-rounds", type=int, default=2000)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--data-dir", default=None, help="Kaggle-layout folder to time extract_features")
    p.add_argument("--n-eegs", type=int, default=3, help="test EEGs to extract with --data-dir")
    args = p.parse_args(argv)

    from hms_features.model import TrainConfig, load_model
    from hms_features.model.synthetic import synthetic_training_table
    from hms_features.model.train import load_training_data, train_cv

    t = time.perf_counter()
    features, labels = synthetic_training_table(args.rows, args.features, seed=0)
    data = load_training_data(features, labels, log=lambda m: None)
    del features
    t_data = time.perf_counter() - t
    print(f"data: {args.rows} rows x {args.features} features in {t_data:.1f} s", flush=True)

    cfg = TrainConfig(
        n_folds=args.folds,
        n_jobs=args.n_jobs,
        variants=tuple(v for v in args.variants.split(",") if v),
        num_boost_round=args.max_rounds,
    )
    fold_seconds: list[float] = []
    iterations: list[dict] = []
    only = list(range(min(args.max_folds, args.folds)))
    result = train_cv(data, cfg, log=print, only_folds=only)
    for info in result.fold_info:
        fold_seconds.append(info["seconds"])
        iterations.append({v: x["best_iteration"] for v, x in info["variants"].items()})

    # prediction: model-only time per EEG (one row per EEG), mean over a batch and single rows
    from hms_features.model.files import save_model

    variant = next(v for v in cfg.variants if v in result.boosters)
    with tempfile.TemporaryDirectory() as tmp:
        save_model(tmp, result.boosters[variant], data.feature_names)
        model = load_model(tmp)
        X = data.X[:200]
        t = time.perf_counter()
        model.predict_proba(X)
        ms_batch = (time.perf_counter() - t) * 1000 / len(X)
        t = time.perf_counter()
        for i in range(20):
            model.predict_proba(X[i : i + 1])
        ms_single = (time.perf_counter() - t) * 1000 / 20
    ms_features = None
    if args.data_dir:
        from hms_features.factory import extract_features

        t = time.perf_counter()
        feats = extract_features(args.data_dir, split="test", limit=args.n_eegs, progress=False)
        ms_features = (time.perf_counter() - t) * 1000 / max(1, feats["eeg_id"].nunique())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"train: {np.mean(fold_seconds):.1f} s per fold ({len(fold_seconds)} folds timed), best "
        f"iterations {iterations}; predict {ms_batch:.3f} ms/EEG batched, {ms_single:.2f} ms/EEG "
        "one at a time (model only"
        + (
            f"; features {ms_features:.0f} ms/EEG"
            if ms_features is not None
            else ", no --data-dir: features not timed"
        )
        + f"); peak RSS {peak_mb:.0f} MB"
    )
    print(
        json.dumps(
            {
                "rows": args.rows,
                "features": args.features,
                "variants": list(cfg.variants),
                "n_jobs": args.n_jobs,
                "seconds_per_fold": [round(s, 2) for s in fold_seconds],
                "mean_seconds_per_fold": round(float(np.mean(fold_seconds)), 2),
                "best_iterations": iterations,
                "predict_ms_per_eeg_model_only_batched": round(ms_batch, 4),
                "predict_ms_per_eeg_model_only_single": round(ms_single, 3),
                "features_ms_per_eeg": None if ms_features is None else round(ms_features, 1),
                "predict_ms_per_eeg_total": None
                if ms_features is None
                else round(ms_features + ms_single, 1),
                "peak_rss_mb": round(peak_mb),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
