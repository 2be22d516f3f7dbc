"""The ``hms`` command line: ``hms synth | features | train | predict | offline-kit | explain |
cohort | synth-recording | score``.

Each command lives in its own module here, named after it (``hms offline-kit``:
:mod:`~hms_features.cli.offline_kit`), which adds its sub-parser; the work itself is done by
the library modules it calls. Errors are handled once, in :func:`main`:

- an :class:`~hms_features.errors.HMSError` (something the user can fix) is one ``error:`` line
  on stderr and exit status 2;
- Ctrl-C stops the command with exit status 130, whatever was running;
- any other exception is a bug: its traceback is printed, exit status 3;
- an :class:`~hms_features.errors.HMSWarning` is one ``warning:`` line on stderr, whatever the
  verbosity;
- output to a closed pipe (``hms ... | head``) is dropped and the command finishes its work.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence

from hms_features.cli.common import EXIT_BUG, EXIT_INTERRUPTED
from hms_features.errors import HMSError, HMSWarning, is_interrupt

#: One module per command, named after it (``-`` as ``_``), in the order of ``hms --help``; each
#: exposes ``add_parser(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "synth",
    "features",
    "train",
    "predict",
    "offline_kit",
    "explain",
    "cohort",
    "synth_recording",
    "score",
)

EPILOG = """exit statuses:
  0    done
  1    done, but some windows or EEGs failed for bad data (listed in the errors file)
  2    usage error or unusable input (nothing or nothing more was done)
  3    internal error: a bug in hms-features (the traceback is printed; please report it)
  130  interrupted (Ctrl-C)
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``hms`` argument parser with every sub-command."""
    from hms_features import __version__

    parser = argparse.ArgumentParser(
        prog="hms",
        description="Interpretable harmful-brain-activity classification on the HMS EEG data.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hms-features {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"hms_features.cli.{name}").add_parser(sub)
    return parser


class _PipeSafeStream:
    """stdout that drops what it cannot write once the reader is gone (``hms ... | head``).

    The first BrokenPipeError points the file descriptor at /dev/null, so that the command
    finishes its work (files are still written) and Python's final flush cannot fail.
    """

    def __init__(self, stream) -> None:
        self._stream = stream
        self.broken = False

    def _drop(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class _HeldUnraisables:
    """Holds the 'Exception ignored in ...' reports (errors in ``__del__`` and the like) of a
    command, printed when it ends, or dropped when it was interrupted: a Ctrl-C that lands
    inside a library's constructor (llvmlite loading a numba kernel, say) leaves a half-built
    object whose destructor then fails, which is noise, not news."""

    def __init__(self) -> None:
        self.original = sys.unraisablehook
        self.reports: list[str] = []

    def hook(self, unraisable) -> None:
        buf = io.StringIO()
        with contextlib.redirect_stderr(buf):
            self.original(unraisable)
        self.reports.append(buf.getvalue())

    def release(self, interrupted: bool) -> None:
        if interrupted:  # also those of the interpreter's exit
            sys.unraisablehook = lambda unraisable: None
            return
        sys.unraisablehook = self.original
        for text in self.reports:
            sys.stderr.write(text)


@contextlib.contextmanager
def _command_io() -> Iterator[None]:
    """Pipe-safe stdout and one-line project warnings for the duration of a command."""
    stdout = sys.stdout
    sys.stdout = _PipeSafeStream(stdout)
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, HMSWarning):
            print(f"warning: {message}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", HMSWarning)
            warnings.showwarning = show
            yield
    finally:
        sys.stdout.flush()
        sys.stdout = stdout


def _interrupted() -> int:
    print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    """Run a parsed command; every outcome becomes an exit status (see the module docstring)."""
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return _interrupted()
    except HMSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_status
    except Exception as exc:
        if is_interrupt(exc):
            return _interrupted()
        traceback.print_exc()
        print(
            "hms: internal error (a bug in hms-features, not in your data); please report "
            "it with the traceback above",
            file=sys.stderr,
        )
        return EXIT_BUG


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hms`` and ``python -m hms_features``; returns the exit status."""
    with _command_io():
        held = _HeldUnraisables()
        sys.unraisablehook = held.hook
        status: int | None = None  # stays None when argparse exits (--help, a usage error)
        try:
            args = build_parser().parse_args(list(argv) if argv is not None else None)
            status = _run(args)
        except KeyboardInterrupt:  # while the parser was being built
            status = _interrupted()
        finally:
            held.release(interrupted=status == EXIT_INTERRUPTED)
        return status
