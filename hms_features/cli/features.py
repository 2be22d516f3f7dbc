"""``hms features``: extract the feature table of a split."""

from __future__ import annotations

import argparse
import sys

from hms_features.cli.common import (
    EXIT_BUG,
    EXIT_SOME_FAILED,
    add_command,
    add_quiet,
    n_jobs,
    positive_int,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``features`` sub-command."""
    p = add_command(
        subparsers,
        "features",
        help="extract features for every label window of a split into a parquet file",
        description=(
            "Extract hundreds of named EEG features per label window (50 s) into parquet, one "
            "row per label row. Bad files never stop the run: failed windows are listed in "
            "<out stem>.errors.csv (file and reason) and spectrograms recomputed from the EEG in "
            "<out stem>.warnings.csv. Finished work is kept in <out>.parts/ until a run "
            "completes without failures: re-running the same command resumes it and retries "
            "every window that failed (after you fix or add the files); --restart discards it. "
            "Exit status 0 if every window was extracted, 1 if some failed for bad data, 3 if "
            "some failed from an unexpected error (a bug), 130 if interrupted."
        ),
        example=(
            "  hms features --data-dir data/hms --split train --out features/train.parquet "
            "--n-jobs -1\n"
            "  # after fixing a bad file: the same command retries only what failed\n"
            "  hms features --data-dir data/hms --split train --out features/train.parquet "
            "--n-jobs -1"
        ),
    )
    p.add_argument(
        "--data-dir", required=True, help="Kaggle-layout data folder (train.csv, train_eegs/, ...)"
    )
    p.add_argument(
        "--split", choices=("train", "test"), default="train", help="which label table to extract"
    )
    p.add_argument("--out", required=True, help="output parquet file")
    p.add_argument(
        "--n-jobs", type=n_jobs, default=1, help="parallel worker processes (-1: all cores)"
    )
    p.add_argument(
        "--limit", type=positive_int, default=None, help="only the first N EEGs of the split"
    )
    p.add_argument(
        "--restart",
        action="store_true",
        help="discard the finished work of an earlier run (<out>.parts/) and compute everything",
    )
    p.add_argument(
        "--windows-per-chunk",
        type=positive_int,
        default=None,
        help="windows per unit of work and part file (default: about 1/32 of the windows, "
        "16-256); a different value does not resume an earlier run",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address (tcp://host:8786) to run on a cluster",
    )
    add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the extraction and print its summary."""
    from hms_features.data.paths import input_dir, output_file
    from hms_features.factory import run_extraction

    input_dir(args.data_dir, "--data-dir")
    output_file(args.out, "--out", "features.parquet")
    s = run_extraction(
        args.data_dir,
        args.split,
        args.out,
        n_jobs=args.n_jobs,
        limit=args.limit,
        windows_per_chunk=args.windows_per_chunk,
        scheduler=args.scheduler,
        progress=not args.quiet,
        restart=args.restart,
    )
    rate = s.n_windows_computed / s.seconds if s.seconds > 0 else float("nan")
    resumed = f"{s.n_chunks_resumed}/{s.n_chunks} chunks resumed"
    if s.n_rows_retried:
        resumed += f", {s.n_rows_retried} failed label row(s) of an earlier run retried"
    print(
        f"features: {s.n_rows_written} rows x {s.n_features} features -> {s.out}\n"
        f"  {s.n_windows} windows from {s.n_label_rows} label rows; {s.n_windows_computed} "
        f"computed in {s.seconds:.1f} s ({rate:.1f} windows/s); {resumed}"
    )
    if s.n_notice_rows:
        print(
            f"warning: {s.n_recomputed_spectrograms} window(s) ({s.n_notice_rows} label rows) "
            f"used a spectrogram recomputed from the EEG; files and reasons in "
            f"{s.warnings_path}",
            file=sys.stderr,
        )
    if not s.n_failed_rows:
        return 0
    print(
        f"{s.n_failed_rows} of {s.n_label_rows} label row(s) FAILED; files and reasons in "
        f"{s.errors_path}. Run the same command again to retry them (finished windows are "
        "kept); --restart recomputes everything.",
        file=sys.stderr,
    )
    if s.n_bug_rows:
        print(
            f"{s.n_bug_rows} of them failed from an unexpected error: a bug in hms-features, "
            f"not in your data (tracebacks in {s.errors_path}); please report it",
            file=sys.stderr,
        )
        return EXIT_BUG
    return EXIT_SOME_FAILED
