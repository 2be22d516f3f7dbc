"""Command-line faults of issue 18: a GPU LightGBM cannot use, an EDF overwritten without being
asked, a second ``make demo``, and the packaging metadata setuptools deprecates."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from helpers import ROOT, hms

# ------------------------------------------------------------------ 6: --device-type


@pytest.mark.parametrize("device", ["gpu", "cuda"])
def test_a_device_lightgbm_cannot_use_is_one_error_line(device, tmp_path):
    """Was a traceback calling itself a bug (exit 3). (On a machine with a working GPU build
    the check passes and the run goes on to the missing inputs: the test then skips.)"""
    from hms_features.errors import UsageError
    from hms_features.model.config import check_device

    try:
        check_device(device)
    except UsageError:
        pass
    else:  # pragma: no cover - a machine with a usable GPU
        pytest.skip(f"LightGBM trains on {device} here")
    features = tmp_path / "features.parquet"
    features.write_bytes(b"checked before it is read")
    proc = hms("train", "--data-dir", str(tmp_path), "--features", str(features),
               "--model-dir", str(tmp_path / "m"), "--device-type", device)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: --device-type " + device), proc.stderr
    assert "--device-type cpu" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "m").exists()


def test_a_device_typo_is_a_usage_error():
    proc = hms("train", "--data-dir", ".", "--features", "x", "--model-dir", "m",
               "--device-type", "gpux")  # fmt: skip
    assert proc.returncode == 2 and "invalid choice: 'gpux'" in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------ 7: overwriting


def test_synth_recording_refuses_to_overwrite_an_existing_file(tmp_path):
    """Was: silently overwritten (it could be a real recording)."""
    real = tmp_path / "patient.edf"
    real.write_bytes(b"a real recording")
    proc = hms("synth-recording", "--out", str(real), "--minutes", "0.1")
    assert proc.returncode == 2 and "already exist" in proc.stderr and "--overwrite" in proc.stderr
    assert real.read_bytes() == b"a real recording"
    proc = hms("synth-recording", "--out", str(real), "--minutes", "0.1", "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert real.read_bytes()[:8] == b"0       "  # an EDF header now


def test_demo_claims_only_its_own_folder(tmp_path):
    """A second demo replaces its own outputs (was: it stopped asking for --overwrite, which
    make cannot pass); a folder the demo did not write is never replaced."""
    from hms_features.demo import MARKER, _claim

    out = tmp_path / "demo_out"
    assert _claim(out) is False and (out / MARKER).is_file()
    (out / "data").mkdir()
    assert _claim(out) is True  # the second run: its own folder
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    with pytest.raises(SystemExit, match="not written by the demo"):
        _claim(other)
    assert (other / "notes.txt").read_text() == "keep"


# ------------------------------------------------------------------ 9: packaging metadata


def test_license_is_an_spdx_expression():
    """Was ``license = { text = "MIT" }``, deprecated by setuptools (2027-02-18 deadline)."""
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert doc["project"]["license"] == "MIT"
    assert "setuptools>=77" in doc["build-system"]["requires"]


def test_building_the_package_prints_no_deprecation(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 and "No matching distribution" in proc.stderr:
        pytest.skip("no package index reachable to build in isolation")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout + proc.stderr
    assert "deprecated" not in text.lower(), text


# ------------------------------------------------------------------ 8: README claims


def test_readme_command_overview_lists_every_command():
    """Was: the overview omitted ``score`` and ``synth-recording``."""
    from hms_features.cli import build_parser

    text = (ROOT / "README.md").read_text()
    overview = text.split("## What it does", 1)[1].split("```", 2)[1]
    listed = {line.split()[1] for line in overview.splitlines() if line.startswith("hms ")}
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)
    assert commands <= listed, commands - listed


def test_a_thirty_second_recording_is_usable_as_the_readme_says(tmp_path):
    """Was: the README called 10-50 s recordings "poor"; a 30-s one was "ok"."""
    import numpy as np

    from hms_features.score.quality import usable
    from hms_features.score.windows import segment_onsets, window_starts

    onsets = segment_onsets(30.0)
    inside = [
        (np.clip(np.arange(s, s + 10_000), 0, 6_000 - 1) == np.arange(s, s + 10_000)).mean()
        for s in window_starts(onsets)
    ]
    assert [usable(1 - f, np.zeros(19, bool)) for f in inside] == [True, True, True]
    assert "each hold its 30 s: all\n`ok`" in (ROOT / "README.md").read_text()
