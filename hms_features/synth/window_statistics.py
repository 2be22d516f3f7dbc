"""Window statistics that compare synthetic EEG with genuine EEG.

The first functions (:func:`eeg_statistics`, :func:`region_band_power`, :func:`asymmetry`,
:func:`band_share`, :func:`discharge_periodicity`) measure raw referential windows as the
reference table in ``HMS.md`` ("What real EEG ... looks like") did: the 18 double-banana
channels, Welch PSD with 2-s Hann segments, 50% overlap.

The rest measure 10-s double-banana windows "as the experts saw them" (18 bipolar channels in
the figures' order, 200 Hz, microvolts, filtered with :data:`FIGURE_FILTER`): the fixed list of
:data:`STATISTICS` of the realism benchmark (:mod:`hms_features.synth.realism`),
:func:`window_statistics` of one window, :func:`statistics_table` of many. They measure with the
feature families' own detectors (``features.periodicity.channel_discharges``), imported inside
the functions that need them, so that importing the generator pulls in nothing above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import signal as sps

from hms_features.constants import FS
from hms_features.signal.montage import (
    HEMISPHERES,
    MIRROR_PAIRS,
    REGION_PAIRS,
    REGIONS,
    bipolar,
)
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
