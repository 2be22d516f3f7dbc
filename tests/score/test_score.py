"""Scoring a whole recording: windows, spectrogram, events, outputs, short and broken files."""

from __future__ import annotations

import re
import warnings

import edfio
import mne
import numpy as np
import pandas as pd
import pytest

from hms_features.cli import main
from hms_features.constants import EEG_CHANNELS, VOTE_COLUMNS
from hms_features.data.recording import RecordingReader
from hms_features.errors import HMSWarning
from hms_features.score.events import merge_windows
from hms_features.score.extract import first_rows, recording_spectrogram, spectrogram_window
from hms_features.score.run import score_recording
from hms_features.score.windows import RecordingTooShortError, segment_onsets
from hms_features.signal.spectrogram import spectrogram_around
from hms_features.synth.continuous import synth_recording

MINUTES = 6


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A 6-minute continuous synthetic recording (EDF, 256 Hz) and its truth."""
    out = tmp_path_factory.mktemp("rec") / "rec.edf"
    synth_recording(out, MINUTES, seed=11)
    return out


@pytest.fixture(scope="module")
def scored(recording, model_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("scored")
    return score_recording(recording, model_dir, out, n_jobs=1, progress=False), out


def _edf(path, seconds, fs=256, flat=None, seed=0):
    """A plain EDF of Gaussian microvolts; ``flat`` names an electrode written as zeros."""
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    sigs = []
    for c in EEG_CHANNELS:
        x = np.zeros(n) if c == flat else rng.normal(0.0, 20.0, n)
        sigs.append(edfio.EdfSignal(x, fs, label=c, physical_dimension="uV",
                                    physical_range=(-1000.0, 1000.0)))  # fmt: skip
    edfio.Edf(sigs, data_record_duration=seconds).write(path)
    return path


# ------------------------------------------------------------------ windows and events


def test_segments_tile_the_recording():
    onsets = segment_onsets(3600.0)
    assert len(onsets) == 360 and onsets[-1] + 10 == 3600
    assert len(segment_onsets(3600.0, step=2.0)) == 1796
    assert segment_onsets(100.0, start=30.0, end=70.0).tolist() == [30.0, 40.0, 50.0, 60.0]
    with pytest.raises(RecordingTooShortError, match="lasts 7 s"):
        segment_onsets(7.0)
    with pytest.raises(ValueError, match="--end"):
        segment_onsets(100.0, start=50.0, end=40.0)


def test_merge_rule_hysteresis_and_minimum():
    p = np.zeros((8, 6))
    p[:, 5] = 1.0  # Other
    p[1:5, [0, 5]] = [[0.7, 0.3], [0.35, 0.3], [0.6, 0.4], [0.2, 0.8]]  # seizure 1-3 (hysteresis)
    p[6, [3, 5]] = [0.9, 0.1]  # one LRDA window: shorter than 20 s, dropped
    ev = merge_windows(np.arange(8) * 10.0, p)
    assert ev[["onset", "duration", "trial_type", "n_windows"]].values.tolist() == [
        [10.0, 30.0, "Seizure", 3],
        [40.0, 20.0, "Other", 2],
    ]
    ok = np.ones(8, bool)
    ok[2] = False  # a poor window breaks the episode
    assert "Seizure" not in merge_windows(np.arange(8) * 10.0, p, ok)["trial_type"].tolist()
    # overlapping windows (step 2): events never overlap
    q = np.repeat(p, 5, axis=0)
    ev2 = merge_windows(np.arange(40) * 2.0, q, min_duration=0)
    assert (ev2["onset"].iloc[1:].to_numpy() >= (ev2["onset"] + ev2["duration"]).iloc[:-1]).all()


def test_window_spectrogram_equals_spectrogram_around(recording):
    reader = RecordingReader(recording)
    spec = recording_spectrogram(reader)
    eeg = reader.read_all()
    for onset in (0.0, 120.0, 340.0):  # before, inside, after the 10-minute reach
        got = spectrogram_window(spec, int(first_rows(np.array([onset]))[0]))
        np.testing.assert_allclose(got, spectrogram_around(eeg, onset + 5.0), rtol=2e-3)


# ------------------------------------------------------------------ outputs


def test_timeline_columns_and_values(scored):
    result, out = scored
    tl = pd.read_parquet(out / "rec_timeline.parquet")
    assert list(tl.columns[:8]) == ["onset", "duration", *VOTE_COLUMNS]
    for col in ("seizure_burden", "iiic_burden", "missing_fraction", "clipped_fraction",
                "quality", "leading_feature", "leading_concept", "predicted",
                "bad_channels"):  # fmt: skip
        assert col in tl.columns
    from hms_features.features.concepts import concept_groups, concept_label
    from hms_features.features.families import feature_table

    groups = feature_table().set_index("name")["concept"]
    # readable labels ("Amplitude, whole head"), never the internal keys ("amplitude@head")
    assert set(tl["leading_concept"]) <= {concept_label(g) for g in concept_groups()}
    assert not any("@" in c for c in tl["leading_concept"])
    assert set(tl["leading_feature"]) <= set(groups.index)
    assert len(tl) == MINUTES * 6 and (tl["duration"] == 10).all()
    np.testing.assert_allclose(tl["onset"], np.arange(len(tl)) * 10.0)
    np.testing.assert_allclose(tl[list(VOTE_COLUMNS)].sum(axis=1), 1.0, atol=1e-6)
    iiic = tl[["seizure_vote", "lpd_vote", "gpd_vote", "lrda_vote"]].sum(axis=1)
    np.testing.assert_allclose(tl["iiic_burden"], iiic)
    # the edge windows reach outside the recording: missing data, said so
    assert tl["missing_fraction"].iloc[0] >= 0.4 - 1e-6 and tl["missing_fraction"].iloc[10] == 0
    csv = pd.read_csv(out / "rec_timeline.csv")
    np.testing.assert_allclose(csv["seizure_vote"], tl["seizure_vote"], rtol=1e-5)


def test_events_are_valid_bids_and_load_as_annotations(scored):
    result, out = scored
    text = (out / "rec_events.tsv").read_text()
    lines = text.splitlines()
    assert lines[0].split("\t") == ["onset", "duration", "trial_type", "probability", "n_windows"]
    assert all(len(line.split("\t")) == 5 and "" not in line.split("\t") for line in lines)
    ev = pd.read_csv(out / "rec_events.tsv", sep="\t")
    assert len(ev) >= 1 and pd.api.types.is_numeric_dtype(ev["onset"])
    assert (ev["onset"] >= 0).all() and (ev["duration"] > 0).all()
    assert ev["onset"].is_monotonic_increasing
    assert set(ev["trial_type"]) <= {"Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other"}
    assert (out / "rec_events.json").is_file()
    notes = mne.read_annotations(out / "rec_annotations.txt")
    np.testing.assert_allclose(notes.onset, ev["onset"])
    assert list(notes.description) == ev["trial_type"].tolist()


def test_page_is_self_contained(scored):
    result, out = scored
    page = (out / "rec_timeline.html").read_text()
    assert page.count("data:image/png;base64,") >= 1 and "<iframe srcdoc=" in page
    assert 'src="http' not in page and "IIIC burden" in page
    assert set(result.files) >= {"timeline", "events", "annotations", "page"}


def test_cli_and_parallel_workers_agree(
    recording, model_dir, tmp_path, scored, capsys, monkeypatch
):
    from hms_features.score import extract

    monkeypatch.setattr(extract, "BLOCK_SECONDS", 60.0)  # 6 blocks of 6 windows: 2 workers
    monkeypatch.setattr(extract, "ROWS_PER_CHUNK", 60)  # 3 spectrogram chunks
    args = ["score", str(recording), "--model-dir", str(model_dir), "--out", str(tmp_path),
            "--no-page", "-q", "--n-jobs", "2"]  # fmt: skip
    assert main(args) == 0
    assert "rec_events.tsv" in capsys.readouterr().out
    parallel = pd.read_parquet(tmp_path / "rec_timeline.parquet")
    pd.testing.assert_frame_equal(parallel, scored[0].timeline, check_exact=False, rtol=1e-6)


def test_serial_path_loads_the_model_once(recording, model_dir, tmp_path, monkeypatch):
    """Issue 19: ``hms score`` on one process loads the model and derives its columns once,
    and passes them down to the blocks (the page included)."""
    from hms_features.model import files
    from hms_features.score import extract, timeline

    calls = {"load": 0, "columns": 0}

    def counted(name, module, original):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, original.__name__, wrapper)

    counted("load", files, files.load_model)
    counted("columns", timeline, timeline.model_columns)
    extract._worker_model.cache_clear()  # a copy cached by an earlier test would hide a load
    result = score_recording(recording, model_dir, tmp_path, n_jobs=1, progress=False,
                             start=0.0, end=120.0)  # fmt: skip
    assert calls == {"load": 1, "columns": 1}
    assert extract._worker_model.cache_info().currsize == 0
    assert "page" in result.files and len(result.timeline) == 12


# ------------------------------------------------------------------ short and broken files


def test_short_recording_is_scored_with_flags(tmp_path, model_dir):
    path = _edf(tmp_path / "clip.edf", 20)
    with pytest.warns(HMSWarning, match="less than one 50-s window"):
        result = score_recording(path, model_dir, tmp_path / "o", n_jobs=1, page=False,
                                 progress=False)  # fmt: skip
    tl = result.timeline
    assert tl["onset"].tolist() == [0.0, 10.0]
    assert (tl["missing_fraction"] > 0.5).all() and (tl["quality"] == "poor").all()
    assert result.events.empty  # poor windows are never merged into events


def test_too_short_recording_is_one_error_line(tmp_path, model_dir, capsys):
    path = _edf(tmp_path / "tiny.edf", 5)
    args = ["score", str(path), "--model-dir", str(model_dir), "--out", str(tmp_path / "o")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "lasts 5 s" in err and "Traceback" not in err


def test_flat_channel_is_missing_data(tmp_path, model_dir):
    path = _edf(tmp_path / "flat.edf", 60, flat="O1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", HMSWarning)
        result = score_recording(path, model_dir, tmp_path / "o", n_jobs=1, page=False,
                                 progress=False)  # fmt: skip
    tl = result.timeline
    assert (tl["missing_fraction"] > 0).all()
    np.testing.assert_allclose(tl[list(VOTE_COLUMNS)].sum(axis=1), 1.0, atol=1e-6)


# ------------------------------------------------------------------ one read of the file


def test_the_store_answers_as_the_file_and_the_workers_read_in_the_callers_unit(
    recording, tmp_path, monkeypatch
):
    """The spectrogram pass leaves every 200-Hz sample and flag of the recording in the store,
    equal to reading the file, and its workers read the file in the unit the caller forced
    (they read it in the header's unit before, so --unit with workers scaled only some rows)."""
    from hms_features.score import extract

    monkeypatch.setattr(extract, "ROWS_PER_CHUNK", 60)  # 3 chunks: 2 workers
    reader = RecordingReader(recording, unit="mV")
    serial = recording_spectrogram(reader)
    store = extract.SampleStore(tmp_path / "store", reader.n_samples)
    parallel = recording_spectrogram(reader, n_jobs=2, store=store)
    np.testing.assert_allclose(parallel, serial, rtol=1e-5)
    x, codes = reader.read(0, reader.n_samples, True)
    y, flags = store.read(0, reader.n_samples, True)
    np.testing.assert_allclose(y, x, rtol=1e-5, atol=1e-3)  # chunk edges: float32 rounding
    np.testing.assert_array_equal(flags, codes)
    for a, b in ((-500, 300), (71_000, 72_500)):  # reaching outside the recording: padded
        got, want = extract.read_padded(store, a, b, True), extract.read_padded(reader, a, b, True)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-3)
        np.testing.assert_array_equal(got[1], want[1])


def test_the_scratch_folder_is_removed_whatever_happens(recording, model_dir, tmp_path):
    """The store and the features file live beside the outputs while the run lasts, and are
    gone after it, after a failure too."""
    from hms_features.score import extract

    out = tmp_path / "o"
    score_recording(recording, model_dir, out, n_jobs=1, page=False, progress=False,
                    end=120.0)  # fmt: skip
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []

    def broken(*args, **kwargs):
        assert (out / ".rec.score-samples" / "samples.f32").is_file()  # it was there
        raise RuntimeError("a failure in the windows pass")

    with pytest.MonkeyPatch.context() as m:
        m.setattr(extract, "score_windows", broken)
        with pytest.raises(RuntimeError, match="windows pass"):
            score_recording(recording, model_dir, out, n_jobs=1, page=False, progress=False,
                            end=120.0)  # fmt: skip
    assert not (out / ".rec.score-samples").exists()


def test_review_pages_drawn_on_workers_are_those_drawn_here(recording, model_dir, scored):
    """The page's reviews are drawn on worker processes (each loads the model itself): the same
    pages, byte for byte, as drawn in this process with the caller's model."""
    from hms_features.model.files import load_model
    from hms_features.score.extract import score_windows
    from hms_features.score.page import recording_reviews

    result, _ = scored
    reader = RecordingReader(recording)
    spec = recording_spectrogram(reader)
    onsets = segment_onsets(reader.duration)
    feats = score_windows(reader, spec, onsets, 10.0).features
    model = load_model(model_dir)
    tl = result.timeline.iloc[:12]  # two reviews are enough to compare
    here = recording_reviews("rec", reader, spec, tl, feats, model, model_dir, onsets, 1)
    there = recording_reviews("rec", reader, spec, tl, feats, model, model_dir, onsets, 2)
    assert len(here) >= 2 and [r["cls"] for r in here] == [r["cls"] for r in there]

    def unstamped(reviews):  # a page says the minute it was written: the two may straddle one
        return [re.sub(r"written \d{4}-\d\d-\d\d \d\d:\d\d", "", r["html"]) for r in reviews]

    assert unstamped(here) == unstamped(there)


def test_a_store_that_cannot_be_written_is_one_clear_error(tmp_path):
    from hms_features.errors import OutputPathError
    from hms_features.score.extract import SampleStore

    store = SampleStore(tmp_path / "s", 1000)
    store.samples.unlink()
    store.samples.mkdir()  # as a full disk would, the write fails
    with pytest.raises(OutputPathError, match=r"200-Hz copy \(0\.0 GB\) into .*--out"):
        store.write(0, np.zeros((10, 20), np.float32), np.zeros((10, 19), np.uint8))


def test_a_kaggle_parquet_is_scored_from_memory_as_the_edf_from_its_store(
    recording, model_dir, scored, tmp_path
):
    """A Kaggle EEG parquet is held in memory (no store, the features kept in memory); written
    from the EDF's 200-Hz samples it scores as the EDF, whose windows came from its store."""
    eeg = RecordingReader(recording).read_all()
    pd.DataFrame(eeg, columns=list(EEG_CHANNELS)).to_parquet(tmp_path / "rec.parquet")
    result = score_recording(tmp_path / "rec.parquet", model_dir, tmp_path / "o", n_jobs=2,
                             page=False, progress=False)  # fmt: skip
    assert not any(p.name.startswith(".") for p in (tmp_path / "o").iterdir())
    pd.testing.assert_frame_equal(result.timeline, scored[0].timeline, check_exact=False,
                                  rtol=1e-5, atol=1e-6)  # fmt: skip
