"""The project's exceptions and warnings: one root for every error a user can fix.

:class:`HMSError` is raised for what the user can put right (a bad argument, a missing or
corrupt input file, a model folder that cannot be loaded, an output path that cannot be
written); the command line prints it as one ``error:`` line and exits with status 2.
Anything else that escapes is a bug in hms-features and keeps its traceback.

:class:`HMSWarning` is issued (with :func:`warnings.warn`) when a run goes on but did something
the user should know about (a spectrogram recomputed from the EEG, label rows left out); the
command line prints it on stderr whatever the verbosity.

Most classes also derive from the built-in exception a Python caller would expect
(``ValueError``, ``FileNotFoundError``, ``FileExistsError``), so that ``except ValueError``
keeps working.
"""

from __future__ import annotations


class HMSError(Exception):
    """Root of the errors a user can fix; the command line prints the message, exit status 2."""

    #: Exit status of the command line for this error.
    exit_status: int = 2


class UsageError(HMSError, ValueError):
    """An argument or a combination of arguments that cannot work (said before any work)."""


class OutputPathError(HMSError, ValueError):
    """An output path that cannot be written: a folder where a file is expected, a file where
    a folder is expected, or an existing output that must not be replaced."""


class InputNotFoundError(HMSError, FileNotFoundError):
    """An input file or folder that does not exist."""

    def __str__(self) -> str:  # FileNotFoundError's own formatting expects (errno, strerror)
        return str(self.args[0]) if self.args else ""


class HMSWarning(UserWarning):
    """A run went on, but did something the user should know about."""


def is_interrupt(exc: BaseException | None) -> bool:
    """True when ``exc`` is, or was caused by, a KeyboardInterrupt (Ctrl-C).

    A SIGINT that arrives while compiled code (numba, a C extension) runs can surface as a
    ``SystemError`` whose context is the KeyboardInterrupt; that is an interrupt too, never a
    failure of the data.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
