"""The cross-validation report: KL by fold and overall, confusion matrices, the shipped variant.

Scores use the competition metric (:func:`hms_features.metrics.kl_divergence`) on the
out-of-fold predictions, three ways:

- ``eeg``: one row per ``eeg_id``, as Kaggle scores the test set: the predictions of an EEG's
  label rows are averaged and its votes summed (as :func:`hms_features.data.one_row_per_eeg`).
- ``high_vote``: label rows with >= 10 votes, where the experts' consensus is stable.
- ``all_rows``: every label row.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, HIGH_VOTE_THRESHOLD, VOTE_COLUMNS
from hms_features.metrics import kl_divergence
from hms_features.model.config import TrainConfig
from hms_features.model.cv import CVResult
from hms_features.model.dataset import TrainingData
from hms_features.model.files import to_jsonable
from hms_features.model.variants import MODEL_VARIANTS, VARIANTS

#: The variant shipped is the one with the lowest out-of-fold KL on this view.
SELECTION_VIEW: str = "high_vote"
VIEWS: tuple[str, ...] = ("eeg", "high_vote", "all_rows")


def eeg_level(
    eeg_ids: np.ndarray, votes: np.ndarray, probs: np.ndarray, folds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One row per EEG: summed votes, mean predicted probabilities, fold (first row's).

    Returns ``(votes (m, 6), probs (m, 6), folds (m,))`` in order of first appearance.
    """
    codes, _ = pd.factorize(eeg_ids)
    m = int(codes.max()) + 1 if len(codes) else 0
    counts = np.bincount(codes, minlength=m).astype(np.float64)
    v = np.stack(
        [np.bincount(codes, weights=votes[:, j], minlength=m) for j in range(votes.shape[1])],
        axis=1,
    )
    p = np.stack(
        [np.bincount(codes, weights=probs[:, j], minlength=m) for j in range(probs.shape[1])],
        axis=1,
    )
    first = np.full(m, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]
    return v, p / counts[:, None], folds[first]


def _score(votes: np.ndarray, probs: np.ndarray, folds: np.ndarray, n_folds: int) -> dict:
    out: dict = {"n": int(len(votes)), "overall": None, "folds": []}
    if len(votes):
        out["overall"] = kl_divergence(votes, probs)
    for k in range(n_folds):
        sel = folds == k
        out["folds"].append(kl_divergence(votes[sel], probs[sel]) if sel.any() else None)
    return out


def cv_scores(data: TrainingData, result: CVResult, n_folds: int) -> dict:
    """``{variant: {view: {"overall", "folds", "n"}}}`` for every variant of ``result``."""
    votes = data.votes
    eeg_ids = data.labels["eeg_id"].to_numpy()
    hv = data.total_votes >= HIGH_VOTE_THRESHOLD
    scores = {}
    for name, probs in result.oof.items():
        ev, ep, ef = eeg_level(eeg_ids, votes, probs, result.folds)
        scores[name] = {
            "eeg": _score(ev, ep, ef, n_folds),
            "high_vote": _score(votes[hv], probs[hv], result.folds[hv], n_folds),
            "all_rows": _score(votes, probs, result.folds, n_folds),
        }
    return scores


def choose_variant(scores: dict) -> tuple[str, str]:
    """The shipped variant: lowest high-vote KL (eeg-level KL when no row has >= 10 votes).

    Returns ``(variant, rule)``.
    """
    candidates = [v for v in scores if v in MODEL_VARIANTS]
    if not candidates:
        raise ValueError("no model variant was trained")
    view = SELECTION_VIEW
    if any(scores[v][view]["overall"] is None for v in candidates):
        view = "eeg"
    best = min(candidates, key=lambda v: scores[v][view]["overall"])
    rule = f"lowest out-of-fold KL on view {view!r}" + (
        f" (rows with >= {HIGH_VOTE_THRESHOLD} votes)"
        if view == "high_vote"
        else " (one row per EEG)"
    )
    return best, rule


def confusion(consensus: np.ndarray, probs: np.ndarray) -> list[list[int]]:
    """Counts ``[true class][predicted class]`` of argmax(probs) against the consensus index."""
    pred = np.argmax(probs, axis=1)
    k = len(CLASSES)
    return np.bincount(consensus * k + pred, minlength=k * k).reshape(k, k).tolist()


def build_report(data: TrainingData, result: CVResult, config: TrainConfig) -> dict:
    """The whole CV report as a JSON-ready dict."""
    scores = cv_scores(data, result, config.n_folds)
    shipped, rule = choose_variant(scores)
    cons = data.consensus_index
    hv = data.total_votes >= HIGH_VOTE_THRESHOLD
    labels = data.labels
    return {
        "shipped_variant": shipped,
        "selection_rule": rule,
        "variants": {v: VARIANTS[v].description for v in result.oof},
        "scores": scores,
        "confusion": {
            "classes": list(CLASSES),
            "layout": "rows = expert_consensus, columns = argmax of out-of-fold prediction",
            "all_rows": {v: confusion(cons, p) for v, p in result.oof.items()},
            "high_vote": {v: confusion(cons[hv], p[hv]) for v, p in result.oof.items()},
        },
        "data": {
            "n_rows": int(len(labels)),
            "n_eegs": int(labels["eeg_id"].nunique()),
            "n_patients": int(labels["patient_id"].nunique()),
            "n_high_vote_rows": int(hv.sum()),
            "n_training_rows": int(result.n_train_rows),
            "pool_seconds": config.pool_seconds,
            "n_features": len(data.feature_names),
            "class_prior": dict(
                zip(CLASSES, np.round(result.class_prior, 6).tolist(), strict=True)
            ),
        },
        "folds": result.fold_info,
        "config": config.to_dict(),
        "notes": [
            "Folds are grouped by patient_id (StratifiedGroupKFold on expert_consensus).",
            "Each booster early-stops on its validation fold, so out-of-fold scores are slightly "
            "optimistic (the usual Kaggle practice).",
        ],
    }


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def report_markdown(report: dict) -> str:
    """A readable Markdown version of :func:`build_report`'s dict."""
    scores = report["scores"]
    variants = list(scores)
    n_folds = len(report["folds"])
    d = report["data"]
    lines = [
        "# Cross-validation report",
        "",
        f"{d['n_rows']} label rows, {d['n_eegs']} EEGs, {d['n_patients']} patients, "
        f"{d['n_high_vote_rows']} rows with >= {HIGH_VOTE_THRESHOLD} votes, "
        f"{d['n_features']} features; {n_folds} folds grouped by patient.",
        ""
        if not d.get("pool_seconds")
        else f"Boosters trained on {d['n_training_rows']} pooled rows (label rows of one EEG "
        f"within {d['pool_seconds']:g} s of each other merged); every score is on the label rows.",
        "",
        f"**Shipped variant: `{report['shipped_variant']}`** ({report['selection_rule']}).",
        "",
        "## KL divergence (out of fold, lower is better)",
        "",
        "| variant | one row per EEG | rows with >= 10 votes | all rows |",
        "|---|---|---|---|",
    ]
    for v in variants:
        s = scores[v]
        lines.append(
            f"| {v} | {_fmt(s['eeg']['overall'])} | {_fmt(s['high_vote']['overall'])} | "
            f"{_fmt(s['all_rows']['overall'])} |"
        )
    for view, title in (("eeg", "one row per EEG"), ("high_vote", "rows with >= 10 votes")):
        lines += ["", f"### By fold: {title}", ""]
        lines.append("| variant | " + " | ".join(f"fold {k}" for k in range(n_folds)) + " |")
        lines.append("|---|" + "---|" * n_folds)
        for v in variants:
            lines.append(f"| {v} | " + " | ".join(_fmt(x) for x in scores[v][view]["folds"]) + " |")
    lines += ["", "## Variants", ""]
    lines += [f"- `{v}`: {desc}" for v, desc in report["variants"].items()]
    shipped = report["shipped_variant"]
    for view, title in (("all_rows", "all rows"), ("high_vote", "rows with >= 10 votes")):
        mat = report["confusion"][view][shipped]
        lines += [
            "",
            f"## Confusion matrix of `{shipped}`, {title}",
            "",
            "Rows: expert consensus; columns: argmax of the out-of-fold prediction.",
            "",
            "| consensus \\ predicted | " + " | ".join(CLASSES) + " | recall |",
            "|---|" + "---|" * (len(CLASSES) + 1),
        ]
        for c, row in zip(CLASSES, mat, strict=True):
            total = sum(row)
            recall = f"{row[CLASSES.index(c)] / total:.2f}" if total else "-"
            lines.append(f"| {c} | " + " | ".join(str(x) for x in row) + f" | {recall} |")
    lines += [
        "",
        "## Folds",
        "",
        "| fold | train rows | valid rows | valid patients | seconds | best iterations |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for f in report["folds"]:
        its = ", ".join(
            f"{v} {x['best_iteration']}" for v, x in f["variants"].items() if v in MODEL_VARIANTS
        )
        lines.append(
            f"| {f['fold']} | {f['n_train']} | {f['n_valid']} | {f['n_valid_patients']} | "
            f"{f['seconds']:.1f} | {its} |"
        )
    lines += ["", "## Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


def oof_table(data: TrainingData, result: CVResult) -> pd.DataFrame:
    """Long table of out-of-fold predictions: keys, patient_id, fold, variant, 6 prob columns."""
    keys = data.labels[["eeg_id", "eeg_sub_id", "patient_id"]].reset_index(drop=True)
    parts = []
    for name, probs in result.oof.items():
        part = keys.copy()
        part["fold"] = result.folds.astype(np.int64)
        part["variant"] = name
        for j, col in enumerate(VOTE_COLUMNS):
            part[col] = probs[:, j]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def feature_importance(boosters: list, feature_names: list[str]) -> pd.DataFrame:
    """Mean total gain and split count per feature over the fold boosters, by gain descending
    (0 for a feature a fold booster did not keep); ``kept_by`` counts the boosters using it."""
    from hms_features.model.files import booster_columns

    n = len(feature_names)
    gain, split, kept = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)
    for b in boosters:
        cols = booster_columns(b.feature_name(), feature_names)
        gain[cols] += b.feature_importance(importance_type="gain")
        split[cols] += b.feature_importance(importance_type="split")
        kept[cols] += 1
    table = pd.DataFrame(
        {
            "feature": feature_names,
            "gain": gain / len(boosters),
            "splits": split / len(boosters),
            "kept_by": kept,
        }
    )
    return table.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def write_report(model_dir: str | Path, report: dict) -> tuple[Path, Path]:
    """Write ``cv_report.json`` and ``cv_report.md``; returns their paths."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    js = model_dir / "cv_report.json"
    js.write_text(json.dumps(to_jsonable(report), indent=2) + "\n")
    md = model_dir / "cv_report.md"
    md.write_text(report_markdown(report))
    return js, md
