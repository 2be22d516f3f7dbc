"""Statistics that compare a synthetic EEG with the genuine EEG, and the realism benchmark.

The first functions (:func:`eeg_statistics`, :func:`region_band_power`, :func:`asymmetry`,
:func:`band_share`, :func:`discharge_periodicity`) measure raw referential windows as the
reference table in ``HMS.md`` ("What real EEG ... looks like") did: the 18 double-banana
channels, Welch PSD with 2-s Hann segments, 50% overlap.

The realism benchmark (``benchmarks/realism.py``) compares the central 10 s of a synthetic data
set's label windows with the competition's 20 genuine example figures
(:func:`load_figures`), both filtered alike (:data:`FIGURE_FILTER`): a fixed list of window
statistics (:data:`STATISTICS`, :func:`window_statistics`), per class the genuine median
against the synthetic median and p5-p95 and the share of genuine values outside the synthetic
1-99% range (:func:`compare`), a classifier two-sample test (:func:`c2st_auc`), and a page
with the windows drawn in the figures' layout (:func:`realism_page`).
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import signal as sps

from hms_features.constants import CENTER_START, CENTER_STOP, CLASSES, FS, VOTE_COLUMNS
from hms_features.signal.montage import (
    BIPOLAR_NAMES,
    HEMISPHERES,
    MIRROR_PAIRS,
    REGION_PAIRS,
    REGIONS,
    bipolar,
)
from hms_features.signal.preprocess import fill_missing, filter_signals
from hms_features.signal.psd import welch_psd

#: Bands of the relative-power statistics (Hz), of the total 0.5-40 Hz.
REL_BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 20.0),
}


def eeg_statistics(eeg: np.ndarray, fs: float = FS) -> dict[str, float]:
    """The reference statistics of one raw EEG window.

    Parameters
    ----------
    eeg : ndarray, shape (n_samples, 20)
        Raw referential EEG in microvolts (canonical order, EKG last), no NaN.

    Returns
    -------
    dict
        ``bipolar_std`` median over the 18 channels of their standard deviation (uV);
        ``bipolar_std_min`` / ``_max``; ``psd_slope`` median over channels of the least-squares
        slope of log PSD against log frequency on 2-30 Hz; ``abs_diff`` median over channels of
        the mean absolute first difference (uV per sample); ``rel_<band>`` median over channels
        of the band's share of 0.5-40 Hz power; ``ekg_std`` (uV).
    """
    b = bipolar(np.asarray(eeg, dtype=np.float64))
    f, p = welch_psd(b, fs)
    sel = (f >= 2.0) & (f <= 30.0)
    logf = np.log(f[sel])
    logp = np.log(np.maximum(p[:, sel], 1e-20))
    slopes = np.polyfit(logf, logp.T, 1)[0]
    total = p[:, (f >= 0.5) & (f < 40.0)].sum(axis=1)
    std = b.std(axis=1)
    out = {
        "bipolar_std": float(np.median(std)),
        "bipolar_std_min": float(std.min()),
        "bipolar_std_max": float(std.max()),
        "psd_slope": float(np.median(slopes)),
        "abs_diff": float(np.median(np.abs(np.diff(b, axis=1)).mean(axis=1))),
    }
    for name, (lo, hi) in REL_BANDS.items():
        share = p[:, (f >= lo) & (f < hi)].sum(axis=1) / np.maximum(total, 1e-20)
        out[f"rel_{name}"] = float(np.median(share))
    out["ekg_std"] = float(np.std(eeg[:, -1]))
    return out


def region_band_power(
    eeg: np.ndarray, band: tuple[float, float] = (0.5, 20.0), fs: float = FS
) -> dict[str, float]:
    """Mean Welch power (uV^2) in ``band`` of each region's four chains, band-passed signal."""
    b = bipolar(np.asarray(eeg, dtype=np.float64))
    f, p = welch_psd(b, fs)
    sel = (f >= band[0]) & (f < band[1])
    power = p[:, sel].sum(axis=1) * (f[1] - f[0])
    return {r: float(power[list(idx)].mean()) for r, idx in REGIONS.items()}


def asymmetry(eeg: np.ndarray, band: tuple[float, float] = (0.5, 20.0), fs: float = FS) -> float:
    """Left-right power asymmetry ``|L - R| / (L + R)``, mean of LL-RL and LP-RP (0-1)."""
    power = region_band_power(eeg, band, fs)
    return float(
        np.mean([abs(power[a] - power[b]) / (power[a] + power[b]) for a, b in REGION_PAIRS])
    )


def band_share(eeg: np.ndarray, band: tuple[float, float], fs: float = FS) -> float:
    """Share of 0.5-40 Hz power in ``band``, summed over the 18 bipolar channels (0-1)."""
    b = bipolar(np.asarray(eeg, dtype=np.float64))
    f, p = welch_psd(b, fs)
    total = p[:, (f >= 0.5) & (f < 40.0)].sum()
    return float(p[:, (f >= band[0]) & (f < band[1])].sum() / max(total, 1e-20))


def discharge_periodicity(
    eeg: np.ndarray, fs: float = FS, lag_range_s: tuple[float, float] = (0.4, 3.5)
) -> float:
    """Height of the largest autocorrelation peak of the line-length envelope at 0.4-3.5 s.

    The strongest bipolar channel's absolute first difference is smoothed over 50 ms, its
    trend over 4 s removed (a burst of muscle or movement lasting seconds is not periodic),
    and its autocorrelation searched for a peak between 0.4 and 3.5 s: periodic discharges
    give a clear peak (~0.3-0.8), continuous background or rhythmic delta a low one.
    """
    b = bipolar(np.asarray(eeg, dtype=np.float64))
    b = sps.sosfiltfilt(sps.butter(4, [0.5, 40.0], btype="bandpass", fs=fs, output="sos"), b)
    ll = np.abs(np.diff(b, axis=1))
    ch = int(np.argmax(ll.mean(axis=1)))
    k = int(0.05 * fs)
    env = np.convolve(ll[ch], np.ones(k) / k, mode="same")
    m = int(4.0 * fs)
    env = (
        env
        - np.convolve(np.pad(env, m // 2, mode="reflect"), np.ones(m) / m, mode="same")[
            m // 2 : m // 2 + env.size
        ]
    )
    spec = np.fft.rfft(env, 2 * env.size)
    ac = np.fft.irfft(np.abs(spec) ** 2)[: env.size]
    ac /= max(ac[0], 1e-20)
    lo, hi = int(lag_range_s[0] * fs), int(lag_range_s[1] * fs)
    return float(ac[lo:hi].max())


# ============================================================================================
# The realism benchmark: the 20 genuine example figures against the generator's windows
# ============================================================================================
#
# Everything below compares 10-s double-banana windows "as the experts saw them": 18 bipolar
# channels (``BIPOLAR_NAMES``, the figures' top-to-bottom order), 200 Hz, microvolts, filtered
# with :data:`FIGURE_FILTER`. The genuine windows are the competition's 20 example figures
# (``shared/data/hms_figures_digitised``); they are a reference to measure against, never
# something to fit. The benchmark measures with the feature families' own detectors
# (``features.periodicity.channel_discharges``) and draws with ``explain.plots``: those two
# upward imports are made inside the functions that need them, so that importing the generator
# (``hms_features.synth``) pulls in nothing above it.

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
#: The display filter applied to genuine and synthetic windows alike: the project's zero-phase
#: 4th-order Butterworth band-pass 0.5-40 Hz and 60 Hz notch (Q = 30)
#: (:func:`hms_features.signal.preprocess.filter_signals`, 2 s of mirror padding). The figures
#: were display-filtered about 0.5-40 Hz with no 60 Hz line; filtering them once more with the
#: same pass band changes them little. Synthetic windows are filtered over their whole 50 s and
#: then cut to the central 10 s (no edge effects); the genuine 10 s have no context to pad with.
FIGURE_FILTER: str = (
    "zero-phase Butterworth order 4, 0.5-40 Hz band-pass, 60 Hz notch (Q 30), "
    "hms_features.signal.preprocess.filter_signals; synthetic windows also through the "
    "figures' display low-pass (zero-phase Butterworth order 2 at 32 Hz)"
)
#: The figures' own display low-pass, which the genuine windows went through before they were
#: drawn and the synthetic ones must go through too: the figures' mean spectrum is -10 dB at
#: 40 Hz and -21 dB at 50 Hz against 15-25 Hz (their README, "Checks"), which a zero-phase
#: (forward-backward) Butterworth of order 2 at 32 Hz reproduces (-11 dB and -20 dB).
DISPLAY_LOWPASS_HZ: float = 32.0
DISPLAY_LOWPASS_ORDER: int = 2


def display_lowpass(x: np.ndarray, fs: float = FS) -> np.ndarray:
    """The figures' display low-pass (:data:`DISPLAY_LOWPASS_HZ`) along the last axis, zero
    phase; microvolts in, microvolts out."""
    sos = sps.butter(DISPLAY_LOWPASS_ORDER, DISPLAY_LOWPASS_HZ, fs=fs, output="sos")
    return sps.sosfiltfilt(sos, x, axis=-1)


#: Bands of the benchmark's relative powers (Hz); each band's share of the 0.5-40 Hz power.
FIGURE_BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 20.0),
    "gamma": (20.0, 40.0),
}
#: A channel is "involved" when its std exceeds this multiple of the window's 25th-percentile
#: channel std (the quietest quarter of the channels).
INVOLVED_RATIO: float = 2.0
#: Mains frequency (Hz) whose amplitude is reported (not compared: see STATISTICS).
LINE_HZ: float = 60.0


@dataclass(frozen=True)
class Statistic:
    """One window statistic of the benchmark.

    Attributes
    ----------
    description : str
        Definition, with its unit.
    transform : {'log', 'slog', 'none'}
        How the C2ST sees it: ``log`` of a positive value (floored at 1e-6), ``slog`` =
        ``sign(x) log(1 + |x|)`` for a value of either sign with heavy tails, or as is.
    compared : bool
        Part of the out-of-range share and of the C2ST (False: reported only).
    amplitude : bool
        Depends on the overall amplitude (left out of the amplitude-free C2ST).
    """

    description: str
    transform: str = "none"
    compared: bool = True
    amplitude: bool = False


#: The benchmark's statistics of one filtered 18 x 2000 bipolar window, in reporting order.
#: "Median" is the median over the 18 channels. PSDs are Welch, 2-s Hann segments, 50% overlap.
STATISTICS: dict[str, Statistic] = {
    "std_uv": Statistic("median channel standard deviation, uV", "log", amplitude=True),
    "ptp_uv": Statistic("median channel peak-to-peak (max - min), uV", "log", amplitude=True),
    "line_length_uv": Statistic(
        "median channel line length (mean |first difference|), uV per sample",
        "log",
        amplitude=True,
    ),
    "kurtosis": Statistic("median channel excess (Fisher) kurtosis", "slog"),
    **{
        f"rel_{b}": Statistic(
            f"median channel share of 0.5-40 Hz power in {lo:g}-{hi:g} Hz, 0-1", "log"
        )
        for b, (lo, hi) in FIGURE_BANDS.items()
    },
    "peak_freq_hz": Statistic(
        "median channel frequency of the PSD maximum in 0.5-40 Hz, Hz", "log"
    ),
    "psd_slope": Statistic("median channel least-squares slope of log PSD vs log f, 2-30 Hz"),
    "spike_rate_per_min": Statistic(
        "mean channel rate of spikes/sharp waves (kernels.spikes.spike_rate), per minute", "slog"
    ),
    "discharge_rate_hz": Statistic(
        "mean channel rate of periodic discharges (features.periodicity.channel_discharges), Hz",
        "slog",
    ),
    "bilateral_fraction": Statistic(
        "share of discharge events seen on both hemispheres (kernels.discharges."
        "bilateral_discharges, as the periodicity family), 0-1 (0 = no events)"
    ),
    "hemi_corr": Statistic(
        "mean Pearson correlation of the 8 mirror channel pairs (LL vs RL, LP vs RP), -1-1"
    ),
    "delta_coherence": Statistic(
        "mean magnitude-squared coherence of the 8 mirror pairs at 0.5-4 Hz (2-s segments), 0-1"
    ),
    "delta_asymmetry": Statistic(
        "left-right asymmetry |L-R|/(L+R) of 0.5-4 Hz power, mean of LL/RL and LP/RP, 0-1"
    ),
    "involved_share": Statistic(
        "share of the 18 channels whose std exceeds 2 x the window's 25th-percentile channel "
        "std, 0-1"
    ),
    "line_noise_uv": Statistic(
        "median channel amplitude of the 60 Hz line, uV (synthetic: unfiltered bipolar window; "
        "genuine: the figures, already display-filtered): reported, not compared",
        "log",
        compared=False,
        amplitude=True,
    ),
}
#: The statistics in the out-of-range share and the C2ST.
COMPARED: tuple[str, ...] = tuple(k for k, s in STATISTICS.items() if s.compared)
#: The same without the overall-amplitude statistics (the amplitude-free C2ST).
SHAPE_ONLY: tuple[str, ...] = tuple(k for k in COMPARED if not STATISTICS[k].amplitude)


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


def line_amplitude(x: np.ndarray, fs: float = FS, freq: float = LINE_HZ) -> np.ndarray:
    """Amplitude (uV, zero to peak) of a ``freq`` Hz sinusoid in each row: ``2 |X(f)| / n`` of the
    mean-removed row's DFT at the frequency bin nearest ``freq``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(2000) / 200.0
    >>> line_amplitude(np.vstack([3.0 * np.sin(2 * np.pi * 60 * t), np.ones(2000)]))
    array([3., 0.])
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    k = int(round(freq * n / fs))
    x = x - x.mean(axis=-1, keepdims=True)
    phase = np.exp(-2j * np.pi * k * np.arange(n) / n)
    return np.round(2.0 * np.abs(x @ phase) / n, 12)


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
) -> SyntheticWindows:
    """The central 10 s of a synthetic data set's label rows with at least ``min_votes`` votes.

    High-vote Seizure rows are rare (about 2% of them, as in the real data), so a demo-size set
    may hold only a few, from one or two EEGs: a class with fewer than ``min_per_class`` such
    rows is topped up with its rows of the most votes below ``min_votes`` (at least 3 votes),
    marked ``topped_up`` in the returned labels.

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
        of_c = labels[labels["cls"] == c]
        high = of_c[of_c["votes"] >= min_votes]
        parts.append(high)
        if len(high) < min_per_class:
            low = of_c[(of_c["votes"] < min_votes) & (of_c["votes"] >= 3)]
            low = low.sort_values("votes", ascending=False, kind="stable")
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


def _band_share(f: np.ndarray, p: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Share (0-1) of each row's 0.5-40 Hz PSD power in ``lo``-``hi`` Hz."""
    total = p[:, (f >= 0.5) & (f < 40.0)].sum(axis=1)
    return p[:, (f >= lo) & (f < hi)].sum(axis=1) / np.maximum(total, 1e-20)


def _discharges(x: np.ndarray, fs: float) -> tuple[float, float]:
    """Mean channel discharge rate (Hz) and bilateral fraction, by the periodicity family's
    detector (:func:`~hms_features.features.periodicity.channel_discharges`) and its bilateral
    events, on a filtered bipolar window."""
    from hms_features.features.context import WindowContext
    from hms_features.features.periodicity import (
        BILATERAL_CHANNELS,
        BILATERAL_TOLERANCE_S,
        channel_discharges,
    )
    from hms_features.kernels.discharges import bilateral_discharges
    from hms_features.signal.preprocess import CleanWindow

    n_ch, n = x.shape
    zeros = np.zeros(n_ch)
    clean = CleanWindow(np.ascontiguousarray(x), np.zeros(n), 0.0, zeros, zeros, float(fs))
    mask, env_fs = channel_discharges(WindowContext(clean))
    rate = float(mask.sum(axis=1).mean() / (n / fs))
    bilateral, events = bilateral_discharges(
        mask, *HEMISPHERES, env_fs, BILATERAL_CHANNELS, BILATERAL_TOLERANCE_S
    )
    return rate, float(bilateral.sum() / max(int(events.sum()), 1))


def window_statistics(
    x: np.ndarray, fs: float = FS, raw: np.ndarray | None = None
) -> dict[str, float]:
    """The :data:`STATISTICS` of one filtered bipolar window.

    Parameters
    ----------
    x : ndarray, shape (18, n_samples)
        Bipolar channels (``BIPOLAR_NAMES`` order), filtered with :data:`FIGURE_FILTER`, uV.
    fs : float
        Hz.
    raw : ndarray, shape (18, n_samples), optional
        The same window unfiltered, for ``line_noise_uv`` (default: ``x`` itself).

    Returns
    -------
    dict
        Statistic name -> value, in :data:`STATISTICS` order and units.

    Examples
    --------
    A 10-Hz sinusoid of amplitude 10 uV on all 18 channels, 10 s:

    >>> import numpy as np
    >>> t = np.arange(2000) / 200.0
    >>> s = window_statistics(np.tile(10 * np.sin(2 * np.pi * 10 * t), (18, 1)))
    >>> round(s["std_uv"], 3), s["peak_freq_hz"], round(s["rel_alpha"], 3)
    (7.071, 10.0, 1.0)
    """
    from hms_features.kernels.amplitude import kurtosis, line_length
    from hms_features.kernels.asymmetry import mirror_coherence
    from hms_features.kernels.spikes import spike_rate

    x = np.asarray(x, dtype=np.float64)
    std = x.std(axis=1)
    f, p = welch_psd(x, fs)
    band = (f >= 0.5) & (f < 40.0)
    sel = (f >= 2.0) & (f <= 30.0)
    slopes = np.polyfit(np.log(f[sel]), np.log(np.maximum(p[:, sel], 1e-20)).T, 1)[0]
    out: dict[str, float] = {
        "std_uv": float(np.median(std)),
        "ptp_uv": float(np.median(np.ptp(x, axis=1))),
        "line_length_uv": float(np.median(line_length(x))),
        "kurtosis": float(np.median(kurtosis(x))),
    }
    for name, (lo, hi) in FIGURE_BANDS.items():
        out[f"rel_{name}"] = float(np.median(_band_share(f, p, lo, hi)))
    out["peak_freq_hz"] = float(np.median(f[band][np.argmax(p[:, band], axis=1)]))
    out["psd_slope"] = float(np.median(slopes))
    out["spike_rate_per_min"] = float(np.mean(spike_rate(x, fs)))
    out["discharge_rate_hz"], out["bilateral_fraction"] = _discharges(x, fs)
    left, right = np.array([i for i, _ in MIRROR_PAIRS]), np.array([j for _, j in MIRROR_PAIRS])
    xc = x - x.mean(axis=1, keepdims=True)
    num = (xc[left] * xc[right]).sum(axis=1)
    den = np.sqrt((xc[left] ** 2).sum(axis=1) * (xc[right] ** 2).sum(axis=1))
    out["hemi_corr"] = float(np.mean(np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)))
    cf, coh = mirror_coherence(x, fs)
    out["delta_coherence"] = float(coh[:, (cf >= 0.5) & (cf < 4.0)].mean())
    delta = p[:, (f >= 0.5) & (f < 4.0)].sum(axis=1)
    asym = []
    for a, b in REGION_PAIRS:
        pa, pb = delta[list(REGIONS[a])].mean(), delta[list(REGIONS[b])].mean()
        asym.append(abs(pa - pb) / (pa + pb) if pa + pb > 0 else 0.0)
    out["delta_asymmetry"] = float(np.mean(asym))
    out["involved_share"] = float(np.mean(std > INVOLVED_RATIO * np.percentile(std, 25)))
    out["line_noise_uv"] = float(np.median(line_amplitude(x if raw is None else raw, fs)))
    return out


def statistics_table(
    windows: np.ndarray, fs: float = FS, line_noise_uv: np.ndarray | None = None
) -> pd.DataFrame:
    """:func:`window_statistics` of each window (n, 18, n_samples), one row per window.

    ``line_noise_uv`` (n,) replaces that column (the synthetic windows' unfiltered values).
    """
    table = pd.DataFrame([window_statistics(w, fs) for w in windows], columns=list(STATISTICS))
    if line_noise_uv is not None:
        table["line_noise_uv"] = np.asarray(line_noise_uv, dtype=np.float64)
    return table


def transform_statistics(table: pd.DataFrame, names: Sequence[str] = COMPARED) -> np.ndarray:
    """The columns ``names`` of a statistics table as the C2ST sees them
    (:attr:`Statistic.transform`), shape (n, len(names))."""
    cols = []
    for name in names:
        v = table[name].to_numpy(dtype=np.float64)
        kind = STATISTICS[name].transform
        if kind == "log":
            v = np.log(np.maximum(v, 1e-6))
        elif kind == "slog":
            v = np.sign(v) * np.log1p(np.abs(v))
        cols.append(v)
    return np.column_stack(cols)


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


def self_outside_share(synthetic: np.ndarray, q: float = 1.0) -> float:
    """The out-of-range share of the synthetic windows themselves, each left out in turn:
    the share of :func:`outside_range` a genuine window drawn from the generator would show
    with this many synthetic windows (2q% only for many; about 8% for 30, 4% for 80).

    Parameters
    ----------
    synthetic : ndarray, shape (n_s, k)

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
    rest = ~np.eye(n, dtype=bool)
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
            chances[name] = self_outside_share(s[list(COMPARED)].to_numpy())
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


# --------------------------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------------------------


def _png_tag(eeg: np.ndarray, ekg: np.ndarray | None, title: str, fs: float) -> str:
    """An ``<img>`` with the window drawn as a figure (:func:`~hms_features.explain.plots.
    plot_figure_window`), PNG embedded as base64."""
    from hms_features.explain.plots import figure_png, plot_figure_window

    data = base64.b64encode(figure_png(plot_figure_window(eeg, ekg, title, fs), dpi=72))
    return f'<img alt="{html.escape(title)}" src="data:image/png;base64,{data.decode()}">'


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "nan"
    return f"{v:.3g}" if abs(v) >= 0.01 or v == 0 else f"{v:.2e}"


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
    statistics table; every inserted text is HTML-escaped.

    Parameters
    ----------
    figures : FigureWindows
    synthetic : SyntheticWindows
    result : RealismResult
        :func:`compare` of their statistics.
    note : str
        A line under the title (e.g. the command and the data set).
    """
    esc = html.escape
    rng = np.random.default_rng(seed)
    fig_classes = figures.classes()
    drawn: dict[int, str] = {}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>HMS realism benchmark</title>",
        "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;"
        "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "td:first-child{text-align:left}.out{background:#fdd}.ref{color:#888}"
        ".row{display:flex;flex-wrap:wrap;gap:6px}.row img{width:460px}"
        "h3{margin:0.6em 0 0.2em}</style></head><body>",
        "<h1>Realism benchmark: the 20 genuine example figures against synthetic windows</h1>",
        f"<p>{esc(note)}</p>" if note else "",
        f"<p>C2ST AUC (genuine vs synthetic, {len(COMPARED)} statistics, logistic regression, "
        f"repeated stratified CV; 0.5 = indistinguishable): <b>{result.c2st_auc:.3f}</b>; "
        f"amplitude-free ({len(SHAPE_ONLY)} statistics): <b>{result.c2st_auc_shape:.3f}</b>. "
        f"Share of genuine values outside the synthetic 1-99% range of their class: "
        f"<b>{result.out_of_range_share:.1%}</b> (chance 2%).</p>",
        "<p>All windows: 10 s, double banana, filtered " + esc(FIGURE_FILTER) + "; 120 &micro;V "
        "between rows, scale bar 100 &micro;V / 1 s, EKG z-scored (0.2 row per SD). A genuine "
        "figure whose votes tie appears under each tied class. Synthetic: central 10 s of label "
        "rows, class = vote majority.</p>",
    ]
    for c, name in enumerate(CLASSES):
        n_gen, n_syn = result.counts.get(name, (0, 0))
        parts.append(f"<h2>{esc(name)}: {n_gen} genuine, {n_syn} synthetic windows</h2>")
        share = result.per_class_share.get(name, float("nan"))
        if np.isfinite(share):
            parts.append(f"<p>Out of synthetic 1-99% range: {share:.1%} of genuine values.</p>")
        gen_idx = [i for i, cl in enumerate(fig_classes) if c in cl]
        syn_idx = np.flatnonzero(synthetic.labels["cls"].to_numpy() == c)
        pick = np.sort(rng.choice(syn_idx, min(examples, syn_idx.size), replace=False))
        parts.append("<h3>genuine</h3><div class='row'>")
        for i in gen_idx:
            if i not in drawn:
                votes = ", ".join(
                    f"{int(v)} {CLASSES[k]}" for k, v in enumerate(figures.votes[i]) if v > 0
                )
                drawn[i] = _png_tag(
                    figures.eeg[i], figures.ekg[i], f"{figures.names[i]}: {votes}", fs
                )
            parts.append(drawn[i])
        parts.append("</div><h3>synthetic</h3><div class='row'>")
        for j in pick:
            row = synthetic.labels.iloc[j]
            votes = ", ".join(
                f"{int(row[col])} {CLASSES[k]}"
                for k, col in enumerate(VOTE_COLUMNS)
                if row[col] > 0
            )
            title = f"eeg {row['eeg_id']} @ {row['eeg_label_offset_seconds']:g} s: {votes}"
            parts.append(_png_tag(synthetic.eeg[j], synthetic.ekg[j], title, fs))
        parts.append("</div>")
        rows = result.table[result.table["class"] == name]
        if len(rows):
            parts.append(
                "<table><tr><th>statistic</th><th>genuine median</th><th>synthetic median</th>"
                "<th>synthetic p5-p95</th><th>genuine outside p1-p99</th></tr>"
            )
            for _, r in rows.iterrows():
                cls_attr = (
                    " class='ref'"
                    if not r["compared"]
                    else (" class='out'" if r["n_outside"] > 0 else "")
                )
                outside = f"{r['n_outside']}/{r['n_genuine']}" if r["compared"] else "not compared"
                parts.append(
                    f"<tr{cls_attr}><td title='{esc(STATISTICS[r['statistic']].description)}'>"
                    f"{esc(r['statistic'])}</td><td>{_fmt(r['genuine_median'])}</td>"
                    f"<td>{_fmt(r['synthetic_median'])}</td><td>{_fmt(r['synthetic_p5'])} - "
                    f"{_fmt(r['synthetic_p95'])}</td><td>{esc(outside)}</td></tr>"
                )
            parts.append("</table>")
    parts.append("<h2>Statistics</h2><table><tr><th>name</th><th>definition</th></tr>")
    for k, s in STATISTICS.items():
        parts.append(
            f"<tr><td>{esc(k)}</td><td style='text-align:left'>{esc(s.description)}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "\n".join(p for p in parts if p)
