"""Seizures of a synthetic recording: when they happen, what they look like, and their signal.

Mostly generalized (bilateral from onset, 2-3.5 Hz spike-and-wave or sharply contoured rhythmic
activity with 20-70 ms spikes, over a steep multifocal field with per-electrode delays, so that
the bipolar channels reach hundreds of uV; a stable frequency within a window, drifting at most
~1 Hz per 50 s; abrupt onset and offset), some focal and evolving (5-10 Hz slowing to 2.5-4 Hz,
growing amplitude and spreading field from a focal onset), recurring over the recording
(:func:`seizure_schedule`), each followed by post-ictal suppression. Amplitudes in microvolts,
referential.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import hms_features.synth.signals as sg
from hms_features.synth.patient import PatientTraits
from hms_features.synth.patterns import lateral_focus, multifocal_field
from hms_features.synth.scalp import N_SCALP, XY
from hms_features.synth.signals import Modulation

#: Chance that a seizure is generalized (bilateral from onset) rather than focal and evolving.
P_GENERALIZED_SEIZURE: float = 0.7
#: Peak amplitude (uV, referential) of a generalized and of a focal seizure relative to
#: PATTERN_AMPLITUDE.
GENERALIZED_SEIZURE_GAIN: float = 1.1
FOCAL_SEIZURE_GAIN: float = 1.8
#: SD of the log of a seizure's own gain (domain randomisation: a seizure may be 2-3x larger or
#: smaller than the recording's median).
SEIZURE_GAIN_SD: float = 0.6
#: Exponent mapping the seizure's share of a window's mixture to its amplitude
#: (``share**SEIZURE_GAMMA``), flatter than the other patterns'
#: (:data:`~hms_features.synth.patterns.GAMMA`): a seizure is a discrete event, fully there
#: while it lasts; a smaller share means less of it in the window (its on/off schedule) or
#: raters less sure of it, not a fainter seizure.
SEIZURE_GAMMA: float = 0.4
#: Chance that a seizure carries fast activity (12-25 Hz polyspikes riding on its spikes, and
#: some throughout), as real ictal rhythms often do.
P_SEIZURE_FAST: float = 0.6
#: Onset and offset ramp of a generalized seizure (seconds): abrupt.
ABRUPT_S: float = 0.3


@dataclass(frozen=True)
class Seizures:
    """Cyclic evolving seizures: one entry per seizure (arrays of equal length)."""

    onset: np.ndarray
    duration: np.ndarray
    f_start: np.ndarray
    f_end: np.ndarray
    spikiness: np.ndarray
    focus: np.ndarray  # (n, 2)
    width_start: np.ndarray
    width_end: np.ndarray
    spread: np.ndarray  # fraction of the way to the midline the centre moves
    suppression: np.ndarray  # post-ictal drop of the background, 0-1
    recovery: np.ndarray  # its time constant, seconds
    generalized: np.ndarray  # bool: bilateral from onset, stable frequency
    spike_s: np.ndarray  # SD of the spike of the spike-and-wave (seconds)
    field: np.ndarray  # (n, 19): the field of a generalized seizure (peak 1)
    lags: np.ndarray  # (n, 19): per-electrode delay of a generalized seizure (seconds)
    gain: np.ndarray  # amplitude relative to the recording's seizure amplitude
    jitter: Modulation  # phase jitter of the rhythm (cycle-to-cycle variation)
    envelope: Modulation  # log-amplitude variation from cycle to cycle
    fast_hz: np.ndarray  # frequency of the fast activity riding on the rhythm (Hz)
    fast_level: np.ndarray  # its amplitude relative to the rhythm's (0: none)
    fast_tonic: np.ndarray  # share of it present throughout the cycle rather than on the spike

    def postictal_gain(self, t: np.ndarray) -> np.ndarray:
        """Background amplitude factor at times ``t``: ``1 - depth exp(-(t - end) / tau)``
        after each seizure's end (post-ictal suppression), 1 elsewhere."""
        gain = np.ones(t.size)
        ends = self.onset + self.duration
        for k in np.flatnonzero((ends < t[-1]) & (ends + 5 * self.recovery > t[0])):
            after = t >= ends[k]
            decay = np.exp(-(t[after] - ends[k]) / self.recovery[k])
            gain[after] *= 1.0 - self.suppression[k] * decay
        return gain

    def render(
        self, t: np.ndarray, fs: float, strength: Callable[[np.ndarray], np.ndarray]
    ) -> np.ndarray:
        """The seizures' signal at times ``t`` (s) sampled at ``fs`` Hz, (19, len(t)), uV.

        ``strength(t)`` is the recording's seizure amplitude at those times (uV at the field's
        peak, before each seizure's own ``gain``).
        """
        sz = self
        out = np.zeros((N_SCALP, t.size))
        t_first, t_last = t[0], t[-1]
        for k in np.flatnonzero((sz.onset < t_last) & (sz.onset + sz.duration > t_first)):
            onset, dur = sz.onset[k], sz.duration[k]
            i0 = max(int(np.ceil((onset - t_first) * fs)), 0)
            i1 = min(int(np.floor((onset + dur - t_first) * fs)) + 1, t.size)
            if i1 <= i0:
                continue
            env = sz.gain[k] * strength(t[i0:i1])
            # no spike narrower than the rendering rate can carry (the 50-Hz spectrogram fill)
            spike_s = max(float(sz.spike_s[k]), 0.8 / fs)
            if sz.generalized[k]:
                # every electrode its own delay: the bipolar pairs see the differences
                tau = t[None, i0:i1] - onset - sz.lags[k][:, None]
                edge = np.clip(np.minimum(tau, dur - tau) / ABRUPT_S, 0.0, 1.0)
            else:
                tau = (t[i0:i1] - onset)[None, :]
                edge = np.minimum(1.0, np.minimum(tau, dur - tau) / 1.5)
            frac = tau / dur
            df = sz.f_end[k] - sz.f_start[k]
            phase = 2 * np.pi * (sz.f_start[k] * tau + df * tau**2 / (2 * dur))
            phase = phase + sz.jitter(t[i0:i1])[None, :]
            freq = sz.f_start[k] + df * frac
            wave = sg.spike_wave(phase, sz.spikiness[k], freq, spike_s)
            if sz.fast_level[k] > 0:  # polyspikes on the spike, some fast activity throughout
                gate = np.exp(4.0 * (np.cos(phase - sg.SPIKE_PHASE) - 1.0))
                fast = np.cos(2 * np.pi * sz.fast_hz[k] * tau + 0.5 * phase)
                tonic = sz.fast_tonic[k]
                wave = wave + sz.fast_level[k] * fast * (tonic + (1.0 - tonic) * gate)
            wave = wave * np.exp(sz.envelope(t[i0:i1]))[None, :]
            if sz.generalized[k]:
                out[:, i0:i1] += sz.field[k][:, None] * wave * edge * env[None, :]
                continue
            ramp = (0.25 + 0.75 * frac[0] ** 0.6) * edge[0]
            width = sz.width_start[k] + (sz.width_end[k] - sz.width_start[k]) * frac[0]
            cx = sz.focus[k, 0] * (1.0 - sz.spread[k] * frac[0])
            cy = sz.focus[k, 1]
            d2 = (XY[:, 0, None] - cx[None, :]) ** 2 + (XY[:, 1, None] - cy) ** 2
            fieldk = np.exp(-d2 / (2 * width[None, :] ** 2))
            out[:, i0:i1] += fieldk * (wave[0] * ramp * env)[None, :]
        return out


def draw_seizures(
    rng: np.random.Generator,
    p: PatientTraits,
    onsets: np.ndarray,
    durations: np.ndarray,
    p_generalized: float = P_GENERALIZED_SEIZURE,
) -> Seizures:
    """The seizures of a recording at the given onsets and durations (seconds).

    Generalized (chance ``p_generalized``): 2-3.5 Hz, drifting by -0.9 to +0.4 Hz per 50 s,
    spike-and-wave or sharply contoured (spikiness 0.2-0.95, spikes of SD 9-18 ms, i.e. 30-70 ms
    wide at the base), on a multifocal field with 0-15 ms per-electrode delays, abrupt onset. Focal:
    5-10 Hz slowing to 2.5-4 Hz (or 3-5 Hz speeding up), sharp waves, from a focus that widens
    and moves towards the midline (spikiness 0-0.9). Both with 5-15% cycle-to-cycle jitter, a gain
    of their own (log-normal, SD :data:`SEIZURE_GAIN_SD`) and, with chance
    :data:`P_SEIZURE_FAST`, 12-25 Hz fast activity at 5-30% of the rhythm's amplitude, mostly on
    the spike (polyspikes).
    """
    onsets = np.asarray(onsets, dtype=float)
    durations = np.asarray(durations, dtype=float)
    n = onsets.size
    gen = rng.random(n) < p_generalized
    slowing_down = rng.random(n) < 0.75
    f_start = np.where(slowing_down, rng.uniform(5.0, 10.0, n), rng.uniform(3.0, 5.0, n))
    f_end = np.where(slowing_down, rng.uniform(2.5, 4.0, n), f_start + rng.uniform(2.0, 4.0, n))
    g_start = rng.triangular(2.0, 2.0, 3.5, n)
    g_end = np.clip(g_start + rng.uniform(-0.9, 0.4, n) * durations / 50.0, 1.5, 4.0)
    focus = np.array([lateral_focus(rng, p) for _ in range(n)]).reshape(n, 2)
    fields = np.array([multifocal_field(rng) for _ in range(n)]).reshape(n, N_SCALP)
    lags = rng.uniform(0.0, 0.015, (n, N_SCALP))
    return Seizures(
        onset=onsets,
        duration=durations,
        f_start=np.where(gen, g_start, f_start),
        f_end=np.where(gen, g_end, f_end),
        spikiness=np.where(gen, rng.uniform(0.2, 0.95, n), rng.uniform(0.0, 0.9, n)),
        focus=focus,
        width_start=rng.uniform(0.25, 0.4, n),
        width_end=rng.uniform(0.7, 1.1, n),
        spread=rng.uniform(0.3, 0.9, n),
        suppression=rng.uniform(0.3, 0.7, n),
        recovery=rng.uniform(5.0, 20.0, n),
        generalized=gen,
        spike_s=np.where(gen, rng.uniform(0.009, 0.018, n), 0.02),
        field=fields,
        lags=lags,
        gain=np.where(gen, GENERALIZED_SEIZURE_GAIN, FOCAL_SEIZURE_GAIN)
        * np.exp(rng.normal(0.0, SEIZURE_GAIN_SD, n)),
        jitter=sg.draw_modulation(rng, (0.3, 1.5), rate_rms=rng.uniform(0.05, 0.12) * 2.5),
        envelope=sg.draw_modulation(rng, (0.1, 1.0), rms=rng.uniform(0.1, 0.25)),
        fast_hz=rng.uniform(12.0, 25.0, n),
        fast_level=np.where(rng.random(n) < P_SEIZURE_FAST, rng.uniform(0.05, 0.3, n), 0.0),
        fast_tonic=rng.uniform(0.0, 0.3, n),
    )


def seizure_schedule(
    rng: np.random.Generator, p: PatientTraits, start: float, stop: float
) -> Seizures:
    """Recurring seizures over ``[start, stop)``: 20-120 s long, 5-45 s apart (evolution shows
    over these minutes, not within one 50-s window)."""
    onsets, durations = [], []
    t = start - rng.uniform(0.0, 60.0)
    while t < stop:
        d = rng.uniform(20.0, 120.0)
        onsets.append(t)
        durations.append(d)
        t += d + rng.uniform(5.0, 45.0)
    return draw_seizures(rng, p, np.array(onsets), np.array(durations))
