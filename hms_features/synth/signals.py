"""Building blocks of a synthetic EEG: background, EKG, artifacts and the five IIIC patterns.

Every function returns signals in microvolts and takes the sampling rate ``fs`` (Hz) and the
start time ``t0`` (seconds of the recording), so one recording can be rendered at 200 Hz where
an EEG file is written and more cheaply (e.g. 50 Hz) elsewhere for its spectrogram. Nothing
above the Nyquist frequency of ``fs`` is generated, so a low-rate rendering is the same process
band-limited, not an aliased copy. Randomness comes only from the ``rng`` argument.

Shapes: electrode signals are (19, n_samples) in :data:`~hms_features.constants.SCALP_CHANNELS`
order; the EKG is (n_samples,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hms_features.synth.scalp import INDEX, N_SCALP, XY, gaussian_field

#: Centre (Hz) and log-width of the polymorphic delta of encephalopathy, and the amplifier's
#: anti-alias corner (Hz).
DELTA_PEAK_HZ: float = 0.6
DELTA_LOG_WIDTH: float = 0.5
ANTI_ALIAS_HZ: float = 95.0

# ---------------------------------------------------------------------------------------------
# stationary coloured noise


def colored_noise(
    rng: np.random.Generator, psd: np.ndarray, n_samples: int, fs: float
) -> np.ndarray:
    """Gaussian noise with a prescribed one-sided power spectral density.

    Parameters
    ----------
    rng : numpy Generator
    psd : ndarray, shape (n_channels, n_samples // 2 + 1)
        One-sided PSD in uV^2/Hz at the frequencies ``numpy.fft.rfftfreq(n_samples, 1/fs)``;
        the variance of each output channel is ``sum(psd) * fs / n_samples``.
    n_samples : int
    fs : float
        Sampling rate in Hz.

    Returns
    -------
    ndarray, shape (n_channels, n_samples), float32
        Independent channels (circular, i.e. periodic over ``n_samples``), microvolts.
    """
    scale = np.sqrt(psd * (fs * n_samples / 4.0)).astype(np.float32)
    # complex Gaussian spectrum, float32 for speed (the files are float32 anyway)
    spec = rng.standard_normal(psd.shape + (2,), dtype=np.float32).view(np.complex64)[..., 0]
    spec *= scale
    spec[:, 0] = 0.0  # no DC offset
    return np.fft.irfft(spec, n=n_samples, axis=-1)


def background_psd(
    freqs: np.ndarray,
    level: np.ndarray,
    slope: float,
    delta_level: np.ndarray,
    alpha_freq: float,
    alpha_level: np.ndarray,
    beta_freq: float = 18.0,
    beta_level: np.ndarray | float = 0.0,
) -> np.ndarray:
    """PSD of the cortical background sources (uV^2/Hz), one row per source.

    ``S_j(f) = level_j * (1 Hz / max(f, 0.4))^slope * L(f)
    + delta_j * exp(-ln(f / 0.6 Hz)^2 / (2 * 0.5^2))
    + alpha_j * exp(-(f - f_alpha)^2 / (2 * (0.6 Hz)^2))
    + beta_j * exp(-(f - f_beta)^2 / (2 * (3 Hz)^2))``

    a 1/f^slope ("pink") spectrum, a polymorphic-delta bump around 0.6 Hz (slowing of the
    critically ill), a narrow alpha peak and a broad beta bump (sedative drugs, a less
    encephalopathic record); ``L(f) = 1 / (1 + (f / 95 Hz)^8)`` is the amplifier's anti-alias
    roll-off.
    """
    f = np.maximum(freqs, 0.4)
    pink = f ** (-slope) / (1.0 + (freqs / ANTI_ALIAS_HZ) ** 8)
    bump = np.exp(
        -(np.log(np.maximum(freqs, 1e-3) / DELTA_PEAK_HZ) ** 2) / (2 * DELTA_LOG_WIDTH**2)
    )
    alpha = np.exp(-((freqs - alpha_freq) ** 2) / (2 * 0.6**2))
    beta = np.exp(-((freqs - beta_freq) ** 2) / (2 * 3.0**2))
    beta_level = np.broadcast_to(np.asarray(beta_level, dtype=float), level.shape)
    return (
        level[:, None] * pink
        + delta_level[:, None] * bump
        + alpha_level[:, None] * alpha
        + beta_level[:, None] * beta
    )


def drift_psd(freqs: np.ndarray, drift_uv: np.ndarray) -> np.ndarray:
    """PSD (uV^2/Hz, shape (n, n_freqs)) of slow electrode drift (skin potentials, sweat).

    ``~ 1 / f^2`` between 0.01 and 0.3 Hz, falling fast above, with total variance
    ~``drift_uv^2`` (one value per electrode, shape (n,)).
    """
    f = np.maximum(freqs, 0.01)
    shape = (0.05 / f) ** 2 / (1.0 + (f / 0.3) ** 4) / 0.4  # integrates to ~1 over 0.01-inf Hz
    return np.asarray(drift_uv, dtype=float)[:, None] ** 2 * shape[None, :]


def slow_drift(
    rng: np.random.Generator, drift_uv: np.ndarray, n_samples: int, fs: float, rate: float = 2.0
) -> np.ndarray:
    """Independent slow drifts (shape (len(drift_uv), n_samples)), cheaply.

    Drawn at ~``rate`` Hz (drift has no power above ~0.5 Hz; the exact rate is ``fs`` divided
    by a whole number) and linearly interpolated to ``fs``; RMS ~``drift_uv``.
    """
    step = int(round(fs / rate))  # output samples per coarse sample
    m = -(-n_samples // step) + 2
    coarse = colored_noise(rng, drift_psd(np.fft.rfftfreq(m, step / fs), drift_uv), m, fs / step)
    frac = (np.arange(step, dtype=np.float32) / step)[None, None, :]
    fine = coarse[:, :-1, None] * (1.0 - frac) + coarse[:, 1:, None] * frac  # (n, m - 1, step)
    return fine.reshape(coarse.shape[0], -1)[:, :n_samples]


# ---------------------------------------------------------------------------------------------
# event trains (EKG beats, discharges, blinks)


def event_train(
    times: np.ndarray,
    amplitudes: np.ndarray,
    template: np.ndarray,
    zero: int,
    t0: float,
    n_samples: int,
    fs: float,
    max_lag: int = 0,
) -> np.ndarray:
    """Sum of copies of a template placed at event times.

    Parameters
    ----------
    times : ndarray, shape (n_events,)
        Event times in seconds of the recording.
    amplitudes : ndarray, shape (n_events,)
        Scale of each copy.
    template : ndarray, shape (n_template,)
        Waveform sampled at ``fs``; sample ``zero`` is the event instant.
    t0, n_samples, fs
        The segment to render: samples at ``t0 + i / fs``.
    max_lag : int
        Extra samples rendered before ``t0`` so that delayed copies can be cut from the result:
        the copy delayed by ``lag`` samples is ``out[max_lag - lag : max_lag - lag + n_samples]``.

    Returns
    -------
    ndarray, shape (n_samples + max_lag,)
        Sample ``i`` is at time ``t0 + (i - max_lag) / fs``.
    """
    pad = template.size + max_lag
    idx = np.round((np.asarray(times) - t0) * fs).astype(np.int64) + pad
    keep = (idx >= 0) & (idx < n_samples + 2 * pad)
    impulses = np.zeros(n_samples + 2 * pad)
    np.add.at(impulses, idx[keep], np.asarray(amplitudes)[keep])
    # conv[m] = sum_j impulses[m - j] * template[j]; event at k -> template[zero] lands at k
    full = np.convolve(impulses, template)[zero:]
    return full[pad - max_lag : pad + n_samples]


def renewal_times(
    rng: np.random.Generator, start: float, stop: float, rate: float, jitter: float
) -> np.ndarray:
    """Quasi-periodic event times in ``[start, stop)``: intervals ``exp(N(0, jitter)) / rate``."""
    n = int((stop - start) * rate * 1.6) + 8
    intervals = np.exp(jitter * rng.standard_normal(n)) / rate
    times = start + rng.uniform(0, 1.0 / rate) + np.concatenate([[0.0], np.cumsum(intervals)])
    return times[times < stop]


def poisson_times(rng: np.random.Generator, start: float, stop: float, rate: float) -> np.ndarray:
    """Event times of a Poisson process of ``rate`` (per second) in ``[start, stop)``."""
    n = rng.poisson(max(rate, 0.0) * max(stop - start, 0.0))
    return np.sort(rng.uniform(start, stop, n))


def gaussian_pulse(
    fs: float, center_s: float, width_s: float, span_s: tuple[float, float]
) -> np.ndarray:
    """``exp(-(t - center)^2 / (2 width^2))`` sampled at ``fs`` on ``t in [span_s)``."""
    t = np.arange(int(round(span_s[0] * fs)), int(round(span_s[1] * fs))) / fs
    return np.exp(-((t - center_s) ** 2) / (2 * width_s**2))


def qrs_template(fs: float) -> tuple[np.ndarray, int]:
    """One heart beat (P, QRS, T) with R peak 1 at sample ``zero``; spans -0.3..+0.5 s."""
    span = (-0.3, 0.5)
    beat = (
        0.10 * gaussian_pulse(fs, -0.16, 0.025, span)
        - 0.12 * gaussian_pulse(fs, -0.025, 0.008, span)
        + 1.00 * gaussian_pulse(fs, 0.0, 0.010, span)
        - 0.25 * gaussian_pulse(fs, 0.028, 0.010, span)
        + 0.30 * gaussian_pulse(fs, 0.25, 0.050, span)
    )
    return beat, int(round(0.3 * fs))


def discharge_template(
    fs: float, sharp_ms: float, triphasic: float, slow_ms: float
) -> tuple[np.ndarray, int]:
    """A periodic discharge: sharp wave with an optional triphasic shape and after-going slow wave.

    Phases (relative amplitude): a small positive deflection ``0.35 * triphasic`` 1.5 widths
    before the peak, the main negative sharp wave (-1, Gaussian of SD ``sharp_ms / 4``, i.e.
    ``sharp_ms`` wide), and a positive slow wave (``0.3 + 0.4 * triphasic``, SD ``slow_ms / 4``)
    after it. Sign convention: the dominant phase is negative, scaled to peak |1|.

    Returns
    -------
    template : ndarray
        Sampled at ``fs``, spanning -0.3..+0.6 s.
    zero : int
        Sample of the main peak.
    """
    span = (-0.3, 0.6)
    s = sharp_ms / 4000.0
    w = slow_ms / 4000.0
    wave = (
        0.35 * triphasic * gaussian_pulse(fs, -1.6 * s - 0.01, 0.7 * s + 0.004, span)
        - gaussian_pulse(fs, 0.0, s, span)
        + (0.3 + 0.4 * triphasic) * gaussian_pulse(fs, 1.2 * s + 1.3 * w, w, span)
    )
    return wave / np.abs(wave).max(), int(round(0.3 * fs))


def polyphasic_template(fs: float, sharp_ms: float) -> tuple[np.ndarray, int]:
    """The extra phases that make a discharge polyphasic: a positive then a negative deflection
    after the main peak (at 0.6 and 1.3 sharp widths, relative sizes 0.6 and 0.5), added to
    :func:`discharge_template` with a per-discharge weight. Same span and ``zero`` as it."""
    span = (-0.3, 0.6)
    s = sharp_ms / 4000.0
    wave = 0.6 * gaussian_pulse(fs, 2.4 * s, 0.8 * s, span) - 0.5 * gaussian_pulse(
        fs, 5.2 * s, 1.0 * s, span
    )
    return wave, int(round(0.3 * fs))


def blink_template(fs: float, width_s: float) -> tuple[np.ndarray, int]:
    """An eye blink at the frontal poles: a positive monophasic wave (SD ``width_s``)."""
    return gaussian_pulse(fs, 0.0, width_s, (-0.6, 0.6)), int(round(0.6 * fs))


# ---------------------------------------------------------------------------------------------
# rhythms


def integrate_phase(grid_t0: float, freq_grid: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Phase (radians) at times ``t`` of a rhythm whose frequency is given on a 1-s grid.

    ``phi(t) = 2 pi * integral_{grid_t0}^{t} f(u) du`` with ``f`` piecewise linear between the
    grid points ``grid_t0 + k`` (k = 0, 1, ...); exact for any segment, so renderings of
    neighbouring segments join continuously.
    """
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (freq_grid[1:] + freq_grid[:-1]))])
    u = np.clip(t - grid_t0, 0.0, freq_grid.size - 1.0)
    k = np.minimum(u.astype(np.int64), freq_grid.size - 2)
    frac = u - k
    f0 = freq_grid[k]
    f1 = freq_grid[k + 1]
    return 2.0 * np.pi * (cum[k] + f0 * frac + 0.5 * (f1 - f0) * frac**2)


@dataclass(frozen=True)
class Modulation:
    """A smooth random function of time in closed form: ``sum_k a_k sin(2 pi nu_k t + theta_k)``.

    Closed form, so any segment of a recording renders the same values at any sampling rate
    (no state carried between segments). Drawn by :func:`draw_modulation`.
    """

    freqs: np.ndarray
    amps: np.ndarray
    phases: np.ndarray

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Values at times ``t`` (seconds), same shape as ``t``."""
        t = np.asarray(t, dtype=float)
        arg = 2 * np.pi * self.freqs[:, None] * t.reshape(1, -1) + self.phases[:, None]
        return (self.amps[:, None] * np.sin(arg)).sum(axis=0).reshape(t.shape)

    def rate(self, t: np.ndarray) -> np.ndarray:
        """Derivative divided by 2 pi at ``t``: the frequency change (Hz) this phase term adds."""
        t = np.asarray(t, dtype=float)
        arg = 2 * np.pi * self.freqs[:, None] * t.reshape(1, -1) + self.phases[:, None]
        return (self.amps[:, None] * self.freqs[:, None] * np.cos(arg)).sum(axis=0).reshape(t.shape)


def draw_modulation(
    rng: np.random.Generator,
    band: tuple[float, float],
    rms: float = 1.0,
    n: int = 5,
    rate_rms: float | None = None,
) -> Modulation:
    """``n`` sinusoids with frequencies drawn log-uniformly in ``band`` (Hz) and random phases.

    Amplitudes are equal and give the sum an RMS of ``rms``; with ``rate_rms`` (Hz) instead,
    the amplitudes are ``a_k ~ 1 / nu_k`` so that the sum's derivative over 2 pi has that RMS
    (a phase jitter whose frequency deviation is ``rate_rms``).
    """
    freqs = np.exp(rng.uniform(np.log(band[0]), np.log(band[1]), n))
    phases = rng.uniform(0.0, 2 * np.pi, n)
    if rate_rms is None:
        amps = np.full(n, rms * np.sqrt(2.0 / n))
    else:
        amps = rate_rms * np.sqrt(2.0 / n) / freqs
    return Modulation(freqs, amps, phases)


#: Phase (radians) of the spike within a spike-and-wave cycle (:func:`spike_wave`).
SPIKE_PHASE: float = 0.35 * np.pi


def spike_wave(
    phase: np.ndarray, spikiness: float, freq: np.ndarray | float, spike_s: float = 0.02
) -> np.ndarray:
    """Periodic waveform between a sinusoid and a spike-and-wave complex, zero mean.

    ``w = (1 - m) cos(phase) - 1.4 m s(phase)`` with ``s`` a von Mises pulse
    ``exp(kappa (cos(phase - 0.35 pi) - 1))`` (mean removed), ``m = spikiness`` in [0, 1]:
    0 gives a sinusoid, 1 a spike followed by a slow wave. The pulse lasts ``spike_s`` (SD,
    seconds; a spike 20-70 ms wide at its base has an SD of about 5-17 ms) whatever the
    rhythm's frequency ``freq`` (Hz, scalar or per sample): ``kappa = 1 / (2 pi freq
    spike_s)^2``, limited to 1-300, so fast rhythms are rounder.
    """
    m = float(np.clip(spikiness, 0.0, 1.0))
    kappa = np.clip(1.0 / (2 * np.pi * np.asarray(freq, dtype=float) * spike_s) ** 2, 1.0, 300.0)
    pulse = np.exp(kappa * (np.cos(phase - SPIKE_PHASE) - 1.0))
    pulse_mean = np.i0(kappa) * np.exp(-kappa)
    return (1.0 - m) * np.cos(phase) - m * 1.4 * (pulse - pulse_mean)


# ---------------------------------------------------------------------------------------------
# artifacts


def add_blinks(
    x: np.ndarray, rng: np.random.Generator, t0: float, fs: float, rate: float
) -> np.ndarray:
    """Add eye blinks (rate per second) at Fp1/Fp2 (weaker at F3/F4/F7/F8), 50-250 uV, in place."""
    n = x.shape[1]
    times = poisson_times(rng, t0 - 0.6, t0 + n / fs + 0.6, rate)
    if times.size == 0:
        return x
    width = rng.uniform(0.07, 0.12)
    tmpl, zero = blink_template(fs, width)
    amps = rng.uniform(50.0, 250.0, times.size)
    field = gaussian_field((0.0, 1.3), 0.38)
    field /= field[[INDEX["Fp1"], INDEX["Fp2"]]].mean()
    x += (field[:, None] * event_train(times, amps, tmpl, zero, t0, n, fs)[None, :]).astype(x.dtype)
    return x


def add_muscle(
    x: np.ndarray,
    rng: np.random.Generator,
    t0: float,
    fs: float,
    rate: float,
    sustained: float = 0.0,
) -> np.ndarray:
    """Add muscle bursts (rate per second): 20-70 Hz noise over a few electrodes, in place.

    A burst is brief (0.5-4 s, Hann envelope, 5-25 uV RMS at the centre of its field) or, with
    probability ``sustained``, sustained (5-50 s, flat top with 0.5-s ramps, 7-50 uV RMS, i.e.
    about 20-150 uV peak to peak), as in a tense or chewing ICU patient. Its field is one or
    both temporalis muscles, or a focal spot over 1-4 electrodes (frontalis, a scalp muscle
    under one electrode). Independent noise on each electrode, cut from one 8-s band-limited
    block (tiled: the block is periodic).
    """
    n = x.shape[1]
    lead = 50.0 if sustained > 0 else 4.0
    starts = poisson_times(rng, t0 - lead, t0 + n / fs, rate)
    if starts.size == 0:
        return x
    block_n = int(8 * fs)
    freqs = np.fft.rfftfreq(block_n, 1.0 / fs)
    band = ((freqs >= 20.0) & (freqs <= 70.0)).astype(float)
    if band.sum() == 0:
        return x
    block = colored_noise(rng, np.broadcast_to(band, (N_SCALP, band.size)), block_n, fs)
    block /= max(float(block.std()), 1e-12)
    temporal = [gaussian_field(c, 0.35) for c in [(-0.95, 0.25), (0.95, 0.25)]]
    for start in starts:
        long = rng.random() < sustained
        seconds = rng.uniform(5.0, 50.0) if long else rng.uniform(0.5, 4.0)
        m = max(int(seconds * fs), 2)
        i0 = int(round((start - t0) * fs))
        lo, hi = max(i0, 0), min(i0 + m, n)
        kind = int(rng.integers(4))
        if kind < 2:
            fld = temporal[kind]
        elif kind == 2:
            fld = temporal[0] + temporal[1]
        else:
            fld = gaussian_field(XY[rng.integers(N_SCALP)], rng.uniform(0.15, 0.3))
        if long:
            ramp = np.minimum(1.0, np.minimum(np.arange(m), np.arange(m)[::-1]) / (0.5 * fs))
            env_full = ramp * np.exp(rng.uniform(np.log(7.0), np.log(50.0)))
        else:
            env_full = np.hanning(m) * rng.uniform(5.0, 25.0)
        offset = int(rng.integers(0, block_n))
        if hi <= lo:
            continue
        cols = (offset + np.arange(lo - i0, hi - i0)) % block_n
        burst = block[:, cols] * env_full[lo - i0 : hi - i0][None, :]
        x[:, lo:hi] += (fld[:, None] * burst).astype(x.dtype)
    return x


def add_pops(
    x: np.ndarray,
    rng: np.random.Generator,
    t0: float,
    fs: float,
    rate: float,
    electrodes: np.ndarray | None = None,
) -> np.ndarray:
    """Add electrode pops (rate per second): one electrode jumps 50-800 uV, decays; in place.

    ``electrodes`` restricts the pops to a few bad electrodes (a loose contact pops again and
    again); by default any electrode.
    """
    n = x.shape[1]
    times = poisson_times(rng, t0 - 1.0, t0 + n / fs, rate)
    t = t0 + np.arange(n) / fs
    pool = np.arange(N_SCALP) if electrodes is None or len(electrodes) == 0 else electrodes
    for tp in times:
        e = pool[rng.integers(len(pool))]
        amp = rng.uniform(50.0, 800.0) * rng.choice([-1.0, 1.0])
        tau = rng.uniform(0.1, 0.8)
        after = t >= tp
        x[e, after] += amp * np.exp(-(t[after] - tp) / tau)
    return x


def add_movement(
    x: np.ndarray, rng: np.random.Generator, t0: float, fs: float, rate: float
) -> np.ndarray:
    """Add movement artifacts (rate per second), in place: 1-5 s of large irregular 0.3-3 Hz
    swings (50-300 uV peak) over 1-4 neighbouring electrodes (a head turn, nursing care)."""
    n = x.shape[1]
    starts = poisson_times(rng, t0 - 5.0, t0 + n / fs, rate)
    for start in starts:
        m = int(rng.uniform(1.0, 5.0) * fs)
        i0 = int(round((start - t0) * fs))
        lo, hi = max(i0, 0), min(i0 + m, n)
        if hi <= lo:
            continue
        freqs = np.fft.rfftfreq(m, 1.0 / fs)
        band = ((freqs >= 0.3) & (freqs <= 3.0)).astype(float)[None, :]
        swing = colored_noise(rng, band, m, fs)[0] * np.hanning(m)
        swing *= rng.uniform(50.0, 300.0) / max(float(np.abs(swing).max()), 1e-12)
        fld = gaussian_field(XY[rng.integers(N_SCALP)], rng.uniform(0.15, 0.3))
        x[:, lo:hi] += (fld[:, None] * swing[None, lo - i0 : hi - i0]).astype(x.dtype)
    return x


@dataclass(frozen=True)
class Interference:
    """Device interference over some electrodes (an infusion pump, a ventilator, a bed).

    A perfectly regular train of brief biphasic pulses (``rate`` Hz, ``pulse_uv`` peak; a
    mimic of periodic discharges, but with no variation at all) and/or a continuous
    high-frequency hum (``hum_hz`` 25-45 Hz, ``hum_uv`` amplitude), on ``field`` (19,).
    Closed form in time, so every segment of a recording renders the same interference.
    """

    rate: float
    phase: float
    pulse_uv: float
    hum_hz: float
    hum_uv: float
    field: np.ndarray

    def render(self, t: np.ndarray, fs: float) -> np.ndarray:
        """The interference at times ``t`` (seconds), (19, len(t)), microvolts."""
        out = np.zeros(t.size)
        if self.pulse_uv > 0:
            # distance to the nearest pulse, in seconds; a 10-ms biphasic pulse
            cyc = (t * self.rate + self.phase) % 1.0
            d = (np.minimum(cyc, 1.0 - cyc) * np.sign(0.5 - cyc)) / self.rate
            w = max(0.005, 1.0 / fs)
            out += self.pulse_uv * (d / w) * np.exp(0.5 - 0.5 * (d / w) ** 2)
        if self.hum_uv > 0 and fs > 2 * self.hum_hz:
            out += self.hum_uv * np.sin(2 * np.pi * self.hum_hz * t + self.phase)
        return self.field[:, None] * out[None, :]


def draw_interference(rng: np.random.Generator) -> Interference:
    """A device interference over 2-6 electrodes (see :class:`Interference`)."""
    pulse = rng.random() < 0.6
    hum = (not pulse) or rng.random() < 0.3
    return Interference(
        rate=float(rng.uniform(0.5, 3.0)),
        phase=float(rng.uniform(0.0, 1.0)),
        pulse_uv=float(rng.uniform(10.0, 60.0)) if pulse else 0.0,
        hum_hz=float(rng.uniform(25.0, 45.0)),
        hum_uv=float(rng.uniform(3.0, 20.0)) if hum else 0.0,
        field=gaussian_field(XY[rng.integers(N_SCALP)], rng.uniform(0.2, 0.45)),
    )


# ---------------------------------------------------------------------------------------------
# helpers for fields of patterns


def anterior_posterior_lags(fs: float, max_lag_s: float) -> np.ndarray:
    """Per-electrode delays (samples, >= 0) growing from the front (0) to the back (max)."""
    frac = (XY[:, 1].max() - XY[:, 1]) / (XY[:, 1].max() - XY[:, 1].min())
    return np.round(frac * max_lag_s * fs).astype(int)
