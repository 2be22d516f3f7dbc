"""Whole archives: ``hms score RECORDINGS... --out DIR`` (several files, or folders of them).

Each recording is scored by :func:`~hms_features.score.run.score_recording` into its own
sub-folder ``DIR/<stem>/`` (timeline, events, annotations, page); then ``DIR/index.csv`` and
``DIR/index.html`` list every recording: status, duration, usable share, burdens, events, bad
electrodes, warnings, and for a failure the reason.

- **Resume**: a recording whose sub-folder holds :data:`DONE_FILE` (written last) is skipped;
  ``overwrite=True`` (``--overwrite``) scores it again. A failed one has no such file and is
  retried by the same command.
- **One bad file never stops the rest**: a recording that cannot be scored (unreadable, an
  electrode missing, too short: an :class:`~hms_features.errors.HMSError`) is a ``failed`` row
  with the reason; an unexpected error (a bug) is a failed row too, with its traceback in
  ``DIR/<stem>/error.txt``, and makes the command exit 3 at the end.
- **Where**: in this process, one recording after another, each on ``n_jobs`` worker
  processes; or, with ``scheduler="tcp://..."`` (``--scheduler``), one task per recording on a
  Dask cluster (each scored with one process), as ``hms features --scheduler`` does.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from hms_features.errors import HMSError, HMSWarning, UsageError

#: Written last into a recording's sub-folder: the recording is done (its index row, as JSON).
DONE_FILE: str = "summary.json"
#: File suffixes taken from a folder (any case): EDF/EDF+, BDF, BrainVision, EEGLAB, FIF, and
#: Kaggle parquet EEGs.
RECORDING_SUFFIXES: tuple[str, ...] = (".edf", ".bdf", ".vhdr", ".set", ".fif", ".parquet")
#: Columns of ``index.csv``.
INDEX_COLUMNS: tuple[str, ...] = (
    "recording", "folder", "status", "duration_s", "usable_share", "seizure_burden",
    "iiic_burden", "n_events", "bad_channels", "warnings", "reason",
)  # fmt: skip


def find_recordings(inputs: Iterable[str | Path]) -> list[Path]:
    """The recordings named: files as given, folders searched (recursively, sorted) for
    :data:`RECORDING_SUFFIXES`.

    Raises
    ------
    UsageError
        A path that does not exist, a folder without recordings, or nothing at all.
    """
    out: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RECORDING_SUFFIXES
            )
            if not found:
                raise UsageError(
                    f"{path}: no recording in this folder (looked for "
                    f"{', '.join(RECORDING_SUFFIXES)})"
                )
            out += found
        elif path.is_file():
            out.append(path)
        else:
            raise UsageError(f"recording {path} not found")
    if not out:
        raise UsageError("no recording given")
    return list(dict.fromkeys(out))


def folder_names(paths: list[Path]) -> list[str]:
    """Each recording's sub-folder: its file stem; two recordings with one stem are refused.

    >>> folder_names([Path("a/rec1.edf"), Path("b/rec2.edf")])
    ['rec1', 'rec2']
    """
    seen: dict[str, Path] = {}
    for p in paths:
        if p.stem in seen:
            raise UsageError(
                f"{seen[p.stem]} and {p} would share the sub-folder {p.stem!r}; rename one or "
                "score them into different --out folders"
            )
        seen[p.stem] = p
    return [p.stem for p in paths]


@dataclass
class ArchiveResult:
    """What :func:`score_archive` did."""

    out: Path
    index: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def exit_status(self) -> int:
        """0 when every recording was scored, 1 when some failed for their data, 3 on a bug."""
        if (self.index["status"] == "failed (bug)").any():
            return 3
        return 1 if (self.index["status"] == "failed").any() else 0

    def format(self) -> str:
        """The summary lines the command prints."""
        st = self.index["status"].value_counts()
        order = ("scored", "skipped (done)", "failed", "failed (bug)")
        lines = [
            f"score: {len(self.index)} recording(s) in {self.out}: "
            + ", ".join(f"{st[k]} {k}" for k in order if k in st)
        ]
        for r in self.index.itertuples():
            what = (
                f"seizure burden {_pct(r.seizure_burden)}, IIIC {_pct(r.iiic_burden)}, "
                f"{int(r.n_events)} event(s), usable {_pct(r.usable_share)}"
                if r.status in ("scored", "skipped (done)")
                else str(r.reason)
            )
            lines.append(f"  {r.status:<14} {r.recording}: {what}")
        lines += [f"  {name:<12} {path}" for name, path in self.files.items()]
        return "\n".join(lines)


def _pct(value) -> str:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if not np.isfinite(value) else f"{value:.1%}"


def score_one(
    recording: str,
    model_dir: str,
    out: str,
    step: float = 10.0,
    n_jobs: int = 1,
    page: bool = True,
    unit: str | None = None,
) -> dict:
    """Score one recording into ``out`` and return its index row; never raises for the
    recording's own problems (the row says ``failed`` and why)."""
    from hms_features.score.run import score_recording

    path, folder = Path(recording), Path(out)
    row = dict.fromkeys(INDEX_COLUMNS, "")
    row.update(recording=str(path), folder=folder.name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", HMSWarning)
        try:
            result = score_recording(
                path, model_dir, folder, step=step, n_jobs=n_jobs, page=page, progress=False,
                unit=unit,
            )  # fmt: skip
        except HMSError as exc:
            row.update(status="failed", reason=str(exc))
        except Exception as exc:
            from hms_features.errors import is_interrupt

            if is_interrupt(exc):
                raise
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "error.txt").write_text(traceback.format_exc())
            row.update(status="failed (bug)", reason=f"{type(exc).__name__}: {exc}")
    said = [str(w.message) for w in caught if issubclass(w.category, HMSWarning)]
    row["warnings"] = " | ".join(said)
    if row.get("status"):
        return row
    tl = result.timeline
    seizure, iiic = result.burdens
    row.update(
        status="scored",
        duration_s=float(result.duration),
        usable_share=float((tl["quality"] == "ok").mean()) if len(tl) else float("nan"),
        seizure_burden=seizure,
        iiic_burden=iiic,
        n_events=int(len(result.events)),
        bad_channels="; ".join(
            f"{k} in {v} window(s)" for k, v in result.bad_channel_counts().items()
        ),  # fmt: skip
    )
    (folder / DONE_FILE).write_text(json.dumps(row, indent=1, default=float))
    return row


def _run_local(jobs: list[tuple], n_jobs: int) -> Iterator[dict]:
    """One recording after another in this process, each on ``n_jobs`` workers."""
    for recording, model_dir, out, step, _one, page, unit in jobs:
        yield score_one(recording, model_dir, out, step, n_jobs, page, unit)


def _run_dask(jobs: list[tuple], scheduler: str) -> Iterator[dict]:
    """One task per recording on the Dask cluster at ``scheduler``, as they finish."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise UsageError("--scheduler needs Dask: pip install 'hms-features[dask]'") from exc
    with Client(scheduler) as client:
        futures = [client.submit(score_one, *args, pure=False) for args in jobs]
        for future in as_completed(futures):
            yield future.result()


def score_archive(
    recordings: Iterable[str | Path],
    model_dir: str | Path,
    out: str | Path,
    step: float = 10.0,
    n_jobs: int = -1,
    page: bool = True,
    overwrite: bool = False,
    scheduler: str | None = None,
    unit: str | None = None,
    log: Callable[[str], None] | None = None,
) -> ArchiveResult:
    """Score every recording (files, or folders of them) into ``out/<stem>/`` and write the
    index (see the module docstring).

    Parameters
    ----------
    recordings : paths
        Files and folders.
    model_dir, step, page, unit
        As :func:`~hms_features.score.run.score_recording`.
    out : path
        The archive's output folder.
    n_jobs : int
        Worker processes for each recording (local runs).
    overwrite : bool
        Score recordings that are already done again.
    scheduler : str, optional
        Address of a Dask scheduler: one task per recording there.
    log : callable, optional
        Called with one line per recording as it finishes.

    Returns
    -------
    ArchiveResult
    """
    from hms_features.data.paths import output_dir
    from hms_features.model.files import load_model
    from hms_features.score.windows import check_step

    check_step(step)
    out_dir = output_dir(out, "--out")
    paths = find_recordings(recordings)
    names = folder_names(paths)
    load_model(model_dir)  # an unusable model is one error, before any recording
    out_dir.mkdir(parents=True, exist_ok=True)
    say = log or (lambda _msg: None)
    rows: dict[str, dict] = {}
    jobs = []
    for path, name in zip(paths, names, strict=True):
        done = out_dir / name / DONE_FILE
        if done.is_file() and not overwrite:
            row = json.loads(done.read_text())
            row.update(status="skipped (done)", recording=str(path))
            rows[name] = row
            say(f"score: {path.name}: done before, skipped (--overwrite scores it again)")
            continue
        jobs.append((str(path), str(model_dir), str(out_dir / name), step, 1, page, unit))
    results = _run_dask(jobs, scheduler) if scheduler else _run_local(jobs, n_jobs)
    for row in results:
        rows[row["folder"]] = row
        say(f"score: {Path(row['recording']).name}: {row['status']}"
            + (f" ({row['reason']})" if row["reason"] else ""))  # fmt: skip
    index = pd.DataFrame([rows[n] for n in names], columns=list(INDEX_COLUMNS))
    for col in ("duration_s", "usable_share", "seizure_burden", "iiic_burden"):
        index[col] = pd.to_numeric(index[col], errors="coerce")
    index["n_events"] = pd.to_numeric(index["n_events"], errors="coerce").fillna(0).astype(int)
    files = {"index": out_dir / "index.csv", "index page": out_dir / "index.html"}
    index.to_csv(files["index"], index=False, float_format="%.6g")
    files["index page"].write_text(index_page(index, out_dir), encoding="utf-8")
    return ArchiveResult(out_dir, index, files)


def index_rows(index: pd.DataFrame, out_dir: Path) -> list[dict]:
    """The rows of ``index.html``, one per recording: ``href`` (its page, URL-quoted; None when
    there is no page), ``name``, ``status``, ``duration`` (s, None if unknown), ``usable``,
    ``seizure_burden``, ``iiic_burden``, ``n_events``, ``detail`` (the reason of a failure,
    else the bad channels), ``warnings``."""
    rows = []
    for r in index.itertuples():
        page = f"{r.folder}/{r.folder}_timeline.html"
        failed = str(r.status).startswith("failed")
        rows.append(
            {
                "href": quote(page) if (out_dir / page).is_file() else None,
                "name": Path(str(r.recording)).name,
                "status": str(r.status),
                "duration": float(r.duration_s) if np.isfinite(r.duration_s) else None,
                "usable": r.usable_share,
                "seizure_burden": r.seizure_burden,
                "iiic_burden": r.iiic_burden,
                "n_events": int(r.n_events),
                "detail": str(r.reason) if failed else str(r.bad_channels),
                "warnings": str(r.warnings),
            }
        )
    return rows


def index_page(index: pd.DataFrame, out_dir: Path) -> str:
    """``index.html``: one row per recording, linking to its page (template
    ``archive_index.html``; every name escaped by the template)."""
    from hms_features.explain.pages import render

    return render("archive_index.html", rows=index_rows(index, out_dir))


def print_progress(line: str) -> None:
    """Progress lines of an archive run (stderr)."""
    print(line, file=sys.stderr)
