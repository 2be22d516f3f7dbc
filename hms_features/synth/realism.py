"""The realism benchmark: the competition's 20 genuine example figures against the generator.

``benchmarks/realism.py`` compares the central 10 s of a synthetic data set's label windows
(:func:`synthetic_windows`) with the 20 genuine figures (:func:`load_figures`,
``shared/data/hms_figures_digitised``, a reference to measure against, never something to fit),
both filtered alike (:data:`~hms_features.synth.window_statistics.FIGURE_FILTER`), on the
fixed list of :data:`~hms_features.synth.window_statistics.STATISTICS`: per class the genuine
median against the synthetic median and p5-p95 and the share of genuine values outside the
synthetic 1-99% range (:func:`compare`, with the share the generator's own windows show,
:func:`self_outside_share`), and a classifier two-sample test (:func:`c2st_auc`). The page
that draws the windows in the figures' layout is :mod:`hms_features.explain.realism_page`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CENTER_START, CENTER_STOP, CLASSES, FS, VOTE_COLUMNS
from hms_features.signal.montage import (
    BIPOLAR_NAMES,
    bipolar,
)
from hms_features.signal.preprocess import fill_missing, filter_signals
from hms_features.synth.window_statistics import (
    COMPARED,
    SHAPE_ONLY,
    STATISTICS,
    display_lowpass,
    line_amplitude,
    transform_statistics,
)

#: Environment variable naming the folder of the digitised figures (default: FIGURES_DEFAULT).
FIGURES_ENV: str = "HMS_FIGURES_DIR"
#: Where the digitised figures are found without the environment variable: beside the repo.
FIGURES_DEFAULT: Path = Path(__file__).resolve().parents[2].parent / (
    "shared/data/hms_figures_digitised"
)
#: Number of genuine figures (sample01 ... sample20).
N_FIGURES: int = 20
#: Samples of one 10-s window (the labelled centre of a 50-s label window).
FIGURE_SAMPLES: int = CENTER_STOP - CENTER_START


def figures_dir(path: str | Path | None = None) -> Path:
    """The folder of the digitised figures: ``path``, else ``$HMS_FIGURES_DIR``, else
    :data:`FIGURES_DEFAULT` (``../shared/data/hms_figures_digitised`` beside the repository).

    Raises
    ------
    FileNotFoundError
        The folder or its ``labels.csv`` is missing; the message names the path and the
        environment variable.
    """
    if path is None:
        env = os.environ.get(FIGURES_ENV)
        path = Path(env) if env else FIGURES_DEFAULT
    path = Path(path)
    if not (path / "labels.csv").is_file():
        raise FileNotFoundError(
            f"the digitised HMS example figures are not at {path} (no labels.csv there); "
            f"set ${FIGURES_ENV} or pass the folder"
        )
    return path


@dataclass(frozen=True)
class FigureWindows:
    """The genuine reference windows.

    Attributes
    ----------
    eeg : ndarray, shape (20, 18, 2000)
        Bipolar channels in :data:`~hms_features.signal.montage.BIPOLAR_NAMES` order, uV,
        200 Hz, as digitised (display-filtered by the figures' own software).
    ekg : ndarray, shape (20, 2000)
        The EKG trace in z units (the figures draw it z-scored), zeros if its file is absent.
    votes : ndarray, shape (20, 6)
        Expert votes in :data:`~hms_features.constants.CLASSES` order.
    names : tuple of str
        ``'sample01'`` ...
    """

    eeg: np.ndarray
    ekg: np.ndarray
    votes: np.ndarray
    names: tuple[str, ...]

    def classes(self) -> list[tuple[int, ...]]:
        """Each figure's majority class(es): every class with the most votes (ties: all)."""
        return majority_classes(self.votes)


def majority_classes(votes: np.ndarray) -> list[tuple[int, ...]]:
    """The classes with the most votes in each row of ``votes`` (n, 6): ties give all of them.

    Examples
    --------
    >>> import numpy as np
    >>> majority_classes(np.array([[20, 0, 0, 0, 0, 0], [10, 0, 0, 0, 0, 10]]))
    [(0,), (0, 5)]
    """
    v = np.asarray(votes, dtype=np.float64)
    return [tuple(int(c) for c in np.flatnonzero(row == row.max())) for row in v]


def load_figures(path: str | Path | None = None) -> FigureWindows:
    """Read the 20 digitised example figures and their votes.

    Channels are matched by name to :data:`~hms_features.signal.montage.BIPOLAR_NAMES` (the
    figures use the same T3/T4/T5/T6 names and, today, the same order).

    Raises
    ------
    FileNotFoundError
        See :func:`figures_dir`.
    ValueError
        A file lacks a channel or has the wrong number of samples (named).
    """
    folder = figures_dir(path)
    labels = pd.read_csv(folder / "labels.csv")
    names = tuple(f"sample{int(s):02d}" for s in labels["sample"])
    eeg = np.empty((len(names), len(BIPOLAR_NAMES), FIGURE_SAMPLES))
    for i, name in enumerate(names):
        file = folder / f"{name}.parquet"
        table = pd.read_parquet(file)
        missing = [c for c in BIPOLAR_NAMES if c not in table.columns]
        if missing:
            raise ValueError(f"{file}: lacks channel(s) {missing}; has {list(table.columns)}")
        if len(table) != FIGURE_SAMPLES:
            raise ValueError(f"{file}: expected {FIGURE_SAMPLES} rows, got {len(table)}")
        eeg[i] = table[list(BIPOLAR_NAMES)].to_numpy(dtype=np.float64).T
    ekg_file = folder / "ekg_zscore.parquet"
    ekg = np.zeros((len(names), FIGURE_SAMPLES))
    if ekg_file.is_file():
        table = pd.read_parquet(ekg_file)
        for i, name in enumerate(names):
            if name in table.columns:
                ekg[i] = table[name].to_numpy(dtype=np.float64)
    votes = labels[[c for c in VOTE_COLUMNS]].to_numpy(dtype=np.float64)
    return FigureWindows(eeg=eeg, ekg=ekg, votes=votes, names=names)


@dataclass(frozen=True)
class SyntheticWindows:
    """The central 10 s of a synthetic set's label windows, as the figures show them.

    Attributes
    ----------
    eeg : ndarray, shape (n, 18, 2000)
        Bipolar, filtered with :data:`FIGURE_FILTER` (and :func:`display_lowpass`) over the
        50 s, then cut; uV.
    ekg : ndarray, shape (n, 2000)
        The EKG of the central 10 s (uV, filtered as the EEG).
    line_noise_uv : ndarray, shape (n,)
        :func:`line_amplitude` of the unfiltered bipolar central 10 s (median channel, uV).
    labels : DataFrame
        The rows of ``train.csv`` kept (``eeg_id``, offsets, votes ...), with ``cls`` (the vote
        majority as a class index; ties: the first in CLASSES order).
    """

    eeg: np.ndarray
    ekg: np.ndarray
    line_noise_uv: np.ndarray
    labels: pd.DataFrame


def _read_rows(task: tuple[Path, pd.DataFrame, float]) -> list[tuple[int, np.ndarray, ...]]:
    """Filtered central 10 s of the label rows of one EEG file (index, eeg, ekg, line noise);
    rows with NaN in their central 10 s are left out."""
    path, rows, fs = task
    from hms_features.data.eeg import eeg_window, read_eeg

    raw = read_eeg(path)
    out = []
    for idx, offset in zip(rows.index, rows["eeg_label_offset_seconds"]):
        w = eeg_window(raw, offset, rows.loc[idx, "eeg_id"])
        centre = w[CENTER_START:CENTER_STOP]
        if not np.isfinite(centre[:, :-1]).all():
            continue
        filled, _ = fill_missing(w)
        x = display_lowpass(filter_signals(bipolar(filled), fs), fs)[:, CENTER_START:CENTER_STOP]
        ekg = filter_signals(filled[:, -1], fs)[CENTER_START:CENTER_STOP]
        noise = float(np.median(line_amplitude(bipolar(filled[CENTER_START:CENTER_STOP]), fs)))
        out.append((idx, x, ekg, noise))
    return out


def synthetic_windows(
    data_dir: str | Path,
    min_votes: int = 10,
    max_per_class: int | None = 200,
    seed: int = 0,
    n_jobs: int = 1,
    fs: float = FS,
    min_per_class: int = 30,
    max_per_eeg: int | None = 3,
) -> SyntheticWindows:
    """The central 10 s of a synthetic data set's label rows with at least ``min_votes`` votes.

    High-vote Seizure rows are rare (about 2% of them, as in the real data), so a demo-size set
    may hold only a few, from one or two EEGs: a class with fewer than ``min_per_class`` such
    rows is topped up with its rows of the most votes below ``min_votes`` (at least 3 votes),
    marked ``topped_up`` in the returned labels. Each EEG gives at most ``max_per_eeg`` rows
    of a class (those of most votes): overlapping rows of one EEG are near copies, and the
    sample should show the generator's spread over recordings, not a few recordings.

    Parameters
    ----------
    data_dir : str or Path
        A data set in the Kaggle layout (``train.csv``, ``train_eegs/``).
    min_votes : int
        Rows with fewer votes are left out.
    max_per_class : int, optional
        At most this many rows per majority class (a seeded random choice; None: all).
    seed : int
        Seed of that choice.
    n_jobs : int
        Worker processes (one EEG file per task).
    max_per_eeg : int, optional
        At most this many rows of a class per EEG (None: all).
    """
    from hms_features.data.labels import read_labels, total_votes, vote_counts
    from hms_features.synth.files import run_in_order

    data_dir = Path(data_dir)
    labels = read_labels(data_dir / "train.csv")
    labels["cls"] = np.argmax(vote_counts(labels), axis=1)
    labels["votes"] = total_votes(labels)
    labels["topped_up"] = labels["votes"] < min_votes
    parts = []
    for c in range(len(CLASSES)):
        of_c = labels[labels["cls"] == c].sort_values("votes", ascending=False, kind="stable")
        if max_per_eeg is not None:
            of_c = of_c.groupby("eeg_id", sort=False).head(max_per_eeg)
        high = of_c[of_c["votes"] >= min_votes]
        parts.append(high)
        if len(high) < min_per_class:
            low = of_c[(of_c["votes"] < min_votes) & (of_c["votes"] >= 3)]
            parts.append(low.iloc[: min_per_class - len(high)])
    labels = labels.loc[np.sort(np.concatenate([p.index.to_numpy() for p in parts]))].copy()
    if max_per_class is not None:
        rng = np.random.default_rng(seed)
        keep = []
        for c in range(len(CLASSES)):
            idx = labels.index[labels["cls"] == c].to_numpy()
            if idx.size > max_per_class:
                idx = np.sort(rng.choice(idx, max_per_class, replace=False))
            keep.append(idx)
        labels = labels.loc[np.sort(np.concatenate(keep))]
    tasks = [
        (data_dir / "train_eegs" / f"{eeg_id}.parquet", rows, fs)
        for eeg_id, rows in labels.groupby("eeg_id", sort=True)
    ]
    found = [r for res in run_in_order(_read_rows, tasks, n_jobs, False) for r in res]
    found.sort(key=lambda r: labels.index.get_loc(r[0]))
    n = len(found)
    eeg = np.empty((n, len(BIPOLAR_NAMES), FIGURE_SAMPLES))
    ekg = np.empty((n, FIGURE_SAMPLES))
    noise = np.empty(n)
    for i, (_, x, k, v) in enumerate(found):
        eeg[i], ekg[i], noise[i] = x, k, v
    kept = labels.loc[[r[0] for r in found]].reset_index(drop=True)
    return SyntheticWindows(eeg=eeg, ekg=ekg, line_noise_uv=noise, labels=kept)


def c2st_auc(
    a: np.ndarray,
    b: np.ndarray,
    weight_b: np.ndarray | None = None,
    n_splits: int = 5,
    n_repeats: int = 10,
    seed: int = 0,
) -> float:
    """Classifier two-sample test: cross-validated AUC of a classifier telling ``a`` from ``b``.

    A standardised L2 logistic regression (C = 1) is trained on the rows of ``a`` (label 1)
    and ``b`` (label 0) with the two samples weighted to equal totals (``b``'s rows in
    proportion to ``weight_b``, e.g. to match ``a``'s class mix), in repeated stratified
    k-fold (``n_splits`` folds, at most the smaller sample's size, ``n_repeats`` times, seeded);
    the mean of the folds' weighted ROC AUCs. 0.5: the samples are indistinguishable on these
    columns; 1: perfectly separated.

    Parameters
    ----------
    a, b : ndarray, shape (n_a, k), (n_b, k)
        The two samples (e.g. :func:`transform_statistics`).
    weight_b : ndarray, shape (n_b,), optional
        Relative weights of ``b``'s rows (default equal).

    Returns
    -------
    float
        Mean AUC, 0-1.

    References
    ----------
    Lopez-Paz & Oquab (2017), Revisiting classifier two-sample tests, ICLR.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    wb = np.ones(len(b)) if weight_b is None else np.asarray(weight_b, dtype=np.float64)
    keep = wb > 0
    b, wb = b[keep], wb[keep]
    x = np.vstack([a, b])
    y = np.r_[np.ones(len(a)), np.zeros(len(b))]
    w = np.r_[np.full(len(a), 1.0 / len(a)), wb / wb.sum()] * len(x) / 2.0
    k = max(2, min(n_splits, len(a), len(b)))
    cv = RepeatedStratifiedKFold(n_splits=k, n_repeats=n_repeats, random_state=seed)
    aucs = []
    for train, test in cv.split(x, y):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        model.fit(x[train], y[train], logisticregression__sample_weight=w[train])
        score = model.predict_proba(x[test])[:, 1]
        aucs.append(roc_auc_score(y[test], score, sample_weight=w[test]))
    return float(np.mean(aucs))


def outside_range(genuine: np.ndarray, synthetic: np.ndarray, q: float = 1.0) -> np.ndarray:
    """Which genuine values lie outside the synthetic ``q``-``(100-q)`` percentile range.

    Parameters
    ----------
    genuine : ndarray, shape (n_g, k)
    synthetic : ndarray, shape (n_s, k)
        Values of the same ``k`` statistics.

    Returns
    -------
    ndarray of bool, shape (n_g, k)
        Chance level for a genuine window drawn from the synthetic distribution: 2q% (2%).
    """
    lo, hi = np.percentile(synthetic, [q, 100.0 - q], axis=0)
    return (genuine < lo) | (genuine > hi)


def self_outside_share(
    synthetic: np.ndarray, q: float = 1.0, groups: np.ndarray | None = None
) -> float:
    """The out-of-range share of the synthetic windows themselves, each left out in turn:
    the share of :func:`outside_range` a genuine window drawn from the generator would show
    with this many synthetic windows (2q% only for many; about 8% for 30, 4% for 80).

    With ``groups`` (e.g. each window's EEG), a window is compared with the windows of the
    other groups only: a genuine window is a new recording, and windows of one recording are
    near copies of each other.

    Parameters
    ----------
    synthetic : ndarray, shape (n_s, k)
    groups : ndarray, shape (n_s,), optional

    Returns
    -------
    float
        Mean over windows and statistics; NaN for fewer than 3 windows.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(400, 3))
    >>> 0.01 < self_outside_share(x) < 0.04
    True
    """
    n = len(synthetic)
    if n < 3:
        return float("nan")
    if groups is None:
        rest = ~np.eye(n, dtype=bool)
    else:
        groups = np.asarray(groups)
        rest = groups[:, None] != groups[None, :]
        if (rest.sum(axis=1) < 2).any():
            return float("nan")
    out = [outside_range(synthetic[i : i + 1], synthetic[rest[i]], q) for i in range(n)]
    return float(np.mean(out))


@dataclass
class RealismResult:
    """What :func:`compare` finds.

    Attributes
    ----------
    table : DataFrame
        One row per (class, statistic): ``n_genuine``, ``n_synthetic``, ``genuine_median``,
        ``synthetic_median``, ``synthetic_p1``, ``_p5``, ``_p95``, ``_p99``, ``n_outside``
        (genuine windows outside the synthetic p1-p99), ``compared``.
    out_of_range_share : float
        Share of (genuine window of a class, compared statistic) pairs outside that class's
        synthetic p1-p99 (chance 2%), pooled over the classes.
    per_class_share : dict
        Class -> that share within the class (NaN without synthetic windows).
    chance_share, per_class_chance :
        The same shares expected of windows drawn from the generator itself
        (:func:`self_outside_share` per class, pooled with the genuine windows' weights).
    c2st_auc, c2st_auc_shape : float
        :func:`c2st_auc` of genuine against synthetic on the :data:`COMPARED` statistics, and
        on the amplitude-free :data:`SHAPE_ONLY` ones; synthetic windows weighted to the
        genuine class mix.
    """

    table: pd.DataFrame
    out_of_range_share: float
    per_class_share: dict[str, float]
    c2st_auc: float
    c2st_auc_shape: float
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    chance_share: float = float("nan")
    per_class_chance: dict[str, float] = field(default_factory=dict)


def compare(
    genuine: pd.DataFrame,
    genuine_classes: Sequence[tuple[int, ...]],
    synthetic: pd.DataFrame,
    synthetic_classes: np.ndarray,
    n_repeats: int = 10,
    seed: int = 0,
    synthetic_groups: np.ndarray | None = None,
) -> RealismResult:
    """Per class and overall: genuine medians against the synthetic distribution, the
    out-of-range share and the C2ST.

    A genuine window whose votes tie counts in every tied class (each of its classes is a
    reading the experts gave it equally often); synthetic windows have one class each (the
    first of a tie). Classes without genuine or without synthetic windows have no out-of-range
    share (NaN). The C2ST weights the synthetic windows so that their class mix equals the
    genuine one (a tied figure counts 1/k in each of its k classes).

    Parameters
    ----------
    genuine, synthetic : DataFrame
        :func:`statistics_table` of each sample.
    genuine_classes : sequence of tuple of int
        Each genuine window's class indices (:func:`majority_classes`).
    synthetic_classes : ndarray of int, shape (n_synthetic,)
    synthetic_groups : ndarray, shape (n_synthetic,), optional
        Each synthetic window's recording (EEG id), for the chance share
        (:func:`self_outside_share`).
    """
    synthetic_classes = np.asarray(synthetic_classes)
    rows, shares, counts, chances = [], {}, {}, {}
    n_out = n_pairs = n_chance = 0.0
    gen_mix = np.zeros(len(CLASSES))
    for cl in genuine_classes:
        gen_mix[list(cl)] += 1.0 / len(cl)
    for c, name in enumerate(CLASSES):
        g = genuine[[c in cl for cl in genuine_classes]]
        s = synthetic[synthetic_classes == c]
        counts[name] = (len(g), len(s))
        if len(g) == 0:
            continue
        outside = (
            outside_range(g[list(COMPARED)].to_numpy(), s[list(COMPARED)].to_numpy())
            if len(s)
            else None
        )
        if outside is not None:
            shares[name] = float(outside.mean())
            grp = None if synthetic_groups is None else synthetic_groups[synthetic_classes == c]
            chances[name] = self_outside_share(s[list(COMPARED)].to_numpy(), groups=grp)
            n_out += int(outside.sum())
            n_pairs += outside.size
            n_chance += chances[name] * outside.size
        else:
            shares[name] = chances[name] = float("nan")
        for stat in STATISTICS:
            sv = s[stat].to_numpy()
            pct = np.percentile(sv, [1, 5, 50, 95, 99]) if len(s) else np.full(5, np.nan)
            k = COMPARED.index(stat) if stat in COMPARED else -1
            rows.append({
                "class": name,
                "statistic": stat,
                "n_genuine": len(g),
                "n_synthetic": len(s),
                "genuine_median": float(np.median(g[stat])),
                "synthetic_median": float(pct[2]),
                "synthetic_p1": float(pct[0]),
                "synthetic_p5": float(pct[1]),
                "synthetic_p95": float(pct[3]),
                "synthetic_p99": float(pct[4]),
                "n_outside": int(outside[:, k].sum()) if outside is not None and k >= 0 else -1,
                "compared": STATISTICS[stat].compared,
            })  # fmt: skip
    syn_mix = np.bincount(synthetic_classes, minlength=len(CLASSES)).astype(np.float64)
    weight = np.where(syn_mix > 0, gen_mix / np.maximum(syn_mix, 1.0), 0.0)[synthetic_classes]
    aucs = [
        c2st_auc(
            transform_statistics(genuine, names),
            transform_statistics(synthetic, names),
            weight,
            n_repeats=n_repeats,
            seed=seed,
        )
        for names in (COMPARED, SHAPE_ONLY)
    ]
    return RealismResult(
        table=pd.DataFrame(rows),
        out_of_range_share=n_out / n_pairs if n_pairs else float("nan"),
        per_class_share=shares,
        c2st_auc=aucs[0],
        c2st_auc_shape=aucs[1],
        counts=counts,
        chance_share=n_chance / n_pairs if n_pairs else float("nan"),
        per_class_chance=chances,
    )
