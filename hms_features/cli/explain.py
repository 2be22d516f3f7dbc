"""``hms explain`` (a review page per EEG) and ``hms cohort`` (what drives each class)."""

from __future__ import annotations

import argparse
import sys

from hms_features.constants import CLASSES


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``explain`` and ``cohort`` sub-commands."""
    p = subparsers.add_parser(
        "explain",
        help="write a review page (HTML) per EEG: spectrograms, EEG, prediction, SHAP reasons",
        description=(
            "Write one self-contained HTML review page per EEG for a neurologist: the model's "
            "six class probabilities (and the experts' votes for train EEGs), the four regional "
            "spectrograms of the 10 minutes, the labelled 10 s of bipolar EEG, a SHAP waterfall "
            "and the table of the features that moved the prediction, and what the model could "
            "not see. An index.html in the output folder links every page. Exit status 0 on "
            "success, 1 if some EEG could not be reviewed, 2 on a usage error."
        ),
    )
    p.add_argument("--data-dir", required=True, help="Kaggle-layout data folder")
    p.add_argument("--model-dir", required=True, help="model folder written by hms train")
    p.add_argument("--out", required=True, help="output folder for the HTML pages")
    p.add_argument("--split", choices=("test", "train"), default="test")
    p.add_argument(
        "--eeg-id", type=int, action="append", default=[], help="EEG to review (repeatable)"
    )
    p.add_argument("--all", action="store_true", help="review every EEG of the split")
    p.add_argument(
        "--sub-id", type=int, default=None, help="train label row (default: each EEG's first)"
    )
    p.add_argument(
        "--features",
        default=None,
        help=(
            "training features parquet, for the percentiles (stored once as "
            "feature_quantiles.json in the model folder; default: the file recorded at training)"
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
    p.add_argument("--top", type=int, default=15, help="features per waterfall and table")
    p.set_defaults(func=run_explain)

    c = subparsers.add_parser(
        "cohort",
        help="cohort views: per class beeswarm and mean |SHAP|, feature families, clinical checks",
        description=(
            "Explain the training windows (out of fold when the model folder has oof.parquet) "
            "and write an HTML index with, per class, a SHAP beeswarm and the mean |SHAP| of "
            "the top features, a page of feature families x classes, and checks that the "
            "explanations tell the clinical story (asymmetry for LPD/LRDA, periodicity for "
            "LPD/GPD, delta power for LRDA/GRDA, evolution for seizures)."
        ),
    )
    c.add_argument("--model-dir", required=True, help="model folder written by hms train")
    c.add_argument("--features", required=True, help="training features parquet")
    c.add_argument("--out", required=True, help="output folder")
    c.add_argument("--data-dir", default=None, help="data folder (adds the experts' consensus)")
    c.add_argument("--max-rows", type=int, default=3000, help="explain at most N windows")
    c.add_argument("--top", type=int, default=20, help="features per class view")
    c.add_argument("--seed", type=int, default=0, help="seed of the row sample")
    c.set_defaults(func=run_cohort)


def run_explain(args: argparse.Namespace) -> int:
    """Write the review pages and the index."""
    from hms_features.data.errors import HMSDataError
    from hms_features.explain.report import generate_reports
    from hms_features.model import ModelFormatError

    if not args.eeg_id and not args.all:
        print("error: give --eeg-id ID (repeatable) or --all", file=sys.stderr)
        return 2
    try:
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
        )
    except (ModelFormatError, HMSDataError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"explain: {len(run.written)} review page(s) -> {run.index}")
    if run.failed:
        for eeg_id, reason in run.failed.items():
            print(f"  EEG {eeg_id}: not reviewed: {reason}", file=sys.stderr)
        print(f"  {len(run.failed)} EEG(s) could not be reviewed", file=sys.stderr)
        return 1
    return 0


def run_cohort(args: argparse.Namespace) -> int:
    """Write the cohort views."""
    from hms_features.data.errors import HMSDataError
    from hms_features.explain.cohort import write_cohort
    from hms_features.model import ModelFormatError

    try:
        write_cohort(
            args.model_dir,
            args.features,
            args.out,
            data_dir=args.data_dir,
            max_rows=args.max_rows,
            top_k=args.top,
            seed=args.seed,
        )
    except (ModelFormatError, HMSDataError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
