"""``hms train``, ``hms predict`` and ``hms offline-kit``."""

from __future__ import annotations

import argparse
import sys

DEFAULT_VARIANTS = "prior,hard,soft,weighted,two_stage"


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train``, ``predict`` and ``offline-kit`` sub-commands."""
    p = subparsers.add_parser(
        "train",
        help="cross-validate LightGBM on vote distributions and write a model folder",
        description=(
            "Train LightGBM variants (class prior, hard labels, soft labels, low-vote weighting, "
            "two-stage) on folds grouped by patient, report out-of-fold KL divergence (one row "
            "per EEG and rows with >= 10 votes) and ship the best variant on high-vote rows as "
            "fold_<k>.txt + model.json (no pickle)."
        ),
    )
    p.add_argument("--data-dir", required=True, help="Kaggle-layout data folder (its train.csv)")
    p.add_argument(
        "--features", required=True, help="feature parquet of `hms features --split train`"
    )
    p.add_argument("--model-dir", required=True, help="output folder, e.g. models/NAME")
    p.add_argument("--folds", type=int, default=5, help="number of patient-grouped folds")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--n-jobs", type=int, default=1, help="LightGBM threads (-1: all cores)")
    p.add_argument(
        "--variants",
        default=DEFAULT_VARIANTS,
        help=f"comma-separated variants to train (default {DEFAULT_VARIANTS})",
    )
    p.add_argument(
        "--low-vote-weight",
        type=float,
        default=None,
        metavar="W",
        help="weight of rows with <= 7 votes in the 'weighted' variant (default 0.25; giving it "
        "adds 'weighted' to the variants)",
    )
    p.add_argument(
        "--two-stage",
        action="store_true",
        help="add the 'two_stage' variant (continue boosting on rows with >= 10 votes)",
    )
    p.add_argument("--learning-rate", type=float, default=0.05)
    p.add_argument("--num-leaves", type=int, default=31)
    p.add_argument(
        "--max-rounds", type=int, default=2000, help="boosting rounds before early stopping"
    )
    p.add_argument("--early-stopping", type=int, default=100, help="patience in rounds")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run_train)

    p = subparsers.add_parser(
        "predict",
        help="score test.csv's EEGs offline and write a submission",
        description=(
            "Compute features of the test EEGs, average the fold models' probabilities and write "
            "a submission with sample_submission.csv's columns and row order (rows sum to 1)."
        ),
    )
    p.add_argument(
        "--data-dir", required=True, help="Kaggle-layout data folder (test.csv, test_eegs/)"
    )
    p.add_argument("--model-dir", required=True, help="model folder written by `hms train`")
    p.add_argument("--out", required=True, help="submission CSV to write")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel feature workers (-1: all cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_predict)

    p = subparsers.add_parser(
        "offline-kit",
        help="wheels + model folder to install and score without network (Kaggle)",
        description=(
            "Build the project's wheel, download the wheels of its runtime dependencies and copy "
            "the model folder into OUT, with README.txt giving the offline install line "
            "`pip install --no-index --find-links OUT/wheels hms-features`."
        ),
    )
    p.add_argument("--model-dir", required=True, help="model folder written by `hms train`")
    p.add_argument("--out", required=True, help="kit folder to write")
    p.add_argument(
        "--platform",
        action="append",
        default=None,
        help="target platform tag for pip download (repeatable), e.g. manylinux2014_x86_64",
    )
    p.add_argument("--python-version", default=None, help="target Python, e.g. 3.11")
    p.add_argument("--implementation", default=None, help="target implementation, e.g. cp")
    p.add_argument("--abi", default=None, help="target ABI, e.g. cp311")
    p.set_defaults(func=run_offline_kit)


def _variants(args: argparse.Namespace) -> tuple[str, ...]:
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    if args.low_vote_weight is not None and "weighted" not in names:
        names.append("weighted")
    if args.two_stage and "two_stage" not in names:
        names.append("two_stage")
    return tuple(names)


def run_train(args: argparse.Namespace) -> int:
    """``hms train``."""
    from hms_features.data import HMSDataError, KaggleLayout, read_labels
    from hms_features.model.train import TrainConfig, train_model

    try:
        config = TrainConfig(
            n_folds=args.folds,
            seed=args.seed,
            n_jobs=args.n_jobs,
            variants=_variants(args),
            learning_rate=args.learning_rate,
            num_leaves=args.num_leaves,
            num_boost_round=args.max_rounds,
            early_stopping_rounds=args.early_stopping,
            low_vote_weight=0.25 if args.low_vote_weight is None else args.low_vote_weight,
        )
        labels = read_labels(KaggleLayout(args.data_dir).labels_csv("train"), split="train")
        log = None if args.quiet else print
        report = train_model(args.features, labels, args.model_dir, config, log=log)
    except (HMSDataError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    scores = report["scores"]
    print(f"{'variant':<10} {'KL/EEG':>8} {'KL>=10v':>8} {'KL rows':>8}")
    for name, s in scores.items():
        vals = [s[v]["overall"] for v in ("eeg", "high_vote", "all_rows")]
        cells = " ".join("       -" if x is None else f"{x:8.4f}" for x in vals)
        print(f"{name:<10} {cells}")
    print(
        f"shipped: {report['shipped_variant']} ({report['selection_rule']}) -> {args.model_dir} "
        f"in {report['seconds']:.1f} s"
    )
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """``hms predict``."""
    from hms_features.data import HMSDataError
    from hms_features.model.files import ModelFormatError
    from hms_features.model.predict import predict_submission

    try:
        predict_submission(
            args.data_dir,
            args.model_dir,
            args.out,
            n_jobs=args.n_jobs,
            progress=not args.no_progress,
        )
    except (HMSDataError, ModelFormatError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def run_offline_kit(args: argparse.Namespace) -> int:
    """``hms offline-kit``."""
    from hms_features.model.files import ModelFormatError
    from hms_features.model.offline_kit import build_offline_kit

    try:
        build_offline_kit(
            args.model_dir,
            args.out,
            platforms=args.platform,
            python_version=args.python_version,
            implementation=args.implementation,
            abi=args.abi,
        )
    except (ModelFormatError, FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
