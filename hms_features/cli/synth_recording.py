"""``hms synth-recording``: a continuous synthetic EEG recording (EDF) with its ground truth."""

from __future__ import annotations

import argparse

from hms_features.cli.common import add_command, add_quiet, positive_float


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth-recording`` sub-command."""
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
