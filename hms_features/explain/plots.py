"""Figures for clinicians: regional spectrograms, the bipolar EEG page, SHAP summaries.

Every function returns a :class:`matplotlib.figure.Figure` built without ``pyplot`` (no global
state, no display needed: figures render with the Agg canvas), so the module is safe in servers,
tests and worker processes. :func:`figure_png` turns a figure into PNG bytes.

The review layout follows the competition's reference figures: the four regional spectrograms of
10 minutes (LL, RL, LP, RP; time in minutes, frequency in Hz, log power as colour) beside the
labelled 10 s of bipolar EEG in the double banana (18 channels grouped by chain, EKG last),
channels labelled on the left, a 1-s grid and a scale bar.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from hms_features.constants import (
    CENTER_START,
    CENTER_STOP,
    CLASSES,
    FS,
    SPEC_FREQS,
    SPEC_REGIONS,
    SPEC_ROW_SECONDS,
)
from hms_features.signal.montage import BIPOLAR_NAMES, CHAINS, bipolar
from hms_features.signal.preprocess import BANDPASS_HZ, NOTCH_HZ, fill_missing, filter_signals

#: Colours of "pushes towards the class" and "pushes away from it" (SHAP's own convention).
POSITIVE_COLOUR: str = "#d62728"
NEGATIVE_COLOUR: str = "#1f77b4"
#: Channel spacings offered for the EEG page, microvolts (the clinician's sensitivity steps).
NICE_SPACINGS_UV: tuple[float, ...] = (
    20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 2000, 5000,
)  # fmt: skip
#: Traces are clipped at this many channel spacings from their baseline (keeps the page legible).
CLIP_SPACINGS: float = 2.0
SPECTROGRAM_CMAP: str = "jet"


def new_figure(width: float, height: float, dpi: int = 100) -> Figure:
    """A figure attached to the Agg canvas (no pyplot, no display)."""
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _short(name: str, n: int = 48) -> str:
    return name if len(name) <= n else name[: n - 1] + "\u2026"


def _fmt_value(v: float) -> str:
    if not np.isfinite(v):
        return "nan"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000 or a < 0.01:
        return f"{v:.2e}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


# --------------------------------------------------------------------------- probabilities


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


# --------------------------------------------------------------------------- spectrograms


def spectrogram_colour_limits(spectrogram: np.ndarray) -> tuple[float, float]:
    """Shared colour limits (log10 power): the 2nd and 99.5th percentiles over all regions."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log10(np.asarray(spectrogram, dtype=np.float64))
    finite = logp[np.isfinite(logp)]
    if finite.size == 0:
        return -2.0, 2.0
    lo, hi = np.percentile(finite, [2.0, 99.5])
    return float(lo), float(max(hi, lo + 1e-3))


def draw_spectrograms(
    axes: Sequence,
    spectrogram: np.ndarray,
    vlim: tuple[float, float] | None = None,
    mark_seconds: float = 10.0,
) -> object:
    """Draw the four regional spectrograms (LL, RL, LP, RP) into four axes, top to bottom.

    Parameters
    ----------
    axes : four matplotlib Axes
    spectrogram : ndarray (300, 400)
        Linear power (uV^2/Hz), columns LL, RL, LP, RP x 100 bins (0.59-19.92 Hz), rows 2-s
        steps; NaN where padded or missing (drawn grey).
    vlim : (low, high), optional
        Colour limits in log10 power; default :func:`spectrogram_colour_limits` (one scale for
        all four regions, so that a left-right difference is visible as a colour difference).
    mark_seconds : float
        Width of the labelled stretch marked around the centre, seconds.

    Returns
    -------
    The last image (for a colour bar).
    """
    spec = np.asarray(spectrogram, dtype=np.float64)
    n_rows = spec.shape[0]
    half_min = n_rows * SPEC_ROW_SECONDS / 2 / 60.0
    lo, hi = vlim or spectrogram_colour_limits(spec)
    cmap = colormaps[SPECTROGRAM_CMAP].with_extremes(bad="#bfbfbf")
    freqs = np.asarray(SPEC_FREQS)
    df = freqs[1] - freqs[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log10(spec)
    logp[~np.isfinite(logp)] = np.nan
    image = None
    for r, (ax, region) in enumerate(zip(axes, SPEC_REGIONS)):
        block = logp[:, r * 100 : (r + 1) * 100].T  # (freq, time)
        image = ax.imshow(
            np.ma.masked_invalid(block),
            origin="lower",
            aspect="auto",
            cmap=cmap,
            vmin=lo,
            vmax=hi,
            extent=(-half_min, half_min, freqs[0] - df / 2, freqs[-1] + df / 2),
            interpolation="nearest",
        )
        m = mark_seconds / 2 / 60.0
        ax.axvspan(-m, m, color="white", alpha=0.35, lw=0)
        ax.axvline(0.0, color="black", ls="--", lw=0.8)
        ax.set_ylabel(f"{region}\nFreq (Hz)", fontsize=9)
        ax.set_yticks([5, 10, 15])
        ax.tick_params(labelsize=8)
        if r < len(SPEC_REGIONS) - 1:
            ax.tick_params(labelbottom=False)
    last = axes[len(SPEC_REGIONS) - 1]
    ticks = np.arange(-np.floor(half_min), np.floor(half_min) + 1)
    last.set_xticks(ticks, [f"{t:+.0f}" if t else "0" for t in ticks])
    for lab in last.get_xticklabels():
        if lab.get_text() == "0":
            lab.set_color("red")
    last.set_xlabel("time from the labelled 10 s (minutes)", fontsize=9)
    return image


def plot_spectrograms(
    spectrogram: np.ndarray, recomputed: bool = False, title: str | None = None
) -> Figure:
    """The four regional spectrograms of the 10 minutes around the label, one colour scale."""
    fig = new_figure(7.0, 7.5)
    gs = fig.add_gridspec(4, 2, width_ratios=[40, 1], hspace=0.08, wspace=0.04)
    axes = [fig.add_subplot(gs[i, 0]) for i in range(4)]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    image = draw_spectrograms(axes, spectrogram)
    cax = fig.add_subplot(gs[:, 1])
    fig.colorbar(image, cax=cax, label="log10 power (uV\u00b2/Hz)")
    source = "recomputed from the EEG (file missing)" if recomputed else "competition file"
    axes[0].set_title(title or f"Regional spectrograms, 10 minutes ({source})", fontsize=10)
    return fig


# --------------------------------------------------------------------------- EEG page


def eeg_page_signals(
    window: np.ndarray, fs: float = FS, start: int = CENTER_START, stop: int = CENTER_STOP
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The labelled stretch of a window as a clinician reads it.

    Missing samples are interpolated (and reported), the double-banana montage is formed and
    filtered over the whole window (0.5-40 Hz zero-phase band-pass, 60 Hz notch, so that the
    filter has settled at the labelled stretch), then samples ``start:stop`` are kept.

    Parameters
    ----------
    window : ndarray (n_samples, 20)
        Raw referential EEG in microvolts, canonical channel order, NaN = missing.

    Returns
    -------
    eeg : ndarray (18, stop - start)
        Filtered bipolar signals, microvolts.
    ekg : ndarray (stop - start,)
        The filtered EKG channel, microvolts.
    missing : ndarray of bool (stop - start,)
        Samples where any electrode was missing (interpolated on the page).
    """
    filled, missing = fill_missing(window)
    bip = filter_signals(bipolar(filled), fs)
    ekg = filter_signals(filled[:, -1], fs)
    return bip[:, start:stop], ekg[start:stop], missing[start:stop, :-1].any(axis=1)


def choose_spacing(eeg: np.ndarray) -> float:
    """Channel spacing (uV): the smallest clinician step at least the median 5-95% range."""
    x = np.asarray(eeg, dtype=np.float64)
    if x.size == 0 or not np.isfinite(x).any():
        return 100.0
    p5, p95 = np.nanpercentile(x, [5, 95], axis=1)
    typical = float(np.median(p95 - p5))
    for s in NICE_SPACINGS_UV:
        if s >= typical:
            return float(s)
    return float(NICE_SPACINGS_UV[-1])


def _slots() -> list[tuple[str, int]]:
    """(label, vertical slot) of the 18 channels and EKG: chains separated by one empty slot."""
    out, slot = [], 0
    names = iter(BIPOLAR_NAMES)
    for chain in CHAINS.values():
        for _ in chain:
            out.append((next(names), slot))
            slot += 1
        slot += 1
    out.append(("EKG", slot))
    return out


def draw_eeg(
    ax,
    eeg: np.ndarray,
    ekg: np.ndarray | None,
    missing: np.ndarray | None = None,
    fs: float = FS,
    spacing: float | None = None,
    *,
    clip_spacings: float | None = CLIP_SPACINGS,
    scale_bar_uv: float | None = None,
    ekg_gain: float | None = None,
) -> dict[str, float]:
    """Stacked traces of 18 bipolar channels and the EKG, 1-s grid, scale bar.

    Parameters
    ----------
    ax : Axes
    eeg : ndarray (18, n)
        Filtered bipolar EEG, microvolts (see :func:`eeg_page_signals`).
    ekg : ndarray (n,)
        Filtered EKG, microvolts; drawn in red on its own scale (it is often 10-100x larger).
    missing : ndarray of bool (n,), optional
        Shaded grey where the data were missing (interpolated).
    spacing : float, optional
        Microvolts between channel baselines (default :func:`choose_spacing`).
    clip_spacings : float, optional
        Traces are cut at this many spacings from their baseline (default
        :data:`CLIP_SPACINGS`; None: not cut, traces overlap as in the competition's figures).
    scale_bar_uv : float, optional
        Height of the scale bar, microvolts (default one spacing); it is 1 s wide.
    ekg_gain : float, optional
        Factor applied to the median-removed EKG (default: 1, or less so that its 1-99%
        range fits in 0.9 spacing). ``ekg`` None leaves its row empty.

    Returns
    -------
    dict
        ``spacing_uv``, ``ekg_bar_uv`` (microvolts of the EKG shown by one spacing),
        ``clipped_fraction`` (share of EEG samples clipped at +/- 2 spacings).
    """
    eeg = np.asarray(eeg, dtype=np.float64)
    n = eeg.shape[1]
    t = (np.arange(n) - n / 2) / fs  # seconds from the centre of the labelled stretch
    s = float(spacing or choose_spacing(eeg))
    slots = _slots()
    n_slots = slots[-1][1] + 1
    base = {name: (n_slots - 1 - slot) * s for name, slot in slots}
    lim = np.inf if clip_spacings is None else clip_spacings * s
    clipped = np.abs(eeg) > lim
    for i, name in enumerate(BIPOLAR_NAMES):
        ax.plot(t, base[name] + np.clip(eeg[i], -lim, lim), color="black", lw=0.6)
    k = np.zeros(0) if ekg is None else np.asarray(ekg, dtype=np.float64)
    k = k - np.median(k) if k.size else k
    if ekg_gain is None:
        p1, p99 = np.percentile(k, [1, 99]) if k.size else (0.0, 0.0)
        ekg_range = max(float(p99 - p1), 1e-6)
        ekg_gain = min(1.0, 0.9 * s / ekg_range)
    if k.size:
        ax.plot(t, base["EKG"] + np.clip(k * ekg_gain, -lim, lim), color="#d62728", lw=0.6)
    if missing is not None and np.any(missing):
        m = np.asarray(missing, dtype=bool)
        edges = np.flatnonzero(np.diff(np.r_[0, m.astype(int), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            ax.axvspan(t[a], t[min(b, n - 1)], color="#bfbfbf", alpha=0.6, lw=0)
    for sec in np.arange(np.ceil(t[0]), t[-1]):
        ax.axvline(sec, color="#888888", ls="--", lw=0.6)
    ax.set_yticks([base[nm] for nm, _ in slots], [nm for nm, _ in slots], fontsize=8)
    for lab in ax.get_yticklabels():
        if lab.get_text() == "EKG":
            lab.set_color("#d62728")
    t_end = t[-1] + 1.0 / fs
    ax.set_ylim(-2.4 * s, (n_slots - 0.2) * s)
    ax.set_xlim(t[0], t_end)
    ticks = np.arange(np.ceil(t[0]), np.floor(t_end + 1e-9) + 1)
    ax.set_xticks(ticks, [f"{x:+.0f}" if x else "0" for x in ticks], fontsize=8)
    ax.set_xlabel("time from the centre of the labelled 10 s (seconds)", fontsize=9)
    # scale bar: scale_bar_uv (default one spacing) high, 1 s wide, bottom right
    bar = float(scale_bar_uv or s)
    x0, y0 = t[-1] - 1.6, -2.2 * s
    ax.plot([x0, x0, x0 + 1.0], [y0 + bar, y0, y0], color="#1f3fbf", lw=1.5)
    ax.text(x0 - 0.05, y0 + bar / 2, f"{bar:g} \u00b5V", ha="right", va="center", fontsize=8,
            color="#1f3fbf")  # fmt: skip
    ax.text(x0 + 0.5, y0 - 0.15 * s, "1 s", ha="center", va="top", fontsize=8, color="#1f3fbf")
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return {
        "spacing_uv": s,
        "ekg_bar_uv": s / ekg_gain,
        "clipped_fraction": float(clipped.mean()) if clipped.size else 0.0,
    }


#: The competition's example figures: 120 uV between channel rows, a 100 uV scale bar.
FIGURE_SPACING_UV: float = 120.0
FIGURE_SCALE_BAR_UV: float = 100.0
#: The figures draw the EKG z-scored, at this fraction of a row per standard deviation.
FIGURE_EKG_ROWS_PER_SD: float = 0.2


def plot_figure_window(
    eeg: np.ndarray,
    ekg: np.ndarray | None = None,
    title: str | None = None,
    fs: float = FS,
    size: tuple[float, float] = (6.4, 6.0),
) -> Figure:
    """A 10-s double-banana window in the layout of the competition's example figures.

    Top to bottom the chains LL, RL, LP, RP, then Fz-Cz, Cz-Pz and the EKG, with a blank row
    between the groups (24 rows, :func:`draw_eeg`); :data:`FIGURE_SPACING_UV` (120 uV) between
    rows, traces not cut (they overlap as in the figures), 1-s dashed grid, a 100 uV / 1 s scale
    bar, time -5 to 5 s from the window's centre. The EKG (any unit) is z-scored and drawn at
    0.2 row per SD, as the figures do.

    Parameters
    ----------
    eeg : ndarray (18, n)
        Filtered bipolar EEG, microvolts, in :data:`~hms_features.signal.montage.BIPOLAR_NAMES`
        order (the figures' order).
    ekg : ndarray (n,), optional
        The EKG in any unit (z-scored here); None leaves its row empty.
    title : str, optional
    size : (float, float)
        Inches.
    """
    gain = None
    if ekg is not None:
        sd = float(np.std(ekg))
        gain = FIGURE_EKG_ROWS_PER_SD * FIGURE_SPACING_UV / sd if sd > 0 else 0.0
    fig = new_figure(*size)
    ax = fig.add_subplot(111)
    draw_eeg(
        ax, eeg, ekg, None, fs, FIGURE_SPACING_UV,
        clip_spacings=None, scale_bar_uv=FIGURE_SCALE_BAR_UV, ekg_gain=gain,
    )  # fmt: skip
    ax.set_xlabel("time (s)", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    fig.subplots_adjust(left=0.13, right=0.98, top=0.94, bottom=0.08)
    return fig


def eeg_caption(info: dict[str, float]) -> str:
    """The filter and scale statement printed under an EEG page."""
    text = (
        f"Bipolar double banana, {BANDPASS_HZ[0]:g}-{BANDPASS_HZ[1]:g} Hz band-pass (zero-phase "
        f"Butterworth), {NOTCH_HZ:g} Hz notch; {info['spacing_uv']:g} \u00b5V between channels "
        f"(scale bar); EKG in red at its own scale ({info['ekg_bar_uv']:.3g} \u00b5V per "
        "channel spacing); dashed lines every 1 s."
    )
    if info.get("clipped_fraction", 0.0) > 0:
        text += (
            f" Traces are cut at \u00b1{CLIP_SPACINGS:g} spacings "
            f"({info['clipped_fraction']:.1%} of samples)."
        )
    return text


def plot_eeg(
    window: np.ndarray, fs: float = FS, spacing: float | None = None, title: str | None = None
) -> Figure:
    """The labelled 10 s of a 50-s window as a clinician reads it (see :func:`draw_eeg`)."""
    eeg, ekg, missing = eeg_page_signals(window, fs)
    fig = new_figure(10.0, 7.5)
    ax = fig.add_subplot(111)
    info = draw_eeg(ax, eeg, ekg, missing, fs, spacing)
    ax.set_title(title or "The labelled 10 s of EEG", fontsize=10)
    fig.text(0.01, 0.005, eeg_caption(info), fontsize=7.5, wrap=True)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.95, bottom=0.1)
    return fig


def plot_review(
    window: np.ndarray,
    spectrogram: np.ndarray,
    title: str,
    recomputed: bool = False,
    fs: float = FS,
    spacing: float | None = None,
) -> tuple[Figure, dict[str, float]]:
    """The reference-figure layout: four spectrograms (left) beside the 10 s of EEG (right).

    Returns
    -------
    fig : Figure
    info : dict
        What :func:`draw_eeg` returns (spacing, EKG scale, clipped share) for the caption.
    """
    fig = new_figure(16.0, 8.0)
    gs = fig.add_gridspec(
        4, 4, width_ratios=[40, 1.2, 7, 60], hspace=0.06, wspace=0.03, left=0.05, right=0.99,
        top=0.93, bottom=0.08,
    )  # fmt: skip
    axes = [fig.add_subplot(gs[i, 0]) for i in range(4)]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    image = draw_spectrograms(axes, spectrogram)
    cax = fig.add_subplot(gs[:, 1])
    cb = fig.colorbar(image, cax=cax)
    cb.set_label("log10 power (\u00b5V\u00b2/Hz)", fontsize=8)
    cb.ax.tick_params(labelsize=7)
    source = "recomputed from EEG: file missing" if recomputed else "from the spectrogram file"
    axes[0].set_title(f"10 minutes, regional spectrograms ({source})", fontsize=9, loc="left")
    ax_eeg = fig.add_subplot(gs[:, 3])
    eeg, ekg, missing = eeg_page_signals(window, fs)
    info = draw_eeg(ax_eeg, eeg, ekg, missing, fs, spacing)
    ax_eeg.set_title("the labelled 10 s, bipolar montage", fontsize=9, loc="left")
    fig.suptitle(title, x=0.05, ha="left", fontsize=13)
    return fig, info


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
        items.append((f"{_short(feature_names[i])} = {_fmt_value(values[i])}{pct}", float(c[i])))
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
        top = f"; top {_short(c['top_feature'], 30)}" if c.get("top_feature") else ""
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
    names = list(labels) if labels is not None else [_short(n) for n in data.columns]
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
        [_short(n) for n in top.index],
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
        ax.set_title(_short(name, 44), fontsize=9)
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


__all__ = [
    "plot_by_class",
    "choose_spacing",
    "draw_eeg",
    "draw_spectrograms",
    "eeg_caption",
    "eeg_page_signals",
    "figure_png",
    "new_figure",
    "plot_beeswarm",
    "plot_eeg",
    "plot_family_heatmap",
    "plot_figure_window",
    "plot_importance_bar",
    "plot_probabilities",
    "plot_review",
    "plot_spectrograms",
    "plot_waterfall",
]
