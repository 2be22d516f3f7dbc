"""``hms features`` and ``hms synth`` as a user runs them (subprocess): retries, resume,
reports, argument checks, interrupts, bugs, closed pipes, help."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import (
    CLI_ENV,
    clean_layout,
    eeg_frame,
    faulty_layout,
    hms,
    make_dirs,
    no_traceback,
    terminal_sigint,
    write_train_csv,
)


def features(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return hms("features", "--data-dir", data, "--out", out, "--no-progress", *extra)


@pytest.fixture(scope="module")
def faulty_src(tmp_path_factory) -> Path:
    return faulty_layout(tmp_path_factory.mktemp("faulty"))


@pytest.fixture
def faulty(faulty_src, tmp_path) -> Path:
    """A private copy (tests repair its files)."""
    return Path(shutil.copytree(faulty_src, tmp_path / "data"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return clean_layout(tmp_path_factory.mktemp("clean"))


# --------------------------------------------------------------------------- 1. no cached failure


def test_a_rerun_retries_failed_windows_after_the_file_is_fixed(faulty, tmp_path):
    out = tmp_path / "f.parquet"
    first = features(faulty, out)
    no_traceback(first)
    assert first.returncode == 1
    assert "Run the same command again to retry" in first.stderr
    errors = pd.read_csv(tmp_path / "f.errors.csv")
    assert set(errors["eeg_id"]) == {3, 4, 5, 6}
    assert set(errors["kind"]) == {"data"}
    # the user adds the forgotten EEG 5 and repairs EEG 4
    rng = np.random.default_rng(1)
    eeg_frame(rng, 50).to_parquet(faulty / "train_eegs/5.parquet")
    eeg_frame(rng, 50).to_parquet(faulty / "train_eegs/4.parquet")
    second = features(faulty, out)
    no_traceback(second)
    assert second.returncode == 1
    assert "failed label row(s) of an earlier run retried" in second.stdout
    errors = pd.read_csv(tmp_path / "f.errors.csv")
    assert set(errors["eeg_id"]) == {3, 6}  # the report describes this run only
    rows = set(zip(*pd.read_parquet(out, columns=["eeg_id", "eeg_sub_id"]).to_numpy().T))
    assert {(4, 0), (5, 0)} <= rows
    # the last faults fixed: a clean finish leaves no parts and no error report
    eeg_frame(rng, 50).to_parquet(faulty / "train_eegs/6.parquet")
    write_train_csv(faulty, [r for r in _train_rows(faulty) if r[:2] != (3, 1)])
    third = features(faulty, out)
    assert third.returncode == 0, third.stderr
    assert not (tmp_path / "f.errors.csv").exists()
    assert not (tmp_path / "f.parquet.parts").exists()
    fresh = features(faulty, tmp_path / "fresh.parquet")
    assert fresh.returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(tmp_path / "fresh.parquet"))


def _train_rows(d: Path) -> list[tuple]:
    df = pd.read_csv(d / "train.csv")
    cols = ["eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id",
            "spectrogram_label_offset_seconds", "patient_id"]  # fmt: skip
    return [tuple(r) for r in df[cols].itertuples(index=False)]


def test_restart_discards_earlier_parts(faulty, tmp_path):
    out = tmp_path / "f.parquet"
    assert features(faulty, out).returncode == 1
    again = features(faulty, out, "--restart")
    assert again.returncode == 1
    assert " 0/" in again.stdout and "retried" not in again.stdout


def test_a_clean_run_leaves_only_its_output(clean, tmp_path):
    res = features(clean, tmp_path / "f.parquet")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.parquet"]
    assert res.stderr == ""


def test_resume_does_not_depend_on_n_jobs(tmp_path):
    """300 windows: the old plan gave 1 and 2 workers different chunks (0 resumed)."""
    data = clean_layout(tmp_path / "data", n_eegs=3, seconds=545.0, step=5.0)
    rows = _train_rows(data)
    write_train_csv(data, [*rows, (77, 0, 0.0, 100, 0.0, 9)])  # EEG 77 has no file
    out = tmp_path / "f.parquet"
    first = features(data, out, "--n-jobs", "1")
    assert first.returncode == 1
    second = features(data, out, "--n-jobs", "2")
    assert second.returncode == 1
    resumed, total = second.stdout.split(" chunks resumed")[0].rsplit(" ", 1)[-1].split("/")
    assert int(total) > 2 and int(resumed) == int(total) - 1


# --------------------------------------------------------------------------- 3. no traceback


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--n-jobs", "0"), "0 workers"),
        (("--limit", "0"), "expected a whole number >= 1"),
        (("--limit", "-1"), "expected a whole number >= 1"),
        (("--windows-per-chunk", "0"), "expected a whole number >= 1"),
    ],
)
def test_bad_numbers_are_refused_before_any_work(clean, tmp_path, extra, message):
    res = features(clean, tmp_path / "f.parquet", *extra)
    no_traceback(res)
    assert res.returncode == 2 and message in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_out_naming_a_folder_is_refused_before_any_work(clean, tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    res = features(clean, folder)
    no_traceback(res)
    assert res.returncode == 2
    assert f"--out {folder} is a folder" in res.stderr and "features.parquet" in res.stderr
    assert list(tmp_path.iterdir()) == [folder] and list(folder.iterdir()) == []


def test_a_missing_eeg_folder_is_one_error_not_a_failure_per_window(clean, tmp_path):
    data = Path(shutil.copytree(clean, tmp_path / "data"))
    shutil.rmtree(data / "train_eegs")
    res = features(data, tmp_path / "f.parquet")
    no_traceback(res)
    assert res.returncode == 2 and "train_eegs" in res.stderr and "not found" in res.stderr
    assert not (tmp_path / "f.parquet.parts").exists()


def test_synth_into_a_closed_pipe_finishes_quietly(tmp_path):
    out = tmp_path / "synth"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hms_features", "synth", "--out", str(out), "--patients", "1",
         "--test-eegs", "1", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CLI_ENV, text=True,
    )  # fmt: skip
    proc.stdout.close()  # as `| head` does once it has its lines
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert (out / "train.csv").is_file() and (out / "test.csv").is_file()


def test_synth_refuses_a_non_empty_folder_in_command_line_words(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    res = hms("synth", "--out", tmp_path, "--patients", "1", "--no-progress")
    no_traceback(res)
    assert res.returncode == 2 and "--overwrite" in res.stderr and "=True" not in res.stderr


# --------------------------------------------------------------------------- bugs vs bad data

_PATCHED_RUN = """
import sys
import hms_features.features.extractor as ex
ex.feature_names()  # the column names come from a made-up window: compute them unpatched
real, calls, first = ex.family_vector, [], []
def broken(family, ctx):
    # a defect of a feature family on one window (the first seen), or on all: not of the data
    calls.append(1)
    first[:] = first or [ctx]
    if {always} or ctx is first[0]:
        return 1 / 0
    return real(family, ctx)
ex.family_vector = broken  # every window goes through it, in a batch or alone
from hms_features.cli import main
status = main(["features", "--data-dir", sys.argv[1], "--out", sys.argv[2], "--no-progress"])
print("calls", len(calls))
sys.exit(status)
"""


def _patched(always: bool, data: Path, out: Path) -> subprocess.CompletedProcess:
    code = _PATCHED_RUN.format(always=always)
    return subprocess.run(
        [sys.executable, "-c", code, str(data), str(out)],
        capture_output=True, text=True, env=CLI_ENV, timeout=300,
    )  # fmt: skip


def test_an_unexpected_error_is_reported_as_a_bug_with_its_traceback(clean, tmp_path):
    res = _patched(False, clean, tmp_path / "f.parquet")
    assert res.returncode == 3, res.stderr
    assert "a bug in hms-features" in res.stderr
    errors = pd.read_csv(tmp_path / "f.errors.csv")
    assert list(errors["kind"]) == ["bug"]
    assert "ZeroDivisionError" in errors["reason"][0]
    assert "Traceback" in errors["traceback"][0] and "in broken" in errors["traceback"][0]


def test_a_repeated_unexpected_error_stops_the_run_and_shows_the_traceback(clean, tmp_path):
    res = _patched(True, clean, tmp_path / "f.parquet")
    assert res.returncode == 3
    assert "Traceback" in res.stderr and "ZeroDivisionError" in res.stderr
    assert "the same unexpected error failed 3 windows" in res.stderr
    assert "internal error" in res.stderr
    assert not (tmp_path / "f.parquet").exists()


# --------------------------------------------------------------------------- 4. nothing silent


def test_a_header_only_label_table_is_an_error(tmp_path):
    data = make_dirs(tmp_path / "data")
    write_train_csv(data, [])
    res = features(data, tmp_path / "f.parquet")
    no_traceback(res)
    assert res.returncode == 2 and "no label rows" in res.stderr


def test_unusable_spectrograms_are_recomputed_and_reported(clean, tmp_path):
    data = Path(shutil.copytree(clean, tmp_path / "data"))
    (data / "train_spectrograms/100.parquet").write_bytes(b"not parquet")
    pd.DataFrame({"time": [1, 3], "x": [1.0, 2.0]}).to_parquet(
        data / "train_spectrograms/101.parquet"
    )
    res = features(data, tmp_path / "f.parquet")
    assert res.returncode == 0, res.stderr
    assert "used a spectrogram recomputed from the EEG" in res.stderr
    notes = pd.read_csv(tmp_path / "f.warnings.csv")
    reasons = notes.groupby("file")["reason"].first()
    assert set(notes["eeg_id"]) == {1, 2}
    assert "not a readable parquet" in reasons[str(data / "train_spectrograms/100.parquet")]
    assert "missing" in reasons[str(data / "train_spectrograms/101.parquet")]
    feats = pd.read_parquet(tmp_path / "f.parquet")
    recomputed = feats.groupby("eeg_id")["global__spectrogram_recomputed"].max()
    assert recomputed.to_dict() == {1: 1.0, 2: 1.0, 3: 0.0}


# --------------------------------------------------------------------------- 2. Ctrl-C


def _without_resource_tracker(stderr: str) -> list[str]:
    """The lines of ``stderr`` without those of loky's resource tracker.

    The tracker is a process of its own that shares the command's stderr and ends when the
    command's process has exited: after a Ctrl-C that killed the workers it may warn about the
    semaphores they left (``resource_tracker: ... leaked semlock objects``), or print the
    traceback of a message about one it no longer knows, before or after the command's last
    line (caught by this test under load, a few runs in a hundred). Those are loky's messages
    about its own bookkeeping, not the command's output, whose last line is what is checked.
    """
    lines, own, i = stderr.strip().splitlines(), [], 0
    while i < len(lines):
        if "resource_tracker.py" in lines[i] and "Warning:" in lines[i]:
            i += 2  # the warning and the source line the warnings module shows under it
        elif lines[i].startswith("Traceback") and "resource_tracker.py" in "".join(
            lines[i : i + 2]
        ):
            i += 1
            while i < len(lines) and lines[i].startswith(" "):
                i += 1
            i += 1  # the exception's own line
        else:
            own.append(lines[i])
            i += 1
    return own


@pytest.mark.slow
@pytest.mark.parametrize(("n_jobs", "delay"), [(1, 1.5), (2, 1.5), (2, 3.0)])
def test_ctrl_c_stops_the_run_and_is_never_a_failure(tmp_path, n_jobs, delay):
    data = clean_layout(tmp_path / "data", n_eegs=4, seconds=120.0, step=2.0)  # 144 windows
    out = tmp_path / "f.parquet"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hms_features", "features", "--data-dir", str(data), "--out",
         str(out), "--no-progress", "--n-jobs", str(n_jobs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=CLI_ENV, text=True,
        start_new_session=True, preexec_fn=terminal_sigint,
    )  # fmt: skip
    # the signal comes `delay` s into the run: counted from its first act (the parts folder),
    # not from the process start, whose imports take seconds on a loaded machine (a Ctrl-C
    # then meets Python still importing, before the command's own handling exists)
    parts = tmp_path / "f.parquet.parts"
    deadline = time.monotonic() + 60
    while not parts.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(delay - 1.0)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    _, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 10
    # 130, or killed by the SIGINT itself when it lands while Python starts or shuts down
    # (which a shell also reports as 130)
    assert proc.returncode in (130, -signal.SIGINT), stderr
    own = _without_resource_tracker(stderr)
    assert own[-1] == "interrupted" and "Traceback" not in "\n".join(own), stderr
    assert not (tmp_path / "f.errors.csv").exists()
    # no worker left running: killed workers (and loky's resource tracker, which leaves when
    # its pipe closes) are gone within moments, a little later on a loaded machine
    deadline = time.monotonic() + 5.0
    while True:
        ps = subprocess.run(["ps", "-o", "stat=", "-g", str(proc.pid)], capture_output=True,
                            text=True)  # fmt: skip
        if all(s.startswith("Z") for s in ps.stdout.split()) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert all(s.startswith("Z") for s in ps.stdout.split()), ps.stdout
    resumed = features(data, out, "--n-jobs", str(n_jobs))
    assert resumed.returncode == 0, resumed.stderr
    assert len(pd.read_parquet(out)) == len(pd.read_csv(data / "train.csv"))


# --------------------------------------------------------------------------- 6. help


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("features", ["example:", "(default: train)", "(default: 1)", "--restart", "--quiet"]),
        ("synth", ["example:", "(default: 0)", "--quiet", "--no-progress"]),
    ],
)
def test_help_teaches(command, shown):
    res = hms(command, "--help")
    assert res.returncode == 0
    for text in shown:
        assert text in res.stdout, text
