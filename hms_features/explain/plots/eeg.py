"""Figures of the signal: regional spectrograms, the bipolar EEG page, the review layout.

The review layout follows the competition's reference figures: the four regional spectrograms of
10 minutes (LL, RL, LP, RP; time in minutes, frequency in Hz, log power as colour) beside the
labelled 10 s of bipolar EEG in the double banana (18 channels grouped by chain, EKG last),
channels labelled on the left, a 1-s grid and a scale bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from hms_features.constants import (
    CENTER_START,
    CENTER_STOP,
    FS,
    SPEC_FREQS,
    SPEC_REGIONS,
    SPEC_ROW_SECONDS,
)
from hms_features.explain.plots.common import MISSING_COLOUR, SPECTROGRAM_CMAP, new_figure
from hms_features.signal.montage import BIPOLAR_NAMES, CHAINS, bipolar
from hms_features.signal.preprocess import BANDPASS_HZ, NOTCH_HZ, fill_missing, filter_signals

#: Channel spacings offered for the EEG page, microvolts (the clinician's sensitivity steps).
NICE_SPACINGS_UV: tuple[float, ...] = (
    20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 2000, 5000,
)  # fmt: skip
#: Traces are clipped at this many channel spacings from their baseline (keeps the page legible).
CLIP_SPACINGS: float = 2.0


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
    cmap = colormaps[SPECTROGRAM_CMAP].with_extremes(bad=MISSING_COLOUR)
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


def _scale_bar(ax, x0: float, y0: float, bar: float, spacing: float) -> None:
    """A scale bar ``bar`` microvolts high and 1 s wide from (``x0``, ``y0``), labelled."""
    ax.plot([x0, x0, x0 + 1.0], [y0 + bar, y0, y0], color="#1f3fbf", lw=1.5)
    ax.text(x0 - 0.05, y0 + bar / 2, f"{bar:g} \u00b5V", ha="right", va="center", fontsize=8,
            color="#1f3fbf")  # fmt: skip
    ax.text(x0 + 0.5, y0 - 0.15 * spacing, "1 s", ha="center", va="top", fontsize=8,
            color="#1f3fbf")  # fmt: skip


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
            ax.axvspan(t[a], t[min(b, n - 1)], color=MISSING_COLOUR, alpha=0.6, lw=0)
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
    _scale_bar(ax, t[-1] - 1.6, -2.2 * s, float(scale_bar_uv or s), s)
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
