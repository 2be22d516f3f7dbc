"""The page machinery: templates, autoescape, the page shell, images, shared formats (the pages
themselves in a browser: tests/test_pages_browser.py)."""

from __future__ import annotations

import base64
import re
from importlib import resources

import jinja2
import pytest

from hms_features.explain import pages, plots

TEMPLATES = resources.files("hms_features.explain") / pages.TEMPLATES


def _templates() -> list[str]:
    return sorted(p.name for p in TEMPLATES.iterdir() if p.name.endswith(".html"))


def test_templates_are_package_files():
    names = _templates()
    assert {"base.html", "review.html", "review_index.html", "cohort.html", "families.html",
            "recording.html", "archive_index.html"} <= set(names)  # fmt: skip
    assert (TEMPLATES / "style.css").is_file()


@pytest.mark.parametrize("name", _templates())
def test_templates_never_turn_escaping_off(name):
    text = (TEMPLATES / name).read_text()
    assert not re.search(r"\|\s*safe|autoescape\s+false|Markup", text), name
    if name not in ("base.html", "cohort_source.html"):  # every page extends the one shell
        assert text.count('{% extends "base.html" %}') == 1, name


def test_every_inserted_value_is_escaped():
    row = {"file": 'a"b.html', "eeg_id": 1, "split": "<i>t</i>", "eeg_sub_id": 0,
           "patient_id": 2, "predicted": "LPD", "probability": 0.5, "votes": "3 <b>x</b>&",
           "flags": ["<script>alert(1)</script>"]}  # fmt: skip
    page = pages.render("review_index.html", title="<b>x</b>&", rows=[row])
    assert "<b>x</b>" not in page and "<script>" not in page and "<i>t" not in page
    assert "&lt;b&gt;x&lt;/b&gt;&amp;" in page and 'href="a&#34;b.html"' in page
    assert page.count("<style>") == 1 and page.startswith("<!DOCTYPE html>")
    assert "font-family" in page  # the stylesheet, inlined


def test_an_undefined_name_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError):
        pages.render("review_index.html", rows=[])  # no title


def test_png_data_uri_is_a_png():
    fig = plots.new_figure(2, 1)
    fig.add_subplot(111).plot([0, 1], [1, 0])
    uri = pages.png_data_uri(fig)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_shared_formats():
    assert pages.percent(0.256) == "26%" and pages.percent(0.256, 1) == "25.6%"
    assert pages.percent(None) == "n/a" and pages.percent(float("nan"), 1) == "n/a"
    assert pages.signed(0.5) == "+0.500" and pages.signed(-0.25, 2) == "-0.25"
    assert pages.rank(12.4) == "12" and pages.rank(float("nan")) == "\u2013"
    assert pages.value(None) == "missing" and pages.value(1234.5) == "1.23e+03"
    assert pages.clock(3725.4) == "1:02:05" and pages.number(10.0) == "10"
