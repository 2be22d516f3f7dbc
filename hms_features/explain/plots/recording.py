"""The figure of a whole scored recording (``hms score``): spectrograms, probabilities, burden.

From top to bottom on one time axis: the four regional spectrograms (LL, RL, LP, RP) of the
whole recording, as the competition's and SPaRCNet's review screens show them (rows averaged
into at most :data:`MAX_COLUMNS` columns, log10 power, one colour scale, grey where there is no
data); the merged events as coloured bars; the six class probabilities stacked per window (a
"hypnodensity", as YASA draws sleep stages); seizure and IIIC burden per window and as a
10-minute moving average.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from hms_features.constants import CLASSES, SPEC_FREQS, SPEC_REGIONS, VOTE_COLUMNS
from hms_features.explain.plots.common import (
    CLASS_COLOURS,
    MISSING_COLOUR,
    SPECTROGRAM_CMAP,
    new_figure,
)
from hms_features.explain.plots.eeg import spectrogram_colour_limits

#: Columns (time bins) of the drawn whole-recording spectrograms at most.
MAX_COLUMNS: int = 1500
#: Moving average of the burden curves, seconds.
BURDEN_SMOOTH_SECONDS: float = 600.0


def binned_log_power(spec: np.ndarray, max_columns: int = MAX_COLUMNS) -> np.ndarray:
    """log10 of the spectrogram (n_rows, 400) with rows averaged in groups (at most
    ``max_columns`` groups); NaN where a whole group is missing."""
    n = spec.shape[0]
    group = max(1, int(np.ceil(n / max_columns)))
    m = -(-n // group) * group
    padded = np.full((m, spec.shape[1]), np.nan, dtype=np.float32)
    padded[:n] = spec
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Mean of empty slice": all-NaN groups
        mean = np.nanmean(padded.reshape(-1, group, spec.shape[1]), axis=1)
        logp = np.log10(mean)
    logp[~np.isfinite(logp)] = np.nan
    return logp


def time_unit(duration: float) -> tuple[float, str]:
    """Divisor and name of the time axis: minutes up to 2 hours, hours beyond.

    >>> time_unit(3600.0), time_unit(3 * 3600.0)
    ((60.0, 'minutes'), (3600.0, 'hours'))
    """
    return (3600.0, "hours") if duration > 7200 else (60.0, "minutes")


def _draw_recording_spectrograms(fig: Figure, gs, axes, spec: np.ndarray, div: float) -> None:
    """The four regional spectrograms of the whole recording into ``axes[:4]``, a colour bar."""
    logp = binned_log_power(spec)
    lo, hi = spectrogram_colour_limits(10.0**logp)
    cmap = colormaps[SPECTROGRAM_CMAP].with_extremes(bad=MISSING_COLOUR)
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


def plot_overview(
    spec: np.ndarray, timeline: pd.DataFrame, events: pd.DataFrame, duration: float
) -> Figure:
    """The figure of the whole recording: spectrograms, events, probability strip, burden.

    Parameters
    ----------
    spec : ndarray (n_rows, 400)
        The recording's regional spectrogram, 2-s rows, linear power (uV^2/Hz), NaN = no data.
    timeline : DataFrame
        One row per scored window: ``onset`` (s), the six probability columns
        (:data:`~hms_features.constants.VOTE_COLUMNS`), ``seizure_burden``, ``iiic_burden``.
    events : DataFrame
        Merged events: ``onset``, ``duration`` (s), ``trial_type`` (a class).
    duration : float
        The recording's length, seconds.
    """
    div, unit = time_unit(duration)
    fig = new_figure(15.0, 11.0)
    gs = fig.add_gridspec(7, 2, height_ratios=[1, 1, 1, 1, 0.25, 1.1, 0.9], width_ratios=[60, 1],
                          hspace=0.12, wspace=0.02)  # fmt: skip
    axes = [fig.add_subplot(gs[i, 0]) for i in range(7)]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    _draw_recording_spectrograms(fig, gs, axes, spec, div)
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
