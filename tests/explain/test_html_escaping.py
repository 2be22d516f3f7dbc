"""Every page kind rendered for names that are HTML (issue 18, item 11): a recording named
``<b>x</b>&.edf`` (and ``<img src=x onerror=alert(1)>&.edf``), a channel label with ``<`` and
``&``, a model folder and a feature table under such names. None of that text may reach a page
unescaped: the review page, the cohort pages, the timeline page and the archive index."""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pytest
from helpers import edf

from hms_features.cli import main
from hms_features.errors import HMSWarning

#: Substrings that only an unescaped name can put into a page.
RAW = ("<b>x", "b>&.", "b>&<", "<img src=x", "<1&2>", "EMG <1", "onerror=alert(1)>")


def assert_escaped(page: str, where: str) -> None:
    for raw in RAW:
        assert raw not in page, f"{raw!r} unescaped in {where}"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    from helpers import session_example

    return session_example(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def named(example, tmp_path_factory):
    """The example's model and features copied under HTML names, and two recordings."""
    root = tmp_path_factory.mktemp("html")
    model = root / "<b>x</b>&"  # the folder "<b>x<" holding the model folder "b>&"
    shutil.copytree(example.model, model)
    features = root / "<img src=x onerror=alert(1)>&.parquet"
    shutil.copy(example.features, features)
    recs = root / "recs"
    (recs / "<b>x<").mkdir(parents=True)
    rec1 = edf(recs / "<b>x</b>&.edf", 60, flat=("O1",), extra=("EMG <1&2>",))
    rec2 = edf(recs / "<img src=x onerror=alert(1)>&.edf", 60, seed=4, extra=("Photic&<",))
    return model, features, rec1, rec2


def test_timeline_page_and_its_reviews_escape_every_name(named, tmp_path, capsys):
    model, _, rec1, _ = named
    out = tmp_path / "scored"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HMSWarning)
        assert main(["score", str(rec1), "--model-dir", str(model), "--out", str(out), "-q",
                     "--n-jobs", "1"]) == 0  # fmt: skip
    assert "ignored channels: EMG <1&2>" in capsys.readouterr().out  # the terminal: as is
    page = (out / "b>&_timeline.html").read_text()
    assert_escaped(page, "the timeline page")
    assert "b&gt;&amp;.edf" in page and "EMG &lt;1&amp;2&gt;" in page
    assert "O1 (O1): flat" in page and "<iframe srcdoc=" in page
    # the embedded reviews name the recording, not "EEG 26", and not "the file's own"
    reviews = page.split("<h2>Most")[1]
    assert "b&amp;gt;&amp;amp;.edf at 0:" in reviews and not re.search(r"EEG \d", reviews)
    assert "the file&amp;#x27;s own" not in page and "the file's own" not in page


def test_archive_index_escapes_every_name(named, tmp_path):
    from hms_features.score.archive import score_archive

    model, _, rec1, rec2 = named
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HMSWarning)
        result = score_archive([rec1.parents[1]], model, tmp_path / "a", page=False, n_jobs=1)
    assert list(result.index["status"]) == ["scored", "scored"]
    page = (tmp_path / "a" / "index.html").read_text()
    assert_escaped(page, "the archive index")
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;.edf" in page and "b&gt;&amp;.edf" in page


def test_review_and_its_index_escape_the_model_name(named, example, tmp_path):
    from hms_features.data import KaggleLayout, read_labels

    model, *_ = named
    eeg = int(read_labels(KaggleLayout(example.data).labels_csv("test"), "test")["eeg_id"][0])
    out = tmp_path / "reports"
    assert main(["explain", "--data-dir", str(example.data), "--model-dir", str(model),
                 "--eeg-id", str(eeg), "--out", str(out), "-q"]) == 0  # fmt: skip
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 2  # the review and the index
    for path in pages:
        assert_escaped(path.read_text(), path.name)
    review = next(p for p in pages if p.name.startswith("report_")).read_text()
    assert "model b&gt;&amp;" in review


def test_cohort_pages_escape_the_model_and_feature_paths(named, example, tmp_path):
    model, features, *_ = named
    out = tmp_path / "cohort"
    assert main(["cohort", "--data-dir", str(example.data), "--model-dir", str(model),
                 "--features", str(features), "--out", str(out), "-q"]) == 0  # fmt: skip
    pages = sorted(Path(out).glob("*.html"))
    assert {p.name for p in pages} >= {"index.html", "families.html"}
    for path in pages:
        assert_escaped(path.read_text(), path.name)
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;.parquet" in (out / "index.html").read_text()
