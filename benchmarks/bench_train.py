"""Benchmark: training seconds per fold and prediction milliseconds per EEG; ``--preset kaggle``:
the default recipe's 5-fold CV at the real training set's size.

Synthetic feature matrix (``--rows`` x ``--features``, default 20000 x 1000) with HMS-like vote
structure; trains the ``--variants`` (default: soft) with the project's default
hyper-parameters and early stopping (``--max-rounds`` caps the rounds). Prediction time per
EEG is model-only unless ``--data-dir`` is given, in which case ``extract_features`` is timed
on a few test EEGs of that folder and added. The last line printed is one JSON object.

    python benchmarks/bench_train.py --rows 20000 --features 1000 --n-jobs 2

``--preset kaggle`` builds (or reuses from ``--cache``) a feature table at Kaggle size with the
real label structure and runs ``python -m hms_features train`` on it with its default options
(only ``--n-jobs`` given), exactly as a user would:

- label rows: the full-size ``train.csv`` of :func:`hms_features.synth.preset_labels` (106,800
  rows, 17,089 EEGs, 1,950 patients; ``--rows N`` for a smaller table of the same structure);
- feature rows: drawn from the extracted features of a small synthetic set (``hms synth
  --patients 40`` then ``hms features``, cached). Each group of label rows of one EEG that
  share their votes (one annotation) is matched to a source row of the same expert-consensus
  class and vote-count bucket (< 10 or >= 10 votes), at random among the 5 whose vote
  fractions are nearest; every float feature is then multiplied by ``exp(N(0, jitter))``
  (``--jitter 0.05``: ~5% per cell, independent per row and feature), so rows are not exact
  copies, overlapping windows of one EEG stay close, and 0/1 flags, zeros and NaN stay as they
  are. Same schema as ``hms features --split train``.

The last line is one JSON object: ``rows``, ``features``, ``patients``, ``cv_seconds`` (the
training command's wall time), ``peak_rss_mb`` (the training process and its children),
``oof_kl_eeg``, ``oof_kl_high_vote`` (shipped variant, from the model's ``cv_report.json``).

    python benchmarks/bench_train.py --preset kaggle --rows 5000      # a quick check
    python benchmarks/bench_train.py --preset kaggle                  # 106,800 rows, 15+ min
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--preset",
        choices=("kaggle",),
        default=None,
        help="kaggle: the default recipe's CV on a Kaggle-size table (see above)",
    )
    p.add_argument(
        "--rows", type=int, default=None, help="rows (default 20000; with --preset: 106800)"
    )
    p.add_argument(
        "--cache",
        default=os.environ.get("HMS_BENCH_CACHE", "/tmp/hms-features-bench"),
        help="--preset: folder of the source set, its features and the built tables",
    )
    p.add_argument("--source-patients", type=int, default=40, help="--preset: source set size")
    p.add_argument("--jitter", type=float, default=0.05, help="--preset: log-normal sd per cell")
    p.add_argument("--seed", type=int, default=0, help="--preset: seed of labels and jitter")
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
    if args.preset == "kaggle":
        return kaggle_benchmark(args)
    args.rows = args.rows or 20000

    from hms_features.model import TrainConfig, load_model
    from hms_features.model.train import load_training_data, train_cv

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from helpers import synthetic_training_table  # the test suite's synthetic training table

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


# ---------------------------------------------------------------------------------------------
# --preset kaggle


def _run_hms(name: str, args: list[str], outputs: list[Path], ok: tuple[int, ...] = (0,)):
    """``python -m hms_features ARGS`` measured (see benchmarks/rehearsal.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from rehearsal import run_measured

    return run_measured(name, args, outputs, ok=ok)


def source_features(cache: Path, patients: int, seed: int, n_jobs: int) -> tuple[Path, Path]:
    """The small synthetic set and its extracted features (made once, then reused)."""
    folder = cache / f"source_p{patients}_s{seed}"
    data, feats = folder / "data", folder / "features_train.parquet"
    if not (data / "train.csv").is_file():
        if data.exists():
            import shutil

            shutil.rmtree(data)
        synth = ["synth", "--out", str(data), "--patients", str(patients), "--seed", str(seed)]
        _run_hms("source synth", [*synth, "--n-jobs", str(n_jobs), "-q"], [data])
    if not feats.is_file():
        # status 1: the set's deliberately corrupt files leave some rows without features
        extract = ["features", "--data-dir", str(data), "--split", "train", "--out", str(feats)]
        _run_hms("source features", [*extract, "--n-jobs", str(n_jobs), "-q"], [feats], (0, 1))
    return data, feats


def match_sources(labels, source_labels, rng: np.random.Generator, k: int = 5) -> np.ndarray:
    """For each label row, the index of a source row of the same consensus class and vote
    bucket (< 10 or >= 10 votes), at random among the ``k`` nearest in vote fractions; rows of
    one EEG that share their votes get the same source."""
    from hms_features.constants import HIGH_VOTE_THRESHOLD, VOTE_COLUMNS

    def describe(frame):
        votes = frame[list(VOTE_COLUMNS)].to_numpy(float)
        total = votes.sum(axis=1)
        return votes / total[:, None], votes.argmax(axis=1), total >= HIGH_VOTE_THRESHOLD

    group = labels.groupby(["eeg_id", *VOTE_COLUMNS], sort=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1]
    g_frac, g_cls, g_high = describe(labels.iloc[first])
    s_frac, s_cls, s_high = describe(source_labels)
    choice = np.empty(first.size, dtype=np.int64)
    for cls in range(6):
        for high in (False, True):
            targets = np.flatnonzero((g_cls == cls) & (g_high == high))
            if targets.size == 0:
                continue
            pool = np.flatnonzero((s_cls == cls) & (s_high == high))
            if pool.size == 0:
                pool = np.flatnonzero(s_cls == cls)
            if pool.size == 0:
                pool = np.arange(s_cls.size)
            kk = min(k, pool.size)
            for lo in range(0, targets.size, 20_000):
                t = targets[lo : lo + 20_000]
                d = ((g_frac[t, None, :] - s_frac[None, pool, :]) ** 2).sum(axis=2)
                near = np.argpartition(d, kk - 1, axis=1)[:, :kk]
                pick = near[np.arange(t.size), rng.integers(0, kk, t.size)]
                choice[t] = pool[pick]
    return choice[group]


def build_kaggle_table(
    out: Path, labels, source_feats: Path, source_csv: Path, jitter: float, seed: int
) -> int:
    """Write the Kaggle-size feature table (parquet, the source's schema); its feature count."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hms_features.data import read_labels

    keys = ["eeg_id", "eeg_sub_id"]
    src = pd.read_parquet(source_feats)
    src_labels = read_labels(source_csv, split="train").merge(src[keys], on=keys)
    src = src.set_index(keys).loc[pd.MultiIndex.from_frame(src_labels[keys])].reset_index()
    schema = pq.read_schema(source_feats)
    value_cols = [c for c in src.columns if c not in keys]
    X = src[value_cols].to_numpy(np.float64)
    binary = np.isin(X, (0.0, 1.0)) | np.isnan(X)
    jittered = np.array([pd.api.types.is_float_dtype(src[c]) for c in value_cols]) & ~binary.all(
        axis=0
    )
    rng = np.random.default_rng(seed)
    pick = match_sources(labels, src_labels, rng)
    tmp = out.with_suffix(".partial")
    with pq.ParquetWriter(tmp, schema) as writer:
        for lo in range(0, len(labels), 10_000):
            rows = pick[lo : lo + 10_000]
            block = X[rows]
            noise = np.exp(jitter * rng.standard_normal((rows.size, int(jittered.sum()))))
            block[:, jittered] *= noise
            frame = pd.DataFrame(block, columns=value_cols)
            for c in keys:
                frame.insert(keys.index(c), c, labels[c].to_numpy()[lo : lo + 10_000])
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer.write_table(table.select(schema.names).cast(schema))
    tmp.replace(out)
    return sum(1 for c in value_cols if c not in ("eeg_id", "eeg_sub_id"))


def kaggle_benchmark(args: argparse.Namespace) -> int:
    """``--preset kaggle``: build or reuse the table, run ``hms train`` with its defaults."""
    import pandas as pd

    from hms_features.synth import preset_labels
    from hms_features.synth.files import TRAIN_CSV_COLUMNS

    cache = Path(args.cache).expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    src_data, src_feats = source_features(cache, args.source_patients, args.seed, args.n_jobs)
    name = f"kaggle_{args.rows or 'full'}_s{args.seed}_j{args.jitter:g}_p{args.source_patients}"
    data = cache / name
    feats = data / "features_train.parquet"
    if not feats.is_file():
        data.mkdir(parents=True, exist_ok=True)
        labels = preset_labels("kaggle", seed=args.seed, n_rows=args.rows)
        labels[list(TRAIN_CSV_COLUMNS)].to_csv(data / "train.csv", index=False)
        build_kaggle_table(feats, labels, src_feats, src_data / "train.csv", args.jitter, args.seed)
        print(f"built {feats} in {time.perf_counter() - t0:.0f} s", flush=True)
    else:
        print(f"reusing {feats}", flush=True)
    build_seconds = time.perf_counter() - t0
    import pyarrow.parquet as pq

    labels = pd.read_csv(data / "train.csv", usecols=["patient_id"])
    n_features = len(pq.read_schema(feats).names) - 2
    model = Path(tempfile.mkdtemp(prefix="bench_kaggle_", dir=cache)) / "model"
    step = _run_hms(
        "train",
        ["train", "--data-dir", str(data), "--features", str(feats), "--model-dir", str(model),
         "--n-jobs", str(args.n_jobs), "-q"],
        [model],
    )  # fmt: skip
    report = json.loads((model / "cv_report.json").read_text())
    shipped = report["shipped_variant"]
    print(
        json.dumps(
            {
                "rows": len(labels),
                "features": n_features,
                "patients": int(labels["patient_id"].nunique()),
                "cv_seconds": step.seconds,
                "peak_rss_mb": step.peak_rss_mb,
                "oof_kl_eeg": report["scores"][shipped]["eeg"]["overall"],
                "oof_kl_high_vote": report["scores"][shipped]["high_vote"]["overall"],
                "shipped_variant": shipped,
                "variants": list(report["scores"]),
                "report_data": {
                    k: v for k, v in report.get("data", {}).items() if not isinstance(v, dict)
                },
                "n_jobs": args.n_jobs,
                "table_bytes": feats.stat().st_size,
                "table_seconds": round(build_seconds, 1),
                "jitter": args.jitter,
                "model_dir": str(model),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
