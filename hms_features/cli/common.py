"""What every ``hms`` sub-command shares: the help format, argument types, the quiet flag."""

from __future__ import annotations

import argparse
import os
import textwrap

EXIT_OK = 0
#: Some items (windows, EEGs) failed for bad data; the rest was written.
EXIT_SOME_FAILED = 1
#: A usage error: bad arguments or unusable input, found before (or instead of) the work.
EXIT_USAGE = 2
#: An internal error: a bug in hms-features (the traceback is printed).
EXIT_BUG = 3
#: Interrupted (Ctrl-C).
EXIT_INTERRUPTED = 130


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks and shows every default that is a value."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or action.required
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or (isinstance(default, list) and not default)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


def add_command(
    subparsers: argparse._SubParsersAction, name: str, help: str, description: str, example: str
) -> argparse.ArgumentParser:
    """A sub-parser with the house format: description, then an example and the exit statuses."""
    epilog = f"example:\n{example.rstrip()}\n"
    return subparsers.add_parser(
        name,
        help=help,
        description=textwrap.fill(" ".join(description.split()), width=90),
        epilog=epilog,
        formatter_class=HelpFormatter,
    )


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """``-q/--quiet`` (alias ``--no-progress``): no progress bar or lines; warnings and errors
    still go to stderr."""
    parser.add_argument(
        "-q",
        "--quiet",
        "--no-progress",
        dest="quiet",
        action="store_true",
        help="no progress bar or progress lines (warnings and errors still go to stderr); "
        "--no-progress is the same flag",
    )


def positive_int(text: str) -> int:
    """An integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def at_least_two(text: str) -> int:
    """An integer >= 2 (cross-validation folds)."""
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 2, got {value}")
    return value


def n_jobs(text: str) -> int:
    """Workers: N >= 1, or -1 for every core (-2 for all but one, as in joblib)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError(
            "0 workers cannot do any work: give N >= 1, or -1 for every core"
        )
    cores = os.cpu_count() or 1
    if value < -cores:
        raise argparse.ArgumentTypeError(
            f"{value} would leave fewer than one of this machine's {cores} cores; "
            "give N >= 1, or -1 for every core"
        )
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text}")
    return value


def fraction(text: str) -> float:
    """A number between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1, got {text!r}"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text}")
    return value
