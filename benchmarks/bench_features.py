#!/usr/bin/env python
"""Feature-extraction speed and memory, and a comparison with mne-features.

Times the full feature set on realistic synthetic windows with 1 worker (ms per window) and with
``--n-jobs`` workers through joblib (windows per second), records the peak resident memory, and
times mne-features (``pip install -e '.[bench]'``) on the same preprocessed bipolar windows for
the features both compute. Ours are timed twice: as the extractor computes them (shared PSD of
the 100 Hz copy, one compiled pass for the time-domain statistics, one for both Hjorth
parameters) and with each public function called alone on the 200 Hz signal. With
``--factory-patients N`` it also runs the whole factory (``hms features``) on a synthetic data
set and estimates the time for the real training set, file reading included. Runs under the
allocator settings of the factory's workers (it re-executes itself with them). Prints a table,
then as its last line one JSON object with ``windows_per_s``, ``ms_per_window``,
``n_features``, ``peak_rss_mb``, the ratios and the factory numbers. With ``--e2e-preset
kaggle-small`` it only runs ``hms features`` end to end, as a user does, on a synthetic set of
the real label structure and prints its windows per second (``e2e_windows_per_s``).

Targets (issue 3): >= 40 windows/s with 2 workers (the 106,800 train windows in < 45 min),
>= 5x faster than mne-features on the shared subset, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

import numpy as np

from hms_features.constants import EEG_CHANNELS, FS, WINDOW_SAMPLES
from hms_features.features.context import WindowContext

#: mne-features functions matching features we compute (name in mne-features -> our family).
SHARED_MNE = [
    "hjorth_mobility", "hjorth_complexity", "line_length", "pow_freq_bands", "spect_entropy",
    "svd_entropy", "higuchi_fd", "katz_fd", "kurtosis", "skewness", "std", "zero_crossings",
]  # fmt: skip


def make_windows(n: int, seed: int = 0) -> np.ndarray:
    """``n`` realistic raw windows (n, 10000, 20) float32 in microvolts."""
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW_SAMPLES) / FS
    f = np.fft.rfftfreq(WINDOW_SAMPLES, 1 / FS)
    shape = np.where(f > 0, 1 / np.maximum(f, 0.5) ** 0.75, 0)
    out = np.empty((n, WINDOW_SAMPLES, len(EEG_CHANNELS)), np.float32)
    for i in range(n):
        spec = rng.normal(size=(len(EEG_CHANNELS), f.size)) + 1j * rng.normal(size=(20, f.size))
        x = np.fft.irfft(spec * shape, n=WINDOW_SAMPLES, axis=-1) * 600
        x += 20 * np.sin(2 * np.pi * rng.uniform(0.8, 3) * t + rng.uniform(0, 6))
        x[18:] += 10 * np.sin(2 * np.pi * 10 * t)
        out[i] = x.T
        if rng.random() < 0.2:  # NaN run as in ~18% of files
            s = rng.integers(0, WINDOW_SAMPLES - 1000)
            out[i, s : s + rng.integers(100, 1000)] = np.nan
    return out


def _rss_mb() -> float:
    """Peak resident memory (MB) of this process or any finished worker, whichever is larger."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def time_ours(windows: np.ndarray, repeats: int) -> tuple[float, int, dict[str, float]]:
    """Median ms per window over ``repeats`` passes, number of features, ms per family."""
    from hms_features.features.extractor import extract_window_dict
    from hms_features.features.families import FAMILIES

    n_features = len(extract_window_dict(windows[0]))
    per_pass = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for w in windows:
            extract_window_dict(w)
        per_pass.append((time.perf_counter() - t0) / len(windows) * 1000)
    fam_ms: dict[str, list[float]] = {"preprocess+psd": []}
    for w in windows:
        t0 = time.perf_counter()
        ctx = WindowContext.from_raw(w)
        ctx.psd("full"), ctx.psd("center")
        fam_ms["preprocess+psd"].append((time.perf_counter() - t0) * 1000)
        for fam in FAMILIES:
            t0 = time.perf_counter()
            fam.compute(ctx)
            fam_ms.setdefault(fam.name, []).append((time.perf_counter() - t0) * 1000)
    return (
        statistics.median(per_pass),
        n_features,
        {k: statistics.median(v) for k, v in fam_ms.items()},
    )


def time_parallel(windows: np.ndarray, n_jobs: int) -> float:
    """Windows per second through joblib with ``n_jobs`` workers (after a warm-up)."""
    from joblib import Parallel, delayed

    from hms_features.features.extractor import extract_window_dict

    def batch(ws: np.ndarray) -> int:
        for w in ws:
            extract_window_dict(w)
        return len(ws)

    from hms_features.factory.backends import worker_env

    os.environ.update(worker_env())  # as the factory does for its workers
    parts = np.array_split(windows, n_jobs * 4)
    with Parallel(n_jobs=n_jobs) as par:
        par(delayed(batch)(p[:1]) for p in parts[:n_jobs])  # warm the workers (imports, numba)
        t0 = time.perf_counter()
        done = sum(par(delayed(batch)(p) for p in parts))
        return done / (time.perf_counter() - t0)


def ours_shared_features(x: np.ndarray, as_extractor: bool = True) -> list[np.ndarray]:
    """Our versions of the features mne-features also computes, on one (18, n) 200 Hz window.

    ``as_extractor=True`` computes them as the extractor does: one Welch PSD of the 100 Hz copy
    for band powers and spectral entropy, SVD entropy and the fractal dimensions on the 100 Hz
    copy, one compiled pass for std, kurtosis, skewness, line length and zero crossings (the
    time family's) and one for both Hjorth parameters. ``as_extractor=False`` calls each public
    function separately on the 200 Hz signal, as mne-features does.
    """
    from hms_features.kernels import amplitude, channel_pass, fractal, hjorth, spectra
    from hms_features.kernels.entropy import svd_entropy
    from hms_features.signal.psd import welch_psd

    if as_extractor:
        x100 = np.ascontiguousarray(x[:, ::2])
        freqs, psd = welch_psd(x100, FS / 2)
        return [
            *hjorth.hjorth_parameters(x, FS), channel_pass.time_values(x, FS),
            spectra.band_powers(freqs, psd), spectra.spectral_entropy(freqs, psd),
            svd_entropy(x100), fractal.higuchi_fd(x100), fractal.katz_fd(x100),
        ]  # fmt: skip
    freqs, psd = welch_psd(x, FS)
    return [
        hjorth.hjorth_mobility(x, FS), hjorth.hjorth_complexity(x), amplitude.line_length(x),
        spectra.band_powers(freqs, psd), spectra.spectral_entropy(freqs, psd),
        svd_entropy(x), fractal.higuchi_fd(x), fractal.katz_fd(x), amplitude.kurtosis(x),
        amplitude.skewness(x), x.std(axis=-1), amplitude.zero_crossing_rate(x, FS),
    ]  # fmt: skip


def _bipolar_stack(windows: np.ndarray) -> np.ndarray:
    """The preprocessed (filtered, clipped) bipolar windows the features see, (n, 18, 10000)."""
    return np.stack([WindowContext.from_raw(w).x for w in windows])


def time_ours_shared(windows: np.ndarray, as_extractor: bool = True) -> float:
    """ms per window for our versions of the shared features, same bipolar input as mne."""
    data = _bipolar_stack(windows)
    ours_shared_features(data[0], as_extractor)  # warm-up (numba)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for x in data:
            ours_shared_features(x, as_extractor)
        times.append((time.perf_counter() - t0) / len(data) * 1000)
    return statistics.median(times)


def time_mne(windows: np.ndarray, funcs: list[str]) -> dict[str, float] | None:
    """ms per window of each mne-features function on the same bipolar windows, or None."""
    try:
        from mne_features.feature_extraction import extract_features
    except ImportError:
        return None
    data = _bipolar_stack(windows)
    params = {"pow_freq_bands__freq_bands": np.array([0.5, 4, 8, 13, 20, 40])}
    out = {}
    for f in funcs:
        p = {k: v for k, v in params.items() if k.startswith(f)}
        extract_features(data[:1], FS, [f], p, n_jobs=1)  # warm-up (numba compilation)
        times = []
        for _ in range(3 if len(data) > 1 else 1):
            t0 = time.perf_counter()
            extract_features(data, FS, [f], p, n_jobs=1)
            times.append((time.perf_counter() - t0) / len(data) * 1000)
        out[f] = statistics.median(times)
    return out


#: The real training set (HMS.md): label windows, EEG files and spectrogram files.
REAL_TRAIN = {"windows": 106_800, "eeg_files": 17_089, "spectrogram_files": 11_138}


def time_factory(n_patients: int, n_jobs: int, seed: int = 0) -> dict[str, float]:
    """End-to-end ``hms features`` on a synthetic data set, and an estimate for the real one.

    Runs the factory (:func:`hms_features.factory.runner.run_extraction`, as the command line
    does) with ``n_jobs`` workers. The workers' own time per chunk (recorded in the part
    markers) splits the run into a fixed part (worker start-up, planning, assembling the
    output) and a part per window; reading each EEG and spectrogram file once more in this
    process gives the I/O per file. The real training set's estimate is its 106,800 windows at
    the per-window compute cost, plus one read per EEG file (17,089) and per spectrogram file
    (11,138, when EEGs of one recording share a read) at the measured per-file cost, over
    ``n_jobs`` workers, plus the fixed part.
    """
    import tempfile
    from pathlib import Path

    import pandas as pd

    from hms_features.data.eeg import read_eeg
    from hms_features.data.spectrogram import read_spectrogram
    from hms_features.factory.runner import run_extraction
    from hms_features.synth import generate_dataset

    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "features.parquet"
        generate_dataset(data, seed=seed, n_patients=n_patients, n_test=1, n_jobs=n_jobs)
        labels = pd.read_csv(data / "train.csv")
        summary = run_extraction(data, "train", out, n_jobs=n_jobs, progress=False)
        worker_s = summary.worker_seconds
        eeg_files = sorted((data / "train_eegs").glob("*.parquet"))
        spec_files = sorted((data / "train_spectrograms").glob("*.parquet"))
        t0 = time.perf_counter()
        for f in eeg_files:
            read_eeg(f)
        eeg_ms = (time.perf_counter() - t0) / len(eeg_files) * 1000
        t0 = time.perf_counter()
        for f in spec_files:
            read_spectrogram(f)
        spec_ms = (time.perf_counter() - t0) / len(spec_files) * 1000
    n_eeg, n_spec = labels["eeg_id"].nunique(), labels["spectrogram_id"].nunique()
    io_s = (n_eeg * eeg_ms + n_spec * spec_ms) / 1000
    compute_ms = max(worker_s - io_s, 0.0) / summary.n_windows_computed * 1000
    fixed_s = max(summary.seconds - worker_s / n_jobs, 0.0)
    real = REAL_TRAIN
    real_io_s = (real["eeg_files"] * eeg_ms + real["spectrogram_files"] * spec_ms) / 1000
    real_s = (REAL_TRAIN["windows"] * compute_ms / 1000 + real_io_s) / n_jobs + fixed_s
    return {
        "factory_windows": summary.n_windows,
        "factory_eeg_files": int(n_eeg),
        "factory_seconds": round(summary.seconds, 1),
        "factory_windows_per_s": round(summary.n_windows / summary.seconds, 2),
        "factory_fixed_seconds": round(fixed_s, 1),
        "factory_compute_ms_per_window": round(compute_ms, 1),
        "read_eeg_ms": round(eeg_ms, 1),
        "read_spectrogram_ms": round(spec_ms, 1),
        "real_train_minutes_estimate": round(real_s / 60, 1),
        "real_train_windows_per_s_estimate": round(REAL_TRAIN["windows"] / real_s, 1),
    }


def time_end_to_end(preset: str, data: str, n_jobs: int, seed: int = 0) -> dict:
    """``hms features`` as a user runs it (a subprocess, reads, workers and output included) on
    a synthetic set of the preset's structure (``kaggle-small``: the real label structure at
    1/50), generated once into ``data``: windows per second end to end, wall and CPU seconds,
    and the peak memory of the command and its workers (sampled with psutil)."""
    import tempfile
    from pathlib import Path

    import pandas as pd
    from rehearsal import run_measured

    data_dir = Path(data)
    if not (data_dir / "train.csv").is_file():
        args = ["synth", "--out", str(data_dir), "--preset", preset, "--seed", str(seed), "-q"]
        run_measured("synth", args, [data_dir])
    labels = pd.read_csv(data_dir / "train.csv")
    n_windows = len(labels.drop_duplicates(["eeg_id", "eeg_label_offset_seconds"]))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "features.parquet"
        args = ["features", "--data-dir", str(data_dir), "--split", "train", "--out", str(out),
                "--n-jobs", str(n_jobs), "-q", "--restart"]  # fmt: skip
        step = run_measured("features", args, [out])
    return {
        "e2e_preset": preset,
        "e2e_windows": n_windows,
        "e2e_eeg_files": int(labels["eeg_id"].nunique()),
        "e2e_seconds": step.seconds,
        "e2e_cpu_seconds": step.cpu_seconds,
        "e2e_windows_per_s": round(n_windows / step.seconds, 2),
        "e2e_cpu_ms_per_window": round(step.cpu_seconds / n_windows * 1000, 2),
        "e2e_peak_rss_mb": step.peak_rss_mb,
        "e2e_real_train_minutes": round(REAL_TRAIN["windows"] / (n_windows / step.seconds) / 60, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--windows", type=int, default=60, help="synthetic windows to time")
    p.add_argument("--repeats", type=int, default=3, help="passes for the 1-worker median")
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--mne-windows", type=int, default=10)
    p.add_argument("--mne-svd", action="store_true", help="also time mne's svd_entropy (slow)")
    p.add_argument(
        "--factory-patients",
        type=int,
        default=0,
        help="also run the whole factory (hms features) on a synthetic set of this many patients "
        "(40 gives ~480 windows) and extrapolate to the real training set, I/O included",
    )
    p.add_argument(
        "--e2e-preset",
        default=None,
        help="only time `hms features` end to end (reads, workers, output) on a synthetic set "
        "of this preset's structure (kaggle-small: the real label structure at 1/50), made once "
        "in --e2e-data; prints windows/s in the JSON",
    )
    p.add_argument("--e2e-data", default="/tmp/hms_bench_e2e", help="where the set is kept")
    args = p.parse_args(argv)
    if args.e2e_preset:
        result = time_end_to_end(args.e2e_preset, args.e2e_data, args.n_jobs)
        print(
            f"hms features, {args.e2e_preset} structure, {args.n_jobs} workers: "
            f"{result['e2e_windows']} windows of {result['e2e_eeg_files']} EEG files in "
            f"{result['e2e_seconds']} s = {result['e2e_windows_per_s']} windows/s end to end "
            f"({result['e2e_cpu_ms_per_window']} ms of CPU per window; peak memory of the "
            f"command and its workers {result['e2e_peak_rss_mb']} MB); the real 106,800 "
            f"windows at this rate: {result['e2e_real_train_minutes']} min"
        )
        print(json.dumps({"n_jobs": args.n_jobs, **result}))
        return 0
    from hms_features.factory.backends import WORKER_MALLOC_ENV

    if argv is None and any(k not in os.environ for k in WORKER_MALLOC_ENV):
        # measure under the allocator settings of the factory's workers (read at process start)
        os.environ.update({k: os.environ.get(k, v) for k, v in WORKER_MALLOC_ENV.items()})
        os.execv(sys.executable, [sys.executable, *sys.argv])

    windows = make_windows(args.windows)
    # as in the factory's workers: one BLAS thread per worker (parallelism comes from workers)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    ms, n_features, fam = time_ours(windows, args.repeats)
    wps = time_parallel(windows, args.n_jobs)
    rss_single = _rss_mb()
    sub = windows[: args.mne_windows]
    ours_shared = time_ours_shared(sub)
    ours_full_rate = time_ours_shared(sub, as_extractor=False)
    # mne-features' svd_entropy takes a full SVD of the (n_times x order) embedding
    # (full_matrices=True), about a minute per window: timed on one window only, reported apart
    mne = time_mne(sub, [f for f in SHARED_MNE if f != "svd_entropy"])
    mne_svd = time_mne(sub[:1], ["svd_entropy"]) if mne and args.mne_svd else None
    mne_ms = sum(mne.values()) if mne else None
    ratio = mne_ms / ours_shared if mne_ms else None
    ratio_full_rate = mne_ms / ours_full_rate if mne_ms else None

    print(f"{'family':<18} ms/window (median, 1 core)")
    for k, v in fam.items():
        print(f"{k:<18} {v:8.2f}")
    print(
        f"full extractor: {ms:.1f} ms/window (1 worker), "
        f"{wps:.1f} windows/s ({args.n_jobs} workers)"
    )
    print(f"n_features: {n_features}; peak RSS (any process): {rss_single:.0f} MB")
    if mne:
        print(f"shared features on the same bipolar input ({len(sub)} windows), ms per window:")
        for f, v in mne.items():
            print(f"  mne-features {f:<18} {v:9.2f}")
        if mne_svd:
            print(f"  mne-features {'svd_entropy':<18} {mne_svd['svd_entropy']:9.1f} (excluded)")
        print(f"  total mne-features {mne_ms:.1f} ms (svd_entropy excluded) vs ours "
              f"{ours_shared:.1f} ms as the extractor computes them -> {ratio:.1f}x; "
              f"{ours_full_rate:.1f} ms with each function on the 200 Hz signal -> "
              f"{ratio_full_rate:.1f}x (svd_entropy included in ours)")  # fmt: skip
    else:
        print("mne-features not installed (pip install mne-features): no comparison")
    print(f"106,800 train windows at this rate: {106_800 / wps / 60:.1f} min (features only)")
    factory = time_factory(args.factory_patients, args.n_jobs) if args.factory_patients else {}
    if factory:
        print(
            f"factory ({args.n_jobs} workers, synthetic set): {factory['factory_windows']} windows "
            f"of {factory['factory_eeg_files']} EEG files in {factory['factory_seconds']} s = "
            f"{factory['factory_windows_per_s']} windows/s, of which "
            f"{factory['factory_fixed_seconds']} s fixed (worker start-up, planning, output); "
            f"{factory['factory_compute_ms_per_window']} ms of features per window; reading one "
            f"EEG file {factory['read_eeg_ms']} ms, one spectrogram "
            f"{factory['read_spectrogram_ms']} ms"
        )
        print(
            "real training set (106,800 windows, 17,089 EEG and 11,138 spectrogram reads) "
            f"estimate: {factory['real_train_minutes_estimate']} min = "
            f"{factory['real_train_windows_per_s_estimate']} windows/s"
        )
    print(json.dumps({
        "windows_per_s": round(wps, 2), "n_jobs": args.n_jobs, "ms_per_window": round(ms, 2),
        "n_features": n_features, "peak_rss_mb": round(rss_single, 1),
        "ms_per_window_shared_subset": round(ours_shared, 2),
        "mne_features_ms_per_window": None if mne_ms is None else round(mne_ms, 2),
        "mne_features_svd_entropy_ms": None if not mne_svd else round(mne_svd["svd_entropy"], 1),
        "speedup_vs_mne_features": None if ratio is None else round(ratio, 2),
        "ms_per_window_shared_subset_full_rate": round(ours_full_rate, 2),
        "speedup_vs_mne_features_full_rate": None
        if ratio_full_rate is None
        else round(ratio_full_rate, 2),
        "family_ms": {k: round(v, 2) for k, v in fam.items()},
        **factory,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
