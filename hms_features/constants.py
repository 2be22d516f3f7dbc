"""Facts of the HMS data set that every layer shares: channels, classes, windows, bands."""

from __future__ import annotations

#: EEG sampling rate of every HMS recording, in Hz.
FS: float = 200.0

#: The 20 columns of an EEG parquet file, in the competition's order (19 scalp electrodes, EKG).
EEG_CHANNELS: tuple[str, ...] = (
    "Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz",
    "Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2", "EKG",
)  # fmt: skip
#: The 19 scalp electrodes (everything but EKG).
SCALP_CHANNELS: tuple[str, ...] = EEG_CHANNELS[:-1]

#: A label window: 50 s of EEG (10,000 samples at 200 Hz).
WINDOW_SECONDS: float = 50.0
WINDOW_SAMPLES: int = round(WINDOW_SECONDS * FS)
#: The window's centre, seconds from its start (25 s; its spectrogram window is centred there).
WINDOW_CENTER_SECONDS: float = WINDOW_SECONDS / 2
#: The labelled part of the window: its central 10 s ...
LABEL_SECONDS: float = 10.0
#: ... which starts this many seconds after the window (20 s: the window is 20 s of lead, the
#: labelled 10 s, then 20 s).
LABEL_LEAD_SECONDS: float = WINDOW_CENTER_SECONDS - LABEL_SECONDS / 2
#: The labelled part in window samples: rows 4000-6000.
CENTER_START: int = round(LABEL_LEAD_SECONDS * FS)
CENTER_STOP: int = CENTER_START + round(LABEL_SECONDS * FS)

#: Spectrogram geometry: 2-s rows, a 10-minute label window of 300 rows, four regions of 100 bins.
SPEC_ROW_SECONDS: float = 2.0
SPEC_WINDOW_ROWS: int = 300
SPEC_WINDOW_SECONDS: float = SPEC_WINDOW_ROWS * SPEC_ROW_SECONDS
#: Seconds from a label's spectrogram window start to its EEG window start (275 s): the
#: 10-minute spectrogram window is centred on the 50-s EEG window.
SPEC_LEAD_SECONDS: float = SPEC_WINDOW_SECONDS / 2 - WINDOW_CENTER_SECONDS
SPEC_REGIONS: tuple[str, ...] = ("LL", "RL", "LP", "RP")
#: The 100 frequency labels of each region's spectrogram columns, exactly as written in the
#: competition's files (FFT bins k * 200 / 1024 Hz for k = 3..102, rounded half-up to 2 decimals,
#: trailing zeros dropped: "4.1", "12.5").
SPEC_FREQ_LABELS: tuple[str, ...] = (
    "0.59", "0.78", "0.98", "1.17", "1.37", "1.56", "1.76", "1.95", "2.15", "2.34", "2.54",
    "2.73", "2.93", "3.13", "3.32", "3.52", "3.71", "3.91", "4.1", "4.3", "4.49", "4.69", "4.88",
    "5.08", "5.27", "5.47", "5.66", "5.86", "6.05", "6.25", "6.45", "6.64", "6.84", "7.03",
    "7.23", "7.42", "7.62", "7.81", "8.01", "8.2", "8.4", "8.59", "8.79", "8.98", "9.18", "9.38",
    "9.57", "9.77", "9.96", "10.16", "10.35", "10.55", "10.74", "10.94", "11.13", "11.33",
    "11.52", "11.72", "11.91", "12.11", "12.3", "12.5", "12.7", "12.89", "13.09", "13.28",
    "13.48", "13.67", "13.87", "14.06", "14.26", "14.45", "14.65", "14.84", "15.04", "15.23",
    "15.43", "15.63", "15.82", "16.02", "16.21", "16.41", "16.6", "16.8", "16.99", "17.19",
    "17.38", "17.58", "17.77", "17.97", "18.16", "18.36", "18.55", "18.75", "18.95", "19.14",
    "19.34", "19.53", "19.73", "19.92",
)  # fmt: skip
#: The same frequencies in Hz.
SPEC_FREQS: tuple[float, ...] = tuple(float(f) for f in SPEC_FREQ_LABELS)
#: The 400 power columns of a spectrogram file (after ``time``), in file order.
SPEC_COLUMNS: tuple[str, ...] = tuple(f"{r}_{f}" for r in SPEC_REGIONS for f in SPEC_FREQ_LABELS)

#: The six classes, in the competition's column order.
CLASSES: tuple[str, ...] = ("Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other")
VOTE_COLUMNS: tuple[str, ...] = (
    "seizure_vote", "lpd_vote", "gpd_vote", "lrda_vote", "grda_vote", "other_vote",
)  # fmt: skip

#: Placeholder for missing data in a few real files; any |value| above the limit is missing too.
PLACEHOLDER_VALUE: float = 9999.0
MAX_ABS_MICROVOLTS: float = 5_000.0

#: Rows with at least this many votes have a stable expert consensus.
HIGH_VOTE_THRESHOLD: int = 10

#: Clinical EEG frequency bands (Hz) used throughout the features.
BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 20.0),
    "gamma": (20.0, 40.0),
}
