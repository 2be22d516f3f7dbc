"""``hms cohort``: what drives each class over the training windows (SHAP views, clinical checks).

Arguments and paths are checked before any work starts; errors a user can fix are
:class:`~hms_features.errors.HMSError` raised by the library and reported once by
:func:`hms_features.cli.main`.
"""

from __future__ import annotations

import argparse

from hms_features.cli.common import add_command, add_quiet, positive_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cohort`` sub-command."""
    c = add_command(
        subparsers,
        "cohort",
        help="cohort views: per class beeswarm and mean |SHAP|, feature families, clinical checks",
        description=(
            "Explain the training windows (out of fold when the model folder has oof.parquet) "
            "and write an HTML index with, per class, a SHAP beeswarm and the mean |SHAP| of "
            "the top features, a page of feature families x classes, and checks that the "
            "explanations tell the clinical story (asymmetry for LPD/LRDA, periodicity for "
            "LPD/GPD, delta power for LRDA/GRDA, evolution for seizures)."
        ),
        example=(
            "  hms cohort --model-dir models/lgbm --features features_train.parquet "
            "--data-dir data --out cohort"
        ),
    )
    c.add_argument("--model-dir", required=True, help="model folder written by `hms train`")
    c.add_argument(
        "--features", required=True, help="training features parquet (the windows explained)"
    )
    c.add_argument("--out", required=True, help="output folder for the HTML pages and tables")
    c.add_argument(
        "--data-dir",
        default=None,
        help="data folder: its train.csv ranks features on the windows the experts gave each "
        "class, and the page lists the consensus counts",
    )
    c.add_argument(
        "--max-rows",
        type=positive_int,
        default=3000,
        help="explain at most N windows (a seeded sample)",
    )
    c.add_argument("--top", type=positive_int, default=20, help="features per class view")
    c.add_argument(
        "--story-top",
        type=positive_int,
        default=3,
        help="a clinical check holds when its concept ranks within the class's top N of the "
        "10 concepts",
    )
    c.add_argument(
        "--seed", type=int, default=0, help="seed of the row sample (default: %(default)s)"
    )
    add_quiet(c)
    c.set_defaults(func=run_cohort)


def run_cohort(args: argparse.Namespace) -> int:
    """Write the cohort views."""
    from hms_features.data.paths import input_dir, input_file, output_dir
    from hms_features.explain.cohort_report import write_cohort

    input_dir(args.model_dir, "--model-dir")
    input_file(args.features, "--features")
    output_dir(args.out, "--out")
    if args.data_dir is not None:
        input_dir(args.data_dir, "--data-dir")
    write_cohort(
        args.model_dir,
        args.features,
        args.out,
        data_dir=args.data_dir,
        max_rows=args.max_rows,
        top_k=args.top,
        story_top_n=args.story_top,
        seed=args.seed,
        log=None if args.quiet else print,
    )
    return 0
