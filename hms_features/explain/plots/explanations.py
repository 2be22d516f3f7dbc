"""Figures of the model's explanations: class probabilities, SHAP waterfalls (features and
clinical concepts), cohort beeswarms, ranked bars and heat maps.

Every contribution is a SHAP value in raw-score (log-odds) units; red pushes towards the class,
blue away from it (:data:`~hms_features.explain.plots.common.POSITIVE_COLOUR`,
:data:`~hms_features.explain.plots.common.NEGATIVE_COLOUR`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from hms_features.constants import CLASSES
from hms_features.explain import concepts as cv
from hms_features.explain.plots.common import (
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    format_value,
    new_figure,
    short_name,
)
from hms_features.features.concepts import CONCEPTS, base_concept

#: Concept groups per class in the cohort's concept bar chart and beeswarm.
CONCEPT_GROUPS_SHOWN: int = 12


def plot_probabilities(
    probs: np.ndarray,
    classes: Sequence[str] = CLASSES,
    votes: np.ndarray | None = None,
    title: str | None = None,
) -> Figure:
    """Horizontal bars of the model's six class probabilities, beside the experts' vote shares.

    Parameters
    ----------
    probs : array (n_classes,)
        Predicted probabilities (sum 1).
    votes : array (n_classes,), optional
        The experts' vote counts for this window (train); drawn as their fractions.
    """
    probs = np.asarray(probs, dtype=np.float64)
    fig = new_figure(6.0, 3.2)
    ax = fig.add_subplot(111)
    y = np.arange(len(classes))[::-1]
    h = 0.38 if votes is not None else 0.6
    ax.barh(y + (h / 2 if votes is not None else 0), probs, height=h, color="#444444",
            label="model")  # fmt: skip
    for yi, p in zip(y, probs):
        ax.text(min(p + 0.01, 0.93), yi + (h / 2 if votes is not None else 0), f"{p:.0%}",
                va="center", fontsize=9)  # fmt: skip
    if votes is not None:
        v = np.asarray(votes, dtype=np.float64)
        frac = v / v.sum() if v.sum() > 0 else v
        ax.barh(y - h / 2, frac, height=h, color="#ff9f1c",
                label=f"experts ({int(v.sum())} votes)")  # fmt: skip
        for yi, f_, n in zip(y, frac, v):
            if n > 0:
                ax.text(min(f_ + 0.01, 0.93), yi - h / 2, f"{int(n)}", va="center", fontsize=8,
                        color="#b36b00")  # fmt: skip
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_yticks(y, list(classes))
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability / share of expert votes")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title or "Predicted class probabilities", fontsize=11)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- SHAP


def plot_waterfall(
    contributions: np.ndarray,
    feature_names: Sequence[str],
    values: np.ndarray,
    base_value: float,
    class_name: str,
    percentiles: np.ndarray | None = None,
    probability: float | None = None,
    max_display: int = 12,
    families: dict[str, str] | pd.Series | None = None,
) -> Figure:
    """SHAP waterfall of one prediction for one class, in raw-score (log-odds) units.

    From the expected raw score ``E[f]`` (bottom) each bar adds one feature's contribution (red:
    towards the class, blue: against it), then the remaining features (one bar per feature
    family when ``families`` maps feature -> family, else one bar), up to the row's raw score
    ``f(x)`` (top). The label of each bar gives the feature's value and its percentile in the
    training population.
    """
    c = np.asarray(contributions, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(-np.abs(c), kind="stable")
    k = min(max_display, int(np.count_nonzero(c)))
    top, rest = order[:k], order[k:]
    items = []  # (label, contribution) bottom to top
    rest = rest[c[rest] != 0.0]
    if len(rest) and families is not None:
        fam = pd.Series([families.get(feature_names[i], "unknown") for i in rest], dtype=object)
        sums = pd.Series(c[rest]).groupby(fam.to_numpy()).agg(["sum", "size"])
        sums = sums.reindex(sums["sum"].abs().sort_values().index)  # largest nearest the top
        for name, r in sums.iterrows():
            n = int(r["size"])
            items.append((f"{n} other {name} feature{'s' * (n != 1)}", float(r["sum"])))
    elif len(rest):
        items.append((f"{len(rest)} other features", float(c[rest].sum())))
    for i in top[::-1]:
        pct = ""
        if percentiles is not None and np.isfinite(percentiles[i]):
            pct = f" (p{percentiles[i]:.0f})"
        label = f"{short_name(feature_names[i])} = {format_value(values[i])}{pct}"
        items.append((label, float(c[i])))
    return _draw_waterfall(items, float(base_value), class_name, probability)


def plot_concept_waterfall(
    concepts: Sequence[dict],
    base_value: float,
    class_name: str,
    probability: float | None = None,
    max_display: int = 10,
) -> Figure:
    """SHAP waterfall of one prediction told in clinical concepts.

    Parameters
    ----------
    concepts : sequence of dict
        The ``concepts`` entries of :func:`hms_features.explain.concepts.explanation`
        (``label``, ``contribution``, ``n_features``, ``top_feature``), largest |contribution|
        first.
    base_value : float
        Expected raw score of the class (log-odds units).
    max_display : int
        Concepts drawn one by one; the others share one bar.

    The bars add up from ``E[f]`` to the row's raw score ``f(x)`` exactly as the features'
    contributions do (a concept's contribution is the sum of its features').
    """
    shown = [c for c in concepts if c["contribution"] != 0.0][: max(1, int(max_display))]
    rest = [c for c in concepts if c not in shown and c["contribution"] != 0.0]
    items = []
    if rest:
        n = sum(int(c["n_features"]) for c in rest)
        items.append(
            (f"{len(rest)} other concepts ({n} features)", sum(c["contribution"] for c in rest))
        )
    for c in shown[::-1]:
        top = f"; top {short_name(c['top_feature'], 30)}" if c.get("top_feature") else ""
        items.append((f"{c['label']} ({c['n_features']} features{top})", c["contribution"]))
    return _draw_waterfall(items, float(base_value), class_name, probability, width=10.5)


def _draw_waterfall(
    items: list[tuple[str, float]],
    base_value: float,
    class_name: str,
    probability: float | None,
    width: float = 9.0,
) -> Figure:
    """Bars from ``base_value`` adding ``items`` (label, contribution; bottom to top)."""
    fx = float(base_value + sum(v for _, v in items))
    fig = new_figure(width, 0.42 * len(items) + 1.6)
    ax = fig.add_subplot(111)
    start = float(base_value)
    span = max(abs(v) for _, v in items) if items else 1.0
    for y, (label, v) in enumerate(items):
        colour = POSITIVE_COLOUR if v >= 0 else NEGATIVE_COLOUR
        other = label.split(" ", 2)[1:2] == ["other"]
        ax.barh(y, v, left=start, height=0.7, color=colour, alpha=0.5 if other else 0.9)
        ax.text(start + v + (0.01 if v >= 0 else -0.01) * span * 3, y, f"{v:+.2f}",
                va="center", ha="left" if v >= 0 else "right", fontsize=8)  # fmt: skip
        if y + 1 < len(items):
            ax.plot([start + v, start + v], [y + 0.35, y + 0.65], color="#777777", lw=0.6)
        start += v
    ax.set_yticks(range(len(items)), [label for label, _ in items], fontsize=8)
    ax.axvline(base_value, color="#777777", ls=":", lw=0.8)
    ax.axvline(fx, color="black", ls="--", lw=0.8)
    path = base_value + np.cumsum([0.0] + [v for _, v in items])
    lo, hi = float(path.min()), float(path.max())
    pad = 0.12 * (hi - lo + 1e-9)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.8, len(items) - 0.2)
    ax.set_xlabel(f"raw score of {class_name} (log-odds units)", fontsize=9)
    prob = f", probability {probability:.0%}" if probability is not None else ""
    ax.set_title(
        f"Why {class_name}: from the average E[f] = {base_value:.2f} to this EEG's "
        f"f(x) = {fx:.2f}{prob}",
        fontsize=10,
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _swarm_offsets(x: np.ndarray, n_bins: int = 60, width: float = 0.4) -> np.ndarray:
    """Vertical offsets that spread points with similar x (a simple beeswarm)."""
    n = len(x)
    if n == 0:
        return np.zeros(0)
    finite = np.where(np.isfinite(x), x, 0.0)
    lo, hi = finite.min(), finite.max()
    bins = np.zeros(n, dtype=int) if hi <= lo else ((finite - lo) / (hi - lo) * (n_bins - 1))
    bins = np.asarray(bins, dtype=int)
    order = np.argsort(bins, kind="stable")
    sorted_bins = bins[order]
    first = np.searchsorted(sorted_bins, sorted_bins, side="left")
    rank = np.arange(n) - first  # position within its bin
    counts = np.bincount(bins, minlength=n_bins)
    peak = max(int(counts.max()), 1)
    step = width / max(peak / 2.0, 1.0)
    sign = np.where(rank % 2 == 0, 1.0, -1.0)
    off = np.empty(n)
    off[order] = sign * ((rank + 1) // 2) * step
    return np.clip(off, -width, width)


def plot_beeswarm(
    shap_values: np.ndarray,
    data: pd.DataFrame,
    class_name: str,
    max_display: int = 20,
    labels: Sequence[str] | None = None,
    what: str = "top feature",
    xlabel: str = "SHAP value",
    colour_label: str = "feature value (rank in cohort)",
) -> Figure:
    """Beeswarm of one class over a cohort: one row per column (by mean |SHAP|).

    Each dot is one EEG window: its horizontal position is the column's contribution to the
    class's raw score (log-odds units), its colour the value of ``data``'s matching column
    relative to the cohort (rank: blue low, red high; grey if missing). Rows are labelled by
    ``labels`` (default: the column names of ``data``); ``what``, ``xlabel`` and
    ``colour_label`` word the title, axis and colour bar (the concept view sums features).
    """
    sv = np.asarray(shap_values, dtype=np.float64)
    names = list(labels) if labels is not None else [short_name(n) for n in data.columns]
    mean_abs = np.abs(sv).mean(axis=0)
    order = np.argsort(-mean_abs, kind="stable")[:max_display]
    fig = new_figure(9.0 if labels is None else 9.5, 0.38 * len(order) + 1.6)
    ax = fig.add_subplot(111)
    cmap = colormaps["coolwarm"]
    norm = Normalize(0.0, 1.0)
    for row, j in enumerate(order[::-1]):
        x = sv[:, j]
        v = data.iloc[:, j].to_numpy(dtype=np.float64)
        rank = pd.Series(v).rank(pct=True).to_numpy()
        colours = np.where(np.isfinite(rank)[:, None], cmap(norm(np.nan_to_num(rank))),
                           np.array([0.6, 0.6, 0.6, 1.0]))  # fmt: skip
        ax.scatter(x, row + _swarm_offsets(x), s=7, c=colours, lw=0, alpha=0.85)
    ax.axvline(0.0, color="#888888", lw=0.6)
    ax.set_yticks(range(len(order)), [names[j] for j in order[::-1]], fontsize=8)
    ax.set_xlabel(f"{xlabel}: contribution to the {class_name} raw score (log-odds)")
    ax.set_title(f"{class_name}: how each {what} pushes the prediction ({len(sv)} EEGs)",
                 fontsize=10)  # fmt: skip
    sm = ScalarMappable(norm, cmap)
    cb = fig.colorbar(sm, ax=ax, fraction=0.03, pad=0.01)
    cb.set_ticks([0, 1], labels=["low", "high"])
    cb.set_label(colour_label, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def plot_ranked_bars(
    top: pd.Series,
    labels: Sequence[str],
    colours,
    xlabel: str,
    title: str,
    legend: dict[str, object] | None = None,
    pad: float = 1.4,
) -> Figure:
    """Horizontal bars of ``top`` (drawn bottom to top: pass it smallest first), one label and
    colour per bar, a legend of ``{label: colour}`` if given, ``0.34`` inch per bar plus
    ``pad``."""
    fig = new_figure(8.0, 0.34 * len(top) + pad)
    ax = fig.add_subplot(111)
    if legend:
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=c, label=name) for name, c in legend.items()],
                  fontsize=7, loc="lower right", frameon=False)  # fmt: skip
    ax.barh(range(len(top)), top.to_numpy(), color=colours)
    ax.set_yticks(range(len(top)), list(labels), fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def plot_importance_bar(
    importance: pd.Series, class_name: str, max_display: int = 20, families: pd.Series | None = None
) -> Figure:
    """Horizontal bars of the mean |SHAP| of the top features of one class.

    ``families`` (feature -> family) colours the bars by feature family.
    """
    top = importance.sort_values(ascending=False).iloc[:max_display][::-1]
    colours, legend = "#555555", None
    if families is not None:
        palette = colormaps["tab10"]
        everyone = sorted(set(families.astype(str)) | {"unknown"})
        lookup = {f: palette(i % 10) for i, f in enumerate(everyone)}  # same colour everywhere
        shown = families.reindex(top.index).fillna("unknown").astype(str)
        colours = [lookup[f] for f in shown]
        legend = {f: lookup[f] for f in sorted(set(shown))}
    return plot_ranked_bars(
        top,
        [short_name(n) for n in top.index],
        colours,
        f"mean |SHAP| on the {class_name} raw score (log-odds)",
        f"{class_name}: most influential features",
        legend,
    )


def plot_by_class(
    features: pd.DataFrame,
    classes: pd.Series | np.ndarray,
    names: Sequence[str],
    ncols: int = 3,
    order: Sequence[str] = CLASSES,
) -> Figure:
    """Distribution of a few features per class: one box plot (with the windows as dots) each.

    Parameters
    ----------
    features : DataFrame
        One row per window.
    classes : array (n_rows,)
        The class of each row (e.g. the experts' consensus).
    names : sequence of str
        Features to show (one panel each).
    """
    classes = np.asarray(classes)
    names = list(names)
    nrows = int(np.ceil(len(names) / ncols))
    fig = new_figure(4.2 * ncols, 3.0 * nrows)
    rng = np.random.default_rng(0)
    for i, name in enumerate(names):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        v = features[name].to_numpy(dtype=np.float64)
        groups = [v[(classes == c) & np.isfinite(v)] for c in order]
        ax.boxplot(groups, widths=0.6, showfliers=False)
        for j, g in enumerate(groups):
            ax.scatter(j + 1 + rng.uniform(-0.18, 0.18, len(g)), g, s=4, alpha=0.35,
                       color="#1f77b4", lw=0)  # fmt: skip
        ax.set_xticks(range(1, len(order) + 1), list(order), fontsize=8)
        ax.set_title(short_name(name, 44), fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def plot_family_heatmap(table: pd.DataFrame, title: str | None = None) -> Figure:
    """Heat map of mean |SHAP| per feature family (rows) and class (columns), annotated."""
    fig = new_figure(1.1 * table.shape[1] + 3.0, 0.45 * table.shape[0] + 1.6)
    ax = fig.add_subplot(111)
    vals = table.to_numpy(dtype=np.float64)
    im = ax.imshow(vals, cmap="Reds", aspect="auto")
    ax.set_xticks(range(table.shape[1]), list(table.columns), fontsize=9)
    ax.set_yticks(range(table.shape[0]), list(table.index), fontsize=9)
    top = np.nanmax(vals) if vals.size else 1.0
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            ax.text(j, i, f"{vals[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if vals[i, j] > 0.6 * top else "black")  # fmt: skip
    cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cb.set_label("mean |SHAP| (log-odds)", fontsize=8)
    ax.set_title(title or "Feature families: mean |summed SHAP| per class", fontsize=10)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- concepts (cohort)


def concept_colours() -> dict[str, tuple]:
    """One colour per base concept (tab10, in :data:`CONCEPTS` order), grey for undeclared
    features: the same colour on every page."""
    palette = colormaps["tab10"]
    colours = {b: palette(i % 10) for i, b in enumerate(CONCEPTS)}
    colours[cv.OTHER] = (0.55, 0.55, 0.55, 1.0)
    return colours


def plot_concept_bar(
    importance: pd.Series, class_name: str, max_display: int = CONCEPT_GROUPS_SHOWN
) -> Figure:
    """Horizontal bars of the mean |summed SHAP| of the leading concept groups of one class.

    ``importance`` is indexed by group key; bars are labelled with :func:`concepts.label
    <hms_features.explain.concepts.label>` and coloured by base concept (the same colour on
    every page).
    """
    top = importance.sort_values(ascending=False, kind="stable").iloc[:max_display][::-1]
    colours = concept_colours()
    bases = [base_concept(g) for g in top.index]
    shown = [b for b in [*CONCEPTS, cv.OTHER] if b in set(bases)]
    return plot_ranked_bars(
        top,
        [cv.label(g) for g in top.index],
        [colours[b] for b in bases],
        f"mean |summed SHAP| on the {class_name} raw score (log-odds)",
        f"{class_name}: most influential clinical concepts",
        {CONCEPTS[b].label if b in CONCEPTS else "other": colours[b] for b in shown},
        pad=1.5,
    )


def plot_concept_beeswarm(
    values: np.ndarray,
    groups: list[str],
    colour_data: pd.DataFrame,
    class_name: str,
    max_display: int = CONCEPT_GROUPS_SHOWN,
) -> Figure:
    """Beeswarm of the concept groups of one class: one row per group, one dot per EEG window.

    Parameters
    ----------
    values : array (n_rows, n_groups)
        The class's SHAP values summed per group.
    groups : list of str
        Group keys of the columns; rows are the ``max_display`` groups of largest mean |SHAP|.
    colour_data : DataFrame (n_rows, n_groups)
        Per group, the values of its leading feature (columns named by that feature, in the
        order of ``groups``; an all-NaN column for a group without one): a dot's colour is the
        rank of that value in the cohort (blue low, red high, grey missing).
    """
    labels = []
    for group, lead in zip(groups, map(str, colour_data.columns)):
        labels.append(f"{cv.label(group)}\n({short_name(lead, 40)})" if lead else cv.label(group))
    return plot_beeswarm(
        values,
        colour_data,
        class_name,
        max_display,
        labels=labels,
        what="clinical concept",
        xlabel="summed SHAP of the concept's features",
        colour_label="value of the concept's leading feature (rank in cohort)",
    )
