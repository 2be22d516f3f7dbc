"""``hms score``: a whole recording in, timeline, events, annotations and a review page out."""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hms_features.constants import WINDOW_SECONDS
from hms_features.errors import HMSWarning


@dataclass
class ScoreResult:
    """What :func:`score_recording` wrote."""

    recording: Path
    duration: float
    source_fs: float
    n_windows: int
    step: float
    seconds: float
    timeline: pd.DataFrame
    events: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=dict)
    #: Channels of the file that were ignored (not one of the 19 electrodes or the EKG).
    ignored_channels: list[str] = field(default_factory=list)
    #: Canonical electrode -> the file's label.
    channels: dict[str, str] = field(default_factory=dict)
    #: The warnings issued (header, unit, no usable window), one sentence each.
    warnings: list[str] = field(default_factory=list)

    @property
    def burdens(self) -> tuple[float, float]:
        """Seizure and IIIC burden over the usable windows (NaN when there is none)."""
        from hms_features.score.timeline import mean_burdens

        return mean_burdens(self.timeline)

    def bad_channel_counts(self) -> dict[str, int]:
        """Each bad electrode (``O1: flat``, with the file's label) and in how many windows."""
        counts: dict[str, int] = {}
        for cell in self.timeline["bad_channels"].astype(str):
            for item in filter(None, cell.split("; ")):
                name, _, why = item.partition(": ")
                label = self.channels.get(name, name)
                key = f"{name}: {why}" if label == name else f"{name} ({label}): {why}"
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    def format(self) -> str:
        """The summary lines the command prints."""
        from hms_features.score.timeline import burden_text

        tl = self.timeline
        ok = tl["quality"] == "ok"
        share = tl.loc[ok, "predicted"].value_counts(normalize=True)
        seizure, iiic = self.burdens
        lines = [
            f"score: {self.recording.name}: {self.duration / 3600:.2f} h at "
            f"{self.source_fs:g} Hz, {self.n_windows} window(s) every {self.step:g} s in "
            f"{self.seconds:.1f} s ("
            + ", ".join(f"{k} {v:.1f} s" for k, v in self.times.items())
            + ")",
            f"  seizure burden {burden_text(seizure)}, IIIC burden {burden_text(iiic)}"
            + (
                f" over {int(ok.sum())} usable window(s); most probable class: "
                + ", ".join(f"{c} {v:.0%}" for c, v in share.items())
                if ok.any()
                else " (no usable window)"
            ),
            f"  {len(self.events)} event(s); {int((~ok).sum())} window(s) of poor quality",
        ]
        bad = self.bad_channel_counts()
        if bad:
            lines.append(
                "  bad channels: "
                + "; ".join(f"{k} in {v} window(s)" for k, v in list(bad.items())[:10])
                + (f"; and {len(bad) - 10} more" if len(bad) > 10 else "")
            )
        if self.ignored_channels:
            lines.append(f"  ignored channels: {', '.join(self.ignored_channels)}")
        lines += [f"  {name:<12} {path}" for name, path in self.files.items()]
        return "\n".join(lines)


def score_recording(
    recording: str | Path,
    model_dir: str | Path,
    out: str | Path,
    step: float = 10.0,
    start: float | None = None,
    end: float | None = None,
    n_jobs: int = -1,
    page: bool = True,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    unit: str | None = None,
) -> ScoreResult:
    """Score every window of a recording and write the outputs into ``out``.

    Long on purpose: the stages in order (read and check the file, spectrogram, windows,
    timeline, events, page), each timed and each one call to its own module, so that one screen
    shows what ``hms score`` does.

    Parameters
    ----------
    recording : path
        EDF/EDF+, BDF, any file MNE-Python reads, or a Kaggle EEG parquet.
    model_dir : path
        A model folder written by ``hms train``.
    out : path
        Output folder (created): ``<stem>_timeline.parquet/.csv``, ``<stem>_events.tsv/.json``,
        ``<stem>_annotations.txt``, ``<stem>_timeline.html``.
    step : float
        Seconds between windows (10: the scored segments tile the recording).
    start, end : float, optional
        Span to score, seconds from the recording's start.
    n_jobs : int
        Worker processes (-1: every core).
    page : bool
        Write the HTML page.
    progress : bool
        Progress bar and stage lines on stderr.
    unit : {"uV", "mV", "V"}, optional
        Read the file's numbers in this unit whatever its header says (``--unit``).

    Returns
    -------
    ScoreResult
    """
    from tqdm import tqdm

    from hms_features.data.paths import input_file, output_dir
    from hms_features.data.recording import open_recording, unit_problem
    from hms_features.factory.backends import kept_workers
    from hms_features.features.extractor import feature_names
    from hms_features.model.files import load_model
    from hms_features.score.events import merge_windows, write_annotations, write_bids_events
    from hms_features.score.extract import SampleStore, recording_spectrogram, score_windows
    from hms_features.score.timeline import (
        build_timeline,
        model_columns,
        unusable_reason,
        write_timeline,
    )
    from hms_features.score.windows import segment_onsets

    t0 = time.perf_counter()
    say = log or (lambda msg: print(msg, file=sys.stderr))
    stage = say if progress else (lambda _msg: None)
    out_dir = output_dir(out, "--out")
    path = input_file(recording, "recording")
    model = load_model(model_dir)
    reader = open_recording(path, unit)
    onsets = segment_onsets(reader.duration, step, start, end)
    names = feature_names()
    cols = model_columns(model, names)  # refuses a model of features this version does not compute
    said: list[str] = []

    def warn(text: str) -> None:
        said.append(text)
        warnings.warn(HMSWarning(text), stacklevel=3)

    for note in reader.info.notes:
        warn(note)
    problem = unit_problem(reader.info, reader.amplitude_survey())
    if problem:
        warn(problem)
    if reader.duration < WINDOW_SECONDS:
        warn(
            f"{path.name} lasts {reader.duration:g} s, less than one {WINDOW_SECONDS:g}-s "
            f"window: scored with the missing time as missing data (see missing_fraction)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = path.stem
    stage(f"score: {path.name}: {reader.duration:g} s, {len(onsets)} window(s); spectrogram")
    times: dict[str, float] = {}
    # the file read once (extract.SampleStore, beside the outputs, removed at the end) unless
    # it is a Kaggle parquet already in memory; one pool of workers for the two passes
    scratch = out_dir / f".{stem}.score-samples"
    with _removed(scratch):
        store = features = None
        if not reader.in_memory and SampleStore.fits(out_dir, reader.n_samples):
            store, features = SampleStore(scratch, reader.n_samples), scratch / "features.f32"
        with kept_workers():
            t = time.perf_counter()
            spec = recording_spectrogram(reader, n_jobs, store)
            times["spectrogram"] = time.perf_counter() - t
            t = time.perf_counter()
            with tqdm(total=len(onsets), unit="window", desc="score", disable=not progress,
                      file=sys.stderr) as bar:  # fmt: skip
                scores = score_windows(reader, spec, onsets, step, str(model_dir), n_jobs,
                                       bar.update, (model, cols), store, features)  # fmt: skip
            times["windows"] = time.perf_counter() - t
        t = time.perf_counter()
        timeline = build_timeline(
            onsets,
            scores.probs,
            scores.missing,
            scores.clipped,
            scores.leading,
            scores.bad_channels,
            scores.usable,
        )
        if not (timeline["quality"] == "ok").any():
            warn(
                f"no window of {path.name} is usable ({unusable_reason(timeline)}): the burdens "
                "are n/a and no event is merged; the probabilities in the timeline are guesses"
            )
        files: dict[str, Path] = {}
        files["timeline"], files["timeline csv"] = write_timeline(timeline, out_dir, stem)
        events = merge_windows(onsets, scores.probs, (timeline["quality"] == "ok").to_numpy())
        files["events"], files["events json"] = write_bids_events(events, out_dir, stem)
        files["annotations"] = write_annotations(events, out_dir, stem)
        times["outputs"] = time.perf_counter() - t
        if page:  # the reviews on new workers (the windows pass's hold 400 MB each)
            from hms_features.score.page import recording_reviews, write_page

            t = time.perf_counter()
            stage("score: writing the page (spectrograms, probabilities, reviews)")
            reviews = recording_reviews(stem, reader, spec, timeline, scores.features, model,
                                        model_dir, onsets, n_jobs)  # fmt: skip
        scores.features = None  # the file's memory map, before the file is removed
    if page:
        files["page"] = write_page(out_dir, stem, reader, spec, timeline, events, None, model,
                                   model_dir, onsets, said, reviews)  # fmt: skip
        times["page"] = time.perf_counter() - t
    return ScoreResult(
        recording=path,
        duration=reader.duration,
        source_fs=reader.info.source_fs,
        n_windows=len(onsets),
        step=step,
        seconds=time.perf_counter() - t0,
        timeline=timeline,
        events=events,
        files=files,
        times=times,
        ignored_channels=list(reader.info.extra_channels),
        channels=dict(reader.info.channels),
        warnings=said,
    )


@contextlib.contextmanager
def _removed(folder: Path):
    """Remove ``folder`` (and what is in it) when the block ends, however it ends."""
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
