"""``hms train``: cross-validate LightGBM on vote distributions and write a model folder.

Arguments and paths are checked before any work starts; errors a user can fix are
:class:`~hms_features.errors.HMSError` raised by the library and reported once by
:func:`hms_features.cli.main`.
"""

from __future__ import annotations

import argparse

from hms_features.cli.common import (
    add_command,
    add_quiet,
    at_least_two,
    fraction,
    n_jobs,
    positive_float,
    positive_int,
)
from hms_features.model.config import DEVICE_TYPES, SOFT_LABELS, TrainConfig, check_device
from hms_features.model.variants import VARIANTS

#: The recipe's defaults come from TrainConfig: one source for the library and the command.
_DEFAULT = TrainConfig()
DEFAULT_VARIANTS = ",".join(_DEFAULT.variants)
#: Default weight of the low-vote rows in the 'weighted' variant (see TrainConfig).
DEFAULT_LOW_VOTE_WEIGHT = _DEFAULT.low_vote_weight


def _pool_seconds(text: str) -> float | None:
    """Seconds > 0, or 0 / 'none' for no pooling."""
    if text.strip().lower() in ("0", "none", "off"):
        return None
    return positive_float(text)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` sub-command (long: it declares the command's eighteen options one after
    the other, each with its help line)."""
    p = add_command(
        subparsers,
        "train",
        help="cross-validate LightGBM on vote distributions and write a model folder",
        description=(
            "Train LightGBM variants (class prior, hard labels, soft labels, low-vote weighting, "
            "two-stage) on folds grouped by patient, report out-of-fold KL divergence (one row "
            "per EEG and rows with >= 10 votes) and ship the best variant on high-vote rows as "
            "fold_<k>.txt + model.json (no pickle), with the training percentiles of every "
            "feature (feature_quantiles.json). The model folder is written beside --model-dir "
            "and renamed into place when complete: an interrupted run leaves the previous model "
            "as it was, a finished run leaves no file of an earlier one. Every label row of "
            "train.csv must have a feature row (else an error naming them), unless "
            "--allow-missing-features."
        ),
        example=(
            "  hms features --data-dir data --split train --out features_train.parquet\n"
            "  hms train --data-dir data --features features_train.parquet "
            "--model-dir models/lgbm --folds 5"
        ),
    )
    p.add_argument("--data-dir", required=True, help="Kaggle-layout data folder (its train.csv)")
    p.add_argument(
        "--features", required=True, help="feature parquet of `hms features --split train`"
    )
    p.add_argument(
        "--model-dir",
        required=True,
        help="model folder to write, e.g. models/NAME: new, empty, or an earlier model folder "
        "(replaced as a whole)",
    )
    p.add_argument(
        "--allow-missing-features",
        action="store_true",
        help="train without the label rows that have no feature row (a warning says how many) "
        "instead of stopping with an error",
    )
    p.add_argument(
        "--folds", type=at_least_two, default=5, help="number of patient-grouped CV folds"
    )
    p.add_argument("--seed", type=int, default=42, help="seed of the folds and of LightGBM")
    p.add_argument("--n-jobs", type=n_jobs, default=1, help="LightGBM threads (-1: every core)")
    p.add_argument(
        "--variants",
        default=DEFAULT_VARIANTS,
        help="comma-separated variants to train side by side ("
        + ", ".join(VARIANTS)
        + "); the best model variant on rows with >= 10 votes is shipped; the default trains "
        "what is usually shipped (add hard,weighted to compare)",
    )
    p.add_argument(
        "--low-vote-weight",
        type=fraction,
        default=None,
        metavar="W",
        help=f"weight (0 < W <= 1) of rows with <= 7 votes in the 'weighted' variant "
        f"(default: {DEFAULT_LOW_VOTE_WEIGHT}); adds 'weighted' to --variants",
    )
    p.add_argument(
        "--two-stage",
        action="store_true",
        help="adds 'two_stage' (soft labels, then boosting continued on rows with >= 10 votes) "
        "to --variants if it is not there (the default list has it)",
    )
    p.add_argument(
        "--learning-rate",
        type=positive_float,
        default=_DEFAULT.learning_rate,
        help="LightGBM learning rate",
    )
    p.add_argument(
        "--num-leaves",
        type=at_least_two,
        default=_DEFAULT.num_leaves,
        help="leaves per tree (at least 2)",
    )
    p.add_argument(
        "--max-rounds",
        type=positive_int,
        default=_DEFAULT.num_boost_round,
        help="boosting rounds at most (early stopping usually ends sooner)",
    )
    p.add_argument(
        "--early-stopping",
        type=positive_int,
        default=_DEFAULT.early_stopping_rounds,
        help="stop after this many rounds without a better validation KL",
    )
    p.add_argument(
        "--pool-seconds",
        type=_pool_seconds,
        default=_DEFAULT.pool_seconds,
        metavar="S",
        help="train on pooled rows: label rows of one EEG within S seconds of their pool's "
        "first row (overlapping labelled 10 s) become one row with their mean features and "
        "votes; every score is on the original rows; 0 trains on every row",
    )
    p.add_argument(
        "--max-features",
        type=positive_int,
        default=_DEFAULT.max_features,
        metavar="N",
        help="keep the N features of highest gain in a quick booster on each training fold "
        "(the fold models use only those; model.json lists them); default: every feature",
    )
    p.add_argument(
        "--soft-labels",
        choices=SOFT_LABELS,
        default=_DEFAULT.soft_labels,
        help="soft labels through the custom softmax objective, or as rows expanded into "
        "their voted classes on LightGBM's built-in multiclass (same gradients)",
    )
    p.add_argument(
        "--device-type",
        default=_DEFAULT.device_type,
        choices=DEVICE_TYPES,
        help="LightGBM device_type: cpu, or gpu/cuda with a GPU build of LightGBM and such a "
        "device (checked with a trial booster before any work)",
    )
    add_quiet(p)
    p.set_defaults(func=run_train)


def _variants(args: argparse.Namespace) -> tuple[str, ...]:
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    if args.low_vote_weight is not None and "weighted" not in names:
        names.append("weighted")
    if args.two_stage and "two_stage" not in names:
        names.append("two_stage")
    return tuple(names)


def _log(args: argparse.Namespace):
    return None if args.quiet else print


def run_train(args: argparse.Namespace) -> int:
    """``hms train``."""
    from hms_features.data import KaggleLayout, read_labels
    from hms_features.data.paths import input_dir, input_file
    from hms_features.model.files import check_model_dir
    from hms_features.model.train import train_model

    input_dir(args.data_dir, "--data-dir")
    input_file(args.features, "--features", " (make it with `hms features --split train`)")
    check_model_dir(args.model_dir, "--model-dir")
    weight = DEFAULT_LOW_VOTE_WEIGHT if args.low_vote_weight is None else args.low_vote_weight
    config = TrainConfig(
        n_folds=args.folds,
        seed=args.seed,
        n_jobs=args.n_jobs,
        variants=_variants(args),
        learning_rate=args.learning_rate,
        num_leaves=args.num_leaves,
        num_boost_round=args.max_rounds,
        early_stopping_rounds=args.early_stopping,
        low_vote_weight=weight,
        pool_seconds=args.pool_seconds,
        max_features=args.max_features,
        soft_labels=args.soft_labels,
        device_type=args.device_type,
    )
    check_device(config.device_type)
    labels = read_labels(KaggleLayout(args.data_dir).labels_csv("train"), split="train")
    report = train_model(
        args.features,
        labels,
        args.model_dir,
        config,
        log=_log(args),
        missing_features="drop" if args.allow_missing_features else "error",
    )
    _print_scores(report, args.model_dir)
    return 0


def _print_scores(report: dict, model_dir: str) -> None:
    print(f"{'variant':<10} {'KL/EEG':>8} {'KL>=10v':>8} {'KL rows':>8}")
    for name, s in report["scores"].items():
        vals = [s[v]["overall"] for v in ("eeg", "high_vote", "all_rows")]
        cells = " ".join("       -" if x is None else f"{x:8.4f}" for x in vals)
        print(f"{name:<10} {cells}")
    print(
        f"shipped: {report['shipped_variant']} ({report['selection_rule']}) -> {model_dir} "
        f"in {report['seconds']:.1f} s"
    )
