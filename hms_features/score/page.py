"""The self-contained HTML page of a scored recording (``<stem>_timeline.html``).

From top to bottom: a summary (burdens, unusable windows, bad electrodes, ignored channels, the
run's warnings); the figure of the whole recording
(:func:`hms_features.explain.plots.plot_overview`: regional spectrograms, events, the six class
probabilities stacked per window, seizure and IIIC burden); the table of events; and the review
page of ``hms explain`` (:func:`hms_features.explain.report.render_report`: probabilities,
spectrograms and EEG, SHAP waterfalls and feature tables) of the most probable window of each
class (windows of ``ok`` quality whose top class it is), each embedded in the page (an
``iframe`` with ``srcdoc``), so that the page is one file that opens anywhere.

:func:`recording_case` cuts a window's review case out of the recording (the loading);
:func:`recording_page` gathers the page's content as plain data; the template
``recording.html`` renders it (:mod:`hms_features.explain.pages`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, FS, VOTE_COLUMNS
from hms_features.constants import WINDOW_SAMPLES as N_WIN
from hms_features.explain.cases import ReviewCase
from hms_features.explain.pages import clock


def best_windows(timeline: pd.DataFrame) -> dict[str, int]:
    """Row of the most probable ``ok`` window of each class among those it leads."""
    out = {}
    ok = timeline["quality"].to_numpy() == "ok"
    pred = timeline["predicted"].to_numpy()
    for cls, col in zip(CLASSES, VOTE_COLUMNS, strict=True):
        rows = np.flatnonzero(ok & (pred == cls))
        if rows.size:
            out[cls] = int(rows[np.argmax(timeline[col].to_numpy()[rows])])
    return out


def recording_case(row: int, reader, spec: np.ndarray, onsets: np.ndarray, feats) -> ReviewCase:
    """The review case of window ``row`` of a recording: its 50 s of EEG, the 10 minutes of the
    recording's own spectrogram around it and its features, titled with the recording's file
    name and the time of the window's scored 10 s."""
    from hms_features.features.extractor import feature_names
    from hms_features.score.extract import first_rows, read_padded, spectrogram_window
    from hms_features.score.windows import window_starts

    start = int(window_starts(onsets[row : row + 1])[0])
    return ReviewCase(
        split="recording",
        eeg_id=row,
        eeg_sub_id=0,
        spectrogram_id=0,
        patient_id=0,
        offset_seconds=start / FS,
        window=read_padded(reader, start, start + N_WIN),
        spectrogram=spectrogram_window(spec, int(first_rows(onsets[row : row + 1])[0])),
        spectrogram_recomputed=False,
        spectrogram_note="",
        features=pd.DataFrame(feats[row : row + 1], columns=list(feature_names())),
        title=f"{reader.info.path.name} at {clock(float(onsets[row]))} ({onsets[row]:g} s)",
        spectrogram_origin="the spectrogram is computed from the recording itself",
    )


def case_page(case: ReviewCase, model, quantiles, model_name: str) -> str:
    """The ``hms explain`` page of a review case (HTML text)."""
    from hms_features.explain.report import render_report
    from hms_features.explain.shap_values import compute_shap

    page, _ = render_report(
        case, compute_shap(model, case.features), quantiles, model_name=model_name
    )
    return page


def _case_page_task(key, case: ReviewCase, model_dir: str, quantiles, model_name: str):
    """A worker's :func:`case_page` (the model loaded once per worker process)."""
    from threadpoolctl import threadpool_limits

    from hms_features.score.extract import _worker_model

    with threadpool_limits(limits=1, user_api="blas"):
        return key, case_page(case, _worker_model(model_dir)[0], quantiles, model_name)


def review_pages(
    cases: dict, model, model_dir, quantiles, model_name: str, n_jobs: int = 1
) -> dict:
    """:func:`case_page` of each case (key -> HTML text); with ``n_jobs`` > 1 on worker
    processes, a page each (a review page is about 1.4 s of matplotlib layout and PNG
    encoding, six of them the longest part of a recording's page)."""
    from hms_features.score.extract import _pool, n_workers_for

    workers = n_workers_for(n_jobs, len(cases))
    if workers <= 1:
        return {k: case_page(c, model, quantiles, model_name) for k, c in cases.items()}
    tasks = ((_case_page_task, (k, c, str(model_dir), quantiles, model_name))
             for k, c in cases.items())  # fmt: skip
    return dict(_pool(tasks, workers))


def bad_electrodes(timeline: pd.DataFrame, labels: dict[str, str]) -> str:
    """The bad electrodes of a timeline with the file's labels and how many windows each
    spoils, most first (``'O1 (EEG O1-Ref): flat in 12 window(s); ...'``); '' if none."""
    counts: dict[str, int] = {}
    for cell in timeline["bad_channels"].astype(str) if "bad_channels" in timeline else []:
        for item in filter(None, cell.split("; ")):
            counts[item] = counts.get(item, 0) + 1
    parts = []
    for item, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        electrode, _, what = item.partition(": ")
        parts.append(f"{electrode} ({labels.get(electrode, '?')}): {what} in {n} window(s)")
    return "; ".join(parts)


@dataclass
class RecordingPage:
    """Everything a recording's page shows, as plain data (what ``recording.html`` renders).

    Attributes
    ----------
    stem, file_name, model_name : str
    duration, source_fs, step : float
        Seconds, Hz, seconds between windows.
    n_windows, n_usable : int
        Windows scored, of ``ok`` quality.
    seizure_burden, iiic_burden : str
        As :func:`hms_features.score.timeline.burden_text` says them.
    notes : list of str
        The run's warnings.
    bad_electrodes : str
        :func:`bad_electrodes` ('' if none).
    ignored_channels : list of str
        The file's channels that are neither an electrode nor the EKG.
    overview_image : str
        :func:`~hms_features.explain.plots.plot_overview` (a ``data:`` URI).
    events : list of dict
        ``onset``, ``duration``, ``cls``, ``colour``, ``probability``.
    reviews : list of dict
        The embedded reviews: ``cls``, ``probability``, ``onset``, ``row``, ``html``.
    """

    stem: str
    file_name: str
    model_name: str
    duration: float
    source_fs: float
    step: float
    n_windows: int
    n_usable: int
    seizure_burden: str
    iiic_burden: str
    overview_image: str
    notes: list[str] = field(default_factory=list)
    bad_electrodes: str = ""
    ignored_channels: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)


def recording_reviews(
    stem: str, reader, spec, timeline, feats, model, model_dir, onsets, n_jobs: int = 1
) -> list[dict]:
    """The page's embedded reviews (see :class:`RecordingPage`), drawn on ``n_jobs`` worker
    processes: the most probable window of each class."""
    from hms_features.explain.shap_values import ensure_quantiles

    quantiles = ensure_quantiles(model_dir, model.feature_names)
    best = best_windows(timeline)
    cases = {cls: recording_case(row, reader, spec, onsets, feats) for cls, row in best.items()}
    html = review_pages(cases, model, model_dir, quantiles, stem, n_jobs)
    return [
        {
            "cls": cls,
            "probability": float(timeline[VOTE_COLUMNS[CLASSES.index(cls)]].iloc[row]),
            "onset": float(timeline["onset"].iloc[row]),
            "row": row,
            "html": html[cls],
        }
        for cls, row in best.items()
    ]


def recording_page(
    stem: str,
    reader,
    spec,
    timeline,
    events,
    feats,
    model,
    model_dir,
    onsets,
    notes=(),
    reviews: list[dict] | None = None,
) -> RecordingPage:
    """The content of a recording's page (see the module docstring); ``reviews``: those of
    :func:`recording_reviews` if the caller drew them already."""
    from hms_features.explain import plots
    from hms_features.explain.pages import png_data_uri
    from hms_features.score.timeline import burden_text, mean_burdens

    seizure, iiic = mean_burdens(timeline)
    if reviews is None:
        reviews = recording_reviews(stem, reader, spec, timeline, feats, model, model_dir, onsets)
    overview = plots.plot_overview(spec, timeline, events, reader.duration)
    return RecordingPage(
        stem=stem,
        file_name=reader.info.path.name,
        model_name=Path(model_dir).name,
        duration=reader.duration,
        source_fs=reader.info.source_fs,
        step=float(np.median(np.diff(onsets))) if len(onsets) > 1 else 10.0,
        n_windows=len(timeline),
        n_usable=int((timeline["quality"] == "ok").sum()),
        seizure_burden=burden_text(seizure),
        iiic_burden=burden_text(iiic),
        overview_image=png_data_uri(overview),
        notes=list(notes),
        bad_electrodes=bad_electrodes(timeline, reader.info.channels),
        ignored_channels=list(reader.info.extra_channels),
        events=[
            {
                "onset": e.onset,
                "duration": e.duration,
                "cls": e.trial_type,
                "colour": plots.CLASS_COLOURS[e.trial_type],
                "probability": e.probability,
            }
            for e in events.itertuples()
        ],  # fmt: skip
        reviews=reviews,
    )


def write_page(
    out_dir: Path,
    stem: str,
    reader,
    spec,
    timeline,
    events,
    feats,
    model,
    model_dir,
    onsets,
    notes: tuple[str, ...] | list[str] = (),
    reviews: list[dict] | None = None,
) -> Path:
    """Write ``<stem>_timeline.html`` (see the module docstring); ``notes`` are the run's
    warnings, listed at the top; ``reviews`` as :func:`recording_page` takes them."""
    from hms_features.explain.pages import render

    content = recording_page(
        stem, reader, spec, timeline, events, feats, model, model_dir, onsets, notes, reviews
    )
    path = out_dir / f"{stem}_timeline.html"
    path.write_text(render("recording.html", page=content), encoding="utf-8")
    return path
