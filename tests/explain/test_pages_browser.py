"""Every page kind opened in a real browser, as a clinician would open it (issue 19).

Headless Chromium (Debian's ``chromium`` package, driven by Playwright), offline: the review
report (a test EEG and a train EEG with the experts' votes), the reports' index, the two cohort
pages, a scored recording's page (with its embedded reviews opened) and the archive index. Each
page loads with no console error and no page error, asks for nothing over the network (only its
own ``file:`` URL; images are ``data:`` URIs), every image decodes, and a screenshot is not
blank. The screenshots are kept in the test's temporary folder (``screenshots/``).

Skips, saying why, where ``/usr/bin/chromium`` or the ``playwright`` package is missing;
``.ci/run`` installs the browser, so that CI runs it.
"""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from hms_features.errors import HMSWarning

CHROMIUM = Path("/usr/bin/chromium")
#: Chromium flags: headless in a container, nothing fetched in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
#: URL schemes a self-contained page may load (itself, embedded images, srcdoc frames).
LOCAL = ("file:", "data:", "about:")
#: Any other scheme is blocked (and reported by the request log).
REMOTE = re.compile(r"^(https?|wss?|ftp)://")


@pytest.fixture(scope="module")
def sync_playwright():
    """Playwright's synchronous API, or a skip that says what to install."""
    if not CHROMIUM.is_file():
        pytest.skip(f"browser test: {CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "browser test: the playwright package is not installed (pip install -e '.[dev]')"
        )
    return sync_playwright


@pytest.fixture(scope="module")
def site(tmp_path_factory, example) -> dict[str, Path]:
    """Every page kind, built from the session's small example: name -> file."""
    from hms_features.data import KaggleLayout, read_labels
    from hms_features.explain import generate_reports, write_cohort
    from hms_features.score.archive import score_archive
    from hms_features.synth.continuous import synth_recording

    ex = example
    t0 = time.perf_counter()
    root = tmp_path_factory.mktemp("site")
    layout = KaggleLayout(ex.data)
    test_eeg = int(read_labels(layout.labels_csv("test"), "test")["eeg_id"].iloc[0])
    train_eeg = int(read_labels(layout.labels_csv("train"), "train")["eeg_id"].iloc[0])
    reports = root / "reports"
    recs = root / "recordings"
    recs.mkdir()
    synth_recording(recs / "rec <b>&.edf", 3, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HMSWarning)
        generate_reports(ex.data, ex.model, reports, [test_eeg], split="test", log=None)
        generate_reports(ex.data, ex.model, reports, [train_eeg], split="train",
                         extra_classes=["LPD"], log=None)  # fmt: skip
        write_cohort(ex.model, ex.features, root / "cohort", data_dir=ex.data, max_rows=60,
                     top_k=8, log=None)  # fmt: skip
        score_archive([recs], ex.model, root / "archive", n_jobs=1)
    print(f"browser test: pages built in {time.perf_counter() - t0:.1f} s")
    return {
        "review_test": reports / f"report_test_{test_eeg}.html",
        "review_train": next(reports.glob(f"report_train_{train_eeg}_*.html")),
        "review_index": reports / "index.html",
        "cohort": root / "cohort" / "index.html",
        "families": root / "cohort" / "families.html",
        "recording": root / "archive" / "rec <b>&" / "rec <b>&_timeline.html",
        "archive_index": root / "archive" / "index.html",
    }


@pytest.fixture(scope="module")
def browser(sync_playwright):
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)  # fmt: skip
        yield chromium
        chromium.close()


class PageLog:
    """What a page said and asked for while it loaded."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def check(self, name: str) -> None:
        assert self.errors == [], f"{name}: console or page errors {self.errors}"
        remote = [u for u in self.requests if not u.startswith(LOCAL)]
        assert remote == [], f"{name}: network requests {remote}"


#: In a page or frame: open every <details>, then decode every image; [alt, width, error].
DECODE_IMAGES = """async () => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    return await Promise.all(Array.from(document.images).map(async img => {
        try { await img.decode(); return [img.alt, img.naturalWidth, '']; }
        catch (e) { return [img.alt, img.naturalWidth, String(e)]; }
    }));
}"""


def assert_images_decode(frame, name: str) -> int:
    """Every image of ``frame`` decodes to a picture; returns how many there are."""
    images = frame.evaluate(DECODE_IMAGES)
    bad = [(alt, width, err) for alt, width, err in images if width <= 0 or err]
    assert bad == [], f"{name}: images that do not decode {bad}"
    return len(images)


def assert_not_blank(png: Path, name: str) -> None:
    """The screenshot shows something: its pixels vary, and some are ink (a blank page is one
    colour; the sparsest page, the archive index with one row, has about 0.5% ink)."""
    from matplotlib.image import imread

    pixels = imread(png)[..., :3]
    ink = float((pixels.min(axis=-1) < 0.75).mean())
    assert pixels.std() > 0.01, f"{name}: blank screenshot {png} (pixel std {pixels.std():.3f})"
    assert ink > 0.002, f"{name}: screenshot {png} is nearly empty ({ink:.2%} ink)"


def open_page(browser, path: Path, shots: Path, name: str):
    """Open ``path`` offline in a fresh context; check it and screenshot it. Returns the page
    (still open) and its log."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.route(REMOTE, lambda route: route.abort())
    page = context.new_page()
    log = PageLog(page)
    page.goto(path.as_uri(), wait_until="load")
    n_images = assert_images_decode(page, name)
    page.evaluate("() => window.scrollTo(0, 0)")
    shot = shots / f"{name}.png"
    page.screenshot(path=str(shot))
    assert_not_blank(shot, name)
    log.check(name)
    return page, log, n_images


#: Images per page kind (at least): probabilities + review + 2 waterfalls per class shown.
MIN_IMAGES = {"review_test": 4, "review_train": 6, "review_index": 0, "cohort": 25,
              "families": 1, "recording": 1, "archive_index": 0}  # fmt: skip


def test_every_page_kind_in_a_browser(browser, site, tmp_path_factory):
    shots = tmp_path_factory.mktemp("screenshots")
    t0 = time.perf_counter()
    for name, path in site.items():
        assert path.is_file(), f"{name}: {path} was not written"
        page, log, n_images = open_page(browser, path, shots, name)
        assert n_images >= MIN_IMAGES[name], f"{name}: {n_images} images"
        title = page.locator("h1").first.inner_text()
        assert title.strip(), f"{name}: no title"
        if name == "recording":
            assert title.startswith("rec <b>&: harmful brain activity")  # the name, as text
            check_embedded_reviews(page, shots)
            log.check(name)
        if name == "archive_index":
            href = page.locator("a").first.evaluate("a => a.href")
            assert Path(unquote(urlparse(href).path)) == site["recording"]
        page.context.close()
    print(f"browser: {len(site)} pages checked in {time.perf_counter() - t0:.1f} s; "
          f"screenshots in {shots}")  # fmt: skip


def check_embedded_reviews(page, shots: Path) -> None:
    """The recording page's reviews (``iframe srcdoc``, opened by :data:`DECODE_IMAGES`) are
    shown, render a review (title, images decoded, the recording's name as text), and look like
    one."""
    frames = page.locator("iframe.review")
    assert frames.count() >= 1, "no embedded review"
    for i in range(frames.count()):
        element = frames.nth(i)
        element.scroll_into_view_if_needed()
        assert element.is_visible(), f"embedded review {i} is not shown"
        frame = element.element_handle().content_frame()
        frame.wait_for_load_state("load")
        heading = frame.locator("h1").inner_text()
        assert heading.startswith("rec <b>&.edf at ") and "predicted" in heading, heading
        assert assert_images_decode(frame, f"review {i}") >= 4
        assert frame.locator("details").count() >= 1  # the concepts, openable
    frames.first.scroll_into_view_if_needed()
    shot = shots / "recording_review.png"
    frames.first.screenshot(path=str(shot))
    assert_not_blank(shot, "embedded review")
