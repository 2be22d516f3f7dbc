"""``hms synth``: write a synthetic HMS data set in the Kaggle layout."""

from __future__ import annotations

import argparse

from hms_features.cli.common import add_command, add_quiet, fraction, n_jobs, positive_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` sub-command."""
    from hms_features.synth.presets import PRESETS

    p = add_command(
        subparsers,
        "synth",
        help="generate a synthetic data set (EEGs, spectrograms, votes) in the Kaggle layout",
        description=(
            "Simulate patients' EEG (1/f background with alpha and slowing, EKG, artifacts, and "
            "seizures, LPD, GPD, LRDA, GRDA patterns), their competition-style spectrograms, and "
            "the votes of a panel of simulated experts, with the real data's faults (NaN runs, "
            "9999 placeholder, zero padding). Same seed and arguments give identical files."
        ),
        example=(
            "  hms synth --out data/synth --seed 7 --n-jobs 2\n"
            "  hms synth --out data/kaggle_small --preset kaggle-small --n-jobs 2"
        ),
    )
    p.add_argument("--out", required=True, help="output folder (must be new or empty)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument(
        "--preset",
        choices=list(PRESETS),
        default="demo",
        help="size and label structure: "
        + "; ".join(f"{name}: {pr.description}" for name, pr in PRESETS.items()),
    )
    p.add_argument(
        "--patients",
        type=positive_int,
        default=None,
        help="train patients (default: the preset's, 100 for demo); a Kaggle preset's counts "
        "of spectrograms, EEGs and label rows scale with it",
    )
    p.add_argument(
        "--test-eegs",
        type=int,
        default=None,
        help="test EEGs, each from a patient not in train (0 or more; default: 20)",
    )
    p.add_argument("--n-jobs", type=n_jobs, default=1, help="parallel workers (-1: all cores)")
    p.add_argument(
        "--missing-spectrograms",
        type=fraction,
        default=0.0,
        help="fraction of train spectrogram files left out (the features recompute them)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a non-empty folder (files of the same names are replaced)",
    )
    add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the data set and print its summary."""
    from hms_features.errors import UsageError
    from hms_features.synth.files import check_output_folder
    from hms_features.synth.presets import generate_preset

    if args.test_eegs is not None and args.test_eegs < 0:
        raise UsageError(f"--test-eegs must be 0 or more; got {args.test_eegs}")
    check_output_folder(args.out, args.overwrite, what="--out", flag="--overwrite")
    summary = generate_preset(
        args.out,
        preset=args.preset,
        seed=args.seed,
        n_patients=args.patients,
        n_test=args.test_eegs,
        n_jobs=args.n_jobs,
        missing_spectrograms=args.missing_spectrograms,
        overwrite=args.overwrite,
        verbose=not args.quiet,
    )
    print(summary.format())
    return 0
