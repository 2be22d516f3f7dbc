"""``hms predict``: score test.csv's EEGs offline and write a submission.

Arguments and paths are checked before any work starts; errors a user can fix are
:class:`~hms_features.errors.HMSError` raised by the library and reported once by
:func:`hms_features.cli.main`.
"""

from __future__ import annotations

import argparse

from hms_features.cli.common import add_command, add_quiet, n_jobs


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``predict`` sub-command."""
    p = add_command(
        subparsers,
        "predict",
        help="score test.csv's EEGs offline and write a submission",
        description=(
            "Compute features of the test EEGs, average the fold models' probabilities and write "
            "a submission with sample_submission.csv's columns and row order (rows sum to 1). "
            "Test EEGs without a prediction get the training class prior (with a warning)."
        ),
        example=(
            "  hms predict --data-dir data --model-dir models/lgbm --out submission.csv --n-jobs 2"
        ),
    )
    p.add_argument(
        "--data-dir", required=True, help="Kaggle-layout data folder (test.csv, test_eegs/)"
    )
    p.add_argument("--model-dir", required=True, help="model folder written by `hms train`")
    p.add_argument("--out", required=True, help="submission CSV file to write")
    p.add_argument(
        "--n-jobs", type=n_jobs, default=1, help="parallel feature workers (-1: every core)"
    )
    add_quiet(p)
    p.set_defaults(func=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    """``hms predict``."""
    from hms_features.data.paths import input_dir, output_file
    from hms_features.model.predict import predict_submission

    input_dir(args.data_dir, "--data-dir")
    input_dir(args.model_dir, "--model-dir")
    output_file(args.out, "--out", example="submission.csv")
    predict_submission(
        args.data_dir, args.model_dir, args.out, n_jobs=args.n_jobs, progress=not args.quiet
    )
    return 0
