"""The self-contained HTML page of a scored recording (``<stem>_timeline.html``).

From top to bottom, on one time axis:

1. the four regional spectrograms (LL, RL, LP, RP) of the whole recording, as the competition's
   and SPaRCNet's review screens show them (rows averaged into at most :data:`MAX_COLUMNS`
   columns, log10 power, one colour scale, grey where there is no data);
2. the six class probabilities stacked per window (a "hypnodensity", as YASA draws sleep
   stages), with the merged events as coloured bars above it;
3. seizure and IIIC burden per window and as a 10-minute moving average;

then the table of events, and the review page of ``hms explain``
(:func:`hms_features.explain.report.render_report`: probabilities, spectrograms and EEG, SHAP
waterfall and feature table) of the most probable window of each class (windows of ``ok``
quality whose top class it is), each embedded in the page (an ``iframe`` with ``srcdoc``), so
that the page is one file that opens anywhere.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, FS, SPEC_FREQS, SPEC_REGIONS, VOTE_COLUMNS
from hms_features.constants import WINDOW_SAMPLES as N_WIN

#: Columns (time bins) of the drawn whole-recording spectrograms at most.
MAX_COLUMNS: int = 1500
#: Moving average of the burden curves, seconds.
BURDEN_SMOOTH_SECONDS: float = 600.0
#: Colours of the six classes (strip, events).
CLASS_COLOURS: dict[str, str] = {
    "Seizure": "#d62728",
    "LPD": "#ff7f0e",
    "GPD": "#9467bd",
    "LRDA": "#2ca02c",
    "GRDA": "#17becf",
    "Other": "#c7c7c7",
}


def binned_log_power(spec: np.ndarray, max_columns: int = MAX_COLUMNS) -> np.ndarray:
    """log10 of the spectrogram (n_rows, 400) with rows averaged in groups (at most
    ``max_columns`` groups); NaN where a whole group is missing."""
    n = spec.shape[0]
    group = max(1, int(np.ceil(n / max_columns)))
    m = -(-n // group) * group
    padded = np.full((m, spec.shape[1]), np.nan, dtype=np.float32)
    padded[:n] = spec
    with np.errstate(divide="ignore", invalid="ignore"), _quiet():
        mean = np.nanmean(padded.reshape(-1, group, spec.shape[1]), axis=1)
        logp = np.log10(mean)
    logp[~np.isfinite(logp)] = np.nan
    return logp


class _quiet:
    """Silence numpy's 'Mean of empty slice' for all-NaN groups."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def time_unit(duration: float) -> tuple[float, str]:
    """Divisor and name of the time axis: minutes up to 2 hours, hours beyond."""
    return (3600.0, "hours") if duration > 7200 else (60.0, "minutes")


def plot_overview(spec: np.ndarray, timeline: pd.DataFrame, events: pd.DataFrame, duration: float):
    """The figure of the whole recording: spectrograms, probability strip, burden."""
    from matplotlib import colormaps

    from hms_features.explain.plots import SPECTROGRAM_CMAP, new_figure

    div, unit = time_unit(duration)
    fig = new_figure(15.0, 11.0)
    gs = fig.add_gridspec(7, 2, height_ratios=[1, 1, 1, 1, 0.25, 1.1, 0.9], width_ratios=[60, 1],
                          hspace=0.12, wspace=0.02)  # fmt: skip
    axes = [fig.add_subplot(gs[i, 0]) for i in range(7)]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    logp = binned_log_power(spec)
    finite = logp[np.isfinite(logp)]
    lo, hi = np.percentile(finite, [2, 99.5]) if finite.size else (-2.0, 2.0)
    cmap = colormaps[SPECTROGRAM_CMAP].with_extremes(bad="#bfbfbf")
    f = np.asarray(SPEC_FREQS)
    t_end = (1.0 + 2.0 * spec.shape[0]) / div
    image = None
    for r, region in enumerate(SPEC_REGIONS):
        image = axes[r].imshow(
            np.ma.masked_invalid(logp[:, r * 100 : (r + 1) * 100].T),
            origin="lower",
            aspect="auto",
            cmap=cmap,
            vmin=lo,
            vmax=hi,
            extent=(1.0 / div, t_end, f[0], f[-1]),
            interpolation="nearest",
        )
        axes[r].set_ylabel(f"{region}\nHz", fontsize=9)
        axes[r].set_yticks([5, 10, 15])
    fig.colorbar(image, cax=fig.add_subplot(gs[0:4, 1]), label="log10 power (uV\u00b2/Hz)")
    t = (timeline["onset"].to_numpy() + 5.0) / div  # segment centres
    ev_ax, strip, burden = axes[4], axes[5], axes[6]
    for _, ev in events.iterrows():
        ev_ax.axvspan(ev.onset / div, (ev.onset + ev.duration) / div,
                      color=CLASS_COLOURS[ev.trial_type], lw=0)  # fmt: skip
    ev_ax.set_yticks([])
    ev_ax.set_ylabel("events", fontsize=9, rotation=0, ha="right", va="center")
    probs = timeline[list(VOTE_COLUMNS)].to_numpy().T
    strip.stackplot(t, probs, colors=[CLASS_COLOURS[c] for c in CLASSES], labels=CLASSES,
                    step="mid", lw=0)  # fmt: skip
    strip.set_ylim(0, 1)
    strip.set_ylabel("probability", fontsize=9)
    strip.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    step = float(np.median(np.diff(timeline["onset"]))) if len(timeline) > 1 else 10.0
    k = max(1, int(round(BURDEN_SMOOTH_SECONDS / step)))
    for col, colour, name in (("seizure_burden", "#d62728", "seizure"),
                              ("iiic_burden", "#7f3fbf", "IIIC")):  # fmt: skip
        values = timeline[col].to_numpy()
        smooth = pd.Series(values).rolling(k, center=True, min_periods=1).mean().to_numpy()
        burden.plot(t, values, color=colour, lw=0.5, alpha=0.35)
        burden.plot(t, smooth, color=colour, lw=1.6, label=f"{name} burden (10-min mean)")
    burden.set_ylim(0, 1)
    burden.set_ylabel("burden", fontsize=9)
    burden.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    burden.set_xlabel(f"time from the start of the recording ({unit})", fontsize=9)
    burden.set_xlim(0, duration / div)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False, labelsize=8)
    return fig


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


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def review_page(row: int, reader, spec, onsets, feats, model, quantiles, model_name) -> str:
    """The ``hms explain`` page of one window (HTML text), titled with the recording's file name
    and the time of the window's scored 10 s."""
    from hms_features.explain.report import ReviewCase, render_report
    from hms_features.explain.shap_values import compute_shap
    from hms_features.features.extractor import feature_names
    from hms_features.score.extract import first_rows, read_padded, spectrogram_window
    from hms_features.score.windows import window_starts

    start = int(window_starts(onsets[row : row + 1])[0])
    features = pd.DataFrame(feats[row : row + 1], columns=list(feature_names()))
    case = ReviewCase(
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
        features=features,
        title=f"{reader.info.path.name} at {_clock(float(onsets[row]))} ({onsets[row]:g} s)",
        spectrogram_origin="the spectrogram is computed from the recording itself",
    )
    page, _ = render_report(case, compute_shap(model, features), quantiles, model_name=model_name)
    return page


def _png(fig) -> str:
    from hms_features.explain.plots import figure_png

    data = base64.b64encode(figure_png(fig)).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="recording overview">'


def _events_table(events: pd.DataFrame) -> str:
    if events.empty:
        return "<p>No episode passed the merging rule.</p>"
    rows = "".join(
        f"<tr><td>{_clock(e.onset)}</td><td class=num>{e.onset:g}</td>"
        f"<td class=num>{e.duration:g}</td><td style='color:{CLASS_COLOURS[e.trial_type]}'>"
        f"<b>{html.escape(e.trial_type)}</b></td><td class=num>{e.probability:.2f}</td></tr>"
        for e in events.itertuples()
    )
    return (
        "<table><tr><th>start</th><th>onset (s)</th><th>duration (s)</th><th>class</th>"
        f"<th>mean probability</th></tr>{rows}</table>"
    )


def _quality_items(timeline: pd.DataFrame, reader) -> str:
    """``<li>`` items: bad electrodes (with the file's labels) and ignored channels."""
    counts: dict[str, int] = {}
    for cell in timeline["bad_channels"].astype(str) if "bad_channels" in timeline else []:
        for item in filter(None, cell.split("; ")):
            counts[item] = counts.get(item, 0) + 1
    items = []
    if counts:
        labels = reader.info.channels
        text = "; ".join(
            f"{k.partition(': ')[0]} ({labels.get(k.partition(': ')[0], '?')}): "
            f"{k.partition(': ')[2]} in {v} window(s)"
            for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
        )
        items.append(
            f"<li>Bad electrodes (their chains are missing for the model): {html.escape(text)}."
            "</li>"
        )
    if reader.info.extra_channels:
        items.append(
            "<li>Channels ignored (not one of the 19 electrodes or the EKG): "
            f"{html.escape(', '.join(reader.info.extra_channels))}.</li>"
        )
    return "".join(items)


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
) -> Path:
    """Write ``<stem>_timeline.html`` (see the module docstring); ``notes`` are the run's
    warnings, listed at the top."""
    from hms_features.explain.report import CSS
    from hms_features.explain.shap_values import ensure_quantiles
    from hms_features.score.timeline import burden_text, mean_burdens

    duration = reader.duration
    quantiles = ensure_quantiles(model_dir, model.feature_names)
    tl = timeline
    seizure, iiic = mean_burdens(tl)
    n_ok = int((tl["quality"] == "ok").sum())
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{html.escape(stem)}: scored recording</title><style>{CSS}"
        "iframe { width: 100%; height: 1400px; border: 1px solid #ccc; }</style></head><body>",
        f"<h1>{html.escape(stem)}: harmful brain activity over {_clock(duration)}</h1>",
        f"<div class=meta>{html.escape(reader.info.path.name)}; {reader.info.source_fs:g} Hz "
        f"resampled to 200 Hz; {len(tl)} windows of 50 s scored for their central 10 s, every "
        f"{np.median(np.diff(onsets)) if len(onsets) > 1 else 10:g} s; model "
        f"{html.escape(Path(model_dir).name)}</div>",
        "<div class=limits><b>Summary</b><ul>"
        + "".join(f"<li><b>Warning:</b> {html.escape(n)}</li>" for n in notes)
        + f"<li>Seizure burden {burden_text(seizure)} and IIIC burden (seizure + LPD + GPD + "
        f"LRDA) {burden_text(iiic)} of the scored time (mean probability over the {n_ok} usable "
        f"window(s)).</li><li>{len(tl) - n_ok} window(s) not usable (more than half of their "
        "data missing, or a region left with fewer than two intact chains): shown, not merged "
        "into events.</li>"
        + _quality_items(tl, reader)
        + "<li>Each window is read alone: the model sees 50 s of EEG and 10 minutes of "
        "spectrogram, not the clinical context.</li></ul></div>",
        "<h2>The recording</h2>",
        _png(plot_overview(spec, tl, events, duration)),
        "<p class=caption>Top: regional spectrograms (LL left temporal, RL right temporal, LP "
        "left parasagittal, RP right parasagittal), 0.6-20 Hz, one colour scale. Then the merged "
        "events, the six class probabilities of each window stacked (colours as in the legend) "
        "and the seizure and IIIC burden (thin: per window; thick: 10-minute moving mean).</p>",
        "<h2>Events</h2>",
        _events_table(events),
        "<h2>Most probable window of each class</h2>",
    ]
    for cls, row in best_windows(tl).items():
        page = review_page(row, reader, spec, onsets, feats, model, quantiles, stem)
        onset = float(tl["onset"].iloc[row])
        p = float(tl[VOTE_COLUMNS[CLASSES.index(cls)]].iloc[row])
        parts.append(
            f"<details><summary><b>{html.escape(cls)}</b> {p:.0%}: the 10 s at {_clock(onset)} "
            f"({onset:g} s; window {row})</summary>"
            f'<iframe srcdoc="{html.escape(page, quote=True)}"></iframe></details>'
        )
    parts.append("</body></html>")
    path = out_dir / f"{stem}_timeline.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
