"""``make demo``: the whole pipeline end to end on the synthetic data set.

synth -> features -> train (patient-grouped CV) -> predict (synthetic test set, and the genuine
test sample where ``../shared/data/hms_samples`` exists) -> review reports and cohort views.
Every step is the same ``hms`` sub-command a user runs; the demo only chains them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hms_features.cli import main as hms


def _step(title: str, argv: list[str], allowed: tuple[int, ...] = (0,)) -> None:
    print(f"\n=== {title}\n$ hms {' '.join(argv)}", flush=True)
    t0 = time.perf_counter()
    code = hms(argv)
    print(f"--- {title}: {time.perf_counter() - t0:.1f} s", flush=True)
    if code not in allowed:
        raise SystemExit(f"demo step '{title}' failed with exit status {code}")


def _genuine_samples() -> Path | None:
    here = Path(__file__).resolve().parents[2] / "shared" / "data" / "hms_samples"
    return here if (here / "test.csv").is_file() else None


#: Marks a folder written by the demo, which a later demo may replace.
MARKER: str = ".hms-demo"


def _claim(out: Path) -> bool:
    """The demo's output folder: new, empty, or one an earlier demo wrote (marked with
    :data:`MARKER`), whose generated files a new run replaces (``make demo`` twice works).
    Any other non-empty folder is refused. Returns True when an earlier demo's files are
    there."""
    earlier = (out / MARKER).is_file()
    if out.is_dir() and any(out.iterdir()) and not earlier:
        raise SystemExit(
            f"demo: {out} exists, is not empty and was not written by the demo; choose another "
            "--out (or DEMO=... for make demo)"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by python -m hms_features.demo\n")
    return earlier


def main(argv: list[str] | None = None) -> int:
    """Run the demo; see ``python -m hms_features.demo --help``.

    Long on purpose: the demo's steps one after the other, each a call with its printed line,
    so that reading it top to bottom is the tutorial of what a user runs.
    """
    p = argparse.ArgumentParser(prog="python -m hms_features.demo", description=__doc__)
    p.add_argument("--out", default="demo_out", help="output folder (default demo_out)")
    p.add_argument("--n-jobs", default="2", help="parallel workers")
    p.add_argument("--seed", default="0")
    p.add_argument(
        "--patients", default=None, help="synthetic patients (default: the synth default)"
    )
    args = p.parse_args(argv)
    out = Path(args.out)
    data, feats = out / "data", out / "features_train.parquet"
    model, reports = out / "models" / "demo", out / "reports"
    t0 = time.perf_counter()
    again = ["--overwrite"] if _claim(out) else []

    synth = ["synth", "--out", str(data), "--seed", args.seed, "--n-jobs", args.n_jobs, *again]
    if args.patients:
        synth += ["--patients", args.patients]
    _step("synthetic data set", synth)
    # the synthetic set contains a few deliberately corrupt files: exit status 1 is expected
    _step(
        "features (train)",
        ["features", "--data-dir", str(data), "--split", "train", "--out", str(feats),
         "--n-jobs", args.n_jobs, "--no-progress"],
        allowed=(0, 1),
    )  # fmt: skip
    # ... so the label rows of those files have no features: train without them, explicitly
    _step(
        "train (5-fold patient-grouped CV)",
        ["train", "--data-dir", str(data), "--features", str(feats), "--model-dir", str(model),
         "--seed", args.seed, "--n-jobs", args.n_jobs, "--allow-missing-features"],
    )  # fmt: skip
    _step(
        "predict (synthetic test set)",
        ["predict", "--data-dir", str(data), "--model-dir", str(model),
         "--out", str(out / "submission.csv"), "--n-jobs", args.n_jobs],
    )  # fmt: skip
    genuine = _genuine_samples()
    if genuine is not None:
        _step(
            "predict (genuine competition test sample)",
            ["predict", "--data-dir", str(genuine), "--model-dir", str(model),
             "--out", str(out / "submission_genuine_sample.csv")],
        )  # fmt: skip
    from hms_features.data import KaggleLayout, read_labels

    layout = KaggleLayout(data)
    test_ids = read_labels(layout.labels_csv("test"), "test")["eeg_id"].head(2).astype(str)
    train_labels = read_labels(layout.labels_csv("train"), "train")
    train_ids = train_labels["eeg_id"].drop_duplicates().head(3).astype(str)
    explain = ["explain", "--data-dir", str(data), "--model-dir", str(model), "--out", str(reports)]
    _step(
        "review reports (test EEGs)",
        [*explain, "--split", "test", *sum((["--eeg-id", i] for i in test_ids), [])],
    )
    _step(
        "review reports (train EEGs)",
        [*explain, "--split", "train", *sum((["--eeg-id", i] for i in train_ids), [])],
    )
    _step(
        "cohort views",
        ["cohort", "--data-dir", str(data), "--model-dir", str(model), "--features", str(feats),
         "--out", str(out / "cohort")],
    )  # fmt: skip

    recording = out / "recording" / "rec_30min.edf"
    _step(
        "synthetic clinical recording (30 minutes, EDF)",
        [
            "synth-recording",
            "--out",
            str(recording),
            "--minutes",
            "30",
            "--seed",
            args.seed,
            *again,
        ],  # fmt: skip
    )
    _step(
        "score the recording (timeline, events, page)",
        ["score", str(recording), "--model-dir", str(model), "--out", str(out / "scored"),
         "--n-jobs", args.n_jobs],
    )  # fmt: skip

    report_md = model / "cv_report.md"
    print("\n=== cross-validated KL divergence (lower is better)")
    if report_md.is_file():
        print(report_md.read_text())
    print(
        f"demo finished in {time.perf_counter() - t0:.0f} s. Outputs:\n"
        f"  synthetic data set   {data}/\n"
        f"  features             {feats} (errors: {feats.with_name(feats.stem + '.errors.csv')})\n"
        f"  model + CV report    {model}/ (cv_report.md, cv_report.json, oof.parquet)\n"
        f"  submission           {out / 'submission.csv'}\n"
        + (f"  genuine sample       {out / 'submission_genuine_sample.csv'}\n" if genuine else "")
        + f"  review reports       {reports}/\n"
        f"  cohort views         {out / 'cohort'}/\n"
        f"  scored recording     {out / 'scored' / 'rec_30min_timeline.html'} (truth: "
        f"{recording.with_name('rec_30min_events.tsv')})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
