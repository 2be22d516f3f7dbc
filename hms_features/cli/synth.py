"""``hms synth``: write a synthetic HMS data set in the Kaggle layout."""

from __future__ import annotations

import argparse
import sys


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` sub-command."""
    from hms_features.synth.dataset import DEFAULT_PATIENTS, DEFAULT_TEST_EEGS

    p = subparsers.add_parser(
        "synth",
        help="generate a synthetic data set (EEGs, spectrograms, votes) in the Kaggle layout",
        description=(
            "Simulate patients' EEG (1/f background with alpha and slowing, EKG, artifacts, and "
            "seizures, LPD, GPD, LRDA, GRDA patterns), their competition-style spectrograms, and "
            "the votes of a panel of simulated experts, with the real data's faults (NaN runs, "
            "9999 placeholder, zero padding). Same seed and arguments give identical files."
        ),
    )
    p.add_argument("--out", required=True, help="output folder (must be new or empty)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--patients",
        type=int,
        default=DEFAULT_PATIENTS,
        help=f"train patients, 1-6 EEGs each (default {DEFAULT_PATIENTS}: the demo set, "
        "~250 EEGs and ~1,150 label rows)",
    )
    p.add_argument(
        "--test-eegs",
        type=int,
        default=DEFAULT_TEST_EEGS,
        help=f"test EEGs, each from a patient not in train (default {DEFAULT_TEST_EEGS})",
    )
    p.add_argument("--n-jobs", type=int, default=1, help="parallel workers (-1: all cores)")
    p.add_argument(
        "--missing-spectrograms",
        type=_fraction,
        default=0.0,
        help="fraction of train spectrogram files left out (default 0)",
    )
    p.add_argument("--overwrite", action="store_true", help="allow a non-empty output folder")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the data set and print its summary; 0 on success, 2 on a bad output folder."""
    from hms_features.synth import generate_dataset

    try:
        summary = generate_dataset(
            args.out,
            seed=args.seed,
            n_patients=args.patients,
            n_test=args.test_eegs,
            n_jobs=args.n_jobs,
            missing_spectrograms=args.missing_spectrograms,
            overwrite=args.overwrite,
            verbose=not args.no_progress,
        )
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary.format())
    return 0
