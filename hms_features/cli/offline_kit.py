"""``hms offline-kit``: wheels and a model folder to install and score without network.

Arguments and paths are checked before any work starts; errors a user can fix are
:class:`~hms_features.errors.HMSError` raised by the library and reported once by
:func:`hms_features.cli.main`.
"""

from __future__ import annotations

import argparse

from hms_features.cli.common import add_command, add_quiet


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``offline-kit`` sub-command."""
    p = add_command(
        subparsers,
        "offline-kit",
        help="wheels + model folder to install and score without network (Kaggle)",
        description=(
            "Build the project's wheel, download the wheels of its runtime dependencies and copy "
            "the model folder into OUT, with README.txt giving the offline install line "
            "`pip install --no-index --find-links OUT/wheels hms-features`. Without the target "
            "options the wheels are for this machine's Python and platform."
        ),
        example=(
            "  hms offline-kit --model-dir models/lgbm --out kit \\\n"
            "      --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \\\n"
            "      --python-version 3.11 --implementation cp --abi cp311"
        ),
    )
    p.add_argument("--model-dir", required=True, help="model folder written by `hms train`")
    p.add_argument("--out", required=True, help="kit folder to write")
    p.add_argument(
        "--platform",
        action="append",
        default=None,
        help="target platform tag for pip download (repeatable), e.g. manylinux2014_x86_64",
    )
    p.add_argument("--python-version", default=None, help="target Python, e.g. 3.11")
    p.add_argument("--implementation", default=None, help="target implementation, e.g. cp")
    p.add_argument("--abi", default=None, help="target ABI, e.g. cp311")
    add_quiet(p)
    p.set_defaults(func=run_offline_kit)


def run_offline_kit(args: argparse.Namespace) -> int:
    """``hms offline-kit``."""
    from hms_features.data.paths import input_dir, output_dir
    from hms_features.model.offline_kit import build_offline_kit

    input_dir(args.model_dir, "--model-dir")
    output_dir(args.out, "--out")
    build_offline_kit(
        args.model_dir,
        args.out,
        platforms=args.platform,
        python_version=args.python_version,
        implementation=args.implementation,
        abi=args.abi,
        log=(lambda _msg: None) if args.quiet else print,
    )
    return 0
