"""``hms explain``: a review page per EEG (spectrograms, EEG, prediction, SHAP reasons).

Arguments and paths are checked before any work starts; errors a user can fix are
:class:`~hms_features.errors.HMSError` raised by the library and reported once by
:func:`hms_features.cli.main`.
"""

from __future__ import annotations

import argparse
import sys

from hms_features.cli.common import EXIT_SOME_FAILED, add_command, add_quiet, positive_int
from hms_features.constants import CLASSES


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``explain`` sub-command."""
    p = add_command(
        subparsers,
        "explain",
        help="write a review page (HTML) per EEG: spectrograms, EEG, prediction, SHAP reasons",
        description=(
            "Write one self-contained HTML review page per EEG for a neurologist: the model's "
            "six class probabilities (and the experts' votes for train EEGs), the four regional "
            "spectrograms of the 10 minutes, the labelled 10 s of bipolar EEG, a SHAP waterfall "
            "and the table of the features that moved the prediction (with each value's "
            "percentile among the training windows, stored in the model folder by hms train), "
            "and what the model could not see. An index.html in the output folder links every "
            "page. Exit status 1 if some EEG could not be reviewed (the others are written)."
        ),
        example=(
            "  hms explain --data-dir data --model-dir models/lgbm --eeg-id 3911565283 "
            "--out reports\n"
            "  hms explain --data-dir data --model-dir models/lgbm --split train --all "
            "--class LPD --out reports"
        ),
    )
    p.add_argument("--data-dir", required=True, help="Kaggle-layout data folder")
    p.add_argument("--model-dir", required=True, help="model folder written by `hms train`")
    p.add_argument("--out", required=True, help="output folder for the HTML pages")
    p.add_argument(
        "--split",
        choices=("test", "train"),
        default="test",
        help="label table the EEGs are taken from (test.csv or train.csv)",
    )
    p.add_argument(
        "--eeg-id", type=int, action="append", default=[], help="EEG to review (repeatable)"
    )
    p.add_argument("--all", action="store_true", help="review every EEG of the split")
    p.add_argument(
        "--sub-id",
        type=int,
        default=None,
        help="train label row (eeg_sub_id) to review (default: each EEG's first)",
    )
    p.add_argument(
        "--features",
        default=None,
        help=(
            "training features parquet, only for a model folder trained before hms train "
            "stored the percentiles (feature_quantiles.json); they are then stored in it"
        ),
    )
    p.add_argument(
        "--class",
        dest="classes",
        action="append",
        default=[],
        choices=CLASSES,
        help="also explain this class (repeatable); the predicted class is always explained",
    )
    p.add_argument("--top", type=positive_int, default=15, help="features per waterfall and table")
    add_quiet(p)
    p.set_defaults(func=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    """Write the review pages and the index."""
    from hms_features.data.paths import input_dir, input_file, output_dir
    from hms_features.errors import UsageError
    from hms_features.explain.report import generate_reports

    if not args.eeg_id and not args.all:
        raise UsageError("give --eeg-id ID (repeatable) or --all")
    input_dir(args.data_dir, "--data-dir")
    input_dir(args.model_dir, "--model-dir")
    output_dir(args.out, "--out")
    if args.features is not None:
        input_file(args.features, "--features")
    run = generate_reports(
        args.data_dir,
        args.model_dir,
        args.out,
        args.eeg_id,
        split=args.split,
        sub_id=args.sub_id,
        all_eegs=args.all,
        features_path=args.features,
        extra_classes=args.classes,
        top_k=args.top,
        skip_errors=True,
        log=None if args.quiet else print,
    )
    print(f"explain: {len(run.written)} review page(s) -> {run.index}")
    if run.failed:
        for eeg_id, reason in run.failed.items():
            print(f"  EEG {eeg_id}: not reviewed: {reason}", file=sys.stderr)
        print(f"  {len(run.failed)} EEG(s) could not be reviewed", file=sys.stderr)
        return EXIT_SOME_FAILED
    return 0
