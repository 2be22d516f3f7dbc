"""``hms synth-recording`` (a continuous synthetic EDF with its truth) and ``hms score`` (a whole
clinical recording scored window by window: timeline, BIDS events, review page)."""

from __future__ import annotations

import argparse

from hms_features.cli.common import add_command, add_quiet, n_jobs, positive_float


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth-recording`` and ``score`` sub-commands."""
    _add_synth_recording(subparsers)
    _add_score(subparsers)


def _add_synth_recording(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "synth-recording",
        help="write a continuous synthetic EEG recording (EDF) with ground-truth events",
        description=(
            "Simulate one patient's continuous EEG with episodes of every class (seizure, LPD, "
            "GPD, LRDA, GRDA, other) in shuffled rounds, gradual transitions and background "
            "between them, written as EDF+ at 256 Hz with Temple-University channel names "
            "(EEG FP1-REF, ...), microvolts, the episodes as EDF+ annotations; and the ground "
            "truth as BIDS events <stem>_events.tsv (onset, duration, trial_type) beside it."
        ),
        example="  hms synth-recording --out rec.edf --minutes 30 --seed 7",
    )
    p.add_argument("--out", required=True, help="EDF file to write")
    p.add_argument("--minutes", type=positive_float, default=30.0, help="length of the recording")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same file)")
    p.add_argument(
        "--fs", type=int, default=256, choices=(200, 250, 256, 500), help="sampling rate, Hz"
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --out file and its events file (refused otherwise: it could "
        "be a real recording)",
    )
    add_quiet(p)
    p.set_defaults(func=run_synth_recording)


def run_synth_recording(args: argparse.Namespace) -> int:
    """Write the recording and its events; print both paths."""
    from hms_features.data.paths import output_file
    from hms_features.errors import OutputPathError, UsageError
    from hms_features.synth.continuous import events_path, synth_recording

    out = output_file(args.out, "--out", example="rec.edf")
    if out.suffix.lower() != ".edf":
        raise UsageError(f"--out {out}: give a file name ending in .edf")
    tsv = output_file(events_path(out), "--out")
    existing = [p for p in (out, tsv) if p.exists()]
    if existing and not args.overwrite:
        raise OutputPathError(
            f"--out {out}: {' and '.join(str(p) for p in existing)} already exist(s); choose a "
            "new file name or pass --overwrite to replace them"
        )
    if args.minutes * 60 < 1:
        raise UsageError(f"--minutes {args.minutes:g} is less than one second")
    edf, tsv, events = synth_recording(out, args.minutes, seed=args.seed, fs=float(args.fs))
    counts = events["trial_type"].value_counts().reindex(events["trial_type"].unique())
    print(
        f"recording: {args.minutes:g} min at {args.fs} Hz -> {edf}\n"
        f"truth: {len(events)} episode(s) ({', '.join(f'{k} {v}' for k, v in counts.items())})"
        f" -> {tsv}"
    )
    return 0


def _add_score(subparsers: argparse._SubParsersAction) -> None:
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
    p.add_argument("--out", required=True, help="output folder")
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
