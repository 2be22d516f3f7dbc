"""A synthetic patient and the background of one of their recordings.

What stays the same across a patient's recordings (:class:`PatientTraits`: amplitude, spectral
slope, degree of slowing, alpha rhythm, EKG, alertness, side and focus of lateralized activity)
and what each recording draws around it (:class:`Background`, :func:`draw_background`). All
amplitudes in microvolts, referential, before the bipolar montage:

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import hms_features.synth.signals as sg
from hms_features.synth.scalp import FOCI, N_SCALP, gaussian_field, mirror
from hms_features.synth.signals import Interference

#: Peak of the slowing (delta) bump relative to BACKGROUND_LEVEL, at slowing = 1.
DELTA_GAIN: float = 15.0
#: Reference level of the 1/f background (uV^2/Hz at 1 Hz), before the patient's scale.
BACKGROUND_LEVEL: float = 10.0


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


def draw_background(
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
    alpha = 2.5 * alpha_strength * BACKGROUND_LEVEL * amplitude**2 * alpha_field
    # beta (drugs, a lighter record): broad 13-25 Hz, frontal-central, up to ~the 1/f level
    beta_strength = rng.uniform(0.0, 1.5) * (2.5 if lighter or active else 1.0)
    beta_strength *= rng.random() < (0.8 if active else 0.6)
    if rng.random() < 0.15:  # sedated (benzodiazepines, propofol): prominent beta
        beta_strength *= rng.uniform(2.0, 5.0)
    beta = beta_strength * BACKGROUND_LEVEL * amplitude**2 * gaussian_field((0.0, 0.3), 0.8) / 20
    alert = float(np.clip(p.alertness + (0.25 if is_other else 0.0) + rng.normal(0, 0.1), 0, 1))
    leak_center = (rng.uniform(-0.9, 0.9), rng.uniform(-0.8, -0.2))
    leak = p.ekg_leak * rng.choice([-1.0, 1.0]) * gaussian_field(leak_center, 0.6)
    # artefact-rich recordings: an ICU "Other" is often dominated by artefact on a few channels
    messy = rng.random() < (0.45 if is_other else 0.25)
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
