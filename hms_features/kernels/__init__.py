"""Numerical kernels of the features: one implementation per quantity, vectorised over channels.

The feature families (:mod:`hms_features.features`) decide which quantities of which signals
become named features; the functions here compute the quantities. Each takes arrays (signals
``(n_channels, n_times)`` in microvolts, spectra ``(n_channels, n_freqs)`` in uV^2/Hz) and knows
nothing of windows, montages' names or feature names. Hot loops are compiled with numba
(``cache=True``); every public function documents its definition, units and reference, with an
example that runs as a doctest (``pytest --doctest-modules``, configured in ``pyproject.toml``;
``tests/kernels/test_kernel_examples.py`` checks that every public kernel has one).

Modules
-------
- :mod:`~hms_features.kernels.amplitude`: line length, moments (std, skewness, kurtosis),
  robust peak-to-peak, zero-crossing rate, Teager-Kaiser energy;
- :mod:`~hms_features.kernels.percentiles`: exact percentiles by histogram selection;
- :mod:`~hms_features.kernels.spikes`: spike and sharp-wave rate (amplitude-slope-duration);
- :mod:`~hms_features.kernels.channel_pass`: all of the above in one compiled pass per channel;
- :mod:`~hms_features.kernels.hjorth`: Hjorth activity, mobility and complexity;
- :mod:`~hms_features.kernels.resample`: down-sampling (slicing, anti-aliased FIR);
- :mod:`~hms_features.kernels.entropy`: permutation, SVD and sample entropy;
- :mod:`~hms_features.kernels.fractal`: Higuchi, Katz and Petrosian dimensions, DFA;
- :mod:`~hms_features.kernels.spectra`: band powers, relative powers, ratios, peak, edge and
  dominant frequency, spectral entropy, 1/f slope, delta peak sharpness;
- :mod:`~hms_features.kernels.wavelet`: DWT level energies;
- :mod:`~hms_features.kernels.asymmetry`: asymmetry index, brain symmetry index, mirror
  coherence, correlation, spatial involvement;
- :mod:`~hms_features.kernels.trend`: least-squares slope and sub-window statistics;
- :mod:`~hms_features.kernels.spectrogram`: band statistics of the regional spectrograms;
- :mod:`~hms_features.kernels.envelope`: power envelope (``|analytic signal|^2`` of a band);
- :mod:`~hms_features.kernels.autocorrelation`: autocorrelation and its fundamental peak;
- :mod:`~hms_features.kernels.discharges`: periodic-discharge detection, rate and interval
  regularity, envelope peakiness;
- :mod:`~hms_features.kernels.utils`: time-major layout, guarded division, ``np.sum``'s
  pairwise summation and ``|z|^2`` in compiled code.
"""

#: The kernel modules, in the order above (the doctest runner reads this list).
MODULES: tuple[str, ...] = (
    "amplitude",
    "percentiles",
    "spikes",
    "channel_pass",
    "hjorth",
    "resample",
    "entropy",
    "fractal",
    "spectra",
    "wavelet",
    "asymmetry",
    "trend",
    "spectrogram",
    "envelope",
    "autocorrelation",
    "discharges",
    "utils",
)
