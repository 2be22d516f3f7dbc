"""A synthetic patient and one continuous recording of them, renderable at any sampling rate.

Physiology (all amplitudes in microvolts, referential, before the bipolar montage):

- Background: 19 cortical sources with a 1/f^slope spectrum (slope 0.9-1.5), a polymorphic
  delta bump whose size is the patient's degree of slowing (critically ill patients are
  delta-dominated), and an alpha rhythm (7-12 Hz) strongest over O1/O2/P3/P4, mixed to the
  electrodes through a smooth volume-conduction kernel over 10-20 positions
  (:func:`~hms_features.synth.scalp.mixing_matrix`), so neighbouring electrodes are correlated
  and bipolar channels look like real ones. Optional focal slowing over one hemisphere.
- Per-electrode slow drift, a common-mode reference signal (cancels in bipolar derivations),
  60 Hz line noise (common, plus 1-30 uV per electrode that the montage lets through) and
  per-electrode gains.
- EKG: P-QRS-T beats at 50-120 /min, channel std 100-3000 uV, leaking faintly (1-8 uV) into
  the scalp electrodes.
- Artifacts: eye blinks (Fp1/Fp2), muscle (brief bursts, or sustained 5-50 s at 20-150 uV
  peak to peak), electrode pops (often on 1-2 loose electrodes), movement (1-5 s swings over
  1-4 electrodes), device interference (a perfectly regular pulse train or a 25-45 Hz hum);
  more frequent in alert patients and in "Other" recordings.
- Patterns (drawn with amplitude ``A_c * pi_c(t)^0.75`` from the class mixture ``pi(t)``;
  ``A_c`` grows with the patient's amplitude and has its own patient and recording gains):
  periodic discharges (broad, often polyphasic or triphasic complexes whose shape and width
  vary from one to the next; LPD over one hemisphere with a weaker reflection on the other,
  GPD bilateral with 10-50 ms of timing jitter between the hemispheres, some asymmetry,
  uneven fields and optional suppression of the background between discharges), rhythmic
  delta (sharply contoured, notched or sawtooth cycles from harmonics of drifting phase,
  5-15% cycle-to-cycle jitter, waxing and waning over seconds; LRDA lateralized with a weaker
  copy over the other hemisphere, GRDA bilateral and frontally predominant) and seizures:
  mostly generalized (bilateral from onset, 2-3.5 Hz spike-and-wave or sharply contoured
  rhythmic activity with 20-70 ms spikes, over a steep multifocal field with per-electrode
  delays, so that the bipolar channels reach hundreds of uV; a stable frequency within a
  window, drifting at most ~1 Hz per 50 s; abrupt onset and offset), some focal and evolving
  (5-10 Hz slowing to 2.5-4 Hz, growing amplitude and spreading field from a focal onset),
  recurring over the recording, each followed by post-ictal suppression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import hms_features.synth.signals as sg
from hms_features.constants import CLASSES
from hms_features.synth.scalp import FOCI, N_SCALP, XY, gaussian_field, mirror, mixing_matrix
from hms_features.synth.signals import Interference, Modulation
from hms_features.synth.states import GPD, GRDA, LPD, LRDA, OTHER, SEIZURE, ClassState

#: Exponent mapping a class share to the amplitude of its pattern: ``A * share**GAMMA``.
GAMMA: float = 0.75
#: Median full amplitude (uV, peak of the referential field) of each pattern, classes 0-4.
PATTERN_AMPLITUDE: dict[int, float] = {
    SEIZURE: 200.0,
    LPD: 130.0,
    GPD: 150.0,
    LRDA: 110.0,
    GRDA: 110.0,
}
#: Exponent of the patient's background amplitude in the pattern amplitudes: high-voltage
#: records have larger patterns, but less than proportionally.
PATTERN_AMPLITUDE_EXPONENT: float = 0.75
#: Chance that a seizure is generalized (bilateral from onset) rather than focal and evolving.
P_GENERALIZED_SEIZURE: float = 0.7
#: Peak amplitude (uV, referential) of a generalized and of a focal seizure relative to
#: PATTERN_AMPLITUDE.
GENERALIZED_SEIZURE_GAIN: float = 1.6
FOCAL_SEIZURE_GAIN: float = 1.8
#: SD of the log of a seizure's own gain (domain randomisation: a seizure may be 2-3x larger or
#: smaller than the recording's median).
SEIZURE_GAIN_SD: float = 0.45
#: Peak of the slowing (delta) bump relative to BACKGROUND_LEVEL, at slowing = 1.
DELTA_GAIN: float = 15.0
#: Reference level of the 1/f background (uV^2/Hz at 1 Hz), before the patient's scale.
BACKGROUND_LEVEL: float = 10.0
_MIX = mixing_matrix(0.35)


@dataclass(frozen=True)
class PatientTraits:
    """What stays the same across one patient's recordings.

    Attributes
    ----------
    amplitude : float
        Background amplitude multiplier (log-normal around 1).
    slope : float
        Exponent of the 1/f background (0.9-1.5).
    slowing : float
        Degree of diffuse slowing, 0 (none) to 1 (delta-dominated).
    alpha_freq : float
        Posterior alpha frequency, 7-12 Hz.
    alpha_strength : float
        Alpha power relative to the background, 0-1 (low in sick patients).
    ekg_std : float
        Standard deviation of the EKG channel (uV), log-normal around 150 (30-5,000).
    heart_rate : float
        Beats per minute, 50-120.
    ekg_leak : float
        EKG artifact amplitude on the scalp (uV per R wave), 1-8.
    alertness : float
        0-1; drives blink and muscle artifact rates.
    drift : float
        Typical electrode drift (uV RMS); each electrode varies around it (log-normal).
    side : str
        'left' or 'right', the side of lateralized patterns and of the seizure focus.
    focus : tuple of float
        (x, y) focus of lateralized activity on that side.
    favourite : int
        The class this patient tends to show (index into CLASSES).
    pattern_gain : float
        Multiplier of pattern amplitudes (log-normal around 1).
    focal_slowing : float
        Extra delta over ``side`` (0 = none), a lateralized non-rhythmic confounder.
    line_noise : float
        Largest per-electrode 60 Hz amplitude (uV; log-normal, median 2, 0.3-60): unequal
        electrode impedances let mains noise through the bipolar montage.
    """

    amplitude: float
    slope: float
    slowing: float
    alpha_freq: float
    alpha_strength: float
    ekg_std: float
    heart_rate: float
    ekg_leak: float
    alertness: float
    drift: float
    side: str
    focus: tuple[float, float]
    favourite: int
    pattern_gain: float
    focal_slowing: float
    line_noise: float


def draw_patient(rng: np.random.Generator, class_prior: np.ndarray) -> PatientTraits:
    """Draw one patient; ``class_prior`` (6,) weights their favourite class."""
    side = "left" if rng.random() < 0.5 else "right"
    names = list(FOCI)
    focus = mirror(FOCI[names[rng.integers(len(names))]], side)
    slowing = float(rng.beta(3.0, 1.6))
    return PatientTraits(
        # log-normal: median bipolar std from under 10 uV (low-voltage) to well over 100 uV
        amplitude=float(np.exp(np.clip(rng.normal(0.0, 0.7), -2.0, 2.6))),
        slope=float(rng.uniform(0.9, 1.5)),
        slowing=slowing,
        alpha_freq=float(rng.uniform(7.0, 12.0)),
        alpha_strength=float(rng.uniform(0.0, 1.0) * (1.0 - slowing)),
        ekg_std=float(np.exp(np.clip(rng.normal(np.log(150.0), 0.9), np.log(30.0), np.log(5e3)))),
        heart_rate=float(rng.uniform(50.0, 120.0)),
        ekg_leak=float(rng.uniform(1.0, 8.0)),
        alertness=float(rng.beta(1.2, 2.5)),
        drift=float(np.exp(rng.uniform(np.log(3.0), np.log(20.0)))),
        side=side,
        focus=focus,
        favourite=int(rng.choice(len(class_prior), p=class_prior / class_prior.sum())),
        pattern_gain=float(np.exp(rng.normal(0.0, 0.35))),
        focal_slowing=float(rng.uniform(0.5, 3.0)) if rng.random() < 0.3 else 0.0,
        # mostly 0.5-5 uV with a heavy tail (a bad contact lets tens of uV through)
        line_noise=float(np.exp(np.clip(rng.normal(np.log(2.0), 1.0), np.log(0.3), np.log(60.0)))),
    )


@dataclass(frozen=True)
class Background:
    """Per-recording background parameters (see the module docstring); arrays are (19,)."""

    level: np.ndarray
    slope: float
    delta_level: np.ndarray
    alpha_freq: float
    alpha_level: np.ndarray
    beta_freq: float
    beta_level: np.ndarray
    drift: np.ndarray
    common: float
    line: float
    line_electrode: np.ndarray
    gain: np.ndarray
    ekg_std: float
    heart_rate: float
    ekg_leak: np.ndarray
    blink_rate: float
    muscle_rate: float
    muscle_sustained: float
    pop_rate: float
    bad_electrodes: np.ndarray
    movement_rate: float
    interference: Interference | None


@dataclass(frozen=True)
class Discharges:
    """A periodic-discharge process (LPD or GPD) over the whole recording."""

    times: np.ndarray
    amplitudes: np.ndarray
    sharp_ms: float
    triphasic: float
    slow_ms: float
    field: np.ndarray
    max_lag_s: float
    rate: float
    widening: np.ndarray  # per discharge, 0-1: weight of the 1.6x wider template
    polyphasic: np.ndarray  # per discharge: weight of the extra phases
    hemisphere_lag_s: np.ndarray  # per discharge: right hemisphere minus left (GPD), seconds
    suppression: float  # depth (0-1) of background suppression at the full share (GPD)


@dataclass(frozen=True)
class DischargeEvents:
    """The discharges of one class in a span (:meth:`Recording.discharge_events`)."""

    times: np.ndarray
    amplitude: np.ndarray
    field: np.ndarray
    lags_s: np.ndarray  # (n_events, 19): when each electrode sees the event, after ``times``


@dataclass(frozen=True)
class Rhythm:
    """A rhythmic delta process (LRDA or GRDA): frequency on the recording's 1-s grid."""

    freq: np.ndarray
    harmonics: np.ndarray  # relative amplitudes of the 2nd and 3rd harmonics
    harmonic_phase: np.ndarray  # their mean phases (radians)
    harmonic_drift: Modulation  # slow drift of the harmonics' phases (radians)
    jitter: Modulation  # phase jitter: cycle-to-cycle variation of the period
    envelope: Modulation  # log-amplitude: waxing and waning over seconds
    field: np.ndarray
    side_jitter: Modulation  # phase of the right hemisphere minus the left (radians)

    def wave(self, grid_t0: float, t: np.ndarray, side: float = 0.5) -> np.ndarray:
        """Unit-scale waveform at times ``t``: fundamental plus harmonics, jittered, modulated;
        ``side`` 0 (left hemisphere) to 1 (right) shifts the phase by ``side_jitter``."""
        phase = sg.integrate_phase(grid_t0, self.freq, t) + self.jitter(t)
        phase = phase + (side - 0.5) * self.side_jitter(t)
        drift = self.harmonic_drift(t)
        w = np.cos(phase)
        for k, (h, psi) in enumerate(zip(self.harmonics, self.harmonic_phase, strict=True)):
            w = w + h * np.cos((k + 2) * phase + psi + (k + 1) * drift)
        env = np.exp(self.envelope(t))
        return w * env / (1.0 + 0.5 * self.harmonics.sum())


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


@dataclass
class Recording:
    """One continuous synthetic recording (times are seconds of its spectrogram file).

    Attributes
    ----------
    start, stop : float
        The recorded span (seconds); outside it the spectrogram is padding.
    grid : ndarray, shape (n_grid,)
        1-s time grid covering the span.
    mixture : ndarray, shape (n_grid, 6)
        True class proportions over time (what raters judge), CLASSES order.
    render_share : ndarray, shape (n_grid, 6)
        Shares used to draw each pattern (as ``mixture``, except that the seizure column holds
        the seizure share before its on/off cycling, which the seizure schedule itself draws).
    background : Background
    amplitude : ndarray, shape (5,)
        Full amplitude (uV) of each pattern class 0-4.
    """

    start: float
    stop: float
    grid: np.ndarray
    mixture: np.ndarray
    render_share: np.ndarray
    background: Background
    amplitude: np.ndarray
    lpd: Discharges | None = None
    gpd: Discharges | None = None
    lrda: Rhythm | None = None
    grda: Rhythm | None = None
    seizures: Seizures | None = None
    notes: dict = field(default_factory=dict)

    # -----------------------------------------------------------------------------------------
    def window_mixture(self, center: float, half_width: float = 5.0) -> np.ndarray:
        """Mean true proportions over ``[center - half_width, center + half_width]`` s, (6,)."""
        sel = (self.grid >= center - half_width) & (self.grid <= center + half_width)
        if not sel.any():
            sel = np.abs(self.grid - center) == np.abs(self.grid - center).min()
        pi = self.mixture[sel].mean(axis=0)
        return pi / pi.sum()

    def _share(self, cls: int, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.grid, self.render_share[:, cls])

    def _discharge_amplitudes(self, cls: int, proc: Discharges) -> np.ndarray:
        """Drawn amplitude (uV at the field's peak) of each discharge of ``proc``."""
        return self.amplitude[cls] * proc.amplitudes * self._share(cls, proc.times) ** GAMMA

    def discharge_events(self, t0: float, t1: float) -> dict[int, DischargeEvents]:
        """The periodic discharges drawn in ``[t0, t1)`` s: the ground truth of a window.

        Reads the plan only (no random draw), so the rendered signals do not change. Keys are
        the classes present (LPD, GPD); an event's ``amplitude`` is its drawn amplitude in uV at
        the peak of its field (0 where the class's share is 0), ``times`` the instant of the
        main (negative) peak at the front electrodes of the left hemisphere; electrode ``e``
        sees event ``i`` ``lags_s[i, e]`` s later (GPD: front to back, and the right
        hemisphere ``hemisphere_lag_s`` after the left, the midline half-way).
        """
        out: dict[int, DischargeEvents] = {}
        for cls, proc in ((LPD, self.lpd), (GPD, self.gpd)):
            if proc is None:
                continue
            keep = (proc.times >= t0) & (proc.times < t1)
            # as sg.anterior_posterior_lags, unrounded (rendering rounds to whole samples)
            ap = (XY[:, 1].max() - XY[:, 1]) / np.ptp(XY[:, 1]) * proc.max_lag_s
            side = _SIDE_SHIFT[None, :] * proc.hemisphere_lag_s[keep, None]
            out[cls] = DischargeEvents(
                times=proc.times[keep],
                amplitude=self._discharge_amplitudes(cls, proc)[keep],
                field=proc.field,
                lags_s=ap[None, :] + side,
            )
        return out

    def background_gain(self, t: np.ndarray) -> np.ndarray:
        """Amplitude factor of the background at times ``t``: post-ictal suppression after
        seizures, and suppression between generalized periodic discharges (1 elsewhere)."""
        gain = np.ones(t.size)
        if self.seizures is not None:
            gain *= self.seizures.postictal_gain(t)
        if self.gpd is not None and self.gpd.suppression > 0:
            gain *= 1.0 - self.gpd.suppression * self._share(GPD, t) ** GAMMA
        return gain

    def render(self, t0: float, n_samples: int, fs: float, rng: np.random.Generator) -> np.ndarray:
        """The recording from ``t0`` for ``n_samples`` at ``fs`` Hz.

        Returns
        -------
        ndarray, shape (n_samples, 20), float32
            Referential EEG in microvolts, canonical channel order (EKG last).
        """
        bg = self.background
        n = int(n_samples)
        t = t0 + np.arange(n) / fs
        freqs = np.fft.rfftfreq(n, 1.0 / fs)
        src_psd = sg.background_psd(
            freqs,
            bg.level,
            bg.slope,
            bg.delta_level,
            bg.alpha_freq,
            bg.alpha_level,
            bg.beta_freq,
            bg.beta_level,
        )
        common_psd = (bg.common**2 / 4.5) * np.maximum(freqs, 0.4)[None, :] ** -1.5
        ekg_psd = sg.drift_psd(freqs, [3.0 * bg.drift.mean()]) + (0.02 * bg.ekg_std) ** 2 / (fs / 2)
        noise = sg.colored_noise(rng, np.vstack([src_psd, common_psd, ekg_psd]), n, fs)
        brain = _MIX.astype(np.float32) @ noise[:N_SCALP]
        brain *= self.background_gain(t).astype(np.float32)[None, :]
        scalp = brain + noise[N_SCALP][None, :]
        scalp += sg.slow_drift(rng, bg.drift, n, fs)
        if fs > 2 * 60.0:
            line = np.sin(2 * np.pi * 60.0 * t + rng.uniform(0, 2 * np.pi))
            scalp += (bg.line + bg.line_electrode)[:, None] * line[None, :]
        scalp += self._patterns(t, t0, n, fs)
        sg.add_blinks(scalp, rng, t0, fs, bg.blink_rate)
        sg.add_muscle(scalp, rng, t0, fs, bg.muscle_rate, bg.muscle_sustained)
        sg.add_pops(scalp, rng, t0, fs, bg.pop_rate, bg.bad_electrodes)
        sg.add_movement(scalp, rng, t0, fs, bg.movement_rate)
        if bg.interference is not None:
            scalp += bg.interference.render(t, fs).astype(np.float32)
        scalp *= bg.gain[:, None]
        beat, zero = sg.qrs_template(fs)
        beats = sg.renewal_times(rng, t0 - 1.0, t0 + n / fs + 1.0, bg.heart_rate / 60.0, 0.04)
        ekg_unit = sg.event_train(beats, np.ones(beats.size), beat, zero, t0, n, fs).astype(
            np.float32
        )
        scalp += bg.ekg_leak[:, None] * ekg_unit[None, :]
        r_amp = bg.ekg_std / np.sqrt(bg.heart_rate / 60.0 * np.sum(beat**2) / fs)
        ekg = r_amp * ekg_unit + noise[N_SCALP + 1]
        return np.vstack([scalp, ekg[None, :].astype(np.float32)]).T

    def _patterns(self, t: np.ndarray, t0: float, n: int, fs: float) -> np.ndarray:
        """Sum of the pattern processes, (19, n): one matrix product of fields by signals."""
        fields: list[np.ndarray] = []
        signals: list[np.ndarray] = []
        for cls, proc in ((LPD, self.lpd), (GPD, self.gpd)):
            if proc is None:
                continue
            amp = self._discharge_amplitudes(cls, proc)
            base, zero = sg.discharge_template(fs, proc.sharp_ms, proc.triphasic, proc.slow_ms)
            wide, _ = sg.discharge_template(
                fs, 1.6 * proc.sharp_ms, proc.triphasic, 1.3 * proc.slow_ms
            )
            poly, _ = sg.polyphasic_template(fs, proc.sharp_ms)
            basis = ((base, 1.0 - proc.widening), (wide, proc.widening), (poly, proc.polyphasic))
            lags = sg.anterior_posterior_lags(fs, proc.max_lag_s)
            max_lag = int(lags.max())
            # hemispheres: the right one sees each discharge hemisphere_lag_s after the left
            for shift in np.unique(_SIDE_SHIFT):
                on_side = _SIDE_SHIFT == shift
                if not (proc.field[on_side] > 0).any():
                    continue
                times = proc.times + shift * proc.hemisphere_lag_s
                train = sum(
                    sg.event_train(times, amp * w, tmpl, zero, t0, n, fs, max_lag)
                    for tmpl, w in basis
                )
                for lag in np.unique(lags[on_side]):  # electrodes sharing a delay share a copy
                    fields.append(np.where(on_side & (lags == lag), proc.field, 0.0))
                    signals.append(train[max_lag - lag : max_lag - lag + n])
        for cls, proc in ((LRDA, self.lrda), (GRDA, self.grda)):
            if proc is None:
                continue
            scale = self.amplitude[cls] * self._share(cls, t) ** GAMMA
            for shift in np.unique(_SIDE_SHIFT):  # the hemispheres drift in and out of phase
                fields.append(np.where(_SIDE_SHIFT == shift, proc.field, 0.0))
                signals.append(proc.wave(self.grid[0], t, shift) * scale)
        out = np.zeros((N_SCALP, n), dtype=np.float32)
        if fields:
            out += np.asarray(fields, dtype=np.float32).T @ np.asarray(signals, dtype=np.float32)
        if self.seizures is not None:
            out += self._seizure_signal(t, fs)
        return out

    def _seizure_signal(self, t: np.ndarray, fs: float) -> np.ndarray:
        sz = self.seizures
        out = np.zeros((N_SCALP, t.size))
        t_first, t_last = t[0], t[-1]
        for k in np.flatnonzero((sz.onset < t_last) & (sz.onset + sz.duration > t_first)):
            onset, dur = sz.onset[k], sz.duration[k]
            i0 = max(int(np.ceil((onset - t_first) * fs)), 0)
            i1 = min(int(np.floor((onset + dur - t_first) * fs)) + 1, t.size)
            if i1 <= i0:
                continue
            env = self.amplitude[SEIZURE] * sz.gain[k] * self._share(SEIZURE, t[i0:i1]) ** GAMMA
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


#: Where each electrode sits for the hemispheric timing of generalized discharges: the left
#: hemisphere at 0, the midline at 0.5, the right at 1 (times ``hemisphere_lag_s``).
_SIDE_SHIFT: np.ndarray = np.where(XY[:, 0] < -1e-9, 0.0, np.where(XY[:, 0] > 1e-9, 1.0, 0.5))
#: Onset and offset ramp of a generalized seizure (seconds): abrupt.
ABRUPT_S: float = 0.3


# ---------------------------------------------------------------------------------------------
# building a recording


def _background(
    rng: np.random.Generator, p: PatientTraits, is_other: bool, active: bool = False
) -> Background:
    """The background of one recording; ``is_other`` for an "Other" recording (lighter, more
    artefact), ``active`` for one whose pattern sits on an active background with faster
    activity (LPD, and the fast activity riding on rhythmic delta)."""
    amplitude = p.amplitude * np.exp(rng.normal(0.0, 0.1))
    if rng.random() < (0.2 if is_other else 0.08):  # a low-voltage record
        amplitude *= rng.uniform(0.25, 0.5)
    level = BACKGROUND_LEVEL * amplitude**2 * np.exp(rng.normal(0.0, 0.15, N_SCALP))
    slowing = float(np.clip(p.slowing + rng.normal(0.0, 0.1), 0.0, 1.0))
    lighter = is_other and rng.random() < 0.6  # a less encephalopathic day
    if lighter:
        slowing *= 0.4
    delta = DELTA_GAIN * slowing * BACKGROUND_LEVEL * amplitude**2 * np.ones(N_SCALP)
    if p.focal_slowing > 0:
        delta *= 1.0 + p.focal_slowing * gaussian_field(p.focus, 0.5)
    alpha_strength = p.alpha_strength * (1.5 if is_other else 1.0)
    alpha_field = gaussian_field((0.0, -0.85), 0.45)
    alpha = 1.5 * alpha_strength * BACKGROUND_LEVEL * amplitude**2 * alpha_field
    # beta (drugs, a lighter record): broad 13-25 Hz, frontal-central, up to ~the 1/f level
    beta_strength = rng.uniform(0.0, 0.6) * (2.5 if lighter or active else 1.0)
    beta_strength *= rng.random() < (0.8 if active else 0.5)
    beta = beta_strength * BACKGROUND_LEVEL * amplitude**2 * gaussian_field((0.0, 0.3), 0.8) / 20
    alert = float(np.clip(p.alertness + (0.25 if is_other else 0.0) + rng.normal(0, 0.1), 0, 1))
    leak_center = (rng.uniform(-0.9, 0.9), rng.uniform(-0.8, -0.2))
    leak = p.ekg_leak * rng.choice([-1.0, 1.0]) * gaussian_field(leak_center, 0.6)
    # artefact-rich recordings: an ICU "Other" is often dominated by artefact on a few channels
    messy = rng.random() < (0.45 if is_other else 0.12)
    n_bad = int(rng.integers(1, 3)) if messy and rng.random() < 0.5 else 0
    return Background(
        level=level,
        slope=float(np.clip(p.slope + rng.normal(0.0, 0.05), 0.9, 1.9)),
        delta_level=delta,
        alpha_freq=float(np.clip(p.alpha_freq + rng.normal(0.0, 0.3), 7.0, 12.0)),
        alpha_level=alpha,
        beta_freq=float(rng.uniform(14.0, 24.0)),
        beta_level=beta,
        drift=p.drift * np.exp(rng.normal(0.0, 0.6, N_SCALP)),
        common=float(rng.uniform(5.0, 30.0)),
        line=float(rng.uniform(0.0, 20.0)),
        line_electrode=p.line_noise * rng.uniform(0.0, 1.0, N_SCALP),
        gain=np.exp(rng.normal(0.0, 0.08, N_SCALP)),
        ekg_std=float(p.ekg_std * np.exp(rng.normal(0.0, 0.1))),
        heart_rate=float(np.clip(p.heart_rate + rng.normal(0.0, 5.0), 50.0, 120.0)),
        ekg_leak=leak,
        blink_rate=float(alert * rng.uniform(0.05, 0.35)),
        muscle_rate=float(alert * rng.uniform(0.01, 0.12) + 0.003 + messy * rng.uniform(0, 0.05)),
        muscle_sustained=float(rng.uniform(0.3, 0.9) if messy else rng.uniform(0.0, 0.15)),
        pop_rate=float(
            rng.uniform(0.0, 0.01) * (2.0 if is_other else 1.0) + n_bad * rng.uniform(0.02, 0.15)
        ),
        bad_electrodes=rng.choice(N_SCALP, size=n_bad, replace=False),
        movement_rate=float(rng.uniform(0.0, 0.004) + messy * rng.uniform(0.0, 0.04)),
        interference=sg.draw_interference(rng) if rng.random() < (0.2 if messy else 0.04) else None,
    )


def _lateral_focus(rng: np.random.Generator, p: PatientTraits) -> tuple[float, float]:
    """The patient's focus (usually) or another spot on the same side."""
    if rng.random() < 0.7:
        base = p.focus
    else:
        names = list(FOCI)
        base = mirror(FOCI[names[rng.integers(len(names))]], p.side)
    jitter = rng.normal(0.0, 0.06, 2)
    return (base[0] + jitter[0], base[1] + jitter[1])


def lateral_field(rng: np.random.Generator, p: PatientTraits, width: float) -> np.ndarray:
    """A lateralized field (19,), peak 1: a Gaussian over the patient's side plus a weaker
    copy (0.2-0.4) mirrored over the other hemisphere, as real lateralized patterns spread."""
    focus = _lateral_focus(rng, p)
    fld = gaussian_field(focus, width)
    fld = fld + rng.uniform(0.2, 0.4) * gaussian_field((-focus[0], focus[1]), width)
    return fld / fld.max()


def generalized_field(rng: np.random.Generator, frontal: float = 0.5) -> np.ndarray:
    """A bilateral, symmetric field (19,), peak 1: a broad maximum plus a front-to-back gradient.

    ``w = 0.5 g + 0.5 (a + (1 - a) ((y + 1) / 2)^p)``, ``g`` a Gaussian of width 0.5-0.75
    centred on the midline at y = 0.1-0.7, ``a`` ~ U(0.1, 0.4), ``p`` ~ U(1, 2); with
    probability ``frontal`` the maximum sits frontally (y >= 0.45). The gradient is what a
    bipolar chain running front to back sees of a generalized pattern.
    """
    y_center = rng.uniform(0.45, 0.8) if rng.random() < frontal else rng.uniform(0.1, 0.45)
    bump = gaussian_field((0.0, y_center), rng.uniform(0.5, 0.75))
    a = rng.uniform(0.1, 0.4)
    gradient = a + (1.0 - a) * ((XY[:, 1] + 1.0) / 2.0) ** rng.uniform(1.0, 2.0)
    fld = 0.5 * bump + 0.5 * gradient
    return fld / fld.max()


def uneven(
    rng: np.random.Generator, fld: np.ndarray, asymmetry: float, spread: float
) -> np.ndarray:
    """``fld`` with one hemisphere ``1 +/- asymmetry`` stronger and per-electrode log-normal
    unevenness (SD ``spread``), peak 1: real generalized fields are neither symmetric nor
    smooth."""
    side = np.sign(XY[:, 0])
    out = fld * (1.0 + asymmetry * side) * np.exp(rng.normal(0.0, spread, fld.size))
    return out / out.max()


def multifocal_field(rng: np.random.Generator) -> np.ndarray:
    """A steep bilateral field (19,), peak 1, of a generalized seizure: 3-6 foci (0.25-0.45
    head radii wide) spread over both hemispheres, per-electrode unevenness. A broad smooth
    field cancels in the double banana; real generalized discharges do not."""
    k = int(rng.integers(3, 7))
    xs = rng.uniform(-0.9, 0.9, k)
    xs[0], xs[1] = -abs(xs[0]), abs(xs[1])  # both hemispheres from onset
    centres = np.column_stack([xs, rng.uniform(-0.9, 0.9, k)])
    fld = sum(
        w * gaussian_field(c, r)
        for c, r, w in zip(centres, rng.uniform(0.25, 0.45, k), rng.uniform(0.5, 1.0, k))
    )
    fld = fld + rng.uniform(0.0, 0.3)  # a shared component (cancels in bipolar pairs)
    return uneven(rng, fld / fld.max(), rng.uniform(-0.15, 0.15), 0.25)


def _discharges(
    rng: np.random.Generator, lateral: bool, p: PatientTraits, start: float, stop: float
) -> Discharges:
    if lateral:
        fld = lateral_field(rng, p, rng.uniform(0.35, 0.55))
        rate = rng.uniform(0.35, 1.8)
        lag = rng.uniform(0.0, 0.02)
        triphasic = rng.uniform(0.0, 0.7)
        hemi = 0.0
    else:
        fld = uneven(rng, generalized_field(rng), rng.uniform(-0.04, 0.04), 0.07)
        rate = rng.uniform(0.5, 2.0)
        lag = rng.uniform(0.0, 0.08)
        triphasic = rng.uniform(0.3, 1.0)
        hemi = 0.05 * rng.choice([-1.0, 1.0])
    jitter = rng.uniform(0.04, 0.15)
    times = sg.renewal_times(rng, start - 1.0, stop + 1.0, rate, jitter)
    n = times.size
    amps = np.exp(rng.normal(0.0, 0.25, n))
    poly = rng.uniform(0.0, 0.9)
    return Discharges(
        times=times,
        amplitudes=amps,
        sharp_ms=float(rng.uniform(70.0, 180.0) if lateral else rng.uniform(100.0, 250.0)),
        triphasic=float(triphasic),
        slow_ms=float(rng.uniform(150.0, 350.0) if lateral else rng.uniform(200.0, 400.0)),
        field=fld,
        max_lag_s=float(lag),
        rate=float(rate),
        widening=rng.uniform(0.0, 1.0, n) * rng.uniform(0.3, 1.0),
        polyphasic=poly * rng.uniform(0.0, 1.0, n),
        # 10-50 ms between the hemispheres, the leading side switching now and then
        hemisphere_lag_s=hemi * rng.uniform(0.2, 1.0, n) * np.where(rng.random(n) < 0.2, -1, 1),
        suppression=0.0 if lateral or rng.random() < 0.6 else float(rng.uniform(0.3, 0.7)),
    )


def _rhythm(rng: np.random.Generator, lateral: bool, p: PatientTraits, n_grid: int) -> Rhythm:
    if lateral:
        fld = lateral_field(rng, p, rng.uniform(0.4, 0.6))
    else:
        fld = uneven(rng, generalized_field(rng, frontal=0.8), rng.uniform(-0.03, 0.03), 0.03)
    f0 = rng.uniform(0.8, 3.0)
    walk = np.cumsum(rng.normal(0.0, 0.02, n_grid))
    walk -= walk.mean()
    freq = f0 * np.exp(np.clip(walk, -0.15, 0.15))
    return Rhythm(
        freq=freq,
        harmonics=np.array([rng.uniform(0.15, 0.6), rng.uniform(0.0, 0.35)]),
        harmonic_phase=rng.normal(0.0, 0.8, 2) + np.pi * (rng.random(2) < 0.25),
        harmonic_drift=sg.draw_modulation(rng, (0.02, 0.2), rms=0.5),
        jitter=sg.draw_modulation(rng, (0.2, 1.0), rate_rms=rng.uniform(0.05, 0.15) * f0),
        envelope=sg.draw_modulation(rng, (0.05, 0.4), rms=rng.uniform(0.2, 0.45)),
        field=fld,
        side_jitter=sg.draw_modulation(rng, (0.05, 0.5), rms=rng.uniform(0.3, 1.2)),
    )


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
    and moves towards the midline. Both with 5-15% cycle-to-cycle jitter.
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
    focus = np.array([_lateral_focus(rng, p) for _ in range(n)]).reshape(n, 2)
    fields = np.array([multifocal_field(rng) for _ in range(n)]).reshape(n, N_SCALP)
    lags = rng.uniform(0.0, 0.015, (n, N_SCALP))
    return Seizures(
        onset=onsets,
        duration=durations,
        f_start=np.where(gen, g_start, f_start),
        f_end=np.where(gen, g_end, f_end),
        spikiness=np.where(gen, rng.uniform(0.2, 0.95, n), rng.uniform(0.1, 0.9, n)),
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
    )


def _seizure_schedule(
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


def pattern_amplitudes(
    rng: np.random.Generator, patient: PatientTraits, spread: float = 0.35
) -> np.ndarray:
    """Full amplitude (uV) of each pattern class 0-4 in one recording:
    ``PATTERN_AMPLITUDE * amplitude^PATTERN_AMPLITUDE_EXPONENT * pattern_gain * exp(N(0, spread))``.
    """
    scale = patient.amplitude**PATTERN_AMPLITUDE_EXPONENT * patient.pattern_gain
    return np.array(
        [
            PATTERN_AMPLITUDE[c] * scale * np.exp(rng.normal(0.0, spread))
            for c in range(len(CLASSES) - 1)
        ]
    )


def build_recording(
    rng: np.random.Generator,
    patient: PatientTraits,
    state: ClassState,
    start: float,
    stop: float,
    first_center: float,
    last_center: float,
) -> Recording:
    """Plan one recording of ``patient`` in ``state`` over ``[start, stop)`` seconds.

    Parameters
    ----------
    rng : numpy Generator
    patient : PatientTraits
    state : ClassState
        Class mixture; its drift runs from the first to the last labelled window centre.
    start, stop : float
        Recorded span (seconds of the spectrogram file).
    first_center, last_center : float
        Centres of the first and last label windows (same time axis).
    """
    grid = np.arange(np.floor(start) - 2.0, np.ceil(stop) + 3.0)
    span = max(last_center - first_center, 1e-9)
    mixture = state.mixture((grid - first_center) / span)
    render_share = mixture.copy()
    seizures = None
    if mixture[:, SEIZURE].max() > 0:
        seizures = _seizure_schedule(rng, patient, grid[0], grid[-1])
        on = np.zeros(grid.size, dtype=bool)
        for onset, dur in zip(seizures.onset, seizures.duration, strict=True):
            on |= (grid >= onset) & (grid < onset + dur)
        moved = mixture[:, SEIZURE] * ~on
        target = state.secondary if state.secondary in (LPD, GPD) else OTHER
        mixture[:, target] += moved
        mixture[:, SEIZURE] -= moved
    present = np.maximum(render_share, mixture).max(axis=0) > 0
    background = _background(
        rng, patient, state.primary == OTHER, active=state.primary in (LPD, LRDA, GRDA)
    )
    amplitude = pattern_amplitudes(rng, patient)
    return Recording(
        start=start,
        stop=stop,
        grid=grid,
        mixture=mixture,
        render_share=render_share if seizures is None else _seizure_render(render_share, mixture),
        background=background,
        amplitude=amplitude,
        lpd=_discharges(rng, True, patient, grid[0], grid[-1]) if present[LPD] else None,
        gpd=_discharges(rng, False, patient, grid[0], grid[-1]) if present[GPD] else None,
        lrda=_rhythm(rng, True, patient, grid.size) if present[LRDA] else None,
        grda=_rhythm(rng, False, patient, grid.size) if present[GRDA] else None,
        seizures=seizures,
        notes={"state": state.label},
    )


def _seizure_render(pre: np.ndarray, mixture: np.ndarray) -> np.ndarray:
    """Render shares: the post-cycling mixture, with the seizure column before cycling."""
    out = mixture.copy()
    out[:, SEIZURE] = pre[:, SEIZURE]
    return out
