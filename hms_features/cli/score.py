"""``hms score``: a whole clinical recording (or an archive of them) scored window by window:
timeline, BIDS events, review page."""

from __future__ import annotations

import argparse

from hms_features.cli.common import add_command, add_quiet, n_jobs


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score`` sub-command."""
    p = add_command(
        subparsers,
        "score",
        help="score a whole recording (EDF/BDF/...): timeline, burden, BIDS events, review page",
        description=(
            "Read a clinical recording (EDF/EDF+, BDF, any format MNE-Python reads, or a Kaggle "
            "EEG parquet), map its channels onto the 19 electrodes and EKG, resample to 200 Hz, "
            "and score 50-s windows whose central 10 s tile the recording every --step seconds "
            "with the model of `hms predict`. Writes <stem>_timeline.parquet and .csv (the six "
            "probabilities, seizure and IIIC burden, quality), <stem>_events.tsv (BIDS events "
            "of merged episodes), <stem>_annotations.txt (the same, as MNE annotations that "
            "EDFbrowser imports) and <stem>_timeline.html (spectrograms, probability strip, "
            "burden, review of the most probable windows). Bad electrodes are named and left "
            "out; amplitudes that cannot be EEG are a warning (--unit forces the unit). Several "
            "recordings or folders score an archive: one sub-folder per recording, index.csv "
            "and index.html, done recordings skipped (--overwrite), on a Dask cluster with "
            "--scheduler."
        ),
        example="  hms score rec.edf --model-dir models/lgbm --out scored/ --step 10\n"
        "  hms score archive/ --model-dir models/lgbm --out scored/ --n-jobs 2",
    )
    p.add_argument(
        "recordings",
        nargs="+",
        metavar="RECORDING",
        help="a recording file; several files or folders score an archive: one sub-folder per "
        "recording in --out, and index.csv / index.html",
    )
    p.add_argument("--model-dir", required=True, help="model folder written by `hms train`")
    p.add_argument(
        "--out",
        required=True,
        help="output folder; while a recording is scored it also holds its 200-Hz copy "
        "(.<stem>.score-samples/, 1.7 GB per 24 hours, removed at the end; without the room "
        "the file is read twice instead)",
    )
    p.add_argument(
        "--step",
        type=score_step,
        default=10.0,
        help="seconds between windows, at most 10 (10: the scored 10 s tile the recording; "
        "2 as SPaRCNet)",
    )
    p.add_argument("--start", type=float, default=None, help="first second to score")
    p.add_argument("--end", type=float, default=None, help="last second to score")
    p.add_argument("--n-jobs", type=n_jobs, default=-1, help="parallel workers (-1: all cores)")
    p.add_argument(
        "--no-page", action="store_true", help="skip the HTML page (timeline and events only)"
    )
    p.add_argument(
        "--unit",
        choices=("uV", "mV", "V"),
        default=None,
        help="read the file's numbers in this unit, whatever its header declares (a file whose "
        "header says uV but holds volts: --unit V); default: the header's",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="archive: score recordings again that are already done (skipped otherwise)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="archive: address of a Dask scheduler (tcp://host:8786), one task per recording "
        "(pip install 'hms-features[dask]')",
    )
    add_quiet(p)
    p.set_defaults(func=run_score)


def score_step(text: str) -> float:
    """``--step``: seconds, more than one sample and at most one scored segment (10 s)."""
    from hms_features.errors import UsageError
    from hms_features.score.windows import check_step

    try:
        return check_step(float(text))
    except ValueError as exc:
        if isinstance(exc, UsageError):
            raise argparse.ArgumentTypeError(str(exc).removeprefix("--step ")) from None
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None


def run_score(args: argparse.Namespace) -> int:
    """Score the recording; print where the outputs are."""
    from pathlib import Path

    from hms_features.score.run import score_recording

    one = len(args.recordings) == 1 and not Path(args.recordings[0]).is_dir()
    if not one or args.scheduler:
        from hms_features.score.archive import print_progress, score_archive

        archive = score_archive(
            args.recordings,
            args.model_dir,
            args.out,
            step=args.step,
            n_jobs=args.n_jobs,
            page=not args.no_page,
            overwrite=args.overwrite,
            scheduler=args.scheduler,
            unit=args.unit,
            log=None if args.quiet else print_progress,
        )
        print(archive.format())
        return archive.exit_status
    result = score_recording(
        args.recordings[0],
        args.model_dir,
        args.out,
        step=args.step,
        start=args.start,
        end=args.end,
        n_jobs=args.n_jobs,
        page=not args.no_page,
        progress=not args.quiet,
        unit=args.unit,
    )
    print(result.format())
    return 0
