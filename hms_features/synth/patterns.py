"""The pattern processes of a recording: periodic discharges, rhythmic delta, and their fields.

Patterns are drawn with amplitude ``A_c * pi_c(t)^GAMMA`` from the class mixture ``pi(t)``;
``A_c`` grows with the patient's amplitude and has its own patient and recording gains
(:func:`pattern_amplitudes`). Periodic discharges (:class:`Discharges`) are broad, often
polyphasic or triphasic complexes whose shape and width vary from one to the next; LPD over one
hemisphere with a weaker reflection on the other, GPD bilateral with 10-50 ms of timing jitter
between the hemispheres, some asymmetry, uneven fields and optional suppression of the
background between discharges. Rhythmic delta (:class:`Rhythm`) has sharply contoured, notched
or sawtooth cycles from harmonics of drifting phase, 5-15% cycle-to-cycle jitter, waxing and
waning over seconds; LRDA lateralized with a weaker copy over the other hemisphere, GRDA
bilateral and frontally predominant. Seizures are in :mod:`hms_features.synth.seizures`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import hms_features.synth.signals as sg
from hms_features.constants import CLASSES
from hms_features.synth.patient import PatientTraits
from hms_features.synth.scalp import FOCI, XY, gaussian_field, mirror
from hms_features.synth.signals import Modulation
from hms_features.synth.states import GPD, GRDA, LPD, LRDA, SEIZURE

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


def lateral_focus(rng: np.random.Generator, p: PatientTraits) -> tuple[float, float]:
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
    focus = lateral_focus(rng, p)
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


def draw_discharges(
    rng: np.random.Generator, lateral: bool, p: PatientTraits, start: float, stop: float
) -> Discharges:
    """The periodic discharges of one recording over ``[start, stop)`` s: LPD (``lateral``,
    0.35-1.8 Hz over the patient's side) or GPD (0.5-2 Hz, bilateral, uneven field, hemispheric
    timing jitter, optional suppression between discharges)."""
    if lateral:
        fld = lateral_field(rng, p, rng.uniform(0.35, 0.55))
        rate = rng.uniform(0.35, 1.8)
        lag = rng.uniform(0.0, 0.02)
        triphasic = rng.uniform(0.0, 0.7)
        hemi = 0.0
    else:
        fld = uneven(rng, generalized_field(rng), rng.uniform(-0.2, 0.2), 0.15)
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
        sharp_ms=float(rng.uniform(70.0, 180.0) if lateral else rng.uniform(130.0, 300.0)),
        triphasic=float(triphasic),
        slow_ms=float(rng.uniform(150.0, 350.0) if lateral else rng.uniform(200.0, 400.0)),
        field=fld,
        max_lag_s=float(lag),
        rate=float(rate),
        widening=rng.uniform(0.0, 1.0, n) * rng.uniform(0.3, 1.0),
        polyphasic=poly * rng.uniform(0.0, 1.0, n),
        # 10-50 ms between the hemispheres, the leading side switching now and then
        hemisphere_lag_s=hemi * rng.uniform(0.2, 1.0, n) * np.where(rng.random(n) < 0.2, -1, 1),
        suppression=0.0 if lateral or rng.random() < 0.75 else float(rng.uniform(0.3, 0.7)),
    )


def draw_rhythm(rng: np.random.Generator, lateral: bool, p: PatientTraits, n_grid: int) -> Rhythm:
    """The rhythmic delta of one recording on its ``n_grid``-point 1-s grid: LRDA
    (``lateral``) or GRDA (frontally predominant), 0.8-3 Hz with a slow random walk (+/-15%)."""
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
        side_jitter=sg.draw_modulation(
            rng, (0.05, 0.5), rms=rng.uniform(0.1, 0.8) if lateral else rng.uniform(0.3, 1.2)
        ),
    )


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
