"""A continuous synthetic clinical recording: episodes of each class in one patient's EEG.

``hms synth-recording`` writes what a neurologist's file looks like (hours of EEG in EDF, TUH
channel names, 256 Hz) with a known truth, so that :mod:`hms_features.score` can be checked end
to end. The recording is one patient (:func:`~hms_features.synth.patient.draw_patient`) and
one :class:`~hms_features.synth.recording.Recording`, whose class mixture over time is built
here instead of from a single :class:`~hms_features.synth.states.ClassState`:

- **Episodes** (:func:`plan_episodes`): the six classes in shuffled rounds (every class once
  per round), each episode 60-180 s long (a seizure 40-90 s, as real ones), separated by
  background stretches of 30-90 s. A background stretch is the patient's unremarkable EEG
  (class share 0: the mixture is all "Other") but is not labelled; the "Other" episodes are
  labelled stretches of the same background.
- **Transitions** (:func:`episode_mixture`): a pattern's share ramps linearly from 0 to
  :data:`PEAK_SHARE` over the first :data:`RAMP_SECONDS` of its episode and back over the
  last, so that onsets and offsets are gradual, as in real EEG; the rest of the mixture is
  "Other".
- **Seizures**: exactly one seizure per seizure episode, generalized or focal and evolving as
  in the Kaggle-style generator (:func:`~hms_features.synth.seizures.draw_seizures`), with
  post-ictal suppression after it.

The ground truth is the list of episodes (BIDS ``events.tsv``: ``onset``, ``duration``,
``trial_type`` = class name), also written into the EDF as EDF+ annotations.

Rendering is done in chunks of :data:`RENDER_CHUNK_SECONDS` (the background noise of
consecutive chunks is independent; chunks overlap by :data:`CROSSFADE_SECONDS` and are
cross-faded linearly, so that no step appears at a boundary), and the EDF is assembled from
16-bit samples, so a 24-hour file needs about 2 bytes per sample and channel in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hms_features.constants import CLASSES, EEG_CHANNELS
from hms_features.synth.patient import draw_background, draw_patient
from hms_features.synth.patterns import draw_discharges, draw_rhythm, pattern_amplitudes
from hms_features.synth.recording import Recording
from hms_features.synth.seizures import Seizures, draw_seizures
from hms_features.synth.states import OTHER, SEIZURE

#: Class share at the plateau of an episode (the rest is "Other" background).
PEAK_SHARE: float = 0.9
#: Linear ramp of a pattern's share at each end of its episode, seconds.
RAMP_SECONDS: float = 10.0
#: Episode lengths (seconds): seizures, the other classes; background gaps between episodes.
SEIZURE_SECONDS: tuple[float, float] = (40.0, 90.0)
EPISODE_SECONDS: tuple[float, float] = (60.0, 180.0)
GAP_SECONDS: tuple[float, float] = (30.0, 90.0)
#: Sampling rate (Hz) and channel labels of the written file (Temple University style).
DEFAULT_FS: float = 256.0
EDF_LABELS: tuple[str, ...] = tuple(f"EEG {c.upper()}-REF" for c in EEG_CHANNELS[:-1]) + (
    "EEG EKG1-REF",
)
#: Rendering chunk and the cross-fade between chunks, seconds.
RENDER_CHUNK_SECONDS: float = 600.0
CROSSFADE_SECONDS: float = 2.0
#: Physical range (microvolts) of the 16-bit EDF samples: scalp channels, EKG.
SCALP_RANGE_UV: float = 5_000.0
EKG_RANGE_UV: float = 20_000.0


@dataclass(frozen=True)
class Episode:
    """One labelled stretch of the recording: ``onset`` and ``duration`` in seconds, ``cls``
    an index into :data:`~hms_features.constants.CLASSES`."""

    onset: float
    duration: float
    cls: int

    @property
    def trial_type(self) -> str:
        return CLASSES[self.cls]


def plan_episodes(rng: np.random.Generator, seconds: float) -> list[Episode]:
    """Episodes covering ``[0, seconds)``: shuffled rounds of the six classes, background gaps
    between them (see the module docstring). The first starts after a gap; the last ends
    before ``seconds``."""
    episodes: list[Episode] = []
    t = float(rng.uniform(*GAP_SECONDS))
    order: list[int] = []
    while True:
        if not order:
            order = list(rng.permutation(len(CLASSES)))
        cls = int(order.pop())
        lo, hi = SEIZURE_SECONDS if cls == SEIZURE else EPISODE_SECONDS
        duration = float(np.round(rng.uniform(lo, hi), 1))
        if t + duration > seconds:
            break
        episodes.append(Episode(float(np.round(t, 1)), duration, cls))
        t += duration + float(rng.uniform(*GAP_SECONDS))
    return episodes


def episode_mixture(grid: np.ndarray, episodes: list[Episode]) -> np.ndarray:
    """True class proportions (n_grid, 6) at the times ``grid`` (seconds).

    Inside an episode of class ``c`` the share of ``c`` is a trapezoid: 0 at the episode's
    edges, :data:`PEAK_SHARE` after :data:`RAMP_SECONDS`; everything else is "Other".
    """
    mix = np.zeros((grid.size, len(CLASSES)))
    for ep in episodes:
        ramp = min(RAMP_SECONDS, ep.duration / 2)
        inside = np.minimum(grid - ep.onset, ep.onset + ep.duration - grid)
        share = PEAK_SHARE * np.clip(inside / ramp, 0.0, 1.0)
        mix[:, ep.cls] = np.maximum(mix[:, ep.cls], share)
    mix[:, OTHER] = np.maximum(1.0 - mix[:, :OTHER].sum(axis=1), 0.0)
    return mix


def _seizures(rng: np.random.Generator, patient, episodes: list[Episode]) -> Seizures | None:
    """One seizure per seizure episode (the Kaggle generator's kinds and parameter ranges)."""
    eps = [ep for ep in episodes if ep.cls == SEIZURE]
    if not eps:
        return None
    onsets = np.array([ep.onset for ep in eps])
    return draw_seizures(rng, patient, onsets, np.array([ep.duration for ep in eps]))


def build_continuous(seed: int, seconds: float) -> tuple[Recording, list[Episode]]:
    """Plan a recording of ``seconds`` with episodes of every class (see the module docstring).

    Returns
    -------
    recording : Recording
        Render it with :func:`render_chunks`.
    episodes : list of Episode
        The ground truth.
    """
    rng = np.random.default_rng(seed)
    patient = draw_patient(rng, np.ones(len(CLASSES)))
    episodes = plan_episodes(rng, seconds)
    grid = np.arange(-2.0, np.ceil(seconds) + 3.0)
    mixture = episode_mixture(grid, episodes)
    amplitude = pattern_amplitudes(rng, patient, spread=0.15)
    t0, t1 = grid[0], grid[-1]
    rec = Recording(
        start=0.0,
        stop=float(seconds),
        grid=grid,
        mixture=mixture,
        render_share=mixture,
        background=draw_background(rng, patient, is_other=False),
        amplitude=amplitude,
        lpd=draw_discharges(rng, True, patient, t0, t1),
        gpd=draw_discharges(rng, False, patient, t0, t1),
        lrda=draw_rhythm(rng, True, patient, grid.size),
        grda=draw_rhythm(rng, False, patient, grid.size),
        seizures=_seizures(rng, patient, episodes),
        notes={"seed": seed},
    )
    return rec, episodes


def render_chunks(
    rec: Recording, seed: int, fs: float = DEFAULT_FS, chunk_seconds: float = RENDER_CHUNK_SECONDS
) -> Iterator[np.ndarray]:
    """The recording ``[0, rec.stop)`` at ``fs`` Hz as consecutive float32 (n, 20) microvolt
    chunks (canonical channel order), cross-faded at their boundaries."""
    rng = np.random.default_rng([seed, 1])
    n_total = int(round(rec.stop * fs))
    n_chunk = max(int(round(chunk_seconds * fs)), 1)
    n_fade = int(round(CROSSFADE_SECONDS * fs))
    fade = np.linspace(0.0, 1.0, n_fade, dtype=np.float32)[:, None]
    tail: np.ndarray | None = None
    for start in range(0, n_total, n_chunk):
        n = min(n_chunk, n_total - start)
        extra = n_fade if start + n < n_total else 0
        x = rec.render(start / fs, n + extra, fs, rng)
        if tail is not None:
            m = min(n_fade, x.shape[0])
            x[:m] = tail[:m] * (1.0 - fade[:m]) + x[:m] * fade[:m]
        tail = x[n:] if extra else None
        yield x[:n]


def events_table(episodes: list[Episode]) -> pd.DataFrame:
    """BIDS events of the ground truth: ``onset``, ``duration`` (seconds), ``trial_type``."""
    return pd.DataFrame(
        {
            "onset": [ep.onset for ep in episodes],
            "duration": [ep.duration for ep in episodes],
            "trial_type": [ep.trial_type for ep in episodes],
        },
        columns=["onset", "duration", "trial_type"],
    )


def write_edf(
    path: str | Path,
    chunks: Iterator[np.ndarray],
    n_samples: int,
    fs: float,
    labels: tuple[str, ...] = EDF_LABELS,
    annotations: list[Episode] | None = None,
) -> Path:
    """Write microvolt chunks (n, 20) as an EDF (EDF+ when ``annotations`` are given) with edfio.

    Samples are stored as 16-bit integers over a fixed physical range (+/-5,000 uV on the
    scalp, +/-20,000 uV on the EKG; values beyond are clipped), physical dimension ``uV``;
    memory is 2 bytes per sample and channel plus one channel in float64.
    """
    import edfio

    ranges = [SCALP_RANGE_UV] * (len(labels) - 1) + [EKG_RANGE_UV]
    digital = np.empty((len(labels), n_samples), dtype=np.int16)
    pos = 0
    for chunk in chunks:
        n = chunk.shape[0]
        scaled = chunk.T / (np.asarray(ranges, dtype=np.float32)[:, None] / 32767.0)
        digital[:, pos : pos + n] = np.clip(np.round(scaled), -32767, 32767)
        pos += n
    if pos != n_samples:
        raise ValueError(f"expected {n_samples} samples, the chunks held {pos}")
    signals = []
    for i, label in enumerate(labels):
        physical = digital[i].astype(np.float64) * (ranges[i] / 32767.0)
        signals.append(
            edfio.EdfSignal(
                physical,
                fs,
                label=label,
                transducer_type="AgAgCl electrode" if i < len(labels) - 1 else "ECG electrode",
                physical_dimension="uV",
                physical_range=(-ranges[i], ranges[i]),
                digital_range=(-32767, 32767),
            )
        )
    del digital, physical
    notes = [edfio.EdfAnnotation(ep.onset, ep.duration, ep.trial_type) for ep in annotations or []]
    # 1-s data records: the file holds whole records only, so n_samples must fill them
    edf = edfio.Edf(signals, annotations=notes or None, data_record_duration=1.0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    edf.write(path)
    return path


def events_path(edf_path: str | Path) -> Path:
    """``rec.edf`` -> ``rec_events.tsv`` (the ground truth beside the recording)."""
    edf_path = Path(edf_path)
    return edf_path.with_name(f"{edf_path.stem}_events.tsv")


def write_events(events: pd.DataFrame, path: str | Path) -> Path:
    """A BIDS events file: tab-separated, ``n/a`` for missing values, no index."""
    path = Path(path)
    events.to_csv(path, sep="\t", index=False, na_rep="n/a", float_format="%.3f")
    return path


def synth_recording(
    out: str | Path, minutes: float, seed: int = 0, fs: float = DEFAULT_FS
) -> tuple[Path, Path, pd.DataFrame]:
    """Write a continuous synthetic recording ``out`` (EDF) and its ground truth
    ``<stem>_events.tsv``.

    Parameters
    ----------
    out : path
        The EDF file to write.
    minutes : float
        Length of the recording (rounded down to whole seconds).
    seed : int
        Same seed, same files.
    fs : float
        Sampling rate of the file, Hz (a whole number: EDF data records are 1 s).

    Returns
    -------
    edf_path, events_path, events
    """
    seconds = float(np.floor(minutes * 60.0))
    if seconds < 1:
        raise ValueError(f"a recording needs at least 1 s; got {minutes} minutes")
    rec, episodes = build_continuous(seed, seconds)
    n = int(round(seconds * fs))
    edf = write_edf(out, render_chunks(rec, seed, fs), n, fs, annotations=episodes)
    events = events_table(episodes)
    return edf, write_events(events, events_path(edf)), events
