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

Three steps, each its own function: a case is loaded (:func:`hms_features.explain.cases.
load_case`, or a recording's window in ``hms score``); :func:`review_content` explains it and
draws its figures into a :class:`ReviewContent` (plain data); :func:`render_review` renders that
with the ``review.html`` template (:mod:`hms_features.explain.pages`). :func:`render_report`
does the last two. Images are PNG embedded as base64, so the page is one file that opens
anywhere. Each page is written with a small JSON summary beside it; :func:`write_index` lists
every page of a folder.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from hms_features.errors import HMSWarning, UsageError
from hms_features.explain import concepts as concept_view
from hms_features.explain import pages, plots
from hms_features.explain.cases import ReviewCase, all_eeg_ids, check_eeg_ids, load_case
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


# --------------------------------------------------------------------------- page content

#: Concepts drawn one by one in a concept waterfall (the rest share one bar).
CONCEPTS_SHOWN: int = 10


@dataclass
class ClassSection:
    """What the page shows for one explained class.

    Attributes
    ----------
    cls : str
    concept_image, feature_image : str
        The concept and the feature waterfalls (``data:`` URIs).
    concepts : list of dict
        The concepts that moved the class, largest first: ``label``, ``description``,
        ``contribution``, ``n_features``, ``features`` (their rows: ``feature``,
        ``description``, ``value``, ``percentile``, ``contribution``) and ``more`` (features of
        the concept not listed).
    features : list of dict
        The top features: ``rank``, ``feature``, ``description``, ``value``, ``percentile``,
        ``contribution``, ``family``.
    """

    cls: str
    concept_image: str
    feature_image: str
    concepts: list[dict]
    features: list[dict]


@dataclass
class ReviewContent:
    """Everything a review page shows, as plain data (what ``review.html`` renders).

    Attributes
    ----------
    ident : str
        What the page calls the window (``EEG <id>, label row <n>``, or the case's title).
    predicted : str
    probability : float
        Of the predicted class.
    meta : str
        The line under the title (split, patient, window, model, time written).
    limitations : list of str
        What the model cannot see (:func:`limitations`).
    probabilities_image, review_image : str
        The probability bars and the spectrograms beside the EEG (``data:`` URIs).
    probability_rows : list of dict
        ``cls``, ``probability``, ``votes``, ``share``, ``top`` (the predicted class).
    has_votes : bool
        Whether the experts' votes are known (train).
    recomputed : bool
        The spectrogram was recomputed from the EEG.
    eeg_caption : str
        Filter and scale statement of the EEG (:func:`~hms_features.explain.plots.eeg_caption`).
    population : str
        Where the percentiles come from.
    sections : list of ClassSection
        The predicted class, then each class asked for.
    """

    ident: str
    predicted: str
    probability: float
    meta: str
    limitations: list[str]
    probabilities_image: str
    probability_rows: list[dict]
    has_votes: bool
    review_image: str
    recomputed: bool
    eeg_caption: str
    population: str
    sections: list[ClassSection] = field(default_factory=list)


def _ident(case: ReviewCase) -> str:
    return case.title or f"EEG {case.eeg_id}" + (
        f", label row {case.eeg_sub_id}" if case.split == "train" else ""
    )


def _meta(case: ReviewCase, model_name: str) -> str:
    where = (
        ""
        if case.split == "recording"
        else f"split {case.split}; patient {case.patient_id}; spectrogram {case.spectrogram_id}; "
    )
    start = case.offset_seconds
    return (
        f"{where}window starts {start:g} s into the recording "
        f"(labelled 10 s: {start + 20:g}-{start + 30:g} s)"
        + (f"; model {model_name}" if model_name else "")
        + f"; written {time.strftime('%Y-%m-%d %H:%M')}"
    )


def _figure_title(ident: str, classes: list[str], probs: np.ndarray, votes) -> str:
    """The review figure's title: the window, the model's class, the experts' votes."""
    pred = int(np.argmax(probs))
    vote_text = ""
    if votes is not None and votes.sum() > 0:
        order = np.argsort(-votes, kind="stable")
        vote_text = " | experts: " + ", ".join(
            f"{int(votes[i])} {classes[i]}" for i in order if votes[i] > 0
        )
    return f"{ident}: model {classes[pred]} {probs[pred]:.0%}{vote_text}"


def _probability_rows(probs: np.ndarray, classes: Sequence[str], votes) -> list[dict]:
    total = float(votes.sum()) if votes is not None else 0.0
    best = int(np.argmax(probs))
    return [
        {
            "cls": c,
            "probability": float(probs[i]),
            "votes": int(votes[i]) if votes is not None else None,
            "share": (votes[i] / total if total > 0 else 0.0) if votes is not None else None,
            "top": i == best,
        }
        for i, c in enumerate(classes)
    ]


def _concept_blocks(story: dict) -> list[dict]:
    """The concepts of an explanation with their listed features (concepts that moved nothing
    and list no feature are left out)."""
    by_concept: dict[str, list[dict]] = {}
    for f in story["features"]:
        by_concept.setdefault(f["concept"], []).append(f)
    blocks = []
    for c in story["concepts"]:
        feats = by_concept.get(c["concept"], [])
        if c["contribution"] == 0.0 and not feats:
            continue
        blocks.append({**c, "features": feats, "more": c["n_features"] - len(feats)})
    return blocks


def _class_section(
    result: ShapResult, k: int, story: dict, quantiles, top_k: int, percentiles, families
) -> ClassSection:
    """The concept waterfall, concept blocks, feature waterfall and table of class ``k``."""
    cls = result.classes[k]
    fig_c = plots.plot_concept_waterfall(
        story["concepts"], story["base_value"], cls, probability=story["probability"],
        max_display=CONCEPTS_SHOWN,
    )  # fmt: skip
    fig_w = plots.plot_waterfall(
        result.values[0, k],
        result.feature_names,
        result.data.iloc[0].to_numpy(dtype=np.float64),
        float(result.base_values[0, k]),
        cls,
        percentiles=percentiles,
        probability=float(result.probs[0, k]),
        max_display=top_k,
        families=families,
    )
    table = top_features(result, 0, k, top_k, quantiles)
    return ClassSection(
        cls=cls,
        concept_image=pages.png_data_uri(fig_c),
        feature_image=pages.png_data_uri(fig_w),
        concepts=_concept_blocks(story),
        features=table.to_dict("records"),
    )


def review_content(
    case: ReviewCase,
    result: ShapResult,
    quantiles: FeatureQuantiles | None = None,
    extra_classes: Sequence[str] = (),
    top_k: int = 15,
    model_name: str = "",
) -> tuple[ReviewContent, ReportSummary]:
    """Explain one case and draw its figures: the page's content and its summary.

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
    model_name : str
        Named in the page's first line.
    """
    classes = list(result.classes)
    probs = result.probs[0]
    pred = int(np.argmax(probs))
    ident = _ident(case)
    fig_probs = plots.plot_probabilities(probs, classes, case.votes, title="Class probabilities")
    fig_review, info = plots.plot_review(
        case.window, case.spectrogram, _figure_title(ident, classes, probs, case.votes),
        recomputed=case.spectrogram_recomputed,
    )  # fmt: skip
    pct_all = (
        quantiles.percentile(result.data).iloc[0].to_numpy()
        if quantiles is not None
        else np.full(result.values.shape[2], np.nan)
    )
    families = feature_info(result.feature_names)["family"].to_dict()
    cs = concept_view.concept_shap(result)
    told: dict[str, dict] = {}
    sections = []
    for k in dict.fromkeys([pred] + [result.class_index(c) for c in extra_classes]):
        told[classes[k]] = story = concept_view.explanation(
            result, 0, k, quantiles, features_per_concept=top_k, concepts=cs
        )
        sections.append(_class_section(result, k, story, quantiles, top_k, pct_all, families))
    content = ReviewContent(
        ident=ident,
        predicted=classes[pred],
        probability=float(probs[pred]),
        meta=_meta(case, model_name),
        limitations=limitations(case),
        probabilities_image=pages.png_data_uri(fig_probs),
        probability_rows=_probability_rows(probs, classes, case.votes),
        has_votes=case.votes is not None,
        review_image=pages.png_data_uri(fig_review),
        recomputed=case.spectrogram_recomputed,
        eeg_caption=plots.eeg_caption(info),
        population=(
            f"{quantiles.n_rows} training windows"
            if quantiles is not None
            else "not available: the model folder has no feature_quantiles.json (retrain it "
            "with hms train, or pass the training features once with --features)"
        ),
        sections=sections,
    )
    return content, _summary(case, classes, probs, content.limitations, told)


def _summary(case, classes, probs, limits, told: dict[str, dict]) -> ReportSummary:
    """The JSON summary of a page (its ``file`` is set when written)."""
    pred = classes[int(np.argmax(probs))]
    votes = case.votes
    return ReportSummary(
        file="",
        split=case.split,
        eeg_id=case.eeg_id,
        eeg_sub_id=case.eeg_sub_id,
        patient_id=case.patient_id,
        predicted=pred,
        probabilities={c: round(float(p), 4) for c, p in zip(classes, probs)},
        votes=({c: int(v) for c, v in zip(classes, votes)} if votes is not None else None),
        limitations=limits,
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
        explanation=told[pred],
        other_explanations={c: e for c, e in told.items() if c != pred},
    )


def render_review(content: ReviewContent) -> str:
    """The HTML page of a :class:`ReviewContent` (template ``review.html``)."""
    return pages.render("review.html", page=content)


def render_report(
    case: ReviewCase,
    result: ShapResult,
    quantiles: FeatureQuantiles | None = None,
    extra_classes: Sequence[str] = (),
    top_k: int = 15,
    model_name: str = "",
) -> tuple[str, ReportSummary]:
    """The HTML page of one case and its summary: :func:`review_content`, then
    :func:`render_review` (same parameters as :func:`review_content`)."""
    content, summary = review_content(case, result, quantiles, extra_classes, top_k, model_name)
    return render_review(content), summary


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


def index_rows(summaries: Iterable[dict]) -> list[dict]:
    """The rows of the index page, one per report summary, sorted by split, EEG and label row:
    ``file``, ``eeg_id``, ``split``, ``eeg_sub_id``, ``patient_id``, ``predicted``,
    ``probability``, ``votes`` (text), ``flags`` (the limitations worth a look)."""
    rows = []
    for s in sorted(summaries, key=lambda s: (s["split"], s["eeg_id"], s["eeg_sub_id"])):
        votes = s.get("votes") or {}
        ranked = sorted(votes.items(), key=lambda x: -x[1])
        rows.append(
            {
                **{k: s[k] for k in ("file", "eeg_id", "split", "eeg_sub_id", "patient_id")},
                "predicted": s["predicted"],
                "probability": s["probabilities"][s["predicted"]],
                "votes": ", ".join(f"{v} {c}" for c, v in ranked if v > 0),
                "flags": [t for t in s.get("limitations", []) if not t.startswith("No missing")],
            }
        )
    return rows


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
    path = out_dir / "index.html"
    page = pages.render("review_index.html", title=title, rows=index_rows(summaries))
    path.write_text(page, encoding="utf-8")
    return path


@dataclass
class ReportRun:
    """Outcome of :func:`generate_reports`: pages written, EEGs that could not be reviewed."""

    written: list[Path] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    index: Path | None = None


def _population(model_dir, names, features_path) -> FeatureQuantiles | None:
    """The training population's quantiles for the percentiles (a warning when there are
    none, :func:`~hms_features.explain.shap_values.ensure_quantiles`)."""
    quantiles = ensure_quantiles(model_dir, names, features_path)
    if quantiles is None:
        warnings.warn(
            HMSWarning(
                f"model folder {model_dir} has no feature_quantiles.json (written by hms train "
                "before it stored them): the pages leave the percentiles out; retrain, or pass "
                "the training features once with --features"
            ),
            stacklevel=3,
        )
    return quantiles


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
    quantiles = _population(model_dir, model.feature_names, features_path)
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
    "ClassSection",
    "ReportRun",
    "ReportSummary",
    "ReviewContent",
    "concept_line",
    "generate_reports",
    "index_rows",
    "limitations",
    "render_report",
    "render_review",
    "review_content",
    "write_index",
    "write_report",
]
