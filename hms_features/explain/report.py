"""The review report: one self-contained HTML page per EEG that a neurologist can read.

A page shows, for one label window (50 s of EEG, its labelled central 10 s, the 10-minute
spectrogram around it):

1. what the model could not see (missing data, a recomputed spectrogram, clipped channels);
2. the predicted probabilities of the six classes, beside the experts' votes where known;
3. the four regional spectrograms of the 10 minutes beside the 10 s of bipolar EEG, laid out
   like the competition's reference figures;
4. for the predicted class (and any class asked for) a SHAP waterfall of clinical concepts
   (lateralization, periodic discharges, delta activity, ... by side; a concept's contribution
   is the sum of its features'), each concept expandable into its features with value,
   plain-language description, percentile in the training population and contribution; then
   the feature-level waterfall and table.

Images are PNG embedded as base64, so the page is one file that opens anywhere. Each page is
written with a small JSON summary beside it; :func:`write_index` lists every page of a folder.
"""

from __future__ import annotations

import base64
import html
import json
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import VOTE_COLUMNS
from hms_features.errors import HMSError, HMSWarning, UsageError
from hms_features.explain import concepts as concept_view
from hms_features.explain import plots
from hms_features.explain.shap_values import (
    FeatureQuantiles,
    ShapResult,
    compute_shap,
    ensure_quantiles,
    feature_info,
    top_features,
)

#: Quality features read for the "what the model cannot see" line.
QUALITY_FEATURES: tuple[str, ...] = (
    "global__missing_fraction",
    "global__spectrogram_recomputed",
    "global__clipped_fraction",
)
#: Above this share of clipped samples the page warns about clipping.
CLIPPED_WARN: float = 0.001


@dataclass
class ReviewCase:
    """One label window with everything a review page shows.

    Attributes
    ----------
    split : str
        ``'train'`` or ``'test'``.
    eeg_id, eeg_sub_id, spectrogram_id, patient_id : int
        Identifiers (``eeg_sub_id`` is 0 for test rows).
    offset_seconds : float
        Start of the 50-s window in the EEG file, seconds.
    window : ndarray (10000, 20)
        Raw referential EEG, microvolts, NaN = missing.
    spectrogram : ndarray (300, 400)
        The 10-minute spectrogram (uV^2/Hz), NaN where padded or missing.
    spectrogram_recomputed : bool
        True when the spectrogram file was missing or unusable and it was computed from EEG.
    spectrogram_note : str
        Why it was recomputed (empty otherwise).
    features : DataFrame (1 row)
        The factory's features of this label row.
    votes : ndarray (6,) or None
        The experts' vote counts (train only).
    title : str
        What the page calls the window (default ``EEG <eeg_id>``); ``hms score`` names the
        recording and the time of the window.
    spectrogram_origin : str
        Where the spectrogram comes from, said when nothing else limits the window (default:
        the competition file's own).
    """

    split: str
    eeg_id: int
    eeg_sub_id: int
    spectrogram_id: int
    patient_id: int
    offset_seconds: float
    window: np.ndarray
    spectrogram: np.ndarray
    spectrogram_recomputed: bool
    spectrogram_note: str
    features: pd.DataFrame
    votes: np.ndarray | None = None
    title: str = ""
    spectrogram_origin: str = ""


@dataclass
class ReportSummary:
    """What the index page lists about one report (also written as JSON beside the page)."""

    file: str
    split: str
    eeg_id: int
    eeg_sub_id: int
    patient_id: int
    predicted: str
    probabilities: dict[str, float]
    votes: dict[str, int] | None
    limitations: list[str] = field(default_factory=list)
    created: str = ""
    #: The predicted class told in concepts (:func:`hms_features.explain.concepts.explanation`):
    #: ``base_value`` + the concepts' contributions = ``raw_score``.
    explanation: dict | None = None
    #: The same for every other class asked for, by class name.
    other_explanations: dict[str, dict] = field(default_factory=dict)


# --------------------------------------------------------------------------- loading


class EEGNotFoundError(HMSError, KeyError):
    """An EEG (or label row) asked for that the split's label table does not have."""

    def __str__(self) -> str:  # KeyError's own formatting quotes the message
        return str(self.args[0]) if self.args else ""


#: The other split, where an EEG missing from one split is looked for (to suggest it).
_OTHER_SPLIT: dict[str, str] = {"test": "train", "train": "test"}


def _split_labels(data_dir: Path, split: str) -> tuple[pd.DataFrame, Path]:
    from hms_features.data import KaggleLayout, read_labels

    path = KaggleLayout(data_dir).labels_csv(split)
    return read_labels(path, split), path


def check_eeg_ids(
    data_dir: str | Path, eeg_ids: Sequence[int], split: str, sub_id: int | None = None
) -> None:
    """Check that every EEG (and the label row ``sub_id``) is in the split, before any work.

    Raises
    ------
    EEGNotFoundError
        Naming the EEGs that are missing; when they are in the other split's label table, the
        message says to pass ``--split`` with it.
    """
    data_dir = Path(data_dir)
    labels, path = _split_labels(data_dir, split)
    known = set(labels["eeg_id"].astype(np.int64).tolist())
    missing = [int(i) for i in eeg_ids if int(i) not in known]
    if missing:
        raise EEGNotFoundError(_not_in_split(data_dir, missing, split, path))
    for eeg_id in eeg_ids:
        _pick_row(labels, int(eeg_id), split, sub_id, path)


def _not_in_split(data_dir: Path, missing: list[int], split: str, path: Path) -> str:
    shown = ", ".join(str(i) for i in missing[:10]) + (" ..." if len(missing) > 10 else "")
    text = f"eeg_id {shown} {'is' if len(missing) == 1 else 'are'} not in {path}"
    other = _OTHER_SPLIT[split]
    try:
        other_labels, other_path = _split_labels(data_dir, other)
    except HMSError:  # no (readable) label table of the other split: nothing to suggest
        return text
    there = set(other_labels["eeg_id"].astype(np.int64).tolist())
    if all(i in there for i in missing):
        text += f"; {'it is' if len(missing) == 1 else 'they are'} in {other_path.name}: "
        text += f"pass --split {other}"
    return text


def _pick_row(
    labels: pd.DataFrame, eeg_id: int, split: str, sub_id: int | None, path: Path
) -> pd.Series:
    rows = labels[labels["eeg_id"] == int(eeg_id)]
    if rows.empty:
        raise EEGNotFoundError(f"eeg_id {eeg_id} is not in {path}")
    if split == "test":
        return rows.iloc[0]
    if sub_id is None:
        return rows.sort_values("eeg_sub_id", kind="stable").iloc[0]
    match = rows[rows["eeg_sub_id"] == int(sub_id)]
    if match.empty:
        subs = ", ".join(str(int(s)) for s in rows["eeg_sub_id"])
        raise EEGNotFoundError(
            f"eeg_id {eeg_id} has no eeg_sub_id {sub_id} (--sub-id) in {path} (it has {subs})"
        )
    return match.iloc[0]


def _label_row(data_dir: Path, split: str, eeg_id: int, sub_id: int | None) -> pd.Series:
    labels, path = _split_labels(data_dir, split)
    return _pick_row(labels, eeg_id, split, sub_id, path)


def label_spectrogram(
    data_dir: str | Path,
    split: str,
    spectrogram_id: int,
    spectrogram_offset: float,
    eeg: np.ndarray,
    eeg_offset: float,
) -> tuple[np.ndarray, bool, str]:
    """The label's 10-minute spectrogram from its file, or recomputed from the EEG.

    Returns
    -------
    spectrogram : ndarray (300, 400)
        Power in uV^2/Hz, NaN where padded or outside the recording.
    recomputed : bool
    note : str
        Why it was recomputed ('' when read from the file).
    """
    from hms_features.data import KaggleLayout
    from hms_features.factory.chunk import label_spectrogram as from_file_or_eeg
    from hms_features.factory.chunk import spectrogram_reader

    layout = KaggleLayout(data_dir)
    spec, why = from_file_or_eeg(
        spectrogram_reader(layout, split), eeg, float(eeg_offset), spectrogram_id,
        spectrogram_offset,
    )  # fmt: skip
    if not why:
        return spec, False, ""
    return spec, True, f"spectrogram {layout.spectrogram_path(split, spectrogram_id).name}: {why}"


def _case_features(data_dir: Path, split: str, row: pd.Series) -> pd.DataFrame:
    """The factory's features of one label row (the same code path as ``hms features``)."""
    from hms_features.data.errors import HMSDataError
    from hms_features.factory import extract_chunk
    from hms_features.factory.chunk import BUG
    from hms_features.factory.windows import assign_windows

    chunk = pd.DataFrame(
        {
            "eeg_id": [int(row["eeg_id"])],
            "eeg_sub_id": [int(row.get("eeg_sub_id", 0))],
            "eeg_label_offset_seconds": [float(row.get("eeg_label_offset_seconds", 0.0))],
            "spectrogram_id": [int(row["spectrogram_id"])],
            "spectrogram_label_offset_seconds": [
                float(row.get("spectrogram_label_offset_seconds", 0.0))
            ],
        }
    )
    res = extract_chunk(data_dir, split, assign_windows(chunk))
    if res.failures:
        failure = res.failures[0]
        if failure.get("kind") == BUG:  # not the data's fault: keep its traceback
            raise RuntimeError(f"{failure['reason']}\n{failure.get('traceback', '')}")
        raise HMSDataError(failure["file"] or None, f"features not extracted: {failure['reason']}")
    if res.features.empty:
        raise HMSDataError(None, f"no features extracted for eeg_id {int(row['eeg_id'])}")
    return res.features


def load_case(
    data_dir: str | Path, eeg_id: int, split: str = "test", sub_id: int | None = None
) -> ReviewCase:
    """Read one label window of a Kaggle-layout folder and extract its features.

    Parameters
    ----------
    data_dir : path
        Kaggle-layout data folder.
    eeg_id : int
    split : {'test', 'train'}
    sub_id : int, optional
        The train label row (``eeg_sub_id``); default the EEG's first label row.
    """
    from hms_features.data import KaggleLayout, eeg_window, read_eeg

    data_dir = Path(data_dir)
    row = _label_row(data_dir, split, eeg_id, sub_id)
    offset = float(row.get("eeg_label_offset_seconds", 0.0)) if split == "train" else 0.0
    spec_offset = (
        float(row.get("spectrogram_label_offset_seconds", 0.0)) if split == "train" else 0.0
    )
    eeg = read_eeg(KaggleLayout(data_dir).eeg_path(split, eeg_id))
    window = eeg_window(eeg, offset, eeg_id)
    spec, recomputed, note = label_spectrogram(
        data_dir, split, int(row["spectrogram_id"]), spec_offset, eeg, offset
    )
    row = row.copy()
    row["eeg_label_offset_seconds"] = offset
    row["spectrogram_label_offset_seconds"] = spec_offset
    features = _case_features(data_dir, split, row)
    votes = None
    if split == "train":
        votes = row[list(VOTE_COLUMNS)].to_numpy(dtype=np.int64)
    return ReviewCase(
        split=split,
        eeg_id=int(row["eeg_id"]),
        eeg_sub_id=int(row.get("eeg_sub_id", 0)) if split == "train" else 0,
        spectrogram_id=int(row["spectrogram_id"]),
        patient_id=int(row["patient_id"]),
        offset_seconds=offset,
        window=window,
        spectrogram=spec,
        spectrogram_recomputed=bool(recomputed),
        spectrogram_note=note,
        features=features,
        votes=votes,
    )


# --------------------------------------------------------------------------- content


def limitations(case: ReviewCase) -> list[str]:
    """Plain sentences on what the model could not see in this window.

    Reads the quality features (``global__missing_fraction``, ``global__spectrogram_recomputed``,
    ``global__clipped_fraction``) and the spectrogram's coverage.
    """
    f = case.features.iloc[0]
    out = []
    missing = float(f.get("global__missing_fraction", 0.0))
    if missing > 0:
        out.append(
            f"{missing:.0%} of the 50-s window was missing data (interpolated before the "
            "features were computed; shaded grey on the EEG page where it falls in the 10 s)."
        )
    recomputed = bool(f.get("global__spectrogram_recomputed", float(case.spectrogram_recomputed)))
    if recomputed or case.spectrogram_recomputed:
        why = f" ({case.spectrogram_note})" if case.spectrogram_note else ""
        out.append(
            "The spectrogram was recomputed from the EEG because the competition file was "
            f"missing or unusable{why}; it covers only the EEG that is available."
        )
    coverage = float(np.isfinite(case.spectrogram).all(axis=1).mean())
    if coverage < 0.9:
        out.append(
            f"Only {coverage:.0%} of the 10-minute spectrogram holds data (shorter recording or "
            "missing stretches; grey on the spectrogram)."
        )
    clipped = float(f.get("global__clipped_fraction", 0.0))
    if clipped > CLIPPED_WARN:
        out.append(
            f"{clipped:.1%} of the EEG samples exceeded \u00b1500 \u00b5V and were clipped "
            "(artifact or very high amplitude): amplitude features understate them."
        )
    if not out:
        origin = case.spectrogram_origin or "the spectrogram is the file's own"
        out.append(f"No missing data, no clipped channels; {origin}.")
    return out


def _img(fig, alt: str) -> str:
    data = base64.b64encode(plots.figure_png(fig)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _pct(p: float) -> str:
    return "&ndash;" if not np.isfinite(p) else f"{p:.0f}"


def _features_table(table: pd.DataFrame) -> str:
    rows = []
    for r in table.itertuples(index=False):
        cls = "pos" if r.contribution >= 0 else "neg"
        rows.append(
            "<tr>"
            f"<td>{r.rank}</td><td><code>{html.escape(r.feature)}</code></td>"
            f"<td>{html.escape(r.description)}</td>"
            f"<td class=num>{html.escape(plots._fmt_value(float(r.value)))}</td>"
            f"<td class=num>{_pct(float(r.percentile))}</td>"
            f'<td class="num {cls}">{r.contribution:+.3f}</td>'
            f"<td>{html.escape(r.family)}</td>"
            "</tr>"
        )
    head = (
        "<tr><th>#</th><th>feature</th><th>what it measures</th><th>value</th>"
        "<th>percentile<br>(training)</th><th>contribution<br>(log-odds)</th><th>family</th></tr>"
    )
    return f"<table class=features>{head}{''.join(rows)}</table>"


#: Concepts drawn one by one in a concept waterfall (the rest share one bar).
CONCEPTS_SHOWN: int = 10


def _concept_details(story: dict, population: str) -> str:
    """One expandable block per concept: its contribution, then its top features."""
    by_concept: dict[str, list[dict]] = {}
    for f in story["features"]:
        by_concept.setdefault(f["concept"], []).append(f)
    blocks = []
    for c in story["concepts"]:
        feats = by_concept.get(c["concept"], [])
        if c["contribution"] == 0.0 and not feats:
            continue
        sign = "pos" if c["contribution"] >= 0 else "neg"
        rows = "".join(
            "<tr>"
            f"<td><code>{html.escape(f['feature'])}</code></td>"
            f"<td>{html.escape(f['description'])}</td>"
            f"<td class=num>{html.escape(_value_text(f['value']))}</td>"
            f"<td class=num>{_pct(_nan(f['percentile']))}</td>"
            f'<td class="num {"pos" if f["contribution"] >= 0 else "neg"}">'
            f"{f['contribution']:+.3f}</td></tr>"
            for f in feats
        )
        more = c["n_features"] - len(feats)
        tail = f"<p class=caption>{more} more feature(s) of this concept moved it less.</p>"
        blocks.append(
            f"<details><summary><span class={sign}>{c['contribution']:+.3f}</span> "
            f"<b>{html.escape(c['label'])}</b> &mdash; {html.escape(c['description'])} "
            f"({c['n_features']} features)</summary>"
            "<table class=features><tr><th>feature</th><th>what it measures</th><th>value</th>"
            "<th>percentile<br>(training)</th><th>contribution<br>(log-odds)</th></tr>"
            f"{rows}</table>{tail if more > 0 else ''}</details>"
        )
    note = f"<p class=caption>Percentiles place each value among {html.escape(population)}.</p>"
    return "<div class=concepts>" + "".join(blocks) + note + "</div>"


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def _value_text(x: float | None) -> str:
    return "missing" if x is None else plots._fmt_value(float(x))


def _probability_table(probs: np.ndarray, classes: Sequence[str], votes: np.ndarray | None) -> str:
    head = "<tr><th>class</th><th>model</th>"
    if votes is not None:
        head += "<th>expert votes</th><th>share</th>"
    head += "</tr>"
    total = float(votes.sum()) if votes is not None else 0.0
    best = int(np.argmax(probs))
    rows = []
    for i, c in enumerate(classes):
        strong = ' class="top"' if i == best else ""
        r = f"<tr{strong}><td>{html.escape(c)}</td><td class=num>{probs[i]:.1%}</td>"
        if votes is not None:
            share = votes[i] / total if total > 0 else 0.0
            r += f"<td class=num>{int(votes[i])}</td><td class=num>{share:.0%}</td>"
        rows.append(r + "</tr>")
    return f"<table class=probs>{head}{''.join(rows)}</table>"


CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px;
       color: #222; max-width: 1650px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px;
       border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.meta { color: #555; font-size: 13px; }
.limits { background: #fff6e0; border-left: 5px solid #f0a000; padding: 8px 14px; margin: 14px 0;
          font-size: 14px; }
.limits ul { margin: 4px 0; padding-left: 20px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; white-space: nowrap; }
td.pos { color: #c0392b; } td.neg { color: #1f5fa0; } tr.top td { font-weight: bold; }
.row { display: flex; gap: 28px; align-items: flex-start; flex-wrap: wrap; }
img { max-width: 100%; height: auto; }
.caption { font-size: 12px; color: #555; max-width: 1500px; }
code { font-size: 12px; }
details { margin: 3px 0; font-size: 14px; } summary { cursor: pointer; }
span.pos { color: #c0392b; font-weight: bold; } span.neg { color: #1f5fa0; font-weight: bold; }
h3 { font-size: 15px; margin-top: 22px; }
"""


def render_report(
    case: ReviewCase,
    result: ShapResult,
    quantiles: FeatureQuantiles | None = None,
    extra_classes: Sequence[str] = (),
    top_k: int = 15,
    model_name: str = "",
) -> tuple[str, ReportSummary]:
    """The HTML page of one case and its summary.

    Parameters
    ----------
    case : ReviewCase
    result : ShapResult
        SHAP values of the case's single feature row (:func:`compute_shap`).
    quantiles : FeatureQuantiles, optional
        Training population quantiles for the percentile column.
    extra_classes : sequence of str
        Classes explained besides the predicted one.
    top_k : int
        Features in each waterfall and table.
    """
    classes = list(result.classes)
    probs = result.probs[0]
    pred = int(np.argmax(probs))
    votes = case.votes
    ident = case.title or f"EEG {case.eeg_id}" + (
        f", label row {case.eeg_sub_id}" if case.split == "train" else ""
    )
    vote_text = ""
    if votes is not None and votes.sum() > 0:
        order = np.argsort(-votes, kind="stable")
        vote_text = " | experts: " + ", ".join(
            f"{int(votes[i])} {classes[i]}" for i in order if votes[i] > 0
        )
    title = f"{ident}: model {classes[pred]} {probs[pred]:.0%}{vote_text}"
    limits = limitations(case)

    fig_probs = plots.plot_probabilities(probs, classes, votes, title="Class probabilities")
    fig_review, info = plots.plot_review(
        case.window, case.spectrogram, title, recomputed=case.spectrogram_recomputed
    )
    wanted = [pred] + [result.class_index(c) for c in extra_classes]
    explained = []
    pct_all = (
        quantiles.percentile(result.data).iloc[0].to_numpy()
        if quantiles is not None
        else np.full(result.values.shape[2], np.nan)
    )
    families = feature_info(result.feature_names)["family"].to_dict()
    cs = concept_view.concept_shap(result)
    told: dict[str, dict] = {}
    for k in dict.fromkeys(wanted):
        told[classes[k]] = concept_view.explanation(
            result, 0, k, quantiles, features_per_concept=top_k, concepts=cs
        )
        table = top_features(result, 0, k, top_k, quantiles)
        fig_w = plots.plot_waterfall(
            result.values[0, k],
            result.feature_names,
            result.data.iloc[0].to_numpy(dtype=np.float64),
            float(result.base_values[0, k]),
            classes[k],
            percentiles=pct_all,
            probability=float(probs[k]),
            max_display=top_k,
            families=families,
        )
        explained.append((classes[k], table, fig_w))

    pop = (
        f"{quantiles.n_rows} training windows"
        if quantiles is not None
        else "not available: the model folder has no feature_quantiles.json (retrain it with "
        "hms train, or pass the training features once with --features)"
    )
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{html.escape(ident)} review</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(ident)} &mdash; predicted {html.escape(classes[pred])} "
        f"({probs[pred]:.0%})</h1>",
        (
            "<div class=meta>"
            if case.split == "recording"
            else f"<div class=meta>split {case.split}; patient {case.patient_id}; spectrogram "
            f"{case.spectrogram_id}; "
        )
        + f"window starts {case.offset_seconds:g} s into the recording "
        f"(labelled 10 s: {case.offset_seconds + 20:g}-{case.offset_seconds + 30:g} s)"
        + (f"; model {html.escape(model_name)}" if model_name else "")
        + f"; written {time.strftime('%Y-%m-%d %H:%M')}</div>",
        "<div class=limits><b>What the model cannot see</b><ul>"
        + "".join(f"<li>{html.escape(t)}</li>" for t in limits)
        + "<li>The model reads only this 50-s window and its 10-minute spectrogram: not the "
        "rest of the recording, the clinical history or the video.</li></ul></div>",
        "<h2>Prediction</h2><div class=row>",
        _img(fig_probs, "class probabilities"),
        _probability_table(probs, classes, votes),
        "</div>",
        "<h2>The recording</h2>",
        _img(fig_review, "spectrograms and EEG"),
        "<p class=caption>Left: regional spectrograms (LL left temporal, RL right temporal, LP "
        "left parasagittal, RP right parasagittal) of the 10 minutes centred on the label, "
        "time in minutes, frequency in Hz, colour log10 power on one scale for all four "
        "(grey: no data); the dashed line and light band mark the labelled 10 s. "
        + ("The spectrogram was recomputed from the EEG. " if case.spectrogram_recomputed else "")
        + "Right: "
        + html.escape(plots.eeg_caption(info))
        + " Grey shading on the EEG marks missing samples (interpolated).</p>",
    ]
    for cls_name, table, fig_w in explained:
        story = told[cls_name]
        fig_c = plots.plot_concept_waterfall(
            story["concepts"],
            story["base_value"],
            cls_name,
            probability=story["probability"],
            max_display=CONCEPTS_SHOWN,
        )
        parts += [
            f"<h2>Why {html.escape(cls_name)}? The clinical concepts behind this prediction</h2>",
            _img(fig_c, f"concept waterfall for {cls_name}"),
            "<p class=caption>Each bar sums the SHAP values (log-odds units, averaged over the "
            "cross-validation models) of every feature of one clinical concept, by the side "
            "it is seen on; red pushes towards "
            f"{html.escape(cls_name)}, blue away from it. The bars add up from the average "
            "score E[f] to this EEG's f(x) exactly. Open a concept to see its features.</p>",
            _concept_details(story, pop),
            f"<h3>Feature detail: the single features that moved {html.escape(cls_name)} most</h3>",
            _img(fig_w, f"SHAP waterfall for {cls_name}"),
            "<p class=caption>Contributions are SHAP values in log-odds (raw score) units, "
            "averaged over the cross-validation models: red pushes towards "
            f"{html.escape(cls_name)}, blue away from it; +0.7 roughly doubles the odds. The "
            "features outside the top list are summed per family (SHAP values add up). "
            f"Percentiles place each value among {html.escape(pop)}.</p>",
            _features_table(table),
        ]
    parts.append("</body></html>")
    summary = ReportSummary(
        file="",
        split=case.split,
        eeg_id=case.eeg_id,
        eeg_sub_id=case.eeg_sub_id,
        patient_id=case.patient_id,
        predicted=classes[pred],
        probabilities={c: round(float(p), 4) for c, p in zip(classes, probs)},
        votes=({c: int(v) for c, v in zip(classes, votes)} if votes is not None else None),
        limitations=limits,
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
        explanation=told[classes[pred]],
        other_explanations={c: e for c, e in told.items() if c != classes[pred]},
    )
    return "\n".join(parts), summary


def concept_line(summary: dict, n: int = 3) -> str:
    """One line of a summary's explanation: the class, its probability and the ``n`` concepts
    that moved it most, e.g. ``LPD 81%: Periodic discharges, left hemisphere +1.20; ...``."""
    story = summary.get("explanation") or {}
    if not story:
        return f"{summary.get('predicted', '?')}: no explanation"
    top = "; ".join(f"{c['label']} {c['contribution']:+.2f}" for c in story["concepts"][:n])
    return f"{story['class']} {story['probability']:.0%}: {top}"


def report_name(case: ReviewCase) -> str:
    """File stem of a case's page: ``report_<split>_<eeg_id>[_<sub_id>]``."""
    stem = f"report_{case.split}_{case.eeg_id}"
    return stem + (f"_{case.eeg_sub_id}" if case.split == "train" else "")


def write_report(
    case: ReviewCase,
    model,
    out_dir: str | Path,
    quantiles: FeatureQuantiles | None = None,
    extra_classes: Sequence[str] = (),
    top_k: int = 15,
    model_name: str = "",
) -> Path:
    """Explain one case with ``model`` and write ``<out_dir>/report_*.html`` (+ ``.json``)."""
    return _write_report(case, model, out_dir, quantiles, extra_classes, top_k, model_name)[0]


def _write_report(
    case: ReviewCase,
    model,
    out_dir: str | Path,
    quantiles: FeatureQuantiles | None,
    extra_classes: Sequence[str],
    top_k: int,
    model_name: str,
) -> tuple[Path, ReportSummary]:
    """:func:`write_report`, also returning the summary written beside the page."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = compute_shap(model, case.features)
    page, summary = render_report(case, result, quantiles, extra_classes, top_k, model_name)
    stem = report_name(case)
    path = out_dir / f"{stem}.html"
    path.write_text(page, encoding="utf-8")
    summary.file = path.name
    (out_dir / f"{stem}.json").write_text(json.dumps(asdict(summary), indent=2))
    return path, summary


def write_index(out_dir: str | Path, title: str = "EEG review reports") -> Path:
    """``index.html`` linking every report of a folder (from the JSON summaries beside them)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = []
    for p in sorted(out_dir.glob("report_*.json")):
        try:
            summaries.append(json.loads(p.read_text()))
        except ValueError:
            continue
    summaries.sort(key=lambda s: (s["split"], s["eeg_id"], s["eeg_sub_id"]))
    rows = []
    for s in summaries:
        probs = s["probabilities"]
        pred = s["predicted"]
        votes = s.get("votes")
        vote_text = ""
        if votes:
            vote_text = ", ".join(f"{v} {c}" for c, v in sorted(votes.items(), key=lambda x: -x[1])
                                  if v > 0)  # fmt: skip
        flags = [t for t in s.get("limitations", []) if not t.startswith("No missing")]
        rows.append(
            "<tr>"
            f'<td><a href="{html.escape(s["file"])}">{s["eeg_id"]}</a></td>'
            f"<td>{s['split']}</td><td class=num>{s['eeg_sub_id']}</td>"
            f"<td class=num>{s['patient_id']}</td>"
            f"<td><b>{html.escape(pred)}</b> {probs[pred]:.0%}</td>"
            f"<td>{html.escape(vote_text)}</td>"
            f"<td>{'<br>'.join(html.escape(f) for f in flags) or '&ndash;'}</td>"
            "</tr>"
        )
    page = (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}"
        f"</title><style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p class=meta>{len(summaries)} report(s); click an EEG to open its page.</p>"
        "<table><tr><th>EEG</th><th>split</th><th>label row</th><th>patient</th>"
        "<th>model</th><th>experts' votes</th><th>what the model cannot see</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def all_eeg_ids(data_dir: str | Path, split: str) -> list[int]:
    """Every eeg_id of a split's label table, in file order."""
    from hms_features.data import KaggleLayout, read_labels

    labels = read_labels(KaggleLayout(data_dir).labels_csv(split), split)
    return [int(i) for i in labels["eeg_id"].drop_duplicates()]


@dataclass
class ReportRun:
    """Outcome of :func:`generate_reports`: pages written, EEGs that could not be reviewed."""

    written: list[Path] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    index: Path | None = None


def generate_reports(
    data_dir: str | Path,
    model_dir: str | Path,
    out_dir: str | Path,
    eeg_ids: Iterable[int] = (),
    split: str = "test",
    sub_id: int | None = None,
    all_eegs: bool = False,
    features_path: str | Path | None = None,
    extra_classes: Sequence[str] = (),
    top_k: int = 15,
    skip_errors: bool = False,
    log=print,
) -> ReportRun:
    """Write review pages for some (or all) EEGs of a split, and the index page.

    Parameters
    ----------
    data_dir, model_dir, out_dir : path
    eeg_ids : iterable of int
        EEGs to review.
    split : {'test', 'train'}
    sub_id : int, optional
        Train label row to review (default each EEG's first).
    all_eegs : bool
        Review every EEG of the split.
    features_path : path, optional
        Training features parquet, for the percentiles of a model folder that has no
        ``feature_quantiles.json`` (written by ``hms train`` since it stores them); they are
        then stored in the model folder. Default: the model folder's own quantiles only.
    extra_classes : sequence of str
        Classes explained besides the predicted one.
    top_k : int
        Features per waterfall and table.
    skip_errors : bool
        Record an EEG that cannot be read or extracted in ``failed`` and go on (default: raise).

    Raises
    ------
    UsageError
        No EEG asked for.
    EEGNotFoundError
        An EEG (or ``sub_id``) that is not in the split (checked before any page is written).
    ModelFormatError
        A model folder that cannot be loaded.
    """
    from hms_features.data.errors import HMSDataError
    from hms_features.model import load_model

    ids = list(dict.fromkeys(int(i) for i in eeg_ids))
    if not ids and not all_eegs:
        raise UsageError("no EEG to review: give --eeg-id ID (repeatable) or --all")
    model = load_model(model_dir)
    check_eeg_ids(data_dir, ids, split, sub_id)
    if all_eegs:
        ids = list(dict.fromkeys(ids + all_eeg_ids(data_dir, split)))
    quantiles = ensure_quantiles(model_dir, model.feature_names, features_path)
    if quantiles is None:
        warnings.warn(
            HMSWarning(
                f"model folder {model_dir} has no feature_quantiles.json (written by hms train "
                "before it stored them): the pages leave the percentiles out; retrain, or pass "
                "the training features once with --features"
            ),
            stacklevel=2,
        )
    run = ReportRun()
    for eeg_id in ids:
        t0 = time.perf_counter()
        try:
            case = load_case(data_dir, eeg_id, split, sub_id)
        except (HMSDataError, KeyError) as exc:
            if not skip_errors:
                raise
            run.failed[eeg_id] = str(exc.args[0]) if isinstance(exc, KeyError) else str(exc)
            continue
        path, summary = _write_report(
            case, model, out_dir, quantiles, extra_classes, top_k, Path(model_dir).name
        )
        run.written.append(path)
        if log:
            log(f"  {path} ({time.perf_counter() - t0:.1f} s)")
            log(f"    {concept_line(asdict(summary))}")
    run.index = write_index(out_dir)
    return run


__all__ = [
    "EEGNotFoundError",
    "ReportRun",
    "ReportSummary",
    "ReviewCase",
    "check_eeg_ids",
    "concept_line",
    "generate_reports",
    "label_spectrogram",
    "limitations",
    "load_case",
    "render_report",
    "write_index",
    "write_report",
]
