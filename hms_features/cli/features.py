"""``hms features``: extract the feature table of a split."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``features`` sub-command."""
    p = subparsers.add_parser(
        "features",
        help="extract features for every label window of a split into a parquet file",
        description=(
            "Extract hundreds of named EEG features per label window (50 s) into parquet, one row "
            "per label row. Resumes an interrupted run; bad files are listed in "
            "<out>.errors.csv and never stop the run. Exit status 0 if every window was "
            "extracted, 1 if some failed."
        ),
    )
    p.add_argument("--data-dir", required=True, help="Kaggle-layout data folder")
    p.add_argument("--split", choices=("train", "test"), default="train")
    p.add_argument("--out", required=True, help="output parquet file")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel workers (-1: all cores)")
    p.add_argument("--limit", type=int, default=None, help="only the first N EEGs")
    p.add_argument("--windows-per-chunk", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address (tcp://host:8786) to run on a cluster",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the extraction and print its summary."""
    from hms_features.data.errors import HMSDataError
    from hms_features.factory import run_extraction

    try:
        s = run_extraction(
            args.data_dir,
            args.split,
            args.out,
            n_jobs=args.n_jobs,
            limit=args.limit,
            windows_per_chunk=args.windows_per_chunk,
            scheduler=args.scheduler,
            progress=not args.no_progress,
        )
    except HMSDataError as exc:  # the label table itself is unusable
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rate = s.n_windows / s.seconds if s.seconds > 0 else float("nan")
    print(
        f"features: {s.n_rows_written} rows x {s.n_features} features -> {s.out}\n"
        f"  {s.n_windows} windows from {s.n_label_rows} label rows in {s.seconds:.1f} s "
        f"({rate:.1f} windows/s); {s.n_chunks_resumed}/{s.n_chunks} chunks resumed; "
        f"{s.n_recomputed_spectrograms} spectrograms recomputed from EEG"
    )
    if s.n_failed_rows:
        print(f"  {s.n_failed_rows} label row(s) FAILED; see {s.errors_path}", file=sys.stderr)
        return 1
    return 0
