"""Statistics that compare a synthetic EEG with the genuine files (HMS.md, "What real EEG ...").

All computed on the 18 double-banana channels of a raw referential window (microvolts, 200 Hz),
as the reference table in ``HMS.md`` was: Welch PSD with 2-s Hann segments, 50% overlap.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

from hms_features.constants import FS
from hms_features.signal.montage import REGION_PAIRS, REGIONS, bipolar
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

    The strongest bipolar channel's absolute first difference is smoothed over 50 ms and its
    autocorrelation searched for a peak between 0.4 and 3.5 s: periodic discharges give a
    clear peak (~0.3-0.8), continuous background or rhythmic delta a low one.
    """
    b = bipolar(np.asarray(eeg, dtype=np.float64))
    b = sps.sosfiltfilt(sps.butter(4, [0.5, 40.0], btype="bandpass", fs=fs, output="sos"), b)
    ll = np.abs(np.diff(b, axis=1))
    ch = int(np.argmax(ll.mean(axis=1)))
    k = int(0.05 * fs)
    env = np.convolve(ll[ch], np.ones(k) / k, mode="same")
    env = env - env.mean()
    spec = np.fft.rfft(env, 2 * env.size)
    ac = np.fft.irfft(np.abs(spec) ** 2)[: env.size]
    ac /= max(ac[0], 1e-20)
    lo, hi = int(lag_range_s[0] * fs), int(lag_range_s[1] * fs)
    return float(ac[lo:hi].max())
