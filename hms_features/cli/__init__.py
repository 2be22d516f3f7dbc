"""The ``hms`` command line: ``hms synth | features | train | predict | offline-kit | explain``.

Each command group lives in its own module here and adds its sub-parsers; the work itself is
done by the library modules they call.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Command modules and the function each exposes to add its sub-parsers.
COMMAND_MODULES: tuple[tuple[str, str], ...] = (
    ("synth", "add_parser"),
    ("features", "add_parser"),
    ("model", "add_parsers"),
    ("explain", "add_parsers"),
)


def build_parser() -> argparse.ArgumentParser:
    """The ``hms`` argument parser with every sub-command."""
    from hms_features import __version__

    parser = argparse.ArgumentParser(
        prog="hms",
        description="Interpretable harmful-brain-activity classification on the HMS EEG data.",
    )
    parser.add_argument("--version", action="version", version=f"hms-features {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for mod_name, func_name in COMMAND_MODULES:
        module = importlib.import_module(f"hms_features.cli.{mod_name}")
        getattr(module, func_name)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hms`` and ``python -m hms_features``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
