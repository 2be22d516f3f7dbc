"""The feature factory: windows, dedup, bad files, resume, Dask backend, genuine files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import eeg_frame, faulty_layout, spec_frame

from hms_features.constants import VOTE_COLUMNS
from hms_features.factory import extract_features, run_extraction
from hms_features.factory.windows import KEY_COLUMNS, assign_windows, plan_chunks
from hms_features.features.extractor import context_values, feature_names

FS = 200


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> Path:
    """The faulty layout of :func:`helpers.faulty_layout`."""
    return faulty_layout(tmp_path_factory.mktemp("kaggle"))


def test_plan_keeps_each_eeg_in_one_chunk_and_dedups_windows(layout):
    rows = pd.read_csv(layout / "train.csv")
    with_windows = assign_windows(rows)
    assert with_windows.loc[1, "window"] == with_windows.loc[2, "window"]
    assert with_windows["window"].nunique() == len(rows) - 1
    chunks = plan_chunks(rows, windows_per_chunk=2)
    seen = [set(c["eeg_id"]) for c in chunks]
    assert sum(len(s) for s in seen) == rows["eeg_id"].nunique()  # no EEG split across chunks
    assert sum(len(c) for c in chunks) == len(rows)


def test_eegs_of_one_recording_share_a_chunk_and_one_spectrogram_read(tmp_path, monkeypatch):
    """EEGs cut from the same recording (same spectrogram) are planned one after another, and
    their spectrogram file is read once for all of them."""
    import hms_features.factory.chunk as chunk_module

    rng = np.random.default_rng(3)
    for sub in ("train_eegs", "train_spectrograms"):
        (tmp_path / sub).mkdir()
    # EEGs 1 and 3 come from recording 50, EEG 2 from recording 40
    for eeg_id in (1, 2, 3):
        eeg_frame(rng, 50).to_parquet(tmp_path / f"train_eegs/{eeg_id}.parquet")
    for sid in (40, 50):
        spec_frame(rng, 320).to_parquet(tmp_path / f"train_spectrograms/{sid}.parquet")
    rows = pd.DataFrame(
        {"eeg_id": [1, 2, 3], "eeg_sub_id": 0, "eeg_label_offset_seconds": 0.0,
         "spectrogram_id": [50, 40, 50], "spectrogram_sub_id": 0,
         "spectrogram_label_offset_seconds": [0.0, 0.0, 100.0], "label_id": [1, 2, 3],
         "patient_id": 7, "expert_consensus": "Other"}
    )  # fmt: skip
    for c in VOTE_COLUMNS:
        rows[c] = 1
    rows.to_csv(tmp_path / "train.csv", index=False)
    (chunk,) = plan_chunks(rows, windows_per_chunk=10)
    assert list(chunk["eeg_id"]) == [2, 1, 3]
    reads = []
    real = chunk_module.read_spectrogram
    monkeypatch.setattr(chunk_module, "read_spectrogram", lambda p: reads.append(p.stem) or real(p))
    summary = run_extraction(tmp_path, "train", tmp_path / "f.parquet", progress=False)
    assert summary.ok and summary.n_rows_written == 3
    assert sorted(reads) == ["40", "50"]


def test_extraction_survives_bad_files_and_reports_them(layout, tmp_path):
    out = tmp_path / "f.parquet"
    s = run_extraction(layout, "train", out, n_jobs=1, windows_per_chunk=3, progress=False)
    feats = pd.read_parquet(out)
    errors = pd.read_csv(s.errors_path)
    good = {(1, 0), (1, 1), (1, 2), (2, 0), (3, 0)}
    assert set(zip(feats["eeg_id"], feats["eeg_sub_id"])) == good
    assert list(feats.columns[:2]) == list(KEY_COLUMNS["train"])
    assert list(feats.columns[2:]) == list(feature_names())
    assert (feats.dtypes.iloc[2:] == np.float32).all()
    assert np.isfinite(feats.iloc[:, 2:].to_numpy()).all()
    # the duplicated window is computed once and copied
    pd.testing.assert_series_equal(feats.iloc[1, 2:], feats.iloc[2, 2:], check_names=False)
    reasons = dict(zip(errors["eeg_id"], errors["reason"]))
    assert set(errors["eeg_id"]) == {3, 4, 5, 6} and len(errors) == 4
    assert "past" in reasons[3] or "needs samples" in reasons[3]
    assert "not a readable parquet" in reasons[4]
    assert "not found" in reasons[5]
    assert "T4" in reasons[6]
    assert errors.set_index("eeg_id").loc[4, "file"].endswith("4.parquet")
    assert s.n_failed_rows == 4 and not s.ok
    assert s.n_recomputed_spectrograms == 1  # EEG 2's spectrogram file is absent
    recomputed = feats.set_index("eeg_id").loc[2, "global__spectrogram_recomputed"]
    assert recomputed == 1.0


def test_features_equal_direct_extraction(layout, tmp_path):
    """The factory's row is the window's features as a slice of the stretch that EEG 1's
    overlapping windows cover (cleaned once: feature set version 2)."""
    out = tmp_path / "f.parquet"
    run_extraction(layout, "train", out, progress=False)
    row = pd.read_parquet(out).query("eeg_id == 1 and eeg_sub_id == 1").iloc[0]
    from hms_features.data import read_eeg, read_spectrogram, spectrogram_window
    from hms_features.data.eeg import window_start
    from hms_features.features.span import span_windows

    labels = pd.read_csv(layout / "train.csv").query("eeg_id == 1")
    offsets = labels["eeg_label_offset_seconds"].drop_duplicates().to_numpy()
    starts = np.array([window_start(o) for o in offsets])
    eeg = read_eeg(layout / "train_eegs/1.parquet")
    spec = spectrogram_window(*read_spectrogram(layout / "train_spectrograms/11.parquet"), 10.0)
    i = int(np.flatnonzero(offsets == 10.0)[0])
    ((members, first, span),) = [s for s in span_windows(eeg, starts) if i in s[0]]
    direct = context_values(span.window(int(starts[i]) - first, spectrogram=spec))
    np.testing.assert_allclose(
        row[list(direct)].to_numpy(dtype=float),
        np.array(list(direct.values()), dtype=np.float32),
        rtol=1e-6,
    )


def test_resume_recomputes_nothing_done_and_retries_only_failed_rows(layout, tmp_path, monkeypatch):
    out = tmp_path / "f.parquet"
    first = run_extraction(layout, "train", out, windows_per_chunk=2, progress=False)
    before = pd.read_parquet(out)
    parts = tmp_path / "f.parquet.parts"
    failed_chunks = sorted(
        i for i, m in enumerate(sorted(parts.glob("*.done.json")))
        if json.loads(m.read_text())["failures"]
    )  # fmt: skip
    assert failed_chunks and 0 not in failed_chunks
    # simulate an interruption: drop one clean chunk's marker, then count what a re-run computes
    sorted(parts.glob("*.done.json"))[0].unlink()
    import hms_features.factory.backends as backends

    calls: dict[int, set] = {}
    real = backends.extract_chunk

    def spy(data_dir, split, chunk, index, *a, **k):
        calls[index] = set(zip(chunk["eeg_id"], chunk["eeg_sub_id"]))
        return real(data_dir, split, chunk, index, *a, **k)

    monkeypatch.setattr(backends, "extract_chunk", spy)
    second = run_extraction(layout, "train", out, windows_per_chunk=2, progress=False)
    assert sorted(calls) == [0, *failed_chunks]
    # a chunk with failures gives only its failed rows to the retry
    retried = set().union(*(calls[i] for i in failed_chunks))
    assert retried == {(3, 1), (4, 0), (5, 0), (6, 0)}
    assert second.n_chunks_resumed == first.n_chunks - 1 - len(failed_chunks)
    assert second.n_rows_retried == 4 and second.n_failed_rows == 4
    pd.testing.assert_frame_equal(before, pd.read_parquet(out))


def test_a_marker_without_its_rows_is_computed_again(layout, tmp_path):
    """A finished chunk whose part file is gone (or was written as parquet by an older
    version) is computed again: its rows are never silently left out of the output."""
    out = tmp_path / "f.parquet"
    run_extraction(layout, "train", out, windows_per_chunk=2, progress=False)
    before = pd.read_parquet(out)
    parts = tmp_path / "f.parquet.parts"
    assert parts.is_dir()  # the layout has failures: the parts stay
    npz = sorted(parts.glob("*.npz"))
    npz[0].rename(npz[0].with_suffix(".parquet"))  # the layout of an older version
    second = run_extraction(layout, "train", out, windows_per_chunk=2, progress=False)
    assert second.n_chunks_resumed < second.n_chunks
    pd.testing.assert_frame_equal(before, pd.read_parquet(out))


def test_a_marker_of_an_older_version_is_computed_again(layout, tmp_path):
    out = tmp_path / "f.parquet"
    first = run_extraction(layout, "train", out, windows_per_chunk=2, progress=False)
    for marker in (tmp_path / "f.parquet.parts").glob("*.done.json"):
        meta = json.loads(marker.read_text())
        meta["errors"] = meta.pop("failures")  # the 0.1 layout of a marker
        marker.write_text(json.dumps(meta))
    second = run_extraction(layout, "train", out, windows_per_chunk=2, progress=False)
    assert second.n_chunks_resumed == 0 and second.n_rows_written == first.n_rows_written


def test_parallel_equals_serial(layout, tmp_path):
    a = run_extraction(layout, "train", tmp_path / "a.parquet", n_jobs=1, progress=False)
    b = run_extraction(
        layout, "train", tmp_path / "b.parquet", n_jobs=2, windows_per_chunk=2, progress=False
    )
    pd.testing.assert_frame_equal(pd.read_parquet(a.out), pd.read_parquet(b.out))


def test_dask_backend_gives_the_same_numbers(layout, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        d = run_extraction(
            layout, "train", tmp_path / "d.parquet", n_jobs=2, windows_per_chunk=2,
            scheduler=cluster.scheduler_address, progress=False,
        )  # fmt: skip
    s = run_extraction(layout, "train", tmp_path / "s.parquet", progress=False)
    pd.testing.assert_frame_equal(pd.read_parquet(d.out), pd.read_parquet(s.out))


def test_cli_exit_status(layout, tmp_path):
    from hms_features.cli import main

    assert main(["features", "--data-dir", str(layout), "--split", "train",
                 "--out", str(tmp_path / "t.parquet"), "--no-progress"]) == 1  # fmt: skip
    assert main(["features", "--data-dir", str(layout), "--split", "test",
                 "--out", str(tmp_path / "x.parquet"), "--no-progress"]) == 0  # fmt: skip
    test = pd.read_parquet(tmp_path / "x.parquet")
    assert list(test.columns[:2]) == ["eeg_id", "spectrogram_id"] and len(test) == 1


def test_genuine_sample_files_end_to_end(hms_samples, tmp_path):
    data = tmp_path / "hms"
    shutil.copytree(hms_samples, data, ignore=shutil.ignore_patterns("example_figures"))
    s = run_extraction(data, "train", tmp_path / "train.parquet", progress=False)
    assert s.ok and s.n_rows_written == 10 and s.n_windows == 10
    # EEG 1000913311's spectrogram (175871552) is not in the samples: recomputed from EEG
    assert s.n_recomputed_spectrograms == 1
    feats = pd.read_parquet(tmp_path / "train.parquet")
    assert np.isfinite(feats.iloc[:, 2:].to_numpy()).all()
    test = extract_features(data, "test", progress=False)
    assert list(test["eeg_id"]) == [3911565283] and test.shape[1] == len(feature_names()) + 2
