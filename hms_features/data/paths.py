"""Checks of input and output paths, made before any work starts.

Each check raises an :class:`~hms_features.errors.HMSError` subclass naming the path and what
to do instead; ``what`` names the path in the caller's words (the command line passes its
option, ``--out``; a Python caller the parameter name).
"""

from __future__ import annotations

import os
from pathlib import Path

from hms_features.errors import InputNotFoundError, OutputPathError


def _writable_parent(path: Path, what: str) -> None:
    """The nearest existing ancestor of ``path`` must be a writable folder."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputPathError(f"{what} {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"{what} {path}: folder {parent} is not writable")


def output_file(path: str | Path, what: str = "out", example: str = "") -> Path:
    """A file the run will write (created or replaced at the end): not a folder, and in a
    folder that exists or can be made. ``example`` is a file name to suggest inside a folder."""
    path = Path(path)
    if path.is_dir():
        hint = f", e.g. {path / example}" if example else " inside it"
        raise OutputPathError(f"{what} {path} is a folder; give a file path{hint}")
    _writable_parent(path, what)
    return path


def output_dir(path: str | Path, what: str = "out") -> Path:
    """A folder the run will write into: not an existing file, and creatable."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{what} {path} is a file; give a folder")
    if not path.exists():
        _writable_parent(path, what)
    elif not os.access(path, os.W_OK | os.X_OK):
        raise OutputPathError(f"{what} {path}: folder is not writable")
    return path


def input_file(path: str | Path, what: str = "file", hint: str = "") -> Path:
    """An existing file (not a folder)."""
    path = Path(path)
    if path.is_dir():
        raise InputNotFoundError(f"{what} {path} is a folder, not a file{hint}")
    if not path.is_file():
        raise InputNotFoundError(f"{what} {path} not found{hint}")
    return path


def input_dir(path: str | Path, what: str = "folder", hint: str = "") -> Path:
    """An existing folder."""
    path = Path(path)
    if not path.is_dir():
        state = "is a file, not a folder" if path.exists() else "not found"
        raise InputNotFoundError(f"{what} {path} {state}{hint}")
    return path
