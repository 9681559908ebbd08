"""The course's book (``make book``, tools/book.py) read in a real browser: Debian's Chromium,
headless, driven by Playwright, on the site served over HTTP as GitHub Pages would. From the
front page the table of contents reaches every notebook in course order; each page has its title,
the note of where its numbers come from, and figures that load; every link between the book's
pages resolves (its anchor too); search finds notebook 05; a screenshot is left in build/book.png.

``make test`` runs it last, after nbval: the book is built from the notebooks nbval has just
executed in the smoke profile (``tools/nbval_executed.py`` keeps them in build/nbval-executed/;
``BOOK_EXECUTED`` names another folder, e.g. build/executed after ``make run``), into
build/book-smoke/. The counts checked are written to build/book-browser.json.
"""

import functools
import http.server
import json
import os
import re
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.test_explorer_browser import chromium_page
from tools import book, runner, series
from utils import config

BUILD = config.ROOT / "build"
SITE = BUILD / "book-smoke"
SCREENSHOT = BUILD / "book.png"
COUNTS = BUILD / "book-browser.json"
EXECUTED = Path(os.environ.get("BOOK_EXECUTED") or BUILD / "nbval-executed")
SEARCH_WORD = "calibration"  # notebook 05's section "Inside one int8 layer" is about it
LOAD_S = 60
NOTEBOOKS = series.notebooks(config.NOTEBOOKS_DIR)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site():
    """The smoke book, built from the executed notebooks, served on a free port of 127.0.0.1."""
    absent = book.missing(EXECUTED)
    if absent:
        pytest.fail(
            f"{EXECUTED} has no executed copy of {', '.join(absent)}: run `make test` (nbval "
            "keeps them there) or set BOOK_EXECUTED to build/executed after `make run`."
        )
    saved = os.environ.get("COURSE_BUILD_DIR")
    os.environ["COURSE_BUILD_DIR"] = str(BUILD)  # the real build/: its results.json, runs.json
    try:
        book.build_book(EXECUTED, SITE)
    finally:
        os.environ.pop("COURSE_BUILD_DIR") if saved is None else os.environ.update(
            COURSE_BUILD_DIR=saved
        )
    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def page(site, tmp_path_factory):
    with chromium_page(tmp_path_factory.mktemp("chromium-profile"), 1600) as page:
        yield page


def plain(text: str) -> str:
    """A heading as the reader sees it: no Markdown emphasis or code marks, single spaces."""
    return " ".join(re.sub(r"[*`_]", "", text).split())


def toc_links(page, site: str) -> list[str]:
    """The pages the sidebar's table of contents links, in its order (file names)."""
    page.goto(site, wait_until="load")  # the front page forwards to the overview
    page.wait_for_url("**/intro.html", timeout=LOAD_S * 1000)
    page.wait_for_load_state("load")
    hrefs = page.eval_on_selector_all(
        "nav.bd-docs-nav a.reference.internal", "links => links.map(a => a.href)"
    )
    return [urllib.parse.urlparse(h).path.rsplit("/", 1)[-1] for h in hrefs]


@functools.lru_cache(maxsize=None)
def fetched(url: str) -> str:
    with urllib.request.urlopen(url, timeout=LOAD_S) as answer:
        return answer.read().decode("utf-8")


def test_every_page_from_the_contents_has_its_title_figures_and_working_links(page, site):
    listed = toc_links(page, site)
    expected = [f"{p.stem}.html" for p in NOTEBOOKS]
    # the notebooks in course order (tools.series: the core, then the appendices), once each
    assert [name for name in listed if name in expected] == expected
    assert listed[0] == "intro.html" or "intro.html" not in listed  # the overview is the root
    assert "summary.html" in listed
    images = links = cross = 0
    pages = set(expected)
    for notebook in NOTEBOOKS:
        page.goto(site + f"{notebook.stem}.html", wait_until="load")
        title = runner.title(nbformat.read(notebook, as_version=4), notebook.stem)
        heading = page.locator("article h1").first.inner_text()
        assert plain(heading).startswith(plain(title)), (notebook.name, heading)
        article = page.locator("article").inner_text()
        assert "numbers come from" in article, notebook.name
        assert page.locator("article .admonition a[href='summary.html']").count() == 1
        assert "Time:" in article, notebook.name  # the title cell's Time line
        widths = page.eval_on_selector_all(
            "article img", "images => images.map(i => [i.currentSrc, i.complete, i.naturalWidth])"
        )
        broken = [src for src, complete, width in widths if not (complete and width > 0)]
        assert not broken, f"{notebook.name}: images that did not load: {broken}"
        images += len(widths)
        hrefs = page.eval_on_selector_all(
            "article a[href]:not(.headerlink)", "links => links.map(a => a.href)"
        )
        for href in {h for h in hrefs if h.startswith(site) and ".html" in h}:
            address, _, anchor = href.partition("#")
            text = fetched(address)  # raises (HTTP 404) on a link to no page
            if anchor:
                assert f'id="{urllib.parse.unquote(anchor)}"' in text, (notebook.name, href)
            links += 1
            target = urllib.parse.urlparse(address).path.rsplit("/", 1)[-1]
            cross += target in pages and target != f"{notebook.stem}.html"
        if notebook.stem.startswith("05"):
            page.screenshot(path=str(SCREENSHOT))
    assert cross >= len(NOTEBOOKS) - 1  # every page links at least one other (its neighbours)
    counts = {"pages": len(NOTEBOOKS), "images": images, "links": links, "cross_links": cross}
    COUNTS.write_text(json.dumps(counts, indent=1))
    assert SCREENSHOT.stat().st_size > 10_000


def test_search_finds_notebook_05(page, site):
    page.goto(site + f"search.html?q={SEARCH_WORD}", wait_until="load")
    found = page.locator("#search-results a[href*='05_int8_tflite.html']")
    found.first.wait_for(state="attached", timeout=LOAD_S * 1000)
    assert found.count() >= 1


def test_the_student_book_shows_no_model_answer(page, site):
    """An exercise's cell shows the student copy's stub (code or a written answer): no line of
    the instructor's solution that the stub lacks is on the page."""
    checked = 0
    for notebook in NOTEBOOKS:
        student = nbformat.read(config.ROOT / "student" / notebook.name, as_version=4)
        stubs = {c.get("id"): c.source for c in student.cells}
        text = plain(
            page.evaluate(
                "html => new DOMParser().parseFromString(html, 'text/html')"
                ".querySelector('article').innerText",
                fetched(site + f"{notebook.stem}.html"),
            )
        )
        for cell in nbformat.read(notebook, as_version=4).cells:
            if not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                continue
            stub = stubs[cell.get("id")]
            answer = [
                plain(line.strip().lstrip("-*> "))
                for line in cell.source.splitlines()
                if len(line.strip()) > 30 and line.strip() not in stub
            ]
            # a model answer's first lines, as a reader sees them (in the teachers' book most are
            # found so; code highlighting or maths splits the rest)
            for line in answer[:3]:
                assert line not in text, (notebook.name, line)
                checked += 1
    assert checked > len(NOTEBOOKS)  # the course has more exercises than notebooks
