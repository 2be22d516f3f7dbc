"""Rehearsal of the whole pipeline at a preset's size: synth, features, train, predict, explain.

Each step runs as ``python -m hms_features ...`` in a subprocess and is measured: wall seconds,
bytes it wrote (size of its outputs), and peak memory of the process tree (the sum of the RSS
of the command and its worker processes, sampled every 0.2 s with psutil; without psutil, the
largest single process from ``getrusage(RUSAGE_CHILDREN)``). The feature step runs twice, on
the first tenth of the EEGs (``--limit``) and on all of them, so that its cost splits into a
fixed part (start-up, imports, worker pool) and a per-window part (reads included), which are
extrapolated to the real 106,800 windows. The last line printed is one JSON object.

    python benchmarks/rehearsal.py --preset kaggle-small --n-jobs 2 --work /tmp/rehearsal
    python benchmarks/rehearsal.py --preset kaggle --patients 100   # a fraction of full size
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

#: Windows of the real training set (label rows of train.csv).
REAL_WINDOWS = 106_800
#: Budget of the feature step on the real set (minutes, reads included).
FEATURE_BUDGET_MIN = 30.0


@dataclass
class Step:
    """What one command cost."""

    name: str
    seconds: float
    cpu_seconds: float
    disk_bytes: int
    peak_rss_mb: float
    status: int


def disk_bytes(*paths: Path) -> int:
    """Total size (bytes) of the files at or below ``paths`` (missing paths count 0)."""
    total = 0
    for p in map(Path, paths):
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return total


def _tree_rss(proc) -> int:
    """RSS (bytes) of a psutil process and its descendants."""
    import psutil

    total = 0
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in family:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_measured(
    name: str, args: list[str], outputs: list[Path], ok: tuple[int, ...] = (0,), quiet: bool = True
) -> Step:
    """Run ``python -m hms_features ARGS``; seconds, bytes of ``outputs``, peak tree RSS (MB).

    A status outside ``ok`` stops the script with the command's stderr.
    """
    cmd = [sys.executable, "-m", "hms_features", *args]
    before = disk_bytes(*outputs)
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE if quiet else None, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    try:
        import psutil

        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            peak = max(peak, _tree_rss(ps))
            time.sleep(0.2)
    except ImportError:
        pass
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    # the largest process ever waited for (bytes on macOS, KiB on Linux): a floor for the peak
    child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    child_max *= 1 if sys.platform == "darwin" else 1024
    peak = max(peak, child_max if not peak else 0)
    if proc.returncode not in ok:
        sys.exit(f"{name} failed with status {proc.returncode}: {' '.join(cmd)}\n{err}")
    if out:
        print(out.strip().splitlines()[-1] if out.strip() else "", flush=True)
    step = Step(
        name,
        round(seconds, 1),
        round(_children_cpu() - cpu0, 1),
        disk_bytes(*outputs) - before,
        round(peak / 2**20),
        proc.returncode,
    )
    print(
        f"{name:<14} {step.seconds:8.1f} s ({step.cpu_seconds:.0f} s CPU) "
        f"{step.disk_bytes / 2**20:10.1f} MB written "
        f"{step.peak_rss_mb:7.0f} MB peak RSS (status {step.status})",
        flush=True,
    )
    return step


def _children_cpu() -> float:
    """User + system CPU seconds of every finished child process (and their children)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def feature_costs(small: Step, w0: int, full: Step, w1: int, n_jobs: int) -> dict:
    """Fixed seconds and seconds per window from two runs (``w0`` and ``w1`` windows), and the
    extrapolation to the real training set's windows.

    ``real_minutes`` extrapolates the wall times as measured; ``real_minutes_from_cpu``
    divides the CPU seconds per window by the workers instead (what dedicated cores give when
    other processes share the machine during the measurement).
    """
    t0, t1 = small.seconds, full.seconds
    per_window = (t1 - t0) / max(w1 - w0, 1)
    fixed = max(t1 - per_window * w1, 0.0)
    real = fixed + per_window * REAL_WINDOWS
    cpu_per_window = (full.cpu_seconds - small.cpu_seconds) / max(w1 - w0, 1)
    real_cpu = fixed + cpu_per_window * REAL_WINDOWS / max(n_jobs, 1)
    return {
        "n_jobs": n_jobs,
        "windows_small": w0,
        "seconds_small": round(t0, 1),
        "windows_full": w1,
        "seconds_full": round(t1, 1),
        "fixed_seconds": round(fixed, 1),
        "ms_per_window": round(1000 * per_window, 2),
        "windows_per_second": round(1 / per_window, 1) if per_window > 0 else None,
        "real_windows": REAL_WINDOWS,
        "real_minutes": round(real / 60, 1),
        "real_within_30_min": bool(real / 60 <= FEATURE_BUDGET_MIN),
        "cpu_ms_per_window": round(1000 * cpu_per_window, 2),
        "real_minutes_from_cpu": round(real_cpu / 60, 1),
        "real_within_30_min_from_cpu": bool(real_cpu / 60 <= FEATURE_BUDGET_MIN),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--preset", default="kaggle-small", help="demo, kaggle or kaggle-small")
    p.add_argument("--patients", type=int, default=None, help="train patients (scales the preset)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--work", default="/tmp/hms-rehearsal", help="folder for everything written")
    p.add_argument("--keep", action="store_true", help="keep an existing work folder's data set")
    args = p.parse_args(argv)

    import pandas as pd

    work = Path(args.work)
    data, feats, model = work / "data", work / "features_train.parquet", work / "model"
    small_feats = work / "features_small.parquet"
    sub, reports = work / "submission.csv", work / "reports"
    if work.exists() and not args.keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    jobs = ["--n-jobs", str(args.n_jobs)]
    steps: list[Step] = []

    synth = ["synth", "--out", str(data), "--preset", args.preset, "--seed", str(args.seed), "-q"]
    synth += ["--patients", str(args.patients)] if args.patients else []
    if not (args.keep and (data / "train.csv").is_file()):
        steps.append(run_measured("synth", synth + jobs, [data]))
    train = pd.read_csv(data / "train.csv")
    n_eegs, n_windows = train["eeg_id"].nunique(), len(train)
    limit = max(n_eegs // 10, 1)
    features = ["features", "--data-dir", str(data), "--split", "train", "-q", *jobs]
    # status 1: some windows failed on the set's deliberately corrupt files (listed, not fatal)
    small = run_measured(
        "features_10pct", [*features, "--out", str(small_feats), "--limit", str(limit)],
        [small_feats], ok=(0, 1),
    )  # fmt: skip
    small_windows = len(pd.read_parquet(small_feats, columns=["eeg_id"]))
    full = run_measured("features", [*features, "--out", str(feats)], [feats], ok=(0, 1))
    full_windows = len(pd.read_parquet(feats, columns=["eeg_id"]))
    steps += [small, full]
    steps.append(
        run_measured(
            "train",
            ["train", "--data-dir", str(data), "--features", str(feats), "--model-dir",
             str(model), "--allow-missing-features", "-q", *jobs],
            [model],
        )
    )  # fmt: skip
    steps.append(
        run_measured(
            "predict",
            ["predict", "--data-dir", str(data), "--model-dir", str(model), "--out", str(sub),
             "-q", *jobs],
            [sub],
        )
    )  # fmt: skip
    test_ids = pd.read_csv(data / "test.csv")["eeg_id"].head(1).tolist()
    steps.append(
        run_measured(
            "explain",
            ["explain", "--data-dir", str(data), "--model-dir", str(model), "--out",
             str(reports), "-q", *[a for i in test_ids for a in ("--eeg-id", str(i))]],
            [reports],
        )
    )  # fmt: skip
    costs = feature_costs(small, small_windows, full, full_windows, args.n_jobs)
    report = json.loads((model / "cv_report.json").read_text())
    shipped = report["shipped_variant"]
    print(
        f"features: {costs['fixed_seconds']} s fixed + {costs['ms_per_window']} ms per window "
        f"({args.n_jobs} workers, reads included) -> {REAL_WINDOWS:,} windows in "
        f"{costs['real_minutes']} min ({'within' if costs['real_within_30_min'] else 'over'} "
        f"{FEATURE_BUDGET_MIN:g} min); from CPU time {costs['cpu_ms_per_window']} ms per "
        f"window -> {costs['real_minutes_from_cpu']} min on {args.n_jobs} dedicated cores"
    )
    print(
        json.dumps(
            {
                "preset": args.preset,
                "patients": int(train["patient_id"].nunique()),
                "eegs": int(n_eegs),
                "spectrograms": int(train["spectrogram_id"].nunique()),
                "rows": int(n_windows),
                "data_bytes": disk_bytes(data),
                "steps": [asdict(s) for s in steps],
                "features": costs,
                "shipped_variant": shipped,
                "oof_kl_eeg": report["scores"][shipped]["eeg"]["overall"],
                "oof_kl_high_vote": report["scores"][shipped]["high_vote"]["overall"],
                "psutil": _has_psutil(),
                "cpu_count": os.cpu_count(),
            }
        )
    )
    return 0


def _has_psutil() -> bool:
    try:
        import psutil  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
