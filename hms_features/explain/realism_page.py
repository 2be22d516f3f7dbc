"""The realism benchmark's page: the 20 genuine example figures beside synthetic windows.

Per class, the genuine figures and a seeded choice of synthetic windows of the class, all drawn
in the figures' layout (:func:`~hms_features.explain.plots.plot_figure_window`), then the
class's statistics table (:func:`hms_features.synth.realism.compare`). Rendered from the
``realism.html`` template (autoescaped) in the shell every page shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hms_features.constants import CLASSES, FS, VOTE_COLUMNS
from hms_features.explain.pages import png_data_uri, render
from hms_features.explain.plots import plot_figure_window
from hms_features.synth.realism import FigureWindows, RealismResult, SyntheticWindows
from hms_features.synth.window_statistics import COMPARED, FIGURE_FILTER, SHAPE_ONLY, STATISTICS


@dataclass(frozen=True)
class Drawn:
    """One drawn window: its title and the PNG as a ``data:`` URI."""

    title: str
    uri: str


def _draw(eeg: np.ndarray, ekg: np.ndarray | None, title: str, fs: float) -> Drawn:
    return Drawn(title, png_data_uri(plot_figure_window(eeg, ekg, title, fs), dpi=72))


def _fmt(v: float) -> str:
    """A statistic as shown: 3 significant digits, scientific below 0.01 (``nan`` if none)."""
    if not np.isfinite(v):
        return "nan"
    return f"{v:.3g}" if abs(v) >= 0.01 or v == 0 else f"{v:.2e}"


def _class_section(
    c: int,
    figures: FigureWindows,
    synthetic: SyntheticWindows,
    result: RealismResult,
    pick: np.ndarray,
    drawn: dict[int, Drawn],
    fs: float,
) -> dict:
    """What the page shows of class ``c``: counts, drawn windows, the statistics rows."""
    name = CLASSES[c]
    genuine = []
    for i, cl in enumerate(figures.classes()):
        if c not in cl:
            continue
        if i not in drawn:
            votes = ", ".join(
                f"{int(v)} {CLASSES[k]}" for k, v in enumerate(figures.votes[i]) if v > 0
            )
            drawn[i] = _draw(figures.eeg[i], figures.ekg[i], f"{figures.names[i]}: {votes}", fs)
        genuine.append(drawn[i])
    windows = []
    for j in pick:
        row = synthetic.labels.iloc[j]
        votes = ", ".join(
            f"{int(row[col])} {CLASSES[k]}" for k, col in enumerate(VOTE_COLUMNS) if row[col] > 0
        )
        title = f"eeg {row['eeg_id']} @ {row['eeg_label_offset_seconds']:g} s: {votes}"
        windows.append(_draw(synthetic.eeg[j], synthetic.ekg[j], title, fs))
    rows = []
    for _, r in result.table[result.table["class"] == name].iterrows():
        compared = bool(r["compared"])
        rows.append({
            "statistic": r["statistic"],
            "description": STATISTICS[r["statistic"]].description,
            "kind": "ref" if not compared else ("out" if r["n_outside"] > 0 else ""),
            "genuine": _fmt(r["genuine_median"]),
            "median": _fmt(r["synthetic_median"]),
            "range": f"{_fmt(r['synthetic_p5'])} - {_fmt(r['synthetic_p95'])}",
            "outside": f"{r['n_outside']}/{r['n_genuine']}" if compared else "not compared",
        })  # fmt: skip
    n_gen, n_syn = result.counts.get(name, (0, 0))
    return {
        "name": name,
        "n_genuine": n_gen,
        "n_synthetic": n_syn,
        "share": result.per_class_share.get(name, float("nan")),
        "chance": result.per_class_chance.get(name, float("nan")),
        "genuine": genuine,
        "synthetic": windows,
        "rows": rows,
    }


def realism_page(
    figures: FigureWindows,
    synthetic: SyntheticWindows,
    result: RealismResult,
    examples: int = 3,
    seed: int = 0,
    fs: float = FS,
    note: str = "",
) -> str:
    """The HTML page of the benchmark: per class, the genuine figures beside ``examples``
    synthetic windows of the class (a seeded choice) in the figures' layout, and the
    statistics table.

    Parameters
    ----------
    figures : FigureWindows
    synthetic : SyntheticWindows
    result : RealismResult
        :func:`~hms_features.synth.realism.compare` of their statistics.
    examples : int
        Synthetic windows drawn per class.
    seed : int
        Seed of the choice of synthetic windows.
    fs : float
        Sampling rate of the windows (Hz).
    note : str
        A line under the title (e.g. the command and the data set).
    """
    rng = np.random.default_rng(seed)
    drawn: dict[int, Drawn] = {}
    labels = synthetic.labels["cls"].to_numpy()
    sections = []
    for c in range(len(CLASSES)):
        idx = np.flatnonzero(labels == c)
        pick = np.sort(rng.choice(idx, min(examples, idx.size), replace=False))
        sections.append(_class_section(c, figures, synthetic, result, pick, drawn, fs))
    return render(
        "realism.html",
        note=note,
        result=result,
        n_compared=len(COMPARED),
        n_shape=len(SHAPE_ONLY),
        figure_filter=FIGURE_FILTER,
        sections=sections,
        statistics=[(k, s.description) for k, s in STATISTICS.items()],
    )
