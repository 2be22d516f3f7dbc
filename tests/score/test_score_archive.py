"""``hms score RECORDINGS... --out DIR``: whole archives (issue 18), locally and on Dask, on
three short synthetic recordings, one of them broken."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import edf

from hms_features.cli import main
from hms_features.score.archive import DONE_FILE, find_recordings, score_archive


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from helpers import session_example

    return session_example(tmp_path_factory.getbasetemp()).model


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two good 60-s recordings (one with a flat electrode) and a broken file, in a folder."""
    root = tmp_path_factory.mktemp("archive")
    edf(root / "a.edf", 60, seed=1)
    sub = root / "ward2"
    sub.mkdir()
    edf(sub / "b.edf", 60, seed=2, flat=("T4",))
    (root / "broken.edf").write_bytes(b"not an EDF at all")
    (root / "notes.txt").write_text("not a recording")
    return root


def test_archive_scores_each_recording_and_survives_a_broken_one(archive, model_dir, tmp_path,
                                                                 capsys):  # fmt: skip
    out = tmp_path / "scored"
    args = ["score", str(archive), "--model-dir", str(model_dir), "--out", str(out), "-q",
            "--n-jobs", "1", "--no-page"]  # fmt: skip
    assert main(args) == 1  # done, but one recording failed for its data
    printed = capsys.readouterr().out
    assert "2 scored, 1 failed" in printed and "broken.edf" in printed
    index = pd.read_csv(out / "index.csv")
    assert list(index["folder"]) == ["a", "broken", "b"]
    by = index.set_index("folder")
    assert by.loc["broken", "status"] == "failed"
    assert "broken.edf" in by.loc["broken", "reason"] and "MNE" in by.loc["broken", "reason"]
    assert (by.loc[["a", "b"], "status"] == "scored").all()
    assert by.loc["b", "bad_channels"].startswith("T4: flat in ")
    assert by.loc["a", "duration_s"] == 60 and by.loc["a", "n_events"] >= 0
    for name in ("a", "b"):
        assert (out / name / f"{name}_timeline.parquet").is_file()
        assert (out / name / DONE_FILE).is_file()
    assert not (out / "broken" / DONE_FILE).exists()
    page = (out / "index.html").read_text()
    assert page.count("<tr>") == 4 and "T4: flat" in page

    # resume: done recordings are skipped, the failed one is retried
    stamp = (out / "a" / "a_timeline.parquet").stat().st_mtime_ns
    assert main(args) == 1
    printed = capsys.readouterr().out
    assert "2 skipped (done), 1 failed" in printed
    assert (out / "a" / "a_timeline.parquet").stat().st_mtime_ns == stamp
    # the file repaired: the next run scores it; --overwrite scores everything again
    edf(archive / "broken.edf", 30, seed=3)
    try:
        assert main(args) == 0
        assert "1 scored, 2 skipped (done)" in capsys.readouterr().out
        assert main([*args, "--overwrite"]) == 0
        assert "3 scored" in capsys.readouterr().out
        assert (out / "a" / "a_timeline.parquet").stat().st_mtime_ns != stamp
    finally:
        (archive / "broken.edf").write_bytes(b"not an EDF at all")


def test_archive_on_a_dask_cluster(archive, model_dir, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        result = score_archive([archive], model_dir, tmp_path / "d", page=False,
                               scheduler=cluster.scheduler_address)  # fmt: skip
    assert result.exit_status == 1
    local = score_archive([archive / "a.edf"], model_dir, tmp_path / "l", page=False, n_jobs=1)
    d = pd.read_parquet(tmp_path / "d" / "a" / "a_timeline.parquet")
    s = pd.read_parquet(tmp_path / "l" / "a" / "a_timeline.parquet")
    pd.testing.assert_frame_equal(d, s, check_exact=False, rtol=1e-6)
    assert list(result.index["status"]) == ["scored", "failed", "scored"]
    assert local.exit_status == 0
    summary = json.loads((tmp_path / "d" / "b" / DONE_FILE).read_text())
    assert summary["status"] == "scored"


def test_archive_inputs_are_checked_before_any_work(archive, model_dir, tmp_path, capsys):
    assert main(["score", str(archive / "a.edf"), str(tmp_path / "nope.edf"), "--model-dir",
                 str(model_dir), "--out", str(tmp_path / "o")]) == 2  # fmt: skip
    assert "nope.edf not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    twin = tmp_path / "x"
    twin.mkdir()
    edf(twin / "a.edf", 20)
    with pytest.raises(Exception, match="would share the sub-folder 'a'"):
        score_archive([archive / "a.edf", twin / "a.edf"], model_dir, tmp_path / "o")
    assert [p.name for p in find_recordings([archive])] == ["a.edf", "broken.edf", "b.edf"]
