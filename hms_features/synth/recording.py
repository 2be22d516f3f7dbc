"""One continuous synthetic recording of a patient, renderable at any sampling rate.

:func:`build_recording` plans a recording of a patient (:mod:`~hms_features.synth.patient`)
in a class state (:mod:`~hms_features.synth.states`): its background, its pattern processes
(:mod:`~hms_features.synth.patterns`) and its seizures (:mod:`~hms_features.synth.seizures`).
:meth:`Recording.render` draws any stretch of it at any rate: background noise mixed to the
scalp, drift, line noise, patterns, artifacts and EKG, in microvolts, referential.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import hms_features.synth.signals as sg
from hms_features.synth.patient import Background, PatientTraits, draw_background
from hms_features.synth.patterns import (
    GAMMA,
    DischargeEvents,
    Discharges,
    Rhythm,
    draw_discharges,
    draw_rhythm,
    pattern_amplitudes,
)
from hms_features.synth.scalp import N_SCALP, XY, mixing_matrix
from hms_features.synth.seizures import SEIZURE_GAMMA, Seizures, seizure_schedule
from hms_features.synth.states import GPD, GRDA, LPD, LRDA, OTHER, SEIZURE, ClassState

_MIX = mixing_matrix(0.35)
#: Where each electrode sits for the hemispheric timing of generalized discharges: the left
#: hemisphere at 0, the midline at 0.5, the right at 1 (times ``hemisphere_lag_s``).
_SIDE_SHIFT: np.ndarray = np.where(XY[:, 0] < -1e-9, 0.0, np.where(XY[:, 0] > 1e-9, 1.0, 0.5))


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

    def seizure_strength(self, t: np.ndarray) -> np.ndarray:
        """The seizure amplitude at times ``t`` (uV at the field's peak, before each seizure's
        own gain): ``amplitude[SEIZURE] * share**SEIZURE_GAMMA``."""
        return self.amplitude[SEIZURE] * self._share(SEIZURE, t) ** SEIZURE_GAMMA

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
            out += self.seizures.render(t, fs, self.seizure_strength)
        return out


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
        seizures = seizure_schedule(rng, patient, grid[0], grid[-1])
        on = np.zeros(grid.size, dtype=bool)
        for onset, dur in zip(seizures.onset, seizures.duration, strict=True):
            on |= (grid >= onset) & (grid < onset + dur)
        moved = mixture[:, SEIZURE] * ~on
        target = state.secondary if state.secondary in (LPD, GPD) else OTHER
        mixture[:, target] += moved
        mixture[:, SEIZURE] -= moved
    present = np.maximum(render_share, mixture).max(axis=0) > 0
    background = draw_background(
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
        lpd=draw_discharges(rng, True, patient, grid[0], grid[-1]) if present[LPD] else None,
        gpd=draw_discharges(rng, False, patient, grid[0], grid[-1]) if present[GPD] else None,
        lrda=draw_rhythm(rng, True, patient, grid.size) if present[LRDA] else None,
        grda=draw_rhythm(rng, False, patient, grid.size) if present[GRDA] else None,
        seizures=seizures,
        notes={"state": state.label},
    )


def _seizure_render(pre: np.ndarray, mixture: np.ndarray) -> np.ndarray:
    """Render shares: the post-cycling mixture, with the seizure column before cycling."""
    out = mixture.copy()
    out[:, SEIZURE] = pre[:, SEIZURE]
    return out
